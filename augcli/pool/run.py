"""Running ``augcli pool`` on a file or a folder: pooling, outputs, the printed report.

The command in :mod:`augcli.cli` only parses options into a :class:`PoolOptions` and calls
:func:`run_pool`, which returns a :class:`PoolReport` (lines to print, warnings, failures,
and the same as one JSON-ready summary).

Conventions (see the README section on ``pool``):

* Images are pooled per channel on values scaled to [0, 1] (uint8 / 255, uint16 / 65535,
  float images as given) and scaled back; image outputs are written at the input's bit depth
  with ``clip(rint(v))``; ``.npy`` outputs of images hold max-type results in the image's
  dtype and averages unrounded, float32.
* ``.npy`` arrays are pooled as given, in the layout given or decided by the shape
  (:func:`augcli.pool.arrays.guess_layout`); the output keeps the layout and the kernel's dtype
  (max-type results the input's, averages float32, float64 for float64 input). ``gap`` keeps
  the layout too, with a 1 x 1 spatial size.
* Several methods: an image output becomes one labelled comparison picture (:mod:`.grid` for
  images, :mod:`.montage` for ``.npy`` feature maps; also for one method with ``--zoom``,
  ``--no-zoom`` or ``--diff``); a ``.npy`` output becomes one file per method,
  ``STEM_METHOD.npy``.
* ``--levels N`` applies each method N times in a row, whatever the output.
* Every output path is planned before anything is written; one that is an input is refused.
* Randomness: a single file uses ``numpy.random.default_rng(seed)`` afresh for each method; a
  folder uses ``seeding.generator(seed, relative_posix_path)`` afresh for each method, so a
  method's result never depends on the other methods requested or on the other files.
"""

from __future__ import annotations

import stat
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from augcli.core.errors import AugcliError, InputError, UsageError
from augcli.core.gate import kind_of
from augcli.core.seeding import generator
from augcli.images.formats import IMAGE_EXTENSIONS
from augcli.pool.arrays import Source, from_planes, load_source, to_units
from augcli.pool.grid import make_grid
from augcli.pool.montage import make_montage
from augcli.pool.options import PoolOptions, flag_labels, user_error
from augcli.pool.outputs import check_extension, refuse_inputs, save_image, save_npy, targets
from augcli.pool.problems import LabelledError
from augcli.pool.region import nearest
from augcli.pool.registry import METHODS, pool

SUMMARY_CHANNELS = 16  # channels listed in full in a summary


@dataclass(frozen=True)
class Failure:
    """One input that could not be pooled: its path and why."""

    path: str
    message: str

    def __str__(self) -> str:
        if self.message.startswith(self.path):
            return self.message
        return f"{self.path}: {self.message}"


