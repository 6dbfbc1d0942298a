"""Ctrl-C at any moment: a command line says "interrupted" (exit 130), never an internal error.

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

_SEEN: list[bool] = []


def _on_interrupt(signum, frame) -> None:  # noqa: ANN001 - signal's own signature
    _SEEN.append(True)
    raise KeyboardInterrupt


def _unraisable(report) -> None:  # noqa: ANN001 - sys.UnraisableHookArgs
    if _SEEN:  # what a Ctrl-C left half done: "interrupted" says it
        return
    logging.getLogger("analytics.cli").error("exception ignored in %r", report.object,
                                             exc_info=(report.exc_type, report.exc_value, report.exc_traceback))


def install() -> None:
    """Note each Ctrl-C (still raising ``KeyboardInterrupt``), and log what Python could not raise."""
    signal.signal(signal.SIGINT, _on_interrupt)
    sys.unraisablehook = _unraisable


def happened() -> bool:
    """Whether Ctrl-C was pressed since :func:`install`."""
    return bool(_SEEN)


def message_key(command: str | None) -> str:
    """The message of a Ctrl-C: an ingest says that the upload it was making is not stored; any
    other command that it was interrupted (a brief or a summary stores nothing)."""
    return "cli_error.interrupted" if command == "ingest" else "cli_error.interrupted_other"
