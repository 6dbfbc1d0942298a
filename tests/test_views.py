"""Page models: labels in both languages, formats, the map's weight on the wire."""

from datetime import date

import polars as pl
import pytest

from analytics import i18n
from analytics.reference.periods import fiscal_year, quarter
from analytics.reference.sample import generate
from analytics.report import figures, history, privacy, tables, views

FY = fiscal_year(2022)




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
    assert view.figure.layout.geo.visible is False  # an SVG map of the areas alone: no tiles, no world outline
    assert "http" not in payload
    labels = next(trace for trace in view.figure.data if trace.name == "labels")
    assert labels.mode == "text" and len(labels.text) >= 7  # names written on the map


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


BHANDARIA, KAWKHALI = "BD107914", "BD107947"


@pytest.mark.parametrize(("points", "level", "opened", "expected"), [
    ([{"location": BHANDARIA}], "upazila", None, BHANDARIA),  # the upazilas' map: the upazila clicked
    ([{"location": "BD10791411"}], "union", None, BHANDARIA),  # every union: the union's upazila
    ([{"location": "BD10794715"}], "union", None, KAWKHALI),
    ([{"x": 90.0, "y": 22.5}, {"location": KAWKHALI}], "upazila", None, KAWKHALI),  # the first area counts
    ([{"location": "BD10791411"}], "union", BHANDARIA, None),  # one upazila's unions: a click opens nothing
    ([{"location": BHANDARIA}], "upazila", BHANDARIA, None),  # already open
    ([], "upazila", None, None),  # a click beside every area
    ([{"location": None}, {"x": 90.0}], "union", None, None),  # the office or a name, not an area
    ([{"location": "BD10791411"}], "upazila", None, None),  # a union's code is no upazila
    ([{"location": BHANDARIA}], "union", None, None),  # nor the other way round
    ([{"location": "BD999999"}], "union", None, None),  # nowhere known
    ([{"location": BHANDARIA}], "district", None, None),
])
def test_clicked_upazila(gaz, points, level, opened, expected):
    target = views.clicked_upazila(gaz.units, points=points, level=level, upazila=opened)
    assert target.schema == gaz.units.schema  # a row of the gazetteer, or none with the same columns
    assert target["pcode"].to_list() == ([expected] if expected else [])
    if expected:
        assert target["level"].item() == "upazila"


@pytest.mark.parametrize("lang", ["bn", "en"])
@pytest.mark.parametrize(("upazila", "min_entrepreneurs"), [(None, None), (BHANDARIA, None), (BHANDARIA, 3)])
def test_map_panel(log, upazila, min_entrepreneurs, lang):
    panel = views.map_panel(log, period=FY, lang=lang, upazila=upazila, min_entrepreneurs=min_entrepreneurs)
    if upazila is None:
        assert panel == []  # the district's map has no panel beside it
        return
    assert [k.key for k in panel] == list(views.MAP_PANEL_FIGURES)
    every = {k.key: k for k in views.kpis(log, period=FY, lang=lang, upazila=upazila,
                                         min_entrepreneurs=min_entrepreneurs)}
    assert panel == [every[k.key] for k in panel]  # as the headline states them, under the same rule
    assert {k.key: k.value for k in panel}["beneficiaries_udc"] == i18n.number(22_791, lang=lang)


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
    assert not any(views.CHOSEN in y for y in view.heatmap.data[0].y)
    # all channels: it says its rows are the UDCs' (the front desk is the whole district's, at one office)
    assert view.heatmap_note == i18n.t("services.by_area_udc", "bn")
    assert views.services_view(log, gaz, period=FY, lang="en", channel="udc").heatmap_note is None
    # its figures as a table (a phone's), cell for cell: a row per upazila, the UDCs' beneficiaries in all
    table, heat = view.heatmap_table, view.heatmap.data[0]
    assert table.columns == ["উপজেলা", *heat.x] and table["উপজেলা"].to_list() == list(heat.y)
    assert [list(row) for row in table.drop("উপজেলা").rows()] == [list(row) for row in heat.z]
    udc = view.mix.filter(pl.col("channel") == "udc")["beneficiaries"].sum()
    assert table.drop("উপজেলা").sum_horizontal().sum() == udc


@pytest.mark.parametrize("lang", ["en", "bn"])
def test_the_services_heat_map_marks_the_upazila_chosen_among_all(log, gaz, lang):
    """Its roll-up holds services per upazila: every upazila stays, for comparison, the chosen one
    marked, and the note under it says so (it had looked like a map of the chosen upazila)."""
    view = views.services_view(log, gaz, period=FY, lang=lang, upazila="BD107914")
    rows = list(view.heatmap.data[0].y)
    name = gaz.name("BD107914", lang=lang)
    assert len(rows) == 7 and [y for y in rows if views.CHOSEN in y] == [views.CHOSEN + name]
    assert views.CHOSEN + name in view.heatmap_note


