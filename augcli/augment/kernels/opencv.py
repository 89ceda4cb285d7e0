"""The OpenCV resampler (``resampler: opencv``, the default): one ``cv2.warpAffine``, no padding.

Imported only when a pipeline uses it; OpenCV (``opencv-python-headless>=5``) is a core
dependency. OpenCV's border modes are exactly
numpy.pad's fill modes, so the source is never padded:

=============  ======================  =============================================
fill           OpenCV border           a row ``a b c d``, two pixels beyond each side
=============  ======================  =============================================
``constant``   ``BORDER_CONSTANT``     ``k k | a b c d | k k`` (per-channel cval)
``edge``       ``BORDER_REPLICATE``    ``a a | a b c d | d d``
``reflect``    ``BORDER_REFLECT_101``  ``c b | a b c d | c b``
``symmetric``  ``BORDER_REFLECT``      ``b a | a b c d | d c``
``wrap``       ``BORDER_WRAP``         ``c d | a b c d | a b``
=============  ======================  =============================================

OpenCV's ``WARP_INVERSE_MAP`` takes the output-to-input matrix with pixel centres at integers,
which is :class:`~augcli.augment.kernels.affine.Transform`'s convention: the matrix is passed
as it is. uint8 is resampled in OpenCV's 8-bit path (rounded; within 1 level of
skimage's warp), uint16 in its 16-bit path (float weights, rounded: the float32 path rounded
back except on some exact ties, which it breaks the other way), float32 in float32. Source
coordinates are float32 inside OpenCV: on a 4000-pixel image they carry up to ~2e-4 px of
rounding. Bicubic is OpenCV's cubic convolution with a = -0.75 (Pillow's is a = -1).
OpenCV runs single-threaded (``cv2.setNumThreads(1)``): the parallelism is augcli's workers.

OpenCV 5 or later is required: its warpAffine computes in floating point (1, 3 or 4 channels
per call; other counts are split), where 4.x rounds source coordinates to 1/32 pixel.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np

from augcli.augment.kernels.affine import Transform
from augcli.augment.kernels.channels import preserve_channel_dim
from augcli.augment.kernels.fill import FillMode, Interpolation, fill_period, filled
from augcli.images.dtypes import cast_to

INSTALL_COMMAND = 'pip install "opencv-python-headless>=5"'
MIN_VERSION = 5  # OpenCV 4.x's warpAffine rounds coordinates to 1/32 pixel (up to ~8 levels off)
_BORDERS = {
    "constant": "BORDER_CONSTANT",
    "edge": "BORDER_REPLICATE",
    "reflect": "BORDER_REFLECT_101",
    "symmetric": "BORDER_REFLECT",
    "wrap": "BORDER_WRAP",
}
_FLAGS = {"nearest": "INTER_NEAREST", "bilinear": "INTER_LINEAR", "bicubic": "INTER_CUBIC"}
_MAX_SIDE = 32766  # OpenCV's remap refuses sides of SHRT_MAX and more
# Source coordinates beyond this many image sizes outside: the coordinate-folding fallback.
_MAX_REACH = 16
_CV2: list[ModuleType] = []


def load() -> ModuleType:
    """Import OpenCV once per process and make it single-threaded.

    Raises
    ------
    ImportError
        OpenCV is not installed, or older than 5.0; the message gives the install command.
    """
    if not _CV2:
        try:
            import cv2
        except ImportError as exc:
            raise ImportError(
                f"the opencv resampler needs OpenCV, which is not installed: {INSTALL_COMMAND} "
                "(or choose resampler pillow)"
            ) from exc
        major = int(cv2.__version__.split(".")[0])
        if major < MIN_VERSION:
            raise ImportError(
                f"the opencv resampler needs OpenCV {MIN_VERSION} or later (found "
                f"{cv2.__version__}, whose warpAffine rounds coordinates to 1/32 pixel): "
                f"pip install -U {INSTALL_COMMAND.split(' ', 2)[2]} (or choose resampler pillow)"
            )
        cv2.setNumThreads(1)
        _CV2.append(cv2)
    return _CV2[0]


def resample(
    image: np.ndarray,
    transform: Transform,
    fill: FillMode,
    cvals: np.ndarray,
    interpolation: Interpolation,
) -> np.ndarray | None:
    """Resample ``image`` with ``cv2.warpAffine``; None when OpenCV cannot take the map.

    Parameters
    ----------
    image : numpy.ndarray
        HxW or HxWxC, uint8, uint16 or float32. Not modified.
    transform : Transform
        Output-to-input map and output shape.
    fill : str
        numpy.pad's mode name (mapped to OpenCV's border mode, table in the module docstring).
    cvals : numpy.ndarray
        One constant fill value per channel (image units).
    interpolation : str
        ``nearest``, ``bilinear`` or ``bicubic``.

    Returns
    -------
    numpy.ndarray or None
        A new array of ``transform.out_shape (+ C)`` and the input's dtype; None for sides of
        32767 pixels or more, or a map reaching more than 16 image sizes outside the image
        (the caller folds coordinates instead).
    """
    cv2 = load()
    oh, ow = transform.out_shape
    h, w = image.shape[:2]
    if max(h, w, oh, ow) > _MAX_SIDE:
        return None
    m = transform.matrix[:2].copy()
    corners = np.array([[0, 0, 1], [ow - 1, 0, 1], [0, oh - 1, 1], [ow - 1, oh - 1, 1]])
    centre = (corners @ m.T).mean(axis=0)
    for axis, n in ((0, w), (1, h)):
        # Whole periods of a periodic fill change nothing: move the map's centre to the period
        # nearest the image (huge shifts become small; ordinary maps are left as they are,
        # since OpenCV is much slower on pixels it reads through its border modes).
        period = fill_period(fill, n)
        if period is not None:
            m[axis, 2] -= period * round((centre[axis] - (n - 1) / 2) / period)
    reach = corners @ m.T
    lo, hi = reach.min(axis=0), reach.max(axis=0)
    if fill == "constant" and ((hi < -2).any() or lo[0] > w + 1 or lo[1] > h + 1):
        return filled((oh, ow), image, cvals)  # no filter tap (support <= 2) reaches the image
    if np.abs(reach[:, 0]).max() > _MAX_REACH * (w + ow) or (
        np.abs(reach[:, 1]).max() > _MAX_REACH * (h + oh)
    ):
        return None
    flags = getattr(cv2, _FLAGS[interpolation]) | cv2.WARP_INVERSE_MAP
    border = getattr(cv2, _BORDERS[fill])
    return _warp_affine(image, cv2, m, (ow, oh), flags, border, cast_to(cvals, image.dtype))


@preserve_channel_dim
def _warp_affine(
    image: np.ndarray,
    cv2: ModuleType,
    m: np.ndarray,
    size: tuple[int, int],
    flags: int,
    border: int,
    fills: np.ndarray,
) -> np.ndarray:
    """warpAffine on groups of 4, 3 or 1 channels, in the image's own dtype.

    OpenCV's exact (float-weight) paths take 1, 3 or 4 channels; 2 channels would go through
    its older fixed-point path (1/32-pixel weights, measured 4 levels off in 8-bit), so other
    counts are split into such groups. uint16 is warped as uint16 (OpenCV 5 weighs in floating
    point and rounds): no float32 copies of the image (4x its bytes) are made.
    """
    ow, oh = size
    channels = image.shape[2]

    def one(lo: int, hi: int) -> np.ndarray:
        src = np.ascontiguousarray(image[..., lo:hi])
        value = [float(v) for v in fills[lo:hi]] + [0.0] * (4 - (hi - lo))
        return cv2.warpAffine(
            src, m, (ow, oh), flags=flags, borderMode=border, borderValue=tuple(value)
        ).reshape(oh, ow, hi - lo)

    groups = channel_groups(channels)
    if len(groups) == 1:
        return one(0, channels)
    out = np.empty((oh, ow, channels), dtype=image.dtype)
    for lo, hi in groups:
        out[..., lo:hi] = one(lo, hi)
    return out


def channel_groups(channels: int) -> list[tuple[int, int]]:
    """Channel ranges of 4, 3 or 1 channels covering ``channels`` (OpenCV's exact paths).

    Examples
    --------
    >>> channel_groups(2), channel_groups(7)
    ([(0, 1), (1, 2)], [(0, 4), (4, 7)])
    """
    groups, lo = [], 0
    while lo < channels:
        left = channels - lo
        size = 4 if left >= 4 else 3 if left == 3 else 1
        groups.append((lo, lo + size))
        lo += size
    return groups
