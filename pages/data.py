"""Data: what is stored, where it came from, and what changed (uploads, rollbacks, sign-ins).

Everything in the user's language: times in Dhaka time and the user's digits, audit entries as
sentences (``analytics.report.history``), figures that sort as numbers (``render.dataframe``). A
rollback names the file (quarters, rows, beneficiaries, when, by whom), asks to confirm, and
says afterwards what changed per quarter; the message survives the rerun. The sample is
labelled as the sample: a real upload takes its place quarter by quarter (``analytics.store``),
and removing it altogether is its own confirmed action.
"""

import polars as pl
import streamlit as st

from analytics import i18n
from analytics.ingest import decisions as D
from analytics.reference.periods import parse_period
from analytics.reference.services import load_catalogue
from analytics.report import history, views
from analytics.store import StoreError
from pages import access, navigation, render, resources, state

navigation.guard()

t = state.t
PENDING = "_rollback_pending"  # the upload whose rollback waits for confirmation
FLASH = "_data_flash"  # what the last action did, shown after the rerun


@st.cache_data(max_entries=16, show_spinner=False)
def coverage(data_version: int, pinned: bool, period_key: str, lang: str) -> pl.DataFrame:
    return views.coverage_table(state.scan(data_version, pinned), resources.gazetteer(),
                                period=parse_period(period_key), lang=lang)


def ask(upload_id: str | None) -> None:
    """Ask to confirm rolling ``upload_id`` back (None: forget the question). Buttons act through
    callbacks, which run before the script: a rerun in between (URL state) cannot lose a click."""
    if upload_id is None:
        st.session_state.pop(PENDING, None)
    else:
        st.session_state[PENDING] = upload_id


def roll_back(upload_id: str, *, named: history.Uploads, lang: str) -> None:
    """Roll ``upload_id`` back (re-checked: staff only) and keep a sentence of what changed."""
    st.session_state.pop(PENDING, None)
    if not access.can_change_data():  # checked again at the moment of writing
        st.session_state[FLASH] = ("error", t("auth.staff_only"))
        return
    pairs = named.in_force.get(upload_id, [])  # the quarters its rows leave (and what it replaced returns to)
    before = history.quarter_beneficiaries(store.scan(), pairs)
    try:
        store.rollback(upload_id, actor=access.actor())
    except StoreError as error:
        st.session_state[FLASH] = ("error", t("data.rollback_failed", error=i18n.plain(error)))
        return
    after = history.quarter_beneficiaries(store.scan(), pairs)
    changes = history.rollback_effect(before, after, lang=lang)
    row = named.rows[upload_id]
    st.session_state[FLASH] = ("success", t("data.sample_removed", changes=changes, version=store.version())
                               if row["is_sample"] else
                               t("data.rolled_back_effect", file=i18n.plain(row["file_name"]), changes=changes,
                                 version=store.version()))


current = state.current()
lang = current.lang
period = state.period()
store = resources.store()
st.title(t("data.title"))
st.caption(t("data.version", version=state.latest_version()))
if flash := st.session_state.pop(FLASH, None):
    (st.success if flash[0] == "success" else st.error)(flash[1])

staff = access.can_change_data()  # upload history and audit log: signed-in uploaders and admins only
uploads = store.uploads() if staff else None
quarters = store.upload_quarters() if staff else None
st.markdown(f"#### {t('data.uploads')}")
if not staff:
    st.info(t("privacy.staff_only"))
elif uploads.is_empty():
    st.info(t("data.no_uploads"))
