"""Problems found in an upload: codes, messages in both languages, duplicates, rejected rows.

A *problem* is one thing wrong with the file (``row`` null) or with one cell of one row.
Checks in :mod:`analytics.ingest.pipeline` produce problems as frames with the columns of
:data:`RAW_SCHEMA`: the cell ``value`` as written plus ``params`` (JSON) with whatever the
message needs (closest names, the chosen period ...). :func:`with_messages` renders each
distinct (code, column, params) once per language and pastes the value in vectorised, so a
million identical problems cost one rendering.

The rejected rows go back to the user as a CSV (:func:`rejected_csv_bytes`): UTF-8 with a BOM
so Excel shows Bengali, the original columns plus the row number and the problem, with
every cell that a spreadsheet would run as a formula made inert by a leading apostrophe.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

import polars as pl

from analytics.i18n import LANGS, bn_digits, day, number, t, taka
from analytics.ingest import limits as L
from analytics.ingest import values as V
from analytics.ingest.readers import BLANK_HEADING
from analytics.reference.periods import Period, fiscal_columns

#: Problems that reject the whole file (nothing is accepted).
FILE_CODES = ("empty_file", "header_only", "unreadable", "file_too_large", "too_many_rows", "no_columns",
              "missing_column", "duplicate_column", "ambiguous_sheet", "sheet_not_found", "bad_mapping",
              "password_protected", "mixed_encoding", "date_order_conflict", "date_order_unclear", "month_order_unclear",
              "too_large_to_read", "dates_swapped_by_excel", "date_order_spread", "bijoy_text",
              "count_column_unread", "second_table", "fee_total_unclear", "months_as_columns", "services_as_columns",
              "entrepreneurs_as_columns", "letters_lost", "too_many_names", "unclosed_quote", "fee_in_thousands", "date_cells_spread")
#: Whole-file problems nothing on the upload page can answer: the file must be saved, or chosen,
#: again (the page says so first, and asks nothing about the file's columns or names).
UNUSABLE_CODES = ("empty_file", "header_only", "unreadable", "file_too_large", "too_many_rows", "password_protected",
                  "mixed_encoding", "too_large_to_read", "bijoy_text", "letters_lost", "months_as_columns", "services_as_columns",
                  "entrepreneurs_as_columns", "too_many_names", "unclosed_quote", "fee_in_thousands")
#: Sheets a message names (a workbook may hold thousands).
MAX_SHEETS_NAMED = 12
#: Problems that reject one row.
ROW_CODES = ("missing_value", "bad_date", "date_out_of_period", "date_in_future", "bad_month",
             "unknown_union", "ambiguous_union", "union_not_in_upazila", "unknown_upazila", "ambiguous_upazila",
             "unknown_service", "service_channel_mismatch", "bad_channel", "bad_gender",
             "fee_not_number", "fee_decimal_comma", "fee_decimals", "fee_negative", "front_desk_fee",
             "count_not_number", "count_not_positive", "udc_without_entrepreneur", "formula", "markup",
             "total_row", "too_many_cells", "date_too_early", "fee_implausible", "count_too_large",
             "duplicate_reference", "refused_service", "refused_union", "refused_upazila", "value_too_long",
             "note_row", "excel_error", "not_calculated", "header_row", "month_heading", "summary_table",
             "id_rounded", "layout_row", "date_stray", "damaged", "gender_conflict", "nothing_served",
             "nothing_recorded")
PROBLEM_CODES = FILE_CODES + ROW_CODES
#: Row problems that leave a row out on purpose without refusing the file: a total row, a note
#: or signature line under the table, and rows whose name staff decided is not a known service or place.
NOTE_CODES = ("total_row", "note_row", "header_row", "refused_service", "refused_union", "refused_upazila",
              "month_heading", "summary_table", "layout_row", "nothing_served", "nothing_recorded")

RAW_SCHEMA: dict[str, pl.DataType] = {"row": pl.Int32(), "column": pl.String(), "code": pl.String(),
                                      "value": pl.String(), "params": pl.String()}
PROBLEM_SCHEMA: dict[str, pl.DataType] = {"file": pl.String(), "sheet": pl.String(), "row": pl.Int32(),
                                          "column": pl.String(), "code": pl.String(), "value": pl.String(),
                                          "message": pl.String()}
_VALUE = "\x00value\x00"  # stands for the cell value in a rendered message
LIST_SEPARATOR = {"en": ", ", "bn": ", "}


@dataclass(frozen=True)
class Namer:
    """Names for codes in messages: places (P-codes) and services, in either language."""

    place: Callable[[str, str], str]  # (pcode, lang) -> name
    service: Callable[[str, str], str]  # (service_code, lang) -> name

    @staticmethod
    def plain() -> "Namer":
        return Namer(place=lambda code, lang: code, service=lambda code, lang: code)


def empty_raw() -> pl.DataFrame:
    return pl.DataFrame(schema=RAW_SCHEMA)


def empty_problems() -> pl.DataFrame:
    return pl.DataFrame(schema=PROBLEM_SCHEMA)


def file_problem(code: str, *, column: str | None = None, value: str | None = None, **params: object) -> dict:
    """One whole-file problem as a :data:`RAW_SCHEMA` row."""
    assert code in FILE_CODES, code
    return {"row": None, "column": column, "code": code, "value": value,
            "params": json.dumps(params, ensure_ascii=False, default=str) if params else None}


def row_problems(frame: pl.LazyFrame, code: str, when: pl.Expr, *, column: str | None,
                 value: pl.Expr | None = None, params: pl.Expr | None = None, row: str = "__row") -> pl.LazyFrame:
    """The rows of ``frame`` where ``when`` holds, as problems of ``code`` in ``column``."""
    assert code in ROW_CODES, code
    return frame.filter(when.fill_null(False)).select(
        pl.col(row).cast(pl.Int32).alias("row"), pl.lit(column, dtype=pl.String).alias("column"),
        pl.lit(code).alias("code"),
        (value if value is not None else pl.lit(None)).cast(pl.String).alias("value"),
        (params if params is not None else pl.lit(None)).cast(pl.String).alias("params"),
    )


def _names(codes: Iterable[str], name: Callable[[str, str], str], lang: str) -> str:
    return LIST_SEPARATOR[lang].join(dict.fromkeys(name(code, lang) for code in codes))


def size_text(size: int, lang: str) -> str:
    """A byte count for people: "62.5 MB", "300 KB", "120 bytes" (Bengali units and digits in bn)."""
    for unit, scale in (("mb", 1_000_000), ("kb", 1_000), ("bytes", 1)):
        if size >= scale or unit == "bytes":
            amount = f"{size / scale:.1f}".removesuffix(".0") if scale > 1 else str(size)
            return t(f"ingest.size_{unit}", lang, amount=bn_digits(amount) if lang == "bn" else amount)
    raise AssertionError


def render(code: str, lang: str, *, column: str | None, params: dict, namer: Namer) -> str:
    """The message of one problem in ``lang``; the cell value appears as a placeholder token."""
    values: dict[str, object] = {"value": _VALUE, "column": heading_text(column or "", lang)}
    for key, item in params.items():  # (a file's headings, 60,000 characters of one, quoted back in part)
        values[key] = [heading_text(h, lang) for h in item] if key == "headers" and isinstance(item, list) \
            else _echoed(item)
    places = params.get("candidates", [])
    if code in ("unknown_union", "unknown_upazila", "unknown_service"):
        name = namer.service if code == "unknown_service" else namer.place
        values["closest"] = t("ingest.closest", lang, names=_names(places, name, lang)) if places else ""
        within = params.get("within")
        values["within"] = t("ingest.within_upazila", lang, upazila=namer.place(within, lang)) if within else ""
    elif code in ("ambiguous_union", "ambiguous_upazila"):
        values["names"] = LIST_SEPARATOR[lang].join(
            t("ingest.union_in_upazila", lang, union=namer.place(p, lang), upazila=namer.place(parent, lang))
            if parent else namer.place(p, lang)
            for p, parent in zip(places, params.get("parents", [None] * len(places))))
    elif code == "union_not_in_upazila":
        values["upazila"] = namer.place(params["upazila"], lang)
        values["actual"] = namer.place(params["actual"], lang)
        if params.get("decided"):  # a staff decision made the name another upazila's union
            values["decided"] = namer.place(params["decided"], lang)
            return t("ingest.union_decided_elsewhere", lang, **values)
    elif code == "service_channel_mismatch":
        values["service_channel"] = t(f"ingest.channel.{params['service_channel']}", lang)
        values["channel"] = t(f"ingest.channel.{params['channel']}", lang)
    elif code == "date_out_of_period":
        values["period"] = params.get(f"period_{lang}", params.get("period_en", ""))
    elif code == "date_stray":
        values["first"], values["last"] = (day(date.fromisoformat(params[k]), lang=lang) for k in ("first", "last"))
    elif code == "bad_date" and params.get("no_such_day"):  # 31/04/2024: written right, a day April has not
        return t("ingest.no_such_day", lang, **values)
    elif code == "bad_date" and params.get("order") in ("ymd", "mdy"):
        return t(f"ingest.bad_date_{params['order']}", lang, **values)
    elif code == "missing_column":
        values["field"] = t(f"ingest.field.{params['field']}", lang)
    elif code == "fee_total_unclear":
        values["row"] = number(params["row"], lang=lang)
        values["fee"], values["total_value"] = (taka(params[k], lang=lang) for k in ("fee", "total"))
        values["count"] = number(params["count"], lang=lang)
        values["product"] = taka(params["fee"] * params["count"], lang=lang)
    elif code == "months_as_columns":
        values["months"] = LIST_SEPARATOR[lang].join(params.get("months", []))
    elif code == "services_as_columns":
        values["services"] = LIST_SEPARATOR[lang].join(f"“{echo_text(n)}”" for n in params.get("services", [])[:6])
    elif code == "entrepreneurs_as_columns":
        values["headers"] = LIST_SEPARATOR[lang].join(f"“{h}”" for h in values.get("headers", [])[:6])
    elif code in ("second_table", "unclosed_quote"):
        values["row"] = number(params["row"], lang=lang)
    elif code == "duplicate_column":
        values["field"] = t(f"ingest.field.{params['field']}", lang)
        values["headers"] = LIST_SEPARATOR[lang].join(values["headers"])
    elif code in ("ambiguous_sheet", "sheet_not_found"):
        sheets = list(params.get("sheets", []))  # (a workbook of 3,000 sheets: the first few, and how many more)
        values["sheets"] = LIST_SEPARATOR[lang].join(sheets[:MAX_SHEETS_NAMED]) + (
            t("ingest.more_sheets", lang, n=number(len(sheets) - MAX_SHEETS_NAMED, lang=lang))
            if len(sheets) > MAX_SHEETS_NAMED else "")
    elif code == "bad_mapping":
        values["fields"] = ", ".join(params.get("fields", []))
    elif code == "file_too_large":
        values["size"], values["limit"] = size_text(params["size"], lang), size_text(params["limit"], lang)
    elif code == "no_columns":
        from analytics.ingest.readers import SNIFF_ROWS

        # (no heading at all among the rows looked at: the table may start further down)
        if isinstance(values.get("headers"), list):
            values["headers"] = LIST_SEPARATOR[lang].join(values["headers"])
        values["headers"] = values.get("headers") or t("ingest.no_headings_found", lang, rows=number(SNIFF_ROWS, lang=lang))
    elif code == "unreadable":
        values["detail"] = t(f"ingest.unreadable.{params.get('reason', 'damaged')}", lang)
    elif code == "too_large_to_read":
        values["detail"] = t(f"ingest.too_large.{params.get('reason', 'memory')}", lang)
    elif code == "value_too_long":
        values["limit"] = number(params["limit"], lang=lang)
    elif code == "too_many_names":
        values["count"], values["limit"] = number(params["count"], lang=lang), number(params["limit"], lang=lang)
    elif code in ("date_order_conflict", "date_order_unclear", "month_order_unclear", "dates_swapped_by_excel",
                  "date_order_spread", "date_cells_spread"):
        for key in ("rows_dmy", "rows_mdy"):
            values[key] = LIST_SEPARATOR[lang].join(number(r, lang=lang) for r in params.get(key, []))
        # (dates_swapped_by_excel: a cell's date, and as it was typed; date_order_spread: a date both ways)
        for key in ("held", "typed", "dmy", "mdy"):
            if key in params:
                values[key] = day(date.fromisoformat(params[key]), lang=lang)
        for key in ("dmy_quarters", "mdy_quarters"):
            if key in params:
                values[key] = number(params[key], lang=lang)
    elif code == "date_too_early":
        values["year"] = bn_digits(str(L.EARLIEST_YEAR)) if lang == "bn" else str(L.EARLIEST_YEAR)
    elif code == "fee_implausible":
        values["service"] = namer.service(params["service"], lang)
        values["min"], values["max"] = number(params["min"], lang=lang), number(params["max"], lang=lang)
        values["factor"] = number(L.FEE_FACTOR, lang=lang)
        people = params.get("people") or 1
        # for several people, what it comes to each (a review: "2.3 against Tk 5-10" for 3 people's Tk 2.30)
        values["people"] = t("ingest.fee_for_people", lang, people=number(people, lang=lang)) if people > 1 else ""
    elif code == "count_too_large":
        values["limit"] = number(params["limit"], lang=lang)
    elif code == "gender_conflict":
        values["first"] = number(params["first"], lang=lang)
    if code == "unreadable" and params.get("reason") == "compressed":  # (its fix is to unzip it, not Excel)
        return t("ingest.unreadable_compressed", lang, **values)
    return t(f"ingest.problem.{code}", lang, **values)


def _echoed(item: object) -> object:
    """A message's parameter as quoted back: texts (and lists of them) by :func:`echo_text`."""
    if isinstance(item, str):
        return echo_text(item)
    if isinstance(item, list):
        return [_echoed(i) for i in item]
    return item


