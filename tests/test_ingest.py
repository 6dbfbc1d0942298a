import csv
import io
import json
import random
import re
import string
import tomllib
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from analytics import i18n
from analytics.i18n import strings
from analytics.ingest import decisions
from analytics.ingest.pipeline import (
    IngestResult,
    Limits,
    ingest_bytes,
    sheet_names,
)
from analytics.ingest.validate import (
    FILE_CODES,
    PROBLEM_CODES,
    PROBLEM_SCHEMA,
    ROW_CODES,
    Namer,
    render,
)
from analytics.reference import schema
from analytics.reference.gazetteer import Gazetteer
from analytics.reference.periods import quarter
from analytics.reference.services import ServiceResolver, load_catalogue

DATA = Path(__file__).parent / "data" / "ingest"
Q1 = quarter(2022, 1)
BENGALI = re.compile(r"[\u0980-\u09ff]")



@pytest.fixture(scope="module")
def services() -> ServiceResolver:
    return ServiceResolver(load_catalogue())


@pytest.fixture
def run(gaz, services):
    def ingest(data: bytes | Path, *, file_name: str | None = None, **options) -> IngestResult:
        if isinstance(data, Path):
            file_name, data = file_name or data.name, data.read_bytes()
        options.setdefault("lang", "en")
        return ingest_bytes(data, file_name=file_name or "upload.csv", upload_id="test-upload", gazetteer=gaz,
                            services=services, **options)
    return ingest


def triples(result: IngestResult) -> set[tuple[str, int | None, str | None]]:
    return set(result.problems.select("code", "row", "column").iter_rows())


# --- the good corpus ------------------------------------------------------------------------

GOOD = list(csv.DictReader((DATA / "expected.csv").open(encoding="utf-8")))


@pytest.mark.parametrize("case", GOOD, ids=[c["file"] for c in GOOD])
def test_good_corpus(case, run):
    mapping = json.loads(case["mapping"]) if case["mapping"] else None
    result = run(DATA / "good" / case["file"], period=Q1, mapping=mapping)
    assert result.problems.height == 0, result.problems["message"].to_list()
    assert result.ok and result.rejected.height == 0
    frame = result.frame
    assert frame.schema == pl.Schema(schema.LOG_SCHEMA)
    assert (result.shape, result.encoding or "", result.sheet or "", result.header_row) == (
        case["shape"], case["encoding"], case["sheet"], int(case["header_row"]))
    assert (frame.height, frame["beneficiaries"].sum(), frame["fee_paisa"].sum()) == (
        int(case["rows"]), int(case["beneficiaries"]), int(case["fee_paisa"]))
    by = frame.group_by("upazila_code").agg(pl.col("beneficiaries").sum(), pl.col("fee_paisa").sum())
    assert ";".join(f"{u}={b}/{f}" for u, b, f in by.sort("upazila_code").iter_rows()) == case["by_upazila"]
    assert result.dropped_pii == [h for h in case["dropped_pii"].split("|") if h]
    assert result.unmapped == []
    assert frame["upload_id"].unique().to_list() == ["test-upload"]
    assert frame["source_row"].is_unique().all() and frame["source_row"].min() == result.header_row + 1
    assert frame.filter(pl.col("channel") == "udc")["union_code"].null_count() == 0
    front = frame.filter(pl.col("channel") == "front_desk")
    assert front["union_code"].null_count() == front.height and (front["fee_paisa"] == 0).all()
    assert (front["upazila_code"] == "BD107980").all()
    if result.shape == "transactions":
        # (a log with no ID column: who served is not known, said as such)
        assert frame.filter(pl.col("channel") == "udc")["entrepreneur_id"].null_count() == result.unnamed_udc_rows


def test_good_corpus_is_large_enough():
    files = {p.name for p in (DATA / "good").iterdir()}
    assert files == {c["file"] for c in GOOD} and len(files) >= 10
    assert {"transactions", "summary"} <= {c["shape"] for c in GOOD}


def test_personal_data_never_reaches_the_output(run):
    result = run(DATA / "good" / "pii_columns.csv")
    assert result.dropped_pii == ["Citizen Name", "Mobile No", "NID"]
    text = str(result.frame.rows()) + str(result.problems.rows()) + str(result.rejected.rows())
    for secret in ("Rahima", "Karim Mia", "01711111111", "1234567890"):
        assert secret not in text
    # a rejected row leaves its citizen columns behind too
    bad = (DATA / "good" / "pii_columns.csv").read_text().replace(",75,R-2", ",-75,R-2")
    result = run(bad.encode(), file_name="pii.csv")
    assert triples(result) == {("fee_negative", 3, "Fee (Tk)")}
    assert "Citizen Name" not in result.rejected.columns
    exported = result.rejected_csv(lang="bn").decode("utf-8-sig")
    assert "Karim" not in exported and "01811111111" not in exported


def test_mapping_is_needed_and_offered(run):
    result = run(DATA / "good" / "mapping_needed.csv")
    assert not result.ok and result.frame.height == 0
    assert result.unmapped == ["Tarikh", "Shebar Naam"]
    assert {(c, v) for c, v in result.problems.select("code", "value").iter_rows()} == {
        ("missing_column", "date_or_month"), ("missing_column", "service")}


def test_summary_months_are_checked_against_the_period(run):
    result = run(DATA / "good" / "summary_en.csv", period=quarter(2022, 2))
    assert result.frame.height == 0
    assert triples(result) == {("date_out_of_period", r, "Month") for r in range(2, 7)}


def test_dates_that_read_either_way_are_asked_about_when_day_first_scatters_them(run):
    """A Google Sheets export of 1 to 12 July, month first: every date reads either way, and day first
    would put the 40 deliveries on the 7th of twelve months, over two fiscal years."""
    text = "Date,Union,Entrepreneur ID,Service,Fee (Tk)\n" + "".join(
        f"7/{d}/2023,Tona,UDC-1,Birth registration,75\n" for d in range(1, 13))
    asked = run(text.encode(), file_name="export.csv")
    assert triples(asked) == {("date_order_spread", None, None)} and asked.frame.height == 0
    assert "4 fiscal quarters" in asked.problems["message"][0] and "1 July 2023" in asked.problems["message"][0]
    assert asked.date_readings.row(0) == ("7/1/2023", 1, date(2023, 1, 7), date(2023, 7, 1))
    said = run(text.encode(), file_name="export.csv", date_order="mdy")
    assert said.ok and said.frame["date"].to_list() == [date(2023, 7, d) for d in range(1, 13)]


@pytest.mark.parametrize("days", [
    ["01/07/2023", "05/08/2023", "12/09/2023"],  # day first: one quarter; month first: three
    ["05/07/2023", "06/07/2023"],  # one quarter either way: the offices' order
    ["10/07/2023", "11/07/2023", "12/07/2023"],  # July, or October to December: one quarter each
    ["01/07/2023"],
    # a monthly summary dated the 1st of each month, over two quarters and over the year
    [f"01/{m:02d}/2023" for m in range(7, 13)], [f"01/{m:02d}/2023" for m in range(1, 13)],
    # a log over a quarter's end: 1 to 3 September and 1 to 3 October
    ["01/09/2023", "02/09/2023", "03/09/2023", "01/10/2023", "02/10/2023", "03/10/2023"],
    ["02/07/2023", "02/08/2023", "02/09/2023", "03/07/2023"],
])
def test_dates_that_read_either_way_are_day_first_unless_that_scatters_them(run, days):
    text = "Date,Union,Entrepreneur ID,Service,Fee (Tk)\n" + "".join(
        f"{d},Tona,UDC-1,Birth registration,75\n" for d in days)
    result = run(text.encode(), file_name="log.csv")
    assert result.ok and result.frame["date"].to_list() == [
        date(int(d[6:]), int(d[3:5]), int(d[:2])) for d in days]


def test_a_summary_with_excel_month_cells_is_a_summary(run):
    text = "Date,Union,Service,Count,Amount\n2022-07-01 00:00:00,Kalakhali,Birth registration,10,750\n"
    result = run(text.encode(), file_name="months.csv")
    assert result.shape == "summary" and result.ok
    assert result.frame.select("beneficiaries", "fee_paisa", "entrepreneur_id").row(0) == (10, 75000, None)


def test_us_locale_dates_are_read_month_first_only_when_the_user_says_so(run):
    text = ("Date,Union,Entrepreneur ID,Service,Fee (Tk)\n7/25/2022,Tona,UDC-1,Birth registration,75\n"
            "7/1/2022,Tona,UDC-1,Death registration,50\n")
    asked = run(text.encode(), file_name="us.csv", period=Q1)
    assert triples(asked) == {("date_order_unclear", None, None)} and asked.frame.height == 0
    assert asked.date_readings.rows() == [("7/25/2022", 1, None, date(2022, 7, 25)),
                                          ("7/1/2022", 1, date(2022, 1, 7), date(2022, 7, 1))]
    result = run(text.encode(), file_name="us.csv", period=Q1, date_order="mdy")
    assert result.ok and result.problems.height == 0 and result.date_order == "mdy"
    assert [d.isoformat() for d in result.frame["date"]] == ["2022-07-25", "2022-07-01"]


def test_front_desk_office_is_in_pirojpur_sadar(gaz):
    assert gaz.dc_office_upazila() == "BD107980"


# --- the bad corpus -------------------------------------------------------------------------

E, FD, B = "Entrepreneur Name", "Fee (Tk)", "Beneficiaries"
REFUSED = decisions.frame([decisions.make("service", "Misc online work", None),
                           decisions.make("union", "Old Tona", "none"), decisions.make("upazila", "Sadar Town", None)])
