"""Rewrite the generated parts of the documentation from the code: registries, --help, results.

Run from anywhere: ``python docs/make_tables.py`` (rewrites the pages in place) or
``python docs/make_tables.py --check`` (exit 1 if a page is not what this script produces).

Each generated part sits between ``<!-- generated: NAME -->`` and ``<!-- end generated -->`` in
one of the pages (README.md and docs/*.md); the text in between is replaced, everything else is
left as it is, and every part appears exactly once. The tables of ops, losses and pooling methods
read each registry through one small adapter function (``op_entries``, ``loss_entries``,
``pool_entries``), so a registry that changes shape needs only its adapter changed; the CLI
reference is every command's ``--help``; the benchmark tables are the ``tables`` of every
``benchmarks/results/*.json`` (a file without them is an error naming it, exit 2), and README's
Performance table their ``headline`` rows (see ``benchmarks/results.py``).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
RESULTS = ROOT / "benchmarks" / "results"
HELP_WIDTH = 100
BLOCK = re.compile(r"(<!-- generated: ([\w-]+) -->\n)(.*?)(<!-- end generated -->)", re.S)
_METHOD_PREFIX = re.compile(r"^([a-z]+(?:/[a-z]+)*): (.*)$", re.S)


# -- adapters: the only code that knows the registries' shapes ---------------------------------


@dataclass(frozen=True)
class OpParam:
    """One key of an op as README shows it."""

    name: str
    default: Any  # the YAML spelling; None when unset
    required: bool
    allowed: str
    help: str


@dataclass(frozen=True)
class OpEntry:
    """One op as README shows it."""

    name: str
    summary: str
    example: str
    params: tuple[OpParam, ...]


def op_entries() -> list[OpEntry]:
    """Every op of the op registry, with its parameters (``p`` included)."""
    from augcli.augment.ops import describe_ops

    return [
        OpEntry(
            op["name"],
            op["summary"],
            op["example"],
            tuple(
                OpParam(p["name"], p["default"], p["required"], p["allowed"], p["help"])
                for p in op["params"]
            ),
        )
        for op in describe_ops()
    ]


def loss_entries() -> list[tuple[str, tuple[str, ...], str, list[tuple[str, str]]]]:
    """``(name, tasks, one-line definition, [(option, help), ...])`` of every loss."""
    from augcli.loss.registry import REGISTRY

    def option(param: Any) -> tuple[str, str]:
        default = param.unset if param.default is None else f"{param.default:.4g}"
        return param.flag, f"{param.help.rstrip('.')}; {param.allowed} [{default}]"

    return [
        (info.name, tuple(sorted(info.tasks)), info.summary, [option(p) for p in info.params])
        for info in REGISTRY.values()
    ]


def pool_entries() -> list[tuple[str, str, list[tuple[str, str]], str, str]]:
    """``(name, summary, [(option, help), ...], result dtype, infinities)`` of every method.

    A method's options are the ``augcli pool`` options whose help starts with its name
    (``"avg/mixed: ..."``), so they read exactly as ``augcli pool --help`` shows them.
    """
    import click

    from augcli.cli.pool import pool_command
    from augcli.pool.registry import METHODS

    options: dict[str, list[tuple[str, str]]] = {name: [] for name in METHODS}
    for param in pool_command.params:
        match = _METHOD_PREFIX.match(param.help or "") if isinstance(param, click.Option) else None
        if not match or not set(match[1].split("/")) <= set(METHODS):
            continue
        flag = "/".join([*param.opts, *param.secondary_opts])
        if isinstance(param.type, click.Choice):
            flag += " " + "|".join(param.type.choices)
        for method in match[1].split("/"):
            options[method].append((flag, match[2].rstrip(".")))
    return [
        (name, spec.summary, options[name], spec.dtype_note(), spec.inf)
        for name, spec in METHODS.items()
    ]


# -- tables ----------------------------------------------------------------------------------


def _cell(text: str) -> str:
    """Table-cell text: pipes and asterisks escaped, so Markdown shows them as typed."""
    return text.replace("|", "\\|").replace("*", "\\*")


def _code(text: str) -> str:
    return f"`{text.replace('|', chr(92) + '|')}`"


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def ops_table() -> str:
    """One row per op: what it does and an example step."""
    rows = [(_code(op.name), _cell(op.summary), _code(f"- {op.example}")) for op in op_entries()]
    return _table(("op", "what it does", "example"), rows)


def op_params_table() -> str:
    """One row per parameter; a key that several ops share alike gets one row naming them."""
    ops = op_entries()
    groups: dict[str, tuple[OpParam, list[str]]] = {}
    for op in ops:
        for param in op.params:
            key = json.dumps([param.name, param.default, param.required, param.allowed, param.help])
            groups.setdefault(key, (param, []))[1].append(op.name)
    rows = []
    # Keys of one op first, in op order; then shared keys, the most widely shared last.
    for param, names in sorted(groups.values(), key=lambda g: (len(g[1]) > 1, len(g[1]))):
        owners = "every op" if len(names) == len(ops) else ", ".join(map(_code, names))
        if param.required:
            default = "required"
        elif param.default is None:
            default = "–"
        elif isinstance(param.default, str):
            default = _code(param.default)
        else:
            default = _code(json.dumps(param.default))
        rows.append((_code(param.name), owners, default, _cell(param.allowed), _cell(param.help)))
    return _table(("key", "of", "default", "allowed", "meaning"), rows)


def losses_table() -> str:
    """One row per loss: the tasks it applies to, its definition and its options."""
    rows = []
    for name, tasks, summary, options in loss_entries():
        opts = "; ".join(f"{_code(flag)}: {_cell(text)}" for flag, text in options) or "–"
        rows.append((_code(name), ", ".join(tasks), _cell(summary), opts))
    return _table(("loss", "applies to", "definition", "options [default]"), rows)


def pool_table() -> str:
    """One row per pooling method: what it computes and its own options."""
    rows = []
    for name, summary, options, dtype, inf in pool_entries():
        opts = "; ".join(f"{_code(flag)}: {_cell(text)}" for flag, text in options) or "–"
        rows.append((_code(name), _cell(summary), opts, _cell(dtype), _cell(inf)))
    header = ("method", "what it computes", "options [default]", "result dtype", "infinities")
    return _table(header, rows)


def _commands() -> list[tuple[str, Any]]:
    """``(full name, click command)`` of every command and subcommand, in help order."""
    import click

    from augcli.cli import cli

    out = [("augcli", cli)]

    def walk(prefix: str, group: click.Group) -> None:
        for name in sorted(group.commands):
            command = group.commands[name]
            if command.hidden:
                continue
            out.append((f"{prefix} {name}", command))
            if isinstance(command, click.Group):
                walk(f"{prefix} {name}", command)

    walk("augcli", cli)
    return out


def command_help(name: str, command: Any) -> str:
    """What ``NAME --help`` prints on a terminal of 100 columns (Click wraps at 80)."""
    from click.testing import CliRunner

    from augcli.cli import cli

    args = [*name.split()[1:], "--help"]
    result = CliRunner().invoke(cli, args, prog_name="augcli", terminal_width=HELP_WIDTH)
    if result.exit_code != 0:
        raise RuntimeError(f"{name} --help failed: {result.output}")
    return result.output.rstrip("\n")


def cli_reference() -> str:
    """Every command's ``--help``, one section each."""
    parts = []
    for name, command in _commands():
        parts.append(
            f"### {name}\n\n```text\n$ {name} --help\n{command_help(name, command)}\n```\n"
        )
    return "\n".join(parts)


