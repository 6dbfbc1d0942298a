"""Files the command line writes where the user says (a brief's PDF, a backup, the problems reports).

A file is written whole or not at all: into a temporary file beside it, then renamed over it, so a
full disk or a killed process never leaves a file cut short under the name given. What the name
points at is respected:

- a symbolic link is followed: its target is written (the same way) and the link stays a link;
- a device or a pipe (``/dev/stdout``, ``/dev/null``, a FIFO) is written into, never replaced by a
  file of ours: a review's ``--out /dev/full`` replaced the system's device with a PDF, and said
  nothing of the full disk;
- a folder is refused (``IsADirectoryError``).

An error is said of the name the user gave, not of the temporary file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Callable
from pathlib import Path


def write_whole(target: Path, write: Callable[[Path], None]) -> None:
    """``write(path)`` writes the file's content to ``path``; it becomes ``target`` whole."""
    given = target
    try:
        target = Path(os.path.realpath(target))  # (a link's target; a link to a link, followed to its end)
        try:
            mode = target.stat().st_mode
        except FileNotFoundError:
            mode = None
        if mode is not None and stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(given))
        if mode is not None and not stat.S_ISREG(mode):  # a device or a pipe: written into
            write(target)
            return
        # (a name of its own, not the target's and more: a name as long as the folder allows has no room)
        partial = target.with_name(f".seba-atlas-{os.getpid()}-{secrets.token_hex(4)}.partial")
        try:
            write(partial)
            with open(partial, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(partial, target)
        except BaseException:
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
            raise
    except OSError as error:  # said of the file asked for
        raise type(error)(error.errno, error.strerror, str(given)) from None


def write_bytes(target: Path, data: bytes) -> None:
    """:func:`write_whole` of ``data``."""
    write_whole(target, lambda path: path.write_bytes(data))


def inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` (followed through links) is ``folder`` or lies within it."""
    real, home = Path(os.path.realpath(path)), Path(os.path.realpath(folder))
    return real == home or home in real.parents