@dataclass
class PoolReport:
    """What a run produced: stdout lines, one-line warnings, failures, and a JSON summary."""

    lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON summary (the caller adds the command-level fields)."""
        return {
            "files": self.files,
            "written": [str(p) for p in self.written],
            "failed": [{"path": f.path, "error": str(f)} for f in self.failures],
            "warnings": self.warnings,
        }


def _not_finite(planes: np.ndarray) -> tuple[int, int]:
    """(NaN count, infinity count) of an array (0, 0 for integers)."""
    if planes.dtype.kind != "f":
        return 0, 0
    return int(np.count_nonzero(np.isnan(planes))), int(np.count_nonzero(np.isinf(planes)))


def keeps_dtype(method: str, options: PoolOptions) -> bool:
    """Whether ``method`` with the run's parameters gives one of the input's values per cell."""
    spec = METHODS[method]
    return spec.keeps_dtype(spec.full(options.params.get(method, {})))


def skip_reason(source: Source, method: str, options: PoolOptions) -> str | None:
    """Why ``method`` does not apply to ``source`` (``--method all`` skips it), or None."""
    spec = METHODS[method]
    if not spec.nonnegative(spec.full(options.params.get(method, {}))):
        return None
    negative = int(np.count_nonzero(source.planes < 0))
    if not negative:
        return None
    hint = ""
    if spec.nonnegative_unless:
        hint = f"; {flag_labels(method)[spec.nonnegative_unless]} clamps them to 0"
    return f"needs non-negative input, found {negative} negative value(s){hint}"


def pool_source(
    source: Source, method: str, options: PoolOptions, rng: np.random.Generator
) -> np.ndarray:
    """Pool one source's planes with one method, ``options.levels`` times in a row; returns
    planes ``(..., Ho, Wo)``."""
    params = dict(options.params.get(method, {}))
    for extra, path in options.inputs(method):  # files the method reads besides the input
        params[extra.param] = extra.load(path, source)
    is_global = METHODS[method].is_global
    try:
        result = pool(source.planes, method, options.geometry(method), rng=rng, **params)
    except LabelledError as exc:
        raise user_error(exc, method) from None
    if is_global:
        result = np.asarray(result)[..., None, None]
    for level in range(2, options.levels + 1):  # stacked layers: the same method again
        try:
            result = pool(result, method, options.geometry(method), rng=rng, **params)
        except LabelledError as exc:
            error = user_error(exc, method)
            raise type(error)(f"--levels {options.levels}, level {level}: {error}") from None
        if is_global:
            result = np.asarray(result)[..., None, None]
    return result


def run_pool(input_path: Path, output: Path | None, options: PoolOptions) -> PoolReport:
    """Pool a file or every file of a folder as ``options`` says; see the module notes."""
    report = PoolReport()
    try:
        mode = input_path.stat().st_mode
    except FileNotFoundError:
        raise InputError(f"{input_path}: no such file or folder") from None
    except OSError as exc:
        raise InputError(f"INPUT {str(input_path)!r}: cannot examine it ({exc.strerror})") from None
    if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
        raise InputError(
            f"INPUT {str(input_path)!r} is {kind_of(mode)}; augcli pool reads regular files "
            "and folders"
        )
    side = options.side_files()
    if input_path.is_dir():
        _run_folder(input_path, output, options, report, side)
    else:
        _check_output(output, input_path, options)
        if output is not None:
            refuse_inputs(targets(output, options.methods), [("INPUT", input_path), *side])
        try:
            _run_file(input_path, output, options, np.random.default_rng, report, str(input_path))
        except AugcliError as exc:
            message = str(exc)
            if not message.startswith(str(input_path)):
                exc.args = (f"{input_path}: {message}",)
            raise
    return report


def _check_output(output: Path | None, input_path: Path, options: PoolOptions) -> None:
    if output is None:
        if options.upscale:
            raise UsageError("--upscale needs an image output (-o out.png)")
        return
    check_extension(output)
    ext = output.suffix.lower()
    if options.upscale and (ext == ".npy" or len(options.methods) > 1):
        raise UsageError("--upscale applies to a single method written to an image")
    if options.upscale and input_path.suffix.lower() == ".npy":
        raise UsageError("--upscale applies to images; a .npy written to an image is a montage")


def _run_folder(
    root: Path,
    output: Path | None,
    options: PoolOptions,
    report: PoolReport,
    side: list[tuple[str, Path]],
) -> None:
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
    if output is not None:  # every output planned before the first is written
        planned = [t for p in files for t in targets(output / p.relative_to(root), options.methods)]
        refuse_inputs(planned, [("INPUT", root), *(("INPUT", p) for p in files), *side])
    for path in files:
        rel = path.relative_to(root).as_posix()
        target = None if output is None else output / rel
        try:
            _check_output(target, path, options)
            _run_file(path, target, options, lambda seed, r=rel: generator(seed, r), report, rel)
        except AugcliError as exc:
            report.failures.append(Failure(str(path), str(exc)))


def _run_file(path, output, options, make_rng, report: PoolReport, name: str) -> None:
    source = load_source(path, options.layout)
    results: dict[str, np.ndarray] = {}
    entry: dict[str, Any] = {"path": str(path), "shape": list(source.shape)}
    entry.update({"dtype": str(source.dtype), "layout": source.layout, "skipped": []})
    for method in options.methods:
        reason = skip_reason(source, method, options) if options.every_method else None
        if reason is not None:
            entry["skipped"].append({"method": method, "reason": reason})
            report.warnings.append(f"{name}: skipped {method}: {reason}")
            continue
        results[method] = pool_source(source, method, options, make_rng(options.seed))
    nan_in, inf_in = _not_finite(source.planes)
    counts = {m: _not_finite(np.asarray(r)) for m, r in results.items()}
    entry.update({"nan": nan_in, "inf": inf_in, "results": []})
    for method, result in results.items():
        out = to_units(result, source, False, keeps_dtype(method, options))
        nan_out, inf_out = counts[method]
        entry["results"].append(
            {"method": method, "shape": list(out.shape), "dtype": str(out.dtype)}
            | {"nan": nan_out, "inf": inf_out}
        )
    report.files.append(entry)
    if nan_in or inf_in:
        listed = ", ".join(f"{m}: {n} NaN, {i} inf" for m, (n, i) in counts.items())
        report.warnings.append(
            f"warning: {name}: {nan_in} NaN and {inf_in} infinite value(s) in the input; "
            f"outputs ({listed})"
        )
    if not results:
        return
    if output is None:
        for method, result in results.items():
            report.lines.extend(_summary(name, method, source, result, options))
        return
    if output.suffix.lower() == ".npy":
        for target, (method, result) in zip(
            targets(output, tuple(results)), results.items(), strict=True
        ):
            save_npy(to_units(result, source, False, keeps_dtype(method, options)), target)
            report.written.append(target)
    elif len(results) == 1 and source.is_image and not options.diff and options.zoom == "auto":
        (result,) = results.values()
        if options.upscale:
            result = nearest(result, *source.planes.shape[-2:])
        save_image(to_units(result, source, as_image=True), output)
        report.written.append(output)
    else:
        reference = None
        if options.diff in results:
            reference = results[options.diff]
        elif options.diff in METHODS:
            reference = pool_source(source, options.diff, options, make_rng(options.seed))
        picture = make_grid if source.is_image else make_montage
        save_image(picture(source, results, options, reference, name), output)
        report.written.append(output)


def _channel_axis(layout: str) -> int | None:
    return {"hw": None, "hwc": 0, "chw": 0, "nchw": 1, "nhwc": 1}[layout]


def _summary(name: str, method: str, source: Source, result, options: PoolOptions) -> list[str]:
    out = to_units(result, source, False, keeps_dtype(method, options))
    geometry = options.geometry(method)
    where = f" ({geometry.describe()})" if geometry else ""
    lines = [f"{name}: {method}{where} -> shape {out.shape} {out.dtype}"]
    if METHODS[method].is_global:
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
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        stats = np.nanmin(flat, axis=1), np.nanmean(flat, axis=1), np.nanmax(flat, axis=1)
    lines.append(f"  {'channel':>7} {'min':>12} {'mean':>12} {'max':>12}")
    shown = min(len(flat), SUMMARY_CHANNELS)
    for c in range(shown):
        lines.append(f"  {c:>7} {stats[0][c]:>12.6g} {stats[1][c]:>12.6g} {stats[2][c]:>12.6g}")
    if len(flat) > shown:
        lines.append(f"  ... {len(flat) - shown} more channel(s)")
    return lines
