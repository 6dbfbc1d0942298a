"""Ctrl-C at any moment: a command line says "interrupted" (exit 130), never an internal error.

SIGTERM (``kill``, ``timeout``, a service manager stopping a job) is the same interruption, said the
same way, with the shell's status for it, 143: an ingest it ends stores nothing, and says so.

A Ctrl-C that lands while polars works in Rust can come back as another exception (polars'
TypeError after the ``KeyboardInterrupt`` raised in one of its callbacks was swallowed, which
Python reports as an "Exception ignored in ..." traceback on stderr). :func:`install` notes every
Ctrl-C, so that :func:`happened` tells such an error from an internal one, and sends those
reports to the log instead of the terminal.
"""

from __future__ import annotations

import logging
import signal
import sys

#: The signals received since :func:`install` (SIGINT, SIGTERM), in order.
_SEEN: list[int] = []


def _on_interrupt(signum, frame) -> None:  # noqa: ANN001 - signal's own signature
    _SEEN.append(signum)
    raise KeyboardInterrupt


def _unraisable(report) -> None:  # noqa: ANN001 - sys.UnraisableHookArgs
    if _SEEN:  # what a Ctrl-C left half done: "interrupted" says it
        return
    logging.getLogger("analytics.cli").error("exception ignored in %r", report.object,
                                             exc_info=(report.exc_type, report.exc_value, report.exc_traceback))


def install() -> None:
    """Note each Ctrl-C and SIGTERM (raising ``KeyboardInterrupt``), and log what Python could not raise."""
    signal.signal(signal.SIGINT, _on_interrupt)
    signal.signal(signal.SIGTERM, _on_interrupt)
    sys.unraisablehook = _unraisable


def happened() -> bool:
    """Whether Ctrl-C was pressed since :func:`install`."""
    return bool(_SEEN)


def status() -> int:
    """The exit status of an interruption: 128 and the signal's number (130 for Ctrl-C, 143 for
    SIGTERM), as a shell gives a command that signal ends; 130 when none was seen (a
    ``KeyboardInterrupt`` raised otherwise)."""
    return 128 + (_SEEN[-1] if _SEEN else signal.SIGINT)


def message_key(command: str | None) -> str:
    """The message of a Ctrl-C: an ingest says that the upload it was making is not stored; any
    other command that it was interrupted (a brief or a summary stores nothing)."""
    return "cli_error.interrupted" if command == "ingest" else "cli_error.interrupted_other"
