"""A file read ahead, in the isolated child a command line starts first (issue 13).

``python -m analytics ingest FILE`` starts its isolated child before anything else
(:func:`analytics.ingest.isolation.prestart`). The child imports this small module (polars and
the readers) and :func:`start` reads the file in a thread, while the child imports the checks and
the command line imports itself and opens the store. :func:`take` then gives what was read to
the ingest of that very file, if it is unchanged and asked for with the default sheet and limits;
otherwise the file is simply read again.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from analytics.ingest.digest import content_hash
from analytics.ingest.limits import Limits
from analytics.ingest.readers import ReadError, Table, read_table

#: Files being read ahead: path -> (the reading thread, what it found).
_AHEAD: dict[str, tuple[threading.Thread, dict]] = {}
#: Hashes a file's bytes while polars reads them (hashlib lets go of the GIL).
HASHING = ThreadPoolExecutor(max_workers=1)


def _stamp(file: Path) -> tuple[int, int]:
    stat = file.stat()
    return stat.st_size, stat.st_mtime_ns


def _read(upload: str, found: dict) -> None:
    try:
        file = Path(upload)
        before = _stamp(file)
        data = [file.read_bytes()]
        found["digest"] = HASHING.submit(content_hash, data[0])
        if len(data[0]) <= Limits().max_bytes:  # a larger file is refused by the real read
            try:
                found["table"] = read_table(data.pop(), file_name=file.name, sheet=None)
            except ReadError as error:
                found["table"] = error
        found["stamps"] = (before, _stamp(file))
    except Exception:  # noqa: BLE001 - only a head start: the real read reports any problem
        logging.getLogger(__name__).info("read-ahead of %s failed", upload, exc_info=True)


def start(upload: str) -> None:
    """Start reading the file ``upload`` (and hashing its bytes), once. Never raises."""
    if upload not in _AHEAD:
        found: dict = {}
        thread = threading.Thread(target=_read, args=(upload, found), daemon=True)
        thread.start()
        _AHEAD[upload] = (thread, found)


def pending(upload: str) -> bool:
    """Whether ``upload`` was read ahead and not yet taken."""
    return upload in _AHEAD


def take(upload: str, *, file_name: str, sheet: str | None, limits: Limits) -> tuple[Future, Table | ReadError] | None:
    """The hash (a future) and the table (or the reader's error) of ``upload`` read ahead, if it was,
    is unchanged since, and is asked for as it was read (its own name, the first sheet, the default
    limits); None otherwise. What was read ahead is given once."""
    entry = _AHEAD.pop(upload, None)
    if entry is None:
        return None
    thread, found = entry
    thread.join()
    file = Path(upload)
    try:
        same = "table" in found and found["stamps"] == (_stamp(file), _stamp(file))
    except OSError:
        return None
    if not same or sheet is not None or limits != Limits() or file_name != file.name:
        return None
    return found["digest"], found["table"]
