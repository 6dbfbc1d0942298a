"""Accounts, roles, sign-in throttling and session expiry (no streamlit).

Roles: ``viewer`` < ``uploader`` < ``admin``. Passwords are hashed with Argon2id
(argon2-cffi) and never stored or logged in clear. Failed sign-ins are counted per account
and per client in SQLite, so throttling holds across restarts and app processes.

Settings come from environment variables (the app also reads them from Streamlit secrets):
``SEBA_ATLAS_AUTH_DB`` (accounts file), ``SEBA_ATLAS_VIEW`` (``open`` or ``passcode``),
``SEBA_ATLAS_VIEWER_PASSCODE_HASH`` (an Argon2 hash from ``python -m analytics users hash``),
``SEBA_ATLAS_SESSION_MINUTES`` (default 480), ``SEBA_ATLAS_OPEN_SHOWS_PEOPLE`` (``1`` to
show entrepreneurs' names and earnings to anonymous viewers; default off).
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

ROLES = ("viewer", "uploader", "admin")
DEFAULT_DB = Path(__file__).resolve().parent.parent / "data" / "auth" / "users.sqlite"
MAX_FAILURES = 5  # within WINDOW seconds, then locked out
WINDOW = 15 * 60
LOCKOUT = 15 * 60
MIN_PASSWORD = 10
USERNAME = re.compile(r"^[A-Za-z0-9._@+-]{2,80}$")

_hasher = PasswordHasher()


class AuthError(ValueError):
    """A request that cannot be done (bad username, weak password, unknown user)."""


@dataclass(frozen=True)
class Settings:
    db_path: Path = DEFAULT_DB
    view: str = "open"  # or "passcode"
    viewer_passcode_hash: str | None = None
    session_minutes: int = 480
    open_shows_people: bool = False

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = dict(os.environ if env is None else env)
        return cls(
            db_path=Path(env.get("SEBA_ATLAS_AUTH_DB") or DEFAULT_DB),
            view="passcode" if env.get("SEBA_ATLAS_VIEW", "open").strip().lower() == "passcode" else "open",
            viewer_passcode_hash=env.get("SEBA_ATLAS_VIEWER_PASSCODE_HASH") or None,
            session_minutes=int(env.get("SEBA_ATLAS_SESSION_MINUTES") or 480),
            open_shows_people=env.get("SEBA_ATLAS_OPEN_SHOWS_PEOPLE", "0").strip() in ("1", "true", "yes"),
        )


@dataclass(frozen=True)
class SignIn:
    ok: bool
    username: str | None = None
    role: str | None = None
    reason: str = "ok"  # ok | bad_credentials | throttled
    retry_after: int = 0  # seconds, when throttled


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def _verify(hashed: str, secret: str) -> bool:
    try:
        return _hasher.verify(hashed, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def role_at_least(role: str | None, needed: str) -> bool:
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def session_valid(signed_in_at: float | None, *, minutes: int, now: float | None = None) -> bool:
    return signed_in_at is not None and (now or time.time()) - signed_in_at < minutes * 60


class Accounts:
    """The account file: users with a role and a password hash; failed attempts."""

    def __init__(self, path: Path | str = DEFAULT_DB) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.executescript("""
                CREATE TABLE IF NOT EXISTS users (username TEXT PRIMARY KEY COLLATE NOCASE, role TEXT NOT NULL,
                    password_hash TEXT NOT NULL, created_at REAL NOT NULL);
                CREATE TABLE IF NOT EXISTS failures (key TEXT NOT NULL, at REAL NOT NULL);
                CREATE INDEX IF NOT EXISTS failures_key ON failures (key, at);
            """)
        try:
            os.chmod(self.path, 0o600)
        except OSError:
            pass

    def _db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def add(self, username: str, password: str, *, role: str) -> None:
        if not USERNAME.match(username):
            raise AuthError("username: 2-80 letters, digits or . _ @ + -")
        if role not in ROLES:
            raise AuthError(f"role must be one of {', '.join(ROLES)}")
        self._check_password(password)
        with self._db() as db:
            if db.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone():
                raise AuthError(f"user {username} exists already")
            db.execute("INSERT INTO users VALUES (?, ?, ?, ?)", (username, role, hash_secret(password), time.time()))

    def remove(self, username: str) -> None:
        with self._db() as db:
            if not db.execute("DELETE FROM users WHERE username = ?", (username,)).rowcount:
                raise AuthError(f"no user {username}")

    def set_password(self, username: str, password: str) -> None:
        self._check_password(password)
        with self._db() as db:
            if not db.execute("UPDATE users SET password_hash = ? WHERE username = ?",
                              (hash_secret(password), username)).rowcount:
                raise AuthError(f"no user {username}")

    def list(self) -> list[tuple[str, str]]:
        with self._db() as db:
            return db.execute("SELECT username, role FROM users ORDER BY username").fetchall()

    def role_of(self, username: str) -> str | None:
        with self._db() as db:
            row = db.execute("SELECT role FROM users WHERE username = ?", (username,)).fetchone()
        return row[0] if row else None

    @staticmethod
    def _check_password(password: str) -> None:
        if len(password) < MIN_PASSWORD:
            raise AuthError(f"password: at least {MIN_PASSWORD} characters")

    # -- throttled verification ----------------------------------------------------
    def retry_after(self, keys: list[str], *, now: float | None = None) -> int:
        """Seconds until any of ``keys`` may try again (0 = now)."""
        now = now or time.time()
        with self._db() as db:
            db.execute("DELETE FROM failures WHERE at < ?", (now - max(WINDOW, LOCKOUT),))
            wait = 0
            for key in keys:
                times = [at for (at,) in db.execute(
                    "SELECT at FROM failures WHERE key = ? AND at >= ? ORDER BY at", (key, now - WINDOW))]
                if len(times) >= MAX_FAILURES:
                    wait = max(wait, int(times[-1] + LOCKOUT - now) + 1)
        return wait

    def _fail(self, keys: list[str], now: float) -> None:
        with self._db() as db:
            db.executemany("INSERT INTO failures VALUES (?, ?)", [(key, now) for key in keys])

    def _clear(self, keys: list[str]) -> None:
        with self._db() as db:
            db.executemany("DELETE FROM failures WHERE key = ?", [(key,) for key in keys])

    def sign_in(self, username: str, password: str, *, client: str = "", now: float | None = None) -> SignIn:
        """Check a password; throttled per account and per client after repeated failures."""
        now = now or time.time()
        keys = [f"user:{username.strip().casefold()}"] + ([f"client:{client}"] if client else [])
        wait = self.retry_after(keys, now=now)
        if wait:
            return SignIn(False, reason="throttled", retry_after=wait)
        with self._db() as db:
            row = db.execute("SELECT username, role, password_hash FROM users WHERE username = ?",
                             (username.strip(),)).fetchone()
        # verify against a dummy hash for unknown users so timing does not reveal who exists
        hashed = row[2] if row else _DUMMY_HASH
        if row and _verify(hashed, password):
            self._clear(keys[:1])
            return SignIn(True, username=row[0], role=row[1])
        if not row:
            _verify(hashed, password)
        self._fail(keys, now)
        return SignIn(False, reason="bad_credentials")

    def check_passcode(self, passcode_hash: str | None, passcode: str, *, client: str = "",
                       now: float | None = None) -> SignIn:
        """The shared viewer passcode, throttled like a password."""
        now = now or time.time()
        keys = ["passcode"] + ([f"passcode:{client}"] if client else [])
        wait = self.retry_after(keys[1:] or keys, now=now)
        if wait:
            return SignIn(False, reason="throttled", retry_after=wait)
        if passcode_hash and _verify(passcode_hash, passcode):
            return SignIn(True, role="viewer")
        self._fail(keys[1:] or keys, now)
        return SignIn(False, reason="bad_credentials")


_DUMMY_HASH = hash_secret("not a real password, only for constant-time checks")
