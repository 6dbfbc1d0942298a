"""Upload: a quarterly log file in, checked, previewed, then stored on confirmation.

Only signed-in uploaders and admins get past the first lines of this page: the check runs
on the server before any upload control is drawn or any data is written. What the file
leaves open is asked here, once: names that could not be matched with confidence (decided
once per distinct value, kept with the data), and the order of day and month when the
dates read month-first.
"""

import polars as pl
import streamlit as st

from analytics import i18n
from analytics.ingest import decisions as D
from analytics.ingest import preview, template, validate
from analytics.ingest.digest import sheet_hash, shown_name, upload_name
from analytics.ingest.headers import FIELDS
from analytics.ingest.pipeline import (
    Limits,
    ingest_isolated,
    sheet_names_isolated,
)
from analytics.ingest.readers import ENCODING_NAMES
from analytics.ingest.validate import NOTE_CODES, UNUSABLE_CODES
from analytics.reference.periods import quarter
from analytics.reference.services import ServiceResolver, load_catalogue
from analytics.report import history, views
from analytics.store import StoreChanged, content_hash, entrepreneur_ids, new_upload_id
from pages import access, navigation, render, resources, state

navigation.guard()

t = state.t
current = state.current()
lang = current.lang
st.title(t("upload.title"))
if flash := st.session_state.pop("_upload_flash", None):
    st.success(flash)
    st.toast(flash, icon=":material/check_circle:")  # (on a phone the page stays scrolled down, the banner above out of sight)
if changed := st.session_state.pop("_upload_changed", None):
    st.warning(changed)
    st.toast(changed, icon=":material/warning:")
if not access.can_change_data():
    st.warning(t("auth.staff_only"))
    st.stop()

store = resources.store()


@st.cache_resource
def resolvers():
    return resources.gazetteer(), ServiceResolver(load_catalogue())


@st.cache_resource
def catalogue() -> pl.DataFrame:
    return load_catalogue()


def workbook_sheets(data: bytes, file_id: str, file_name: str) -> list[str]:
    """The workbook's sheets, read once per file in an isolated child (never in the app's process)."""
    held = st.session_state.get("_sheets")
    if not held or held[0] != file_id:
        held = st.session_state["_sheets"] = (file_id, sheet_names_isolated(data, file_name=file_name))
    return held[1]


@st.cache_resource
def template_bytes() -> bytes:
    return template.template_xlsx(resources.gazetteer())


