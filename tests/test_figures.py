"""The map figure (issue 12): names on the map that never collide, classes that suit the data,
the front desk as a point, sizes passed in by the page."""

import polars as pl
import pytest

from analytics import i18n
from analytics.reference.gazetteer import label_points, load_boundaries
from analytics.reference.periods import fiscal_year, quarter
from analytics.report import figures, views

FY = fiscal_year(2022)
# (narrowest width, height) the page draws the map at: a 360 px phone, a desk, the projector
SIZES = [(figures.PHONE_WIDTH, figures.BASE_HEIGHT), (900, figures.BASE_HEIGHT), (1700, 760), (900, 760)]




def labels_of(fig) -> dict:
    return next(trace for trace in fig.to_dict()["data"] if trace.get("name") == "labels")


def boxes(fig, *, width: int, height: int) -> list[tuple[str, tuple[float, ...]]]:
    """Each written name's box in the plot area's pixels, from its font size and text length."""
    spec = fig.to_dict()
    geo = spec["layout"]["geo"]
    bounds = (geo["lonaxis"]["range"][0], geo["lataxis"]["range"][0], geo["lonaxis"]["range"][1],
              geo["lataxis"]["range"][1])
    labels = labels_of(fig)
    plot_height = height - figures.LEGEND_RESERVE * figures.type_scale(height)
    points = figures.project(list(zip(labels["lon"], labels["lat"])), bounds=bounds, width=width, height=plot_height)
    size = labels["textfont"]["size"]
    return [(text, figures.label_box(text, x, y, size)) for text, (x, y) in zip(labels["text"], points)]


@pytest.mark.parametrize("lang", ["bn", "en"])
@pytest.mark.parametrize(("width", "height"), SIZES)
# (with the DC office's circle and figure in Pirojpur Sadar, its name is written beside them: a review's
# maps of all channels and of the front desk left it out)
@pytest.mark.parametrize(("metric", "channel"), [("beneficiaries_udc", "all"), ("beneficiaries", "all"),
                                                 ("beneficiaries_front_desk", "all"), ("beneficiaries", "front_desk")])
def test_upazila_names_are_all_written_and_never_collide(log, gaz, lang, width, height, metric, channel):
    view = views.map_view(log, gaz, period=FY, metric=metric, lang=lang, height=height, channel=channel,
                          min_width=min(width, 900))
    written = boxes(view.figure, width=width, height=height)
    assert sorted(t for t, _ in written) == sorted(gaz.upazilas()["name_bn" if lang == "bn" else "name_en"])
    for i, (a, box_a) in enumerate(written):
        for b, box_b in written[i + 1:]:
            assert not figures.overlap(box_a, box_b), (a, b, width, height)
    # and inside the frame plotly clips the map to (the lon/lat ranges, fitted into the plot area)
    geo = view.figure.to_dict()["layout"]["geo"]
    bounds = (geo["lonaxis"]["range"][0], geo["lataxis"]["range"][0], geo["lonaxis"]["range"][1],
              geo["lataxis"]["range"][1])
    plot_height = height - figures.LEGEND_RESERVE * figures.type_scale(height)
    (left, bottom), (right, top) = figures.project([bounds[:2], bounds[2:]], bounds=bounds, width=width,
                                                   height=plot_height)
    for text, box in written:
        assert left <= box[0] and box[2] <= right and top <= box[1] and box[3] <= bottom, text


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_kawkhali_is_written_in_each_language(log, gaz, lang):
    view = views.map_view(log, gaz, period=FY, metric="beneficiaries", lang=lang)
    assert ("কাউখালী" if lang == "bn" else "Kawkhali") in labels_of(view.figure)["text"]


@pytest.mark.parametrize("upazila", ["BD107914", "BD107947", "BD107958", "BD107976", "BD107980", "BD107987",
                                     "BD107990"])
def test_union_names_when_drilled_in_do_not_collide(log, gaz, upazila):
    for lang in ("bn", "en"):
        view = views.map_view(log, gaz, period=FY, metric="beneficiaries_udc", lang=lang, upazila=upazila)
        labels = labels_of(view.figure)
        assert labels["textfont"]["size"] < labels_of(views.map_view(
            log, gaz, period=FY, metric="beneficiaries_udc", lang=lang).figure)["textfont"]["size"]
        # every union with a boundary is named (none had to be left out at these sizes)
        assert len(labels["text"]) == view.table.filter(pl.col("has_polygon")).height
        for width in (figures.PHONE_WIDTH, 520, 900):
            written = boxes(view.figure, width=width, height=figures.BASE_HEIGHT)
            assert not [(a, b) for i, (a, x) in enumerate(written) for b, y in written[i + 1:] if figures.overlap(x, y)]


