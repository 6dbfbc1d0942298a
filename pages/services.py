"""Services: the mix by category and service, by area, by channel and over time."""

import streamlit as st

from analytics.reference.periods import parse_period
from analytics.report import privacy, views
from pages import navigation, render, resources, state

navigation.guard()

t = state.t


@st.cache_data(max_entries=64, show_spinner=False)
def compute(data_version: int, pinned: bool, period_key: str, lang: str, channel: str, upazila: str | None,
            min_entrepreneurs: int | None, samples: frozenset[str]):
    return views.services_view(state.scan(data_version, pinned), resources.gazetteer(), period=parse_period(period_key),
                               lang=lang, channel=channel, upazila=upazila, min_entrepreneurs=min_entrepreneurs,
                               sample_uploads=samples)


current = state.current()
period = state.period()
lang = current.lang
st.title(t("services.title"))
st.caption(state.scope(period.label(lang=lang), t(f"channel.{current.channel}")))
render.sample_notice()
render.months_cut_notice()
render.version_notice()
# viewers who are not staff: no earnings of fewer than N entrepreneurs (analytics.report.privacy)
hide_below = state.earnings_limit()
view = compute(*state.data_key(), period.key, lang, current.channel, current.upazila, hide_below,
               state.sample_uploads())
if view.mix.is_empty():
    st.warning(t("empty.filter"))
    st.stop()

cols = st.columns(3)
for col, (label, value) in zip(cols, view.counts):
    col.metric(label, value)

tabs = st.tabs([t("services.mix"), t("services.top"), t("services.by_area"), t("services.channels"), t("services.trend")])
with tabs[0]:
    render.chart(view.treemap, key="treemap")
with tabs[1]:
    render.chart(view.top, key="top")
with tabs[2]:
    # a phone's width leaves the heat map's cells too small to read: the same figures as a table there
    with st.container(key=render.WIDE_ONLY):
        render.chart(view.heatmap, key="heatmap")
    with st.container(key=render.NARROW_ONLY):
        render.dataframe(view.heatmap_table, hide_index=True, export_name=f"services-by-upazila-{period.key}")
    if view.heatmap_note:
        st.caption(view.heatmap_note)
with tabs[3]:
    render.chart(view.channels, key="split")
with tabs[4]:
    render.chart(view.trend, key="trend")

st.markdown(f"#### {t('services.table')}")
render.dataframe(view.table, hide_index=True)
if hide_below is not None and view.mix["hidden"].any():
    st.caption(privacy.notice(lang=lang, min_entrepreneurs=hide_below))