BAD_CORPUS = [
    # (file under tests/data/ingest, options, expected (code, row, column), accepted source rows)
    ("bad/empty.csv", {}, {("empty_file", None, None)}, []),
    ("bad/blank_lines.csv", {}, {("empty_file", None, None)}, []),
    ("bad/header_only.csv", {}, {("header_only", None, None)}, []),
    ("bad/header_only.xlsx", {}, {("header_only", None, None)}, []),
    ("bad/junk.csv", {}, {("unreadable", None, None)}, []),
    ("bad/truncated.xlsx", {}, {("unreadable", None, None)}, []),
    ("bad/not_really.xlsx", {}, {("no_columns", None, None)}, []),  # read as the text it is
    ("bad/fake_ole.xls", {}, {("unreadable", None, None)}, []),
    ("bad/wrong_columns.csv", {}, {("no_columns", None, None)}, []),
    ("bad/pii_only.csv", {}, {("no_columns", None, None)}, []),
    ("bad/missing_service.csv", {}, {("missing_column", None, None)}, []),
    ("bad/missing_date.csv", {}, {("missing_column", None, None)}, []),
    ("bad/missing_union_column.csv", {}, {("missing_column", None, None)}, []),
    # (who served is not known: kept, as a monthly summary is, and said: test_a_log_without_entrepreneur_ids...)
    ("good/log_without_entrepreneur_column.csv", {}, set(), [2]),
    ("bad/summary_missing_count.csv", {}, {("missing_column", None, None)}, []),
    ("bad/duplicate_columns.csv", {}, {("duplicate_column", None, None)}, []),
    ("bad/ambiguous_sheet.xlsx", {}, {("ambiguous_sheet", None, None)}, []),
    ("good/titled_two_sheets.xlsx", {"sheet": "Nope"}, {("sheet_not_found", None, None)}, []),
    ("bad/date_order_unclear.csv", {"date_order": "dmy"}, {("bad_date", 3, "Date")}, [2, 4]),
    ("good/template_en.csv", {"mapping": {"Fee (Tk)": "money"}}, {("bad_mapping", None, "Fee (Tk)")}, []),
    ("bad/too_large.csv", {"limits": Limits(max_bytes=100)}, {("file_too_large", None, None)}, []),
    ("bad/too_many_rows.csv", {"limits": Limits(max_rows=3)}, {("too_many_rows", None, None)}, []),
    # (an application number in each service's name: as many names as rows; the real limit is 5,000)
    ("bad/many_service_names.csv", {"limits": Limits(max_names=3)}, {("too_many_names", None, "Service")}, []),
    ("bad/unknown_union.csv", {}, {("unknown_union", 3, "Union"), ("unknown_union", 4, "Union")}, [2]),
    ("bad/union_wrong_upazila.csv", {}, {("union_not_in_upazila", 3, "Union")}, [2]),
    ("bad/ambiguous_union.csv", {}, {("ambiguous_union", 3, "Union")}, [2]),
    ("bad/unknown_upazila.csv", {}, {("unknown_upazila", 3, "Upazila")}, [2]),
    ("bad/out_of_period.csv", {"period": Q1},
     {("date_out_of_period", 3, "Date"), ("date_out_of_period", 4, "Date")}, [2]),
    ("bad/bad_dates.csv", {"date_order": "dmy"}, {("bad_date", 2, "Date"), ("bad_date", 3, "Date"), ("bad_date", 4, "Date"),
                               ("bad_date", 5, "Date"), ("date_in_future", 6, "Date")}, [7]),
    # a year slip among July-August dates: far from the file's other dates (a period chosen says "outside" instead)
    ("bad/stray_date.csv", {}, {("date_stray", 10, "Date")}, [r for r in range(2, 25) if r != 10]),
    ("bad/stray_date.csv", {"period": Q1}, {("date_out_of_period", 10, "Date")}, [r for r in range(2, 25) if r != 10]),
    ("bad/unclosed_quote.csv", {}, {("unclosed_quote", None, None)}, []),
    ("bad/fee_in_thousands.csv", {}, {("fee_in_thousands", None, "আয় (হাজার টাকায়)")}, []),
    ("bad/year_slip_small.csv", {}, {("date_stray", 9, "Date")}, [r for r in range(2, 13) if r != 9]),
    # one entrepreneur, one gender: the rows that differ from the ID's first (here the people served's column)
    ("bad/gender_conflict.csv", {}, {("gender_conflict", 3, "লিঙ্গ"), ("gender_conflict", 5, "লিঙ্গ")}, [2, 4]),
    ("bad/negative_fee.csv", {}, {("fee_negative", 3, FD), ("fee_negative", 4, FD)}, [2]),
    ("bad/non_numeric_fee.csv", {},  # (N/A for a paid service: as an empty fee, asked for; 12,5: a decimal comma)
     {("fee_not_number", 2, FD), ("fee_decimal_comma", 3, FD), ("missing_value", 4, FD)}, [5]),
    ("bad/fee_decimals.csv", {}, {("fee_decimals", 2, FD), ("fee_decimals", 3, FD)}, [4]),
    ("bad/formula_injection.csv", {}, {("formula", 2, E), ("formula", 3, E), ("formula", 4, E), ("formula", 5, E),
                                       ("formula", 6, "Entrepreneur ID")}, [7]),
    ("bad/html_names.csv", {}, {("markup", 2, E), ("markup", 3, E), ("markup", 4, "Entrepreneur ID")}, [5]),
    ("bad/damaged_characters.csv", {}, {("damaged", 2, "Union"), ("damaged", 3, "Service"), ("damaged", 4, "Fee (Tk)")},
     [5]),
    ("bad/udc_without_entrepreneur.csv", {}, {("udc_without_entrepreneur", 3, "Entrepreneur ID")}, [2]),
    ("bad/letters_lost.csv", {}, {("letters_lost", None, None)}, []),
    ("bad/id_rounded.csv", {}, {("id_rounded", 2, "Entrepreneur ID"), ("id_rounded", 3, "Entrepreneur ID")}, [4]),
    ("bad/front_desk_fee.csv", {}, {("front_desk_fee", 3, FD)}, [2, 4]),
    ("bad/unknown_service.csv", {}, {("unknown_service", 2, "Service"), ("unknown_service", 3, "Service")}, [4]),
    ("bad/bad_gender.csv", {}, {("bad_gender", 2, "Gender"), ("bad_gender", 3, "Gender")}, [4]),
    ("bad/beneficiaries.csv", {}, {("count_not_positive", 2, B), ("count_not_positive", 3, B),
                                   ("count_not_number", 4, B), ("count_not_number", 5, B)}, [6]),
    ("bad/bad_channel.csv", {}, {("bad_channel", 2, "Channel")}, [3]),
    ("bad/channel_mismatch.csv", {},
     {("service_channel_mismatch", 2, "Service"), ("service_channel_mismatch", 3, "Service")}, [4]),
    ("bad/missing_values.csv", {}, {("missing_value", 2, "Date"), ("missing_value", 3, "Service"),
                                    ("missing_value", 4, "Union"), ("missing_value", 5, FD)}, [6]),
    ("bad/total_row.csv", {}, {("total_row", 4, None)}, [2, 3]),
    ("bad/sign_off.csv", {}, {("note_row", 5, None), ("note_row", 6, None)}, [2, 3]),
    ("bad/summary_bad_month.csv", {}, {("bad_month", 2, "Month"), ("bad_month", 3, "Month"),
                                       ("missing_value", 4, "Month")}, [5]),
    ("bad/daily_form_nothing_recorded.csv", {}, {("nothing_served", 3, "সেবা গ্রহীতার সংখ্যা"),
                                                 ("nothing_recorded", 4, None)}, [2, 5]),
    ("bad/summary_nothing_served.csv", {}, {("nothing_served", 3, "No. of Services"),
                                            ("nothing_served", 4, "No. of Services")}, [2, 5]),
    ("bad/titled_errors.xlsx", {}, {("unknown_union", 6, "Union"), ("bad_date", 7, "Date")}, [5]),
    ("bad/formula_errors.xlsx", {}, {("excel_error", 2, FD), ("excel_error", 3, "Date"), ("excel_error", 4, B),
                                     ("not_calculated", 5, B)}, [6]),
    ("bad/legacy_errors.xls", {}, {("excel_error", 2, FD), ("excel_error", 3, B)}, [4]),
    ("bad/dates_swapped_by_excel.xlsx", {}, {("dates_swapped_by_excel", None, None)}, []),
    ("bad/count_column_unread.csv", {}, {("count_column_unread", None, "Number")}, []),
    ("bad/pasted_blocks.csv", {}, {("header_row", 4, None)}, [2, 3, 5]),
    ("bad/summary_table.csv", {}, {("summary_table", r, None) for r in (5, 6, 7, 8)}, [2, 3]),
    ("bad/second_table.csv", {}, {("second_table", None, None)}, []),
    ("bad/fee_total_unclear.csv", {}, {("fee_total_unclear", None, "Fee (Tk)")}, []),
    ("bad/months_as_columns.csv", {}, {("months_as_columns", None, None)}, []),
    ("bad/services_as_columns.csv", {}, {("services_as_columns", None, None)}, []),
    ("bad/entrepreneurs_as_columns.csv", {}, {("entrepreneurs_as_columns", None, None)}, []),
    ("bad/month_headings.csv", {}, {("month_heading", 2, None), ("month_heading", 5, None)}, [3, 4, 6]),
    ("bad/layout_rows.csv", {}, {("layout_row", 2, None), ("layout_row", 3, None), ("layout_row", 6, None),
                                  ("layout_row", 7, None)}, [4, 5, 8]),
    ("bad/bijoy_text.csv", {}, {("bijoy_text", None, None)}, []),
    ("bad/dates_swapped_by_excel.xlsx", {"date_order": "dmy"}, set(), [2, 3, 4, 5, 6]),
    ("bad/dates_swapped_by_excel.xlsx", {"date_order": "mdy"}, {("bad_date", 4, "Date"), ("bad_date", 5, "Date")},
     [2, 3, 6]),
    ("bad/date_cells_spread.xlsx", {}, {("date_cells_spread", None, None)}, []),
    ("bad/date_cells_spread.xlsx", {"date_order": "dmy"}, set(), list(range(2, 11))),
    ("bad/date_cells_spread.xlsx", {"date_order": "mdy"}, set(), list(range(2, 11))),
    # issue 9: structure, encodings, dates, plausibility, references, decided names
    ("bad/too_many_cells.csv", {}, {("too_many_cells", 3, None)}, [2, 4]),
    ("bad/mixed_encoding.csv", {}, {("mixed_encoding", None, None)}, []),
    ("bad/password.xlsx", {}, {("password_protected", None, None)}, []),
    ("bad/date_order_conflict.csv", {}, {("date_order_conflict", None, None)}, []),
    ("bad/date_order_unclear.csv", {}, {("date_order_unclear", None, None)}, []),
    ("bad/date_order_spread.csv", {}, {("date_order_spread", None, None)}, []),
    ("bad/date_order_spread.csv", {"date_order": "mdy"}, set(), [2, 3, 4, 5, 6, 7, 8]),
    ("bad/month_order_unclear.csv", {}, {("month_order_unclear", None, None)}, []),
    ("bad/month_order_unclear.csv", {"date_order": "mdy"}, set(), [2, 3, 4]),
    ("bad/date_too_early.csv", {}, {("date_too_early", 2, "Date"), ("date_too_early", 3, "Date")}, [4]),
    ("bad/fee_implausible.csv", {}, {("fee_implausible", 2, FD), ("fee_implausible", 3, FD),
                                     ("fee_implausible", 4, FD)}, [5, 6]),
    ("bad/count_too_large.csv", {}, {("count_too_large", 2, B), ("count_too_large", 3, B)}, [4]),
    ("bad/duplicate_reference.csv", {}, {("duplicate_reference", 4, "Receipt No")}, [2, 3]),
    ("bad/xfd1048576.xlsx", {}, {("too_large_to_read", None, None)}, []),
    ("bad/long_values.csv", {}, {("value_too_long", 2, "Entrepreneur ID"), ("value_too_long", 3, "Service")}, [4]),
    ("bad/refused_names.csv", {"decisions": REFUSED}, {("refused_service", 2, "Service"), ("refused_union", 3, "Union"),
                                                       ("refused_upazila", 4, "Upazila")}, [5]),
]


@pytest.mark.parametrize(("path", "options", "expected", "accepted"), BAD_CORPUS, ids=[c[0] for c in BAD_CORPUS])
def test_bad_corpus(path, options, expected, accepted, run):
    result = run(DATA / path, **options)
    assert triples(result) == expected, result.problems.select("code", "row", "column", "message").rows()
    assert result.problems.schema == pl.Schema(PROBLEM_SCHEMA)
    assert (result.problems["file"] == Path(path).name).all()
    assert result.frame.schema == pl.Schema(schema.LOG_SCHEMA)
    assert result.frame["source_row"].to_list() == accepted
    bad_rows = {row for _, row, _ in expected if row is not None}
    assert not bad_rows & set(accepted)  # nothing bad is accepted
    if any(row is None for _, row, _ in expected):
        assert result.frame.height == 0 and not result.ok
    else:
        assert result.rejected["row"].to_list() == sorted(bad_rows)
        assert result.ok == bool(accepted)
    assert result.problems["message"].null_count() == 0
    bengali = run(DATA / path, **(options | {"lang": "bn"}))
    assert triples(bengali) == expected
    assert all(BENGALI.search(message) for message in bengali.problems["message"])


def test_bad_corpus_covers_every_file_and_code():
    files = {p.name for p in (DATA / "bad").iterdir()}
    assert files == {Path(c[0]).name for c in BAD_CORPUS if c[0].startswith("bad/")} and len(files) >= 50
    covered = {code for case in BAD_CORPUS for code, _, _ in case[2]}
    assert covered | {"ambiguous_upazila"} == set(PROBLEM_CODES)  # see test_ambiguous_upazila


def test_ambiguous_upazila(gaz, services):
    # Pirojpur's upazila names are unique; give two upazilas the alias "Sadar" to see the check work.
    units = gaz.units.with_columns(aliases=pl.when(pl.col("pcode") == "BD107976")
                                   .then(pl.col("aliases").fill_null("") + "|Sadar").otherwise("aliases"))
    text = "Date,Upazila,Union,Entrepreneur ID,Service,Fee (Tk)\n01/07/2022,Sadar,Tona,UDC-1,Birth registration,75\n"
    result = ingest_bytes(text.encode(), file_name="a.csv", upload_id="u", lang="en", gazetteer=Gazetteer(units),
                          services=services)
    assert triples(result) == {("ambiguous_upazila", 2, "Upazila")}
    assert "Pirojpur Sadar" in result.problems["message"].item() and "Nazirpur" in result.problems["message"].item()


def test_row_numbers_count_title_rows_in_workbooks(run):
    result = run(DATA / "bad" / "titled_errors.xlsx")
    assert result.header_row == 4 and result.sheet == "Log"


def test_repeated_rows_are_deliveries_counted_each(run):
    result = run(DATA / "good" / "repeated_rows.csv")
    assert result.clean and result.problems.height == 0
    assert result.repeated_rows == 2 and result.frame.height == 4
    assert result.frame["beneficiaries"].sum() == 4 and result.frame["fee_paisa"].sum() == 2 * (7500 + 3000)


_SEXES = "Date,Union,Entrepreneur ID,Service,Male,Female,Total,Fee (Tk)\n"


@pytest.mark.parametrize(("row", "people", "from_parts", "blank"), [
    ("1,2,3", 3, 0, 0),  # the total, as written
    ("1,2,", 3, 1, 0),  # the total left blank: the sum of its parts, and said
    ("0,4,", 4, 1, 0), ("2,,", 2, 1, 0),  # a part left blank counts nothing
    ("1,2,5", 5, 0, 0),  # the total wins over its parts
    (",,", 1, 0, 1),  # nothing written: one person, said as before
])
def test_a_total_of_people_left_blank_is_the_sum_of_its_parts(run, row, people, from_parts, blank):
    """A probe: "Male | Female | Total" with Total left blank on some rows stored 11 people of 21, and
    said the rows had "no number served written"."""
    result = run((_SEXES + "02/07/2023,Tona,UDC-1,Photocopy,1,1,2,10\n"
                           f"03/07/2023,Tona,UDC-1,Birth registration,{row},75\n").encode(), period=quarter(2023, 1))
    assert result.clean, result.problems
    assert result.frame["beneficiaries"].to_list() == [2, people]
    assert (result.count_from_parts, result.count_blank_rows) == (from_parts, blank)
    if from_parts:
        assert result.count_parts_summed == ["Male", "Female"] and result.count_total_column == "Total"


def test_a_rejected_row_gives_back_its_total_as_written(run):
    result = run((_SEXES + "02/07/2023,Tona,UDC-1,Photocopy,1,1,2,10\n"
                           "03/07/2023,Tona,UDC-1,Birth registration,1,2,,75\n"
                           "04/07/2023,Tona,UDC-1,No such service,1,2,,75\n").encode(), period=quarter(2023, 1))
    assert result.frame["beneficiaries"].to_list() == [2, 3] and result.count_from_parts == 1
    assert result.rejected["row"].to_list() == [4] and result.rejected["Total"].to_list() == [None]


@pytest.mark.parametrize(("heading", "kinds", "stored", "codes"), [
    # a kind of service beside its name: the name is the service, the kind not used
    ("সেবার ধরন,সেবার নাম", ("সরকারি", "বেসরকারি"), 2, set()),
    ("Service Type,Service", ("Govt", "Private"), 2, set()),
    ("সেবার প্রকার,সেবা", ("সরকারি", "সরকারি"), 2, set()),
    # two columns of services: which one is meant is the user's to say
    ("Service,Service Name", ("Photocopy", "Photocopy"), 0, {("duplicate_column", None, None)}),
    # a column of kinds one of which is a service's name: not guessed either
    ("সেবার ধরন,সেবার নাম", ("সরকারি", "Photocopy"), 0, {("duplicate_column", None, None)}),
])
def test_a_kind_of_service_beside_its_name_is_not_used(run, heading, kinds, stored, codes):
    """A probe: "সেবার ধরন | সেবার নাম" (সরকারি / বেসরকারি beside the name) was refused as two service columns."""
    text = f"Date,Union,Entrepreneur ID,{heading},Beneficiaries,Fee (Tk)\n" + "".join(
        f"0{day}/07/2023,Tona,UDC-1,{kind},{name},1,{fee}\n"
        for day, kind, name, fee in ((3, kinds[0], "Birth registration", 75), (4, kinds[1], "Photocopy", 5)))
    result = run(text.encode(), period=quarter(2023, 1))
    assert triples(result) == codes
    assert result.frame.height == stored
    if stored:
        assert result.frame.sort("source_row")["service_code"][0] == "UDC002"  # birth registration, from the name
        assert heading.split(",")[0] in result.unmapped