def test_upload_impact(log, gaz):
    incoming = generate().filter(quarter(2022, 1).filter()).head(10)
    added = views.upload_impact(log, incoming, gaz, mode="add", lang="en")
    replaced = views.upload_impact(log, incoming, gaz, mode="replace", lang="en")
    assert added["incoming"].sum() == 10 == replaced["after"].sum()
    assert added["after"].sum() == added["stored"].sum() + 10
    sample = frozenset(log.select(pl.col("upload_id").unique()).collect()["upload_id"].to_list())
    over_sample = views.upload_impact(log, incoming, gaz, mode="add", lang="en", sample_uploads=sample)
    assert over_sample["after"].sum() == 10  # the sample's quarter is replaced, not added to
    assert over_sample["stored"].sum() == added["stored"].sum()


@pytest.mark.parametrize("lang", ["en", "bn"])
def test_upload_impact_gives_an_upazila_its_udcs_and_the_front_desk_a_row_of_its_own(log, gaz, lang):
    """A review's preview gave Pirojpur Sadar 603 stored, its UDCs' 184 and the front desk's 419; every
    other page gives an area its UDCs' figures only."""
    rows = generate().filter(quarter(2022, 1).filter())
    incoming = pl.concat([rows.filter(pl.col("channel") == "udc").head(5), rows.filter(pl.col("channel") == "front_desk").head(3)])
    impact = views.upload_impact(log, incoming, gaz, mode="add", lang=lang)
    people = pl.col("beneficiaries").cast(pl.Int64)
    stored = log.filter(quarter(2022, 1).filter()).group_by("channel", "upazila_code").agg(people.sum()).collect()
    sadar = gaz.resolve("Pirojpur Sadar", level="upazila").pcode
    by_name = dict(zip(impact["upazila"], impact["stored"]))
    udc = stored.filter((pl.col("channel") == "udc") & (pl.col("upazila_code") == sadar))["beneficiaries"].sum()
    assert by_name[gaz.name(sadar, lang=lang)] == udc
    assert by_name[i18n.t("map.front_desk", lang)] == stored.filter(pl.col("channel") == "front_desk")["beneficiaries"].sum()
    assert impact["stored"].sum() == stored["beneficiaries"].sum() and impact.height == 8
    desk = impact.filter(pl.col("upazila") == i18n.t("map.front_desk", lang))
    assert desk["incoming"].item() == incoming.filter(pl.col("channel") == "front_desk")["beneficiaries"].cast(pl.Int64).sum()


# -- display text without Python callbacks inside polars (issue 16) ---------------------
EDGE_INTS = [0, 1, 9, 10, 99, 100, 999, 1000, 9999, 10_000, 99_999, 100_000, 124_080, 999_999, 1_000_000,
             12_345_678, 123_456_789, 1_234_567_890, 98_765_432_109, 2**53, -1, -999, -1000, -124_080, -12_345_678]


@pytest.mark.parametrize("lang", ["bn", "en", "xx"])
def test_number_text_is_i18n_number(lang):
    import random

    values = EDGE_INTS + [random.Random(lang).randrange(-10**12, 10**12) for _ in range(2000)]
    frame = pl.DataFrame({"v": values + [None]}, schema={"v": pl.Int64})
    shown = frame.select(views.number_text("v", lang=lang))["v"].to_list()
    assert shown == [i18n.number(v, lang=lang) for v in values] + [None]
    unsigned = pl.DataFrame({"v": [0, 7, 104, 4_294_967_295]}, schema={"v": pl.UInt32})
    assert unsigned.select(views.number_text("v", lang=lang))["v"].to_list() == [
        i18n.number(v, lang=lang) for v in unsigned["v"]]


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_taka_text_is_i18n_taka(lang):
    import random

    values = EDGE_INTS + [5, 50, 99, 101, 110, 384_916_800, 384_916_805, -5, -105]
    values += [random.Random(7).randrange(-10**11, 10**11) for _ in range(2000)]
    frame = pl.DataFrame({"p": values + [None]}, schema={"p": pl.Int64})
    shown = frame.select(views.taka_text("p", lang=lang))["p"].to_list()
    assert shown == [i18n.taka(v, lang=lang) for v in values] + [None]


