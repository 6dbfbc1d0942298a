"""The view on screen: its state in the URL, widgets bound to it, share links, and the data
behind it (the data version, pinned by a link or the latest, and what depends on it).

The URL is the truth (``analytics.report.viewstate.ViewState``): a link, a map click, the back
button and a widget all go through :func:`update`. Caching lives here, on the page side: every
cached function takes the data version, so a new upload (which bumps the version) shows at once
and nothing else is recomputed.
"""

from __future__ import annotations

import functools

import polars as pl
import streamlit as st

from analytics import i18n
from analytics.reference.periods import Period, parse_period
from analytics.report import comparison, metrics, privacy, views
from analytics.report.viewstate import ViewState
from analytics.store.rollup import Rollup
from pages import access, resources, run

STATE_KEY = "_view_state"  # session state: the view, for page switches (the URL is emptied by them)
URL_NOTICE_KEY = "_url_notice"  # a link's parameters that could not be used (said once: pages.render.notices)
MONTHS_NOTICE_KEY = "_months_notice"  # dates widened to whole months (said once)


# -- the view state ------------------------------------------------------------------------
def current() -> ViewState:
    """The view state: from the URL when it has any, else from this session (page switches)."""
    return run.once("state", _read_state)


def t(key: str, **values: object) -> str:
    """The text of ``key`` in the view's language."""
    return i18n.t(key, current().lang, **values)


def _read_state() -> ViewState:
    query = {k: st.query_params.get_all(k) for k in st.query_params.keys()}
    if query:
        shown, rejected = ViewState.parse(query)
        if shown.upazila is not None and shown.upazila not in _upazila_codes():
            shown, rejected = shown.with_(upazila=None), (*rejected, "upazila")
        if rejected:  # leave them out of the URL too, and say so once
            for name in dict.fromkeys(rejected):
                if name in st.query_params:
                    del st.query_params[name]
            st.session_state[URL_NOTICE_KEY] = ", ".join(dict.fromkeys(rejected))
        st.session_state[STATE_KEY] = shown
    else:
        shown = st.session_state.get(STATE_KEY, ViewState())
        if shown.to_query():
            st.query_params.from_dict(shown.to_query())
    if shown.start and shown.end and access.settings().whole_months and not access.can_see_people():
        widened = shown.whole_months()
        if widened != shown:
            shown = widened
            st.session_state[STATE_KEY] = shown
            if "from" in st.query_params:
                st.query_params["from"] = shown.start.isoformat()
                st.query_params["to"] = shown.end.isoformat()
            st.session_state[MONTHS_NOTICE_KEY] = (shown.start, shown.end)
    return shown


@functools.cache
def _upazila_codes() -> frozenset[str]:
    return frozenset(resources.gazetteer().upazilas()["pcode"].to_list())


def update(**changes: object) -> None:
    """Change the view state and the URL together."""
    new = current().with_(**changes)
    if new.fy is None and new.q is not None and not (new.start and new.end):
        # a quarter of "the latest year" would be another year's once a newer year is uploaded: a link
        # copied from the address bar names the year it shows
        new = new.with_(fy=new.period(latest_fy=_latest_fy()).fy)
    run.forget("state")
    st.session_state[STATE_KEY] = new
    st.query_params.clear()
    st.query_params.from_dict(new.to_query())


def bound(key: str, field: str, value: object, *, extra: dict | None = None, none: object = None) -> dict:
    """Widget arguments that keep widget ``key`` and the view state's ``field`` in step.

    The URL is the truth: before the widget is drawn its value is set from the view state
    (so a link, a map click or the back button moves the widget too); a change by the user
    goes into the view state and the URL in the widget's callback, before the rerun.
    """
    # one widget per language: Streamlit keeps a choice by its label, which the language changes
    key = f"{key}.{current().lang}"
    if value is None:
        value = none  # a real option standing for "none" ("whole year", "all upazilas"): None would show no choice
    if st.session_state.get(key, value) != value or key not in st.session_state:
        st.session_state[key] = value

    def changed() -> None:
        chosen = st.session_state[key]
        update(**{field: None if chosen == none else chosen}, **(extra or {}))

    return {"key": key, "on_change": changed}


def share_link(*, pin: bool) -> str:
    """A link reproducing the current view; ``pin`` fixes the data version."""
    shown = current().with_(version=version() if pin else None)
    if shown.fy is None and not (shown.start and shown.end):  # the year shown, not whichever is latest then
        shown = shown.with_(fy=period().fy)
    base = str(st.context.url or "").split("?", 1)[0].split("#", 1)[0]
    return shown.link(base)  # URL-encoded: "Rina & Sons", "#", "?" and Bengali come back as they were


# -- the data version and what depends on it ---------------------------------------------------
def latest_version() -> int:
    """The store's version now: read once per script run (see pages.run.script_run), so one run shows one version."""
    return run.once("latest", lambda: resources.store().version())


def version() -> int:
    """The data version shown: pinned by the link, else the latest."""
    pinned = current().version
    latest = latest_version()
    return pinned if pinned is not None and 0 < pinned <= latest else latest