def echo_text(text: str) -> str:
    """A file's text (a heading, a sheet's name) as quoted back to the user: at most
    :data:`analytics.ingest.limits.ECHO_CHARS` characters, as :func:`echo` quotes a cell."""
    return text if len(text) <= L.ECHO_CHARS else text[:L.ECHO_CHARS] + "…"


def heading_text(text: str, lang: str) -> str:
    """A column's heading as quoted back to the user (:func:`echo_text`); a column that has none is
    named by its position in the user's language: "column H", "কলাম H"."""
    if (blank := BLANK_HEADING.fullmatch(text)) is not None:
        position, suffix = blank.groups()
        if lang == "bn":
            position, suffix = bn_digits(position), bn_digits(suffix)
        return t("ingest.blank_heading", lang, position=position) + suffix
    return echo_text(text)


def echo(expr: pl.Expr) -> pl.Expr:
    """A cell as quoted back to the user: at most :data:`analytics.ingest.limits.ECHO_CHARS` characters,
    a control character (NUL ...) shown as �."""
    expr = expr.str.replace_all(V.CONTROL, "\ufffd")
    return pl.when(expr.str.len_chars() > L.ECHO_CHARS).then(
        expr.str.slice(0, L.ECHO_CHARS) + pl.lit("…")).otherwise(expr)


