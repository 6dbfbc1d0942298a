"""pages/access.py: sign-in and sign-out, roles, session tokens, throttling and the viewer passcode,
through the app itself (Streamlit's AppTest) over a real accounts file (analytics.auth.Accounts).

Each test has an accounts file of its own (throttling counts failures in it); the store is the
module's. The session cookie as a browser keeps it: tests/browser/test_signin_browser.py.
"""

from __future__ import annotations

import time
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from analytics.auth import UNKNOWN_USER, Accounts, Settings, hash_secret, server_secret
from tests.helpers import run

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PASSWORDS = {"asha": "a long test password", "vera": "a viewer's long password", "rina": "an admin's long password"}
ROLES = {"asha": "uploader", "vera": "viewer", "rina": "admin"}
PASSCODE = "the meeting's passcode"


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("access") / "store"


@pytest.fixture
def accounts(store_dir, tmp_path, monkeypatch) -> Accounts:
    """This test's accounts file (asha: uploader, vera: viewer, rina: admin) over the module's store;
    settings from the environment alone, read afresh."""
    from pages import access, resources

    for name in ("SEBA_ATLAS_VIEW", "SEBA_ATLAS_VIEWER_PASSCODE_HASH", "SEBA_ATLAS_SESSION_MINUTES",
                 "SEBA_ATLAS_OPEN_SHOWS_PEOPLE", "SEBA_ATLAS_SECRET", "SEBA_ATLAS_TRUSTED_PROXIES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SEBA_ATLAS_STORE", str(store_dir))
    monkeypatch.setenv("SEBA_ATLAS_AUTH_DB", str(tmp_path / "users.sqlite"))
    made = Accounts(tmp_path / "users.sqlite")
    for name, password in PASSWORDS.items():
        made.add(name, password, role=ROLES[name])
    cached = (resources.store, access.settings, access.accounts)
    for function in cached:
        function.clear()
    yield made
    for function in cached:
        function.clear()


def secret_of(accounts: Accounts) -> bytes:
    """The key the app signs session tokens with (made once, next to the accounts file)."""
    return server_secret(Settings(db_path=accounts.path))


def open_app(page: str | None = None, *, session: dict | None = None) -> AppTest:
    """The app in English (optionally a session already signed in), then ``page``."""
    return run(page, session=session, lang="en")


def sign_in(at: AppTest, username: str, password: str) -> AppTest:
    """Open the sidebar's sign-in box (its form is drawn only when open), fill it in and submit it."""
    if "w_user" not in at.session_state:
        at.session_state["w_sign_in_open"] = True
        at.run()
    at.text_input(key="w_user").input(username)
    at.text_input(key="w_password").input(password)
    next(b for b in at.button if b.label == "Sign in").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def signed_in_as(at: AppTest) -> str | None:
    return next((c.value for c in at.sidebar.caption if c.value.startswith("Signed in as")), None)


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def cookie_scripts(at: AppTest) -> list[str]:
    """The scripts the sidebar runs in the browser to set or delete the session cookie."""
    return [h.proto.body for h in at.get("html") if "seba_atlas_session=" in h.proto.body]


def audit_log(since: int = 0) -> list[tuple[str, str, str | None]]:
    """(action, actor, detail) of the store's change log after change ``since``."""
    from pages import resources

    changes = resources.store().changes().filter(pl.col("change_id") > since)
    return list(changes.select("action", "actor", "detail").iter_rows())


def last_change() -> int:
    from pages import resources

    return int(resources.store().changes()["change_id"].max() or 0)


