"""Plotly figures from metric frames (no streamlit; no network at view time).

The map (:func:`choropleth`) is plotly's SVG ``geo`` (``go.Choropleth`` over the committed
boundaries, ``visible=False``: no coastlines, countries or tiles), mercator, its lon/lat ranges
set to the areas' bounds. Names are written on it by a ``go.Scattergeo`` text trace, so the
browser shapes them like any SVG text: Bengali conjuncts and vowel signs come out right
(MapLibre's canvas, the earlier ``Choroplethmap``, cannot shape Bengali). Plotly's geo asks for
a world outline even when it draws none; the page points ``topojsonURL`` at an empty one the
app serves itself (static/topojson/), so nothing is fetched from a CDN.

Where names go: a point well inside each polygon (:func:`analytics.reference.gazetteer.label_points`,
the pole of inaccessibility, computed once), or the best free point of a grid over the polygon
(:func:`place_labels`), so that no two names touch and none is cut off at the map's frame.
That is decided for the *narrowest* map the page draws, in pixels of the plot area: plotly fits
the lon/lat box into the plot area, so a wider map only spreads the names apart. Measured in
Chromium: on a 1440x900 desk the chart is 980x560 px (plot area 980x513 under the legend; the
district, which is tall, is then 220x513 px); on a 360x640 phone 336x560 (the district 219x428,
a drilled upazila the full 336 px wide); on the 1920x1080 projector 1700x760 (the district
358x700). So names are laid out for 320 px wide (a phone) and the height less 120 px of legend
(:data:`LEGEND_RESERVE`): upazila names at 15 px all fit, in both languages
(tests/test_figures.py); union names are 11 px and, drilled into any upazila, all fit too; on the
whole-district union map (51 unions) those that cannot be written without touching another are
left out (about 23 of 51 are written; the rest are in the hover label and the table). The page
passes the height: 560 px on a desk, 760 px in presentation mode, where the type grows with it
(:func:`type_scale`, 1.36x).

Colours: ColorBrewer YlGnBu classes (sequential, colour-blind safe) with rounded quantile
breaks (:func:`class_breaks`); zero is a class of its own (the lightest colour), never lumped
into the first; "no data" is a grey of its own. A figure counted at one point (the DC office
front desk) is drawn as a circle sized by the number, with the number written next to it, over
uncoloured areas. The legend is horizontal under the map, so on a phone it covers nothing.
"""

from __future__ import annotations

import html
import math
import textwrap
import unicodedata

import numpy
import plotly.graph_objects as go
import polars as pl

from analytics import i18n
from analytics.reference import schema

PALETTE = ("#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494")  # YlGnBu 6
NO_DATA = "#bdbdbd"
HIDDEN = "#8c8c8c"  # earnings withheld (analytics.report.privacy): darker than "no data", unlike any class
HIDDEN_LINE = "#ffffff"  # and outlined in white, so the two greys are told apart
OUTSIDE = "#f4f4f4"
FONT = "Noto Sans Bengali, Noto Sans, Arial, sans-serif"
CHANNEL_COLOURS = {"udc": "#2c7fb8", "front_desk": "#f28e2b"}
# Okabe-Ito and Tableau-derived colours, distinguishable with common colour-vision deficiencies
CATEGORY_COLOURS = ("#a6cee3", "#b2df8a", "#fdbf6f", "#cab2d6", "#ffff99", "#fb9a99", "#8dd3c7", "#bebada",
                    "#80b1d3", "#fccde5", "#d9d9d9", "#ccebc5", "#ffed6f", "#bc80bd")
# Service categories in their fixed order (geodata/service_categories.csv): a category's colour is
# CATEGORY_COLOURS at its place here, keyed by its code, so it is the same in Bengali and English.
CATEGORY_ORDER = ("CERT", "LAND", "BILL", "EDU", "HLTH", "JOB", "FIN", "ICT", "OFFC", "GOVT", "AGRI", "COPY", "MAP",
                  "APPL")
TREEMAP_HEIGHT = 680  # px: room for readable labels in the larger boxes
TREEMAP_FONT = 16  # px; labels that would have to shrink below TREEMAP_MIN_FONT are hidden (hover shows them)
TREEMAP_MIN_FONT = 13
TREEMAP_LINE = 16  # characters per line of a treemap label


class Figure(go.Figure):
    """A plotly figure that comes back from a pickle as its finished dict (:class:`FrozenFigure`).

    Pages cache their figures with ``st.cache_data``, which pickles a figure once and
    unpickles it on every rerun of every session. A plain ``go.Figure`` validates all its
    properties again then, and deep-copies them twice more on the way to the browser (20–100 ms
    per figure here: the largest part of a cached rerun, on the one core Python has).
    """

    def __reduce__(self):
        return (FrozenFigure, (self.to_dict(),))


class FrozenFigure(Figure):
    """A figure kept as the dict ``to_dict()`` gave when it was made: ``st.plotly_chart`` sends
    that dict as it is (the same JSON as the figure it came from; tests/test_views.py checks).

    Anything else done with it (reading ``.layout``, ``update_layout`` ...) first turns it back
    into a full figure, in place.
    """

    def __init__(self, props: dict):  # noqa: D107  (no plotly initialisation until needed)
        object.__setattr__(self, "_frozen", props)

    def __getattr__(self, name: str):
        frozen = self.__dict__.pop("_frozen", None)
        if frozen is None or name.startswith("__"):
            raise AttributeError(name)
        Figure.__init__(self, frozen, _validate=False)  # validated when it was made
        return getattr(self, name)

    def to_dict(self) -> dict:
        frozen = self.__dict__.get("_frozen")
        return dict(frozen) if frozen is not None else super().to_dict()

    def to_plotly_json(self) -> dict:
        return self.to_dict()


