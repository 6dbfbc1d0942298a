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

from analytics.ingest.digest import content_hash
from analytics.store.local import DEFAULT_STORE_DIR, LocalStore
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
    "CHANGE_COLUMNS", "DATA_ACTIONS", "DECISION_COLUMNS", "DEFAULT_STORE_DIR", "PART_PATH",
    "UPLOAD_COLUMNS", "UPLOAD_QUARTER_COLUMNS", "CommitResult", "Incoming", "LocalStore", "Store", "StoreChanged",
    "StoreError", "StoreFull", "StoreReadOnly", "content_hash", "missing_store", "new_upload_id", "open_store",
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


def missing_store(location: str | Path) -> StoreError | None:
    """The refusal of a command that reads the local store at ``location`` when no folder is there
    (a slip in a path), rather than a new empty store made on the spot; None when there is one, or
    it is the shared store, or a file stands in the way (the store itself then names that file)."""
    path = Path(location)
    if shared_location(str(location)) or path.exists():
        return None
    if not next(p for p in path.absolute().parents if p.exists()).is_dir():
        return None
    return StoreError(f"there is no store at {location}", key="no_store_named", path=str(location))


def shared_location(location: object) -> bool:
    """Whether a store location names the shared backend (a postgresql:// URL), not a directory."""
    return isinstance(location, str) and location.split("://", 1)[0] in ("postgresql", "postgres")