else:
    named = history.Uploads(uploads, quarters)
    active = uploads.filter(pl.col("status") == "active")
    sample = active.filter(pl.col("is_sample"))["upload_id"].to_list()
    if sample:
        st.info(t("data.sample_shown", quarters=named.quarters_of(sample[0], lang=lang, in_force=True)))
    render.dataframe(views.uploads_table(uploads, lang=lang, quarters=quarters, log=state.scan(state.latest_version(), False)),
                     hide_index=True)

    st.markdown(f"##### {t('data.rollback_title')}")
    real = active.filter(~pl.col("is_sample")).sort("created_at", descending=True)["upload_id"].to_list()
    if real:
        chosen = st.selectbox(t("data.rollback_choose"), real, index=None, placeholder=t("data.rollback_pick"),
                              format_func=lambda u: named.option(u, lang=lang), key="w_rollback")  # options are plain text
        st.button(t("data.rollback_start"), key="rollback_start", disabled=chosen is None, on_click=ask,
                  args=(chosen,))
    if sample:
        st.button(t("data.remove_sample"), key="sample_start", on_click=ask, args=(sample[0],))
    pending = st.session_state.get(PENDING)
    if pending in named.rows and named.rows[pending]["status"] == "active":
        row = named.rows[pending]
        with st.container(border=True):
            if row["is_sample"]:
                st.warning(t("data.rollback_ask_sample", quarters=named.quarters_of(pending, lang=lang, in_force=True)))
            else:
                st.warning(t("data.rollback_ask", file=i18n.plain(row["file_name"]),
                             quarters=named.quarters_of(pending, lang=lang, in_force=True), rows=int(row["rows"]),
                             beneficiaries=int(row["beneficiaries"]), when=i18n.moment(row["created_at"], lang=lang),
                             who=i18n.plain(row["uploader"])))
            yes, no, _ = st.columns([2, 1, 3])
            yes.button(t("data.remove_sample_yes" if row["is_sample"] else "data.rollback_yes"), type="primary",
                       key="rollback_yes", on_click=roll_back, args=(pending,), kwargs={"named": named, "lang": lang})
            no.button(t("data.cancel"), key="rollback_no", on_click=ask, args=(None,))

st.markdown(f"#### {t('data.coverage', period=period.label(lang=lang))}")
table = coverage(*state.data_key(), period.key, lang)
if table.is_empty():
    st.success(t("coverage.all_good"))
else:  # the count of entrepreneurs in the user's digits, sorting as a number (render.dataframe)
    render.dataframe(table.select(pl.col("upazila").alias(t("col.upazila")), pl.col("union").alias(t("col.union")),
                                  pl.col("problem").alias(t("col.problem")),
                                  pl.col("active_entrepreneurs").alias(t("col.active_entrepreneurs"))),
                     hide_index=True)

if staff:
    decided = store.decisions()
    gaz, catalogue = resources.gazetteer(), load_catalogue()
    st.markdown(f"#### {t('data.decisions')}")
    if decided.is_empty():
        st.caption(t("data.no_decisions"))
    else:
        st.dataframe({
            t("upload.col_written"): decided["value"].to_list(),
            t("upload.col_matched"): [D.label(k, c, lang=lang, gazetteer=gaz, catalogue=catalogue) if c
                                      else t("upload.not_known", kind=t(f"ingest.kind.{k}"))
                                      for k, c in decided.select("kind", "code").iter_rows()],
            t("data.decided_by"): decided["actor"].to_list(),
        }, hide_index=True)
        with st.form("withdraw_decision"):
            labels = dict(zip(decided["decision_id"].to_list(), decided["value"].to_list()))
            chosen = st.selectbox(t("data.withdraw_choose"), list(labels), key="w_withdraw", index=None,
                                  placeholder=t("data.withdraw_pick"), format_func=lambda d: labels[d])
            if st.form_submit_button(t("data.withdraw"), type="secondary") and chosen is not None:
                if not access.can_change_data():
                    st.error(t("auth.staff_only"))
                    st.stop()
                version = store.withdraw_decision(chosen, actor=access.actor())
                st.session_state[FLASH] = ("success", t("data.withdrawn", value=i18n.plain(labels[chosen]),
                                                        version=version))
                st.rerun()

    # what the upload page was taught a heading means: seen, and forgotten when it was a wrong choice
    remembered = store.header_mappings()
    st.markdown(f"#### {t('data.mappings')}")
    if not remembered:
        st.caption(t("data.no_mappings"))
    else:
        st.dataframe({t("data.mapping_heading"): [i18n.plain(h) for h in remembered],
                      t("data.mapping_field"): [t(f"ingest.field.{f}") for f in remembered.values()]}, hide_index=True)
        with st.form("forget_mapping"):
            heading = st.selectbox(t("data.forget_choose"), list(remembered), key="w_forget", index=None,
                                   placeholder=t("data.forget_pick"), format_func=i18n.plain)
            if st.form_submit_button(t("data.forget"), type="secondary") and heading is not None:
                if not access.can_change_data():
                    st.error(t("auth.staff_only"))
                    st.stop()
                store.forget_headers([heading], actor=access.actor())
                st.session_state[FLASH] = ("success", t("data.forgotten", heading=i18n.plain(heading)))
                st.rerun()

    st.markdown(f"#### {t('data.audit')}")
    render.dataframe(views.audit_table(
        store.changes(), lang=lang, uploads=uploads, quarters=quarters,
        name_of=lambda kind, code: D.label(kind, code, lang=lang, gazetteer=gaz, catalogue=catalogue)),
        hide_index=True)
    st.caption(t("data.provenance"))
