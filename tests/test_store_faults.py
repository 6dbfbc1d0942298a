"""Faults leave a usable store (issue 10, section 3): a read-only store is read as usual and
refuses every write clearly; a full disk refuses the write with nothing half-written; what a
killed process left is swept when the store next opens; the command line answers in one line.

Read-only and full disks are real here: a small tmpfs is mounted (and remounted read-only)
when the tests run as root and ``mount`` works; otherwise those tests are skipped with the
reason. The ``read_only=True`` flag is tested everywhere.
"""

import json
import os
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from analytics.store import (
    LocalStore,
    StoreError,
    StoreFull,
    StoreReadOnly,
)
from analytics.store.local import _lock, _unlock
from tests.helpers import make_log, totals

ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analytics", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=180, check=False,
                          env={**os.environ, **(env or {})})


def one_line_error(out: subprocess.CompletedProcess, code: int = 2) -> str:
    """The command failed with ``code`` and said why in exactly one line, no traceback."""
    assert out.returncode == code, (out.returncode, out.stdout[-500:], out.stderr[-2000:])
    assert "Traceback" not in out.stderr + out.stdout
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    return lines[0]


def snapshot(directory: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``directory`` with its size and modification time."""
    return {p.relative_to(directory).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(directory.rglob("*")) if p.is_file()}


def listed_and_on_disk(store: LocalStore) -> tuple[set[str], set[str]]:
    listed = {p for (p,) in store._query("SELECT path FROM upload_files")}
    on_disk = {p.relative_to(store.directory).as_posix() for p in (store.directory / "parts").rglob("*")
               if p.is_file()}
    return listed, on_disk


def remount_read_only(point: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(point)], check=True)
    with pytest.raises(OSError):
        (point / "probe").write_text("x")


def fill(point: Path) -> Path:
    """Fill the file system at ``point`` to the last block; returns the filler file."""
    filler = point / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 65536)
    except OSError:
        pass
    try:
        while True:
            os.write(fd, b"\0" * 512)
    except OSError:
        pass
    os.close(fd)
    return filler


def seeded(directory: Path) -> LocalStore:
    store = LocalStore(directory)
    store.commit(make_log(100), file_name="q1.csv", content_hash="h1", uploader="asha")
    store.commit(make_log(50, start=date(2022, 10, 1)), file_name="q2.csv", content_hash="h2", uploader="asha")
    return store


WRITES = {
    "commit": lambda s: s.commit(make_log(5), file_name="x.csv", content_hash="hx", uploader="u"),
    "commit_many": lambda s: s.commit_many([], uploader="u"),
    "rollback": lambda s: s.rollback(s.uploads()["upload_id"][0], actor="u"),
    "decide": lambda s: s.decide([{"kind": "service", "key": "k", "value": "v", "code": "UDC001"}], actor="u"),
    "withdraw_decision": lambda s: s.withdraw_decision(1, actor="u"),
    "record": lambda s: s.record("sign_in", actor="u"),
    "sweep": lambda s: s.sweep(),
}


# -- read-only ------------------------------------------------------------------------------
def test_a_store_opened_read_only_reads_everything_and_refuses_every_write(tmp_path):
    writable = seeded(tmp_path / "s")
    before = snapshot(tmp_path / "s")
    store = LocalStore(tmp_path / "s", read_only=True)
    assert store.read_only and not writable.read_only
    assert totals(store) == totals(writable) == (150, 750000)
    assert store.uploads().equals(writable.uploads()) and store.version() == writable.version()
    assert store.quarters_with_data() == writable.quarters_with_data()
    assert store.find_by_hash("h1") == writable.find_by_hash("h1")
    for name, write in WRITES.items():
        with pytest.raises(StoreReadOnly, match="read-only: it can be viewed, but nothing can be stored") as raised:
            write(store)
        assert isinstance(raised.value, StoreError), name
    after = snapshot(tmp_path / "s")
    # nothing written, not even the lock file; SQLite may add the WAL index to read (it needs one)
    assert {k: v for k, v in after.items() if not k.endswith(("-shm", "-wal"))} == before
    assert after.get("catalogue.sqlite-wal", (0,))[0] == 0


def test_read_only_needs_an_existing_store(tmp_path):
    with pytest.raises(StoreError, match="no store at"):
        LocalStore(tmp_path / "nothing", read_only=True)
    assert not (tmp_path / "nothing").exists()


def test_a_store_on_a_read_only_disk_is_read_and_refuses_writes(tmpfs):
    point = tmpfs("8m")
    writable = seeded(point / "s")
    expected, uploads = totals(writable), writable.uploads()
    remount_read_only(point)
    store = LocalStore(point / "s")  # found read-only by itself
    assert store.read_only
    assert totals(store) == expected and store.uploads().equals(uploads)
    for write in WRITES.values():
        with pytest.raises(StoreReadOnly):
            write(store)
    assert not (point / "s" / "catalogue.sqlite-shm").exists()


def test_the_command_line_on_a_read_only_disk(tmpfs, tmp_path):
    point = tmpfs("8m")
    directory = point / "s"
    seeded(directory)
    before = cli("summary", "--json", "--store", str(directory))
    assert before.returncode == 0, before.stderr
    remount_read_only(point)
    started = time.monotonic()
    viewed = cli("summary", "--json", "--store", str(directory))
    assert viewed.returncode == 0, viewed.stderr
    assert json.loads(viewed.stdout) == json.loads(before.stdout)
    assert cli("uploads", "--store", str(directory)).stdout.count("q") == 2
    upload = LocalStore(directory).uploads()["upload_id"][0]
    for args in (["rollback", upload], ["names", "withdraw", "1"],
                 ["ingest", str(ROOT / "tests" / "data" / "ingest" / "good" / "template_en.csv")]):
        line = one_line_error(cli(*args, "--store", str(directory)))
        assert line == f"error: the store at {directory} is read-only: it can be viewed, but nothing can be " \
                       "stored or changed", args
    bengali = one_line_error(cli("rollback", upload, "--store", str(directory), "--lang", "bn"))
    assert bengali.startswith("ত্রুটি: ") and "শুধু পড়া যায়" in bengali
    backup = cli("backup", str(tmp_path / "b.tar.gz"), "--store", str(directory))  # a read-only store is backed up
    assert backup.returncode == 0, backup.stderr
    assert time.monotonic() - started < 60
    refused = one_line_error(cli("backup", str(point / "b.tar.gz"), "--store", str(directory)))
    assert refused == f"error: read-only file system: {point / 'b.tar.gz'}"


# -- full disk ------------------------------------------------------------------------------
def test_a_full_disk_refuses_the_upload_with_nothing_half_written(tmpfs):
    """Free the full disk a block at a time and commit each time: the commit fails first writing
    Parquet, then in SQLite (no room for the WAL index, then for the WAL), and finally succeeds.
    Every failure is StoreFull, leaves the store exactly as it was and no file behind."""
    point = tmpfs("2m")
    store = seeded(point / "s")
    before = (totals(store), store.version(), store.uploads())
    filler = fill(point)
    assert totals(LocalStore(point / "s")) == before[0]  # a full disk is still read
    size = filler.stat().st_size
    causes = []
    for k in range(1, 120):
        os.truncate(filler, max(0, size - k * 4096))
        try:
            store.commit(make_log(3, start=date(2022, 7, 1 + k % 28)), file_name=f"f{k}.csv", content_hash=f"f{k}",
                         uploader="u")
        except StoreFull as error:
            assert str(error) == (f"the disk holding the store ({point / 's'}) is full; free space and upload "
                                  "again; nothing was stored")
            causes.append(type(error.__cause__).__module__.split(".")[0])
            assert (totals(store), store.version()) == before[:2] and store.uploads().equals(before[2])
            listed, on_disk = listed_and_on_disk(store)
            assert on_disk == listed, "a failed commit left files behind"
            continue
        break
    else:
        pytest.fail("the commit never succeeded")
    assert {"polars", "sqlite3"} <= set(causes), causes
    assert totals(store) == (before[0][0] + 3, before[0][1] + 3 * 5000)


def test_other_writes_on_a_full_disk(tmpfs):
    point = tmpfs("2m")
    store = seeded(point / "s")
    before = (totals(store), store.version())
    fill(point)
    upload = store.uploads()["upload_id"][0]
    for write in (lambda: store.rollback(upload, actor="u"), lambda: store.record("sign_in", actor="u"),
                  lambda: store.decide([{"kind": "service", "key": "k", "value": "v", "code": "UDC001"}], actor="u")):
        with pytest.raises(StoreFull, match="is full; free space and try again; nothing was changed"):
            write()
    assert (totals(store), store.version()) == before


def test_the_command_line_on_a_full_disk(tmpfs):
    point = tmpfs("2m")
    directory = point / "s"
    store = seeded(directory)
    upload = store.uploads()["upload_id"][0]
    before = cli("summary", "--json", "--store", str(directory))
    fill(point)
    viewed = cli("summary", "--json", "--store", str(directory))
    assert viewed.returncode == 0 and json.loads(viewed.stdout) == json.loads(before.stdout), viewed.stderr
    line = one_line_error(cli("rollback", upload, "--store", str(directory)))
    assert line == f"error: the disk holding the store ({directory}) is full; free space and try again; " \
                   "nothing was changed"
    assert "পূর্ণ" in one_line_error(cli("rollback", upload, "--store", str(directory), "--lang", "bn"))
    assert LocalStore(directory).uploads()["status"].to_list() == ["active", "active"]


# -- orphans are swept when the store opens ------------------------------------------------------
def test_orphans_are_swept_when_the_store_next_opens(tmp_path):
    store = seeded(tmp_path / "s")
    orphans = [tmp_path / "s" / "parts" / "fy=2022" / "q=1" / "u-killed.parquet",
               tmp_path / "s" / "parts" / "fy=2022" / "q=3" / ".u-killed.parquet.0123.tmp"]
    for orphan in orphans:
        orphan.parent.mkdir(parents=True, exist_ok=True)
        make_log(3).write_parquet(orphan)
    reopened = LocalStore(tmp_path / "s")
    assert not any(orphan.exists() for orphan in orphans)
    listed, on_disk = listed_and_on_disk(reopened)
    assert on_disk == listed and len(listed) == 2 and totals(reopened) == totals(store)


def test_opening_does_not_sweep_or_wait_while_a_commit_holds_the_lock(tmp_path):
    seeded(tmp_path / "s")
    in_flight = tmp_path / "s" / "parts" / "fy=2022" / "q=1" / "u-being-written.parquet"
    make_log(3).write_parquet(in_flight)
    with open(tmp_path / "s" / "store.lock", "a+") as handle:
        _lock(handle)  # as a commit in another process does
        try:
            started = time.monotonic()
            LocalStore(tmp_path / "s")
            assert time.monotonic() - started < 5 and in_flight.exists()
        finally:
            _unlock(handle)
    LocalStore(tmp_path / "s")
    assert not in_flight.exists()


# -- the command line: one line, exit 2 (or 1 for the app's own errors) --------------------------
def test_a_damaged_stored_file_is_one_line_exit_2_and_logged(tmp_path):
    """A stored file overwritten by hand or by a disk: the store is damaged, which is said in one
    line pointing to `store health` (not polars' text, nor "internal error"); polars' own is logged."""
    store = seeded(tmp_path / "s")
    part = tmp_path / "s" / store._query("SELECT path FROM upload_files")[0][0]
    part.write_bytes(b"PAR1 this is not parquet PAR1")
    log = tmp_path / "cli.log"
    out = cli("summary", "--json", "--store", str(tmp_path / "s"), env={"SEBA_ATLAS_CLI_LOG": str(log)})
    line = one_line_error(out, code=2)
    assert line.startswith(f"error: a file of the store at {tmp_path / 's'} is missing or damaged")
    assert "Traceback" in log.read_text()


def test_an_error_in_the_app_is_one_line_exit_1_and_logged(tmp_path, monkeypatch, capsys):
    from analytics.cli import main as cli_main

    seeded(tmp_path / "s")
    log = tmp_path / "cli.log"
    monkeypatch.setenv("SEBA_ATLAS_CLI_LOG", str(log))

    def broken(*args, **kwargs):
        raise RuntimeError("a fault of the app's own")

    monkeypatch.setattr(cli_main, "summary", broken)
    assert cli_main.main(["summary", "--json", "--store", str(tmp_path / "s")]) == 1
    line = capsys.readouterr().err.strip()
    assert line.startswith("error: internal error (RuntimeError)") and f"logged in {log}; please report it" in line
    assert "a fault of the app's own" in log.read_text()


def test_an_unusable_catalogue_is_one_line(tmp_path):
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "catalogue.sqlite").write_bytes(b"not a database at all" * 100)
    line = one_line_error(cli("summary", "--store", str(tmp_path / "s")))
    assert line.startswith(f"error: {tmp_path / 's'} is not a usable store")


def test_a_catalogue_from_before_a_migration_on_a_read_only_disk_says_so(tmpfs):
    point = tmpfs("4m")
    seeded(point / "s")
    db = sqlite3.connect(point / "s" / "catalogue.sqlite")
    db.execute("ALTER TABLE upload_files DROP COLUMN replaced_by")
    db.commit()
    db.close()
    remount_read_only(point)
    with pytest.raises(StoreError, match="written by an older version"):
        LocalStore(point / "s")


def test_a_read_only_store_keeps_working_with_polars_scans(tmp_path):
    """Reading through the read-only catalogue connection gives the same frame as the writable one."""
    writable = seeded(tmp_path / "s")
    frame = LocalStore(tmp_path / "s", read_only=True).scan().sort("date", "source_row").collect()
    assert frame.equals(writable.scan().sort("date", "source_row").collect())
    assert frame.schema == writable.scan().collect_schema()
    assert isinstance(frame, pl.DataFrame)
