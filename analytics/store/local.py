"""Where accepted log rows live: Parquet files plus a SQLite catalogue of uploads.

Layout under the store directory::

    catalogue.sqlite                     uploads, their files, name decisions, the change log (audit)
    parts/fy=2022/q=1/<upload_id>.parquet  one file per upload and fiscal quarter
    store.lock                           serialises writers (several app processes)
    header-mappings.json                 the headers the office taught the Upload page

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
from functools import cache
from pathlib import Path

import polars as pl

from analytics import ROOT

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
from analytics.store import parts
from analytics.store.catalogue import CatalogueStore
from analytics.store.protocol import (
    _UPLOADS_TABLE,
    DATA_ACTIONS,
    StoreError,
    StoreFull,
    StoreReadOnly,
)

#: The embedded store of a checkout (``SEBA_ATLAS_STORE`` names another: see :func:`analytics.store.open_store`).
DEFAULT_STORE_DIR = ROOT / "data" / "store"

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
_MIGRATIONS = (("upload_files", "replaced_by", "ALTER TABLE upload_files ADD COLUMN replaced_by TEXT"),
               ("changes", "version", "ALTER TABLE changes ADD COLUMN version INTEGER"))
#: What a migration's new column holds for the rows already there: data versions were change ids
#: (so links pinned to a version before it keep showing the same data).
_BACKFILL = {"version": "UPDATE changes SET version = change_id WHERE action IN ({})".format(
    ", ".join(f"'{action}'" for action in DATA_ACTIONS))}
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


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _wal(db: sqlite3.Connection, *, patience: float = 30) -> None:
    """Put the catalogue in WAL mode (once made so, it stays). Going into WAL mode needs the file to
    itself, and SQLite does not wait for that as it waits for a write: while another process reads
    the catalogue it is just being made (two commands opening a new store at once), try again."""
    deadline = time.monotonic() + patience
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


class LocalStore(CatalogueStore):
    """Parquet files and a SQLite catalogue in one directory.

    ``read_only=None`` (the default) opens the store read-only when its directory or catalogue
    cannot be written (a read-only disk or mount, no permission), else read-write, creating it
    when missing and sweeping what a killed process left. ``read_only=True`` opens an existing
    store read-only whatever the permissions. A read-only store reads as usual; every write
    raises :class:`StoreReadOnly` and nothing on disk is touched.
    """

    BACKEND = "local"

    def __init__(self, directory: Path | str = DEFAULT_STORE_DIR, *, read_only: bool | None = None) -> None:
        self.directory = Path(directory)
        self.location = str(self.directory)
        self._uri: str | None = None
        # the store's folder, or a folder above it, is a file: not a read-only place, a wrong path
        below_file = next((p for p in (self.directory, *self.directory.parents) if p.exists() and not p.is_dir()), None)
        if below_file is not None:
            raise StoreError(f"{below_file} is not a directory, so it cannot be a store",
                             key="not_a_directory", path=str(below_file))
        self.read_only = (not _writable(self.directory)) if read_only is None else bool(read_only)
        if self.read_only:
            self._open_read_only()
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            (self.directory / "parts").mkdir(exist_ok=True)
            try:
                current = self._up_to_date()  # (reading first: a full disk still opens a complete store)
            except sqlite3.DatabaseError:  # being created by another process this moment, or damaged
                current = False
            if not current:
                # one process creates or migrates the catalogue at a time (two commands opening a new
                # store at once: the second waits, then finds it made); a damaged one fails here
                with self._write_lock():
                    if not self._up_to_date():
                        with closing(self._connect()) as db:
                            db.executescript(_DDL)
                            for table, column, sql in _MIGRATIONS:
                                if column not in {row[1] for row in db.execute(f"PRAGMA table_info({table})")}:
                                    db.execute(sql)
                                    if column in _BACKFILL:
                                        db.execute(_BACKFILL[column])
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
            _wal(db)
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

    def snapshot(self, catalogue: Path) -> list[str]:
        """A consistent copy of the catalogue into the new file ``catalogue`` (SQLite's backup API:
        writers may go on meanwhile; one self-contained file, no -wal or -shm), for a backup;
        the stored files that copy lists (relative to the store)."""
        with closing(self._connect(reading=True)) as source, closing(sqlite3.connect(catalogue)) as copy:
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")
            return [path for (path,) in copy.execute("SELECT path FROM upload_files ORDER BY path")]

    @contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        db = self._connect(reading=True)
        try:
            db.execute("BEGIN")  # a read transaction: one snapshot of the WAL for every SELECT
            yield db
            db.execute("COMMIT")
        finally:
            db.close()

    def _query(self, sql: str, params: tuple = ()) -> list[tuple]:
        db = self._connect(reading=True)
        try:
            return db.execute(sql, params).fetchall()
        finally:
            db.close()

    def _write_parquet(self, frame: pl.DataFrame, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
        try:
            frame.write_parquet(temporary, **parts.PARQUET)
            with open(temporary, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        except BaseException:
            temporary.unlink(missing_ok=True)  # a full disk leaves no half-written file behind
            raise
        _fsync_dir(target.parent)

    # -- the Parquet files ------------------------------------------------------------
    def _object_url(self, relative: str) -> str:
        return str(self.directory / relative)

    def _object_exists(self, relative: str) -> bool:
        return (self.directory / relative).exists()

    def _write_object(self, frame: pl.DataFrame, relative: str) -> None:
        self._write_parquet(frame, self.directory / relative)

    def _remove_object(self, relative: str) -> None:
        (self.directory / relative).unlink(missing_ok=True)

    def read_object(self, relative: str) -> bytes:
        return (self.directory / relative).read_bytes()

    def put_object(self, relative: str, data: bytes) -> None:
        with self._writing(storing=True):
            target = self.directory / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
            try:
                with open(temporary, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temporary, target)
            finally:
                temporary.unlink(missing_ok=True)
            _fsync_dir(target.parent)

    def _list_objects(self) -> list[str]:
        return sorted(path.relative_to(self.directory).as_posix() for area in ("parts", "rollups")
                      for path in (self.directory / area).rglob("*") if path.is_file())

    # -- header mappings the office taught the Upload page ----------------------------
    @property
    def _mappings_file(self) -> Path:
        return self.directory / "header-mappings.json"

    def header_mappings(self) -> dict[str, str]:
        """{header as written: canonical field}, as remembered from earlier uploads (kept in the
        store's directory; earlier versions kept them beside it, read until the next is saved)."""
        kept = self._mappings_file
        if not kept.exists() and (self.directory.parent / kept.name).exists():
            kept = self.directory.parent / kept.name
        try:
            data = json.loads(kept.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def remember_headers(self, mapping: dict[str, str], *, actor: str | None = None) -> dict[str, str]:
        """Merge ``mapping`` into the remembered ones and save atomically; the merged mapping. Given
        ``actor``, the audit log says who taught what."""
        before = self.header_mappings()
        merged = self._save_mappings(before | {k: v for k, v in mapping.items() if k and v})
        self._record_headers(before, merged, actor=actor)
        return merged

    def forget_headers(self, headers: list[str], *, actor: str | None = None) -> dict[str, str]:
        """Forget what ``headers`` were remembered to mean (the next file asks again); the rest. Given
        ``actor``, the audit log says who forgot what."""
        before = self.header_mappings()
        rest = self._save_mappings({k: v for k, v in before.items() if k not in set(headers)})
        self._record_headers(before, rest, actor=actor)
        return rest

    def _save_mappings(self, mappings: dict[str, str]) -> dict[str, str]:
        with self._writing():
            temporary = self._mappings_file.with_suffix(f".{uuid.uuid4().hex}.tmp")
            temporary.write_text(json.dumps(mappings, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
            os.replace(temporary, self._mappings_file)
        return mappings
