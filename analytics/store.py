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

Replacing a quarter replaces that quarter's rows only: each upload keeps one file per fiscal
quarter, and a replacement marks the *files* of the quarters it covers as replaced
(``upload_files.replaced_by``), so the other quarters of an upload that spanned several stay.

The :class:`Store` protocol is what the rest of the code uses; :class:`LocalStore` is the
embedded default. A shared backend (PostgreSQL catalogue, object storage for the Parquet
files) can implement the same protocol.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal, Protocol

import polars as pl

from analytics import schema

try:  # POSIX
    import fcntl

    def _lock(handle) -> None:
        fcntl.flock(handle, fcntl.LOCK_EX)

    def _unlock(handle) -> None:
        fcntl.flock(handle, fcntl.LOCK_UN)
except ImportError:  # Windows
    import msvcrt

    def _lock(handle) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)

    def _unlock(handle) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
from analytics.periods import Period, fiscal_columns, quarter

DEFAULT_STORE_DIR = Path(os.environ.get("SEBA_ATLAS_STORE", Path(__file__).resolve().parent.parent / "data" / "store"))

UPLOAD_COLUMNS = {
    "upload_id": pl.String, "file_name": pl.String, "content_hash": pl.String, "uploader": pl.String,
    "created_at": pl.String, "rows": pl.Int64, "beneficiaries": pl.Int64, "fee_paisa": pl.Int64,
    "period_start": pl.String, "period_end": pl.String, "status": pl.String,
    "replaces": pl.String, "is_sample": pl.Boolean, "note": pl.String,
}
CHANGE_COLUMNS = {"change_id": pl.Int64, "at": pl.String, "action": pl.String, "upload_id": pl.String,
                  "actor": pl.String, "detail": pl.String}

_DDL = """
CREATE TABLE IF NOT EXISTS uploads (
    upload_id TEXT PRIMARY KEY, file_name TEXT NOT NULL, content_hash TEXT NOT NULL,
    uploader TEXT NOT NULL, created_at TEXT NOT NULL, rows INTEGER NOT NULL,
    beneficiaries INTEGER NOT NULL, fee_paisa INTEGER NOT NULL,
    period_start TEXT, period_end TEXT,
    status TEXT NOT NULL CHECK (status IN ('active', 'replaced', 'rolled_back')),
    replaces TEXT, is_sample INTEGER NOT NULL DEFAULT 0, note TEXT
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
DECISION_COLUMNS = {"decision_id": pl.Int64, "kind": pl.String, "key": pl.String, "value": pl.String,
                    "code": pl.String, "actor": pl.String, "change_id": pl.Int64}


class StoreError(Exception):
    """A store operation that cannot be done (unknown upload, nothing to roll back, ...)."""


@dataclass(frozen=True)
class CommitResult:
    upload_id: str
    status: Literal["stored", "duplicate"]
    rows: int
    replaced: tuple[str, ...] = ()  # uploads with a quarter replaced by this one


@dataclass(frozen=True)
class Incoming:
    """One file's accepted rows, to be committed (alone or with others in one batch)."""

    frame: pl.DataFrame
    file_name: str
    content_hash: str
    upload_id: str | None = None
    note: str | None = None


