"""analytics.ingest.validate on its own (issue 14): problem codes and their messages in both
languages, problem rows, quoting cells back, repeated rows and receipt numbers, and the
rejected rows as an inert CSV. Small frames built here; the whole pipeline is tests/test_ingest.py."""

import csv
import io
import json
import re
import string
from datetime import date

import polars as pl
import pytest

from analytics import i18n
from analytics.ingest import limits as L
from analytics.ingest import validate as V
from analytics.ingest.validate import (
    FILE_CODES,
    NOTE_CODES,
    PROBLEM_CODES,
    RAW_SCHEMA,
    ROW_CODES,
    Namer,
    echo,
    echo_text,
    file_problem,
    heading_text,
    neutral_text,
    neutralise,
    rejected_csv_bytes,
    render,
    repeated_reference_problems,
    repeated_rows,
    row_problems,
    size_text,
    with_messages,
)
from analytics.reference.periods import quarter

BENGALI = re.compile(r"[\u0980-\u09ff]")
TOKEN = V._VALUE  # what render() leaves where the cell value goes
UNFILLED = re.compile(r"\{[^{}]*\}")

# --- a namer with names in both languages (names are the test's own, not the gazetteer's) ----

PLACES = {"BD107980": ("Nazirpur", "নাজিরপুর"), "BD107976": ("Kawkhali", "কাউখালী"),
          "BD10798086": ("Sriramkathi", "শ্রীরামকাঠী"), "BD10791411": ("Amrajuri", "আমড়াজুড়ি"),
          "BD107914": ("Bhandaria", "ভান্ডারিয়া")}
SERVICES = {"UDC002": ("Birth registration", "জন্ম নিবন্ধন")}


def _name(table: dict[str, tuple[str, str]]):
    return lambda code, lang: table[code][0 if lang == "en" else 1]


NAMER = Namer(place=_name(PLACES), service=_name(SERVICES))

#: params that make every code's message complete (the shapes the pipeline and readers give)
PARAMS = {
    "unreadable": {"reason": "renamed"}, "file_too_large": {"size": 60_000_000, "limit": 50_000_000},
    "too_many_rows": {"rows": 3_000_000, "limit": 2_000_000}, "no_columns": {"headers": "A, B"},
    "missing_column": {"field": "union"}, "duplicate_column": {"field": "fee", "headers": ["Fee", "Income"]},
    "ambiguous_sheet": {"sheets": ["Q1", "Q2"]}, "sheet_not_found": {"sheet": "X", "sheets": ["Q1", "Q2"]},
    "bad_mapping": {"field": "money", "fields": ["date", "fee"]},
    "date_out_of_period": {"period_en": quarter(2022, 1).label(lang="en"),
                           "period_bn": quarter(2022, 1).label(lang="bn")},
    "unknown_union": {"candidates": ["BD10798086"], "within": "BD107980"},
    "ambiguous_union": {"candidates": ["BD10791411", "BD10798086"], "parents": ["BD107914", None]},
    "union_not_in_upazila": {"upazila": "BD107976", "actual": "BD107980"},
    "unknown_upazila": {"candidates": ["BD107914"]}, "ambiguous_upazila": {"candidates": ["BD107914", "BD107980"]},
    "unknown_service": {"candidates": ["UDC002"]},
    "service_channel_mismatch": {"service_channel": "front_desk", "channel": "udc"},
    "date_order_conflict": {"rows_dmy": [2, 3], "rows_mdy": [5]}, "date_order_unclear": {"rows_mdy": [5]},
    "month_order_unclear": {"rows_mdy": [2, 3]},
    "date_order_spread": {"dmy": "2023-01-07", "mdy": "2023-07-01", "dmy_quarters": 4, "mdy_quarters": 1},
    "dates_swapped_by_excel": {"rows_mdy": [2, 3], "held": "2022-05-07", "typed": "2022-07-05"},
    "date_cells_spread": {"rows_mdy": [2, 3], "held": "2023-02-07", "typed": "2023-07-02", "dmy_quarters": 1,
                          "mdy_quarters": 4},
    "fee_implausible": {"service": "UDC002", "min": 50, "max": 100}, "count_too_large": {"limit": 1000},
    "duplicate_reference": {"first": 12}, "too_large_to_read": {"reason": "wide_sheet"},
    "too_many_names": {"count": 6000, "limit": 5000},
    "gender_conflict": {"id": "UDC-10797610-M", "first": 3, "other": "Male"},
    "unclosed_quote": {"row": 3},
    "fee_in_thousands": {},
    "date_stray": {"first": "2023-10-02", "last": "2023-12-30"},
    "value_too_long": {"limit": 40}, "second_table": {"row": 9},
    "fee_total_unclear": {"total_column": "Total (Tk)", "row": 3, "fee": 3000, "total": 10500, "count": 1},
    "months_as_columns": {"months": ["July", "August"]}, "services_as_columns": {"services": ["Photocopy", "Passport"]}, "entrepreneurs_as_columns": {"headers": ["Shirin (UDC-1) Qty", "Jahid (UDC-2) Qty"]},
    "password_protected": {}, "mixed_encoding": {},
}


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


# --- the codes and their strings ---------------------------------------------------------------

