"""Shared page plumbing: URL state, cached access to the store, sidebar, styling.

Caching lives here, on the page side: every cached function takes the store version, so a
new upload (which bumps the version) shows at once and nothing else is recomputed.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import polars as pl
import streamlit as st

from analytics import i18n, views
from analytics.auth import Accounts, Settings, role_at_least, session_valid
from analytics.gazetteer import Gazetteer
from analytics.periods import Period, fiscal_year
from analytics.sample import ensure_sample
from analytics.store import DEFAULT_STORE_DIR, LocalStore
from analytics.viewstate import ViewState

STATE_KEY = "_view_state"
_RUN = threading.local()  # each session's script run has its own thread


def run_page(page) -> None:
    """Run the navigation's page from app.py (marks the run so pages know app.py set up)."""
    _RUN.in_app = True
    try:
        page.run()
    finally:
        _RUN.in_app = False


def guard() -> None:
    """First line of every page.

    Streamlit runs a page file directly (without app.py) on the very first request after a
    server start when the app has a ``pages/`` folder ("v1" multipage mode, which only
    app.py's st.navigation switches off). Switch it off here and rerun through app.py to the
    same page. (A browser test opens a fresh server on a deep link to keep this honest.)
    """
    if not getattr(_RUN, "in_app", False):
        from streamlit.runtime.pages_manager import PagesManager

        PagesManager.uses_pages_directory = False
        st.rerun()


def t(key: str, **values: object) -> str:
    return i18n.t(key, state().lang, **values)


# -- data -----------------------------------------------------------------------------
@st.cache_resource
def store() -> LocalStore:
    directory = Path(os.environ.get("SEBA_ATLAS_STORE") or _secret("SEBA_ATLAS_STORE") or DEFAULT_STORE_DIR)
    opened = LocalStore(directory)
    ensure_sample(opened)
    return opened


@st.cache_resource
def gazetteer() -> Gazetteer:
    return Gazetteer.load()


def version() -> int:
    """The data version shown: pinned by the link, else the latest."""
    pinned = state().version
    latest = store().version()
    return pinned if pinned is not None and 0 < pinned <= latest else latest


def scan(data_version: int, pinned: bool) -> pl.LazyFrame:
    """The log at ``data_version`` (cached callers pass the version as their key)."""
    return store().scan(as_of=data_version if pinned else None)


def data_key() -> tuple[int, bool]:
    """(version, pinned): the first arguments of every cached page computation."""
    return version(), state().version is not None


@st.cache_data(max_entries=32, show_spinner=False)
def fiscal_years(data_version: int, pinned: bool) -> list[int]:
    return views.fiscal_years(scan(data_version, pinned))


def period() -> Period:
    years = fiscal_years(*data_key())
    return state().period(latest_fy=years[0] if years else 2022)


def is_sample_shown() -> bool:
    uploads = store().uploads()
    return bool(uploads.filter(pl.col("is_sample") & (pl.col("status") == "active")).height)


# -- URL state ------------------------------------------------------------------------
def state() -> ViewState:
    """The view state: from the URL when it has any, else from this session (page switches)."""
    query = {k: st.query_params.get_all(k) for k in st.query_params.keys()}
    if query:
        current = ViewState.from_query(query)
        st.session_state[STATE_KEY] = current
    else:
        current = st.session_state.get(STATE_KEY, ViewState())
        if current.to_query():
            st.query_params.from_dict(current.to_query())
    return current


def update(**changes: object) -> None:
    """Change the view state and the URL together."""
    new = state().with_(**changes)
    st.session_state[STATE_KEY] = new
    st.query_params.clear()
    st.query_params.from_dict(new.to_query())


def share_link(*, pin: bool) -> str:
    """A link reproducing the current view; ``pin`` fixes the data version."""
    current = state()
    current = current.with_(version=version() if pin else None)
    base = str(st.context.url or "").split("?", 1)[0]
    query = "&".join(f"{k}={v}" for k, v in current.to_query().items())
    return f"{base}?{query}" if query else base