def with_messages(raw: pl.DataFrame, *, namer: Namer) -> pl.DataFrame:
    """``raw`` problems plus ``message_en`` and ``message_bn``."""
    if raw.height == 0:
        return raw.with_columns(message_en=pl.lit(None, pl.String), message_bn=pl.lit(None, pl.String))
    keys = raw.select("code", "column", "params").unique()
    rendered = {lang: [render(code, lang, column=column, params=json.loads(params) if params else {}, namer=namer)
                       for code, column, params in keys.iter_rows()] for lang in LANGS}
    keys = keys.with_columns(**{f"message_{lang}": pl.Series(texts, dtype=pl.String)
                                for lang, texts in rendered.items()})
    out = raw.join(keys, on=["code", "column", "params"], how="left", nulls_equal=True, maintain_order="left")
    # a workbook's date cell as people write dates here (day/month/year), not as the reader gives it
    value = echo(pl.col("value").str.replace(V.DATE_CELL, "${3}/${2}/${1}")).fill_null("")
    return out.with_columns(pl.col(f"message_{lang}").str.replace(_VALUE, value, literal=True) for lang in LANGS)


def free_without_fee() -> pl.Expr:
    """A UDC row of a free service (its usual fee starts at Tk 0) with no fee written: Tk 0, not a
    missing value (:func:`row_checks`; the pipeline counts them for a note)."""
    return (pl.col("channel") == "udc") & pl.col("fee").is_null() & (pl.col("fee_min_bdt") == 0).fill_null(False)