def test_label_points_lie_inside_their_polygons():
    import shapely
    from shapely.geometry import shape

    for level in ("upazila", "union"):
        points = label_points(level)
        for feature in load_boundaries(level)["features"]:
            lon, lat = points[feature["properties"]["pcode"]]
            assert shape(feature["geometry"]).contains(shapely.Point(lon, lat)), feature["properties"]["pcode"]


def test_text_width_is_generous_for_bengali_marks():
    assert figures.text_width("কাউখালী", 15) > figures.text_width("কখল", 15)
    assert figures.text_width("ু", 15) == 0  # a mark below the letter takes no width


@pytest.mark.parametrize(("values", "expected"), [
    ([0, 0, 0, 0, 0, 0, 42_206], [43_000]),  # the front desk: zero is a class of its own, not "0–43,000"
    ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [3, 5, 6, 8, 10]),
    ([3_120, 5_931, 7_966, 8_806, 12_345, 16_000, 22_791], [7_000, 9_000, 14_000, 23_000]),
    # skewed (the sample's unions): at the largest value's scale three classes would be left
    # (1,000 / 2,000 / 11,000); each break at its own scale keeps five
    ([12, 150, 204, 300, 716, 800, 1_146, 1_500, 2_375, 2_900, 10_302], [200, 720, 1_100, 2_400, 11_000]),
    ([], []),
    ([0, 0], []),
])
def test_class_breaks_are_round_and_leave_zero_out(values, expected):
    classes = 5 if len(values) >= 10 else 4
    assert figures.class_breaks(pl.Series(values, dtype=pl.Float64), classes=classes) == expected


def test_class_breaks_of_every_map_are_round_and_about_five(log, gaz):
    for metric in ("beneficiaries", "beneficiaries_udc", "per_km2", "earnings_paisa", "entrepreneurs"):
        for level in ("upazila", "union"):
            table = views.map_view(log, gaz, period=FY, metric=metric, lang="en", level=level).table
            values = table[metric].drop_nulls().cast(pl.Float64)  # earnings already in taka
            breaks = figures.class_breaks(values, classes=5 if values.len() >= 10 else 4,
                                          decimals=1 if metric == "per_km2" else 0)
            distinct = values.filter(values > 0).n_unique()  # (every union has 2 entrepreneurs: one class)
            assert min(2, distinct) <= len(breaks) <= min(5, distinct), (metric, level, breaks)
            assert breaks[-1] >= values.max()
            assert len(breaks) >= min(4, distinct), (metric, level, breaks)  # (the union map kept only 3)
            for b in breaks:  # two significant digits at most, at the scale of the largest value or its own
                unit = figures._unit(b, 1 if metric == "per_km2" else 0)
                assert abs(b / unit - round(b / unit)) < 1e-6, (metric, level, breaks)


def test_legend_is_the_same_in_both_languages_but_for_digits(log, gaz):
    for metric in ("beneficiaries_udc", "per_km2", "earnings_paisa"):
        names = {lang: [t["name"] for t in views.map_view(log, gaz, period=FY, metric=metric, lang=lang)
                        .figure.to_dict()["data"] if t.get("showlegend", True) and t.get("type") == "choropleth"]
                 for lang in ("bn", "en")}
        assert [i18n.ascii_digits(n) for n in names["bn"]] == names["en"], metric


def test_zero_has_its_own_class(log, gaz):
    view = views.map_view(log, gaz, period=quarter(2022, 1), metric="entrepreneurs", lang="en", level="union")
    traces = [t for t in view.figure.to_dict()["data"] if t.get("type") == "choropleth"]
    if (view.table["entrepreneurs"] == 0).any():
        assert traces[0]["name"] == "0" and traces[0]["colorscale"][0][1] == figures.ZERO
    assert not any(t["name"].startswith("0 –") for t in traces)