_HTML_SPECIAL, _HTML_ESCAPED = ["&", "<", ">", '"', "'"], ["&amp;", "&lt;", "&gt;", "&quot;", "&#x27;"]


def escaped(text: pl.Expr) -> pl.Expr:
    """``html.escape`` as a polars expression (one pass, so ``&`` is never escaped twice).

    Figures never have polars run Python functions (see analytics.report.views).
    """
    return text.str.replace_many(_HTML_SPECIAL, _HTML_ESCAPED)


def _nice(value: float) -> float:
    """Round up to two significant digits (5,931 -> 6,000; 22,791 -> 23,000; 0.37 -> 0.37)."""
    if value <= 0:
        return 0
    power = 10 ** (math.floor(math.log10(value)) - 1)
    return math.ceil(round(value / power, 9)) * power


def _step(top: float, *, ticks: int = 5) -> float:
    """A round tick step (1, 2 or 5 times a power of ten) giving about ``ticks`` ticks up to ``top``."""
    raw = max(top, 1) / ticks
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def localise_axis(fig: go.Figure, *, axis: str, top: float, lang: str) -> None:
    """Tick labels with lakh grouping and, in Bengali, Bengali digits (plotly has no such locale)."""
    step = _step(top)
    values = [i * step for i in range(int(top // step) + 2)]
    update = fig.update_yaxes if axis == "y" else fig.update_xaxes
    update(tickvals=values, ticktext=[i18n.number(v, lang=lang) for v in values])


# -- the map --------------------------------------------------------------------------------
ZERO = PALETTE[0]  # the class of exactly zero, when there is one (a colour of its own, never lumped in)
CLASS_COLOURS = PALETTE[1:]  # classes of positive values, lightest first
NEUTRAL = "#ffffff"  # areas under a figure that lives at one point (the front desk): not coloured by it
NEUTRAL_LINE = "#969696"
DARK_CLASSES = frozenset(PALETTE[-2:])  # names on these are written in white
BASE_HEIGHT = 560  # the map's height on a desktop page; type grows with the height (presentation)
PHONE_WIDTH = 320  # px of map on a 360 px phone (Streamlit's padding): the narrowest a map is drawn
LEGEND_RESERVE = 120  # px at the bottom of the figure the legend may take (three rows on a phone)
LABEL_SIZE = {"upazila": 15, "union": 11}  # px, at BASE_HEIGHT
LABEL_PAD = 3  # px of free space around a name


def type_scale(height: int) -> float:
    """How much larger the map's type is at ``height`` than at :data:`BASE_HEIGHT` (1 to 1.5)."""
    return max(1.0, min(1.5, height / BASE_HEIGHT))


#: How much larger a chart's type is in presentation mode (a projector read from the back of a room),
#: as the map's there (:func:`type_scale` of its 760 px).
PROJECTOR_SCALE = 1.4
#: Plotly's own size of type where a figure sets none.
PLOTLY_FONT = 12


#: A legend's title longer than this breaks before its explanation (a phone's map is 320 px wide).
LEGEND_TITLE_CHARS = 36


def legend_title(label: str) -> str:
    """A map legend's title in lines of at most :data:`LEGEND_TITLE_CHARS` characters, its explanation
    in brackets starting a line ("Beneficiaries<br>(all channels: UDCs by area,<br>…)"): on a phone the
    one line was cut off at the map's edge."""
    if len(label) <= LEGEND_TITLE_CHARS:
        return label
    head, bracket, rest = label.partition(" (")
    parts = [head, *([bracket.strip() + rest] if bracket else [])]
    return "<br>".join(line for part in parts for line in textwrap.wrap(part, LEGEND_TITLE_CHARS))


def for_projector(fig: go.Figure, *, scale: float = PROJECTOR_SCALE) -> go.Figure:
    """A copy of ``fig`` with every size of type ``scale`` times as large: the layout's, the legend's,
    the axes' ticks and titles, the colour bar's and each trace's text (the charts kept the desk's
    12 px on a projector). Sizes a figure leaves unset follow the layout's."""
    out = go.Figure(fig)
    grow = lambda size: round((size or PLOTLY_FONT) * scale, 1)  # noqa: E731
    out.update_layout(font_size=grow(out.layout.font.size))
    if out.layout.legend.font.size:
        out.update_layout(legend_font_size=grow(out.layout.legend.font.size))
    for name in out.layout:
        axis = out.layout[name]
        if name.startswith(("xaxis", "yaxis")) and axis is not None:
            if axis.tickfont.size:
                axis.tickfont.size = grow(axis.tickfont.size)
            if axis.title.font.size:
                axis.title.font.size = grow(axis.title.font.size)
    for trace in out.data:
        for part in ("textfont", "insidetextfont", "outsidetextfont"):
            font = getattr(trace, part, None)
            if font is not None and font.size:
                font.size = grow(font.size)
        bar = getattr(trace, "colorbar", None)
        if bar is not None and bar.tickfont.size:
            bar.tickfont.size = grow(bar.tickfont.size)
    return out


def _unit(top: float, decimals: int) -> float:
    """Breaks are multiples of this: two significant digits at the scale of the largest value."""
    return max(10.0 ** (math.floor(math.log10(top)) - 1), 10.0 ** -decimals)


def class_breaks(values: pl.Series, *, classes: int = 5, decimals: int = 0) -> list[float]:
    """Upper bounds of up to ``classes`` classes of the *positive* values: quantiles rounded to
    two significant digits at the scale of the largest value (3,000 / 8,000 / 12,000 / 23,000),
    or, where that would merge classes, each at its own scale (200 / 720 / 1,100 / 2,400 / 11,000),
    so they read easily and are the same in every language (only the digits differ). Zero is
    not in any of them: :func:`choropleth` gives it a class of its own."""
    data = values.drop_nulls().cast(pl.Float64)
    positive = data.filter(data > 0)
    if positive.is_empty():
        return []
    top = float(positive.max())
    unit = _unit(top, decimals)
    classes = max(1, min(classes, positive.n_unique()))
    top_bound = math.ceil(round(top / unit, 9)) * unit
    quantiles = [float(positive.quantile(q / classes, "linear")) for q in range(1, classes)]
    bounds = {top_bound} | {b for b in (round(q / unit) * unit for q in quantiles) if b > 0}
    if len(bounds) <= classes - 2:
        # skewed values (52 unions of 12 to 10,302: quantiles 204, 716, 1,146, 2,375) lose two classes or
        # more at the largest value's scale (1,000 / 2,000 / 11,000): each break is rounded at its own
        # scale instead (200 / 720 / 1,100 / 2,400 / 11,000)
        bounds = {top_bound} | {b for b in (round(q / _unit(q, decimals)) * _unit(q, decimals)
                                             for q in quantiles if q > 0) if 0 < b < top_bound}
    return [round(b, 9) for b in sorted(bounds)]


def shown(value: pl.Expr | pl.Series, *, decimals: int) -> pl.Expr | pl.Series:
    """A value as the map's table, hover and legend write it (rounded half up to ``decimals``): what
    its class is chosen by, so that an area whose figure reads 1.9 (1.912 per km²) is never coloured
    in the class labelled "2 – 2.6"."""
    return value.round(decimals, mode="half_away_from_zero")


def _fmt(value: float, *, lang: str, decimals: int) -> str:
    return i18n.number(value, lang=lang, decimals=0 if float(value).is_integer() else decimals)


def _class_label(low: float | None, high: float, *, lang: str, decimals: int) -> str:
    """'1 – 3,000', '3,001 – 8,000' (bounds included, so no value has two classes); '0' alone, and a
    class of one value (its bounds the same: active entrepreneurs 1, 2, 3) as that value ('68', not '68 – 68')."""
    if high == 0:
        return _fmt(0, lang=lang, decimals=decimals)
    start = round((low or 0) + 10.0 ** -decimals, decimals)
    if start >= high:
        return _fmt(high, lang=lang, decimals=decimals)
    return f"{_fmt(start, lang=lang, decimals=decimals)} – {_fmt(high, lang=lang, decimals=decimals)}"


def _rings(geometry: dict) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return geometry["coordinates"]
    return [ring for polygon in geometry["coordinates"] for ring in polygon]


def bounds_of(geojson: dict) -> tuple[float, float, float, float]:
    """(west, south, east, north) of every feature: what ``fitbounds="locations"`` fits."""
    xs = [pt[0] for f in geojson["features"] for ring in _rings(f["geometry"]) for pt in ring]
    ys = [pt[1] for f in geojson["features"] for ring in _rings(f["geometry"]) for pt in ring]
    return (min(xs), min(ys), max(xs), max(ys)) if xs else (89.8, 22.1, 90.2, 22.9)


def _mercator(lon: float, lat: float) -> tuple[float, float]:
    return math.radians(lon), math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def padded(bounds: tuple[float, float, float, float], *, x: float = 0.12, y: float = 0.02,
           ) -> tuple[float, float, float, float]:
    """``bounds`` grown by a share of their size: ``x`` on the left and right (room for the names
    of areas at the edge: plotly clips at the frame), ``y`` above and below (for the outline)."""
    dx, dy = (bounds[2] - bounds[0]) * x, (bounds[3] - bounds[1]) * y
    return (bounds[0] - dx, bounds[1] - dy, bounds[2] + dx, bounds[3] + dy)


def _fit(bounds: tuple[float, float, float, float], width: float, height: float) -> tuple[float, float, float]:
    """Scale (px per mercator radian) and centre of a ``geo`` whose lon/lat ranges are ``bounds``:
    plotly fits the range box into the plot area (measured in Chromium), centred."""
    (x0, y0), (x1, y1) = _mercator(bounds[0], bounds[1]), _mercator(bounds[2], bounds[3])
    scale = min(width / max(x1 - x0, 1e-9), height / max(y1 - y0, 1e-9))
    return scale, (x0 + x1) / 2, (y0 + y1) / 2


def project(points: list[tuple[float, float]], *, bounds: tuple[float, float, float, float], width: float,
            height: float) -> list[tuple[float, float]]:
    """Pixel positions (from the top left of the plot area) of (lon, lat) ``points`` on a map
    ``width`` x ``height`` pixels showing ``bounds`` as plotly's mercator ``geo`` with
    ``fitbounds`` does (see :func:`_fit`)."""
    scale, cx, cy = _fit(bounds, width, height)
    out = []
    for lon, lat in points:
        x, y = _mercator(lon, lat)
        out.append((width / 2 + (x - cx) * scale, height / 2 - (y - cy) * scale))
    return out


def text_width(text: str, size: float) -> float:
    """The width in px of ``text`` in Noto Sans / Noto Sans Bengali at ``size`` px, estimated on
    the generous side (checked against Chromium's own measure in tests/browser/test_map_browser.py):
    marks written above or below a letter (hasanta, u-kar, candrabindu) take no width."""
    width = 0.0
    for ch in text:
        kind = unicodedata.category(ch)
        if kind == "Mn":
            continue
        if "\u0980" <= ch <= "\u09ff":
            width += 0.45 if kind == "Mc" else 0.68
        elif ch == " ":
            width += 0.28
        elif ch.isupper() or ch in "mwMW":
            width += 0.72
        else:
            width += 0.58
    return width * size


def label_box(text: str, x: float, y: float, size: float) -> tuple[float, float, float, float]:
    """The box (left, top, right, bottom) a name centred at (x, y) takes, with :data:`LABEL_PAD`."""
    half_w, half_h = text_width(text, size) / 2 + LABEL_PAD, size * 0.75 + LABEL_PAD
    return (x - half_w, y - half_h, x + half_w, y + half_h)


def overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def place_labels(labels: list[dict], *, bounds: tuple[float, float, float, float], width: float, height: float,
                 size: float, keep_clear: list[tuple[float, float, float, float]] = ()) -> list[dict]:
    """Where to write each name so that no two touch (nor the boxes in ``keep_clear``), on a map
    ``width`` x ``height`` pixels: each label {"pcode", "text", "lon", "lat", "geometry"} is
    tried at its point (the polygon's pole of inaccessibility) and at points of a grid over its
    polygon, best first (the box most inside the polygon, then the point farthest from its edge).
    The smallest polygons go first (they have the fewest places); a name with no free place in
    its polygon is written just outside it (above, below, left, right), and left out only when
    none of those is free either. Returns the kept labels, with "lon"/"lat" where they are written."""
    import shapely
    from shapely.geometry import shape

    scale, cx, cy = _fit(bounds, width, height)

    def to_px(xy):
        mx = numpy.radians(xy[:, 0])
        my = numpy.log(numpy.tan(math.pi / 4 + numpy.radians(xy[:, 1]) / 2))
        return numpy.column_stack([width / 2 + (mx - cx) * scale, height / 2 - (my - cy) * scale])

    def to_lonlat(x: float, y: float) -> tuple[float, float]:
        mx, my = (x - width / 2) / scale + cx, (height / 2 - y) / scale + cy
        return round(math.degrees(mx), 5), round(math.degrees(2 * math.atan(math.exp(my)) - math.pi / 2), 5)

    (fx0, fy1), (fx1, fy0) = project([bounds[:2], bounds[2:]], bounds=bounds, width=width, height=height)

    def free(b: tuple[float, float, float, float]) -> bool:  # inside the frame (plotly clips there), touching nothing
        return (fx0 <= b[0] and b[2] <= fx1 and fy0 <= b[1] and b[3] <= fy1
                and not any(overlap(b, other) for other in taken))

    taken, kept = list(keep_clear), []
    shaped = [(lab, shapely.transform(shape(lab["geometry"]), to_px)) for lab in labels]
    for lab, poly in sorted(shaped, key=lambda item: item[1].area):
        (px, py), = project([(lab["lon"], lab["lat"])], bounds=bounds, width=width, height=height)
        step = max(3.0, size / 2)
        left, top, right, bottom = poly.bounds
        xs, ys = numpy.meshgrid(numpy.arange(left + step / 2, right, step), numpy.arange(top + step / 2, bottom, step))
        points = shapely.points(xs.ravel(), ys.ravel())
        points = numpy.concatenate([[shapely.Point(px, py)], points[shapely.contains_xy(poly, xs.ravel(), ys.ravel())]])
        half_w, half_h = text_width(lab["text"], size) / 2 + LABEL_PAD, size * 0.75 + LABEL_PAD
        cxs, cys = shapely.get_x(points), shapely.get_y(points)
        boxes = shapely.box(cxs - half_w, cys - half_h, cxs + half_w, cys + half_h)
        inside_share = numpy.round(shapely.area(shapely.intersection(poly, boxes)) / (4 * half_w * half_h), 1)
        rank = numpy.lexsort((-shapely.distance(poly.boundary, points), -inside_share))  # best first
        inside = list(zip(cxs[rank].tolist(), cys[rank].tolist()))
        # no free place inside (the DC office's circle and figure fill Pirojpur Sadar): just outside its
        # edge, above, below, left or right of it, the name still beside its area rather than left out
        gap = LABEL_PAD + 2
        around = [(px, top - half_h - gap), (px, bottom + half_h + gap), (left - half_w - gap, py),
                  (right + half_w + gap, py)]
        for xy in inside + around:
            b = label_box(lab["text"], *xy, size)
            if free(b):
                taken.append(b)
                lon, lat = to_lonlat(*xy)
                kept.append({**{k: v for k, v in lab.items() if k != "geometry"}, "lon": lon, "lat": lat})
                break
    order = {lab["pcode"]: i for i, lab in enumerate(labels)}
    return sorted(kept, key=lambda lab: order[lab["pcode"]])


def choropleth(areas: pl.DataFrame, geojson: dict, *, metric: str, metric_label: str, lang: str,
               hover: list[tuple[str, str]], height: int = BASE_HEIGHT, min_width: int = PHONE_WIDTH,
               label_points: dict[str, tuple[float, float]] | None = None, level: str = "upazila",
               point: bool = False, selected: str | None = None, marker: dict | None = None, decimals: int = 0,
               hidden_label: str | None = None, center: dict | None = None, zoom: float | None = None) -> go.Figure:
    """A classed choropleth of ``areas[metric]`` over ``geojson`` features keyed by ``pcode``,
    with each area's name written on it (see the module docstring), on plotly's SVG ``geo``.

    ``areas`` needs ``pcode``, ``name`` and the metric; ``hover`` is (label, column) pairs
    of preformatted text columns. ``label_points`` are (lon, lat) points inside each polygon
    to write names at (:func:`analytics.reference.gazetteer.label_points`; computed here when not given).
    Names are laid out for a map ``min_width`` pixels wide (the narrowest it is drawn: wider is
    only roomier) and ``height`` tall; ``level`` sets their size. ``marker`` draws a point (the
    DC office front desk): {"lat", "lon", "name", "text"}, and with ``point`` (a figure that
    lives at that one point) also "value" (its text, written next to it) and "size" (0 to 1:
    the circle's area as a share of the largest it is drawn); then the areas are not coloured
    by the figure. With ``hidden_label``, areas whose ``hidden`` column is true and whose metric
    is null (earnings withheld by the small-cell rule, analytics.report.privacy) are drawn in a grey of
    their own under that label, not as "no data". ``center`` and ``zoom`` are ignored (the map
    fits its areas).
    """
    del center, zoom
    scale = type_scale(height)
    has_polygon = {f["properties"]["pcode"] for f in geojson["features"]}
    drawn = areas.filter(pl.col("pcode").is_in(list(has_polygon)))
    # labels go once into each trace's template; per area only the name and values (customdata)
    template = ("<b>%{customdata[0]}</b>"
                + "".join(f"<br>{html.escape(label)}: %{{customdata[{i + 1}]}}" for i, (label, _) in enumerate(hover))
                + "<extra></extra>")
    drawn = drawn.with_columns(
        pl.concat_list(escaped(pl.col("name")), *(pl.col(column).fill_null("–") for _, column in hover)).alias("_hover"))
    fig = Figure()
    shapes: list[dict | None] = []  # each trace's geojson, in trace order (see _with_shapes)
    fill: dict[str, str] = {}  # pcode -> colour, for the colour of its name
    value = shown(pl.col(metric), decimals=decimals)
    # no figure where how many entrepreneurs is not known (monthly summaries name none): said so, not
    # "fewer than 3" (a review: a false reason, about staffing) nor "no data"
    unknown = ((pl.col("entrepreneurs").is_null() & (pl.col("beneficiaries_udc") > 0)).fill_null(False)
               if {"entrepreneurs", "beneficiaries_udc"} <= set(drawn.columns) else pl.lit(False)) & value.is_null()
    withheld = (pl.col("hidden").fill_null(False) if hidden_label and "hidden" in drawn.columns
                else pl.lit(False)) & value.is_null() & ~unknown
    if point:
        _add_areas(fig, shapes, drawn, geojson, colour=NEUTRAL, template=template, line=NEUTRAL_LINE,
                   name=i18n.t("map.areas_not_coloured", lang), fill=fill)
    else:
        counted = drawn[metric].drop_nulls()
        breaks = class_breaks(counted, classes=5 if counted.len() >= 10 else 4, decimals=decimals)
        if counted.len() and (counted == 0).any():
            _add_areas(fig, shapes, drawn.filter(value == 0), geojson, colour=ZERO, template=template, fill=fill,
                       name=_class_label(None, 0, lang=lang, decimals=decimals))
        low = 0.0
        for index, high in enumerate(breaks):
            colour = CLASS_COLOURS[len(CLASS_COLOURS) - len(breaks) + index]
            part = drawn.filter((value > low) & (value <= high))
            label = _class_label(low if index else None, high, lang=lang, decimals=decimals)
            if part.height:
                _add_areas(fig, shapes, part, geojson, colour=colour, template=template, fill=fill, name=label)
            else:  # a class no area falls in still has its place in the legend (as in the brief): no gap
                _legend_only(fig, shapes, colour=colour, name=label)
            low = high
        part = drawn.filter(withheld)
        if part.height:
            _add_areas(fig, shapes, part, geojson, colour=HIDDEN, template=template, name=hidden_label,
                       line=HIDDEN_LINE, fill=fill)
        part = drawn.filter(unknown)
        if part.height:
            _add_areas(fig, shapes, part, geojson, colour=HIDDEN, template=template, line=HIDDEN_LINE, fill=fill,
                       name=i18n.t("map.entrepreneurs_not_known", lang))
        part = drawn.filter(value.is_null() & ~withheld & ~unknown)
        if part.height:
            _add_areas(fig, shapes, part, geojson, colour=NO_DATA, template=template, fill=fill,
                       name=i18n.t("map.no_data", lang))
    outside = [f["properties"] for f in geojson["features"]
               if f["properties"]["pcode"] not in set(areas["pcode"].to_list())]
    if outside:  # drawn so the map has no holes, e.g. paurashavas, which the report does not count
        name_key = "name_bn" if lang == "bn" else "name_en"
        part = pl.DataFrame({"pcode": [p["pcode"] for p in outside],
                             "_hover": [[html.escape(p.get(name_key) or p["pcode"])] for p in outside]})
        _add_areas(fig, shapes, part, geojson, colour=OUTSIDE, name=i18n.t("map.not_counted_short", lang),
                   template=f"<b>%{{customdata[0]}}</b><br>{i18n.t('map.not_counted', lang)}<extra></extra>")
    if selected:
        sel = drawn.filter(pl.col("pcode") == selected)
        if sel.height:
            shapes.append(_subset(geojson, [selected]))
            fig.add_trace(go.Choropleth(
                featureidkey="properties.pcode", locations=sel["pcode"].to_list(),
                z=[0], colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]], showscale=False,
                marker={"line": {"color": "#d7301f", "width": 3}}, hoverinfo="skip", showlegend=False))
    bounds = view = padded(bounds_of(geojson))
    plot_height = height - LEGEND_RESERVE * scale
    keep_clear = []
    if marker:
        shapes.append(None)
        sized = point or "size" in marker  # (a figure of its own: sized by it and written beside it)
        size = (14 + 60 * math.sqrt(max(0.0, min(1.0, marker.get("size", 0))))) * scale if sized else 12 * scale
        text = marker.get("value") if sized else None
        fig.add_trace(go.Scattergeo(
            lat=[marker["lat"]], lon=[marker["lon"]], mode="markers+text" if text else "markers", name=marker["name"],
            marker={"size": size, "color": CHANNEL_COLOURS["front_desk"], "opacity": 0.85 if point else 1,
                    "line": {"color": "#ffffff", "width": 1.5}},
            text=[text] if text else None, textposition="middle right",
            textfont={"family": FONT, "size": round(17 * scale), "color": "#7f3b08", "weight": 700, "shadow": "auto"},
            hovertext=[marker["text"]], hoverinfo="text"))
        (x, y), = project([(marker["lon"], marker["lat"])], bounds=bounds, width=min_width, height=plot_height)
        keep_clear.append((x - size / 2, y - size / 2, x + size / 2, y + size / 2))
        if text:  # the value, written to the right of the circle (its name over it: two lines)
            lines = text.split("<br>")
            width = max(text_width(line, 17 * scale) for line in lines)
            half = 13 * scale * len(lines)
            keep_clear.append((x + size / 2, y - half, x + size / 2 + width + 6, y + half))
    label_size = LABEL_SIZE.get(level, LABEL_SIZE["union"]) * scale
    if label_points is None:
        from analytics.reference.gazetteer import polylabels

        label_points = polylabels(geojson)
    order = (drawn.filter(pl.col("pcode").is_in(list(label_points)))
             .sort("area_km2" if "area_km2" in drawn.columns else "pcode", descending=True, nulls_last=True))
    geometry = {f["properties"]["pcode"]: f["geometry"] for f in geojson["features"]}
    names = place_labels([{"pcode": p, "text": n, "lon": label_points[p][0], "lat": label_points[p][1],
                           "geometry": geometry[p]} for p, n in order.select("pcode", "name").iter_rows() if n],
                         bounds=bounds, width=min_width, height=plot_height, size=label_size, keep_clear=keep_clear)
    if names:
        shapes.append(None)
        fig.add_trace(go.Scattergeo(
            lon=[n["lon"] for n in names], lat=[n["lat"] for n in names], text=[n["text"] for n in names],
            mode="text", hoverinfo="skip", showlegend=False, name="labels",
            textfont={"family": FONT, "size": round(label_size), "weight": 600, "shadow": "auto",
                      "color": ["#ffffff" if fill.get(n["pcode"]) in DARK_CLASSES else "#1a1a1a" for n in names]}))
    fig.update_layout(
        geo={"visible": False, "projection": {"type": "mercator"}, "bgcolor": "rgba(0,0,0,0)",
             "lonaxis": {"range": [view[0], view[2]]}, "lataxis": {"range": [view[1], view[3]]}},
        margin={"l": 0, "r": 0, "t": 0, "b": 0}, height=height, font={"family": FONT, "size": round(14 * scale)},
        paper_bgcolor="rgba(0,0,0,0)",
        legend={"title": {"text": legend_title(metric_label), "side": "top"}, "orientation": "h", "x": 0, "xanchor": "left",
                "y": 0, "yanchor": "top", "font": {"size": round(14 * scale)}, "itemclick": False,
                "itemdoubleclick": False},
        hoverlabel={"font": {"family": FONT, "size": round(15 * scale)}},
        clickmode="event+select", dragmode=False,
    )
    return _with_shapes(fig, shapes)


def _with_shapes(fig: Figure, shapes: list[dict | None]) -> FrozenFigure:
    """The finished figure with each trace's shapes put in, as plotly would have placed them.

    Boundaries are large nested lists: given to the traces, plotly validates and deep-copies
    them on every ``add_trace`` and again in ``to_dict`` (half the time of drawing a map, on
    the one core Python has). They are the same for every figure, read only, so they go
    straight into the finished dict (same JSON; tests/test_views.py compares).
    """
    spec = fig.to_dict()
    traces = []
    for trace, shape in zip(spec["data"], shapes, strict=True):
        if shape is not None:
            placed: dict = {}
            for key, item in trace.items():  # plotly orders a trace's keys alphabetically, "type" last
                if key == "type" and "geojson" not in placed:
                    placed["geojson"] = shape
                placed[key] = item
                if key == "featureidkey":
                    placed["geojson"] = shape
            trace = placed
        traces.append(trace)
    return FrozenFigure({**spec, "data": traces})


def _subset(geojson: dict, pcodes: list[str]) -> dict:
    """Only the features a trace draws, so each shape is sent to the browser once."""
    wanted = set(pcodes)
    return {"type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": {"pcode": f["properties"]["pcode"]},
                          "geometry": f["geometry"]}
                         for f in geojson["features"] if f["properties"]["pcode"] in wanted]}