def test_the_code_lists_partition_the_problems():
    assert PROBLEM_CODES == FILE_CODES + ROW_CODES
    assert len(set(PROBLEM_CODES)) == len(PROBLEM_CODES)  # no code twice, none in both lists
    assert set(NOTE_CODES) <= set(ROW_CODES)  # a note leaves one row out, never the whole file


@pytest.mark.parametrize("code", sorted(set(PROBLEM_CODES) | set(NOTE_CODES)))
def test_every_code_has_its_message_in_both_languages(code):
    texts = i18n.strings()[f"ingest.problem.{code}"]
    assert texts["en"].strip() and not BENGALI.search(texts["en"].replace("“ইউনিয়ন unions”", "")
                                                       .replace("“সেবা services”", ""))
    assert BENGALI.search(texts["bn"])
    assert _placeholders(texts["en"]) == _placeholders(texts["bn"])


@pytest.mark.parametrize(("lang", "said"), [("en", "Unzip it"), ("bn", "আনজিপ করুন")])
def test_a_compressed_file_is_asked_to_be_unzipped_not_saved_again_in_excel(lang, said):
    text = render("unreadable", lang, column=None, params={"reason": "compressed"}, namer=NAMER)
    assert said in text and "Excel, save" not in text and "এক্সেলে খুলে" not in text


def test_no_message_is_left_without_a_code():
    keys = {key.removeprefix("ingest.problem.") for key in i18n.strings() if key.startswith("ingest.problem.")}
    assert keys == set(PROBLEM_CODES)


# --- file_problem ------------------------------------------------------------------------------

@pytest.mark.parametrize(("code", "given", "expected"), [
    ("empty_file", {}, {"row": None, "column": None, "code": "empty_file", "value": None, "params": None}),
    ("missing_column", {"value": "union", "field": "union"},
     {"row": None, "column": None, "code": "missing_column", "value": "union", "params": '{"field": "union"}'}),
    ("bad_mapping", {"column": "Taka", "field": "money", "fields": ["date", "fee"]},
     {"row": None, "column": "Taka", "code": "bad_mapping", "value": None,
      "params": '{"field": "money", "fields": ["date", "fee"]}'}),
    # Bengali stays readable in the JSON (not \\u escapes)
    ("sheet_not_found", {"sheet": "প্রথম", "sheets": ["Q1"]},
     {"row": None, "column": None, "code": "sheet_not_found", "value": None,
      "params": '{"sheet": "প্রথম", "sheets": ["Q1"]}'}),
    ("file_too_large", {"size": 60_000_000, "limit": 50_000_000},
     {"row": None, "column": None, "code": "file_too_large", "value": None,
      "params": '{"size": 60000000, "limit": 50000000}'}),
    # what JSON cannot hold is written as text
    ("date_order_unclear", {"value": "13/02/2023", "seen": date(2023, 2, 13)},
     {"row": None, "column": None, "code": "date_order_unclear", "value": "13/02/2023",
      "params": '{"seen": "2023-02-13"}'}),
])
def test_file_problem(code, given, expected):
    problem = file_problem(code, **given)
    assert problem == expected
    assert pl.DataFrame([problem], schema=RAW_SCHEMA).height == 1  # a RAW_SCHEMA row as it is


@pytest.mark.parametrize("code", ["bad_date", "total_row", "no_such_code"])
def test_file_problem_takes_only_file_codes(code):
    with pytest.raises(AssertionError):
        file_problem(code)


# --- row_problems ------------------------------------------------------------------------------

ROWS = pl.LazyFrame({"__row": [2, 3, 4, 5], "line": [12, 13, 14, 15], "Fee": ["50", "-5", None, "abc"],
                     "n": [1, -2, 3, 4]})


@pytest.mark.parametrize(("code", "when", "options", "expected"), [
    ("fee_negative", pl.col("Fee").str.starts_with("-"), {"column": "Fee (Tk)", "value": pl.col("Fee")},
     [(3, "Fee (Tk)", "fee_negative", "-5", None)]),
    # a condition that is null (an empty cell, text that is no number) is not a problem
    ("fee_negative", pl.col("Fee").cast(pl.Int64, strict=False) < 0, {"column": "Fee", "value": pl.col("Fee")},
     [(3, "Fee", "fee_negative", "-5", None)]),
    ("missing_value", pl.col("Fee").is_null(), {"column": "Fee"}, [(4, "Fee", "missing_value", None, None)]),
    ("count_not_positive", pl.col("n") < 1, {"column": "People", "value": pl.col("n")},
     [(3, "People", "count_not_positive", "-2", None)]),  # numbers are quoted back as text
    ("count_too_large", pl.col("n") > 2, {"column": "People", "value": pl.col("n"),
                                          "params": pl.lit('{"limit": 2}')},
     [(4, "People", "count_too_large", "3", '{"limit": 2}'), (5, "People", "count_too_large", "4", '{"limit": 2}')]),
    ("too_many_cells", pl.col("n") == 4, {"column": None, "value": pl.lit("x")},
     [(5, None, "too_many_cells", "x", None)]),
    ("bad_date", pl.lit(False), {"column": "Date"}, []),
    ("bad_date", pl.col("n") == 1, {"column": "Date", "row": "line"}, [(12, "Date", "bad_date", None, None)]),
])
def test_row_problems(code, when, options, expected):
    found = row_problems(ROWS, code, when, **options).collect()
    assert found.schema == pl.Schema(RAW_SCHEMA)
    assert found.rows() == expected


