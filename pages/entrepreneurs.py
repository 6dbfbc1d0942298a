"""Entrepreneurs: everyone ranked by earnings, with change, flags, search and export."""

import io

import polars as pl
import streamlit as st

from analytics import figures, i18n, views
from analytics.periods import parse_period
from pages import common

common.guard()

t = common.t


@st.cache_data(max_entries=64, show_spinner=False)
def compute(data_version: int, pinned: bool, period_key: str, lang: str, upazila: str | None, search: str):
    log = common.scan(data_version, pinned)
    return views.entrepreneur_table(log, common.gazetteer(), period=parse_period(period_key), lang=lang,
                                    upazila=upazila, search=search)


@st.cache_data(max_entries=64, show_spinner=False)
def union_totals(data_version: int, pinned: bool, period_key: str, lang: str, upazila: str | None):
    log = common.scan(data_version, pinned)
    return views.union_earnings(log, common.gazetteer(), period=parse_period(period_key), lang=lang, upazila=upazila)


state = common.state()
period = common.period()
lang = state.lang
st.title(t("entrepreneurs.title"))
st.caption(period.label(lang=lang))
common.sample_notice()
common.version_notice()

st.text_input(t("entrepreneurs.search"), placeholder=t("entrepreneurs.search_hint"),
              **common.bound("w_search", "search", state.search))
if not common.can_see_people():
    st.info(t("auth.people_hidden"))
    st.dataframe(union_totals(*common.data_key(), period.key, lang, state.upazila), hide_index=True)
    st.stop()
table = compute(*common.data_key(), period.key, lang, state.upazila, state.search)
if table.is_empty():
    st.warning(t("empty.filter"))
    st.stop()

active = table.filter(~pl.col("no_activity"))
cols = st.columns(4)
cols[0].metric(t("entrepreneurs.count"), i18n.number(active.height, lang=lang))
cols[1].metric(t("gender.female"), i18n.number(active.filter(pl.col("entrepreneur_gender") == "female").height, lang=lang))
cols[2].metric(t("gender.male"), i18n.number(active.filter(pl.col("entrepreneur_gender") == "male").height, lang=lang))
cols[3].metric(t("entrepreneurs.flagged"),
               i18n.number(table.filter(pl.col("no_activity") | pl.col("sharp_drop")).height, lang=lang))

flags = pl.concat_str([
    pl.when(pl.col("no_activity")).then(pl.lit("⚠ " + t("flag.no_activity"))).otherwise(pl.lit("")),
    pl.when(pl.col("sharp_drop") & ~pl.col("no_activity")).then(pl.lit("↓ " + t("flag.sharp_drop"))).otherwise(pl.lit("")),
])
shown = table.select(
    pl.col("rank").alias(t("col.rank")),
    pl.col("entrepreneur_name").alias(t("col.entrepreneur")),
    pl.col("entrepreneur_gender").cast(pl.String).replace_strict(
        {"female": t("gender.female"), "male": t("gender.male")}, default="").alias(t("col.gender")),
    pl.col("union").alias(t("col.union")), pl.col("upazila").alias(t("col.upazila")),
    pl.col("beneficiaries").map_elements(lambda v: i18n.number(v, lang=lang), return_dtype=pl.String).alias(t("col.beneficiaries")),
    pl.col("earnings_paisa").map_elements(lambda v: i18n.taka(v, lang=lang), return_dtype=pl.String).alias(t("col.earnings")),
    pl.col("service_kinds").alias(t("col.service_kinds")),
    pl.col("change_pct").map_elements(lambda v: i18n.percent(v, lang=lang, signed=True), return_dtype=pl.String)
    .fill_null("–").alias(t("col.change_pct")),
    flags.alias(t("col.flags")),
)
st.dataframe(shown, hide_index=True, height=420)

export = views.entrepreneur_export(table, lang=lang)
name = f"entrepreneurs-{period.key}"
left, right, _ = st.columns([1, 1, 3])
left.download_button(t("export.csv"), export.write_csv().encode("utf-8-sig"), f"{name}.csv", "text/csv")
buffer = io.BytesIO()
export.write_excel(buffer, worksheet="entrepreneurs")
right.download_button(t("export.xlsx"), buffer.getvalue(), f"{name}.xlsx",
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

st.markdown(f"#### {t('entrepreneurs.distribution')}")
st.plotly_chart(figures.earnings_by_group(active, group="upazila", lang=lang), key="dist",
                config={"displayModeBar": False})