def _add_areas(fig: go.Figure, shapes: list[dict | None], part: pl.DataFrame, geojson: dict, *, colour: str, name: str,
               template: str, line: str = "#555555", fill: dict[str, str] | None = None) -> None:
    shapes.append(_subset(geojson, part["pcode"].to_list()))
    if fill is not None:
        fill.update(dict.fromkeys(part["pcode"].to_list(), colour))
    fig.add_trace(go.Choropleth(
        featureidkey="properties.pcode", locations=part["pcode"].to_list(),
        z=[1] * part.height, colorscale=[[0, colour], [1, colour]], showscale=False, name=name,
        showlegend=True, marker={"line": {"color": line, "width": 0.8}, "opacity": 0.95},
        customdata=part["_hover"].to_list(), hovertemplate=template,
        selected={"marker": {"opacity": 1}}, unselected={"marker": {"opacity": 0.95}},
    ))


def _legend_only(fig: go.Figure, shapes: list[dict | None], *, colour: str, name: str) -> None:
    """A legend entry of ``colour`` with nothing drawn: a class of the map no area falls in."""
    shapes.append(None)
    fig.add_trace(go.Scattergeo(lon=[None], lat=[None], mode="markers", name=name, showlegend=True, hoverinfo="skip",
                                marker={"symbol": "square", "size": 13, "color": colour,
                                        "line": {"color": "#555555", "width": 0.8}}))