def test_row_problems_take_only_row_codes():
    with pytest.raises(AssertionError):
        row_problems(ROWS, "empty_file", pl.lit(True), column=None)


# --- render ------------------------------------------------------------------------------------

V_ = TOKEN  # short, for the table

RENDERED = [
    # (code, lang, column, params, fragments the message must hold)
    ("missing_value", "en", "Union", {}, ["“Union” is empty. Fill it in."]),
    ("missing_value", "bn", "ইউনিয়ন", {}, ["“ইউনিয়ন” ঘরটি খালি। ঘরটি পূরণ করুন।"]),
    ("udc_without_entrepreneur", "bn", "উদ্যোক্তা আইডি", {}, ["কিন্তু “উদ্যোক্তা আইডি” ঘরটি খালি"]),
    ("id_rounded", "en", "Entrepreneur ID", {}, [f"“{V_}” in “Entrepreneur ID” is how Excel shows a long number",
                                                  "format the column as Text"]),
    ("bad_date", "en", "Date", {}, [f"“{V_}” is not a valid date.", "for example 05/07/2022"]),
    ("bad_date", "bn", "তারিখ", {}, [f"“{V_}” সঠিক তারিখ নয়।", "যেমন ০৫/০৭/২০২২"]),
    ("fee_negative", "en", "Fee (Tk)", {}, [f"The fee {V_} is negative. Write what the entrepreneur earned"]),
    ("date_out_of_period", "en", "Date", PARAMS["date_out_of_period"],
     [f"The date {V_} is outside the period chosen for this upload, FY 2022-23 Q1.", "choose the right period"]),
    ("date_out_of_period", "bn", "Date", PARAMS["date_out_of_period"], ["(২০২২-২৩ অর্থবছর, ১ম প্রান্তিক)"]),
    # params written before there was a Bengali label: the English one
    ("date_out_of_period", "bn", "Date", {"period_en": "FY 2022-23 Q1"}, ["(FY 2022-23 Q1)"]),
    ("date_too_early", "en", "Date", {}, [f"The date {V_} is before 2010"]),
    ("date_too_early", "bn", "Date", {}, ["২০১০ সালের আগের"]),
    ("unknown_union", "en", "Union", PARAMS["unknown_union"],
     [f"No union named “{V_}” was found in Nazirpur upazila.", " Closest names: Sriramkathi."]),
    ("unknown_union", "bn", "Union", PARAMS["unknown_union"],
     [f"নাজিরপুর উপজেলায় “{V_}” নামে কোনো ইউনিয়ন", "কাছাকাছি নাম: শ্রীরামকাঠী।"]),
    ("unknown_union", "en", "Union", {}, [f"No union named “{V_}” was found. Check the spelling"]),
    # two candidates with one name: the name once
    ("unknown_upazila", "en", "Upazila", {"candidates": ["BD107980", "BD107980"]}, ["Closest names: Nazirpur."]),
    ("ambiguous_union", "en", "Union", PARAMS["ambiguous_union"],
     [f"“{V_}” matches more than one union: Amrajuri (Bhandaria upazila), Sriramkathi."]),
    ("ambiguous_union", "bn", "Union", PARAMS["ambiguous_union"], ["আমড়াজুড়ি (ভান্ডারিয়া উপজেলা), শ্রীরামকাঠী"]),
    ("ambiguous_upazila", "en", "Upazila", PARAMS["ambiguous_upazila"], ["more than one upazila: Bhandaria, Nazirpur."]),
    ("union_not_in_upazila", "en", "Union", PARAMS["union_not_in_upazila"],
     [f"“{V_}” is not a union of Kawkhali upazila; it is in Nazirpur. Correct the Upazila or the Union."]),
    ("union_not_in_upazila", "bn", "Union", PARAMS["union_not_in_upazila"], ["কাউখালী উপজেলার ইউনিয়ন নয়; এটি নাজিরপুর"]),
    ("unknown_service", "en", "Service", PARAMS["unknown_service"], ["Closest names: Birth registration."]),
    ("unknown_service", "bn", "Service", PARAMS["unknown_service"], ["কাছাকাছি নাম: জন্ম নিবন্ধন।"]),
    ("service_channel_mismatch", "en", "Service", PARAMS["service_channel_mismatch"],
     [f"“{V_}” is a Front desk service, but the row says UDC."]),
    ("service_channel_mismatch", "bn", "Service", PARAMS["service_channel_mismatch"],
     ["ফ্রন্ট ডেস্ক সেবা, কিন্তু সারিতে লেখা আছে ইউডিসি"]),
    ("fee_implausible", "en", "Fee", PARAMS["fee_implausible"],
     ["for “Birth registration” (Tk 50–100 per person; more than 5 times off)"]),
    ("fee_implausible", "bn", "Fee", PARAMS["fee_implausible"], ["“জন্ম নিবন্ধন” সেবার", "জনপ্রতি ৫০–১০০ টাকা; ৫ গুণের"]),
    # for several people, the message says so: the fee is theirs, not one person's (a review: 2.3 for 3 people)
    ("fee_implausible", "en", "Fee", {**PARAMS["fee_implausible"], "people": 3},
     [f"A fee of {V_} for 3 people is far outside"]),
    ("fee_implausible", "bn", "Fee", {**PARAMS["fee_implausible"], "people": 3}, [f"{V_} টাকা আয় (৩ জনের) “জন্ম"]),
    ("fee_implausible", "en", "Fee", {**PARAMS["fee_implausible"], "people": 1}, [f"A fee of {V_} is far outside"]),
    ("count_too_large", "en", "People", {"limit": 20_000}, ["(at most 20,000)"]),
    ("count_too_large", "bn", "People", {"limit": 20_000}, ["(সর্বোচ্চ ২০,০০০)"]),
    ("value_too_long", "bn", "Union", {"limit": 120}, ["সর্বোচ্চ ১২০ অক্ষর"]),
    ("duplicate_reference", "en", "Receipt", {"first": 12}, [f"“{V_}” was already used in row 12."]),
    ("duplicate_reference", "bn", "Receipt", {"first": 12}, ["১২ নম্বর সারিতে"]),
    ("missing_column", "en", None, {"field": "union"}, ["The column “Union” is missing. Add a column"]),
    ("missing_column", "bn", None, {"field": "union"}, ["“ইউনিয়ন” কলামটি নেই।"]),
    ("duplicate_column", "bn", None, PARAMS["duplicate_column"], ["একাধিক কলাম “আয় (টাকা)” বোঝাচ্ছে: Fee, Income।"]),
    ("ambiguous_sheet", "en", None, PARAMS["ambiguous_sheet"], ["service logs: Q1, Q2. Choose the sheet"]),
    ("sheet_not_found", "en", None, PARAMS["sheet_not_found"], ["no sheet named “X”. Its sheets are: Q1, Q2."]),
    ("bad_mapping", "en", "Taka", PARAMS["bad_mapping"], ["The column “Taka” was matched to “money”", "date, fee."]),
    ("file_too_large", "en", None, PARAMS["file_too_large"], ["The file is 60 MB; at most 50 MB can be uploaded"]),
    ("file_too_large", "bn", None, PARAMS["file_too_large"], ["৬০ মেগাবাইট", "সর্বোচ্চ ৫০ মেগাবাইট"]),
    ("too_many_rows", "en", None, PARAMS["too_many_rows"], ["The file has 30,00,000 rows; at most 20,00,000 rows"]),
    ("too_many_rows", "bn", None, PARAMS["too_many_rows"], ["৩০,০০,০০০টি সারি"]),
    ("no_columns", "en", None, {"headers": ""},
     ["(headings found: none in the first 40 rows; if the headings are further down, delete the rows above them)"]),
    ("no_columns", "bn", None, {"headers": ""}, ["প্রথম ৪০টি সারিতে কোনোটি নেই"]),
    ("unreadable", "en", None, {"reason": "not_text"}, ["(it is neither an Excel workbook nor a text (CSV) file)"]),
    ("unreadable", "en", None, {}, ["(the workbook is damaged or incomplete)"]),  # the reason by default
    ("too_large_to_read", "en", None, {}, ["(reading it needed more memory than an upload may use)"]),
    ("too_large_to_read", "bn", None, {"reason": "long_line"}, ["ফাইলের একটি লাইন"]),
    ("date_order_conflict", "en", None, {"rows_dmy": [2, 3], "rows_mdy": [1500]}, ["(rows 2, 3)", "(rows 1,500)"]),
    ("date_order_conflict", "bn", None, {"rows_dmy": [2, 3], "rows_mdy": [5]}, ["(সারি ২, ৩)", "(সারি ৫)"]),
    ("total_row", "en", None, {}, [f"This looks like a total row (“{V_}”), so it was left out"]),
]


