"""No file can take the app down: cheap shape checks before parsing, and the parse in a child
process with memory and time limits. Each hostile file is refused within 10 s and 1 GB."""

import os
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from analytics.ingest import isolation
from analytics.ingest.pipeline import ingest_isolated
from benchmarks.hostile import TARGET_MB, TARGET_SECONDS, make_files, measure

pytestmark = pytest.mark.slow  # real child processes pushed to their memory and time limits

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def child_imports_this_module(monkeypatch):
    """The child process imports the functions below by their module, as pytest named it."""
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parent))


def _allocate(gigabytes: int) -> int:
    return len(bytearray(gigabytes * 1024**3))


def _sleep(seconds: float) -> str:
    time.sleep(seconds)
    return "woke"


_HELD: list[bytearray] = []


def _hold(gigabytes: int) -> str:
    """Answer while holding memory the child's end must give back (which takes a while)."""
    _HELD.append(bytearray(b"x" * (gigabytes * 1024**3)))
    return "held"


def _fail() -> None:
    raise ValueError("boom")


def test_a_child_over_its_memory_is_stopped_and_the_parent_lives_on():
    with pytest.raises(isolation.LimitExceeded) as error:
        isolation.run_limited(_allocate, 2, memory=512 * 1024**2)
    assert error.value.kind == "memory"
    assert isolation.run_limited(_allocate, 0, memory=512 * 1024**2) == 0


def test_a_child_over_its_time_is_killed():
    started = time.monotonic()
    with pytest.raises(isolation.LimitExceeded) as error:
        isolation.run_limited(_sleep, 30, seconds=1)
    assert error.value.kind == "time" and time.monotonic() - started < 10
    assert isolation.run_limited(_sleep, 0) == "woke"


def _chatter(megabytes: int) -> str:
    import sys

    sys.stderr.write("x" * (megabytes * 1024**2))
    sys.stderr.flush()
    return "said"


def _die() -> None:
    os._exit(3)


def test_a_child_that_writes_much_to_standard_error_still_answers():
    # nobody reads its standard error while it runs: a pipe would fill (64 KB) and stall it
    started = time.monotonic()
    assert isolation.run_limited(_chatter, 4, seconds=30) == "said"
    assert time.monotonic() - started < 20


def test_a_child_that_ends_without_answering_is_a_limit_not_a_hang():
    with pytest.raises(isolation.LimitExceeded) as error:
        isolation.run_limited(_die, seconds=30)
    assert error.value.kind == "memory"  # what an aborted reader looks like to the caller


def _children() -> list[int]:
    """This process's child processes (ended ones not yet waited for included) running the isolated reader."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            command = (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if parent == os.getpid() and (b"analytics.ingest.isolation" in command or not command):
            found.append(int(stat.parent.name))
    return found


def test_children_that_answered_are_waited_for_before_a_command_line_exits():
    """The parent goes on once a child has answered (it is reaped in the background); a command
    line waits for them all before it exits, so that none outlives it (its accounting of time
    and memory includes them)."""
    assert [isolation.run_limited(_hold, 1) for _ in range(2)] == ["held"] * 2
    isolation.wait_for_children()
    assert _children() == []


def _python(script: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **env})


@pytest.mark.parametrize(("before", "kind"), [("", "_Forked"), ("import polars; ", "Popen")])
def test_a_command_line_forks_its_reader_before_it_imports_anything(before, kind):
    """A command line starts its reader as a copy of itself while it holds nothing but the standard
    library (a new interpreter would be ready later); once polars runs its threads, a copy could
    deadlock, and a new interpreter is started instead. Either serves the call, in another process."""
    out = _python("import os; from analytics.ingest import isolation; " + before +
                  "isolation.prestart('json'); child = isolation._spare[0]; "
                  "print(type(child).__name__, isolation.run_limited(os.getppid) == os.getpid(), "
                  "isolation.run_limited(os.getpid) != os.getpid())")
    assert out.stdout.split() == [kind, "True", "True"], out.stderr


def test_a_forked_reader_over_its_memory_is_stopped_and_the_command_line_goes_on():
    out = _python("from analytics.ingest import isolation; isolation.DEFAULT_MEMORY = 512 * 1024**2; "
                  "isolation.prestart('json'); kind = type(isolation._spare[0]).__name__\n"
                  "try: isolation.run_limited(bytearray, 2 * 1024**3)\n"
                  "except isolation.LimitExceeded as error: print(kind, error.kind)\n"
                  "print(isolation.run_limited(len, 'four'))")
    assert out.stdout.split() == ["_Forked", "memory", "4"], out.stderr


@pytest.mark.parametrize("lang", ["en", "bn"])
def test_an_ingest_whose_reader_runs_out_of_memory_says_so_and_stores_nothing(tmp_path, lang):
    """The command line's reader (forked before anything is imported) limited to less than polars
    needs: one sentence in the user's language, exit 1, no library text, nothing stored."""
    store = tmp_path / "store"
    out = subprocess.run([sys.executable, "-m", "analytics", "ingest", str(ROOT / "tests/data/ingest/good/repeated_rows.csv"),
                          "--store", str(store), "--lang", lang], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "SEBA_ATLAS_PARSE_MEMORY": str(150 * 1024**2)})
    assert out.returncode == 1, out.stderr
    words = {"en": "too large or malformed to read safely", "bn": "নিরাপদে পড়ার পক্ষে খুব বড়"}[lang]
    assert words in out.stderr and "Traceback" not in out.stderr + out.stdout
    assert not any(word in (out.stderr + out.stdout).lower() for word in ("polars", "memory allocation", "panick"))
    assert not list(store.glob("parts/**/*.parquet"))


