"""Benchmark results as JSON files under ``benchmarks/results/``, with machine, load and command.

Every benchmark records its figures the same way, so the performance page and README can be
rendered from the files (``python docs/make_tables.py``) and never copied by hand::

    from results import start_benchmark, write_result

    start_benchmark()  # the load average before the run (write_result records it)
    ...      # run and measure
    write_result(
        "resume",
        raw,  # the raw figures, any JSON
        tables=[{
            "title": "Resume over 10,000 outputs",
            "columns": ["step", "wall s"],
            "rows": [["first run", "41.95"], ["--resume (median of 3)", "4.76"]],
            "notes": "Medians of 3 fresh child processes.",
        }],
        headline=[["resume 10,000 outputs", "4.76 s", "-"]],
        peers=["albumentations"],
    )

The file ``benchmarks/results/NAME.json`` holds::

    name, date, command        the exact command line (``python benchmarks/bench_x.py ...``)
    commit                     the checkout's git commit (None outside git)
    machine                    cpu, cores, memory_gib, python, os, and ``versions`` of numpy,
                               pillow, opencv and every name in ``peers``
    load_before, load_after    1, 5 and 15 minute load averages (None where the OS has none)
    results                    the raw figures, as the benchmark chose to keep them
    tables                     what the performance page shows (below)
    headline                   optional: the rows README's "Performance" table shows (below)
    ...                        any other keyword given to ``write_result`` (settings)

``tables`` is a list of ``{"title": str, "columns": [str, ...], "rows": [[str, ...], ...],
"notes": str}`` (``notes`` optional): every row has exactly one cell per column and every cell
is a string the benchmark has already formatted (``"0.43"``, ``"52.7 MiB"``, ``"-"``); the
renderer prints them as they are.

**The headline convention.** ``headline`` is a short list of rows ``[figure, measured,
target]`` (all strings, see ``HEADLINE_COLUMNS``): the one or few figures of this benchmark that
answer its issue's target, each beside its target (``"<= 0.7x"``; ``"-"`` when there is none).
The measured value must be one of the figures shown in ``tables`` (the same measurement, the
same rounding), so README never shows a number the performance page does not. README's
Performance table is every result file's ``headline`` rows, in file-name order, each group with
its command, date and load. Give a headline only in the result that represents the current
code (for example ``memory_after_*``, not ``memory_before_*``).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
REPO = RESULTS.parents[1]
TABLE_KEYS = {"title", "columns", "rows", "notes"}
HEADLINE_COLUMNS = ("figure", "measured", "target")
CORE_LIBRARIES = ("numpy", "pillow", "opencv")
_OPENCV_DISTRIBUTIONS = (
    "opencv-python-headless",
    "opencv-python",
    "opencv-contrib-python-headless",
    "opencv-contrib-python",
)
_started: dict[str, Any] = {}


def version(library: str) -> str | None:
    """The installed version of ``library`` (a distribution name; ``opencv`` for any build)."""
    names = _OPENCV_DISTRIBUTIONS if library == "opencv" else (library,)
    for name in names:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return None


def machine(peers: Iterable[str] = ()) -> dict[str, Any]:
    """The CPU model, cores, memory (GiB), Python, OS and library versions of this machine.

    Parameters
    ----------
    peers : iterable of str
        Distributions compared against (``albumentations``, ``duckdb``, ``torch``); their
        versions are recorded beside numpy's, Pillow's and OpenCV's (None if not installed).

    Returns
    -------
    dict
        ``cpu, cores, memory_gib, python, os, versions``.
    """
    cpu = platform.processor() or platform.machine() or "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = None
    try:
        with open("/proc/meminfo", encoding="utf-8") as handle:
            memory = round(int(handle.readline().split()[1]) / 2**20, 1)
    except (OSError, ValueError, IndexError):
        pass
    libraries = dict.fromkeys([*CORE_LIBRARIES, *peers])
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": memory,
        "python": platform.python_version(),
        "os": platform.platform(),
        "versions": {name: version(name) for name in libraries},
    }


def load() -> list[float] | None:
    """The 1, 5 and 15 minute load averages (None where the OS has none)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def start_benchmark() -> list[float] | None:
    """Note the load average before the run; :func:`write_result` records it as ``load_before``.

    Returns
    -------
    list of float or None
        The 1, 5 and 15 minute load averages now.
    """
    _started["load"] = load()
    return _started["load"]


