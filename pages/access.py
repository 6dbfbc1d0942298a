"""Access control on the page side: settings, who is signed in (and as what), what a role may
do, the viewer passcode, the sidebar's sign-in box, the session cookie and the audit entries.

The rules themselves (accounts, password hashes, roles, throttling, tokens, session expiry) are
``analytics.auth``'s; this module asks it, once per script run, and draws the two forms.

Staff sign-in survives a reload (issue 10). On sign-in the server issues a signed, expiring
token (``analytics.auth.Accounts.issue_token``: HMAC-SHA256 over username, role, expiry and
the account's token generation) and keeps it in a cookie, ``seba_atlas_session``. Streamlit
1.67 has no server-side way for app code to set a cookie: ``st.login``'s cookie
(``_streamlit_user``) is set by its own OIDC routes (``web/server/*auth_routes.py``) and
holds only what the identity provider returned, and ``st.context.cookies`` is read-only. So
the cookie is written in the browser by a few lines of JavaScript run by
``st.html(..., unsafe_allow_javascript=True)``, which Streamlit inserts into the app's own
page (not an iframe), so ``document.cookie`` is the app's origin; no new dependency. Flags:
``Path=/; SameSite=Strict; Max-Age=<until expiry>``, plus ``Secure`` when the page is served
over https. HttpOnly is impossible from JavaScript, so a script running in the page could read
the token: the token is worth only its account's session until it expires, and it dies at once
on sign-out or a password change (both bump the generation). The cookie is read back from the
request that opened the page (``st.context.cookies``, i.e. on a reload or a link opened in the
same browser) and verified on the server (signature, expiry, generation, role) on every run.
"""

from __future__ import annotations

import functools
import logging
import re
import secrets
import time
from collections.abc import Callable

import streamlit as st

from analytics import i18n
from analytics.auth import (
    DEVICE_DAYS,
    UNKNOWN_USER,
    Accounts,
    Settings,
    client_key,
    role_at_least,
    server_secret,
    session_valid,
)
from analytics.store import StoreError
from pages import resources, run

AUTH_KEY = "_auth"  # session state: the signed-in account {username, role, at, token?, oidc?}
VIEWER_OK = "_viewer_ok"  # session state: this session gave the viewer passcode
_REFUSED = "_access_refused"  # session state: why the last try was refused, shown once under its form
COOKIE = "seba_atlas_session"
#: cookies of a device mark (analytics.auth.Accounts.issue_device): this browser got in before, as staff or
#: with the passcode, so others' guessing never holds it up. Kept on sign-out (they grant nothing).
DEVICE_COOKIES = {"staff": "seba_atlas_staff_device", "viewer": "seba_atlas_viewer_device"}
_NEW_DEVICE = "_new_device"  # session state: device marks to write into this browser, by kind
_TOKEN = re.compile(r"^[A-Za-z0-9_.=-]{10,1000}$")
_LOG = logging.getLogger(__name__)


# -- settings and accounts (once per process) ----------------------------------------------
@st.cache_resource
def settings() -> Settings:
    """Auth settings, from :func:`pages.resources.config` (the same mapping the store is opened with)."""
    return Settings.from_env(resources.config())


@st.cache_resource
def accounts() -> Accounts:
    return Accounts(settings().db_path)


@st.cache_resource
def _token_secret(db_path: str) -> bytes:  # noqa: ARG001  (the cache key: a test's own accounts file)
    return server_secret(settings())


def token_secret() -> bytes:
    return _token_secret(str(settings().db_path))


