"""Run one function in a child process under memory and time limits.

An uploaded file is read and checked in a child process (:func:`run_limited`), so a file
that makes a reader allocate without bound (a workbook with one cell in XFD1048576 made
calamine ask for 512 GB and abort the process) or loop for minutes ends *that* process, not
the app that every viewer shares. The child limits its own address space (``RLIMIT_AS``)
before it unpickles anything, and the parent waits at most ``seconds``; either limit gives
:class:`LimitExceeded`, which the caller turns into a message for the user.

The child is a fresh interpreter (``python -m analytics.ingest.isolation``), not a fork: forking the
app's process, which runs polars' and Streamlit's threads, can deadlock the child, and
multiprocessing's spawn and forkserver re-import the parent's main module, which inside
Streamlit is the app script itself. Starting costs about half a second, once per file; a
command line hides it by starting the child first (:func:`prestart`), which may also read its
first file ahead. A command line that starts it before it has imported anything but the standard
library (one thread, no polars) forks it instead: a copy of a process that holds nothing yet,
ready a twentieth of a second sooner than a new interpreter. The file goes to the child by path (the caller writes uploaded bytes to a
temporary file), not through its pipe. Once it has answered, the child closes its output (the
parent goes on without waiting for it to end) and ends with ``os._exit``.
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable
from typing import Any

from analytics import ROOT

try:
    import resource
except ImportError:  # Windows: no address-space limit, the time limit still holds
    resource = None  # type: ignore[assignment]

#: Address space a child may map. polars and calamine reserve far more than they touch (thread
#: stacks, arenas), so this is not resident memory: a valid 1M-row file needs about 3 GB of it.
DEFAULT_MEMORY = int(os.environ.get("SEBA_ATLAS_PARSE_MEMORY", 6 * 1024**3))
DEFAULT_SECONDS = float(os.environ.get("SEBA_ATLAS_PARSE_SECONDS", 120))


class LimitExceeded(Exception):
    """The child ran out of its memory (``kind == "memory"``) or time (``"time"``), or died."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def run_limited(fn: Callable[..., Any], /, *args: Any, memory: int | None = None, seconds: float | None = None,
                **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` in a child process limited to ``memory`` bytes and ``seconds``.

    ``fn`` must be importable (a module-level function) and its arguments and result must
    pickle. Raises :class:`LimitExceeded` when a limit is hit or the child dies, and
    ``RuntimeError`` (with the child's traceback, for the log) when ``fn`` raised.
    """
    memory = DEFAULT_MEMORY if memory is None else memory
    seconds = DEFAULT_SECONDS if seconds is None else seconds
    payload = pickle.dumps((fn, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
    child = _take_spare(memory) or _start(memory)
    out, timed_out = _exchange(child, payload, seconds)
    if timed_out:
        _reap(child)
        raise LimitExceeded("time")
    try:
        status, value = pickle.loads(out)
    except Exception:  # no answer: killed or aborted (a Rust allocation failure aborts)
        child.wait()
        logging.getLogger(__name__).info("isolated child ended with %s: %s", child.returncode, _errors(child))
        raise LimitExceeded("memory") from None
    # answered: the child closed its output and is ending (freeing a large file's memory takes a
    # tenth of a second); it is reaped in the background rather than waited for
    reaper = threading.Thread(target=_reap, args=(child,), daemon=True)
    reaper.start()
    _REAPERS.append(reaper)
    if status == "ok":
        return value
    if status == "memory":
        raise LimitExceeded("memory")
    raise RuntimeError(f"isolated call failed:\n{value}")


def _exchange(child: subprocess.Popen, payload: bytes, seconds: float) -> tuple[bytes, bool]:
    """Send the call and read the answer, which ends where the child closes its output (before it
    exits); kill the child after ``seconds``. Returns (answer, whether the time ran out)."""
    killed: list[bool] = []

    def kill() -> None:
        killed.append(True)
        child.kill()

    timer = threading.Timer(seconds, kill)
    timer.daemon = True
    timer.start()
    try:
        try:
            child.stdin.write(payload)
            child.stdin.close()
        except (BrokenPipeError, OSError):  # died before it read the call: no answer below
            pass
        out = child.stdout.read()
    except BaseException:  # interrupted (Ctrl-C, SIGTERM): the child's work is not wanted any more
        child.kill()
        raise
    finally:
        timer.cancel()
        child.stdout.close()
    return out, bool(killed)


def _errors(child: subprocess.Popen) -> str:
    """The end of what the child wrote to its standard error (for the log)."""
    handle = getattr(child, "error_file", None)
    if handle is None:
        return ""
    handle.seek(0)
    text = handle.read()[-2000:].decode("utf-8", "replace")
    handle.close()
    return text


#: Threads reaping children that have answered (:func:`run_limited`).
_REAPERS: list[threading.Thread] = []


def wait_for_children() -> None:
    """Wait until every child that has answered has ended (a command line, before it exits: no
    child outlives it, and its own accounting of time and memory includes them)."""
    while _REAPERS:
        _REAPERS.pop().join()


def _reap(child: subprocess.Popen) -> None:
    child.wait()
    handle = getattr(child, "error_file", None)
    if handle is not None:
        handle.close()


#: A child started ahead (:func:`prestart`): (process, memory limit, module it imported).
_spare: tuple[subprocess.Popen | _Forked, int, str] | None = None


#: How soon the child's allocator gives freed pages back (jemalloc's options: :func:`_allocator_settings`).
CHILD_ALLOCATOR = "dirty_decay_ms:100,muzzy_decay_ms:0"


def _allocator_settings() -> str:
    """The child's ``_RJEM_MALLOC_CONF``: what this process has, then :data:`CHILD_ALLOCATOR` (or
    ``$SEBA_ATLAS_CHILD_ALLOCATOR``), which wins where both set the same option (jemalloc reads
    them in order).

    polars' allocator (jemalloc) then gives the pages freed by one stage of a large file back to
    the system within a tenth of a second, so that they do not add to the next stage's: a
    million-row file is checked in about a second; with polars' own setting (half a second), which
    its import writes into this process's environment, the peak was about 620 MB, with this about
    490 MB, measured no slower (freeing at once: about 430 MB, a third slower). Appended, not
    defaulted: in the app, and in any process that imported polars before it started a child, the
    variable is always set already."""
    ours = os.environ.get("SEBA_ATLAS_CHILD_ALLOCATOR", CHILD_ALLOCATOR)
    return ",".join(filter(None, [os.environ.get("_RJEM_MALLOC_CONF"), ours]))


def _child_settings(memory: int, preload: str, prefetch: str) -> dict[str, str]:
    """What a child finds in its environment: its allocator's settings, its limit, what it imports
    and reads ahead (:func:`_serve`)."""
    return {"_RJEM_MALLOC_CONF": _allocator_settings(), "SEBA_ATLAS_CHILD_MEMORY": str(memory),
            "SEBA_ATLAS_CHILD_PRELOAD": preload, "SEBA_ATLAS_CHILD_PREFETCH": prefetch}


def _start(memory: int, preload: str = "", prefetch: str = "") -> subprocess.Popen:
    env = {**os.environ, **_child_settings(memory, preload, prefetch),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    # standard error to a file: nobody reads it while the child runs (a pipe could fill and stall it)
    errors = tempfile.TemporaryFile()
    child = subprocess.Popen([sys.executable, "-m", "analytics.ingest.isolation"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=errors, env=env, cwd=ROOT)
    child.error_file = errors  # type: ignore[attr-defined]
    return child


def prestart(module: str = "analytics.ingest.pipeline", *, prefetch: str | None = None) -> None:
    """Start the next child now, importing ``module`` while the caller gets ready (a command line
    that is about to read a file): :func:`run_limited` then finds it waiting. A child nobody
    uses ends when the caller does (its input closes).

    ``prefetch``: a file the caller is likely to ask about; the child passes it to ``module``'s
    ``prefetch`` function (read ahead, under the child's limits) before it waits for the call."""
    global _spare
    if _spare is None:
        child = _fork(DEFAULT_MEMORY, module, prefetch or "") or _start(DEFAULT_MEMORY, module, prefetch or "")
        _spare = (child, DEFAULT_MEMORY, module)


class _Forked:
    """A child made by :func:`_fork`, with what :func:`run_limited` uses of a ``subprocess.Popen``."""

    def __init__(self, pid: int, stdin, stdout, error_file) -> None:
        self.pid, self.stdin, self.stdout, self.error_file = pid, stdin, stdout, error_file
        self.returncode: int | None = None
        self._lock = threading.Lock()

    def _waited(self, flags: int) -> int | None:
        with self._lock:
            if self.returncode is None:
                try:
                    pid, status = os.waitpid(self.pid, flags)
                except ChildProcessError:  # reaped already
                    pid, status = self.pid, 0
                if pid == self.pid:
                    self.returncode = os.waitstatus_to_exitcode(status)
            return self.returncode

    def poll(self) -> int | None:
        return self._waited(os.WNOHANG)

    def wait(self) -> int:
        return self._waited(0)  # type: ignore[return-value]

    def kill(self) -> None:
        if self.poll() is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def communicate(self) -> None:
        for stream in (self.stdin, self.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self.wait()


def _fork(memory: int, preload: str, prefetch: str) -> _Forked | None:
    """A child forked from this process, when that is safe: this process has one thread and has not
    imported polars (a command line, before it imports anything of its own); None otherwise (and
    where there is no fork). The child serves one call as :func:`_start`'s does, and never returns
    from here."""
    if not hasattr(os, "fork") or threading.active_count() > 1 or "polars" in sys.modules:
        return None
    errors = tempfile.TemporaryFile()
    call_in, call_out = os.pipe()
    answer_in, answer_out = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)  # (the parent's handler says "interrupted")
            os.dup2(call_in, 0)
            os.dup2(answer_out, 1)
            os.dup2(errors.fileno(), 2)
            for fd in (call_in, call_out, answer_in, answer_out):
                os.close(fd)
            os.environ.update(_child_settings(memory, preload, prefetch))
            _serve()
        finally:
            os._exit(70)  # (_serve ends the process itself)
    os.close(call_in)
    os.close(answer_out)
    return _Forked(pid, os.fdopen(call_out, "wb"), os.fdopen(answer_in, "rb"), errors)


def _take_spare(memory: int) -> subprocess.Popen | _Forked | None:
    global _spare
    spare, _spare = _spare, None
    if spare is None:
        return None
    child, limit, _ = spare
    if limit == memory and child.poll() is None:
        return child
    child.kill()
    child.communicate()
    _reap(child)
    return None


def stamp(path: str | os.PathLike) -> tuple[int, int]:
    """A file's size and time of change: the same before and after a read, the file did not change."""
    stat = os.stat(path)
    return stat.st_size, stat.st_mtime_ns


class _Reading(threading.Thread):
    """A file's bytes read on a thread of their own (reading lets go of the GIL) while the child
    imports what will check them: ``result`` is (stamp before, bytes, stamp after), or None."""

    def __init__(self, path: str) -> None:
        super().__init__(daemon=True)
        self.path, self.result = path, None
        self.start()

    def run(self) -> None:
        try:
            before = stamp(self.path)
            with open(self.path, "rb") as handle:
                data = handle.read()
            self.result = (before, data, stamp(self.path))
        except OSError:  # read again, and reported, by the call itself
            pass


#: Files being read ahead in this child (:func:`read_ahead`): path -> the reading thread.
_READING: dict[str, _Reading] = {}


def read_ahead(path: str) -> tuple[tuple[int, int], bytes, tuple[int, int]] | None:
    """What the child read of ``path`` while it started (``prestart(prefetch=path)``): (stamp before,
    bytes, stamp after), once; None when it did not read it (or could not)."""
    reading = _READING.pop(path, None)
    if reading is None:
        return None
    reading.join()
    return reading.result


def _serve() -> None:
    """The child: limit itself, read (fn, args, kwargs), run, write (status, value)."""
    memory = int(os.environ.get("SEBA_ATLAS_CHILD_MEMORY", DEFAULT_MEMORY))
    if resource is not None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    try:
        if os.environ.get("SEBA_ATLAS_CHILD_PRELOAD"):  # imported while the parent gets the input ready
            import importlib

            prefetch = os.environ.get("SEBA_ATLAS_CHILD_PREFETCH")
            if prefetch:  # its bytes are read while the module imports
                _READING[prefetch] = _Reading(prefetch)
            module = importlib.import_module(os.environ["SEBA_ATLAS_CHILD_PRELOAD"])
            if prefetch and hasattr(module, "prefetch"):
                module.prefetch(prefetch)
        fn, args, kwargs = pickle.loads(sys.stdin.buffer.read())
        outcome = ("ok", fn(*args, **kwargs))
        data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        data = pickle.dumps(("memory", None))
    except BaseException:  # noqa: BLE001 - reported to the parent, which logs it
        data = pickle.dumps(("error", traceback.format_exc(limit=8)))
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
    os.close(1)  # the answer ends here: the parent goes on while this process is torn down
    # done: skip the interpreter's shutdown (freeing every frame and joining polars' threads takes
    # a few tenths of a second after a large file, while the parent waits for the end of the pipe)
    os._exit(0)


if __name__ == "__main__":
    _serve()