def _layout(fig: go.Figure, *, height: int = 420, title: str | None = None) -> go.Figure:
    fig.update_layout(font={"family": FONT, "size": 14}, height=height, margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
                      title={"text": title} if title else None, hoverlabel={"font": {"family": FONT}})
    return fig


def service_treemap(mix: pl.DataFrame, *, lang: str) -> go.Figure:
    """Treemap of beneficiaries by category and service (``category``, ``service`` names; colours by
    ``service_category`` code, the same in every language)."""
    code = "service_category" if "service_category" in mix.columns else "category"
    cats = (mix.group_by(code).agg(pl.col("category").first(), pl.col("beneficiaries").sum())
            .with_columns(_order=pl.col(code).replace_strict(
                {c: i for i, c in enumerate(CATEGORY_ORDER)}, default=len(CATEGORY_ORDER), return_dtype=pl.Int64))
            .sort("_order", code))
    root = i18n.t("services.all", lang)

    def wrapped(name: str) -> str:
        """A long name on several lines (plotly does not wrap), so it fits a box at a readable size."""
        lines: list[str] = []
        for word in html.escape(str(name)).split():
            if lines and len(lines[-1]) + 1 + len(word) <= TREEMAP_LINE:
                lines[-1] += " " + word
            else:
                lines.append(word)
        return "<br>".join(lines)

    # a category's name stays on one line: it heads its box in a band of one line's height
    labels = [root] + [html.escape(str(c)) for c in cats["category"]] + [wrapped(s) for s in mix["service"]]
    ids = ["root"] + [f"c:{c}" for c in cats[code]] + [f"s:{s}" for s in mix["service_code"]]
    parents = [""] + ["root"] * cats.height + [f"c:{c}" for c in mix[code]]
    values = [int(mix["beneficiaries"].sum())] + cats["beneficiaries"].to_list() + mix["beneficiaries"].to_list()
    text = [i18n.number(v, lang=lang) for v in values]
    palette = {c: CATEGORY_COLOURS[CATEGORY_ORDER.index(c) % len(CATEGORY_COLOURS)] if c in CATEGORY_ORDER
               else NO_DATA for c in cats[code]}
    colours = ["#ffffff"] + [palette[c] for c in cats[code]] + [palette[c] for c in mix[code]]
    fig = Figure(go.Treemap(ids=ids, labels=labels, parents=parents, values=values, branchvalues="total",
                               text=text, textinfo="label+text", hovertemplate="<b>%{label}</b><br>%{text}<extra></extra>",
                               textfont={"size": TREEMAP_FONT, "family": FONT, "color": "#1a1a1a"},
                               pathbar={"textfont": {"size": TREEMAP_FONT}}, tiling={"pad": 2},
                               marker={"colors": colours, "line": {"color": "#ffffff", "width": 1}}))
    fig = _layout(fig, height=TREEMAP_HEIGHT)
    fig.update_layout(uniformtext={"minsize": TREEMAP_MIN_FONT, "mode": "hide"})
    return fig


