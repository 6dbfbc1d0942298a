"""The small-cell rule for open links (issue 10, section 6): differencing attacks on the sample.

An anonymous viewer's pages are computed with the same view functions the pages call, with the
rule on (``min_entrepreneurs=3``). Who is behind each figure is counted here independently, from
the log's rows, as sets of entrepreneur ids; then:

(a) in every single-day, single-month, quarter and year window, no earnings figure is shown for
    a group (union, upazila, district, service) with fewer than 3 entrepreneurs;
(b) an entrepreneur who knows their own earnings and subtracts them from any shown total that
    contains them is left with a figure covering at least 2 other people; and the hidden rest of
    a table (its total less the rows shown) covers nobody or at least 3;
(c) union figures are never shown, so no sum over days (or difference) isolates a union.

Staff (``min_entrepreneurs=None``) still see every figure.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from analytics import i18n
from analytics.reference.periods import Period, fiscal_year, quarter
from analytics.report import figures, privacy, views

MIN = 3
FY = fiscal_year(2022)
DAYS = [Period(FY.start + timedelta(days=i), FY.start + timedelta(days=i)) for i in range(FY.days())]
MONTHS = [Period(date(y, m, 1), (date(y + m // 12, m % 12 + 1, 1) - timedelta(days=1)))
          for y, m in [(2022, m) for m in range(7, 13)] + [(2023, m) for m in range(1, 7)]]
WINDOWS = DAYS + MONTHS + [quarter(2022, q) for q in (1, 2, 3, 4)] + [FY]
HIDDEN_TEXTS = {privacy.hidden_text(lang=lang, min_entrepreneurs=MIN) for lang in ("bn", "en")} | {
    privacy.withheld_text(lang=lang) for lang in ("bn", "en")} | {privacy.part_text(lang=lang) for lang in ("bn", "en")}




@pytest.fixture(scope="module")
def upazilas(gaz) -> list[str]:
    return gaz.upazilas()["pcode"].to_list()


@pytest.fixture(scope="module")
def people(log) -> pl.DataFrame:
    """One row per UDC delivery row with an entrepreneur: who, where, what, when."""
    return (log.filter((pl.col("channel") == "udc") & pl.col("entrepreneur_id").is_not_null())
            .select("date", "entrepreneur_id", "union_code", "upazila_code", "service_code").collect())


def who(people: pl.DataFrame, period: Period | None, **where: object) -> set[str]:
    """The entrepreneurs behind a figure: distinct ids in ``period`` (None: ``people`` are the
    period's rows already) and the group ``where``."""
    rows = people.filter(period.filter()) if period is not None else people
    for column, value in where.items():
        rows = rows.filter(pl.col(column).is_in(value) if isinstance(value, list) else pl.col(column) == value)
    return set(rows["entrepreneur_id"].to_list())


def leaves_two_others(group: set[str]) -> bool:
    """(b): whoever in ``group`` subtracts their own earnings is left with >= 2 other people."""
    return all(len(group - {me}) >= MIN - 1 for me in group)


def may_show(group: set[str], value: int | None) -> bool:
    """A shown figure covers >= MIN people (so (b) holds), or is nothing earned by no one."""
    return (len(group) >= MIN and leaves_two_others(group)) or (not group and value == 0)


def check_areas(table: pl.DataFrame, people: pl.DataFrame, period: Period | None, *, level: str,
                parents_shown: list[str] | None = None) -> None:
    key = "union_code" if level == "union" else "upazila_code"
    shown = table.filter(pl.col("earnings_paisa").is_not_null())
    for row in shown.iter_rows(named=True):
        behind = who(people, period, **{key: row["pcode"]})
        assert may_show(behind, row["earnings_paisa"]), (period, row["pcode"], len(behind))
        assert row["earnings_per_entrepreneur_paisa"] is not None
    for row in table.filter(pl.col("earnings_paisa").is_null()).iter_rows(named=True):
        assert row["earnings_per_entrepreneur_paisa"] is None
        assert row["earnings_text"] in HIDDEN_TEXTS | {None}, row
        assert row["earnings_per_entrepreneur_text"] in HIDDEN_TEXTS | {None}, row
    # a shown parent's total (the upazila's, the district's) less the rows shown: the hidden
    # rest covers nobody or >= MIN people
    parents = parents_shown if level == "union" else [None]
    for parent in parents:
        part = table if parent is None else table.filter(pl.col("parent_pcode") == parent)
        rest = who(people, period, **{key: part.filter(pl.col("hidden"))["pcode"].to_list()})
        assert len(rest) == 0 or len(rest) >= MIN, (period, parent, len(rest))


def earnings_kpi(kpis: list[views.Kpi]) -> views.Kpi:
    return next(k for k in kpis if k.key == "entrepreneur_earnings_paisa")


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en"])
def test_no_small_group_earnings_in_any_window(log, gaz, people, upazilas, lang):
    """(a) + (b) + (c) over every day, month, quarter and the year, for the views anonymous
    viewers get: map/entrepreneur area tables at both levels, headline figures of the district
    and (every third day, every month) of each upazila, and the services table."""
    everyone = people
    for index, period in enumerate(WINDOWS):
        people = everyone.filter(period.filter())  # the window's rows (who(people, None, ...) below)
        unions = views.area_table(log, gaz, level="union", period=period, lang=lang, min_entrepreneurs=MIN)
        # (c): every union has two entrepreneurs, so no union earnings at all
        assert unions["earnings_paisa"].is_null().all() and unions["earnings_per_entrepreneur_paisa"].is_null().all()
        assert not unions["earnings_text"].str.starts_with("Tk").any()
        upazila_table = views.area_table(log, gaz, level="upazila", period=period, lang=lang, min_entrepreneurs=MIN)
        check_areas(upazila_table, people, None, level="upazila")
        check_areas(unions, people, None, level="union",
                    parents_shown=upazila_table.filter(pl.col("earnings_paisa").is_not_null())["pcode"].to_list())

        kpi = earnings_kpi(views.kpis(log, period=period, lang=lang, min_entrepreneurs=MIN))
        if kpi.current is not None:
            assert may_show(who(people, None), kpi.current), period
        else:
            assert kpi.value in HIDDEN_TEXTS and kpi.delta is None
        if kpi.delta is not None:
            assert len(who(everyone, period.previous())) >= MIN
        every_upazila = period.days() > 1 or index % 7 == 0
        for upazila in upazilas if every_upazila else []:
            kpi = earnings_kpi(views.kpis(log, period=period, lang=lang, upazila=upazila, min_entrepreneurs=MIN))
            if kpi.current is not None:
                behind = who(people, None, upazila_code=upazila)
                assert may_show(behind, kpi.current), (period, upazila)
            else:
                assert kpi.value in HIDDEN_TEXTS and kpi.delta is None
            if kpi.delta is not None:
                assert len(who(everyone, period.previous(), upazila_code=upazila)) >= MIN, (period, upazila)

        hidden_in: dict[str | None, list[str]] = {}  # per area's services page: the UDC services hidden there
        for upazila in [None] + (upazilas if period.days() > 1 else []):
            mix = views.service_mix(log, gaz, period=period, lang=lang, upazila=upazila, min_entrepreneurs=MIN)
            where = {"upazila_code": upazila} if upazila else {}
            udc = mix.filter(pl.col("channel") == "udc")
            hidden_in[upazila] = udc.filter(pl.col("hidden"))["service_code"].to_list()
            for code, value in udc.filter(pl.col("earnings_paisa").is_not_null()).select("service_code",
                                                                                         "earnings_paisa").iter_rows():
                behind = who(people, None, service_code=code, **where)
                assert may_show(behind, value), (period, upazila, code)
            rest = who(people, None, service_code=udc.filter(pl.col("hidden"))["service_code"].to_list(), **where)
            assert len(rest) == 0 or len(rest) >= MIN, (period, upazila, len(rest))
        # across the pages: the district's figure for a service less the upazilas' shown gives no one away
        for code in {c for cs in hidden_in.values() for c in cs} - set(hidden_in.get(None, [])) if len(hidden_in) > 1 else []:
            rest = set().union(*(who(people, None, service_code=[code], upazila_code=u)
                                 for u, cs in hidden_in.items() if u and code in cs))
            assert len(rest) == 0 or len(rest) >= MIN, (period, code, len(rest))


@pytest.mark.slow
def test_summing_days_never_isolates_a_union(log, gaz, people, upazilas):
    """(c): the drill-down of each upazila, the anonymous union table and the map show no union
    earnings on any day, so no sum of shown figures over days is a union's; and every shown
    figure covers >= 3 people, so neither does any sum or difference of two shown groups."""
    for period in DAYS[::30] + MONTHS[::2]:
        for upazila in upazilas:
            view = views.map_view(log, gaz, period=period, metric="earnings_paisa", lang="en", upazila=upazila,
                                  min_entrepreneurs=MIN)
            assert view.table["earnings_paisa"].is_null().all()
            hover = [cell for trace in view.figure.to_dict()["data"] for row in trace.get("customdata") or []
                     for cell in row]
            assert not any(str(cell).startswith("Tk") for cell in hover), (period, upazila)
        table = views.union_earnings(log, gaz, period=period, lang="en", min_entrepreneurs=MIN)
        assert not any(str(v).startswith("Tk") for c in ("Earnings", "Average earning per entrepreneur (Tk)")
                       for v in table[c].to_list())


def test_a_one_day_link_reveals_no_one(log, gaz, people):
    """The measured case: ?from=2022-08-01&to=2022-08-01 showed 12 of 39 unions' one person's earnings."""
    day = Period(date(2022, 8, 1), date(2022, 8, 1))
    view = views.map_view(log, gaz, period=day, metric="earnings_paisa", lang="en", level="union",
                          min_entrepreneurs=MIN)
    table = views.map_table(view, metric="earnings_paisa", lang="en")
    assert set(table["Entrepreneurs' earnings (Tk)"].to_list()) <= {"fewer than 3", "No data"}
    names = [trace.get("name") for trace in view.figure.to_dict()["data"]]
    assert "hidden: fewer than 3 entrepreneurs" in names
    bn = views.map_view(log, gaz, period=day, metric="earnings_paisa", lang="bn", level="union", min_entrepreneurs=MIN)
    assert "গোপন: ৩ জনের কম উদ্যোক্তা" in [trace.get("name") for trace in bn.figure.to_dict()["data"]]
    assert set(bn.table["earnings_text"].drop_nulls()) == {"৩ জনের কম"}


def test_staff_still_see_everything(log, gaz, people):
    day = Period(date(2022, 8, 1), date(2022, 8, 1))
    unions = views.area_table(log, gaz, level="union", period=day, lang="en")
    truth = (log.filter(day.filter() & (pl.col("channel") == "udc")).group_by("union_code")
             .agg(pl.col("fee_paisa").sum()).collect())
    shown = unions.join(truth.rename({"union_code": "pcode"}), on="pcode")
    assert shown.height > 0 and (shown["earnings_paisa"] == shown["fee_paisa"]).all()
    assert not unions["hidden"].any()
    assert earnings_kpi(views.kpis(log, period=day, lang="en", upazila="BD107914")).current is not None
    table = views.union_earnings(log, gaz, period=FY, lang="en")
    assert table["Earnings"].str.starts_with("Tk").all()
    mix = views.service_mix(log, gaz, period=day, lang="en")
    assert mix["earnings_paisa"].is_not_null().all() and not mix["hidden"].any()
    view = views.map_view(log, gaz, period=day, metric="earnings_paisa", lang="en", level="union")
    assert "hidden: fewer than 3 entrepreneurs" not in [t.get("name") for t in view.figure.to_dict()["data"]]
    assert privacy.min_for(object(), sees_people=True) is None


def test_rule_functions():
    frame = pl.DataFrame({"pcode": list("abcde"), "parent_pcode": ["x", "x", "x", "y", "y"],
                          "entrepreneurs": [2, 5, 6, 0, None], "earnings_paisa": [100, 500, 600, 0, None],
                          "earnings_per_entrepreneur_paisa": [50, 100, 100, None, None]})
    out = privacy.suppress(frame, min_entrepreneurs=3, within="parent_pcode")
    assert out.columns == frame.columns + ["hidden"]
    # a (2 people) hidden; b, the smallest shown of x, too, so x's total less c gives 7 people;
    # d earned nothing with no one (nothing to hide), e has no data
    assert out["hidden"].to_list() == [True, True, False, False, False]
    assert out["earnings_paisa"].to_list() == [None, None, 600, 0, None]
    assert privacy.suppress(frame, min_entrepreneurs=None)["earnings_paisa"].to_list() == frame["earnings_paisa"].to_list()
    assert privacy.suppress(frame, min_entrepreneurs=3, disjoint=False)["hidden"].to_list() == [True, False, False,
                                                                                             False, False]
    assert privacy.hidden_text(lang="bn", min_entrepreneurs=3) == "৩ জনের কম"
    assert privacy.hidden_text(lang="en", min_entrepreneurs=12) == "fewer than 12"
    assert privacy.min_for(object(), sees_people=False) == 3

    class Settings:
        min_entrepreneurs = 5

    assert privacy.min_for(Settings(), sees_people=False) == 5
    for key in ("privacy.fewer_than", "privacy.hidden_legend", "privacy.notice", "privacy.staff_only",
                "privacy.upazila_totals", "privacy.union_totals"):
        assert set(i18n.strings()[key]) >= {"en", "bn"}


def test_exports_keep_hidden_cells_hidden(log, gaz):
    table = views.union_earnings(log, gaz, period=FY, lang="bn", min_entrepreneurs=MIN)
    export = views.area_export(table, lang="bn")
    money = [c for c in export.columns if "আয়" in c]
    assert len(money) == 2 and set(export.select(money).unpivot()["value"]) == {"৩ জনের কম"}
    upazilas = views.area_earnings(log, gaz, level="upazila", period=FY, lang="en", min_entrepreneurs=MIN)
    assert upazilas["Earnings"].str.starts_with("Tk").all()  # upazilas have >= 6 entrepreneurs


def test_hidden_areas_are_not_no_data_on_the_map(log, gaz):
    view = views.map_view(log, gaz, period=FY, metric="earnings_per_entrepreneur_paisa", lang="en", level="union",
                          min_entrepreneurs=MIN)
    traces = {t.get("name"): t for t in view.figure.to_dict()["data"]}
    hidden = traces["hidden: fewer than 3 entrepreneurs"]
    assert hidden["colorscale"][0][1] == figures.HIDDEN != figures.NO_DATA
    assert len(hidden["locations"]) == 51  # every union with a boundary (Kalardoania has none)


def test_an_entrepreneur_in_two_upazilas_counts_once_in_the_hidden_rest(gaz):
    """Bhandaria has e1 and e2, Kawkhali e2 alone (who works there too), Mathbaria 22 people: the
    two hidden upazilas' counts add up to 3 but only 2 people are behind them, so the district's
    total less Mathbaria's would give e1's and e2's earnings away. Mathbaria is hidden too."""
    from analytics.reference import schema

    places = {row["name_en"]: (row["pcode"], row["parent_pcode"]) for row in gaz.units.filter(
        pl.col("level") == "union").iter_rows(named=True)}
    upazila = {row["name_en"]: row["pcode"] for row in gaz.upazilas().iter_rows(named=True)}
    in_upazila = lambda name: next(u for u, (_, parent) in places.items() if parent == upazila[name])  # noqa: E731
    rows = [("e1", "Bhandaria"), ("e2", "Bhandaria"), ("e2", "Kawkhali")] + [(f"m{i}", "Mathbaria") for i in range(22)]
    union = [places[in_upazila(name)] for _, name in rows]
    log = schema.conform(pl.DataFrame({
        "date": [date(2024, 8, 1)] * len(rows), "channel": ["udc"] * len(rows),
        "upazila_code": [parent for _, parent in union], "union_code": [code for code, _ in union],
        "entrepreneur_id": [who for who, _ in rows], "service_code": ["U001"] * len(rows),
        "beneficiaries": [1] * len(rows), "fee_paisa": [100_00 + i for i in range(len(rows))],
        "upload_id": ["u1"] * len(rows)}))
    period = quarter(2024, 1)
    table = views.area_table(log, gaz, level="upazila", period=period, lang="en", min_entrepreneurs=MIN)
    hidden = set(table.filter(pl.col("hidden"))["name_en"].to_list())
    assert {"Bhandaria", "Kawkhali", "Mathbaria"} <= hidden, hidden
    staff = views.area_table(log, gaz, level="upazila", period=period, lang="en", min_entrepreneurs=None)
    assert not staff["hidden"].any()


def _grid(cells: dict[tuple[str, str], str]) -> pl.DataFrame:
    """People of a table of areas by services: {(area, service): "a1 a2 ..."}."""
    return pl.DataFrame([(area, service, who) for (area, service), people in cells.items() for who in people.split()],
                        schema=["upazila_code", "service_code", "entrepreneur_id"], orient="row")


@pytest.mark.parametrize(("cells", "totals_hidden", "hidden"), [
    # one person's Photocopy earnings in A: hidden in A's row, and in its column, since the
    # district's Photocopy less B's and C's would give it back
    ({("A", "s"): "a1", ("A", "t"): "a1 a2 a3", ("B", "s"): "b1 b2 b3", ("B", "t"): "b1 b2 b3",
      ("C", "s"): "c1 c2 c3 c4", ("C", "t"): "c1 c2 c3 c4"}, [],
     {("A", "s"), ("A", "t"), ("B", "s"), ("B", "t")}),
    # a service of two people in all: hidden in the district's row too, where the smallest other goes with it
    ({("A", "s"): "a1 a2 a3", ("A", "u"): "a1 a2", ("B", "s"): "b1 b2 b3 b4"}, [],
     {("A", "u"), (None, "u"), ("A", "s"), (None, "s")}),
    # enough people everywhere: nothing hidden
    ({("A", "s"): "a1 a2 a3", ("B", "s"): "b1 b2 b3"}, [], set()),
    # B's total hidden elsewhere (it is hidden to protect A's, of two people): B's row, all shown, would give
    # B's total back, and A's with it; so one of B's cells is hidden too, and one beside each hidden cell
    ({("A", "s"): "a1 a2", ("B", "s"): "b1 b2 b3 b4 b5", ("B", "t"): "b1 b2 b3", ("C", "s"): "c1 c2 c3",
      ("C", "t"): "c1 c2 c3"}, ["A", "B"],
     {("A", "s"), ("B", "t"), ("C", "s"), ("C", "t")}),
    # one hidden cell of enough people alone in its row would be its area's total less the others
    ({("A", "s"): "a1", ("A", "t"): "a1 a2 a3 a4", ("A", "v"): "a1 a2 a3 a4 a5", ("B", "s"): "b1 b2 b3 b4 b5 b6",
      ("B", "t"): "b1 b2 b3", ("B", "v"): "b1 b2 b3 b4"}, [],
     {("A", "s"), ("A", "t"), ("B", "s"), ("B", "t")}),
])
def test_grid_hidden(cells, totals_hidden, hidden):
    assert privacy.grid_hidden(_grid(cells), min_entrepreneurs=3, totals_hidden=totals_hidden) == hidden
    assert privacy.grid_hidden(_grid(cells), min_entrepreneurs=None) == set()


@pytest.mark.parametrize("seed", range(40))
def test_grid_hidden_leaves_nothing_to_subtract(seed):
    """Random tables: every cell of fewer than 3 people is hidden; and every sum that can be read
    (an area's row to its total, the district's row, a group's column to the district's figure,
    hidden or not) has no unknown figure, or two or more covering 3 people and more, or nothing
    left to hide."""
    import random

    rng = random.Random(seed)
    areas, services = [f"U{i}" for i in range(rng.randint(2, 6))], [f"S{i}" for i in range(rng.randint(1, 8))]
    staff = {area: [f"{area}-{n}" for n in range(rng.randint(1, 7))] for area in areas}
    cells = {(area, service): " ".join(rng.sample(staff[area], rng.randint(1, len(staff[area]))))
             for area in areas for service in services if rng.random() < 0.7}
    if not cells:
        return
    totals = rng.sample(areas, rng.randint(0, 2))
    hidden = privacy.grid_hidden(_grid(cells), min_entrepreneurs=3, totals_hidden=totals)
    who = {cell: set(text.split()) for cell, text in cells.items()}
    for service in {s for _, s in cells}:
        who[(None, service)] = set().union(*(p for (a, s), p in who.items() if a is not None and s == service))
    for area in {a for a, _ in cells}:
        who[(area, "total")] = set().union(*(p for (a, _), p in who.items() if a == area))
    unknown = hidden | {(area, "total") for area in totals if (area, "total") in who}

    def safe(line: list) -> bool:
        hid = [c for c in line if c in unknown]
        covered = set().union(*(who[c] for c in hid))
        left = [c for c in line if c not in unknown and c[1] != "total"]
        return not hid or (len(hid) >= 2 and len(covered) >= 3) or not left

    assert all(cell in hidden for cell, p in who.items() if cell[1] != "total" and len(p) < 3)
    assert all(cell[1] != "total" for cell in hidden)
    for area in {a for a, _ in cells}:
        assert safe([c for c in who if c[0] == area])
    assert safe([c for c in who if c[0] is None])
    for service in {s for _, s in cells}:
        assert safe([c for c in who if c[1] == service])


def _thin_september(gaz) -> pl.LazyFrame:
    """Bhandaria: six entrepreneurs in July and August, one alone in September and in October;
    Kawkhali: five every month of FY 2023-24's first half (the review's store, and a year's version)."""
    from analytics.reference import schema

    bhandaria, kawkhali = "BD107914", "BD107947"
    unions = {code: gaz.units.filter((pl.col("parent_pcode") == code) & (pl.col("level") == "union"))["pcode"][0]
              for code in (bhandaria, kawkhali)}
    rows = []

    def deliver(day, upazila, who, fee):
        rows.append({"date": day, "channel": "udc", "upazila_code": upazila, "union_code": unions[upazila],
                     "entrepreneur_id": who, "entrepreneur_name": who, "entrepreneur_gender": "female",
                     "service_code": "UDC001", "service_category": "CERT", "beneficiaries": 1, "fee_paisa": fee})
    for month in (7, 8):
        for k in range(6):
            deliver(date(2023, month, 3 + k), bhandaria, f"B{k}", 10_000 + 100 * k)
    deliver(date(2023, 9, 12), bhandaria, "B0", 45_700)  # Shirin, alone in September
    deliver(date(2023, 10, 12), bhandaria, "B0", 32_000)  # and alone in Bhandaria's second quarter
    for month in (7, 8, 9, 10, 11, 12):
        for k in range(5):
            deliver(date(2023, month, 5 + k), kawkhali, f"K{k}", 20_000 + 100 * k)
    return schema.conform(pl.DataFrame(rows)).collect().lazy()


def test_no_ones_earnings_are_one_periods_figure_less_anothers(gaz):
    """The review: July to September (Tk 2,457) less July to August (Tk 2,000), both shown, gave the
    September earnings of the one entrepreneur the September view hid. No two periods an open link
    can ask for (whole-month ranges, quarters, the year) show an area's earnings whose difference
    is the earnings of 1 or 2 people."""
    log = _thin_september(gaz)
    months = [(2023, m) for m in range(7, 13)]
    starts = [date(y, m, 1) for y, m in months]
    ends = [(date(y + m // 12, m % 12 + 1, 1) - timedelta(days=1)) for y, m in months]
    windows = [Period(starts[i], ends[j]) for i in range(6) for j in range(i, 6)] + [
        quarter(2023, 1), quarter(2023, 2), fiscal_year(2023)]
    raw = log.collect()
    shown: dict[tuple[str | None, Period], int] = {}
    for period in windows:
        table = views.area_table(log, gaz, level="upazila", period=period, lang="en", min_entrepreneurs=MIN)
        for pcode, earned in table.filter(pl.col("earnings_paisa").is_not_null()).select("pcode", "earnings_paisa").iter_rows():
            shown[(pcode, period)] = earned
        if views.earnings_shown(log, period=period, min_entrepreneurs=MIN):
            shown[(None, period)] = int(raw.filter(period.filter())["fee_paisa"].sum())
    assert shown, "nothing shown at all: the rule would be vacuous"
    for (area, first), one in shown.items():
        for (other, second), two in shown.items():
            if other != area or not (second.start <= first.start and first.end <= second.end) or first == second:
                continue
            between = raw.filter(second.filter() & ~first.filter())
            if area is not None:
                between = between.filter(pl.col("upazila_code") == area)
            people = between["entrepreneur_id"].n_unique()
            assert people == 0 or people >= MIN, (area, first.key, second.key, two - one, people)
    # whole quarters still show what they may: the first quarter's two upazilas (seven and five people);
    # the year is hidden where its second quarter is: Bhandaria (one person), and Kawkhali beside it
    # (else the district's second quarter less Kawkhali's would be Bhandaria's one person)
    assert ("BD107947", quarter(2023, 1)) in shown and ("BD107914", quarter(2023, 1)) in shown
    assert ("BD107914", fiscal_year(2023)) not in shown and ("BD107947", fiscal_year(2023)) not in shown
    kpi = earnings_kpi(views.kpis(log, period=Period(date(2023, 7, 1), date(2023, 8, 31)), lang="en", min_entrepreneurs=MIN))
    assert kpi.current is None and kpi.value in HIDDEN_TEXTS  # a range that cuts a quarter: no earnings
    staff = earnings_kpi(views.kpis(log, period=Period(date(2023, 7, 1), date(2023, 8, 31)), lang="en", min_entrepreneurs=None))
    assert staff.current == raw.filter(pl.col("date") < date(2023, 9, 1))["fee_paisa"].sum()  # staff see every period
