"""analytics.report.comparison: what a change compares, and when no change is fair to give."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from analytics import i18n
from analytics.reference import schema
from analytics.reference.periods import Period, fiscal_year, quarter
from analytics.report import comparison, views
from analytics.report.comparison import (
    Comparison,
    base_period,
    compare,
    direction,
    sources,
)

SAMPLE = "sample-1"


def log_of(*rows: tuple[str, str, int]) -> pl.LazyFrame:
    """(ISO date, upload id, beneficiaries) rows of one UDC entrepreneur in one union."""
    return schema.conform(pl.DataFrame({
        "date": [date.fromisoformat(d) for d, _, _ in rows], "channel": ["udc"] * len(rows),
        "upazila_code": ["BD107914"] * len(rows), "union_code": ["BD10791400"] * len(rows),
        "entrepreneur_id": ["E1"] * len(rows), "service_code": ["U001"] * len(rows),
        "beneficiaries": [b for _, _, b in rows], "fee_paisa": [b * 1000 for _, _, b in rows],
        "upload_id": [u for _, u, _ in rows],
    }))


@pytest.mark.parametrize(("period", "mode", "expected"), [
    (quarter(2023, 2), "previous", quarter(2023, 1)),
    (quarter(2023, 1), "previous", quarter(2022, 4)),
    (quarter(2023, 2), "year", quarter(2022, 2)),
    (quarter(2023, 1), "year", quarter(2022, 1)),
    (fiscal_year(2023), "previous", fiscal_year(2022)),
    (fiscal_year(2023), "year", fiscal_year(2022)),
    (Period(date(2024, 1, 1), date(2024, 1, 31)), "previous", Period(date(2023, 12, 1), date(2023, 12, 31))),
    (Period(date(2024, 2, 1), date(2024, 2, 29)), "year", Period(date(2023, 2, 1), date(2023, 2, 28))),
])
def test_base_period(period, mode, expected):
    assert base_period(period, mode=mode) == expected


def test_an_unknown_mode_is_refused():
    with pytest.raises(ValueError):
        base_period(quarter(2023, 1), mode="last")


Q1_REAL, Q2_REAL = ("2023-09-01", "u-q1", 900), ("2023-12-01", "u-q2", 600)
Q1_SAMPLE, Q2_SAMPLE = ("2022-09-01", SAMPLE, 500), ("2022-12-01", SAMPLE, 400)
Q4_SAMPLE = ("2023-06-01", SAMPLE, 700)

# (rows, period, mode, reason, positions): the quarters compared, or why nothing is
CASES = [
    # FY 2023-24 Q2 smaller than Q1, both uploaded: a fair change
    ([Q1_REAL, Q2_REAL], quarter(2023, 2), "previous", None, (1,)),
    # Q1 of real data against the sample's Q4: never compared
    ([Q4_SAMPLE, Q1_REAL], quarter(2023, 1), "previous", "sample", (1,)),
    ([Q1_SAMPLE, Q1_REAL], quarter(2023, 1), "year", "sample", (1,)),
    # the sample against itself is fair
    ([Q1_SAMPLE, Q2_SAMPLE], quarter(2022, 2), "previous", None, (1,)),
    # nothing before
    ([Q1_REAL], quarter(2023, 1), "previous", "no_data_before", ()),
    ([Q1_REAL], quarter(2023, 1), "year", "no_data_before", ()),
    # nothing now
    ([Q1_REAL], quarter(2023, 3), "previous", "empty", ()),
    # a partial year (Q1-Q2 so far) against a full uploaded one: the same quarters
    ([("2022-09-01", "a", 1), ("2022-12-01", "a", 1), ("2023-03-01", "a", 1), ("2023-06-01", "a", 1),
      Q1_REAL, Q2_REAL], fiscal_year(2023), "previous", None, (1, 2)),
    # a full year against a year with Q4 only: not fair
    ([("2023-06-01", "a", 1), ("2023-09-01", "b", 1), ("2023-12-01", "b", 1), ("2024-03-01", "b", 1),
      ("2024-06-01", "b", 1)], fiscal_year(2023), "year", "base_partial", ()),
    # a partial year against the sample year
    ([Q1_SAMPLE, Q2_SAMPLE, Q4_SAMPLE, Q1_REAL, Q2_REAL], fiscal_year(2023), "previous", "sample", (1, 2)),
    # a quarter holding both kinds is compared with neither
    ([Q4_SAMPLE, ("2023-09-01", SAMPLE, 5), Q1_REAL], quarter(2023, 1), "previous", "sample", (1,)),
]


@pytest.mark.parametrize(("rows", "period", "mode", "reason", "positions"), CASES)
def test_compare_like_with_like(rows, period, mode, reason, positions):
    result = compare(log_of(*rows), period=period, mode=mode, sample_uploads=frozenset({SAMPLE}))
    assert result.reason == reason
    assert result.positions == positions


def test_a_partial_year_is_compared_over_the_same_quarters():
    rows = [("2022-09-01", "a", 100), ("2022-12-01", "a", 200), ("2023-03-01", "a", 4000), ("2023-06-01", "a", 8000),
            ("2023-09-01", "b", 150), ("2023-12-01", "b", 100)]
    log = log_of(*rows)
    fair = compare(log, period=fiscal_year(2023), mode="previous", sample_uploads=frozenset())
    assert fair.partial
    change = views.kpis(log, period=fiscal_year(2023), lang="en", comparison=fair)[0]
    # 250 now against Q1-Q2 of the year before (300), not the full year (12,300: -98%)
    assert (change.current, change.previous, change.delta, change.arrow) == (250, 300, "−50 (−16.7%)", "down")
    assert fair.base_label(lang="en") == "FY 2022-23 Q1–Q2"
    assert "FY 2022-23 Q1–Q2" in fair.describe(lang="en")
    assert "২০২২-২৩ অর্থবছর, ১ম–২য় প্রান্তিক" in fair.describe(lang="bn")


def test_a_date_range_past_the_data_is_cut_to_the_same_days():
    log = log_of(("2023-01-05", "a", 10), ("2023-01-25", "a", 99), ("2024-01-05", "b", 20))
    result = compare(log, period=Period(date(2024, 1, 1), date(2024, 1, 31)), mode="year", sample_uploads=frozenset())
    assert result.reason is None and result.until == date(2024, 1, 5)
    change = views.kpis(log, period=Period(date(2024, 1, 1), date(2024, 1, 31)), lang="en", comparison=result)[0]
    assert (change.current, change.previous) == (20, 10)  # 1-5 January against 1-5 January


def test_a_year_before_across_29_february_is_cut_on_the_same_calendar_day():
    """1 February - 31 March 2024, data to 15 March: its base is 1 February - 15 March 2023 (not the
    16th: 2024 has a 29 February)."""
    log = log_of(("2023-02-10", "a", 4), ("2023-03-15", "a", 3), ("2023-03-16", "a", 99), ("2024-03-15", "b", 20))
    period = Period(date(2024, 2, 1), date(2024, 3, 31))
    result = compare(log, period=period, mode="year", sample_uploads=frozenset())
    assert result.base_label(lang="en") == Period(date(2023, 2, 1), date(2023, 3, 15)).label(lang="en")
    change = views.kpis(log, period=period, lang="en", comparison=result)[0]
    assert (change.current, change.previous) == (20, 7)


@pytest.mark.parametrize(("last", "mode", "reason"), [
    ("2024-07-20", "year", "now_partial"),  # three weeks of the quarter uploaded
    ("2024-07-20", "previous", "now_partial"),
    ("2024-08-01", "year", "now_partial"),  # a monthly summary of July and August
    ("2024-09-01", "year", None),  # ... of July to September: whole
    ("2024-09-24", "year", None),  # a daily log whose last deliveries were on the 24th
    ("2024-09-30", "previous", None),
])
def test_a_quarter_under_way_is_not_compared_with_a_whole_one(last, mode, reason):
    """Data to 20 July against the whole of the quarter a year before read as a fall of three
    quarters; no change is given until the quarter is uploaded."""
    log = log_of(("2023-07-10", "a", 20), ("2023-09-20", "a", 13), ("2024-04-15", "c", 30), ("2024-06-25", "c", 3),
                 ("2024-07-05", "b", 5), (last, "b", 3))
    result = compare(log, period=quarter(2024, 1), mode=mode, sample_uploads=frozenset())
    assert result.reason == reason
    kpi = views.kpis(log, period=quarter(2024, 1), lang="en", comparison=result)[0]
    assert (kpi.delta is None) is (reason is not None)
    if reason:
        day = i18n.day(date.fromisoformat(last), lang="en")
        assert day in result.describe(lang="en") and "No change" in result.describe(lang="en")
        assert i18n.day(date.fromisoformat(last), lang="bn") in result.describe(lang="bn")
        whole_year = compare(log, period=fiscal_year(2024), mode="previous", sample_uploads=frozenset())
        assert whole_year.reason == "now_partial"  # the year's last quarter compared is the same one


def test_a_date_range_before_the_data_starts_is_not_compared():
    log = log_of(("2023-11-05", "a", 9), ("2024-01-05", "b", 20))
    result = compare(log, period=Period(date(2024, 1, 1), date(2024, 1, 31)), mode="year",
                     sample_uploads=frozenset())
    assert result.reason == "base_partial"  # January 2023 is before the first quarter with data


@pytest.mark.parametrize(("rows", "expected"), [
    ([Q1_SAMPLE], "sample"), ([Q1_REAL], "none"), ([("2022-09-01", "u", 1)], "real"),
    ([Q1_SAMPLE, ("2022-09-01", "u", 1)], "mixed"),
])
def test_sources_of_a_period(rows, expected):
    assert sources(log_of(*rows), period=quarter(2022, 1), sample_uploads=frozenset({SAMPLE})) == expected


@pytest.mark.parametrize(("change", "arrow"), [(5, "up"), (-5, "down"), (0, "off"), (None, "off")])
def test_the_arrow_follows_the_sign(change, arrow):
    assert direction(change) == arrow


@pytest.mark.parametrize("lang", ["en", "bn"])
def test_every_delta_arrow_agrees_with_its_sign(lang):
    """A store where FY 2023-24 Q2 is smaller than Q1: every change is a drop, drawn down and red,
    whatever the digits (Streamlit reads a leading "-" only, and "−" U+2212 is no "-")."""
    log = log_of(Q1_REAL, Q2_REAL)
    fair = compare(log, period=quarter(2023, 2), mode="previous", sample_uploads=frozenset())
    kpis = views.kpis(log, period=quarter(2023, 2), lang=lang, comparison=fair)
    given = [k for k in kpis if k.delta]
    assert given
    for kpi in given:
        change = kpi.current - kpi.previous
        assert kpi.arrow == direction(change)
        assert kpi.colour == {"up": "green", "down": "red", "off": "gray"}[kpi.arrow]
        assert kpi.delta.startswith("−" if change < 0 else "+" if change > 0 else i18n.number(0, lang=lang))
    assert {k.key: k.arrow for k in given}["beneficiaries_total"] == "down"
    assert {k.key: k.arrow for k in given}["entrepreneurs"] == "off"  # one and one: "0 (0.0%)", no arrow


def test_no_change_is_given_against_the_sample():
    log = log_of(Q4_SAMPLE, Q1_REAL)
    fair = compare(log, period=quarter(2023, 1), mode="previous", sample_uploads=frozenset({SAMPLE}))
    kpis = views.kpis(log, period=quarter(2023, 1), lang="en", comparison=fair)
    assert all(k.delta is None and k.arrow == "off" for k in kpis)
    assert "sample" in fair.describe(lang="en")


def test_the_default_comparison_is_the_previous_period():
    period = quarter(2023, 2)
    assert Comparison(comparison.DEFAULT_MODE, period, period.previous()).base == quarter(2023, 1)


def test_entrepreneurs_are_not_flagged_against_the_sample():
    """A first real quarter after the sample: no "sharp drop" against reconstructed figures."""
    from analytics.report import metrics

    log = log_of(Q4_SAMPLE, ("2023-09-01", "u-q1", 10))
    fair = compare(log, period=quarter(2023, 1), mode="previous", sample_uploads=frozenset({SAMPLE}))
    unfair = metrics.entrepreneurs(log, period=quarter(2023, 1), comparison=fair)
    assert unfair["earnings_paisa_previous"].to_list() == [None]
    assert unfair["change_pct"].to_list() == [None]
    assert not unfair["sharp_drop"].any()
    plain = metrics.entrepreneurs(log, period=quarter(2023, 1))  # the previous quarter, whatever it holds
    assert plain["sharp_drop"].to_list() == [True]
    fair_rows = metrics.entrepreneurs(log_of(("2023-06-01", "a", 700), ("2023-09-01", "b", 10)),
                                      period=quarter(2023, 1),
                                      comparison=compare(log_of(("2023-06-01", "a", 700), ("2023-09-01", "b", 10)),
                                                         period=quarter(2023, 1), sample_uploads=frozenset()))
    assert fair_rows["sharp_drop"].to_list() == [True]


def test_sample_quarters_are_hatched_in_the_trend():
    from analytics.report import figures

    log = log_of(Q4_SAMPLE, Q1_REAL, Q2_REAL)
    trend = views.trend_table(log, lang="en", sample_uploads=frozenset({SAMPLE}))
    assert trend.select("label", "sample").rows() == [("Q4 22-23", True), ("Q1 23-24", False), ("Q2 23-24", False)]
    fig = figures.trend_bars(trend, lang="en")
    assert list(fig.data[0].marker.pattern.shape) == ["/", "", ""]
    assert fig.data[-1].name == "sample"  # the legend says what the hatching means
    plain = figures.trend_bars(views.trend_table(log, lang="en"), lang="en")
    assert len(plain.data) == 1 and not plain.data[0].marker.pattern.shape[0]


@pytest.mark.parametrize("lang", ["en", "bn"])
def test_a_quarter_under_way_is_marked_and_a_quarter_without_data_keeps_its_place(lang):
    """The review's trend: October alone beside whole quarters read as a 63% fall, and the two
    quarters rolled back vanished from the axis, so the bars around them read as following quarters."""
    from analytics.report import figures

    log = log_of(("2023-07-03", "a", 50), ("2023-09-28", "a", 50), ("2024-04-02", "b", 40), ("2024-06-20", "b", 40),
                 ("2024-07-01", "c", 30), ("2024-07-31", "c", 30))
    trend = views.trend_table(log, lang=lang)
    labels = [quarter(fy, fq).short_label(lang=lang) for fy, fq in ((2023, 1), (2023, 2), (2023, 3), (2023, 4), (2024, 1))]
    assert trend.select("label", "beneficiaries", "partial").rows() == [
        (labels[0], 100, False), (labels[1], None, False), (labels[2], None, False), (labels[3], 80, False),
        (labels[4], 60, True)]
    assert trend["until"][-1] == i18n.day(date(2024, 7, 31), lang=lang)
    fig = figures.trend_bars(trend, lang=lang)
    bars = fig.data[0]
    assert list(bars.x) == [labels[0], labels[3], labels[4]] and list(bars.marker.pattern.shape) == ["", "", "."]
    assert i18n.t("figure.data_until", lang, day=trend["until"][-1]) in bars.customdata[-1]
    assert [t.name for t in fig.data if t.x == (None,)] == [i18n.t("figure.partial_quarter", lang)]
    gap = next(t for t in fig.data if t.text and t.text[0] == i18n.t("map.no_data", lang))
    assert list(gap.x) == labels[1:3] and list(fig.layout.xaxis.categoryarray) == labels


def channel_log(*rows: tuple[str, ...]) -> pl.LazyFrame:
    """(ISO date, channel[, upazila code]) rows of 5 people each: a UDC entrepreneur's, or the front desk's."""
    udc = [row[1] == "udc" for row in rows]
    upazilas = [row[2] if len(row) > 2 else "BD107914" for row in rows]
    return schema.conform(pl.DataFrame({
        "date": [date.fromisoformat(row[0]) for row in rows], "channel": [row[1] for row in rows],
        "upazila_code": upazilas, "union_code": [z + "00" if u else None for z, u in zip(upazilas, udc)],
        "entrepreneur_id": ["E1" if u else None for u in udc],
        "service_code": ["U001" if u else "F001" for u in udc],
        "beneficiaries": [5] * len(rows), "fee_paisa": [1000 if u else 0 for u in udc],
        "upload_id": [f"up-{row[0][:7]}-{row[1]}" for row in rows],
    }))


OTHER = "BD107976"  # a second upazila
BOTH_2023 = [("2023-07-10", "udc"), ("2023-09-25", "udc"), ("2023-07-11", "front_desk"), ("2023-09-26", "front_desk")]


@pytest.mark.parametrize(("now", "period", "reason", "missing"), [
    # the front desk's log of the quarter is in, the UDCs' are not yet: UDC figures would read -100 %
    ([("2024-07-10", "front_desk"), ("2024-09-26", "front_desk")], quarter(2024, 1), "incomplete", "udc"),
    ([("2024-07-10", "udc"), ("2024-09-26", "udc")], quarter(2024, 1), "incomplete", "front_desk"),
    ([("2024-07-10", "udc"), ("2024-09-25", "udc"), ("2024-09-26", "front_desk")], quarter(2024, 1), None, None),
    ([("2024-07-10", "front_desk"), ("2024-09-26", "front_desk")], fiscal_year(2024), "incomplete", "udc"),
    # a date range: the same rule over the days compared
    ([("2024-07-10", "front_desk"), ("2024-09-26", "front_desk")], Period(date(2024, 7, 1), date(2024, 8, 31)),
     "incomplete", "udc"),
    ([("2024-07-10", "udc"), ("2024-07-12", "front_desk")], Period(date(2024, 7, 1), date(2024, 8, 31)), None, None),
])
def test_a_channel_with_no_data_yet_is_not_compared_with_its_data_before(now, period, reason, missing):
    log = channel_log(*BOTH_2023, *now)
    result = compare(log, period=period, mode="year", sample_uploads=frozenset())
    assert (result.reason, result.missing) == (reason, missing)
    kpis = views.kpis(log, period=period, lang="en", comparison=result)
    assert all((kpi.delta is None) is (reason is not None) for kpi in kpis)
    if reason:
        assert result.gap == quarter(2024, 1)  # the quarter that lacks them, this year's
        for lang in ("en", "bn"):
            sentence = result.describe(lang=lang)
            assert i18n.t(f"compare.lacking.{missing}", lang) in sentence and "{" not in sentence, sentence
            assert quarter(2024, 1).label(lang=lang) in sentence


def test_a_base_without_a_channel_this_period_has_is_not_compared():
    """Last year's front desk log was never uploaded: the total would read as a rise."""
    log = channel_log(("2023-07-10", "udc"), ("2023-09-25", "udc"), ("2024-07-10", "udc"), ("2024-09-26", "udc"),
                      ("2024-08-01", "front_desk"))
    result = compare(log, period=quarter(2024, 1), mode="year", sample_uploads=frozenset())
    assert (result.reason, result.missing, result.gap) == ("base_incomplete", "front_desk", quarter(2023, 1))
    assert quarter(2023, 1).label(lang="en") in result.describe(lang="en") and "yet" not in result.describe(lang="en")


