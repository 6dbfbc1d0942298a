from datetime import date

import polars as pl
import pytest

from analytics.reference.periods import (
    Period,
    fiscal_columns,
    fiscal_year,
    parse_fy,
    parse_period,
    quarter,
    quarter_of,
)


@pytest.mark.parametrize(("fy", "q", "start", "end"), [
    (2022, 1, date(2022, 7, 1), date(2022, 9, 30)),
    (2022, 2, date(2022, 10, 1), date(2022, 12, 31)),
    (2022, 3, date(2023, 1, 1), date(2023, 3, 31)),
    (2022, 4, date(2023, 4, 1), date(2023, 6, 30)),
    (2023, 3, date(2024, 1, 1), date(2024, 3, 31)),
])
def test_quarter_bounds(fy, q, start, end):
    period = quarter(fy, q)
    assert (period.start, period.end) == (start, end)
    assert quarter_of(start) == period and quarter_of(end) == period


@pytest.mark.parametrize(("period", "lang", "label"), [
    (fiscal_year(2022), "en", "FY 2022-23"),
    (fiscal_year(2022), "bn", "২০২২-২৩ অর্থবছর"),
    (quarter(2022, 1), "en", "FY 2022-23 Q1"),
    (quarter(2022, 1), "bn", "২০২২-২৩ অর্থবছর, ১ম প্রান্তিক"),
    (quarter(2022, 2), "bn", "২০২২-২৩ অর্থবছর, ২য় প্রান্তিক"),
    (quarter(2022, 4), "bn", "২০২২-২৩ অর্থবছর, ৪র্থ প্রান্তিক"),
    (quarter(2099, 4), "en", "FY 2099-00 Q4"),
    (Period(date(2022, 7, 1), date(2022, 7, 31)), "en", "1 July 2022 – 31 July 2022"),
])
def test_labels(period, lang, label):
    assert period.label(lang=lang) == label


@pytest.mark.parametrize(("text", "fy"), [("2022-23", 2022), ("FY 2022-23", 2022), ("fy2022/2023", 2022),
                                          ("2022", 2022), (" 2022–23 ", 2022), ("1999-00", 1999)])
def test_parse_fy(text, fy):
    assert parse_fy(text) == fy


@pytest.mark.parametrize("text", ["2022-24", "22-23", "next year", "", "9999-00", "0001-02", "9999"])
def test_parse_fy_rejects(text):
    with pytest.raises(ValueError):
        parse_fy(text)


@pytest.mark.parametrize("period", [fiscal_year(2022), quarter(2022, 3), Period(date(2022, 7, 5), date(2022, 8, 1))])
def test_key_round_trip(period):
    assert parse_period(period.key) == period


@pytest.mark.parametrize(("period", "previous"), [
    (quarter(2022, 1), quarter(2021, 4)), (quarter(2022, 3), quarter(2022, 2)), (fiscal_year(2022), fiscal_year(2021)),
    (Period(date(2023, 1, 11), date(2023, 1, 20)), Period(date(2023, 1, 1), date(2023, 1, 10))),
    # whole months: the same number of whole months before (not the same number of days: 4 July ...)
    (Period(date(2023, 1, 1), date(2023, 6, 30)), Period(date(2022, 7, 1), date(2022, 12, 31))),
    (Period(date(2023, 4, 1), date(2023, 9, 30)), Period(date(2022, 10, 1), date(2023, 3, 31))),
    (Period(date(2024, 3, 1), date(2024, 3, 31)), Period(date(2024, 2, 1), date(2024, 2, 29))),
    (Period(date(2023, 1, 1), date(2023, 1, 31)), Period(date(2022, 12, 1), date(2022, 12, 31))),
    # other ranges: as many days just before
    (Period(date(2022, 7, 5), date(2022, 8, 1)), Period(date(2022, 6, 7), date(2022, 7, 4))),
    (Period(date(2023, 1, 1), date(2023, 1, 1)), Period(date(2022, 12, 31), date(2022, 12, 31))),
])
def test_previous(period, previous):
    assert period.previous() == previous


