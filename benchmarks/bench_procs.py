"""Running one benchmark contender as a child process: wall time, CPU time, peak RSS per process.

Peak RSS is each process's ``VmHWM`` from ``/proc/<pid>/status``, polled every 50 ms for the
whole process tree of the run (augcli's workers are children of its main process or of its
forkserver); RSS counts shared library pages too. CPU time is the sum of ``utime + stime`` over
the tree (same polling). Linux only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    """One timed child process and the peak RSS (MiB) of each process in its tree."""

    name: str
    pipeline: str
    wall: float
    written: int
    peaks: dict[int, tuple[str, float]] = field(default_factory=dict)
    cpu: float = 0.0
    load: float = 0.0  # 1-minute load average when the run ended

    def worker_peaks(self) -> list[float]:
        return sorted((mb for role, mb in self.peaks.values() if role == "worker"), reverse=True)

    def main_peak(self) -> float:
        return max((mb for role, mb in self.peaks.values() if role == "main"), default=0.0)


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def _read(path: str) -> str:
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")
    except OSError:
        return ""


def _cpu_seconds(pid: int) -> float | None:
    """utime + stime of ``pid`` itself (not of its reaped children)."""
    stat = _read(f"/proc/{pid}/stat")
    if not stat:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _vmhwm_mb(pid: int) -> float | None:
    for line in _read(f"/proc/{pid}/status").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


class TreePeaks(threading.Thread):
    """Polls VmHWM of every process under ``root`` until stopped."""

    def __init__(self, root: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.root, self.interval = root, interval
        self.peaks: dict[int, tuple[str, float]] = {}
        self.cpu: dict[int, float] = {}
        self.roles: dict[int, str] = {self.root: "main"}
        self.done = threading.Event()

    def _role(self, pid: int, parent: int) -> str:
        cmdline = _read(f"/proc/{pid}/cmdline").replace("\0", " ")
        if "resource_tracker" in cmdline:
            return "tracker"
        if parent == self.root and "forkserver" in cmdline:
            return "forkserver"
        return "worker"

    def poll(self) -> None:
        children = _children_map()
        stack = [self.root]
        while stack:
            pid = stack.pop()
            for child in children.get(pid, []):
                if child not in self.roles:
                    self.roles[child] = self._role(child, pid)
                stack.append(child)
            mb = _vmhwm_mb(pid)
            if mb is not None:
                old = self.peaks.get(pid, ("", 0.0))[1]
                self.peaks[pid] = (self.roles[pid], max(old, mb))
            cpu = _cpu_seconds(pid)
            if cpu is not None:
                self.cpu[pid] = max(self.cpu.get(pid, 0.0), cpu)

    def run(self) -> None:
        while not self.done.wait(self.interval):
            self.poll()


def run_child(name: str, pipeline: str, argv: list[str], out: Path) -> Run:
    """Run ``argv`` (writing into the fresh folder ``out``), timing it and polling its tree."""
    shutil.rmtree(out, ignore_errors=True)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    poller = TreePeaks(proc.pid)
    poller.start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - start
    poller.done.set()
    poller.join()
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed ({proc.returncode}): {stderr.decode()[-3000:]}")
    written = sum(1 for p in out.rglob("*.jpg"))
    shutil.rmtree(out, ignore_errors=True)
    return Run(name, pipeline, wall, written, poller.peaks, sum(poller.cpu.values()))
