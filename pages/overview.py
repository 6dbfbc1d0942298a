"""Overview: the period's headline figures as the report states them."""

import streamlit as st

from analytics.reference.periods import parse_period
from analytics.report import privacy, views
from pages import brief_button, navigation, render, resources, state

navigation.guard()

t = state.t


@st.cache_data(max_entries=64, show_spinner=False)
def compute(data_version: int, pinned: bool, period_key: str, lang: str, upazila: str | None,
            min_entrepreneurs: int | None, compare_with: str, samples: frozenset[str]):
    return views.overview_view(state.scan(data_version, pinned), resources.gazetteer(), period=parse_period(period_key),
                               lang=lang, upazila=upazila, min_entrepreneurs=min_entrepreneurs,
                               compare_with=compare_with, sample_uploads=samples)


current = state.current()
period = state.period()
st.title(t("overview.title_upazila", upazila=resources.gazetteer().name(current.upazila, lang=current.lang))
         if current.upazila else t("overview.title"))
st.subheader(period.label(lang=current.lang))
render.sample_notice()
render.gaps_notice()
render.months_cut_notice()
render.version_notice()
if current.channel != "all":  # the report's figures are of both channels
    st.caption(t("overview.channel_note", channel=t(f"channel.{current.channel}")))
brief_button.download()  # the meeting brief (PDF) of this view, made when clicked
# viewers who are not staff: no earnings of fewer than N entrepreneurs (analytics.report.privacy)
hide_below = state.earnings_limit()
view = compute(*state.data_key(), period.key, current.lang, current.upazila, hide_below, current.compare,
               state.sample_uploads())
kpis, coverage = view.kpis, view.coverage
if kpis[0].current == 0:
    st.warning(t("empty.period", period=period.label(lang=current.lang)))
else:
    compared = view.comparison.describe(lang=current.lang)
    for index, kpi in enumerate(kpis):
        if index % 4 == 0:  # a row of four at a time: on a phone, where columns stack, they read in order
            columns = st.columns(4)
        hidden = kpi.key == "entrepreneur_earnings_paisa" and kpi.current is None
        render.metric(kpi, container=columns[index % 4],
                      help=privacy.notice(lang=current.lang, min_entrepreneurs=hide_below) if hidden else compared)
    st.caption(compared)
    left, right = st.columns([1, 2])
    with left:
        st.markdown(f"#### {t('overview.channels')}")
        if current.upazila:  # an upazila's figures are its UDCs': the front desk is the district's office
            st.caption(t("overview.front_desk_district"))
        else:
            render.chart(view.channels, key="channels")
    with right:
        st.markdown(f"#### {t('overview.trend')}")
        render.chart(view.trend, key="trend")
st.markdown(f"#### {t('overview.coverage')}")
if coverage.is_empty():
    st.success(t("coverage.all_good"))
else:
    render.dataframe(coverage.select("upazila", "union", "problem", "active_entrepreneurs").rename({
        "upazila": t("col.upazila"), "union": t("col.union"), "problem": t("col.problem"),
        "active_entrepreneurs": t("col.active_entrepreneurs")}), hide_index=True)
