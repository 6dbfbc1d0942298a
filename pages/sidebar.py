"""The sidebar: language, period, comparison, channel and area controls bound to the view
state, the date range, the share link (pinned or not), presentation mode and About."""

from __future__ import annotations

import streamlit as st

from analytics import i18n
from analytics.reference.periods import fiscal_year
from analytics.report import comparison
from pages import resources, state


def sidebar() -> None:
    """Language, period, channel and area controls; copy-link; presentation mode."""
    current = state.current()
    lang = current.lang
    gaz = resources.gazetteer()
    dates = {"start": None, "end": None}
    with st.sidebar:
        st.radio(i18n.t("sidebar.language", lang), options=list(i18n.LANGS), horizontal=True,
                 format_func=lambda c: {"bn": "বাংলা", "en": "English"}[c],
                 **state.bound("w_lang", "lang", lang))
        years = state.fiscal_years(*state.data_key()) or [2022]
        if current.fy is not None and current.fy not in years:  # a link to a year without data: say so, keep it
            years = sorted({*years, current.fy}, reverse=True)
        st.selectbox(i18n.t("sidebar.fy", lang), years, format_func=lambda y: fiscal_year(y).label(lang=lang),
                     **state.bound("w_fy", "fy", current.fy if current.fy is not None else years[0], extra=dates))
        st.selectbox(i18n.t("sidebar.quarter", lang), [0, 1, 2, 3, 4],
                     format_func=lambda q: i18n.t("sidebar.whole_year", lang) if q == 0
                     else i18n.t(f"quarter.q{q}", lang), **state.bound("w_q", "q", current.q, extra=dates, none=0))
        st.radio(i18n.t("compare.mode", lang), list(comparison.MODES),
                 format_func=lambda m: i18n.t(f"compare.mode.{m}", lang),
                 **state.bound("w_compare", "compare", current.compare))
        st.selectbox(i18n.t("sidebar.channel", lang), ["all", "udc", "front_desk"],
                     format_func=lambda c: i18n.t(f"channel.{c}", lang),
                     **state.bound("w_channel", "channel", current.channel))
        upazilas = [""] + gaz.upazilas()["pcode"].to_list()
        st.selectbox(i18n.t("sidebar.upazila", lang), upazilas,
                     format_func=lambda p: i18n.t("sidebar.all_upazilas", lang) if not p else gaz.name(p, lang=lang),
                     **state.bound("w_upazila", "upazila", current.upazila if current.upazila in upazilas else None,
                                   none=""))
        with st.expander(i18n.t("sidebar.dates", lang), expanded=current.start is not None):
            shown = state.period()
            if st.session_state.get("w_dates") != (shown.start, shown.end):
                st.session_state["w_dates"] = (shown.start, shown.end)

            def dates_changed() -> None:
                picked = st.session_state["w_dates"]
                if isinstance(picked, (tuple, list)) and len(picked) == 2:
                    state.update(start=picked[0], end=picked[1])

            st.date_input(i18n.t("sidebar.date_range", lang), format="DD/MM/YYYY", key="w_dates",
                          on_change=dates_changed)
            if current.start is not None:
                st.button(i18n.t("sidebar.clear_dates", lang), key="w_clear_dates", on_click=state.update,
                          kwargs={"start": None, "end": None})
        st.divider()
        pin = st.toggle(i18n.t("sidebar.pin", lang), value=current.version is not None, key="w_pin",
                        help=i18n.t("sidebar.pin_help", lang))
        st.caption(i18n.t("sidebar.copy_link", lang))
        st.code(state.share_link(pin=pin), language=None, wrap_lines=True)
        st.toggle(i18n.t("sidebar.present", lang), **state.bound("w_present", "present", current.present))
        with st.expander(i18n.t("about.title", lang)):
            st.caption(i18n.t("about.text", lang))
            st.caption(i18n.t("about.credits", lang))