@pytest.mark.parametrize(("heading", "cells", "codes"), [
    # a pair of columns per entrepreneur, or what is left of it once one income column is deleted
    ("নারী উদ্যোক্তা সংখ্যা,নারী উদ্যোক্তা আয়,পুরুষ উদ্যোক্তা সংখ্যা,পুরুষ উদ্যোক্তা আয়", "2,150,3,225",
     {("entrepreneurs_as_columns", None, None)}),
    ("নারী উদ্যোক্তা সংখ্যা,নারী উদ্যোক্তা আয়,পুরুষ উদ্যোক্তা সংখ্যা", "2,150,3", {("entrepreneurs_as_columns", None, None)}),
    ("Shirin (UDC-10798094-F) Qty,Shirin Fee,Jahid (UDC-10798094-M) Qty", "2,150,3",
     {("entrepreneurs_as_columns", None, None)}),
    # one entrepreneur's columns, and the entrepreneur's ID and name beside a count: a log as usual
    ("Entrepreneur ID,Entrepreneur Name,Beneficiaries,Fee (Tk)", "UDC-1,Shirin,2,150", set()),
    ("উদ্যোক্তার আইডি,সংখ্যা,উদ্যোক্তার আয়", "UDC-1,2,150", set()),
])
def test_a_column_per_entrepreneur_is_refused_not_summed(run, heading, cells, codes):
    """A probe: "নারী উদ্যোক্তা | পুরুষ উদ্যোক্তা" over "সংখ্যা | আয়" was refused asking to delete one
    income column; once deleted, both counts were summed with one income (Tk 1,315 of Tk 2,280), and an
    English file kept the first entrepreneur's count alone (18 of 52 people)."""
    text = f"Date,Union,Service,{heading}\n03/07/2023,Tona,Birth registration,{cells}\n"
    result = run(text.encode(), period=quarter(2023, 1))
    assert triples(result) == codes
    assert result.frame.height == (0 if codes else 1)


@pytest.mark.parametrize(("upazila", "union", "stored", "codes"), [
    # decided to be Bhandaria's Telikhali: not a union of the Pirojpur Sadar the row names
    ("Pirojpur Sadar", "Kalakhali", [], {("union_not_in_upazila", 2, "Union")}),
    ("Bhandaria", "Kalakhali", [2], set()),  # in the upazila named: as decided
    ("", "Kalakhali", [2], set()),  # no upazila written: as decided
])
def test_a_union_decided_is_still_checked_against_the_rows_upazila(run, upazila, union, stored, codes):
    """A review: a decision "Kalakhali" → Telikhali (BD10791483) put Pirojpur Sadar's rows in Bhandaria."""
    decided = decisions.frame([decisions.make("union", "Kalakhali", "BD10791483")])
    text = ("Date,Upazila,Union,Entrepreneur ID,Service,Beneficiaries,Fee (Tk)\n"
            f"03/07/2023,{upazila},{union},UDC-1,Birth registration,1,75\n")
    result = run(text.encode(), period=quarter(2023, 1), decisions=decided, lang="en")
    assert triples(result) == codes
    assert result.frame["source_row"].to_list() == stored
    if codes:
        assert "decided by staff to be Telikhali, a union of Bhandaria" in result.problems["message"][0]
    else:
        assert result.frame["union_code"].to_list() == ["BD10791483"]


_NUMBERED = "SL,Date,Union,Entrepreneur ID,Service,Beneficiaries,Fee (Tk)\n"


@pytest.mark.parametrize(("rows", "repeated", "stored"), [
    # a register numbered ahead: its lines with nothing written are left out, and are no repeats
    (["1,03/07/2023,Tona,UDC-1,Birth registration,1,75", "2,04/07/2023,Tona,UDC-1,Photocopy,1,5",
      "3,,,,,,", "4,,,,,,", "5,,,,,,"], 0, [2, 3]),
    # a repeat among the rows kept is still said
    (["1,03/07/2023,Tona,UDC-1,Birth registration,1,75", "2,03/07/2023,Tona,UDC-1,Birth registration,1,75",
      "3,,,,,,", "4,,,,,,"], 1, [2, 3]),
    # a daily form's services no one was given (0, no fee), alike on each day: no repeats either
    (["1,03/07/2023,Tona,UDC-1,Birth registration,1,75", "2,03/07/2023,Tona,UDC-1,Photocopy,0,0",
      "3,03/07/2023,Tona,UDC-1,Photocopy,0,0"], 0, [2]),
])
def test_repeated_rows_are_counted_among_the_rows_kept(run, rows, repeated, stored):
    """A probe: a register numbered to its end (3 deliveries, then the numbers 4-10 on empty lines) was
    said to have "6 rows that repeat another row exactly; counted as separate deliveries"."""
    result = run((_NUMBERED + "\n".join(rows) + "\n").encode(), period=quarter(2023, 1))
    assert result.repeated_rows == repeated
    assert result.frame["source_row"].to_list() == stored


def test_bengali_unknown_union_message_names_the_closest_unions(run):
    result = run(DATA / "bad" / "unknown_union.csv", lang="bn")
    message = result.problems.filter(pl.col("row") == 3)["message"].item()
    assert "Shankar Mallik" in message and "পিরোজপুর সদর" in message
    assert "শিকদার মল্লিক" in message and "শংকরপাশা" in message
    english = run(DATA / "bad" / "unknown_union.csv").problems.filter(pl.col("row") == 3)["message"].item()
    assert "Sikdar Mallik, Shankarpasha" in english


def test_unknown_service_suggests_the_closest_service(run):
    result = run(DATA / "bad" / "unknown_service.csv")
    assert "Birth registration" in result.problems.filter(pl.col("row") == 3)["message"].item()


# --- messages -------------------------------------------------------------------------------

def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_problem_code_has_a_message_in_both_languages():
    table = strings()
    assert set(FILE_CODES) | set(ROW_CODES) == set(PROBLEM_CODES)
    for code in PROBLEM_CODES:
        texts = table[f"ingest.problem.{code}"]
        assert texts["en"].strip() and BENGALI.search(texts["bn"]), code
        assert placeholders(texts["en"]) == placeholders(texts["bn"]), code


def test_every_ingest_string_has_both_languages():
    with (Path(__file__).parent.parent / "analytics" / "strings" / "ingest.toml").open("rb") as handle:
        table = tomllib.load(handle)
    for key, texts in table.items():
        assert set(texts) == {"en", "bn"}, key
        assert placeholders(texts["en"]) == placeholders(texts["bn"]), key


SAMPLE_PARAMS = {
    "unreadable": {"reason": "damaged"}, "file_too_large": {"size": 60_000_000, "limit": 50_000_000},
    "too_many_rows": {"rows": 3_000_000, "limit": 2_000_000}, "no_columns": {"headers": "A, B"},
    "missing_column": {"field": "union"}, "duplicate_column": {"field": "fee", "headers": ["Fee", "Income"]},
    "ambiguous_sheet": {"sheets": ["Q1", "Q2"]}, "sheet_not_found": {"sheet": "X", "sheets": ["Q1"]},
    "bad_mapping": {"field": "money", "fields": ["date"]},
    "date_out_of_period": {"period_en": "FY 2022-23 Q1", "period_bn": "২০২২-২৩ অর্থবছর, ১ম প্রান্তিক"},
    "date_stray": {"first": "2022-07-01", "last": "2022-09-30"},
    "unknown_union": {"candidates": ["BD10798086"], "within": "BD107980"},
    "ambiguous_union": {"candidates": ["BD10791411"], "parents": ["BD107914"]},
    "union_not_in_upazila": {"upazila": "BD107976", "actual": "BD107980"},
    "unknown_upazila": {"candidates": []}, "ambiguous_upazila": {"candidates": ["BD107914"]},
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
    "value_too_long": {"limit": 40}, "second_table": {"row": 9},
    "fee_total_unclear": {"total_column": "Total (Tk)", "row": 3, "fee": 3000, "total": 10500, "count": 1},
    "months_as_columns": {"months": ["July", "August"]},
    "services_as_columns": {"services": ["Birth registration", "Photocopy"]},
    "entrepreneurs_as_columns": {"headers": ["Shirin (UDC-1) Qty", "Jahid (UDC-2) Qty"]},
}


@pytest.mark.parametrize("code", PROBLEM_CODES)
@pytest.mark.parametrize("lang", ["en", "bn"])
def test_every_problem_renders(code, lang):
    text = render(code, lang, column="Fee (Tk)", params=SAMPLE_PARAMS.get(code, {}), namer=Namer.plain())
    assert text and "{" not in text


@pytest.mark.parametrize(("sheets", "lang", "ends"), [
    ([f"S{i}" for i in range(3000)], "en", "S11 and 2,988 more"),  # the review: all 3,000 names in one message
    ([f"S{i}" for i in range(3000)], "bn", "S11 এবং আরও ২,৯৮৮টি"),
    (["Q1", "Q2"], "en", "Q1, Q2"),
])
def test_a_workbooks_sheets_are_named_a_dozen_at_most(sheets, lang, ends):
    text = render("ambiguous_sheet", lang, column=None, params={"sheets": sheets}, namer=Namer.plain())
    assert ends in text and "S12" not in text and len(text) < 600


def test_file_size_message_is_readable():
    text = render("file_too_large", "bn", column=None, params=SAMPLE_PARAMS["file_too_large"], namer=Namer.plain())
    assert "৬০ মেগাবাইট" in text and "৫০ মেগাবাইট" in text


# --- the rejected rows as a CSV -------------------------------------------------------------

def test_rejected_csv_is_excel_ready_and_inert(run):
    result = run(DATA / "bad" / "formula_injection.csv")
    data = result.rejected_csv(lang="bn")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][-2:] == ["সারি", "সমস্যা"]
    assert [r[-2] for r in rows[1:]] == ["2", "3", "4", "5", "6"]
    for row in rows[1:]:
        assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in row)
        assert BENGALI.search(row[-1])
    assert rows[1][5].startswith("'=HYPERLINK")
    english = list(csv.reader(io.StringIO(result.rejected_csv(lang="en").decode("utf-8-sig"))))
    assert english[0][-2:] == ["Row", "Problem"] and "formula" in english[1][-1]


def test_rejected_rows_give_a_workbooks_dates_as_the_sheet_showed_them():
    """The review: the problem rows of a workbook wrote its date cells as "2023-10-10 00:00:00"."""
    from analytics.ingest.validate import rejected_csv_bytes

    rejected = pl.DataFrame({"তারিখ": ["2023-10-10 00:00:00", "2023-10-10", "১০/১০/২০২৩"], "ফি": ["50", "x", "2023-01-02 00:00:00"],
                             "row": [3, 4, 5], "problem": ["a", "b", "c"]})
    rows = list(csv.reader(io.StringIO(rejected_csv_bytes(rejected, lang="bn").decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["10/10/2023", "2023-10-10", "১০/১০/২০২৩"]  # (as typed stays as typed)
    assert rows[3][1] == "02/01/2023"


def test_rejected_rows_can_be_fixed_and_uploaded_again(run):
    first = run(DATA / "bad" / "union_wrong_upazila.csv", lang="bn")
    fixed = first.rejected_csv(lang="bn").decode("utf-8-sig").replace("Nazirpur", "Pirojpur Sadar")
    second = run(fixed.encode("utf-8-sig"), file_name="fixed.csv", lang="bn")
    assert second.ok and second.problems.height == 0 and second.unmapped == []
    assert second.frame["union_code"].to_list() == ["BD10798034"]
    assert first.frame.height + second.frame.height == 2
    # a second round of rejection does not pile up Row and Problem columns
    again = run(first.rejected_csv(lang="en"), file_name="again.csv")
    header = again.rejected_csv(lang="en").decode("utf-8-sig").splitlines()[0].split(",")
    assert header.count("Row") == 1 and header.count("Problem") == 1 and "row" not in header
    assert triples(again) == {("union_not_in_upazila", 2, "Union")}


# --- robustness and speed -------------------------------------------------------------------

def test_garbage_never_raises(run):
    rng = random.Random(7)
    seeds = [p.read_bytes() for p in sorted((DATA / "good").iterdir())]
    for i in range(60):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 20)):
            if data:
                data[rng.randrange(len(data))] = rng.randrange(256)
        cut = data[: rng.randint(0, len(data))] if i % 3 == 0 else data
        name = rng.choice(["x.csv", "x.xlsx", "x.xls", "x.txt"])
        result = run(bytes(cut), file_name=name, period=Q1)
        assert isinstance(result, IngestResult)
        assert result.frame.schema == pl.Schema(schema.LOG_SCHEMA)
        assert set(result.problems["code"]) <= set(PROBLEM_CODES)
        assert not any("internal error" in m for m in result.problems["message"]), result.problems.rows()


def test_sheet_names_is_exported():
    assert sheet_names((DATA / "good" / "titled_two_sheets.xlsx").read_bytes(),
                       file_name="titled_two_sheets.xlsx") == ["Instructions", "Log"]


@pytest.mark.slow
def test_a_million_rows_ingest_exactly(run):
    """A million rows are read, checked and counted exactly (their speed is measured by the
    benchmarks, `python3 dev.py bench`, not here: a timing in a unit test fails on a busy machine)."""
    n = 1_000_000
    places = pl.DataFrame({
        "u": range(5),
        "Upazila": ["Pirojpur Sadar", "Pirojpur Sadar", "Nazirpur", "Nesarabad", ""],
        "Union": ["Shikder Mallik", "Kodomtala", "Mativangga", "Swarupkathi", "Kalakhali"],
        "Entrepreneur ID": [f"UDC-{i}" for i in range(5)],
        "upazila_code": ["BD107980", "BD107980", "BD107976", "BD107987", "BD107980"],
    }, schema_overrides={"u": pl.Int64})
    kinds = pl.DataFrame({"s": range(3), "Service": ["Birth registration", "Online citizen certificate", "Nakal"],
                          "Channel": ["UDC", "UDC", "Front desk"]}, schema_overrides={"s": pl.Int64})
    rows = (pl.select(i=pl.int_range(0, n, dtype=pl.Int64))
            .with_columns(u=pl.col("i") * 7919 % 5, s=pl.col("i") * 104729 % 3)
            .join(places, on="u").join(kinds, on="s").sort("i")
            .with_columns(
                Date=(pl.lit(Q1.start) + pl.duration(days=pl.col("i") % 92)).dt.strftime("%d/%m/%Y"),
                fee=pl.when(pl.col("Channel") == "UDC").then(pl.col("i") % 80 + 20).otherwise(0),
                Union=pl.when(pl.col("i") % 100_000 == 99_999).then(pl.lit("Nowhere")).otherwise("Union"))
            .with_columns(pl.when(pl.col("Channel") == "UDC").then(pl.col(c)).alias(c)
                          for c in ("Upazila", "Union", "Entrepreneur ID")))
    upload = rows.select("Date", "Channel", "Upazila", "Union", "Entrepreneur ID", "Service",
                         pl.lit("1").alias("Beneficiaries"), pl.col("fee").cast(pl.String).alias("Fee (Tk)"),
                         ("R" + pl.col("i").cast(pl.String)).alias("Receipt No"))
    data = upload.write_csv().encode("utf-8-sig")
    result = run(data, file_name="million.csv", period=Q1, limits=Limits(max_bytes=200_000_000))
    bad = rows.filter((pl.col("i") % 100_000 == 99_999) & (pl.col("Channel") == "UDC"))
    assert triples(result) == {("unknown_union", i + 2, "Union") for i in bad["i"]}
    good = rows.filter(~pl.col("i").is_in(bad["i"].to_list()))
    assert result.frame.height == good.height == n - bad.height
    assert result.frame["fee_paisa"].sum() == good["fee"].sum() * 100
    expected = good.group_by(pl.when(pl.col("Channel") == "UDC").then("upazila_code").otherwise(pl.lit("BD107980"))
                             .alias("upazila_code")).len().sort("upazila_code")
    got = result.frame.group_by("upazila_code").agg(pl.col("beneficiaries").sum()).sort("upazila_code")
    assert got.rows() == expected.rows()


def test_headings_that_look_like_formulas_are_inert_in_the_rejected_rows_csv(run):
    text = "Date,Union,Entrepreneur ID,Service,Fee (Tk),=HYPERLINK(\"http://x\";\"y\"),@SUM(A1)\n" \
           "01/07/2022,Atlantis,E1,Birth registration,75,=1+1,-2\n"
    result = run(text.encode(), file_name="f.csv", mapping={"=HYPERLINK(\"http://x\";\"y\")": "remarks",
                                                            "@SUM(A1)": "remarks"})
    exported = result.rejected_csv(lang="en").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(exported)))
    assert all(cell[:1] not in ("=", "+", "-", "@") for row in rows for cell in row), rows