def test_texts_formats_in_python_after_collect_and_keeps_nulls():
    values = pl.Series("x", [0.05, 0.15, 1.25, 2.675, None, float("nan"), 12345.65])
    shown = views.texts(values, lambda v: i18n.number(v, lang="bn", decimals=1))
    assert shown.dtype == pl.String and shown.name == "x"
    assert shown.to_list() == [i18n.number(v, lang="bn", decimals=1) if v is not None else None for v in values.to_list()]


def test_escaped_is_html_escape():
    import html

    names = ["Kawkhali", "A & B <i>", "\"quoted\" 'single'", "&amp; stays escaped once", "পিরোজপুর", ""]
    frame = pl.DataFrame({"n": names + [None]})
    assert frame.select(figures.escaped(pl.col("n")))["n"].to_list() == [html.escape(n) for n in names] + [None]


def test_tables_as_before(log, gaz):
    """The formatted columns, unchanged from when polars ran i18n per value (map_elements)."""
    table = views.area_table(log, gaz, level="union", period=FY, lang="bn")
    row = table.filter(pl.col("beneficiaries").is_not_null()).sort("pcode").row(0, named=True)
    assert row["beneficiaries_text"] == i18n.number(row["beneficiaries"], lang="bn")
    assert row["earnings_text"] == i18n.taka(row["earnings_paisa"], lang="bn")
    assert row["per_km2_text"] == i18n.number(row["per_km2"], lang="bn", decimals=1)
    trend = views.trend_table(log, lang="en")
    assert trend["label"].to_list()[0] == quarter(2022, 1).short_label(lang="en")
    shown = views.entrepreneur_rows(views.entrepreneur_table(log, gaz, period=quarter(2022, 2), lang="en"), lang="en")
    assert shown.columns[5:7] == ["Beneficiaries", "Earnings"] and shown["Earnings"][0].startswith("Tk ")
    assert set(tables.display_only(shown)["Gender"].to_list()) <= {"Female", "Male", ""}  # one person's (not "Women")
    # a change: its arrow agrees with its sign, a fall with a minus sign (the review's "-10.4%" had neither)
    for text in tables.display_only(shown)["Change (%)"].to_list():
        assert text == "–" or (text.startswith("▲ +") or text.startswith("▼ −") or text == "0.0%"), text
    services = views.services_view(log, gaz, period=FY, lang="bn").table
    services = tables.display_only(services)
    assert services.height == 117 and services[services.columns[-1]][0].endswith("%")


def test_audit_and_uploads_tables():
    changes = pl.DataFrame({"change_id": [1, 2], "at": ["t", "t"], "action": ["upload", "no_such_action"],
                            "actor": ["a", "b"], "upload_id": ["u", None], "detail": [None, None], "version": [1, None]})
    audit = tables.display_only(views.audit_table(changes, lang="en"))
    assert audit[audit.columns[2]].to_list() == ["no_such_action", i18n.t("action.upload", "en")]
    assert audit[i18n.t("col.version", "en")].to_list() == ["", "1"]  # the data version; none for audit entries
    assert views.audit_table(changes.clear(), lang="bn").height == 0
    by_machine = tables.display_only(views.audit_table(changes.with_columns(pl.Series("actor", ["cli", "system"])),
                                                       lang="bn"))
    assert by_machine[i18n.t("col.actor", "bn")].to_list() == ["অ্যাপ (নমুনা)", "কমান্ড লাইন"]  # newest first


@pytest.mark.parametrize(("name", "lang", "shown"), [
    ("cli", "bn", "কমান্ড লাইন"), ("cli", "en", "command line"), ("system", "bn", "অ্যাপ (নমুনা)"),
    ("system", "en", "the app (sample)"), ("rahima", "bn", "rahima"), ("CLI", "en", "CLI"), (None, "en", ""),
])
def test_who_did_it_reads_in_the_language(name, lang, shown):
    """The command line's default uploader and actor ("cli") and the app's own ("system") are said in
    the user's language on the Data page; a person's account name is kept as written."""
    assert history.who_label(name, lang=lang) == shown


# -- tables that sort as numbers, read in the user's digits (issue 12) -------------------------
def _sorted_texts(frame: pl.DataFrame, label: str, *, lang: str) -> list[str]:
    """The column's cells as shown, in the order a click on its header (descending) puts them."""
    shown = tables.display(frame, lang=lang)
    order = shown.values.with_row_index("i").sort(label, descending=True, nulls_last=True)["i"].to_list()
    return [shown.texts[label][i] for i in order]


