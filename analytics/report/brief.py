"""The meeting brief: a PDF of the period on screen, in Bengali or English (no streamlit).

:func:`brief_pdf` gathers what the overview and map pages show (headline figures with their
honest change, the choropleth with names written on it, the upazila table, top and bottom
unions, the service mix, entrepreneurs, coverage notes, credits), formats every number with
:mod:`analytics.i18n`, and typesets it with Typst (the ``typst`` package), whose shaping engine
(rustybuzz, HarfBuzz's port) joins Bengali conjuncts and places vowel signs; the text in the
PDF is real text (searchable, copyable: ``pdftotext`` reads ১,২৪,০৮০ back). Fonts are Debian's
``fonts-noto-core`` (Noto Sans Bengali, Noto Sans, Noto Sans Symbols2) from :data:`FONT_DIR`;
no system font is used, so the output is the same on every machine.

**A4 portrait**, not 16:9 slides: the brief is printed and attached to letters to the
division and the press, where A4 is the paper; the district is taller than it is wide
(about 1 : 2), so a portrait page holds the map beside its table; the tables (upazilas,
unions, services, and the list of entrepreneurs for staff) read down a page, not across
slides; and the meeting room already has the app's presentation mode for the projector.

Data never goes into Typst markup: everything the template prints (names with ``#``, ``$``,
``[``, ``\\`` ...) is handed over as JSON (``sys.inputs.data``) and shown as plain strings,
so no text can act as markup or code. The template is ``brief.typ`` next to this module.

The map is SVG written here from the project's own boundaries (analytics.reference.gazetteer), with the
class breaks, palette and name placement of analytics.report.figures; the names, legend and office
marker's text are Typst text placed over it, so they are shaped, searchable and copyable too.

Privacy is the pages' (analytics.report.privacy): without ``with_people`` no name or individual
earning appears and the small-cell rule applies exactly as on open links (earnings of areas and
services with fewer than N entrepreneurs read "fewer than N"; the earnings distribution merges
ranges until each holds at least N entrepreneurs). With it (``--with-people``, or signed-in
staff on a page), the brief lists entrepreneurs by earnings and says it is for office use.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

import polars as pl

from analytics import i18n
from analytics.auth import Settings
from analytics.reference import schema
from analytics.reference.gazetteer import Gazetteer, label_points, load_boundaries
from analytics.reference.periods import Period
from analytics.report import comparison, figures, metrics, privacy, views
from analytics.store.rollup import rollup_of

FONT_DIR = Path(os.environ.get("SEBA_ATLAS_FONT_DIR") or "/usr/share/fonts/truetype/noto")
FONT_FILES = {"bn": "NotoSansBengali-Regular.ttf", "en": "NotoSans-Regular.ttf"}
TEMPLATE = Path(__file__).with_name("brief.typ")
#: the body text size, and the upazila table's (the shaping test measures names there), in pt
TEXT_PT = 9.0
TABLE_PT = 9.0
#: the map's box on the page, in pt (SVG user units are pt); names at these sizes
MAP_WIDTH, MAP_HEIGHT, MAP_MIN_HEIGHT = 215.0, 360.0, 170.0
MAP_LABEL_PT = {"upazila": 9.5, "union": 6.5}  # not TABLE_PT: the shaping test tells them apart
TOP_UNIONS = 5
TOP_SERVICES = 10
TOP_CATEGORIES = 8
#: at most this many entrepreneurs are listed by name (keeps the brief within 8 pages)
MAX_PEOPLE = 110
LIMITS = {"seconds": 60, "pages": 8, "bytes": 5 * 1024 * 1024}


class BriefError(RuntimeError):
    """The brief cannot be made here (no fonts, no Typst)."""


def _t(key: str, lang: str, **values: object) -> str:
    return i18n.t(key, lang, **values)


def fonts_available() -> bool:
    return all((FONT_DIR / name).is_file() for name in FONT_FILES.values())


# -- the map ----------------------------------------------------------------------------------
@dataclass
class MapDrawing:
    svg: str
    labels: list[dict]  # {"text", "x", "y", "size"} in pt from the map's top left (centre of the name)
    legend: list[dict]  # {"colour", "label", "line"}
    office: dict | None  # {"x", "y", "text"}
    title: str
    width: float  # pt
    height: float  # pt: the areas' shape decides, within MAP_MIN_HEIGHT .. MAP_HEIGHT


def _path(geometry: dict, *, bounds, width: float, height: float) -> str:
    parts = []
    for ring in figures._rings(geometry):  # noqa: SLF001 - the figures module's own ring walk
        points = figures.project([(p[0], p[1]) for p in ring], bounds=bounds, width=width, height=height)
        parts.append("M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in points) + "Z")
    return "".join(parts)


def _classes(values: list[float | None], *, lang: str, decimals: int = 0) -> tuple[list[str], list[dict]]:
    """Each value's colour and the legend, as analytics.report.figures.choropleth classes them."""
    counted = pl.Series([v for v in values if v is not None], dtype=pl.Float64)
    breaks = figures.class_breaks(counted, classes=5 if counted.len() >= 10 else 4, decimals=decimals)
    legend = []
    if counted.len() and (counted == 0).any():
        legend.append({"colour": figures.ZERO, "label": figures._class_label(None, 0, lang=lang, decimals=decimals)})  # noqa: SLF001
    colours = figures.CLASS_COLOURS[len(figures.CLASS_COLOURS) - len(breaks):]
    low = 0.0
    for index, high in enumerate(breaks):
        legend.append({"colour": colours[index],
                       "label": figures._class_label(low if index else None, high, lang=lang, decimals=decimals)})  # noqa: SLF001
        low = high

    def colour(value: float | None) -> str:
        if value is None:
            return figures.NO_DATA
        if value == 0:
            return figures.ZERO
        for index, high in enumerate(breaks):
            if value <= high:
                return colours[index]
        return colours[-1]

    rounded = figures.shown(pl.Series(values, dtype=pl.Float64), decimals=decimals)
    return [colour(v) for v in rounded.to_list()], legend


