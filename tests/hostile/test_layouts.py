"""Property (issue 21): whatever the layout of SRC, DST, labels and outputs, only outputs change.

Hypothesis draws where DST, the YOLO label destination, COCO OUT, a file at DST's manifest name
and the preview output sit: plain, nested (DST inside SRC, SRC inside DST, label DST inside
SRC), or reaching an input or the sentinel through a symlink or a hard link. After the runs,
every file outside the owned outputs keeps its bytes and every symlink its target; a layout
that would write over an input is refused with exit 2 and changes nothing at all.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.hostile.helpers import (
    MANIFEST,
    Result,
    check_message,
    coco_doc,
    make_src,
    make_yolo,
    run_augcli,
    snapshot,
    write_json,
)

DST = ["plain", "inside src", "holds src", "symlink to src", "symlink to a plain folder"]
LABEL_DST = ["plain", "inside src", "the label src", "symlink to the label src", "inside dst"]
COCO_OUT = [
    "none",
    "plain",
    "an input image",
    "hard link to the json",
    "symlink to the sentinel",
    "dst manifest",
    "a label file",
]
MANIFEST_AT = [
    "none",
    "symlink to an input",
    "hard link to an input",
    "symlink to the sentinel",
    "dangling symlink",
]
PREVIEW_OUT = ["plain", "the image", "symlink to the image", "hard link to the image"]
HAZARDS = {
    "dst": {"inside src", "symlink to src"},
    "label": {"inside src", "the label src", "symlink to the label src"},
    "coco": {
        "an input image",
        "hard link to the json",
        "symlink to the sentinel",
        "dst manifest",
        "a label file",
    },
    "manifest": {
        "symlink to an input",
        "hard link to an input",
        "symlink to the sentinel",
        "dangling symlink",
    },
    "preview": {"the image", "symlink to the image", "hard link to the image"},
}


def build(root: Path, dst_at, label_at, coco_at, manifest_at):
    outside = root / "outside"
    outside.mkdir()
    sentinel = outside / "sentinel.txt"
    sentinel.write_text("sentinel\n")
    src = root / "dst" / "src" if dst_at == "holds src" else root / "src"
    images = make_src(src, count=2, size=(16, 12))
    labels = root / "labels"
    make_yolo(labels, images)
    coco = write_json(root / "coco.json", coco_doc(images, size=(16, 12)))
    dst = {
        "plain": root / "dst",
        "inside src": src / "out",
        "holds src": root / "dst",
        "symlink to src": root / "dst-link",
        "symlink to a plain folder": root / "dst-link",
    }[dst_at]
    if dst_at == "symlink to src":
        os.symlink(src, dst)
    elif dst_at == "symlink to a plain folder":
        (root / "real-dst").mkdir()
        os.symlink(root / "real-dst", dst)
    label_dst = {
        "plain": root / "ydst",
        "inside src": src / "ydst",
        "the label src": labels,
        "symlink to the label src": root / "ydst-link",
        "inside dst": dst / "labels",
    }[label_at]
    if label_at == "symlink to the label src":
        os.symlink(labels, label_dst)
    coco_out = {
        "none": None,
        "plain": root / "coco-out.json",
        "an input image": images[0],
        "hard link to the json": root / "coco-link.json",
        "symlink to the sentinel": root / "coco-out.json",
        "dst manifest": dst / MANIFEST,
        "a label file": labels / "im0.txt",
    }[coco_at]
    if coco_at == "hard link to the json":
        os.link(coco, coco_out)
    elif coco_at == "symlink to the sentinel":
        os.symlink(sentinel, coco_out)
    if manifest_at != "none":
        dst.mkdir(parents=True, exist_ok=True)
        at = dst / MANIFEST
        if manifest_at == "symlink to an input":
            os.symlink(images[1], at)
        elif manifest_at == "hard link to an input":
            os.link(images[1], at)
        elif manifest_at == "symlink to the sentinel":
            os.symlink(sentinel, at)
        else:
            os.symlink(outside / "made-by-augcli.jsonl", at)
    return src, images, labels, coco, dst, label_dst, coco_out


def owned(path: str, dst: Path, label_dst: Path, coco_out: Path | None, inputs: set[str]) -> bool:
    """Is ``path`` an output augcli may create or replace (inside DST or label DST, or COCO OUT)?"""
    if path in inputs or any(path.startswith(i + os.sep) for i in inputs):
        return False
    real = os.path.realpath(os.path.dirname(path))
    for folder in (dst, label_dst):
        top = os.path.realpath(folder)
        if real == top or real.startswith(top + os.sep):
            return True
    return coco_out is not None and path == str(coco_out)


def run(root: Path, args: list[str]) -> Result:
    return run_augcli(args, root, timeout=60)


@settings(
    max_examples=15,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: each example costs two CLI runs
    suppress_health_check=list(HealthCheck),
)
@given(
    dst_at=st.sampled_from(DST),
    label_at=st.sampled_from(LABEL_DST),
    coco_at=st.sampled_from(COCO_OUT),
    manifest_at=st.sampled_from(MANIFEST_AT),
    preview_at=st.sampled_from(PREVIEW_OUT),
    mode=st.sampled_from([(), ("--overwrite",), ("--resume",)]),
)
def test_only_owned_outputs_ever_change(dst_at, label_at, coco_at, manifest_at, preview_at, mode):
    root = Path(tempfile.mkdtemp(prefix="augcli-layout-"))
    try:
        src, images, labels, coco, dst, label_dst, coco_out = build(
            root, dst_at, label_at, coco_at, manifest_at
        )
        inputs = {str(p) for p in (src, labels, coco, root / "outside")}
        if coco_at == "hard link to the json":
            inputs.add(str(coco_out))
        before = snapshot([root])
        args = [
            "augment",
            str(src),
            str(dst),
            "--seed",
            "1",
            "--workers",
            "1",
            "--copies",
            "1",
            "-q",
            *mode,
        ]
        args += ["--yolo", str(labels), str(label_dst)]
        if coco_out is not None:
            args += ["--coco", str(coco), str(coco_out)]
        result = run(root, args)
        after = snapshot([root])
        hazard = (
            dst_at in HAZARDS["dst"]
            or label_at in HAZARDS["label"]
            or coco_at in HAZARDS["coco"]
            or manifest_at in HAZARDS["manifest"]
        )
        assert result.code in (0, 2), result.stderr
        check_message(result, result.code, False)
        if hazard:
            assert result.code == 2, f"a hostile layout was accepted: {result.stderr}"
        if result.code == 2:
            new_files = [p for p in set(after) - set(before) if after[p] != ("dir",)]
            changed = [p for p in before if after.get(p) != before[p]]
            assert not new_files and not changed, (new_files, changed)
        else:
            for path, was in before.items():
                if after.get(path) != was:
                    assert was[0] == "file" and owned(path, dst, label_dst, coco_out, inputs), (
                        path,
                        was,
                        after.get(path),
                    )
            for path in set(after) - set(before):
                assert owned(path, dst, label_dst, coco_out, inputs) or after[path] == ("dir",), (
                    path
                )
        # the preview output, drawn on the same layout
        image = images[0]
        out = {
            "plain": root / "sheet.png",
            "the image": image,
            "symlink to the image": root / "sheet-link.png",
            "hard link to the image": root / "sheet-hard.png",
        }[preview_at]
        if preview_at == "symlink to the image":
            os.symlink(image, out)
        elif preview_at == "hard link to the image":
            os.link(image, out)
        before = snapshot([root])
        result = run(root, ["preview", str(image), "-n", "1", "--seed", "1", "-o", str(out)])
        after = snapshot([root])
        check_message(result, result.code, False)
        assert result.code == (2 if preview_at in HAZARDS["preview"] else 0), result.stderr
        changed = {p for p in set(before) | set(after) if before.get(p) != after.get(p)}
        assert changed <= ({str(out)} if result.code == 0 else set()), changed
    finally:
        shutil.rmtree(root, ignore_errors=True)
