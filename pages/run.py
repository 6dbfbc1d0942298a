"""One script run of app.py: what is read once per run, and whether app.py started the run.

Sessions run on threads of one process and each script run on its session's thread, so both live
in a thread-local. Nothing here draws anything; every other page module builds on it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

_RUN = threading.local()  # each session's script run has its own thread
T = TypeVar("T")


@contextlib.contextmanager
def script_run() -> Iterator[None]:
    """The whole of a script run (app.py): what is read once per run is read afresh, and
    forgotten when the run ends.

    The data version (one SQLite query per run instead of one per use), the view state (parsed
    from the URL once, not for every label) and who is signed in are kept in a memo for this run
    only. It is dropped when the run ends, however it ends (a rerun, ``st.stop``, an error), so the
    widget callbacks of the next run (which Streamlit calls before app.py) never read an old one.
    """
    _RUN.memo = {}
    try:
        yield
    finally:
        _RUN.memo = None


def once(key: str, compute: Callable[[], T]) -> T:
    """``compute()`` once per script run (kept in this run's memo under ``key``); outside a run
    begun by app.py (widget callbacks, tests calling helpers directly) every time."""
    memo = getattr(_RUN, "memo", None)
    if memo is not None and key in memo:
        return memo[key]
    value = compute()
    if memo is not None:
        memo[key] = value
    return value


def forget(key: str) -> None:
    """Read ``key`` afresh at its next use in this run."""
    memo = getattr(_RUN, "memo", None)
    if memo is not None:
        memo.pop(key, None)


def run_page(page) -> None:
    """Run the navigation's page from app.py (marks the run so pages know app.py set up)."""
    _RUN.in_app = True
    try:
        page.run()
    finally:
        _RUN.in_app = False


def in_app() -> bool:
    """Whether this page run came through app.py (see ``pages.navigation.guard``)."""
    return getattr(_RUN, "in_app", False)