class Store(Protocol):
    """What the app, the CLI and the metrics need from a store."""

    def version(self) -> int: ...
    def scan(self, *, as_of: int | None = None) -> pl.LazyFrame: ...
    def uploads(self) -> pl.DataFrame: ...
    def changes(self) -> pl.DataFrame: ...
    def find_by_hash(self, content_hash: str) -> str | None: ...
    def quarters_with_data(self) -> list[Period]: ...
    def commit(self, frame: pl.DataFrame, *, file_name: str, content_hash: str, uploader: str,
               mode: Literal["add", "replace"] = "add", is_sample: bool = False,
               note: str | None = None, upload_id: str | None = None) -> CommitResult: ...
    def commit_many(self, files: list[Incoming], *, uploader: str,
                    mode: Literal["add", "replace"] = "add") -> list[CommitResult]: ...
    def rollback(self, upload_id: str, *, actor: str) -> None: ...
    def decisions(self) -> pl.DataFrame: ...
    def decide(self, rows: list[dict], *, actor: str) -> int: ...
    def withdraw_decision(self, decision_id: int, *, actor: str) -> int: ...
    def record(self, action: str, *, actor: str, upload_id: str | None = None, detail: str | None = None) -> int: ...


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def new_upload_id() -> str:
    return datetime.now(timezone.utc).strftime("u%Y%m%d%H%M%S-") + uuid.uuid4().hex[:8]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalStore:
    """Parquet files and a SQLite catalogue in one directory."""

    def __init__(self, directory: Path | str = DEFAULT_STORE_DIR) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / "parts").mkdir(exist_ok=True)
        with self._connect() as db:
            db.executescript(_DDL)
            for table, column, sql in _MIGRATIONS:
                if column not in {row[1] for row in db.execute(f"PRAGMA table_info({table})")}:
                    db.execute(sql)

    # -- plumbing ---------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.directory / "catalogue.sqlite", timeout=30, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
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
            db.execute("ROLLBACK")
            raise
        finally:
            db.close()

    def _query(self, sql: str, params: tuple = ()) -> list[tuple]:
        db = self._connect()
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
        frame.write_parquet(temporary, compression="zstd", statistics=True)
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, target)
        _fsync_dir(target.parent)

    # -- reading ----------------------------------------------------------------------
    def version(self) -> int:
        """The id of the last change; every write bumps it (the cache key for pages)."""
        return int(self._query("SELECT COALESCE(MAX(change_id), 0) FROM changes")[0][0])

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
        all of them or none (and files nobody refers to, swept by the next commit).
        """
        if mode not in ("add", "replace"):
            raise ValueError(f"mode must be 'add' or 'replace', not {mode!r}")
        with self._write_lock():
            self._sweep_locked()
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
            done = iter(stored)
            return [result if result is not None else next(done) for result in results]

    def _record_upload(self, db: sqlite3.Connection, item: Incoming, upload_id: str, data: pl.DataFrame,
                       written: list[tuple[str, int, int, int]], *, uploader: str, mode: str,
                       is_sample: bool) -> CommitResult:
        quarters = sorted({(fy, fq) for _, fy, fq, _ in written})
        replaced_files: list[str] = []
        replaced: list[str] = []
        if mode == "replace" and quarters:
            clause = " OR ".join("(f.fy = ? AND f.fq = ?)" for _ in quarters)
            params = tuple(v for pair in quarters for v in pair)
            hits = db.execute(
                "SELECT f.upload_id, f.path FROM upload_files f JOIN uploads u USING (upload_id) "
                f"WHERE u.status = 'active' AND f.replaced_by IS NULL AND ({clause})", params).fetchall()
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
        with self._write_lock(), self._transaction() as db:
            row = db.execute("SELECT status FROM uploads WHERE upload_id = ?", (upload_id,)).fetchone()
            if row is None:
                raise StoreError(f"no upload {upload_id!r}")
            if row[0] != "active":
                raise StoreError(f"upload {upload_id!r} is {row[0]}, not active")
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
        """The names decided so far and still in force (:data:`analytics.decisions.SCHEMA` plus who and when)."""
        rows = self._query(f"SELECT {', '.join(DECISION_COLUMNS)} FROM decisions WHERE withdrawn_change_id IS NULL "
                           "ORDER BY decision_id")
        return pl.DataFrame(rows, schema=DECISION_COLUMNS, orient="row")

    def decide(self, rows: list[dict], *, actor: str) -> int:
        """Record decisions (:func:`analytics.decisions.make` rows); a new one for the same value
        replaces the old. One audit entry; returns the new data version."""
        if not rows:
            return self.version()
        with self._write_lock(), self._transaction() as db:
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
        with self._write_lock(), self._transaction() as db:
            row = db.execute("SELECT kind, value, code FROM decisions WHERE decision_id = ? "
                             "AND withdrawn_change_id IS NULL", (decision_id,)).fetchone()
            if row is None:
                raise StoreError(f"no decision {decision_id!r} in force")
            change = self._log(db, "withdraw_decision", actor=actor, upload_id=None,
                               detail={"decision_id": decision_id, "kind": row[0], "value": row[1], "code": row[2]})
            db.execute("UPDATE decisions SET withdrawn_change_id = ? WHERE decision_id = ?", (change, decision_id))
            return change

    def record(self, action: str, *, actor: str, upload_id: str | None = None, detail: str | None = None) -> int:
        """Add an audit entry (sign-ins and the like) that changes no data."""
        with self._transaction() as db:
            return self._log(db, action, actor=actor, upload_id=upload_id, detail=detail)

    def sweep(self) -> list[Path]:
        """Delete Parquet files no upload refers to (left by a killed process)."""
        with self._write_lock():
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


def open_store(location: str | Path | None = None) -> Store:
    """The store at ``location`` (a directory; later also a URL for a shared backend)."""
    return LocalStore(Path(location) if location else DEFAULT_STORE_DIR)
