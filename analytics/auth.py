"""Accounts, roles, sign-in throttling, session tokens and session expiry (no streamlit).

Roles: ``viewer`` < ``uploader`` < ``admin``. Passwords are hashed with Argon2id
(argon2-cffi) and never stored or logged in clear. Failed attempts are kept in SQLite, so
throttling holds across restarts and app processes.

Throttling (never a hard lock anyone can trigger on someone else):

- staff sign-in, per (account, client): after n failures within 15 minutes the next try
  waits 2^n seconds after the last failure, at most 60 s (``_progressive``);
- staff sign-in, per client across accounts: the same, counted from the 6th failure, so
  trying many accounts from one place is slowed too;
- viewer passcode, per client: 5 failures within 15 minutes, then that client waits 15
  minutes after its last failure (it only ever locks the guessing client out);
- globally (one budget for the passcode, one for staff sign-in): after 50 failures within
  15 minutes from all clients together, every further try waits 15 s after the last
  failure, so rotating addresses gains nothing (at most 4 guesses a minute overall);
- a device that got in before (a browser holding a device mark, ``issue_device``: for this
  account, or for the passcode as it is now) is counted on its own instead, with the staff
  sign-in's growing delay: whoever hammers from elsewhere, and however many share its
  address (a meeting room behind one router), never holds it up. Only a first try from a new
  device can meet the global budget's 15 s;
- a "client" is the address Streamlit reports, or the rightmost X-Forwarded-For address
  not in ``SEBA_ATLAS_TRUSTED_PROXIES`` when the request came through a trusted proxy,
  else a random key per browser session (the caller's choice, see pages/access.py): never
  one key shared by everyone.

Session tokens (``issue_token`` / ``verify_token``): ``v1.<username, base64url>.<role>.
<expiry, unix s>.<generation>.<HMAC-SHA256 hex>``, signed with a server secret
(``server_secret``). ``generation`` is a per-account counter in the accounts file: signing
out and changing the password bump it, so every token issued before stops working.

Settings come from environment variables (the app also reads them from Streamlit secrets):
``SEBA_ATLAS_AUTH_DB`` (accounts file), ``SEBA_ATLAS_VIEW`` (``open`` or ``passcode``),
``SEBA_ATLAS_VIEWER_PASSCODE_HASH`` (an Argon2 hash from ``python -m analytics users hash``),
``SEBA_ATLAS_SESSION_MINUTES`` (default 480), ``SEBA_ATLAS_OPEN_SHOWS_PEOPLE`` (``1`` to
show entrepreneurs' names and earnings to anonymous viewers; default off),
``SEBA_ATLAS_SECRET`` (the key session tokens are signed with; default: generated once and
kept in ``secret.key`` next to the accounts file, mode 0600), ``SEBA_ATLAS_TRUSTED_PROXIES``
(comma-separated addresses of reverse proxies whose X-Forwarded-For is believed; ``*`` for
any, e.g. nginx on the same host, which Streamlit reports as no address),
``SEBA_ATLAS_MIN_ENTREPRENEURS`` (default 3) and ``SEBA_ATLAS_WHOLE_MONTHS`` (default on,
``0`` to turn off: custom date ranges shown to anyone but signed-in staff are widened to
whole months).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from analytics import ROOT
from analytics.store import shared_location

ROLES = ("viewer", "uploader", "admin")
DEFAULT_DB = ROOT / "data" / "auth" / "users.sqlite"
MAX_FAILURES = 5  # passcode: within WINDOW seconds from one client, then that client waits LOCKOUT
WINDOW = 15 * 60
LOCKOUT = 15 * 60
DELAY_CAP = 60  # staff sign-in: progressive delay 2^n s after n failures, at most this
CLIENT_FREE = 5  # staff sign-in per client (any account): failures before the delay starts
GLOBAL_FAILURES = 50  # within WINDOW from all clients together, then every try waits GLOBAL_DELAY
GLOBAL_DELAY = 15
DEVICE_DAYS = 180  # how long a device mark (issue_device) lasts
UNKNOWN_USER = "unknown user"  # the audit log's actor for a failed sign-in with no such account
MIN_PASSWORD = 10
USERNAME = re.compile(r"^[A-Za-z0-9._@+-]{2,80}$")

_hasher = PasswordHasher()


class AuthError(ValueError):
    """A request that cannot be done (bad username, weak password, unknown user)."""


@dataclass(frozen=True)
class Settings:
    #: The accounts: a SQLite file, or the shared store's postgresql:// URL (the same database).
    db_path: Path | str = DEFAULT_DB
    view: str = "open"  # or "passcode"
    viewer_passcode_hash: str | None = None
    session_minutes: int = 480
    open_shows_people: bool = False
    secret: str | None = field(default=None, repr=False)
    trusted_proxies: tuple[str, ...] = ()
    min_entrepreneurs: int = 3
    whole_months: bool = True

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = dict(os.environ if env is None else env)
        return cls(
            db_path=_accounts_location(env),
            view="passcode" if env.get("SEBA_ATLAS_VIEW", "open").strip().lower() == "passcode" else "open",
            viewer_passcode_hash=env.get("SEBA_ATLAS_VIEWER_PASSCODE_HASH") or None,
            session_minutes=int(env.get("SEBA_ATLAS_SESSION_MINUTES") or 480),
            open_shows_people=env.get("SEBA_ATLAS_OPEN_SHOWS_PEOPLE", "0").strip() in ("1", "true", "yes"),
            secret=env.get("SEBA_ATLAS_SECRET") or None,
            trusted_proxies=tuple(p.strip() for p in (env.get("SEBA_ATLAS_TRUSTED_PROXIES") or "").split(",")
                                  if p.strip()),
            min_entrepreneurs=int(env.get("SEBA_ATLAS_MIN_ENTREPRENEURS") or 3),
            whole_months=(env.get("SEBA_ATLAS_WHOLE_MONTHS") or "1").strip().lower() not in ("0", "false", "no", "off"),
        )


@dataclass(frozen=True)
class SignIn:
    ok: bool
    username: str | None = None
    role: str | None = None
    reason: str = "ok"  # ok | bad_credentials | throttled
    retry_after: int = 0  # seconds, when throttled
    expires: int = 0  # unix time, for a session token
    device: str | None = None  # on success: the device mark to keep (issue_device), new or the one shown


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def _verify(hashed: str, secret: str) -> bool:
    try:
        return _hasher.verify(hashed, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _accounts_location(env: dict[str, str]) -> Path | str:
    """``SEBA_ATLAS_AUTH_DB``; else the shared store's database when there is one (every app
    process then knows the same accounts); else ``data/auth/users.sqlite``."""
    if env.get("SEBA_ATLAS_AUTH_DB"):
        return _location(env["SEBA_ATLAS_AUTH_DB"])
    store = env.get("SEBA_ATLAS_STORE") or ""
    return store if shared_location(store) else DEFAULT_DB


def _location(location: Path | str) -> Path | str:
    return location if shared_location(location) else Path(location)


def server_secret(settings: Settings) -> bytes:
    """The key session tokens are signed with: configured; else made once and kept with the
    accounts: in the shared database, or next to the accounts file (``secret.key``, readable by
    the app's user only)."""
    if settings.secret:
        return settings.secret.encode()
    if shared_location(settings.db_path):
        return Accounts(settings.db_path).shared_secret()
    path = Path(settings.db_path).parent / "secret.key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    key = path.read_text().strip()
    if len(key) < 32:
        raise AuthError(f"{path}: the session secret is missing or too short; delete it to make a new one")
    return key.encode()


def client_key(ip_address: str | None, forwarded_for: str | None, *, trusted_proxies: tuple[str, ...],
               session_id: str) -> str:
    """Whom throttling counts: the peer address; behind a trusted proxy the address it saw; else
    this browser session (never one key for everyone)."""
    peer = (ip_address or "").strip()
    trusted = bool(trusted_proxies) and ("*" in trusted_proxies or peer in trusted_proxies or not peer)
    if trusted and forwarded_for:
        for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
            if hop not in trusted_proxies:
                return f"ip:{hop[:64]}"
    if peer:
        return f"ip:{peer}"
    return f"session:{session_id}"


def _progressive(failures: list[float], *, free: int, cap: int) -> tuple[int, float]:
    """(delay in s, time of the last failure): 2^k s after the k-th failure beyond ``free - 1``."""
    n = len(failures) - (free - 1)
    if n <= 0:
        return 0, 0.0
    return min(2 ** n, cap), failures[-1]


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _unb64(text: str) -> str:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()


def _sign(secret: bytes, payload: str) -> str:
    return hmac.new(secret, payload.encode(), hashlib.sha256).hexdigest()


def role_at_least(role: str | None, needed: str) -> bool:
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def session_valid(signed_in_at: float | None, *, minutes: int, now: float | None = None) -> bool:
    return signed_in_at is not None and (now or time.time()) - signed_in_at < minutes * 60


class Accounts:
    """The accounts: users with a role and a password hash; failed attempts. Kept in a SQLite
    file, or in the shared store's PostgreSQL database (``path`` a postgresql:// URL; its tables
    come with the store's migrations)."""

    def __init__(self, path: Path | str = DEFAULT_DB) -> None:
        _dummy_hash()
        self.path = _location(path)
        if isinstance(self.path, str):
            from analytics.store.shared import ensure_migrated

            ensure_migrated(self.path)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=30)) as db, db:
            db.executescript("""
                CREATE TABLE IF NOT EXISTS users (username TEXT PRIMARY KEY COLLATE NOCASE, role TEXT NOT NULL,
                    password_hash TEXT NOT NULL, created_at REAL NOT NULL);
                CREATE TABLE IF NOT EXISTS failures (key TEXT NOT NULL, at REAL NOT NULL);
                CREATE INDEX IF NOT EXISTS failures_key ON failures (key, at);
            """)
            columns = {row[1] for row in db.execute("PRAGMA table_info(users)")}
            if "token_generation" not in columns:  # accounts files from before session tokens
                db.execute("ALTER TABLE users ADD COLUMN token_generation INTEGER NOT NULL DEFAULT 0")
        try:
            os.chmod(self.path, 0o600)
        except OSError:
            pass

    @contextmanager
    def _db(self) -> Iterator[Any]:
        """A connection in one transaction (``?`` placeholders on either engine)."""
        if isinstance(self.path, str):
            from analytics.store.shared import transaction

            with transaction(self.path) as db:
                yield db
            return
        with closing(sqlite3.connect(self.path, timeout=30)) as db, db:
            yield db

    def shared_secret(self) -> bytes:
        """The session-signing key kept in the shared database, made by the first process to ask."""
        with self._db() as db:
            db.execute("INSERT INTO app_secret (id, secret) VALUES (1, ?) ON CONFLICT (id) DO NOTHING",
                       (secrets.token_hex(32),))
            return db.execute("SELECT secret FROM app_secret WHERE id = 1").fetchone()[0].encode()

    def add(self, username: str, password: str, *, role: str) -> None:
        if not USERNAME.match(username):
            raise AuthError("username: 2-80 letters, digits or . _ @ + -")
        if role not in ROLES:
            raise AuthError(f"role must be one of {', '.join(ROLES)}")
        self._check_password(password)
        with self._db() as db:
            if db.execute("SELECT 1 FROM users WHERE lower(username) = lower(?)", (username,)).fetchone():
                raise AuthError(f"user {username} exists already")
            # a random first generation: a token of a removed account never fits a new one of the same name
            db.execute("INSERT INTO users (username, role, password_hash, created_at, token_generation) "
                       "VALUES (?, ?, ?, ?, ?)",
                       (username, role, hash_secret(password), time.time(), secrets.randbelow(2**31)))

    def remove(self, username: str) -> None:
        """Remove an account; never the last admin (nobody could then roll back, decide names or
        manage the store from the app): :meth:`last_admin` says so first."""
        with self._db() as db:
            if self._last_admin(db, username):
                raise AuthError(f"{username} is the last admin: add another admin first")
            if not db.execute("DELETE FROM users WHERE lower(username) = lower(?)", (username,)).rowcount:
                raise AuthError(f"no user {username}")

    def last_admin(self, username: str) -> bool:
        """Whether ``username`` is the only admin account."""
        with self._db() as db:
            return self._last_admin(db, username)

    @staticmethod
    def _last_admin(db: Any, username: str) -> bool:
        admins = [name for (name,) in db.execute("SELECT username FROM users WHERE role = 'admin'").fetchall()]
        return len(admins) == 1 and admins[0].lower() == username.lower()

    def set_password(self, username: str, password: str) -> None:
        """A new password; every session token issued before stops working."""
        self._check_password(password)
        with self._db() as db:
            if not db.execute("UPDATE users SET password_hash = ?, token_generation = token_generation + 1 "
                              "WHERE lower(username) = lower(?)", (hash_secret(password), username)).rowcount:
                raise AuthError(f"no user {username}")

    def list(self) -> list[tuple[str, str]]:
        with self._db() as db:
            return db.execute("SELECT username, role FROM users ORDER BY username").fetchall()

    def role_of(self, username: str) -> str | None:
        with self._db() as db:
            row = db.execute("SELECT role FROM users WHERE lower(username) = lower(?)", (username,)).fetchone()
        return row[0] if row else None

    def canonical(self, username: str) -> str | None:
        """The account's name as stored, or None when there is no such account."""
        if not username or not username.strip() or len(username) > 200:
            return None
        with self._db() as db:
            row = db.execute("SELECT username FROM users WHERE lower(username) = lower(?)", (username.strip(),)).fetchone()
        return row[0] if row else None

    @staticmethod
    def _check_password(password: str) -> None:
        if len(password) < MIN_PASSWORD:
            raise AuthError(f"password: at least {MIN_PASSWORD} characters")

    # -- session tokens ------------------------------------------------------------
    def _generation(self, username: str) -> tuple[str, str, int] | None:
        with self._db() as db:
            row = db.execute("SELECT username, role, token_generation FROM users WHERE lower(username) = lower(?)",
                             (username,)).fetchone()
        return (row[0], row[1], int(row[2])) if row else None

    def issue_token(self, username: str, secret: bytes, *, minutes: int, now: float | None = None) -> str:
        """A signed token for ``username`` that expires ``minutes`` from now."""
        account = self._generation(username)
        if account is None:
            raise AuthError(f"no user {username}")
        name, role, generation = account
        expires = int((now or time.time()) + minutes * 60)
        payload = f"v1.{_b64(name)}.{role}.{expires}.{generation}"
        return f"{payload}.{_sign(secret, payload)}"

    def verify_token(self, token: str | None, secret: bytes, *, now: float | None = None) -> SignIn | None:
        """The account a token stands for, or None (forged, altered, expired, signed out, password
        changed, role changed, or the account removed)."""
        if not token or len(token) > 1000:
            return None
        payload, _, signature = token.rpartition(".")
        if not hmac.compare_digest(_sign(secret, payload), signature):
            return None
        try:
            version, name, role, expires, generation = payload.split(".")
            username, expires_at, generation_n = _unb64(name), int(expires), int(generation)
        except (ValueError, UnicodeDecodeError):
            return None
        if version != "v1" or expires_at <= (now or time.time()):
            return None
        account = self._generation(username)
        if account is None or account[1] != role or account[2] != generation_n:
            return None
        return SignIn(True, username=account[0], role=role, expires=expires_at)

    def end_sessions(self, username: str) -> None:
        """Sign out everywhere: every token issued so far stops working."""
        with self._db() as db:
            db.execute("UPDATE users SET token_generation = token_generation + 1 WHERE lower(username) = lower(?)", (username,))

    # -- device marks ----------------------------------------------------------------
    @staticmethod
    def issue_device(scope: str, secret: bytes, *, now: float | None = None) -> str:
        """A signed mark for a device that got in: ``d1.<scope, base64url>.<random id>.<expiry>.<HMAC>``.
        ``scope`` is what it got into (:func:`passcode_scope`, :func:`account_scope`)."""
        expires = int((now or time.time()) + DEVICE_DAYS * 86_400)
        payload = f"d1.{_b64(scope)}.{secrets.token_hex(12)}.{expires}"
        return f"{payload}.{_sign(secret, payload)}"

    @staticmethod
    def _device_key(token: str | None, secret: bytes, scope: str, now: float) -> str | None:
        """The throttling key of a valid, unexpired device mark for ``scope``, else None."""
        if not token or len(token) > 500 or not secret:
            return None
        payload, _, signature = token.rpartition(".")
        if not hmac.compare_digest(_sign(secret, payload), signature):
            return None
        try:
            version, kept, nonce, expires = payload.split(".")
            if version != "d1" or _unb64(kept) != scope or int(expires) <= now:
                return None
        except (ValueError, UnicodeDecodeError):
            return None
        return f"device:{nonce}"

    def _device_rules(self, device: str | None, secret: bytes, scope: str, now: float) -> list[tuple[str, str]]:
        key = self._device_key(device, secret, scope, now)
        return [(key, "progressive")] if key else []

    # -- throttled verification ----------------------------------------------------
    def _failures(self, db: Any, key: str, now: float) -> list[float]:
        return [at for (at,) in db.execute("SELECT at FROM failures WHERE key = ? AND at >= ? ORDER BY at",
                                           (key, now - WINDOW))]

    def _wait(self, rules: list[tuple[str, str]], now: float) -> int:
        """Seconds until every rule (key, kind) lets a try through (0 = now)."""
        wait = 0.0
        with self._db() as db:
            db.execute("DELETE FROM failures WHERE at < ?", (now - max(WINDOW, LOCKOUT),))
            for key, kind in rules:
                times = self._failures(db, key, now)
                if not times:
                    continue
                if kind == "progressive":
                    delay, last = _progressive(times, free=1, cap=DELAY_CAP)
                elif kind == "client":
                    delay, last = _progressive(times, free=CLIENT_FREE + 1, cap=DELAY_CAP)
                elif kind == "lockout":
                    delay, last = (LOCKOUT, times[-1]) if len(times) >= MAX_FAILURES else (0, 0.0)
                else:  # global
                    delay, last = (GLOBAL_DELAY, times[-1]) if len(times) >= GLOBAL_FAILURES else (0, 0.0)
                if delay:
                    wait = max(wait, last + delay - now)
        return int(wait) + 1 if wait > 0 else 0

    def retry_after(self, keys: list[str], *, now: float | None = None) -> int:
        """Seconds until any of ``keys`` may try again after MAX_FAILURES (0 = now)."""
        return self._wait([(key, "lockout") for key in keys], now or time.time())

    def _fail(self, keys: list[str], now: float) -> None:
        with self._db() as db:
            db.executemany("INSERT INTO failures VALUES (?, ?)", [(key, now) for key in keys])

    def _clear(self, keys: list[str]) -> None:
        with self._db() as db:
            db.executemany("DELETE FROM failures WHERE key = ?", [(key,) for key in keys])

    def sign_in(self, username: str, password: str, *, client: str = "", device: str | None = None,
                secret: bytes = b"", now: float | None = None) -> SignIn:
        """Check a password, throttled per (account, client), per client and globally; or, from a
        device that signed in to this account before (``device``, a mark signed with ``secret``),
        per that device alone.

        On failure ``username`` is the account's stored name when the account exists, else None
        (what may go into the audit log: never the typed text). On success ``device`` is the mark to
        keep: the one shown, or a new one.
        """
        now = now or time.time()
        client = client or "unknown"
        typed = username.strip()[:200]
        account_client = f"user:{typed.casefold()}|{client}"
        rules = self._device_rules(device, secret, account_scope(typed), now) or [
            (account_client, "progressive"), (f"signin-client:{client}", "client"), ("signin:*", "global")]
        known = self.canonical(typed)
        wait = self._wait(rules, now)
        if wait:
            return SignIn(False, username=known, reason="throttled", retry_after=wait)
        with self._db() as db:
            row = db.execute("SELECT username, role, password_hash FROM users WHERE lower(username) = lower(?)",
                             (typed,)).fetchone()
        # verify against a dummy hash for unknown users so timing does not reveal who exists
        hashed = row[2] if row else _dummy_hash()
        if row and _verify(hashed, password):
            self._clear([account_client, *(key for key, _ in rules if key.startswith("device:"))])
            mark = device if rules[0][0].startswith("device:") else \
                (self.issue_device(account_scope(row[0]), secret, now=now) if secret else None)
            return SignIn(True, username=row[0], role=row[1], device=mark)
        if not row:
            _verify(hashed, password)
        self._fail([key for key, _ in rules], now)
        return SignIn(False, username=row[0] if row else None, reason="bad_credentials")

    def check_passcode(self, passcode_hash: str | None, passcode: str, *, client: str = "",
                       device: str | None = None, secret: bytes = b"", now: float | None = None) -> SignIn:
        """The shared viewer passcode: throttled per client and by a global budget; or, from a
        device that gave this passcode before (``device``, signed with ``secret``), per that device alone."""
        now = now or time.time()
        scope = passcode_scope(passcode_hash)
        rules = self._device_rules(device, secret, scope, now) or [
            (f"passcode:{client or 'unknown'}", "lockout"), ("passcode:*", "global")]
        wait = self._wait(rules, now)
        if wait:
            return SignIn(False, reason="throttled", retry_after=wait)
        if passcode_hash and _verify(passcode_hash, passcode):
            known = rules[0][0].startswith("device:")
            if known:
                self._clear([rules[0][0]])
            mark = device if known else (self.issue_device(scope, secret, now=now) if secret else None)
            return SignIn(True, role="viewer", device=mark)
        self._fail([key for key, _ in rules], now)
        return SignIn(False, reason="bad_credentials")


def account_scope(username: str) -> str:
    """What a device mark for staff sign-in is good for: this account, however its name is typed."""
    return f"user:{username.strip().casefold()}"


def passcode_scope(passcode_hash: str | None) -> str:
    """What a device mark for the viewer passcode is good for: this passcode (a new one is a new scope)."""
    return "passcode:" + hashlib.sha256((passcode_hash or "").encode()).hexdigest()[:24]


@cache
def _dummy_hash() -> str:
    """What an unknown user's password is checked against, so that timing does not reveal who
    exists. Made when the first :class:`Accounts` opens (before any sign-in), not at import: an
    Argon2 hash takes a tenth of a second, which every command line would pay."""
    return hash_secret("not a real password, only for constant-time checks")
