"""An uploaded file's identity: the SHA-256 of its bytes, exactly as they were checked, and the
sheet read when one was chosen (each sheet of a workbook with several logs is an upload of its own).

The store keeps it with each upload, so that the same file uploaded again is recognised and
stored once (:meth:`analytics.store.protocol.Store.find_by_hash`).
"""

from __future__ import annotations

import hashlib


def content_hash(data: bytes, *, sheet: str | None = None) -> str:
    """The file's SHA-256 as 64 hex digits; with ``sheet``, :func:`sheet_hash` of it."""
    digest = hashlib.sha256(data).hexdigest()
    return digest if sheet is None else sheet_hash(digest, sheet)


def sheet_hash(digest: str, sheet: str) -> str:
    """The identity of sheet ``sheet`` of the file whose SHA-256 is ``digest`` (64 hex digits)."""
    return hashlib.sha256(f"{digest}\0{sheet}".encode()).hexdigest()