def row_checks(work: pl.DataFrame, label: dict[str, str | None], *, shape: str, period: Period | None,
               today: date, date_order: str = "dmy", fee_per_unit: bool = False) -> pl.DataFrame:
    """Every row problem of the parsed and resolved ``work`` frame (see :mod:`analytics.ingest.pipeline`), as
    :data:`RAW_SCHEMA` rows. ``label`` gives each field's header as written (None when absent).

    Rows that look like totals get only ``total_row``; front-desk rows are not checked for
    places, entrepreneurs or gender (those are not kept for them). ``fee_per_unit``: the fee column
    holds one person's fee (``fee_v`` is already it times the count), as an implausible fee's message says.
    """
    # a summary's row of a service no one was given (its count 0 or empty, and no fee): a form that lists
    # every service each month, left out and noted, not refused for a count to fill in
    row = ~pl.col("is_total") & pl.col("extra").is_null()
    free = (pl.col("fee_v").fill_null(0) == 0) & pl.col("fee_problem").is_null() if "fee_v" in work.columns \
        else pl.lit(True)
    if shape == "summary" and "count_v" in work.columns:
        none = (pl.col("count_problem") == "count_not_positive") | (
            pl.col("count_problem").is_null() & pl.col("beneficiaries").is_null())
        nothing = (row & none & free).fill_null(False)
    elif "count_v" in work.columns:  # a daily form's row of a service no one was given that day: written 0, no fee
        nothing = (row & (pl.col("count_v") == 0) & free).fill_null(False)
    else:
        nothing = pl.lit(False)
    # a line of the register that names no service and has no number or fee written (a day's line left
    # empty, "weekly holiday" in its remarks): it records no delivery. Left out and noted, its rows named
    # (its day, if written, a day: a line of text in the date column is a bad date, not a register's line)
    empty = lambda f: pl.col(f).is_null() if f in work.columns else pl.lit(True)  # noqa: E731
    read = lambda f, v: empty(f) | pl.col(v).is_not_null() if v in work.columns else pl.lit(True)  # noqa: E731
    blank = (row & ~nothing & empty("service") & empty("beneficiaries") & empty("fee") & read("date", "date_v")
             & read("month", "month_start")).fill_null(False) \
        if label.get("service") and (label.get("beneficiaries") or label.get("fee")) else pl.lit(False)
    nothing = nothing | blank
    # a total row, a row split into more cells than headings, or a row of no one served, gets that one problem only
    checked = row & ~nothing
    udc = pl.col("channel") == "udc"
    fd = pl.col("channel") == "front_desk"
    raw = lambda f: pl.col(f"raw_{f}").cast(pl.String) if label.get(f) else pl.lit(None, pl.String)  # noqa: E731
    # (code, when, column, value, params, whether only checked rows): each check's problems are
    # made below, from the few rows where any check holds
    found: list[tuple[str, pl.Expr, str | None, pl.Expr | None, pl.Expr | None, bool]] = []
    # what is read in the one pass over every row: each check's condition, but for checks of a column
    # of codes (a fee's problem ...) the one condition that the row has a code at all
    holds: list[pl.Expr] = []

    def check(code: str, when: pl.Expr, f: str | None, *, value: pl.Expr | None = None,
              params: pl.Expr | None = None, held: bool = False) -> None:
        column = label.get(f) if f else None
        if value is None and f:
            value = raw(f)
        found.append((code, when, column, value, params, True))
        if not held:
            holds.append(checked & when.fill_null(False))

    def codes(column: str, names: tuple[str, ...], f: str, *, scope: pl.Expr = pl.lit(True)) -> None:
        """One check per code of a column of codes, read in the pass over every row as one."""
        for name in names:
            check(name, scope & (pl.col(column) == name), f, held=True)
        holds.append(checked & scope & pl.col(column).is_not_null())

    labelled = lambda f: pl.col(f"{f}_total") | (pl.col(f"{f}_label").fill_null(False)  # noqa: E731
                                                  if f"{f}_label" in work.columns else pl.lit(False))
    total_value = pl.coalesce(*(pl.when(labelled(f)).then(raw(f))
                                for f in ("date", "month", "union", "upazila", "service", "entrepreneur_id",
                                          "entrepreneur_name", "channel", "gender") if f"{f}_total" in work.columns),
                              *(pl.col(mark).cast(pl.String) for mark in ("raw_serial", "raw_remarks")
                                if mark in work.columns))
    found.append(("total_row", pl.col("is_total"), None, total_value, None, False))
    holds.append(pl.col("is_total").fill_null(False))

    bad_text = {f: pl.col(f"{f}_bad").is_not_null()
                for f in ("upazila", "union", "service", "entrepreneur_id", "entrepreneur_name")
                if f"{f}_bad" in work.columns}
    for f in bad_text:
        # (an ID as Excel shows a long number it rounded, 1.07981E+12: its digits are lost)
        codes(f"{f}_bad", ("damaged", "excel_error", "formula", "markup") + (("id_rounded",) if f == "entrepreneur_id"
                                                                            else ()), f,
              scope=udc if f != "service" else pl.lit(True))
    ok_text = lambda f: ~bad_text[f] if f in bad_text else pl.lit(True)  # noqa: E731

    found.append(("nothing_served", nothing & ~blank, label.get("beneficiaries"),
                  pl.col("raw_beneficiaries").cast(pl.String) if label.get("beneficiaries") else None, None, False))
    # (what the blank line does say: its remarks, else its date or month)
    written = [pl.col(f"raw_{f}").cast(pl.String) for f in ("remarks", "date", "month") if f"raw_{f}" in work.columns]
    found.append(("nothing_recorded", blank, None, pl.coalesce(*written) if written else None, None, False))
    holds.append(nothing)
    found.append(("too_many_cells", ~pl.col("is_total") & pl.col("extra").is_not_null(), None, pl.col("extra"), None,
                  False))
    holds.append((~pl.col("is_total") & pl.col("extra").is_not_null()).fill_null(False))
    for f, limit in L.MAX_FIELD_CHARS.items():  # names and IDs (other long cells fail to parse anyway)
        if label.get(f):
            check("value_too_long", pl.col(f"{f}_long"), f, params=pl.lit(f'{{"limit": {limit}}}'))
    earliest = date(L.EARLIEST_YEAR, 1, 1)
    cells = [f for f in ("date", "month") if f"{f}_cell" in work.columns and label.get(f)]
    for f in cells:  # an Excel error or an uncalculated formula where a date or a month should be
        codes(f"{f}_cell", ("damaged", "excel_error", "not_calculated"), f)
    not_cell = lambda f: pl.col(f"{f}_cell").is_null() if f in cells else pl.lit(True)  # noqa: E731
    if shape == "transactions":
        check("missing_value", pl.col("date").is_null(), "date")
        # (how to write it: as the file's other dates are written, year first or month first when they are)
        order = pl.lit(None, pl.String) if date_order == "dmy" else pl.lit(f'{{"order": "{date_order}"}}')
        check("bad_date", pl.col("date").is_not_null() & pl.col("date_v").is_null() & not_cell("date"), "date",
              params=pl.when(pl.col("date_no_day")).then(pl.lit('{"no_such_day": true}')).otherwise(order)
              if "date_no_day" in work.columns else order)
        check("date_in_future", pl.col("date_v") > today, "date")
        check("date_too_early", pl.col("date_v") < earliest, "date")
        day = pl.col("date_v")
    else:
        check("missing_value", pl.col("month").is_null(), "month")
        check("bad_month", pl.col("month").is_not_null() & pl.col("month_start").is_null() & not_cell("month"), "month")
        check("date_too_early", pl.col("month_start") < earliest, "month")
        check("date_in_future", pl.col("month_start") > today, "month")
        day = pl.col("month_start")
    if period is not None:
        params = json.dumps({"period_en": period.label(lang="en"), "period_bn": period.label(lang="bn")},
                            ensure_ascii=False)
        outside = ~day.is_between(period.start, period.end) if shape == "transactions" else (
            (day > period.end) | (day.dt.month_end() < period.start))
        check("date_out_of_period", day.is_not_null() & outside, "month" if shape == "summary" else "date",
              params=pl.lit(params))

    check("missing_value", pl.col("service").is_null(), "service")
    check("unknown_service", pl.col("service_question") & ok_text("service"), "service",
          params=pl.col("service_params"))
    check("refused_service", pl.col("service_refused"), "service")
    check("bad_channel", pl.col("channel_text").is_not_null() & pl.col("channel_given").is_null(), "channel")
    check("service_channel_mismatch", pl.col("channel_given") != pl.col("svc_channel"), "service",
          params=pl.format('{{"service_channel": "{}", "channel": "{}"}}', pl.col("svc_channel"),
                           pl.col("channel_given")))

    check("missing_value", udc & pl.col("union").is_null(), "union")
    for code in ("unknown_union", "ambiguous_union", "union_not_in_upazila"):
        check(code, udc & (pl.col("union_problem") == code) & ok_text("union") & (
            pl.col("upazila_status").fill_null("ok") == "ok"), "union", params=pl.col("union_params"))
    check("unknown_upazila", udc & (pl.col("upazila_status") == "unknown") & ok_text("upazila"), "upazila",
          params=pl.col("upazila_params"))
    check("refused_upazila", udc & (pl.col("upazila_status") == "refused"), "upazila")
    check("refused_union", udc & (pl.col("union_problem") == "refused_union") & (
        pl.col("upazila_status").fill_null("ok") == "ok"), "union")
    check("ambiguous_upazila", udc & (pl.col("upazila_status") == "ambiguous"), "upazila",
          params=pl.col("upazila_params"))
    if shape == "transactions" and label.get("entrepreneur_id"):  # (a log with no such column: "not known")
        check("udc_without_entrepreneur", udc & pl.col("entrepreneur_id").is_null(), "entrepreneur_id")
    check("bad_gender", udc & pl.col("gender").is_not_null() & pl.col("gender_v").is_null(), "gender")

    codes("fee_problem", ("damaged", "fee_not_number", "fee_decimal_comma", "fee_decimals", "fee_negative", "excel_error",
                          "not_calculated"), "fee")
    check("missing_value", udc & pl.col("fee").is_null() & ~free_without_fee(), "fee")
    check("front_desk_fee", fd & (pl.col("fee_v") != 0), "fee")
    # plausibility (analytics.ingest.limits): the fee per person against the service's usual range
    people = pl.col("count_v").fill_null(1).clip(lower_bound=1)
    per_person = pl.col("fee_v") / people
    ceiling = L.MAX_BENEFICIARIES[shape if shape in L.MAX_BENEFICIARIES else "transactions"]
    check("fee_implausible", udc & (pl.col("svc_channel") == "udc") & pl.col("fee_v").is_not_null()
          & (pl.col("count_v").fill_null(1) <= ceiling) & (
        (per_person > pl.col("fee_max_bdt") * 100 * L.FEE_FACTOR)
        | ((per_person > 0) & (per_person * L.FEE_FACTOR < pl.col("fee_min_bdt") * 100))), "fee",
        params=pl.format('{{"service": "{}", "min": {}, "max": {}, "people": {}}}', pl.col("service_code"),
                         pl.col("fee_min_bdt"), pl.col("fee_max_bdt"),
                         pl.lit(1) if fee_per_unit else pl.col("count_v").fill_null(1)))
    codes("count_problem", ("damaged", "count_not_number", "count_not_positive", "excel_error", "not_calculated"),
          "beneficiaries")
    check("count_too_large", pl.col("count_v") > ceiling, "beneficiaries", params=pl.lit(f'{{"limit": {ceiling}}}'))
    if shape == "summary":
        check("missing_value", pl.col("beneficiaries").is_null(), "beneficiaries")
    # most rows have no problem: every check is first read in one pass, and each check's problems
    # are then made from the rows where any check holds (often none), not from every row again
    suspect = work.select(pl.any_horizontal(holds)).to_series()
    count = suspect.sum()
    if count == 0:
        return empty_raw()
    lazy = (work if count == work.height else work.filter(suspect)).lazy()  # (every row: no copy of them)
    rows = lazy.filter(checked)
    return pl.concat([row_problems(rows if only else lazy, code, when, column=column, value=value, params=params)
                      for code, when, column, value, params, only in found]).collect()


