"""Map: a choropleth of the upazilas or unions; click an upazila to see its unions."""

import streamlit as st

from analytics.reference.periods import parse_period
from analytics.report import figures, privacy, views
from analytics.report.comparison import Comparison
from analytics.report.metrics import AREA_METRICS
from pages import brief_button, navigation, render, resources, state

navigation.guard()

t = state.t


@st.cache_data(max_entries=64, show_spinner=False)
def compute(data_version: int, pinned: bool, period_key: str, lang: str, metric: str, level: str,
            upazila: str | None, channel: str, min_entrepreneurs: int | None, height: int, min_width: int,
            fair: Comparison):
    log = state.scan(data_version, pinned)
    period = parse_period(period_key)
    view = views.map_view(log, resources.gazetteer(), period=period, metric=metric, lang=lang, level=level,
                          upazila=upazila, channel=channel, min_entrepreneurs=min_entrepreneurs,
                          height=height, min_width=min_width)
    panel = views.map_panel(log, period=period, lang=lang, upazila=upazila, min_entrepreneurs=min_entrepreneurs,
                            comparison=fair)
    return view, panel


# (height, narrowest width) of the map in px: on a desktop page the map takes 560 px (it then
# fits a 900 px high laptop screen with the headline and controls above it); on the projector
# (presentation mode, 1920x1080, no sidebar) 760 px of the 1080, with type 1.36x as large (the title and the
# controls above it are made compact so that the map and its legend fit the screen).
# Names are laid out for the narrowest width the map is drawn at: a phone's 320 px, or in
# presentation mode the 900 px a 1920 px screen gives a drilled map beside its panel.
MAP_SIZE = {False: (figures.BASE_HEIGHT, figures.PHONE_WIDTH), True: (760, 900)}
MAP_CONFIG = {"displayModeBar": False, "scrollZoom": False, "responsive": True,
              # plotly's geo asks for a world outline it never draws: served by the app, never a CDN
              "topojsonURL": "app/static/topojson/"}

current = state.current()
period = state.period()
gaz = resources.gazetteer()
st.title(t("map.title"))
st.caption(state.scope(period.label(lang=current.lang), t(f"channel.{current.channel}")))
render.sample_notice()
render.gaps_notice()
render.months_cut_notice()
render.version_notice()

controls = st.columns([2, 1, 1])
metric = controls[0].selectbox(t("map.metric"), AREA_METRICS, format_func=lambda m: t(f"metric.{m}"),
                               **state.bound("w_metric", "metric", current.metric))
level = current.level
if not current.upazila:
    level = controls[1].radio(t("map.level"), ["upazila", "union"], format_func=lambda v: t(f"level.{v}"),
                              horizontal=True, **state.bound("w_level", "level", current.level))
else:
    controls[1].button("← " + t("map.back"), key="map_back", on_click=state.update, kwargs={"upazila": None})
with controls[2]:
    brief_button.download(metric=metric)  # the meeting brief (PDF) of this view, made when clicked

# viewers who are not staff: no earnings of fewer than N entrepreneurs (analytics.report.privacy)
hide_below = state.earnings_limit()
fair = state.compared()
view, panel = compute(*state.data_key(), period.key, current.lang, metric, level, current.upazila, current.channel,
                      hide_below, *MAP_SIZE[current.present], fair)
if current.channel == "front_desk" and current.upazila and current.upazila != gaz.dc_office_upazila():
    # the front desk serves at the DC office (in its upazila): no office's file is missing here
    st.info(t("map.front_desk_elsewhere", upazila=gaz.name(current.upazila, lang=current.lang),
              office=gaz.name(gaz.dc_office_upazila() or "", lang=current.lang)))
elif view.table["beneficiaries"].is_null().all():
    st.warning(t("empty.period", period=period.label(lang=current.lang)))

map_col, side = st.columns([3, 2]) if current.upazila else (st.container(), None)
with map_col:
    # A click is handled in the chart's callback, not read from what st.plotly_chart returns.
    # Streamlit 1.67 gives a plotly chart an identity made from its figure as well as its key
    # (compute_and_register_element_id(..., key_as_main_identity=False, plotly_spec=...)), so
    # a new metric or quarter makes a new widget. A click on the map on screen while the run
    # that replaces it is under way (the first click after a change, often) arrived as the
    # *old* widget's value, and the new run read only the new widget's: empty, and the click
    # was lost. The callback Streamlit calls for the widget that was clicked reads the
    # selection under that view's own key (one key per view, so a later run never reads it).
    view_key = "map-" + "-".join(str(part) for part in (
        current.lang, period.key, current.channel, metric, level, current.upazila, hide_below, current.present,
        st.session_state.get("map_views", 0)))

    def drill_down(key: str = view_key, shown_level: str = view.level, opened: str | None = current.upazila) -> None:
        selection = (st.session_state.get(key) or {}).get("selection") or {}
        target = views.clicked_upazila(gaz.units, points=selection.get("points") or [], level=shown_level,
                                       upazila=opened)
        if target.height:
            st.session_state["map_views"] = st.session_state.get("map_views", 0) + 1
            state.update(upazila=target["pcode"].item())

    st.plotly_chart(view.figure, key=view_key, on_select=drill_down, selection_mode="points", config=MAP_CONFIG)
    st.caption(t("map.hint_drilled" if current.upazila else "map.hint"))
    if hide_below is not None and view.table["hidden"].any():
        st.caption(privacy.notice(lang=current.lang, min_entrepreneurs=hide_below))
    if view.missing_polygons:
        st.info(t("map.missing_polygon", names=", ".join(view.missing_polygons)))
    st.caption(t("about.credits"))  # the boundaries' licences ask for visible credit

if side is not None:
    with side:
        st.subheader(gaz.name(current.upazila, lang=current.lang))
        for kpi in panel:
            render.metric(kpi, help=fair.describe(lang=current.lang))
        st.caption(fair.describe(lang=current.lang))
        if current.channel != "all":  # the report's figures, of both channels
            st.caption(t("overview.channel_note", channel=t(f"channel.{current.channel}")))

# every figure of the map, as a table that sorts: drawn when opened, after the map (render.lazy_expander)
with render.lazy_expander(t("map.table"), key="w_map_table") as table:
    if table.open:
        render.dataframe(views.map_table(view, metric=metric, lang=current.lang), hide_index=True,
                         export_name=f"map-{metric}-{period.key}")