# --- a large file is checked a slice of rows at a time ----------------------------------------

SLICED = sorted([*(DATA / "good").iterdir(), *(DATA / "bad").iterdir(),
                 *(p for p in (DATA.parent / "offices").iterdir() if p.suffix in (".csv", ".xlsx"))])


def outcome(result: IngestResult) -> dict:
    """Everything an ingest reports, comparable with ``==``."""
    return {"frame": result.frame.rows(), "problems": result.problems.rows(), "rejected": result.rejected.rows(),
            "questions": result.questions.rows(), "matches": result.matches.rows(),
            "repeated": result.repeated_rows, "counts": result.problem_counts, "shape": result.shape,
            "messages": result._messages.rows(), "csv": result.rejected_csv(lang="bn")}


@pytest.mark.parametrize("path", SLICED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_slices_of_rows_give_what_the_whole_file_gives(run, monkeypatch, path):
    """Rows are checked a slice at a time (pipeline.SLICE_ROWS); slices of three rows, so that
    problems, questions, names matched and repeated rows fall on both sides of the cuts, report
    exactly what the file checked at once reports."""
    from analytics.ingest import pipeline

    whole = outcome(run(path, period=Q1))
    monkeypatch.setattr(pipeline, "SLICE_ROWS", 3)
    assert outcome(run(path, period=Q1)) == whole


# --- reading ahead in the isolated child ----------------------------------------------------

def isolated_options(**options) -> dict:
    return {"file_name": "upload.csv", "upload_id": "u", "lang": "en", "period": None, "sheet": None, "mapping": None,
            "limits": Limits(), "date_order": None, "decisions": None, **options}


def test_a_file_read_ahead_is_checked_as_read(tmp_path, gaz, services):
    from analytics.ingest import pipeline
    from analytics.store import content_hash

    path = tmp_path / "upload.csv"
    path.write_bytes((DATA / "good" / "template_en.csv").read_bytes())
    pipeline.prefetch(str(path))
    assert str(path) in pipeline._AHEAD
    result = pipeline._ingest_file(str(path), str(tmp_path / "frame.arrow"), **isolated_options())
    assert str(path) not in pipeline._AHEAD  # used, and only once
    expected = ingest_bytes(path.read_bytes(), file_name="upload.csv", upload_id="u", lang="en")
    assert pl.read_ipc(result.frame).rows() == expected.frame.rows() and expected.clean
    assert result.problems.rows() == expected.problems.rows()
    assert result.content_hash == content_hash(path.read_bytes())


@pytest.mark.parametrize("change", ["content", "sheet", "file_name"])
def test_a_file_read_ahead_is_not_used_for_another_request(tmp_path, change):
    """A file changed after it was read ahead is read again (and hashed as it is now); so is one
    asked for with a sheet or under another name."""
    from analytics.ingest import pipeline
    from analytics.store import content_hash

    path = tmp_path / "upload.csv"
    path.write_bytes((DATA / "good" / "template_en.csv").read_bytes())
    pipeline.prefetch(str(path))
    options = isolated_options()
    if change == "content":
        path.write_bytes(path.read_bytes() + b"04/07/2022,UDC,Pirojpur Sadar,Kalakhali,UDC-10798034-F,"
                                             b"Nasrin Akter,Female,Birth registration,1,75\n")
    elif change == "sheet":
        options["sheet"] = "Sheet1"
    else:
        options["file_name"] = "other.csv"
    result = pipeline._ingest_file(str(path), str(tmp_path / "frame.arrow"), **options)
    assert str(path) not in pipeline._AHEAD
    assert result.content_hash == content_hash(path.read_bytes())
    expected = ingest_bytes(path.read_bytes(), upload_id="u", **{k: v for k, v in options.items()
                                                                if k in ("file_name", "sheet", "lang")})
    frame = pl.read_ipc(result.frame) if isinstance(result.frame, str) else result.frame
    assert frame.rows() == expected.frame.rows()
    assert result.problems.rows() == expected.problems.rows()


@pytest.mark.parametrize("content", [b"\x00\x01\x02binary" * 100, b"", b"Date,Service\n"])
def test_a_file_refused_when_read_ahead_is_refused_as_when_read(tmp_path, content):
    from analytics.ingest import pipeline

    path = tmp_path / "upload.csv"
    path.write_bytes(content)
    pipeline.prefetch(str(path))
    result = pipeline._ingest_file(str(path), str(tmp_path / "frame.arrow"), **isolated_options())
    expected = ingest_bytes(content, file_name="upload.csv", upload_id="u", lang="en")
    assert result.problems.rows() == expected.problems.rows() and not expected.ok


def test_a_file_that_cannot_be_read_ahead_is_left_to_the_real_read(tmp_path):
    from analytics.ingest import pipeline

    pipeline.prefetch(str(tmp_path / "missing.csv"))  # never raises
    assert str(tmp_path / "missing.csv") not in pipeline._AHEAD


@pytest.mark.parametrize("kind", ["good", "every_row_refused"])
def test_the_isolated_reader_gives_the_rows_in_the_log_schema(tmp_path, kind):
    """The child passes the rows' text as categorical; the caller gets them as text, exactly as
    checked in this process, also when no row is left."""
    from analytics.ingest.pipeline import ingest_isolated

    data = (DATA / "good" / "template_en.csv").read_bytes()
    if kind == "every_row_refused":
        header, *rows = data.decode("utf-8").splitlines()
        data = "\n".join([header] + ["99/99/2022" + row[row.index(","):] for row in rows]).encode()
    isolated = ingest_isolated(data, file_name="upload.csv", upload_id="u", lang="en")
    expected = ingest_bytes(data, file_name="upload.csv", upload_id="u", lang="en")
    assert isolated.frame.schema == expected.frame.schema == pl.Schema(schema.LOG_SCHEMA)
    assert isolated.frame.rows() == expected.frame.rows()
    assert (isolated.frame.height > 0) == (kind == "good")
    assert isolated.problems.rows() == expected.problems.rows()


@pytest.mark.parametrize(("values", "distinct"), [
    ([5, 0, 5, 9, 0], [5, 0, 9]),  # small numbers: read from a table
    ([2**40, 7, 2**40, 2**33], [2**40, 7, 2**33]),  # large ones: looked up
    ([3], [3]),
])
def test_each_value_is_numbered_by_its_place_among_the_distinct_ones(values, distinct):
    from analytics.ingest.pipeline import _numbered

    numbered = _numbered(pl.Series(values, dtype=pl.UInt64), pl.Series(distinct, dtype=pl.UInt64))
    assert numbered.dtype == pl.UInt32 and numbered.to_list() == [distinct.index(v) for v in values]


@pytest.mark.parametrize("path", SLICED[::10], ids=lambda p: f"{p.parent.name}/{p.name}")
def test_distinct_cells_numbered_without_a_mapping_of_their_own_give_the_same(run, monkeypatch, path):
    """pipeline._positions numbers each column's distinct cells with a categorical mapping of the
    column's own; should polars not number them densely from 0 (a mapping shared with other
    text), they are numbered another way, and the file reports exactly the same."""
    whole = outcome(run(path, period=Q1))
    keep = pl.Series(["not a cell of any file"], dtype=pl.Categorical(pl.Categories("shared-by-test")))
    monkeypatch.setattr(pl.Categories, "random", staticmethod(lambda: pl.Categories("shared-by-test")))
    assert outcome(run(path, period=Q1)) == whole
    assert keep.len() == 1


# --- office habits (issue 9): each gives exactly the file's rows ---------------------------------

HABITS = [
    # (what the office does, CSV text, expected (date, union, entrepreneur, service, beneficiaries, fee paisa), notes)
    ("total written in the serial column, merged over the first cells",
     "ক্রমিক নং,তারিখ,ইউনিয়ন,উদ্যোক্তা আইডি,সেবার নাম,সেবাগ্রহীতা,আয় (টাকা)\n"
     "১,০৩/০৭/২০২৩,টোনা,UDC-1,জন্ম নিবন্ধন,১,৭৫\n২,০৪/০৭/২০২৩,টোনা,UDC-1,জন্ম নিবন্ধন,২,১৫০\nমোট,,,,,৩,২২৫\n",
     [("2023-07-03", "BD10798094", "UDC-1", "UDC002", 1, 7500), ("2023-07-04", "BD10798094", "UDC-1", "UDC002", 2, 15000)],
     {("total_row", 4, None)}),
    ("the citizen's age, name and phone beside no count column: left out, one delivery a row",
     "Date,Union,Entrepreneur ID,Service,Name of Service Recipient,Age of Service Recipient,Mobile No. of Recipient,Fee\n"
     "03/07/2023,Tona,UDC-1,Birth registration,Rahima Begum,67,01711000000,75\n"
     "04/07/2023,Tona,UDC-1,Birth registration,Karim Mia,45,01811000000,75\n",
     [("2023-07-03", "BD10798094", "UDC-1", "UDC002", 1, 7500), ("2023-07-04", "BD10798094", "UDC-1", "UDC002", 1, 7500)],
     set()),
    ("the fee heading says service charge; a dash for a free service; the currency stuck to the number",
     "Date,Union,Entrepreneur ID,Service,Service Charge (Tk)\n03/07/2023,Tona,UDC-1,Weather information,-\n"
     "04/07/2023,Tona,UDC-1,Birth registration,75Tk\n",
     [("2023-07-03", "BD10798094", "UDC-1", "UDC104", 1, 0), ("2023-07-04", "BD10798094", "UDC-1", "UDC002", 1, 7500)],
     set()),
    ("a free service's fee written as a word (the review's 'Free', 'বিনামূল্যে', 'নাই'): Tk 0, as a dash is",
     "Date,Union,Entrepreneur ID,Service,Fee (Tk)\n03/07/2023,Tona,UDC-1,Weather information,Free\n"
     "04/07/2023,Tona,UDC-1,Weather information,বিনামূল্যে\n05/07/2023,Tona,UDC-1,Weather information,নাই\n",
     [("2023-07-03", "BD10798094", "UDC-1", "UDC104", 1, 0), ("2023-07-04", "BD10798094", "UDC-1", "UDC104", 1, 0),
      ("2023-07-05", "BD10798094", "UDC-1", "UDC104", 1, 0)],
     set()),
    ("one entrepreneur's ID in three spellings, Bengali dates with ordinals and the era, counts with units",
     "তারিখ,ইউনিয়ন,উদ্যোক্তা আইডি,সেবা,সেবাগ্রহীতার সংখ্যা,ফি\n৩রা জুলাই ২০২৩,টোনা,prj-01,জন্ম নিবন্ধন,২ জন,১৫০\n"
     "০৪/০৭/২০২৩ ইং,টোনা,PRJ-০১,জন্ম নিবন্ধন,১ জন,৭৫\n\"জুলাই ৫, ২০২৩\",টোনা,PRJ-01,জন্ম নিবন্ধন,১টি,৭৫\n",
     [("2023-07-03", "BD10798094", "PRJ-01", "UDC002", 2, 15000), ("2023-07-04", "BD10798094", "PRJ-01", "UDC002", 1, 7500),
      ("2023-07-05", "BD10798094", "PRJ-01", "UDC002", 1, 7500)],
     set()),
    ("a sign-off under the table: left out and noted; a row missing its date before it is still refused",
     "Date,Union,Entrepreneur ID,Service,Fee\n03/07/2023,Tona,UDC-1,Birth registration,75\n"
     ",,,Photocopy,\n\n\"Prepared by: Md. Rahim, UDC Entrepreneur\"\nSignature:,,,,\nMd. Rahim,,,,\n",
     [("2023-07-03", "BD10798094", "UDC-1", "UDC002", 1, 7500)],
     {("missing_value", 3, "Date"), ("missing_value", 3, "Union"), ("missing_value", 3, "Fee"),
      ("udc_without_entrepreneur", 3, "Entrepreneur ID"), ("note_row", 5, None), ("note_row", 6, None),
      ("note_row", 7, None)}),
    ("a sign-off line of several cells (\"Prepared by:\" and \"Checked by:\" side by side), in either language",
     "Date,Union,Entrepreneur ID,Service,Fee\n03/07/2023,Tona,UDC-1,Birth registration,75\n"
     "Note: from the entrepreneurs' registers,,,,\nPrepared by:,,,Checked by:,\n\"(Signature) UNO, Nesarabad\",,,,\n"
     "প্রস্তুতকারী:,,যাচাইকারী:,,\n",
     [("2023-07-03", "BD10798094", "UDC-1", "UDC002", 1, 7500)],
     {("note_row", 3, None), ("note_row", 4, None), ("note_row", 5, None), ("note_row", 6, None)}),
    ("the sign-off's own date under it (\"তারিখঃ ০৪/০৪/২০২৪\"): a line of the sign-off, not a delivery",
     "Date,Union,Entrepreneur ID,Service,Fee\n03/07/2023,Tona,UDC-1,Birth registration,75\n"
     "প্রস্তুতকারীঃ,,,,\nউদ্যোক্তা টোনা ইউনিয়ন ডিজিটাল সেন্টার,,,,\nতারিখঃ ০৪/০৭/২০২৩,,,,\n",
     [("2023-07-03", "BD10798094", "UDC-1", "UDC002", 1, 7500)],
     {("note_row", 3, None), ("note_row", 4, None), ("note_row", 5, None)}),
    ("cells of a row under the table that only one of reads as a sign-off: a row like any other",
     "Date,Union,Entrepreneur ID,Service,Fee\n03/07/2023,Tona,UDC-1,Birth registration,75\n"
     "Checked:,Tona,UDC-1,Birth registration,75\n",
     [("2023-07-03", "BD10798094", "UDC-1", "UDC002", 1, 7500)], {("bad_date", 3, "Date")}),
    ("a count headed with the people served alone (\"Citizens\"): their number, not personal data",
     "Date,Union,Entrepreneur ID,Service,Citizens,Fee\n03/07/2023,Tona,UDC-1,Birth registration,2,150\n"
     "04/07/2023,Tona,UDC-1,Birth registration,১,75\n",
     [("2023-07-03", "BD10798094", "UDC-1", "UDC002", 2, 15000), ("2023-07-04", "BD10798094", "UDC-1", "UDC002", 1, 7500)],
     set()),
    ("the same heading over the citizens' names: left out, one person a row",
     "Date,Union,Entrepreneur ID,Service,Clients,Fee\n03/07/2023,Tona,UDC-1,Birth registration,Rahima Begum,75\n",
     [("2023-07-03", "BD10798094", "UDC-1", "UDC002", 1, 7500)], set()),
    ("a few characters damaged on the way (NUL, a control character): each such cell refused where it is",
     "Date,Union,Entrepreneur ID,Service,Fee\n03/07/2023,Tona,UDC-1,Birth registration,75\n"
     "04/07/2023,To\x00na,UDC-1,Birth registration,75\n05/07/2023,Tona,UDC-1,Birth regis\x01tration,75\n"
     "06/07/2023,Tona,UDC-\x001,Birth registration,7\x005\n",
     [("2023-07-03", "BD10798094", "UDC-1", "UDC002", 1, 7500)],
     {("damaged", 3, "Union"), ("damaged", 4, "Service"), ("damaged", 5, "Entrepreneur ID"), ("damaged", 5, "Fee")}),
    ("the people served by name beside their number (\"Beneficiary | Beneficiaries\"): the names left out",
     "Date,Union,Entrepreneur ID,Service,Beneficiary,Beneficiaries,Fee\n"
     "03/07/2023,Tona,UDC-1,Birth registration,Rahima Begum,2,150\n04/07/2023,Tona,UDC-1,Birth registration,,1,75\n",
     [("2023-07-03", "BD10798094", "UDC-1", "UDC002", 2, 15000), ("2023-07-04", "BD10798094", "UDC-1", "UDC002", 1, 7500)],
     set()),
    ("the same in Bengali, the names column second (\"সেবাগ্রহীতার সংখ্যা | সেবাগ্রহীতা\")",
     "তারিখ,ইউনিয়ন,উদ্যোক্তা আইডি,সেবা,সেবাগ্রহীতার সংখ্যা,সেবাগ্রহীতা,ফি\n"
     "০৩/০৭/২০২৩,টোনা,UDC-1,জন্ম নিবন্ধন,২ জন,মোঃ করিম,১৫০\n",
     [("2023-07-03", "BD10798094", "UDC-1", "UDC002", 2, 15000)], set()),
    ("the people served by name beside their count per sex: the names left out, the count their sum",
     "Date,Union,Entrepreneur ID,Service,Beneficiary,Male,Female,Fee\n"
     "03/07/2023,Tona,UDC-1,Birth registration,Rahima Begum,1,1,150\n",
     [("2023-07-03", "BD10798094", "UDC-1", "UDC002", 2, 15000)], set()),
    ("the people served by name alone: the names left out, each row one person",
     "Date,Union,Entrepreneur ID,Service,Beneficiary,Fee\n03/07/2023,Tona,UDC-1,Birth registration,Rahima Begum,75\n"
     "04/07/2023,Tona,UDC-1,Birth registration,Karim,75\n",
     [("2023-07-03", "BD10798094", "UDC-1", "UDC002", 1, 7500), ("2023-07-04", "BD10798094", "UDC-1", "UDC002", 1, 7500)],
     set()),
    ("a template's column for the people's names left empty beside their number",
     "Date,Union,Entrepreneur ID,Service,Beneficiary,Beneficiaries,Fee\n03/07/2023,Tona,UDC-1,Birth registration,,2,150\n",
     [("2023-07-03", "BD10798094", "UDC-1", "UDC002", 2, 15000)], set()),
    ("a count written in words (\"এক জন\") beside a number of copies: never taken for names, the user's to say",
     "তারিখ,ইউনিয়ন,উদ্যোক্তা আইডি,সেবা,সেবাগ্রহীতা,সংখ্যা,ফি\n০৩/০৭/২০২৩,টোনা,UDC-1,ফটোকপি,এক জন,২০,৪০\n",
     [], {("duplicate_column", None, None)}),
    ("two columns of counts of the people served: which one is the user's to say",
     "Date,Union,Entrepreneur ID,Service,Beneficiary,Beneficiaries,Fee\n"
     "03/07/2023,Tona,UDC-1,Birth registration,2,2,150\n",
     [], {("duplicate_column", None, None)}),
    ("the count in a column per sex with no total: their sum (a dash or an empty cell counts nothing)",
     "তারিখ,ইউনিয়ন,উদ্যোক্তা আইডি,সেবা,সেবাগ্রহীতা পুরুষ,সেবাগ্রহীতা মহিলা,ফি\n"
     "০৩/০৭/২০২৩,টোনা,UDC-1,জন্ম নিবন্ধন,২,১,২২৫\n০৪/০৭/২০২৩,টোনা,UDC-1,জন্ম নিবন্ধন,-,৩,২২৫\n"
     "০৫/০৭/২০২৩,টোনা,UDC-1,জন্ম নিবন্ধন,,২,১৫০\n০৬/০৭/২০২৩,টোনা,UDC-1,জন্ম নিবন্ধন,দুই,১,২২৫\n",
     [("2023-07-03", "BD10798094", "UDC-1", "UDC002", 3, 22500), ("2023-07-04", "BD10798094", "UDC-1", "UDC002", 3, 22500),
      ("2023-07-05", "BD10798094", "UDC-1", "UDC002", 2, 15000)],
     {("count_not_number", 5, "সেবাগ্রহীতা পুরুষ + সেবাগ্রহীতা মহিলা")}),
    ("bare \"পুরুষ | মহিলা\" columns of counts (0s and 1s too): the count is their sum",
     "তারিখ,ইউনিয়ন,উদ্যোক্তা আইডি,সেবা,পুরুষ,মহিলা,ফি\n০৩/০৭/২০২৩,টোনা,UDC-1,জন্ম নিবন্ধন,১,০,৭৫\n"
     "০৪/০৭/২০২৩,টোনা,UDC-1,জন্ম নিবন্ধন,০,১,৭৫\n০৫/০৭/২০২৩,টোনা,UDC-1,জন্ম নিবন্ধন,১,১,১৫০\n",
     [("2023-07-03", "BD10798094", "UDC-1", "UDC002", 1, 7500), ("2023-07-04", "BD10798094", "UDC-1", "UDC002", 1, 7500),
      ("2023-07-05", "BD10798094", "UDC-1", "UDC002", 2, 15000)],
     set()),
    ("bare \"Male | Female | Total\" columns of counts: the total is the count",
     "Date,Union,Entrepreneur ID,Service,Male,Female,Total,Fee\n03/07/2023,Tona,UDC-1,Birth registration,2,0,2,150\n"
     "04/07/2023,Tona,UDC-1,Birth registration,0,3,3,225\n",
     [("2023-07-03", "BD10798094", "UDC-1", "UDC002", 2, 15000), ("2023-07-04", "BD10798094", "UDC-1", "UDC002", 3, 22500)],
     set()),
    ("a fee of one beside the row's total (\"Fee (Tk) | Total\"): the total is the row's fee",
     "Date,Union,Entrepreneur ID,Service,Beneficiaries,Fee (Tk),Total\n03/07/2023,Tona,UDC-1,Birth registration,3,75,225\n"
     "04/07/2023,Tona,UDC-1,Photocopy,1,5,5\n",
     [("2023-07-03", "BD10798094", "UDC-1", "UDC002", 3, 22500), ("2023-07-04", "BD10798094", "UDC-1", "UDC073", 1, 500)],
     set()),
    ("\"ফি | মোট টাকা\" where the total is the fee times the count, under a total row",
     "তারিখ,ইউনিয়ন,উদ্যোক্তা আইডি,সেবা,সেবাগ্রহীতা,ফি,মোট টাকা\n০৩/০৭/২০২৩,টোনা,UDC-1,জন্ম নিবন্ধন,২,৭৫,১৫০\n"
     "০৪/০৭/২০২৩,টোনা,UDC-1,জন্ম নিবন্ধন,১,৭৫,৭৫\nমোট,,,,৩,১৫০,২২৫\n",
     [("2023-07-03", "BD10798094", "UDC-1", "UDC002", 2, 15000), ("2023-07-04", "BD10798094", "UDC-1", "UDC002", 1, 7500)],
     {("total_row", 4, None)}),
    ("the government's fee, the service charge and their total: the service charge is what was earned",
     "Date,Union,Entrepreneur ID,Service,Beneficiaries,Govt Fee (Tk),Service Charge (Tk),Total (Tk)\n"
     "03/07/2023,Tona,UDC-1,Birth registration,2,50,25,150\n04/07/2023,Tona,UDC-1,Birth registration,1,50,25,75\n",
     [("2023-07-03", "BD10798094", "UDC-1", "UDC002", 2, 5000), ("2023-07-04", "BD10798094", "UDC-1", "UDC002", 1, 2500)],
     set()),
    ("\"সরকারি ফি | সার্ভিস চার্জ | মোট টাকা\" of each row (not each person): the row's service charge",
     "তারিখ,ইউনিয়ন,উদ্যোক্তা আইডি,সেবা,সেবাগ্রহীতা,সরকারি ফি,সার্ভিস চার্জ,মোট টাকা\n"
     "০৩/০৭/২০২৩,টোনা,UDC-1,জন্ম নিবন্ধন,২,১০০,৫০,১৫০\n",
     [("2023-07-03", "BD10798094", "UDC-1", "UDC002", 2, 5000)], set()),
    ("a fee beside a running total of the day's cash: which is the row's fee is asked, nothing stored",
     "Date,Union,Entrepreneur ID,Service,Beneficiaries,Fee (Tk),Total (Tk)\n03/07/2023,Tona,UDC-1,Birth registration,1,75,75\n"
     "03/07/2023,Tona,UDC-1,Photocopy,1,5,80\n",
     [], {("fee_total_unclear", None, "Fee (Tk)")}),
    ("the DC office's register: the subject of each application (\"আবেদনের বিষয়\") is the service",
     "তারিখ,আবেদনের বিষয়\n০৩/০৭/২০২৩,বিবিধ মামলার আবেদন\n", [("2023-07-03", None, None, "FD11", 1, 0)], set()),
    ("the date in three columns (Day | Month | Year), the month by name or number, in either language",
     "Day,Month,Year,Union,Entrepreneur ID,Service,Fee\n11,July,2023,Tona,UDC-1,Birth registration,75\n"
     "৫,৮,২৩,Tona,UDC-1,Birth registration,75\n32,July,2023,Tona,UDC-1,Birth registration,75\n",
     [("2023-07-11", "BD10798094", "UDC-1", "UDC002", 1, 7500), ("2023-08-05", "BD10798094", "UDC-1", "UDC002", 1, 7500)],
     {("bad_date", 4, "Day / Month / Year")}),
    ("দিন | মাস | বছর",
     "দিন,মাস,বছর,ইউনিয়ন,উদ্যোক্তা আইডি,সেবা,ফি\n৩,জুলাই,২০২৩,টোনা,UDC-1,জন্ম নিবন্ধন,৭৫\n",
     [("2023-07-03", "BD10798094", "UDC-1", "UDC002", 1, 7500)], set()),
    ("a summary with a count and a fee column per month (\"Count Jul-23 | Fee Jul-23\"): one problem, months as rows",
     "Union,Service,Count Jul-23,Fee Jul-23,Count Aug-23,Fee Aug-23\nTona,Birth registration,2,150,1,75\n",
     [], {("months_as_columns", None, None)}),
    ("a daily form with a number and a fee column under each service (a probe's \"জন্ম নিবন্ধন | সংখ্যা, টাকা\"):"
     " one problem, services as rows",
     "তারিখ,ইউনিয়ন,জন্ম নিবন্ধন সংখ্যা,জন্ম নিবন্ধন টাকা,বিদ্যুৎ বিল সংখ্যা,বিদ্যুৎ বিল টাকা,মোট সংখ্যা,মোট টাকা\n"
     "০৩/০৭/২০২৩,টোনা,২,১৫০,১০,৫০,১২,২০০\n", [], {("services_as_columns", None, None)}),
    ("one service's name as a heading beside the Service column is no form of services as columns",
     "Date,Union,Entrepreneur ID,Service,Photocopy,Fee\n03/07/2023,Tona,UDC-1,Birth registration,x,75\n",
     [("2023-07-03", "BD10798094", "UDC-1", "UDC002", 1, 7500)], set()),
    ("a free service's fee left empty is Tk 0 (its usual fee starts at 0); a paid service's is still asked for",
     "Date,Union,Entrepreneur ID,Service,Fee\n03/07/2023,Tona,UDC-1,Weather information,\n"
     "04/07/2023,Tona,UDC-1,Birth registration,\n",
     [("2023-07-03", "BD10798094", "UDC-1", "UDC104", 1, 0)], {("missing_value", 3, "Fee")}),
    ("a count with its unit in Latin letters (\"2 jon\")",
     "Date,Union,Entrepreneur ID,Service,Beneficiaries,Fee\n03/07/2023,Tona,UDC-1,Birth registration,2 jon,150\n",
     [("2023-07-03", "BD10798094", "UDC-1", "UDC002", 2, 15000)], set()),
    ("a receipt number no heading explains, in a file with no count column: a numbering, not asked about",
     "Date,Union,Entrepreneur ID,Service,Memo,Fee\n03/07/2023,Tona,UDC-1,Birth registration,1041,75\n"
     "04/07/2023,Tona,UDC-1,Birth registration,1042,75\n",
     [("2023-07-03", "BD10798094", "UDC-1", "UDC002", 1, 7500), ("2023-07-04", "BD10798094", "UDC-1", "UDC002", 1, 7500)],
     set()),
    ("ditto marks (\", 〃, ঐ, -do-) read as the cell above, through a run of them; a count too",
     "Date,Union,Entrepreneur ID,Service,Beneficiaries,Fee\n03/07/2023,Tona,UDC-1,Birth registration,2,150\n"
     "\"\"\"\",\"\"\"\",\"\"\"\",Photocopy,1,5\n〃,〃,〃,ঐ,〃,〃\n04/07/2023,ঐ,-do-,Birth registration,1,75\n",
     [("2023-07-03", "BD10798094", "UDC-1", "UDC002", 2, 15000), ("2023-07-03", "BD10798094", "UDC-1", "UDC073", 1, 500),
      ("2023-07-03", "BD10798094", "UDC-1", "UDC073", 1, 500), ("2023-07-04", "BD10798094", "UDC-1", "UDC002", 1, 7500)],
     set()),
    ("a quotation mark inside a cell is a character of it, as Excel reads it (polars cannot read the row)",
     'Date,Union,Entrepreneur ID,Entrepreneur Name,Service,Fee\n03/07/2023,Tona,UDC-1,Md. "Karim,Birth registration,75\n'
     '04/07/2023,Tona,UDC-1,"Karim, Md.",Birth registration,"75"\n',
     [("2023-07-03", "BD10798094", "UDC-1", "UDC002", 1, 7500), ("2023-07-04", "BD10798094", "UDC-1", "UDC002", 1, 7500)],
     set()),
    ("two counts no heading explains, rising but not one by one (2, 10), in a file with no count column: asked about",
     "Date,Union,Entrepreneur ID,Service,,Fee\n03/07/2023,Tona,UDC-1,Birth registration,2,150\n"
     "04/07/2023,Tona,UDC-1,Birth registration,10,750\n",
     [], {("count_column_unread", None, "column 5")}),
    ("a ditto mark with nothing above it is refused as written; an empty cell is not filled from above",
     "Date,Union,Entrepreneur ID,Service,Fee\n〃,Tona,UDC-1,Birth registration,75\n03/07/2023,Tona,UDC-1,Photocopy,5\n"
     "04/07/2023,,UDC-1,Photocopy,5\n",
     [("2023-07-03", "BD10798094", "UDC-1", "UDC073", 1, 500)],
     {("bad_date", 2, "Date"), ("missing_value", 4, "Union")}),
    ("a summary table under the log, after a blank line (no dates: its rows and total left out, noted)",
     "Date,Union,Entrepreneur ID,Service,Beneficiaries,Fee\n03/07/2023,Tona,UDC-1,Birth registration,2,150\n"
     "04/07/2023,Tona,UDC-1,Photocopy,1,5\n,,,,,\nService,Beneficiaries,Fee,,,\nBirth registration,2,150,,,\n"
     "Photocopy,1,5,,,\nTotal,3,155,,,\n",
     [("2023-07-03", "BD10798094", "UDC-1", "UDC002", 2, 15000), ("2023-07-04", "BD10798094", "UDC-1", "UDC073", 1, 500)],
     {("summary_table", 5, None), ("summary_table", 6, None), ("summary_table", 7, None), ("summary_table", 8, None)}),
    ("a summary by union in Bengali right under the log, then log rows again after a blank line",
     "তারিখ,ইউনিয়ন,উদ্যোক্তা আইডি,সেবা,ফি\n০৩/০৭/২০২৩,টোনা,UDC-1,জন্ম নিবন্ধন,৭৫\nইউনিয়ন,মোট সেবাগ্রহীতা,ফি,,\n"
     "টোনা,১,৭৫,,\n\n০৪/০৭/২০২৩,টোনা,UDC-1,জন্ম নিবন্ধন,৭৫\n",
     [("2023-07-03", "BD10798094", "UDC-1", "UDC002", 1, 7500), ("2023-07-04", "BD10798094", "UDC-1", "UDC002", 1, 7500)],
     {("summary_table", 3, None), ("summary_table", 4, None)}),
    ("a summary headed \"সেবা | মোট\" under the log (a total's heading counts as one)",
     "তারিখ,ইউনিয়ন,উদ্যোক্তা আইডি,সেবা,সেবাগ্রহীতা,ফি\n০৩/০৭/২০২৩,টোনা,UDC-1,জন্ম নিবন্ধন,২,১৫০\n\n"
     "সেবা,মোট,,,,\nজন্ম নিবন্ধন,২,,,,\n",
     [("2023-07-03", "BD10798094", "UDC-1", "UDC002", 2, 15000)], {("summary_table", 4, None), ("summary_table", 5, None)}),
    ("a second log with headings of its own under the first: refused as a whole, naming its row",
     "Date,Union,Entrepreneur ID,Service,Fee\n03/07/2023,Tona,UDC-1,Birth registration,75\n\n"
     "Service,Date,Applications\nLand records,05/07/2023,3\n",
     [], {("second_table", None, None)}),
    ("one-cell lines under the table that are not a sign-off are rows like any other",
     "Date,Union,Entrepreneur ID,Service,Fee\n03/07/2023,Tona,UDC-1,Birth registration,75\n,,,Photocopy,\n",
     [("2023-07-03", "BD10798094", "UDC-1", "UDC002", 1, 7500)],
     {("missing_value", 3, "Date"), ("missing_value", 3, "Union"), ("missing_value", 3, "Fee"),
      ("udc_without_entrepreneur", 3, "Entrepreneur ID")}),
    ("a dash for a count is nil: refused, not the 1 an empty cell means",
     "Date,Union,Entrepreneur ID,Service,Beneficiaries,Fee\n03/07/2023,Tona,UDC-1,Birth registration,-,75\n"
     "04/07/2023,Tona,UDC-1,Birth registration,,75\n",
     [("2023-07-04", "BD10798094", "UDC-1", "UDC002", 1, 7500)], {("count_not_positive", 2, "Beneficiaries")}),
    ("a summary's Month column beside the date the sheet was sent: the month dates the rows",
     "Month,Union,Service,Count,Fee,Submission Date\nJuly 2023,Tona,Birth registration,12,900,05/10/2023\n"
     "August 2023,Tona,Photocopy,150,375.50,05/10/2023\n",
     [("2023-07-01", "BD10798094", None, "UDC002", 12, 90000), ("2023-08-01", "BD10798094", None, "UDC073", 150, 37550)],
     set()),
    ("a Date column of months, their year in a Year column, and a total row",
     "Date,Year,Union,Service,Count,Fee\nJuly,2023,Tona,Birth registration,12,900\nAugust,2023,Tona,Photocopy,150,375.50\n"
     "মোট,মোট,,,162,1275.50\n",
     [("2023-07-01", "BD10798094", None, "UDC002", 12, 90000), ("2023-08-01", "BD10798094", None, "UDC073", 150, 37550)],
     {("total_row", 4, None)}),
    ("the front desk's log of one day, the 1st, counts left empty: one person a row",
     "Date,Channel,Service,Count\n01/08/2023,ই-সেবা কেন্দ্র,Receiving citizen applications,\n"
     "01/08/2023,Front Desk (DC Office),Receiving citizen applications,2\n",
     [("2023-08-01", None, None, "FD02", 1, 0), ("2023-08-01", None, None, "FD02", 2, 0)], set()),
    ("an entrepreneur's ID copied from Bengali text, a joiner left at its end: one person, one spelling",
     "Date,Union,Entrepreneur ID,Service,Fee\n03/07/2023,Tona,UDC-1\u200c,Birth registration,75\n"
     "04/07/2023,Tona,UDC-1\u200d,Birth registration,75\n",
     [("2023-07-03", "BD10798094", "UDC-1", "UDC002", 1, 7500), ("2023-07-04", "BD10798094", "UDC-1", "UDC002", 1, 7500)],
     set()),
    ("the digital centre's name for the union, a birth date beside the date",
     "তারিখ,ডিজিটাল সেন্টারের নাম,Entrepreneur ID,সেবা,Birth Date,ফি\n"
     "03/07/2023,Tona Union Digital Center,UDC-1,Birth registration,01/01/1990,75\n",
     [("2023-07-03", "BD10798094", "UDC-1", "UDC002", 1, 7500)], set()),
]


@pytest.mark.parametrize(("habit", "text", "rows", "problems"), HABITS, ids=[h[0] for h in HABITS])
def test_office_habits_give_exactly_the_files_rows(run, habit, text, rows, problems):
    result = run(text.encode(), period=quarter(2023, 1))
    assert triples(result) == problems, result.problems.select("row", "column", "code", "message").rows()
    got = result.frame.select(pl.col("date").cast(pl.String), "union_code", "entrepreneur_id", "service_code",
                              "beneficiaries", "fee_paisa").rows()
    assert got == rows


def test_personal_data_in_headings_that_mention_services_or_counts_never_reaches_the_output(run):
    text = ("Date,Union,Entrepreneur ID,Service,Name of Service Recipient,Mobile No. of Recipient,Customer Account No,"
            "Fee\n03/07/2023,Tona,UDC-1,Birth registration,Rahima Begum,01711000000,ACC-99,seventy\n")
    result = run(text.encode(), period=quarter(2023, 1))
    assert result.dropped_pii == ["Name of Service Recipient", "Mobile No. of Recipient", "Customer Account No"]
    shown = json.dumps([result.problems.rows(), result.rejected.rows(), result.rejected.columns], ensure_ascii=False)
    assert result.frame.height == 0 and "seventy" in shown
    for secret in ("Rahima", "01711000000", "ACC-99"):
        assert secret not in shown


@pytest.mark.parametrize(("names", "count"), [("Beneficiary", "Beneficiaries"), ("সেবাগ্রহীতা", "সেবাগ্রহীতার সংখ্যা"),
                                             ("Service Recipient", "Recipients"), ("Beneficiary", "Total Beneficiaries")])
def test_the_people_served_by_name_beside_their_number_are_left_out_as_personal_data(run, names, count):
    text = (f"Date,Union,Entrepreneur ID,Service,{names},{count},Fee\n"
            "03/07/2023,Tona,UDC-1,Birth registration,Rahima Begum,2,150\n04/07/2023,Tona,UDC-1,Birth registration,Karim,1,75\n")
    result = run(text.encode(), period=quarter(2023, 1))
    assert result.dropped_pii == [names] and result.columns[count] == "beneficiaries"
    assert result.frame["beneficiaries"].to_list() == [2, 1] and result.problems.height == 0
    assert "Rahima" not in json.dumps([result.frame.rows(), result.rejected.rows()], default=str, ensure_ascii=False)


def test_dates_excel_read_month_first_are_read_as_typed_once_the_order_is_said(run):
    """05/07/2022 typed day first, made 7 May by an Excel set to month first, is 5 July again."""
    result = run(DATA / "bad" / "dates_swapped_by_excel.xlsx", date_order="dmy")
    assert result.frame["date"].to_list() == [date(2022, 7, 5), date(2022, 8, 9), date(2022, 7, 15),
                                              date(2022, 8, 20), date(2022, 9, 11)]
    refused = run(DATA / "bad" / "dates_swapped_by_excel.xlsx")
    assert "7 May 2022" in refused.problems["message"][0] and "5 July 2022" in refused.problems["message"][0]
    assert refused.date_readings.select("text", "dmy", "mdy").row(0) == ("05/07/2022", date(2022, 7, 5), date(2022, 5, 7))


def test_a_fortnight_excel_read_month_first_is_asked_about_then_read_as_typed(run):
    """A review's workbook: 2 to 11 July typed day first into an Excel set to month first were date
    cells of the 7th of February to November, and were stored in four quarters of two years, unasked."""
    refused = run(DATA / "bad" / "date_cells_spread.xlsx")
    assert refused.frame.height == 0
    message = refused.problems["message"][0]
    assert "7 February 2023" in message and "2 July 2023" in message and "4 fiscal quarters" in message
    assert refused.date_readings.select("text", "dmy", "mdy").row(0) == ("02/07/2023", date(2023, 7, 2), date(2023, 2, 7))
    typed = run(DATA / "bad" / "date_cells_spread.xlsx", date_order="dmy")
    assert typed.frame["date"].to_list() == [date(2023, 7, d) for d in (2, 3, 3, 4, 6, 8, 9, 10, 11)]
    held = run(DATA / "bad" / "date_cells_spread.xlsx", date_order="mdy")
    assert held.frame["date"].to_list() == [date(2023, m, 7) for m in (2, 3, 3, 4, 6, 8, 9, 10, 11)]


_HEAD = "Date,Channel,Upazila,Union,Entrepreneur ID,Gender,Service,Beneficiaries,Fee (Tk),Remarks\n"


def _row(day: str, people: int = 1, fee: int = 50) -> str:
    return f"{day},UDC,Pirojpur Sadar,Tona,UDC-1,Female,Birth registration,{people},{fee},\n"


@pytest.mark.parametrize(("body", "accepted", "codes"), [
    # an AutoSum row with no label: the sum of the rows above (left out, noted)
    (_row("01/07/2022") + _row("02/07/2022", 2, 100) + ",,,,,,,3,150,\n", [2, 3], {"total_row"}),
    # subtotals and a grand total under them
    (_row("01/07/2022") + _row("02/07/2022", 2, 100) + ",,,,,,,3,150,\n" + _row("03/08/2022") + _row("04/08/2022")
     + ",,,,,,,2,100,\n" + ",,,,,,,5,250,\n", [2, 3, 5, 6], {"total_row"}),
    # numbers that are not the sum: a delivery with its date and service left out (refused)
    (_row("01/07/2022") + _row("02/07/2022", 2, 100) + ",,,,,,,2,75,\n", [2, 3], {"missing_value"}),
    # one row's numbers again are no sign of a sum, unless the file has sums of more rows
    (_row("01/07/2022") + ",,,,,,,1,50,\n", [2], {"missing_value"}),
    (_row("01/07/2022") + _row("02/07/2022") + ",,,,,,,2,100,\n" + _row("03/08/2022") + ",,,,,,,1,50,\n"
     + ",,,,,,,3,150,\n", [2, 3, 5], {"total_row"}),
    # a day's total dated that day, under each day's rows; and the quarter's, dated its last day
    (_row("01/07/2022") + _row("01/07/2022", 2, 100) + "01/07/2022,,,,,,,3,150,\n" + _row("02/07/2022")
     + _row("02/07/2022") + "02/07/2022,,,,,,,2,100,\n" + "02/07/2022,,,,,,,5,250,\n", [2, 3, 5, 6], {"total_row"}),
    # a sum dated another day than the row above it: a delivery missing its service and place (refused)
    (_row("01/07/2022") + _row("01/07/2022", 2, 100) + "02/07/2022,,,,,,,3,150,\n", [2, 3], {"missing_value"}),
    # a second delivery written "ditto" (the day's date, the rest blank, the row above's numbers) beside a day's
    # total: not a total of one row (refused, for the office to fill in), the day's total is
    (_row("15/07/2022") + "15/07/2022,,,,,,,1,50,\n" + _row("16/07/2022") + _row("16/07/2022", 2, 100)
     + "16/07/2022,,,,,,,3,150,\n", [2, 4, 5], {"missing_value", "total_row"}),
    # dated that day, but not the sum
    (_row("01/07/2022") + _row("01/07/2022", 2, 100) + "01/07/2022,,,,,,,2,150,\n", [2, 3], {"missing_value"}),
    # Excel's Data › Subtotal: each group's sum labelled with its value and the word, a grand total under them
    (_row("01/07/2022") + _row("02/07/2022", 2, 100) + ",,,Tona Total,,,,3,150,\n" + ",,,Grand Total,,,,3,150,\n",
     [2, 3], {"total_row"}),
    (_row("01/07/2022").replace("Tona", "টোনা") + ",,,টোনা মোট,,,,1,50,\n" + ",,,সর্বমোট,,,,1,50,\n", [2], {"total_row"}),
    # ... grouped by day: the day's date, then the word
    (_row("15/07/2022") + _row("15/07/2022", 2, 100) + "15/07/2022 Total,,,,,,,3,150,\n" + _row("16/07/2022")
     + "16/07/2022 মোট,,,,,,,1,50,\n" + "Grand Total,,,,,,,4,200,\n", [2, 3, 5], {"total_row"}),
    # the word after a name the column does not have: a union to ask about, not a total
    (_row("01/07/2022") + _row("02/07/2022", 2, 100) + "03/07/2022,UDC,Pirojpur Sadar,Kalakhali Total,UDC-1,Female,"
     "Birth registration,3,150,\n", [2, 3], {"unknown_union"}),
    # "Total" written only in the channel, gender or remarks column
    (_row("01/07/2022") + _row("02/07/2022") + ",Total,,,,,,2,100,\n", [2, 3], {"total_row"}),
    (_row("01/07/2022") + _row("02/07/2022") + ",,,,,মোট,,2,100,\n", [2, 3], {"total_row"}),
    (_row("01/07/2022") + _row("02/07/2022") + ",,,,,,,2,100,সর্বমোট\n", [2, 3], {"total_row"}),
    # a total word among others, on a row naming no entrepreneur or no date: a subtotal's label as offices
    # write them (the visarga for a colon, a union's block, a month's, the money's), whatever its numbers
    (_row("01/07/2022") + _row("02/07/2022") + ",,,টোনা ইউনিয়নের উপমোট,,,,2,90,\n", [2, 3], {"total_row"}),
    (_row("01/07/2022") + _row("02/07/2022") + ",,,মোটঃ,,,,3,100,\n", [2, 3], {"total_row"}),
    (_row("01/07/2022") + _row("02/07/2022") + "July Total,,,,,,,2,100,\n", [2, 3], {"total_row"}),
    (_row("01/07/2022") + _row("02/07/2022") + "01/07/2022,,,,,,মোট টাকা,2,100,\n", [2, 3], {"total_row"}),
    (_row("01/07/2022") + _row("02/07/2022") + ",,,,,,G. Total,2,100,\n", [2, 3], {"total_row"}),
    # ... but on a delivery's row (its date and entrepreneur) the name is asked about; and a remark's
    # words are about the row ("মোট ২ জন": two people in all)
    (_row("01/07/2022") + "03/07/2022,UDC,Pirojpur Sadar,Tona,UDC-1,Female,মোট সেবা,3,150,\n", [2],
     {"unknown_service"}),
    (_row("01/07/2022") + "03/07/2022,UDC,Pirojpur Sadar,Tona,UDC-1,Female,Birth registration,2,150,মোট ২ জন\n",
     [2, 3], set()),
])
def test_total_rows_without_a_label_where_it_is_looked_for_are_left_out(body, accepted, codes):
    """A total row's numbers must not be counted again, nor the row refused for its empty date (a
    clerk told to fill the date in would count the total twice)."""
    result = ingest_bytes((_HEAD + body).encode(), file_name="log.csv", upload_id="u", lang="en")
    assert result.frame["source_row"].to_list() == accepted
    assert set(result.problems["code"]) == codes


def test_a_header_row_repeated_in_the_other_language_is_left_out():
    """A block pasted with the Bengali template's headings under a file with English ones."""
    text = ("Date,Upazila,Union,Entrepreneur ID,Service,Beneficiaries,Fee (Tk)\n"
            "01/07/2022,Pirojpur Sadar,Tona,UDC-1,Birth registration,1,50\n"
            "তারিখ,উপজেলা,ইউনিয়ন,উদ্যোক্তা আইডি,সেবা,সেবাগ্রহীতা,আয় (টাকা)\n"
            "০২/০৭/২০২২,পিরোজপুর সদর,টোনা,UDC-1,জন্ম নিবন্ধন,২,১০০\n")
    result = ingest_bytes(text.encode(), file_name="log.csv", upload_id="u", lang="en")
    assert result.frame["source_row"].to_list() == [2, 4]
    assert result.problems.select("code", "row").rows() == [("header_row", 3)]


def test_a_days_subtotal_under_excel_date_cells_is_a_total_row():
    """Excel's Data › Subtotal by day writes the day as text ("15/07/2023 Total") under date cells."""
    import datetime as dt
    import io

    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out)
    sheet, day = book.add_worksheet("Log"), book.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write_row(0, 0, ["Date", "Union", "Entrepreneur ID", "Service", "Beneficiaries", "Fee (Tk)"])
    for r, people in ((1, 1), (2, 2)):
        sheet.write_datetime(r, 0, dt.datetime(2023, 7, 15), day)
        sheet.write_row(r, 1, ["Tona", "UDC-1", "Birth registration", people, 75 * people])
    sheet.write_row(3, 0, ["15/07/2023 Total", None, None, None, 3, 225])
    book.close()
    result = ingest_bytes(out.getvalue(), file_name="log.xlsx", upload_id="u", lang="en")
    assert result.frame["source_row"].to_list() == [2, 3]
    assert result.problems.select("row", "code").rows() == [(4, "total_row")]


