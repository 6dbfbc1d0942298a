"""What each page shows, assembled from metrics, names and figures (no streamlit).

A page calls one function here (through a cache keyed on the store version) and renders
the result; everything a page displays is computed and labelled here, so it is testable
without a browser.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import plotly.graph_objects as go
import polars as pl

from analytics import i18n
from analytics.ingest.validate import neutralise
from analytics.reference import schema
from analytics.reference.gazetteer import (
    GEODATA_DIR,
    Gazetteer,
    label_points,
    load_boundaries,
)
from analytics.reference.periods import Period, fiscal_columns, quarter, quarter_of
from analytics.reference.services import load_catalogue, load_categories
from analytics.report import comparison, figures, metrics, privacy, tables
from analytics.report.comparison import DEFAULT_MODE, Comparison, direction
from analytics.store.rollup import Rollup, rollup_of

KPI_FIGURES = ("beneficiaries_total", "beneficiaries_udc", "beneficiaries_front_desk", "entrepreneurs",
               "unions_with_udc", "entrepreneur_earnings_paisa", "udc_service_kinds", "front_desk_service_kinds")
DISTRICT_VIEW = {"center": {"lat": 22.53, "lon": 90.0}, "zoom": 8.6}  # when there is nothing to fit


# -- display text -----------------------------------------------------------------------
# No Python function is ever run *by polars* here (map_elements, map_batches, ...): polars
# runs those on its worker threads, which then need the GIL, and in the app's one process a
# Streamlit session converting a frame holds the GIL while it waits for those workers: the
# whole server deadlocks (pola-rs/polars#26821). Text is made with polars expressions, or in
# plain Python on a collected column; tests/test_views.py checks both against analytics.i18n
# and tests/test_no_python_callbacks.py keeps callbacks out of everything a page runs.


def _digits(text: pl.Expr, lang: str) -> pl.Expr:
    return text.str.replace_many(list(i18n.ASCII_DIGITS), list(i18n.BN_DIGITS)) if lang == "bn" else text


def _lakh(digits: pl.Expr) -> pl.Expr:
    """'124080' -> '1,24,080' for a column of ASCII digit strings (i18n.group_lakh): read from
    the right, the first group has three digits and every later one two."""
    return digits.str.reverse().str.extract_all(r"^\d{3}|\d{1,2}").list.join(",").str.reverse()


def _col(column: str | pl.Expr) -> pl.Expr:
    return pl.col(column) if isinstance(column, str) else column


def _named_as(text: pl.Expr, column: str | pl.Expr) -> pl.Expr:
    """``text`` under the input column's name (concat_str would name it after its first part)."""
    name = column if isinstance(column, str) else column.meta.output_name(raise_if_undetermined=False)
    return text.alias(name) if name else text


