#!/usr/bin/env bash
# Digest of augcli's outputs over a fixed set of commands, to prove a refactor changed no byte.
#
# Usage (repository root, augcli installed):  bash tools/digest.sh OUTDIR
# Prints one line per output file ("sha256  path") and per command transcript, then the
# SHA-256 of that listing. Manifests are compared by sorted lines (completion order differs).
# Every augment/preview command passes --resampler (pillow unless it measures opencv), so the
# digest does not move with the default resampler.
set -uo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:?usage: tools/digest.sh OUTDIR}"
rm -rf "$out"; mkdir -p "$out/in" "$out/run"
python - "$out/in" <<'PY'
import sys
from pathlib import Path
import numpy as np
from PIL import Image
root = Path(sys.argv[1]) / "odd"; root.mkdir(parents=True)
rng = np.random.default_rng(3)
Image.fromarray((rng.integers(0, 65535, (40, 52), dtype=np.uint16))).save(root / "deep16.png")
Image.fromarray(rng.integers(0, 255, (37, 41, 4), dtype=np.uint8), "RGBA").save(root / "alpha.png")
Image.fromarray(rng.integers(0, 255, (30, 33, 3), dtype=np.uint8)).convert("P").save(root / "pal.png")
Image.fromarray(rng.integers(0, 255, (44, 30), dtype=np.uint8)).save(root / "grey.jpg")
Image.fromarray(rng.random((21, 25), dtype=np.float32)).save(root / "float.tiff")
im = Image.fromarray(rng.integers(0, 255, (24, 36, 3), dtype=np.uint8)); ex = im.getexif(); ex[0x0112] = 6
im.save(root / "exif6.jpg", exif=ex)
np.save(Path(sys.argv[1]) / "chw.npy", rng.random((3, 16, 16)).astype(np.float32))
rows = ["y_true,y_pred"] + [f"{int(rng.integers(0,2))},{rng.random():.6f}" for _ in range(300)]
(Path(sys.argv[1]) / "bin.csv").write_text("\n".join(rows) + "\n")
rows = ["y_true,p0,p1,p2"] + [
    f"{int(rng.integers(0,3))}," + ",".join(f"{v:.5f}" for v in rng.dirichlet([1, 1, 1]))
    for _ in range(100)]
(Path(sys.argv[1]) / "multi.csv").write_text("\n".join(rows) + "\n")
rows = ["y_true,y_pred"] + [f"{rng.normal():.5f},{rng.normal():.5f}" for _ in range(200)]
(Path(sys.argv[1]) / "reg.csv").write_text("\n".join(rows) + "\n")
PY
in="$out/in"; r="$out/run"; S="$repo/sample_images"; L="$repo/sample_labelled"
n=0
run() { n=$((n+1)); (cd "$out" && "$@") >"$r/cmd$n.out" 2>"$r/cmd$n.err"; echo "rc=$?" >>"$r/cmd$n.err"; }
run augcli augment "$S" "$r/a1" -c "$repo/configs/all-fill-modes.yaml" --copies 2 --workers 2 --resampler pillow --seed 5 --quiet
run augcli augment "$S" "$r/a2" -c "$repo/configs/classification.yaml" --copies 5 --workers 1 --resampler pillow --seed 6 --quiet
run augcli augment "$in/odd" "$r/a3" --include-original --resampler pillow --seed 7 --quiet --workers 1
run augcli augment "$in/odd" "$r/a4" --format png --resampler pillow --seed 8 --quiet --workers 2
run augcli augment "$in/odd" "$r/a5" --format tiff --json --resampler pillow --seed 9 --workers 1
run augcli augment "$S" "$r/a6" -c "$repo/configs/noise.yaml" --resampler opencv --seed 10 --quiet --workers 2
run augcli augment "$L/images" "$r/l1" --masks "$L/masks" "$r/l1m" --yolo "$L/labels" "$r/l1y" --coco "$L/annotations.json" "$r/l1.json" -c "$repo/configs/all-fill-modes.yaml" --copies 2 --resampler pillow --seed 11 --quiet --workers 2
for k in 0 1 2; do
  run augcli augment "$L/images" "$r/sh" --masks "$L/masks" "$r/shm" --yolo "$L/labels" "$r/shy" --shard $k/3 --copies 2 --resampler pillow --seed 12 --quiet --workers 1
done
run augcli manifest merge "$r/sh"
run augcli manifest verify "$r/sh"
run augcli preview "$S/$(cd "$S" && find . -name '*.jpg' | sort | head -1)" -o "$r/preview.png" --resampler pillow --seed 13
run augcli loss "$in/bin.csv"
run augcli loss "$in/bin.csv" --format json --top 3
run augcli loss "$in/multi.csv" --pred "p*" --per-row "$r/perrow.csv"
run augcli loss "$in/reg.csv" --top 2
run augcli loss "$in/bin.csv" -l nosuchloss
run augcli pool "$S/$(cd "$S" && find . -name '*.jpg' | sort | head -1)" --method all -o "$r/grid.png" --seed 1
for m in max avg gap mixed stochastic power dpp lip softpool; do
  run augcli pool "$in/chw.npy" --method "$m" -o "$r/pool-$m.npy" --seed 2
done
run augcli pool "$in/chw.npy" --method nosuch
run augcli pool "$in/chw.npy" --kernel 0
run augcli pool "$S" --method max -o "$r/poolfolder"
run augcli validate "$repo/configs/all-fill-modes.yaml"
run augcli ops
cd "$r"
{
  find . -type f ! -name '*.jsonl' ! -name '*.err' ! -name '*.out' | sort | while read -r f; do sha256sum "$f"; done
  find . -type f -name '*.jsonl' | sort | while read -r f; do echo "$(sort "$f" | sha256sum | cut -c1-64)  $f"; done
  for f in $(ls cmd*.out cmd*.err | sort -V); do
    # transcripts: drop the temp-dir prefix so two runs compare
    echo "$(sed -E "s#$out#OUT#g; s#$repo#REPO#g; s#[0-9.]+ s, [0-9.]+ images/s#T#; s#\"(elapsed_s|images_per_s)\": [0-9.]+#\\1#g" "$f" | sha256sum | cut -c1-64)  $f"
  done
} > "$out/listing.txt"
echo "commands: $n; files: $(wc -l < "$out/listing.txt")"
sha256sum "$out/listing.txt" | cut -c1-64
