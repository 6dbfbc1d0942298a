"""The shared store: a PostgreSQL catalogue and Parquet objects in S3-compatible storage.

Several app processes (replicas, or a hosted app whose disk is wiped on restart) use one
store. The catalogue (uploads, their files, the change log, name decisions, header mappings,
accounts) lives in PostgreSQL through psycopg 3; the Parquet files live under an
``s3://bucket/prefix`` and are read and written with polars' own S3 support.

Configuration (environment variables, or the same keys in the ``[seba_atlas]`` secrets table):

- ``SEBA_ATLAS_STORE=postgresql://user:password@host:port/db`` selects this backend;
- ``SEBA_ATLAS_OBJECTS=s3://bucket/prefix`` is where the Parquet files go;
- ``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_REGION`` and
  ``AWS_ALLOW_HTTP=true`` (a plain-http endpoint) reach the object storage;
- ``SEBA_ATLAS_OBJECT_CACHE``: a folder for a read cache of the Parquet objects (default: one in
  the system's temporary folder; ``off``: read from the object storage every time). Objects are
  never changed once written, so a cached copy is never stale; the cache holds no state and
  can be deleted at any time.

Under concurrency: objects are written before the catalogue commit (one transaction), and
writers are serialised by a PostgreSQL advisory lock, so two uploads at once both land, one
after the other (a writer that cannot get the lock within a minute is told to try again). A
process killed mid-commit leaves unrecorded objects, swept under the lock by the next commit.
Schema migrations (``migrations/*.sql``, numbered) are applied when a store is opened, or with
``python -m analytics store migrate``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import polars as pl
import psycopg

from analytics.store import parts
from analytics.store.catalogue import CatalogueStore
from analytics.store.protocol import StoreError, StoreReadOnly

MIGRATIONS = Path(__file__).with_name("migrations")
#: Advisory lock keys: one for writers of data, one for schema migrations.
WRITE_LOCK = 0x5EBA_0001
MIGRATE_LOCK = 0x5EBA_0002
#: How long a writer waits for another one before it is told to try again (seconds).
WRITE_WAIT = 60.0
#: The keys read from the environment or the secrets table.
OBJECT_KEYS = ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_ALLOW_HTTP")


#: A password given in a URL's query (``?password=...``, libpq's way), and its value.
_QUERY_PASSWORD = re.compile(r"(?i)((?:^|[&;])password=)[^&;]*")


def redact(url: str) -> str:
    """``url`` without its password (after the user name, or in the query), for messages and logs."""
    parts = urlsplit(url)
    if parts.query:
        parts = parts._replace(query=_QUERY_PASSWORD.sub(r"\1***", parts.query))
    if parts.password is None:
        return urlunsplit(parts)
    netloc = parts.netloc.rsplit("@", 1)
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[-1]}"))


def storage_options(env: dict[str, str]) -> dict[str, str]:
    """polars' ``storage_options`` for the object storage, from the AWS_* keys in ``env``."""
    return {key.lower(): env[key] for key in OBJECT_KEYS if env.get(key)}


def _s3_filesystem(options: dict[str, str]):
    """A pyarrow S3 filesystem (listing and deleting objects) with the same settings as polars."""
    from pyarrow import fs

    endpoint = options.get("aws_endpoint_url")
    kwargs: dict[str, Any] = {"access_key": options.get("aws_access_key_id"),
                              "secret_key": options.get("aws_secret_access_key"),
                              "region": options.get("aws_region") or "us-east-1",
                              "connect_timeout": 5, "request_timeout": 30,
                              "retry_strategy": fs.AwsStandardS3RetryStrategy(max_attempts=2)}
    if endpoint:
        split = urlsplit(endpoint)
        kwargs |= {"endpoint_override": split.netloc, "scheme": split.scheme or "https",
                   "force_virtual_addressing": False}
    return fs.S3FileSystem(**kwargs)


class _Sql:
    """A psycopg connection that takes sqlite3's ``?`` placeholders (the catalogue's SQL)."""

    def __init__(self, connection: psycopg.Connection) -> None:
        self.connection = connection

    def execute(self, sql: str, params: tuple | list = ()) -> psycopg.Cursor:
        return self.connection.execute(sql.replace("?", "%s"), tuple(params))

    def executemany(self, sql: str, rows) -> psycopg.Cursor:
        cursor = self.connection.cursor()
        cursor.executemany(sql.replace("?", "%s"), [tuple(row) for row in rows])
        return cursor


def _connect(url: str, **kwargs) -> psycopg.Connection:
    return psycopg.connect(url, connect_timeout=10, application_name="seba-atlas", **kwargs)


