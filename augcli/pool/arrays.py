"""Pool inputs as arrays: ``.npy`` loading and header checks, layouts, units, side arrays.

Images are pooled per channel on values scaled to [0, 1] (uint8 / 255, uint16 / 65535, float
images as given) and scaled back; ``.npy`` arrays are pooled as given, in the layout ``hw``,
``hwc``, ``chw``, ``nchw`` or ``nhwc``: given with ``--layout``, or read from the shape when
it decides (:func:`guess_layout`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from augcli.core.errors import InputError, UsageError
from augcli.core.gate import open_regular
from augcli.images.reading import read_image

LAYOUTS = {"hw": 2, "hwc": 3, "chw": 3, "nchw": 4, "nhwc": 4}
CHANNELS_LAST = ("hwc", "nhwc")
MAX_IMAGE_CHANNELS = 4  # grey, grey + alpha, RGB, RGBA: a side this small reads as channels


def _reading(shape: tuple[int, ...], layout: str) -> str:
    """What pooling ``shape`` in ``layout`` would mean, in words."""
    if layout in CHANNELS_LAST:
        *lead, h, w, c = shape
    else:
        *lead, c, h, w = shape
    batch = f"{lead[0]} x " if lead else ""
    return f"{layout}: {batch}{c} channel(s) of {h}x{w}"


def guess_layout(shape: tuple[int, ...]) -> str | None:
    """The layout a shape decides, or None when it does not (then ``--layout`` is needed).

    2-D is ``hw``. In 3-D and 4-D a side of at most 4 (grey, grey + alpha, RGB, RGBA) at one
    end of the channel positions (first or last for 3-D, second or last for 4-D) reads as the
    channels when the other candidate is larger than 4: ``(3, 9, 12)`` is ``chw``,
    ``(9, 12, 3)`` is ``hwc``, ``(2, 9, 12, 3)`` is ``nhwc``. Anything else, such as
    ``(64, 32, 32)`` (64 channels first, or 32 last?), is ambiguous.

    Examples
    --------
    >>> guess_layout((3, 9, 12)), guess_layout((2, 9, 12, 3)), guess_layout((64, 32, 32))
    ('chw', 'nhwc', None)
    """
    if len(shape) == 2:
        return "hw"
    if len(shape) not in (3, 4):
        return None
    first, last = shape[-3], shape[-1]
    first_small, last_small = first <= MAX_IMAGE_CHANNELS, last <= MAX_IMAGE_CHANNELS
    if first_small == last_small:
        return None
    if len(shape) == 3:
        return "chw" if first_small else "hwc"
    return "nchw" if first_small else "nhwc"


def choose_layout(path: Path, shape: tuple[int, ...], layout: str | None) -> str:
    """``layout`` checked against ``shape``, or the one the shape decides; else exit 2."""
    if layout is None:
        if len(shape) not in (2, 3, 4):
            raise InputError(
                f"{path}: {len(shape)}-D array of shape {shape}; pooling takes 2-D HW, "
                "3-D HWC/CHW or 4-D NCHW/NHWC arrays"
            )
        layout = guess_layout(shape)
        if layout is None:
            readings = [name for name, ndim in LAYOUTS.items() if ndim == len(shape)]
            meanings = "; ".join(_reading(shape, name) for name in readings)
            raise UsageError(
                f"{path}: shape {shape} does not say where the channels are ({meanings}); "
                f"pass --layout {' or --layout '.join(readings)}"
            )
    if len(shape) != LAYOUTS[layout]:
        raise InputError(
            f"{path}: layout {layout} needs a {LAYOUTS[layout]}-D array, got {len(shape)}-D "
            f"shape {shape}"
        )
    return layout


@dataclass(frozen=True)
class Source:
    """One input, as planes ``(..., H, W)`` ready for pooling.

    Attributes
    ----------
    planes : numpy.ndarray
        Values to pool (images: scaled to [0, 1], float64).
    layout : str
        Layout of the original array (images: ``hw`` or ``hwc``).
    is_image : bool
        Whether the input was an image file.
    scale : float
        Factor back to the input's units (255, 65535 or 1).
    dtype : numpy.dtype
        The input's dtype.
    shape : tuple of int
        The input's shape in its own layout.
    """

    planes: np.ndarray
    layout: str
    is_image: bool
    scale: float
    dtype: np.dtype
    shape: tuple[int, ...]


def to_planes(array: np.ndarray, layout: str) -> np.ndarray:
    """View an array in ``layout`` as planes ``(..., H, W)`` (channels moved first, no copy)."""
    return np.moveaxis(array, -1, -3) if layout in CHANNELS_LAST else array


def from_planes(planes: np.ndarray, layout: str) -> np.ndarray:
    """Inverse of :func:`to_planes`."""
    return np.moveaxis(planes, -3, -1) if layout in CHANNELS_LAST else planes


def load_array(path: Path, label: str = "INPUT") -> np.ndarray:
    """Load a non-empty ``.npy`` of a real dtype safely (no pickles), any shape.

    ``path`` must be a regular file (:func:`augcli.core.gate.open_regular`: a FIFO or device
    is refused without blocking); ``label`` names the argument or option in messages.
    """
    try:
        with open_regular(path, label) as handle:
            _check_npy_header(handle, path)
            handle.seek(0)
            array = np.load(handle, allow_pickle=False)
    except InputError:
        raise
    except ValueError as exc:
        reason = (
            "it holds Python objects (pickled data is refused)"
            if "pickle" in str(exc)
            else f"it is not a valid .npy file ({exc})"
        )
        raise InputError(f"{path}: cannot load: {reason}") from None
    except (OSError, EOFError) as exc:
        raise InputError(f"{path}: cannot read .npy: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - any malformed header must become a message
        raise InputError(f"{path}: not a valid .npy file ({type(exc).__name__}: {exc})") from None
    if not isinstance(array, np.ndarray):
        raise InputError(f"{path}: expected one array in .npy format, got an archive")
    if array.dtype.kind not in "biuf":
        raise InputError(
            f"{path}: dtype {array.dtype} cannot be pooled; use a real numeric array "
            "(bool, integer or float)"
        )
    if array.size == 0:
        raise InputError(f"{path}: empty array of shape {array.shape}")
    return array


def _check_npy_header(handle, path: Path) -> None:
    """Refuse what is not a .npy array before numpy allocates or unpickles anything."""
    try:
        version = np.lib.format.read_magic(handle)
    except ValueError:
        raise InputError(
            f"{path}: not a .npy file (it does not start with numpy's \\x93NUMPY header)"
        ) from None
    readers = {
        (1, 0): np.lib.format.read_array_header_1_0,
        (2, 0): np.lib.format.read_array_header_2_0,
    }
    if version not in readers:
        return  # newer format versions: np.load checks them
    try:
        shape, _, dtype = readers[version](handle)
    except Exception as exc:  # noqa: BLE001 - tokenize/ast errors of a malformed header too
        reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise InputError(f"{path}: not a valid .npy file (bad header: {reason})") from None
    if dtype.hasobject:
        raise InputError(f"{path}: cannot load: it holds Python objects (pickled data is refused)")
    expected = int(np.prod(shape, dtype=object)) * dtype.itemsize
    available = os.fstat(handle.fileno()).st_size - handle.tell()
    if expected > available:
        raise InputError(
            f"{path}: truncated or corrupt: its header promises {expected:,} bytes of "
            f"{dtype} data of shape {shape}, the file holds {available:,}"
        )


def load_source(path: Path, layout: str | None = None) -> Source:
    """Read an image or a ``.npy`` file as a :class:`Source`."""
    if path.suffix.lower() == ".npy":
        array = load_array(path)
        layout = choose_layout(path, array.shape, layout)
        return Source(to_planes(array, layout), layout, False, 1.0, array.dtype, array.shape)
    if layout is not None:
        raise UsageError("--layout applies to .npy inputs only (images are HxW or HxWxC)")
    array = read_image(path).array
    scale = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}.get(array.dtype, 1.0)
    layout = "hw" if array.ndim == 2 else "hwc"
    planes = to_planes(array.astype(np.float64) / scale, layout)
    return Source(planes, layout, True, scale, array.dtype, array.shape)


def load_importance(path: Path, source: Source) -> np.ndarray:
    """LIP logits from a ``.npy``: ``H x W`` (shared by all planes) or the input's own shape."""
    array = load_array(path, "--importance")
    if array.ndim == 2:
        planes = array
    elif array.shape == source.shape:
        planes = to_planes(array, source.layout)
    else:
        planes = None
    if planes is None or planes.shape[-2:] != source.planes.shape[-2:]:
        raise InputError(
            f"{path}: importance map shape {array.shape} does not fit the input shape "
            f"{source.shape}; give H x W, or the input's own shape"
        )
    return planes


def load_filter(path: Path) -> np.ndarray:
    """DPP's full-guide filter from a ``.npy`` (its shape is checked by the kernel)."""
    return load_array(path, "--guide-filter")


def to_units(
    planes: np.ndarray, source: Source, as_image: bool, keeps_dtype: bool = False
) -> np.ndarray:
    """Planes back to the input's layout and units.

    ``.npy`` inputs: the kernel's result as it is (max-type results in the input's dtype,
    averages float32, float64 for float64 input). Images: the input's dtype for an image
    output, and for a ``.npy`` output of a max-type result (``keeps_dtype``), as
    ``clip(rint(v))``; other ``.npy`` outputs float32 in the image's units, unrounded.
    """
    array = from_planes(planes, source.layout)
    if source.is_image:
        array = np.asarray(array, dtype=np.float64) * source.scale
        if not as_image and not (keeps_dtype and source.dtype.kind == "u"):
            return array.astype(np.float32)
        if source.dtype.kind == "u":
            # round to 6 decimals first so /255*255 round-off cannot flip a .5 tie
            units = np.rint(np.round(np.nan_to_num(array), 6))
            return np.clip(units, 0, source.scale).astype(source.dtype)
        return array.astype(np.float32)
    return array
