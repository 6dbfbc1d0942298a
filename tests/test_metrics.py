"""Metrics on small hand-made logs whose answers are known by reading them."""

from datetime import date

import polars as pl
import pytest

from analytics.reference import schema
from analytics.reference.gazetteer import Gazetteer
from analytics.reference.periods import Period, fiscal_year, quarter
from analytics.report import metrics

BHANDARIA, IKRI, DHAOA = "BD107914", "BD10791459", "BD10791435"
SADAR = "BD107980"


def row(day, channel="udc", union=IKRI, upazila=BHANDARIA, who="E1", service="UDC001", people=1, fee=5000,
        gender="female"):
    return {"date": day, "channel": channel, "upazila_code": upazila, "union_code": union if channel == "udc" else None,
            "entrepreneur_id": who if channel == "udc" else None, "entrepreneur_name": who,
            "entrepreneur_gender": gender if channel == "udc" else None, "service_code": service,
            "service_category": "CERT", "beneficiaries": people, "fee_paisa": fee if channel == "udc" else 0}


@pytest.fixture
def log() -> pl.LazyFrame:
    rows = [
        row(date(2022, 7, 5)), row(date(2022, 7, 6), people=3, fee=1000),
        row(date(2022, 8, 1), who="E2", gender="male", service="UDC002"),
        row(date(2022, 10, 2), union=DHAOA, who="E3"),
        row(date(2022, 7, 9), channel="front_desk", upazila=SADAR, service="FD01", people=2),
        row(date(2021, 7, 5), fee=20000),  # previous year
    ]
    return schema.conform(pl.DataFrame(rows)).collect().lazy()


def test_headline(log):
    head = metrics.headline(log, period=fiscal_year(2022))
    assert head == {"beneficiaries_total": 8, "beneficiaries_udc": 6, "beneficiaries_front_desk": 2,
                    "entrepreneurs": 3, "unions_with_udc": 2, "entrepreneur_earnings_paisa": 16000,
                    "udc_service_kinds": 2, "front_desk_service_kinds": 1, "rows": 5,
                    "udc_rows_unnamed": 0}


@pytest.mark.parametrize(("period", "total"), [
    (quarter(2022, 1), 7), (quarter(2022, 2), 1), (quarter(2022, 3), 0), (fiscal_year(2021), 1),
    (Period(date(2022, 7, 5), date(2022, 7, 6)), 4),
])
def test_headline_by_period(log, period, total):
    assert metrics.headline(log, period=period)["beneficiaries_total"] == total


def test_change_against_previous(log):
    change = metrics.headline_change(log, period=fiscal_year(2022))
    earnings = change.filter(pl.col("figure") == "entrepreneur_earnings_paisa").row(0, named=True)
    assert (earnings["current"], earnings["previous"], earnings["change"]) == (16000, 20000, -4000)
    assert earnings["change_pct"] == pytest.approx(-20.0)


def test_by_area_keeps_no_data_apart_from_zero(log):
    units = Gazetteer.load().units
    areas = metrics.by_area(log, units, level="union", period=fiscal_year(2022), upazila=BHANDARIA)
    assert areas.height == 7
    ikri = areas.filter(pl.col("pcode") == IKRI).row(0, named=True)
    assert (ikri["beneficiaries"], ikri["earnings_paisa"], ikri["entrepreneurs"]) == (5, 11000, 2)
    assert ikri["earnings_per_entrepreneur_paisa"] == 5500
    assert ikri["per_km2"] == pytest.approx(ikri["beneficiaries_udc"] / ikri["area_km2"]) and ikri["beneficiaries_udc"] == 5
    others = areas.filter(~pl.col("pcode").is_in([IKRI, DHAOA]))
    assert others["beneficiaries"].null_count() == others.height  # no data, not 0


def test_an_area_counts_its_udcs_the_front_desk_is_the_districts(log):
    """The review: the DC office's front desk, which stands in Pirojpur Sadar, made Sadar's figures
    about ten times those of its UDCs, on the map, the upazila's overview and the brief (and not in
    `summary`). An upazila's figures are its UDCs', as the published report counts upazilas; the
    front desk is in the district's figures, at its office."""
    areas = metrics.by_area(log, Gazetteer.load().units, level="upazila", period=fiscal_year(2022))
    sadar = areas.filter(pl.col("pcode") == SADAR).row(0, named=True)
    assert (sadar["beneficiaries"], sadar["beneficiaries_udc"], sadar["service_kinds"]) == (None, None, None)
    assert metrics.headline(log, period=fiscal_year(2022))["beneficiaries_front_desk"] == 2
    assert metrics.headline(metrics.select(log, upazila=SADAR), period=fiscal_year(2022))["beneficiaries_total"] == 0


