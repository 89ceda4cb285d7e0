"""Running ``augcli pool`` on a file or a folder: pooling, outputs, the printed report.

The command in :mod:`augcli.cli` only parses options into a :class:`PoolOptions` and calls
:func:`run_pool`, which returns a :class:`PoolReport` (lines to print, warnings, failures).

Conventions (see the README section on ``pool``):

* Images are pooled per channel on values scaled to [0, 1] (uint8 / 255, uint16 / 65535,
  float images as given) and scaled back; image outputs are written at the input's bit depth
  with ``clip(rint(v))``; ``.npy`` outputs of images hold the unrounded values, float32.
* ``.npy`` arrays are pooled as given, in the layout ``hw``, ``hwc`` (3-D default), ``chw`` or
  ``nchw``; the output keeps the layout (float32, float64 for float64 input). ``gap`` keeps it
  too, with a 1 x 1 spatial size.
* Several methods: an image output becomes one labelled comparison picture (:mod:`.grid` for
  images, :mod:`.montage` for ``.npy`` feature maps; also for one method with ``--zoom``,
  ``--no-zoom`` or ``--diff``); a ``.npy`` output becomes one file per method,
  ``STEM_METHOD.npy``.
* ``--levels N`` applies each method N times in a row, whatever the output.
* Randomness: a single file uses ``numpy.random.default_rng(seed)`` afresh for each method; a
  folder uses ``seeding.generator(seed, relative_posix_path)`` afresh for each method, so a
  method's result never depends on the other methods requested or on the other files.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from augcli.atomic import atomic_write
from augcli.errors import AugcliError, InputError, OutputError, UsageError
from augcli.formats import IMAGE_EXTENSIONS
from augcli.imagefiles import write_image
from augcli.pool.arrays import Source, from_planes, load_importance, load_source, to_units
from augcli.pool.grid import make_grid
from augcli.pool.montage import make_montage
from augcli.pool.options import PoolOptions, user_error
from augcli.pool.problems import LabelledError
from augcli.pool.region import nearest
from augcli.pool.registry import METHODS, pool
from augcli.seeding import generator

SUMMARY_CHANNELS = 16  # channels listed in full in a summary


@dataclass
class PoolReport:
    """What a run produced: stdout lines, one-line warnings, failed inputs."""

    lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)


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


def pool_source(
    source: Source, method: str, options: PoolOptions, rng: np.random.Generator
) -> np.ndarray:
    """Pool one source's planes with one method, ``options.levels`` times in a row; returns
    planes ``(..., Ho, Wo)``."""
    params = dict(options.params.get(method, {}))
    if method == "lip" and options.importance is not None:
        params["logits"] = load_importance(options.importance, source)
    try:
        result = pool(source.planes, method, options.geometry(method), rng=rng, **params)
    except LabelledError as exc:
        raise user_error(exc, method) from None
    if method == "gap":
        result = np.asarray(result)[..., None, None]
    for level in range(2, options.levels + 1):  # stacked layers: the same method again
        try:
            result = pool(result, method, options.geometry(method), rng=rng, **params)
        except LabelledError as exc:
            error = user_error(exc, method)
            raise type(error)(f"--levels {options.levels}, level {level}: {error}") from None
        if method == "gap":
            result = np.asarray(result)[..., None, None]
    return result


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
    if options.upscale and (ext == ".npy" or len(options.methods) > 1):
        raise UsageError("--upscale applies to a single method written to an image")
    if options.upscale and input_path.suffix.lower() == ".npy":
        raise UsageError("--upscale applies to images; a .npy written to an image is a montage")


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
            array = to_units(result, source, as_image=False)
            _atomic(target, lambda handle, a=array: np.save(handle, a, allow_pickle=False))
            report.written.append(target)
    elif len(results) == 1 and source.is_image and not options.diff and options.zoom == "auto":
        (result,) = results.values()
        if options.upscale:
            result = nearest(result, *source.planes.shape[-2:])
        _save_image(to_units(result, source, as_image=True), output)
        report.written.append(output)
    else:
        reference = None
        if options.diff in results:
            reference = results[options.diff]
        elif options.diff in METHODS:
            reference = pool_source(source, options.diff, options, make_rng(options.seed))
        picture = make_grid if source.is_image else make_montage
        _save_image(picture(source, results, options, reference, name), output)
        report.written.append(output)


def _channel_axis(layout: str) -> int | None:
    return {"hw": None, "hwc": 0, "chw": 0, "nchw": 1}[layout]


def _summary(name: str, method: str, source: Source, result, options: PoolOptions) -> list[str]:
    out = to_units(result, source, as_image=False)
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
