"""Rewrite the generated parts of the documentation from the code: registries, --help, results.

Run from anywhere: ``python docs/make_tables.py`` (rewrites the pages in place) or
``python docs/make_tables.py --check`` (exit 1 if a page is not what this script produces).

Each generated part sits between ``<!-- generated: NAME -->`` and ``<!-- end generated -->`` in
one of the pages (README.md and docs/*.md); the text in between is replaced, everything else is
left as it is, and every part appears exactly once. The tables of ops, losses and pooling methods
read each registry through one small adapter function (``op_entries``, ``loss_entries``,
``pool_entries``), so a registry that changes shape needs only its adapter changed; the CLI
reference is every command's ``--help``; the benchmark tables are ``benchmarks/results/*.json``.
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


def _value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, dict | list):
        return _cell(json.dumps(value))
    return _cell(str(value))


def _flatten(prefix: str, value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        rows = []
        for key, inner in value.items():
            rows += _flatten(f"{prefix}.{key}" if prefix else str(key), inner)
        return rows
    return [(prefix, value)]


def benchmark_tables() -> str:
    """One section per ``benchmarks/results/*.json``: the command, machine, load and figures."""
    parts = []
    for path in sorted(RESULTS.glob("*.json")):
        record = json.loads(path.read_text("utf-8"))
        m = record.get("machine") or {}
        machine = f"{m.get('cpu')}, {m.get('cores')} cores, {m.get('memory_gib')} GiB"
        load = record.get("load_before"), record.get("load_after")
        lines = [
            f"### {record.get('name', path.stem)}",
            "",
            f"`{record.get('command')}` on {record.get('date')}: {_cell(machine)}, Python "
            f"{m.get('python')}; load average (1, 5, 15 min) before "
            f"{_value(load[0] or 'n/a')}, after {_value(load[1] or 'n/a')}. "
            f"Source: `benchmarks/results/{path.name}`.",
            "",
        ]
        results = record.get("results")
        if isinstance(results, list) and results and all(isinstance(r, dict) for r in results):
            header = tuple(dict.fromkeys(k for r in results for k in r))
            rows = [tuple(_value(r.get(k, "")) for k in header) for r in results]
            lines.append(_table(header, rows))
        else:
            rows = [(f"`{key}`", _value(value)) for key, value in _flatten("", results)]
            lines.append(_table(("figure", "value"), rows))
        parts.append("\n".join(lines))
    return "\n".join(parts) if parts else "No results recorded yet.\n"


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
    stale = [path for path, new in render_all(texts).items() if new != texts[path]]
    if args.check:
        for path in stale:
            print(
                f"{path.relative_to(ROOT)} is stale: run python docs/make_tables.py",
                file=sys.stderr,
            )
        return 1 if stale else 0
    for path in stale:
        path.write_text(render(texts[path]), "utf-8")
        print(f"{path.relative_to(ROOT)}: generated parts rewritten")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))  # this checkout's augcli, not an installed one
    sys.exit(main())