def earnings_limit() -> int | None:
    """The small-cell threshold of this viewer's earnings (analytics.report.privacy): None for staff;
    for an open link pinned to a data version earlier than the latest, every earnings figure hidden
    (``privacy.EARLIER_VERSION``): two versions' figures differ by the uploads between them."""
    if access.can_see_people():
        return None
    return earnings_limit_open()


def earnings_limit_open() -> int | None:
    """:func:`earnings_limit` for a viewer who is not staff, whoever is signed in (the anonymous
    tables and the brief's open version)."""
    limit = privacy.min_for(access.settings(), sees_people=False)
    if limit is not None and version() < latest_version():
        return privacy.EARLIER_VERSION
    return limit


def data_key() -> tuple[int, bool]:
    """(version, pinned): the first arguments of every cached page computation."""
    return version(), current().version is not None


def scan(data_version: int, pinned: bool) -> Rollup:
    """The log at ``data_version`` as the store's roll-up by quarter (what every page figure is made
    from; a date range is cut from its raw rows); cached callers pass the version as their key."""
    return _rollup(resources.store().location, data_version, pinned)


@st.cache_resource(max_entries=2, show_spinner=False)
def _rollup(location: str, data_version: int, pinned: bool) -> Rollup:  # noqa: ARG001 - part of the key
    """The roll-up held in memory, once per data version for every session (it never changes: a
    new upload is a new version)."""
    return resources.store().rollup(as_of=data_version if pinned else None).collect()


def rows(data_version: int, pinned: bool) -> pl.LazyFrame:
    """The log's rows themselves at ``data_version`` (what an upload would change)."""
    return resources.store().scan(as_of=data_version if pinned else None)


@st.cache_data(max_entries=32, show_spinner=False)
def fiscal_years(data_version: int, pinned: bool) -> list[int]:
    return views.fiscal_years(scan(data_version, pinned))


def scope(*parts: str) -> str:
    """The caption under a page's title: ``parts`` (the period ...), then the chosen upazila's name."""
    chosen = current().upazila
    name = [resources.gazetteer().name(chosen, lang=current().lang)] if chosen else []
    return " · ".join([*parts, *name])


def period() -> Period:
    return current().period(latest_fy=_latest_fy())


def _latest_fy() -> int:
    """The latest fiscal year with data (what a view without a year shows)."""
    years = fiscal_years(*data_key())
    return years[0] if years else 2022


def sample_uploads() -> frozenset[str]:
    """The upload ids of the bundled sample (never compared with real data: analytics.report.comparison)."""
    return _sample_uploads(resources.store().location, latest_version())


@st.cache_data(max_entries=8, show_spinner=False)
def _sample_uploads(location: str, data_version: int) -> frozenset[str]:  # noqa: ARG001  (the cache key)
    return frozenset(resources.store().uploads().filter(pl.col("is_sample"))["upload_id"].to_list())


def months_cut_text() -> str | None:
    """What the shown range counts of the months of monthly summaries it cuts through, or None
    (analytics.report.metrics.months_cut; fiscal years and quarters cut none)."""
    shown = period()
    if shown.fy is not None:
        return None
    return views.months_cut_text(_months_cut(*data_key(), shown.key, current().upazila), lang=current().lang)


@st.cache_data(max_entries=64, show_spinner=False)
def _months_cut(data_version: int, pinned: bool, period_key: str, upazila: str | None) -> pl.DataFrame:
    return metrics.months_cut(scan(data_version, pinned), period=parse_period(period_key), upazila=upazila)


def gaps_text() -> str | None:
    """What the shown period's figures do not hold yet (analytics.report.views.gaps_text), or None."""
    return _gaps(*data_key(), period().key, current().lang, current().upazila)


@st.cache_data(max_entries=64, show_spinner=False)
def _gaps(data_version: int, pinned: bool, period_key: str, lang: str, upazila: str | None) -> str | None:
    return views.gaps_text(scan(data_version, pinned), resources.gazetteer(), period=parse_period(period_key),
                           lang=lang, upazila=upazila)


def sources() -> str:
    """Where the shown period's rows come from: "sample", "real", "mixed" or "none"."""
    return _sources(*data_key(), period().key, sample_uploads())


@st.cache_data(max_entries=64, show_spinner=False)
def _sources(data_version: int, pinned: bool, period_key: str, samples: frozenset[str]) -> str:
    return comparison.sources(scan(data_version, pinned), period=parse_period(period_key), sample_uploads=samples)


def compared() -> comparison.Comparison:
    """What the shown period's changes compare it with (analytics.report.comparison), under the view's mode."""
    return _compared(*data_key(), period().key, current().compare, sample_uploads())


@st.cache_data(max_entries=64, show_spinner=False)
def _compared(data_version: int, pinned: bool, period_key: str, mode: str,
              samples: frozenset[str]) -> comparison.Comparison:
    return comparison.compare(scan(data_version, pinned), period=parse_period(period_key), mode=mode,
                              sample_uploads=samples)