@pytest.mark.parametrize("text", ["2024-01-31..2024-01-01", "2024-13-01..2024-12-31", "2022-23-Q5",
                                  # years no log has, with no year before or after to compare with (a review:
                                  # the command line's summary and brief ended in an internal error)
                                  "0001-01-01..9999-12-31", "2022-07-01..9999-12-31", "0001-01-01..0001-01-31",
                                  "9999-00-Q4"])
def test_parse_period_rejects(text):
    with pytest.raises(ValueError):
        parse_period(text)


def test_fiscal_columns_match_python():
    days = pl.date_range(date(2021, 1, 1), date(2024, 12, 31), eager=True)
    frame = pl.DataFrame({"date": days}).with_columns(fiscal_columns())
    for day, fy, fq in frame.iter_rows():
        assert (fy, fq) == (quarter_of(day).fy, quarter_of(day).quarter)


def test_filter_is_inclusive():
    frame = pl.DataFrame({"date": [date(2022, 6, 30), date(2022, 7, 1), date(2023, 6, 30), date(2023, 7, 1)]})
    assert frame.filter(fiscal_year(2022).filter()).height == 2


@pytest.mark.parametrize(("period", "lang", "label"), [
    (quarter(2022, 1), "en", "Q1 22-23"), (quarter(2022, 3), "bn", "৩য় প্রা. ২২-২৩"), (fiscal_year(2022), "en", "FY 2022-23"),
])
def test_short_labels(period, lang, label):
    assert period.short_label(lang=lang) == label


# Every label as it was written before the words moved to analytics/strings/periods.toml (issue 14):
# the string table must give them back byte for byte, in both languages.
_PINNED_LABELS = [
    ("label", quarter(2022, 1), "en", "FY 2022-23 Q1"),
    ("label", quarter(2022, 1), "bn", "২০২২-২৩ অর্থবছর, ১ম প্রান্তিক"),
    ("label", quarter(2023, 3), "en", "FY 2023-24 Q3"),
    ("label", quarter(2023, 3), "bn", "২০২৩-২৪ অর্থবছর, ৩য় প্রান্তিক"),
    ("label", quarter(2099, 4), "en", "FY 2099-00 Q4"),
    ("label", quarter(2099, 4), "bn", "২০৯৯-০০ অর্থবছর, ৪র্থ প্রান্তিক"),
    ("label", fiscal_year(2022), "en", "FY 2022-23"),
    ("label", fiscal_year(2022), "bn", "২০২২-২৩ অর্থবছর"),
    ("label", fiscal_year(1999), "en", "FY 1999-00"),
    ("label", fiscal_year(1999), "bn", "১৯৯৯-০০ অর্থবছর"),
    ("label", Period(date(2022, 7, 5), date(2022, 8, 1)), "en", "5 July 2022 – 1 August 2022"),
    ("label", Period(date(2022, 7, 5), date(2022, 8, 1)), "bn", "৫ জুলাই ২০২২ – ১ আগস্ট ২০২২"),
    ("short_label", quarter(2022, 2), "en", "Q2 22-23"),
    ("short_label", quarter(2022, 2), "bn", "২য় প্রা. ২২-২৩"),
    ("short_label", quarter(2023, 4), "en", "Q4 23-24"),
    ("short_label", quarter(2023, 4), "bn", "৪র্থ প্রা. ২৩-২৪"),
    ("short_label", quarter(2099, 1), "en", "Q1 99-00"),
    ("short_label", quarter(2099, 1), "bn", "১ম প্রা. ৯৯-০০"),
    ("short_label", fiscal_year(2022), "en", "FY 2022-23"),
    ("short_label", fiscal_year(2022), "bn", "২০২২-২৩ অর্থবছর"),
    ("short_label", Period(date(2023, 1, 1), date(2023, 1, 10)), "en", "2023-01-01 – 2023-01-10"),
    ("short_label", Period(date(2023, 1, 1), date(2023, 1, 10)), "bn", "২০২৩-০১-০১ – ২০২৩-০১-১০"),
]

