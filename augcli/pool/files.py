"""``augcli pool`` as a library: inputs (images, ``.npy``), layouts, outputs, folders, grids.

The command in :mod:`augcli.cli` only parses options into a :class:`PoolOptions` and calls
:func:`run_pool`, which returns a :class:`PoolReport` (lines to print, warnings, failures).

Conventions (see the README section on ``pool``):

* Images are pooled per channel on values scaled to [0, 1] (uint8 / 255, uint16 / 65535,
  float images as given) and scaled back; image outputs are written at the input's bit depth
  with ``clip(rint(v))``; ``.npy`` outputs of images hold the unrounded values, float32.
* ``.npy`` arrays are pooled as given, in the layout ``hw``, ``hwc`` (3-D default), ``chw`` or
  ``nchw``; the output keeps the layout (float32, float64 for float64 input). ``gap`` keeps it
  too, with a 1 x 1 spatial size.
* Several methods: an image output becomes one labelled comparison grid; a ``.npy`` output
  becomes one file per method, ``STEM_METHOD.npy``.
* Randomness: a single file uses ``numpy.random.default_rng(seed)`` afresh for each method; a
  folder uses ``seeding.generator(seed, relative_posix_path)`` afresh for each method, so a
  method's result never depends on the other methods requested or on the other files.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from augcli.atomic import atomic_write
from augcli.contact_sheet import make_sheet
from augcli.errors import AugcliError, InputError, OutputError, UsageError
from augcli.imagefiles import IMAGE_EXTENSIONS, read_image, write_image
from augcli.pool.options import PoolOptions
from augcli.pool.registry import METHODS, pool
from augcli.seeding import generator

LAYOUTS = {"hw": 2, "hwc": 3, "chw": 3, "nchw": 4}
DEFAULT_LAYOUT = {2: "hw", 3: "hwc", 4: "nchw"}
GRID_TILE = 384  # longest side of a grid tile, in pixels
SUMMARY_CHANNELS = 16  # channels listed in full in a summary


@dataclass
class PoolReport:
    """What a run produced: stdout lines, one-line warnings, failed inputs."""

    lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)


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


# --------------------------------------------------------------------------- layouts


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


def _save_image(array: np.ndarray, path: Path) -> None:
    """Write with :func:`augcli.imagefiles.write_image`, creating the folder (errors: exit 2)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        write_image(array, path)
    except ValueError as exc:
        raise OutputError(f"cannot write {path}: {exc}") from None


def _atomic(path: Path, save) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with atomic_write(path) as handle:
            save(handle)
    except (ValueError, KeyError) as exc:
        raise OutputError(f"{path}: cannot write: {exc}") from None


# --------------------------------------------------------------------------- pooling a source


def pool_source(
    source: Source, method: str, options: PoolOptions, rng: np.random.Generator
) -> np.ndarray:
    """Pool one source's planes with one method; returns planes ``(..., Ho, Wo)``."""
    params = dict(options.params.get(method, {}))
    if method == "lip" and options.importance is not None:
        params["logits"] = _importance(options.importance, source)
    result = pool(source.planes, method, options.geometry(method), rng=rng, **params)
    if method == "gap":
        result = np.asarray(result)[..., None, None]
    return result


def _importance(path: Path, source: Source) -> np.ndarray:
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


def _to_units(planes: np.ndarray, source: Source, as_image: bool) -> np.ndarray:
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


def _nearest(planes: np.ndarray, height: int, width: int) -> np.ndarray:
    """Nearest-neighbour resize of the last two axes to ``height x width``."""
    rows = np.arange(height) * planes.shape[-2] // height
    cols = np.arange(width) * planes.shape[-1] // width
    return planes[..., rows[:, None], cols[None, :]]