@pytest.mark.parametrize(("day", "order", "no_such_day"), [
    ("31/04/2024", None, True), ("29/02/2023", None, True), ("৩১/০৬/২০২৪", None, True), ("30/02/2024", None, True),
    ("yesterday", None, False), ("45/07/2023", None, False), ("13/13/2023", None, False),
    # in the order the file was said to be written: month first, year first
    ("04/31/2024", "mdy", True), ("13/05/2023", "mdy", False), ("2024-04-31", "ymd", True), ("2024-31-04", "ymd", False),
    ("2024-04-31", None, True), ("2023-02-29", "mdy", True),  # written year first: so in any order
])
def test_a_day_the_calendar_has_not_is_named_so(day, order, no_such_day):
    """31/04/2024 is written as asked (day/month/year): the message says April has no such day; a
    day-first date in a file said to be month first is not such a day, but a date in the wrong order."""
    text = f"Date,Union,Entrepreneur ID,Service,Fee (Tk)\n{day},Tona,UDC-1,Birth registration,75\n"
    result = ingest_bytes(text.encode(), file_name="log.csv", upload_id="u", lang="en", date_order=order)
    assert result.problems.select("row", "code").rows() == [(2, "bad_date")]
    assert ("is not a day of the calendar" in result.problems["message"][0]) == no_such_day


