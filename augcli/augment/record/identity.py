"""The identity of an augment run: what a manifest line records so ``--resume`` can compare runs.

Two runs are the same run when their seeds and their identities are equal: the validated
pipeline (as a digest of its canonical JSON), the copies, the name template, the output format,
the quality and the augcli version. :func:`run_identity` is the one place that builds it, so a
new key (a resampler, labels) is one line here.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

from augcli import __version__
from augcli.augment.config import PipelineSpec
from augcli.augment.tasks import AugmentOptions


def _plain(value: Any) -> Any:
    """A config value as JSON data: random values by their YAML spelling, tuples as lists."""
    to_yaml = getattr(value, "to_yaml", None)
    if to_yaml is not None:
        return _plain(to_yaml())
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)  # 1 and 1.0 are the same setting
    return value


def pipeline_document(spec: PipelineSpec) -> list[dict[str, Any]]:
    """The validated pipeline as JSON data: every step with every key, defaults included.

    Parameters
    ----------
    spec : PipelineSpec
        A validated pipeline.

    Returns
    -------
    list of dict
        ``[{"op": name, "p": p, key: value, ...}, ...]`` in step order. Two files that
        validate to the same pipeline (comments, key order, spelled-out defaults) give equal
        documents.
    """
    steps = []
    for step in spec.steps:
        config = step.op.config
        values = {f.name: _plain(getattr(config, f.name)) for f in dataclasses.fields(config)}
        steps.append({"op": step.op.name, "p": float(step.p), **values})
    return steps


def pipeline_digest(spec: PipelineSpec) -> str:
    """SHA-256 (hex) of the canonical JSON (sorted keys, no spaces) of :func:`pipeline_document`."""
    text = json.dumps(pipeline_document(spec), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def run_identity(spec: PipelineSpec, options: AugmentOptions) -> dict[str, Any]:
    """The ``run`` object of every manifest line of a run (the seed is recorded beside it).

    Parameters
    ----------
    spec : PipelineSpec
        The validated pipeline.
    options : AugmentOptions
        The run's options.

    Returns
    -------
    dict
        ``{"pipeline", "copies", "name", "format", "quality", "resampler", "augcli"}``.
    """
    return {
        "pipeline": pipeline_digest(spec),
        "copies": options.copies,
        "name": options.name_template,
        "format": options.out_format,
        "quality": options.quality,
        "resampler": spec.resampler,
        "augcli": __version__,
    }


def identity_differences(old: Any, new: dict[str, Any]) -> list[str]:
    """What differs between a recorded identity and this run's, one ``key: old vs new`` each."""
    if not isinstance(old, dict):
        return ["run: not recorded (a manifest from an older augcli, or not augcli's)"]
    return [
        f"{key}: {old.get(key, '(not recorded)')!r} vs {new.get(key, '(none)')!r}"
        for key in sorted({*old, *new})
        if old.get(key) != new.get(key)
    ]
