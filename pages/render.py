"""How pages draw what analytics computed: the app's CSS, the short notices about the view, a
headline figure, and tables (``dataframe``: numbers that sort as numbers, read in the user's digits).
"""

from __future__ import annotations

import polars as pl
import pyarrow as pa
import streamlit as st

from analytics import i18n
from analytics.report import figures, tables, views
from pages import state

STYLED_CELLS = 60_000  # beyond this many cells a table goes as plain Arrow (a Styler renders every cell)
OWN_EXPORT = "seba-own-export-"  # the key of a table offered for download as shown (see dataframe)
#: keys of containers drawn only on a wide screen, or only on a phone's (at most 640 px: style())
WIDE_ONLY, NARROW_ONLY = "seba-wide-only", "seba-narrow-only"


def style() -> None:
    """The app's CSS: Bengali type, figures that wrap, a phone's width; presentation mode's large type."""
    css = """
    html, body, [class*="css"], .stMarkdown, .stMetric { font-family: 'Noto Sans Bengali', 'Noto Sans', sans-serif; }
    [data-testid="stMetricValue"] { font-size: 1.9rem; }
    [data-testid="stMetricValue"] div, [data-testid="stMetricValue"] p { white-space: normal; overflow: visible; }
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
    css += (f".st-key-{NARROW_ONLY} {{ display: none; }}\n"
            f"@media (max-width: 640px) {{ .st-key-{WIDE_ONLY} {{ display: none; }} "
            f".st-key-{NARROW_ONLY} {{ display: flex; }} }}\n")
    # a table offered for download as shown, not as Streamlit would write its cells (see dataframe)
    css += f'[class*="st-key-{OWN_EXPORT}"] button[aria-label="Download as CSV"] {{ display: none; }}\n'
    if state.current().present:
        css += """
        [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header, footer { display: none !important; }
        html { font-size: 22px; }
        [data-testid="stMetricValue"] { font-size: 2.3rem; }
        .block-container { padding-top: 0.5rem; max-width: 100%; }
        /* a 1080-px projector: the title and the controls above the map take as little height as they can */
        h1 { font-size: 2rem !important; padding: 0 !important; line-height: 1.2 !important; }
        [data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"] { gap: 0.5rem; }
        """
    st.html(f"<style>{css}</style>")


def lazy_expander(label: str, *, key: str, expanded: bool = False):
    """An expander whose contents are drawn only while it is open (its open state is a widget
    under ``key``: a click reruns the script). Use ``with lazy_expander(...) as box: if box.open:``.

    A plain expander's contents are sent, and drawn by the browser, closed or not: a grid, a
    date picker or a sign-in form under it loads its part of Streamlit's frontend and takes the
    browser's main thread before the map is drawn (benchmarks/pageload.py, issue 13)."""
    return st.expander(label, expanded=expanded, key=key, on_change="rerun")


# -- notices -------------------------------------------------------------------------------
#: A link's parameters (analytics.report.viewstate) as the controls that set them are labelled.
LINK_PARTS = {"lang": "sidebar.language", "fy": "sidebar.fy", "q": "sidebar.quarter", "channel": "sidebar.channel",
              "upazila": "sidebar.upazila", "level": "map.level", "metric": "map.metric", "v": "link.version",
              "compare": "compare.mode", "from": "sidebar.date_range", "to": "sidebar.date_range"}


def notices() -> None:
    """Short notices about this link (once each): parameters left out, dates widened to months."""
    lang = state.current().lang
    if names := st.session_state.pop(state.URL_NOTICE_KEY, None):  # by the names the sidebar gives them
        shown = ", ".join(dict.fromkeys(i18n.t(LINK_PARTS[name], lang) if name in LINK_PARTS else name
                                        for name in names.split(", ")))
        st.toast(i18n.t("access.url_ignored", lang, names=shown), icon=":material/info:")
    if widened := st.session_state.pop(state.MONTHS_NOTICE_KEY, None):
        st.toast(i18n.t("access.whole_months", lang, start=i18n.day(widened[0], lang=lang),
                        end=i18n.day(widened[1], lang=lang)), icon=":material/info:")


def sample_notice() -> None:
    """Said only where the period shown holds sample rows; in presentation mode a small badge."""
    shown = state.sources()
    if shown not in ("sample", "mixed"):
        return
    if state.current().present:
        st.badge(state.t("compare.badge.sample"), icon=":material/info:", color="orange")
    else:
        st.info(state.t("notice.sample" if shown == "sample" else "notice.sample_mixed"), icon=":material/info:")


def chart(fig, *, key: str) -> None:
    """A plotly chart as the pages draw them; in presentation mode its type as large as the
    projector needs (analytics.report.figures.for_projector)."""
    st.plotly_chart(figures.for_projector(fig) if state.current().present else fig, key=key,
                    config={"displayModeBar": False})


def gaps_notice() -> None:
    """What the period's figures do not hold yet (offices upload one at a time); in presentation
    mode a small badge, its words on hover."""
    if not (text := state.gaps_text()):
        return
    if state.current().present:
        st.badge(state.t("notice.gaps_badge"), icon=":material/info:", color="orange", help=text)
    else:
        st.warning(text, icon=":material/warning:")


def months_cut_notice() -> None:
    """Where a date range cuts through a month of monthly summaries: which months it counts whole
    and which it leaves out (a summary gives its month as a whole)."""
    if text := state.months_cut_text():
        st.warning(text, icon=":material/warning:")


def version_notice() -> None:
    """Under a pinned link: which version is shown, and which is the latest."""
    pinned = state.current().version
    if pinned is not None and state.version() != pinned:  # a version the store does not have (v=999)
        st.warning(state.t("notice.pinned_missing", asked=pinned, latest=state.latest_version()), icon=":material/warning:")
    elif pinned is not None:
        st.caption(state.t("notice.pinned", version=state.version(), latest=state.latest_version()))


# -- figures and tables --------------------------------------------------------------------
def metric(kpi, *, help: str | None = None, container=st) -> None:  # noqa: A002  (st.metric's name)
    """``st.metric`` for a :class:`analytics.report.views.Kpi`: the arrow and colour come from the sign of
    the change (Streamlit would read them off the text, and takes "−" for a plus)."""
    container.metric(kpi.label, kpi.value, kpi.delta, delta_color=kpi.colour, delta_arrow=kpi.arrow, help=help)


def arrow(frame: pl.DataFrame) -> pa.Table:
    """The frame as it leaves polars for Streamlit: an Arrow table (see :func:`dataframe`)."""
    return frame.to_arrow(compat_level=pl.CompatLevel.oldest())


def dataframe(frame: pl.DataFrame, *, lang: str | None = None, export_name: str = "table", **kwargs: object) -> None:
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
    A table some of whose missing cells need a stand-in number is offered for download as shown
    (``export_name``.csv) instead of by Streamlit's own button.
    """
    shown = tables.display(frame, lang=lang or state.current().lang)
    if shown is None or frame.height * frame.width > STYLED_CELLS:
        st.dataframe(arrow(tables.display_only(frame)), **kwargs)
        return
    data = arrow(shown.values).to_pandas(use_threads=False)  # pyarrow's conversion, not polars'
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
    if not shown.stand_ins:
        st.dataframe(styler, **kwargs)
        return
    # a stand-in (a cell reading "no data" among cells hidden by the small-cell rule) is a number
    # Streamlit's own "Download as CSV" would write as a figure (-1 Tk): its button is hidden on this
    # table (style()), and the table is offered as shown
    lang = lang or state.current().lang
    with st.container(key=f"{OWN_EXPORT}{abs(hash((tuple(frame.columns), frame.height)))}"):
        st.dataframe(styler, **kwargs)
        st.download_button(i18n.t("export.table_csv", lang), views.shown_csv(frame, lang=lang),
                           f"{export_name}.csv", "text/csv", on_click="ignore")