def test_an_error_in_the_child_is_reported_not_raised_as_itself():
    with pytest.raises(RuntimeError, match="boom"):
        isolation.run_limited(_fail)


@pytest.mark.parametrize(("ours", "inherited", "options"), [
    (None, None, {"dirty_decay_ms": "100", "muzzy_decay_ms": "0"}),
    # what polars' import writes into the environment of the app (and of any process that imported it)
    (None, "dirty_decay_ms:500,muzzy_decay_ms:1000", {"dirty_decay_ms": "100", "muzzy_decay_ms": "0"}),
    (None, "thp:always", {"thp": "always", "dirty_decay_ms": "100", "muzzy_decay_ms": "0"}),
    ("dirty_decay_ms:0", "dirty_decay_ms:500,muzzy_decay_ms:1000", {"dirty_decay_ms": "0", "muzzy_decay_ms": "1000"}),
])
def test_the_child_gives_freed_memory_back_soon_whatever_the_parent_has_set(monkeypatch, ours, inherited, options):
    """The child's allocator options come after the parent's (jemalloc: the last of an option wins),
    so that a large file's freed stages do not pile up in the app, where polars has set its own."""
    for name, value in (("SEBA_ATLAS_CHILD_ALLOCATOR", ours), ("_RJEM_MALLOC_CONF", inherited)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    conf = isolation.run_limited(os.getenv, "_RJEM_MALLOC_CONF")
    assert dict(option.split(":") for option in conf.split(",")) == options  # the last of each option


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict[str, Path]:
    """The review's hostile files, made here (the big ones are not committed)."""
    return make_files(tmp_path_factory.mktemp("hostile"))


@pytest.mark.parametrize(("name", "codes"), [
    ("xfd.xlsx", "too_large_to_read"), ("long_line.csv", "too_large_to_read"), ("big_cell.csv", "too_large_to_read"),
    ("junk_lines.csv", "bad_date,missing_value"), ("junk_rows.xlsx", "bad_date,missing_value"),
    ("wide_heading.csv", "too_large_to_read"), ("many_names.csv", "too_many_names"),
    ("unused_texts.xlsx", "too_large_to_read"),
])
def test_each_hostile_file_is_refused_within_10_s_and_1_gb(hostile, name, codes):
    result = measure(hostile[name])
    assert result["exit"] == 0 and result["accepted"] == "0" and result["codes"] == codes, result
    assert result["longest_message"] < 400  # no message quotes more than a short piece of a cell
    assert result["seconds"] < TARGET_SECONDS, result
    assert result["peak_mb"] < TARGET_MB, result


def test_the_isolated_reader_refuses_what_would_exhaust_it(hostile, monkeypatch):
    result = ingest_isolated(hostile["xfd.xlsx"].read_bytes(), file_name="xfd.xlsx", upload_id="u", lang="en")
    assert result.problems["code"].to_list() == ["too_large_to_read"], result.problems["message"].to_list()
    monkeypatch.setattr(isolation, "DEFAULT_MEMORY", 300 * 1024**2)  # a reader that would need more than it has
    junk = hostile["junk_rows.xlsx"].read_bytes()
    small = isolation.run_limited
    monkeypatch.setattr(isolation, "run_limited", lambda fn, *a, **k: small(fn, *a, memory=300 * 1024**2, **k))
    refused = ingest_isolated(junk, file_name="junk_rows.xlsx", upload_id="u", lang="bn")
    assert refused.problems["code"].to_list() == ["too_large_to_read"]
    assert "মেমরি" in refused.problems["message"][0]


def test_a_valid_million_row_file_still_goes_in_through_the_isolated_reader():
    n = 1_000_000
    start = date(2022, 7, 1)
    frame = pl.DataFrame({"i": range(n)}).select(
        Date=pl.format("{}/07/2022", (pl.col("i") % 28 + 1).cast(pl.String).str.pad_start(2, "0")),
        Union=pl.lit("Tona"), **{"Entrepreneur ID": pl.lit("UDC-1")}, Service=pl.lit("Birth registration"),
        **{"Fee (Tk)": pl.lit("75")}, **{"Receipt No": "R" + pl.col("i").cast(pl.String)})
    result = ingest_isolated(frame.write_csv().encode(), file_name="million.csv", upload_id="u", lang="en")
    assert result.clean and result.frame.height == n and result.frame["fee_paisa"].sum() == 7500 * n
    assert result.frame["date"].min() == start and result.frame["date"].max() == start + timedelta(days=27)


def _string_table_bomb(path: Path, strings: int) -> Path:
    """A small .xlsx whose sharedStrings.xml unpacks to ``strings`` tiny strings (the review's 4 MB
    workbook of 1.7 GB of strings): calamine unpacks the whole table to list the sheets."""
    import zipfile

    import xlsxwriter

    book = xlsxwriter.Workbook(str(path.with_suffix(".base.xlsx")))
    book.add_worksheet("log").write_row(0, 0, ["Date", "Union", "Service", "Fee (Tk)"])
    book.close()
    with zipfile.ZipFile(path.with_suffix(".base.xlsx")) as base, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in base.infolist():
            if item.filename != "xl/sharedStrings.xml":
                out.writestr(item, base.read(item.filename))
                continue
            member = zipfile.ZipInfo(item.filename, (2024, 1, 1, 0, 0, 0))
            member.compress_type = zipfile.ZIP_DEFLATED
            with out.open(member, "w", force_zip64=True) as handle:
                handle.write(b'<?xml version="1.0" encoding="UTF-8"?>\n'
                             b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
                chunk = b"<si><t>a</t></si>" * 100_000
                for _ in range(strings // 100_000):
                    handle.write(chunk)
                handle.write(b"</sst>")
    return path


def test_a_workbooks_sheets_are_listed_away_from_the_app_and_a_string_table_bomb_is_not_unpacked(tmp_path):
    """The review: the upload page listed a workbook's sheets in the app's own process, where a 4 MB
    workbook unpacking to a string table of gigabytes took 5.4 GB and, on a smaller host, the server
    every viewer shares. The list is read in the isolated child, after a look at the zip's directory."""
    import resource

    from analytics.ingest.pipeline import sheet_names_isolated
    from analytics.ingest.readers import sheet_names

    bomb = _string_table_bomb(tmp_path / "bomb.xlsx", 5_000_000).read_bytes()  # 85 MB of strings in ~100 KB
    assert len(bomb) < 1_000_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert sheet_names(bomb, file_name="bomb.xlsx") == []  # refused from the zip's directory, not unpacked
    assert sheet_names_isolated(bomb, file_name="bomb.xlsx") == []
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50 * 1024  # (KB): nothing unpacked here
    good = _string_table_bomb(tmp_path / "good.xlsx", 0).read_bytes()
    assert sheet_names_isolated(good, file_name="good.xlsx") == ["log"]
    result = ingest_isolated(bomb, file_name="bomb.xlsx", upload_id="u", lang="en")
    assert result.problems["code"].to_list() == ["too_large_to_read"]
