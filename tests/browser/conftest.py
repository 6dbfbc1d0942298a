"""A real app (`streamlit run app.py` on a free loopback port) and headless Chromium.

Chromium comes from Debian (/usr/bin/chromium); Playwright's own browser download does not
work on these machines. Without Chromium the tests skip, except where
SEBA_ATLAS_REQUIRE_BROWSER=1 (CI), where they fail.
"""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import polars as pl
import pytest

from analytics.auth import Accounts
from analytics.reference.sample import ensure_sample
from analytics.store import LocalStore

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
def running_app(base: Path, *, store_env: dict[str, str] | None = None):
    """Start the app with its own store and accounts under ``base`` (or over the store
    ``store_env`` names, a shared one keeping the accounts too); yield its URL."""
    port = free_port()
    own = {"SEBA_ATLAS_STORE": str(base / "store"), "SEBA_ATLAS_AUTH_DB": str(base / "users.sqlite")}
    where = ("AWS_", "SEBA_ATLAS_STORE", "SEBA_ATLAS_OBJECTS", "SEBA_ATLAS_AUTH_DB")
    env = {k: v for k, v in os.environ.items() if not k.startswith(where)} | (store_env or own)
    accounts = Accounts(env.get("SEBA_ATLAS_AUTH_DB") or env["SEBA_ATLAS_STORE"])
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


def open_expander(page, label: str) -> None:
    """Open the expander titled ``label``. Its contents (pages.render.lazy_expander) are drawn by the
    rerun the click starts: wait for them, not for the app to be idle (it may not have begun)."""
    page.locator('[data-testid="stExpander"] summary', has_text=label).first.click()


def sign_in(page, app: str, name: str, password: str | None = None) -> None:
    """Sign in as ``name`` (one of USERS unless ``password`` is given) from the overview, in English."""
    open_page(page, app + "/?lang=en")
    open_expander(page, "Staff sign-in")
    page.get_by_role("textbox", name="Username").fill(name)
    page.get_by_role("textbox", name="Password").fill(password or USERS[name][0])
    page.get_by_role("button", name="Sign in").click()


def signed_in_upload_page(page, app: str, *, lang: str) -> None:
    """Sign in, then go to the upload page by the sidebar (a new page load would be a new session)."""
    sign_in(page, app, "asha")
    page.wait_for_function("() => document.body.innerText.includes('Signed in as asha')")
    if lang == "bn":
        page.get_by_text("বাংলা", exact=True).click()
        wait_idle(page)
    nav = page.locator("[data-testid=stSidebarNav]")
    nav.get_by_role("link", name="Upload" if lang == "en" else "আপলোড").click()
    page.wait_for_selector("input[type=file]", state="attached")
    wait_idle(page)


def upload(page, path: Path, *, lang: str = "en") -> None:
    page.set_input_files("input[type=file]", str(path))
    heading = "Rows read" if lang == "en" else "পড়া সারি"
    page.wait_for_function(f"() => document.body.innerText.includes('{heading}')", timeout=60_000)
    wait_idle(page)


def confirm(page, *, lang: str) -> None:
    button = page.get_by_role("button", name="Confirm and store" if lang == "en" else "নিশ্চিত করে সংরক্ষণ করুন")
    button.wait_for(timeout=60_000)
    button.click()
    text = "Stored as upload" if lang == "en" else "হিসেবে সংরক্ষিত"
    # the banner on the page, not the toast that says the same (a toast outlives a rerun: the last
    # file's would be found before this one is stored)
    page.locator('[data-testid="stAlertContainer"]').filter(has_text=text).first.wait_for(timeout=60_000)


def _uploaded_year(store: LocalStore) -> None:
    """FY 2023-24 Q1 (the sample's Q1 a year on) and a smaller Q2 (every other row of its Q2)."""
    sample = store.scan().collect()
    shifted = sample.with_columns(pl.col("date").dt.offset_by("1y"), pl.lit(None, pl.String).alias("upload_id"))
    q1 = shifted.filter(pl.col("date").is_between(pl.date(2023, 7, 1), pl.date(2023, 9, 30)))
    q2 = shifted.filter(pl.col("date").is_between(pl.date(2023, 10, 1), pl.date(2023, 12, 31))).gather_every(2)
    for name, frame in (("q1-2023-24.xlsx", q1), ("q2-2023-24.xlsx", q2)):
        digest = hashlib.sha256(frame.write_ipc(None).getvalue()).hexdigest()
        store.commit(frame, file_name=name, content_hash=digest, uploader="asha")
    totals = {n: f["beneficiaries"].sum() for n, f in (("q1", q1), ("q2", q2))}
    assert totals["q2"] < totals["q1"]


@pytest.fixture(scope="module")
def two_quarters(browser, tmp_path_factory):
    """An app (one per test module) on the sample and two uploaded quarters of FY 2023-24, Q2 smaller than Q1."""
    base = tmp_path_factory.mktemp("two-quarters")
    store = LocalStore(base / "store")
    ensure_sample(store)
    _uploaded_year(store)
    with running_app(base) as url:
        yield url