def repeated_rows(frame: pl.LazyFrame, key: list[str]) -> int:
    """How many rows repeat an earlier row exactly in the ``key`` columns (each is a delivery).

    Key columns that are all unsigned integers (the positions of the rows' raw values in their
    tables) are folded into one number per row when it fits in 64 bits: counting those is several
    times faster than counting rows of text."""
    if not key:
        return 0
    schema = frame.collect_schema()
    distinct = pl.struct(key).n_unique()
    if all(schema[c].is_unsigned_integer() for c in key):
        sizes = frame.select(pl.col(key).max().cast(pl.Int64).fill_null(0) + 1).collect().row(0)
        folded, scale = pl.lit(0, pl.UInt64), 1
        for column, size in zip(key, sizes):
            folded, scale = folded + pl.col(column).cast(pl.UInt64) * scale, scale * size
        if scale < 2**63:
            distinct = folded.n_unique()
    counts = frame.select(pl.len().alias("rows"), distinct.alias("distinct")).collect().row(0)
    return int(counts[0] - counts[1])


def repeated_reference_problems(frame: pl.LazyFrame, reference: str, *, column: str, service: str | None = None,
                                day: str | None = None, row: str = "__row") -> pl.LazyFrame:
    """Rows whose receipt or reference number an earlier row used (the first is not a problem), but
    for a row of the same day and another service (``service`` and ``day``: their columns): one
    receipt for two services paid together is no repeat.

    Receipts numbered anew each month or with each receipt book (1, 2, 3 ... 1, 2 ...) are compared
    within their own run only: a run begins where, in the rows' order, a number falls back to the
    file's first number or below (a number entered twice, 6, 6, or again later, 5, 6, 7, 6, is
    still a repeat)."""
    ref = V.clean(pl.col(reference).cast(pl.String))
    keys = {"__service": service, "__day": day}
    refs = frame.select(ref.alias("__ref"), *(V.clean(pl.col(c).cast(pl.String)).alias(name) if c else
                                              pl.lit(None, pl.String).alias(name) for name, c in keys.items()), row)
    number = V.digits(pl.col("__ref")).str.to_integer(strict=False)
    start = number.first()
    refs = refs.filter(pl.col("__ref").is_not_null()).sort(row).with_columns(
        ((number <= start) & (number < number.shift(1))).fill_null(False).cum_sum().alias("__run"))
    refs = refs.with_columns(
        pl.col(row).min().over("__ref", "__run").alias("__first_use"),
        pl.col("__day").sort_by(row).first().over("__ref", "__run").alias("__first_day"),
        pl.col(row).min().over("__ref", "__run", "__day", "__service").alias("__first_same"))
    same_day = pl.col("__day").eq_missing(pl.col("__first_day"))
    refs = refs.with_columns(pl.when(same_day).then(pl.col("__first_same")).otherwise(pl.col("__first_use"))
                             .alias("__first")).filter(pl.col(row) != pl.col("__first"))
    return refs.select(
        pl.col(row).cast(pl.Int32).alias("row"), pl.lit(column, pl.String).alias("column"),
        pl.lit("duplicate_reference").alias("code"), pl.col("__ref").alias("value"),
        pl.format('{{"first": {}}}', pl.col("__first")).alias("params"),
    )


