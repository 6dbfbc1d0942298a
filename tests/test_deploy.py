"""The shipped deployment files: nginx config checked and run for real on loopback, the
systemd unit's essentials, and the store's backup/restore round trip."""

import configparser
import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import polars as pl
import pytest

from analytics.reference.sample import ensure_sample
from analytics.store import LocalStore
from tests.browser.conftest import free_port, running_app

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def need(tool: str) -> str:
    path = shutil.which(tool) or (f"/usr/sbin/{tool}" if Path(f"/usr/sbin/{tool}").exists() else None)
    if path:
        return path
    if os.environ.get("SEBA_ATLAS_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{tool} is required in CI (.ci/run installs it)")
    pytest.skip(f"{tool} is not installed (apt-get install nginx openssl)")


def site_for_test(prefix: Path, *, http_port: int, https_port: int, app_port: int) -> Path:
    """The shipped site with only ports and certificate paths changed for loopback."""
    subprocess.run([need("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
                    "-days", "1", "-keyout", str(prefix / "key.pem"), "-out", str(prefix / "cert.pem")],
                   check=True, capture_output=True)
    text = (DEPLOY / "nginx-seba-atlas.conf").read_text()
    replacements = [
        (r"listen 80;", f"listen 127.0.0.1:{http_port};"),
        (r"listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;"),
        (r"ssl_certificate\s+/etc/letsencrypt/\S+;", f"ssl_certificate {prefix}/cert.pem;"),
        (r"ssl_certificate_key\s+/etc/letsencrypt/\S+;", f"ssl_certificate_key {prefix}/key.pem;"),
        (r"server 127\.0\.0\.1:8501;", f"server 127.0.0.1:{app_port};"),
    ]
    for pattern, replacement in replacements:
        text, count = re.subn(pattern, replacement, text)
        assert count == 1, pattern
    (prefix / "site.conf").write_text(text)
    for folder in ("logs", "tmp"):
        (prefix / folder).mkdir(exist_ok=True)
    main = prefix / "nginx.conf"
    main.write_text(f"""user root;
worker_processes 1;
error_log {prefix}/logs/error.log;
pid {prefix}/nginx.pid;
events {{ worker_connections 64; }}
http {{
    access_log {prefix}/logs/access.log;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    include {prefix}/site.conf;
}}
""")
    return main


def test_nginx_accepts_the_shipped_site(tmp_path):
    main = site_for_test(tmp_path, http_port=free_port(), https_port=free_port(), app_port=8501)
    out = subprocess.run([need("nginx"), "-t", "-p", str(tmp_path), "-c", str(main)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "test is successful" in out.stderr


def wait_port(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(port)


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    """The real app behind a real nginx with TLS, both on loopback."""
    need("nginx")
    base = tmp_path_factory.mktemp("proxied")
    with running_app(base) as url:
        app_port = int(url.rsplit(":", 1)[1])
        http_port, https_port = free_port(), free_port()
        main = site_for_test(base, http_port=http_port, https_port=https_port, app_port=app_port)
        nginx = subprocess.Popen([need("nginx"), "-p", str(base), "-c", str(main), "-g", "daemon off;"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_port(https_port)
            yield http_port, https_port
        finally:
            nginx.terminate()
            nginx.wait(timeout=10)


def https(port: int) -> http.client.HTTPSConnection:
    return http.client.HTTPSConnection("127.0.0.1", port, timeout=20, context=ssl._create_unverified_context())


def test_proxied_app_health_and_page(proxied):
    _, port = proxied
    conn = https(port)
    conn.request("GET", "/_stcore/health")
    assert conn.getresponse().read() == b"ok"
    conn.request("GET", "/")
    response = conn.getresponse()
    assert response.status == 200 and b"<noscript>" in response.read()


def test_plain_http_redirects_to_https(proxied):
    http_port, _ = proxied
    conn = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
    conn.request("GET", "/map?lang=en", headers={"Host": "atlas.example.gov.bd"})
    response = conn.getresponse()
    assert response.status == 301
    assert response.getheader("Location") == "https://atlas.example.gov.bd/map?lang=en"


def test_websocket_upgrade_through_the_proxy(proxied):
    _, port = proxied
    raw = socket.create_connection(("127.0.0.1", port), timeout=20)
    sock = ssl._create_unverified_context().wrap_socket(raw, server_hostname="localhost")
    sock.sendall(b"GET /_stcore/stream HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                 b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                 b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: streamlit\r\n\r\n")
    head = sock.recv(4096).decode("latin-1")
    sock.close()
    assert head.startswith("HTTP/1.1 101"), head
    assert "upgrade: websocket" in head.lower()


def test_request_bodies_over_the_upload_limit_are_refused(proxied):
    _, port = proxied
    conn = https(port)
    conn.putrequest("POST", "/_stcore/upload_file/x/y")
    conn.putheader("Content-Length", str(201 * 1024 * 1024))
    conn.endheaders()
    assert conn.getresponse().status == 413


def test_upload_limits_agree():
    from analytics.ingest.pipeline import Limits

    config = (ROOT / ".streamlit" / "config.toml").read_text()
    site = (DEPLOY / "nginx-seba-atlas.conf").read_text()
    megabytes = int(re.search(r"maxUploadSize = (\d+)", config)[1])
    assert f"client_max_body_size {megabytes}m;" in site
    assert Limits().max_bytes == megabytes * 1_000_000


def test_systemd_unit_essentials():
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read(DEPLOY / "seba-atlas.service")
    service = unit["Service"]
    assert "--server.address 127.0.0.1" in service["ExecStart"]
    assert "/var/lib/seba-atlas" in service["ReadWritePaths"]
    assert "SEBA_ATLAS_STORE=/var/lib/seba-atlas/store" in (DEPLOY / "seba-atlas.service").read_text()
    assert service["User"] != "root"


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analytics", *args], cwd=ROOT, capture_output=True, text=True)


@pytest.mark.slow
def test_backup_and_restore_round_trip(tmp_path):
    source = LocalStore(tmp_path / "a")
    ensure_sample(source)
    assert cli("backup", str(tmp_path / "b.tar.gz"), "--store", str(source.directory)).returncode == 0
    assert cli("restore", str(tmp_path / "b.tar.gz"), "--store", str(tmp_path / "b")).returncode == 0
    restored = LocalStore(tmp_path / "b")
    assert restored.uploads().equals(source.uploads())
    totals = lambda s: s.scan().select(pl.col("beneficiaries").cast(pl.Int64).sum(), pl.col("fee_paisa").sum()).collect()  # noqa: E731
    assert totals(restored).equals(totals(source))
    refused = cli("restore", str(tmp_path / "b.tar.gz"), "--store", str(tmp_path / "b"))
    assert refused.returncode == 2 and "not empty" in refused.stderr


def test_restore_refuses_paths_outside(tmp_path):
    evil = tmp_path / "evil.tar.gz"
    payload = tmp_path / "payload.txt"
    payload.write_text("x")
    with tarfile.open(evil, "w:gz") as archive:
        archive.add(payload, arcname="../../escaped.txt")
    out = cli("restore", str(evil), "--store", str(tmp_path / "target" / "store"))
    assert out.returncode == 2 and "not a usable backup" in out.stderr
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path.parent / "escaped.txt").exists()
