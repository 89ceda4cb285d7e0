"""The manifest as the record of what augcli owns in DST (issue 11, item 2): size and SHA-256 per
output, the run's identity, --resume refusing another run, --overwrite removing only what it can
prove it wrote, corrupt manifests refused, and the same bytes for any --workers."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from augcli.augment.config import parse_pipeline
from augcli.augment.record.identity import pipeline_digest
from augcli.augment.record.manifest import MANIFEST_NAME
from augcli.cli import cli

PIPE = "pipeline:\n  - rotate: {angle: [-10, 10], fill: reflect}\n  - flip: {p: 0.5}\n"


def run(*args: object) -> object:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result


def files(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def lines(dst: Path) -> list[dict]:
    return [json.loads(x) for x in (dst / MANIFEST_NAME).read_text().splitlines()]


@pytest.fixture
def src(tmp_path: Path) -> Path:
    root = tmp_path / "src"
    (root / "sub").mkdir(parents=True)
    rng = np.random.default_rng(4)
    for name in ("a.png", "b.png", "sub/c.png"):
        Image.fromarray(rng.integers(0, 256, (12, 16, 3), dtype=np.uint8)).save(root / name)
    return root


@pytest.fixture
def pipe(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.yaml"
    path.write_text(PIPE)
    return path


def test_every_line_records_the_outputs_size_sha256_and_the_run(src, pipe, tmp_path):
    dst = tmp_path / "out"
    assert (
        run("augment", src, dst, "-c", pipe, "--seed", 5, "--copies", 2, "--workers", 1).exit_code
        == 0
    )
    entries = lines(dst)
    assert len(entries) == 6
    digest = hashlib.sha256(
        json.dumps(
            [
                {"op": "rotate", "p": 1.0, "angle": [-10.0, 10.0], "fill": "reflect",
                 "cval": 0.0, "interpolation": "bilinear", "expand": False},
                {"op": "flip", "p": 0.5, "direction": "horizontal"},
            ],
            sort_keys=True,
            separators=(",", ":"),
        ).encode()
    ).hexdigest()  # fmt: skip
    for entry in entries:
        data = (dst / entry["output"]).read_bytes()
        assert entry["size"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["run"] == {
            "pipeline": digest, "copies": 2, "name": "{stem}_aug{index}{ext}",
            "format": "same", "quality": 95, "resampler": "opencv",
            "augcli": entry["run"]["augcli"],
        }  # fmt: skip
        assert entry["seed"] == 5


def test_the_pipeline_digest_ignores_spelling_but_not_values():
    a = parse_pipeline("pipeline:\n  - flip: {p: 0.5}\n  - rotate: {angle: [-10, 10]}\n")
    b = parse_pipeline(
        "# a comment\npipeline:\n- flip: {direction: horizontal, p: 0.50}\n"
        "- rotate: {fill: constant, angle: [-10.0, 10], cval: 0}\n"
    )
    c = parse_pipeline("pipeline:\n  - flip: {p: 0.5}\n  - rotate: {angle: [-10, 11]}\n")
    assert pipeline_digest(a) == pipeline_digest(b) != pipeline_digest(c)


def test_overwrite_with_another_run_leaves_exactly_the_new_run(src, tmp_path):
    """The issue's scenario: seed 5 x3, then seed 7 x1 --overwrite, then --resume x3."""
    dst = tmp_path / "out"
    assert run("augment", src, dst, "--seed", 5, "--copies", 3).exit_code == 0
    assert len(files(dst)) == 10
    over = run("augment", src, dst, "--seed", 7, "--copies", 1, "--overwrite", "--json")
    assert over.exit_code == 0, over.output
    assert json.loads(over.stdout)["earlier_removed"] == 6
    assert sorted(files(dst)) == sorted(
        [MANIFEST_NAME, "a_aug0.png", "b_aug0.png", "sub/c_aug0.png"]
    )
    assert [e["seed"] for e in lines(dst)] == [7, 7, 7]
    resumed = run("augment", src, dst, "--copies", 3, "--resume")
    assert resumed.exit_code == 2
    assert "copies: 1 vs 3" in resumed.stderr
    assert sorted(files(dst)) == sorted(
        [MANIFEST_NAME, "a_aug0.png", "b_aug0.png", "sub/c_aug0.png"]
    )


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (["--seed", "6"], "seed: 5 vs 6"),
        (["--copies", "1"], "copies: 2 vs 1"),
        (
            ["--name", "{stem}-{index}{ext}"],
            "name: '{stem}_aug{index}{ext}' vs '{stem}-{index}{ext}'",
        ),
        (["--format", "tiff"], "format: 'same' vs 'TIFF'"),
        (["--quality", "80"], "quality: 95 vs 80"),
        (["-c", "OTHER"], "pipeline: "),
    ],
)
def test_resume_refuses_another_run_and_says_what_differs(src, pipe, tmp_path, change, says):
    dst = tmp_path / "out"
    assert run("augment", src, dst, "-c", pipe, "--seed", 5, "--copies", 2).exit_code == 0
    (dst / "a_aug1.png").unlink()
    before = files(dst)
    other = tmp_path / "other.yaml"
    other.write_text(PIPE.replace("10]", "11]"))
    args = {"--seed": "5", "--copies": "2", "-c": str(pipe)}
    for i in range(0, len(change), 2):
        args[change[i]] = str(other) if change[i + 1] == "OTHER" else change[i + 1]
    flat = [x for kv in args.items() for x in kv]
    result = run("augment", src, dst, *flat, "--resume", "--json")
    assert result.exit_code == 2, result.output
    assert says in result.stderr
    assert json.loads(result.stdout)["exit_code"] == 2
    assert files(dst) == before
    same = run("augment", src, dst, "-c", pipe, "--seed", 5, "--copies", 2, "--resume", "--json")
    assert same.exit_code == 0 and json.loads(same.stdout)["written"] == 1