def _commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def command() -> str:
    """This process's command line, the script named from the repository root."""
    argv = list(sys.argv)
    if argv and argv[0]:
        script = Path(argv[0]).resolve()
        if script.is_relative_to(REPO):
            argv[0] = script.relative_to(REPO).as_posix()
    return " ".join(["python", *argv])


def _is_text_rows(rows: Any, width: int) -> str | None:
    """What is wrong with ``rows`` as rows of ``width`` string cells (None if nothing)."""
    if not isinstance(rows, list):
        return f"rows must be a list, got {type(rows).__name__}"
    for i, row in enumerate(rows):
        if not isinstance(row, list | tuple):
            return f"row {i} must be a list of cells, got {type(row).__name__}"
        if len(row) != width:
            return f"row {i} has {len(row)} cells, the columns are {width}"
        for j, cell in enumerate(row):
            if not isinstance(cell, str):
                return f"row {i} cell {j} is {cell!r} ({type(cell).__name__}); cells are strings"
    return None


def check_tables(tables: Any) -> list[str]:
    """Every problem of ``tables`` as one line each (an empty list when they are well formed).

    Parameters
    ----------
    tables : Any
        What a benchmark passes as ``tables`` (or what a result file holds).

    Returns
    -------
    list of str
        ``"table 0 (Title): row 2 has 3 cells, the columns are 4"`` and the like.
    """
    if not isinstance(tables, list) or not tables:
        return ["tables must be a non-empty list of {title, columns, rows, notes}"]
    problems = []
    for t, table in enumerate(tables):
        if not isinstance(table, dict):
            problems.append(f"table {t} must be an object, got {type(table).__name__}")
            continue
        where = f"table {t} ({table.get('title')!r})"
        unknown = set(table) - TABLE_KEYS
        if unknown:
            allowed = sorted(TABLE_KEYS)
            problems.append(f"{where}: unknown keys {sorted(unknown)}; allowed {allowed}")
        if not isinstance(table.get("title"), str) or not table.get("title"):
            problems.append(f"{where}: title must be a non-empty string")
        columns = table.get("columns")
        if (
            not isinstance(columns, list)
            or not columns
            or not all(isinstance(c, str) for c in columns)
        ):
            problems.append(f"{where}: columns must be a non-empty list of strings")
            continue
        wrong = _is_text_rows(table.get("rows"), len(columns))
        if wrong:
            problems.append(f"{where}: {wrong}")
        if not isinstance(table.get("notes", ""), str):
            problems.append(f"{where}: notes must be a string")
    return problems


def check_headline(headline: Any) -> list[str]:
    """Every problem of a ``headline`` list as one line each (empty when well formed)."""
    if not isinstance(headline, list) or not headline:
        return ["headline must be a non-empty list of [figure, measured, target] rows"]
    wrong = _is_text_rows(headline, len(HEADLINE_COLUMNS))
    return [f"headline: {wrong} ({', '.join(HEADLINE_COLUMNS)})"] if wrong else []


def write_result(
    name: str,
    results: Any,
    *,
    tables: list[dict[str, Any]],
    headline: list[list[str]] | None = None,
    peers: Iterable[str] = (),
    load_before: list[float] | None = None,
    **extra: Any,
) -> Path:
    """Write ``benchmarks/results/NAME.json``: figures, tables, machine, load and command.

    Parameters
    ----------
    name : str
        The file's stem (``resume``, ``augment_512_12mp``).
    results : Any
        The raw figures, JSON-serialisable.
    tables : list of dict
        What the performance page shows: ``{"title", "columns", "rows", "notes"}`` with every
        cell a preformatted string (see the module docstring).
    headline : list of list of str, optional
        README's rows ``[figure, measured, target]`` (see the module docstring).
    peers : iterable of str
        Distributions compared against, whose versions are recorded in ``machine``.
    load_before : list of float, optional
        The load before the run; by default what :func:`start_benchmark` noted.
    **extra
        Other keys to record (settings).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    ValueError
        If ``tables`` or ``headline`` is malformed (nothing is written).
    """
    problems = check_tables(tables)
    if headline is not None:
        problems += check_headline(headline)
    if problems:
        raise ValueError(f"result {name!r}: " + "; ".join(problems))
    record: dict[str, Any] = {
        "name": name,
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "command": command(),
        "commit": _commit(),
        "machine": machine(peers),
        "load_before": load_before if load_before is not None else _started.get("load"),
        "load_after": load(),
        **extra,
        "results": results,
        "tables": tables,
    }
    if headline is not None:
        record["headline"] = headline
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    text = json.dumps(record, indent=2) + "\n"
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path
