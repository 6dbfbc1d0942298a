"""The store's seam: what the app, the CLI and the reports may ask of a store.

:class:`Store` is the protocol every backend implements (the embedded
:class:`analytics.store.local.LocalStore` is the default); the tables it returns have the
columns declared here, once.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Literal, Protocol

import polars as pl

from analytics.reference.periods import Period

if TYPE_CHECKING:
    from analytics.store.parts import Prepared
    from analytics.store.rollup import Rollup

#: The uploads table, declared once: (column, polars dtype, SQL declaration), a tuple per line of
#: the ``CREATE TABLE`` text. Both :data:`UPLOAD_COLUMNS` and the SQL are made from it; the line
#: breaks keep the SQL byte for byte what existing catalogues hold in ``sqlite_master`` (which
#: :mod:`analytics.cli.admin` compares on restore), so never re-wrap these lines.
_UPLOADS_TABLE: tuple[tuple[tuple[str, type[pl.DataType], str], ...], ...] = (
    (("upload_id", pl.String, "TEXT PRIMARY KEY"), ("file_name", pl.String, "TEXT NOT NULL"),
     ("content_hash", pl.String, "TEXT NOT NULL")),
    (("uploader", pl.String, "TEXT NOT NULL"), ("created_at", pl.String, "TEXT NOT NULL"),
     ("rows", pl.Int64, "INTEGER NOT NULL")),
    (("beneficiaries", pl.Int64, "INTEGER NOT NULL"), ("fee_paisa", pl.Int64, "INTEGER NOT NULL")),
    (("period_start", pl.String, "TEXT"), ("period_end", pl.String, "TEXT")),
    (("status", pl.String, "TEXT NOT NULL CHECK (status IN ('active', 'replaced', 'rolled_back'))"),),
    (("replaces", pl.String, "TEXT"), ("is_sample", pl.Boolean, "INTEGER NOT NULL DEFAULT 0"), ("note", pl.String, "TEXT")),
)
UPLOAD_COLUMNS = {name: dtype for line in _UPLOADS_TABLE for name, dtype, _ in line}
UPLOAD_QUARTER_COLUMNS = {"upload_id": pl.String, "fy": pl.Int64, "fq": pl.Int64, "rows": pl.Int64,
                          "replaced_by": pl.String}
CHANGE_COLUMNS = {"change_id": pl.Int64, "at": pl.String, "action": pl.String, "upload_id": pl.String,
                  "actor": pl.String, "detail": pl.String,
                  "version": pl.Int64}


#: ``change_id``: the data version the decision was made at (``withdrawn_change_id``: undone at).
DECISION_COLUMNS = {"decision_id": pl.Int64, "kind": pl.String, "key": pl.String, "value": pl.String,
                    "code": pl.String, "actor": pl.String, "change_id": pl.Int64}

#: Where a stored Parquet file may be, relative to the store (what :meth:`LocalStore.commit_many` writes).
PART_PATH = re.compile(r"parts/fy=[0-9]{4}/q=[1-4]/[A-Za-z0-9][A-Za-z0-9._-]{0,120}\.parquet")


#: The change-log actions that change what the store holds (uploads, rollbacks, name decisions).
#: Each gets the next data version (``changes.version``: its own sequence, apart from the change
#: log's ids); other entries (sign-ins and the like) get none and never move the version.
DATA_ACTIONS = ("upload", "rollback", "decide", "withdraw_decision")


class StoreError(Exception):
    """A store operation that cannot be done (unknown upload, nothing to roll back, ...).

    ``str(error)`` is an English sentence; ``key`` and ``values`` name the same message in
    ``analytics/strings/cli_errors.toml`` (``cli_error.<key>``) for the user's language.
    """

    key = "store_error"

    def __init__(self, message: str, *, key: str | None = None, **values: object) -> None:
        super().__init__(message)
        if key:
            self.key = key
        self.values = {"message": message, **values}


class StoreReadOnly(StoreError):
    """A write to a store that can only be read (read-only directory, disk or flag)."""

    key = "read_only"


class StoreFull(StoreError):
    """The disk holding the store is full: nothing was stored or changed."""

    key = "full"


class StoreChanged(StoreError):
    """A commit made on what a store held at one version (its checks: repeated rows, the quarters
    replaced) found another version when it came to write: nothing was stored; check again."""

    key = "changed"


@dataclass(frozen=True)
class CommitResult:
    upload_id: str
    status: Literal["stored", "duplicate"]
    rows: int
    replaced: tuple[str, ...] = ()  # uploads with a quarter replaced by this one


@dataclass(frozen=True)
class Incoming:
    """One file's accepted rows, to be committed (alone or with others in one batch): a frame, or
    the files the isolated reader wrote them to as the store keeps them (:mod:`analytics.store.parts`)."""

    frame: pl.DataFrame | Prepared
    file_name: str
    content_hash: str
    upload_id: str | None = None
    note: str | None = None


class Store(Protocol):
    """Everything the app, the CLI and the reports do with data goes through these methods."""

    #: Where the store is, for messages and cache keys: a directory, or a URL without its password.
    location: str
    #: True when the store can only be read (every write raises :class:`StoreReadOnly`).
    read_only: bool

    def check_writable(self) -> None: ...
    def version(self) -> int: ...
    def scan(self, *, as_of: int | None = None) -> pl.LazyFrame: ...
    def rollup(self, *, as_of: int | None = None) -> "Rollup": ...
    def build_rollups(self) -> list[str]: ...
    def uploads(self) -> pl.DataFrame: ...
    def changes(self) -> pl.DataFrame: ...
    def find_by_hash(self, content_hash: str) -> str | None: ...
    def quarters_with_data(self) -> list[Period]: ...
    def upload_quarters(self) -> pl.DataFrame: ...
    def commit(self, frame: pl.DataFrame, *, file_name: str, content_hash: str, uploader: str,
               mode: Literal["add", "replace"] = "add", is_sample: bool = False,
               note: str | None = None, upload_id: str | None = None, if_version: int | None = None) -> CommitResult: ...
    def commit_many(self, files: list[Incoming], *, uploader: str,
                    mode: Literal["add", "replace"] = "add", if_version: int | None = None) -> list[CommitResult]: ...
    def rollback(self, upload_id: str, *, actor: str) -> None: ...
    def decisions(self) -> pl.DataFrame: ...
    def decide(self, rows: list[dict], *, actor: str) -> int: ...
    def withdraw_decision(self, decision_id: int, *, actor: str) -> int: ...
    def record(self, action: str, *, actor: str, upload_id: str | None = None, detail: str | None = None) -> int: ...
    def header_mappings(self) -> dict[str, str]: ...
    def remember_headers(self, mapping: dict[str, str], *, actor: str | None = None) -> dict[str, str]: ...
    def forget_headers(self, headers: list[str], *, actor: str | None = None) -> dict[str, str]: ...
    def sweep(self) -> list[str]: ...
    def health(self, *, check_files: bool = False) -> dict[str, object]: ...
    def export_catalogue(self) -> dict[str, pl.DataFrame]: ...
    def import_catalogue(self, tables: dict[str, pl.DataFrame]) -> None: ...
    def read_object(self, relative: str) -> bytes: ...
    def put_object(self, relative: str, data: bytes) -> None: ...


def new_upload_id() -> str:
    return datetime.now(timezone.utc).strftime("u%Y%m%d%H%M%S-") + uuid.uuid4().hex[:8]


