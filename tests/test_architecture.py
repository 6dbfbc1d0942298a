"""The code's seams hold: analytics/ is pure (no streamlit), pages render what analytics computes."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ANALYTICS = sorted((ROOT / "analytics").rglob("*.py"))


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth (inside functions too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


@pytest.mark.parametrize("path", ANALYTICS, ids=lambda p: str(p.relative_to(ROOT)))
def test_analytics_never_imports_streamlit(path):
    assert not {m for m in imported_modules(path) if m == "streamlit" or m.startswith("streamlit.")}


def test_the_import_scan_sees_nested_imports(tmp_path):
    sample = tmp_path / "m.py"
    sample.write_text("def f():\n    import streamlit.runtime as r\n    from streamlit import x\n")
    assert imported_modules(sample) == {"streamlit.runtime", "streamlit"}


PUBLIC_STREAMLIT = {"streamlit", "streamlit.components.v1", "streamlit.testing.v1"}
PAGES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]


@pytest.mark.parametrize("path", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_pages_use_only_public_streamlit(path):
    private = {m for m in imported_modules(path) if m.startswith("streamlit.") and m not in PUBLIC_STREAMLIT}
    assert not private, f"{path.name} imports Streamlit internals: {sorted(private)}"
    assert "PagesManager" not in path.read_text(encoding="utf-8")
