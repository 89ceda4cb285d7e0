"""The public Python API: thin functions over the three products, for use without Click.

Everything here is re-exported from :mod:`augcli` (lazily, so ``import augcli`` stays fast).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from augcli.augment.config import PipelineSpec, load_pipeline
from augcli.augment.labels.files import LabelOptions
from augcli.augment.labels.keywords import label_options
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
    labels: LabelOptions | Mapping[str, Any] | None = None,
    masks: tuple[str | Path, str | Path] | None = None,
    yolo: tuple[str | Path, str | Path] | None = None,
    coco: tuple[str | Path, str | Path] | None = None,
    mask_fill: int | None = None,
    min_visibility: float | None = None,
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
    labels : LabelOptions or mapping, optional
        Every label option of ``augcli augment``, by the CLI's names with ``_`` for ``-``:
        ``{"voc": (src, dst), "yolo_pose": (src, dst), "kpt_shape": [17, 3],
        "flip_idx": [...], "yolo_auto": True, "names": [...], "min_area": 4.0,
        "skip_unlabelled": True, ...}`` (:mod:`augcli.augment.labels.keywords` lists them).
    masks, yolo, coco : (source, destination), optional
        Shorthands for ``labels={"masks": ..., "yolo": ..., "coco": ...}``: ``--masks SRC
        DST``, ``--yolo SRC DST`` and ``--coco JSON OUT``.
    mask_fill, min_visibility : optional
        Shorthands for the ``labels`` keys of ``--mask-fill`` and ``--min-visibility``.
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
        An option that ``augcli augment`` does not have, or a label option given twice.
    """
    from augcli.augment.labels.rule import resolve_beside

    spec, run_options, runner = _prepare(pipeline, options, shard, executor, executor_options)
    shorthand = {"masks": masks, "yolo": yolo, "coco": coco, "mask_fill": mask_fill,
                 "min_visibility": min_visibility}  # fmt: skip
    given = {k: v for k, v in shorthand.items() if v is not None}
    if given and isinstance(labels, LabelOptions):
        raise TypeError(f"give labels= or {sorted(given)}, not both")
    twice = sorted(set(given) & set(labels)) if isinstance(labels, Mapping) else []
    if twice:
        raise TypeError(f"label option(s) {twice} given twice (as a keyword and in labels=)")
    merged = labels if isinstance(labels, LabelOptions) else {**(labels or {}), **given}
    chosen = resolve_beside(label_options(merged), src, dst)
    run_options = dataclasses.replace(run_options, labels=chosen)
    return _run_tree(spec, src, dst, run_options, executor=runner)


def augment_dataset(
    data_yaml: str | Path,
    out: str | Path,
    pipeline: PipelineSpec | str | Path | None = None,
    *,
    splits: str | Sequence[str] = "train",
    copy_splits: bool = True,
    labels: Mapping[str, Any] | None = None,
    executor: str = "local",
    executor_options: Mapping[str, Any] | None = None,
    **options: Any,
) -> dict[str, Summary | int]:
    """Augment a whole Ultralytics dataset, as ``augcli augment --yolo-data DATA_YAML OUT``.

    The chosen splits are augmented into ``OUT/images/<split>`` and ``OUT/labels/<split>``
    (YOLO, or YOLO-pose when the data.yaml gives ``kpt_shape``), the others copied unchanged,
    and ``OUT/data.yaml`` written last: the same code as the command
    (:func:`augcli.augment.labels.dataset.run_dataset`).

    Parameters
    ----------
    data_yaml : str or pathlib.Path
        The dataset's Ultralytics data.yaml.
    out : str or pathlib.Path
        The folder of the augmented dataset.
    pipeline : PipelineSpec, str or pathlib.Path, optional
        A loaded pipeline or a YAML path; default: the built-in pipeline.
    splits : str or sequence of str
        ``--splits``: the splits to augment (``"train,val"`` or ``["train", "val"]``).
    copy_splits : bool
        ``--copy-splits``: copy the other splits into ``out``.
    labels : mapping, optional
        ``mask_fill``, ``min_visibility``, ``min_area``, ``skip_unlabelled`` (the dataset
        gives the label folders, kpt_shape, flip_idx and names).
    executor, executor_options, **options
        As for :func:`augment_tree`.

    Returns
    -------
    dict
        Split -> its :class:`~augcli.augment.run.writer.Summary` (augmented) or the number of
        files copied.

    Raises
    ------
    augcli.core.errors.AugcliError
        A usage, config, dataset or destination problem, or an aborted run.
    TypeError
        An unknown option, or a label option the dataset gives (paths, kpt_shape, ...).
    """
    from augcli.augment.labels.dataset import parse_splits, run_dataset
    from augcli.augment.labels.datayaml import load_data_yaml

    spec, run_options, runner = _prepare(pipeline, options, None, executor, executor_options)
    chosen_labels = label_options(labels)
    if chosen_labels.any or chosen_labels.settings:
        raise TypeError("augment_dataset: the dataset gives label folders and settings; "
                        f"labels= takes only {sorted(SHARED_LABEL_KEYS)}")  # fmt: skip
    run_options = dataclasses.replace(run_options, labels=chosen_labels)
    data = load_data_yaml(data_yaml, "data_yaml")
    text = splits if isinstance(splits, str) else ",".join(splits)
    return run_dataset(
        data, Path(out), parse_splits(text, data), run_options,
        lambda s, d, o: _run_tree(spec, s, d, o, executor=runner), copy_splits,
    )  # fmt: skip


SHARED_LABEL_KEYS = ("mask_fill", "min_visibility", "min_area", "skip_unlabelled")


def _prepare(
    pipeline: PipelineSpec | str | Path | None,
    options: dict[str, Any],
    shard: str | None,
    executor: str,
    executor_options: Mapping[str, Any] | None,
) -> tuple[PipelineSpec, AugmentOptions, Any]:
    """The pipeline, the run's options (no labels yet) and the executor, checked."""
    from augcli.augment.executors.registry import make_executor
    from augcli.augment.tasks import parse_shard

    spec = _spec(pipeline)
    known = {f.name for f in dataclasses.fields(AugmentOptions)} - {"labels", "shard"}
    unknown = sorted(set(options) - known)
    if unknown:
        raise TypeError(f"unknown option(s) {unknown}; allowed: {sorted(known)}")
    options.setdefault("seed", spec.seed if spec.seed is not None else 0)
    options.setdefault("copies", spec.copies or 1)
    part = parse_shard(shard) if shard is not None else None
    runner = make_executor(executor, options.get("workers", 1), executor_options)
    return spec, AugmentOptions(**options, shard=part), runner


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