def test_headings_typed_with_bijoy_say_so():
    """A sheet whose very headings were typed with Bijoy: not "no columns recognised", but how to convert it."""
    text = "ZvwiL,BDwbqb,‡mev,Avq\n03/07/2023,‡Uvbv,Rb¥ wbeÜb,75\n"
    result = ingest_bytes(text.encode(), file_name="log.csv", upload_id="u", lang="bn")
    assert result.problems.select("code", "value").rows() == [("bijoy_text", "‡mev")]
    assert "বিজয়" in result.problems["message"][0] and result.frame.height == 0


def test_ditto_marks_are_said_per_column_with_their_rows_in_either_language_and_read_in_a_workbook(run):
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [("Date", "Union", "Entrepreneur ID", "Service", "Fee"), ("03/07/2023", "Tona", "UDC-1", "Birth registration", 75),
                ("〃", "〃", "〃", "Photocopy", 5), ("ঐ", "ঐ", "ঐ", "ঐ", 5), ("04/07/2023", "-do-", "do", "Photocopy", 5)]:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    result = run(data.getvalue(), file_name="log.xlsx", period=quarter(2023, 1))
    assert result.clean, result.problems.rows()
    assert result.frame.select(pl.col("date").cast(pl.String), "union_code", "service_code", "fee_paisa").rows() == [
        ("2023-07-03", "BD10798094", "UDC002", 7500), ("2023-07-03", "BD10798094", "UDC073", 500),
        ("2023-07-03", "BD10798094", "UDC073", 500), ("2023-07-04", "BD10798094", "UDC073", 500)]
    assert result.ditto == {"Date": [3, 4], "Union": [3, 4, 5], "Entrepreneur ID": [3, 4, 5], "Service": [4]}
    assert result.ditto_note(lang="en") == {"cells": "9", "where": "Date (rows 3–4); Union, Entrepreneur ID (rows 3–5); "
                                                                   "Service (row 4)"}
    assert result.ditto_note(lang="bn")["where"].startswith("Date (সারি ৩–৪)")


