"""Page models: labels in both languages, formats, the map's weight on the wire."""

import polars as pl
import pytest

from analytics import views
from analytics.gazetteer import Gazetteer
from analytics.periods import fiscal_year, quarter
from analytics.sample import generate

FY = fiscal_year(2022)


@pytest.fixture(scope="module")
def log() -> pl.LazyFrame:
    return generate().lazy()


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.load()


@pytest.mark.parametrize(("lang", "values"), [
    ("bn", {"beneficiaries_total": "১,২৪,০৮০", "entrepreneur_earnings_paisa": "৩৮,৪৯,১৬৮ টাকা"}),
    ("en", {"beneficiaries_total": "1,24,080", "entrepreneur_earnings_paisa": "Tk 38,49,168"}),
])
def test_kpis_as_the_report_writes_them(log, lang, values):
    kpis = {k.key: k for k in views.kpis(log, period=FY, lang=lang)}
    for key, text in values.items():
        assert kpis[key].value == text
    assert kpis["beneficiaries_total"].delta is None  # nothing in FY 2021-22 to compare with


def test_quarter_kpis_have_a_delta(log):
    kpis = {k.key: k for k in views.kpis(log, period=quarter(2022, 2), lang="en")}
    assert kpis["beneficiaries_total"].delta.startswith("+")


@pytest.mark.parametrize("level", ["upazila", "union"])
@pytest.mark.parametrize("lang", ["bn", "en"])
def test_map_figure_is_small_and_offline(log, gaz, level, lang):
    view = views.map_view(log, gaz, period=FY, metric="beneficiaries_udc", lang=lang, level=level)
    payload = view.figure.to_json()
    assert len(payload) <= 150 * 1024, len(payload)  # what st.plotly_chart sends to the browser
    assert view.figure.layout.map.style == "white-bg"  # no tiles from the internet
    assert "http" not in payload


def test_map_drill_down_shows_the_upazilas_unions(log, gaz):
    view = views.map_view(log, gaz, period=FY, metric="beneficiaries_udc", lang="en", upazila="BD107914")
    assert view.level == "union" and view.table.height == 7
    assert int(view.table["beneficiaries_udc"].sum()) == 22_791


def test_kalardoania_has_data_but_no_polygon(log, gaz):
    view = views.map_view(log, gaz, period=FY, metric="beneficiaries_udc", lang="en", level="union")
    assert view.missing_polygons == ["Kalardoania"]


def test_map_table_puts_the_chosen_metric_first(log, gaz):
    view = views.map_view(log, gaz, period=FY, metric="earnings_paisa", lang="en")
    table = views.map_table(view, metric="earnings_paisa", lang="en")
    assert table.columns[:2] == ["Upazila", "Entrepreneurs' earnings (Tk)"]
    assert table.row(0)[0] == "Indurkani"


def test_entrepreneur_search(log, gaz):
    table = views.entrepreneur_table(log, gaz, period=FY, lang="bn", search="ভান্ডারিয়া")
    assert table.height == 14 and set(table["upazila"]) == {"ভান্ডারিয়া"}


def test_union_earnings_for_anonymous_viewers_have_no_names(log, gaz):
    table = views.union_earnings(log, gaz, period=FY, lang="en")
    assert table.height == 52 and not any("Entrepreneur" == c for c in table.columns)
    assert "Nasrin" not in table.write_csv()


def test_services_view(log, gaz):
    view = views.services_view(log, gaz, period=FY, lang="bn")
    assert view.mix.filter(pl.col("channel") == "udc").height == 105
    assert view.mix.filter(pl.col("channel") == "front_desk").height == 12
    assert "জন্ম নিবন্ধন" in view.mix["service"].to_list()


def test_upload_impact(log, gaz):
    incoming = generate().filter(quarter(2022, 1).filter()).head(10)
    added = views.upload_impact(log, incoming, gaz, mode="add", lang="en")
    replaced = views.upload_impact(log, incoming, gaz, mode="replace", lang="en")
    assert added["incoming"].sum() == 10 == replaced["after"].sum()
    assert added["after"].sum() == added["stored"].sum() + 10