@pytest.mark.parametrize(("code", "lang", "column", "params", "fragments"), RENDERED,
                         ids=[f"{c}-{lang}-{i}" for i, (c, lang, *_rest) in enumerate(RENDERED)])
def test_render(code, lang, column, params, fragments):
    text = render(code, lang, column=column, params=params, namer=NAMER)
    for fragment in fragments:
        assert fragment in text
    assert not UNFILLED.search(text)


@pytest.mark.parametrize("lang", ["en", "bn"])
@pytest.mark.parametrize("code", PROBLEM_CODES)
def test_every_code_renders_completely(code, lang):
    text = render(code, lang, column="Fee (Tk)", params=PARAMS.get(code, {}), namer=NAMER)
    assert text.strip() and not UNFILLED.search(text) and "{" not in text and "}" not in text
    if lang == "bn":
        assert BENGALI.search(text)  # (numbers in Bengali digits: see test_render's table)
    else:
        assert not re.search(r"[\u09e6-\u09ef]", text), text  # no Bengali digits in English


@pytest.mark.parametrize("lang", ["en", "bn"])
@pytest.mark.parametrize("code", ROW_CODES)
def test_row_messages_name_the_value_or_the_empty_column(code, lang):
    """A row's message quotes its cell; where the cell is empty, it names the column instead."""
    text = render(code, lang, column="Heading as written", params=PARAMS.get(code, {}), namer=NAMER)
    if code in ("missing_value", "udc_without_entrepreneur", "nothing_served"):
        assert "“Heading as written”" in text
    else:
        assert TOKEN in text


