"""Map: a choropleth of the upazilas or unions; click an upazila to see its unions."""

import polars as pl
import streamlit as st

from analytics import privacy, views
from analytics.metrics import AREA_METRICS
from analytics.periods import parse_period
from pages import common

common.guard()

t = common.t


@st.cache_data(max_entries=64, show_spinner=False)
def compute(data_version: int, pinned: bool, period_key: str, lang: str, metric: str, level: str,
            upazila: str | None, channel: str, min_entrepreneurs: int | None):
    log = common.scan(data_version, pinned)
    period = parse_period(period_key)
    view = views.map_view(log, common.gazetteer(), period=period, metric=metric, lang=lang, level=level,
                          upazila=upazila, channel=channel, min_entrepreneurs=min_entrepreneurs)
    panel = (views.kpis(log, period=period, lang=lang, upazila=upazila, min_entrepreneurs=min_entrepreneurs)
             if upazila else None)
    return view, panel


state = common.state()
period = common.period()
gaz = common.gazetteer()
st.title(t("map.title"))
st.caption(period.label(lang=state.lang) + " · " + t(f"channel.{state.channel}"))
common.sample_notice()
common.version_notice()

controls = st.columns([2, 1, 1])
metric = controls[0].selectbox(t("map.metric"), AREA_METRICS, format_func=lambda m: t(f"metric.{m}"),
                               **common.bound("w_metric", "metric", state.metric))
level = state.level
if not state.upazila:
    level = controls[1].radio(t("map.level"), ["upazila", "union"], format_func=lambda v: t(f"level.{v}"),
                              horizontal=True, **common.bound("w_level", "level", state.level))
else:
    controls[1].button("← " + t("map.back"), key="map_back", on_click=common.update, kwargs={"upazila": None})

# viewers who are not staff: no earnings of fewer than N entrepreneurs (analytics.privacy)
hide_below = privacy.min_for(common.settings(), sees_people=common.can_see_people())
view, panel = compute(*common.data_key(), period.key, state.lang, metric, level, state.upazila, state.channel,
                      hide_below)
if view.table["beneficiaries"].is_null().all():
    st.warning(t("empty.period", period=period.label(lang=state.lang)))

map_col, side = st.columns([3, 2]) if state.upazila else (st.container(), None)
with map_col:
    # a fresh widget key per view, so an old click is never read again after going back
    event = st.plotly_chart(view.figure, key=f"map-{state.upazila}-{level}-{st.session_state.get('map_views', 0)}",
                            on_select="rerun", selection_mode="points",
                            config={"displayModeBar": False, "scrollZoom": True})
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    clicked = next((p.get("location") for p in points if p.get("location")), None)
    target = None
    if clicked and view.level == "upazila" and clicked != state.upazila:
        target = clicked
    elif clicked and view.level == "union" and not state.upazila:
        parent = gaz.units.filter(pl.col("pcode") == clicked)["parent_pcode"]
        target = parent.item() if parent.len() else None
    if target:
        st.session_state["map_views"] = st.session_state.get("map_views", 0) + 1
        common.update(upazila=target)
        st.rerun()
    st.caption(t("map.hint"))
    if hide_below is not None and view.table["hidden"].any():
        st.caption(privacy.notice(lang=state.lang, min_entrepreneurs=hide_below))
    if view.missing_polygons:
        st.info(t("map.missing_polygon", names=", ".join(view.missing_polygons)))

if side is not None:
    with side:
        st.subheader(gaz.name(state.upazila, lang=state.lang))
        for kpi in panel:
            if kpi.key in ("beneficiaries_udc", "entrepreneurs", "unions_with_udc", "entrepreneur_earnings_paisa",
                           "udc_service_kinds"):
                st.metric(kpi.label, kpi.value, kpi.delta)

common.dataframe(views.map_table(view, metric=metric, lang=state.lang), hide_index=True)
