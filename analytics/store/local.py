"""Where accepted log rows live: Parquet files plus a SQLite catalogue of uploads.

Layout under the store directory::

    catalogue.sqlite                     uploads, their files, name decisions, the change log (audit)
    parts/fy=2022/q=1/<upload_id>.parquet  one file per upload and fiscal quarter
    store.lock                           serialises writers (several app processes)

A write is atomic: each Parquet file is written to a temporary name, fsynced and renamed;
only then is the upload recorded in one SQLite transaction. Readers see only files the
catalogue lists as active, so a process killed mid-upload leaves files nobody reads and
the previous state intact (:meth:`LocalStore.sweep` removes such orphans; every commit
sweeps first). Several files committed together (:meth:`LocalStore.commit_many`) are
recorded in one transaction: all of them or none, whenever the process is killed.

Faults leave a usable store. A store whose directory (or catalogue) cannot be written is
opened read-only: everything can be read, every write raises :class:`StoreReadOnly`. A full
disk while storing raises :class:`StoreFull`; the files written so far are removed and
nothing is recorded (anything a killed process left is swept when the store next opens).

Replacing a quarter replaces that quarter's rows only: each upload keeps one file per fiscal
quarter, and a replacement marks the *files* of the quarters it covers as replaced
(``upload_files.replaced_by``), so the other quarters of an upload that spanned several stay.

:class:`LocalStore` is the embedded default implementation of
:class:`analytics.store.protocol.Store`.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from typing import Literal

import polars as pl

from analytics import ROOT
from analytics.reference import schema

try:  # POSIX
    import fcntl

    def _lock(handle) -> None:
        fcntl.flock(handle, fcntl.LOCK_EX)

    def _try_lock(handle) -> bool:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    def _unlock(handle) -> None:
        fcntl.flock(handle, fcntl.LOCK_UN)
except ImportError:  # Windows
    import msvcrt

    def _lock(handle) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)

    def _try_lock(handle) -> bool:
        handle.seek(0)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(handle) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
from analytics.reference.periods import Period, fiscal_columns, quarter
from analytics.store.protocol import (
    _UPLOADS_TABLE,
    CHANGE_COLUMNS,
    DATA_ACTIONS,
    DECISION_COLUMNS,
    UPLOAD_COLUMNS,
    UPLOAD_QUARTER_COLUMNS,
    CommitResult,
    Incoming,
    StoreError,
    StoreFull,
    StoreReadOnly,
    new_upload_id,
)

DEFAULT_STORE_DIR = Path(os.environ.get("SEBA_ATLAS_STORE", ROOT / "data" / "store"))

_UPLOADS_SQL = ",\n".join("    " + ", ".join(f"{name} {sql}" for name, _, sql in line) for line in _UPLOADS_TABLE)
_DDL = f"""
CREATE TABLE IF NOT EXISTS uploads (
{_UPLOADS_SQL}
);
CREATE INDEX IF NOT EXISTS uploads_hash ON uploads (content_hash);
CREATE TABLE IF NOT EXISTS upload_files (
    upload_id TEXT NOT NULL REFERENCES uploads (upload_id), path TEXT NOT NULL,
    fy INTEGER NOT NULL, fq INTEGER NOT NULL, rows INTEGER NOT NULL, PRIMARY KEY (upload_id, path)
);
CREATE TABLE IF NOT EXISTS changes (
    change_id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, action TEXT NOT NULL,
    upload_id TEXT, actor TEXT, detail TEXT
);
CREATE TABLE IF NOT EXISTS decisions (
    decision_id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
    code TEXT, actor TEXT NOT NULL, change_id INTEGER NOT NULL, withdrawn_change_id INTEGER
);
"""
#: Columns added after the first release, added to older catalogues when they are opened.
_MIGRATIONS = (("upload_files", "replaced_by", "ALTER TABLE upload_files ADD COLUMN replaced_by TEXT"),)
CATALOGUE = "catalogue.sqlite"


#: Below this many free bytes, an I/O error of SQLite (which does not say why) is a full disk.
_NEARLY_FULL = 1024 * 1024


def _free_bytes(directory: Path) -> int | None:
    try:
        return shutil.disk_usage(directory).free
    except OSError:
        return None


def _fault(error: BaseException, directory: Path | None = None) -> str | None:
    """``"full"`` or ``"read_only"`` when ``error`` (OS, SQLite or polars) says the disk is full or
    the store cannot be written; None for anything else."""
    if isinstance(error, OSError):
        if error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
            return "full"
        if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return "read_only"
        return None
    text = str(error)
    if isinstance(error, sqlite3.Error):
        name = getattr(error, "sqlite_errorname", "") or ""
        if name.startswith("SQLITE_FULL") or "database or disk is full" in text:
            return "full"
        if name.startswith("SQLITE_READONLY") or "readonly database" in text:
            return "read_only"
        if (name.startswith("SQLITE_IOERR") or "disk I/O error" in text) and directory is not None:
            free = _free_bytes(directory)  # e.g. SQLITE_IOERR_SHMSIZE: no room for the WAL index
            return "full" if free is not None and free < _NEARLY_FULL else None
        return None
    if isinstance(error, pl.exceptions.PolarsError):
        if "os error 28)" in text or "os error 122)" in text or "No space left on device" in text:
            return "full"
        if "os error 30)" in text or "os error 13)" in text:
            return "read_only"
    return None


def _writable(directory: Path) -> bool:
    """Whether a store can be written at ``directory`` (created there when missing)."""
    if not directory.exists():
        parent = directory.parent
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        return os.access(parent, os.W_OK | os.X_OK)
    if not os.access(directory, os.W_OK | os.X_OK):
        return False
    return all(os.access(directory / name, os.W_OK) for name in (CATALOGUE, CATALOGUE + "-wal", CATALOGUE + "-shm")
               if (directory / name).exists())


@cache
def catalogue_schemas() -> tuple[frozenset[tuple], ...]:
    """The catalogue's ``sqlite_master`` rows (type, name, tbl_name, sql) as this version creates
    them, then as older versions did before the migrations that opening a store applies."""
    out = []
    for applied in range(len(_MIGRATIONS), -1, -1):
        with closing(sqlite3.connect(":memory:")) as db:
            db.executescript(_DDL)
            for _, _, sql in _MIGRATIONS[:applied]:
                db.execute(sql)
            out.append(frozenset(db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")))
    return tuple(out)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalStore:
    """Parquet files and a SQLite catalogue in one directory.

    ``read_only=None`` (the default) opens the store read-only when its directory or catalogue
    cannot be written (a read-only disk or mount, no permission), else read-write, creating it
    when missing and sweeping what a killed process left. ``read_only=True`` opens an existing
    store read-only whatever the permissions. A read-only store reads as usual; every write
    raises :class:`StoreReadOnly` and nothing on disk is touched.
    """

    def __init__(self, directory: Path | str = DEFAULT_STORE_DIR, *, read_only: bool | None = None) -> None:
        self.directory = Path(directory)
        self._uri: str | None = None
        if self.directory.exists() and not self.directory.is_dir():
            raise StoreError(f"{self.directory} is not a directory, so it cannot be a store",
                             key="not_a_directory", path=str(self.directory))
        self.read_only = (not _writable(self.directory)) if read_only is None else bool(read_only)
        if self.read_only:
            self._open_read_only()
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            (self.directory / "parts").mkdir(exist_ok=True)
            if not self._up_to_date():  # (reading first: a full disk still opens a complete store)
                with closing(self._connect()) as db:
                    db.executescript(_DDL)
                    for table, column, sql in _MIGRATIONS:
                        if column not in {row[1] for row in db.execute(f"PRAGMA table_info({table})")}:
                            db.execute(sql)
        except (OSError, sqlite3.Error) as error:
            kind = _fault(error, self.directory)
            if kind == "full":
                raise self._full(storing=False) from error
            if kind == "read_only" and (self.directory / CATALOGUE).is_file():
                self.read_only = True  # the permissions said otherwise; read what is there
                self._open_read_only()
                return
            if kind == "read_only":
                raise StoreError(f"no store at {self.directory}, and one cannot be created there ({error})",
                                 key="cannot_create", path=str(self.directory)) from error
            if isinstance(error, sqlite3.DatabaseError):
                raise self._not_a_store(error) from error
            raise
        self._sweep_on_open()

    def _up_to_date(self) -> bool:
        """Whether the catalogue has every table, index and column (nothing to create or migrate)."""
        if not (self.directory / CATALOGUE).is_file():
            return False
        with closing(self._connect(reading=True)) as db:
            present = set(db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))
        return catalogue_schemas()[0] <= present

    def _open_read_only(self) -> None:
        catalogue = self.directory / CATALOGUE
        if not catalogue.is_file():
            raise StoreError(f"no store at {self.directory}, and one cannot be created there (it is read-only)",
                             key="no_store", path=str(self.directory))
        # mode=ro needs the WAL index (-shm) to exist or be creatable; on a read-only disk with
        # no writer it is neither, and immutable=1 is right: nobody can change the file there.
        base = catalogue.resolve().as_uri() + "?mode=ro"
        failure: sqlite3.Error | None = None
        for uri in (base, base + "&immutable=1"):
            try:
                with closing(sqlite3.connect(uri, uri=True, timeout=30)) as db:
                    columns = {table: {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
                               for table in ("uploads", "upload_files", "changes", "decisions")}
            except sqlite3.Error as error:
                failure = error
                continue
            if not all(columns.values()):
                raise self._not_a_store("tables missing")
            if any(column not in columns[table] for table, column, _ in _MIGRATIONS):
                raise StoreError(f"the store at {self.directory} was written by an older version and is "
                                 "read-only, so it cannot be brought up to date; open it once where it can be written",
                                 key="needs_upgrade", path=str(self.directory))
            self._uri = uri
            return
        raise self._not_a_store(failure)

    def _not_a_store(self, error: object) -> StoreError:
        return StoreError(f"{self.directory} is not a usable store: its catalogue cannot be read ({error})",
                          key="not_a_store", path=str(self.directory))

    def _full(self, *, storing: bool) -> StoreFull:
        if storing:
            return StoreFull(f"the disk holding the store ({self.directory}) is full; free space and upload again; "
                             "nothing was stored", path=str(self.directory))
        return StoreFull(f"the disk holding the store ({self.directory}) is full; free space and try again; "
                         "nothing was changed", key="full_change", path=str(self.directory))

    def _read_only_error(self) -> StoreReadOnly:
        return StoreReadOnly(f"the store at {self.directory} is read-only: it can be viewed, but nothing can be "
                             "stored or changed", path=str(self.directory))

    def check_writable(self) -> None:
        """Raise :class:`StoreReadOnly` when the store can only be read."""
        if self.read_only:
            raise self._read_only_error()

    @contextmanager
    def _writing(self, *, storing: bool = False) -> Iterator[None]:
        """Refuse a write to a read-only store; a full disk or a store that turns out not to be
        writable becomes :class:`StoreFull` / :class:`StoreReadOnly`."""
        self.check_writable()
        try:
            yield
        except StoreError:
            raise
        except (OSError, sqlite3.Error, pl.exceptions.PolarsError) as error:
            kind = _fault(error, self.directory)
            if kind == "full":
                raise self._full(storing=storing) from error
            if kind == "read_only":
                raise self._read_only_error() from error
            raise

    def _sweep_on_open(self) -> None:
        """Sweep orphans now unless a commit is under way (it sweeps itself)."""
        try:
            with open(self.directory / "store.lock", "a+") as handle:
                if not _try_lock(handle):
                    return
                try:
                    removed = self._sweep_locked()
                finally:
                    _unlock(handle)
        except (OSError, sqlite3.Error):
            logging.getLogger(__name__).warning("could not sweep %s", self.directory, exc_info=True)
            return
        if removed:
            logging.getLogger(__name__).info("swept %d orphaned files from %s", len(removed), self.directory)

    # -- plumbing ---------------------------------------------------------------------
    def _connect(self, *, reading: bool = False) -> sqlite3.Connection:
        if self._uri:  # read-only
            db = sqlite3.connect(self._uri, uri=True, timeout=30, isolation_level=None)
            db.execute("PRAGMA query_only=1")
            return db
        db = sqlite3.connect(self.directory / CATALOGUE, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
        except sqlite3.Error as error:
            db.close()
            if not reading or _fault(error, self.directory) != "full":
                raise
            # The disk is full: there is no room for the shared WAL index (-shm), so read with a
            # private one (exclusive locking mode never uses -shm). Writes fail as StoreFull.
            db = sqlite3.connect(self.directory / CATALOGUE, timeout=30, isolation_level=None)
            db.execute("PRAGMA locking_mode=EXCLUSIVE")
            db.execute("PRAGMA query_only=1")
        return db

    @contextmanager
    def _write_lock(self) -> Iterator[None]:
        with open(self.directory / "store.lock", "a+") as handle:
            _lock(handle)
            try:
                yield
            finally:
                _unlock(handle)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            yield db
            db.execute("COMMIT")
        except BaseException:
            try:
                db.execute("ROLLBACK")
            except sqlite3.Error:  # already rolled back by SQLite (a full disk, for one)
                pass
            raise
        finally:
            db.close()

    def _query(self, sql: str, params: tuple = ()) -> list[tuple]:
        db = self._connect(reading=True)
        try:
            return db.execute(sql, params).fetchall()
        finally:
            db.close()

    @staticmethod
    def _log(db: sqlite3.Connection, action: str, *, actor: str, upload_id: str | None,
             detail: dict | str | None) -> int:
        text = json.dumps(detail, ensure_ascii=False) if isinstance(detail, dict) else detail
        cursor = db.execute("INSERT INTO changes (at, action, upload_id, actor, detail) VALUES (?, ?, ?, ?, ?)",
                            (_now(), action, upload_id, actor, text))
        return int(cursor.lastrowid)

    def _write_parquet(self, frame: pl.DataFrame, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
        try:
            frame.write_parquet(temporary, compression="zstd", statistics=True)
            with open(temporary, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        except BaseException:
            temporary.unlink(missing_ok=True)  # a full disk leaves no half-written file behind
            raise
        _fsync_dir(target.parent)

    # -- reading ----------------------------------------------------------------------
    def version(self) -> int:
        """The id of the last change to the data (the cache key for pages). Audit entries that
        change no data (sign-ins, sign-outs) do not move it, so they never reset the caches."""
        marks = ",".join("?" * len(DATA_ACTIONS))
        return int(self._query(f"SELECT COALESCE(MAX(change_id), 0) FROM changes WHERE action IN ({marks})",
                               DATA_ACTIONS)[0][0])

    def _active_files(self, as_of: int | None) -> list[str]:
        if as_of is None:
            rows = self._query("SELECT f.path FROM upload_files f JOIN uploads u USING (upload_id) "
                               "WHERE u.status = 'active' AND f.replaced_by IS NULL ORDER BY f.path")
            return [path for (path,) in rows]
        return sorted(self._active_at(as_of))

    def _active_at(self, as_of: int) -> set[str]:
        """Files active just after change ``as_of``, replayed from the change log."""
        files: dict[str, list[str]] = {}
        for upload_id, path in self._query("SELECT upload_id, path FROM upload_files"):
            files.setdefault(upload_id, []).append(path)
        active: dict[str, bool] = {}
        for action, upload_id, detail in self._query(
                "SELECT action, upload_id, detail FROM changes WHERE change_id <= ? ORDER BY change_id", (as_of,)):
            info = json.loads(detail) if detail and detail.startswith("{") else {}
            if action == "upload":
                active.update(dict.fromkeys(files.get(upload_id, []), True))
                if "replaced_files" in info:
                    active.update(dict.fromkeys(info["replaced_files"], False))
                else:  # written before per-quarter replacement: whole uploads
                    for old in info.get("replaced", []):
                        active.update(dict.fromkeys(files.get(old, []), False))
            elif action == "rollback":
                active.update(dict.fromkeys(files.get(upload_id, []), False))
                if "restored_files" in info:
                    active.update(dict.fromkeys(info["restored_files"], True))
                else:
                    for old in info.get("restored", []):
                        active.update(dict.fromkeys(files.get(old, []), True))
        return {path for path, on in active.items() if on}

    def scan(self, *, as_of: int | None = None) -> pl.LazyFrame:
        """All active rows (or those active at version ``as_of``), canonical schema."""
        files = [str(self.directory / path) for path in self._active_files(as_of)]
        if not files:
            return schema.empty_log().lazy()
        return pl.scan_parquet(files, schema=schema.LOG_SCHEMA)

    def uploads(self) -> pl.DataFrame:
        rows = self._query(f"SELECT {', '.join(UPLOAD_COLUMNS)} FROM uploads ORDER BY created_at, rowid")
        return pl.DataFrame(rows, schema=UPLOAD_COLUMNS, orient="row")

    def changes(self) -> pl.DataFrame:
        rows = self._query(f"SELECT {', '.join(CHANGE_COLUMNS)} FROM changes ORDER BY change_id")
        return pl.DataFrame(rows, schema=CHANGE_COLUMNS, orient="row")

    def find_by_hash(self, content_hash: str) -> str | None:
        rows = self._query("SELECT upload_id FROM uploads WHERE content_hash = ? AND status = 'active'", (content_hash,))
        return rows[0][0] if rows else None

    def quarters_with_data(self) -> list[Period]:
        rows = self._query("SELECT DISTINCT f.fy, f.fq FROM upload_files f JOIN uploads u USING (upload_id) "
                           "WHERE u.status = 'active' AND f.replaced_by IS NULL ORDER BY f.fy, f.fq")
        return [quarter(fy, fq) for fy, fq in rows]

    def upload_quarters(self) -> pl.DataFrame:
        """Each upload's fiscal quarters: rows stored for it, and the upload that replaced that
        quarter (null while in force), in order of upload and quarter."""
        rows = self._query("SELECT f.upload_id, f.fy, f.fq, f.rows, f.replaced_by FROM upload_files f "
                           "JOIN uploads u USING (upload_id) ORDER BY u.created_at, u.rowid, f.fy, f.fq")
        return pl.DataFrame(rows, schema=UPLOAD_QUARTER_COLUMNS, orient="row")

    # -- writing ----------------------------------------------------------------------
    def commit(self, frame: pl.DataFrame, *, file_name: str, content_hash: str, uploader: str,
               mode: Literal["add", "replace"] = "add", is_sample: bool = False,
               note: str | None = None, upload_id: str | None = None) -> CommitResult:
        """Store accepted rows as one upload (see :meth:`commit_many`)."""
        return self.commit_many([Incoming(frame, file_name, content_hash, upload_id, note)], uploader=uploader,
                                mode=mode, is_sample=is_sample)[0]

    def commit_many(self, files: list[Incoming], *, uploader: str, mode: Literal["add", "replace"] = "add",
                    is_sample: bool = False) -> list[CommitResult]:
        """Store several files' rows, each as one upload, all or nothing.

        A file whose content was stored before (and is still active) stores nothing. With
        ``mode="replace"`` the active files of the fiscal quarters these files cover are
        marked replaced (kept on disk, restorable by rolling the replacing upload back); the
        other quarters of those uploads stay. The Parquet files are written first; one SQLite
        transaction then records every upload, so a process killed at any point leaves either
        all of them or none (and files nobody refers to, swept by the next commit or open).
        A full disk raises :class:`StoreFull` after removing every file this call wrote; a
        read-only store raises :class:`StoreReadOnly` before anything is written.
        """
        if mode not in ("add", "replace"):
            raise ValueError(f"mode must be 'add' or 'replace', not {mode!r}")
        with self._writing(storing=True), self._write_lock():
            self._sweep_locked()
            on_disk: list[Path] = []  # written by this call: removed again unless recorded
            try:
                return self._commit_locked(files, uploader=uploader, mode=mode, is_sample=is_sample, on_disk=on_disk)
            except BaseException:
                for path in on_disk:
                    path.unlink(missing_ok=True)
                raise

    def _commit_locked(self, files: list[Incoming], *, uploader: str, mode: str, is_sample: bool,
                       on_disk: list[Path]) -> list[CommitResult]:
        results: list[CommitResult | None] = []
        planned: list[tuple[Incoming, str, pl.DataFrame, list[tuple[str, int, int, int]]]] = []
        seen: dict[str, str] = {}
        for item in files:
            existing = self.find_by_hash(item.content_hash) or seen.get(item.content_hash)
            if existing:
                results.append(CommitResult(existing, "duplicate", 0))
                continue
            upload_id = item.upload_id or new_upload_id()
            seen[item.content_hash] = upload_id
            data = schema.conform(item.frame).with_columns(pl.lit(upload_id).alias("upload_id")).collect()
            parts = data.with_columns(fiscal_columns()).partition_by(["fy", "fq"], as_dict=True)
            written: list[tuple[str, int, int, int]] = []
            for (fy, fq), part in sorted(parts.items()):
                relative = f"parts/fy={fy}/q={fq}/{upload_id}.parquet"
                if not (self.directory / relative).exists():
                    on_disk.append(self.directory / relative)
                self._write_parquet(part.drop("fy", "fq").sort("date"), self.directory / relative)
                written.append((relative, int(fy), int(fq), part.height))
            planned.append((item, upload_id, data, written))
            results.append(None)
        _pause_point("commit")  # tests: a kill -9 here must leave nothing recorded
        stored: list[CommitResult] = []
        with self._transaction() as db:
            for item, upload_id, data, written in planned:
                stored.append(self._record_upload(db, item, upload_id, data, written, uploader=uploader,
                                                  mode=mode, is_sample=is_sample))
                _pause_point("commit-transaction")  # tests: between two files of one batch
        on_disk.clear()  # recorded: they are the store's now
        done = iter(stored)
        return [result if result is not None else next(done) for result in results]

    def _record_upload(self, db: sqlite3.Connection, item: Incoming, upload_id: str, data: pl.DataFrame,
                       written: list[tuple[str, int, int, int]], *, uploader: str, mode: str,
                       is_sample: bool) -> CommitResult:
        quarters = sorted({(fy, fq) for _, fy, fq, _ in written})
        replaced_files: list[str] = []
        replaced: list[str] = []
        # a real upload always supersedes the sample in the quarters it covers (the sample is not
        # data to add to); "replace" supersedes every upload there
        if (mode == "replace" or not is_sample) and quarters:
            clause = " OR ".join("(f.fy = ? AND f.fq = ?)" for _ in quarters)
            params = tuple(v for pair in quarters for v in pair)
            only_sample = "" if mode == "replace" else "u.is_sample = 1 AND "
            hits = db.execute(
                "SELECT f.upload_id, f.path FROM upload_files f JOIN uploads u USING (upload_id) "
                f"WHERE {only_sample}u.status = 'active' AND f.replaced_by IS NULL AND ({clause})", params).fetchall()
            replaced_files = [path for _, path in hits]
            replaced = sorted({old for old, _ in hits})
            db.executemany("UPDATE upload_files SET replaced_by = ? WHERE path = ?",
                           [(upload_id, path) for path in replaced_files])
            # an upload none of whose quarters is left is 'replaced' as a whole
            db.executemany("UPDATE uploads SET status = 'replaced' WHERE upload_id = ? AND NOT EXISTS ("
                           "SELECT 1 FROM upload_files WHERE upload_id = ? AND replaced_by IS NULL)",
                           [(old, old) for old in replaced])
        totals = data.select(pl.col("beneficiaries").cast(pl.Int64).sum(), pl.col("fee_paisa").sum(),
                             pl.col("date").min().alias("first"), pl.col("date").max().alias("last")).row(0)
        db.execute(
            f"INSERT INTO uploads ({', '.join(UPLOAD_COLUMNS)}) VALUES ({', '.join('?' * len(UPLOAD_COLUMNS))})",
            (upload_id, item.file_name, item.content_hash, uploader, _now(), data.height, int(totals[0] or 0),
             int(totals[1] or 0), totals[2] and totals[2].isoformat(), totals[3] and totals[3].isoformat(),
             "active", ",".join(replaced) or None, int(is_sample), item.note))
        db.executemany("INSERT INTO upload_files (upload_id, path, fy, fq, rows) VALUES (?, ?, ?, ?, ?)",
                       [(upload_id, *row) for row in written])
        self._log(db, "upload", actor=uploader, upload_id=upload_id,
                  detail={"file_name": item.file_name, "rows": data.height, "mode": mode, "replaced": replaced,
                          "replaced_files": replaced_files})
        return CommitResult(upload_id, "stored", data.height, tuple(replaced))

    def rollback(self, upload_id: str, *, actor: str) -> None:
        """Withdraw an active upload and bring back the quarters it replaced."""
        with self._writing(), self._write_lock(), self._transaction() as db:
            row = db.execute("SELECT status FROM uploads WHERE upload_id = ?", (upload_id,)).fetchone()
            if row is None:
                raise StoreError(f"no upload {upload_id!r}", key="no_upload", upload=upload_id)
            if row[0] != "active":
                raise StoreError(f"upload {upload_id!r} is {row[0]}, not active", key=f"not_active_{row[0]}",
                                 upload=upload_id)
            hits = db.execute("SELECT upload_id, path FROM upload_files WHERE replaced_by = ?", (upload_id,)).fetchall()
            restored_files = [path for _, path in hits]
            restored = sorted({old for old, _ in hits})
            db.execute("UPDATE uploads SET status = 'rolled_back' WHERE upload_id = ?", (upload_id,))
            db.execute("UPDATE upload_files SET replaced_by = NULL WHERE replaced_by = ?", (upload_id,))
            db.executemany("UPDATE uploads SET status = 'active' WHERE upload_id = ? AND status = 'replaced'",
                           [(r,) for r in restored])
            self._log(db, "rollback", actor=actor, upload_id=upload_id,
                      detail={"restored": restored, "restored_files": restored_files})

    # -- name decisions ---------------------------------------------------------------
    def decisions(self) -> pl.DataFrame:
        """The names decided so far and still in force (:data:`analytics.ingest.decisions.SCHEMA` plus who and when)."""
        rows = self._query(f"SELECT {', '.join(DECISION_COLUMNS)} FROM decisions WHERE withdrawn_change_id IS NULL "
                           "ORDER BY decision_id")
        return pl.DataFrame(rows, schema=DECISION_COLUMNS, orient="row")

    def decide(self, rows: list[dict], *, actor: str) -> int:
        """Record decisions (:func:`analytics.ingest.decisions.make` rows); a new one for the same value
        replaces the old. One audit entry; returns the new data version."""
        if not rows:
            return self.version()
        with self._writing(), self._write_lock(), self._transaction() as db:
            change = self._log(db, "decide", actor=actor, upload_id=None, detail={"decisions": [
                {k: r[k] for k in ("kind", "value", "code")} for r in rows]})
            for r in rows:
                db.execute("UPDATE decisions SET withdrawn_change_id = ? WHERE kind = ? AND key = ? "
                           "AND withdrawn_change_id IS NULL", (change, r["kind"], r["key"]))
                db.execute("INSERT INTO decisions (kind, key, value, code, actor, change_id) VALUES (?, ?, ?, ?, ?, ?)",
                           (r["kind"], r["key"], r["value"], r["code"], actor, change))
            return change

    def withdraw_decision(self, decision_id: int, *, actor: str) -> int:
        """Undo one decision (later uploads ask again); returns the new data version."""
        with self._writing(), self._write_lock(), self._transaction() as db:
            row = db.execute("SELECT kind, value, code FROM decisions WHERE decision_id = ? "
                             "AND withdrawn_change_id IS NULL", (decision_id,)).fetchone()
            if row is None:
                raise StoreError(f"no decision {decision_id!r} in force", key="no_decision", decision=str(decision_id))
            change = self._log(db, "withdraw_decision", actor=actor, upload_id=None,
                               detail={"decision_id": decision_id, "kind": row[0], "value": row[1], "code": row[2]})
            db.execute("UPDATE decisions SET withdrawn_change_id = ? WHERE decision_id = ?", (change, decision_id))
            return change

    def record(self, action: str, *, actor: str, upload_id: str | None = None, detail: str | None = None) -> int:
        """Add an audit entry (sign-ins and the like) that changes no data."""
        with self._writing(), self._transaction() as db:
            return self._log(db, action, actor=actor, upload_id=upload_id, detail=detail)

    def sweep(self) -> list[Path]:
        """Delete Parquet files no upload refers to (left by a killed process)."""
        with self._writing(), self._write_lock():
            return self._sweep_locked()

    def _sweep_locked(self) -> list[Path]:
        known = {path for (path,) in self._query("SELECT path FROM upload_files")}
        removed = []
        for path in (self.directory / "parts").rglob("*"):
            if path.is_file() and path.relative_to(self.directory).as_posix() not in known:
                path.unlink()
                removed.append(path)
        return removed


def _pause_point(name: str) -> None:
    """Tests only: with ``SEBA_ATLAS_PAUSE_AT=name:marker-file``, create the marker file and wait
    there, so that a test can kill the process at a known point of a commit."""
    point, _, marker = os.environ.get("SEBA_ATLAS_PAUSE_AT", "").partition(":")
    if point == name and marker:
        Path(marker).write_text(str(os.getpid()))
        time.sleep(60)
