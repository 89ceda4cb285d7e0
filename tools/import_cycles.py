"""List import circles among augcli's modules (every import, deferred too; ``TYPE_CHECKING`` out).

Usage (repository root): ``python tools/import_cycles.py``; exits 1 when a circle exists.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def module_name(path: Path) -> str:
    """Dotted module name of a source file under the repository root."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """augcli modules that ``path`` imports anywhere (not under ``if TYPE_CHECKING``)."""
    tree = ast.parse(path.read_text("utf-8"))
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for sub in ast.walk(node):
            if isinstance(sub, ast.Import):
                found.update(a.name for a in sub.names)
            elif isinstance(sub, ast.ImportFrom):
                base = sub.module or ""
                if sub.level:
                    pkg = package.split(".")
                    pkg = pkg[: len(pkg) - sub.level + 1]
                    base = ".".join(pkg + ([base] if base else []))
                subs = {f"{base}.{a.name}" for a in sub.names} & modules
                found.update(subs)
                if len(subs) < len(sub.names):
                    found.add(base)
    return {m for m in found if m in modules and m != name}


def cycles() -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan)."""
    files = {module_name(p): p for p in (ROOT / "augcli").rglob("*.py")}
    graph = {m: imports_of(p, set(files)) for m, p in files.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


if __name__ == "__main__":
    found = cycles()
    for group in found:
        print(" <-> ".join(group))
    print(f"{len(found)} import circle(s)")
    sys.exit(1 if found else 0)
