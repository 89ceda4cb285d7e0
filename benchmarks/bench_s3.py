"""Bucket to bucket against disk to disk: ``--images`` images x ``--copies`` copies, 2 workers.

Usage (from the repository root, with ``augcli[s3]`` and ``moto[server]`` installed)::

    python benchmarks/bench_s3.py --images 240 --copies 4 --repeats 3

Starts moto's S3 server on 127.0.0.1 (a real HTTP endpoint, in this process), uploads
``--images`` 256x256 PNGs to ``s3://bench-src/``, then runs, alternating, ``--repeats`` times
each, a fresh ``python -m augcli augment`` child: disk to disk, and ``s3://bench-src`` to
``s3://bench-dst/<n>`` (local pool, ``--workers`` 2). Prints and records
(``benchmarks/results/s3.json``) the median wall time of each and their ratio. The endpoint
runs on the same machine: this measures augcli's store path (fetch, scratch, one PUT per
object, manifest parts), not a network.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import start_benchmark, write_result  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=240)
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    import fsspec
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    start_benchmark()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    os.environ.update(
        AWS_ENDPOINT_URL=f"http://{host}:{port}",
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_DEFAULT_REGION="us-east-1",
    )
    work = Path(tempfile.mkdtemp(prefix="bench-s3-"))
    src = work / "src"
    rng = np.random.default_rng(0)
    for i in range(args.images):
        folder = src / f"d{i % 4}"
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (256, 256, 3), dtype=np.uint8)).save(
            folder / f"{i:04d}.png"
        )
    fs = fsspec.filesystem("s3")
    fs.mkdir("bench-src")
    fs.mkdir("bench-dst")
    fs.put(str(src) + "/", "bench-src/", recursive=True)
    common = ["--copies", str(args.copies), "--workers", str(args.workers), "--seed", "1"]
    common += ["--quiet"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    times: dict[str, list[float]] = {"disk": [], "s3": []}
    for n in range(args.repeats):
        for kind in ("disk", "s3") if n % 2 == 0 else ("s3", "disk"):
            dst = str(work / f"out{n}") if kind == "disk" else f"s3://bench-dst/run{n}"
            source = str(src) if kind == "disk" else "s3://bench-src"
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "augcli", "augment", source, dst, *common],
                check=True,
                env=env,
            )
            times[kind].append(time.perf_counter() - start)
    server.stop()
    figures = {
        kind: {"median_s": round(statistics.median(v), 3), "runs_s": [round(t, 3) for t in v]}
        for kind, v in times.items()
    }
    figures["ratio_s3_to_disk"] = round(figures["s3"]["median_s"] / figures["disk"]["median_s"], 3)
    outputs = args.images * args.copies
    for kind in ("disk", "s3"):
        figures[kind]["outputs_per_s"] = round(outputs / figures[kind]["median_s"], 1)
    table = {
        "title": f"Bucket to bucket against disk to disk, {args.images} images x {args.copies} "
        f"copies, {args.workers} workers",
        "columns": ["run", "median wall s", "each run s", "outputs per s", "wall / disk"],
        "rows": [
            [kind, f"{figures[kind]['median_s']:.2f}",
             ", ".join(f"{t:.2f}" for t in figures[kind]["runs_s"]),
             f"{figures[kind]['outputs_per_s']:.1f}",
             f"{figures[kind]['median_s'] / figures['disk']['median_s']:.2f}"]
            for kind in ("disk", "s3")
        ],
        "notes": "256x256 PNGs; the S3 endpoint is moto's server on 127.0.0.1 in the benchmark's "
        "process, so this measures augcli's store path, not a network. Medians of "
        f"{args.repeats} fresh child processes, alternating.",
    }  # fmt: skip
    path = write_result(
        "s3",
        figures,
        tables=[table],
        peers=["fsspec", "s3fs", "moto"],
        settings={"images": args.images, "copies": args.copies, "workers": args.workers,
                  "size": "256x256 PNG", "endpoint": "moto server on 127.0.0.1"},
    )  # fmt: skip
    print(figures)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
