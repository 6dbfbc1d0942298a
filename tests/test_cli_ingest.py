"""`python -m analytics ingest` end to end: files in, figures out, nothing half-stored."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from analytics.reference.sample import generate, write_quarterly_files
from tests.helpers import PUBLISHED, two_logs_workbook

ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analytics", *args], cwd=ROOT, capture_output=True, text=True)


def summary(store: Path, *extra: str) -> dict:
    out = cli("summary", "--json", "--store", str(store), *extra)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def quarterly(tmp_path_factory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("uploads")
    return {p.name: p for p in write_quarterly_files(generate(), directory)}


def test_four_quarterly_files_reproduce_the_report(tmp_path, quarterly):
    files = [quarterly[f"pirojpur-fy2022-23-q{q}.{'csv' if q % 2 else 'xlsx'}"] for q in range(1, 5)]
    out = cli("ingest", *map(str, files), "--store", str(tmp_path / "s"), "--uploader", "asha")
    assert out.returncode == 0, out.stderr[-2000:]
    assert summary(tmp_path / "s") == PUBLISHED


@pytest.mark.parametrize("files, known, shown", [
    (["summary_en.csv"], False, "not known"),  # monthly summaries name no entrepreneur
    (["summary_en.csv", "template_en.csv"], False, "not known"),  # some UDC rows name none: a count would be short
    (["template_en.csv"], True, None),
])
def test_summary_says_when_the_entrepreneurs_are_not_known(tmp_path, files, known, shown):
    store = tmp_path / "s"
    good = ROOT / "tests" / "data" / "ingest" / "good"
    out = cli("ingest", *(str(good / f) for f in files), "--store", str(store), "--allow-overlap")
    assert out.returncode == 0, out.stdout + out.stderr
    figures = summary(store, "--period", "2022-07-01..2024-06-30")
    assert figures["entrepreneurs_known"] is known
    text = cli("summary", "--store", str(store), "--period", "2022-07-01..2024-06-30").stdout
    line = next(line for line in text.splitlines() if line.startswith("UDC entrepreneurs"))
    assert line.split()[-2:] == ["not", "known"] if shown else line.split()[-1] == str(figures["entrepreneurs"])


@pytest.mark.parametrize("period", ["2022-07-15..2022-08-14", "2022-23", "2022-23-Q2"])
def test_summary_of_a_store_with_nothing_active(tmp_path, period):
    """A new store (an empty folder), and one whose every upload was rolled back: zeros for any
    period, a date range too."""
    store = tmp_path / "s"
    store.mkdir()
    assert summary(store, "--period", period)["beneficiaries_total"] == 0
    good = ROOT / "tests" / "data" / "ingest" / "good" / "template_en.csv"
    assert cli("ingest", str(good), "--store", str(store)).returncode == 0
    upload = cli("uploads", "--store", str(store)).stdout.splitlines()[1].split("\t")[0]
    assert cli("rollback", upload, "--store", str(store)).returncode == 0
    figures = summary(store, "--period", period)
    assert (figures["beneficiaries_total"], figures["entrepreneurs"], figures["entrepreneurs_known"]) == (0, 0, True)
    # the review: zeros with nothing to tell them from a period of no deliveries (the app says "No data")
    assert figures["has_data"] is False and len(figures["upazilas_without_data"]) == 7
    assert figures["beneficiaries_by_upazila"]["Mathbaria"] == 0  # (the key's values stay numbers)
    text = cli("summary", "--store", str(store), "--period", period).stdout
    assert "Mathbaria" in text and text.count("No data") >= 7 and "No data is stored for this period" in text


def test_same_file_twice_changes_nothing(tmp_path, quarterly):
    store = tmp_path / "s"
    first = cli("ingest", str(quarterly["pirojpur-fy2022-23-q1.csv"]), "--store", str(store))
    before = summary(store)
    again = cli("ingest", str(quarterly["pirojpur-fy2022-23-q1.csv"]), "--store", str(store))
    assert first.returncode == again.returncode == 0
    assert "already stored" in again.stdout
    assert summary(store) == before


def test_replace_then_rollback_restores_the_original_figures(tmp_path, quarterly):
    store = tmp_path / "s"
    assert cli("ingest", str(quarterly["pirojpur-fy2022-23-q1.csv"]), "--store", str(store)).returncode == 0
    original = summary(store, "--period", "2022-23-Q1")
    # a corrected Q1 file: the first 100 rows only
    smaller = tmp_path / "q1-fixed.csv"
    frame = pl.read_csv(quarterly["pirojpur-fy2022-23-q1.csv"], infer_schema=False).head(100)
    smaller.write_bytes(frame.write_csv().encode("utf-8-sig"))
    out = cli("ingest", str(smaller), "--store", str(store), "--mode", "replace")
    assert out.returncode == 0, out.stderr
    replaced = summary(store, "--period", "2022-23-Q1")
    assert replaced["beneficiaries_total"] == frame["Beneficiaries"].cast(pl.Int64).sum()
    upload_id = out.stdout.split("stored as upload ")[1].split()[0]
    assert cli("rollback", upload_id, "--store", str(store)).returncode == 0
    assert summary(store, "--period", "2022-23-Q1") == original


def test_a_bad_file_is_rejected_with_a_report_and_nothing_stored(tmp_path, quarterly):
    store = tmp_path / "s"
    cli("ingest", str(quarterly["pirojpur-fy2022-23-q2.csv"]), "--store", str(store))
    before = summary(store)
    bad = tmp_path / "bad.csv"
    bad.write_text("Date,Union,Entrepreneur ID,Service,Fee (Tk)\n"
                   "02/07/2022,Ikri,E1,Photocopy,5\n"
                   "03/07/2022,Atlantis,E1,Photocopy,-5\n", encoding="utf-8")
    good = quarterly["pirojpur-fy2022-23-q1.csv"]
    out = cli("ingest", str(good), str(bad), "--store", str(store), "--report-dir", str(tmp_path / "reports"))
    assert out.returncode == 1
    assert "bad.csv" in out.stderr and "row 3" in out.stderr and "Atlantis" in out.stderr
    assert "Nothing was stored" in out.stderr
    assert summary(store) == before  # the good file in the same batch was not stored either
    assert (tmp_path / "reports" / "bad-problems.csv").exists()


def test_bengali_report(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("তারিখ,ইউনিয়ন,উদ্যোক্তা আইডি,সেবা,আয় (টাকা)\n০২/০৭/২০২২,আটলান্টিস,E1,ফটোকপি,৫\n", encoding="utf-8")
    out = cli("ingest", str(bad), "--store", str(tmp_path / "s"), "--lang", "bn")
    assert out.returncode == 1 and "সারি ২" in out.stderr and "কিছুই সংরক্ষণ করা হয়নি" in out.stderr


def test_dry_run_stores_nothing(tmp_path, quarterly):
    out = cli("ingest", str(quarterly["pirojpur-fy2022-23-q3.csv"]), "--store", str(tmp_path / "s"), "--dry-run")
    assert out.returncode == 0 and "nothing was stored" in out.stdout
    assert not (tmp_path / "s").exists()  # (no store made either)
    cli("ingest", str(quarterly["pirojpur-fy2022-23-q2.csv"]), "--store", str(tmp_path / "s"))
    before = summary(tmp_path / "s")
    out = cli("ingest", str(quarterly["pirojpur-fy2022-23-q3.csv"]), "--store", str(tmp_path / "s"), "--dry-run")
    assert out.returncode == 0 and "nothing was stored" in out.stdout and summary(tmp_path / "s") == before


def test_missing_file_is_a_usage_error(tmp_path):
    assert cli("ingest", str(tmp_path / "nope.csv"), "--store", str(tmp_path / "s")).returncode == 2


def big_people(big: Path) -> int:
    return int(pl.read_csv(big)["Beneficiaries"].sum())


def test_sigkill_during_ingest_leaves_the_previous_state(tmp_path, quarterly):
    """Kill `ingest` of a big file at several moments; the store is always exactly as before or after."""
    store = tmp_path / "s"
    assert cli("ingest", str(quarterly["pirojpur-fy2022-23-q1.csv"]), "--store", str(store)).returncode == 0
    before = summary(store)
    big = tmp_path / "big.csv"
    q4 = pl.read_csv(quarterly["pirojpur-fy2022-23-q4.csv"], infer_schema=False)
    copies = [q4.with_columns(pl.col("Beneficiaries").cast(pl.Int64) + i) for i in range(12)]  # distinct rows
    pl.concat(copies).write_csv(big)  # ~280k rows of Q4
    killed_midway = 0
    for delay in (0.2, 0.5, 0.8, 1.1, 1.4, 1.8, 2.4):
        child = subprocess.Popen([sys.executable, "-m", "analytics", "ingest", str(big), "--store", str(store),
                                  "--mode", "replace", "--period", "2022-23-Q4"], cwd=ROOT,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        running = child.poll() is None
        if running:
            os.kill(child.pid, signal.SIGKILL)
        child.wait()
        state = summary(store)
        if state == before:
            killed_midway += running
        else:  # it finished first: then the whole file is there, and nothing of it half
            assert not running and child.returncode == 0
            assert state["beneficiaries_total"] == before["beneficiaries_total"] + big_people(big)  # store held Q1 only
            break
    assert killed_midway >= 1, "no kill landed while the ingest was under way"


# --- issue 9: exit codes, names to decide, date order, overlaps, no tracebacks ----------------

DATA = ROOT / "tests" / "data" / "ingest"
OFFICES = ROOT / "tests" / "data" / "offices"


@pytest.mark.parametrize("args", [
    ["--period", "2023-24-Q5"], ["--period", "next year"], ["--names", "/nonexistent/names.csv"],
    ["--date-order", "ydm"], ["--mode", "merge"],
    # a review: no period ('' from an empty variable) was read as any quarter, and a quarter of the year
    # 9999 refused every row as outside it
    ["--period", ""], ["--period", "9999-00-Q1"],
])
def test_usage_errors_exit_2_without_a_traceback(tmp_path, args):
    out = cli("ingest", str(DATA / "good" / "template_en.csv"), "--store", str(tmp_path / "s"), *args)
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr + out.stdout and out.stderr.strip()


def test_a_names_file_with_a_wrong_decision_is_a_usage_error(tmp_path):
    names = tmp_path / "names.csv"
    names.write_text("kind,value,decision\nservice,Misc online work,Pizza delivery\nplace,x,y\n", encoding="utf-8")
    out = cli("ingest", str(DATA / "good" / "template_en.csv"), "--store", str(tmp_path / "s"), "--names", str(names))
    assert out.returncode == 2 and "line 2" in out.stderr and "line 3" in out.stderr


@pytest.mark.parametrize("lang, said", [
    ("en", "names.csv line 3: “tax  thing” is decided differently on line 2; keep one decision for it"),
    ("bn", "names.csv, লাইন ৩: “tax  thing”-এর সিদ্ধান্ত লাইন ২-এ অন্যভাবে দেওয়া"),
])
def test_a_names_file_deciding_one_name_two_ways_is_a_usage_error(tmp_path, lang, said):
    """The review's case: the last of two contradictory decisions won without a word."""
    names = tmp_path / "names.csv"
    names.write_text("kind,value,decision\nservice,Tax thing,UDC016\nservice,tax  thing,UDC002\n"
                     "service,Misc,UDC016\nservice,misc,UDC016\n", encoding="utf-8")  # (the same twice is fine)
    out = cli("ingest", str(DATA / "good" / "template_en.csv"), "--store", str(tmp_path / "s"), "--names", str(names),
              "--lang", lang)
    assert out.returncode == 2 and said in out.stderr, out.stderr
    assert "Misc" not in out.stderr