def number_text(column: str | pl.Expr, *, lang: str) -> pl.Expr:
    """``i18n.number(v, lang=lang)`` for a column of whole numbers, as an expression (null stays null)."""
    value = _col(column).cast(pl.Int64)
    sign = pl.when(value < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return _named_as(_digits(pl.concat_str(sign, _lakh(value.abs().cast(pl.String))), lang), column)


def taka_text(column: str | pl.Expr, *, lang: str) -> pl.Expr:
    """``i18n.taka(v, lang=lang)`` for a column of paisa, as an expression (null stays null)."""
    paisa = _col(column).cast(pl.Int64)
    sign = pl.when(paisa < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    rest = paisa.abs() % 100
    fraction = _digits(pl.when(rest > 0).then(pl.lit(".") + rest.cast(pl.String).str.zfill(2)).otherwise(pl.lit("")), lang)
    whole = number_text(paisa.abs() // 100, lang=lang)
    if lang == "bn":
        return _named_as(pl.concat_str(sign, whole, fraction, pl.lit(" টাকা")), column)
    return _named_as(pl.concat_str(sign, pl.lit("Tk "), whole, fraction), column)


def texts(values: pl.Series, fmt: Callable[[Any], str]) -> pl.Series:
    """``fmt`` applied to every value of a collected column in plain Python (null stays null).

    For what an expression cannot reproduce exactly (decimals and percentages rounded the way
    ``i18n`` rounds); the values are small tables, and nothing runs inside polars.
    """
    return pl.Series(values.name, [None if v is None else fmt(v) for v in values.to_list()], dtype=pl.String)


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    value: str  # as the report writes it
    delta: str | None  # change against the period compared with, or None when there is no fair one
    current: int | None  # None when hidden by the small-cell rule (analytics.report.privacy)
    previous: int | None
    arrow: str = "off"  # "up", "down" or "off": from the sign of the change (comparison.direction)

    @property
    def colour(self) -> str:
        """The delta's colour, agreeing with its arrow: green up, red down, grey for none or zero."""
        return {"up": "green", "down": "red"}.get(self.arrow, "gray")


@dataclass
class Names:
    """Display names by code for one language."""

    lang: str
    places: dict[str, str]
    services: dict[str, str]
    categories: dict[str, str]

    @classmethod
    def load(cls, gaz: Gazetteer, *, lang: str) -> "Names":
        col = "name_bn" if lang == "bn" else "name_en"
        services, categories = _catalogue_names(col)
        return cls(lang, dict(gaz.units.select("pcode", col).iter_rows()), dict(services), dict(categories))


def _catalogue_names(col: str) -> tuple[dict[str, str], dict[str, str]]:
    """Service and category names in column ``col``, read once per version of the catalogue files
    (every page computation needs them; reading the CSVs each time cost more than the query)."""
    files = (GEODATA_DIR / "services.csv", GEODATA_DIR / "service_categories.csv")
    return _catalogue_names_of(col, tuple(f.stat().st_mtime_ns for f in files))


@lru_cache(maxsize=8)
def _catalogue_names_of(col: str, stamp: tuple[int, ...]) -> tuple[dict[str, str], dict[str, str]]:  # noqa: ARG001
    return (dict(load_catalogue().select("service_code", col).iter_rows()),
            dict(load_categories().select("category_code", col).iter_rows()))


def kpis(log: pl.LazyFrame, *, period: Period, lang: str, upazila: str | None = None,
         min_entrepreneurs: int | None = None, comparison: Comparison | None = None) -> list[Kpi]:
    """The headline figures as the report states them, with their change against the period of
    ``comparison`` (analytics.report.comparison; the previous period when None). When the comparison is
    not fair (real data against the sample, a partial period against a full one), no change is given.

    With ``min_entrepreneurs`` (viewers who are not staff) the earnings figure is "fewer than
    N" when the area's earnings are hidden (analytics.report.privacy), and its change is left out
    when either period's figure is hidden (the change would give it away).
    """
    log = rollup_of(log).exact_for(period)
    if comparison is None:
        comparison = Comparison(DEFAULT_MODE, period, period.previous())
    changes = metrics.headline_change(log, period=period, upazila=upazila, comparison=comparison)
    limit = privacy.threshold(min_entrepreneurs)
    shown = {"now": True, "before": True}
    if limit is not None:
        shown = {"now": earnings_shown(log, period=period, upazila=upazila, min_entrepreneurs=limit),
                 "before": comparison.fair and earnings_shown(log, period=None, where=comparison.base_filter(),
                                                               upazila=upazila, min_entrepreneurs=limit)}
    # monthly summaries name no entrepreneur: where a side has them, the count is not known
    unnamed = changes.filter(pl.col("figure") == "udc_rows_unnamed").select("current", "previous").row(0)
    people_now = dict(changes.select("figure", "current").iter_rows()).get("entrepreneurs")
    out = []
    for key, current, previous, change, pct in changes.select(
            "figure", "current", "previous", "change", "change_pct").iter_rows():
        if key not in KPI_FIGURES or upazila and key in ("beneficiaries_front_desk", "front_desk_service_kinds"):
            continue  # (an upazila's figures are its UDCs': the front desk is the district's office)
        if key == "entrepreneurs" and unnamed[0]:
            out.append(Kpi(key, i18n.t("figure.entrepreneurs", lang), i18n.t("figure.not_known", lang),
                           None, None, None))
            continue
        if key == "entrepreneurs" and unnamed[1]:
            previous = change = pct = None
        money = key.endswith("_paisa")
        fmt = (lambda v, **kw: i18n.taka(v, lang=lang, **kw)) if money else (lambda v, **kw: i18n.number(v, lang=lang))
        label_key = "figure.earnings" if money else f"figure.{key}"
        if money and not shown["now"]:
            out.append(Kpi(key, i18n.t(label_key, lang), privacy.unknown_text(lang=lang) if unnamed[0]
                           else privacy.part_text(lang=lang) if not privacy.whole_quarters(period)
                           else privacy.hidden_text(lang=lang, min_entrepreneurs=limit,
                                                    entrepreneurs=people_now),
                           None, None, None))
            continue
        if money and not shown["before"]:
            previous = change = pct = None
        delta = None
        if previous:  # a change against nothing (no data, or zero before) is no change to give
            delta = delta_text(change, pct, fmt=fmt, lang=lang)
        out.append(Kpi(key, i18n.t(label_key, lang), fmt(current), delta, current, previous,
                       direction(change) if delta else "off"))
    return out


def months_cut_text(cut: pl.DataFrame, *, lang: str) -> str | None:
    """What a range that cuts months of monthly summaries (:func:`analytics.report.metrics.months_cut`)
    counts of them, or None when it cuts none."""
    if cut.is_empty():
        return None
    months = "; ".join(i18n.t("notice.month_counted" if counted else "notice.month_left_out", lang,
                              month=i18n.month(month, lang=lang)) for month, counted in cut.iter_rows())
    return i18n.t("notice.months_cut", lang, months=months)


def delta_text(change: int, pct: float | None, *, fmt: Callable[[int], str], lang: str) -> str:
    """"+1,234 (+5.2%)", "−31,526 (−90.4%)", "0 (0.0%)": the sign written once, as a true minus
    sign (U+2212) in both digit systems; the arrow comes from the number (Kpi.arrow), not this text."""
    sign = "+" if change > 0 else "−" if change < 0 else ""
    text = f"{sign}{fmt(abs(change))}"
    if pct is not None:
        pct_sign = "+" if change > 0 else "−" if change < 0 else ""
        text += f" ({pct_sign}{i18n.percent(abs(pct), lang=lang)})"
    return text


def earnings_shown(log: pl.LazyFrame, *, period: Period | None, upazila: str | None = None,
                   min_entrepreneurs: int | None, where: pl.Expr | None = None) -> bool:
    """Whether the earnings of the district (or of ``upazila``) in ``period`` (and rows matching
    ``where``) may be shown to a viewer who is not staff: the same decision as the upazilas' row
    on the map, so that the district's figure less the other upazilas' never gives a hidden one away."""
    log = rollup_of(log).exact_for(period)
    limit = privacy.threshold(min_entrepreneurs)
    if limit is None:
        return True
    if not privacy.whole_quarters(period):  # (its figure less a neighbouring range's would be a month's)
        return False
    if where is not None:
        log = log.filter(where)
    if not upazila:  # the district's: shown if shown in each of its quarters (else the others would give one)
        return all(privacy.shows(metrics.headline(log, period=part)["entrepreneurs"], min_entrepreneurs=limit)
                   for part in _quarters(log, period) or [period])
    areas = privacy.suppress(metrics.by_area(log, Gazetteer.load().units, level="upazila", period=period),
                             min_entrepreneurs=limit, covered=_behind(log, level="upazila", period=period),
                             forced=_hidden_in_quarters(log, level="upazila", period=period, limit=limit))
    row = areas.filter(pl.col("pcode") == upazila)
    return bool(row.height) and not row["hidden"].item()


def _quarters(log: Rollup, period: Period | None) -> list[Period]:
    """The fiscal quarters ``period`` has UDC rows in, when more than one (a figure over several is
    hidden wherever one of theirs is: privacy); ``[]`` for one quarter or none."""
    if period is not None and quarter_of(period.start).end >= period.end:
        return []
    rows = metrics.select(log, period=period, channel="udc").people
    starts = rows.select(pl.col("date").dt.truncate("1q").unique()).collect()["date"].sort().to_list()
    return [quarter_of(day) for day in starts] if len(starts) > 1 else []


def _hidden_in_quarters(log: Rollup, *, level: str, period: Period | None, limit: int,
                        upazila: str | None = None) -> list[str]:
    """The areas (P-codes) whose earnings are hidden in one of the quarters of ``period`` (each
    quarter as its own view hides them): hidden over the whole period too (privacy)."""
    hidden: set[str] = set()
    units = Gazetteer.load().units
    quarters = _quarters(log, period)
    if not quarters:
        return []
    # a quarter in which every area has enough people hides nothing (nor any complement): skipped,
    # read from one count of the people of each area in each quarter
    key = "upazila_code" if level == "upazila" else "union_code"
    rows = metrics.select(log, period=period, channel="udc", upazila=upazila).people.filter(pl.col(key).is_not_null())
    thin = set(rows.group_by(pl.col("date").dt.truncate("1q").alias("quarter"), key)
               .agg(pl.col("entrepreneur_id").drop_nulls().n_unique().alias("people"))
               .filter(pl.col("people") < limit).select("quarter").unique().collect()["quarter"].to_list())
    for part in quarters:
        if part.start not in thin:
            continue
        areas = privacy.suppress(metrics.by_area(log, units, level=level, period=part, upazila=upazila),
                                 min_entrepreneurs=limit, within="parent_pcode" if level == "union" else None,
                                 covered=_behind(log, level=level, period=part))
        hidden.update(areas.filter(privacy.HIDDEN)["pcode"].to_list())
    return sorted(hidden)


def _grid_hidden(log: Rollup, gaz: Gazetteer, *, period: Period | None, limit: int) -> set[tuple[str | None, str]]:
    """The hidden cells of the upazila x service table of ``period`` (privacy.grid_hidden), with
    every cell hidden in one of its quarters hidden over the whole period too."""
    seeded: set[tuple[str | None, str]] = set()
    for part in _quarters(log, period):
        seeded |= _grid_hidden(log, gaz, period=part, limit=limit)
    areas = privacy.suppress(metrics.by_area(log, gaz.units, level="upazila", period=period), min_entrepreneurs=limit,
                             covered=_behind(log, level="upazila", period=period),
                             forced=_hidden_in_quarters(log, level="upazila", period=period, limit=limit))
    return privacy.grid_hidden(metrics.service_people(log, period=period), min_entrepreneurs=limit,
                               totals_hidden=areas.filter(privacy.HIDDEN)["pcode"].to_list(), seeded=seeded)


def _behind(log: pl.LazyFrame, *, level: str, period: Period) -> Callable[[pl.DataFrame], int]:
    """How many distinct entrepreneurs are behind some areas' earnings (rows with ``pcode``): one who
    served two of them counts once (privacy.suppress). The pairs are read when first asked for
    (most upazila tables hide nothing, and never ask)."""
    pairs: list[pl.DataFrame] = []

    def covered(areas: pl.DataFrame) -> int:
        if not pairs:
            pairs.append(metrics.area_entrepreneurs(log, level=level, period=period))
        return pairs[0].filter(pl.col("pcode").is_in(areas["pcode"].implode()))["entrepreneur_id"].n_unique()
    return covered


def area_table(log: pl.LazyFrame, gaz: Gazetteer, *, level: str, period: Period, lang: str,
               upazila: str | None = None, min_entrepreneurs: int | None = None) -> pl.DataFrame:
    """Every area metric per unit, with display name and preformatted text columns.

    With ``min_entrepreneurs`` (viewers who are not staff) earnings are null in the areas the
    small-cell rule hides (column ``hidden``) and their texts read "fewer than N"; unions are
    checked within their upazila, so the upazila's total less the unions shown gives nothing away.
    """
    log = rollup_of(log).exact_for(period)
    names = "name_bn" if lang == "bn" else "name_en"
    areas = metrics.by_area(log, gaz.units, level=level, period=period, upazila=upazila)
    limit = privacy.threshold(min_entrepreneurs)
    within, covered = "parent_pcode" if level == "union" else None, _behind(log, level=level, period=period)
    rule = privacy.suppress(areas, min_entrepreneurs=min_entrepreneurs, within=within, covered=covered,
                            forced=areas["pcode"].to_list() if limit is not None and not privacy.whole_quarters(period) else ())
    shown = rule.filter(~pl.col(privacy.HIDDEN) & pl.col("earnings_paisa").is_not_null())["pcode"].to_list()
    # over several quarters: hidden wherever a quarter hides it (asked only if the period shows some)
    forced = _hidden_in_quarters(log, level=level, period=period, limit=limit, upazila=upazila) \
        if limit is not None and shown and privacy.whole_quarters(period) else []
    areas = privacy.suppress(areas, min_entrepreneurs=min_entrepreneurs, within=within, covered=covered, forced=forced) \
        if set(forced) & set(shown) else rule
    unknown = pl.col("entrepreneurs").is_null() & (pl.col("beneficiaries_udc") > 0)  # monthly summaries: no one named
    hide = lambda text: privacy.text_or_hidden(text, lang=lang, min_entrepreneurs=min_entrepreneurs,  # noqa: E731
                                               unknown=unknown, count="entrepreneurs")
    return areas.with_columns(
        name=pl.col(names),
        beneficiaries_text=number_text("beneficiaries", lang=lang),
        beneficiaries_udc_text=number_text("beneficiaries_udc", lang=lang),
        beneficiaries_front_desk_text=number_text("beneficiaries_front_desk", lang=lang),
        per_km2_text=texts(areas["per_km2"], lambda v: i18n.number(v, lang=lang, decimals=1)),
        earnings_text=hide(taka_text("earnings_paisa", lang=lang)),
        entrepreneurs_text=pl.when(unknown).then(pl.lit(i18n.t("figure.not_known", lang)))
        .otherwise(number_text("entrepreneurs", lang=lang)),
        earnings_per_entrepreneur_text=hide(taka_text("earnings_per_entrepreneur_paisa", lang=lang)),
        service_kinds_text=number_text("service_kinds", lang=lang),
    )


METRIC_TEXT = {
    "beneficiaries": "beneficiaries_text", "beneficiaries_udc": "beneficiaries_udc_text",
    "beneficiaries_front_desk": "beneficiaries_front_desk_text", "per_km2": "per_km2_text",
    "earnings_paisa": "earnings_text", "earnings_per_entrepreneur_paisa": "earnings_per_entrepreneur_text",
    "entrepreneurs": "entrepreneurs_text", "service_kinds": "service_kinds_text",
}


@dataclass
class MapView:
    figure: go.Figure
    table: pl.DataFrame  # the areas drawn, with text columns
    level: str
    upazila: str | None
    missing_polygons: list[str] = field(default_factory=list)  # names of units with data but no shape


def map_values(table: pl.DataFrame, metric: str) -> pl.DataFrame:
    """``table`` (an :func:`area_table`) with ``metric`` as a map colours and labels it: money in taka."""
    if metric in ("earnings_paisa", "earnings_per_entrepreneur_paisa"):
        return table.with_columns((pl.col(metric) / schema.PAISA_PER_TAKA).alias(metric))
    return table


def map_decimals(metric: str) -> int:
    """Decimals of a map's legend for ``metric`` (a density's classes are tenths)."""
    return 1 if metric == "per_km2" else 0


def map_view(log: pl.LazyFrame, gaz: Gazetteer, *, period: Period, metric: str, lang: str,
             level: str = "upazila", upazila: str | None = None, channel: str = "all",
             min_entrepreneurs: int | None = None, height: int = figures.BASE_HEIGHT,
             min_width: int = figures.PHONE_WIDTH) -> MapView:
    """The choropleth: all upazilas (or unions), or one upazila's unions when ``upazila`` is set.

    ``height`` is the map's height in pixels (the page's choice: larger in presentation mode,
    and the type grows with it); names are laid out for a map at least ``min_width`` wide.
    With ``min_entrepreneurs`` (viewers who are not staff) areas whose earnings are hidden
    get no earnings colour: they are drawn as "hidden: fewer than N entrepreneurs".

    Front-desk figures (the front-desk metric, or any figure of the front-desk channel) are
    counted at one office, not in an area: the office is drawn as a circle whose area follows
    the number, with the number written next to it, and the areas are left uncoloured. Of all
    channels' beneficiaries, the areas are coloured by their UDCs' and the office's circle, sized
    and written the same way, holds the front desk's.
    """
    log = rollup_of(log).exact_for(period)
    if upazila:
        level = "union"
    data = metrics.select(log, channel=channel) if channel != "all" else log
    table = area_table(data, gaz, level=level, period=period, lang=lang, upazila=upazila,
                       min_entrepreneurs=min_entrepreneurs)
    limit = privacy.threshold(min_entrepreneurs)
    table = map_values(table, metric)
    geojson = load_boundaries(level)
    if upazila:
        geojson = {"type": "FeatureCollection",
                   "features": [f for f in geojson["features"] if f["properties"].get("parent_pcode") == upazila]}
    # (an area's figures are its UDCs': the front desk's are the office's, on its circle)
    hover = [(i18n.t(f"metric.{m}", lang), METRIC_TEXT[m]) for m in
             ("beneficiaries_udc", "entrepreneurs", "earnings_paisa", "service_kinds")]
    if metric not in ("beneficiaries", "beneficiaries_udc", "beneficiaries_front_desk", "entrepreneurs", "earnings_paisa",
                      "service_kinds"):
        hover.insert(0, (i18n.t(f"metric.{metric}", lang), METRIC_TEXT[metric]))
    site = gaz.sites().row(0, named=True) if gaz.sites().height else None
    point = metric == "beneficiaries_front_desk" or channel == "front_desk"
    marker = None
    if site and (not upazila or upazila == site["upazila_pcode"]):
        head = metrics.headline(log, period=period)
        fd = head["beneficiaries_front_desk"]
        name = site["name_bn" if lang == "bn" else "name_en"]
        marker = {"lat": site["lat"], "lon": site["lon"], "name": i18n.t("map.front_desk", lang),
                  "text": f"<b>{name}</b><br>{i18n.t('metric.beneficiaries_front_desk', lang)}: {i18n.number(fd, lang=lang)}"}
        if metric == "beneficiaries" and not point:  # all channels: the UDCs in the areas, the office's on its circle
            # (named: a bare number beside the circle read as the figure of the upazila it sits in)
            marker.update(value=i18n.t("map.office_value", lang, value=i18n.number(fd, lang=lang)),
                          size=fd / max(head["beneficiaries_total"], 1))
        if point:
            # what the office did: the front desk's own figure of this metric (beneficiaries where
            # the metric has no meaning at one point: density, entrepreneurs, their earnings)
            value = head["front_desk_service_kinds"] if metric == "service_kinds" else fd
            shown = (i18n.t("metric.service_kinds", lang) if metric == "service_kinds"
                     else i18n.t("metric.beneficiaries_front_desk", lang))
            marker.update(name=i18n.t("map.office_point", lang),
                          value=i18n.t("map.office_value", lang, value=i18n.number(value, lang=lang)),
                          size=fd / max(head["beneficiaries_total"], 1) if metric != "service_kinds" else 0.25,
                          text=f"<b>{name}</b><br>{shown}: {i18n.number(value, lang=lang)}")
    fig = figures.choropleth(table, geojson, metric=metric, metric_label=i18n.t(f"metric.{metric}", lang), lang=lang,
                             hover=hover, height=height, min_width=min_width, label_points=label_points(level),
                             level=level, point=point and marker is not None, marker=marker,
                             decimals=map_decimals(metric),
                             hidden_label=privacy.hidden_label(lang=lang, min_entrepreneurs=limit) if limit else None)
    missing = table.filter(~pl.col("has_polygon") & pl.col("beneficiaries").is_not_null())["name"].to_list()
    return MapView(fig, table, level, upazila, missing)


def map_table(view: MapView, *, metric: str, lang: str) -> pl.DataFrame:
    """The map's areas as a table: the chosen metric first, then the usual figures."""
    shown = [metric] + [m for m in ("beneficiaries_udc", "entrepreneurs", "earnings_paisa") if m != metric]

    def value(m: str) -> pl.Expr:  # money in taka (map_view may have made the shown metric taka already)
        money = m.endswith("_paisa") and view.table[m].dtype.is_integer()
        return pl.col(m) / schema.PAISA_PER_TAKA if money else pl.col(m)

    return view.table.sort(metric, descending=True, nulls_last=True).select(
        pl.col("name").alias(i18n.t(f"level.{view.level}", lang)),
        *(e for m in shown for e in tables.shown(i18n.t(f"metric.{m}", lang),
                                                 pl.col(METRIC_TEXT[m]).fill_null(i18n.t("map.no_data", lang)), value(m))),
    )


#: The figures beside the map of one upazila's unions (in the order :func:`kpis` gives them).
MAP_PANEL_FIGURES = ("beneficiaries_udc", "entrepreneurs", "unions_with_udc", "entrepreneur_earnings_paisa",
                     "udc_service_kinds")


def map_panel(log: pl.LazyFrame, *, period: Period, lang: str, upazila: str | None = None,
              min_entrepreneurs: int | None = None, comparison: Comparison | None = None) -> list[Kpi]:
    """The figures beside the map of ``upazila``'s unions (:data:`MAP_PANEL_FIGURES`, as :func:`kpis`
    states them, under the same small-cell rule and comparison); none beside the district's map."""
    log = rollup_of(log).exact_for(period)
    if not upazila:
        return []
    return [kpi for kpi in kpis(log, period=period, lang=lang, upazila=upazila, min_entrepreneurs=min_entrepreneurs,
                                comparison=comparison) if kpi.key in MAP_PANEL_FIGURES]


def clicked_upazila(units: pl.DataFrame, *, points: Sequence[Mapping[str, Any]], level: str,
                    upazila: str | None = None) -> pl.DataFrame:
    """The upazila a click on the map opens, as its row of ``units`` (the gazetteer's units); no row
    (the same columns) when the click opens none.

    ``points`` are the map's selected points (plotly's selection: an area's point has its P-code as
    ``location``; the first such point counts), ``level`` the level the map shows and ``upazila`` the
    upazila it is drilled into, if any. On the upazilas' map a click opens the upazila clicked; on the
    map of every union, the upazila of the union clicked; on one upazila's unions, nothing.
    """
    upazilas = units.filter(pl.col("level") == "upazila")
    clicked = next((str(p["location"]) for p in points if p.get("location")), None)
    if clicked is None or clicked == upazila or level not in ("upazila", "union") or (level == "union" and upazila):
        return upazilas.clear()
    unit = units.filter(pl.col("level") == level, pl.col("pcode") == clicked)
    opened = unit.select(pl.col("pcode" if level == "upazila" else "parent_pcode").alias("pcode"))
    return upazilas.join(opened, on="pcode", how="semi")


def entrepreneur_table(log: pl.LazyFrame, gaz: Gazetteer, *, period: Period, lang: str,
                       upazila: str | None = None, search: str = "",
                       comparison: Comparison | None = None) -> pl.DataFrame:
    """Entrepreneurs ranked by earnings, with names of places (``union``, ``upazila``: every one they
    served in, the one they earned most in first; ``main_upazila``: that one), filtered by ``search``;
    their change against the period of ``comparison`` (none when it is not fair, see metrics.entrepreneurs)."""
    log = rollup_of(log).exact_for(period)
    names = Names.load(gaz, lang=lang)
    places = lambda codes: pl.col(codes).list.eval(  # noqa: E731 - every place served, the main one first
        pl.element().replace_strict(names.places, default=None).drop_nulls()).list.join(", ")
    frame = metrics.entrepreneurs(log, period=period, upazila=upazila, comparison=comparison).with_columns(
        union=places("union_codes"), upazila=places("upazila_codes"),
        main_upazila=pl.col("upazila_code").replace_strict(names.places, default=None))
    frame = frame.with_columns(pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c in ("union", "upazila"))
    if search.strip():
        needle = search.strip().casefold()
        frame = frame.filter(pl.any_horizontal(pl.col(c).fill_null("").str.to_lowercase().str.contains(needle, literal=True)
                                               for c in ("entrepreneur_name", "entrepreneur_id", "union", "upazila")))
    return frame


def entrepreneur_counts(table: pl.DataFrame, *, lang: str, known: bool = True) -> list[tuple[str, str]]:
    """The entrepreneurs page's headline (label, value): active, women, men, flagged. Not ``known``
    (monthly summaries among the period's UDC rows name no entrepreneur: :func:`unnamed_note`), how
    many were active, of either sex, reads "not known", as on the overview."""
    active = table.filter(~pl.col("no_activity"))
    counts = [("entrepreneurs.count", active.height),
              ("gender.female", active.filter(pl.col("entrepreneur_gender") == "female").height),
              ("gender.male", active.filter(pl.col("entrepreneur_gender") == "male").height),
              ("entrepreneurs.flagged", table.filter(pl.col("no_activity") | pl.col("sharp_drop")).height)]
    return [(i18n.t(key, lang), i18n.number(value, lang=lang) if known or key == "entrepreneurs.flagged"
             else i18n.t("figure.not_known", lang)) for key, value in counts]


def unnamed_note(log: pl.LazyFrame, gaz: Gazetteer, *, period: Period, lang: str, upazila: str | None = None) -> str | None:
    """What the entrepreneurs page says when some of the period's UDC rows (of ``upazila``) name no
    entrepreneur (monthly summaries): which upazilas, and that the table holds those the logs name.
    None when every row names one."""
    log = rollup_of(log).exact_for(period)
    rows = metrics.select(log, period=period, channel="udc", upazila=upazila).people
    codes = (rows.filter(pl.col("entrepreneur_id").is_null()).select(pl.col("upazila_code").unique().sort())
             .collect()["upazila_code"].to_list())
    if not codes:
        return None
    names = Names.load(gaz, lang=lang).places
    return i18n.t("entrepreneurs.unnamed", lang, upazilas=", ".join(names.get(c, c) for c in codes))


def union_earnings(log: pl.LazyFrame, gaz: Gazetteer, *, period: Period, lang: str,
                   upazila: str | None = None, min_entrepreneurs: int | None = None) -> pl.DataFrame:
    """What anonymous viewers see instead of named entrepreneurs: totals per union (earnings
    "fewer than N" under the small-cell rule: every union has two entrepreneurs)."""
    log = rollup_of(log).exact_for(period)
    return area_earnings(log, gaz, level="union", period=period, lang=lang, upazila=upazila,
                         min_entrepreneurs=min_entrepreneurs)


def area_earnings(log: pl.LazyFrame, gaz: Gazetteer, *, level: str, period: Period, lang: str,
                  upazila: str | None = None, min_entrepreneurs: int | None = None) -> pl.DataFrame:
    """Totals per union or upazila (UDC rows): entrepreneurs, beneficiaries, earnings, average,
    labelled in ``lang``; with ``min_entrepreneurs`` the small-cell rule applies."""
    log = rollup_of(log).exact_for(period)
    table = area_table(metrics.select(log, channel="udc"), gaz, level=level, period=period, lang=lang, upazila=upazila,
                       min_entrepreneurs=min_entrepreneurs)
    names = Names.load(gaz, lang=lang).places
    parent = ([pl.col("parent_pcode").replace_strict(names, default=None).alias(i18n.t("col.upazila", lang))]
              if level == "union" else [])
    figure = lambda key, text, value: tables.shown(i18n.t(key, lang), pl.col(text).fill_null("–"), value)  # noqa: E731
    return table.sort("earnings_paisa", "beneficiaries_udc", descending=True, nulls_last=True).select(
        pl.col("name").alias(i18n.t(f"col.{level}", lang)), *parent,
        *figure("metric.entrepreneurs", "entrepreneurs_text", pl.col("entrepreneurs")),
        *figure("col.beneficiaries", "beneficiaries_udc_text", pl.col("beneficiaries_udc")),
        *figure("col.earnings", "earnings_text", pl.col("earnings_paisa") / schema.PAISA_PER_TAKA),
        *figure("metric.earnings_per_entrepreneur_paisa", "earnings_per_entrepreneur_text",
                pl.col("earnings_per_entrepreneur_paisa") / schema.PAISA_PER_TAKA),
    )


def entrepreneur_rows(frame: pl.DataFrame, *, lang: str) -> pl.DataFrame:
    """The entrepreneurs table as staff see it: labelled columns in ``lang``, formatted figures, flags."""
    t = lambda key: i18n.t(key, lang)  # noqa: E731
    flags = pl.concat_str([
        pl.when(pl.col("no_activity")).then(pl.lit("⚠ " + t("flag.no_activity"))).otherwise(pl.lit("")),
        pl.when(pl.col("sharp_drop") & ~pl.col("no_activity")).then(pl.lit("↓ " + t("flag.sharp_drop"))).otherwise(pl.lit("")),
    ])
    out = frame.select(
        pl.col("rank").alias(t("col.rank")),
        pl.col("entrepreneur_name").alias(t("col.entrepreneur")),
        pl.col("entrepreneur_gender").cast(pl.String).replace_strict(
            {"female": t("person.female"), "male": t("person.male")}, default="").alias(t("col.gender")),
        pl.col("union").alias(t("col.union")), pl.col("upazila").alias(t("col.upazila")),
        number_text("beneficiaries", lang=lang).alias(t("col.beneficiaries")),
        taka_text("earnings_paisa", lang=lang).alias(t("col.earnings")),
        pl.col("service_kinds").alias(t("col.service_kinds")),
        # the arrow agrees with the sign, as on the headline figures
        texts(frame["change_pct"], lambda v: ("▲ " if v > 0 else "▼ " if v < 0 else "")
              + i18n.percent(v, lang=lang, signed=True)).fill_null("–").alias(t("col.change_pct")),
        flags.alias(t("col.flags")),
    )
    # the figures sort as numbers: rank and kinds of service in the user's digits too
    return out.with_columns(
        *tables.shown(t("col.rank"), number_text(pl.col(t("col.rank")), lang=lang), pl.col(t("col.rank"))),
        *tables.shown(t("col.service_kinds"), number_text(pl.col(t("col.service_kinds")), lang=lang),
                      pl.col(t("col.service_kinds"))),
        pl.Series(tables.value_name(t("col.beneficiaries")), frame["beneficiaries"]),
        (frame["earnings_paisa"] / schema.PAISA_PER_TAKA).alias(tables.value_name(t("col.earnings"))),
        frame["change_pct"].alias(tables.value_name(t("col.change_pct"))),
    )


def area_export(table: pl.DataFrame, *, lang: str) -> pl.DataFrame:
    """An :func:`area_earnings` table (or any table of :mod:`analytics.report.tables`) as exported
    (text safe for spreadsheets): the same cells as shown, so hidden earnings stay "fewer than N"."""
    return neutralise(tables.display_only(table))


def shown_csv(table: pl.DataFrame, *, lang: str) -> bytes:
    """:func:`area_export` as CSV bytes for Excel (UTF-8 with BOM, so Bengali reads as Bengali)."""
    return area_export(table, lang=lang).write_csv().encode("utf-8-sig")


def entrepreneur_export(frame: pl.DataFrame, *, lang: str) -> pl.DataFrame:
    """The table as exported: labelled columns in ``lang``, taka (not paisa), text safe for spreadsheets."""
    out = frame.select(
        pl.col("rank"), pl.col("entrepreneur_id"), pl.col("entrepreneur_name"),
        pl.col("entrepreneur_gender").cast(pl.String).replace_strict(
            {"female": i18n.t("person.female", lang), "male": i18n.t("person.male", lang)}, default=None),
        pl.col("union"), pl.col("upazila"), pl.col("beneficiaries"),
        (pl.col("earnings_paisa") / schema.PAISA_PER_TAKA), pl.col("service_kinds"),
        (pl.col("earnings_paisa_previous") / schema.PAISA_PER_TAKA), pl.col("change_pct").round(1),
    )
    headers = [i18n.t(f"col.{c}", lang) for c in ("rank", "entrepreneur_id", "entrepreneur", "gender", "union", "upazila",
                                                  "beneficiaries", "earnings_taka", "service_kinds",
                                                  "earnings_previous_taka", "change_pct")]
    return neutralise(out.rename(dict(zip(out.columns, headers))))


@dataclass
class ServicesView:
    mix: pl.DataFrame  # per service, with names
    treemap: go.Figure
    top: go.Figure
    heatmap: go.Figure
    channels: go.Figure
    trend: go.Figure
    table: pl.DataFrame  # the mix as the services page lists it (labelled, formatted)
    counts: list[tuple[str, str]] = field(default_factory=list)  # the page's headline (label, value)
    #: under the heat map when one upazila is chosen: it compares every upazila, the chosen one marked
    heatmap_note: str | None = None
    #: the heat map's figures as a table (upazila x category), what a phone shows instead of it
    heatmap_table: pl.DataFrame = field(default_factory=pl.DataFrame)


def services_view(log: pl.LazyFrame, gaz: Gazetteer, *, period: Period, lang: str, channel: str = "all",
                  upazila: str | None = None, min_entrepreneurs: int | None = None,
                  sample_uploads: frozenset[str] = frozenset()) -> ServicesView:
    """The services page. With ``min_entrepreneurs`` (viewers who are not staff) a UDC service's
    earnings are shown only when at least that many entrepreneurs delivered it (analytics.report.privacy)."""
    log = rollup_of(log).exact_for(period)
    mix = service_mix(log, gaz, period=period, lang=lang, channel=channel, upazila=upazila,
                      min_entrepreneurs=min_entrepreneurs)
    names = Names.load(gaz, lang=lang)
    # every upazila, for comparison (the roll-ups hold services per upazila, not per union): the
    # chosen one is marked, and a note under the map says so
    area = pl.col("upazila_code").replace_strict(names.places, default=pl.col("upazila_code"))
    matrix = metrics.area_by_category(log, period=period, channel="udc" if channel == "all" else channel).with_columns(
        area=pl.when(pl.col("upazila_code") == upazila).then(pl.lit(CHOSEN) + area).otherwise(area)
        if upazila else area,
        category=pl.col("service_category").replace_strict(names.categories, default=pl.col("service_category")),
    )
    notes = [i18n.t("services.by_area_all", lang, upazila=CHOSEN + names.places.get(upazila, upazila))] \
        if upazila else []
    if channel == "all":  # the front desk serves the whole district at one office: not an upazila's
        notes.append(i18n.t("services.by_area_udc", lang))
    note = " ".join(notes) or None
    head = metrics.headline(log, period=period, upazila=upazila)
    split = {"udc": head["beneficiaries_udc"], "front_desk": head["beneficiaries_front_desk"]}
    return ServicesView(mix, figures.service_treemap(mix, lang=lang), figures.top_services(mix, lang=lang),
                        figures.heatmap(matrix, lang=lang), figures.channel_split(split, lang=lang),
                        figures.trend_bars(trend_table(log, lang=lang, channel=channel, upazila=upazila,
                                                       sample_uploads=sample_uploads), lang=lang),
                        service_table(mix, lang=lang, min_entrepreneurs=min_entrepreneurs), service_counts(mix, lang=lang),
                        note, area_category_table(matrix, lang=lang))


def area_category_table(matrix: pl.DataFrame, *, lang: str) -> pl.DataFrame:
    """The services heat map's figures (``area`` x ``category`` of ``beneficiaries``) as a table: a
    row per upazila, a column per category, as the heat map orders them."""
    wide = matrix.pivot(on="category", index="area", values="beneficiaries", aggregate_function="sum").fill_null(0)
    return wide.rename({"area": i18n.t("col.upazila", lang)})


#: How the chosen upazila's row is marked in the services heat map.
CHOSEN = "▶ "


def service_counts(mix: pl.DataFrame, *, lang: str) -> list[tuple[str, str]]:
    """The services page's headline (label, value): kinds of UDC and front-desk service, beneficiaries."""
    counts = [("figure.udc_service_kinds", mix.filter(pl.col("channel") == "udc").height),
              ("figure.front_desk_service_kinds", mix.filter(pl.col("channel") == "front_desk").height),
              ("figure.beneficiaries_total", int(mix["beneficiaries"].sum()))]
    return [(i18n.t(key, lang), i18n.number(value, lang=lang)) for key, value in counts]


def service_mix(log: pl.LazyFrame, gaz: Gazetteer, *, period: Period, lang: str, channel: str = "all",
                upazila: str | None = None, min_entrepreneurs: int | None = None) -> pl.DataFrame:
    """Per service: beneficiaries, earnings, share, with names in ``lang``. With
    ``min_entrepreneurs`` UDC services delivered by fewer entrepreneurs have null earnings
    (``hidden``), and so many more that the hidden ones together cover none or enough people
    (the total less the services shown gives nothing away). Front-desk fees are the office's."""
    log = rollup_of(log).exact_for(period)
    names = Names.load(gaz, lang=lang)
    mix = metrics.service_mix(log, period=period, channel=channel, upazila=upazila)
    # hidden alike on every area's page and the district's: no hidden figure is the district's for
    # its service less the other upazilas' (privacy.grid_hidden); and a service of monthly summaries
    # alone, whose entrepreneurs are not known, is hidden too
    grid = set()
    limit = privacy.threshold(min_entrepreneurs)
    if limit is not None and "udc" in set(mix["channel"]):
        grid = _grid_hidden(log, gaz, period=period, limit=limit)
    # an open link's range that cuts a quarter: no service's earnings (the range less another is a month's)
    cut = limit is not None and not privacy.whole_quarters(period)
    mine = pl.lit(True) if cut else pl.col("service_code").is_in([service for area, service in grid if area == upazila])
    mix = privacy.suppress(mix.with_columns(pl.when(mine).then(1).otherwise("entrepreneurs").alias("__behind")),
                           min_entrepreneurs=min_entrepreneurs, count="__behind", columns=("earnings_paisa",),
                           applies=(pl.col("channel") == "udc") & (mine | (pl.col("entrepreneurs") == 0)),
                           disjoint=False).drop("__behind")
    return mix.with_columns(
        service=pl.col("service_code").replace_strict(names.services, default=pl.col("service_code")),
        category=pl.col("service_category").replace_strict(names.categories, default=pl.col("service_category")),
    )


def service_table(mix: pl.DataFrame, *, lang: str, min_entrepreneurs: int | None = None) -> pl.DataFrame:
    """Each service with its category, channel, beneficiaries, earnings and share, labelled in ``lang``
    (earnings "fewer than N" where ``mix["hidden"]``, see :func:`service_mix`)."""
    t = lambda key: i18n.t(key, lang)  # noqa: E731
    if "hidden" not in mix.columns:
        mix = mix.with_columns(hidden=pl.lit(False))
    return mix.select(
        pl.col("category").alias(t("col.category")), pl.col("service").alias(t("col.service")),
        pl.col("channel").replace_strict({"udc": t("channel.udc"), "front_desk": t("channel.front_desk")})
        .alias(t("col.channel")),
        *tables.shown(t("col.beneficiaries"), number_text("beneficiaries", lang=lang), pl.col("beneficiaries")),
        *tables.shown(t("col.earnings"), privacy.text_or_hidden(taka_text("earnings_paisa", lang=lang), lang=lang,
                                                                min_entrepreneurs=min_entrepreneurs,
                                                                count="entrepreneurs",
                                                                # (monthly summaries alone: no one named)
                                                                unknown=pl.col("entrepreneurs") == 0),
                      pl.col("earnings_paisa") / schema.PAISA_PER_TAKA),
        *tables.shown(t("col.share"), texts(mix["share_pct"], lambda v: i18n.percent(v, lang=lang)), pl.col("share_pct")),
    )


@dataclass
class OverviewView:
    kpis: list[Kpi]
    channels: go.Figure
    trend: go.Figure
    coverage: pl.DataFrame
    comparison: Comparison | None = None
    sources: str = "none"  # where the period's rows come from (comparison.sources)


def overview_view(log: pl.LazyFrame, gaz: Gazetteer, *, period: Period, lang: str,
                  upazila: str | None = None, min_entrepreneurs: int | None = None, compare_with: str = DEFAULT_MODE,
                  sample_uploads: frozenset[str] = frozenset()) -> OverviewView:
    """The overview page: headline figures, the channel split and trend charts, coverage problems
    (only what it shows: the full services view would draw three charts more). With
    ``min_entrepreneurs`` the earnings figure follows the small-cell rule (see :func:`kpis`);
    changes compare like with like under ``compare_with`` (analytics.report.comparison)."""
    log = rollup_of(log).exact_for(period)
    fair = comparison.compare(log, period=period, mode=compare_with, sample_uploads=sample_uploads, upazila=upazila)
    figures_now = kpis(log, period=period, lang=lang, upazila=upazila, min_entrepreneurs=min_entrepreneurs,
                       comparison=fair)
    current = {k.key: k.current for k in figures_now}
    split = {"udc": current["beneficiaries_udc"], "front_desk": current.get("beneficiaries_front_desk") or 0}
    return OverviewView(figures_now, figures.channel_split(split, lang=lang),
                        figures.trend_bars(trend_table(log, lang=lang, upazila=upazila, sample_uploads=sample_uploads),
                                           lang=lang),
                        coverage_table(log, gaz, period=period, lang=lang, upazila=upazila), fair,
                        comparison.sources(log, period=period, sample_uploads=sample_uploads))


def trend_table(log: pl.LazyFrame, *, lang: str, channel: str = "all", upazila: str | None = None,
                sample_uploads: frozenset[str] = frozenset()) -> pl.DataFrame:
    """:func:`analytics.report.metrics.trend` with each quarter's ``label``, whether it is still under
    way (``partial``: its data ends early, as the comparisons judge it, and ``until`` that day in
    ``lang``), and a row for each quarter between the first and the last with no data (``channel``
    and ``beneficiaries`` null), so that the chart shows the gap rather than close it up."""
    log = rollup_of(log)
    data = metrics.trend(log, channel=channel, upazila=upazila, sample_uploads=sample_uploads)
    if data.height:
        pairs = data.select("fy", "fq").unique()
        first, last = min(pairs.iter_rows()), max(pairs.iter_rows())
        every = [(fy, fq) for fy in range(first[0], last[0] + 1) for fq in (1, 2, 3, 4) if first <= (fy, fq) <= last]
        missing = sorted(set(every) - set(pairs.iter_rows()))
        data = pl.concat([data, pl.DataFrame(missing, schema={"fy": data.schema["fy"], "fq": data.schema["fq"]},
                                             orient="row")], how="diagonal").sort("fy", "fq", "channel", nulls_last=True)
    periods = [quarter(fy, fq) for fy, fq in data.select("fy", "fq").iter_rows()]
    lasts = data["last"].to_list()
    return data.with_columns(
        pl.Series("label", [p.short_label(lang=lang) for p in periods], dtype=pl.String),
        pl.Series("partial", [d is not None and comparison.under_way(p, d) for p, d in zip(periods, lasts)]),
        pl.Series("until", [i18n.day(d, lang=lang) if d else None for d in lasts], dtype=pl.String))


def coverage_table(log: pl.LazyFrame, gaz: Gazetteer, *, period: Period, lang: str,
                   upazila: str | None = None) -> pl.DataFrame:
    """The unions (of ``upazila``, when given) with a coverage problem in ``period``, named in ``lang``."""
    log = rollup_of(log).exact_for(period)
    names = Names.load(gaz, lang=lang)
    issues = metrics.coverage(log, gaz.units, period=period).filter(pl.col("issue").is_not_null())
    if upazila:
        issues = issues.filter(pl.col("parent_pcode") == upazila)
    return issues.with_columns(
        union=pl.col("pcode").replace_strict(names.places, default=None),
        upazila=pl.col("parent_pcode").replace_strict(names.places, default=None),
        problem=texts(issues["issue"], lambda k: i18n.t(f"coverage.{k}", lang)),
    )


def gaps_text(log: pl.LazyFrame, gaz: Gazetteer, *, period: Period, lang: str, upazila: str | None = None) -> str | None:
    """What the period's figures do not hold yet, to say beside them: offices upload one at a time, and
    the first real file made "the year" one upazila's quarter, its front desk 0. The unions with UDC
    data out of all (of ``upazila``'s), a front desk with no data (the district's view), data that
    ends before the period does (:data:`analytics.report.comparison.UNDER_WAY_DAYS`). None when the
    period has none of these gaps, or no data at all (said otherwise). A range of days is judged on
    the quarters it lies in, as comparisons are: a union or the front desk that delivered nothing on
    the days asked for, in a quarter uploaded whole, is no gap (a review's one-day range said 9 of 52
    unions had data)."""
    quarters = Period(quarter_of(period.start).start, quarter_of(period.end).end)
    log = rollup_of(log).exact_for(period)
    head = metrics.headline(log, period=period, upazila=upazila)
    if head["rows"] == 0:
        return None
    unions = metrics.coverage(log, gaz.units, period=quarters)
    if upazila:
        unions = unions.filter(pl.col("parent_pcode") == upazila)
    parts = []
    with_data = unions.filter(pl.col("issue").ne_missing("no_data")).height
    if with_data < unions.height:
        parts.append(i18n.t("gaps.unions", lang, some=i18n.number(with_data, lang=lang),
                            all=i18n.number(unions.height, lang=lang)))
    if not upazila and metrics.headline(log, period=quarters)["beneficiaries_front_desk"] == 0:
        parts.append(i18n.t("gaps.front_desk", lang))
    last = metrics.select(log, period=period, upazila=upazila).people.select(pl.col("last_date").max()).collect().item()
    if last is not None and (period.end - last).days > comparison.UNDER_WAY_DAYS:
        parts.append(i18n.t("gaps.until", lang, day=i18n.day(last, lang=lang)))
    return i18n.t("gaps.text", lang, gaps=i18n.t("gaps.separator", lang).join(parts)) if parts else None


def fiscal_years(log: pl.LazyFrame) -> list[int]:
    """Fiscal years (start years) that have data, newest first."""
    years = rollup_of(log).people.select(fiscal_columns()).select(pl.col("fy").unique()).collect()["fy"].to_list()
    return sorted((int(y) for y in years if y is not None), reverse=True)


def uploads_table(uploads: pl.DataFrame, *, lang: str, quarters: pl.DataFrame | None = None,
                  log: pl.LazyFrame | Rollup | None = None) -> pl.DataFrame:
    """Upload history in ``lang``, newest first: each file by name (the sample labelled as the
    sample), its quarters (from ``store.upload_quarters()``), figures that sort as numbers, the
    time in Dhaka in the user's digits. Given ``log`` (the rows in force), an upload in force with
    some of its quarters replaced shows the figures of the quarters in force, and says what it held."""
    from analytics.report import history

    t = lambda key: i18n.t(key, lang)  # noqa: E731
    ordered = uploads.sort("created_at", descending=True)
    if log is not None:  # what is in force of each upload in force (its replaced quarters are not)
        held = rollup_of(log).people.group_by("upload_id").agg(
            pl.col("rows").sum().alias("__rows"), pl.col("beneficiaries").sum().alias("__people"),
            pl.col("fee_paisa").sum().alias("__fee")).collect()
        ordered = ordered.join(held, on="upload_id", how="left", maintain_order="left")
        partly = (pl.col("status") == "active") & pl.col("__rows").is_not_null() & (pl.col("__rows") != pl.col("rows"))
        note = texts(ordered["beneficiaries"], lambda n: i18n.t("tables.partly_replaced", lang, beneficiaries=int(n)))
        ordered = ordered.with_columns(
            pl.when(partly).then(pl.lit(note)).otherwise(pl.col("note")).alias("note"),
            *(pl.when(partly).then(pl.col(f"__{inner}")).otherwise(pl.col(column)).cast(ordered.schema[column])
              .alias(column) for column, inner in (("rows", "rows"), ("beneficiaries", "people"), ("fee_paisa", "fee"))))
    named = history.Uploads(ordered, quarters)
    status = {s: t(f"status.{s}") for s in ("active", "replaced", "rolled_back")}
    rows = list(ordered.iter_rows(named=True))
    return ordered.select(
        pl.Series(t("col.file_name"), [history.file_label(r, lang=lang) for r in rows], dtype=pl.String),
        pl.Series(t("col.quarters"), [named.quarters_of(r["upload_id"], lang=lang,  # in force, while it is
                                                        in_force=r["status"] == "active") for r in rows], dtype=pl.String),
        pl.col("status").replace_strict(status, default=pl.col("status")).alias(t("col.status")),
        *tables.shown(t("col.rows"), number_text("rows", lang=lang), pl.col("rows")),
        *tables.shown(t("col.beneficiaries"), number_text("beneficiaries", lang=lang), pl.col("beneficiaries")),
        *tables.shown(t("col.earnings"), taka_text("fee_paisa", lang=lang), pl.col("fee_paisa") / schema.PAISA_PER_TAKA),
        *tables.shown(t("col.time"), texts(ordered["created_at"], lambda v: i18n.moment(v, lang=lang)),
                      pl.col("created_at")),
        history.who_expr("uploader", lang=lang).alias(t("col.uploader")),
        pl.when(pl.col("is_sample")).then(pl.lit(t("tables.sample_note"))).otherwise(pl.col("note").fill_null(""))
        .alias(t("col.note")),
        pl.col("upload_id").alias(t("col.upload_id")),
    )


def audit_table(changes: pl.DataFrame, *, lang: str, uploads: pl.DataFrame | None = None,
                quarters: pl.DataFrame | None = None, name_of: Callable[[str, str | None], str] | None = None
                ) -> pl.DataFrame:
    """The change log (uploads, replacements, rollbacks, name decisions, sign-ins), newest first:
    the data version each data change made, the time in Dhaka, the action, and what happened as a sentence in ``lang`` (file names, rows,
    beneficiaries, quarters; see ``analytics.report.history.describe``), never JSON."""
    from analytics.report import history

    named = history.Uploads(uploads if uploads is not None else pl.DataFrame(schema={
        "upload_id": pl.String, "file_name": pl.String, "is_sample": pl.Boolean}), quarters)
    ordered = changes.sort("change_id", descending=True)
    rows = list(ordered.select("action", "upload_id", "detail").iter_rows())
    return ordered.select(
        # the data version a change made (a link pins it); audit-only entries (sign-ins) have none
        *tables.shown(i18n.t("col.version", lang), number_text("version", lang=lang).fill_null(""),
                      pl.col("version")),
        *tables.shown(i18n.t("col.time", lang), texts(ordered["at"], lambda v: i18n.moment(v, lang=lang)), pl.col("at")),
        pl.Series(i18n.t("col.action", lang), [history.action_label(a, lang=lang) for a, _, _ in rows], dtype=pl.String),
        history.who_expr("actor", lang=lang).alias(i18n.t("col.actor", lang)),
        pl.Series(i18n.t("col.detail", lang), [history.describe(a, u, d, lang=lang, uploads=named, name_of=name_of)
                                               for a, u, d in rows], dtype=pl.String),
    )


def upload_impact(log: pl.LazyFrame, incoming: pl.DataFrame, gaz: Gazetteer, *, mode: str, lang: str,
                  sample_uploads: frozenset[str] = frozenset()) -> pl.DataFrame:
    """Per upazila, its UDCs' beneficiaries (an area's figures, as every page gives them), and the
    DC office's front desk on a row of its own, for the fiscal quarters the incoming rows fall in:
    stored now, in the file, and after confirming (``add``: both; ``replace``: the file's only). The
    bundled sample (``sample_uploads``) is always replaced: it counts in "stored now", never in "after"."""
    if incoming.is_empty():
        return pl.DataFrame(schema={"upazila": pl.String, "stored": pl.Int64, "incoming": pl.Int64, "after": pl.Int64})
    quarters = incoming.select(fiscal_columns()).unique()
    people = pl.col("beneficiaries").cast(pl.Int64)
    real = ~pl.col("upload_id").is_in(list(sample_uploads)) if sample_uploads else pl.lit(True)
    desk = "front_desk"  # (the front desk's row: no upazila code is this)
    place = pl.when(pl.col("channel") == desk).then(pl.lit(desk)).otherwise(pl.col("upazila_code").cast(pl.String))
    stored = (log.with_columns(fiscal_columns()).join(quarters.lazy(), on=["fy", "fq"])
              .group_by(place.alias("place")).agg(people.sum().alias("stored"), people.filter(real).sum().alias("kept"))
              .collect())
    new = incoming.group_by(place.alias("place")).agg(people.sum().alias("incoming"))
    names = Names.load(gaz, lang=lang).places | {desk: i18n.t("map.front_desk", lang)}
    out = (pl.concat([gaz.upazilas().select(pl.col("pcode").alias("place")), pl.DataFrame({"place": [desk]})])
           .join(stored, on="place", how="left").join(new, on="place", how="left")
           .with_columns(pl.col("stored", "kept", "incoming").fill_null(0)))
    after = pl.col("incoming") if mode == "replace" else pl.col("kept") + pl.col("incoming")
    return out.with_columns(after.alias("after"), upazila=pl.col("place").replace_strict(names, default=None)
                            ).select("upazila", "stored", "incoming", "after")
