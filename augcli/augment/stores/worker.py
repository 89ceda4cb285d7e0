"""What a worker does with one task of a store run: fetch, augment, put each object once.

The worker reads its input (and mask and YOLO objects) from the store into a private scratch
folder, runs the local worker (:func:`augcli.augment.run.worker.process`: the same decoding,
pipeline and encoding, so the same bytes), then puts each output's label objects and then its
image under their final keys, each in one piece. Only then does the result (sizes, hashes,
drawn ops: no image bytes) go to the client, whose manifest line commits the output. Nothing
is ever renamed, and nothing partial is ever visible.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile

from augcli.augment.labels.files import LabelTask
from augcli.augment.run.worker import WORKER_DIED, process
from augcli.augment.run.writer import TaskResult
from augcli.augment.tasks import Task
from augcli.core.errors import InputError, OutputError
from augcli.core.stores import Store, is_url, read_url


def process_store(task: Task) -> TaskResult:
    """Run one task whose source may be, and whose destinations are, object URLs."""
    scratch = tempfile.mkdtemp(prefix="augcli-store-")
    try:
        try:
            local, shown = _stage(task, scratch)
        except InputError as exc:
            return TaskResult(task, error=_named(task.src, str(exc)))
        result = process(local)
        result.task = task
        result.error = _shown(result.error, shown)
        result.fatal = _shown(result.fatal, shown)
        result.notes = tuple(_shown(n, shown) or "" for n in result.notes)
        if result.error or result.fatal:
            return result
        try:
            _put_outputs(task, local, result)
        except OutputError as exc:
            result.fatal, result.written, result.labels = str(exc), [], {}
        return result
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def died_store(task: Task) -> TaskResult:
    """The result of a task that killed its worker on its own."""
    return TaskResult(task, error=f"{task.src}: {WORKER_DIED}")


def _stage(task: Task, scratch: str) -> tuple[Task, dict[str, str]]:
    """The task pointed at local copies in ``scratch``; local path -> URL, for messages."""
    shown: dict[str, str] = {}

    def fetch(url: str, folder: str, label: str) -> str:
        name = url.rstrip("/").rsplit("/", 1)[-1]
        os.makedirs(os.path.join(scratch, folder), exist_ok=True)
        path = os.path.join(scratch, folder, name)
        with open(path, "wb") as handle:
            handle.write(read_url(url, label))
        shown[path] = url
        return path

    src = fetch(task.src, "src", "SRC") if is_url(task.src) else task.src
    out_dir = os.path.join(scratch, "out")
    os.makedirs(out_dir)
    labels = task.labels
    if labels is not None:
        sources = []
        for name, source, problem, folder in labels.sources:
            if name == "masks":
                source = fetch(source, "mask", "--masks") if source else source
                folder = _made(scratch, "masks") if folder is not None else None
            elif name == "yolo":
                source = (
                    fetch(source, "yolo", "--yolo")
                    if source is not None and is_url(source)
                    else source or os.path.join(scratch, "no-yolo.txt")
                )
                folder = _made(scratch, "yolos") if folder is not None else None
            sources.append((name, source, problem, folder))
        labels = dataclasses.replace(labels, sources=tuple(sources))
    local = dataclasses.replace(task, src=src, out_dir=out_dir, labels=labels)
    return local, shown


def _made(scratch: str, name: str) -> str:
    path = os.path.join(scratch, name)
    os.makedirs(path, exist_ok=True)
    return path


def _put_outputs(task: Task, local: Task, result: TaskResult) -> None:
    """Put each output's label objects, then its image, under their final keys."""
    out = Store(task.out_dir, "DST")
    for item in result.written:
        name = item.output.name
        info, files = result.labels.get(name, ({}, []))
        for temp, final in files:
            _put_file(_label_store(task.labels, final), os.path.basename(final), temp)
        _put_file(out, name, local.temp_path(item.output))
        result.labels[name] = (info, [])


def _label_store(labels: LabelTask | None, final: str) -> Store:
    """The destination prefix of a label file written locally at ``final``."""
    assert labels is not None
    kind = "masks" if os.path.basename(os.path.dirname(final)) == "masks" else "yolos"
    url = next(d for n, _, _, d in labels.sources if n == ("masks" if kind == "masks" else "yolo"))
    return Store(url or "", "--masks" if kind == "masks" else "--yolo")


def _put_file(store: Store, key: str, path: str) -> None:
    with open(path, "rb") as handle:
        data = handle.read()
    store.put(key, data)


def _shown(message: str | None, shown: dict[str, str]) -> str | None:
    """``message`` with the scratch paths replaced by the URLs they were fetched from."""
    if message is None:
        return None
    for path, url in shown.items():
        message = message.replace(path, url)
    return message


def _named(src: str, message: str) -> str:
    return message if src in message else f"{src}: {message}"