def gender_conflicts(people: pl.DataFrame, *, column: str) -> pl.DataFrame:
    """Rows that give an entrepreneur another gender than the first row with the same ID does: an
    entrepreneur is one person (a column of the people served's gender, read as the entrepreneur's,
    alternates so). ``people``: ``row``, ``id`` (as stored), ``gender`` (as read) and ``value`` (as
    written); :data:`RAW_SCHEMA` rows (code ``gender_conflict``)."""
    people = people.filter(pl.col("id").is_not_null() & pl.col("gender").is_not_null()).sort("row")
    first = people.group_by("id").agg(pl.col("row").first().alias("first"), pl.col("gender").first().alias("usual"),
                                      pl.col("value").first().alias("other"))
    differ = people.join(first, on="id").filter(pl.col("gender") != pl.col("usual")).sort("row")
    params = pl.struct(pl.col("id").cast(pl.String), "first", pl.col("other").cast(pl.String)).struct.json_encode()
    return differ.select(pl.col("row").cast(pl.Int32), pl.lit(column, pl.String).alias("column"),
                         pl.lit("gender_conflict").alias("code"), pl.col("value").cast(pl.String),
                         params.alias("params")).cast(RAW_SCHEMA)


#: Stray dates (:func:`stray_date_problems`): looked for in files of at least this many dated rows ...
STRAY_MIN_ROWS = 20
#: ... as quarters apart from the file's main run of quarters holding at most this share of its rows
#: (or one row).
STRAY_SHARE = 0.02
#: ... or a year or more (this many quarters) away from it, holding at most :data:`STRAY_FAR_SHARE` of the
#: rows (or one row), in files of at least :data:`STRAY_FAR_MIN_ROWS` dated rows: a year typed wrong, or
#: filled in by Excel with the year it was typed in
STRAY_FAR = 4
STRAY_FAR_SHARE = 0.1
STRAY_FAR_MIN_ROWS = 10


