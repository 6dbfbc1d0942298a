"""A real app (`streamlit run app.py` on a free loopback port) and headless Chromium.

Chromium comes from Debian (/usr/bin/chromium); Playwright's own browser download does not
work on these machines. Without Chromium the tests skip, except where
SEBA_ATLAS_REQUIRE_BROWSER=1 (CI), where they fail.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from analytics.auth import Accounts

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "test-artifacts" / "screenshots"
USERS = {"asha": ("a long test password", "uploader"), "rina": ("another long password", "admin")}
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppUrl(str):
    """The app's base URL, remembering the directory that holds its store and accounts."""

    base: Path


@contextmanager
def running_app(base: Path):
    """Start the app with its own store and accounts under ``base``; yield its URL."""
    port = free_port()
    env = dict(os.environ, SEBA_ATLAS_STORE=str(base / "store"), SEBA_ATLAS_AUTH_DB=str(base / "users.sqlite"))
    accounts = Accounts(base / "users.sqlite")
    for name, (password, role) in USERS.items():
        if not accounts.role_of(name):
            accounts.add(name, password, role=role)
    log = open(base / "server.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = AppUrl(f"http://127.0.0.1:{port}")
    url.base = base
    deadline = time.monotonic() + 60
    while True:
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError((base / "server.log").read_text())
            time.sleep(0.2)
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("SEBA_ATLAS_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required here (SEBA_ATLAS_REQUIRE_BROWSER=1) but /usr/bin/chromium is missing")
        pytest.skip("browser tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium fonts-noto-core)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def app(browser, tmp_path_factory):
    with running_app(tmp_path_factory.mktemp("app")) as url:
        yield url


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(SHOTS / f"{request.node.name}.png"), full_page=True)
    finally:
        context.close()


def wait_idle(page) -> None:
    """Until Streamlit has run the script and rendered: the app reports notRunning."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', state="attached")
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stSkeleton\"]')")


def open_page(page, url: str) -> None:
    page.goto(url)
    wait_idle(page)
