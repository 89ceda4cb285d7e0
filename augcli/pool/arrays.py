"""Pool inputs as arrays: ``.npy`` loading and header checks, layouts, units, LIP logit maps.

Images are pooled per channel on values scaled to [0, 1] (uint8 / 255, uint16 / 65535, float
images as given) and scaled back; ``.npy`` arrays are pooled as given, in the layout ``hw``,
``hwc`` (3-D default), ``chw`` or ``nchw``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from augcli.errors import InputError, UsageError
from augcli.imagefiles import read_image

LAYOUTS = {"hw": 2, "hwc": 3, "chw": 3, "nchw": 4}
DEFAULT_LAYOUT = {2: "hw", 3: "hwc", 4: "nchw"}


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
    """View an array in ``layout`` as planes ``(..., H, W)`` (``hwc`` -> ``chw``, no copy)."""
    return np.moveaxis(array, -1, 0) if layout == "hwc" else array


def from_planes(planes: np.ndarray, layout: str) -> np.ndarray:
    """Inverse of :func:`to_planes`."""
    return np.moveaxis(planes, 0, -1) if layout == "hwc" else planes


def load_array(path: Path, layout: str | None = None) -> np.ndarray:
    """Load a ``.npy`` safely (no pickles) and check its dtype and shape for ``layout``."""
    try:
        with open(path, "rb") as handle:
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
    if layout is None:
        if array.ndim not in DEFAULT_LAYOUT:
            raise InputError(
                f"{path}: {array.ndim}-D array of shape {array.shape}; pooling takes 2-D HW, "
                "3-D HWC/CHW or 4-D NCHW arrays"
            )
        layout = DEFAULT_LAYOUT[array.ndim]
    if array.ndim != LAYOUTS[layout]:
        raise InputError(
            f"{path}: layout {layout} needs a {LAYOUTS[layout]}-D array, got {array.ndim}-D "
            f"shape {array.shape}"
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
        array = load_array(path, layout)
        layout = layout or DEFAULT_LAYOUT[array.ndim]
        planes = to_planes(array, layout)
        if array.dtype.kind in "biu" or array.dtype == np.float16:
            planes = planes.astype(np.float64)
        return Source(planes, layout, False, 1.0, array.dtype, array.shape)
    if layout is not None:
        raise UsageError("--layout applies to .npy inputs only (images are HxW or HxWxC)")
    array = read_image(path).array
    scale = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}.get(array.dtype, 1.0)
    planes = to_planes(array.astype(np.float64) / scale, "hw" if array.ndim == 2 else "hwc")
    return Source(planes, "hw" if array.ndim == 2 else "hwc", True, scale, array.dtype, array.shape)


def load_importance(path: Path, source: Source) -> np.ndarray:
    """LIP logits from a ``.npy``: ``H x W`` (shared by all planes) or the input's own shape."""
    array = load_array(path)
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


def to_units(planes: np.ndarray, source: Source, as_image: bool) -> np.ndarray:
    """Planes back to the input's layout and units (image dtype, or float32/64 for .npy)."""
    array = from_planes(planes, source.layout)
    if source.is_image:
        array = np.asarray(array, dtype=np.float64) * source.scale
        if not as_image:
            return array.astype(np.float32)
        if source.dtype.kind == "u":
            # round to 6 decimals first so /255*255 round-off cannot flip a .5 tie
            units = np.rint(np.round(np.nan_to_num(array), 6))
            return np.clip(units, 0, source.scale).astype(source.dtype)
        return array.astype(np.float32)
    return array.astype(np.float64 if source.dtype == np.float64 else np.float32, copy=False)
