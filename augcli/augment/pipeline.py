"""Run a validated pipeline on one image: ops in order, geometric groups resampled once.

Grouping rule: consecutive geometric ops that share a fill (mode, cval and interpolation) act
as one combined transform, like a single camera move: their matrices are composed and the
image is resampled once, so the fill appears only where the *combined* map leaves the source
(content one op moves out and a later op brings back is kept). ``flip`` and ``crop`` without
padding expose no outside pixels and join any group; a different fill starts a new group.
A noise op ends the group before it.

Randomness follows the seeding contract (:mod:`augcli.core.seeding`): step ``i`` of copy ``c`` of
item ``key`` draws from ``generator(seed, key, c, i)``, first its ``p`` coin (always), then its
parameters, so every output depends only on (seed, key, copy index).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from augcli.augment.config import PipelineSpec, Step
from augcli.augment.kernels.affine import identity
from augcli.augment.kernels.channels import channel_count
from augcli.augment.kernels.fill import channel_cvals
from augcli.augment.kernels.resampler import RESAMPLERS, get_resampler
from augcli.augment.labels.geometry import Warp
from augcli.augment.ops.base import DrawnParams
from augcli.augment.ops.resample import FillKey, GeometricOp, default_fill_key, warp_with
from augcli.core.errors import ConfigError, InputError
from augcli.core.seeding import generator

SUPPORTED_DTYPES = (np.uint8, np.uint16, np.float32)


@dataclass(frozen=True)
class OpRecord:
    """What one step did to one image: skipped by its ``p`` coin, or its drawn parameters."""

    op: str
    applied: bool
    params: DrawnParams | None = None

    def describe(self) -> str | None:
        """The step's caption (its parameters' own), or None when its ``p`` coin skipped it."""
        return self.params.describe() if self.applied and self.params is not None else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"op": ..., "applied": ..., **params}``."""
        out: dict[str, Any] = {"op": self.op, "applied": self.applied}
        if self.params is not None:
            out.update(dataclasses.asdict(self.params))
        return out


@dataclass
class _Group:
    steps: list[Step] = field(default_factory=list)
    key: FillKey | None = None

    def resolved_key(self) -> FillKey:
        if self.key is not None:
            return self.key
        for step in self.steps:
            interp = getattr(step.op.config, "interpolation", None)
            if interp is not None:
                return default_fill_key(interp)
        return default_fill_key()


def segment(steps: tuple[Step, ...]) -> list[_Group | Step]:
    """Split steps into geometric groups (one resampling each) and single noise steps."""
    segments: list[_Group | Step] = []
    current: _Group | None = None
    for step in steps:
        if not isinstance(step.op, GeometricOp):
            current = None
            segments.append(step)
            continue
        key = step.op.fill_key()
        joins = current is not None and (key is None or current.key in (None, key))
        if not joins:
            current = _Group()
            segments.append(current)
        current.steps.append(step)
        if current.key is None:
            current.key = key
    return segments


