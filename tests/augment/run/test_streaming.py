"""The plan streams: tasks are planned again folder by folder, and the manifest stays sorted
by the walk's order without a list of every task (issue 23)."""

from __future__ import annotations

import json
import os

from augcli.augment.record.manifest import rewrite_sorted, walk_order
from augcli.augment.run.plan import make_plan
from augcli.augment.run.walk import walk
from augcli.augment.run.writer import Summary, TaskResult, Writer
from augcli.augment.tasks import AugmentOptions
from augcli.core.progress import SilentReporter
from tests import imagefactory as f

NAMES = ["b.png", "a.png", "A.png", "a/z.png", "a/b/c.png", "a.b/x.png", "a-b/y.png", "Z/q.png"]


def _tree(root):
    for name in NAMES:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        f.make_image(path, f.asymmetric_rgb())
    return root


def test_walk_order_key_sorts_sources_exactly_as_the_walk_lists_them(tmp_path):
    src = _tree(tmp_path / "src")
    walked = [f"{d.rel}/{n}" if d.rel else n for d in walk(src) for n in d.images]
    entries = [{"source": key, "copy": 0, "output": key} for key in walked]
    assert sorted(entries, key=walk_order) == entries
    assert sorted(reversed(entries), key=walk_order) == entries


def test_the_run_pass_yields_the_tasks_the_check_pass_counted(tmp_path):
    src = _tree(tmp_path / "src")
    plan = make_plan(src, tmp_path / "dst", AugmentOptions(copies=2))
    first, second = list(plan.tasks()), list(plan.tasks())
    assert first == second
    assert len(first) == plan.inputs == len(NAMES)
    assert sum(len(t.outputs) for t in first) == plan.outputs == 2 * len(NAMES)
    walked = [f"{d.rel}/{n}" if d.rel else n for d in walk(src) for n in d.images]
    assert [t.key for t in first] == walked


def _line(source, copy):
    return json.dumps({"source": source, "copy": copy, "output": f"{source}.{copy}"}) + "\n"


def test_rewrite_sorted_merges_sorted_runs_and_drops_torn_and_invalid_lines(tmp_path):
    path = tmp_path / "augcli-manifest.jsonl"
    run1 = [_line("a.png", 0), _line("a.png", 1), _line("c/d.png", 0)]
    run2 = [_line("b.png", 0), _line("c/a.png", 1), _line("c/d.png", 1)]
    path.write_text("".join(run1) + "not json\n" + "".join(run2) + '{"torn"')
    rewrite_sorted(path)
    keys = [(e["source"], e["copy"]) for e in map(json.loads, path.read_text().splitlines())]
    assert keys == [
        ("a.png", 0), ("a.png", 1), ("b.png", 0), ("c/a.png", 1), ("c/d.png", 0), ("c/d.png", 1)
    ]  # fmt: skip


def test_rewrite_sorted_leaves_an_already_sorted_manifest_untouched(tmp_path):
    path = tmp_path / "augcli-manifest.jsonl"
    path.write_text(_line("a.png", 0) + _line("a/b.png", 0))
    before = os.stat(path)
    rewrite_sorted(path)
    after = os.stat(path)
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)


def test_rewrite_sorted_sorts_an_unordered_manifest_with_many_runs(tmp_path):
    path = tmp_path / "augcli-manifest.jsonl"
    sources = [f"f{i:03d}.png" for i in range(200)]
    path.write_text("".join(_line(s, 0) for s in reversed(sources)))  # 200 runs of one line
    rewrite_sorted(path)
    assert [json.loads(x)["source"] for x in path.read_text().splitlines()] == sources


class _Lines:
    def __init__(self):
        self.lines = []

    def write(self, entry):
        self.lines.append(entry["source"])

    def retract_last(self):
        self.lines.pop()


def test_writer_commits_results_in_task_order_whatever_order_they_finish(tmp_path):
    src = _tree(tmp_path / "src")
    plan = make_plan(src, tmp_path / "dst", AugmentOptions(copies=1))
    tasks = [t for t in plan.tasks()]
    manifest = _Lines()
    writer = Writer(AugmentOptions(copies=1), Summary(seed=0), manifest, SilentReporter())
    for task in tasks:
        writer.expect(task)
    committed = []
    writer.commit = lambda result: committed.append(result.task.key)  # type: ignore[method-assign]
    finish = [tasks[i] for i in (3, 0, 2, 1, 7, 5, 4, 6)]
    for task in finish[:4]:
        writer.handle(TaskResult(task))
    assert committed == [t.key for t in tasks[:4]]
    for task in finish[4:]:
        writer.handle(TaskResult(task))
    assert committed == [t.key for t in tasks]