@pytest.mark.parametrize(("rows", "period", "expected"), [
    # the front desk's quarter is whole, the UDCs' logs end in July: under way, up to their last day
    ([("2024-07-10", "udc"), ("2024-07-31", "udc"), ("2024-07-11", "front_desk"), ("2024-09-26", "front_desk"),
      ("2024-07-12", "udc", OTHER), ("2024-07-30", "udc", OTHER)],
     quarter(2024, 1), ("now_partial", date(2024, 7, 30), None, 0)),  # (the earliest office's last day)
    # the base's UDC logs end in July (its September never uploaded): a rise that is not one
    ([("2022-07-10", "udc"), ("2022-07-31", "udc"), ("2022-07-11", "front_desk"), ("2022-09-26", "front_desk"),
      ("2023-07-10", "udc"), ("2023-09-25", "udc"), ("2023-07-11", "front_desk"), ("2023-09-26", "front_desk")],
     quarter(2023, 1), ("part_quarter", None, "udc", 0)),
    # the UDCs of one of two unions not uploaded yet
    ([("2024-07-10", "udc"), ("2024-09-25", "udc"), ("2024-07-11", "front_desk"), ("2024-09-26", "front_desk")],
     quarter(2024, 1), ("incomplete", None, "udc", 1)),
    # a quarter before the last one compared partly uploaded (July of Q1 only; Q2 whole)
    ([("2024-07-10", "udc"), ("2024-07-31", "udc"), ("2024-07-11", "front_desk"), ("2024-09-26", "front_desk"),
      ("2024-07-12", "udc", OTHER), ("2024-07-30", "udc", OTHER), ("2024-10-10", "udc"), ("2024-12-26", "udc"),
      ("2024-10-12", "udc", OTHER), ("2024-12-24", "udc", OTHER), ("2024-10-11", "front_desk"),
      ("2024-12-26", "front_desk")],
     fiscal_year(2024), ("part_quarter", None, "udc", 0)),
    # one upazila's UDCs in July only, the other's whole: the other does not hide it
    ([("2024-07-10", "udc"), ("2024-09-25", "udc"), ("2024-07-11", "front_desk"), ("2024-09-26", "front_desk"),
      ("2024-07-12", "udc", OTHER), ("2024-07-30", "udc", OTHER)],
     quarter(2024, 1), ("now_partial", date(2024, 7, 30), None, 0)),
    # a date range over a quarter with no data at all (October to December 2023 never uploaded)
    ([("2022-07-10", "udc"), ("2022-10-10", "udc"), ("2022-12-25", "udc"), ("2023-09-25", "udc"),
      ("2024-01-10", "udc"), ("2024-03-25", "udc")],
     Period(date(2023, 9, 1), date(2023, 10, 31)), ("incomplete", None, "all", 0)),
])
def test_a_part_missing_on_either_side_gives_no_change(rows, period, expected):
    both = [("2023-07-12", "udc", OTHER), ("2023-09-24", "udc", OTHER)]  # the other upazila, last year
    year_before = [("2023-10-10", "udc"), ("2023-12-26", "udc"), ("2023-10-12", "udc", OTHER),
                   ("2023-12-24", "udc", OTHER), ("2023-10-11", "front_desk"), ("2023-12-26", "front_desk")]
    log = channel_log(*BOTH_2023, *both, *year_before, *rows) if period.fy == 2024 else channel_log(*rows)
    result = compare(log, period=period, mode="year", sample_uploads=frozenset())
    assert (result.reason, result.until if result.reason == "now_partial" else None, result.missing,
            result.areas) == expected
    for lang in ("en", "bn"):
        assert "{" not in result.describe(lang=lang)
    if expected[0] == "incomplete" and expected[3]:
        assert i18n.t("compare.lacking.union", "bn", count="১") in result.describe(lang="bn")


