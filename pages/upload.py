"""Upload: a quarterly log file in, checked, previewed, then stored on confirmation.

Only signed-in uploaders and admins get past the first lines of this page: the check runs
on the server before any upload control is drawn or any data is written.
"""

import polars as pl
import streamlit as st

from analytics import i18n, mappings, metrics, views
from analytics.headers import FIELDS
from analytics.ingest import Limits, ingest_bytes, sheet_names
from analytics.periods import quarter
from analytics.services import ServiceResolver, load_catalogue
from analytics.store import content_hash, new_upload_id
from pages import common

common.guard()

t = common.t
state = common.state()
lang = state.lang
st.title(t("upload.title"))
if flash := st.session_state.pop("_upload_flash", None):
    st.success(flash)
if not common.can_change_data():
    st.warning(t("auth.staff_only"))
    st.stop()

store = common.store()
mapping_file = store.directory.parent / "header-mappings.json"


@st.cache_resource
def resolvers():
    return common.gazetteer(), ServiceResolver(load_catalogue())


st.caption(t("upload.help"))
uploaded = st.file_uploader(t("upload.choose"), type=["csv", "xlsx", "xls", "txt"], key="w_file")
if uploaded is None:
    st.stop()
data = uploaded.getvalue()
digest = content_hash(data)
existing = store.find_by_hash(digest)
if existing:
    st.info(t("upload.duplicate", upload=existing))
    st.stop()

sheets = sheet_names(data, file_name=uploaded.name) if uploaded.name.lower().endswith((".xlsx", ".xls")) else []
sheet = st.selectbox(t("upload.sheet"), [None] + sheets, format_func=lambda s: t("upload.sheet_auto") if s is None else s,
                     key="w_sheet") if len(sheets) > 1 else None
quarters = [None] + [quarter(fy, q) for fy in range(2021, 2027) for q in (1, 2, 3, 4)]
period = st.selectbox(t("upload.quarter"), quarters, key="w_quarter",
                      format_func=lambda p: t("upload.any_quarter") if p is None else p.label(lang=lang))

remembered = mappings.load(mapping_file)
gaz, services = resolvers()
key = ("ingest", digest, sheet, period.key if period else None, tuple(sorted(remembered.items())), lang)
if st.session_state.get("_ingest_key") != key:
    st.session_state["_ingest_key"] = key
    st.session_state["_ingest"] = ingest_bytes(
        data, file_name=uploaded.name, upload_id=new_upload_id(), lang=lang, period=period, sheet=sheet,
        mapping=remembered, limits=Limits(), gazetteer=gaz, services=services)
result = st.session_state["_ingest"]

if result.unmapped:
    st.markdown(f"#### {t('upload.map_headers')}")
    with st.form("mapping"):
        choices = {header: st.selectbox(header, [None, *FIELDS], key=f"map-{header}",
                                        format_func=lambda f: t("upload.ignore_column") if f is None else f)
                   for header in result.unmapped}
        if st.form_submit_button(t("upload.remember_mapping")):
            mappings.remember(mapping_file, {h: f for h, f in choices.items() if f})
            st.rerun()

st.markdown(f"#### {t('upload.preview')}")
cols = st.columns(4)
cols[0].metric(t("upload.rows_read"), i18n.number(result.rows_read, lang=lang))
cols[1].metric(t("upload.rows_accepted"), i18n.number(result.frame.height, lang=lang))
cols[2].metric(t("upload.problems"), i18n.number(result.problems.height, lang=lang))
cols[3].metric(t("upload.shape"), t(f"upload.shape_{result.shape}"))
details = [t("upload.encoding", encoding=result.encoding)] if result.encoding else []
if result.sheet:
    details.append(t("upload.sheet_used", sheet=result.sheet))
st.caption(" · ".join(details))
if result.dropped_pii:
    st.info(t("upload.pii_dropped", columns=", ".join(result.dropped_pii)))

if result.problems.height:
    st.error(t("upload.has_problems"))
    st.dataframe(result.problems.head(5000).select(
        pl.col("row").alias(t("upload.col_row")), pl.col("column").alias(t("upload.col_column")),
        pl.col("value").alias(t("upload.col_value")), pl.col("message").alias(t("upload.col_message"))),
        hide_index=True, column_config={t("upload.col_message"): st.column_config.TextColumn(width="large")})
    if result.rejected.height:
        st.download_button(t("upload.download_rejected"), result.rejected_csv(lang=lang),
                           f"{uploaded.name.rsplit('.', 1)[0]}-problems.csv", "text/csv")
if not result.ok:
    st.stop()

stored_quarters = set(store.quarters_with_data())
file_quarters = [quarter(fy, fq) for fy, fq in
                 metrics.periods_available(result.frame.lazy()).select("fy", "fq").iter_rows()]
overlap = [q for q in file_quarters if q in stored_quarters]
mode = "add"
if overlap:
    st.warning(t("upload.quarter_has_data", quarters=", ".join(q.label(lang=lang) for q in overlap)))
    mode = st.radio(t("upload.mode"), ["add", "replace"], format_func=lambda m: t(f"upload.mode_{m}"),
                    key="w_mode", horizontal=True)

impact = views.upload_impact(common.scan(store.version(), False), result.frame, gaz, mode=mode, lang=lang)
st.markdown(f"#### {t('upload.impact')}")
st.dataframe(impact.rename({"upazila": t("col.upazila"), "stored": t("upload.stored_now"),
                            "incoming": t("upload.in_file"), "after": t("upload.after")}), hide_index=True)
if result.problems.height:
    st.caption(t("upload.partial", accepted=result.frame.height, rejected=result.rejected.height))
if st.button(t("upload.confirm"), type="primary", key="confirm"):
    if not common.can_change_data():  # re-checked at the moment of writing
        st.error(t("auth.staff_only"))
        st.stop()
    stored = store.commit(result.frame, file_name=uploaded.name, content_hash=digest, uploader=common.actor(),
                          mode=mode, upload_id=result.frame["upload_id"][0])
    st.session_state.pop("_ingest_key", None)
    # rerun so the sidebar (drawn before this page) offers the new periods at once
    st.session_state["_upload_flash"] = (t("upload.duplicate", upload=stored.upload_id) if stored.status == "duplicate"
                                         else t("upload.stored", upload=stored.upload_id, rows=stored.rows,
                                                version=store.version()))
    st.rerun()
