"""The public Python API: thin functions over the three products, for use without Click.

Everything here is re-exported from :mod:`augcli` (lazily, so ``import augcli`` stays fast).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from augcli.augment.config import PipelineSpec, load_pipeline
from augcli.augment.pipeline import Pipeline
from augcli.augment.run.runner import augment_tree as _run_tree
from augcli.augment.run.writer import Summary
from augcli.augment.tasks import AugmentOptions
from augcli.pool.geometry import Geometry
from augcli.pool.registry import pool as _pool


def _spec(pipeline: PipelineSpec | str | Path | None) -> PipelineSpec:
    return pipeline if isinstance(pipeline, PipelineSpec) else load_pipeline(pipeline)


def augment_image(
    image: np.ndarray,
    pipeline: PipelineSpec | str | Path | None = None,
    *,
    seed: int,
    key: str,
    copy: int = 0,
) -> np.ndarray:
    """Augment one array exactly as ``augcli augment`` augments the file at ``key``.

    Parameters
    ----------
    image : numpy.ndarray
        HxW or HxWxC array, uint8, uint16 or float32 (values in [0, 1]). Not modified.
    pipeline : PipelineSpec, str or pathlib.Path, optional
        A loaded pipeline or the path of a pipeline YAML file; default: the built-in pipeline.
    seed : int
        The run seed.
    key : str
        The input's path relative to SRC, POSIX style (``"cats/a.jpg"``): with ``seed`` and
        ``copy`` it determines every random draw.
    copy : int
        Which copy (``{index}`` in output names).

    Returns
    -------
    numpy.ndarray
        The augmented image, same dtype and channel count as ``image``.

    Examples
    --------
    >>> import numpy as np, augcli
    >>> image = np.zeros((8, 8, 3), np.uint8)
    >>> augcli.augment_image(image, seed=1, key="a.png").dtype
    dtype('uint8')
    """
    out, _ = Pipeline(_spec(pipeline)).run(image, seed, key, copy)
    return out


def replay(
    image: np.ndarray,
    manifest_line: str | Mapping[str, Any],
    pipeline: PipelineSpec | str | Path | None = None,
) -> np.ndarray:
    """Re-create one output from its manifest line (the recorded draws), without any seed.

    Parameters
    ----------
    image : numpy.ndarray
        The source image named by the line's ``source``, as read by augcli.
    manifest_line : str or mapping
        One line of ``augcli-manifest.jsonl`` (text or parsed).
    pipeline : PipelineSpec, str or pathlib.Path, optional
        The pipeline of that run; default: the built-in pipeline. The resampler the line's
        run recorded (``run.resampler``), when it has one, replaces the pipeline's.

    Returns
    -------
    numpy.ndarray
        The output's pixels, identical to what the run wrote before encoding.

    Raises
    ------
    augcli.core.errors.InputError
        The line's ops do not match the pipeline's steps.
    """
    line = json.loads(manifest_line) if isinstance(manifest_line, str) else manifest_line
    spec = _spec(pipeline)
    run = line.get("run")
    recorded = run.get("resampler") if isinstance(run, dict) else None
    if recorded is not None and recorded != spec.resampler:  # the run's resampler
        spec = dataclasses.replace(spec, resampler=recorded)
    out, _ = Pipeline(spec).replay(image, list(line["ops"]))
    return out


def augment_tree(
    src: str | Path,
    dst: str | Path,
    pipeline: PipelineSpec | str | Path | None = None,
    *,
    masks: tuple[str | Path, str | Path] | None = None,
    yolo: tuple[str | Path, str | Path] | None = None,
    coco: tuple[str | Path, str | Path] | None = None,
    mask_fill: int = 0,
    min_visibility: float = 0.0,
    shard: str | None = None,
    executor: str = "local",
    executor_options: Mapping[str, Any] | None = None,
    **options: Any,
) -> Summary:
    """Augment every image under ``src`` into ``dst``, as ``augcli augment SRC DST`` does.

    Parameters
    ----------
    src, dst : str or pathlib.Path
        Source folder (or one image) and destination folder.
    pipeline : PipelineSpec, str or pathlib.Path, optional
        A loaded pipeline or a YAML path; default: the built-in pipeline.
    masks, yolo, coco : (source, destination), optional
        Labels moved with the images, as ``--masks SRC DST``, ``--yolo SRC DST`` and
        ``--coco JSON OUT``: mask folders, YOLO label folders, a COCO file and the one to write.
    mask_fill : int
        ``--mask-fill``: the mask value where a constant fill exposes new pixels.
    min_visibility : float
        ``--min-visibility``: drop a box or polygon with less of its area left inside.
    shard : str, optional
        ``--shard K/N``: run only shard K of N (needs an explicit ``seed``).
    executor : str
        ``--executor``: ``"local"`` (processes on this machine) or ``"dask"``.
    executor_options : mapping, optional
        The executor's own options by name, e.g. ``{"scheduler": "tcp://host:8786"}`` or
        ``{"scheduler_file": "sched.json"}`` for Dask.
    **options
        Fields of :class:`augcli.augment.tasks.AugmentOptions` (``seed``, ``copies``,
        ``workers``, ``out_format``, ``name_template``, ``existing``, ...). ``seed`` and
        ``copies`` default to the pipeline's, then to 0 and 1.

    Returns
    -------
    augcli.augment.run.writer.Summary
        Counts, failures and timing of the run.

    Raises
    ------
    augcli.core.errors.AugcliError
        A usage, config or destination problem (nothing written), or an aborted run.
    TypeError
        An option that ``augcli augment`` does not have.
    """
    from augcli.augment.executors.registry import make_executor
    from augcli.augment.labels.files import LabelOptions
    from augcli.augment.tasks import parse_shard

    spec = _spec(pipeline)
    known = {f.name for f in dataclasses.fields(AugmentOptions)} - {"labels", "shard"}
    unknown = sorted(set(options) - known)
    if unknown:
        raise TypeError(f"unknown option(s) {unknown}; allowed: {sorted(known)}")
    options.setdefault("seed", spec.seed if spec.seed is not None else 0)
    options.setdefault("copies", spec.copies or 1)

    def pair(value: tuple[str | Path, str | Path] | None) -> tuple[str, str] | None:
        return None if value is None else (str(value[0]), str(value[1]))

    labels = LabelOptions(pair(masks), pair(yolo), pair(coco), mask_fill, min_visibility)
    part = parse_shard(shard) if shard is not None else None
    runner = make_executor(executor, options.get("workers", 1), executor_options)
    run_options = AugmentOptions(**options, labels=labels, shard=part)
    return _run_tree(spec, src, dst, run_options, executor=runner)


def pool_array(
    array: np.ndarray,
    method: str,
    *,
    kernel: int | tuple[int, int] = 2,
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
    dilation: int | tuple[int, int] = 1,
    ceil_mode: bool = False,
    seed: int | None = None,
    **params: Any,
) -> np.ndarray:
    """Pool the last two axes of ``array`` with one method of ``augcli pool``.

    Parameters
    ----------
    array : numpy.ndarray
        Shape ``(..., H, W)`` (channels first; move a channel-last axis before calling).
    method : str
        A pooling method name (``augcli pool --help`` lists them).
    kernel, stride, padding, dilation, ceil_mode
        Window geometry with PyTorch's meaning (stride defaults to the kernel).
    seed : int, optional
        Seed of the random methods (mixed, stochastic): the same draws as
        ``augcli pool FILE --seed SEED`` on one file.
    **params
        The method's own parameters (``p=3`` for power, ``lam=0.5`` for mixed, ...).

    Returns
    -------
    numpy.ndarray
        ``(..., Ho, Wo)``; ``array.shape[:-2]`` for global average pooling.

    Raises
    ------
    ValueError
        An unknown method or parameter, a value out of range, or an array that cannot be
        pooled; the message names the parameter.
    """
    geometry = Geometry(kernel, stride, padding, dilation, ceil_mode)
    rng = None if seed is None else np.random.default_rng(seed)  # as `augcli pool FILE --seed`
    return _pool(np.asarray(array), method, geometry, rng=rng, **params)
