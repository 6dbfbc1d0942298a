"""The rows kept: the :class:`Store` protocol (``protocol``) and its backends (``local``).

Everything outside this package imports from here: ``open_store`` picks the backend.
"""

from __future__ import annotations

from pathlib import Path

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
    StoreError,
    StoreFull,
    StoreReadOnly,
    content_hash,
    new_upload_id,
)

__all__ = [
    "CHANGE_COLUMNS", "DATA_ACTIONS", "DECISION_COLUMNS", "DEFAULT_STORE_DIR", "PART_PATH",
    "UPLOAD_COLUMNS", "UPLOAD_QUARTER_COLUMNS", "CommitResult", "Incoming", "LocalStore", "Store", "StoreError",
    "StoreFull", "StoreReadOnly", "content_hash", "new_upload_id", "open_store",
]


def open_store(location: str | Path | None = None) -> Store:
    """The store at ``location`` (a directory; later also a URL for a shared backend)."""
    return LocalStore(Path(location) if location else DEFAULT_STORE_DIR)
