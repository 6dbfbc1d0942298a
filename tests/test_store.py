"""The store: atomic commits, duplicates, replace and rollback, versions, crashes. Every test that
takes ``store`` or ``store_at`` runs on both backends: the local store and the shared one (a real
PostgreSQL and S3 endpoint; tests/backends.py)."""

import io
import json
import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from analytics.reference import schema
from analytics.reference.periods import quarter
from analytics.store import (
    LocalStore,
    StoreChanged,
    StoreError,
    content_hash,
    open_store,
)
from tests.helpers import make_log, totals, with_rollups

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def store(store_at):
    return open_store(env=store_at("store"))


def child_env(store_env: dict[str, str], **more: str) -> dict[str, str]:
    """A child process's environment: this one, naming the test's store."""
    return {**os.environ, **store_env, "PYTHONPATH": str(ROOT), **more}


def test_empty_store_scans_to_empty_canonical_frame(store):
    frame = store.scan().collect()
    assert frame.height == 0 and dict(frame.schema) == schema.LOG_SCHEMA
    assert store.version() == 0 and store.uploads().height == 0


def test_commit_survives_reopen(store, store_at):
    result = store.commit(make_log(100), file_name="q1.csv", content_hash="h1", uploader="asha")
    assert result.status == "stored" and result.rows == 100
    reopened = open_store(env=store_at("store"))
    assert totals(reopened) == (100, 500000)
    upload = reopened.uploads().row(0, named=True)
    assert upload["file_name"] == "q1.csv" and upload["uploader"] == "asha" and upload["status"] == "active"
    assert upload["period_start"] == "2022-07-01" and upload["beneficiaries"] == 100
    assert reopened.quarters_with_data() == [quarter(2022, 1)]


def test_partitioned_by_fiscal_quarter(store):
    store.commit(make_log(400, days=365), file_name="year.csv", content_hash="h", uploader="a")
    parts = sorted(tuple(path.split("/")[1:3]) for path in store._list_objects() if path.startswith("parts/"))
    assert parts == [("fy=2022", "q=1"), ("fy=2022", "q=2"), ("fy=2022", "q=3"), ("fy=2022", "q=4")]
    # other tools can read the store: plain Parquet with the canonical columns
    frame = pl.read_parquet(io.BytesIO(store.read_object(store._list_objects()[0])))
    assert frame.columns == list(schema.LOG_COLUMNS)


def test_same_file_twice_stores_nothing(store):
    first = store.commit(make_log(10), file_name="a.csv", content_hash="same", uploader="a")
    version = store.version()
    second = store.commit(make_log(10), file_name="a (copy).csv", content_hash="same", uploader="b")
    assert second.status == "duplicate" and second.upload_id == first.upload_id
    assert store.version() == version and totals(store) == (10, 50000) and store.uploads().height == 1


def test_add_then_replace_then_rollback_restores_exactly(store):
    store.commit(make_log(10), file_name="a.csv", content_hash="a", uploader="u")
    store.commit(make_log(5, fee=100), file_name="b.csv", content_hash="b", uploader="u")
    before = totals(store)
    assert before == (15, 50500)
    version_before = store.version()
    replacement = store.commit(make_log(7, fee=1), file_name="fixed.csv", content_hash="c", uploader="u", mode="replace")
    assert len(replacement.replaced) == 2 and totals(store) == (7, 7)
    assert sorted(store.uploads()["status"].to_list()) == ["active", "replaced", "replaced"]
    store.rollback(replacement.upload_id, actor="admin")
    assert totals(store) == before
    # a pinned version keeps showing what it showed
    assert totals(store, as_of=version_before) == before
    assert totals(store, as_of=version_before + 1) == (7, 7)
    actions = store.changes()["action"].to_list()
    assert actions == ["upload", "upload", "upload", "rollback"]