def test_every_table_carries_numbers_behind_its_text(log, gaz):
    """Each figure column of each table holds numbers (what Streamlit sorts) and its text (what it draws)."""
    view = views.map_view(log, gaz, period=FY, metric="beneficiaries_udc", lang="bn")
    entrepreneurs = views.entrepreneur_table(log, gaz, period=FY, lang="bn")
    mix = views.service_mix(log, gaz, period=FY, lang="bn")
    found = {
        "map": views.map_table(view, metric="beneficiaries_udc", lang="bn"),
        "entrepreneurs": views.entrepreneur_rows(entrepreneurs, lang="bn"),
        "upazilas": views.area_earnings(log, gaz, level="upazila", period=FY, lang="bn"),
        "unions": views.union_earnings(log, gaz, period=FY, lang="bn", min_entrepreneurs=3),
        "services": views.service_table(mix, lang="bn"),
    }
    for name, frame in found.items():
        shown = tables.display(frame, lang="bn")
        assert shown is not None and shown.texts, name
        for label, texts in shown.texts.items():
            assert shown.values[label].dtype.is_numeric(), (name, label)
            assert not any(ch.isascii() and ch.isdigit() for text in texts for ch in text), (name, label, texts[:3])
    beneficiaries = i18n.t("metric.beneficiaries_udc", "bn")
    assert _sorted_texts(found["map"], beneficiaries, lang="bn")[:2] == ["২৩,৪৪৬", "২২,৭৯১"]
    # as text "৮,৮০৬" would come before "২৩,৪৪৬": as numbers it never does
    for name, frame in found.items():
        for label in tables.display(frame, lang="bn").texts:
            values = tables.display(frame, lang="bn").values.sort(label, descending=True, nulls_last=True)[label]
            assert values.drop_nulls().to_list() == sorted(values.drop_nulls().to_list(), reverse=True)


def test_hidden_and_missing_cells_read_as_before_and_sort_last():
    frame = pl.DataFrame({"Area": ["a", "b", "c", "d"], "Earnings": ["Tk 5,931", "fewer than 3", "–", "Tk 23,446"],
                          tables.value_name("Earnings"): [5931.0, None, None, 23446.0],
                          "People": [5931, 8806, None, 23446]})
    shown = tables.display(frame, lang="en")
    assert shown.placeholder in ("fewer than 3", "–")
    other = "–" if shown.placeholder == "fewer than 3" else "fewer than 3"
    assert shown.texts["Earnings"] == ["Tk 5,931", "fewer than 3", "–", "Tk 23,446"]
    # the cell that cannot use the placeholder gets a stand-in below every figure: last when descending
    stand_in = shown.values["Earnings"][shown.texts["Earnings"].index(other)]
    assert stand_in is not None and stand_in < 0 and shown.stand_ins  # (so offered for download as shown)
    assert not tables.display(frame.drop("Earnings", tables.value_name("Earnings")), lang="en").stand_ins
    assert _sorted_texts(frame, "Earnings", lang="en")[:2] == ["Tk 23,446", "Tk 5,931"]
    assert _sorted_texts(frame, "People", lang="en") == ["23,446", "8,806", "5,931", "–"]
    assert tables.display(frame, lang="bn").texts["People"] == ["৫,৯৩১", "৮,৮০৬", "–", "২৩,৪৪৬"]
    assert tables.display(pl.DataFrame({"name": ["x"]}), lang="bn") is None  # no figures: plain Arrow
    assert tables.display_only(frame).columns == ["Area", "Earnings", "People"]


def test_fractions_are_kept_to_the_paisa():
    """The review: Streamlit's own download wrote a sum in taka as 15810.710000000001."""
    frame = pl.DataFrame({"Earnings": ["Tk 15,810.71"], tables.value_name("Earnings"): [15810.710000000001],
                          "Per km²": [2.432667245873154], "People": [7]})
    values = tables.display(frame, lang="en").values
    assert values.row(0) == (15810.71, 2.43, 7) and repr(values["Earnings"][0]) == "15810.71"


def test_coverage_table_in_bengali_digits(log, gaz):
    """The Data and overview pages' coverage table: counts of entrepreneurs in the user's digits."""
    table = views.coverage_table(log, gaz, period=FY, lang="bn")
    frame = table.select("union", "active_entrepreneurs")
    if frame.is_empty():
        frame = pl.DataFrame({"union": ["x"], "active_entrepreneurs": [12]})
    shown = tables.display(frame, lang="bn")
    assert all(not any(c.isascii() and c.isdigit() for c in text) for text in shown.texts["active_entrepreneurs"])
    assert shown.values["active_entrepreneurs"].dtype.is_integer()