@pytest.mark.parametrize("path", sorted(p.name for p in (DATA / "bad").iterdir()))
def test_no_library_text_or_traceback_reaches_the_user(tmp_path, path):
    out = cli("ingest", str(DATA / "bad" / path), "--store", str(tmp_path / "s"), "--lang", "bn")
    assert out.returncode in (0, 1)  # some bad files are bad only with options (a period, small limits)
    text = out.stdout + out.stderr
    for word in ("Traceback", "calamine", "polars", "sqlite", "Error:", "Exception", "panicked"):
        assert word not in text, (word, text[-1500:])


def test_open_names_are_written_to_fill_in_and_read_back(tmp_path):
    store, reports = str(tmp_path / "s"), tmp_path / "reports"
    path = OFFICES / "nesarabad_q1_legacy_names.xlsx"
    first = cli("ingest", str(path), "--store", store, "--report-dir", str(reports))
    assert first.returncode == 1 and "অনলাইন কাজ" in first.stderr and "9 rows" in first.stderr
    questions = pl.read_csv(reports / "names-to-decide.csv")
    assert questions.select("kind", "value", "decision", "rows").sort("value").rows() == [
        ("service", "Misc. online service", None, 5), ("service", "অনলাইন কাজ", None, 9)]
    answers = {"অনলাইন কাজ": "UDC069", "Misc. online service": "none"}
    filled = questions.with_columns(pl.col("value").replace_strict(answers).alias("decision"))
    filled.write_csv(reports / "decided.csv")
    second = cli("ingest", str(path), "--store", store, "--names", str(reports / "decided.csv"))
    assert second.returncode == 0, second.stderr[-2000:]
    assert "decided by staff" in second.stdout and "left out" in second.stdout
    assert summary(Path(store), "--period", "2023-24-Q1")["beneficiaries_total"] == 218