class Pipeline:
    """A runnable pipeline.

    Parameters
    ----------
    spec : PipelineSpec
        From :func:`augcli.augment.config.load_pipeline`.

    Examples
    --------
    >>> from augcli.augment.config import parse_pipeline
    >>> pipe = Pipeline(parse_pipeline("pipeline: [flip: {direction: vertical}]"))
    >>> pipe.run(np.arange(4, dtype=np.uint8).reshape(2, 2), 0, "a.png", 0)[0].tolist()
    [[2, 3], [0, 1]]
    """

    def __init__(self, spec: PipelineSpec) -> None:
        check_resampler(spec.resampler)
        self.spec = spec
        self.segments = segment(spec.steps)

    @property
    def resamplings(self) -> int:
        """At most this many resamplings per image (one per geometric group)."""
        return sum(isinstance(s, _Group) for s in self.segments)

    def run(
        self, image: np.ndarray, seed: int, key: str, copy_index: int
    ) -> tuple[np.ndarray, list[OpRecord]]:
        """Augment one image.

        Parameters
        ----------
        image : numpy.ndarray
            HxW or HxWxC, uint8, uint16 or float32. Not modified.
        seed : int
            The run's seed.
        key : str
            The item's stable key (its relative POSIX path).
        copy_index : int
            Which copy of the item this is.

        Returns
        -------
        image : numpy.ndarray
            The result, same dtype and channel count (size may change: crop without resize,
            rotate with expand).
        records : list of OpRecord
            One per step, in pipeline order.
        """

        out, records, _ = self.run_traced(image, seed, key, copy_index)
        return out, records

    def run_traced(
        self, image: np.ndarray, seed: int, key: str, copy_index: int
    ) -> tuple[np.ndarray, list[OpRecord], list[Warp]]:
        """:meth:`run`, also returning the warps applied, in order (what labels must follow).

        Returns
        -------
        image, records
            As :meth:`run`.
        warps : list of Warp
            One per geometric group that changed the image (its composed transform, its fill
            mode and the shape it was applied to); noise steps contribute nothing.
        """

        def draw(step: Step, shape: tuple[int, ...]) -> Any:
            rng = generator(seed, key, copy_index, step.index - 1)
            if rng.random() >= step.p:  # the coin is always drawn
                return None
            return step.op.sample(rng, shape)

        warps: list[Warp] = []
        out, records = self._execute(image, draw, warps)
        return out, records, warps

    def replay(
        self, image: np.ndarray, records: list[dict[str, Any]]
    ) -> tuple[np.ndarray, list[OpRecord]]:
        """Re-apply recorded parameters (a manifest line's ``ops``) instead of drawing them.

        Raises
        ------
        InputError
            The records do not match this pipeline's steps.
        """
        if len(records) != len(self.spec.steps):
            raise InputError(f"{len(records)} records for {len(self.spec.steps)} steps")

        def draw(step: Step, shape: tuple[int, ...]) -> Any:
            record = dict(records[step.index - 1])
            if record.pop("op", None) != step.op.name:
                raise InputError(f"record {step.index} is not for op {step.op.name}")
            if not record.pop("applied", False):
                return None
            return step.op.params_cls(**record)

        return self._execute(image, draw)

    def _execute(
        self, image: np.ndarray, draw, warps: list[Warp] | None = None
    ) -> tuple[np.ndarray, list[OpRecord]]:
        _check_image(image)
        records: list[OpRecord] = []
        out = image
        for seg in self.segments:
            if isinstance(seg, _Group):
                out = self._run_group(seg, out, draw, records, warps)
                continue
            params = draw(seg, out.shape)
            if params is not None:  # in place once the array is ours (not the caller's)
                apply = seg.op.apply if out is image else seg.op.apply_owned
                out = apply(out, params)
            records.append(OpRecord(seg.op.name, params is not None, params))
        return (out.copy() if out is image else out), records

    def _run_group(
        self, group: _Group, image: np.ndarray, draw, records, warps: list[Warp] | None
    ) -> np.ndarray:
        shape = image.shape
        total = identity(shape[:2])
        for step in group.steps:
            params = draw(step, shape)
            records.append(OpRecord(step.op.name, params is not None, params))
            if params is None:
                continue
            transform = step.op.transform(params, shape)
            total = total.then(transform)
            shape = transform.out_shape + shape[2:]
        fill_key = group.resolved_key()
        channels = channel_count(image)
        try:
            channel_cvals(fill_key[1], channels)
        except ValueError:
            first = group.steps[0]
            raise InputError(
                f"step {first.index} ({first.op.name}): cval has {len(fill_key[1])} values "
                f"but the image has {channels} channel(s)"
            ) from None
        if total.is_identity(image.shape[:2]):
            return image
        if warps is not None:
            warps.append(Warp(total, fill_key[0], image.shape[:2]))
        return warp_with(image, total, fill_key, self.spec.resampler)


def check_resampler(resampler: str) -> None:
    """Refuse a resampler that cannot run here (exit status 2, before any work).

    Raises
    ------
    ConfigError
        ``opencv`` without OpenCV installed (the message gives the install command).
    """
    if resampler not in RESAMPLERS:
        return  # the config refuses it; warp names the allowed ones
    try:
        get_resampler(resampler).load()  # OpenCV: also single-threaded in this process
    except ImportError as exc:
        raise ConfigError(f"resampler {resampler}: {exc}") from None


def _check_image(image: np.ndarray) -> None:
    if image.dtype.type not in SUPPORTED_DTYPES:
        raise InputError(f"image dtype {image.dtype} is not supported (uint8, uint16, float32)")
    if image.ndim not in (2, 3) or min(image.shape[:2]) < 1:
        raise InputError(f"image shape {image.shape} is not HxW or HxWxC")
