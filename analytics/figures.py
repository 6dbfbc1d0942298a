"""Plotly figures from metric frames (no streamlit; no network at view time).

The map is a ``Choroplethmap`` on a blank ("white-bg") style: no tiles, fonts or topojson
are fetched, so it draws offline. MapLibre cannot shape Bengali inside its canvas, so names
are shown where the browser shapes them: hover labels and the legend (HTML/SVG), not as
text on the map. Colours: ColorBrewer YlGnBu classes (sequential, colour-blind safe);
"no data" is a grey of its own, distinct from the class that holds zero.
"""

from __future__ import annotations

import html
import math

import plotly.graph_objects as go
import polars as pl

from analytics import i18n

PALETTE = ("#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494")  # YlGnBu 6
NO_DATA = "#bdbdbd"
HIDDEN = "#8c8c8c"  # earnings withheld (analytics.privacy): darker than "no data", unlike any class
HIDDEN_LINE = "#ffffff"  # and outlined in white, so the two greys are told apart
OUTSIDE = "#f4f4f4"
FONT = "Noto Sans Bengali, Noto Sans, Arial, sans-serif"
CHANNEL_COLOURS = {"udc": "#2c7fb8", "front_desk": "#f28e2b"}
# Okabe-Ito and Tableau-derived colours, distinguishable with common colour-vision deficiencies
CATEGORY_COLOURS = ("#a6cee3", "#b2df8a", "#fdbf6f", "#cab2d6", "#ffff99", "#fb9a99", "#8dd3c7", "#bebada",
                    "#80b1d3", "#fccde5", "#d9d9d9", "#ccebc5", "#ffed6f", "#bc80bd")


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

    Figures never have polars run Python functions (see analytics.views).
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


def class_breaks(values: pl.Series, *, classes: int = 5) -> list[float]:
    """Upper bounds of up to ``classes`` classes: quantiles rounded to nice numbers."""
    data = values.drop_nulls().cast(pl.Float64)
    if data.is_empty() or data.max() <= 0:
        return [0.0]
    bounds = sorted({_nice(data.quantile(q / classes, "higher")) for q in range(1, classes + 1)})
    return [b for b in bounds if b > 0] or [0.0]


def _class_label(low: float, high: float, *, lang: str, decimals: int) -> str:
    fmt = lambda v: i18n.number(v, lang=lang, decimals=decimals)  # noqa: E731
    return f"{fmt(low)} – {fmt(high)}"


def choropleth(areas: pl.DataFrame, geojson: dict, *, metric: str, metric_label: str, lang: str,
               hover: list[tuple[str, str]], center: dict[str, float], zoom: float,
               selected: str | None = None, marker: dict | None = None, decimals: int = 0,
               height: int = 560, hidden_label: str | None = None) -> go.Figure:
    """A classed choropleth of ``areas[metric]`` over ``geojson`` features keyed by ``pcode``.

    ``areas`` needs ``pcode``, ``name`` and the metric; ``hover`` is (label, column) pairs
    of preformatted text columns. ``marker`` draws a point (e.g. the DC office front desk):
    {"lat", "lon", "name", "text"}. With ``hidden_label``, areas whose ``hidden`` column is
    true and whose metric is null (earnings withheld by the small-cell rule, analytics.privacy)
    are drawn in a grey of their own under that label, not as "no data".
    """
    breaks = class_breaks(areas[metric], classes=5 if areas[metric].drop_nulls().len() >= 15 else 3)
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
    low = 0.0
    value = pl.col(metric)
    if hidden_label and areas[metric].drop_nulls().is_empty():
        breaks = []  # every area withheld or without data: no colour classes to show
    for index, high in enumerate(breaks):
        colour = PALETTE[min(index + (len(PALETTE) - len(breaks)), len(PALETTE) - 1)]
        part = drawn.filter(value.is_not_null() & (value <= high) & ((value > low) if index else pl.lit(True)))
        _add_areas(fig, shapes, part, geojson, colour=colour, template=template,
                   name=_class_label(low, high, lang=lang, decimals=decimals))
        low = high
    withheld = (pl.col("hidden").fill_null(False) if hidden_label and "hidden" in drawn.columns
                else pl.lit(False)) & value.is_null()
    part = drawn.filter(withheld)
    if part.height:
        _add_areas(fig, shapes, part, geojson, colour=HIDDEN, template=template, name=hidden_label, line=HIDDEN_LINE)
    part = drawn.filter(value.is_null() & ~withheld)
    if part.height:
        _add_areas(fig, shapes, part, geojson, colour=NO_DATA, template=template, name=i18n.t("map.no_data", lang))
    outside = [f["properties"] for f in geojson["features"]
               if f["properties"]["pcode"] not in set(areas["pcode"].to_list())]
    if outside:  # drawn so the map has no holes, e.g. paurashavas, which the report does not count
        name_key = "name_bn" if lang == "bn" else "name_en"
        part = pl.DataFrame({"pcode": [p["pcode"] for p in outside],
                             "_hover": [[html.escape(p.get(name_key) or p["pcode"])] for p in outside]})
        _add_areas(fig, shapes, part, geojson, colour=OUTSIDE, name=i18n.t("map.not_counted", lang),
                   template=f"<b>%{{customdata[0]}}</b><br>{i18n.t('map.not_counted', lang)}<extra></extra>")
    if selected:
        sel = drawn.filter(pl.col("pcode") == selected)
        if sel.height:
            shapes.append(_subset(geojson, [selected]))
            fig.add_trace(go.Choroplethmap(
                featureidkey="properties.pcode", locations=sel["pcode"].to_list(),
                z=[0], colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]], showscale=False,
                marker={"line": {"color": "#d7301f", "width": 3}}, hoverinfo="skip", showlegend=False))
    if marker:
        shapes.append(None)
        fig.add_trace(go.Scattermap(
            lat=[marker["lat"]], lon=[marker["lon"]], mode="markers", name=marker["name"],
            marker={"size": 16, "color": CHANNEL_COLOURS["front_desk"]},
            hovertext=[marker["text"]], hoverinfo="text"))
    fig.update_layout(
        map={"style": "white-bg", "center": center, "zoom": zoom},
        margin={"l": 0, "r": 0, "t": 0, "b": 0}, height=height, font={"family": FONT, "size": 14},
        legend={"title": {"text": metric_label}, "x": 0.01, "y": 0.99, "bgcolor": "rgba(255,255,255,0.85)"},
        hoverlabel={"font": {"family": FONT, "size": 15}},
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
               template: str, line: str = "#555555") -> None:
    shapes.append(_subset(geojson, part["pcode"].to_list()))
    fig.add_trace(go.Choroplethmap(
        featureidkey="properties.pcode", locations=part["pcode"].to_list(),
        z=[1] * part.height, colorscale=[[0, colour], [1, colour]], showscale=False, name=name,
        showlegend=True, marker={"line": {"color": line, "width": 0.8}, "opacity": 0.9},
        customdata=part["_hover"].to_list(), hovertemplate=template,
        selected={"marker": {"opacity": 1}}, unselected={"marker": {"opacity": 0.9}},
    ))


