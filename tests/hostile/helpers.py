"""Shared tools of the hostile suite: snapshots by content, tiny inputs, and one CLI runner.

Every test runs ``python -m augcli`` in a process of its own (the ``augcli`` found on
``PYTHONPATH``), so the suite checks behaviour, not internals, and a hang or a runaway
allocation is stopped by a timeout and an address-space limit instead of taking the machine
down. Whole runs are forked from a warm interpreter (:mod:`tests.warm`, no import cost); tests
of signals, locks and start-up start fresh interpreters (:func:`start`).
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import stat
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from tests import warm

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60
MEMORY_LIMIT = 4 << 30  # address space of each augcli child: a runaway allocation fails fast
MANIFEST = "augcli-manifest.jsonl"
TEMP_PREFIX = ".augcli-tmp-"


def sha256(path: Path) -> str:
    """SHA-256 of a regular file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def entry(path: Path) -> tuple:
    """What a path is, without following it or opening anything special (a FIFO never blocks)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return ("missing",)
    if stat.S_ISLNK(info.st_mode):
        return ("symlink", os.readlink(path))
    if stat.S_ISREG(info.st_mode):
        return ("file", sha256(path))
    if stat.S_ISDIR(info.st_mode):
        return ("dir",)
    return ("special", stat.S_IFMT(info.st_mode))


def snapshot(paths: Iterable[Path]) -> dict[str, tuple]:
    """Every path below each of ``paths`` (not following symlinks) -> :func:`entry`."""
    found: dict[str, tuple] = {}
    for top in paths:
        top = Path(top)
        found[str(top)] = entry(top)
        if found[str(top)] == ("dir",):
            for folder, dirs, files in os.walk(top):
                for name in dirs + files:
                    path = Path(folder) / name
                    found[str(path)] = entry(path)
    return found


def make_image(
    path: Path, size: tuple[int, int] = (32, 24), seed: int = 0, mode: str = "RGB"
) -> Path:
    """A small image with random pixels (``size`` is width, height)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shape = (size[1], size[0], 3) if mode == "RGB" else (size[1], size[0])
    pixels = np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)
    Image.fromarray(pixels).save(path)
    return path


def make_src(folder: Path, count: int = 3, size: tuple[int, int] = (32, 24)) -> list[Path]:
    """``count`` PNG images ``im0.png``... in ``folder``."""
    return [make_image(folder / f"im{i}.png", size, seed=i) for i in range(count)]


def make_yolo(
    folder: Path, images: Sequence[Path], line: str = "0 0.5 0.5 0.25 0.25"
) -> list[Path]:
    """One YOLO label file per image (same stem) holding ``line``."""
    folder.mkdir(parents=True, exist_ok=True)
    labels = []
    for image in images:
        label = folder / f"{image.stem}.txt"
        label.write_text(line + "\n")
        labels.append(label)
    return labels


def coco_doc(images: Sequence[Path], size: tuple[int, int] = (32, 24), **extra) -> dict:
    """A COCO document with one box per image (file names relative to their folder)."""
    doc = {
        "images": [
            {"id": i + 1, "file_name": image.name, "width": size[0], "height": size[1]}
            for i, image in enumerate(images)
        ],
        "annotations": [
            {
                "id": i + 1,
                "image_id": i + 1,
                "category_id": 1,
                "bbox": [4.0, 4.0, 10.0, 8.0],
                "area": 80.0,
                "iscrowd": 0,
            }
            for i in range(len(images))
        ],
        "categories": [{"id": 1, "name": "thing"}],
    }
    doc.update(extra)
    return doc


def write_json(path: Path, doc: object) -> Path:
    path.write_text(json.dumps(doc))
    return path


def regular_files(folder: Path) -> set[str]:
    """Relative paths of the regular files below ``folder``."""
    if not folder.is_dir():
        return set()
    return {
        str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and not p.is_symlink()
    }