def test_uploads_and_audit_tables_in_the_users_language(tmp_path):
    import json

    from analytics.reference.sample import ensure_sample
    from analytics.store import LocalStore

    store = LocalStore(tmp_path / "store")
    ensure_sample(store)
    q1 = generate().filter(quarter(2022, 1).filter()).head(40)
    done = store.commit(q1, file_name="pirojpur_q1.xlsx", content_hash="h1", uploader="asha")
    store.record("sign_in", actor="asha")
    store.remember_headers({"প্রাপ্তি": "unit_fee"}, actor="asha")
    store.forget_headers(["প্রাপ্তি"], actor="rina")
    store.rollback(done.upload_id, actor="rina")
    uploads, quarters = store.uploads(), store.upload_quarters()
    for lang, words in (("bn", ("নমুনা", "২০২২-২৩ অর্থবছর", "রোলব্যাক")), ("en", ("Sample", "FY 2022-23", "Rolled back"))):
        shown = tables.display_only(views.uploads_table(uploads, lang=lang, quarters=quarters))
        text = shown.write_csv()
        assert words[0] in text and words[1] in text and "pirojpur_q1.xlsx" in text
        audit = tables.display_only(views.audit_table(store.changes(), lang=lang, uploads=uploads, quarters=quarters))
        details = audit[i18n.t("col.detail", lang)].to_list()
        assert not any("{" in d for d in details), details
        assert any(words[2] in d and "pirojpur_q1.xlsx" in d for d in details), details
        fee_of_one = i18n.t("ingest.field.unit_fee", lang)
        assert [d.count(f"“প্রাপ্তি” → {fee_of_one}") for d in details if "প্রাপ্তি" in d] == [1, 1], details
        times = audit[i18n.t("col.time", lang)].to_list()
        assert not any("T" in t_ and "+" in t_ for t_ in times)  # not ISO UTC text
        if lang == "bn":
            assert not any(c.isascii() and c.isdigit() for t_ in times for c in t_), times
    assert json.loads(store.changes().filter(pl.col("action") == "upload")["detail"][-1])["replaced"] == [
        "sample-fy2022-23"]


def test_cached_figures_come_back_cheap_and_the_same(log, gaz):
    """st.cache_data pickles figures; they must come back as the same JSON, without plotly
    re-validating them on every rerun (FrozenFigure), and still work as figures."""
    import pickle

    import plotly.io
    import plotly.tools

    spec = lambda f: plotly.io.to_json(plotly.tools.return_figure_from_figure_or_data(f, True), validate=False)  # noqa: E731
    view = views.map_view(log, gaz, period=FY, metric="beneficiaries_udc", lang="bn", level="union")
    services = views.services_view(log, gaz, period=FY, lang="en")
    for fig in (view.figure, services.treemap, services.top, services.heatmap, services.channels, services.trend):
        back = pickle.loads(pickle.dumps(fig))
        assert isinstance(back, figures.FrozenFigure)
        assert spec(back) == spec(fig)
        assert spec(pickle.loads(pickle.dumps(back))) == spec(fig)
    back = pickle.loads(pickle.dumps(view.figure))
    assert back.layout.geo.projection.type == "mercator"  # thawed on first use as a figure
    back.update_layout(height=300)
    assert '"height":300' in spec(back)


def test_overview_view_draws_what_the_services_view_draws(log, gaz):
    overview = views.overview_view(log, gaz, period=quarter(2022, 2), lang="bn", upazila="BD107914")
    services = views.services_view(log, gaz, period=quarter(2022, 2), lang="bn", upazila="BD107914")
    assert overview.channels.to_json() == services.channels.to_json()
    assert overview.trend.to_json() == services.trend.to_json()
    assert [k.key for k in overview.kpis] == [k.key for k in views.kpis(log, period=quarter(2022, 2), lang="bn",
                                                                          upazila="BD107914")]


# -- the small-cell rule for open links (issue 10 section 6; tests/test_privacy.py tries the attacks) --
def test_anonymous_views_show_no_union_earnings(log, gaz):
    view = views.map_view(log, gaz, period=FY, metric="earnings_paisa", lang="en", level="union", min_entrepreneurs=3)
    table = views.map_table(view, metric="earnings_paisa", lang="en")
    assert set(table["Entrepreneurs' earnings (Tk)"]) == {"fewer than 3"}
    upazilas = views.map_table(views.map_view(log, gaz, period=FY, metric="earnings_paisa", lang="en",
                                              min_entrepreneurs=3), metric="earnings_paisa", lang="en")
    assert upazilas["Entrepreneurs' earnings (Tk)"].str.starts_with("Tk").all()  # >= 6 entrepreneurs each
    assert set(views.union_earnings(log, gaz, period=FY, lang="bn", min_entrepreneurs=3)["আয়"]) == {"৩ জনের কম"}