def test_names_decided_one_run_at_a_time_are_kept_in_the_file_written_over(tmp_path):
    """A review: one name decided and the other left open, the run rewrote names-to-decide.csv with the
    open one alone; the decision, in no other file, was asked for again the next run."""
    store, reports = str(tmp_path / "s"), tmp_path / "reports"
    path = OFFICES / "nesarabad_q1_legacy_names.xlsx"
    assert cli("ingest", str(path), "--store", store, "--report-dir", str(reports)).returncode == 1
    asked = reports / "names-to-decide.csv"
    questions = pl.read_csv(asked)
    questions.with_columns(pl.when(pl.col("value") == "অনলাইন কাজ").then(pl.lit("UDC069")).alias("decision")
                           ).write_csv(asked)
    second = cli("ingest", str(path), "--store", store, "--report-dir", str(reports), "--names", str(asked))
    assert second.returncode == 1 and "Misc. online service" in second.stderr
    kept = pl.read_csv(asked)
    assert kept.select("kind", "value", "decision").sort("value").rows() == [
        ("service", "Misc. online service", None), ("service", "অনলাইন কাজ", "UDC069")]
    kept.with_columns(pl.col("decision").fill_null("none")).write_csv(asked)  # the other one decided too
    third = cli("ingest", str(path), "--store", store, "--report-dir", str(reports), "--names", str(asked))
    assert third.returncode == 0, third.stderr[-2000:]
    assert summary(Path(store), "--period", "2023-24-Q1")["beneficiaries_total"] == 218


@pytest.mark.parametrize("stem", ["p" * 240, "ক" * 80])  # (255 bytes a name, at most: 80 Bengali letters are 240)
def test_a_file_with_a_name_as_long_as_allowed_gets_its_problems_report(tmp_path, stem):
    """A review: a 240-character file name gave "File name too long" (exit 2) and no report."""
    path = tmp_path / f"{stem}.csv"
    path.write_bytes((DATA / "bad" / "unknown_union.csv").read_bytes())
    out = cli("ingest", str(path), "--store", str(tmp_path / "s"), "--report-dir", str(tmp_path / "reports"))
    assert out.returncode == 1, out.stderr[-1000:]
    reports = [p.name for p in (tmp_path / "reports").iterdir() if p.name.endswith("-problems.csv")]
    assert len(reports) == 1 and reports[0].startswith(stem[:50]) and len(reports[0].encode()) <= 255


def test_month_first_dates_need_the_users_word(tmp_path):
    path = DATA / "bad" / "date_order_unclear.csv"
    store = str(tmp_path / "s")
    refused = cli("ingest", str(path), "--store", store)
    assert refused.returncode == 1 and "--date-order" in refused.stderr and "09/25/2023" in refused.stderr
    stored = cli("ingest", str(path), "--store", store, "--date-order", "mdy")
    assert stored.returncode == 0, stored.stderr
    dates = pl.read_parquet(list((tmp_path / "s" / "parts").rglob("*.parquet")))["date"].sort().to_list()
    assert [d.isoformat() for d in dates] == ["2023-05-07", "2023-09-25", "2023-10-08"]


def test_a_file_overlapping_a_stored_upload_is_refused_unless_replacing(tmp_path):
    store = str(tmp_path / "s")
    assert cli("ingest", str(OFFICES / "kawkhali_q1_en.csv"), "--store", store).returncode == 0
    again = cli("ingest", str(OFFICES / "kawkhali_q1_en_resaved.xlsx"), "--store", store)
    assert again.returncode == 1 and "kawkhali_q1_en.csv" in again.stderr and "162 of its 162" in again.stderr
    stored = cli("uploads", "--store", store).stdout.splitlines()[1].split("\t")[0]
    # a corrected copy: the way to put it in the place of that upload alone
    assert f"roll that upload back first (python -m analytics rollback {stored})" in again.stderr
    replaced = cli("ingest", str(OFFICES / "kawkhali_q1_en_resaved.xlsx"), "--store", store, "--mode", "replace")
    assert replaced.returncode == 0
    assert summary(Path(store), "--period", "2023-24-Q1")["beneficiaries_total"] == 191
    # it says what it took the place of, and how to undo it
    first = next(line.split("\t")[0] for line in cli("uploads", "--store", store).stdout.splitlines()
                 if "kawkhali_q1_en.csv" in line)
    assert f"what these uploads stored there: {first} (kawkhali_q1_en.csv)" in replaced.stdout
    assert "roll back upload u" in replaced.stdout


