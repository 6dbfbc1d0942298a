"""Load test: many viewers at once, speaking Streamlit's own websocket protocol (no browser).

    python -m benchmarks.load                    # the standard scenarios with the shipped production settings
    python -m benchmarks.load --settings default # the same with Streamlit's defaults (file watcher on)
    python -m benchmarks.load --scenario views --sessions 20 --views 5
    python3 dev.py load [...]                    # the same through dev.py

For each scenario a fresh server is started: ``streamlit run app.py`` on a free loopback port
(127.0.0.1 only) with a temporary store (``SEBA_ATLAS_STORE``) seeded with the sample, as after a
restart. Each session then does what a browser tab does: it opens ``ws://127.0.0.1:PORT/_stcore/stream``
(subprotocol ``streamlit``), sends a ``BackMsg.rerun_script`` whose ``ClientState`` carries the
link's ``query_string``, the page's ``page_name`` (its URL path) and the browser's ``context_info``,
and reads ``ForwardMsg``s until ``script_finished`` (the frontend sends exactly that on connect;
see ``sendRerunBackMsg`` in Streamlit's frontend bundle). Going to another view is another
``rerun_script`` with the new query string and the target page's ``page_script_hash`` (taken from
the app's ``navigation`` message), as the frontend does on a page change.

Scenarios:

- ``cold``: N sessions open at once right after the server answers its health check (the
  first minute of a meeting after a restart). Counts error pages.
- ``views``: one session opens the app (the server is warm), then N sessions each open a view
  and go to V views nobody asked for before (cache misses), then R views already computed.
- ``ingest``: N sessions keep browsing while ``python -m analytics ingest`` stores a new quarter
  (FY 2023-24 Q1, made from the sample) into the same store; an observer session reloads the
  overview until it shows the new fiscal year: "visible after" is measured from the moment the
  ingest command returned.

Errors are exception elements, ``st.error`` alerts, compile errors, "page not found", closed
sockets and runs that did not finish within ``--run-timeout``. A hang is the health endpoint
not answering for ``--hang-timeout`` seconds: the test then makes the server dump its threads'
stacks (faulthandler, SIGABRT) into its log and stops instead of waiting. Every loop is bounded
by a count and every wait by a timeout; ``--max-seconds`` bounds a scenario.

Reported per scenario: first load and rerun (new view / cached view) median and p95 in seconds,
errors, hangs, server peak RSS and CPU (percent of one core over the scenario), and with
``--write`` a section of ``benchmarks/RESULTS.md`` (between the ``load-test`` markers).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
UNIT = ROOT / "deploy" / "seba-atlas.service"
MARK_START, MARK_END = "<!-- load-test:start -->", "<!-- load-test:end -->"

PAGES = {"overview": "", "map": "map", "entrepreneurs": "entrepreneurs", "services": "services"}
UPAZILAS = ("BD107914", "BD107947", "BD107958", "BD107976", "BD107980", "BD107987", "BD107990")
METRICS = ("beneficiaries", "beneficiaries_udc", "beneficiaries_front_desk", "per_km2", "earnings_paisa",
           "earnings_per_entrepreneur_paisa", "entrepreneurs", "service_kinds")
SAMPLE_FY = "2022-23"
NEW_FY_LABEL = "FY 2023-24"  # what the overview says once the ingested quarter is visible
# Streamlit's own defaults for the settings compared (.streamlit/config.toml now sets the
# production values, so "default" must say them to be measured against).
DEFAULT_SETTINGS: dict[str, str] = {"server.fileWatcherType": "auto", "server.runOnSave": "false",
                                    "runner.postScriptGC": "true", "runner.fastReruns": "true"}


# -- settings -------------------------------------------------------------------------
def production_settings(unit: Path = UNIT) -> dict[str, str]:
    """The Streamlit options the shipped systemd unit sets (flags on ExecStart, STREAMLIT_* env).

    Only runner.* and the file watcher options are taken: address and port are the test's.
    """
    text = unit.read_text()
    out: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("Environment=") and "STREAMLIT_" in line:
            for item in shlex.split(line.split("=", 1)[1]):
                name, _, value = item.partition("=")
                if name.startswith("STREAMLIT_"):
                    out[_env_to_option(name)] = value
        if line.startswith("ExecStart="):
            words = shlex.split(line.split("=", 1)[1])
            for index, word in enumerate(words):
                if word.startswith("--") and "." in word:
                    name, _, value = word[2:].partition("=")
                    if not value and index + 1 < len(words):
                        value = words[index + 1]
                    if name.startswith(("runner.", "server.fileWatcherType", "server.runOnSave")):
                        out[name] = value
    return out


def _env_to_option(name: str) -> str:
    """STREAMLIT_RUNNER_POST_SCRIPT_GC -> runner.postScriptGC (Streamlit's own naming rule)."""
    section, _, rest = name.removeprefix("STREAMLIT_").partition("_")
    words = rest.lower().split("_")
    key = words[0] + "".join(w.upper() if w in ("gc",) else w.capitalize() for w in words[1:])
    return f"{section.lower()}.{key}"


# -- the server -----------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def health(port: int, *, timeout: float) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=timeout) as response:
            return response.read() == b"ok"
    except OSError:
        return False


class Server:
    """``streamlit run app.py`` on a free loopback port, its store and accounts under ``base``."""

    def __init__(self, base: Path, *, root: Path, settings: dict[str, str], store: Path):
        self.base, self.root, self.settings, self.store = base, root, settings, store
        self.port = free_port()
        self.log_path = base / f"server-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    def start(self, *, timeout: float = 90) -> float:
        flags = [f"--{name}={value}" for name, value in self.settings.items()]
        env = dict(os.environ, SEBA_ATLAS_STORE=str(self.store), SEBA_ATLAS_AUTH_DB=str(self.base / "users.sqlite"),
                   PYTHONFAULTHANDLER="1", STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
                   NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
        env.pop("SEBA_ATLAS_VIEW", None)
        self.log = open(self.log_path, "w")
        started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--server.headless", "true", *flags],
            cwd=self.root, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = started + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited ({self.proc.returncode}):\n{self.log_tail()}")
            if health(self.port, timeout=2):
                return time.monotonic() - started
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the server did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def dump_stacks(self) -> None:
        """Ask a hung server for every thread's stack (faulthandler writes them to the log)."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGABRT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        if getattr(self, "log", None):
            self.log.close()

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class Sampler(threading.Thread):
    """Servers' RSS (peak of the sum) and CPU time, from /proc (or psutil), every ``interval`` seconds."""

    def __init__(self, pids: list[int], interval: float = 0.25):
        super().__init__(daemon=True)
        self.pids, self.interval = pids, interval
        self.peak_rss = 0
        self.stop_event = threading.Event()
        self.restart()

    def restart(self) -> None:
        """Measure CPU from now on (the scenario proper, after any priming)."""
        self.cpu_start = self.cpu_end = self.cpu_seconds()
        self.wall_start = self.wall_end = time.monotonic()
        self.client_start = self.client_end = time.process_time()

    def cpu_seconds(self) -> float:
        return sum(self._cpu(pid) for pid in self.pids)

    def rss(self) -> int:
        return sum(self._rss(pid) for pid in self.pids)

    @staticmethod
    def _cpu(pid: int) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            try:
                import psutil

                times = psutil.Process(pid).cpu_times()
                return times.user + times.system
            except Exception:
                return float("nan")

    @staticmethod
    def _rss(pid: int) -> int:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        except OSError:
            pass
        try:
            import psutil

            return psutil.Process(pid).memory_info().rss
        except Exception:
            return 0

    def run(self) -> None:
        for _ in range(100_000):
            self.peak_rss = max(self.peak_rss, self.rss())
            if self.stop_event.wait(self.interval):
                break

    def finish(self) -> None:
        self.cpu_end, self.wall_end, self.client_end = self.cpu_seconds(), time.monotonic(), time.process_time()
        self.peak_rss = max(self.peak_rss, self.rss())
        self.stop_event.set()

    @property
    def cpu_percent(self) -> float:
        wall = self.wall_end - self.wall_start
        return (self.cpu_end - self.cpu_start) / wall * 100 if wall > 0 else float("nan")

    @property
    def client_cpu_percent(self) -> float:
        wall = self.wall_end - self.wall_start
        return (self.client_end - self.client_start) / wall * 100 if wall > 0 else float("nan")


class Watchdog(threading.Thread):
    """Polls every server's health endpoint; ``hung`` is set when one has not answered for ``limit`` seconds."""

    def __init__(self, ports: list[int], *, limit: float, interval: float = 0.5):
        super().__init__(daemon=True)
        self.ports, self.limit, self.interval = ports, limit, interval
        self.hung = threading.Event()
        self.stop_event = threading.Event()
        self.longest_gap = 0.0

    def run(self) -> None:
        last_ok = {port: time.monotonic() for port in self.ports}
        for _ in range(1_000_000):
            if self.stop_event.is_set():
                return
            for port in self.ports:
                if health(port, timeout=min(3.0, self.limit)):
                    last_ok[port] = time.monotonic()
            gap = time.monotonic() - min(last_ok.values())
            self.longest_gap = max(self.longest_gap, gap)
            if gap >= self.limit:
                self.hung.set()
                return
            self.stop_event.wait(self.interval)


# -- one browser tab ------------------------------------------------------------------
@dataclass(frozen=True)
class View:
    page: str
    query: tuple[tuple[str, str], ...]

    @property
    def query_string(self) -> str:
        return urlencode(self.query)

    def __str__(self) -> str:
        return f"/{PAGES[self.page]}?{self.query_string}"


@dataclass
class RunResult:
    kind: str  # "first", "new", "cached", "observer"
    view: str
    seconds: float
    errors: list[str]
    elements: int
    headings: list[str] = field(default_factory=list)
    metrics: dict[str, str] = field(default_factory=dict)


class Hung(Exception):
    pass


class Session:
    """One websocket session: the messages a browser tab sends and reads."""

    def __init__(self, port: int, *, run_timeout: float, hang: threading.Event):
        self.port, self.run_timeout, self.hang = port, run_timeout, hang
        self.ws = None
        self.page_hashes: dict[str, str] = {}

    async def open(self, view: View) -> RunResult:
        from websockets.asyncio.client import connect

        started = time.monotonic()
        try:
            self.ws = await connect(f"ws://127.0.0.1:{self.port}/_stcore/stream", subprotocols=["streamlit"],
                                    origin=f"http://127.0.0.1:{self.port}", compression=None, max_size=None,
                                    proxy=None, open_timeout=self.run_timeout, ping_interval=None)
        except Exception as exc:  # refused, timed out
            return RunResult("first", str(view), time.monotonic() - started, [f"connect: {type(exc).__name__}: {exc}"], 0)
        return await self._run(view, page_name=PAGES[view.page], page_hash="", kind="first", started=started)

    async def go(self, view: View, *, kind: str) -> RunResult:
        page_hash = self.page_hashes.get(PAGES[view.page], "")
        return await self._run(view, page_name="" if page_hash else PAGES[view.page], page_hash=page_hash, kind=kind,
                               started=time.monotonic())

    async def close(self) -> None:
        if self.ws is not None:
            try:
                await asyncio.wait_for(self.ws.close(), 5)
            except Exception:
                pass

    async def _run(self, view: View, *, page_name: str, page_hash: str, kind: str, started: float) -> RunResult:
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = view.query_string
        state.page_name = page_name
        state.page_script_hash = page_hash
        info = state.context_info
        info.timezone, info.timezone_offset, info.locale = "Asia/Dhaka", -360, "bn-BD"
        info.url = f"http://127.0.0.1:{self.port}/{PAGES[view.page]}?{view.query_string}"
        info.is_embedded, info.color_scheme = False, "light"
        result = RunResult(kind, str(view), 0.0, [], 0)
        try:
            await self.ws.send(msg.SerializeToString())
            deadline = started + self.run_timeout
            for _ in range(100_000):  # messages of one run
                if self.hang.is_set():
                    raise Hung()
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    result.errors.append(f"no script_finished within {self.run_timeout:.0f} s")
                    break
                try:
                    data = await asyncio.wait_for(self.ws.recv(), min(remaining, 1.0))
                except asyncio.TimeoutError:
                    continue
                fwd = ForwardMsg.FromString(data)
                kind_of = fwd.WhichOneof("type")
                if kind_of == "delta":
                    self._read_delta(fwd.delta, result)
                elif kind_of == "navigation":
                    self.page_hashes = {p.url_pathname: p.page_script_hash for p in fwd.navigation.app_pages}
                elif kind_of == "session_event" and fwd.session_event.HasField("script_compilation_exception"):
                    result.errors.append("compile error: " + fwd.session_event.script_compilation_exception.message)
                elif kind_of == "page_not_found":
                    result.errors.append("page not found")
                elif kind_of == "script_finished":
                    if fwd.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                        result.errors.append("finished with compile error")
                    if fwd.script_finished in (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR):
                        break
        except Hung:
            raise
        except Exception as exc:  # the socket closed, a protocol error
            result.errors.append(f"{type(exc).__name__}: {exc}")
        result.seconds = time.monotonic() - started
        if not result.errors and result.elements < 3:
            result.errors.append(f"a nearly empty page ({result.elements} elements)")
        return result

    @staticmethod
    def _read_delta(delta, result: RunResult) -> None:
        if not delta.HasField("new_element"):
            return
        element = delta.new_element
        result.elements += 1
        which = element.WhichOneof("type")
        if which == "exception":
            result.errors.append(f"exception: {element.exception.type}: {element.exception.message[:200]}")
        elif which == "alert" and element.alert.format == element.alert.ERROR:
            result.errors.append(f"error alert: {element.alert.body[:200]}")
        elif which == "heading":
            result.headings.append(element.heading.body)
        elif which == "metric":
            result.metrics[element.metric.label] = element.metric.body


# -- views ----------------------------------------------------------------------------
def distinct_views(count: int, *, seed: int, exclude: set[View] = frozenset()) -> list[View]:
    """``count`` views whose page computations share no cache entry (each asks for something new)."""
    rng = random.Random(seed)
    candidates: dict[tuple, View] = {}
    for lang in ("bn", "en"):
        for q in ("", "1", "2", "3", "4"):
            for upazila in ("",) + UPAZILAS:
                base = {"lang": lang, "fy": SAMPLE_FY, "q": q, "upazila": upazila}
                candidates[("overview", lang, q, upazila)] = _view("overview", base)
                candidates[("entrepreneurs", lang, q, upazila)] = _view("entrepreneurs", base)
                for channel in ("all", "udc", "front_desk"):
                    candidates[("services", lang, q, upazila, channel)] = _view("services", base | {"channel": channel})
                    for metric in METRICS:
                        for level in (("upazila", "union") if not upazila else ("union",)):
                            candidates[("map", lang, q, upazila, channel, metric, level)] = _view(
                                "map", base | {"channel": channel, "metric": metric, "level": level})
    by_page: dict[str, list[View]] = {}
    for key, view in candidates.items():
        if view not in exclude:
            by_page.setdefault(key[0], []).append(view)
    for views in by_page.values():
        rng.shuffle(views)
    out: list[View] = []
    order = ["map", "overview", "services", "entrepreneurs"]  # round robin: every session sees every page
    for index in range(count * 4):
        page = order[index % len(order)]
        if by_page.get(page):
            out.append(by_page[page].pop())
        if len(out) == count:
            break
    return out


def _view(page: str, params: dict[str, str]) -> View:
    return View(page, tuple((k, v) for k, v in params.items() if v and not (k == "channel" and v == "all")))


# -- scenarios ------------------------------------------------------------------------
@dataclass
class Outcome:
    scenario: str
    sessions: int
    runs: list[RunResult]
    hung: bool
    peak_rss_mb: float
    cpu_percent: float
    seconds: float
    startup_s: float
    notes: dict[str, object] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)

    def times(self, *kinds: str) -> list[float]:
        return [r.seconds for r in self.runs if r.kind in kinds and not r.errors]

    @property
    def errors(self) -> int:
        return sum(1 for r in self.runs if r.errors)

    @property
    def error_pages(self) -> int:
        return sum(1 for r in self.runs if any(e.startswith(("exception", "compile", "finished with")) for e in r.errors))


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


async def _session_script(port: int, plan: list[tuple[View, str]], *, think: float, run_timeout: float,
                          hang: threading.Event, rng: random.Random, start_delay: float = 0.0) -> list[RunResult]:
    """One tab's visit: open ``plan[0]``, then go to each further view after a think time.

    A run cut short (the server hung, or the scenario's time bound) counts as an error.
    """
    session = Session(port, run_timeout=run_timeout, hang=hang)
    results: list[RunResult] = []
    current: tuple[View, str, float] | None = None
    try:
        if start_delay:
            await asyncio.sleep(start_delay)
        first, *rest = plan
        current = (first[0], "first", time.monotonic())
        results.append(await session.open(first[0]))
        current = None
        if session.ws is None:
            return results  # could not connect
        for view, kind in rest:
            if think:
                await asyncio.sleep(think * rng.uniform(0.5, 1.5))
            current = (view, kind, time.monotonic())
            results.append(await session.go(view, kind=kind))
            current = None
    except (Hung, asyncio.CancelledError):
        if current is not None:
            view, kind, since = current
            reason = "server hung" if hang.is_set() else "scenario time bound reached"
            results.append(RunResult(kind, str(view), time.monotonic() - since, [f"unfinished: {reason}"], 0))
    finally:
        try:
            await session.close()
        except asyncio.CancelledError:
            pass
    return results


def _prepare_store(work: Path, template: Path | None) -> Path:
    store = work / "store"
    if template is not None:
        shutil.copytree(template, store)
    return store


def seeded_store(work: Path) -> Path:
    """A store holding the sample, as the app leaves it after its first start."""
    sys.path.insert(0, str(ROOT))
    from analytics.reference.sample import ensure_sample
    from analytics.store import LocalStore

    path = work / "template-store"
    ensure_sample(LocalStore(path))
    return path


def new_quarter_file(work: Path) -> Path:
    """FY 2023-24 Q1 as an upload CSV: the sample's Q1 file (``python -m analytics sample``) a year later."""
    out = work / "sample-files"
    done = subprocess.run([sys.executable, "-m", "analytics", "sample", "--out", str(out), "--formats", "csv"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    if done.returncode:
        raise RuntimeError(done.stderr)
    source = next(out.glob("*q1.csv"))
    target = work / "pirojpur-fy2023-24-q1.csv"
    target.write_bytes(re.sub(rb"/2022,", b"/2023,", source.read_bytes()))
    return target


class Cluster:
    """``processes`` servers on one store (as behind nginx with sticky sessions)."""

    def __init__(self, servers: list[Server]):
        self.servers = servers
        self.ports = [s.port for s in servers]
        self.store = servers[0].store
        self.log_paths = [s.log_path for s in servers]

    def port_for(self, index: int) -> int:
        """Session ``index``'s server: spread evenly, as a hash of a per-browser cookie does."""
        return self.ports[index % len(self.ports)]


@contextmanager
def running_server(work: Path, *, root: Path, settings: dict[str, str], template: Path, hang_timeout: float,
                   processes: int = 1):
    run_dir = Path(tempfile.mkdtemp(prefix="run-", dir=work))
    store = _prepare_store(run_dir, template)
    servers: list[Server] = []
    for _ in range(max(1, processes)):
        server = Server(run_dir, root=root, settings=settings, store=store)
        for _ in range(20):  # a port of its own
            if server.port not in {s.port for s in servers}:
                break
            server.port = free_port()
            server.log_path = run_dir / f"server-{server.port}.log"
        servers.append(server)
    try:
        startup = max(server.start() for server in servers)
    except Exception:
        for server in servers:
            server.stop()
        raise
    cluster = Cluster(servers)
    watchdog = Watchdog(cluster.ports, limit=hang_timeout)
    sampler = Sampler([server.proc.pid for server in servers])
    watchdog.start()
    sampler.start()
    try:
        yield cluster, watchdog, sampler, startup
    finally:
        watchdog.stop_event.set()
        sampler.finish()
        for server in servers:
            if watchdog.hung.is_set():
                server.dump_stacks()
            server.stop()


async def _with_deadline(tasks: list, *, max_seconds: float, hang: threading.Event) -> list:
    pending = [asyncio.ensure_future(t) for t in tasks]
    deadline = time.monotonic() + max_seconds
    for _ in range(1_000_000):
        done = all(t.done() for t in pending)
        if done or hang.is_set() or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)
    for task in pending:
        if not task.done():
            task.cancel()
    out = []
    for task in pending:
        try:
            out.append(await task)
        except (asyncio.CancelledError, Exception) as exc:  # noqa: PERF203
            out.append(exc)
    return out


def _plans(views: list[View], sessions: int, per_session: int, repeats: int,
           rng: random.Random) -> list[list[tuple[View, str]]]:
    """Each session: its first view, its new views, then ``repeats`` views computed before
    (its own, or another session's first view: cached for everyone by then)."""
    firsts = [views[i * per_session] for i in range(sessions)]
    plans = []
    for i in range(sessions):
        mine = views[i * per_session:(i + 1) * per_session]
        plan = [(mine[0], "first")] + [(v, "new") for v in mine[1:]]
        seen = mine + firsts
        plan += [(seen[rng.randrange(0, len(seen))], "cached") for _ in range(repeats)]
        plans.append(plan)
    return plans


def run_cold(args, work: Path, template: Path, settings: dict[str, str], sessions: int) -> Outcome:
    """``sessions`` tabs opening at once right after a restart (each with one view, then one more)."""
    views = distinct_views(sessions * 2, seed=args.seed)
    with running_server(work, root=args.root, settings=settings, template=template, hang_timeout=args.hang_timeout,
                        processes=args.processes) as (server, watchdog, sampler, startup):
        plans = [[(views[i], "first"), (views[sessions + i], "new")] for i in range(sessions)]
        started = time.monotonic()
        results = asyncio.run(_with_deadline(
            [_session_script(server.port_for(i), plan, think=0, run_timeout=args.run_timeout, hang=watchdog.hung,
                             rng=random.Random(args.seed + i)) for i, plan in enumerate(plans)],
            max_seconds=args.max_seconds, hang=watchdog.hung))
        return _outcome("cold", sessions, results, watchdog, sampler, started, startup, server)


def run_views(args, work: Path, template: Path, settings: dict[str, str], sessions: int) -> Outcome:
    """After one session warmed the server, ``sessions`` tabs each ask for V new views, then R cached ones."""
    per_session = 1 + args.views
    views = distinct_views(sessions * per_session + 1, seed=args.seed)
    primer, views = views[0], views[1:]
    rng = random.Random(args.seed)
    with running_server(work, root=args.root, settings=settings, template=template, hang_timeout=args.hang_timeout,
                        processes=args.processes) as (server, watchdog, sampler, startup):
        results, started = _browse(args, server, watchdog, sampler, rng, primer,
                                   lambda: _plans(views, sessions, per_session, args.repeats, rng))
        return _outcome("views", sessions, results, watchdog, sampler, started, startup, server)


def _browse(args, server, watchdog, sampler, rng: random.Random, primer: View, plans: Callable[[], list],
            others: Callable[[], list] = list) -> tuple[list, float]:
    """Warm every server process with ``primer``, then run one session per plan ``plans()`` makes
    (and the coroutines ``others()`` makes) at once; the results and when the measured part started."""
    asyncio.run(_with_deadline([_session_script(port, [(primer, "first")], think=0, run_timeout=args.run_timeout,
                                                hang=watchdog.hung, rng=rng) for port in server.ports],
                               max_seconds=args.max_seconds, hang=watchdog.hung))
    plans = plans()
    sampler.restart()
    started = time.monotonic()
    results = asyncio.run(_with_deadline(
        others() + [_session_script(server.port_for(i), plan, think=args.think, run_timeout=args.run_timeout,
                                    hang=watchdog.hung, rng=random.Random(args.seed + i),
                                    start_delay=rng.uniform(0, args.ramp))
                    for i, plan in enumerate(plans)],
        max_seconds=args.max_seconds, hang=watchdog.hung))
    return results, started


def run_ingest(args, work: Path, template: Path, settings: dict[str, str], sessions: int, upload: Path) -> Outcome:
    """``sessions`` tabs browsing while a new quarter is ingested; an observer waits for it to show."""
    per_session = 1 + args.views
    views = distinct_views(sessions * per_session + 1, seed=args.seed + 1)
    primer, views = views[0], views[1:]
    rng = random.Random(args.seed)
    notes: dict[str, object] = {}
    with running_server(work, root=args.root, settings=settings, template=template, hang_timeout=args.hang_timeout,
                        processes=args.processes) as (server, watchdog, sampler, startup):
        async def observer() -> list[RunResult]:
            session = Session(server.ports[-1], run_timeout=args.run_timeout, hang=watchdog.hung)
            overview = View("overview", (("lang", "en"),))  # follows the latest fiscal year
            results = [await session.open(overview)]
            notes["before"] = results[0].headings[:2]
            for _ in range(int(args.max_seconds / 0.25)):
                if "ingest_done" in notes or watchdog.hung.is_set():
                    break
                await asyncio.sleep(0.25)
            deadline = time.monotonic() + 30
            for _ in range(400):
                if watchdog.hung.is_set() or time.monotonic() > deadline or "ingest_done" not in notes:
                    break
                run = await session.go(overview, kind="observer")
                results.append(run)
                if NEW_FY_LABEL in " ".join(run.headings):
                    notes["visible_after_s"] = round(time.monotonic() - notes["ingest_done"], 2)
                    break
                await asyncio.sleep(0.25)
            await session.close()
            return results

        async def ingest() -> list[RunResult]:
            await asyncio.sleep(args.ingest_after)
            started = time.monotonic()
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "analytics", "ingest", str(upload), "--store", str(server.store), "--mode", "add",
                cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
            try:
                out, err = await asyncio.wait_for(proc.communicate(), 120)
            except asyncio.TimeoutError:
                proc.kill()
                out, err = b"", b"ingest timed out"
            notes["ingest_done"] = time.monotonic()
            notes["ingest_s"] = round(notes["ingest_done"] - started, 2)
            notes["ingest_rc"] = proc.returncode
            if proc.returncode:
                notes["ingest_error"] = (out + err).decode(errors="replace")[-500:]
            return []

        results, started = _browse(args, server, watchdog, sampler, rng, primer,
                                   lambda: _plans(views, sessions, per_session, args.repeats, rng),
                                   others=lambda: [observer(), ingest()])
        outcome = _outcome("ingest", sessions, results, watchdog, sampler, started, startup, server)
        outcome.notes.update({k: v for k, v in notes.items() if k != "ingest_done"})
        return outcome


def _outcome(name, sessions, results, watchdog, sampler, started, startup, server) -> Outcome:
    sampler.finish()
    runs: list[RunResult] = []
    failures = []
    for item in results:
        if isinstance(item, BaseException):
            failures.append(f"session failed: {type(item).__name__}: {item}")
        else:
            runs.extend(item)
    outcome = Outcome(name, sessions, runs, watchdog.hung.is_set(), sampler.peak_rss / 2**20, sampler.cpu_percent,
                      time.monotonic() - started, startup)
    outcome.notes["longest_health_gap_s"] = round(watchdog.longest_gap, 1)
    outcome.notes["load_avg_1min"] = round(os.getloadavg()[0], 1)  # the machine is shared: what else ran
    outcome.notes["load_generator_cpu_pct"] = round(sampler.client_cpu_percent)
    samples = [f"{r.view}: {e}" for r in runs for e in r.errors][:8] + failures[:4]
    outcome.error_samples = samples
    if failures:
        outcome.notes["session_failures"] = len(failures)
    if outcome.hung or outcome.errors:
        outcome.notes["server_log"] = str(server.log_paths[0])  # tracebacks (the page shows them redacted)
    if len(server.ports) > 1:
        outcome.notes["processes"] = len(server.ports)
    return outcome


# -- report ---------------------------------------------------------------------------
def fmt(value: float) -> str:
    return "–" if value != value else f"{value:.2f}"


def table(outcomes: list[Outcome], *, label: str) -> str:
    lines = ["| settings | scenario | sessions | first load median / p95 s | rerun (new view) median / p95 s | "
             "rerun (cached) median / p95 s | runs | errors | hangs | server peak RSS MB | server CPU % |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for o in outcomes:
        first, new, cached = o.times("first"), o.times("new"), o.times("cached")
        lines.append(f"| {label} | {o.scenario} | {o.sessions} | {fmt(median(first))} / {fmt(percentile(first, 95))} | "
                     f"{fmt(median(new))} / {fmt(percentile(new, 95))} | {fmt(median(cached))} / "
                     f"{fmt(percentile(cached, 95))} | {len(o.runs)} | {o.errors} | {int(o.hung)} | "
                     f"{o.peak_rss_mb:.0f} | {o.cpu_percent:.0f} |")
    return "\n".join(lines)


def verdicts(outcomes: list[Outcome]) -> list[tuple[str, str, bool]]:
    out = []
    for o in outcomes:
        new_p95 = percentile(o.times("new"), 95)  # reruns to views nobody asked for before: the hard part
        if o.scenario == "cold":
            out.append((f"{o.sessions} sessions at once after a restart: 0 error pages, 0 hangs",
                        f"{o.error_pages} error pages, {o.errors} errors, {int(o.hung)} hangs",
                        o.errors == 0 and not o.hung))
        elif o.scenario == "views":
            limit = 1.5 if o.sessions <= 10 else 3.0
            out.append((f"{o.sessions} sessions, new views: 0 errors, 0 hangs, rerun p95 ≤ {limit} s",
                        f"{o.errors} errors, {int(o.hung)} hangs, p95 {fmt(new_p95)} s (new views), "
                        f"{fmt(percentile(o.times('new', 'cached'), 95))} s (all reruns)",
                        o.errors == 0 and not o.hung and new_p95 <= limit))
        elif o.scenario == "ingest":
            seen = o.notes.get("visible_after_s")
            out.append((f"ingest under load ({o.sessions} sessions): 0 errors, new data visible ≤ 5 s",
                        f"{o.errors} errors, {int(o.hung)} hangs, ingest rc {o.notes.get('ingest_rc')}, "
                        f"visible after {seen if seen is not None else 'never'} s",
                        o.errors == 0 and not o.hung and o.notes.get("ingest_rc") == 0
                        and seen is not None and seen <= 5))
    return out


def report(outcomes: list[Outcome], *, label: str, settings: dict[str, str], args) -> str:
    flags = " ".join(f"--{k} {v}" for k, v in settings.items()) or "(Streamlit defaults)"
    lines = [f"Settings `{label}`: {flags}. Think time {args.think} s ±50 %, sessions start within "
             f"{args.ramp} s, {args.views} new views and {args.repeats} cached views per session.", "",
             table(outcomes, label=label), ""]
    for o in outcomes:
        extra = {k: v for k, v in o.notes.items()}
        lines.append(f"- {o.scenario}/{o.sessions}: server up in {o.startup_s:.1f} s; "
                     + ", ".join(f"{k} {v}" for k, v in extra.items()))
        for sample in o.error_samples[:5]:
            lines.append(f"  - error: {sample}")
    lines += ["", "| target | measured | met |", "|---|---|---|"]
    lines += [f"| {t} | {m} | {'yes' if ok else 'NO'} |" for t, m, ok in verdicts(outcomes)]
    return "\n".join(lines)


def write_section(text: str, *, path: Path = RESULTS) -> None:
    """Put ``text`` between the load-test markers of RESULTS.md (appended when they are missing)."""
    current = path.read_text() if path.exists() else ""
    block = f"{MARK_START}\n{text.rstrip()}\n{MARK_END}\n"
    if MARK_START in current and MARK_END in current:
        head, _, rest = current.partition(MARK_START)
        _, _, tail = rest.partition(MARK_END)
        current = head + block + ("\n" + tail.lstrip("\n") if tail.strip() else "")
    else:
        current = current.rstrip("\n") + "\n\n" + block
    path.write_text(current)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", choices=["all", "cold", "views", "ingest"], default="all")
    parser.add_argument("--sessions", default=None,
                        help="comma-separated session counts (default: cold 10, views 10,20, ingest 10)")
    parser.add_argument("--views", type=int, default=5, help="new views per session after the first (default 5)")
    parser.add_argument("--repeats", type=int, default=2, help="cached views per session at the end (default 2)")
    parser.add_argument("--think", type=float, default=1.0, help="seconds between a tab's views, ±50%% (default 1)")
    parser.add_argument("--ramp", type=float, default=1.0, help="sessions start within this many seconds (default 1)")
    parser.add_argument("--cold-repeats", type=int, default=3, help="restarts for the cold scenario (default 3)")
    parser.add_argument("--settings", default="production",
                        help="production (the systemd unit's options), default (Streamlit's), or a label for --set")
    parser.add_argument("--set", action="append", default=[], metavar="OPTION=VALUE",
                        help="a Streamlit option on top of --settings, e.g. runner.postScriptGC=false")
    parser.add_argument("--root", type=Path, default=ROOT, help="the app to run (default: this checkout)")
    parser.add_argument("--processes", type=int, default=1,
                        help="server processes on one store, sessions spread over them (default 1)")
    parser.add_argument("--ingest-after", type=float, default=4.0, help="seconds into the ingest scenario")
    parser.add_argument("--run-timeout", type=float, default=60.0, help="a run not finished by then is an error")
    parser.add_argument("--hang-timeout", type=float, default=15.0, help="health silent this long = hang")
    parser.add_argument("--max-seconds", type=float, default=300.0, help="bound on each scenario")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="write every run's timings here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (server logs, stores)")
    parser.add_argument("--write", action="store_true", help="put the report in benchmarks/RESULTS.md")
    parser.add_argument("--title", default=None, help="heading of the RESULTS.md section")
    return parser.parse_args(argv)


def settings_for(args) -> tuple[str, dict[str, str]]:
    if args.settings == "production":
        settings = production_settings()
    elif args.settings == "default":
        settings = dict(DEFAULT_SETTINGS)
    else:
        settings = {}
    for item in args.set:
        name, _, value = item.partition("=")
        settings[name.strip()] = value.strip()
    label = args.settings + ("" if not args.set else " + " + ", ".join(args.set))
    if args.processes > 1:
        label += f", {args.processes} processes"
    return label, settings


def run(args) -> tuple[list[Outcome], str]:
    label, settings = settings_for(args)
    counts = [int(c) for c in args.sessions.split(",")] if args.sessions else None
    work = Path(tempfile.mkdtemp(prefix="seba-load-"))
    outcomes: list[Outcome] = []
    try:
        template = seeded_store(work)
        upload = new_quarter_file(work) if args.scenario in ("all", "ingest") else None
        plan: list[tuple[str, int]] = []
        if args.scenario in ("all", "cold"):
            plan += [("cold", n) for n in (counts or [10]) for _ in range(max(1, args.cold_repeats))]
        if args.scenario in ("all", "views"):
            plan += [("views", n) for n in (counts or [10, 20])]
        if args.scenario in ("all", "ingest"):
            plan += [("ingest", n) for n in (counts or [10])]
        for name, n in plan:
            print(f"[load] {label}: {name} with {n} sessions ...", file=sys.stderr, flush=True)
            if name == "cold":
                outcome = run_cold(args, work, template, settings, n)
            elif name == "views":
                outcome = run_views(args, work, template, settings, n)
            else:
                outcome = run_ingest(args, work, template, settings, n, upload)
            outcomes.append(outcome)
            print(table([outcome], label=label).splitlines()[-1], file=sys.stderr, flush=True)
            for sample in outcome.error_samples[:5]:
                print(f"[load]   error: {sample}", file=sys.stderr, flush=True)
            if outcome.hung or outcome.errors:
                kind = "hang" if outcome.hung else "errors"
                kept = Path(tempfile.gettempdir()) / f"seba-load-{kind}-{int(time.time())}.log"
                shutil.copy(outcome.notes["server_log"], kept)
                outcome.notes["server_log"] = str(kept)  # the next scenario starts a server of its own
                if outcome.hung:
                    print(f"[load] HANG: health stopped answering; every thread's stack is in {kept}",
                          file=sys.stderr, flush=True)
                else:
                    print(f"[load] errors: tracebacks in {kept}", file=sys.stderr, flush=True)
    finally:
        if args.keep:
            print(f"[load] kept {work} (server logs, stores)", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    if args.cold_repeats > 1:
        outcomes = _merge_cold(outcomes)
    return outcomes, label


def _merge_cold(outcomes: list[Outcome]) -> list[Outcome]:
    """Restarts of the cold scenario as one row (all their runs; worst RSS and CPU)."""
    merged: list[Outcome] = []
    for o in outcomes:
        prev = merged[-1] if merged else None
        if prev and o.scenario == "cold" and prev.scenario == "cold" and prev.sessions == o.sessions:
            prev.runs += o.runs
            prev.hung = prev.hung or o.hung
            prev.peak_rss_mb = max(prev.peak_rss_mb, o.peak_rss_mb)
            prev.cpu_percent = max(prev.cpu_percent, o.cpu_percent)
            prev.error_samples += o.error_samples
            prev.notes["restarts"] = int(prev.notes.get("restarts", 1)) + 1
            prev.notes["longest_health_gap_s"] = max(prev.notes["longest_health_gap_s"], o.notes["longest_health_gap_s"])
        else:
            merged.append(o)
    return merged


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.root = args.root.resolve()
    outcomes, label = run(args)
    _, settings = settings_for(args)
    text = report(outcomes, label=label, settings=settings, args=args)
    print(text)
    if args.json:
        args.json.write_text(json.dumps([{
            "scenario": o.scenario, "sessions": o.sessions, "hung": o.hung, "seconds": o.seconds,
            "peak_rss_mb": o.peak_rss_mb,
            "cpu_percent": o.cpu_percent, "notes": o.notes,
            "runs": [{"kind": r.kind, "view": r.view, "seconds": r.seconds, "errors": r.errors} for r in o.runs],
        } for o in outcomes], indent=1, default=str))
    if args.write:
        title = args.title or f"## Many viewers at once (load test, latest run, settings: {label})"
        intro = (f"`python -m benchmarks.load --write` on {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}; the "
                 "machine may be shared (load average in the notes). Rerun p95 in the targets is for views nobody "
                 "had asked for before. Before/after comparison and each setting: below, and deploy/README.md.")
        write_section(f"{title}\n\n{intro}\n\n{text}")
    return 0 if all(ok for _, _, ok in verdicts(outcomes)) and not any(o.hung for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