def _quarter() -> pl.Expr:
    """The fiscal quarter of column ``date`` as one number, consecutive quarters one apart."""
    fy, fq = fiscal_columns()
    return fy.cast(pl.Int32) * 4 + fq.cast(pl.Int32)


def stray_quarters(dates: pl.Series) -> tuple[list[int], dict | None]:
    """The fiscal quarters (:func:`_quarter` numbers) of a file's dates that lie far from the rest, and the
    first and last day of the rest (``{"first", "last"}``, ISO): ``([], None)`` when there is none.
    See :func:`stray_date_problems`; read from the dates alone (the rows only when some are stray)."""
    dates = dates.drop_nulls()
    if dates.len() < min(STRAY_MIN_ROWS, STRAY_FAR_MIN_ROWS):
        return [], None
    # (counted per day first: a year has a few hundred, a file a million rows)
    days = dates.rename("date").value_counts(name="rows")
    quarters = days.group_by(_quarter().alias("q")).agg(
        pl.col("rows").sum(), pl.col("date").min().alias("first"), pl.col("date").max().alias("last")).sort("q")
    runs = quarters.with_columns((pl.col("q").diff().fill_null(1) != 1).cum_sum().alias("run"))
    runs = runs.group_by("run").agg(pl.col("rows").sum(), pl.col("q"), pl.col("first").min(), pl.col("last").max())
    if runs.height < 2:
        return [], None
    main = runs.sort("rows", descending=True).row(0, named=True)
    n = dates.len()
    away = pl.min_horizontal((pl.col("q").list.min() - max(main["q"])).abs(), (min(main["q"]) - pl.col("q").list.max()).abs())
    near = (pl.col("rows") <= max(1.0, STRAY_SHARE * n)) & (n >= STRAY_MIN_ROWS)
    far = (pl.col("rows") <= max(1.0, STRAY_FAR_SHARE * n)) & (away >= STRAY_FAR) & (n >= STRAY_FAR_MIN_ROWS)
    stray = runs.filter((pl.col("run") != main["run"]) & (near | far))
    if stray.height == 0:
        return [], None
    return stray.explode("q")["q"].to_list(), {"first": main["first"].isoformat(), "last": main["last"].isoformat()}