#: what a message asks the user to do (a fix), in either language
FIX_EN = re.compile(r"\b(Add|Check|Choose|Correct|Delete|Fill|Keep|Leave|Move|Open|Remove|Round|Save|Say|"
                    r"Split|Write)\b|\b(correct|delete|leave|write|choose|change|tell us)\b")
FIX_BN = re.compile(r"(ুন|দিন|নিন|বসান|বদলান)[।,;:) ]|(ুন|দিন|নিন|বদলান)$")
#: messages that ask nothing: a total row, a sign-off under the table, a repeated header row and a month's heading are left
#: out by design (notes), and so is a summary's row of a service no one was given;
#: a missing sheet's message lists the sheets there are (the upload page then offers them to choose from)
NO_FIX = {"total_row", "note_row", "header_row", "month_heading", "summary_table", "sheet_not_found", "layout_row",
          "nothing_served"}


@pytest.mark.parametrize("lang", ["en", "bn"])
@pytest.mark.parametrize("code", sorted(set(PROBLEM_CODES) - NO_FIX))
def test_every_message_says_how_to_fix_it(code, lang):
    text = render(code, lang, column="Fee (Tk)", params=PARAMS.get(code, {}), namer=NAMER)
    assert (FIX_EN if lang == "en" else FIX_BN).search(text), text


# --- size_text ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("size", "lang", "text"), [
    (0, "en", "0 bytes"), (0, "bn", "০ বাইট"), (120, "en", "120 bytes"), (999, "bn", "৯৯৯ বাইট"),
    (1_000, "en", "1 KB"), (1_500, "en", "1.5 KB"), (300_000, "en", "300 KB"), (300_000, "bn", "৩০০ কিলোবাইট"),
    (1_000_000, "en", "1 MB"), (1_234_567, "en", "1.2 MB"), (62_500_000, "en", "62.5 MB"),
    (62_500_000, "bn", "৬২.৫ মেগাবাইট"), (200_000_000, "en", "200 MB"),
])
def test_size_text(size, lang, text):
    assert size_text(size, lang) == text


# --- echo --------------------------------------------------------------------------------------

N = L.ECHO_CHARS


@pytest.mark.parametrize(("cell", "shown"), [
    ("Nazirpur", "Nazirpur"), ("", ""), (None, None),
    ("x" * N, "x" * N),  # exactly the limit: as it is
    ("x" * (N + 1), "x" * N + "…"),
    ("ক" * (3 * N), "ক" * N + "…"),  # characters, not bytes
    ("=HYPERLINK(" + "a" * 500 + ")", ("=HYPERLINK(" + "a" * 500)[:N] + "…"),
])
def test_echo(cell, shown):
    out = pl.DataFrame({"cell": [cell]}, schema={"cell": pl.String}).select(echo(pl.col("cell")))["cell"][0]
    assert out == shown
    assert out is None or len(out) <= N + 1
    if cell is not None:  # a file's heading, quoted as a cell is
        assert echo_text(cell) == shown


@pytest.mark.parametrize("lang", ["en", "bn"])
def test_a_files_long_heading_is_quoted_in_part_in_a_message(lang):
    """A review: a 60,000-character heading was printed whole, in "columns not used" and messages."""
    heading = "H" * 60_000
    for code, params in (("missing_value", {}), ("no_columns", {"headers": heading}),
                         ("duplicate_column", {"field": "fee", "headers": [heading, "Fee"]})):
        message = render(code, lang, column=heading, params=params, namer=Namer.plain())
        assert "H" * N + "…" in message and "H" * (N + 1) not in message


@pytest.mark.parametrize(("heading", "lang", "shown"), [
    ("column H", "en", "column H"), ("column H", "bn", "কলাম H"),  # a sheet's column without a heading
    ("column 12", "bn", "কলাম ১২"), ("column 12", "en", "column 12"),  # a CSV file's
    ("column H (2)", "bn", "কলাম H (২)"),  # two such columns named alike
    ("column", "bn", "column"), ("column h", "bn", "column h"), ("my column H", "bn", "my column H"),  # headings
    ("তারিখ", "en", "তারিখ"), ("x" * (N + 1), "bn", "x" * N + "…"),
])
def test_heading_text(heading, lang, shown):
    """A review: a column without a heading was named "column H" in a Bengali message."""
    assert heading_text(heading, lang) == shown


@pytest.mark.parametrize(("code", "params"), [
    ("missing_value", {}), ("no_columns", {"headers": ["column C", "Remarks"]}),
    ("duplicate_column", {"field": "fee", "headers": ["column C", "Fee"]})])
def test_a_column_without_a_heading_is_named_in_the_users_language(code, params):
    message = render(code, "bn", column="column C", params=params, namer=Namer.plain())
    assert "কলাম C" in message and "column C" not in message


# --- with_messages -----------------------------------------------------------------------------

def _raw(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=RAW_SCHEMA, orient="row")