@contextlib.contextmanager
def transaction(url: str) -> Iterator[_Sql]:
    """A new connection inside one transaction: committed at the end, rolled back on error."""
    with _connect(url) as connection, connection.transaction():
        yield _Sql(connection)


#: Databases this process has brought up to date (a store or the accounts opened again skip it).
_MIGRATED: set[str] = set()


def ensure_migrated(url: str) -> None:
    """:func:`migrate` once per process and database."""
    if url not in _MIGRATED:
        migrate(url)
        _MIGRATED.add(url)


def migrate(url: str) -> list[str]:
    """Apply the migrations this database lacks, in order, each in its own transaction; the
    names of those applied. Safe to run from several processes at once (an advisory lock)."""
    applied: list[str] = []
    with _connect(url, autocommit=True) as connection:
        connection.execute("SELECT pg_advisory_lock(%s)", (MIGRATE_LOCK,))
        try:
            connection.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                               "name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
            done = {row[0] for row in connection.execute("SELECT version FROM schema_migrations")}
            for path in sorted(MIGRATIONS.glob("[0-9][0-9][0-9][0-9]_*.sql")):
                version = int(path.name[:4])
                if version in done:
                    continue
                with connection.transaction():
                    connection.execute(path.read_text(encoding="utf-8"))
                    connection.execute("INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                                       (version, path.name))
                applied.append(path.name)
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s)", (MIGRATE_LOCK,))
    return applied