def _results_module() -> Any:
    """``benchmarks/results.py``, which defines the result files' shape and checks it."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "_bench_results", ROOT / "benchmarks" / "results.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def result_records() -> list[tuple[Path, dict[str, Any]]]:
    """Every ``benchmarks/results/*.json`` with its record, in file-name order.

    Raises
    ------
    ValueError
        Naming the file, if one is not JSON, has no ``tables`` or has a malformed table or
        headline.
    """
    checks = _results_module()
    records = []
    for path in sorted(RESULTS.glob("*.json")):
        where = f"benchmarks/results/{path.name}"
        try:
            record = json.loads(path.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"{where}: not a JSON result file ({exc})") from None
        if not isinstance(record, dict) or "tables" not in record:
            raise ValueError(
                f"{where} has no 'tables': a benchmark must write its figures with "
                "benchmarks/results.py's write_result(name, results, tables=[...])"
            )
        problems = checks.check_tables(record["tables"])
        if "headline" in record:
            problems += checks.check_headline(record["headline"])
        if problems:
            raise ValueError(f"{where}: " + "; ".join(problems))
        records.append((path, record))
    return records


def _unrecorded(value: Any, unit: str = "", what: str = "") -> str:
    if value in (None, ""):
        return f"{what} not recorded".strip()
    return f"{value}{unit}"


def _load_text(value: Any) -> str:
    if not isinstance(value, list) or not value:
        return "not recorded"
    return ", ".join(f"{v:g}" if isinstance(v, float | int) else str(v) for v in value)


def run_line(record: dict[str, Any]) -> str:
    """``command`` on DATE: CPU, N cores, M GiB, Python X (versions); load before, after."""
    m = record.get("machine") or {}
    versions = ", ".join(f"{k} {v}" for k, v in (m.get("versions") or {}).items() if v)
    machine = (
        f"{_unrecorded(m.get('cpu'), what='CPU')}, {_unrecorded(m.get('cores'), ' cores', 'cores')}"
        f", {_unrecorded(m.get('memory_gib'), ' GiB', 'memory')}, "
        f"Python {_unrecorded(m.get('python'))}" + (f" ({versions})" if versions else "")
    )
    return (
        f"{_code(str(record.get('command')))} on {_unrecorded(record.get('date'), what='date')}: "
        f"{_cell(machine)}; load average (1, 5, 15 min) {_load_text(record.get('load_before'))}"
        f" before, {_load_text(record.get('load_after'))} after."
    )


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(re.sub(r"(?<!\\)\|", r"\\|", c) for c in cells) + " |"


def result_table(table: dict[str, Any]) -> str:
    """One table of a result file: its title, the table as the benchmark formatted it, notes."""
    lines = [f"**{table['title']}**", "", _row(table["columns"])]
    lines.append("|" + "---|" * len(table["columns"]))
    lines += [_row(row) for row in table["rows"]]
    if table.get("notes"):
        lines += ["", table["notes"]]
    return "\n".join(lines) + "\n"


def benchmark_tables() -> str:
    """One section per ``benchmarks/results/*.json``: the command, machine, load and tables."""
    parts = []
    for path, record in result_records():
        lines = [
            f"### {path.stem}",
            "",
            run_line(record) + f" Source: `benchmarks/results/{path.name}`.",
            "",
        ]
        lines += [result_table(table) for table in record["tables"]]
        parts.append("\n".join(lines))
    return "\n".join(parts) if parts else "No results recorded yet.\n"


def headline_table() -> str:
    """README's Performance table: every result file's ``headline`` rows with their command."""
    rows = []
    for path, record in result_records():
        for i, (figure, measured, target) in enumerate(record.get("headline", [])):
            if i == 0:
                load = record.get("load_before")
                load = f"{load[0]:g}" if isinstance(load, list) and load else "not recorded"
                date = str(record.get("date") or "")
                date = date[:10] if date[:1].isdigit() else "date not recorded"
                source = (
                    f"{_code(str(record.get('command')))}, {date}, load {load} "
                    f"([{path.stem}](docs/performance.md#{path.stem}))"
                )
            else:
                source = "same run"
            rows.append((_cell(figure), _cell(measured), _cell(target), source))
    if not rows:
        return "No headline figures recorded yet.\n"
    return _table(("figure", "measured", "target", "measured by"), rows)


def _first_line(path: Path) -> str:
    """The first line of a module's docstring (the line saying what it owns)."""
    import ast

    doc = ast.get_docstring(ast.parse(path.read_text("utf-8"))) or ""
    return doc.strip().splitlines()[0] if doc.strip() else "–"


def package_layout() -> str:
    """Every package and module of augcli with the first line of its docstring."""
    rows = []
    for path in sorted((ROOT / "augcli").rglob("*.py"), key=lambda p: p.relative_to(ROOT).parts):
        rel = path.relative_to(ROOT)
        if path.name == "__main__.py":
            continue
        name = f"{rel.parent.as_posix()}/" if path.name == "__init__.py" else rel.as_posix()
        rows.append((f"`{name}`", _cell(_first_line(path))))
    return _table(("module", "what it owns"), rows)


def label_formats_table() -> str:
    """One row per label format of the registry: its option, manifest key and own options."""
    from augcli.augment.labels.formats import FORMATS

    rows = []
    for fmt in FORMATS.values():
        opts = "; ".join(
            f"{_code(s.flag + ' ' + s.metavar)}: {_cell(s.help.rstrip('.'))}" for s in fmt.settings
        )
        rows.append(
            (_code(f"{fmt.flag} {fmt.metavar}"), _code(fmt.key), _cell(fmt.summary), opts or "–",
             _code(fmt.example))
        )  # fmt: skip
    return _table(("option", "manifest key", "format", "its own options", "example"), rows)


SECTIONS: dict[str, Callable[[], str]] = {
    "label-formats": label_formats_table,
    "ops": ops_table,
    "op-params": op_params_table,
    "losses": losses_table,
    "pool-methods": pool_table,
    "cli-reference": cli_reference,
    "benchmarks": benchmark_tables,
    "headline": headline_table,
    "layout": package_layout,
}


def pages() -> list[Path]:
    """The pages that may hold generated parts: README.md and docs/*.md."""
    return [README, *sorted((ROOT / "docs").glob("*.md"))]


def render(text: str) -> str:
    """A page's text with each of its generated parts rewritten.

    Parameters
    ----------
    text : str
        The page as it is.

    Returns
    -------
    str
        The page as it should be.

    Raises
    ------
    ValueError
        If a part is not one this script knows.
    """
    unknown = [m[2] for m in BLOCK.finditer(text) if m[2] not in SECTIONS]
    if unknown:
        raise ValueError(f"unknown generated sections {unknown}; known: {list(SECTIONS)}")
    return BLOCK.sub(lambda m: m[1] + "\n" + SECTIONS[m[2]]() + "\n" + m[4], text)


def render_all(texts: dict[Path, str]) -> dict[Path, str]:
    """Every page rendered, after checking each generated part appears exactly once.

    Raises
    ------
    ValueError
        If a part is missing, repeated, or not one this script knows.
    """
    found = [m[2] for text in texts.values() for m in BLOCK.finditer(text)]
    if sorted(found) != sorted(SECTIONS):
        raise ValueError(f"the pages' generated sections are {found}; expected {list(SECTIONS)}")
    return {path: render(text) for path, text in texts.items()}


def main(argv: list[str] | None = None) -> int:
    """Rewrite the pages (or, with ``--check``, report whether they are current)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a page is stale")
    args = parser.parse_args(argv)
    texts = {path: path.read_text("utf-8") for path in pages()}
    try:
        rendered = render_all(texts)
    except ValueError as exc:
        print(f"make_tables: {exc}", file=sys.stderr)
        return 2
    stale = [path for path, new in rendered.items() if new != texts[path]]
    if args.check:
        for path in stale:
            print(
                f"{path.relative_to(ROOT)} is stale: run python docs/make_tables.py",
                file=sys.stderr,
            )
        return 1 if stale else 0
    for path in stale:
        path.write_text(rendered[path], "utf-8")
        print(f"{path.relative_to(ROOT)}: generated parts rewritten")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))  # this checkout's augcli, not an installed one
    sys.exit(main())
