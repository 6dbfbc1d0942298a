"""Accounts, password hashing, throttling and sessions."""

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from analytics.auth import (LOCKOUT, MAX_FAILURES, Accounts, AuthError, Settings, hash_secret, role_at_least,
                            session_valid)

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"


@pytest.fixture
def accounts(tmp_path):
    accounts = Accounts(tmp_path / "users.sqlite")
    accounts.add("asha", PASSWORD, role="uploader")
    return accounts


def test_sign_in_and_roles(accounts):
    result = accounts.sign_in("asha", PASSWORD)
    assert result.ok and result.role == "uploader" and result.username == "asha"
    assert not accounts.sign_in("asha", "wrong password!").ok
    assert not accounts.sign_in("nobody", PASSWORD).ok


def test_password_never_stored_in_clear(accounts):
    raw = accounts.path.read_bytes()
    assert PASSWORD.encode() not in raw
    (stored,) = sqlite3.connect(accounts.path).execute("SELECT password_hash FROM users").fetchone()
    assert stored.startswith("$argon2id$")


@pytest.mark.parametrize(("username", "password", "role"), [
    ("a", PASSWORD, "uploader"),  # too short a name
    ("bad name", PASSWORD, "uploader"),
    ("rahim", "short", "uploader"),
    ("rahim", PASSWORD, "superuser"),
    ("asha", PASSWORD, "admin"),  # exists
])
def test_add_rejects(accounts, username, password, role):
    with pytest.raises(AuthError):
        accounts.add(username, password, role=role)


def test_guessing_is_throttled_per_account_and_client(accounts):
    now = 1_000_000.0
    for i in range(MAX_FAILURES):
        assert accounts.sign_in("asha", f"guess number {i}", client="10.0.0.9", now=now + i).reason == "bad_credentials"
    blocked = accounts.sign_in("asha", PASSWORD, client="10.0.0.1", now=now + 10)
    assert blocked.reason == "throttled" and blocked.retry_after > 0 and not blocked.ok
    # the guessing client is blocked for other accounts too
    accounts.add("karim", PASSWORD, role="admin")
    assert accounts.sign_in("karim", PASSWORD, client="10.0.0.9", now=now + 11).reason == "throttled"
    # after the lockout the right password works again
    assert accounts.sign_in("asha", PASSWORD, client="10.0.0.1", now=now + 10 + LOCKOUT + 5).ok


def test_passcode_throttled(accounts):
    hashed = hash_secret("meeting-2024")
    assert accounts.check_passcode(hashed, "meeting-2024", client="c").ok
    for i in range(MAX_FAILURES):
        assert not accounts.check_passcode(hashed, f"nope{i}", client="c", now=100.0 + i).ok
    assert accounts.check_passcode(hashed, "meeting-2024", client="c", now=110.0).reason == "throttled"
    assert not accounts.check_passcode(None, "anything", client="d").ok  # no passcode configured: no entry


@pytest.mark.parametrize(("role", "needed", "ok"), [("admin", "uploader", True), ("uploader", "uploader", True),
                                                    ("viewer", "uploader", False), (None, "viewer", False),
                                                    ("root", "viewer", False)])
def test_role_at_least(role, needed, ok):
    assert role_at_least(role, needed) is ok


def test_sessions_expire():
    assert session_valid(1000.0, minutes=10, now=1000.0 + 599)
    assert not session_valid(1000.0, minutes=10, now=1000.0 + 601)
    assert not session_valid(None, minutes=10)


def test_settings_from_env():
    settings = Settings.from_env({"SEBA_ATLAS_VIEW": "Passcode", "SEBA_ATLAS_SESSION_MINUTES": "30"})
    assert settings.view == "passcode" and settings.session_minutes == 30 and not settings.open_shows_people


def test_users_cli(tmp_path):
    db = tmp_path / "u.sqlite"
    run = lambda *a, stdin="": subprocess.run([sys.executable, "-m", "analytics", "users", *a, "--db", str(db)],  # noqa: E731
                                              input=stdin, capture_output=True, text=True, cwd=ROOT)
    assert run("add", "rina", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n").returncode == 0
    assert run("list").stdout.strip() == "rina\tadmin"
    assert run("passwd", "rina", "--password-stdin", stdin="another long password\n").returncode == 0
    assert Accounts(db).sign_in("rina", "another long password").ok
    bad = run("add", "rina", "--password-stdin", stdin=PASSWORD + "\n")
    assert bad.returncode == 2 and "exists" in bad.stderr
    assert run("remove", "rina").returncode == 0 and run("list").stdout == ""
