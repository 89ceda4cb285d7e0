"""``--executor dask`` on a LocalCluster over loopback: bytes, a killed worker, Ctrl-C, resume.

One module-scoped cluster (2 worker processes, 1 thread each, no dashboard) serves every test;
it is created with ``allowed-failures: 0`` so a batch whose worker dies comes back as
``KilledWorker`` at once instead of killing three more workers first.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

distributed = pytest.importorskip(
    "distributed", reason='Dask\'s distributed is not installed (pip install "augcli[dask]")'
)
import dask  # noqa: E402

from augcli.augment.config import parse_pipeline  # noqa: E402
from augcli.augment.executors.dask import DaskExecutor  # noqa: E402
from augcli.augment.record.manifest import MANIFEST_NAME  # noqa: E402
from augcli.augment.run.runner import RunAborted, augment_tree  # noqa: E402
from augcli.augment.run.worker import WORKER_DIED  # noqa: E402
from augcli.augment.tasks import AugmentOptions  # noqa: E402
from augcli.cli import cli  # noqa: E402
from augcli.core.atomic import TEMP_PREFIX  # noqa: E402
from augcli.core.errors import UsageError  # noqa: E402

SPEC = parse_pipeline(
    """
pipeline:
  - flip: {p: 0.5}
  - rotate: {angle: [-20, 20], fill: reflect}
  - gaussian_noise: {std: 0.03, p: 0.5}
