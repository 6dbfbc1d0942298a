"""Data: what is stored, where it came from, and what changed (uploads, rollbacks, sign-ins)."""

import polars as pl
import streamlit as st

from analytics import decisions as D, i18n, views
from analytics.periods import parse_period
from analytics.services import load_catalogue
from pages import common

common.guard()

t = common.t


@st.cache_data(max_entries=16, show_spinner=False)
def coverage(data_version: int, pinned: bool, period_key: str, lang: str) -> pl.DataFrame:
    return views.coverage_table(common.scan(data_version, pinned), common.gazetteer(), period=parse_period(period_key),
                                lang=lang)


state = common.state()
lang = state.lang
period = common.period()
store = common.store()
st.title(t("data.title"))
st.caption(t("data.version", version=common.latest_version()))

staff = common.can_change_data()  # upload history and audit log: signed-in uploaders and admins only
uploads = store.uploads() if staff else None
st.markdown(f"#### {t('data.uploads')}")
if not staff:
    st.info(t("privacy.staff_only"))
elif uploads.is_empty():
    st.info(t("data.no_uploads"))
else:
    common.dataframe(views.uploads_table(uploads, lang=lang), hide_index=True)
    if common.can_change_data():
        active = uploads.filter(pl.col("status") == "active")["upload_id"].to_list()
        with st.form("rollback"):
            chosen = st.selectbox(t("data.rollback_choose"), active, key="w_rollback")
            if st.form_submit_button(t("data.rollback"), type="secondary") and chosen:
                store.rollback(chosen, actor=common.actor())
                st.success(t("data.rolled_back", upload=chosen))
                st.rerun()

st.markdown(f"#### {t('data.coverage', period=period.label(lang=lang))}")
table = coverage(*common.data_key(), period.key, lang)
if table.is_empty():
    st.success(t("coverage.all_good"))
else:
    common.dataframe(table.select(pl.col("upazila").alias(t("col.upazila")), pl.col("union").alias(t("col.union")),
                              pl.col("problem").alias(t("col.problem")),
                              pl.col("active_entrepreneurs").alias(t("col.active_entrepreneurs"))), hide_index=True)

if staff:
    decided = store.decisions()
    st.markdown(f"#### {t('data.decisions')}")
    if decided.is_empty():
        st.caption(t("data.no_decisions"))
    else:
        gaz, catalogue = common.gazetteer(), load_catalogue()
        st.dataframe({
            t("upload.col_written"): decided["value"].to_list(),
            t("upload.col_matched"): [D.label(k, c, lang=lang, gazetteer=gaz, catalogue=catalogue) if c
                                      else t("upload.not_known", kind=t(f"ingest.kind.{k}"))
                                      for k, c in decided.select("kind", "code").iter_rows()],
            t("data.decided_by"): decided["actor"].to_list(),
        }, hide_index=True)
        with st.form("withdraw_decision"):
            labels = dict(zip(decided["decision_id"].to_list(), decided["value"].to_list()))
            chosen = st.selectbox(t("data.withdraw_choose"), list(labels), key="w_withdraw",
                                  format_func=lambda d: i18n.plain(labels[d]))
            if st.form_submit_button(t("data.withdraw"), type="secondary") and chosen is not None:
                store.withdraw_decision(chosen, actor=common.actor())
                st.rerun()

    st.markdown(f"#### {t('data.audit')}")
    common.dataframe(views.audit_table(store.changes(), lang=lang), hide_index=True)
    st.caption(t("data.provenance"))