def test_with_messages_pastes_each_cell_into_its_message():
    long = "ক" * (N + 20)
    raw = _raw([
        (2, "Fee (Tk)", "fee_negative", "-5", None),
        (3, "Fee (Tk)", "fee_negative", "-7", None),
        (4, "Union", "missing_value", None, None),
        (5, "Service", "unknown_service", "Birt", '{"candidates": ["UDC002"]}'),
        (6, "Union", "bad_gender", long, None),
        (7, "Union", "bad_gender", "$1 \\0 {column} {value}", None),  # pasted as written, nothing expanded
        (None, None, "header_only", None, None),
    ])
    out = with_messages(raw, namer=NAMER)
    assert out.columns[:5] == list(RAW_SCHEMA) and set(out.columns[5:]) == {"message_en", "message_bn"}
    assert out.height == raw.height
    assert out.select(*RAW_SCHEMA).equals(raw)  # the problems themselves, in their order
    en, bn = out["message_en"].to_list(), out["message_bn"].to_list()
    assert en[0] == "The fee -5 is negative. Write what the entrepreneur earned: 0 or more."
    assert bn[0] == "আয়ের ঘরে -5 লেখা আছে, যা ঋণাত্মক। উদ্যোক্তা যা আয় করেছেন তা লিখুন: ০ বা তার বেশি।"  # the cell as written
    assert en[1].startswith("The fee -7 is negative.")
    assert en[2] == "“Union” is empty. Fill it in."
    assert en[3].startswith("“Birt” could not be matched") and "Closest names: Birth registration." in en[3]
    assert "জন্ম নিবন্ধন" in bn[3]
    assert f"“{long[:N]}…”" in en[4] and long not in en[4]
    assert en[5].startswith("“$1 \\0 {column} {value}” is not a gender")
    assert en[6].startswith("The file has column headings but no rows of data.")
    for text in en + bn:
        assert TOKEN not in text


def test_with_messages_renders_each_kind_of_problem_once(monkeypatch):
    calls = []
    real = V.render

    def counting(code, lang, **options):
        calls.append((code, lang))
        return real(code, lang, **options)

    monkeypatch.setattr(V, "render", counting)
    raw = _raw([(row, "Fee (Tk)", "fee_negative", str(-row), None) for row in range(2, 1002)]
               + [(1002, "Date", "bad_date", "31/02/2023", None)])
    out = with_messages(raw, namer=NAMER)
    assert sorted(calls) == sorted([("fee_negative", "en"), ("fee_negative", "bn"), ("bad_date", "en"),
                                    ("bad_date", "bn")])
    assert out["message_en"][500] == "The fee -502 is negative. Write what the entrepreneur earned: 0 or more."


def test_with_messages_of_no_problems():
    out = with_messages(V.empty_raw(), namer=NAMER)
    assert out.height == 0 and out.schema["message_en"] == pl.String and out.schema["message_bn"] == pl.String


# --- repeated rows and receipt numbers ---------------------------------------------------------

@pytest.mark.parametrize(("rows", "key", "repeats"), [
    ({"a": [1, 2, 3]}, ["a"], 0),
    ({"a": [1, 1, 2]}, ["a"], 1),
    ({"a": [1, 1, 1, 2, 2]}, ["a"], 3),  # every row after the first of its kind
    ({"a": [1, 1], "b": ["x", "y"]}, ["a", "b"], 0),  # differ in a key column: not repeats
    ({"a": [1, 1], "serial": [1, 2]}, ["a"], 1),  # differ only outside the key (a serial number): repeats
    ({"a": [None, None], "b": ["x", "x"]}, ["a", "b"], 1),  # empty cells are alike
    ({"a": [1, 1]}, [], 0),
    ({"a": []}, ["a"], 0),
])
def test_repeated_rows(rows, key, repeats):
    assert repeated_rows(pl.LazyFrame(rows), key) == repeats


@pytest.mark.parametrize(("rows", "repeats"), [
    ({"a": [0, 1, 0], "b": [2, 2, 2]}, 1),
    ({"a": [0, 1, 1], "b": [1, 0, 0]}, 1),  # (0, 1) and (1, 0) are different rows
    ({"a": [5, 5, 5], "b": [0, 1, 2]}, 0),
    ({"a": [2**40, 2**40, 0], "b": [2**40, 2**40 - 1, 0]}, 0),  # too large to fold: counted as rows of values
    ({"a": [2**40, 2**40, 0], "b": [2**40, 2**40, 0]}, 1),
    ({"a": [], "b": []}, 0),
])
def test_repeated_rows_of_positions_folded_into_one_number(rows, repeats):
    frame = pl.LazyFrame(rows, schema={"a": pl.UInt64, "b": pl.UInt64})
    assert repeated_rows(frame, ["a", "b"]) == repeats
    assert repeated_rows(frame.cast(pl.Int64), ["a", "b"]) == repeats  # the same, without folding


