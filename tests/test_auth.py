"""Accounts, password hashing, throttling and sessions."""

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from analytics.auth import (
    DELAY_CAP,
    DEVICE_DAYS,
    GLOBAL_DELAY,
    GLOBAL_FAILURES,
    MAX_FAILURES,
    UNKNOWN_USER,
    Accounts,
    AuthError,
    Settings,
    _verify,
    account_scope,
    client_key,
    hash_secret,
    role_at_least,
    server_secret,
    session_valid,
)

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
    assert accounts.sign_in("asha", "guess number 0", client="ip:10.0.0.9", now=now).reason == "bad_credentials"
    blocked = accounts.sign_in("asha", PASSWORD, client="ip:10.0.0.9", now=now + 1)
    assert blocked.reason == "throttled" and blocked.retry_after > 0 and not blocked.ok
    # the account itself is not locked: the owner elsewhere signs in at once
    assert accounts.sign_in("asha", PASSWORD, client="ip:10.0.0.1", now=now + 1).ok
    # after the delay the right password works from the guessing client too
    assert accounts.sign_in("asha", PASSWORD, client="ip:10.0.0.9", now=now + 3).ok


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


@pytest.mark.slow
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
    # the last admin stays (nobody could roll back or manage the store from the app): another one first
    last = run("remove", "rina")
    assert last.returncode == 2 and "only admin" in last.stderr and run("list").stdout.strip() == "rina\tadmin"
    assert run("add", "mina", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n").returncode == 0
    assert run("remove", "rina").returncode == 0 and run("list").stdout.strip() == "mina\tadmin"


@pytest.mark.slow
def test_a_password_on_standard_input_is_the_one_typed(tmp_path):
    """A review: a line ending in CR LF (a file from Windows) kept the CR in the password, so the one
    typed at sign-in never matched; a passcode of nothing (``users hash``) or of spaces was taken."""
    db = tmp_path / "u.sqlite"
    run = lambda *a, stdin: subprocess.run([sys.executable, "-m", "analytics", "users", *a, "--db", str(db)],  # noqa: E731
                                           input=stdin, capture_output=True, text=True, cwd=ROOT)
    assert run("add", "rina", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\r\n").returncode == 0
    assert Accounts(db).sign_in("rina", PASSWORD).ok
    for action, stdin in ((("add", "mina", "--role", "viewer"), " " * 12 + "\n"), (("hash",), "\n"), (("hash",), "  \r\n")):
        out = run(*action, "--password-stdin", stdin=stdin)
        assert out.returncode == 2 and "empty or only spaces" in out.stderr and out.stdout == "", (action, out)
    hashed = run("hash", "--password-stdin", stdin="a passcode\r\n").stdout.strip()
    assert _verify(hashed, "a passcode") and not _verify(hashed, "a passcode\r")


def test_the_last_admin_is_not_removed(accounts):
    last = "rina"
    accounts.add(last, PASSWORD, role="admin")
    assert accounts.last_admin(last) and not accounts.last_admin("asha")
    with pytest.raises(AuthError, match="last admin"):
        accounts.remove(last.upper())  # (names match whatever their case)
    assert accounts.role_of(last) == "admin"
    accounts.add("second", PASSWORD, role="admin")
    assert not accounts.last_admin(last)
    accounts.remove(last)
    assert accounts.role_of(last) is None and accounts.last_admin("second")


# -- session tokens (issue 10) -----------------------------------------------------------
SECRET = b"k" * 64


def test_token_round_trip_and_expiry(accounts):
    token = accounts.issue_token("asha", SECRET, minutes=10, now=1000.0)
    result = accounts.verify_token(token, SECRET, now=1000.0 + 599)
    assert result and result.ok and result.username == "asha" and result.role == "uploader"
    assert result.expires == 1600
    assert accounts.verify_token(token, SECRET, now=1000.0 + 600) is None  # expired
    assert accounts.verify_token(token, b"another secret" * 4, now=1001.0) is None  # another server's key


@pytest.mark.parametrize("tamper", [
    lambda t: t.replace(".uploader.", ".admin."),  # a role raised
    lambda t: t.replace(t.split(".")[1], "cmluYQ"),  # another user ("rina")
    lambda t: t.replace(t.split(".")[3], str(int(t.split(".")[3]) + 10**6)),  # a later expiry
    lambda t: t[:-1] + ("0" if t[-1] != "0" else "1"),  # the signature
    lambda t: t.rpartition(".")[0],  # no signature
    lambda t: "",
    lambda t: "v1." * 400,
])
def test_tampered_tokens_are_refused(accounts, tamper):
    accounts.add("rina", PASSWORD, role="admin")
    token = accounts.issue_token("asha", SECRET, minutes=10, now=1000.0)
    assert accounts.verify_token(tamper(token), SECRET, now=1001.0) is None


def test_sign_out_and_password_change_end_tokens(accounts):
    first = accounts.issue_token("asha", SECRET, minutes=60)
    assert accounts.verify_token(first, SECRET)
    accounts.end_sessions("asha")  # sign-out bumps the generation
    assert accounts.verify_token(first, SECRET) is None
    second = accounts.issue_token("asha", SECRET, minutes=60)
    assert accounts.verify_token(second, SECRET)
    accounts.set_password("asha", "a brand new password")
    assert accounts.verify_token(second, SECRET) is None
    # a removed account's token does not fit a new account of the same name
    third = accounts.issue_token("asha", SECRET, minutes=60)
    accounts.remove("asha")
    assert accounts.verify_token(third, SECRET) is None
    accounts.add("asha", PASSWORD, role="uploader")
    assert accounts.verify_token(third, SECRET) is None


def test_old_accounts_file_gains_the_generation_column(tmp_path):
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE users (username TEXT PRIMARY KEY COLLATE NOCASE, role TEXT NOT NULL, "
                   "password_hash TEXT NOT NULL, created_at REAL NOT NULL)")
        db.execute("INSERT INTO users VALUES ('asha', 'admin', ?, 0)", (hash_secret(PASSWORD),))
    accounts = Accounts(path)
    assert accounts.sign_in("asha", PASSWORD).ok
    assert accounts.verify_token(accounts.issue_token("asha", SECRET, minutes=5), SECRET)
    accounts.add("karim", PASSWORD, role="viewer")


def test_server_secret_made_once_and_private(tmp_path):
    settings = Settings(db_path=tmp_path / "auth" / "users.sqlite")
    first = server_secret(settings)
    assert first == server_secret(settings) and len(first) >= 32
    assert (tmp_path / "auth" / "secret.key").stat().st_mode & 0o777 == 0o600
    assert server_secret(Settings(db_path=tmp_path / "u.sqlite", secret="configured secret")) == b"configured secret"
    assert Settings.from_env({"SEBA_ATLAS_SECRET": "s3"}).secret == "s3"
    assert "s3" not in repr(Settings.from_env({"SEBA_ATLAS_SECRET": "s3"}))


# -- throttling (issue 10) ---------------------------------------------------------------
def test_rotating_clients_meet_the_global_passcode_budget(accounts, monkeypatch):
    import analytics.auth

    hashed = hash_secret("meeting-2024")
    real = analytics.auth._verify  # many guesses: a quick stand-in for Argon2, same answers
    monkeypatch.setattr(analytics.auth, "_verify", lambda h, s: s == "meeting-2024" and real(h, s))
    now = 5_000.0
    for i in range(GLOBAL_FAILURES):  # one try from each of many addresses
        assert accounts.check_passcode(hashed, f"guess {i}", client=f"ip:10.1.{i // 250}.{i % 250}",
                                       now=now + i).reason == "bad_credentials"
    fresh = accounts.check_passcode(hashed, "guess again", client="ip:192.0.2.77", now=now + GLOBAL_FAILURES)
    assert fresh.reason == "throttled" and 0 < fresh.retry_after <= GLOBAL_DELAY + 1
    # a delay, not a lock: after GLOBAL_DELAY the next try is checked
    later = now + GLOBAL_FAILURES - 1 + GLOBAL_DELAY + 1
    assert accounts.check_passcode(hashed, "meeting-2024", client="ip:192.0.2.77", now=later).ok


SECRET_KEY = b"k" * 32


def _flood(accounts, kind: str, now: float) -> None:
    """The global budget spent by guesses from many addresses."""
    for i in range(GLOBAL_FAILURES):
        client = f"ip:10.2.{i // 250}.{i % 250}"
        result = accounts.sign_in("asha", f"guess {i}", client=client, now=now + i) if kind == "staff" else \
            accounts.check_passcode(hash_secret("meeting-2024"), f"guess {i}", client=client, now=now + i)
        assert result.reason == "bad_credentials"


def test_a_device_that_signed_in_before_is_never_held_up_by_others_guessing(accounts, monkeypatch):
    import analytics.auth

    real = analytics.auth._verify  # many guesses: a quick stand-in for Argon2, same answers
    monkeypatch.setattr(analytics.auth, "_verify", lambda h, s: s == PASSWORD and real(h, s))
    first = accounts.sign_in("asha", PASSWORD, client="ip:198.51.100.1", secret=SECRET_KEY, now=1_000.0)
    assert first.ok and first.device and first.device.startswith("d1.")
    now = 2_000.0
    _flood(accounts, "staff", now)
    now += GLOBAL_FAILURES
    # a new device waits (the global budget); the known one, even at the flooding address, goes in
    assert accounts.sign_in("asha", PASSWORD, client="ip:198.51.100.1", now=now).reason == "throttled"
    known = accounts.sign_in("ASHA ", PASSWORD, client="ip:10.2.0.1", device=first.device, secret=SECRET_KEY, now=now)
    assert known.ok and known.device == first.device
    # the mark is good for its own account only, signed with the server's key, and not forever
    accounts.add("karim", PASSWORD, role="viewer")
    expired = accounts.issue_device(account_scope("asha"), SECRET_KEY, now=now - (DEVICE_DAYS + 1) * 86_400)
    for name, device, secret in (("karim", first.device, SECRET_KEY), ("asha", first.device[:-1] + "x", SECRET_KEY),
                                 ("asha", first.device, b"another key" * 3), ("asha", expired, SECRET_KEY)):
        assert accounts.sign_in(name, PASSWORD, client="ip:198.51.100.9", device=device, secret=secret,
                                now=now).reason == "throttled"
    # guessing with a stolen mark meets the growing delay of that device alone
    assert accounts.sign_in("asha", "wrong", device=first.device, secret=SECRET_KEY, now=now).reason == "bad_credentials"
    held = accounts.sign_in("asha", PASSWORD, device=first.device, secret=SECRET_KEY, now=now)
    assert held.reason == "throttled" and held.retry_after <= 3
    assert accounts.sign_in("asha", PASSWORD, device=first.device, secret=SECRET_KEY, now=now + 3).ok


def test_a_device_that_gave_the_passcode_before_is_never_held_up_by_others_guessing(accounts, monkeypatch):
    import analytics.auth

    real = analytics.auth._verify
    monkeypatch.setattr(analytics.auth, "_verify", lambda h, s: s == "meeting-2024" and real(h, s))
    hashed = hash_secret("meeting-2024")
    first = accounts.check_passcode(hashed, "meeting-2024", client="ip:192.0.2.5", secret=SECRET_KEY, now=1_000.0)
    assert first.ok and first.device
    now = 2_000.0
    _flood(accounts, "passcode", now)
    now += GLOBAL_FAILURES
    assert accounts.check_passcode(hashed, "meeting-2024", client="ip:192.0.2.5", now=now).reason == "throttled"
    assert accounts.check_passcode(hashed, "meeting-2024", client="ip:10.2.0.1", device=first.device,
                                   secret=SECRET_KEY, now=now).ok
    # a new passcode: the marks given for the old one count for nothing
    assert accounts.check_passcode(hash_secret("new-2025"), "x", client="ip:192.0.2.5", device=first.device,
                                   secret=SECRET_KEY, now=now).reason == "throttled"


def test_progressive_delay_per_account_and_client(accounts):
    now = 10_000.0
    waits = []
    for n in range(1, 9):
        assert accounts.sign_in("asha", f"wrong {n}", client="ip:203.0.113.5", now=now).reason == "bad_credentials"
        blocked = accounts.sign_in("asha", "x", client="ip:203.0.113.5", now=now)
        waits.append(blocked.retry_after)
        now += blocked.retry_after  # wait exactly as told
    # 2^n seconds after n failures (+1 for rounding up), at most DELAY_CAP
    assert waits[:5] == [3, 5, 9, 17, 33] and max(waits) == DELAY_CAP + 1
    # meanwhile the owner, from their own address, is never held up: no one can lock staff out
    assert accounts.sign_in("asha", PASSWORD, client="ip:198.51.100.1", now=now).ok


def test_one_client_trying_many_accounts_is_slowed(accounts):
    now = 20_000.0
    for i in range(6):  # each name once: the per-account delay never starts
        accounts.sign_in(f"user{i}", "wrong password", client="ip:203.0.113.9", now=now + 100 * i)
    blocked = accounts.sign_in("asha", PASSWORD, client="ip:203.0.113.9", now=now + 501)
    assert blocked.reason == "throttled"
    assert accounts.sign_in("asha", PASSWORD, client="ip:203.0.113.10", now=now + 501).ok


def test_missing_client_address_is_never_one_shared_key():
    assert client_key(None, None, trusted_proxies=(), session_id="s1") == "session:s1"
    assert client_key("", None, trusted_proxies=(), session_id="s2") == "session:s2"
    # X-Forwarded-For is believed only from a configured proxy
    assert client_key(None, "6.6.6.6", trusted_proxies=(), session_id="s3") == "session:s3"
    assert client_key("1.2.3.4", "6.6.6.6", trusted_proxies=(), session_id="s") == "ip:1.2.3.4"
    assert client_key(None, "6.6.6.6, 203.0.113.4", trusted_proxies=("*",), session_id="s") == "ip:203.0.113.4"
    assert client_key("10.0.0.2", "9.9.9.9, 203.0.113.4, 10.0.0.3", trusted_proxies=("10.0.0.2", "10.0.0.3"),
                      session_id="s") == "ip:203.0.113.4"


def test_missing_client_passcode_guesses_do_not_lock_others_out(accounts):
    hashed = hash_secret("meeting-2024")
    for i in range(MAX_FAILURES + 2):
        accounts.check_passcode(hashed, f"nope{i}", client="session:attacker", now=100.0 + i)
    assert accounts.check_passcode(hashed, "meeting-2024", client="session:attacker", now=120.0).reason == "throttled"
    assert accounts.check_passcode(hashed, "meeting-2024", client="session:colleague", now=120.0).ok


def test_failed_sign_in_names_only_existing_accounts(accounts):
    wrong = accounts.sign_in("ASHA", "not her password", client="ip:1")
    assert not wrong.ok and wrong.username == "asha"  # the account's own name, as stored
    typo = accounts.sign_in(PASSWORD, "", client="ip:2")  # a password typed into the username box
    assert not typo.ok and typo.username is None
    assert UNKNOWN_USER == "unknown user"
    throttled = accounts.sign_in("nobody", "x", client="ip:2")
    assert throttled.username is None


def test_new_settings_fields():
    default = Settings()
    assert default.min_entrepreneurs == 3 and default.whole_months is True
    env = Settings.from_env({"SEBA_ATLAS_MIN_ENTREPRENEURS": "5", "SEBA_ATLAS_WHOLE_MONTHS": "0",
                             "SEBA_ATLAS_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.2"})
    assert env.min_entrepreneurs == 5 and env.whole_months is False
    assert env.trusted_proxies == ("127.0.0.1", "10.0.0.2")