_PINNED_QUARTERS = [
    ((1, 2), "en", "FY 2022-23 Q1–Q2"),
    ((1, 2), "bn", "২০২২-২৩ অর্থবছর, ১ম–২য় প্রান্তিক"),
    ((1, 3, 4), "en", "FY 2022-23 Q1, Q3–Q4"),
    ((1, 3, 4), "bn", "২০২২-২৩ অর্থবছর, ১ম, ৩য়–৪র্থ প্রান্তিক"),
    ((1, 3), "en", "FY 2022-23 Q1, Q3"),
    ((1, 3), "bn", "২০২২-২৩ অর্থবছর, ১ম, ৩য় প্রান্তিক"),
    ((3, 4), "en", "FY 2022-23 Q3–Q4"),
    ((3, 4), "bn", "২০২২-২৩ অর্থবছর, ৩য়–৪র্থ প্রান্তিক"),
    ((2,), "en", "FY 2022-23 Q2"),
    ((2,), "bn", "২০২২-২৩ অর্থবছর, ২য় প্রান্তিক"),
    ((4, 3, 2, 1), "en", "FY 2022-23 Q1–Q4"),
    ((4, 3, 2, 1), "bn", "২০২২-২৩ অর্থবছর, ১ম–৪র্থ প্রান্তিক"),
]


@pytest.mark.parametrize(("method", "period", "lang", "expected"), _PINNED_LABELS,
                         ids=[f"{m}-{p.key}-{lang}" for m, p, lang, _ in _PINNED_LABELS])
def test_labels_are_pinned_byte_for_byte(method, period, lang, expected):
    text = getattr(period, method)(lang=lang)
    assert text == expected
    assert text.encode("utf-8") == expected.encode("utf-8")  # the same code points (য় is য + nukta here)


@pytest.mark.parametrize(("positions", "lang", "expected"), _PINNED_QUARTERS,
                         ids=[f"{'-'.join(map(str, pos))}-{lang}" for pos, lang, _ in _PINNED_QUARTERS])
def test_partial_year_labels_are_pinned(positions, lang, expected):
    assert fiscal_year(2022).quarters_label(positions, lang=lang) == expected
    assert quarter(2022, 3).quarters_label(positions, lang=lang) == expected  # only the fiscal year counts


@pytest.mark.parametrize("lang", ["xx", ""])
def test_labels_in_an_unknown_language_are_english(lang):
    """As before the string table: anything but "bn" is English (t() alone would fall back to Bengali)."""
    assert quarter(2022, 1).label(lang=lang) == "FY 2022-23 Q1"
    assert quarter(2022, 1).short_label(lang=lang) == "Q1 22-23"
    assert fiscal_year(2022).quarters_label((1, 2), lang=lang) == "FY 2022-23 Q1–Q2"


def test_period_words_come_from_the_string_table(monkeypatch):
    """The words are the string table's: change a table entry and the label follows."""
    from analytics import i18n

    table = {**i18n.strings(), "period.year": {"en": "Fiscal {years}", "bn": "অ.ব. {years}"},
             "period.quarter.1": {"en": "First", "bn": "প্রথম"}}
    monkeypatch.setattr(i18n, "strings", lambda: table)
    assert quarter(2022, 1).label(lang="en") == "Fiscal 2022-23 First"
    assert quarter(2022, 1).label(lang="bn") == "অ.ব. ২০২২-২৩, প্রথম প্রান্তিক"
    assert quarter(2022, 1).short_label(lang="en") == "First 22-23"


def test_period_strings_exist_in_both_languages_and_code_has_no_period_words():
    import ast
    from pathlib import Path

    from analytics import i18n
    from analytics.reference import periods

    keys = ["period.year", "period.year_quarters", "period.quarter_short", "period.quarters_through",
            "period.quarters_separator", "period.range_through"] + [f"period.quarter.{q}" for q in (1, 2, 3, 4)]
    table = i18n.strings()
    for key in keys:
        assert table[key]["en"] and table[key]["bn"], key
    tree = ast.parse(Path(periods.__file__).read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and node.body
                  and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    literals = [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)
                and isinstance(node.value, str) and id(node) not in docstrings]
    for text in literals:  # Bengali words and the English "FY"/"Q" only in the string table
        assert not any("\u0980" <= ch <= "\u09ff" for ch in text), text
        assert not text.startswith(("FY", "Q")), text