# -- chrome ---------------------------------------------------------------------------
def style() -> None:
    css = """
    html, body, [class*="css"], .stMarkdown, .stMetric { font-family: 'Noto Sans Bengali', 'Noto Sans', sans-serif; }
    [data-testid="stMetricValue"] { font-size: 1.9rem; }
    [data-testid="stMetricValue"] div { white-space: normal; overflow: visible; }
    """
    if state().present:
        css += """
        [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header, footer { display: none !important; }
        html { font-size: 22px; }
        [data-testid="stMetricValue"] { font-size: 2.3rem; }
        .block-container { padding-top: 1rem; max-width: 100%; }
        """
    st.html(f"<style>{css}</style>")


def sample_notice() -> None:
    if is_sample_shown():
        st.info(t("notice.sample"), icon="ℹ️")


def version_notice() -> None:
    current = state()
    if current.version is not None:
        st.caption(t("notice.pinned", version=version(), latest=store().version()))


def bound(key: str, field: str, value: object, *, extra: dict | None = None, none: object = None) -> dict:
    """Widget arguments that keep widget ``key`` and the view state's ``field`` in step.

    The URL is the truth: before the widget is drawn its value is set from the view state
    (so a link, a map click or the back button moves the widget too); a change by the user
    goes into the view state and the URL in the widget's callback, before the rerun.
    """
    # one widget per language: Streamlit keeps a choice by its label, which the language changes
    key = f"{key}.{state().lang}"
    if value is None:
        value = none  # a real option standing for "none" ("whole year", "all upazilas"): None would show no choice
    if st.session_state.get(key, value) != value or key not in st.session_state:
        st.session_state[key] = value

    def changed() -> None:
        chosen = st.session_state[key]
        update(**{field: None if chosen == none else chosen}, **(extra or {}))

    return {"key": key, "on_change": changed}


def sidebar() -> None:
    """Language, period, channel and area controls; copy-link; presentation mode."""
    current = state()
    lang = current.lang
    gaz = gazetteer()
    dates = {"start": None, "end": None}
    with st.sidebar:
        st.radio(i18n.t("sidebar.language", lang), options=list(i18n.LANGS), horizontal=True,
                 format_func=lambda c: {"bn": "বাংলা", "en": "English"}[c], **bound("w_lang", "lang", lang))
        years = fiscal_years(*data_key()) or [2022]
        if current.fy is not None and current.fy not in years:  # a link to a year without data: say so, keep it
            years = sorted({*years, current.fy}, reverse=True)
        st.selectbox(i18n.t("sidebar.fy", lang), years, format_func=lambda y: fiscal_year(y).label(lang=lang),
                     **bound("w_fy", "fy", current.fy if current.fy is not None else years[0], extra=dates))
        st.selectbox(i18n.t("sidebar.quarter", lang), [0, 1, 2, 3, 4],
                     format_func=lambda q: i18n.t("sidebar.whole_year", lang) if q == 0
                     else i18n.t(f"quarter.q{q}", lang), **bound("w_q", "q", current.q, extra=dates, none=0))
        st.selectbox(i18n.t("sidebar.channel", lang), ["all", "udc", "front_desk"],
                     format_func=lambda c: i18n.t(f"channel.{c}", lang), **bound("w_channel", "channel", current.channel))
        upazilas = [""] + gaz.upazilas()["pcode"].to_list()
        st.selectbox(i18n.t("sidebar.upazila", lang), upazilas,
                     format_func=lambda p: i18n.t("sidebar.all_upazilas", lang) if not p else gaz.name(p, lang=lang),
                     **bound("w_upazila", "upazila", current.upazila if current.upazila in upazilas else None, none=""))
        with st.expander(i18n.t("sidebar.dates", lang), expanded=current.start is not None):
            shown = period()
            if st.session_state.get("w_dates") != (shown.start, shown.end):
                st.session_state["w_dates"] = (shown.start, shown.end)

            def dates_changed() -> None:
                picked = st.session_state["w_dates"]
                if isinstance(picked, (tuple, list)) and len(picked) == 2:
                    update(start=picked[0], end=picked[1])

            st.date_input(i18n.t("sidebar.date_range", lang), format="DD/MM/YYYY", key="w_dates",
                          on_change=dates_changed)
            if current.start is not None:
                st.button(i18n.t("sidebar.clear_dates", lang), key="w_clear_dates", on_click=update,
                          kwargs={"start": None, "end": None})
        st.divider()
        pin = st.toggle(i18n.t("sidebar.pin", lang), value=current.version is not None, key="w_pin",
                        help=i18n.t("sidebar.pin_help", lang))
        st.caption(i18n.t("sidebar.copy_link", lang))
        st.code(share_link(pin=pin), language=None, wrap_lines=True)
        st.toggle(i18n.t("sidebar.present", lang), **bound("w_present", "present", current.present))