def test_entrepreneurs_ranked_with_flags(log):
    table = metrics.entrepreneurs(log, period=fiscal_year(2022))
    assert table["entrepreneur_id"].to_list() == ["E1", "E2", "E3"]
    assert table["rank"].to_list() == [1, 2, 3]
    e1 = table.row(0, named=True)
    assert (e1["earnings_paisa"], e1["earnings_paisa_previous"], e1["beneficiaries"]) == (6000, 20000, 4)
    assert e1["sharp_drop"] and not e1["no_activity"]
    later = metrics.entrepreneurs(log, period=fiscal_year(2023))
    assert later["no_activity"].all()  # active last year, nothing this year


@pytest.mark.parametrize("period, main", [(quarter(2022, 1), DHAOA), (quarter(2022, 2), IKRI)])
def test_an_entrepreneur_serving_two_unions_is_under_both_the_main_one_first(period, main):
    """Shown under the union they earned most in during the period (not whichever row came first),
    with every union they served in, so that a search for either finds them."""
    rows = [row(date(2022, 7, 5), fee=1500), row(date(2022, 7, 6), union=DHAOA, fee=10000),
            row(date(2022, 10, 5), fee=9000), row(date(2022, 10, 6), union=DHAOA, fee=500)]
    table = metrics.entrepreneurs(schema.conform(pl.DataFrame(rows)), period=period)
    e1 = table.row(0, named=True)
    assert e1["union_code"] == main and e1["union_codes"] == [main, ({IKRI, DHAOA} - {main}).pop()]
    assert e1["upazila_codes"] == [BHANDARIA] and e1["earnings_paisa"] == (11500 if period.quarter == 1 else 9500)


@pytest.mark.parametrize(("rows", "period", "name", "gender"), [
    # a log without name and gender columns first (the period compared with): the later rows say who
    ([dict(day=date(2022, 7, 5), who=None, gender=None), dict(day=date(2022, 10, 5), who="Jesmin", gender="female")],
     quarter(2022, 2), "Jesmin", "female"),
    # ... and in the same period as the rows that say it
    ([dict(day=date(2022, 7, 5), who=None, gender=None), dict(day=date(2022, 7, 9), who="Jesmin", gender="female")],
     quarter(2022, 1), "Jesmin", "female"),
    # the name in one log, the gender in another
    ([dict(day=date(2022, 7, 5), who="Jesmin", gender=None), dict(day=date(2022, 7, 9), who=None, gender="female")],
     quarter(2022, 1), "Jesmin", "female"),
    # written differently in the two periods: as this period writes it
    ([dict(day=date(2022, 7, 5), who="Jesmin N.", gender="female"), dict(day=date(2022, 10, 5), who="Jesmin Nahar", gender="female")],
     quarter(2022, 2), "Jesmin Nahar", "female"),
    ([dict(day=date(2022, 7, 5), who=None, gender=None)], quarter(2022, 1), None, None),  # never said: not known
])
def test_who_an_entrepreneur_is_comes_from_the_rows_that_say_it(rows, period, name, gender):
    """The review: an entrepreneur's name and gender were their first stored row's, empty when that row
    came from a log without those columns, so the brief read '0 women, 1 men (gender not recorded: 1)'
    with the previous quarter compared and '1 women, 1 men' with the year before."""
    made = []
    for spec in rows:
        one = row(spec["day"], who="E1", gender=spec["gender"])
        one["entrepreneur_name"] = spec["who"]
        made.append(one)
    table = metrics.entrepreneurs(schema.conform(pl.DataFrame(made, infer_schema_length=None)), period=period)
    assert table.select("entrepreneur_id", "entrepreneur_name", "entrepreneur_gender").rows() == [("E1", name, gender)]