"""
)
KILLER = "020-kill.png"


@pytest.fixture(scope="module")
def cluster():
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        with distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",  # its HTTP server on a free port (None: 8787, maybe taken)
            scheduler_kwargs={"dashboard": False},
        ) as local:
            yield local


@pytest.fixture(scope="module")
def src(tmp_path_factory) -> Path:
    """40 noisy PNGs in two folders, plus one more beside them (the worker killer)."""
    root = tmp_path_factory.mktemp("dask") / "src"
    rng = np.random.default_rng(8)
    for i in range(40):
        folder = root / f"f{i % 2}"
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)).save(
            folder / f"{i:03d}.png"
        )
    return root


@pytest.fixture(scope="module")
def local_run(src, tmp_path_factory) -> Path:
    """The same tree augmented by the local executor in-process (the reference)."""
    dst = tmp_path_factory.mktemp("local") / "dst"
    summary = augment_tree(SPEC, src, dst, AugmentOptions(copies=2, seed=9, workers=1))
    assert summary.written == 80
    return dst


def images(dst: Path) -> dict[str, str]:
    return {
        p.relative_to(dst).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in dst.rglob("*")
        if p.is_file() and not p.name.startswith(("augcli-manifest", TEMP_PREFIX))
    }


def sorted_lines(path: Path) -> list[str]:
    return sorted(path.read_text().splitlines())


def temps(dst: Path) -> list[Path]:
    return [p for p in dst.rglob("*") if p.name.startswith(TEMP_PREFIX)]


def dask_run(cluster, src: Path, dst: Path, reporter: Any = None, **options: Any):
    executor = DaskExecutor(
        scheduler=cluster.scheduler_address, batch_seconds=0.5, no_workers_timeout=90
    )
    opts = AugmentOptions(copies=2, seed=9, **options)
    return augment_tree(SPEC, src, dst, opts, reporter, executor)


def test_dask_run_gives_the_local_runs_bytes_and_manifest_lines(cluster, src, local_run, tmp_path):
    dst = tmp_path / "dst"
    result = CliRunner().invoke(
        cli,
        [
            "augment", str(src), str(dst), "--copies", "2", "--seed", "9", "-q", "--json",
            "--executor", "dask", "--scheduler", cluster.scheduler_address,
            "-c", str(_config(tmp_path)),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.splitlines()[0])["written"] == 80
    assert images(dst) == images(local_run)
    assert sorted_lines(dst / MANIFEST_NAME) == sorted_lines(local_run / MANIFEST_NAME)
    assert temps(dst) == []


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.yaml"
    path.write_text(
        "pipeline:\n"
        "  - flip: {p: 0.5}\n"
        "  - rotate: {angle: [-20, 20], fill: reflect}\n"
        "  - gaussian_noise: {std: 0.03, p: 0.5}\n"
    )
    return path


class ExitOnKiller(distributed.WorkerPlugin):
    """In the worker process: reading the file named KILLER ends the process (os._exit)."""

    def setup(self, worker: Any) -> None:
        import augcli.augment.run.worker as runner

        original = runner.read_image

        def read_image(path: str, **kwargs: Any) -> Any:
            if os.path.basename(path) == KILLER:
                os._exit(3)
            return original(path, **kwargs)

        runner.read_image = read_image
        self.restore = lambda: setattr(runner, "read_image", original)

    def teardown(self, worker: Any) -> None:
        self.restore()


def test_a_worker_killed_mid_run_costs_only_its_input_and_leaves_no_temporaries(
    cluster, src, local_run, tmp_path
):
    killer_src = tmp_path / "src"
    for path in src.rglob("*.png"):
        target = killer_src / path.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    (killer_src / "f0" / KILLER).write_bytes((src / "f0" / "000.png").read_bytes())
    dst = tmp_path / "dst"
    with distributed.Client(cluster.scheduler_address) as client:
        client.register_plugin(ExitOnKiller(), name="exit-on-killer")
        try:
            summary = dask_run(cluster, killer_src, dst)
        finally:
            client.unregister_worker_plugin("exit-on-killer")
    assert summary.failed == 1, summary.failures
    [(path, reason)] = summary.failures
    assert Path(path).name == KILLER and WORKER_DIED in reason
    assert images(dst) == images(local_run)
    assert sorted_lines(dst / MANIFEST_NAME) == sorted_lines(local_run / MANIFEST_NAME)
    assert temps(dst) == []


class InterruptAt:
    """A reporter that sends this process SIGINT (Ctrl-C) when the n-th input is handled."""

    def __init__(self, n: int) -> None:
        self.n, self.done = n, 0

    def start(self, total: int) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self.done == self.n:
            os.kill(os.getpid(), signal.SIGINT)

    def message(self, text: str) -> None:
        pass

    def close(self) -> None:
        pass


def test_ctrl_c_handles_the_batches_in_flight_and_stops_with_130(cluster, src, local_run, tmp_path):
    dst = tmp_path / "dst"
    with pytest.raises(RunAborted) as aborted:
        dask_run(cluster, src, dst, InterruptAt(3))
    assert aborted.value.exit_code == 130 and aborted.value.interrupted
    written = aborted.value.summary.written
    assert 6 <= written < 80  # at least the 3 inputs handled, not the whole run
    found = images(dst)
    assert len(found) == written and found.items() <= images(local_run).items()
    manifest = [json.loads(line)["output"] for line in sorted_lines(dst / MANIFEST_NAME)]
    assert sorted(manifest) == sorted(found)
    assert temps(dst) == []


def test_resume_with_dask_writes_only_the_missing_outputs(cluster, src, local_run, tmp_path):
    dst = tmp_path / "dst"
    dask_run(cluster, src, dst)
    removed = sorted(dst.rglob("*_aug1.png"))[:5]
    for path in removed:
        path.unlink()
    summary = dask_run(cluster, src, dst, existing="resume")
    assert (summary.written, summary.skipped) == (5, 75)
    assert images(dst) == images(local_run)
    assert sorted_lines(dst / MANIFEST_NAME) == sorted_lines(local_run / MANIFEST_NAME)


class OtherVersion(distributed.WorkerPlugin):
    """In the worker process: augcli reports another version."""

    def setup(self, worker: Any) -> None:
        import augcli.augment.executors.dask as module

        self.saved = module.__version__
        module.__version__ = "0.0.0-other"

    def teardown(self, worker: Any) -> None:
        import augcli.augment.executors.dask as module

        module.__version__ = self.saved


def test_workers_with_another_augcli_version_are_refused_before_anything_is_written(
    cluster, src, tmp_path
):
    with distributed.Client(cluster.scheduler_address) as client:
        client.register_plugin(OtherVersion(), name="other-version")
        try:
            with pytest.raises(UsageError, match="run another augcli .*0.0.0-other"):
                dask_run(cluster, src, tmp_path / "dst")
        finally:
            client.unregister_worker_plugin("other-version")
    assert not (tmp_path / "dst").exists()


def test_a_shard_on_dask_writes_the_local_runs_bytes_for_its_inputs(
    cluster, src, local_run, tmp_path
):
    from augcli.augment.tasks import Shard

    dst = tmp_path / "dst"
    summary = dask_run(cluster, src, dst, shard=Shard(1, 2))
    mine = {
        rel: digest
        for rel, digest in images(local_run).items()
        if oracle_owner(rel.replace("_aug0", "").replace("_aug1", "")) == 1
    }
    assert summary.written == len(mine) > 0
    assert images(dst) == mine
    assert (dst / "augcli-manifest.1-of-2.jsonl").is_file() and temps(dst) == []


def oracle_owner(key: str, n: int = 2) -> int:
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=16).digest()
    return int.from_bytes(digest, "little") % n