def test_resume_without_a_manifest_to_tell_is_refused(src, tmp_path):
    dst = tmp_path / "out"
    assert run("augment", src, dst, "--copies", 1, "--no-manifest", "--seed", 1).exit_code == 0
    before = files(dst)
    result = run("augment", src, dst, "--copies", 1, "--resume")
    assert result.exit_code == 2 and "no manifest" in result.stderr
    assert files(dst) == before
    no_manifest = run("augment", src, dst, "--copies", 1, "--resume", "--no-manifest", "--seed", 1)
    assert no_manifest.exit_code == 2 and "--no-manifest" in no_manifest.stderr
    # --resume into an empty DST has nothing to tell: it is a first run
    fresh = run("augment", src, tmp_path / "fresh", "--copies", 1, "--resume", "--seed", 1)
    assert fresh.exit_code == 0


def test_resume_refuses_outputs_not_listed_or_changed(src, tmp_path):
    dst = tmp_path / "out"
    assert run("augment", src, dst, "--copies", 2, "--seed", 1).exit_code == 0
    (dst / "a_aug0.png").write_bytes(b"edited by hand")
    result = run("augment", src, dst, "--copies", 2, "--seed", 1, "--resume")
    assert result.exit_code == 2 and "a_aug0.png" in result.stderr
    assert (dst / "a_aug0.png").read_bytes() == b"edited by hand"
    kept = [e for e in lines(dst) if e["output"] != "b_aug1.png"]
    (dst / MANIFEST_NAME).write_text("".join(json.dumps(e) + "\n" for e in kept))
    (dst / "a_aug0.png").unlink()
    unlisted = run("augment", src, dst, "--copies", 2, "--seed", 1, "--resume")
    assert unlisted.exit_code == 2 and "b_aug1.png" in unlisted.stderr


