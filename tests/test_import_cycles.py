"""No import circle among augcli's modules (deferred imports count; ``TYPE_CHECKING`` does not)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from import_cycles import cycles  # noqa: E402


def test_no_import_circle_among_augcli_modules():
    assert cycles() == []


def test_the_checker_finds_a_circle_it_is_shown(tmp_path, monkeypatch):
    """The oracle for the checker itself: two modules importing each other."""
    import import_cycles

    package = tmp_path / "augcli"
    package.mkdir()
    (package / "__init__.py").write_text('"""x."""\n')
    (package / "a.py").write_text('"""a."""\nfrom augcli import b\n')
    (package / "b.py").write_text('"""b."""\n\n\ndef f():\n    from augcli.a import g\n')
    monkeypatch.setattr(import_cycles, "ROOT", tmp_path)
    assert import_cycles.cycles() == [["augcli.a", "augcli.b"]]