# -- access ---------------------------------------------------------------------------
AUTH_KEY = "_auth"


def _secrets() -> dict[str, str]:
    """The ``[seba_atlas]`` table of Streamlit secrets (empty when there are none)."""
    try:
        return {k: str(v) for k, v in st.secrets.get("seba_atlas", {}).items()}
    except FileNotFoundError:
        return {}


def _secret(name: str) -> str | None:
    return _secrets().get(name)


@st.cache_resource
def settings() -> Settings:
    """Auth settings: environment variables, overridden by Streamlit secrets when present."""
    return Settings.from_env(dict(os.environ) | _secrets())


@st.cache_resource
def accounts() -> Accounts:
    return Accounts(settings().db_path)


def _client() -> str:
    return (st.context.ip_address or "") if hasattr(st.context, "ip_address") else ""


def signed_in() -> dict | None:
    """The signed-in account {username, role, at}, or None (expired sessions sign out)."""
    session = st.session_state.get(AUTH_KEY)
    if session and not session_valid(session["at"], minutes=settings().session_minutes):
        st.session_state.pop(AUTH_KEY, None)
        return None
    if session is None and _oidc_user():
        email = _oidc_user()
        role = accounts().role_of(email)
        if role:
            session = {"username": email, "role": role, "at": time.time(), "oidc": True}
            st.session_state[AUTH_KEY] = session
            store().record("sign_in", actor=email, detail="oidc")
    return session


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


def require_viewer() -> None:
    """With a viewer passcode configured, stop the page until it is given (staff pass too)."""
    if settings().view != "passcode" or st.session_state.get("_viewer_ok") or signed_in():
        return
    st.title(t("auth.passcode_title"))
    with st.form("passcode"):
        code = st.text_input(t("auth.passcode"), type="password")
        if st.form_submit_button(t("auth.enter")):
            result = accounts().check_passcode(settings().viewer_passcode_hash, code, client=_client())
            if result.ok:
                st.session_state["_viewer_ok"] = True
                st.rerun()
            st.error(t("auth.throttled", seconds=result.retry_after) if result.reason == "throttled"
                     else t("auth.bad_passcode"))
    st.stop()


def sign_in_box() -> None:
    """Sign-in / sign-out in the sidebar."""
    session = signed_in()
    with st.sidebar:
        if session:
            st.caption(t("auth.signed_in_as", user=session["username"], role=t(f"role.{session['role']}")))
            if st.button(t("auth.sign_out"), key="sign_out"):
                store().record("sign_out", actor=session["username"])
                st.session_state.pop(AUTH_KEY, None)
                if session.get("oidc"):
                    st.logout()
                st.rerun()
            return
        with st.expander(t("auth.staff_sign_in")):
            with st.form("sign_in", clear_on_submit=True):
                username = st.text_input(t("auth.username"), key="w_user")
                password = st.text_input(t("auth.password"), type="password", key="w_password")
                submitted = st.form_submit_button(t("auth.sign_in"))
            if submitted:
                result = accounts().sign_in(username, password, client=_client())
                if result.ok:
                    st.session_state[AUTH_KEY] = {"username": result.username, "role": result.role, "at": time.time()}
                    store().record("sign_in", actor=result.username)
                    st.rerun()
                store().record("sign_in_failed", actor=username[:80] or "?",
                               detail="throttled" if result.reason == "throttled" else None)
                st.error(t("auth.throttled", seconds=result.retry_after) if result.reason == "throttled"
                         else t("auth.bad_credentials"))
            if _oidc_configured() and st.button(t("auth.oidc"), key="oidc"):
                st.login()


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False