def test_overwrite_deletes_only_what_it_can_prove_and_reports_the_rest(src, tmp_path):
    dst = tmp_path / "out"
    assert run("augment", src, dst, "--copies", 3, "--seed", 1).exit_code == 0
    (dst / "a_aug2.png").write_bytes(b"changed by the user")
    (dst / "b_aug2.png").unlink()
    outside = tmp_path / "precious.png"
    outside.write_bytes(b"not augcli's")
    os.symlink(outside, dst / "b_aug2.png")  # a symlink where an output was
    (dst / "notes.txt").write_text("the user's own file")
    result = run("augment", src, dst, "--copies", 1, "--seed", 1, "--overwrite", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["earlier_removed"] == 4  # a_aug1, b_aug1, c_aug1, c_aug2
    assert {k["path"] for k in summary["earlier_kept"]} == {"a_aug2.png", "b_aug2.png"}
    assert "a_aug2.png" in result.stderr and "kept" in result.stderr
    assert (dst / "a_aug2.png").read_bytes() == b"changed by the user"
    assert outside.read_bytes() == b"not augcli's" and (dst / "b_aug2.png").is_symlink()
    assert (dst / "notes.txt").exists()
    assert not (dst / "a_aug1.png").exists() and not (dst / "sub" / "c_aug2.png").exists()


def test_overwrite_does_not_follow_a_symlinked_folder_out_of_dst(src, tmp_path):
    dst = tmp_path / "out"
    assert run("augment", src, dst, "--copies", 2, "--seed", 1).exit_code == 0
    elsewhere = tmp_path / "elsewhere"
    (dst / "sub").rename(elsewhere)
    os.symlink(elsewhere, dst / "sub")
    (src / "sub" / "c.png").unlink()
    (src / "sub").rmdir()
    result = run("augment", src, dst, "--copies", 1, "--seed", 1, "--overwrite", "--json")
    assert result.exit_code == 0, result.output
    kept = {k["path"]: k["reason"] for k in json.loads(result.stdout)["earlier_kept"]}
    assert set(kept) == {"sub/c_aug0.png", "sub/c_aug1.png"}
    assert "outside DST" in kept["sub/c_aug0.png"]
    assert sorted(p.name for p in elsewhere.iterdir()) == ["c_aug0.png", "c_aug1.png"]


@pytest.mark.parametrize(
    "bad", ["../victim.png", "/ABS/victim.png", "a/../../victim.png", "./a.png", ""]
)
def test_a_manifest_naming_paths_outside_dst_is_refused_as_corrupt(src, tmp_path, bad):
    dst = tmp_path / "out"
    assert run("augment", src, dst, "--copies", 1, "--seed", 1).exit_code == 0
    victim = tmp_path / "victim.png"
    victim.write_bytes(b"precious")
    bad = bad.replace("/ABS", str(tmp_path))
    entry = dict(lines(dst)[0], output=bad, size=8, sha256=hashlib.sha256(b"precious").hexdigest())
    with open(dst / MANIFEST_NAME, "a") as handle:
        handle.write(json.dumps(entry) + "\n")
    before = files(dst)
    for policy in ("--overwrite", "--resume"):
        result = run("augment", src, dst, "--copies", 1, "--seed", 1, policy, "--json")
        assert result.exit_code == 2, result.output
        assert "corrupt manifest" in result.stderr
        assert json.loads(result.stdout)["exit_code"] == 2
    assert victim.read_bytes() == b"precious"
    assert files(dst) == before


def test_manifest_is_byte_identical_for_any_workers_and_after_resume(src, pipe, tmp_path):
    for i in range(8):
        Image.fromarray(np.full((9, 11, 3), i * 20, np.uint8)).save(src / f"z{i}.png")
    made = {}
    for workers in (1, 3):
        dst = tmp_path / f"w{workers}"
        assert run("augment", src, dst, "-c", pipe, "--seed", 2, "--copies", 2,
                   "--include-original", "--workers", workers).exit_code == 0  # fmt: skip
        made[workers] = (dst / MANIFEST_NAME).read_bytes()
    assert made[1] == made[3]
    order = [(e["source"], e["copy"]) for e in lines(tmp_path / "w1")]
    assert [e["copy"] for e in lines(tmp_path / "w1")][:3] == [None, 0, 1]
    assert len(order) == 33 and len(set(order)) == 33
    dst = tmp_path / "w3"
    for name in ("z3_aug1.png", "a_aug0.png", "sub/c.png"):
        (dst / name).unlink()
    assert run("augment", src, dst, "-c", pipe, "--seed", 2, "--copies", 2,
               "--include-original", "--workers", 2, "--resume").exit_code == 0  # fmt: skip
    assert (dst / MANIFEST_NAME).read_bytes() == made[1]


def test_overwrite_without_a_manifest_removes_the_earlier_runs_record(src, tmp_path):
    """--no-manifest writes no record, so the earlier run's, which no longer describes DST, goes
    too (after its provable outputs were removed)."""
    dst = tmp_path / "out"
    assert run("augment", src, dst, "--copies", 2, "--seed", 1).exit_code == 0
    result = run("augment", src, dst, "--copies", 1, "--seed", 2, "--overwrite", "--no-manifest")
    assert result.exit_code == 0, result.output
    assert sorted(files(dst)) == ["a_aug0.png", "b_aug0.png", "sub/c_aug0.png"]


def test_odd_but_legal_names_are_not_taken_for_a_corrupt_manifest(tmp_path):
    """Backslashes and colons are ordinary characters of POSIX file names."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("we\\ird.png", "c:lon.png", "sp ace.png"):
        Image.fromarray(np.zeros((4, 5, 3), np.uint8)).save(src / name, format="PNG")
    dst = tmp_path / "out"
    assert run("augment", src, dst, "--copies", 2, "--seed", 1).exit_code == 0
    (dst / "we\\ird_aug1.png").unlink()
    resumed = run("augment", src, dst, "--copies", 2, "--seed", 1, "--resume", "--json")
    assert resumed.exit_code == 0 and json.loads(resumed.stdout)["written"] == 1
    over = run("augment", src, dst, "--copies", 1, "--seed", 1, "--overwrite", "--json")
    assert over.exit_code == 0 and json.loads(over.stdout)["earlier_removed"] == 3
    assert sorted(files(dst)) == [
        MANIFEST_NAME,
        "c:lon_aug0.png",
        "sp ace_aug0.png",
        "we\\ird_aug0.png",
    ]