@pytest.mark.parametrize(("rows", "refs", "expected"), [
    ([2, 3, 4], ["R-1", "R-2", "R-3"], []),
    ([2, 3, 4, 5], ["R-1", "R-2", "R-1", "R-1"], [(4, "R-1", 2), (5, "R-1", 2)]),
    # written differently, the same number: spaces, Excel's text apostrophe
    ([2, 3, 4], ["R-1", "  R-1 ", "'R-1"], [(3, "R-1", 2), (4, "R-1", 2)]),
    # empty cells and dashes ("nothing here") are no number
    ([2, 3, 4, 5, 6], [None, None, "", "-", "—"], []),
    # the first is the earliest row, whatever the order of the frame
    ([9, 3], ["A7", "A7"], [(9, "A7", 3)]),
    ([2, 3], ["৭১২", "৭১২"], [(3, "৭১২", 2)]),
    # numbered anew each month, or with each receipt book: compared within their own run
    ([2, 3, 4, 5, 6], ["1", "2", "3", "1", "2"], []),
    ([2, 3, 4, 5, 6, 7], ["১", "২", "৩", "১", "২", "২"], [(7, "২", 6)]),  # (the second run's 2 twice)
    ([2, 3, 4, 5], ["101", "102", "103", "102"], [(5, "102", 3)]),  # back, but not to the start
    ([2, 3, 4, 5], ["101", "102", "101", "102"], []),  # back to the start: a second book
    ([2, 3, 4, 5], ["5", "6", "7", "6"], [(5, "6", 3)]),  # one number again later: a repeat
    ([2, 3, 4], ["1", "1", "2"], [(3, "1", 2)]),  # entered twice at once: a repeat, not a new run
])
def test_repeated_reference_problems(rows, refs, expected):
    frame = pl.LazyFrame({"__row": rows, "Receipt No": refs}, schema={"__row": pl.Int64, "Receipt No": pl.String})
    found = repeated_reference_problems(frame, "Receipt No", column="Receipt No").collect()
    assert found.schema == pl.Schema(RAW_SCHEMA)
    assert sorted(found.rows()) == [(row, "Receipt No", "duplicate_reference", value, json.dumps({"first": first}))
                                    for row, value, first in expected]


@pytest.mark.parametrize(("days", "services", "expected"), [
    # one receipt for two services paid together, the same day: no repeat
    (["01/07", "01/07"], ["Photocopy", "Print"], []),
    (["01/07", "01/07"], ["Photocopy", "Photocopy"], [(3, 2)]),  # the same service twice: entered twice
    (["01/07", "02/07"], ["Photocopy", "Print"], [(3, 2)]),  # another day: the number used again
    (["01/07", "01/07", "01/07"], ["Photocopy", "Print", "Print"], [(4, 3)]),
])
def test_a_receipt_for_several_services_of_one_day_is_no_repeat(days, services, expected):
    rows = list(range(2, 2 + len(days)))
    frame = pl.LazyFrame({"__row": rows, "Receipt No": ["R-1"] * len(rows), "Date": days, "Service": services})
    found = repeated_reference_problems(frame, "Receipt No", column="Receipt No", service="Service", day="Date").collect()
    assert sorted(found.select("row", pl.col("params").str.json_path_match("$.first").cast(pl.Int64)).rows()) == expected


def test_a_repeated_reference_is_explained():
    frame = pl.LazyFrame({"__row": [2, 3], "Ref": ["R-1", "R-1"]})
    raw = repeated_reference_problems(frame, "Ref", column="Ref").collect()
    out = with_messages(raw, namer=NAMER)
    assert out["message_en"][0] == ("The receipt or reference number “R-1” was already used in row 2. Each delivery "
                                    "has its own number: correct it, or delete the row if it was entered twice. (One "
                                    "receipt for several services paid together on one day is fine: their rows have "
                                    "that same day.)")
    assert "আগেই ২ নম্বর সারিতে" in out["message_bn"][0]


# --- formula-looking text made inert -----------------------------------------------------------

@pytest.mark.parametrize(("text", "inert"), [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"), ('=HYPERLINK("http://example.invalid","x")', '\'=HYPERLINK("http://example.invalid","x")'),
    ("=cmd|'/c calc'!A1", "'=cmd|'/c calc'!A1"), ("-", "'-"),
    # nothing a spreadsheet runs: as it is
    ("Nazirpur", "Nazirpur"), ("1+1", "1+1"), ("a=b", "a=b"), ("", ""), ("'=1", "'=1"), ("নাজিরপুর", "নাজিরপুর"),
    ("50", "50"), ("R-1", "R-1"),
])
def test_neutral_text(text, inert):
    assert neutral_text(text) == inert


def test_neutralise_text_cells_and_headings():
    frame = pl.DataFrame({"=Fee": ["=1+1", "50", None], "Union": ["@SUM(A1)", "\t=1", "Nazirpur"],
                          "n": [-1, 2, 3]})
    out = neutralise(frame)
    assert out.columns == ["'=Fee", "Union", "n"]
    assert out["'=Fee"].to_list() == ["'=1+1", "50", None]
    assert out["Union"].to_list() == ["'@SUM(A1)", "'\t=1", "Nazirpur"]
    assert out["n"].to_list() == [-1, 2, 3]  # numbers are numbers to a spreadsheet, never formulas


# --- the rejected rows as CSV ------------------------------------------------------------------

def _read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf") and not data.startswith(b"\xef\xbb\xbf" * 2)  # BOM, once
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


REJECTED = pl.DataFrame({
    "Union": ["=1+1", "Nazirpur", "কাউখালী", "\t=1"],
    "=Fee": ["-5", "+1", "@SUM(A1)", "50"],
    "row": pl.Series([2, 10, 1500, 12345], dtype=pl.Int32),
    "problem": ["The fee -5 is negative.", "ok", "=bad", None],
})


