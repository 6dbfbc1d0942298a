"""Shared page plumbing: URL state, cached access to the store, sidebar, styling, access.

Caching lives here, on the page side: every cached function takes the store version, so a
new upload (which bumps the version) shows at once and nothing else is recomputed.

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

import contextlib
import functools
import gc
import logging
import os
import re
import secrets
import threading
import time
from pathlib import Path

import polars as pl
import streamlit as st

from analytics import i18n
from analytics.auth import (
    UNKNOWN_USER,
    Accounts,
    Settings,
    client_key,
    role_at_least,
    server_secret,
    session_valid,
)
from analytics.reference.gazetteer import Gazetteer
from analytics.reference.periods import Period, fiscal_year, parse_period
from analytics.reference.sample import ensure_sample
from analytics.report import comparison, tables, views
from analytics.report.viewstate import ViewState
from analytics.store import DEFAULT_STORE_DIR, LocalStore, StoreError

STATE_KEY = "_view_state"
_RUN = threading.local()  # each session's script run has its own thread
_LOG = logging.getLogger(__name__)


# -- once per server process ------------------------------------------------------------
def warm_up() -> None:
    """Import and run once, before any session draws anything, what pages would otherwise do
    for the first time in several sessions at once.

    Sessions run on threads of one process. After a restart a meeting's worth of viewers open
    the app together, and their threads imported pandas, pyarrow and plotly's lazily loaded
    parts at the same moment: one of them then met a half-imported module ("partially
    initialized module 'pandas' has no attribute 'Series'", from plotly's check
    ``sys.modules.get("pandas")``) and showed an error page. This runs when ``pages.common``
    is first imported (app.py imports it first), so every other session waits on Python's
    import lock for this module until it is done: the imports, the conversions
    ``st.dataframe``, ``st.plotly_chart`` and ``st.cache_data`` do (Arrow, JSON, pickle), each
    kind of figure the pages draw, the Excel writer, and the gazetteer, catalogue and
    boundaries every page reads.

    Then ``gc.freeze()``: the hundreds of thousands of objects those libraries keep for the
    process's lifetime are left out of every later garbage collection, so the full collection
    Streamlit may run after each script run (``runner.postScriptGC``) stays short.
    """
    global _WARM
    if _WARM:
        return
    _WARM = True
    started = time.perf_counter()
    try:
        _warm_up()
    except Exception:  # never keep the app from starting; a session would meet the same error and show it
        _LOG.warning("warm-up failed", exc_info=True)
    gc.collect()
    gc.freeze()
    _LOG.info("warm-up took %.2f s", time.perf_counter() - started)


_WARM = False


def _warm_up() -> None:
    import io
    import pickle
    import tempfile

    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import pandas.api.types  # noqa: F401
    import plotly.io
    import plotly.tools
    import pyarrow  # noqa: F401
    from PIL import Image

    from analytics.reference.gazetteer import load_boundaries
    from analytics.reference.services import load_catalogue, load_categories
    from analytics.report import figures

    Image.init()  # the favicon (st.set_page_config) is read with PIL
    with Image.open(Path(__file__).resolve().parent.parent / "static" / "favicon.png") as icon:
        icon.load()
    frame = pl.DataFrame({"n": [1, None], "s": ["a", None], "x": [0.5, None], "b": [True, None]})
    # what st.dataframe (Arrow tables and Stylers), st.info and st.Page's icons import and convert,
    # through Streamlit's public API, on a thread of its own: outside a script run Streamlit builds
    # each element and sends it nowhere (its "bare mode"), so no session sees anything
    worker = threading.Thread(target=_exercise_streamlit, args=(frame,), name="seba-atlas-warm-up")
    worker.start()
    worker.join()
    pickle.loads(pickle.dumps(frame))
    frame.write_excel(io.BytesIO(), worksheet="warm-up")
    frame.write_csv()
    with tempfile.TemporaryDirectory() as folder:  # the store is read with lazy Parquet scans
        frame.write_parquet(Path(folder) / "w.parquet")
        pl.scan_parquet(Path(folder) / "w.parquet").collect()

    Gazetteer.load()
    load_catalogue()
    load_categories()
    for level in ("upazila", "union"):
        load_boundaries(level)
    mix = pl.DataFrame({"channel": ["udc", "front_desk"], "service_category": ["A", "B"], "service_code": ["S1", "S2"],
                        "service": ["s1", "s2"], "category": ["a", "b"], "beneficiaries": [3, 2],
                        "earnings_paisa": [500, 0], "share_pct": [60.0, 40.0]})
    trend = pl.DataFrame({"label": ["Q1", "Q1"], "channel": ["udc", "front_desk"], "beneficiaries": [3, 2]})
    people = pl.DataFrame({"entrepreneur_gender": ["female", "male"], "upazila": ["x", "y"],
                           "earnings_paisa": [500, 700], "entrepreneur_name": ["a", "b"]})
    areas = pl.DataFrame({"pcode": ["P1", "P2"], "name": ["p1", "p2"], "v": [1.0, None], "v_text": ["1", None]})
    square = {"type": "Polygon", "coordinates": [[[90.0, 22.5], [90.1, 22.5], [90.1, 22.6], [90.0, 22.5]]]}
    shapes = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"pcode": p, "name_en": p, "name_bn": p}, "geometry": square}
        for p in ("P1", "P2", "P3")]}
    for lang in ("bn", "en"):
        drawn = [
            figures.choropleth(areas, shapes, metric="v", metric_label="v", lang=lang, hover=[("v", "v_text")],
                               center={"lat": 22.5, "lon": 90.0}, zoom=8, selected="P1",
                               marker={"lat": 22.5, "lon": 90.0, "name": "m", "text": "m"}),
            figures.service_treemap(mix, lang=lang), figures.top_services(mix, lang=lang),
            figures.heatmap(pl.DataFrame({"area": ["x", "x"], "category": ["a", "b"], "beneficiaries": [1, 2]}), lang=lang),
            figures.trend_bars(trend, lang=lang), figures.channel_split({"udc": 3, "front_desk": 2}, lang=lang),
            figures.earnings_by_group(people, group="upazila", lang=lang),
        ]
        for figure in drawn:  # as st.plotly_chart and st.cache_data handle them
            checked = plotly.tools.return_figure_from_figure_or_data(figure, validate_figure=True)
            plotly.io.to_json(checked, validate=False)
            pickle.loads(pickle.dumps(figure))


def _exercise_streamlit(frame: pl.DataFrame) -> None:
    quiet = logging.getLogger("streamlit")  # bare mode warns that there is no script run: expected here
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        st.dataframe(_arrow(frame))
        styler = _arrow(frame).to_pandas(use_threads=False).style
        styler.format(lambda v: str(v), subset=["n"])
        st.dataframe(styler)
        st.info("warm-up", icon="ℹ️")
        st.info("warm-up", icon=":material/info:")
        st.Page(_exercise_streamlit, title="warm-up", icon=":material/map:", url_path="warm-up")
    finally:
        quiet.setLevel(level)


def _arrow(frame: pl.DataFrame):
    return frame.to_arrow(compat_level=pl.CompatLevel.oldest())


STYLED_CELLS = 60_000  # beyond this many cells a table goes as plain Arrow (a Styler renders every cell)


def dataframe(frame: pl.DataFrame, *, lang: str | None = None, **kwargs: object) -> None:
    """``st.dataframe`` for a polars frame: figures sort as numbers and read in the user's digits.

    Given a polars frame, Streamlit calls ``frame.to_pandas()`` while holding the GIL, and polars
    can wait there for its worker threads; when two sessions convert the same frame at once
    (pola-rs/polars#27396), or a worker needs the GIL for a Python callback of another session
    (#26821), the whole server hangs, health check included. ``to_arrow()`` does not wait that
    way. So the frame leaves polars as Arrow, always.

    A table with figures (number columns, or the value columns of ``analytics.report.tables``) goes as
    a pandas Styler made from that Arrow table by pyarrow (never polars' ``to_pandas``): the
    cells hold the numbers, so a click on a header sorts them as numbers (Streamlit's grid sorts
    a number column by the cell's number), and the Styler's display values are the texts of
    ``analytics.report.tables.display`` (Bengali digits, lakh grouping, taka, "fewer than 3"). Missing
    cells read as the table's placeholder. A table without figures goes as the Arrow table.
    """
    shown = tables.display(frame, lang=lang or state().lang)
    if shown is None or frame.height * frame.width > STYLED_CELLS:
        st.dataframe(_arrow(tables.display_only(frame)), **kwargs)
        return
    data = _arrow(shown.values).to_pandas(use_threads=False)  # pyarrow's conversion, not polars'
    styler = data.style
    for label, texts in shown.texts.items():
        lookup: dict[object, str] = {}
        for value, text in zip(data[label].tolist(), texts):
            if value == value and value is not None and lookup.setdefault(value, text) != text:
                lookup = {}  # one value, two texts: per-cell texts below
                break
        if lookup or not len(data):
            styler.format(lambda v, lookup=lookup: lookup.get(v, ""), subset=[label])
            continue
        rows: dict[str, list[int]] = {}
        for row, text in enumerate(texts):
            rows.setdefault(text, []).append(row)
        for text, where in rows.items():
            styler.format(lambda v, text=text: text, subset=(data.index[where], [label]))
    if shown.placeholder is not None:
        kwargs.setdefault("placeholder", shown.placeholder)
    st.dataframe(styler, **kwargs)


@contextlib.contextmanager
def script_run():
    """The whole of a script run (app.py): what is read once per run is read afresh, and
    forgotten when the run ends.

    The data version (one SQLite query per run instead of one per use) and the view state
    (parsed from the URL once, not for every label) are kept in a memo for this run only. It is
    dropped when the run ends, however it ends (a rerun, ``st.stop``, an error), so the widget
    callbacks of the next run (which Streamlit calls before app.py) never read an old one.
    """
    _RUN.memo = {}
    try:
        yield
    finally:
        _RUN.memo = None


def _memo() -> dict | None:
    """This run's memo, or None outside a run of app.py."""
    return getattr(_RUN, "memo", None)


def run_page(page) -> None:
    """Run the navigation's page from app.py (marks the run so pages know app.py set up)."""
    _RUN.in_app = True
    try:
        page.run()
    finally:
        _RUN.in_app = False


def guard() -> None:
    """First line of every page.

    Streamlit 1.67 runs a page file directly (without app.py) on the very first request after a
    server start when the app has a ``pages/`` folder: its old "v1" multipage mode, which it
    keeps on until a script calls ``st.navigation`` (streamlit/runtime/pages_manager.py, and
    ``st.navigation``'s own docstring: calling it "disables the use of the pages feature").
    So a page run that did not come through app.py calls ``st.navigation`` itself, the public
    way to end that mode, and reruns: app.py then runs and shows the same page. (A browser
    test opens a fresh server on a deep link to keep this honest.)
    """
    if not getattr(_RUN, "in_app", False):
        st.navigation(pages(), position="hidden")
        st.rerun()


def pages() -> list:
    """The app's pages (app.py's navigation), titled in the user's language."""
    return [
        st.Page("pages/overview.py", title=t("nav.overview"), icon=":material/dashboard:", url_path="overview",
                default=True),
        st.Page("pages/map.py", title=t("nav.map"), icon=":material/map:", url_path="map"),
        st.Page("pages/entrepreneurs.py", title=t("nav.entrepreneurs"), icon=":material/groups:",
                url_path="entrepreneurs"),
        st.Page("pages/services.py", title=t("nav.services"), icon=":material/category:", url_path="services"),
        st.Page("pages/upload.py", title=t("nav.upload"), icon=":material/upload_file:", url_path="upload"),
        st.Page("pages/data.py", title=t("nav.data"), icon=":material/storage:", url_path="data"),
    ]


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


def latest_version() -> int:
    """The store's version now: read once per script run (see script_run), so one run shows one version."""
    memo = _memo()
    if memo is None:  # outside a run begun by app.py (tests calling helpers directly)
        return store().version()
    if "latest" not in memo:
        memo["latest"] = store().version()
    return memo["latest"]


def version() -> int:
    """The data version shown: pinned by the link, else the latest."""
    pinned = state().version
    latest = latest_version()
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


def sample_uploads() -> frozenset[str]:
    """The upload ids of the bundled sample (never compared with real data: analytics.report.comparison)."""
    return _sample_uploads(str(store().directory), latest_version())


@st.cache_data(max_entries=8, show_spinner=False)
def _sample_uploads(directory: str, data_version: int) -> frozenset[str]:  # noqa: ARG001  (the cache key)
    return frozenset(store().uploads().filter(pl.col("is_sample"))["upload_id"].to_list())


def sources() -> str:
    """Where the shown period's rows come from: "sample", "real", "mixed" or "none"."""
    return _sources(*data_key(), period().key, sample_uploads())


@st.cache_data(max_entries=64, show_spinner=False)
def _sources(data_version: int, pinned: bool, period_key: str, samples: frozenset[str]) -> str:
    return comparison.sources(scan(data_version, pinned), period=parse_period(period_key), sample_uploads=samples)


def _once_per_run(key: str, compute):
    """``compute()`` once per script run (kept in this run's memo), so reruns read things afresh."""
    memo = _memo()
    if memo is not None and key in memo:
        return memo[key]
    value = compute()
    if memo is not None:
        memo[key] = value
    return value


# -- URL state ------------------------------------------------------------------------
def state() -> ViewState:
    """The view state: from the URL when it has any, else from this session (page switches)."""
    return _once_per_run("state", _read_state)


def _read_state() -> ViewState:
    query = {k: st.query_params.get_all(k) for k in st.query_params.keys()}
    if query:
        current, rejected = ViewState.parse(query)
        if current.upazila is not None and current.upazila not in _upazila_codes():
            current, rejected = current.with_(upazila=None), (*rejected, "upazila")
        if rejected:  # leave them out of the URL too, and say so once
            for name in dict.fromkeys(rejected):
                if name in st.query_params:
                    del st.query_params[name]
            st.session_state[URL_NOTICE_KEY] = ", ".join(dict.fromkeys(rejected))
        st.session_state[STATE_KEY] = current
    else:
        current = st.session_state.get(STATE_KEY, ViewState())
        if current.to_query():
            st.query_params.from_dict(current.to_query())
    if current.start and current.end and settings().whole_months and not can_see_people():
        widened = current.whole_months()
        if widened != current:
            current = widened
            st.session_state[STATE_KEY] = current
            if "from" in st.query_params:
                st.query_params["from"] = current.start.isoformat()
                st.query_params["to"] = current.end.isoformat()
            st.session_state[MONTHS_NOTICE_KEY] = (current.start, current.end)
    return current


URL_NOTICE_KEY = "_url_notice"
MONTHS_NOTICE_KEY = "_months_notice"


@functools.cache
def _upazila_codes() -> frozenset[str]:
    return frozenset(gazetteer().upazilas()["pcode"].to_list())


def notices() -> None:
    """Short notices about this link (once each): parameters left out, dates widened to months."""
    lang = state().lang
    if names := st.session_state.pop(URL_NOTICE_KEY, None):
        st.toast(i18n.t("access.url_ignored", lang, names=names), icon="ℹ️")
    if widened := st.session_state.pop(MONTHS_NOTICE_KEY, None):
        st.toast(i18n.t("access.whole_months", lang, start=i18n.day(widened[0], lang=lang),
                        end=i18n.day(widened[1], lang=lang)), icon="ℹ️")


def update(**changes: object) -> None:
    """Change the view state and the URL together."""
    new = state().with_(**changes)
    memo = _memo()
    if memo is not None:
        memo.pop("state", None)
    st.session_state[STATE_KEY] = new
    st.query_params.clear()
    st.query_params.from_dict(new.to_query())


def share_link(*, pin: bool) -> str:
    """A link reproducing the current view; ``pin`` fixes the data version."""
    current = state()
    current = current.with_(version=version() if pin else None)
    base = str(st.context.url or "").split("?", 1)[0].split("#", 1)[0]
    return current.link(base)  # URL-encoded: "Rina & Sons", "#", "?" and Bengali come back as they were


# -- chrome ---------------------------------------------------------------------------
def style() -> None:
    css = """
    html, body, [class*="css"], .stMarkdown, .stMetric { font-family: 'Noto Sans Bengali', 'Noto Sans', sans-serif; }
    [data-testid="stMetricValue"] { font-size: 1.9rem; }
    [data-testid="stMetricValue"] div { white-space: normal; overflow: visible; }
    /* a phone (360 px): headings that leave room for the map; nothing wider than the screen
       (the map fits the width itself; tables scroll inside their own frame) */
    @media (max-width: 640px) {
      h1 { font-size: 1.7rem !important; line-height: 1.25 !important; padding-top: 0 !important; }
      [data-testid="stMainBlockContainer"], .block-container { padding-left: 0.75rem; padding-right: 0.75rem;
                                                               padding-top: 3.75rem; }
      [data-testid="stMetricValue"] { font-size: 1.5rem; }
      [data-testid="stDataFrame"], [data-testid="stTable"] { max-width: 100%; overflow-x: auto; }
    }
    """
    if state().present:
        css += """
        [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header, footer { display: none !important; }
        html { font-size: 22px; }
        [data-testid="stMetricValue"] { font-size: 2.3rem; }
        .block-container { padding-top: 1rem; max-width: 100%; }
        """
    st.html(f"<style>{css}</style>")


def compared() -> comparison.Comparison:
    """What the shown period's changes compare it with (analytics.report.comparison), under the view's mode."""
    return _compared(*data_key(), period().key, state().compare, sample_uploads())


@st.cache_data(max_entries=64, show_spinner=False)
def _compared(data_version: int, pinned: bool, period_key: str, mode: str,
              samples: frozenset[str]) -> comparison.Comparison:
    return comparison.compare(scan(data_version, pinned), period=parse_period(period_key), mode=mode,
                              sample_uploads=samples)


def sample_notice() -> None:
    """Said only where the period shown holds sample rows; in presentation mode a small badge."""
    shown = sources()
    if shown not in ("sample", "mixed"):
        return
    if state().present:
        st.badge(t("compare.badge.sample"), icon=":material/info:", color="orange")
    else:
        st.info(t("notice.sample" if shown == "sample" else "notice.sample_mixed"), icon="ℹ️")


def metric(kpi, *, help: str | None = None, container=st) -> None:  # noqa: A002  (st.metric's name)
    """``st.metric`` for a :class:`analytics.report.views.Kpi`: the arrow and colour come from the sign of
    the change (Streamlit would read them off the text, and takes "−" for a plus)."""
    container.metric(kpi.label, kpi.value, kpi.delta, delta_color=kpi.colour, delta_arrow=kpi.arrow, help=help)




def version_notice() -> None:
    current = state()
    if current.version is not None:
        st.caption(t("notice.pinned", version=version(), latest=latest_version()))


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
        st.radio(i18n.t("compare.mode", lang), list(comparison.MODES),
                 format_func=lambda m: i18n.t(f"compare.mode.{m}", lang),
                 **bound("w_compare", "compare", current.compare))
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
        with st.expander(i18n.t("about.title", lang)):
            st.caption(i18n.t("about.text", lang))
            st.caption(i18n.t("about.credits", lang))


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


COOKIE = "seba_atlas_session"
_TOKEN = re.compile(r"^[A-Za-z0-9_.=-]{10,1000}$")


@st.cache_resource
def _token_secret(db_path: str) -> bytes:  # noqa: ARG001  (the cache key: a test's own accounts file)
    return server_secret(settings())


def token_secret() -> bytes:
    return _token_secret(str(settings().db_path))


def _client() -> str:
    """Whom throttling counts (see ``analytics.auth.client_key``): never one key for everyone."""
    session_id = st.session_state.setdefault("_client_id", secrets.token_hex(12))
    try:
        ip = st.context.ip_address
        forwarded = st.context.headers.get("X-Forwarded-For")
    except Exception:  # outside a browser session (AppTest)
        ip, forwarded = None, None
    return client_key(ip, forwarded, trusted_proxies=settings().trusted_proxies, session_id=session_id)


def _cookie_token() -> str | None:
    try:
        token = st.context.cookies.get(COOKIE)
    except Exception:  # outside a browser session
        return None
    return token if isinstance(token, str) and _TOKEN.match(token) else None


def signed_in() -> dict | None:
    """The signed-in account {username, role, at, token?}, or None (expired sessions sign out).

    Checked once per script run: the session's token (if any) must still verify, so signing out
    or changing the password elsewhere ends this session too; a session with none is restored
    from the session cookie when the page was opened with a valid one (a reload, a link)."""
    return _once_per_run("signed_in", _signed_in)


def _forget_signed_in() -> None:
    memo = _memo()
    if memo is not None:
        memo.pop("signed_in", None)
        memo.pop("state", None)


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


def audit(action: str, *, actor: str, detail: str | None = None) -> None:
    """An audit entry; a store that cannot be written (read-only, full disk) must not stop sign-in."""
    try:
        store().record(action, actor=actor, detail=detail)
    except StoreError:
        logging.getLogger(__name__).warning("audit entry %s for %s not recorded: store not writable", action, actor)


def _cookie_script(token: str | None, expires: float | None = None) -> str:
    """JavaScript that sets (or, with no token, deletes) the session cookie in this browser."""
    if token is not None and _TOKEN.match(token):
        value, age = token, max(0, int((expires or time.time()) - time.time()))
    else:
        value, age = "", 0
    return ("<script>(function(){var secure = location.protocol === 'https:' ? '; Secure' : '';"
            f"document.cookie = '{COOKIE}={value}; Max-Age={age}; Path=/; SameSite=Strict' + secure;"
            "})();</script>")


def _sync_cookie(session: dict | None) -> None:
    """Keep the browser's session cookie in step with this session (drawn in the sidebar)."""
    if session and session.get("token"):
        expires = session["at"] + settings().session_minutes * 60
        st.html(_cookie_script(session["token"], expires), unsafe_allow_javascript=True, width="content")
        st.session_state["_cookie_written"] = True
    elif st.session_state.get("_cookie_written") or _cookie_token():
        st.html(_cookie_script(None), unsafe_allow_javascript=True, width="content")


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
        _sync_cookie(session)
        if session:
            st.caption(t("auth.signed_in_as", user=session["username"], role=t(f"role.{session['role']}")))
            if st.button(t("auth.sign_out"), key="sign_out"):
                audit("sign_out", actor=session["username"])
                if session.get("token"):
                    accounts().end_sessions(session["username"])  # the cookie's token stops working everywhere
                st.session_state.pop(AUTH_KEY, None)
                _forget_signed_in()
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
                    minutes = settings().session_minutes
                    st.session_state[AUTH_KEY] = {
                        "username": result.username, "role": result.role, "at": time.time(),
                        "token": accounts().issue_token(result.username, token_secret(), minutes=minutes)}
                    st.session_state.pop("_dead_token", None)
                    _forget_signed_in()
                    audit("sign_in", actor=result.username)
                    st.rerun()
                # the audit log names an existing account only, never what was typed
                audit("sign_in_failed", actor=result.username or UNKNOWN_USER,
                               detail="throttled" if result.reason == "throttled" else None)
                st.error(t("auth.throttled", seconds=result.retry_after) if result.reason == "throttled"
                         else t("auth.bad_credentials"))
            if _oidc_configured() and st.button(t("auth.oidc"), key="oidc"):
                st.login()


@functools.cache
def _oidc_configured() -> bool:
    """Whether st.login is set up (``[auth]`` in secrets): read once per process, as the other
    settings are (Streamlit would parse the secrets file on every look)."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False


warm_up()  # at import: app.py imports this module before anything else a page does
