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
    (Period(date(2022, 7, 1), date(2022, 7, 31)), "en", "2022-07-01 – 2022-07-31"),
])
def test_labels(period, lang, label):
    assert period.label(lang=lang) == label


@pytest.mark.parametrize(("period", "previous"), [
    (quarter(2022, 1), quarter(2021, 4)),
    (quarter(2022, 3), quarter(2022, 2)),
    (fiscal_year(2022), fiscal_year(2021)),
    (Period(date(2023, 1, 11), date(2023, 1, 20)), Period(date(2023, 1, 1), date(2023, 1, 10))),
])
def test_previous(period, previous):
    assert period.previous() == previous


@pytest.mark.parametrize(("text", "fy"), [("2022-23", 2022), ("FY 2022-23", 2022), ("fy2022/2023", 2022),
                                          ("2022", 2022), (" 2022–23 ", 2022), ("1999-00", 1999)])
def test_parse_fy(text, fy):
    assert parse_fy(text) == fy


@pytest.mark.parametrize("text", ["2022-24", "22-23", "next year", ""])
def test_parse_fy_rejects(text):
    with pytest.raises(ValueError):
        parse_fy(text)


@pytest.mark.parametrize("period", [fiscal_year(2022), quarter(2022, 3), Period(date(2022, 7, 5), date(2022, 8, 1))])
def test_key_round_trip(period):
    assert parse_period(period.key) == period


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