def _layout(fig: go.Figure, *, height: int = 420, title: str | None = None) -> go.Figure:
    fig.update_layout(font={"family": FONT, "size": 14}, height=height, margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
                      title={"text": title} if title else None, hoverlabel={"font": {"family": FONT}})
    return fig


def service_treemap(mix: pl.DataFrame, *, lang: str) -> go.Figure:
    """Treemap of beneficiaries by category and service (``category``, ``service`` names)."""
    cats = mix.group_by("category").agg(pl.col("beneficiaries").sum()).sort("category")
    root = i18n.t("services.all", lang)
    labels = [root] + cats["category"].to_list() + mix["service"].to_list()
    ids = ["root"] + [f"c:{c}" for c in cats["category"]] + [f"s:{s}" for s in mix["service_code"]]
    parents = [""] + ["root"] * cats.height + [f"c:{c}" for c in mix["category"]]
    values = [int(mix["beneficiaries"].sum())] + cats["beneficiaries"].to_list() + mix["beneficiaries"].to_list()
    text = [i18n.number(v, lang=lang) for v in values]
    palette = {c: CATEGORY_COLOURS[i % len(CATEGORY_COLOURS)] for i, c in enumerate(cats["category"])}
    colours = ["#ffffff"] + [palette[c] for c in cats["category"]] + [palette[c] for c in mix["category"]]
    fig = Figure(go.Treemap(ids=ids, labels=labels, parents=parents, values=values, branchvalues="total",
                               text=text, textinfo="label+text", hovertemplate="<b>%{label}</b><br>%{text}<extra></extra>",
                               marker={"colors": colours, "line": {"color": "#ffffff", "width": 1}}))
    return _layout(fig, height=520)


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
    fig = Figure(go.Heatmap(z=z, x=cats, y=wide["area"].to_list(), colorscale="YlGnBu", text=text,
                               texttemplate="%{text}", hovertemplate="%{y} · %{x}: %{text}<extra></extra>",
                               colorbar={"title": {"text": i18n.t("figure.beneficiaries", lang)}}))
    return _layout(fig, height=120 + 40 * wide.height)


def trend_bars(trend: pl.DataFrame, *, lang: str) -> go.Figure:
    """Stacked bars per fiscal quarter (``label``), one colour per channel."""
    fig = Figure()
    for channel in ("udc", "front_desk"):
        part = trend.filter(pl.col("channel") == channel)
        if part.height:
            fig.add_trace(go.Bar(x=part["label"].to_list(), y=part["beneficiaries"].to_list(),
                                 name=i18n.t(f"channel.{channel}", lang), marker_color=CHANNEL_COLOURS[channel],
                                 text=[i18n.number(v, lang=lang) for v in part["beneficiaries"]],
                                 hovertemplate="%{x}: %{text}<extra></extra>"))
    fig.update_layout(barmode="stack", legend={"orientation": "h", "y": 1.1})
    fig.update_yaxes(title=i18n.t("figure.beneficiaries", lang))
    totals = trend.group_by("label").agg(pl.col("beneficiaries").sum())["beneficiaries"]
    localise_axis(fig, axis="y", top=float(totals.max() or 0), lang=lang)
    return _layout(fig)


def channel_split(values: dict[str, int], *, lang: str) -> go.Figure:
    labels = [i18n.t(f"channel.{c}", lang) for c in values]
    total = sum(values.values()) or 1
    shares = [i18n.percent(v / total * 100, lang=lang) for v in values.values()]
    fig = Figure(go.Pie(labels=labels, values=list(values.values()), hole=0.5, sort=False,
                           marker={"colors": [CHANNEL_COLOURS[c] for c in values]},
                           text=[f"{i18n.number(v, lang=lang)}<br>{p}" for v, p in zip(values.values(), shares)],
                           textinfo="text", hovertemplate="%{label}: %{text}<extra></extra>"))
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