# -- signing in and out ------------------------------------------------------------------------
def test_sign_in_issues_a_token_writes_the_cookie_and_is_audited(accounts):
    before = last_change()
    at = sign_in(open_app(), "asha", PASSWORDS["asha"])
    assert signed_in_as(at) == "Signed in as asha (uploader)"
    session = at.session_state["_auth"]
    assert session["username"] == "asha" and session["role"] == "uploader"
    assert accounts.verify_token(session["token"], secret_of(accounts)).username == "asha"
    assert PASSWORDS["asha"] not in session["token"]
    [script] = cookie_scripts(at)
    assert f"seba_atlas_session={session['token']};" in script and "SameSite=Strict" in script
    assert "Max-Age=0;" not in script
    assert any("seba_atlas_staff_device=d1." in h.proto.body for h in at.get("html"))  # (test_auth: what it is for)
    assert audit_log(before) == [("sign_in", "asha", None)]


@pytest.mark.parametrize(("typed", "audited"), [("asha", "asha"), ("nobody-here", UNKNOWN_USER)])
def test_a_wrong_password_is_refused_and_the_audit_names_only_real_accounts(accounts, typed, audited):
    before = last_change()
    at = sign_in(open_app(), typed, "not the password at all")
    assert errors(at) == ["Wrong username or password."]
    assert signed_in_as(at) is None and "_auth" not in at.session_state
    assert not cookie_scripts(at)
    assert audit_log(before) == [("sign_in_failed", audited, None)]  # never what was typed for no account


def test_after_failures_even_the_right_password_waits_but_only_there(accounts):
    now = time.time()
    for ago in (60, 55, 45, 30, 10):  # five wrong passwords from one browser session, each let through
        refused = accounts.sign_in("asha", "a wrong guess", client="session:guessing", now=now - ago)
        assert refused.reason == "bad_credentials"
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = "en"
    at.session_state["_client_id"] = "guessing"  # that session (what pages.access counts without an address)
    at.run()
    before = last_change()
    sign_in(at, "asha", PASSWORDS["asha"])  # within the 32 s the fifth failure costs
    [message] = errors(at)
    assert message.startswith("Too many wrong tries. Wait ") and signed_in_as(at) is None
    assert audit_log(before) == [("sign_in_failed", "asha", "throttled")]
    elsewhere = sign_in(open_app(), "asha", PASSWORDS["asha"])  # no one can lock an account for everyone
    assert signed_in_as(elsewhere) == "Signed in as asha (uploader)"


def test_sign_out_ends_the_token_everywhere_and_deletes_the_cookie(accounts):
    at = sign_in(open_app(), "asha", PASSWORDS["asha"])
    token = at.session_state["_auth"]["token"]
    before = last_change()
    at.button(key="sign_out").click().run()
    assert not at.exception
    assert signed_in_as(at) is None and "_auth" not in at.session_state
    assert accounts.verify_token(token, secret_of(accounts)) is None  # a copied cookie is worth nothing now
    assert any("seba_atlas_session=;" in s and "Max-Age=0;" in s for s in cookie_scripts(at))
    assert audit_log(before) == [("sign_out", "asha", None)]


@pytest.mark.parametrize("change", ["password", "removed", "signed out elsewhere"])
def test_a_session_ends_when_its_token_stops_verifying(accounts, change):
    at = sign_in(open_app(), "asha", PASSWORDS["asha"])
    assert signed_in_as(at)
    if change == "password":
        accounts.set_password("asha", "a changed long password")
    elif change == "removed":
        accounts.remove("asha")
    else:
        accounts.end_sessions("asha")
    at.run()
    assert signed_in_as(at) is None and "_auth" not in at.session_state
    at.switch_page("pages/upload.py").run()
    assert any("Only signed-in office staff" in w.value for w in at.warning)


def test_an_expired_session_signs_out(accounts, monkeypatch):
    monkeypatch.setenv("SEBA_ATLAS_SESSION_MINUTES", "5")
    at = open_app("pages/upload.py", session={"username": "asha", "role": "uploader", "at": time.time() - 6 * 60})
    assert signed_in_as(at) is None and "_auth" not in at.session_state
    assert any("Only signed-in office staff" in w.value for w in at.warning)
    fresh = open_app("pages/upload.py", session={"username": "asha", "role": "uploader", "at": time.time() - 4 * 60})
    assert signed_in_as(fresh) == "Signed in as asha (uploader)"