class SharedStore(CatalogueStore):
    """The catalogue in PostgreSQL (``url``), the Parquet files under ``objects`` (s3://...)."""

    BACKEND = "shared"
    _SEQ = "seq"

    def __init__(self, url: str, *, objects: str, options: dict[str, str] | None = None,
                 read_only: bool = False, cache: Path | str | None = None) -> None:
        if not objects or not objects.startswith("s3://") or not objects[5:].strip("/"):
            raise StoreError("a shared store needs SEBA_ATLAS_OBJECTS=s3://bucket/prefix for its files",
                             key="no_objects")
        self.url = url
        self.objects = objects.rstrip("/")
        self.location = redact(url)
        self.read_only = read_only
        self._storage_options = dict(options or {})
        self._fs = _s3_filesystem(self._storage_options)
        self._root = self.objects[len("s3://"):]
        self._local = threading.local()
        self.cache = Path(cache) / hashlib.sha256(self.objects.encode()).hexdigest()[:16] if cache else None
        with self._reachable():
            if not read_only:
                ensure_migrated(url)
            self._query("SELECT 1 FROM uploads LIMIT 1")
        if not read_only:
            self._sweep_on_open()

    # -- faults -----------------------------------------------------------------------
    @contextlib.contextmanager
    def _reachable(self) -> Iterator[None]:
        """PostgreSQL or the object storage out of reach: a :class:`StoreError`, never a traceback."""
        try:
            yield
        except StoreError:
            raise
        except psycopg.Error as error:
            raise StoreError(f"the shared store's database ({self.location}) cannot be reached or refused the "
                             f"request ({type(error).__name__}); nothing was changed; try again",
                             key="unavailable", path=self.location) from error
        except (OSError, pl.exceptions.PolarsError) as error:
            raise StoreError(f"the shared store's object storage ({self.objects}) cannot be reached or refused "
                             "the request; nothing was changed; try again", key="objects_unavailable",
                             path=self.objects) from error

    def check_writable(self) -> None:
        if self.read_only:
            raise StoreReadOnly(f"the store at {self.location} is read-only: it can be viewed, but nothing can be "
                                "stored or changed", path=self.location)

    @contextlib.contextmanager
    def _writing(self, *, storing: bool = False) -> Iterator[None]:
        self.check_writable()
        with self._reachable():
            yield

    # -- plumbing ---------------------------------------------------------------------
    def _reader(self) -> psycopg.Connection:
        """This thread's connection for reads (autocommit), opened again when it was lost."""
        connection = getattr(self._local, "connection", None)
        if connection is None or connection.closed or connection.broken:
            connection = self._local.connection = _connect(self.url, autocommit=True)
        return connection

    def _query(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._reachable():
            for attempt in (1, 2):
                try:
                    return _Sql(self._reader()).execute(sql, params).fetchall()
                except psycopg.OperationalError:
                    if attempt == 2:
                        raise
                    self._local.connection = None  # a server restart: one more try on a new connection
        raise AssertionError("unreachable")

    @contextlib.contextmanager
    def _snapshot(self) -> Iterator[_Sql]:
        with self._reachable(), _connect(self.url) as connection:
            connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            connection.read_only = True
            with connection.transaction():
                yield _Sql(connection)

    def _transaction(self) -> contextlib.AbstractContextManager[_Sql]:
        return transaction(self.url)

    @contextlib.contextmanager
    def _write_lock(self) -> Iterator[None]:
        with _connect(self.url, autocommit=True) as connection:
            deadline = time.monotonic() + WRITE_WAIT
            while not connection.execute("SELECT pg_try_advisory_lock(%s)", (WRITE_LOCK,)).fetchone()[0]:
                if time.monotonic() > deadline:
                    raise StoreError("another upload is being stored right now; try again in a minute",
                                     key="busy", path=self.location)
                time.sleep(0.2)
            try:
                yield
            finally:
                with contextlib.suppress(psycopg.Error):
                    connection.execute("SELECT pg_advisory_unlock(%s)", (WRITE_LOCK,))

    def _sweep_on_open(self) -> None:
        """Sweep orphans now unless a writer holds the lock (it sweeps itself)."""
        with contextlib.suppress(StoreError, psycopg.Error, OSError), _connect(self.url, autocommit=True) as connection:
            if connection.execute("SELECT pg_try_advisory_lock(%s)", (WRITE_LOCK,)).fetchone()[0]:
                try:
                    with self._reachable():
                        self._sweep_locked()
                finally:
                    connection.execute("SELECT pg_advisory_unlock(%s)", (WRITE_LOCK,))

    # -- the Parquet objects ----------------------------------------------------------
    def _object_url(self, relative: str) -> str:
        return f"{self.objects}/{relative}"

    def _readable(self, relative: str) -> str:
        """A local copy of the object when a read cache is set (objects never change once written:
        a copy is never stale, and the cache can be deleted at any time), else its s3:// URL."""
        if self.cache is None:
            return self._object_url(relative)
        local = self.cache / relative
        if not local.exists():
            local.parent.mkdir(parents=True, exist_ok=True)
            temporary = local.with_name(f".{local.name}.{os.getpid()}.{threading.get_ident()}.tmp")
            try:
                temporary.write_bytes(self.read_object(relative))
                os.replace(temporary, local)
            finally:
                temporary.unlink(missing_ok=True)
        return str(local)

    def _object_exists(self, relative: str) -> bool:
        from pyarrow import fs

        return self._fs.get_file_info(f"{self._root}/{relative}").type != fs.FileType.NotFound

    def _write_object(self, frame: pl.DataFrame, relative: str) -> None:
        frame.write_parquet(self._object_url(relative), **parts.PARQUET, storage_options=self._storage_options)

    def _remove_object(self, relative: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._fs.delete_file(f"{self._root}/{relative}")

    def read_object(self, relative: str) -> bytes:
        with self._reachable(), self._fs.open_input_stream(f"{self._root}/{relative}") as stream:
            return stream.read()

    def put_object(self, relative: str, data: bytes) -> None:
        with self._writing(storing=True), self._fs.open_output_stream(f"{self._root}/{relative}") as stream:
            stream.write(data)

    def _after_import(self, db: _Sql) -> None:
        for table, column in (("uploads", "seq"), ("changes", "change_id"), ("decisions", "decision_id")):
            db.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                       f"GREATEST((SELECT MAX({column}) FROM {table}), 1))")

    def _list_objects(self) -> list[str]:
        from pyarrow import fs

        prefix = len(self._root) + 1
        return sorted(info.path[prefix:] for area in ("parts", "rollups")
                      for info in self._fs.get_file_info(fs.FileSelector(f"{self._root}/{area}", recursive=True,
                                                                         allow_not_found=True))
                      if info.type == fs.FileType.File)

    # -- header mappings --------------------------------------------------------------
    def header_mappings(self) -> dict[str, str]:
        return dict(self._query("SELECT header, field FROM header_mappings ORDER BY header"))

    def remember_headers(self, mapping: dict[str, str], *, actor: str | None = None) -> dict[str, str]:
        rows = [(k, v) for k, v in mapping.items() if k and v]
        before = self.header_mappings()
        with self._writing(), self._transaction() as db:
            db.executemany("INSERT INTO header_mappings (header, field) VALUES (?, ?) "
                           "ON CONFLICT (header) DO UPDATE SET field = excluded.field", rows)
        after = self.header_mappings()
        self._record_headers(before, after, actor=actor)
        return after

    def forget_headers(self, headers: list[str], *, actor: str | None = None) -> dict[str, str]:
        before = self.header_mappings()
        with self._writing(), self._transaction() as db:
            db.executemany("DELETE FROM header_mappings WHERE header = ?", [(h,) for h in headers])
        after = self.header_mappings()
        self._record_headers(before, after, actor=actor)
        return after

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