@pytest.mark.parametrize(("metric", "channel"), [("beneficiaries_front_desk", "all"), ("beneficiaries", "front_desk")])
def test_the_front_desk_is_a_point_not_an_area(log, gaz, metric, channel):
    view = views.map_view(log, gaz, period=FY, metric=metric, lang="en", channel=channel)
    data = view.figure.to_dict()["data"]
    areas = [t for t in data if t.get("type") == "choropleth"]
    assert {t["colorscale"][0][1] for t in areas} <= {figures.NEUTRAL, figures.OUTSIDE}  # areas not coloured by it
    office = next(t for t in data if t.get("type") == "scattergeo" and t.get("name") != "labels")
    assert office["text"] == ["DC office<br>42,206"] and "text" in office["mode"]  # the value, named, next to it
    assert office["marker"]["size"] > 20


def test_the_page_sets_the_height_and_type_grows_with_it(log, gaz):
    desk = views.map_view(log, gaz, period=FY, metric="beneficiaries_udc", lang="bn").figure.to_dict()
    projector = views.map_view(log, gaz, period=FY, metric="beneficiaries_udc", lang="bn", height=760,
                               min_width=900).figure.to_dict()
    assert desk["layout"]["height"] == 560 and projector["layout"]["height"] == 760
    assert labels_of_dict(projector)["textfont"]["size"] > labels_of_dict(desk)["textfont"]["size"]
    assert projector["layout"]["legend"]["font"]["size"] > desk["layout"]["legend"]["font"]["size"]
    assert desk["layout"]["legend"]["orientation"] == "h" and desk["layout"]["legend"]["yanchor"] == "top"


def labels_of_dict(spec: dict) -> dict:
    return next(trace for trace in spec["data"] if trace.get("name") == "labels")


def test_each_area_is_in_the_class_its_shown_figure_reads(log, gaz):
    """The review's map of beneficiaries per km²: Bhandaria read 1.9 in the table (1.912) but was
    coloured in the class labelled "2 – 2.6". Classes are chosen by the figure as shown, so every
    area's figure, as written, lies within its class's label."""
    for period in (FY, quarter(2022, 1), quarter(2022, 3)):
        for level in ("upazila", "union"):
            view = views.map_view(log, gaz, period=period, metric="per_km2", lang="en", level=level)
            shown = dict(zip(view.table["pcode"], view.table["per_km2"].round(1, mode="half_away_from_zero")))
            for trace in view.figure.to_dict()["data"]:
                if trace.get("type") != "choropleth" or " – " not in (trace.get("name") or ""):
                    continue
                low, high = (float(i18n.ascii_digits(b).replace(",", "")) for b in trace["name"].split(" – "))
                for pcode in trace["locations"]:
                    assert low <= shown[pcode] <= high, (period, level, pcode, shown[pcode], trace["name"])


def test_a_figure_just_above_a_break_reads_as_the_class_below():
    values = [1.912, 2.4, 0.3, 1.7, 3.8]
    colours, legend = brief_classes(values)
    shown_in = {v: next(entry["label"] for entry in legend if entry["colour"] == c) for v, c in zip(values, colours)}
    breaks = figures.class_breaks(pl.Series(values), classes=4, decimals=1)
    assert 1.9 in breaks and not shown_in[1.912].startswith("2 ")  # 1.912 reads 1.9: the class up to 1.9


@pytest.mark.parametrize(("values", "decimals", "labels"), [
    ([1, 2, 3, 2, 1, 3], 0, ["1 – 2", "3"]),  # active entrepreneurs of unions: it read "3 – 3"
    ([68, 68, 70, 120, 300], 0, ["1 – 70", "71 – 120", "121 – 300"]),
    ([0.5, 1.2, 1.9, 2.4], 1, None),
])
def test_a_class_of_one_value_reads_as_that_value(values, decimals, labels):
    _, legend = (lambda v: brief_classes(v) if decimals == 1 else _whole_classes(v))(values)
    shown = [entry["label"] for entry in legend]
    for label in shown:
        low, _, high = label.partition(" – ")
        assert high == "" or low != high, shown
    if labels is not None:
        assert [label for label in shown if label != "0"] == labels


def _whole_classes(values):
    from analytics.report.brief import _classes

    return _classes(values, lang="en", decimals=0)


def brief_classes(values):
    from analytics.report.brief import _classes

    return _classes(values, lang="en", decimals=1)


