"""An uploaded file's identity: the SHA-256 of its bytes, exactly as they were checked, and the
sheet read when one was chosen (each sheet of a workbook with several logs is an upload of its own).

The store keeps it with each upload, so that the same file uploaded again is recognised and
stored once (:meth:`analytics.store.protocol.Store.find_by_hash`).
"""

from __future__ import annotations

import hashlib
import re

#: Characters a terminal or a page acts on rather than shows: C0 and C1 controls (an escape that
#: clears or recolours a terminal, a line break that would forge a line of output) and the
#: direction overrides and isolates that reorder the text after them.
UNSHOWN = "[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
_UNSHOWN = re.compile(UNSHOWN)


#: Line breaks and tabs: a space in a name (one line of output per upload, one cell per field)
BREAKS = "[\t\n\r\x0b\x0c\x85\u2028\u2029]+"
_BREAKS = re.compile(BREAKS)


def shown_name(name: str) -> str:
    """A file's name as it is said back, stored and listed: its line breaks and tabs as a space,
    each other character of :data:`UNSHOWN` as � (a probe's "esc[2J…⏎fake: 0 problems.csv" cleared
    the terminal and wrote a line of its own)."""
    return _UNSHOWN.sub("\ufffd", _BREAKS.sub(" ", name))


def content_hash(data: bytes, *, sheet: str | None = None) -> str:
    """The file's SHA-256 as 64 hex digits; with ``sheet``, :func:`sheet_hash` of it."""
    digest = hashlib.sha256(data).hexdigest()
    return digest if sheet is None else sheet_hash(digest, sheet)


def upload_name(file_name: str, sheet: str | None, *, log_sheets: list[str]) -> str:
    """The name an upload is listed under: the file's, and, of a workbook with a log on each of
    several sheets (a sheet per month, per upazila), the sheet's too ("book.xlsx › July"), so that
    the uploads of its sheets are told apart on the Data page, in `uploads` and in the audit log."""
    name = f"{file_name} › {sheet}" if sheet and len(log_sheets) > 1 else file_name
    return shown_name(name)


def sheet_hash(digest: str, sheet: str) -> str:
    """The identity of sheet ``sheet`` of the file whose SHA-256 is ``digest`` (64 hex digits)."""
    return hashlib.sha256(f"{digest}\0{sheet}".encode()).hexdigest()