def test_files_repeating_each_other_in_one_command_name_no_upload_that_is_not_stored(tmp_path):
    """A review: the third of three copies given at once said its rows were "also stored in upload u...
    (to roll it back: ...)" of the second, which was never stored; 300 copies printed 44,874 lines."""
    text = (OFFICES / "kawkhali_q1_en.csv").read_bytes()
    paths = []
    for n in range(1, 10):
        (tmp_path / f"copy{n}.csv").write_bytes(text + b"\n" * n)  # (the same rows; not the same bytes)
        paths.append(str(tmp_path / f"copy{n}.csv"))
    out = cli("ingest", *paths, "--store", str(tmp_path / "s"), "--dry-run")
    assert out.returncode == 1
    assert "rollback" not in out.stderr and "also stored in upload" not in out.stderr
    last = out.stderr[out.stderr.index("copy9.csv: "):].splitlines()
    # (which of the eight earlier copies comes first is not fixed: they share as many rows each)
    assert "given in this same command" in last[0]
    assert all(re.fullmatch(r"  162 of its rows are also in copy[1-8]\.csv, given in this same command", line)
               for line in last[1:6]), last
    assert len(last) == 1 + 5 + 1 and last[-1].strip() == "uploads or files more with some of its rows: 2"


def test_two_ingests_at_once_of_the_same_rows_store_them_once(tmp_path):
    """The first ingest is held inside its commit (holding the store's lock) while the second checks
    the same deliveries (a re-saved copy, other bytes) against the store, finds nothing yet and waits
    for the lock; when it gets it the store has changed: it checks again and is refused."""
    store = str(tmp_path / "s")
    marker = tmp_path / "paused"
    first = subprocess.Popen([sys.executable, "-m", "analytics", "ingest", str(OFFICES / "kawkhali_q1_en.csv"),
                              "--store", store], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "SEBA_ATLAS_PAUSE_AT": f"commit:{marker}"})
    deadline = time.monotonic() + 120
    while not marker.exists() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), first.communicate()
    second = subprocess.Popen([sys.executable, "-m", "analytics", "ingest", str(OFFICES / "kawkhali_q1_en_resaved.xlsx"),
                               "--store", store], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(8)  # the second has checked the store (nothing stored yet) and waits for the lock
    marker.unlink()
    assert first.wait(120) == 0, first.communicate()
    out, err = second.communicate(timeout=120)
    assert second.returncode == 1 and "162 of its 162" in err, out + err
    assert summary(Path(store), "--period", "2023-24-Q1")["beneficiaries_total"] == 191


def test_replacing_with_two_copies_of_one_file_is_refused(tmp_path):
    """--mode replace takes the place of what is stored; two files of the batch with the same rows
    would still count them twice."""
    store = str(tmp_path / "s")
    both = cli("ingest", str(OFFICES / "kawkhali_q1_en.csv"), str(OFFICES / "kawkhali_q1_en_resaved.xlsx"),
               "--store", store, "--mode", "replace")
    assert both.returncode == 1, both.stdout + both.stderr
    assert ("kawkhali_q1_en_resaved.xlsx: 162 of its 162 rows are also in kawkhali_q1_en.csv, given in this same "
            "command") in both.stderr
    assert cli("uploads", "--store", store).stdout.count("\n") <= 1  # nothing stored
    assert cli("ingest", str(OFFICES / "kawkhali_q1_en.csv"), "--store", store, "--mode", "replace").returncode == 0


def test_a_file_repeating_some_days_of_a_stored_upload_is_refused_and_says_which(tmp_path):
    """The office's quarter in two files whose dates overlap (15 July to 20 August in both): the
    second is refused and says which days to take out (replacing would lose the first's July)."""
    rows = pl.read_csv(OFFICES / "kawkhali_q1_en.csv", infer_schema=False).with_columns(
        pl.col("Date").str.to_date("%d/%m/%Y").alias("__day"))
    first, second = tmp_path / "jul-aug20.csv", tmp_path / "jul15-sep.csv"
    rows.filter(pl.col("__day") <= date(2023, 8, 20)).drop("__day").write_csv(first)
    rows.filter(pl.col("__day") >= date(2023, 7, 15)).drop("__day").write_csv(second)
    store = str(tmp_path / "s")
    assert cli("ingest", str(first), "--store", store).returncode == 0
    refused = cli("ingest", str(second), "--store", store)
    assert refused.returncode == 1 and "jul-aug20.csv" in refused.stderr, refused.stderr
    assert "15 July 2023" in refused.stderr and "20 August 2023" in refused.stderr and "--mode replace" in refused.stderr
    within = rows.filter(pl.col("__day").is_between(date(2023, 7, 15), date(2023, 8, 20)))
    assert summary(Path(store), "--period", "2023-24-Q1")["beneficiaries_total"] == \
        rows.filter(pl.col("__day") <= date(2023, 8, 20))["Beneficiaries"].cast(pl.Int64).sum()
    assert within.height >= 10  # (what the second file repeats)


def test_decisions_can_be_listed_and_withdrawn(tmp_path):
    store = str(tmp_path / "s")
    names = tmp_path / "names.csv"
    names.write_text("kind,value,decision\nservice,অনলাইন কাজ,UDC069\nservice,Misc. online service,none\n",
                     encoding="utf-8")
    path = OFFICES / "nesarabad_q1_legacy_names.xlsx"
    assert cli("ingest", str(path), "--store", store, "--names", str(names)).returncode == 0
    listed = json.loads(cli("names", "list", "--json", "--store", store).stdout)
    assert [(d["value"], d["code"]) for d in listed] == [("অনলাইন কাজ", "UDC069"), ("Misc. online service", None)]
    withdrawn = cli("names", "withdraw", str(listed[0]["decision_id"]), "--store", store)
    assert withdrawn.returncode == 0
    assert cli("names", "withdraw", str(listed[0]["decision_id"]), "--store", store).returncode == 2
    asked = cli("ingest", str(path), "--store", store, "--dry-run", "--allow-overlap")
    assert asked.returncode == 1 and "অনলাইন কাজ" in asked.stderr  # asked again once withdrawn


def test_a_reader_that_goes_away_does_not_change_what_is_stored(tmp_path, quarterly):
    """`ingest ... | head -1`, or nobody reading at all: the file is stored as it would have been."""
    store = tmp_path / "s"
    read, write = os.pipe()
    child = subprocess.Popen([sys.executable, "-m", "analytics", "ingest", str(quarterly["pirojpur-fy2022-23-q1.csv"]),
                              "--store", str(store)], cwd=ROOT, stdout=write, stderr=subprocess.PIPE)
    os.close(write)
    os.close(read)  # nobody reads what it prints
    _, err = child.communicate(timeout=120)
    assert child.returncode == 0 and not err, err
    assert summary(store, "--period", "2022-23-Q1") == summary_of_q1(tmp_path, quarterly)


def summary_of_q1(tmp_path: Path, quarterly: dict[str, Path]) -> dict:
    store = tmp_path / "read"
    assert cli("ingest", str(quarterly["pirojpur-fy2022-23-q1.csv"]), "--store", str(store)).returncode == 0
    return summary(store, "--period", "2022-23-Q1")


def test_a_workbook_with_several_logs_is_read_from_the_sheet_named(tmp_path):
    path = DATA / "bad" / "ambiguous_sheet.xlsx"
    store = str(tmp_path / "s")
    refused = cli("ingest", str(path), "--store", store)
    assert refused.returncode == 1 and "--sheet" in refused.stderr + refused.stdout
    stored = cli("ingest", str(path), "--store", store, "--sheet", "Q1 (copy)")
    assert stored.returncode == 0, stored.stderr
    assert pl.read_parquet(list((tmp_path / "s" / "parts").rglob("*.parquet"))).height == 1
    missing = cli("ingest", str(path), "--store", str(tmp_path / "t"), "--sheet", "Q9")
    assert missing.returncode == 1 and "Q9" in missing.stdout + missing.stderr


def test_each_sheet_of_a_workbook_of_several_logs_is_an_upload_of_its_own(tmp_path):
    path = two_logs_workbook(tmp_path / "upazilas.xlsx")
    store = tmp_path / "s"
    first = cli("ingest", str(path), "--store", str(store), "--sheet", "Nazirpur")
    second = cli("ingest", str(path), "--store", str(store), "--sheet", "Bhandaria")
    again = cli("ingest", str(path), "--store", str(store), "--sheet", "bhandaria ")  # (its name as typed)
    assert (first.returncode, second.returncode, again.returncode) == (0, 0, 0), second.stdout + second.stderr
    assert "already stored" in again.stdout and "already stored" not in second.stdout
    frame = pl.read_parquet(list((store / "parts").rglob("*.parquet")))
    assert frame.height == 2 and frame["beneficiaries"].sum() == 4 and frame["fee_paisa"].sum() == 7500 + 3000
    # each listed with its sheet (the review: the Data page showed the same name twice)
    names = [line.split("\t")[1] for line in cli("uploads", "--store", str(store)).stdout.splitlines()[1:]]
    assert sorted(names) == ["upazilas.xlsx › Bhandaria", "upazilas.xlsx › Nazirpur"]


def test_the_same_file_twice_in_one_command_is_stored_once(tmp_path):
    path = ROOT / "tests" / "data" / "offices" / "kawkhali_q1_en.csv"
    out = cli("ingest", str(path), str(path), "--store", str(tmp_path / "s"))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "already stored" in out.stdout and len(list((tmp_path / "s" / "parts").rglob("*.parquet"))) == 1


def test_problem_files_of_files_of_one_name_are_both_written(tmp_path):
    for folder, fixture in (("d1", "missing_values.csv"), ("d2", "negative_fee.csv")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "report.csv").write_bytes((DATA / "bad" / fixture).read_bytes())
    out = cli("ingest", str(tmp_path / "d1" / "report.csv"), str(tmp_path / "d2" / "report.csv"),
              "--store", str(tmp_path / "s"), "--report-dir", str(tmp_path / "rep"))
    assert out.returncode == 1
    assert sorted(p.name for p in (tmp_path / "rep").iterdir()) == ["report-2-problems.csv", "report-problems.csv"]


@pytest.mark.parametrize("flag", ["--report-dir", "--names"])
def test_a_report_folder_or_names_file_that_cannot_be_used_is_a_usage_error(tmp_path, flag):
    (tmp_path / "a-file").write_text("x")
    where = tmp_path / "a-file" if flag == "--report-dir" else tmp_path / "no-such.csv"
    out = cli("ingest", str(DATA / "bad" / "missing_values.csv"), "--store", str(tmp_path / "s"), flag, str(where))
    assert out.returncode == 2 and str(where) in out.stderr and "Traceback" not in out.stderr


@pytest.mark.parametrize(("lang", "unused", "as_one"), [
    ("en", "columns not used (their headings are not known): Pages/Items", "each row counts as one"),
    ("bn", "যে কলামগুলো ব্যবহার করা হয়নি (শিরোনাম চেনা যায়নি): Pages/Items", "প্রতিটি সারি একজন হিসেবে গোনা"),
])
def test_a_column_it_does_not_know_is_named_and_a_log_without_counts_says_each_row_is_one(tmp_path, lang, unused,
                                                                                         as_one):
    """A column whose heading is not known is not used: the command line says so, and, when no column
    counts the people served, that each row counts as one (a count column it did not know would
    otherwise be lost without a word)."""
    log = tmp_path / "log.csv"
    # (a column of 1s: were it counts above one, the file would be asked about: count_column_unread)
    log.write_text("Date,Union,Entrepreneur ID,Service,Pages/Items,Fee (Tk)\n"
                   "05/07/2022,Tona,UDC-1,Birth registration,1,50\n", encoding="utf-8")
    out = cli("ingest", str(log), "--store", str(tmp_path / "s"), "--lang", lang)
    assert out.returncode == 0, out.stderr
    assert unused in out.stdout and as_one in out.stdout
    counted = log.with_name("counted.csv")
    counted.write_text(log.read_text().replace("Fee (Tk)\n", "Fee (Tk),Beneficiaries\n").replace(",50\n", ",50,1\n"),
                       encoding="utf-8")
    again = cli("ingest", str(counted), "--store", str(tmp_path / "s2"), "--lang", lang)
    assert unused in again.stdout and as_one not in again.stdout


def test_a_fee_per_person_is_multiplied_by_the_count_and_said(tmp_path):
    fixture = ROOT / "tests/data/ingest/good/fee_per_person.csv"
    out = cli("ingest", str(fixture), "--store", str(tmp_path / "s"), "--lang", "bn")
    assert out.returncode == 0, out.stderr
    assert "“Fee per person (Tk)” একজনের ফি হিসেবে পড়া হয়েছে" in out.stdout
    figures = summary(tmp_path / "s", "--period", "2022-23-Q1")
    assert (figures["beneficiaries_total"], figures["entrepreneur_earnings_bdt"]) == (13, 170)


def test_a_full_disk_under_the_report_folder_is_one_line_and_leaves_no_report_cut_short(tmp_path, tmpfs):
    """The rejected rows' report does not fit: exit 2 with the full-disk line, no file left half-written."""
    reports = tmpfs("64k")
    rows = "\n".join(f"0{1 + i % 9}/07/2023,Tona,UDC-1,No such service {i} {'x' * 200},75" for i in range(2000))
    bad = tmp_path / "bad.csv"
    bad.write_text("Date,Union,Entrepreneur ID,Service,Fee (Tk)\n" + rows + "\n")
    out = cli("ingest", str(bad), "--store", str(tmp_path / "s"), "--report-dir", str(reports))
    assert out.returncode == 2, out.stdout[-500:] + out.stderr[-2000:]
    assert out.stderr.strip().splitlines()[-1].startswith("error: the disk is full"), out.stderr[-500:]
    assert list(reports.iterdir()) == []


def test_a_real_file_of_the_samples_rows_takes_the_samples_place(tmp_path, quarterly):
    """The default store holds the sample; a file with the same rows as its Q1 is no repeat of an
    upload (a real upload takes the sample's place in its quarters): stored, the year's figures as before."""
    env = {**os.environ, "SEBA_ATLAS_STORE": str(tmp_path / "default")}
    run = lambda *args: subprocess.run([sys.executable, "-m", "analytics", *args], cwd=ROOT, capture_output=True,  # noqa: E731
                                       text=True, env=env)
    out = run("ingest", str(quarterly["pirojpur-fy2022-23-q1.csv"]))
    assert out.returncode == 0, out.stdout + out.stderr
    assert json.loads(run("summary", "--json").stdout) == PUBLISHED


@pytest.mark.parametrize("lang, said", [
    ("en", "note: 6 cells written as ditto marks (\", ঐ, -do-) were read as the cell above them: "
           "Date, Union, Entrepreneur ID (rows 3–4)"),
    ("bn", "নোট: ঐ-চিহ্ন (\", ঐ, -do-) দেওয়া ৬টি ঘর উপরের ঘরের মান হিসেবে পড়া হয়েছে: Date, Union, Entrepreneur ID (সারি ৩–৪)"),
])
def test_ingest_says_which_cells_it_read_from_ditto_marks(tmp_path, lang, said):
    log = tmp_path / "ditto.csv"
    log.write_text("Date,Union,Entrepreneur ID,Service,Fee\n03/07/2022,Tona,UDC-1,Birth registration,75\n"
                   "〃,〃,〃,Photocopy,5\nঐ,-do-,ঐ,Birth registration,75\n", encoding="utf-8")
    out = cli("ingest", str(log), "--store", str(tmp_path / "s"), "--lang", lang)
    assert out.returncode == 0, out.stderr
    assert "  " + said + "\n" in out.stdout
    assert summary(tmp_path / "s", "--period", "2022-07-03..2022-07-03")["beneficiaries_total"] == 3


def test_a_sheet_asked_for_a_csv_file_is_said_to_be_unused(tmp_path):
    good = ROOT / "tests" / "data" / "ingest" / "good" / "template_en.csv"
    out = cli("ingest", str(good), "--sheet", "Q1", "--store", str(tmp_path / "s"), "--dry-run")
    assert out.returncode == 0, out.stderr
    assert out.stderr == "note: --sheet Q1 is not used for template_en.csv: a CSV file has no sheets\n"


def test_a_quarter_file_repeating_three_month_uploads_names_each_of_them(tmp_path):
    head = "Date,Union,Entrepreneur ID,Service,Fee\n"
    months = [[f"{day:02d}/{month:02d}/2022,Tona,UDC-1,Birth registration,{50 + day}\n" for day in (3, 4, 5)]
              for month in (7, 8, 9)]
    store = tmp_path / "s"
    for number, rows in enumerate(months):
        month = tmp_path / f"month-{number}.csv"
        month.write_text(head + "".join(rows), encoding="utf-8")
        assert cli("ingest", str(month), "--store", str(store)).returncode == 0
    ids = {line.split("\t")[0] for line in cli("uploads", "--store", str(store)).stdout.splitlines()[1:]}
    assert len(ids) == 3
    whole = tmp_path / "quarter.csv"
    whole.write_text(head + "".join(row for rows in months for row in rows), encoding="utf-8")
    out = cli("ingest", str(whole), "--store", str(store))
    assert out.returncode == 1
    assert all(upload in out.stderr for upload in ids), out.stderr
    assert out.stderr.count("python -m analytics rollback") == 3


@pytest.mark.parametrize("lang, like", [("en", "60 × as row 2: “xx” is not an amount of money."),
                                        ("bn", "৬০ × ২ নং সারির মতো: “xx” টাকার অঙ্ক নয়।")])
def test_many_problems_are_counted_by_kind_as_the_clerk_reads_them(tmp_path, lang, like):
    """The review: past the first problems, the count of each kind was printed under the app's own
    code ("date_out_of_period: 18,454"), in both languages. Each kind is now said as its first
    message says it, with its row."""
    rows = [f"0{d % 9 + 1}/07/2023,Tona,UDC-1,Birth registration,xx" for d in range(60)]
    path = tmp_path / "many.csv"
    path.write_text("Date,Union,Entrepreneur ID,Service,Fee (Tk)\n" + "\n".join(rows) + "\n", encoding="utf-8")
    out = cli("ingest", str(path), "--store", str(tmp_path / "s"), "--dry-run", "--lang", lang)
    said = out.stdout + out.stderr
    assert out.returncode == 1 and like in said and "fee_not_number" not in said


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_a_forms_timestamp_dates_the_rows_and_is_said(tmp_path, lang):
    """A Google Forms export whose only date is its Timestamp: stored, and the clerk told that the
    dates are when each entry was sent."""
    from analytics import i18n

    out = cli("ingest", str(DATA / "good" / "google_form.csv"), "--store", str(tmp_path / "s"), "--lang", lang)
    assert out.returncode == 0, out.stderr
    assert i18n.t("ingest.cli_note_timestamp", lang, column="Timestamp") in out.stdout
    summary = json.loads(cli("summary", "--store", str(tmp_path / "s"), "--fy", "2022-23", "--json").stdout)
    assert (summary["beneficiaries_total"], summary["entrepreneur_earnings_paisa"]) == (4, 12000)


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_the_quarters_a_file_takes_from_the_sample_are_said_before_and_after(tmp_path, lang):
    """The review: one row typed with a wrong year and month took a published quarter's place (33,043
    beneficiaries to 1) with exit 0, and the dry run said nothing. Such rows are now refused (far from
    the file's other dates); a file of a quarter of its own still takes the sample's place there, and
    the dry run and the ingest say where, with the beneficiaries before and after."""
    from analytics import i18n

    env = {**os.environ, "SEBA_ATLAS_STORE": str(tmp_path / "default")}
    run = lambda *args: subprocess.run([sys.executable, "-m", "analytics", *args, "--lang", lang], cwd=ROOT,  # noqa: E731
                                       capture_output=True, text=True, env=env)
    rows = [f"{1 + i % 28:02d}/{10 + i % 3}/2023,Kawkhali,Amrazuri,PRJ-KAW-02,Birth registration,1,75" for i in range(98)]
    typed = tmp_path / "oct-dec.csv"
    typed.write_text("Date,Upazila,Union,Entrepreneur ID,Service,Beneficiaries,Fee (Tk)\n" + "\n".join(
        rows[:39] + ["02/11/2013,Kawkhali,Amrazuri,PRJ-KAW-02,Birth registration,1,75"] + rows[39:68]
        + ["03/01/2023,Kawkhali,Amrazuri,PRJ-KAW-02,Birth registration,1,75"] + rows[68:]) + "\n", encoding="utf-8")
    out = run("ingest", str(typed))
    assert out.returncode == 1 and "Traceback" not in out.stderr
    said = [line for line in out.stderr.splitlines() if ("far from" if lang == "en" else "অনেক দূরে") in line]
    assert len(said) == 2 and i18n.number(41, lang=lang) in said[0] and i18n.number(71, lang=lang) in said[1], out.stderr
    assert json.loads(run("summary", "--json").stdout) == PUBLISHED  # nothing stored

    q3 = tmp_path / "jan-mar.csv"
    q3.write_text("Date,Upazila,Union,Entrepreneur ID,Service,Beneficiaries,Fee (Tk)\n" + "\n".join(
        f"{1 + i % 28:02d}/0{1 + i % 3}/2023,Kawkhali,Amrazuri,PRJ-KAW-02,Birth registration,1,75" for i in range(30)) + "\n",
        encoding="utf-8")
    where = i18n.t("ingest.cli_what_replace_sample", lang)
    quarter = "FY 2022-23 Q3" if lang == "en" else "২০২২-২৩ অর্থবছর, ৩য় প্রান্তিক"
    dry = run("ingest", str(q3), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "  " + i18n.t("ingest.cli_would_take_place", lang, quarter=quarter, file="jan-mar.csv", what=where,
                         now=i18n.number(33043, lang=lang), after=i18n.number(30, lang=lang)) + "\n" in dry.stdout
    done = run("ingest", str(q3))
    assert done.returncode == 0, done.stderr
    assert "  " + i18n.t("ingest.cli_took_place", lang, quarter=quarter, file="jan-mar.csv", what=where,
                         now=i18n.number(33043, lang=lang), after=i18n.number(30, lang=lang)) + "\n" in done.stdout


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_a_row_alone_in_the_quarter_beside_the_rest_is_noted_as_the_page_warns(tmp_path, lang):
    from analytics import i18n

    rows = [f"{1 + i % 28:02d}/{10 + i % 3}/2023,Tona,UDC-1,Birth registration,75" for i in range(40)]
    rows[21] = "30/09/2023,Tona,UDC-1,Birth registration,75"  # a day of October typed as September?
    log = tmp_path / "log.csv"
    log.write_text("Date,Union,Entrepreneur ID,Service,Fee (Tk)\n" + "\n".join(rows) + "\n", encoding="utf-8")
    out = cli("ingest", str(log), "--store", str(tmp_path / "s"), "--lang", lang)
    assert out.returncode == 0, out.stderr  # stored: a late entry of the quarter before is no slip for certain
    quarter = "FY 2023-24 Q1" if lang == "en" else "২০২৩-২৪ অর্থবছর, ১ম প্রান্তিক"
    assert "  " + i18n.t("ingest.cli_note_stray_one", lang, rows=i18n.number(23, lang=lang), quarters=quarter,
                         dates=i18n.day(date(2023, 9, 30), lang=lang)) + "\n" in out.stdout


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_parts_left_out_for_their_total_are_said_as_such(tmp_path, lang):
    from analytics import i18n

    log = tmp_path / "log.csv"
    log.write_text("Date,Union,Entrepreneur ID,Service,পুরুষ,মহিলা,মোট,Fee\n"
                   "03/07/2023,Tona,UDC-1,Birth registration,1,1,2,150\n", encoding="utf-8")
    out = cli("ingest", str(log), "--store", str(tmp_path / "s"), "--lang", lang, "--dry-run")
    assert out.returncode == 0, out.stderr
    assert "  " + i18n.t("ingest.cli_beside_total", lang, columns="পুরুষ, মহিলা", total="মোট") + "\n" in out.stdout
    assert i18n.t("ingest.cli_unmapped", lang, columns="পুরুষ, মহিলা") not in out.stdout


def test_an_id_in_another_spelling_is_one_person_across_files(tmp_path):
    """One quarter's IDs with hyphens and a leading 0, the next quarter's without hyphens, and as numbers
    in Excel (the 0 lost): two people, not four; kept as first stored, and said so."""
    import xlsxwriter

    q1 = tmp_path / "q1.csv"
    q1.write_text("Date,Union,Entrepreneur ID,Service,Fee\n"
                  "02/07/2023,Dirgha,UDC-10797610-F,Birth registration,50\n"
                  "03/07/2023,Dirgha,01712345678,Birth registration,50\n", encoding="utf-8")
    q2 = tmp_path / "q2.xlsx"
    book = xlsxwriter.Workbook(q2)
    sheet = book.add_worksheet()
    for r, row in enumerate([["Date", "Union", "Entrepreneur ID", "Service", "Fee"],
                             ["02/10/2023", "Dirgha", "UDC10797610F", "Birth registration", 50],
                             ["03/10/2023", "Dirgha", 1712345678, "Birth registration", 50],
                             ["04/10/2023", "Dirgha", "udc/10797610/f", "Birth registration", 50]]):
        sheet.write_row(r, 0, row)
    book.close()
    store = tmp_path / "s"
    assert cli("ingest", str(q1), "--store", str(store)).returncode == 0
    out = cli("ingest", str(q2), "--store", str(store))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "UDC10797610F → UDC-10797610-F (1 row, as stored already)" in out.stdout
    assert "1712345678 → 01712345678" in out.stdout
    figures = summary(store, "--period", "2023-07-01..2023-12-31")
    assert figures["entrepreneurs"] == 2
    ids = pl.read_parquet(store / "parts" / "**" / "*.parquet")["entrepreneur_id"]
    assert sorted(ids.unique()) == ["01712345678", "UDC-10797610-F"]


def test_a_file_whose_rows_were_all_left_out_on_purpose_has_nothing_to_fix(tmp_path):
    """Every row's service decided as not known: nothing to store, and no "fix the problems above"."""
    path = tmp_path / "misc.csv"
    path.write_text("Date,Union,Entrepreneur ID,Service,Fee\n03/07/2023,Tona,UDC-1,Misc. online service,50\n",
                    encoding="utf-8")
    names = tmp_path / "names.csv"
    names.write_text("kind,value,decision\nservice,Misc. online service,none\n", encoding="utf-8")
    out = cli("ingest", str(path), "--store", str(tmp_path / "s"), "--names", str(names))
    assert out.returncode == 1
    assert "no row of it is a delivery" in out.stderr and "Nothing was stored." in out.stderr
    assert "Fix the problems" not in out.stderr
    refused = cli("ingest", str(path), "--store", str(tmp_path / "s2"))  # undecided: a name to fix
    assert refused.returncode == 1 and "Fix the problems above" in refused.stderr


@pytest.mark.parametrize("lang", ["en", "bn"])
def test_a_files_long_heading_is_quoted_in_part(tmp_path, lang):
    """A review: a 60,000-character heading was printed whole under "columns not used" (60 KB)."""
    heading = "H" * 60_000
    path = tmp_path / "long.csv"
    path.write_text("Date,Upazila,Union,Entrepreneur ID,Gender,Service,Beneficiaries,Fee (Tk),"
                    f"{heading}\n01/07/2023,Nazirpur,Dirgha,UDC-1,Female,Birth registration,1,75,x\n", encoding="utf-8")
    out = cli("ingest", str(path), "--store", str(tmp_path / "s"), "--dry-run", "--lang", lang)
    assert out.returncode == 0, out.stderr
    said = out.stdout + out.stderr
    assert "H" * 80 + "…" in said and "H" * 81 not in said and len(said) < 2000


@pytest.mark.parametrize("name", ["esc\x1b[2J\x1b[31mred\x1b]0;title\x07.csv", "two\nlines: 0 problems.csv",
                                  "right\u202eto-left.csv"])
def test_a_file_name_cannot_write_to_the_terminal(tmp_path, quarterly, name):
    """A probe's file named with a terminal's escapes cleared and recoloured the screen, and a line
    break in a name wrote a line of its own ("fake: 0 problems"): each such character is said, stored
    and listed as �, in the ingest's output, its problems report and ``uploads``."""
    path = tmp_path / name
    path.write_bytes(quarterly["pirojpur-fy2022-23-q1.csv"].read_bytes())
    store = tmp_path / "s"
    out = cli("ingest", str(path), "--store", str(store))
    assert out.returncode == 0, out.stderr
    listed = cli("uploads", "--store", str(store))
    for text in (out.stdout, out.stderr, listed.stdout):
        assert not any(ch in text for ch in "\x1b\x07\u202e"), text
    assert len(listed.stdout.splitlines()) == 2  # the heading and the upload, one line each
    if "\n" in name:  # a line break is a space: no line of its own
        assert "two lines: 0 problems.csv" in listed.stdout and "two lines: 0 problems.csv:" in out.stdout
        assert not any(line.startswith("lines: 0 problems.csv") for line in out.stdout.splitlines())
    else:
        assert "\ufffd" in out.stdout and "\ufffd" in listed.stdout


@pytest.mark.parametrize("lang, said", [("en", "the workbook's other sheets that look like logs were not: “Bhandaria”"),
                                        ("bn", "অন্য শিটগুলো পড়া হয়নি: “Bhandaria”")])
def test_a_log_sheet_passed_over_is_named(tmp_path, lang, said):
    """A probe's workbook of a visible sheet and a hidden one, both logs: the visible one was read, and
    the hidden one's rows passed over without a word. The sheet read is named, and the others."""
    import openpyxl

    path = two_logs_workbook(tmp_path / "two.xlsx")
    book = openpyxl.load_workbook(path)
    book["Bhandaria"].sheet_state = "hidden"
    book.save(path)
    out = cli("ingest", str(path), "--store", str(tmp_path / "s"), "--dry-run", "--lang", lang)
    assert out.returncode == 0, out.stderr
    assert said in out.stdout and "Nazirpur" in out.stdout
    named = cli("ingest", str(path), "--sheet", "Bhandaria", "--store", str(tmp_path / "s"), "--dry-run", "--lang", lang)
    assert named.returncode == 0 and "Bhandaria”" not in named.stdout  # asked for: nothing to say
