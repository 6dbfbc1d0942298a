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


def emoji_icons(path: Path) -> list[str]:
    """The ``icon=`` texts in ``path`` that are not Material symbols (``":material/info:"``)."""
    return [node.value.value for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
            if isinstance(node, ast.keyword) and node.arg == "icon" and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str) and not node.value.value.startswith(":material/")]


@pytest.mark.parametrize("path", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_icons_are_material_symbols_not_emoji(path):
    # an emoji is drawn by the viewer's fonts: a projector PC or phone without a colour-emoji font
    # (like the machine the screenshots were taken on) showed the "stored" toast's ✅ as an empty
    # box; Streamlit's Material symbols ship with the app
    assert not emoji_icons(path), f"{path.name}: {emoji_icons(path)}"


def test_the_icon_scan_sees_emoji(tmp_path):
    sample = tmp_path / "m.py"
    sample.write_text('st.toast("x", icon="\u2705")\nst.info("y", icon=":material/info:")\n', encoding="utf-8")
    assert emoji_icons(sample) == ["\u2705"]


#: Distribution name in requirements.txt -> the module the code imports (when they differ).
IMPORT_NAME = {"argon2-cffi": "argon2", "pillow": "PIL", "psycopg[binary]": "psycopg"}


def requirements(name: str) -> dict[str, str]:
    """``{distribution: version}`` of one requirements file (its own lines, not ``-r`` includes)."""
    out = {}
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            dist, _, version = line.partition("==")
            out[dist.strip()] = version.strip()
    return out


def runtime_imports() -> set[str]:
    """Top-level third-party modules app.py, pages/ and analytics/ import."""
    stdlib = set(__import__("sys").stdlib_module_names)
    found = set()
    for path in [*PAGES, *ANALYTICS]:
        found |= {m.split(".")[0] for m in imported_modules(path)}
    return {m for m in found if m not in stdlib and m not in {"analytics", "pages", "__future__"}}


def test_runtime_requirements_are_what_runs():
    """requirements.txt lists every third-party module the app imports, and nothing else (tools
    for tests and the geodata build live in requirements-dev.txt and geodata/requirements-build.txt)."""
    runtime = requirements("requirements.txt")
    imported = runtime_imports()
    listed = {IMPORT_NAME.get(dist, dist) for dist in runtime}
    assert imported - listed == set(), "imported at run time but not in requirements.txt"
    assert listed - imported == set(), "in requirements.txt but never imported by the app"
    assert all(runtime.values()), "every runtime requirement is pinned"


def test_build_and_test_tools_are_not_runtime_requirements():
    runtime = set(requirements("requirements.txt"))
    assert not runtime & set(requirements("requirements-dev.txt"))
    assert not runtime & set(requirements("geodata/requirements-build.txt"))
    assert {"geopandas", "openpyxl"}.isdisjoint(runtime)  # (xlrd reads what calamine does not give of .xls)
