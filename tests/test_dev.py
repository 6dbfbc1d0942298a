"""dev.py: installs only when a requirements file changed, and a stop signal ends what it started."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import dev

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def fake_venv(tmp_path, monkeypatch):
    """dev.py pointed at a venv of its own; pip's runs are recorded instead of made."""
    venv_dir = tmp_path / ".venv"
    (venv_dir / "bin").mkdir(parents=True)
    python = venv_dir / "bin" / "python"
    python.write_text("")
    monkeypatch.setattr(dev, "VENV", venv_dir)
    monkeypatch.setattr(dev, "PYTHON", python)
    installs: list[str] = []
    monkeypatch.setattr(dev.subprocess, "run", lambda args, **_: installs.append(Path(args[-1]).name))
    return installs


def test_run_after_test_installs_nothing_more(fake_venv):
    dev.ensure_env("requirements-dev.txt")
    dev.ensure_env("requirements.txt")
    dev.ensure_env("requirements-dev.txt")
    assert fake_venv == ["requirements-dev.txt"]


def test_a_changed_requirements_file_installs_again(fake_venv, monkeypatch):
    dev.ensure_env("requirements.txt")
    digest = dev._digest
    monkeypatch.setattr(dev, "_digest", lambda path: digest(path) + ("x" if path.name == "requirements.txt" else ""))
    dev.ensure_env("requirements.txt")
    assert fake_venv == ["requirements.txt", "requirements.txt"]


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.slow
@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
def test_sigterm_stops_the_server_it_started(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = dict(os.environ, SEBA_ATLAS_STORE=str(tmp_path / "store"), SEBA_ATLAS_AUTH_DB=str(tmp_path / "users.sqlite"))
    proc = subprocess.Popen([sys.executable, str(ROOT / "dev.py"), "run", "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not _port_open(port):
            assert proc.poll() is None and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 15
        while _port_open(port) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _port_open(port), "the Streamlit server outlived dev.py"
    finally:
        if proc.poll() is None:
            proc.kill()
