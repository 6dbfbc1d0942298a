"""The "Download brief (PDF)" button of the overview and map pages (analytics.report.brief).

The brief is the view on screen: period, channel, upazila, the page's comparison mode and
metric, in the page's language, with the data version pinned in its share link. Signed-in
staff who see people (``access.can_see_people()``) get the names and individual earnings;
everyone else the small-cell rule of open links.

Making it takes about 0.5-1.2 s on this 2-core machine (Typst and the page computations), too
slow for every rerun, so it is made on demand: the button's data is a callable that Streamlit
runs when the button is clicked, on a thread of its own, so the page stays responsive. The
bytes are cached (``st.cache_data``) on the data version and the view.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from analytics.auth import Settings
from analytics.reference.periods import parse_period
from analytics.report import brief
from pages import access, resources, state


@st.cache_data(max_entries=16, show_spinner=False)
def _brief(data_version: int, pinned: bool, period_key: str, lang: str, channel: str, upazila: str | None,
           metric: str, with_people: bool, compare: str, samples: frozenset[str], link: str,
           min_entrepreneurs: int, _log: pl.LazyFrame, _gazetteer) -> bytes:
    return brief.brief_pdf(_log, _gazetteer, period=parse_period(period_key), lang=lang, channel=channel,
                           upazila=upazila, with_people=with_people, sample_uploads=samples, compare_with=compare,
                           data_version=data_version, link=link, metric=metric,
                           settings=Settings(min_entrepreneurs=min_entrepreneurs))


def download(*, metric: str = "beneficiaries_udc", key: str = "brief_download") -> None:
    """The button, for what is on screen (``metric``: the map's figure)."""
    current = state.current()
    period = state.period()
    data_version, pinned = state.data_key()
    with_people = access.can_see_people()
    limit = state.earnings_limit_open() or 0
    log, gazetteer = state.scan(data_version, pinned), resources.gazetteer()
    view = (data_version, pinned, period.key, current.lang, current.channel, current.upazila, metric, with_people,
            current.compare, state.sample_uploads(), state.share_link(pin=True), limit)
    name = f"seba-atlas-brief-{period.key}-{current.lang}.pdf".replace("..", "_").replace(":", "_")
    ready = brief.fonts_available()
    st.download_button(
        state.t("brief.download"), data=lambda: _brief(*view, log, gazetteer), file_name=name,
        mime="application/pdf", key=key, icon=":material/picture_as_pdf:", on_click="ignore", disabled=not ready,
        help=None if ready else state.t("brief.failed", reason="fonts-noto-core"))
