"""Nothing a page runs has polars call back into Python, or hands Streamlit a polars frame.

Why: the app's sessions are threads of one process. A Python function run by polars
(``map_elements``, ``map_batches``, ``pl.fold`` ...) runs on polars' worker threads and needs
the GIL there; a session converting a frame for ``st.dataframe`` (``to_pandas``) holds the
GIL and waits for those workers. With ~10 viewers asking for new views at once the server
deadlocked: every session and the health check stopped (pola-rs/polars#26821, #27396;
reproduced at polars level in ``test_the_hang_exists_at_polars_level`` below, and end to end
by tests/test_load.py). So:

- no Python callbacks inside polars in ``analytics/``, ``pages/`` and ``app.py`` (text is
  formatted with expressions or in plain Python after collect; see ``analytics.report.views``);
- pages show frames through ``pages.render.dataframe`` (an Arrow table), never
  ``st.dataframe(<polars frame>)``, and nothing calls ``to_pandas``/``to_numpy``.

An exception needs an entry in ALLOWED with its reason. Stale entries fail too, so the list
shrinks as the code does.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCANNED = [ROOT / "app.py", *sorted((ROOT / "analytics").rglob("*.py")), *sorted((ROOT / "pages").rglob("*.py"))]

# methods that make polars run a Python function (on any receiver: Expr, Series, DataFrame, namespaces)
CALLBACK_METHODS = {"map_elements", "map_batches", "map_groups", "map_rows", "rolling_map", "apply", "map_dict",
                    "cumfold", "cumreduce", "register_io_source"}
# functions of the polars module that take a Python function or read through Python
CALLBACK_FUNCTIONS = {"map_batches", "map_groups", "fold", "reduce", "cum_fold", "cum_reduce", "cumfold", "cumreduce",
                      "scan_pyarrow_dataset", "register_io_source"}
POLARS_NAMES = {"pl", "polars"}
# conversions that wait on polars' workers while holding the GIL
CONVERSIONS = {"to_pandas", "to_numpy"}
STREAMLIT_TABLES = {"dataframe", "data_editor", "table"}

# (file, enclosing function or "<module>", call) -> reason
ALLOWED: dict[tuple[str, str, str], str] = {
    ("analytics/reference/sample.py", "generate", "to_numpy"):
        "sample generation: numpy on frames this call made and never shares (no callbacks run)",
    ("pages/render.py", "dataframe", "to_pandas"):
        "pyarrow's Table.to_pandas on the Arrow table polars already handed over (no polars workers involved), "
        "to build the Styler that shows figures in the user's digits while they sort as numbers",
    ("pages/render.py", "dataframe", "st.dataframe"):
        "a pandas Styler made from that Arrow table (see the entry above); no polars frame reaches Streamlit",
    ("pages/warmup.py", "_exercise_streamlit", "to_pandas"):
        "the warm-up does once what pages.render.dataframe does (pyarrow's conversion of an Arrow table)",
    ("pages/warmup.py", "_exercise_streamlit", "st.dataframe"):
        "the warm-up's Styler of that Arrow table (as in pages.render.dataframe), on a thread outside any run",
}


def _plain_or_arrow(call: ast.Call) -> bool:
    """``st.dataframe``/``st.table`` of a literal dict or list (no polars), or of an Arrow table."""
    data = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "data"), None)
    if isinstance(data, (ast.Dict, ast.List, ast.DictComp, ast.ListComp)):
        return True
    if isinstance(data, ast.Call):
        func = data.func
        return (isinstance(func, ast.Name) and func.id == "_arrow") or (
            isinstance(func, ast.Attribute) and func.attr == "to_arrow")
    return False


def _calls(path: Path):
    """(enclosing function, call name, line) for every suspicious call in ``path``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []

    def visit(node: ast.AST, scope: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else scope
            if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute):
                name, owner = child.func.attr, child.func.value
                owner_name = owner.id if isinstance(owner, ast.Name) else None
                if name in CALLBACK_METHODS and owner_name not in ("functools",):
                    found.append((scope, name, child.lineno))
                elif name in CALLBACK_FUNCTIONS and owner_name in POLARS_NAMES:
                    found.append((scope, f"pl.{name}", child.lineno))
                elif name in CONVERSIONS:
                    found.append((scope, name, child.lineno))
                elif name in STREAMLIT_TABLES and owner_name == "st" and not _plain_or_arrow(child):
                    found.append((scope, f"st.{name}", child.lineno))
            elif isinstance(child, ast.Attribute) and child.attr in CALLBACK_METHODS | {"map_elements"} \
                    and isinstance(child.value, ast.Attribute) and child.value.attr in ("Expr", "Series", "DataFrame"):
                found.append((scope, f"{child.value.attr}.{child.attr}", child.lineno))  # e.g. pl.Expr.map_elements
            visit(child, inner)

    visit(tree, "<module>")
    return found