@functools.cache
def _oidc_configured() -> bool:
    """Whether st.login is set up (``[auth]`` in secrets): read once per process, as the other
    settings are (Streamlit would parse the secrets file on every look)."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False


# -- who is signed in (once per run) -------------------------------------------------------
def signed_in() -> dict | None:
    """The signed-in account {username, role, at, token?}, or None (expired sessions sign out).

    Checked once per script run: the session's token (if any) must still verify, so signing out
    or changing the password elsewhere ends this session too; a session with none is restored
    from the session cookie when the page was opened with a valid one (a reload, a link)."""
    return run.once("signed_in", _signed_in)


def _signed_in() -> dict | None:
    session = st.session_state.get(AUTH_KEY)
    if session and not session_valid(session["at"], minutes=settings().session_minutes):
        st.session_state.pop(AUTH_KEY, None)
        return None
    if session and session.get("token") and not accounts().verify_token(session["token"], token_secret()):
        st.session_state.pop(AUTH_KEY, None)  # signed out elsewhere, password changed, role changed
        return None
    if session is None and (token := _cookie_token()) and token != st.session_state.get("_dead_token"):
        result = accounts().verify_token(token, token_secret())
        if result is None:
            st.session_state["_dead_token"] = token  # no need to look again in this session
        else:
            session = {"username": result.username, "role": result.role, "token": token,
                       "at": result.expires - settings().session_minutes * 60}
            st.session_state[AUTH_KEY] = session
            if not session_valid(session["at"], minutes=settings().session_minutes):
                st.session_state.pop(AUTH_KEY, None)
                return None
    if session is None and _oidc_configured() and _oidc_user():  # st.user reads the secrets file each time
        email = _oidc_user()
        role = accounts().role_of(email)
        if role:
            session = {"username": email, "role": role, "at": time.time(), "oidc": True}
            st.session_state[AUTH_KEY] = session
            audit("sign_in", actor=email, detail="oidc")
    return session


def _cookie_token(name: str = COOKIE) -> str | None:
    try:
        token = st.context.cookies.get(name)
    except Exception:  # outside a browser session
        return None
    return token if isinstance(token, str) and _TOKEN.match(token) else None


def _keep_device(kind: str, mark: str | None) -> None:
    """Write ``mark`` into this browser (in the sidebar, :func:`_sync_cookie`) unless it holds it already."""
    if mark and mark != _cookie_token(DEVICE_COOKIES[kind]):
        st.session_state.setdefault(_NEW_DEVICE, {})[kind] = mark


def _oidc_user() -> str | None:
    try:
        user = st.user
        return user.get("email") if user.get("is_logged_in") else None
    except Exception:  # st.login not configured
        return None


def role() -> str | None:
    session = signed_in()
    return session["role"] if session else None


def actor() -> str:
    session = signed_in()
    return session["username"] if session else "anonymous"


def can_change_data() -> bool:
    """Upload, replace and roll back: signed-in uploaders and admins only (checked on the server)."""
    return role_at_least(role(), "uploader")


def can_see_people() -> bool:
    """Entrepreneurs' names and individual earnings: staff, or everyone when so configured."""
    return settings().open_shows_people or role_at_least(role(), "uploader")


def audit(action: str, *, actor: str, detail: str | None = None) -> None:
    """An audit entry; a store that cannot be written (read-only, full disk) must not stop sign-in."""
    try:
        resources.store().record(action, actor=actor, detail=detail)
    except StoreError:
        _LOG.warning("audit entry %s for %s not recorded: store not writable", action, actor)


def _client() -> str:
    """Whom throttling counts (see ``analytics.auth.client_key``): never one key for everyone."""
    session_id = st.session_state.setdefault("_client_id", secrets.token_hex(12))
    try:
        ip = st.context.ip_address
        forwarded = st.context.headers.get("X-Forwarded-For")
    except Exception:  # outside a browser session
        ip, forwarded = None, None
    # only text counts: AppTest answers with stand-ins, and a new key per try would throttle no one
    return client_key(ip if isinstance(ip, str) else None, forwarded if isinstance(forwarded, str) else None,
                      trusted_proxies=settings().trusted_proxies, session_id=session_id)


# -- the forms -----------------------------------------------------------------------------
def _texts(lang: str) -> Callable[..., str]:
    """The forms' texts in ``lang`` (the view state's language, which app.py passes in)."""
    return lambda key, **values: i18n.t(key, lang, **values)


def require_viewer(*, lang: str) -> None:
    """With a viewer passcode configured, stop the page until it is given (staff pass too)."""
    if settings().view != "passcode" or st.session_state.get(VIEWER_OK) or signed_in():
        return
    t = _texts(lang)
    st.title(t("auth.passcode_title"))
    with st.form("passcode"):
        st.text_input(t("auth.passcode"), type="password", key="w_passcode")
        st.form_submit_button(t("auth.enter"), on_click=_check_passcode)
        if refused := st.session_state.pop(_REFUSED, None):
            st.error(_refusal(refused, t, wrong="auth.bad_passcode"))
    st.stop()