def test_replace_only_touches_the_same_quarters(store):
    store.commit(make_log(10), file_name="q1.csv", content_hash="q1", uploader="u")
    store.commit(make_log(20, start=date(2022, 10, 1)), file_name="q2.csv", content_hash="q2", uploader="u")
    store.commit(make_log(3, start=date(2022, 10, 1)), file_name="q2b.csv", content_hash="q2b", uploader="u",
                 mode="replace")
    assert totals(store)[0] == 13


@pytest.mark.parametrize(("action", "message"), [("missing", "no upload"), ("twice", "rolled_back")])
def test_rollback_errors(store, action, message):
    result = store.commit(make_log(1), file_name="a", content_hash="a", uploader="u")
    if action == "twice":
        store.rollback(result.upload_id, actor="u")
    with pytest.raises(StoreError, match=message):
        store.rollback("nope" if action == "missing" else result.upload_id, actor="u")


def test_bad_mode_rejected(store):
    with pytest.raises(ValueError):
        store.commit(make_log(1), file_name="a", content_hash="a", uploader="u", mode="merge")


def test_version_bumps_on_every_change_but_not_on_audit_records(store):
    """The data version is a sequence of its own: audit entries take no number from it."""
    assert store.version() == 0
    store.commit(make_log(1), file_name="a", content_hash="a", uploader="u")
    assert store.version() == 1
    store.record("sign_in", actor="asha")  # audited, but no data changed: the pages' caches stay
    assert store.version() == 1 and store.changes()["actor"].to_list() == ["u", "asha"]
    store.commit(make_log(2), file_name="b", content_hash="b", uploader="u")
    assert store.version() == 2 and totals(store, as_of=1) == (1, 5000) and totals(store, as_of=2) == (3, 15000)
    assert store.changes()["version"].to_list() == [1, None, 2]
    store.decide([{"kind": "service", "key": "x", "value": "x", "code": "S1"}], actor="admin")
    assert store.version() == 3 and store.changes()["change_id"].to_list()[-1] == 4


def test_a_catalogue_from_before_data_versions_keeps_its_numbers(tmp_path):
    """Opening an older catalogue numbers its data changes as they were numbered (their change
    ids), so links pinned to a version keep showing the same data."""
    import sqlite3
    from contextlib import closing

    from analytics.store import local

    directory = tmp_path / "old"
    directory.mkdir()
    with closing(sqlite3.connect(directory / local.CATALOGUE)) as db:
        db.executescript(local._DDL)
        db.execute(local._MIGRATIONS[0][2])
        db.executemany("INSERT INTO changes (at, action, actor) VALUES ('2024-01-01T00:00:00+00:00', ?, 'u')",
                       [("upload",), ("sign_in",), ("rollback",)])
        db.commit()
    store = LocalStore(directory)
    assert store.changes()["version"].to_list() == [1, None, 3] and store.version() == 3
    store.record("sign_in", actor="asha")
    assert store.version() == 3


def test_content_hash_is_sha256():
    assert content_hash(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


CHILD = """
from tests.helpers import make_log
from analytics.store import open_store
store = open_store()
print("ready", flush=True)
store.commit(make_log(1_500_000, days=365), file_name="big.csv", content_hash="big", uploader="u", mode="replace")
print("done", flush=True)
"""


@pytest.mark.slow
def test_sigkill_midway_leaves_previous_state(store_at):
    """Kill committing processes at many moments: the store is always before or after, never between."""
    store = open_store(env=store_at("store"))
    store.commit(make_log(1000, days=365), file_name="base.csv", content_hash="base", uploader="u")
    before = totals(store)
    killed_midway = 0
    for delay in (0.0, 0.3, 0.6, 0.9, 1.2, 1.6):
        child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True, cwd=ROOT,
                                 env=child_env(store_at("store")))
        assert child.stdout.readline().strip() == "ready"
        time.sleep(delay)
        finished = child.poll() is not None
        if not finished:  # (one that finished is reaped already: its pid is no longer there to kill)
            os.kill(child.pid, signal.SIGKILL)
        child.wait()
        reopened = open_store(env=store_at("store"))
        state = totals(reopened)
        if state == before:
            killed_midway += not finished
            assert reopened.uploads().height == 1
        else:  # the commit completed before the kill: exactly the new data
            assert state == (1_500_000, 1_500_000 * 5000)
            break
        reopened.sweep()
        assert reopened.scan().collect().height == 1000
    assert killed_midway >= 1, "no kill landed while the commit was under way"