def test_a_short_range_without_one_upazilas_deliveries_is_still_compared():
    """A week in which one upazila's UDCs delivered nothing (a holiday there) is compared: its
    quarter holds that upazila's data, so nothing is missing from the uploads."""
    log = channel_log(*BOTH_2023, ("2023-07-12", "udc", OTHER), ("2023-09-24", "udc", OTHER),
                      ("2024-07-10", "udc"), ("2024-09-25", "udc"), ("2024-07-11", "front_desk"),
                      ("2024-09-26", "front_desk"), ("2024-08-20", "udc", OTHER), ("2024-09-24", "udc", OTHER))
    result = compare(log, period=Period(date(2024, 7, 8), date(2024, 7, 14)), mode="year", sample_uploads=frozenset())
    assert result.reason is None


def test_an_upazilas_figures_are_compared_on_its_own_offices():
    """A union's file missing in another upazila takes nothing from this upazila's change."""
    rows = [("2024-07-10", "udc"), ("2024-09-25", "udc"), ("2024-07-11", "front_desk"), ("2024-09-26", "front_desk")]
    log = channel_log(*BOTH_2023, ("2023-07-12", "udc", OTHER), ("2023-09-24", "udc", OTHER), *rows)
    assert compare(log, period=quarter(2024, 1), mode="year").reason == "incomplete"  # the district: OTHER's missing
    assert compare(log, period=quarter(2024, 1), mode="year", upazila="BD107914").reason is None
    assert compare(log, period=quarter(2024, 1), mode="year", upazila=OTHER).reason == "empty"


@pytest.mark.parametrize(("period", "until", "cut"), [
    # whole months against the whole months before: the same day of the matching month, within the base
    (Period(date(2023, 3, 1), date(2023, 3, 31)), date(2023, 3, 30), date(2023, 2, 28)),
    (Period(date(2023, 3, 1), date(2023, 3, 31)), date(2023, 3, 15), date(2023, 2, 15)),
    (Period(date(2023, 4, 1), date(2023, 5, 31)), date(2023, 4, 30), date(2023, 2, 28)),  # April's last: February's
    (Period(date(2023, 4, 1), date(2023, 5, 31)), date(2023, 5, 20), date(2023, 3, 20)),
    # other ranges: as many days into the base
    (Period(date(2023, 3, 5), date(2023, 3, 20)), date(2023, 3, 10), date(2023, 2, 22)),
])
def test_a_range_past_its_data_cuts_its_base_on_the_matching_day(period, until, cut):
    from analytics.report.comparison import Comparison

    base = period.previous()
    assert Comparison("previous", period, base, until=until).cut(base.start) == cut
