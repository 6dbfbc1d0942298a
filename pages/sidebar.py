"""The sidebar: language, period, comparison, channel and area controls bound to the view
state, the date range, the share link (pinned or not), presentation mode and About."""

from __future__ import annotations

import html

import streamlit as st

from analytics import i18n
from analytics.reference.periods import fiscal_year
from analytics.report import comparison
from analytics.report.viewstate import ViewState
from pages import render, resources, state


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
        custom = current.start is not None and current.end is not None  # dates chosen: no year nor quarter shown
        st.selectbox(i18n.t("sidebar.fy", lang), years, format_func=lambda y: fiscal_year(y).label(lang=lang),
                     disabled=custom,
                     **state.bound("w_fy", "fy", current.fy if current.fy is not None else years[0], extra=dates))
        st.selectbox(i18n.t("sidebar.quarter", lang), [0, 1, 2, 3, 4],
                     format_func=lambda q: i18n.t("sidebar.whole_year", lang) if q == 0
                     else i18n.t(f"quarter.q{q}", lang), disabled=custom,
                     **state.bound("w_q", "q", current.q, extra=dates, none=0))
        if custom:
            shown = state.period()
            st.caption(i18n.t("sidebar.dates_in_use", lang, period=shown.label(lang=lang)))
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
        with render.lazy_expander(i18n.t("sidebar.dates", lang), key="w_dates_open",
                                  expanded=current.start is not None) as box:
            if box.open:
                date_range(current, lang=lang)
        st.divider()
        with render.lazy_expander(i18n.t("sidebar.share", lang), key="w_share_open") as box:
            if box.open:
                pin = st.toggle(i18n.t("sidebar.pin", lang), value=current.version is not None, key="w_pin",
                                help=i18n.t("sidebar.pin_help", lang))
                st.caption(i18n.t("sidebar.copy_link", lang))
                copy_box(state.share_link(pin=pin), label=i18n.t("sidebar.copy_link", lang))
                st.toggle(i18n.t("sidebar.present", lang), **state.bound("w_present", "present", current.present))
        with render.lazy_expander(i18n.t("about.title", lang), key="w_about_open") as box:
            if box.open:
                st.caption(i18n.t("about.text", lang))
                st.caption(i18n.t("about.credits", lang))


def date_range(current: ViewState, *, lang: str) -> None:
    """The custom date range (From – to), and the way back to fiscal year and quarter."""
    shown = state.period()
    if st.session_state.get("w_dates") != (shown.start, shown.end):
        st.session_state["w_dates"] = (shown.start, shown.end)

    def dates_changed() -> None:
        picked = st.session_state["w_dates"]
        if isinstance(picked, (tuple, list)) and len(picked) == 2:
            state.update(start=picked[0], end=picked[1])

    st.date_input(i18n.t("sidebar.date_range", lang), format="DD/MM/YYYY", key="w_dates", on_change=dates_changed)
    if current.start is not None:
        st.button(i18n.t("sidebar.clear_dates", lang), key="w_clear_dates", on_click=state.update,
                  kwargs={"start": None, "end": None})


# The share link in a box with a copy button. Not st.code: its syntax highlighter is a 1.5 MB
# script (StreamlitSyntaxHighlighter) that every first load of every page fetched and ran, for
# one line of plain text, before the map was drawn (benchmarks/pageload.py, issue 13). Streamlit
# inserts this HTML into the page itself (no iframe); the script only wires the button.
_COPY_BOX = """<div class="seba-link"><code>{text}</code><button type="button" title="{label}" aria-label="{label}"><span>content_copy</span></button></div>
<style>
.seba-link {{ position: relative; background: rgba(151, 166, 195, 0.15); border-radius: 0.5rem;
              padding: 0.75rem 2.5rem 0.75rem 1rem; }}
.seba-link code {{ font-family: "Source Code Pro", monospace; font-size: 0.8rem; white-space: pre-wrap;
                   word-break: break-all; background: none; padding: 0; color: inherit; }}
.seba-link button {{ position: absolute; top: 0.4rem; right: 0.4rem; border: none; background: none; cursor: pointer;
                     padding: 0.25rem; color: inherit; opacity: 0.6; line-height: 0; }}
.seba-link button span {{ font-family: "Material Symbols Rounded"; font-size: 1.1rem; }}
.seba-link button:hover, .seba-link button:focus-visible {{ opacity: 1; }}
</style>
<script>(() => {{
  const box = document.currentScript && document.currentScript.parentNode.querySelector(".seba-link");
  const button = box && box.querySelector("button");
  if (!button) return;
  button.addEventListener("click", () => {{
    const text = box.querySelector("code").textContent;
    (navigator.clipboard ? navigator.clipboard.writeText(text) : Promise.reject()).catch(() => {{
      const range = document.createRange();  // no clipboard API (plain http): select it for Ctrl+C
      range.selectNodeContents(box.querySelector("code"));
      getSelection().removeAllRanges();
      getSelection().addRange(range);
    }});
  }});
}})();</script>"""


def copy_box(text: str, *, label: str) -> None:
    """``text`` (the share link) with a button that copies it."""
    st.html(_COPY_BOX.format(text=html.escape(text), label=html.escape(label)), unsafe_allow_javascript=True)