def test_concurrent_commits_are_serialised(store):
    import threading

    errors = []

    def commit(i: int) -> None:
        try:
            store.commit(make_log(50 + i), file_name=f"{i}.csv", content_hash=f"h{i}", uploader="u")
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=commit, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert store.uploads().height == 6 and store.version() == 6
    assert totals(store)[0] == sum(50 + i for i in range(6))


def test_commands_opening_a_new_store_at_once_all_open_it(tmp_path):
    """Four at once, again and again: each finds the store made by whichever came first (the review
    saw "not a usable store: its catalogue cannot be read" now and then)."""
    import threading

    errors: list[str] = []
    for trial in range(40):
        directory = tmp_path / f"s{trial}"

        def open_it() -> None:
            try:
                LocalStore(directory).uploads()
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(repr(error))

        threads = [threading.Thread(target=open_it) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []


def test_a_commit_checked_on_an_older_version_stores_nothing(store):
    """Two ingests checked at once against one version: the second to commit finds another version
    and stores nothing (its checks, such as rows already stored, are made again by the caller)."""
    checked = store.version()
    store.commit(make_log(10), file_name="first.csv", content_hash="first", uploader="u", if_version=checked)
    parts_before = sorted(store.upload_quarters().rows())
    with pytest.raises(StoreChanged):
        store.commit(make_log(10), file_name="second.csv", content_hash="second", uploader="u", if_version=checked)
    assert store.uploads().height == 1 and totals(store)[0] == 10 and store.version() == checked + 1
    assert sorted(store.upload_quarters().rows()) == parts_before
    store.commit(make_log(10), file_name="second.csv", content_hash="second", uploader="u", if_version=store.version())
    assert store.uploads().height == 2


# --- issue 9: per-quarter replace, all-or-nothing batches, name decisions ---------------------

def test_replacing_one_quarter_keeps_the_other_quarters_of_the_same_upload(store):
    both = make_log(180, start=date(2023, 9, 1), days=60)  # September (Q1) and October (Q2)
    store.commit(both, file_name="q1q2.csv", content_hash="a", uploader="u")
    q1 = both.filter(pl.col("date") < date(2023, 10, 1))
    q2 = both.filter(pl.col("date") >= date(2023, 10, 1))
    new_q1 = make_log(10, start=date(2023, 7, 1), days=10, fee=7000)
    result = store.commit(new_q1, file_name="q1-fixed.csv", content_hash="b", uploader="u", mode="replace")
    assert result.replaced and store.uploads().filter(pl.col("file_name") == "q1q2.csv")["status"].item() == "active"
    assert totals(store) == (10 + q2.height, 10 * 7000 + int(q2["fee_paisa"].sum()))
    assert store.quarters_with_data() == [quarter(2023, 1), quarter(2023, 2)]
    as_of = store.version()
    store.rollback(result.upload_id, actor="u")
    assert totals(store) == (180, 180 * 5000)
    assert totals(store, as_of=as_of) == (10 + q2.height, 10 * 7000 + int(q2["fee_paisa"].sum()))
    assert q1.height + q2.height == 180


def test_an_upload_whose_every_quarter_is_replaced_is_marked_replaced(store):
    store.commit(make_log(30), file_name="q1.csv", content_hash="a", uploader="u")
    store.commit(make_log(5, fee=6000), file_name="q1b.csv", content_hash="b", uploader="u", mode="replace")
    assert store.uploads()["status"].to_list() == ["replaced", "active"]


def test_commit_many_stores_every_file_as_its_own_upload(store):
    from analytics.store import Incoming

    results = store.commit_many([Incoming(make_log(10), "a.csv", "ha"), Incoming(make_log(20), "b.csv", "hb"),
                                 Incoming(make_log(10), "a-again.csv", "ha")], uploader="u")
    assert [r.status for r in results] == ["stored", "stored", "duplicate"]
    assert results[2].upload_id == results[0].upload_id
    assert store.uploads()["file_name"].to_list() == ["a.csv", "b.csv"] and totals(store) == (30, 150000)


def test_files_stored_together_in_replace_mode_replace_what_was_there_not_each_other(store):
    from analytics.store import Incoming

    store.commit(make_log(30), file_name="q1.csv", content_hash="old", uploader="u")
    results = store.commit_many([Incoming(make_log(10, fee=100), "q1-nazirpur.csv", "a"),
                                 Incoming(make_log(20, fee=200), "q1-bhandaria.csv", "b")], uploader="u", mode="replace")
    assert [r.status for r in results] == ["stored", "stored"]
    assert store.uploads()["status"].to_list() == ["replaced", "active", "active"]
    assert totals(store) == (30, 10 * 100 + 20 * 200)


BATCH = """
from analytics.store import Incoming, open_store
from tests.helpers import make_log
store = open_store()
store.commit_many([Incoming(make_log(50), "first.csv", "h1"), Incoming(make_log(70), "second.csv", "h2")],
                  uploader="batch")
"""


@pytest.mark.parametrize("point", ["commit", "commit-transaction"])
def test_kill_inside_the_commit_window_stores_no_file_of_the_batch(tmp_path, store_at, point):
    """kill -9 while a two-file batch is being committed: neither file is stored (the hook
    pauses the process at a known point, so the kill provably lands inside the window)."""
    open_store(env=store_at("store")).commit(make_log(5), file_name="before.csv", content_hash="h0", uploader="u")
    marker = tmp_path / "paused"
    env = child_env(store_at("store"), SEBA_ATLAS_PAUSE_AT=f"{point}:{marker}")
    child = subprocess.Popen([sys.executable, "-c", BATCH], cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), "the commit never reached the pause point"
        assert len(open_store(env=store_at("store"))._list_objects()) > 1, \
            "the batch's files were not written yet"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    store = open_store(env=store_at("store"))
    assert store.uploads()["file_name"].to_list() == ["before.csv"] and totals(store) == (5, 25000)
    store.commit(make_log(1), file_name="after.csv", content_hash="h3", uploader="u")  # sweeps the orphans
    listed = {p for (p,) in store._query("SELECT path FROM upload_files")}
    assert listed <= set(store._list_objects()) <= with_rollups(listed)


def test_decisions_are_kept_versioned_audited_and_undoable(store):
    from analytics.ingest import decisions

    version = store.version()
    store.decide([decisions.make("service", "Misc online work", "UDC069"),
                  decisions.make("union", "Old Tona", None)], actor="clerk")
    assert store.version() > version
    kept = store.decisions()
    assert kept.select("kind", "value", "code").rows() == [("service", "Misc online work", "UDC069"),
                                                           ("union", "Old Tona", None)]
    assert store.changes()["action"].to_list()[-1] == "decide"
    store.decide([decisions.make("service", "misc. online  work", "UDC070")], actor="clerk")  # same key: replaces
    assert store.decisions().filter(pl.col("kind") == "service")["code"].to_list() == ["UDC070"]
    first = store.decisions()["decision_id"][0]
    store.withdraw_decision(first, actor="admin")
    assert store.decisions()["kind"].to_list() == ["service"]
    with pytest.raises(StoreError):
        store.withdraw_decision(first, actor="admin")


def test_uploads_table_is_declared_once(tmp_path):
    """The SQL uploads table is generated from the Python declaration: same columns, same order."""
    import sqlite3
    from contextlib import closing

    from analytics.store import local, protocol

    with closing(sqlite3.connect(":memory:")) as db:
        db.executescript(local._DDL)
        columns = [row[1] for row in db.execute("PRAGMA table_info(uploads)")]
    assert columns == list(protocol.UPLOAD_COLUMNS)


def test_header_mappings_are_remembered_for_the_next_file(store, store_at):
    """What the office taught the Upload page (a header as written -> a field) is kept with the
    store: merged, a later choice for the same header wins, empty choices are not kept."""
    assert store.header_mappings() == {}
    assert store.remember_headers({"Service taken": "service", "Fee (Tk)": "fee", "": "date", "Ignored": ""}) == {
        "Fee (Tk)": "fee", "Service taken": "service"}
    store.remember_headers({"Fee (Tk)": "fee_taka", "সেবার নাম": "service"})
    assert open_store(env=store_at("store")).header_mappings() == {
        "Fee (Tk)": "fee_taka", "Service taken": "service", "সেবার নাম": "service"}
    assert open_store(env=store_at("other")).header_mappings() == {}  # kept per store


def test_a_remembered_header_mapping_can_be_forgotten(store, store_at):
    """A wrong choice on the Upload page ("প্রাপ্তি" read as the fee of one person) is not for ever:
    forgotten, the next file with that heading asks again; the other choices stay."""
    store.remember_headers({"প্রাপ্তি": "unit_fee", "Service taken": "service"})
    assert store.forget_headers(["প্রাপ্তি", "never remembered"]) == {"Service taken": "service"}
    assert open_store(env=store_at("store")).header_mappings() == {"Service taken": "service"}
    assert store.forget_headers([]) == {"Service taken": "service"}


def test_taught_and_forgotten_headings_are_in_the_audit_log(store):
    """Who taught the upload page a heading, and who forgot one, is in the audit log with the
    headings and what they are (were) read as; it is no data change (the version stays). Only what
    changed is recorded; without an actor (a store copy) nothing is."""
    store.remember_headers({"প্রাপ্তি": "unit_fee", "Service taken": "service"}, actor="asha")
    store.remember_headers({"Service taken": "service"}, actor="asha")  # nothing new: no entry
    store.remember_headers({"Fee (Tk)": "fee"})  # no actor: no entry
    store.forget_headers(["প্রাপ্তি", "never remembered"], actor="rina")
    store.forget_headers(["never remembered"], actor="rina")
    entries = store.changes().select("action", "actor", "detail", "version").rows()
    assert [(a, who, json.loads(d), v) for a, who, d, v in entries] == [
        ("remember_headers", "asha", {"headers": {"প্রাপ্তি": "unit_fee", "Service taken": "service"}}, None),
        ("forget_headers", "rina", {"headers": {"প্রাপ্তি": "unit_fee"}}, None)]
    assert store.version() == 0


def test_health_and_sweep(store):
    store.commit(make_log(10), file_name="a.csv", content_hash="ha", uploader="u")
    health = store.health()
    assert health["version"] == 1 and health["active_uploads"] == 1 and health["read_only"] is False
    assert health["backend"] in ("local", "shared") and health["location"] == store.location
    store.put_object("parts/fy=2022/q=1/orphan.parquet", b"left by a killed process")
    assert store.sweep() == ["parts/fy=2022/q=1/orphan.parquet"] and store.sweep() == []
    assert totals(store) == (10, 50000)


def test_health_reads_every_stored_file(store):
    """The review's store whose Parquet files were deleted or overwritten was called healthy, and
    backed up into archives restore refused. Checked, every file the catalogue lists (a replaced
    upload's too) is read whole: missing and damaged ones are named, and so is an upload whose files
    do not hold what it records."""
    first = store.commit(make_log(10), file_name="a.csv", content_hash="ha", uploader="u")
    store.commit(make_log(20, fee=7000), file_name="b.csv", content_hash="hb", uploader="u", mode="replace")
    third = store.commit(make_log(5, start=date(2023, 1, 2)), file_name="c.csv", content_hash="hc", uploader="u")
    health = store.health(check_files=True)
    assert (health["files"], health["healthy"], health["missing_files"], health["damaged_files"],
            health["uploads_not_adding_up"]) == (3, True, [], [], [])
    paths = {upload: path for path, upload in store.export_catalogue()["upload_files"].select("path", "upload_id").rows()}
    store.put_object(paths[first.upload_id], b"overwritten")  # (the replaced upload: a rollback would read it)
    fewer = io.BytesIO()
    make_log(5, start=date(2023, 1, 2)).with_columns(pl.col("fee_paisa") + 1).pipe(
        lambda f: schema.conform(f).collect()).write_parquet(fewer)
    store.put_object(paths[third.upload_id], fewer.getvalue())  # the same rows, other fees
    health = store.health(check_files=True)
    assert (health["healthy"], health["damaged_files"], health["uploads_not_adding_up"]) == (
        False, [paths[first.upload_id]], [third.upload_id])
    assert "files" not in store.health()  # (only when asked: the app's health check stays cheap)


# -- rows prepared as files by the isolated reader (analytics.store.parts) -------------------------

@pytest.mark.parametrize("in_order", [False, True], ids=["shuffled", "in-date-order"])
@pytest.mark.parametrize("text", [pl.String, pl.Categorical])
def test_prepared_files_are_stored_exactly_as_the_rows_would_be(store_at, tmp_path, text, in_order):
    """The same rows committed as a frame and as files the isolated reader prepared (from its rows
    with categorical text) give the same store: the same objects, byte for byte, the same
    catalogue, the same rows. Rows already in date order (a log written day by day: its quarters
    are slices of it) are stored as sorted ones are."""
    from analytics.store.parts import prepare
    from analytics.store.protocol import Incoming

    frame = make_log(400, days=365).sample(fraction=1.0, shuffle=True, seed=7)  # not in date order
    if in_order:  # several rows a day: the day's rows keep the file's order either way
        frame = frame.sort("date", maintain_order=True)
        assert frame["date"].n_unique() < frame.height
    as_frame, as_files = open_store(env=store_at("frame")), open_store(env=store_at("files"))
    as_frame.commit_many([Incoming(frame, "year.csv", "h", "up-1")], uploader="a")
    prepared = prepare(frame.with_columns(pl.col(pl.String).cast(text)), upload_id="up-1", folder=tmp_path)
    assert prepared.height == 400 and len(prepared.files) == 4
    [done] = as_files.commit_many([Incoming(prepared, "year.csv", "h", "up-1")], uploader="a")
    assert done.status == "stored" and done.rows == 400
    assert as_files._list_objects() == as_frame._list_objects()
    for relative in as_frame._list_objects():
        assert as_files.read_object(relative) == as_frame.read_object(relative), relative
    assert as_files.uploads().drop("created_at").equals(as_frame.uploads().drop("created_at"))
    assert as_files.upload_quarters().equals(as_frame.upload_quarters())
    assert as_files.scan().collect().equals(as_frame.scan().collect())
    assert prepared.scan().collect().equals(as_frame.scan().collect())


@pytest.mark.parametrize("arrange", [
    pytest.param(lambda f: f.sample(fraction=1.0, shuffle=True, seed=3), id="shuffled"),
    pytest.param(lambda f: f.sort("date", maintain_order=True), id="in-date-order"),
    pytest.param(lambda f: f.sort("date", descending=True, maintain_order=True), id="newest-first"),
    pytest.param(lambda f: f.head(0), id="no-rows"),
])
def test_quarters_are_the_rows_in_date_order_a_fiscal_quarter_each(arrange):
    """Each quarter in_quarters makes holds that quarter's rows, in date order (rows of one day in
    the order they came); together they are every row, whether or not the rows came in order."""
    from analytics.reference.periods import fiscal_columns
    from analytics.store.parts import in_quarters

    frame = arrange(make_log(500, days=400).with_columns(pl.int_range(500, dtype=pl.Int32).alias("source_row")))
    totals, quarters = in_quarters(frame, upload_id="up-q")
    made = list(quarters)
    expected = frame.with_columns(pl.lit("up-q").alias("upload_id")).sort("date", maintain_order=True)
    assert totals.rows == frame.height
    assert [(fy, fq) for fy, fq, _ in made] == expected.select(fiscal_columns()).unique(maintain_order=True).rows()
    for fy, fq, part in made:
        assert part.schema == pl.Schema(schema.LOG_SCHEMA)
        assert part.select(fiscal_columns()).unique().rows() == [(fy, fq)]
    got = pl.concat([part for *_, part in made]) if made else schema.empty_log()
    assert got.equals(schema.conform(expected).collect())


def test_prepared_files_replace_roll_back_and_repeat_like_rows(store, tmp_path):
    from analytics.store.parts import prepare
    from analytics.store.protocol import Incoming

    store.commit(make_log(100, fee=1000), file_name="old.csv", content_hash="old", uploader="a")
    new = prepare(make_log(50, fee=2000), upload_id="up-new", folder=tmp_path)
    [done] = store.commit_many([Incoming(new, "new.csv", "new")], uploader="a", mode="replace")
    assert done.upload_id == "up-new" and done.replaced and totals(store) == (50, 100_000)
    [again] = store.commit_many([Incoming(new, "new.csv", "new")], uploader="a")
    assert again.status == "duplicate"
    store.rollback("up-new", actor="a")
    assert totals(store) == (100, 100_000)
    with pytest.raises(ValueError):
        store.commit_many([Incoming(new, "new.csv", "other", "up-else")], uploader="a")


def _replay_check(store, steps) -> None:
    """After each step, the figures as they are; afterwards each version pinned shows them again."""
    seen = {}
    for step in steps:
        step()
        seen[store.version()] = totals(store)
    assert {version: totals(store, as_of=version) for version in seen} == seen


def test_a_pinned_version_never_brings_back_an_upload_that_was_rolled_back(store):
    """A (Q1 and Q2), B replacing Q1, A rolled back, then B rolled back: A's Q1 stays withdrawn, now
    and in every version pinned after it (a replay brought A's Q1 back)."""
    both = make_log(40, start=date(2023, 9, 1), days=60)
    ids = {}

    def commit(name, frame, mode="add"):
        ids[name] = store.commit(frame, file_name=f"{name}.csv", content_hash=name, uploader="u", mode=mode).upload_id

    _replay_check(store, [
        lambda: commit("a", both),
        lambda: commit("b", make_log(5, start=date(2023, 7, 1), days=5, fee=7000), mode="replace"),
        lambda: store.rollback(ids["a"], actor="u"),
        lambda: store.rollback(ids["b"], actor="u"),
    ])
    assert totals(store) == (0, 0)


def test_every_pinned_version_shows_what_was_shown_then(store):
    """Uploads added and replacing quarters, rollbacks in any order: each version, pinned, gives the
    figures the store gave right after it."""
    import random

    rng = random.Random(11)
    live: list[str] = []

    def commit(i: int) -> None:
        start = date(2023, 7, 1) + timedelta(days=rng.randrange(0, 300))
        frame = make_log(rng.randrange(3, 30), start=start, days=rng.randrange(1, 90), fee=1000 * (i + 1))
        result = store.commit(frame, file_name=f"f{i}.csv", content_hash=f"h{i}", uploader="u",
                              mode=rng.choice(["add", "replace"]))
        live.append(result.upload_id)

    def rollback() -> None:
        active = set(store.uploads().filter(pl.col("status") == "active")["upload_id"])
        choices = [u for u in live if u in active]
        if choices:
            store.rollback(rng.choice(choices), actor="u")

    steps = [(lambda i=i: commit(i)) if rng.random() < 0.6 else rollback for i in range(16)]
    _replay_check(store, steps)
