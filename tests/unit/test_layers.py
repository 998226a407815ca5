"""The layering rules of docs/ARCHITECTURE.md, checked on the imports themselves (with ``ast``)."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _offenders(folder: Path, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted(folder.rglob("*.py")):
        for name in _imports(path):
            if name.split(".")[0] in forbidden or name.startswith(forbidden):
                found.append(f"{path.relative_to(folder)} imports {name}")
    return found


def test_the_core_imports_no_qt() -> None:
    assert _offenders(APP / "core", ("PySide6", "shiboken6", "qasync", "app.ui")) == []


def test_the_media_layer_reads_no_database() -> None:
    assert _offenders(APP / "core" / "media", ("sqlalchemy", "app.core.db")) == []


def test_pages_take_narrow_services_not_the_whole_bundle() -> None:
    widgets = [p for p in (APP / "ui").rglob("*.py") if p.name not in ("main_window.py", "application.py")]
    assert [f"{p.relative_to(APP.parent)}" for p in widgets if "app.core.services" in _imports(p)] == []


def test_the_rule_catches_a_qt_import(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text("from PySide6.QtCore import QObject\nimport qasync\n", encoding="utf-8")
    assert len(_offenders(tmp_path, ("PySide6", "qasync"))) == 2
