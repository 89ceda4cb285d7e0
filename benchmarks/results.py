"""Benchmark results as JSON files under ``benchmarks/results/``, with machine, load and command."""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> dict[str, Any]:
    """The CPU model, core count, memory, Python and OS of this machine."""
    cpu = platform.processor() or "unknown"
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
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": memory,
        "python": platform.python_version(),
        "os": platform.platform(),
    }


def load() -> list[float] | None:
    """The 1, 5 and 15 minute load averages (None where the OS has none)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def write_result(name: str, results: Any, **extra: Any) -> Path:
    """Write ``benchmarks/results/NAME.json``: the results with machine, load and command.

    Parameters
    ----------
    name : str
        The file's stem (``resume``, ``augment_512``).
    results : Any
        JSON-serialisable figures.
    **extra
        Other keys to record (library versions, settings).

    Returns
    -------
    pathlib.Path
        The file written.
    """
    RESULTS.mkdir(exist_ok=True)
    record = {
        "name": name,
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "command": " ".join(["python", *sys.argv]),
        "machine": machine(),
        "load_before": extra.pop("load_before", None),
        "load_after": load(),
        **extra,
        "results": results,
    }
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return path