@pytest.mark.parametrize(("lang", "header", "first"), [
    ("en", ["Union", "'=Fee", "Row", "Problem"], ["'=1+1", "'-5", "2", "The fee -5 is negative."]),
    ("bn", ["Union", "'=Fee", "সারি", "সমস্যা"], ["'=1+1", "'-5", "2", "The fee -5 is negative."]),
])
def test_rejected_csv(lang, header, first):
    rows = _read_csv(rejected_csv_bytes(REJECTED, lang=lang))
    assert rows[0] == header and rows[1] == first
    # row numbers as the spreadsheet shows them: as given, ASCII digits, no grouping, in either language
    assert [r[2] for r in rows[1:]] == ["2", "10", "1500", "12345"]
    assert [r[0] for r in rows[1:]] == ["'=1+1", "Nazirpur", "কাউখালী", "'\t=1"]
    assert [r[1] for r in rows[1:]] == ["'-5", "'+1", "'@SUM(A1)", "50"]
    assert [r[3] for r in rows[1:]] == ["The fee -5 is negative.", "ok", "'=bad", ""]
    for row in rows:
        assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in row)


def test_rejected_csv_neutralises_numbers_written_as_text():
    frame = pl.DataFrame({"Fee": [-75], "row": pl.Series([3], dtype=pl.Int64), "problem": ["x"]})
    rows = _read_csv(rejected_csv_bytes(frame, lang="en"))
    assert rows == [["Fee", "Row", "Problem"], ["'-75", "3", "x"]]


def test_rejected_csv_keeps_a_file_column_that_has_our_heading():
    """A file with its own "Row" column: both are kept, ours under its code name."""
    frame = pl.DataFrame({"Row": ["A"], "row": pl.Series([2], dtype=pl.Int32), "problem": ["x"]})
    rows = _read_csv(rejected_csv_bytes(frame, lang="en"))
    assert rows == [["Row", "row", "Problem"], ["A", "2", "x"]]


# --- dates far from the rest of the file ----------------------------------------------------------------
def _days(first: date, count: int) -> list[date]:
    return [date.fromordinal(first.toordinal() + i % 90) for i in range(count)]


@pytest.mark.parametrize(("dates", "stray"), [
    # a quarter's log with a year slip and a month slip: those two rows
    (_days(date(2023, 10, 1), 98) + [date(2013, 11, 2), date(2023, 1, 3)], [99, 100]),
    # a year's log, a quarter at a time; a late entry of the quarter before; two months apart
    (_days(date(2023, 7, 1), 90) + _days(date(2023, 10, 1), 90) + _days(date(2024, 1, 1), 90), []),
    (_days(date(2023, 10, 1), 99) + [date(2023, 9, 30)], []),
    (_days(date(2023, 7, 1), 60) + _days(date(2024, 1, 1), 40), []),
    # too few rows to judge (a correction, an old delivery in a file of its own); one row far off is
    (_days(date(2023, 10, 1), 8) + [date(2013, 11, 2)], []),
    (_days(date(2023, 10, 1), 9) + [date(2013, 11, 2)], [10]),
    (_days(date(2023, 10, 1), 18) + [date(2023, 4, 2)], []),  # two quarters off: judged from 20 rows
    (_days(date(2023, 10, 1), 19) + [date(2023, 4, 2)], [20]),
    # a year typed wrong (Excel fills in the year it is typed in) in a small file: up to a tenth of its rows
    (_days(date(2022, 7, 1), 18) + [date(2026, 8, 20)], [19]),
    (_days(date(2022, 7, 1), 100) + [date(2026, 8, 20), date(2026, 8, 21), date(2026, 9, 2)], [101, 102, 103]),
    (_days(date(2022, 7, 1), 27) + [date(2023, 7, 20)] * 3, [28, 29, 30]),  # a year on: 3 of 30
    (_days(date(2022, 7, 1), 26) + [date(2023, 7, 20)] * 4, []),  # 4 of 30: more than a slip
    (_days(date(2022, 7, 1), 27) + [date(2023, 4, 20)] * 3, []),  # three quarters on: only the 2% rule
    # a stray of a large log, beside a second large run; rows with no date left to the date checks
    (_days(date(2023, 7, 1), 150) + _days(date(2024, 4, 1), 48) + [date(2015, 7, 1), date(2015, 8, 1), None],
     [199, 200]),
    # as many stray rows as the share allows, and one more: two quarters off (2%), ten years off (10%)
    (_days(date(2023, 10, 1), 98) + [date(2023, 4, 1), date(2023, 4, 2)], [99, 100]),
    (_days(date(2023, 10, 1), 97) + [date(2023, 4, 1), date(2023, 4, 2), date(2023, 4, 3)], []),
    (_days(date(2023, 10, 1), 90) + [date(2013, 1, 1)] * 10, list(range(91, 101))),
    (_days(date(2023, 10, 1), 89) + [date(2013, 1, 1)] * 11, []),
])
def test_stray_dates(dates, stray):
    rows = pl.DataFrame({"row": range(1, len(dates) + 1), "date": dates,
                         "value": [d.strftime("%d/%m/%Y") if d else None for d in dates]},
                        schema={"row": pl.Int32, "date": pl.Date, "value": pl.String})
    found = V.stray_date_problems(rows, column="Date")
    assert found.schema == pl.Schema(V.RAW_SCHEMA)
    assert found["row"].to_list() == stray
    assert set(found["code"]) <= {"date_stray"} and set(found["column"]) <= {"Date"}
    if stray:
        message = V.render("date_stray", "en", column="Date", params=json.loads(found["params"][0]),
                           namer=V.Namer.plain())
        assert "far from the file's other dates" in message and str(dates[0].year) in message
