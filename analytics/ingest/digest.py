"""An uploaded file's identity: the SHA-256 of its bytes, exactly as they were checked.

The store keeps it with each upload, so that the same file uploaded again is recognised and
stored once (:meth:`analytics.store.protocol.Store.find_by_hash`).
"""

from __future__ import annotations

import hashlib


def content_hash(data: bytes) -> str:
    """The file's SHA-256 as 64 hex digits."""
    return hashlib.sha256(data).hexdigest()