def sign_in_box(*, lang: str) -> None:
    """Sign-in / sign-out in the sidebar (and the session cookie kept in step)."""
    t = _texts(lang)
    session = signed_in()
    with st.sidebar:
        _sync_cookie(session)
        if session:
            st.caption(t("auth.signed_in_as", user=session["username"], role=t(f"role.{session['role']}")))
            st.button(t("auth.sign_out"), key="sign_out", on_click=_sign_out)
            return
        # drawn only when opened, as pages.render.lazy_expander (not imported: pages.state imports
        # this module): most viewers never sign in, and the form's parts need not load for them
        with st.expander(t("auth.staff_sign_in"), key="w_sign_in_open", on_change="rerun") as box:
            if not box.open:
                return
            with st.form("sign_in", clear_on_submit=True):
                st.text_input(t("auth.username"), key="w_user")
                st.text_input(t("auth.password"), type="password", key="w_password")
                st.form_submit_button(t("auth.sign_in"), on_click=_sign_in)
            if refused := st.session_state.pop(_REFUSED, None):
                st.error(_refusal(refused, t, wrong="auth.bad_credentials"))
            if _oidc_configured() and st.button(t("auth.oidc"), key="oidc"):
                st.login()


# The forms act in their buttons' callbacks, which Streamlit runs before the script: a rerun in
# between (pages.navigation.guard's, or the URL state's) cannot lose a click.
def _check_passcode() -> None:
    result = accounts().check_passcode(settings().viewer_passcode_hash, st.session_state.get("w_passcode", ""),
                                       client=_client(), device=_cookie_token(DEVICE_COOKIES["viewer"]),
                                       secret=token_secret())
    if result.ok:
        st.session_state[VIEWER_OK] = True
        _keep_device("viewer", result.device)
    else:
        st.session_state[_REFUSED] = (result.reason, result.retry_after)


def _sign_in() -> None:
    result = accounts().sign_in(st.session_state.get("w_user", ""), st.session_state.get("w_password", ""),
                                client=_client(), device=_cookie_token(DEVICE_COOKIES["staff"]), secret=token_secret())
    if result.ok:
        _keep_device("staff", result.device)
        st.session_state[AUTH_KEY] = {
            "username": result.username, "role": result.role, "at": time.time(),
            "token": accounts().issue_token(result.username, token_secret(), minutes=settings().session_minutes)}
        st.session_state.pop("_dead_token", None)
        audit("sign_in", actor=result.username)
        return
    # the audit log names an existing account only, never what was typed
    audit("sign_in_failed", actor=result.username or UNKNOWN_USER,
          detail="throttled" if result.reason == "throttled" else None)
    st.session_state[_REFUSED] = (result.reason, result.retry_after)


def _sign_out() -> None:
    session = signed_in()  # still signed in when the click arrives (not signed out elsewhere meanwhile)
    if session is None:
        return
    audit("sign_out", actor=session["username"])
    if session.get("token"):
        accounts().end_sessions(session["username"])  # the cookie's token stops working everywhere
    st.session_state.pop(AUTH_KEY, None)
    if session.get("oidc"):
        st.logout()


def _refusal(refused: tuple[str, int], t: Callable[..., str], *, wrong: str) -> str:
    reason, retry_after = refused
    return t("auth.throttled", seconds=retry_after) if reason == "throttled" else t(wrong)


# -- the session cookie --------------------------------------------------------------------
def _cookie_script(token: str | None, expires: float | None = None, *, name: str = COOKIE) -> str:
    """JavaScript that sets (or, with no token, deletes) the cookie ``name`` in this browser."""
    if token is not None and _TOKEN.match(token):
        value, age = token, max(0, int((expires or time.time()) - time.time()))
    else:
        value, age = "", 0
    return ("<script>(function(){var secure = location.protocol === 'https:' ? '; Secure' : '';"
            f"document.cookie = '{name}={value}; Max-Age={age}; Path=/; SameSite=Strict' + secure;"
            "})();</script>")


def _sync_cookie(session: dict | None) -> None:
    """Keep the browser's session cookie in step with this session, and write a device mark just
    earned (drawn in the sidebar)."""
    for kind, mark in st.session_state.pop(_NEW_DEVICE, {}).items():
        st.html(_cookie_script(mark, time.time() + DEVICE_DAYS * 86_400, name=DEVICE_COOKIES[kind]),
                unsafe_allow_javascript=True, width="content")
    if session and session.get("token"):
        expires = session["at"] + settings().session_minutes * 60
        st.html(_cookie_script(session["token"], expires), unsafe_allow_javascript=True, width="content")
        st.session_state["_cookie_written"] = True
    elif st.session_state.get("_cookie_written") or _cookie_token():
        st.html(_cookie_script(None), unsafe_allow_javascript=True, width="content")
