"""The rows kept: the :class:`Store` protocol (``protocol``), the catalogue logic the backends
share (``catalogue``), and the backends: ``local`` (Parquet + SQLite in a directory, the
embedded default) and ``shared`` (PostgreSQL + S3-compatible object storage).

Everything outside this package imports from here: :func:`open_store` picks the backend.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from analytics.ingest.digest import content_hash
from analytics.store.local import CATALOGUE, DEFAULT_STORE_DIR, LocalStore
from analytics.store.protocol import (
    CHANGE_COLUMNS,
    DATA_ACTIONS,
    DECISION_COLUMNS,
    PART_PATH,
    UPLOAD_COLUMNS,
    UPLOAD_QUARTER_COLUMNS,
    CommitResult,
    Incoming,
    Store,
    StoreChanged,
    StoreError,
    StoreFull,
    StoreReadOnly,
    new_upload_id,
)

__all__ = [
    "CATALOGUE", "CHANGE_COLUMNS", "DATA_ACTIONS", "DECISION_COLUMNS", "DEFAULT_STORE_DIR", "PART_PATH",
    "UPLOAD_COLUMNS", "UPLOAD_QUARTER_COLUMNS", "CommitResult", "Incoming", "LocalStore", "Store", "StoreChanged",
    "StoreError", "StoreFull", "StoreReadOnly", "content_hash", "entrepreneur_ids", "missing_store", "new_upload_id", "open_store",
    "shared_location", "store_location",
]


def store_location(env: Mapping[str, str] | None = None) -> str:
    """Where the store is: ``SEBA_ATLAS_STORE`` (a directory or a postgresql:// URL), else
    ``data/store`` in the project."""
    env = os.environ if env is None else env
    return str(env.get("SEBA_ATLAS_STORE") or DEFAULT_STORE_DIR)


def open_store(location: str | Path | None = None, *, env: Mapping[str, str] | None = None) -> Store:
    """The store at ``location`` (default :func:`store_location`): a directory is the local
    store; a ``postgresql://`` URL is the shared one, its objects at ``SEBA_ATLAS_OBJECTS`` and
    reached with the ``AWS_*`` keys, all read from ``env`` (default: the environment)."""
    env = dict(os.environ if env is None else env)
    where = str(location) if location else store_location(env)
    if shared_location(where):
        from analytics.store.shared import SharedStore, storage_options

        cache = env.get("SEBA_ATLAS_OBJECT_CACHE") or str(Path(tempfile.gettempdir()) / "seba-atlas-objects")
        return SharedStore(where, objects=env.get("SEBA_ATLAS_OBJECTS", ""), options=storage_options(env),
                           cache=None if cache.strip().lower() == "off" else cache)
    return LocalStore(Path(where))


#: What a local store's folder holds (:mod:`analytics.store.local`); a folder holding anything else,
#: and no catalogue, is not a store.
_STORE_ENTRIES = frozenset({CATALOGUE, f"{CATALOGUE}-wal", f"{CATALOGUE}-shm", f"{CATALOGUE}-journal", "parts", "rollups",
                            "store.lock", "header-mappings.json"})


def missing_store(location: str | Path, *, create: bool = False) -> StoreError | None:
    """The refusal of a command given the local store at ``location`` when none is there: no folder
    (a slip in a path), unless ``create`` (an ingest makes the store), rather than a new empty store
    made on the spot; or a folder holding other files and no store (a folder of log files, a home
    folder), never made a store. None when there is one, or an empty folder (a new store), or it is
    the shared store, or a file stands in the way (the store itself then names that file)."""
    path = Path(location)
    if shared_location(str(location)):
        return None
    if path.is_dir():
        try:
            # (hidden files and a disk's lost+found are no one's files: a new disk for the store has them)
            entries = {entry.name for entry in path.iterdir() if not entry.name.startswith(".")} - {"lost+found"}
        except OSError:  # (a folder that cannot be listed: the store itself says so)
            return None
        if entries and CATALOGUE not in entries and not entries <= _STORE_ENTRIES:
            return StoreError(f"{location} holds other files and no store", key="other_files", path=str(location))
        return None
    if create or path.exists():
        return None
    if not next(p for p in path.absolute().parents if p.exists()).is_dir():
        return None
    return StoreError(f"there is no store at {location}", key="no_store_named", path=str(location))


def entrepreneur_ids(store: Store, *, also: list[pl.LazyFrame] = ()) -> pl.Series:
    """The entrepreneur IDs ``store`` holds (and those of ``also``: rows checked but not stored yet),
    each once: what a new file's IDs are spelled as when they are another spelling of one
    (:func:`analytics.ingest.pipeline.ingest_bytes`'s ``known_ids``)."""
    frames = [store.scan(), *also]
    return pl.concat([frame.select(pl.col("entrepreneur_id").drop_nulls().unique()) for frame in frames]) \
        .unique().collect().to_series()


def shared_location(location: object) -> bool:
    """Whether a store location names the shared backend (a postgresql:// URL), not a directory."""
    return isinstance(location, str) and location.split("://", 1)[0] in ("postgresql", "postgres")
