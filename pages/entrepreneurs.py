"""Entrepreneurs: everyone ranked by earnings, with change, flags, search and export."""

import io
from collections.abc import Callable

import polars as pl
import streamlit as st

from analytics.reference.periods import parse_period
from analytics.report import comparison, figures, privacy, views
from pages import access, navigation, render, resources, state

navigation.guard()

t = state.t


@st.cache_data(max_entries=64, show_spinner=False)
def compute(data_version: int, pinned: bool, period_key: str, lang: str, upazila: str | None, search: str,
            compare_with: str, samples: frozenset[str]):
    """The ranked table, the same as shown (labelled, formatted) and the earnings chart, computed
    once per view and data version; changes compare like with like (analytics.report.comparison)."""
    log, period = state.scan(data_version, pinned), parse_period(period_key)
    fair = comparison.compare(log, period=period, mode=compare_with, sample_uploads=samples, upazila=upazila)
    table = views.entrepreneur_table(log, resources.gazetteer(), period=period, lang=lang,
                                     upazila=upazila, search=search, comparison=fair)
    active = table.filter(~pl.col("no_activity"))
    unnamed = views.unnamed_note(log, resources.gazetteer(), period=period, lang=lang, upazila=upazila)
    return (table, views.entrepreneur_rows(table, lang=lang),
            figures.earnings_by_group(active, group="main_upazila", lang=lang), unnamed)


def export(table: pl.DataFrame, *, lang: str, kind: str) -> Callable[[], bytes]:
    """The table as CSV (UTF-8 with BOM, for Excel) or XLSX bytes, made when the button is clicked:
    names and earnings are never kept at a download address beforehand (one that would outlive a
    sign-out until the next run), and no run pays for files no one asked for."""
    def made() -> bytes:
        rows = views.entrepreneur_export(table, lang=lang)
        if kind == "csv":
            return rows.write_csv().encode("utf-8-sig")
        buffer = io.BytesIO()
        rows.write_excel(buffer, worksheet="entrepreneurs")
        return buffer.getvalue()
    return made


@st.cache_data(max_entries=64, show_spinner=False)
def area_totals(data_version: int, pinned: bool, period_key: str, lang: str, upazila: str | None,
                min_entrepreneurs: int | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Totals by upazila and by union, for viewers who may not see individuals: earnings of fewer
    than ``min_entrepreneurs`` entrepreneurs (every union's) read "fewer than N"."""
    log, gaz, period = state.scan(data_version, pinned), resources.gazetteer(), parse_period(period_key)
    return (views.area_earnings(log, gaz, level="upazila", period=period, lang=lang,
                                min_entrepreneurs=min_entrepreneurs),
            views.union_earnings(log, gaz, period=period, lang=lang, upazila=upazila,
                                 min_entrepreneurs=min_entrepreneurs))


current = state.current()
period = state.period()
lang = current.lang
st.title(t("entrepreneurs.title"))
st.caption(state.scope(period.label(lang=lang)))
render.sample_notice()
render.months_cut_notice()
render.version_notice()

st.text_input(t("entrepreneurs.search"), placeholder=t("entrepreneurs.search_hint"),
              **state.bound("w_search", "search", current.search))
if not access.can_see_people():
    hide_below = state.earnings_limit_open()
    st.info(t("auth.people_hidden"))
    upazilas, unions = area_totals(*state.data_key(), period.key, lang, current.upazila, hide_below)
    if hide_below is not None:
        st.caption(privacy.notice(lang=lang, min_entrepreneurs=hide_below))
    st.markdown(f"#### {t('privacy.upazila_totals')}")
    render.dataframe(upazilas, hide_index=True, export_name=f"upazilas-{period.key}")
    st.markdown(f"#### {t('privacy.union_totals')}")
    render.dataframe(unions, hide_index=True, export_name=f"unions-{period.key}")
    st.stop()
table, shown, distribution, unnamed = compute(*state.data_key(), period.key, lang, current.upazila, current.search,
                                             current.compare, state.sample_uploads())
if table.is_empty():
    st.warning(t("empty.filter"))
    st.stop()

cols = st.columns(4)
for col, (label, value) in zip(cols, views.entrepreneur_counts(table, lang=lang, known=unnamed is None)):
    col.metric(label, value)
if unnamed:
    st.caption(unnamed)

render.dataframe(shown, hide_index=True, height=420)
st.caption(state.compared().describe(lang=lang))

name = f"entrepreneurs-{period.key}"
left, right, _ = st.columns([1, 1, 3])
left.download_button(t("export.csv"), export(table, lang=lang, kind="csv"), f"{name}.csv", "text/csv", on_click="ignore")
right.download_button(t("export.xlsx"), export(table, lang=lang, kind="xlsx"), f"{name}.xlsx",
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", on_click="ignore")

st.markdown(f"#### {t('entrepreneurs.distribution')}")
render.chart(distribution, key="dist")