def scan() -> dict[tuple[str, str, str], list[int]]:
    hits: dict[tuple[str, str, str], list[int]] = {}
    for path in SCANNED:
        rel = path.relative_to(ROOT).as_posix()
        for scope, name, line in _calls(path):
            hits.setdefault((rel, scope, name), []).append(line)
    return hits


def test_no_python_callbacks_or_polars_frames_for_streamlit():
    hits = scan()
    unexplained = {key: lines for key, lines in hits.items() if key not in ALLOWED}
    assert not unexplained, "\n".join(
        f"{file}:{','.join(map(str, lines))} in {scope}(): {name}(...) — polars would call Python (or a session "
        f"would wait on polars holding the GIL). Use expressions / Python after collect / pages.render.dataframe, "
        f"or add it to ALLOWED with a reason." for (file, scope, name), lines in unexplained.items())


def test_allow_list_has_no_stale_entries():
    hits = scan()
    stale = [key for key in ALLOWED if key not in hits]
    assert not stale, f"no longer found, remove from ALLOWED: {stale}"


def test_the_scanner_finds_what_it_should(tmp_path, monkeypatch):
    sample = tmp_path / "x.py"
    sample.write_text(textwrap.dedent("""
        import polars as pl
        import streamlit as st
        def f(df):
            a = df.with_columns(pl.col("a").map_elements(str, return_dtype=pl.String))
            b = pl.fold(pl.lit(0), lambda x, y: x + y, [pl.col("a")])
            st.dataframe(df)
            st.table({"a": [1]})
            st.dataframe(df.to_arrow())
            return df.to_pandas(), pl.Expr.map_batches
    """))
    names = {name for _, name, _ in _calls(sample)}
    assert names == {"map_elements", "pl.fold", "st.dataframe", "to_pandas", "Expr.map_batches"}


HANG = textwrap.dedent("""
    import os, threading, time, warnings
    import polars as pl
    warnings.filterwarnings("ignore")
    CALLBACKS = os.environ["CALLBACKS"] == "1"
    small = pl.DataFrame({"a": list(range(2000)), "b": [i * 7 for i in range(2000)]})
    def convert():
        for _ in range(400):
            pl.DataFrame({"x": [5234.523] * 100_000, "y": ["z"] * 100_000}).to_pandas()
    def text():
        for _ in range(400):
            if CALLBACKS:  # what analytics/report/views.py did
                small.with_columns(pl.col("a").map_elements(lambda v: f"{v:,}", return_dtype=pl.String),
                                   pl.col("b").map_elements(lambda v: f"{v:,}", return_dtype=pl.String))
            else:  # what it does now
                small.with_columns(pl.col("a").cast(pl.String), pl.col("b").cast(pl.String))
    threads = [threading.Thread(target=convert, daemon=True), threading.Thread(target=text, daemon=True)]
    [t.start() for t in threads]
    deadline = time.monotonic() + 8
    while any(t.is_alive() for t in threads) and time.monotonic() < deadline:
        time.sleep(0.2)
    print("finished" if not any(t.is_alive() for t in threads) else "still running")
    os._exit(0)
""")


def _run_hang_script(callbacks: bool) -> str:
    env = dict(os.environ, CALLBACKS="1" if callbacks else "0")
    try:
        out = subprocess.run([sys.executable, "-c", HANG], env=env, capture_output=True, text=True, timeout=25)
    except subprocess.TimeoutExpired:
        return "hung"  # not even the main thread got the GIL back to print
    return out.stdout.strip() or out.stderr.strip()[-300:]


@pytest.mark.slow
def test_the_hang_exists_at_polars_level():
    """The failure mode itself, outside Streamlit: to_pandas in one thread while polars runs
    Python callbacks for another hangs the interpreter; the same with expressions finishes."""
    assert _run_hang_script(callbacks=False) == "finished"
    if _run_hang_script(callbacks=True) == "finished":
        pytest.skip("this polars build did not hang within the bound this time (the hang is a race)")
