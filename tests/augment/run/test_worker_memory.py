"""The worker's memory savings (consumed outputs, banded mask reads) change no output byte."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import augcli.images.reading
import augcli.images.release as release
from augcli.augment.labels import masks
from augcli.cli.group import run

PIPELINE = """
pipeline:
  - flip: {p: 0.5}
  - rotate: {angle: [-20, 20], fill: reflect}
  - crop: {size: [0.7, 1.0]}
  - gaussian_noise: {std: 0.04}
  - salt_and_pepper: {amount: 0.02}
"""


def _digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.endswith(".jsonl")
    }


def _inputs(root: Path, height: int, width: int) -> Path:
    """RGB (JPEG, PNG), LA and float32 images, each with a mask."""
    rng = np.random.default_rng(7)
    (root / "src").mkdir(parents=True)
    (root / "masks").mkdir()
    ramp = np.linspace(0, 200, width, dtype=np.float32)[None, :, None]
    photo = np.clip(ramp + rng.integers(-12, 13, (height, width, 3)), 0, 255).astype(np.uint8)
    Image.fromarray(photo).save(root / "src" / "photo.jpg", quality=90)
    Image.fromarray(photo[:, ::-1].copy()).save(root / "src" / "flat.png")
    Image.fromarray(photo[..., :2].copy(), "LA").save(root / "src" / "la.png")
    Image.fromarray(rng.random((height, width), dtype=np.float32)).save(root / "src" / "deep.tiff")
    mask = (np.arange(width)[None, :] // 9 + np.arange(height)[:, None] // 7) % 5
    for name in ("photo", "flat", "la", "deep"):
        Image.fromarray(mask.astype(np.uint8)).save(root / "masks" / f"{name}.png")
    return root


def _augment(src: Path, dst: Path, config: Path, resampler: str, workers: str) -> dict[str, str]:
    args = ["augment", str(src / "src"), str(dst), "-c", str(config), "--copies", "3"]
    args += ["--seed", "11", "-q", "--workers", workers, "--resampler", resampler]
    args += ["--masks", str(src / "masks"), str(dst) + "m"]
    assert run(args) == 0
    return _digest(dst) | {f"m/{k}": v for k, v in _digest(Path(str(dst) + "m")).items()}


def _plain(monkeypatch) -> None:
    """The path without the savings: Pillow copies whole arrays, masks via numpy.array."""
    monkeypatch.setattr(augcli.images.reading, "image_consuming", lambda array: None)
    monkeypatch.setattr(masks, "_pixels", np.array)


@pytest.mark.parametrize("resampler", ["opencv", "pillow"])
def test_consumed_outputs_and_banded_masks_change_no_byte(
    tmp_path: Path, monkeypatch, resampler: str
):
    # Small images, every output consumed in bands of a few rows (in this process: --workers 1).
    src = _inputs(tmp_path / "in", 61, 77)
    config = tmp_path / "p.yaml"
    config.write_text(PIPELINE)
    monkeypatch.setattr(release, "CONSUME_BYTES", 1)
    monkeypatch.setattr(release, "BAND_BYTES", 700)
    monkeypatch.setattr(masks, "BAND_BYTES", 300)
    saving = _augment(src, tmp_path / "saving", config, resampler, "1")
    _plain(monkeypatch)
    plain = _augment(src, tmp_path / "plain", config, resampler, "1")
    assert len(saving) == 2 * 4 * 3
    assert saving == plain


def test_large_outputs_consumed_in_workers_change_no_byte(tmp_path: Path, monkeypatch):
    # Over CONSUME_BYTES (RGB 9.2 MB, float32 12.2 MB): consumed in 2 worker processes with the
    # real thresholds, compared with the plain path in this process.
    src = _inputs(tmp_path / "in", 1700, 1800)
    config = tmp_path / "p.yaml"
    config.write_text(PIPELINE)
    saving = _augment(src, tmp_path / "saving", config, "opencv", "2")
    _plain(monkeypatch)
    plain = _augment(src, tmp_path / "plain", config, "opencv", "1")
    assert saving == plain


def test_labels_are_read_once_per_input_after_every_copys_pixels(tmp_path: Path, monkeypatch):
    # The worker writes an input's labels after all its copies (so a mask is never alive beside
    # the input's pixels): one read per input, and every copy still gets its mask.
    from augcli.augment.run import worker

    src = _inputs(tmp_path / "in", 61, 77)
    config = tmp_path / "p.yaml"
    config.write_text(PIPELINE)
    reads: list[int] = []
    real = worker.read_labels

    def counting(*args, **kwargs):
        reads.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(worker, "read_labels", counting)
    together = _augment(src, tmp_path / "together", config, "opencv", "1")
    assert len(reads) == 4  # once per input, not once per copy
    assert sum(1 for name in together if name.startswith("m/")) == 4 * 3