def top_services(mix: pl.DataFrame, *, lang: str, top: int = 15) -> go.Figure:
    data = mix.sort("beneficiaries", descending=True).head(top).reverse()
    fig = Figure(go.Bar(x=data["beneficiaries"].to_list(), y=data["service"].to_list(), orientation="h",
                           text=[i18n.number(v, lang=lang) for v in data["beneficiaries"]], textposition="auto",
                           marker_color=[CHANNEL_COLOURS.get(c, "#2c7fb8") for c in data["channel"]],
                           hovertemplate="%{y}: %{text}<extra></extra>"))
    fig.update_xaxes(title=i18n.t("figure.beneficiaries", lang))
    localise_axis(fig, axis="x", top=float(data["beneficiaries"].max() or 0), lang=lang)
    return _layout(fig, height=40 + 28 * data.height)


def heatmap(matrix: pl.DataFrame, *, lang: str) -> go.Figure:
    """Rows ``area`` x columns ``category`` of ``beneficiaries``."""
    wide = matrix.pivot(on="category", index="area", values="beneficiaries", aggregate_function="sum").fill_null(0)
    cats = [c for c in wide.columns if c != "area"]
    z = [list(row) for row in wide.select(cats).rows()] if cats else [[] for _ in range(wide.height)]
    text = [[i18n.number(int(v), lang=lang) for v in row] for row in z]
    # the colour bar's ticks in the user's digits and lakh grouping (plotly's own: "10k", ASCII)
    top = max((v for row in z for v in row), default=0)
    step = _step(top) if top > 0 else 1
    ticks = [i * step for i in range(int(top // step) + 1)]
    fig = Figure(go.Heatmap(z=z, x=cats, y=wide["area"].to_list(), colorscale="YlGnBu", text=text,
                               texttemplate="%{text}", hovertemplate="%{y} · %{x}: %{text}<extra></extra>",
                               colorbar={"title": {"text": i18n.t("figure.beneficiaries", lang)},
                                         "tickvals": ticks, "ticktext": [i18n.number(v, lang=lang) for v in ticks]}))
    return _layout(fig, height=120 + 40 * wide.height)


def trend_bars(trend: pl.DataFrame, *, lang: str) -> go.Figure:
    """Stacked bars per fiscal quarter (``label``), one colour per channel; quarters holding the
    sample (``sample``, when given) are hatched, with a legend entry saying so, so uploaded
    quarters are never read against the reconstructed ones unawares. A quarter still under way
    (``partial``, its data ``until`` a day) is dotted and says so, so that a month is not read as a
    quarter's fall; a quarter with no data (a row with no ``channel``) keeps its place, marked "no
    data", so that the bars on either side of it are not read as following quarters."""
    fig = Figure()
    trend = trend.with_columns(pl.col(c).fill_null(False) if c in trend.columns else pl.lit(False).alias(c)
                               for c in ("sample", "partial"))
    if "until" not in trend.columns:
        trend = trend.with_columns(until=pl.lit(None, pl.String))
    sample_label, partial_label = i18n.t("figure.sample_quarter", lang), i18n.t("figure.partial_quarter", lang)
    order = trend["label"].unique(maintain_order=True).to_list()
    pattern = {"fgcolor": "#ffffff", "solidity": 0.3, "fillmode": "overlay"}
    for channel in schema.CHANNELS:
        part = trend.filter(pl.col("channel") == channel)
        if part.height:
            marks = ["/" if s else "." if p else "" for s, p in part.select("sample", "partial").iter_rows()]
            # (the dots lighter than the hatching: the quarter's number is written over them)
            strength = [0.3 if s else 0.12 for s in part["sample"]]
            notes = [f" ({sample_label})" if s else f" ({i18n.t('figure.data_until', lang, day=u)})" if p else ""
                     for s, p, u in part.select("sample", "partial", "until").iter_rows()]
            fig.add_trace(go.Bar(x=part["label"].to_list(), y=part["beneficiaries"].to_list(),
                                 name=i18n.t(f"channel.{channel}", lang), marker_color=CHANNEL_COLOURS[channel],
                                 marker_pattern={"shape": marks, **pattern, "solidity": strength},
                                 text=[i18n.number(v, lang=lang) for v in part["beneficiaries"]],
                                 # level and as large as fits (a projector; on a phone plotly shrinks it to fit)
                                 textangle=0, textfont={"size": 15}, insidetextanchor="middle",
                                 customdata=notes, hovertemplate="%{x}: %{text}%{customdata}<extra></extra>"))
    for shown, shape, label in ((trend["sample"].any(), "/", sample_label), (trend["partial"].any(), ".", partial_label)):
        if shown:  # a legend entry for the marks
            fig.add_trace(go.Bar(x=[None], y=[None], name=label, marker_color="#bdbdbd",
                                 marker_pattern={"shape": shape, **pattern, "solidity": 0.3 if shape == "/" else 0.12},
                                 hoverinfo="skip"))
    empty = trend.filter(pl.col("channel").is_null())["label"].to_list()
    if empty:  # a quarter with no data keeps its place on the axis
        fig.add_trace(go.Bar(x=empty, y=[0] * len(empty), text=[i18n.t("map.no_data", lang)] * len(empty),
                             textposition="outside", textfont={"size": 13, "color": "#666666"}, showlegend=False,
                             marker_color="rgba(0,0,0,0)", hoverinfo="skip", cliponaxis=False))
    fig.update_layout(barmode="stack", legend={"orientation": "h", "y": 1.1})
    fig.update_xaxes(categoryorder="array", categoryarray=order)
    fig.update_yaxes(title=i18n.t("figure.beneficiaries", lang))
    totals = trend.group_by("label").agg(pl.col("beneficiaries").sum())["beneficiaries"]
    top = float(totals.max() or 0)
    localise_axis(fig, axis="y", top=top, lang=lang)
    if top > 0:  # room above the tallest bar for the legend (two rows of it on a phone) and its number
        fig.update_yaxes(range=[0, top * 1.18])
    return _layout(fig)


def channel_split(values: dict[str, int], *, lang: str) -> go.Figure:
    labels = [i18n.t(f"channel.{c}", lang) for c in values]
    total = sum(values.values()) or 1
    shares = [i18n.percent(v / total * 100, lang=lang) for v in values.values()]
    fig = Figure(go.Pie(labels=labels, values=list(values.values()), hole=0.5, sort=False,
                           marker={"colors": [CHANNEL_COLOURS[c] for c in values]},
                           # a channel with none: no label on a slice of nothing (its "0 0.0%" was drawn
                           # above the ring and cut off); the legend still names it
                           text=[f"{i18n.number(v, lang=lang)}<br>{p}" if v else "" for v, p in zip(values.values(), shares)],
                           textinfo="text", hovertemplate="%{label}: %{text}<extra></extra>",
                           # level labels, read across a room; a small slice's, outside the ring, given the
                           # margin it needs (a projector's donut cut the front desk's count off at the top)
                           insidetextorientation="horizontal", automargin=True))
    fig.update_layout(legend={"orientation": "h", "y": -0.1})
    return _layout(fig, height=340)


def earnings_by_group(frame: pl.DataFrame, *, group: str, lang: str) -> go.Figure:
    """Box plot of per-entrepreneur earnings (taka) by ``group`` (already a display column)."""
    fig = Figure()
    for gender, colour in (("female", "#c51b7d"), ("male", "#4d9221")):
        part = frame.filter(pl.col("entrepreneur_gender") == gender)
        fig.add_trace(go.Box(x=part[group].to_list(), y=(part["earnings_paisa"] / 100).to_list(),
                             name=i18n.t(f"gender.{gender}", lang), marker_color=colour, boxpoints="all",
                             hovertext=[html.escape(n or "") for n in part["entrepreneur_name"].to_list()]))
    fig.update_layout(boxmode="group", legend={"orientation": "h", "y": 1.1})
    fig.update_yaxes(title=i18n.t("figure.earnings_taka", lang))
    localise_axis(fig, axis="y", top=float((frame["earnings_paisa"].max() or 0) / 100), lang=lang)
    return _layout(fig)