def manifest_lines(dst: Path, name: str = MANIFEST) -> list[dict]:
    path = dst / name
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def child_env() -> dict[str, str]:
    """The environment of an augcli child: this session's ``PYTHONPATH`` (else this checkout)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.environ.get("PYTHONPATH") or str(ROOT)
    env.pop("COLUMNS", None)
    return env


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    os.setpgrp()


def start(
    args: Sequence[str], cwd: Path, *, stdin=subprocess.DEVNULL, python_flags=()
) -> subprocess.Popen:
    """Start ``python -m augcli ARGS`` in its own process group, memory-limited."""
    return subprocess.Popen(
        [sys.executable, *python_flags, "-m", "augcli", *map(str, args)],
        cwd=cwd,
        env=child_env(),
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_limit_memory,
    )


def finish(
    proc: subprocess.Popen, timeout: float = TIMEOUT, stdin: bytes | None = None
) -> tuple[str, str]:
    """Wait for ``proc``; on timeout kill its group and fail (a hang is a bug, not a wait)."""
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        out, err = proc.communicate()
        raise AssertionError(
            f"augcli did not finish within {timeout} s (hung or unbounded): "
            f"{err.decode(errors='replace')[-2000:]}"
        ) from None
    return out.decode(errors="replace"), err.decode(errors="replace")


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> dict:
        return json.loads(self.stdout)


def run_augcli(
    args: Sequence[str], cwd: Path, *, stdin: bytes | None = None, timeout: float = TIMEOUT
) -> Result:
    """One whole ``python -m augcli ARGS`` run, memory-limited, in its own process group.

    The process is forked from a warm interpreter (:mod:`tests.warm`) where it can be, else
    started fresh (:func:`start`); either way a hang fails the test after ``timeout``.
    """
    if not warm.available():
        proc = start(args, cwd, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL)
        out, err = finish(proc, timeout, stdin)
        return Result(proc.returncode, out, err)
    try:
        code, out, err = warm.run(args, cwd, child_env(), stdin, timeout, MEMORY_LIMIT)
    except warm.Timeout as late:
        raise AssertionError(
            f"augcli did not finish within {timeout} s (hung or unbounded): "
            f"{late.stderr.decode(errors='replace')[-2000:]}"
        ) from None
    return Result(code, out.decode(errors="replace"), err.decode(errors="replace"))


def check_message(result: Result, expect: int, wants_json: bool) -> None:
    """No traceback; a refusal or interruption says so in one line (one JSON object with --json)."""
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert "Traceback" not in result.stdout, result.stdout[-3000:]
    if wants_json:
        doc = json.loads(result.stdout)  # exactly one object: json.loads refuses anything after
        assert isinstance(doc, dict) and doc.get("exit_code", 0) == expect, result.stdout
        if expect in (2, 130):
            assert "\n" not in str(doc.get("error", "")), doc
    lines = [line for line in result.stderr.splitlines() if not line.startswith("import time:")]
    if expect == 2:
        errors = [line for line in lines if line.startswith("Error:")]
        assert len(errors) == 1 and errors[0].strip() != "Error:", result.stderr
    elif expect == 130:
        assert any("Interrupted" in line for line in lines), result.stderr


@dataclass
class Scene:
    """A temporary world: a sentinel outside DST and the inputs whose bytes must never change."""

    root: Path
    sentinel: Path
    sentinel_sha: str
    inputs: list[Path] = field(default_factory=list)

    def watch(self, *paths: Path) -> None:
        """Add inputs (files or folders, taken whole) whose content must survive every run."""
        self.inputs.extend(Path(p) for p in paths)

    def guarded(self) -> list[Path]:
        return [*self.inputs, self.sentinel]

    def run(
        self,
        *args: object,
        expect: int,
        timeout: float = TIMEOUT,
        stdin: bytes | None = None,
        check_inputs: bool = True,
    ) -> Result:
        """Run augcli; assert the exit code, the message, the sentinel and every input unchanged."""
        before = snapshot(self.guarded())
        hashes = {p: sha256(p) for p in self.inputs if p.is_file() and not p.is_symlink()}
        result = run_augcli([str(a) for a in args], self.root, stdin=stdin, timeout=timeout)
        if check_inputs:
            self.check_unchanged(before, hashes)
        assert result.code == expect, (
            f"exit {result.code}, expected {expect}: {result.stderr[-3000:]}{result.stdout[-2000:]}"
        )
        check_message(result, expect, "--json" in args or ("json" in args and "--format" in args))
        return result

    def check_unchanged(self, before: dict[str, tuple], hashes: dict[Path, str]) -> None:
        assert sha256(self.sentinel) == self.sentinel_sha, "the sentinel outside DST was changed"
        after = snapshot(self.guarded())
        changed = {p: (before[p], after.get(p)) for p in before if after.get(p) != before[p]}
        added = sorted(set(after) - set(before))
        assert not changed, f"inputs changed: {changed}"
        assert not added, f"files appeared among the inputs: {added}"
        assert {p: sha256(p) for p in hashes} == hashes