def test_anonymous_kpis_and_services(log, gaz):
    from datetime import date

    from analytics.reference.periods import Period

    day = Period(date(2022, 8, 1), date(2022, 8, 1))
    kpis = {k.key: k for k in views.kpis(log, period=FY, lang="en", min_entrepreneurs=3)}
    assert kpis["entrepreneur_earnings_paisa"].value == "Tk 38,49,168"  # the district: 104 entrepreneurs
    hidden = {k.key: k for k in views.kpis(log, period=day, lang="bn", upazila="BD107987", min_entrepreneurs=3)}
    # (a day cuts its quarter: its figure less another range's would be a day's)
    assert hidden["entrepreneur_earnings_paisa"].value == privacy.part_text(lang="bn") == "পূর্ণ প্রান্তিকের জন্য দেখানো হয়"
    assert hidden["entrepreneur_earnings_paisa"].delta is None
    quarter_one = {k.key: k for k in views.kpis(log, period=quarter(2022, 1), lang="bn", upazila="BD107987", min_entrepreneurs=3)}
    assert quarter_one["entrepreneur_earnings_paisa"].value.endswith("টাকা")  # a whole quarter of its six: shown
    services = views.services_view(log, gaz, period=day, lang="en", min_entrepreneurs=3)
    assert "fewer than 3" in services.table["Earnings"].to_list()
    assert services.mix.filter(pl.col("hidden"))["earnings_paisa"].is_null().all()
    staff = views.services_view(log, gaz, period=day, lang="en")
    assert "fewer than 3" not in staff.table["Earnings"].to_list()


# -- the services treemap: readable labels, one colour per category in every language (issue 12) --

def _treemap_colours(fig) -> dict[str, str]:
    trace = fig.data[0]
    return {i: c for i, c in zip(trace.ids, trace.marker.colors)}


def test_treemap_colours_are_keyed_by_category_code_the_same_in_bengali_and_english(log, gaz):
    figs = {lang: views.services_view(log, gaz, period=FY, lang=lang).treemap for lang in ("bn", "en")}
    bn, en = (_treemap_colours(figs[lang]) for lang in ("bn", "en"))
    assert bn == en
    categories = {i: c for i, c in bn.items() if i.startswith("c:")}
    assert len(categories) == 14 and len(set(categories.values())) == 14  # every category its own colour
    assert categories["c:CERT"] == figures.CATEGORY_COLOURS[0] and categories["c:APPL"] == figures.CATEGORY_COLOURS[13]
    mix = views.services_view(log, gaz, period=FY, lang="en").mix
    for code, category in mix.select("service_code", "service_category").iter_rows():
        assert bn[f"s:{code}"] == bn[f"c:{category}"]  # a service takes its category's colour
    # the order of the boxes does not depend on the language's alphabet either
    assert list(figs["bn"].data[0].ids) == list(figs["en"].data[0].ids)


def test_treemap_labels_are_large_enough_to_read(log, gaz):
    fig = views.services_view(log, gaz, period=FY, lang="bn").treemap
    assert fig.data[0].textfont.size >= 14
    assert fig.layout.uniformtext.minsize >= 12 and fig.layout.uniformtext.mode == "hide"
    assert fig.layout.height >= 640


@pytest.mark.parametrize("lang", ["en", "bn"])
def test_page_headlines_are_counted_in_views(log, gaz, lang):
    """What the entrepreneurs and services pages show above their tables (counted here, not on the page)."""
    table = views.entrepreneur_table(log, gaz, period=FY, lang=lang)
    assert views.unnamed_note(log, gaz, period=FY, lang=lang) is None
    counts = dict(views.entrepreneur_counts(table, lang=lang))
    assert counts[i18n.t("entrepreneurs.count", lang)] == i18n.number(104, lang=lang)
    female = counts[i18n.t("gender.female", lang)]
    male = counts[i18n.t("gender.male", lang)]
    assert int(i18n.ascii_digits(female)) + int(i18n.ascii_digits(male)) == 104
    services = dict(views.services_view(log, gaz, period=FY, lang=lang).counts)
    assert services[i18n.t("figure.udc_service_kinds", lang)] == i18n.number(105, lang=lang)
    assert services[i18n.t("figure.front_desk_service_kinds", lang)] == i18n.number(12, lang=lang)