def test_one_name_of_question_marks_among_others_is_asked_about_not_the_files_lost_letters():
    """Bengali saved as "????" refuses the file (letters_lost) when most names to decide are so; one
    "??" among other names is a slip in a cell, asked about as it is."""
    text = ("Date,Union,Entrepreneur ID,Service,Fee (Tk)\n03/07/2023,??,UDC-1,Birth registration,75\n"
            "03/07/2023,Nowhere,UDC-1,Birth registration,75\n03/07/2023,Tona,UDC-1,Xyzzy service,75\n")
    result = ingest_bytes(text.encode(), file_name="a.csv", upload_id="u", lang="en")
    assert "letters_lost" not in result.problems["code"].to_list() and "??" in result.questions["value"].to_list()


@pytest.mark.parametrize(("dates", "order", "advice"), [
    (["03/07/2023", "3/7/2023x"], None, "Write the date as day/month/year, for example 05/07/2022."),
    (["2023-07-03", "2023-07-04", "2023-07-xx"], None, "Write the date as year-month-day, as the file's other dates "
                                                       "are, for example 2022-07-05."),
    (["07/13/2023", "07/xx/2023"], "mdy", "Write the date as month/day/year, as the file's other dates are, "
                                          "for example 07/05/2022."),
    # a workbook's date cells (the reader gives them year first; nobody typed them so)
    (["2023-07-03 00:00:00", "2023-07-04 00:00:00", "3 July"], None,
     "Write the date as day/month/year, for example 05/07/2022."),
])
def test_a_bad_date_is_asked_for_as_the_files_other_dates_are_written(dates, order, advice):
    rows = "".join(f"{day},Tona,UDC-1,Birth registration,75\n" for day in dates)
    result = ingest_bytes(f"Date,Union,Entrepreneur ID,Service,Fee (Tk)\n{rows}".encode(), file_name="log.csv",
                          upload_id="u", lang="en", date_order=order)
    assert result.problems.select("row", "code").rows() == [(len(dates) + 1, "bad_date")]
    assert result.problems["message"][0].endswith(advice)


def test_free_services_with_no_fee_written_are_counted(run):
    text = "Date,Union,Entrepreneur ID,Service,Fee\n03/07/2023,Tona,UDC-1,Weather information,\n" \
           "03/07/2023,Tona,UDC-1,Legal aid information,\n03/07/2023,Tona,UDC-1,Weather information,0\n"
    result = run(text.encode(), period=quarter(2023, 1))
    assert result.clean and result.free_without_fee == 2


