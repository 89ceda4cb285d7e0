"""augcli: offline image augmentation, loss evaluation and CNN pooling, from the CLI or Python.

The public Python API (imported on first use, so ``import augcli`` stays fast)::

    load_pipeline(path)                        a pipeline YAML file -> PipelineSpec
    augment_image(image, pipeline, seed=, key=, copy=)   one array, as `augcli augment` would
    replay(image, manifest_line, pipeline)     one output again from its manifest line
    augment_tree(src, dst, pipeline, **opts)   a whole tree, as `augcli augment SRC DST`
    augment_dataset(data_yaml, out, pipeline)  an Ultralytics dataset, as `--yolo-data`
    evaluate_losses(y_true, y_pred, names)     losses on arrays, as `augcli loss`
    pool_array(array, method, kernel=, ...)    a pooling method on (..., H, W), as `augcli pool`
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "load_pipeline": "augcli.augment.config",
    "PipelineSpec": "augcli.augment.config",
    "augment_image": "augcli.api",
    "replay": "augcli.api",
    "augment_tree": "augcli.api",
    "augment_dataset": "augcli.api",
    "pool_array": "augcli.api",
    "evaluate_losses": "augcli.loss.arrays",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'augcli' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