def upload_limit_mb() -> int:
    """The largest file this page takes, in MB: the ingest's limit, never above Streamlit's own."""
    return max(1, min(Limits().max_bytes // 1_000_000, int(st.get_option("server.maxUploadSize"))))


def localise_uploader(limit_mb: int) -> None:
    """Streamlit draws its file uploader's texts in English, with no parameter to change them:
    in Bengali the page hides them and writes its own in their place (CSS ``::after``)."""
    if lang == "en":
        return

    def quoted(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    zone = '[data-testid="stFileUploaderDropzone"]'
    button = f'{zone} [data-testid="stBaseButton-secondary"] [data-testid="stMarkdownContainer"] p'
    hint = f'{zone} [data-testid="stFileUploaderDropzoneInstructions"] > div > span'
    drop = f"{zone} > input + div > span"  # shown only while a file is dragged over the zone
    limit = t("upload.limit", size=i18n.number(limit_mb, lang=lang)) + " • CSV, XLSX, XLS, TXT"
    st.html(f"""<style>
{button}, {hint}, {drop} {{ font-size: 0; }}
{drop}::after {{ content: {quoted(t("upload.drop_here"))}; font-size: 1rem; }}
{button}::after {{ content: {quoted(t("upload.browse"))}; font-size: 0.875rem; }}
{hint}::after {{ content: {quoted(limit)}; font-size: 0.875rem; }}
{zone} [data-testid="stFileChipName"] + div {{ display: none; }}
</style>""")


#: The choices made for one file (cleared for the next): each widget's key, and its value kept
#: apart by :func:`kept` under "_kept-" + key.
CHOICES = ("w_sheet", "w_date_order", "w_mode", "w_quarter", "w_overlap_ok")


def kept(key: str, options: list, default: int | None) -> dict:
    """``key``, ``index`` and ``on_change`` for a radio or select whose option labels are in the
    user's language. Streamlit keeps such a widget's value as its label, so a change of language
    lost the clerk's choice (the review: "replace" went back to "add"). As the sidebar's widgets
    (``pages.state.bound``), it is one widget per language; the value chosen is kept under
    "_kept-" + ``key`` (what the page reads) and set in the widget of the language shown."""
    held, widget = st.session_state.get(f"_kept-{key}"), f"{key}.{state.current().lang}"
    if held in options:
        st.session_state[widget] = held
        return {"key": widget, "on_change": lambda: st.session_state.__setitem__(f"_kept-{key}", st.session_state[widget])}
    st.session_state.pop(widget, None)
    return {"key": widget, "index": default,
            "on_change": lambda: st.session_state.__setitem__(f"_kept-{key}", st.session_state[widget])}


def forget_choices(*keys: str) -> None:
    """The choices ``keys`` (of :data:`CHOICES`) made for one file, in every language, cleared."""
    for key in keys:
        for name in [k for k in st.session_state if k == key or k == f"_kept-{key}" or k.startswith(f"{key}.")]:
            del st.session_state[name]


def name_of(kind: str, code: str | None) -> str:
    return D.label(kind, code, lang=lang, gazetteer=gaz, catalogue=catalogue())


MAX_PROBLEM_LINES = 300
PROBLEM_TABLE_HEIGHT = 560  # px; longer lists scroll inside the table


def choices_for(kind: str, suggestions: list[str]) -> list[str]:
    """The suggestions first, then every other service or place of that kind."""
    if kind == "service":
        every = catalogue()["service_code"].to_list()
    else:
        every = gaz.units.filter(pl.col("level") == kind)["pcode"].to_list()
    return list(dict.fromkeys([*suggestions, *every]))


st.caption(t("upload.help"))
st.download_button(t("template.download"), template_bytes(), template.FILE_NAME, key="template", on_click="ignore",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", icon=":material/download:")
st.caption(t("template.help", services=i18n.number(catalogue().height, lang=lang)))
localise_uploader(upload_limit_mb())
# a new key after each confirm empties the uploader: the stored file is not read (and found stored) again
# any file is taken, and one that is no log is refused in the user's language (Streamlit's own
# refusal of a file type is an English tooltip on a red mark)
uploaded = st.file_uploader(t("upload.choose"), type=None,
                            key=f"w_file-{st.session_state.get('_upload_round', 0)}", max_upload_size=upload_limit_mb())
if uploaded is None:
    st.stop()
data = uploaded.getvalue()
# what was chosen for one file (its sheet, the order of its dates, add or replace) is not the next one's
if st.session_state.get("_choices_for") != uploaded.file_id:
    forget_choices(*CHOICES)
    st.session_state["_choices_for"] = uploaded.file_id
AUTO, ANY = "", "any"  # real options, not None: a select holding None shows Streamlit's English placeholder
sheets = workbook_sheets(data, uploaded.file_id, uploaded.name) if uploaded.name.lower().endswith((".xlsx", ".xlsm", ".xls")) else []
file_hash = content_hash(data)
if next_sheet := st.session_state.pop("_next_sheet", None):
    st.session_state["w_sheet"] = next_sheet
stored_sheets = {s for s in sheets if len(sheets) > 1 and store.find_by_hash(sheet_hash(file_hash, s))}
sheet = st.selectbox(t("upload.sheet"), [AUTO] + sheets, key="w_sheet", placeholder=t("upload.sheet_auto"),
                     format_func=lambda s: t("upload.sheet_auto") if not s else t("upload.sheet_stored", sheet=s)
                     if s in stored_sheets else s) or None if len(sheets) > 1 else None
digest = file_hash if sheet is None else sheet_hash(file_hash, sheet)  # each sheet chosen of a workbook is an upload of its own
existing = store.find_by_hash(digest)
if existing:
    stored_as = store.uploads().filter(pl.col("upload_id") == existing)
    if stored_as.height:  # the file as the clerk knows it: its name, when and by whom, not an upload ID
        name, when, by = stored_as.select("file_name", "created_at", "uploader").row(0)
        st.info(t("upload.duplicate_named", file=i18n.plain(name), when=i18n.moment(when, lang=lang),
                  uploader=i18n.plain(history.who_label(by, lang=lang) or "–")))
    else:
        st.info(t("upload.duplicate", upload=existing))
    st.stop()
quarters = [ANY] + [quarter(fy, q) for fy in range(2021, 2027) for q in (1, 2, 3, 4)]
period = st.selectbox(t("upload.quarter"), quarters, placeholder=t("upload.any_quarter"),
                      format_func=lambda p: t("upload.any_quarter") if p == ANY else p.label(lang=lang),
                      **kept("w_quarter", quarters, 0))
period = None if period == ANY else period
date_order = st.session_state.get("_kept-w_date_order")

remembered = store.header_mappings()
gaz, services = resolvers()
version = store.version()  # decisions change it: the file is checked again with them
key = ("ingest", digest, sheet, period.key if period else None, tuple(sorted(remembered.items())), lang, date_order,
       version)
if st.session_state.get("_ingest_key") != key:
    st.session_state["_ingest_key"] = key
    st.session_state["_ingest"] = ingest_isolated(  # in a child process: no file can take the app down
        data, file_name=shown_name(uploaded.name), upload_id=new_upload_id(), lang=lang, period=period, sheet=sheet,
        mapping=remembered, limits=Limits(), date_order=date_order, decisions=store.decisions().select(list(D.SCHEMA)),
        known_ids=entrepreneur_ids(store))  # (an ID in another spelling of one stored: kept as stored)
result = st.session_state["_ingest"]
# a file no answer here can make readable (a PDF, letters lost, a password): that alone, first
unusable = result.problems.filter(pl.col("row").is_null() & pl.col("code").is_in(UNUSABLE_CODES))
for message in unusable["message"]:
    st.error(i18n.plain(message), icon=":material/warning:")
if unusable.height:
    st.stop()
if (result.problems["code"] == "ambiguous_sheet").any():  # nothing wrong: a sheet to choose, above
    st.info(t("upload.choose_sheet", sheets=", ".join(map(i18n.plain, result.log_sheets or sheets))))
    st.stop()

for total, parts in result.totals_used().items():  # known columns, left out for their total: nothing to name
    st.caption(t("upload.beside_total", columns=", ".join(i18n.plain(validate.heading_text(p, lang)) for p in parts),
                  total=i18n.plain(validate.heading_text(total, lang))))
if result.unmapped:
    st.markdown(f"#### {t('upload.map_headers')}")
    if result.counts_rows_as_one:
        st.warning(t("upload.no_count_column"))
    with st.form("mapping"):
        choices = {header: st.selectbox(i18n.plain(validate.heading_text(header, lang)), [None, *FIELDS], key=f"map-{header}",
                                        placeholder=t("upload.ignore_column"),
                                        format_func=lambda f: t("upload.ignore_column") if f is None
                                        else t(f"ingest.field.{f}"))
                   for header in result.unmapped}
        if st.form_submit_button(t("upload.remember_mapping")):
            store.remember_headers({h: f for h, f in choices.items() if f}, actor=access.actor())
            st.rerun()

if result.counts_rows_as_one and not result.unmapped:  # (with columns to map, the warning above says it)
    st.info(t("upload.counted_as_one"))

if result.date_readings.height or date_order:
    st.markdown(f"#### {t('upload.date_order_title')}")
    st.caption(t("upload.date_order_help"))
    if result.date_readings.height:
        st.table({t("upload.date_as_written"): result.date_readings["text"].to_list(),
                  t("upload.date_dmy"): [i18n.day(d, lang=lang) if d else "—" for d in result.date_readings["dmy"]],
                  t("upload.date_mdy"): [i18n.day(d, lang=lang) if d else "—" for d in result.date_readings["mdy"]]})
    st.radio(t("upload.date_order_choice"), ["dmy", "mdy"], horizontal=True,
             format_func=lambda o: t(f"upload.date_{o}"), **kept("w_date_order", ["dmy", "mdy"], None))

st.markdown(f"#### {t('upload.preview')}")
cols = st.columns(4)
cols[0].metric(t("upload.rows_read"), i18n.number(result.rows_read, lang=lang))
cols[1].metric(t("upload.rows_accepted"), i18n.number(result.frame.height, lang=lang))
refusing = result.problems.filter(~pl.col("code").is_in(NOTE_CODES))
cols[2].metric(t("upload.problems"), i18n.number(
    result.problem_total - (result.problems.height - refusing.height), lang=lang))
cols[3].metric(t("upload.shape"), t(f"upload.shape_{result.shape}"))
people, fees = result.frame.select(pl.col("beneficiaries").cast(pl.Int64).sum(), pl.col("fee_paisa").sum()).row(0)
if result.frame.height:  # (nothing accepted: nothing to check against the sheet's totals)
    st.markdown(t("upload.accepted_totals", people=int(people or 0), fee=i18n.taka(int(fees or 0), lang=lang)))
# (the encoding is said only when it is not the usual UTF-8: then the clerk may need to know)
details = ([t("upload.encoding", encoding=ENCODING_NAMES.get(result.encoding, result.encoding))]
           if result.encoding not in (None, "utf-8", "utf-8-sig") else [])
if result.sheet:
    details.append(t("upload.sheet_used", sheet=i18n.plain(result.sheet)))
st.caption(" · ".join(details))
if result.dropped_pii:
    st.info(t("upload.pii_dropped", columns=", ".join(i18n.plain(validate.heading_text(h, lang)) for h in result.dropped_pii)))
if result.timestamp_column:
    st.info(t("upload.timestamp", column=i18n.plain(validate.heading_text(result.timestamp_column, lang))))
if result.fee_per_unit:
    st.info(t("upload.fee_per_unit", column=i18n.plain(validate.heading_text(next(h for h, f in result.columns.items() if f == "fee"), lang))))
if result.total_differs:
    st.warning(t("upload.total_differs", **result.total_note(lang=lang)))
if result.free_without_fee:
    st.info(t("upload.free_fee", rows=result.free_without_fee))
if sheet is None and result.other_log_sheets:  # chosen for the clerk: the others named
    st.info(t("upload.other_sheets", sheet=i18n.plain(validate.echo_text(result.sheet)),
              sheets=", ".join(f"“{i18n.plain(validate.echo_text(s))}”" for s in result.other_log_sheets[:12])))
if result.count_from_parts:
    st.info(t("upload.count_from_parts", rows=i18n.number(result.count_from_parts, lang=lang),
              total=i18n.plain(validate.heading_text(result.count_total_column, lang)),
              parts=" + ".join(f"“{i18n.plain(validate.heading_text(h, lang))}”" for h in result.count_parts_summed)))
if result.count_blank_rows:
    st.info(t("upload.count_blank", rows=i18n.number(result.count_blank_rows, lang=lang)))
if result.unnamed_udc_rows:
    st.info(t("upload.unnamed", rows=result.unnamed_udc_rows))
if result.ditto:
    st.info(t("upload.ditto", **result.ditto_note(lang=lang)))
if result.id_spellings.height:
    st.info(t("upload.id_spellings", spellings=result.id_spellings_note(lang=lang)))
if result.repeated_rows:
    st.caption(t("upload.repeated", rows=i18n.number(result.repeated_rows, lang=lang)))
left_out = result.problems.height - refusing.height
if left_out:
    st.caption(t("upload.left_out", rows=i18n.number(left_out, lang=lang)))

if result.questions.height:
    st.markdown(f"#### {t('upload.names_title')}")
    waiting = result.questions.select(pl.col("rows").sum(), pl.col("beneficiaries").sum()).row(0)
    st.warning(t("upload.names_waiting", rows=i18n.number(waiting[0], lang=lang),
                 people=i18n.number(waiting[1], lang=lang)))
    with st.form("decide"):
        answers = {}
        for i, (kind, value, rows, people, suggestions) in enumerate(result.questions.head(60).iter_rows()):
            label = t("upload.name_question", kind=t(f"ingest.kind.{kind}"), value=i18n.plain(value),
                      rows=i18n.number(rows, lang=lang), people=i18n.number(people, lang=lang))
            options = [None, *choices_for(kind, suggestions), D.NONE]
            if suggestions:
                label += " · " + t("upload.suggested", names="; ".join(name_of(kind, c) for c in suggestions))
            answers[(kind, value)] = st.selectbox(
                label, options, key=f"decide-{digest[:8]}-{i}", placeholder=t("upload.undecided"),
                format_func=lambda c, k=kind: (t("upload.undecided") if c is None else
                                               t("upload.not_known", kind=t(f"ingest.kind.{k}")) if c == D.NONE
                                               else name_of(k, c)))
        if st.form_submit_button(t("upload.save_decisions"), type="primary"):
            chosen = [D.make(kind, value, code) for (kind, value), code in answers.items() if code is not None]
            if chosen and access.can_change_data():
                st.session_state["_upload_flash"] = t("upload.decisions_saved",
                                                      version=store.decide(chosen, actor=access.actor()))
                st.rerun()

if result.matches.height:
    st.markdown(f"#### {t('upload.matches_title')}")
    st.caption(t("upload.matches_help"))
    st.dataframe({
        t("upload.col_written"): result.matches["value"].to_list(),
        t("upload.col_matched"): [name_of(k, c) if c else t("upload.not_known", kind=t(f"ingest.kind.{k}"))
                                  for k, c in result.matches.select("kind", "code").iter_rows()],
        t("upload.col_how"): [t(f"upload.how_{h}") for h in result.matches["how"]],
        t("upload.col_rows"): [i18n.number(v, lang=lang) for v in result.matches["rows"]],
        t("upload.col_people"): [i18n.number(v, lang=lang) for v in result.matches["beneficiaries"]],
    }, hide_index=True)
    with st.expander(t("upload.overrule")), st.form("overrule"):
        changes = {}
        for i, (kind, value, code, how, rows, people) in enumerate(result.matches.iter_rows()):
            options = choices_for(kind, [code] if code else []) + [D.NONE]
            changes[(kind, value, code)] = st.selectbox(
                i18n.plain(value), options, index=options.index(code) if code in options else len(options) - 1,
                key=f"overrule-{digest[:8]}-{i}",
                format_func=lambda c, k=kind: (t("upload.not_known", kind=t(f"ingest.kind.{k}")) if c == D.NONE
                                               else name_of(k, c)))
        if st.form_submit_button(t("upload.save_decisions")):
            chosen = [D.make(kind, value, new) for (kind, value, old), new in changes.items()
                      if new != (old or D.NONE)]
            if chosen and access.can_change_data():
                st.session_state["_upload_flash"] = t("upload.decisions_saved",
                                                      version=store.decide(chosen, actor=access.actor()))
                st.rerun()

whole_file = refusing.filter(pl.col("row").is_null())
for message in whole_file["message"]:
    st.error(i18n.plain(message), icon=":material/warning:")  # escaped: a heading of the file can be in the message
row_problems = refusing.filter(pl.col("row").is_not_null())
if period and not result.frame.height and row_problems.height and (row_problems["code"] == "date_out_of_period").all():
    # every row outside the quarter chosen: one sentence, not a line per date
    st.error(t("upload.all_outside", period=period.label(lang=lang)))
if row_problems.height:
    st.error(t("upload.has_problems"))
    # one line per problem (its rows listed), as a static table: a grid cell would cut the
    # "what to do" text, and with it the suggested name, at its width
    grouped = (row_problems.group_by("column", "value", "message", maintain_order=True)
               .agg(pl.col("row").sort()).sort(pl.col("row").list.first()))
    shown = grouped.head(MAX_PROBLEM_LINES)
    st.table({
        t("upload.col_rows"): [i18n.row_spans(rows, lang=lang, most=12) for rows in shown["row"]],
        t("upload.col_column"): [i18n.plain(validate.heading_text(c, lang)) if c else "" for c in shown["column"]],
        t("upload.col_value"): [i18n.plain(v) if v else "" for v in shown["value"]],
        t("upload.col_message"): [i18n.plain(m) for m in shown["message"]],
    }, hide_index=True, height=PROBLEM_TABLE_HEIGHT if shown.height > 8 else "content")
    if grouped.height > shown.height:
        st.caption(t("upload.problems_more", shown=shown.height, total=grouped.height))
    if result.rejected.height:
        st.download_button(t("upload.download_rejected"), result.rejected_csv(lang=lang),
                           f"{uploaded.name.rsplit('.', 1)[0]}-problems.csv", "text/csv")
        st.caption(t("upload.rejected_whole_file"))
if not result.ok:
    st.stop()

scan = state.rows(version, False)
samples = state.sample_uploads()
# (the sample's rows are not counted twice: a real upload takes the sample's place in its quarters)
repeats = preview.overlaps(scan.filter(~pl.col("upload_id").is_in(list(samples))), result.frame)
names = dict(store.uploads().select("upload_id", "file_name").iter_rows())
whole = repeats.filter(~pl.col("partial"))  # (some days repeated: replacing the quarters would lose the rest)
stored_quarters = set(store.quarters_with_data())
plan_add = preview.quarter_plan(scan, result.frame, mode="add", sample_uploads=samples)
strays = preview.stray_rows(result.frame)  # a date typed wrong: a row alone in another quarter
if strays.height:
    st.warning(t("upload.stray_row" if strays.height == 1 else "upload.stray_rows",
                 rows=i18n.row_spans(strays["source_row"].to_list(), lang=lang),
                 dates=", ".join(dict.fromkeys(i18n.day(d, lang=lang) for d in strays["date"].head(5))),
                 quarters=", ".join(dict.fromkeys(quarter(fy, fq).label(lang=lang) for fy, fq in
                                                  strays.select("fy", "fq").iter_rows()))))
# the uploads in force in the file's quarters besides the one it repeats: replacing would remove them too
active = store.uploads().filter(pl.col("status") == "active")["upload_id"].implode()
in_force = store.upload_quarters().filter(pl.col("replaced_by").is_null() & pl.col("upload_id").is_in(active))
others = sorted(set(in_force.join(plan_add.select(pl.col("fy", "fq").cast(pl.Int64)), on=["fy", "fq"])["upload_id"])
                - set(whole["upload_id"]) - set(samples))
for hit in repeats.iter_rows(named=True):
    key = "upload.overlap_form" if hit["form"] else "upload.overlap_days" if hit["partial"] else \
        "upload.overlap_others" if others else "upload.overlap"
    st.warning(t(key, shared=i18n.number(hit["shared_rows"], lang=lang), rows=i18n.number(result.frame.height, lang=lang),
                 upload=hit["upload_id"], file=i18n.plain(names.get(hit["upload_id"], "")),
                 first=i18n.day(hit["first"], lang=lang), last=i18n.day(hit["last"], lang=lang),
                 others=", ".join(i18n.plain(names.get(u, u)) for u in others)))
mode = "add"
if overlap := preview.quarters_with_data(plan_add):
    st.warning(t("upload.quarter_has_data", quarters=", ".join(q.label(lang=lang) for q in overlap)))
    # "replace" is offered first only where it takes the place of the upload repeated and of nothing
    # else; where both would do harm (counted twice, or other offices' uploads removed), nothing is
    # chosen until the clerk chooses
    mode = st.radio(t("upload.mode"), ["add", "replace"], format_func=lambda m: t(f"upload.mode_{m}"),
                    horizontal=True, **kept("w_mode", ["add", "replace"], (None if others else 1) if whole.height else 0))
    if mode is None:
        st.info(t("upload.choose_mode"))
        st.stop()
# deliveries already stored, added again: counted twice unless they are other deliveries alike (the
# command line refuses them without --allow-overlap); confirmed only once the clerk says so
if mode == "add" and repeats.height and not st.checkbox(t("upload.overlap_consent"), key="w_overlap_ok"):
    st.info(t("upload.overlap_blocked"))
    st.stop()

plan = preview.quarter_plan(scan, result.frame, mode=mode, sample_uploads=samples)
st.markdown(f"#### {t('upload.plan_title')}")
render.dataframe(pl.DataFrame({
    # (the quarter's short name: on a phone the long one pushed "after confirming" off the screen)
    t("upload.col_quarter"): [quarter(fy, fq).short_label(lang=lang) for fy, fq in plan.select("fy", "fq").iter_rows()],
    t("upload.stored_now"): plan["stored_beneficiaries"],
    t("upload.in_file"): plan["incoming_beneficiaries"],
    t("upload.after"): plan["after_beneficiaries"],
    t("upload.col_action"): [t(f"upload.action_{a}") for a in plan["action"]],
}), hide_index=True)
impact = views.upload_impact(scan, result.frame, gaz, mode=mode, lang=lang, sample_uploads=samples)
st.markdown(f"#### {t('upload.impact')}")
render.dataframe(impact.rename({"upazila": t("col.upazila"), "stored": t("upload.stored_now"),
                                "incoming": t("upload.in_file"), "after": t("upload.after")}), hide_index=True)
refused_rows = result.rejected.height - left_out  # (the rows with problems; notes are left out on purpose)
if refusing.height or result.questions.height:
    st.caption(t("upload.partial", accepted=result.frame.height, rejected=refused_rows))
if st.button(t("upload.confirm"), type="primary", key="confirm"):
    if not access.can_change_data():  # re-checked at the moment of writing
        st.error(t("auth.staff_only"))
        st.stop()
    try:  # only on the data the checks above were made on (another upload or rollback came between: again)
        stored = store.commit(result.frame, file_name=upload_name(uploaded.name, result.sheet, log_sheets=result.log_sheets),
                              content_hash=digest, uploader=access.actor(),
                              mode=mode, upload_id=result.frame["upload_id"][0], if_version=version)
    except StoreChanged:
        st.session_state["_upload_changed"] = t("upload.store_changed")
        st.rerun()
    st.session_state.pop("_ingest_key", None)
    forget_choices("w_date_order")
    # a workbook with a log on each of several sheets (a sheet per month): the next sheet not stored
    # yet is chosen at once, the workbook kept; otherwise the next file's sheet is chosen afresh
    rest = [s for s in result.log_sheets if sheet and s != sheet and not store.find_by_hash(sheet_hash(file_hash, s))]
    if rest:
        st.session_state["_next_sheet"] = rest[0]  # (a widget's value is set before it is drawn: next run)
    else:
        st.session_state.pop("w_sheet", None)
        st.session_state["_upload_round"] = st.session_state.get("_upload_round", 0) + 1  # an empty uploader next
    # rerun so the sidebar (drawn before this page) offers the new periods at once
    st.session_state["_upload_flash"] = (t("upload.duplicate", upload=stored.upload_id) if stored.status == "duplicate"
                                         else t("upload.stored", upload=stored.upload_id, rows=stored.rows,
                                                version=store.version())
                                         + (" " + t("upload.stored_replaced", uploads=", ".join(
                                             i18n.plain(names.get(u, u)) for u in stored.replaced if u not in samples))
                                            if set(stored.replaced) - set(samples) else "")
                                         + (" " + t("upload.stored_left_out", rejected=refused_rows)
                                            if stored.status != "duplicate" and refused_rows else "")
                                         + (" " + t("upload.next_sheet", sheet=i18n.plain(rest[0]),
                                                    sheets=", ".join(map(i18n.plain, rest))) if rest else ""))
    st.rerun()