def test_the_entrepreneurs_of_monthly_summaries_are_not_known(gaz):
    """A quarter uploaded as monthly summaries names no entrepreneur: its count is "not known", not 0
    (and no -100 % against a quarter of daily logs); the quarter before it counts as before."""
    from analytics.reference import schema

    union = gaz.units.filter(pl.col("level") == "union").row(0, named=True)
    rows = [(date(2023, 8, 10), "E1"), (date(2023, 8, 11), "E2"), (date(2023, 11, 1), None), (date(2023, 12, 1), None)]
    log = schema.conform(pl.DataFrame({
        "date": [d for d, _ in rows], "channel": ["udc"] * len(rows),
        "upazila_code": [union["parent_pcode"]] * len(rows), "union_code": [union["pcode"]] * len(rows),
        "entrepreneur_id": [who for _, who in rows], "service_code": ["U001"] * len(rows),
        "beneficiaries": [3] * len(rows), "fee_paisa": [500_00] * len(rows), "upload_id": ["u1"] * len(rows)}))
    for lang in ("en", "bn"):
        summaries = {k.key: k for k in views.kpis(log, period=quarter(2023, 2), lang=lang)}["entrepreneurs"]
        assert (summaries.value, summaries.delta, summaries.current) == (i18n.t("figure.not_known", lang), None, None)
        table = views.area_table(log, gaz, level="union", period=quarter(2023, 2), lang=lang)
        assert table.filter(pl.col("pcode") == union["pcode"])["entrepreneurs_text"].item() == \
            i18n.t("figure.not_known", lang)
    daily = {k.key: k for k in views.kpis(log, period=quarter(2023, 1), lang="en")}["entrepreneurs"]
    assert daily.value == "2"
    # an open link hides their earnings (who is behind them is not known), and says why, not "fewer than 3"
    from analytics.report import privacy

    earnings = {k.key: k for k in views.kpis(log, period=quarter(2023, 2), lang="en",
                                              min_entrepreneurs=3)}["entrepreneur_earnings_paisa"]
    assert earnings.value == privacy.unknown_text(lang="en")
    table = views.area_table(log, gaz, level="union", period=quarter(2023, 2), lang="bn", min_entrepreneurs=3)
    assert table.filter(pl.col("pcode") == union["pcode"])["earnings_text"].item() == privacy.unknown_text(lang="bn")
    services = views.services_view(log, gaz, period=quarter(2023, 2), lang="en", min_entrepreneurs=3).table
    assert services["Earnings"].to_list() == [privacy.unknown_text(lang="en")]
    # the entrepreneurs page: how many were active, of either sex, is not known either, and it says whose
    # summaries name none (a review's page said 81 active beside an overview's "not known")
    for lang in ("en", "bn"):
        note = views.unnamed_note(log, gaz, period=quarter(2023, 2), lang=lang)
        assert gaz.name(union["parent_pcode"], lang=lang) in note
        table = views.entrepreneur_table(log, gaz, period=quarter(2023, 2), lang=lang)
        counts = dict(views.entrepreneur_counts(table, lang=lang, known=note is None))
        for key in ("entrepreneurs.count", "gender.female", "gender.male"):
            assert counts[i18n.t(key, lang)] == i18n.t("figure.not_known", lang)
    assert views.unnamed_note(log, gaz, period=quarter(2023, 1), lang="en") is None
    # the map of earnings per entrepreneur: the upazila's class says why it has no figure, for staff and
    # on an open link (it said "hidden: fewer than 3 entrepreneurs" there, "No data" for staff)
    for limit in (None, 3):
        for lang in ("en", "bn"):
            view = views.map_view(log, gaz, period=quarter(2023, 2), metric="earnings_per_entrepreneur_paisa", lang=lang,
                                  min_entrepreneurs=limit)
            names = [trace.name for trace in view.figure.data if trace.name]
            assert i18n.t("map.entrepreneurs_not_known", lang) in names
            assert i18n.t("map.no_data", lang) in names  # (the other upazilas: no rows)
            assert not any(name.startswith(privacy.hidden_label(lang=lang, min_entrepreneurs=3)) for name in names)