def stray_date_problems(dates: pl.DataFrame, *, column: str) -> pl.DataFrame:
    """Rows dated far from the rest of the file: a slip of a key ("03/01/2023" in an October-December
    file, "2013" for 2023), which would otherwise file them in a quarter of their own, and there take
    the place of the sample's published figures. ``dates``: ``row``, ``date`` (as read) and ``value``
    (as written) of the file's dated rows; :data:`RAW_SCHEMA` rows (code ``date_stray``).

    The file's quarters are taken in runs of consecutive quarters; a run that is not the largest and
    holds at most :data:`STRAY_SHARE` of the rows, or one row, is stray (a yearly log's quarters, a
    late entry of the quarter before, are one run with the rest). Files of fewer than
    :data:`STRAY_MIN_ROWS` dated rows are not judged so (a correction of a few rows, an old delivery in
    a file of its own); a run a year or more away (:data:`STRAY_FAR`) is judged from
    :data:`STRAY_FAR_MIN_ROWS` rows, holding at most :data:`STRAY_FAR_SHARE` of them."""
    far, main = stray_quarters(dates["date"])
    if not far:
        return pl.DataFrame(schema=RAW_SCHEMA)
    rows = dates.filter(_quarter().is_in(far))
    return rows.select(
        pl.col("row").cast(pl.Int32), pl.lit(column, pl.String).alias("column"), pl.lit("date_stray").alias("code"),
        pl.col("value").cast(pl.String), pl.lit(json.dumps(main)).alias("params")).cast(RAW_SCHEMA)


def neutral_text(text: str) -> str:
    """One heading or cell made inert for a spreadsheet: a leading ' before = + - @ TAB CR."""
    return "'" + text if re.match(V.FORMULA_START, text) else text


def neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix ' to text cells *and headings* a spreadsheet would run as formulas (= + - @ TAB CR first)."""
    frame = frame.rename({c: neutral_text(c) for c in frame.columns if neutral_text(c) != c})
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(V.FORMULA_START)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c))
        .alias(c)
        for c, dtype in frame.schema.items() if dtype == pl.String)


def rejected_csv_bytes(rejected: pl.DataFrame, *, lang: str) -> bytes:
    """Rejected rows as CSV bytes for Excel (UTF-8 with BOM), headings in ``lang``."""
    names = {"row": t("ingest.rejected.row", lang), "problem": t("ingest.rejected.problem", lang)}
    frame = rejected.rename({k: v for k, v in names.items() if k in rejected.columns and v not in rejected.columns})
    frame = frame.with_columns(pl.col(pl.Int32, pl.Int64).cast(pl.String))
    # a workbook's date cell, as its reader gives it ("2023-10-10 00:00:00"), as the sheet showed it:
    # day/month/year, as the file goes back in
    frame = frame.with_columns(pl.col(pl.String).str.replace(r"^(\d{4})-(\d{2})-(\d{2}) 00:00:00$", "${3}/${2}/${1}"))
    return b"\xef\xbb\xbf" + neutralise(frame).write_csv().encode("utf-8")
