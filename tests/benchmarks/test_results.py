"""benchmarks/results.py writes well-formed result files and docs/make_tables.py renders only those.

A result file is the single source of every figure on the performance page and in README, so a
malformed table must be refused where it is written (``write_result``) and where it is read
(the renderer), naming what is wrong.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


results = _load("bench_results_under_test", ROOT / "benchmarks" / "results.py")
make_tables = _load("make_tables_under_results_test", ROOT / "docs" / "make_tables.py")

TABLE = {
    "title": "Resume",
    "columns": ["step", "wall s"],
    "rows": [["first run", "41.95"], ["resume", "4.76"]],
    "notes": "Medians of 3.",
}


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """Result files go to (and are read from) a temporary folder."""
    monkeypatch.setattr(results, "RESULTS", tmp_path)
    monkeypatch.setattr(make_tables, "RESULTS", tmp_path)
    return tmp_path


def test_write_result_records_command_machine_load_results_and_tables(folder, monkeypatch):
    monkeypatch.setattr(sys, "argv", [str(ROOT / "benchmarks" / "bench_x.py"), "--repeats", "3"])
    monkeypatch.setattr(results.os, "getloadavg", lambda: (1.0, 2.0, 3.0))
    results.start_benchmark()
    monkeypatch.setattr(results.os, "getloadavg", lambda: (4.0, 5.0, 6.0))
    path = results.write_result(
        "x", {"raw": [1.5]}, tables=[TABLE], peers=["albumentations"], settings={"n": 2}
    )
    assert path == folder / "x.json"
    record = json.loads(path.read_text("utf-8"))
    assert record["command"] == "python benchmarks/bench_x.py --repeats 3"
    assert record["load_before"] == [1.0, 2.0, 3.0]
    assert record["load_after"] == [4.0, 5.0, 6.0]
    assert record["results"] == {"raw": [1.5]}
    assert record["tables"] == [TABLE]
    assert record["settings"] == {"n": 2}
    machine = record["machine"]
    assert {"cpu", "cores", "memory_gib", "python", "os"} <= machine.keys()
    assert list(machine["versions"]) == ["numpy", "pillow", "opencv", "albumentations"]
    assert machine["versions"]["numpy"] == importlib.metadata.version("numpy")
    assert "headline" not in record


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([["first run", "41.95", "extra"]], "row 0 has 3 cells, the columns are 2"),
        ([["first run"]], "row 0 has 1 cells, the columns are 2"),
        ([["first run", 41.95]], "row 0 cell 1 is 41.95 (float); cells are strings"),
        ([["first run", None]], "row 0 cell 1 is None"),
        ("first run", "rows must be a list"),
    ],
)
def test_write_result_refuses_a_malformed_table_and_writes_nothing(folder, rows, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        results.write_result("x", {}, tables=[{**TABLE, "rows": rows}])
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize(
    ("tables", "message"),
    [
        ([], "non-empty list"),
        ([{**TABLE, "title": ""}], "title must be a non-empty string"),
        ([{**TABLE, "columns": ["a", 2]}], "columns must be a non-empty list of strings"),
        ([{**TABLE, "caption": "x"}], "unknown keys"),
        ([{**TABLE, "notes": 3}], "notes must be a string"),
    ],
)
def test_write_result_refuses_tables_of_the_wrong_shape(folder, tables, message):
    with pytest.raises(ValueError, match=message):
        results.write_result("x", {}, tables=tables)
    assert list(folder.iterdir()) == []


def test_write_result_refuses_a_headline_row_that_is_not_three_strings(folder):
    with pytest.raises(ValueError, match="headline: row 0 has 2 cells"):
        results.write_result("x", {}, tables=[TABLE], headline=[["resume", "4.76 s"]])
    with pytest.raises(ValueError, match="headline: row 0 cell 1 is 4.76"):
        results.write_result("x", {}, tables=[TABLE], headline=[["resume", 4.76, "-"]])
    assert list(folder.iterdir()) == []


def _result(folder: Path, name: str, **record) -> None:
    base = {"name": name, "command": "python benchmarks/bench_x.py", "date": "2026-12-04",
            "machine": {"cpu": "Xeon", "cores": 2, "memory_gib": 23.5, "python": "3.11.7",
                        "versions": {"numpy": "2.4.6", "opencv": None}},
            "load_before": [1.5, 2, 3], "load_after": [4, 5, 6.25]}  # fmt: skip
    (folder / f"{name}.json").write_text(json.dumps({**base, **record}), "utf-8")


def test_the_renderer_shows_heading_run_line_tables_and_notes(folder):
    _result(folder, "x", tables=[{**TABLE, "rows": [["a | b", "1"]]}])
    text = make_tables.benchmark_tables()
    assert text.startswith("### x\n\n")
    assert (
        "`python benchmarks/bench_x.py` on 2026-12-04: Xeon, 2 cores, 23.5 GiB, Python 3.11.7 "
        "(numpy 2.4.6); load average (1, 5, 15 min) 1.5, 2, 3 before, 4, 5, 6.25 after."
    ) in text
    assert "**Resume**\n\n| step | wall s |\n|---|---|\n| a \\| b | 1 |\n\nMedians of 3.\n" in text


def test_the_renderer_says_what_a_result_file_did_not_record(folder):
    _result(folder, "x", tables=[TABLE], machine={}, load_after=None, date=None)
    text = make_tables.benchmark_tables()
    assert (
        "on date not recorded: CPU not recorded, cores not recorded, memory not recorded, "
        "Python not recorded;"
    ) in text
    assert "None" not in text


def test_a_result_file_without_tables_is_an_error_naming_it(folder, capsys, monkeypatch):
    _result(folder, "a", tables=[TABLE])
    _result(folder, "old", results={"figure": 1})
    with pytest.raises(ValueError, match=r"^benchmarks/results/old\.json has no 'tables'"):
        make_tables.benchmark_tables()
    monkeypatch.setattr(make_tables, "pages", lambda: [])
    monkeypatch.setattr(make_tables, "render_all", lambda texts: make_tables.benchmark_tables())
    assert make_tables.main(["--check"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "benchmarks/results/old.json has no 'tables'" in err


def test_a_result_file_with_a_malformed_table_is_an_error_naming_it(folder):
    _result(folder, "bad", tables=[{**TABLE, "rows": [["first run", 41.95]]}])
    with pytest.raises(ValueError, match=r"^benchmarks/results/bad\.json: table 0 .* row 0 cell 1"):
        make_tables.benchmark_tables()


def test_the_headline_table_holds_each_results_headline_rows_with_its_command(folder):
    _result(folder, "a", tables=[TABLE], headline=[["resume", "4.76 s", "<= 5 s"],
                                                   ["first run", "41.95 s", "-"]])  # fmt: skip
    _result(folder, "b", tables=[TABLE])
    rows = [line for line in make_tables.headline_table().splitlines() if line.startswith("| ")]
    assert rows[1:] == [
        "| resume | 4.76 s | <= 5 s | `python benchmarks/bench_x.py`, 2026-12-04, load 1.5 "
        "([a](docs/performance.md#a)) |",
        "| first run | 41.95 s | - | same run |",
    ]


def test_every_committed_result_file_has_well_formed_tables():
    for path in sorted((ROOT / "benchmarks" / "results").glob("*.json")):
        record = json.loads(path.read_text("utf-8"))
        assert results.check_tables(record.get("tables")) == [], path.name
        if "headline" in record:
            assert results.check_headline(record["headline"]) == [], path.name