@pytest.mark.parametrize(("rows", "differs"), [
    ("03/07/2023,Tona,UDC-1,Birth registration,2,150\n04/07/2023,Tona,UDC-1,Birth registration,1,75\nমোট,,,,4,250\n",
     {"row": 4, "said_people": 4, "said_fee": 25000, "people": 3, "fee": 22500}),
    ("03/07/2023,Tona,UDC-1,Birth registration,2,150\n04/07/2023,Tona,UDC-1,Birth registration,1,75\nমোট,,,,3,225\n",
     None),  # the rows add up to it
    ("03/07/2023,Tona,UDC-1,Birth registration,2,150\nTotal,,,,,160\n",  # the fee alone said, and wrong
     {"row": 3, "said_people": None, "said_fee": 16000, "people": 2, "fee": 15000}),
    ("03/07/2023,Tona,UDC-1,Birth registration,2,150\nমোট,,,,9,900\n04/07/2023,Tona,UDC-1,Birth registration,1,75\n",
     None),  # rows under it: a subtotal, not the sheet's total
])
def test_a_total_row_that_is_not_what_the_rows_add_up_to_is_said(run, rows, differs):
    result = run(("Date,Union,Entrepreneur ID,Service,Beneficiaries,Fee\n" + rows).encode(), period=quarter(2023, 1))
    assert result.total_differs == differs
    if differs:
        note = result.total_note(lang="en")
        assert note["row"] == str(differs["row"]) and note["sums"].endswith(i18n.taka(differs["fee"], lang="en"))


def test_a_workbook_of_several_logs_tells_which_sheets_are_logs(tmp_path):
    """The upload page asks for one of them by name: the logs, not a totals sheet beside them."""
    import openpyxl

    from tests.helpers import two_logs_workbook

    book = openpyxl.load_workbook(two_logs_workbook(tmp_path / "two.xlsx"))
    totals = book.create_sheet("সারসংক্ষেপ")
    totals.append(["উপজেলা", "মোট"])
    totals.append(["নাজিরপুর", 5])
    book.save(tmp_path / "three.xlsx")
    result = ingest_bytes((tmp_path / "three.xlsx").read_bytes(), file_name="three.xlsx", upload_id="u", lang="en")
    assert result.problems["code"].to_list() == ["ambiguous_sheet"] and result.log_sheets == ["Nazirpur", "Bhandaria"]


@pytest.mark.parametrize(("header", "parts", "total"), [
    # a two-row header read together: the total's parts are known columns left out, not ones to name
    ("Date,Union,Entrepreneur ID,Service,সেবাগ্রহীতার সংখ্যা পুরুষ,সেবাগ্রহীতার সংখ্যা মহিলা,সেবাগ্রহীতার সংখ্যা মোট,Fee",
     ["সেবাগ্রহীতার সংখ্যা পুরুষ", "সেবাগ্রহীতার সংখ্যা মহিলা"], "সেবাগ্রহীতার সংখ্যা মোট"),
    ("Date,Union,Entrepreneur ID,Service,Beneficiaries Male,Beneficiaries Female,Beneficiaries Total,Fee",
     ["Beneficiaries Male", "Beneficiaries Female"], "Beneficiaries Total"),
])
def test_parts_beside_the_total_used_are_said_as_such(header, parts, total):
    """The review: the parts were listed as "columns not used (their headings are not known)", asking
    the clerk to rename columns that were read right."""
    text = header + "\n03/07/2023,Tona,UDC-1,Birth registration,1,1,2,150\n"
    result = ingest_bytes(text.encode(), file_name="log.csv", upload_id="u", lang="en")
    assert result.ok and result.frame["beneficiaries"].to_list() == [2]
    assert result.unmapped == [] and result.totals_used() == {total: parts}


@pytest.mark.parametrize(("ids", "known", "stored", "respelled"), [
    # one person's ID in several spellings: the one most rows have (the first written of equals)
    (["UDC-1-M", "UDC1M", "UDC-1-M"], None, ["UDC-1-M"] * 3, [("UDC1M", "UDC-1-M", 1, False)]),
    (["UDC1M", "UDC-1-M"], None, ["UDC1M"] * 2, [("UDC-1-M", "UDC1M", 1, False)]),
    # the stored spelling wins, even over the file's most rows; IDs stored in two spellings: the first
    (["UDC1M", "UDC1M", "UDC-1-M"], ["UDC/1/M"], ["UDC/1/M"] * 3,
     [("UDC-1-M", "UDC/1/M", 1, True), ("UDC1M", "UDC/1/M", 2, True)]),
    (["1712345678", "UDC-2-F"], ["01712345678", "UDC-2-F", "UDC2F"], ["01712345678", "UDC-2-F"],
     [("1712345678", "01712345678", 1, True)]),
    # different people stay apart, and an ID in its only spelling is not said
    (["UDC-1-M", "UDC-1-F", "UDC-10-M"], ["UDC-01-M"], ["UDC-1-M", "UDC-1-F", "UDC-10-M"], []),
])
def test_an_id_is_kept_in_one_spelling_the_stored_one_first(run, ids, known, stored, respelled):
    rows = "".join(f"0{3 + i}/07/2023,Tona,{id_},Birth registration,50\n" for i, id_ in enumerate(ids))
    result = run(("Date,Union,Entrepreneur ID,Service,Fee\n" + rows).encode(), period=quarter(2023, 1),
                 known_ids=pl.Series(known, dtype=pl.String) if known is not None else None)
    assert result.clean, result.problems.rows()
    assert result.frame["entrepreneur_id"].to_list() == stored
    assert result.id_spellings.rows() == respelled
    if respelled:
        assert "→" in result.id_spellings_note(lang="bn")


def test_a_row_with_more_cells_than_headings_asks_about_no_names(run):
    """A date's unquoted comma ("September 4, 2022") moves the row's cells along: its cells are in other
    columns' places, so none of them is a name to decide (before: upazila "2022", service "নারী")."""
    text = ("Date,Upazila,Union,Entrepreneur ID,Gender,Service,Beneficiaries,Fee\n"
            "03/09/2022,Pirojpur Sadar,Kalakhali,UDC-10798034-F,Female,Birth registration,1,75\n"
            "September 4, 2022,Pirojpur Sadar,Kalakhali,UDC-10798034-F,Female,Birth registration,1,75\n")
    result = run(text.encode(), file_name="comma.csv")
    assert triples(result) == {("too_many_cells", 3, None)}
    assert result.questions.height == 0


_SUMMARY = "Month,Union,Service,No. of Services,Income (Tk)\n"


@pytest.mark.parametrize(("rows", "stored", "codes"), [
    # a monthly form listing every service: a service no one was given (0 or empty, no fee) is left out, noted
    (["July 2023,Tona,Birth registration,10,750", "July 2023,Tona,Death registration,0,0",
      "July 2023,Tona,Photocopy,,"], [2], {("nothing_served", 3, "No. of Services"), ("nothing_served", 4, "No. of Services")}),
    (["জুলাই ২০২৩,টোনা,জন্ম নিবন্ধন,১০,৭৫০", "জুলাই ২০২৩,টোনা,মৃত্যু নিবন্ধন,০,"], [2],
     {("nothing_served", 3, "No. of Services")}),
    # money without people, or people without money where a fee is due: still asked to be put right
    (["July 2023,Tona,Birth registration,0,50"], [], {("count_not_positive", 2, "No. of Services")}),
    (["July 2023,Tona,Birth registration,,50"], [], {("missing_value", 2, "No. of Services")}),
    (["July 2023,Tona,Birth registration,4,"], [], {("missing_value", 2, "Income (Tk)")}),
])
def test_a_summary_row_of_a_service_no_one_was_given_is_left_out_and_noted(run, rows, stored, codes):
    """A review's monthly forms (every service each month, 0 or blank where none was given) were refused
    whole, asking the clerk to fill in 20 counts that are none."""
    result = run((_SUMMARY + "\n".join(rows) + "\n").encode(), period=quarter(2023, 1))
    assert triples(result) == codes
    assert result.frame["source_row"].to_list() == stored


_DAILY = "Date,Union,Entrepreneur ID,Service,Beneficiaries,Fee (Tk),Remarks\n"


@pytest.mark.parametrize(("rows", "stored", "codes"), [
    # a daily form listing every service each day: a service no one was given that day (0, no fee) is left out
    (["01/07/2023,Tona,UDC-1,Birth registration,2,150,", "01/07/2023,Tona,UDC-1,Photocopy,0,0,",
      "01/07/2023,Tona,UDC-1,Death registration,0,,"], [2], {("nothing_served", 3, "Beneficiaries"),
                                                           ("nothing_served", 4, "Beneficiaries")}),
    # a line of the register with nothing written but the day (a holiday): left out, its remark quoted
    (["01/07/2023,Tona,UDC-1,Birth registration,2,150,", "05/07/2023,Tona,UDC-1,,,,সাপ্তাহিক ছুটি"], [2],
     {("nothing_recorded", 3, None)}),
    (["01/07/2023,Tona,UDC-1,Birth registration,2,150,", "02/07/2023,,,,,,"], [2], {("nothing_recorded", 3, None)}),
    # a line whose "day" is no date: a line of junk, not the register's, still refused (a hostile file of
    # a million such lines is refused, not stored as nothing)
    (["01/07/2023,Tona,UDC-1,Birth registration,2,150,", "x,,,,,,"], [2], {("bad_date", 3, "Date"),
                                                                          ("missing_value", 3, "Service")}),
    # a service written, or a number, or a fee: a delivery with a cell to put right, still refused
    (["01/07/2023,Tona,UDC-1,Birth registration,0,50,"], [], {("count_not_positive", 2, "Beneficiaries")}),
    (["01/07/2023,Tona,UDC-1,,2,150,"], [], {("missing_value", 2, "Service")}),
    (["01/07/2023,Tona,UDC-1,,,150,"], [], {("missing_value", 2, "Service")}),
    (["01/07/2023,Tona,UDC-1,Birth registration,2,,"], [], {("missing_value", 2, "Fee (Tk)")}),
    (["01/07/2023,Tona,UDC-1,Birth registration,-2,,"], [], {("count_not_positive", 2, "Beneficiaries"),
                                                              ("missing_value", 2, "Fee (Tk)")}),
])
def test_a_log_row_that_records_no_delivery_is_left_out_and_noted(run, rows, stored, codes):
    """A review's daily forms (every service each day, 0 where none; a holiday's line with only its date
    and a remark) were refused, asking the clerk to delete rows or to fill in services no one was given."""
    result = run((_DAILY + "\n".join(rows) + "\n").encode(), period=quarter(2023, 1))
    assert triples(result) == codes
    assert result.frame["source_row"].to_list() == stored
    if ("nothing_recorded", 3, None) in codes and "ছুটি" in rows[1]:
        assert "“সাপ্তাহিক ছুটি”" in result.problems["message"][0]


@pytest.mark.parametrize(("rows", "blank"), [
    (["Birth registration,2,150", "Photocopy,,5", "Photocopy,,5"], 2),  # one person each, and said
    (["Birth registration,2,150", "Photocopy,,", "Photocopy,,5"], 1),  # (a row refused is not counted)
    (["Birth registration,2,150"], 0),
])
def test_a_log_row_with_no_number_served_counts_one_person_and_is_said(run, rows, blank):
    """A probe's log wrote the number only where more than one was served: each empty one is one person,
    as before, and now the upload says how many rows were counted so."""
    text = "Date,Union,Entrepreneur ID,Service,Beneficiaries,Fee (Tk)\n" + "".join(
        f"0{i + 1}/07/2023,Tona,UDC-1,{row}\n" for i, row in enumerate(rows))
    result = run(text.encode(), period=quarter(2023, 1))
    assert result.count_blank_rows == blank
    assert result.frame["beneficiaries"].sum() == 2 + blank


@pytest.mark.parametrize("lang", ["en", "bn"])
def test_a_log_without_entrepreneur_ids_is_kept_and_says_who_served_is_not_known(run, lang):
    """A review's logs with no entrepreneur ID column (11 of 20 offices' files) were refused whole; a
    monthly summary, which names no one either, was kept. Now both are kept: the figures count, and the
    number of entrepreneurs reads "not known" where their rows are (metrics' ``unnamed``)."""
    text = ("Date,Union,Entrepreneur Name,Service,Beneficiaries,Fee (Tk)\n"
            "01/07/2023,Tona,Rahima Begum,Birth registration,2,150\n"
            "02/07/2023,Tona,Rahima Begum,Photocopy,3,15\n")
    result = run(text.encode(), period=quarter(2023, 1), lang=lang)
    assert result.clean and result.unnamed_udc_rows == 2
    assert result.frame["entrepreneur_id"].null_count() == 2
    assert result.frame["beneficiaries"].sum() == 5 and result.frame["fee_paisa"].sum() == 16_500
    named = run(text.replace("Entrepreneur Name", "Entrepreneur ID").encode(), period=quarter(2023, 1), lang=lang)
    assert named.unnamed_udc_rows == 0  # (an ID column: its empty cells are refused, as before)
    front_desk = run(b"Date,Channel,Service,Beneficiaries\n01/07/2023,Front desk,Receiving citizen applications,2\n",
                     period=quarter(2023, 1), lang=lang)
    assert front_desk.unnamed_udc_rows == 0  # the front desk names no entrepreneur anyway


@pytest.mark.parametrize(("fee", "said"), [
    # the row's fee, for its 3 people: said to be theirs, not one person's (a review: "2.3" against Tk 5-10)
    ("Fee (Tk)", "A fee of 2 for 3 people is far outside"),
    ("Fee per Person", "A fee of 2 is far outside"),  # one person's fee, as written
])
def test_an_implausible_fee_for_several_people_says_whose_it_is(run, fee, said):
    text = f"Date,Upazila,Union,Entrepreneur ID,Gender,Service,Beneficiaries,{fee}\n" \
           "01/07/2023,Nazirpur,Dirgha,UDC-1,Female,Birth registration,3,2\n"
    result = run(text.encode())
    assert triples(result) == {("fee_implausible", 2, fee)} and said in result.problems["message"][0]