def test_an_upload_partly_replaced_shows_what_is_in_force(tmp_path):
    """The review's case: the sample's Q1 replaced, its row said Q2–Q4 beside the whole year's
    1,24,080 beneficiaries; its figures are now those of Q2–Q4, and it says what it held."""
    from analytics.reference.sample import ensure_sample
    from analytics.store import LocalStore

    store = LocalStore(tmp_path / "store")
    ensure_sample(store)
    q1 = generate().filter(quarter(2022, 1).filter())
    store.commit(q1, file_name="pirojpur_q1.xlsx", content_hash="h1", uploader="asha")
    in_force = store.scan().group_by("upload_id").agg(pl.col("beneficiaries").cast(pl.Int64).sum()).collect()
    expected = dict(in_force.iter_rows())
    table = views.uploads_table(store.uploads(), lang="en", quarters=store.upload_quarters(), log=store.rollup())
    shown = dict(zip(table["Upload ID"], table[tables.value_name("Beneficiaries")]))
    assert shown == expected and sum(shown.values()) == 124_080
    notes = tables.display_only(table)["Note"].to_list()
    sample_row = table["Upload ID"].to_list().index(next(u for u in expected if u != store.uploads()["upload_id"][-1]))
    assert "sample" in notes[sample_row]


def test_an_upazilas_coverage_lists_its_own_unions_only(gaz):
    """The review's overview of Pirojpur Sadar listed Ikri, Dirgha and Baldia (other upazilas'
    unions without data) under its coverage."""
    from tests.helpers import make_log

    log = make_log(20, union="BD10791411").lazy()  # one union of one upazila has data: the rest have none
    every = views.coverage_table(log, gaz, period=FY, lang="en")
    for upazila in ("BD107914", "BD107980"):
        own = views.coverage_table(log, gaz, period=FY, lang="en", upazila=upazila)
        assert own.height and set(own["parent_pcode"]) == {upazila}
        assert own.height == every.filter(pl.col("parent_pcode") == upazila).height


def test_an_upazilas_headline_has_no_front_desk_figures(log, gaz):
    """The front desk is the district's one office (it stands in Pirojpur Sadar): an upazila's
    overview gave Sadar alone a front-desk figure, which its total then counted."""
    district = {k.key: k.current for k in views.kpis(log, period=FY, lang="en")}
    sadar = {k.key: k.current for k in views.kpis(log, period=FY, lang="en", upazila="BD107980")}
    assert district["beneficiaries_front_desk"] == 42_206 and "beneficiaries_front_desk" not in sadar
    assert "front_desk_service_kinds" not in sadar
    assert sadar["beneficiaries_total"] == sadar["beneficiaries_udc"] == 5_931  # the published report's Sadar


@pytest.mark.parametrize("lang", ["en", "bn"])
def test_what_a_periods_figures_do_not_hold_yet_is_said(log, gaz, lang):
    """The review: after the first real file (one upazila's July-September) the default view gave its
    191 beneficiaries as the district's year, the front desk as 0, with nothing beside them."""
    from analytics.reference.periods import fiscal_year, quarter

    assert views.gaps_text(log, gaz, period=FY, lang=lang) is None  # the sample: every union, the front desk, the year
    # a day, a week of a quarter uploaded whole: the unions (and the office) that delivered nothing on those
    # days are no gap (a review's one-day range said 9 of 52 unions had data)
    from analytics.reference.periods import Period

    for days in ((date(2022, 10, 15), date(2022, 10, 15)), (date(2022, 12, 26), date(2023, 1, 3))):
        assert views.gaps_text(log, gaz, period=Period(*days), lang=lang) is None
    first = log.filter(pl.col("union_code").is_in(["BD10794731", "BD10794779"]) & (pl.col("channel") == "udc")).with_columns(
        pl.col("date").dt.offset_by("1y")).filter(pl.col("date") <= pl.date(2023, 9, 30))
    said = views.gaps_text(first, gaz, period=fiscal_year(2023), lang=lang)
    parts = {"en": ["2 of 52 unions have UDC data", "front desk has none", "the latest data is of 30 September 2023"],
             "bn": ["৫২টি ইউনিয়নের মধ্যে ২টির", "ফ্রন্ট ডেস্কের কোনো ডেটা নেই", "৩০ সেপ্টেম্বর ২০২৩"]}[lang]
    assert said is not None and all(part in said for part in parts), said
    # the quarter itself ends with its data; an upazila's view counts its own unions, and no front desk
    assert "latest data" not in views.gaps_text(first, gaz, period=quarter(2023, 1), lang="en")
    upazila = views.gaps_text(first, gaz, period=quarter(2023, 1), lang="en", upazila="BD107947")
    assert upazila == ("Not all data is in for this period: 2 of 5 unions have UDC data. "
                       "The figures count only what has been uploaded so far.")
    assert views.gaps_text(first, gaz, period=quarter(2022, 1), lang=lang) is None  # (no data: said otherwise)