def map_drawing(table: pl.DataFrame, *, level: str, upazila: str | None, metric: str, lang: str,
                gazetteer: Gazetteer, office_value: str | None, point: bool) -> MapDrawing:
    """The choropleth of ``table[metric]`` (an :func:`analytics.report.views.area_table`) as SVG, with
    where to write each name (figures.place_labels: none touches another or the office marker)."""
    geojson = load_boundaries(level)
    if upazila:
        geojson = {"type": "FeatureCollection",
                   "features": [f for f in geojson["features"] if f["properties"].get("parent_pcode") == upazila]}
    bounds = figures.padded(figures.bounds_of(geojson))
    (x0, y0), (x1, y1) = figures._mercator(*bounds[:2]), figures._mercator(*bounds[2:])  # noqa: SLF001
    height = max(MAP_MIN_HEIGHT, min(MAP_HEIGHT, round(MAP_WIDTH * (y1 - y0) / max(x1 - x0, 1e-9))))
    values = dict(views.map_values(table, metric).select("pcode", metric).iter_rows())
    shown = [p for p in values if p in {f["properties"]["pcode"] for f in geojson["features"]}]
    if point:
        fills = {p: figures.NEUTRAL for p in shown}
        legend = [{"colour": figures.NEUTRAL, "label": _t("map.areas_not_coloured", lang), "line": figures.NEUTRAL_LINE}]
    else:
        colours, legend = _classes([values[p] for p in shown], lang=lang, decimals=views.map_decimals(metric))
        fills = dict(zip(shown, colours))
        if any(values[p] is None for p in shown):
            legend.append({"colour": figures.NO_DATA, "label": _t("map.no_data", lang)})
    paths = []
    outside = False
    for feature in geojson["features"]:
        pcode = feature["properties"]["pcode"]
        fill = fills.get(pcode)
        if fill is None:
            fill, outside = figures.OUTSIDE, True
        stroke = figures.NEUTRAL_LINE if point else "#ffffff"
        paths.append(f'<path d="{_path(feature["geometry"], bounds=bounds, width=MAP_WIDTH, height=height)}" '
                     f'fill="{fill}" stroke="{stroke}" stroke-width="0.8" fill-rule="evenodd"/>')
    if outside:
        legend.append({"colour": figures.OUTSIDE, "label": _t("map.not_counted_short", lang)})
    keep_clear, office, marker = [], None, ""
    site = gazetteer.sites().row(0, named=True) if gazetteer.sites().height else None
    if site and (not upazila or upazila == site["upazila_pcode"]):
        (x, y), = figures.project([(site["lon"], site["lat"])], bounds=bounds, width=MAP_WIDTH, height=height)
        radius = 7.0 if point else 3.5
        marker = (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius}" fill="{figures.CHANNEL_COLOURS["front_desk"]}" '
                  'stroke="#ffffff" stroke-width="1"/>')
        text = _t("brief.map_office", lang) + (f" · {office_value}" if office_value else "")
        office = {"x": round(x + radius + 2, 1), "y": round(y, 1), "text": text}
        width = figures.text_width(text, 7.5)
        keep_clear += [(x - radius, y - radius, x + radius, y + radius),
                       (x + radius, y - 7, x + radius + width + 6, y + 7)]
        legend.append({"colour": figures.CHANNEL_COLOURS["front_desk"], "label": _t("map.front_desk", lang),
                       "dot": True})
    points = label_points(level)
    geometry = {f["properties"]["pcode"]: f["geometry"] for f in geojson["features"]}
    order = (table.filter(pl.col("pcode").is_in([p for p in shown if p in points]))
             .sort("area_km2", descending=True, nulls_last=True))
    size = MAP_LABEL_PT.get(level, MAP_LABEL_PT["union"])
    placed = figures.place_labels(
        [{"pcode": p, "text": n, "lon": points[p][0], "lat": points[p][1], "geometry": geometry[p]}
         for p, n in order.select("pcode", "name").iter_rows() if n],
        bounds=bounds, width=MAP_WIDTH, height=height, size=size, keep_clear=keep_clear)
    labels = []
    for lab in placed:
        (x, y), = figures.project([(lab["lon"], lab["lat"])], bounds=bounds, width=MAP_WIDTH, height=height)
        labels.append({"text": lab["text"], "x": round(x, 1), "y": round(y, 1), "size": size})
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{MAP_WIDTH}pt" height="{height}pt" '
           f'viewBox="0 0 {MAP_WIDTH} {height}">{"".join(paths)}{marker}</svg>')
    level_name = _t(f"level.{level}", lang)
    title = _t("brief.map_title", lang, metric=_t(f"metric.{metric}", lang), level=level_name)
    return MapDrawing(svg, labels, legend, office, title, MAP_WIDTH, height)


