"""`backup` and `restore` with real archives (issue 10, section 4), and the command line's
one-line errors (section 3): restore checks everything in a temporary directory next to the
store before it replaces anything, and keeps every earlier store."""

import gzip
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import time
from datetime import UTC
from pathlib import Path

import polars as pl
import pytest

from analytics.reference.sample import ensure_sample
from analytics.store import LocalStore
from tests.helpers import make_log

ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analytics", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=180, check=False)


def one_line_error(out: subprocess.CompletedProcess, code: int = 2) -> str:
    assert out.returncode == code, (out.returncode, out.stdout[-500:], out.stderr[-2000:])
    assert "Traceback" not in out.stderr + out.stdout
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    return lines[0]


def summary(store: Path) -> dict:
    out = cli("summary", "--json", "--store", str(store))
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def fingerprint(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def backup(tmp_path_factory) -> Path:
    """A backup of a store holding the sample plus an upload and a rollback."""
    directory = tmp_path_factory.mktemp("source")
    store = LocalStore(directory / "store")
    ensure_sample(store)
    extra = store.commit(make_log(30, fee=7000), file_name="extra.csv", content_hash="extra", uploader="asha")
    store.commit(make_log(10, fee=9000), file_name="later.csv", content_hash="later", uploader="asha")
    store.rollback(extra.upload_id, actor="admin")
    out = cli("backup", str(directory / "backup.tar.gz"), "--store", str(directory / "store"))
    assert out.returncode == 0, out.stderr
    return directory / "backup.tar.gz"


@pytest.fixture
def current(tmp_path) -> Path:
    """The store being restored over: different data, which must survive every refused restore."""
    store = LocalStore(tmp_path / "current")
    store.commit(make_log(7), file_name="mine.csv", content_hash="mine", uploader="clerk")
    return tmp_path / "current"


def repack(backup: Path, out: Path, change) -> Path:
    """The backup unpacked, changed by ``change(store_dir)``, packed again as ``out``."""
    work = out.with_suffix(".d")
    with tarfile.open(backup) as archive:
        archive.extractall(work, filter="data")
    change(work / "store")
    with tarfile.open(out, "w:gz") as archive:
        archive.add(work / "store", arcname="store")
    return out


def sql(statement: str):
    def change(store: Path) -> None:
        db = sqlite3.connect(store / "catalogue.sqlite")
        db.executescript(statement)
        db.close()
    return change


def assert_refused(archive: Path, current: Path, expected: str) -> str:
    before = fingerprint(current)
    started = time.monotonic()
    line = one_line_error(cli("restore", str(archive), "--store", str(current), "--force"))
    assert expected in line, line
    assert line.startswith("error: not a usable backup: ") and line.endswith("; nothing was changed"), line
    assert fingerprint(current) == before, "the current store was changed"
    assert sorted(p.name for p in current.parent.iterdir() if p.name.startswith((".current", "current."))) == [], \
        "a temporary or before-restore directory was left"
    assert time.monotonic() - started < 30
    return line


# -- a valid round trip ------------------------------------------------------------------------
def test_backup_then_restore_gives_the_same_store(backup, tmp_path):
    source = backup.parent / "store"
    restored = tmp_path / "restored"
    out = cli("restore", str(backup), "--store", str(restored))
    assert out.returncode == 0, out.stderr
    assert summary(restored) == summary(source)
    assert LocalStore(restored).uploads().equals(LocalStore(source).uploads())
    assert LocalStore(restored).changes().equals(LocalStore(source).changes())
    with tarfile.open(backup) as archive:  # what backup writes: the catalogue and the files it lists
        names = archive.getnames()
    listed = {p for (p,) in LocalStore(source)._query("SELECT path FROM upload_files")}
    assert {n for n in names if not n.endswith(("/", "store")) and "." in n.rsplit("/", 1)[-1]} == \
        {"store/catalogue.sqlite", *(f"store/{p}" for p in listed)}


@pytest.mark.parametrize("inside", ["catalogue.sqlite", "store.lock", "backup.tar.gz"])
def test_a_backup_into_the_store_itself_is_refused(backup, tmp_path, inside):
    """A review: ``backup STORE/catalogue.sqlite`` wrote the archive over the store's catalogue, exit 0."""
    store = tmp_path / "store"
    shutil.copytree(backup.parent / "store", store)
    before = fingerprint(store)
    line = one_line_error(cli("backup", str(store / inside), "--store", str(store)))
    assert "inside the store" in line and "nothing was backed up" in line, line
    assert fingerprint(store) == before


def test_a_backup_through_a_link_writes_its_target(backup, tmp_path):
    (tmp_path / "link.tar.gz").symlink_to(tmp_path / "real.tar.gz")
    out = cli("backup", str(tmp_path / "link.tar.gz"), "--store", str(backup.parent / "store"))
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "link.tar.gz").is_symlink() and tarfile.is_tarfile(tmp_path / "real.tar.gz")