# -- what a role may do ------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "uploads", "sees_people"), [
    (None, False, False), ("vera", False, False), ("asha", True, True), ("rina", True, True)])
def test_roles(accounts, name, uploads, sees_people):
    at = open_app()
    if name:
        sign_in(at, name, PASSWORDS[name])
        assert signed_in_as(at) == f"Signed in as {name} ({ROLES[name]})"
    at.switch_page("pages/upload.py").run()
    assert bool(at.get("file_uploader")) is uploads
    assert any("Only signed-in office staff" in w.value for w in at.warning) is not uploads
    at.switch_page("pages/entrepreneurs.py").run()
    assert any("signed-in staff only" in i.value for i in at.info) is not sees_people
    assert ("Nasrin" in at.dataframe[0].value.to_csv()) is sees_people
    at.switch_page("pages/data.py").run()
    assert ("Audit log" in [m.value.strip("# ") for m in at.markdown]) is uploads


def test_people_can_be_shown_to_everyone_but_uploads_stay_with_staff(accounts, monkeypatch):
    monkeypatch.setenv("SEBA_ATLAS_OPEN_SHOWS_PEOPLE", "1")
    at = open_app("pages/entrepreneurs.py")
    assert "Nasrin" in at.dataframe[0].value.to_csv()
    at.switch_page("pages/upload.py").run()
    assert not at.get("file_uploader")


# -- the viewer passcode -----------------------------------------------------------------------
@pytest.fixture
def passcode(accounts, monkeypatch) -> str:
    monkeypatch.setenv("SEBA_ATLAS_VIEW", "passcode")
    monkeypatch.setenv("SEBA_ATLAS_VIEWER_PASSCODE_HASH", hash_secret(PASSCODE))
    return PASSCODE


def give_passcode(at: AppTest, code: str) -> AppTest:
    at.text_input(key="w_passcode").input(code)
    next(b for b in at.button if b.label == "Open").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_the_passcode_stops_every_page_until_given(passcode):
    at = open_app()
    assert [t.value for t in at.title] == ["Seba Atlas — enter the viewer passcode"]
    assert not at.metric and not at.sidebar.selectbox  # nothing of the data, no controls
    give_passcode(at, "a wrong guess")
    assert errors(at) == ["That passcode is not right. Ask the DC office for the meeting's passcode."]
    assert not at.metric
    give_passcode(at, passcode)
    assert any(m.label == "Total beneficiaries" for m in at.metric)
    # the browser is marked as one that gave the passcode (others' guessing never holds it up), once
    [script] = [h.proto.body for h in at.get("html") if "seba_atlas_viewer_device=d1." in h.proto.body]
    assert "SameSite=Strict" in script and int(script.split("Max-Age=")[1].split(";")[0]) > 179 * 86_400
    at.switch_page("pages/map.py").run()  # once per session
    assert not any("passcode" in t.value for t in at.title)
    assert not any("seba_atlas_viewer_device=" in h.proto.body for h in at.get("html"))


def test_the_passcode_locks_out_a_guessing_session_only(passcode):
    at = open_app()
    for guess in range(5):
        give_passcode(at, f"guess number {guess}")
    give_passcode(at, passcode)  # the right one, too late
    [message] = errors(at)
    assert message.startswith("Too many wrong tries. Wait ") and not at.metric
    other = give_passcode(open_app(), passcode)  # another viewer is not locked out
    assert any(m.label == "Total beneficiaries" for m in other.metric)


def test_staff_pass_the_passcode(passcode):
    at = open_app(session={"username": "asha", "role": "uploader", "at": time.time()})
    assert any(m.label == "Total beneficiaries" for m in at.metric)