# -- tables -------------------------------------------------------------------------------------
def _rows(frame: pl.DataFrame, columns: list[str]) -> list[list[str]]:
    return [[("–" if v is None else str(v)) for v in row] for row in frame.select(columns).iter_rows()]


def _head_with_ties(frame: pl.DataFrame, n: int, column: str) -> pl.DataFrame:
    """The first ``n`` rows of ``frame`` (sorted on ``column``), and those after them that tie with the
    last of them: a list of the five fewest leaves out no union with as few."""
    if frame.height <= n:
        return frame
    edge, rest = frame[column][n - 1], frame[column].slice(n).to_list()
    ties = next((i for i, value in enumerate(rest) if value != edge), len(rest))
    return frame.head(n + ties)


def _earnings_histogram(earnings_paisa: list[int], *, lang: str, min_entrepreneurs: int | None) -> dict:
    """Entrepreneurs per earnings range (round ranges of taka); under the small-cell rule ranges are
    merged, lowest first, until each holds at least ``min_entrepreneurs`` people."""
    limit = privacy.threshold(min_entrepreneurs)
    taka = sorted(v / schema.PAISA_PER_TAKA for v in earnings_paisa)
    if not taka:
        return {"bins": [], "note": None, "median": None}
    if limit is not None and len(taka) < limit:
        note = privacy.notice(lang=lang, min_entrepreneurs=limit) if privacy.earlier(limit) \
            else _t("brief.distribution_hidden", lang, n=limit)
        return {"bins": [], "note": note, "median": None}
    step = figures._step(max(taka), ticks=8)  # noqa: SLF001 - the axes' own round steps
    edges = [i * step for i in range(int(max(taka) // step) + 2)]
    bins = [[edges[i], edges[i + 1], sum(1 for v in taka if edges[i] <= v < edges[i + 1])] for i in range(len(edges) - 1)]
    bins = [b for b in bins if b[0] <= max(taka)]
    merged = bins
    if limit is not None:
        merged = []
        for low, high, count in bins:
            if merged and merged[-1][2] < limit:
                merged[-1] = [merged[-1][0], high, merged[-1][2] + count]
            else:
                merged.append([low, high, count])
        while len(merged) > 1 and merged[-1][2] < limit:  # the top range: into the one below
            low, high, count = merged.pop()
            merged[-1] = [merged[-1][0], high, merged[-1][2] + count]
    top = max(b[2] for b in merged) or 1
    money = lambda v: i18n.taka(round(v) * schema.PAISA_PER_TAKA, lang=lang)  # noqa: E731
    # (a range holds its lower end, not its upper: Tk 50,000 is in the second of Tk 0, 50,000, 1,00,000)
    out = [{"label": _t("brief.earnings_range", lang, low=money(low), high=money(high)),
            "count": i18n.number(count, lang=lang), "share": count / top}
           for low, high, count in merged]
    median = None
    if limit is None:
        middle = len(taka) // 2
        # the middle earning itself, to the paisa (the ranges' ends are round taka)
        exact = sorted(earnings_paisa)
        mid = exact[middle] if len(exact) % 2 else Decimal(exact[middle - 1] + exact[middle]) / 2
        median = _t("brief.median", lang, value=i18n.taka(int(Decimal(mid).quantize(Decimal(1), rounding=ROUND_HALF_UP)),
                                                          lang=lang))
    note = _t("brief.distribution_merged", lang, n=limit) if limit is not None and len(merged) < len(bins) else None
    return {"bins": out, "note": note, "median": median}


# -- the brief ----------------------------------------------------------------------------------
def brief_data(log: pl.LazyFrame, gazetteer: Gazetteer, *, period: Period, lang: str, channel: str = "all",
               upazila: str | None = None, with_people: bool = False, sample_uploads: frozenset[str] = frozenset(),
               compare_with: str = comparison.DEFAULT_MODE, data_version: int | None = None, link: str | None = None,
               metric: str = "beneficiaries_udc", settings: Settings | None = None,
               made: datetime | None = None) -> dict:
    """Everything the brief prints, as JSON-ready text (every number already formatted)."""
    lang = i18n.normalise_lang(lang)
    gaz = gazetteer
    limit = privacy.min_for(settings or Settings(), sees_people=with_people)
    log = rollup_of(log).exact_for(period)
    fair = comparison.compare(log, period=period, mode=compare_with, sample_uploads=sample_uploads, upazila=upazila)
    source = comparison.sources(log, period=period, sample_uploads=sample_uploads)
    figures_now = views.kpis(log, period=period, lang=lang, upazila=upazila, min_entrepreneurs=limit, comparison=fair)
    data = metrics.select(log, channel=channel) if channel != "all" else log
    area_name = gaz.name(upazila, lang=lang) if upazila else _t("brief.district", lang)

    # the map and its table: upazilas, or one upazila's unions
    level = "union" if upazila else "upazila"
    point = metric == "beneficiaries_front_desk" or channel == "front_desk"
    if channel == "front_desk" and metric not in ("beneficiaries_front_desk", "service_kinds"):
        metric = "beneficiaries_front_desk"  # what the office did: drawn at the office (as on the map page)
    table = views.area_table(data, gaz, level=level, period=period, lang=lang, upazila=upazila, min_entrepreneurs=limit)
    head = metrics.headline(log, period=period)
    drawing = map_drawing(table, level=level, upazila=upazila, metric=metric, lang=lang, gazetteer=gaz,
                          office_value=i18n.number(head["beneficiaries_front_desk"], lang=lang), point=point)
    total = metrics.headline(data, period=period, upazila=upazila)
    nothing_earned = total["entrepreneurs"] == 0 and total["entrepreneur_earnings_paisa"] == 0  # reveals nothing
    total_earnings = (i18n.taka(total["entrepreneur_earnings_paisa"], lang=lang)
                      if nothing_earned or views.earnings_shown(data, period=period, upazila=upazila,
                                                                min_entrepreneurs=limit)
                      else privacy.unknown_text(lang=lang) if total["udc_rows_unnamed"]
                      else privacy.hidden_text(lang=lang, min_entrepreneurs=limit, entrepreneurs=total["entrepreneurs"]))
    # the district's table of all channels: the front desk's row under the upazilas' (an upazila's
    # figures are its UDCs'), so that its total is the headline's, not the UDCs' beside it
    office = [] if upazila or channel != "all" or not head["beneficiaries_front_desk"] else [
        [_t("brief.front_desk_row", lang), i18n.number(head["beneficiaries_front_desk"], lang=lang), "–", "–", "–"]]
    areas = {
        "title": _t("brief.unions_of", lang, upazila=area_name) if upazila else _t("brief.upazilas", lang),
        "header": [_t(f"col.{level}", lang), _t("brief.col_total", lang), _t("brief.col_udc", lang),
                   _t("brief.col_entrepreneurs", lang), _t("brief.col_earnings", lang)],
        "align": "lrrrr",
        "rows": _rows(table.sort("beneficiaries_udc", descending=True, nulls_last=True),
                      ["name", "beneficiaries_text", "beneficiaries_udc_text", "entrepreneurs_text", "earnings_text"])
        + office,
        "total": [_t("brief.total", lang),
                  i18n.number(sum(v or 0 for v in table["beneficiaries"].to_list())
                              + (head["beneficiaries_front_desk"] if office else 0), lang=lang),
                  i18n.number(total["beneficiaries_udc"], lang=lang),
                  _t("figure.not_known", lang) if total["udc_rows_unnamed"] else i18n.number(total["entrepreneurs"], lang=lang),
                  total_earnings],
        # the front desk alone: no upazila's (the table's zeros are no area's figure), said under it
        "note": _t("brief.front_desk_areas", lang, n=i18n.number(head["beneficiaries_front_desk"], lang=lang))
        if channel == "front_desk" else None,
    }

    # unions: the most and the fewest UDC beneficiaries (of those with data)
    unions = views.area_table(data, gaz, level="union", period=period, lang=lang, upazila=upazila,
                              min_entrepreneurs=limit).filter(pl.col("beneficiaries_udc").is_not_null())
    parents = dict(gaz.units.select("pcode", "name_bn" if lang == "bn" else "name_en").iter_rows())
    unions = unions.with_columns(parent=pl.col("parent_pcode").replace_strict(parents, default=None))
    union_header = [_t("col.union", lang), _t("col.upazila", lang), _t("figure.beneficiaries_udc", lang),
                    _t("figure.entrepreneurs", lang), _t("figure.earnings", lang)]
    union_cols = ["name", "parent", "beneficiaries_udc_text", "entrepreneurs_text", "earnings_text"]
    ranked = _head_with_ties(unions.sort(["beneficiaries_udc", "pcode"], descending=[True, False]), TOP_UNIONS,
                             "beneficiaries_udc")
    bottom = _head_with_ties(unions.sort(["beneficiaries_udc", "pcode"], descending=[False, False]), TOP_UNIONS,
                             "beneficiaries_udc")
    union_tables = [
        {"title": _t("brief.top_unions", lang), "header": union_header, "align": "llrrr",
         "rows": _rows(ranked, union_cols)},
        {"title": _t("brief.bottom_unions", lang), "header": union_header, "align": "llrrr",
         "rows": _rows(bottom, union_cols)},
    ] if unions.height else []

    # the service mix
    mix = views.service_mix(log, gaz, period=period, lang=lang, channel=channel, upazila=upazila, min_entrepreneurs=limit)
    top_services = mix.head(TOP_SERVICES)
    services = {
        "header": [_t("col.service", lang), _t("col.category", lang), _t("col.channel", lang),
                   _t("col.beneficiaries", lang), _t("col.share", lang)],
        "align": "lllrr",
        "rows": [[service or code, category or "", _t(f"channel.{ch}", lang), i18n.number(people, lang=lang),
                  i18n.percent(share, lang=lang)]
                 for service, code, category, ch, people, share in top_services.select(
                     "service", "service_code", "category", "channel", "beneficiaries", "share_pct").iter_rows()],
    }
    # (ties in the order of the category's code: the same order in both languages)
    by_category = (mix.group_by("service_category", "category").agg(
                       pl.col("beneficiaries").sum(), pl.col("share_pct").sum(),
                       pl.col("service_code").n_unique().alias("kinds"))
                   .sort(["beneficiaries", "service_category"], descending=[True, False])
                   .select("category", "beneficiaries", "share_pct", "kinds"))
    # (a single category left over is shown as itself, not as "the other 1 categories")
    shown_categories = TOP_CATEGORIES + 1 if by_category.height == TOP_CATEGORIES + 1 else TOP_CATEGORIES
    rest = by_category.slice(shown_categories)
    categories = {
        "header": [_t("col.category", lang), _t("metric.service_kinds", lang), _t("col.beneficiaries", lang),
                   _t("col.share", lang)],
        "align": "lrrr",
        "rows": [[category or "–", i18n.number(kinds, lang=lang), i18n.number(people, lang=lang),
                  i18n.percent(share, lang=lang)]
                 for category, people, share, kinds in by_category.head(shown_categories).iter_rows()]
        # the rest in one row: the table adds up to the whole
        + ([[_t("brief.other_categories", lang, n=i18n.number(rest.height, lang=lang)),
             i18n.number(int(rest["kinds"].sum()), lang=lang), i18n.number(int(rest["beneficiaries"].sum()), lang=lang),
             i18n.percent(rest["share_pct"].sum(), lang=lang)]] if rest.height else []),
    }

    # entrepreneurs
    people = views.entrepreneur_table(log, gaz, period=period, lang=lang, upazila=upazila, comparison=fair)
    active = people.filter(~pl.col("no_activity"))
    genders = active["entrepreneur_gender"].cast(pl.String).to_list()
    unknown = sum(1 for g in genders if g not in ("female", "male"))
    entrepreneurs = {
        "count": _t("brief.entrepreneurs_count", lang, count=active.height, female=genders.count("female"),
                    male=genders.count("male")),
        "unknown": _t("brief.gender_unknown", lang, n=unknown) if unknown else None,
        "title": _t("brief.earnings_distribution", lang),
        "histogram": _earnings_histogram(active["earnings_paisa"].to_list(), lang=lang, min_entrepreneurs=limit),
        "private": None if with_people else _t("brief.people_private", lang),
    }
    listed = None
    if with_people:
        shown = active.head(MAX_PEOPLE)
        listed = {
            "title": _t("brief.people", lang),
            "note": _t("brief.people_confidential", lang),
            "header": ["#", _t("col.entrepreneur", lang), _t("col.union", lang), _t("col.upazila", lang),
                       _t("col.beneficiaries", lang), _t("col.earnings", lang)],
            "align": "rlllrr",
            "rows": [[i18n.number(rank, lang=lang), name or "–", union or "–", upz or "–",
                      i18n.number(count, lang=lang), i18n.taka(paisa, lang=lang)]
                     for rank, name, union, upz, count, paisa in shown.select(
                         "rank", "entrepreneur_name", "union", "upazila", "beneficiaries", "earnings_paisa").iter_rows()],
            "more": _t("brief.people_more", lang, n=active.height - shown.height) if active.height > shown.height else None,
        }

    # coverage
    coverage = views.coverage_table(log, gaz, period=period, lang=lang)
    if upazila:
        coverage = coverage.filter(pl.col("parent_pcode") == upazila)
    notes = []
    for problem, group in coverage.filter(pl.col("issue") != "no_polygon").group_by("problem", maintain_order=True):
        names = ", ".join(n for n in group["union"].to_list() if n)
        notes.append(f"{problem[0]}: {names}")
    if not notes:
        notes.append(_t("brief.coverage_none", lang))
    if cut := views.months_cut_text(metrics.months_cut(log, period=period, upazila=upazila), lang=lang):
        notes.append(cut)
    missing = gaz.units.filter(~pl.col("has_polygon") & pl.col("level").is_in(["upazila", "union"]))
    if upazila:
        missing = missing.filter(pl.col("parent_pcode") == upazila)
    no_boundary = sorted(missing["name_bn" if lang == "bn" else "name_en"].to_list())
    if no_boundary:
        notes.append(_t("brief.no_boundary", lang, names=", ".join(no_boundary)))
    if level == "union" or any(f["properties"].get("kind") == "paurashava" for f in load_boundaries(level)["features"]):
        notes.append(_t("brief.paurashava", lang))
    notes.append(_t(f"brief.source_{source}", lang))

    made = made or datetime.now(UTC)
    version = (_t("brief.version", lang, version=data_version) if data_version is not None
               else _t("brief.version_latest", lang))
    return {
        "lang": lang,
        "fonts": (["Noto Sans Bengali", "Noto Sans", "Noto Sans Symbols2"] if lang == "bn"
                  else ["Noto Sans", "Noto Sans Bengali", "Noto Sans Symbols2"]),
        "size": {"text": TEXT_PT, "table": TABLE_PT},
        "header": {
            "title": _t("brief.title", lang),
            "district": _t("brief.district", lang),
            "period": _t("brief.period", lang, period=period.label(lang=lang), start=i18n.day(period.start, lang=lang),
                         end=i18n.day(period.end, lang=lang)),
            "area": _t("brief.area", lang, area=area_name),
            # (the headline figures are the report's, of both channels: a channel is the map's and the services')
            "channel": _t("brief.channel" if channel == "all" else "brief.channel_part", lang,
                          channel=_t(f"channel.{channel}", lang)),
            "version": version,
            "made": _t("brief.made", lang, time=i18n.moment(made, lang=lang)),
            "link_label": _t("brief.link", lang) if link else None,
            "link": link,
            "sample": (_t("brief.sample", lang) if source == "sample"
                       else _t("brief.mixed", lang) if source == "mixed" else None),
            # (what the period's figures do not hold yet: the first real files come an office at a time)
            "gaps": views.gaps_text(log, gaz, period=period, lang=lang, upazila=upazila),
            "confidential": _t("brief.people_confidential", lang) if with_people else None,
        },
        "headline": _t("brief.headline", lang),
        "compare": fair.describe(lang=lang),
        "kpis": [{"label": k.label, "value": k.value, "delta": k.delta, "arrow": k.arrow} for k in figures_now],
        "no_change": _t("brief.no_change", lang),
        "map": {"svg": drawing.svg, "labels": drawing.labels, "legend": drawing.legend, "office": drawing.office,
                "title": drawing.title, "width": drawing.width, "height": drawing.height},
        "areas": areas,
        "privacy": privacy.notice(lang=lang, min_entrepreneurs=limit) if limit else None,
        "unions": union_tables,
        "services_title": _t("brief.services", lang),
        "services": {"title": _t("brief.top_services", lang), **services},
        "categories": {"title": _t("brief.categories", lang), **categories},
        "entrepreneurs_title": _t("brief.entrepreneurs", lang),
        "entrepreneurs": entrepreneurs,
        "people": listed,
        "coverage_title": _t("brief.coverage", lang),
        "coverage": notes,
        "footer": {"brand": _t("brief.footer", lang), "credits": _t("about.credits", lang),
                   "page": _t("brief.page", lang, page="{page}", pages="{pages}")},
        "empty": _t("brief.none", lang) if head["rows"] == 0 else None,
    }


def render(data: dict) -> bytes:
    """The PDF of :func:`brief_data`'s ``data`` (Typst, with the Noto fonts of :data:`FONT_DIR`)."""
    if not fonts_available():
        raise BriefError(f"the Noto fonts are not in {FONT_DIR}: install Debian's fonts-noto-core")
    try:
        import typst
    except ImportError as error:  # pragma: no cover - a requirement
        raise BriefError("the typst package is not installed (pip install -r requirements.txt)") from error
    return typst.compile(_template(), font_paths=[str(FONT_DIR)], ignore_system_fonts=True,
                         sys_inputs={"data": json.dumps(data, ensure_ascii=False)})


@cache
def _template() -> bytes:
    return TEMPLATE.read_bytes()


def brief_pdf(log: pl.LazyFrame, gazetteer: Gazetteer, *, period: Period, lang: str, channel: str = "all",
              upazila: str | None = None, with_people: bool = False, sample_uploads: frozenset[str] = frozenset(),
              compare_with: str = comparison.DEFAULT_MODE, data_version: int | None = None, link: str | None = None,
              metric: str = "beneficiaries_udc", settings: Settings | None = None) -> bytes:
    """The meeting brief for ``period`` (and ``channel``, ``upazila``) as PDF bytes, in ``lang``.

    ``with_people`` lists entrepreneurs by name with their earnings (staff only); otherwise the
    small-cell rule of open links applies (``settings.min_entrepreneurs``). ``sample_uploads``
    are the sample's upload ids (never compared with real data), ``compare_with`` the
    comparison mode, ``data_version`` and ``link`` what the header states.
    """
    return render(brief_data(log, gazetteer, period=period, lang=lang, channel=channel, upazila=upazila,
                             with_people=with_people, sample_uploads=sample_uploads, compare_with=compare_with,
                             data_version=data_version, link=link, metric=metric, settings=settings))


__all__ = ["BriefError", "brief_data", "brief_pdf", "fonts_available", "map_drawing", "render"]