def test_a_forced_restore_into_a_folder_of_other_files_is_refused(backup, tmp_path):
    """A review: ``restore --force`` into a home folder (files, no store) moved the whole folder aside."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "notes.txt").write_text("mine")
    line = one_line_error(cli("restore", str(backup), "--store", str(home), "--force"))
    assert "holds other files and no store" in line, line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"] and fingerprint(home) == {"notes.txt": b"mine"}


def test_restore_into_a_store_named_relative_to_another_folder(backup, tmp_path):
    """A review: ``restore`` with a relative ``--store``, run outside the project's folder, said a good
    backup "cannot be read as the log" (its checking child ran in the project's folder)."""
    out = subprocess.run([sys.executable, "-m", "analytics", "restore", str(backup), "--store", "here"], cwd=tmp_path,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr
    assert summary(tmp_path / "here") == summary(backup.parent / "store")


def old_backup(source: Path, out: Path) -> Path:
    """A backup as `backup` wrote them before issue 10 (its code, as it was): `archive.add` of a staging
    directory while the copied catalogue was still open, so it also held catalogue.sqlite-wal and -shm."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        staging = Path(tmp) / "store"
        staging.mkdir()
        with sqlite3.connect(source / "catalogue.sqlite") as src, sqlite3.connect(staging / "catalogue.sqlite") as dst:
            src.backup(dst)
            listed = [path for (path,) in dst.execute("SELECT path FROM upload_files")]
        for relative in listed:
            (staging / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / relative, staging / relative)
        with tarfile.open(out, "w:gz") as archive:
            archive.add(staging, arcname="store")
        src.close()
        dst.close()
    return out


def test_a_backup_written_before_this_change_still_restores(backup, tmp_path):
    old = old_backup(backup.parent / "store", tmp_path / "old.tar.gz")
    with tarfile.open(old) as archive:
        assert {"store/catalogue.sqlite-wal", "store/catalogue.sqlite-shm"} <= set(archive.getnames())
    out = cli("restore", str(old), "--store", str(tmp_path / "r"))
    assert out.returncode == 0, out.stderr
    assert summary(tmp_path / "r") == summary(backup.parent / "store")
    assert not (tmp_path / "r" / "catalogue.sqlite-shm").exists()


def test_a_wal_member_with_content_is_refused(backup, current, tmp_path):
    """A WAL holds pages that would change the catalogue after it was checked: never restored."""
    def wal(store: Path) -> None:
        (store / "catalogue.sqlite-wal").write_bytes(b"\x37\x7f\x06\x82" + bytes(4092))
    assert_refused(repack(backup, tmp_path / "w.tar.gz", wal), current,
                   "the member 'store/catalogue.sqlite-wal' is not empty")


def test_two_forced_restores_keep_both_earlier_stores(backup, current):
    mine = summary(current)
    first = cli("restore", str(backup), "--store", str(current), "--force")
    assert first.returncode == 0, first.stderr
    time.sleep(1.1)
    second = cli("restore", str(backup), "--store", str(current), "--force")
    assert second.returncode == 0, second.stderr
    kept = sorted(p for p in current.parent.iterdir() if p.name.startswith("current.before-restore-"))
    assert len(kept) == 2, kept
    assert all(len(p.name) == len("current.before-restore-20261129T051200Z") for p in kept), kept
    assert summary(kept[0]) == mine  # the store that was there first
    assert summary(kept[1]) == summary(current) == summary(backup.parent / "store")
    assert str(kept[1]) in second.stdout


def test_a_restore_never_reuses_the_name_of_an_earlier_copy(backup, current):
    """Copies already named for every second of the next minute: the restore picks another name."""
    from datetime import datetime, timedelta

    now = datetime.now(UTC)
    taken = [current.with_name(f"current.before-restore-{(now + timedelta(seconds=s)):%Y%m%dT%H%M%SZ}")
             for s in range(-1, 60)]
    for copy in taken:
        copy.mkdir()
        (copy / "marker").write_text(copy.name)
    out = cli("restore", str(backup), "--store", str(current), "--force")
    assert out.returncode == 0, out.stderr
    assert all((copy / "marker").read_text() == copy.name for copy in taken)
    new = [p for p in current.parent.iterdir() if p.name.startswith("current.before-restore-") and p not in taken]
    assert len(new) == 1 and new[0].name.endswith("-2") and (new[0] / "catalogue.sqlite").is_file()


def test_restore_without_force_into_a_store_refuses(backup, current):
    before = fingerprint(current)
    line = one_line_error(cli("restore", str(backup), "--store", str(current)))
    assert line == f"error: {current} is not empty (use --force to replace it)"
    assert fingerprint(current) == before


# -- archives that are refused, the current store untouched ------------------------------------
def test_an_extra_member_is_refused(backup, current, tmp_path):
    def extra(store: Path) -> None:
        (store / "notes.txt").write_text("hello")
    assert_refused(repack(backup, tmp_path / "x.tar.gz", extra), current, "unexpected member 'store/notes.txt'")


def test_a_parquet_file_the_catalogue_does_not_list_is_refused(backup, current, tmp_path):
    def unlisted(store: Path) -> None:
        make_log(5).write_parquet(store / "parts" / "fy=2022" / "q=1" / "u-unlisted.parquet")
    assert_refused(repack(backup, tmp_path / "x.tar.gz", unlisted), current,
                   "unexpected member 'store/parts/fy=2022/q=1/u-unlisted.parquet'")


def test_a_member_outside_the_store_and_a_link_are_refused(backup, current, tmp_path):
    evil = tmp_path / "evil.tar.gz"
    shutil.copy(backup, tmp_path / "base.tar.gz")
    with tarfile.open(backup) as src, tarfile.open(evil, "w:gz") as out:
        for member in src:
            out.addfile(member, src.extractfile(member) if member.isreg() else None)
        info = tarfile.TarInfo("store/../../escaped.txt")
        info.size = 1
        out.addfile(info, io.BytesIO(b"x"))
    assert_refused(evil, current, "unexpected member 'store/../../escaped.txt'")
    assert not (tmp_path / "escaped.txt").exists()
    linked = tmp_path / "link.tar.gz"
    with tarfile.open(linked, "w:gz") as out:
        info = tarfile.TarInfo("store/catalogue.sqlite")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        out.addfile(info)
    assert_refused(linked, current, "it holds a link ('store/catalogue.sqlite')")


@pytest.mark.parametrize("path", ["../../outside.parquet", "/etc/passwd", "parts/fy=2022/q=1/../../../x.parquet"])
def test_a_catalogue_path_outside_the_store_is_refused(backup, current, tmp_path, path):
    change = sql(f"UPDATE upload_files SET path = '{path}' WHERE rowid = (SELECT MIN(rowid) FROM upload_files)")
    assert_refused(repack(backup, tmp_path / "x.tar.gz", change), current,
                   f"its catalogue lists a file outside the store ('{path}')")


def test_a_catalogue_holding_a_trigger_is_refused(backup, current, tmp_path):
    """The review's case: a trigger restored with the catalogue marks every upload rolled back at the next ingest."""
    trigger = ("CREATE TRIGGER roll_all AFTER INSERT ON uploads BEGIN "
               "UPDATE uploads SET status = 'rolled_back'; END;")
    # what it would do, in a copy of the store: the next upload rolls every upload back
    victim = tmp_path / "victim"
    shutil.copytree(backup.parent / "store", victim)
    sql(trigger)(victim)
    LocalStore(victim).commit(make_log(3), file_name="next.csv", content_hash="next", uploader="u")
    assert set(LocalStore(victim).uploads()["status"]) == {"rolled_back"}
    # the archive carrying it is refused, and the current store is as it was
    line = assert_refused(repack(backup, tmp_path / "t.tar.gz", sql(trigger)), current,
                          "its catalogue holds the trigger 'roll_all', which this app never creates")
    assert line
    assert set(LocalStore(current).uploads()["status"]) == {"active"}


@pytest.mark.parametrize("statement, expected", [
    ("CREATE VIEW everything AS SELECT * FROM uploads;", "holds the view 'everything'"),
    ("CREATE TABLE extra (x);", "holds the table 'extra'"),
    ("CREATE INDEX by_status ON uploads (status);", "holds the index 'by_status'"),
    ("ALTER TABLE uploads ADD COLUMN evil TEXT;", "its catalogue's table 'uploads' is not as this app creates it"),
    ("DROP TABLE decisions;", "its catalogue has no table 'decisions'"),
])
def test_a_catalogue_with_another_schema_is_refused(backup, current, tmp_path, statement, expected):
    assert_refused(repack(backup, tmp_path / "x.tar.gz", sql(statement)), current, expected)


def test_a_parquet_file_without_the_log_schema_is_refused(backup, current, tmp_path):
    def wrong(store: Path) -> None:
        part = next((store / "parts").rglob("sample-*.parquet"))
        rows = pl.read_parquet(part).height
        pl.DataFrame({"x": list(range(rows))}).write_parquet(part)
    assert_refused(repack(backup, tmp_path / "x.tar.gz", wrong), current, "does not have the log's columns")


def test_a_damaged_parquet_file_is_refused(backup, current, tmp_path):
    def damaged(store: Path) -> None:
        part = next((store / "parts").rglob("sample-*.parquet"))
        data = bytearray(part.read_bytes())
        data[len(data) // 3: len(data) // 3 + 2000] = b"\xff" * 2000
        part.write_bytes(bytes(data))
    assert_refused(repack(backup, tmp_path / "x.tar.gz", damaged), current, "cannot be read")


@pytest.mark.parametrize("column, change", [("beneficiaries", 1000), ("fee_paisa", 1)])
def test_a_parquet_file_whose_figures_were_changed_is_refused(backup, current, tmp_path, column, change):
    """The review's case: one count raised by 1,000 in a part, the rows as many as before: the
    upload's files no longer add up to what its catalogue row says."""
    def tampered(store: Path) -> None:
        part = next((store / "parts").rglob("sample-*.parquet"))
        frame = pl.read_parquet(part)
        frame.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(pl.col(column) + change)
                           .otherwise(pl.col(column)).alias(column)).write_parquet(part)
    line = assert_refused(repack(backup, tmp_path / "x.tar.gz", tampered), current, "the files of upload ")
    assert "the data was changed after the backup" in line


def test_a_catalogue_listing_a_missing_file_is_refused(backup, current, tmp_path):
    def missing(store: Path) -> None:
        next((store / "parts").rglob("sample-*.parquet")).unlink()
    assert_refused(repack(backup, tmp_path / "x.tar.gz", missing), current, "listed in its catalogue is not in the "
                                                                            "archive")


def test_a_decompression_bomb_is_refused_before_it_is_unpacked(current, tmp_path):
    """426 KB of gzip that unpacks to 300 MB of zeros."""
    bomb = tmp_path / "bomb.tar.gz"
    size = 300 * 1024**2

    class Zeros(io.RawIOBase):
        def __init__(self) -> None:
            self.left = size

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            n = min(len(buffer), self.left)
            buffer[:n] = bytes(n)
            self.left -= n
            return n

    with gzip.open(bomb, "wb", compresslevel=9) as raw, tarfile.open(fileobj=raw, mode="w") as archive:
        info = tarfile.TarInfo("store/catalogue.sqlite")
        info.size = size
        archive.addfile(info, io.BufferedReader(Zeros()))
    assert bomb.stat().st_size < 500_000
    started = time.monotonic()
    line = assert_refused(bomb, current, "it unpacks to more than 67 MB")
    assert time.monotonic() - started < 10, line


def test_a_bomb_in_the_tar_headers_is_stopped_by_the_unpacked_bytes(current, tmp_path):
    """A pax header of 200 MB: tarfile would read it whole; the stream is cut at the limit."""
    bomb = tmp_path / "headers.tar.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as raw:
        header = tarfile.TarInfo("store/catalogue.sqlite")
        header.pax_headers = {"comment": "0" * (200 * 1024**2)}
        raw.write(header.tobuf(format=tarfile.PAX_FORMAT))
    assert bomb.stat().st_size < 1_000_000
    assert_refused(bomb, current, "it unpacks to more than")


def test_a_truncated_archive_is_refused(backup, current, tmp_path):
    data = backup.read_bytes()
    for cut in (len(data) // 2, len(data) - 100, 50):
        truncated = tmp_path / f"cut{cut}.tar.gz"
        truncated.write_bytes(data[:cut])
        assert_refused(truncated, current, "the archive is truncated or damaged")


def test_a_file_that_is_not_an_archive_is_refused(current, tmp_path):
    (tmp_path / "notes.txt").write_text("not a backup")
    assert_refused(tmp_path / "notes.txt", current, "is not a .tar.gz archive")


def test_refusals_are_in_bengali_with_lang_bn(backup, current, tmp_path):
    archive = repack(backup, tmp_path / "v.tar.gz", sql("CREATE VIEW v AS SELECT 1;"))
    line = one_line_error(cli("restore", str(archive), "--store", str(current), "--force", "--lang", "bn"))
    assert line.startswith("ত্রুটি: ব্যবহারযোগ্য ব্যাকআপ নয়") and "কিছুই বদলানো হয়নি" in line


# -- the command line's errors: one line, exit 2 ----------------------------------------------
def test_command_line_errors_are_one_line_and_exit_2(backup, tmp_path):
    store = tmp_path / "s"
    restored = cli("restore", str(backup), "--store", str(store))
    assert restored.returncode == 0, restored.stderr
    upload = LocalStore(store).uploads().filter(pl.col("status") == "active")["upload_id"][-1]
    assert cli("rollback", upload, "--store", str(store)).returncode == 0
    (tmp_path / "file.txt").write_text("x")
    cases = {
        ("rollback", "u-nope"): "error: there is no upload u-nope (see: python -m analytics uploads)",
        ("rollback", upload): f"error: upload {upload} is already rolled back; nothing was changed",
        ("summary", "--period", "2023-24-Q5"): "error: --period 2023-24-Q5: not a period; write a fiscal year such "
                                               "as 2022-23, a quarter such as 2022-23-Q1, or dates such as "
                                               "2022-07-01..2022-12-31",
        ("summary", "--fy", "9999-00"): "error: --fy 9999-00: not a fiscal year;",
        # dates no log has, with no year before or after them to compare with: an internal error before
        ("summary", "--period", "0001-01-01..9999-12-31"): "error: --period 0001-01-01..9999-12-31: not a period;",
        ("brief", "--period", "0001-01-01..0001-01-31", "--out", str(tmp_path / "b.pdf")):
            "error: --period 0001-01-01..0001-01-31: not a period;",
        # a quarter given to --fy: said to be --period's (the advice was to write what was written)
        ("summary", "--fy", "2022-23-Q1"): "error: --fy 2022-23-Q1: not a fiscal year; write one such as 2022-23 "
                                           "(a quarter or dates go with --period: --period 2022-23-Q1)",
        ("summary", "--store", str(tmp_path / "file.txt")): f"error: {tmp_path / 'file.txt'} is not a directory, "
                                                            "so it cannot be a store",
        # a folder under a file: the file is named, not "read-only"
        ("summary", "--store", str(tmp_path / "file.txt" / "sub")): f"error: {tmp_path / 'file.txt'} is not a "
                                                                    "directory, so it cannot be a store",
        ("backup", str(tmp_path / "file.txt" / "b.tar.gz")): "error: a part of",
        ("backup", str(tmp_path)): f"error: {tmp_path} is a directory; give a file name",
        ("brief", "--out", str(tmp_path)): f"error: {tmp_path} is a directory; give a file name",
        ("backup", str(tmp_path / "no" / "such" / "b.tar.gz")): f"error: no such file or directory: "
                                                                 f"{tmp_path / 'no' / 'such' / 'b.tar.gz'}",
        ("restore", str(tmp_path / "missing.tar.gz")): f"error: no backup file {tmp_path / 'missing.tar.gz'}",
        ("summary", "--lang", "xx"): "error: argument --lang: invalid choice",
    }
    # a slip in --store: no new store of zeros made there, for any command that reads one
    typo = tmp_path / "stroe"
    for command in (["summary"], ["summary", "--json"], ["uploads"], ["names", "list"], ["rollback", upload],
                    ["store", "health"], ["store", "health", "--json"], ["store", "sweep"], ["store", "migrate"]):
        cases[(*command, "--store", str(typo))] = f"error: there is no store at {typo}; check the path given"
    cases[("store", "copy", "--from", str(typo), "--to", str(tmp_path / "copy"))] = \
        f"error: there is no store at {typo}; check the path given"
    # a folder of other files (the log files themselves, a home folder) is never made a store, by any command
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "q1.csv").write_text("Date,Service\n")
    good = Path(__file__).resolve().parent / "data" / "ingest" / "good" / "template_en.csv"
    for command in (["summary", "--json"], ["uploads"], ["store", "health"], ["ingest", str(good)],
                    ["ingest", str(good), "--dry-run"]):
        cases[(*command, "--store", str(logs))] = f"error: {logs} holds other files and no store; check the path given"
    for args, expected in cases.items():
        extra = [] if "--store" in args else ["--store", str(store)]
        line = one_line_error(cli(*args, *extra))
        assert line.startswith(expected), (args, line)
    assert not list(tmp_path.glob("**/.b.tar.gz.*.partial"))
    assert not typo.exists() and not (tmp_path / "copy").exists()
    assert sorted(p.name for p in logs.iterdir()) == ["q1.csv"]
    # what makes a store: an ingest (a dry run checks against an empty store and makes none), the target of a copy
    assert cli("ingest", str(good), "--store", str(typo), "--dry-run").returncode == 0 and not typo.exists()
    assert cli("ingest", str(good), "--store", str(typo)).returncode == 0 and (typo / "catalogue.sqlite").exists()
    assert cli("store", "copy", "--from", str(store), "--to", str(tmp_path / "copy")).returncode == 0
    assert cli("summary", "--store", str(tmp_path / "copy")).returncode == 0


def test_accounts_and_decisions_errors_are_one_line_and_exit_2(tmp_path):
    """What the review found ending in "internal error ... please report it" (exit 1): each the user's to fix."""
    store = tmp_path / "s"
    LocalStore(store)
    (tmp_path / "rows.csv").write_text("a,b\n1,2\n")
    cases = {
        ("names", "withdraw", "99999999999999999999999", "--store", str(store)):
            "error: no decision '99999999999999999999999' in force",
        ("users", "list", "--db", str(tmp_path)): f"error: {tmp_path} is not an accounts file",
        ("users", "list", "--db", str(tmp_path / "rows.csv")): f"error: {tmp_path / 'rows.csv'} is not an accounts file",
        # no terminal to type a password in (standard input is not one here)
        ("users", "add", "asha", "--db", str(tmp_path / "u.sqlite")):
            "error: there is no terminal to type the password in: give it on standard input with --password-stdin",
    }
    missing = tmp_path / "no" / "users.sqlite"  # a slip in --db: nothing is made there by a read
    for action in (["list"], ["remove", "asha"], ["passwd", "asha", "--password-stdin"]):
        cases[("users", *action, "--db", str(missing))] = f"error: there is no accounts database at {missing}"
    for args, expected in cases.items():
        line = one_line_error(subprocess.run([sys.executable, "-m", "analytics", *args], cwd=ROOT, capture_output=True,
                                             text=True, timeout=180, stdin=subprocess.DEVNULL))
        assert line.startswith(expected), (args, line)
    assert (tmp_path / "rows.csv").read_text() == "a,b\n1,2\n"
    assert not (tmp_path / "no").exists()


def test_command_line_errors_in_bengali(tmp_path):
    store = tmp_path / "s"
    LocalStore(store)
    line = one_line_error(cli("rollback", "u-nope", "--store", str(store), "--lang", "bn"))
    assert line == "ত্রুটি: u-nope নামে কোনো আপলোড নেই (দেখুন: python -m analytics uploads)"
    line = one_line_error(cli("summary", "--period", "2023-24-Q5", "--store", str(store), "--lang", "bn"))
    assert line.startswith("ত্রুটি: --period 2023-24-Q5: সঠিক সময়কাল নয়")
    line = one_line_error(cli("store", "copy", "--lang", "bn"))
    assert line == "ত্রুটি: store copy-র জন্য --from ও --to দুটিই দিন"


@pytest.mark.parametrize("command", [["summary", "--json"], ["summary"]])
@pytest.mark.parametrize("lang, note", [("en", "note: --period 2022-23-Q1 is shown; --fy 2023-24 is not used"),
                                        ("bn", "দ্রষ্টব্য: --period 2022-23-Q1 দেখানো হচ্ছে; --fy 2023-24 ব্যবহার করা হয়নি")])
def test_both_fy_and_period_read_the_period_and_say_so(tmp_path, command, lang, note):
    store = tmp_path / "s"
    LocalStore(store)
    out = cli(*command, "--fy", "2023-24", "--period", "2022-23-Q1", "--store", str(store), "--lang", lang)
    assert out.returncode == 0 and out.stderr.strip().startswith(note), out.stderr
    alone = cli(*command, "--period", "2022-23-Q1", "--store", str(store), "--lang", lang)
    assert alone.stdout == out.stdout and alone.stderr == ""


def test_a_backup_that_cannot_be_finished_leaves_no_file(tmp_path):
    store = tmp_path / "s"
    LocalStore(store).commit(make_log(5), file_name="a.csv", content_hash="a", uploader="u")
    listed = LocalStore(store)._query("SELECT path FROM upload_files")[0][0]
    (store / listed).unlink()  # a file the catalogue lists has gone
    line = one_line_error(cli("backup", str(tmp_path / "b.tar.gz"), "--store", str(store)))
    assert line.startswith(f"error: the store at {store} is damaged ({listed})")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s"]
    assert os.listdir(store)


def test_a_restore_onto_a_disk_without_room_changes_nothing(backup, tmpfs):
    point = tmpfs("600k")
    current = point / "current"
    LocalStore(current).commit(make_log(7), file_name="mine.csv", content_hash="mine", uploader="clerk")
    before = fingerprint(current)
    line = one_line_error(cli("restore", str(backup), "--store", str(current), "--force"))
    assert line.startswith("error: not enough free space next to the store to restore this backup ("), line
    assert fingerprint(current) == before
    assert sorted(p.name for p in point.iterdir()) == ["current"]


def test_an_empty_period_is_a_bad_period(tmp_path):
    """The review's case: --period "" (an empty variable in a script) gave the default year's figures."""
    line = one_line_error(cli("summary", "--period", "", "--store", str(tmp_path / "s")))
    assert line.startswith("error: --period '': not a period")


@pytest.mark.parametrize("lang, said", [("en", "local store at "), ("bn", "-এ স্থানীয় স্টোর: সংস্করণ ০")])
def test_store_health_names_the_kind_of_store_in_the_language(tmp_path, lang, said):
    (tmp_path / "s").mkdir()  # (a new store: an empty folder)
    out = cli("store", "health", "--store", str(tmp_path / "s"), "--lang", lang)
    assert out.returncode == 0 and said in out.stdout, out.stdout + out.stderr
    assert json.loads(cli("store", "health", "--store", str(tmp_path / "s"), "--json").stdout)["backend"] == "local"


@pytest.mark.parametrize("damage", ["deleted", "overwritten"])
def test_a_damaged_store_is_said_so_by_health_backup_and_every_reader(tmp_path, damage):
    """The review's store whose Parquet file was deleted or overwritten: `store health` called it
    healthy (exit 0), `backup` archived it (then refused by restore), and `summary` printed polars'
    text ("No such file or directory (os error 2)", "internal error (ComputeError)"). Now health
    names the file and exits 1; backup and every reader refuse in one line, pointing to health."""
    store = tmp_path / "s"
    good = Path(__file__).resolve().parent / "data" / "ingest" / "good" / "template_en.csv"
    assert cli("ingest", str(good), "--store", str(store)).returncode == 0
    assert cli("store", "health", "--store", str(store)).returncode == 0
    part = next(store.glob("parts/**/*.parquet"))
    part.unlink() if damage == "deleted" else part.write_bytes(b"junk")
    out = cli("store", "health", "--store", str(store), "--json")
    health = json.loads(out.stdout)
    key = "missing_files" if damage == "deleted" else "damaged_files"
    assert out.returncode == 1 and health["healthy"] is False
    assert health[key] == [part.relative_to(store).as_posix()]
    assert part.name in cli("store", "health", "--store", str(store), "--lang", "bn").stdout
    line = one_line_error(cli("backup", str(tmp_path / "b.tar.gz"), "--store", str(store)))
    assert line.startswith(f"error: the store at {store} is damaged ({part.relative_to(store).as_posix()})")
    assert not (tmp_path / "b.tar.gz").exists()
    for command in (["summary"], ["summary", "--json"], ["brief", "--out", str(tmp_path / "b.pdf")]):
        line = one_line_error(cli(*command, "--store", str(store)))
        assert line == (f"error: a file of the store at {store} is missing or damaged, so it cannot be read; nothing "
                        f"was changed (see which: python -m analytics store health --store {store})"), (command, line)


@pytest.mark.parametrize("formats", ["pdf", "", "csv,pdf"])
def test_sample_refuses_formats_it_cannot_write(tmp_path, formats):
    """The review: `sample --formats pdf` wrote nothing, said nothing and exited 0."""
    line = one_line_error(cli("sample", "--formats", formats, "--out", str(tmp_path / "out")))
    assert line == f"error: --formats '{formats}': write csv, xlsx or csv,xlsx"
    assert not (tmp_path / "out").exists()


def test_every_store_command_offered_json_writes_json(tmp_path):
    """The review: `store sweep --json` and `store migrate --json` printed sentences."""
    store = tmp_path / "s"
    good = Path(__file__).resolve().parent / "data" / "ingest" / "good" / "template_en.csv"
    assert cli("ingest", str(good), "--store", str(store)).returncode == 0
    (store / "parts" / "fy=2022" / "q=1" / "orphan.parquet").write_bytes(b"left by a killed process")
    swept = json.loads(cli("store", "sweep", "--store", str(store), "--json").stdout)
    # (a local store sweeps what a killed process left as it opens: the sweep itself finds nothing more)
    assert swept == {"location": str(store), "removed": []}
    assert not (store / "parts" / "fy=2022" / "q=1" / "orphan.parquet").exists()
    migrated = json.loads(cli("store", "migrate", "--store", str(store), "--json").stdout)
    assert migrated == {"location": str(store), "migrations_applied": 0}


def test_ingest_says_a_folder_or_a_pipe_is_not_a_file(tmp_path):
    """The review: a folder given to ingest was "no such file" (it exists), and a pipe too."""
    (tmp_path / "logs").mkdir()
    line = one_line_error(cli("ingest", str(tmp_path / "logs"), "--store", str(tmp_path / "s")))
    assert line == f"error: {tmp_path / 'logs'} is a folder, not a file: give the files in it (for example " \
                   f"{tmp_path / 'logs'}/*.csv)"
    os.mkfifo(tmp_path / "pipe")
    line = one_line_error(cli("ingest", str(tmp_path / "pipe"), "--store", str(tmp_path / "s")))
    assert line.startswith(f"error: {tmp_path / 'pipe'} is not a file (a pipe or a device")
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("fy, said", [("2022", "note: --fy 2022 is read as FY 2022-23 (1 July 2022 – 30 June 2023)"),
                                      ("2022-23", None), ("FY2022-23", None)])
def test_a_fiscal_year_named_by_one_year_says_which_it_is(tmp_path, fy, said):
    """The review: "--fy 2022" quietly meant 2022-23, where "FY 2022" often means 2021-22."""
    (tmp_path / "s").mkdir()
    out = cli("summary", "--fy", fy, "--store", str(tmp_path / "s"), "--json")
    assert out.returncode == 0 and json.loads(out.stdout)["period_start"] == "2022-07-01"
    assert (said in out.stderr) if said else not out.stderr
