"""What a worker does with one task: read the input, augment each copy, write temporaries.

``process(task) -> TaskResult`` is the unit every executor runs (local pool, in-process, Dask);
the main process (:mod:`.runner`, :mod:`.writer`) commits results.
"""

from __future__ import annotations

import shutil
from typing import Any

from augcli.augment.config import PipelineSpec
from augcli.augment.executors.processes import prepare_worker_process
from augcli.augment.labels.apply import read_labels, write_labels
from augcli.augment.labels.files import temp_path
from augcli.augment.pipeline import Pipeline
from augcli.augment.record.manifest import file_digest
from augcli.augment.run.writer import TaskResult, Written
from augcli.augment.tasks import AugmentOptions, Output, Task
from augcli.core.atomic import remove_quietly
from augcli.core.errors import InputError, OutputError
from augcli.images.reading import EncodeError, read_image, write_image
from augcli.images.release import map_large_allocations

WORKER_DIED = "the worker process died while processing it (killed, or out of memory)"


_WORKER: dict[str, Any] = {}


def init_worker(spec: PipelineSpec, options: AugmentOptions, in_process: bool = False) -> None:
    """Per-process state: the pipeline and options (set once, not sent with every task)."""
    map_large_allocations()  # image-sized blocks go back to the OS when freed
    _WORKER["pipeline"] = Pipeline(spec)
    _WORKER["options"] = options
    if not in_process:
        prepare_worker_process()


def process(task: Task) -> TaskResult:
    """Read one input, augment every copy and write each to its temporary file.

    Every problem of this input (not a regular file, unreadable, a step it does not fit, an
    encoder that refuses it, any exception at all) fails the task with a one-line reason naming
    its source; only a destination problem is fatal.
    """
    pipeline: Pipeline = _WORKER["pipeline"]
    options: AugmentOptions = _WORKER["options"]
    result = TaskResult(task)
    if task.refusal:  # found at plan time; the file is never opened
        result.error = f"{task.src}: {task.refusal}"
        return result
    try:
        data = read_image(task.src, max_pixels=options.max_pixels)
        # Only ``array`` holds the pixels from here, so that they can be let go early.
        array, mode, transposed = data.array, data.mode, data.transposed
        result.n_frames = data.n_frames
        result.notes = data.notes
        del data
        in_shape = array.shape[:2]
        labels = task.labels
        moves = []  # each output's warps and size: its labels are written once the pixels go
        for number, output in enumerate(task.outputs, 1):
            temp = task.temp_path(output)
            warps: list = []
            shape = in_shape
            if output.copy is None:
                if task.copy_original and not transposed:
                    shutil.copyfile(task.src, temp)
                else:  # another format, or EXIF-rotated: written upright like the copies
                    _encode(array, temp, mode, options, task, output)
                records: list[dict[str, Any]] = []
            else:
                image, recs, warps = pipeline.run_traced(array, options.seed, task.key, output.copy)
                if number == len(task.outputs):
                    array = None  # the input is not read again: free it before encoding
                # Ours alone: its memory goes back band by band as Pillow copies it.
                _encode(image, temp, mode, options, task, output, consume=True)
                records = [r.to_dict() for r in recs]
                shape = image.shape[:2]
                del image  # before the next copy (or the labels) allocate theirs
            result.written.append(Written(output, records, *file_digest(temp)))
            moves.append((output.name, warps, shape))
        del array
        if labels is not None:
            # After every image: a mask is never alive beside the input's or a copy's pixels.
            inputs = read_labels(labels, in_shape, options.max_pixels, options.labels)
            for name, warps, shape in moves:
                result.labels[name] = write_labels(
                    labels, inputs, name, warps, shape, options.labels, task.temp_tag
                )
    except InputError as exc:
        result.error = _naming_source(task.src, str(exc))
    except OutputError as exc:
        result.fatal = str(exc)
    except OSError as exc:  # copyfile
        result.fatal = f"cannot write {exc.filename}: {exc.strerror}"
    except MemoryError:
        result.error = f"{task.src}: out of memory while processing it"
    except Exception as exc:  # anything else fails this input, never the run
        lines = str(exc).strip().splitlines()
        detail = f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
        result.error = f"{task.src}: internal error ({detail})"
    if result.error or result.fatal:
        for item in result.written:
            remove_quietly(task.temp_path(item.output))
        if task.labels is not None:
            for output in task.outputs:
                for final, _ in task.labels.outputs(output.name).values():
                    remove_quietly(temp_path(final, task.temp_tag))
        result.written = []
        result.labels = {}
    return result


def _encode(
    image: Any,
    temp: str,
    mode: str,
    options: AugmentOptions,
    task: Task,
    output: Output,
    consume: bool = False,
) -> None:
    """Write one output's temporary file; an encoder refusal fails the input, named.

    ``consume``: ``image`` is given up (see :func:`~augcli.images.reading.write_image`).
    """
    try:
        write_image(image, temp, mode=mode, quality=options.quality, atomic=False, consume=consume)
    except EncodeError as exc:
        raise InputError(
            f"{task.src}: cannot write {task.final_path(output)}: {exc.reason}"
        ) from None


def _naming_source(src: str, message: str) -> str:
    """``message`` with the input's path in front unless it names it already."""
    return message if src in message else f"{src}: {message}"


def worker_died(task: Task) -> TaskResult:
    return TaskResult(task, error=f"{task.src}: {WORKER_DIED}")