def _display(planes: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Planes in [lo, hi] -> uint8 HxW or HxWxC for the grid."""
    span = hi - lo if hi > lo else 1.0
    scaled = np.clip(np.rint(np.nan_to_num((planes - lo) / span) * 255.0), 0, 255)
    array = scaled.astype(np.uint8)
    return np.moveaxis(array, 0, -1) if array.ndim == 3 else array


def _label(method: str, options: PoolOptions, out_shape: tuple[int, ...]) -> str:
    geometry = options.geometry(method)
    parts = [method]
    for key, value in options.params.get(method, {}).items():
        if value != METHODS[method].params[key][0]:
            parts.append(f"{key}={value}")
    if method == "lip" and options.importance is not None:
        parts.append(f"G={options.importance.name}")
    if METHODS[method].random and options.params.get(method, {}).get("lam") is None:
        if options.params.get(method, {}).get("mode", "sample") == "sample":
            parts.append(f"seed {options.seed}")
    if geometry is not None:
        parts.append(geometry.describe())
    return " ".join(parts) + f" -> {out_shape[-2]}x{out_shape[-1]}"


def make_grid(source: Source, results: dict[str, np.ndarray], options: PoolOptions) -> np.ndarray:
    """The labelled comparison sheet: the original, then each method upscaled to its size."""
    planes = source.planes
    height, width = planes.shape[-2:]
    factor = min(1.0, GRID_TILE / max(height, width))
    dh, dw = max(1, round(height * factor)), max(1, round(width * factor))
    lo, hi = (0.0, 1.0) if source.scale != 1.0 else (np.nanmin(planes), np.nanmax(planes))
    original = _display(planes, lo, hi)
    if (dh, dw) != (height, width):
        original = np.asarray(Image.fromarray(original).resize((dw, dh), Image.Resampling.BOX))
    tiles = [original]
    labels = [f"original {height}x{width}"]
    for method, result in results.items():
        tiles.append(_display(_nearest(result, dh, dw), lo, hi))
        labels.append(_label(method, options, result.shape))
    return make_sheet(tiles, labels)


# --------------------------------------------------------------------------- running


def run_pool(input_path: Path, output: Path | None, options: PoolOptions) -> PoolReport:
    """Pool a file or every file of a folder as ``options`` says; see the module notes."""
    report = PoolReport()
    if not input_path.exists():
        raise InputError(f"{input_path}: no such file or folder")
    if output is not None and output.exists() and output.resolve() == input_path.resolve():
        raise UsageError(f"output {output} would overwrite the input")
    if input_path.is_dir():
        _run_folder(input_path, output, options, report)
    else:
        _check_output(output, input_path, options)
        _run_file(input_path, output, options, np.random.default_rng, report, input_path.name)
    return report


def _check_output(output: Path | None, input_path: Path, options: PoolOptions) -> None:
    if output is None:
        if options.upscale:
            raise UsageError("--upscale needs an image output (-o out.png)")
        return
    ext = output.suffix.lower()
    if ext != ".npy" and ext not in IMAGE_EXTENSIONS:
        raise UsageError(
            f"output {output}: unknown extension {output.suffix!r}; use .npy or an image "
            f"extension ({', '.join(sorted(IMAGE_EXTENSIONS))})"
        )
    if ext != ".npy" and input_path.suffix.lower() == ".npy":
        raise UsageError(f"output {output}: a .npy input can only be written to a .npy output")
    if options.upscale and (ext == ".npy" or len(options.methods) > 1):
        raise UsageError("--upscale applies to a single method written to an image")


def _run_folder(root: Path, output: Path | None, options: PoolOptions, report: PoolReport) -> None:
    if output is not None:
        if output.exists() and not output.is_dir():
            raise UsageError(f"output {output} must be a folder when the input is a folder")
        if output.resolve().is_relative_to(root.resolve()):
            raise UsageError(f"output folder {output} must not be inside the input folder {root}")
    files = sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and p.suffix.lower() in (*IMAGE_EXTENSIONS, ".npy")
    )
    if not files:
        raise InputError(f"{root}: no images or .npy files found")
    for path in files:
        rel = path.relative_to(root).as_posix()
        target = None if output is None else output / rel
        try:
            _check_output(target, path, options)
            _run_file(path, target, options, lambda seed, r=rel: generator(seed, r), report, rel)
        except AugcliError as exc:
            report.failures.append(str(exc))


def _run_file(path, output, options, make_rng, report: PoolReport, name: str) -> None:
    source = load_source(path, options.layout)
    results: dict[str, np.ndarray] = {}
    for method in options.methods:
        results[method] = pool_source(source, method, options, make_rng(options.seed))
    nan_in = int(np.count_nonzero(np.isnan(source.planes)))
    if nan_in:
        counts = ", ".join(f"{m}: {np.count_nonzero(np.isnan(r))}" for m, r in results.items())
        report.warnings.append(
            f"warning: {name}: {nan_in} NaN value(s) in the input propagate to the output "
            f"cells they touch (NaN outputs: {counts})"
        )
    if output is None:
        for method, result in results.items():
            report.lines.extend(_summary(name, method, source, result, options))
        return
    if output.suffix.lower() == ".npy":
        for method, result in results.items():
            target = (
                output if len(results) == 1 else output.with_name(f"{output.stem}_{method}.npy")
            )
            array = _to_units(result, source, as_image=False)
            _atomic(target, lambda handle, a=array: np.save(handle, a, allow_pickle=False))
            report.written.append(target)
    elif len(results) == 1:
        (result,) = results.values()
        if options.upscale:
            result = _nearest(result, *source.planes.shape[-2:])
        _save_image(_to_units(result, source, as_image=True), output)
        report.written.append(output)
    else:
        _save_image(make_grid(source, results, options), output)
        report.written.append(output)


def _channel_axis(layout: str) -> int | None:
    return {"hw": None, "hwc": 0, "chw": 0, "nchw": 1}[layout]


def _summary(name: str, method: str, source: Source, result, options: PoolOptions) -> list[str]:
    out = _to_units(result, source, as_image=False)
    geometry = options.geometry(method)
    where = f" ({geometry.describe()})" if geometry else ""
    lines = [f"{name}: {method}{where} -> shape {out.shape} {out.dtype}"]
    if method == "gap":
        values = np.ravel(from_planes(result, source.layout)) * source.scale
        lines.append("  values: " + " ".join(f"{v:.6g}" for v in values))
        return lines
    axis = _channel_axis(source.layout)
    planes = np.asarray(result, dtype=np.float64) * source.scale
    if axis is None:
        planes = planes[None]
    else:
        planes = np.moveaxis(planes, axis, 0)
    flat = planes.reshape(planes.shape[0], -1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        stats = np.nanmin(flat, axis=1), np.nanmean(flat, axis=1), np.nanmax(flat, axis=1)
    lines.append(f"  {'channel':>7} {'min':>12} {'mean':>12} {'max':>12}")
    shown = min(len(flat), SUMMARY_CHANNELS)
    for c in range(shown):
        lines.append(f"  {c:>7} {stats[0][c]:>12.6g} {stats[1][c]:>12.6g} {stats[2][c]:>12.6g}")
    if len(flat) > shown:
        lines.append(f"  ... {len(flat) - shown} more channel(s)")
    return lines