def test_the_entrepreneurs_table_names_every_union_and_finds_each(log):
    from analytics.report import views

    rows = [row(date(2022, 7, 5), fee=1500), row(date(2022, 7, 6), union=DHAOA, fee=10000)]
    frame, gaz = schema.conform(pl.DataFrame(rows)), Gazetteer.load()
    names = [gaz.name(code, lang="en") for code in (DHAOA, IKRI)]
    table = views.entrepreneur_table(frame, gaz, period=fiscal_year(2022), lang="en")
    assert table["union"].to_list() == [", ".join(names)] and table["main_upazila"].to_list() == [gaz.name(BHANDARIA, lang="en")]
    for name in names:
        assert views.entrepreneur_table(frame, gaz, period=fiscal_year(2022), lang="en", search=name[:4]).height == 1


def test_service_mix_shares(log):
    mix = metrics.service_mix(log, period=fiscal_year(2022))
    assert mix["beneficiaries"].sum() == 8
    assert mix.filter(pl.col("service_code") == "UDC001")["share_pct"].item() == pytest.approx(62.5)


def test_trend_and_coverage(log):
    trend = metrics.trend(log)
    assert trend.filter((pl.col("fy") == 2022) & (pl.col("fq") == 1))["beneficiaries"].sum() == 7
    coverage = metrics.coverage(log, Gazetteer.load().units, period=fiscal_year(2022))
    issues = dict(coverage.select("pcode", "issue").iter_rows())
    assert issues[IKRI] is None and issues[DHAOA] == "few_entrepreneurs"
    assert list(issues.values()).count("no_data") == 50


def test_coverage_of_a_union_whose_rows_name_no_entrepreneur_is_not_known():
    """A review: a monthly summary's unions were listed as "fewer than two active entrepreneurs", 0,
    under an overview that says the count is not known."""
    summary = schema.conform(pl.DataFrame([row(date(2022, 7, 1), who=None, people=30),
                                           row(date(2022, 8, 1), who=None, union=DHAOA),
                                           row(date(2022, 8, 2), union=DHAOA)])).collect().lazy()
    coverage = metrics.coverage(summary, Gazetteer.load().units, period=fiscal_year(2022))
    got = {pcode: (issue, active) for pcode, issue, active in coverage.select("pcode", "issue", "active_entrepreneurs").iter_rows()}
    assert got[IKRI] == ("unnamed", None) and got[DHAOA] == ("unnamed", None)


def test_empty_log_gives_empty_frames_not_none():
    empty = schema.empty_log().lazy()
    assert metrics.headline(empty, period=fiscal_year(2022))["beneficiaries_total"] == 0
    assert metrics.entrepreneurs(empty, period=fiscal_year(2022)).height == 0
    assert metrics.service_mix(empty, period=fiscal_year(2022)).height == 0


# -- a date range through months of monthly summaries --------------------------------------------
SUMMARIES = [row(date(2022, 7, 1), who=None), row(date(2022, 8, 1), who=None, people=64),  # no one named: summaries
             row(date(2022, 9, 1)), row(date(2022, 9, 1), channel="front_desk", upazila=SADAR)]  # a log's 1st of Sept


@pytest.mark.parametrize("period, upazila, expected", [
    (Period(date(2022, 7, 15), date(2022, 8, 14)), None, [(date(2022, 7, 1), False), (date(2022, 8, 1), True)]),
    (Period(date(2022, 7, 1), date(2022, 8, 14)), None, [(date(2022, 8, 1), True)]),
    (Period(date(2022, 7, 2), date(2022, 8, 31)), None, [(date(2022, 7, 1), False)]),
    (Period(date(2022, 8, 5), date(2022, 8, 20)), None, [(date(2022, 8, 1), False)]),  # one month, its 1st before
    (Period(date(2022, 7, 1), date(2022, 8, 31)), None, []),  # whole months
    (Period(date(2022, 8, 15), date(2022, 9, 10)), None, [(date(2022, 8, 1), False)]),  # September's 1st: a log's
    (Period(date(2022, 7, 15), date(2022, 8, 14)), SADAR, []),  # the summaries are Bhandaria's
    (quarter(2022, 1), None, []),  # fiscal quarters and years are whole months
])
def test_months_cut(period, upazila, expected):
    log = schema.conform(pl.DataFrame(SUMMARIES)).collect()
    for form in (log.lazy(), metrics.rollup_of(log)):
        assert metrics.months_cut(form, period=period, upazila=upazila).rows() == expected
