"""The worker side of labels: read an input's labels once, write each output's label files.

Each output's label files go to temporary names beside their destination; the run's writer
renames them into place before the image (so an image that exists always has its labels)
and records :func:`write_labels`'s summary in the output's manifest line under ``labels``
(one key per format, :attr:`LabelFormat.key`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from augcli.augment.labels.files import LabelOptions, LabelTask, temp_path
from augcli.augment.labels.formats import FORMATS
from augcli.augment.labels.geometry import Warp
from augcli.core.errors import InputError


@dataclass(frozen=True, eq=False)
class LabelInputs:
    """An input's labels, read once for all its outputs: format name -> what it read."""

    data: dict[str, Any]

    def get(self, name: str) -> Any:
        """What format ``name`` read (None: not given)."""
        return self.data.get(name)


def read_labels(
    task: LabelTask,
    size: tuple[int, int],
    max_pixels: int | None,
    options: LabelOptions | None = None,
) -> LabelInputs:
    """Read each format's labels of an image of ``size = (height, width)``.

    Raises
    ------
    InputError
        A format's source problem (no mask, several masks), an unreadable or malformed
        label file, a mask of another size.
    """
    options = options or LabelOptions()
    data = {}
    for name, source, problem, _ in task.sources:
        if problem is not None:
            raise InputError(problem)
        if source is not None:
            data[name] = FORMATS[name].read(source, size, options, max_pixels)
    return LabelInputs(data)


def write_labels(
    task: LabelTask,
    inputs: LabelInputs,
    output_name: str,
    warps: Sequence[Warp],
    out_size: tuple[int, int],
    options: LabelOptions,
    tag: str = "",
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Move an input's labels for one output and write them to temporary files.

    ``tag`` goes into the temporary names (the task's shard and attempt, see ``Task.temp_tag``).

    Returns
    -------
    labels : dict
        The manifest line's ``labels`` entry: per format key, the file written (relative to
        that label DST) with its ``size`` and ``sha256``, and the objects kept and dropped;
        for COCO the moved annotations.
    files : list of (str, str)
        ``(temporary, final)`` paths, for the writer to rename.
    """
    finals = task.outputs(output_name)
    info: dict[str, Any] = {}
    files: list[tuple[str, str]] = []
    for name, data in inputs.data.items():
        fmt = FORMATS[name]
        temp = rel = None
        if fmt.key in finals:
            final, rel = finals[fmt.key]
            temp = temp_path(final, tag)
            files.append((temp, final))
        info[fmt.key] = fmt.write(data, warps, out_size, options, temp, rel, output_name)
    return info, files