def test_all_channels_colour_the_areas_by_their_udcs_and_write_the_office_on_its_circle(log, gaz):
    """The review: Pirojpur Sadar was drawn in the darkest class on the strength of the DC office
    alone, and the office's circle had no number. Of all channels, the areas are coloured by their
    UDCs (exactly as the UDC map) and the office's circle says the front desk's figure."""
    def classes(metric):
        spec = views.map_view(log, gaz, period=FY, metric=metric, lang="en").figure.to_dict()
        return {p: t["name"] for t in spec["data"] if t.get("type") == "choropleth" for p in t["locations"]}, spec
    every, spec = classes("beneficiaries")
    assert every == classes("beneficiaries_udc")[0]
    office = next(t for t in spec["data"] if t.get("type") == "scattergeo" and t.get("name") != "labels")
    assert office["text"] == ["DC office<br>42,206"] and "text" in office["mode"]  # (named: not the upazila's figure)


def test_the_maps_legend_lists_the_classes_the_brief_lists(log, gaz):
    """The review: a class no area fell in was left out of the app's legend ("311 – 380, 441 – 600")
    while the brief listed it; the two maps of one view differed. Every class is now in both."""
    for period in (FY, quarter(2022, 1), quarter(2022, 3)):
        for metric in ("beneficiaries_udc", "earnings_paisa", "per_km2", "entrepreneurs"):
            for level, upazila in (("upazila", None), ("union", None), ("union", "BD107947"), ("union", "BD107980")):
                view = views.map_view(log, gaz, period=period, metric=metric, lang="en", level=level, upazila=upazila)
                # (the areas drawn, as the map draws them: money in taka)
                values = view.table.filter(pl.col("has_polygon"))[metric].to_list()
                _, legend = brief_classes_of(values, decimals=views.map_decimals(metric))
                traces = view.figure.to_dict()["data"]
                # (plotly leaves a trace of no area out of the legend: a class no area falls in has its own entry)
                assert all(t["locations"] for t in traces if t.get("type") == "choropleth"), (period, metric, upazila)
                shown = [t["name"] for t in traces
                         if t.get("name") and (t.get("type") == "choropleth" or t.get("marker", {}).get("symbol") == "square")]
                assert [entry["label"] for entry in legend] == [n for n in shown if n[0].isdigit()], (
                    period, metric, level, upazila)


def brief_classes_of(values, *, decimals):
    from analytics.report.brief import _classes

    return _classes(values, lang="en", decimals=decimals)


@pytest.mark.parametrize(("values", "texts"), [
    ({"udc": 81_874, "front_desk": 42_206}, ["81,874<br>66.0%", "42,206<br>34.0%"]),
    ({"udc": 428, "front_desk": 0}, ["428<br>100.0%", ""]),  # the review: "0 0.0%" cut off above the ring
])
def test_the_channel_ring_labels_only_slices_with_something(values, texts):
    pie = figures.channel_split(values, lang="en").to_dict()["data"][0]
    assert list(pie["text"]) == texts and len(pie["labels"]) == 2
    # read across a room: level labels, and a small slice's outside the ring with the margin it needs (a
    # review's projector donut cut the front desk's count off)
    assert pie["insidetextorientation"] == "horizontal" and pie["automargin"] is True


def test_charts_for_the_projector_have_larger_type_and_the_desks_stay(log, gaz):
    """The review: in presentation mode the charts kept the desk's 12-14 px (ticks, legends, the bars'
    values, the treemap's names), too small from the back of a room."""
    overview = views.overview_view(log, gaz, period=FY, lang="bn")
    services = views.services_view(log, gaz, period=FY, lang="bn")
    for fig in (overview.trend, overview.channels, services.treemap, services.top, services.heatmap):
        before = fig.to_dict()
        big = figures.for_projector(fig).to_dict()
        assert fig.to_dict() == before  # (a copy: the cached figure of the desk is not changed)
        assert big["layout"]["font"]["size"] >= figures.PROJECTOR_SCALE * (before["layout"]["font"].get("size")
                                                                           or figures.PLOTLY_FONT) - 0.1
        for small, large in zip(before["data"], big["data"]):
            if (small.get("textfont") or {}).get("size"):
                assert large["textfont"]["size"] > small["textfont"]["size"]
