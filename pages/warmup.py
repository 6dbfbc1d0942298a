"""Once per server process, at import (app.py imports this module before anything else): what
pages would otherwise import and convert for the first time in several sessions at once."""

from __future__ import annotations

import gc
import logging
import threading
import time
from pathlib import Path

import polars as pl
import streamlit as st

from pages import render

_LOG = logging.getLogger(__name__)


def warm_up() -> None:
    """Import and run once, before any session draws anything, what pages would otherwise do
    for the first time in several sessions at once.

    Sessions run on threads of one process. After a restart a meeting's worth of viewers open
    the app together, and their threads imported pandas, pyarrow and plotly's lazily loaded
    parts at the same moment: one of them then met a half-imported module ("partially
    initialized module 'pandas' has no attribute 'Series'", from plotly's check
    ``sys.modules.get("pandas")``) and showed an error page. This runs when ``pages.warmup``
    is first imported (app.py imports it first), so every other session waits on Python's
    import lock for this module until it is done: the imports, the conversions
    ``st.dataframe``, ``st.plotly_chart`` and ``st.cache_data`` do (Arrow, JSON, pickle), each
    kind of figure the pages draw, the Excel writer, and the gazetteer, catalogue and
    boundaries every page reads.

    Then ``gc.freeze()``: the hundreds of thousands of objects those libraries keep for the
    process's lifetime are left out of every later garbage collection, so the full collection
    Streamlit may run after each script run (``runner.postScriptGC``) stays short.
    """
    global _WARM
    if _WARM:
        return
    _WARM = True
    started = time.perf_counter()
    try:
        _warm_up()
    except Exception:  # never keep the app from starting; a session would meet the same error and show it
        _LOG.warning("warm-up failed", exc_info=True)
    gc.collect()
    gc.freeze()
    _LOG.info("warm-up took %.2f s", time.perf_counter() - started)


_WARM = False


def _warm_up() -> None:
    import io
    import pickle
    import tempfile

    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import pandas.api.types  # noqa: F401
    import plotly.io
    import plotly.tools
    import pyarrow  # noqa: F401
    from PIL import Image

    from analytics.reference.gazetteer import Gazetteer, load_boundaries
    from analytics.reference.services import load_catalogue, load_categories
    from analytics.report import figures

    Image.init()  # the favicon (st.set_page_config) is read with PIL
    with Image.open(Path(__file__).resolve().parent.parent / "static" / "favicon.png") as icon:
        icon.load()
    frame = pl.DataFrame({"n": [1, None], "s": ["a", None], "x": [0.5, None], "b": [True, None]})
    # what st.dataframe (Arrow tables and Stylers), st.info and st.Page's icons import and convert,
    # through Streamlit's public API, on a thread of its own: outside a script run Streamlit builds
    # each element and sends it nowhere (its "bare mode"), so no session sees anything
    worker = threading.Thread(target=_exercise_streamlit, args=(frame,), name="seba-atlas-warm-up")
    worker.start()
    worker.join()
    pickle.loads(pickle.dumps(frame))
    frame.write_excel(io.BytesIO(), worksheet="warm-up")
    frame.write_csv()
    with tempfile.TemporaryDirectory() as folder:  # the store is read with lazy Parquet scans
        frame.write_parquet(Path(folder) / "w.parquet")
        pl.scan_parquet(Path(folder) / "w.parquet").collect()

    Gazetteer.load()
    load_catalogue()
    load_categories()
    for level in ("upazila", "union"):
        load_boundaries(level)
    mix = pl.DataFrame({"channel": ["udc", "front_desk"], "service_category": ["A", "B"], "service_code": ["S1", "S2"],
                        "service": ["s1", "s2"], "category": ["a", "b"], "beneficiaries": [3, 2],
                        "earnings_paisa": [500, 0], "share_pct": [60.0, 40.0]})
    trend = pl.DataFrame({"label": ["Q1", "Q1"], "channel": ["udc", "front_desk"], "beneficiaries": [3, 2]})
    people = pl.DataFrame({"entrepreneur_gender": ["female", "male"], "upazila": ["x", "y"],
                           "earnings_paisa": [500, 700], "entrepreneur_name": ["a", "b"]})
    areas = pl.DataFrame({"pcode": ["P1", "P2"], "name": ["p1", "p2"], "v": [1.0, None], "v_text": ["1", None]})
    square = {"type": "Polygon", "coordinates": [[[90.0, 22.5], [90.1, 22.5], [90.1, 22.6], [90.0, 22.5]]]}
    shapes = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"pcode": p, "name_en": p, "name_bn": p}, "geometry": square}
        for p in ("P1", "P2", "P3")]}
    for lang in ("bn", "en"):
        drawn = [
            figures.choropleth(areas, shapes, metric="v", metric_label="v", lang=lang, hover=[("v", "v_text")],
                               center={"lat": 22.5, "lon": 90.0}, zoom=8, selected="P1",
                               marker={"lat": 22.5, "lon": 90.0, "name": "m", "text": "m"}),
            figures.service_treemap(mix, lang=lang), figures.top_services(mix, lang=lang),
            figures.heatmap(pl.DataFrame({"area": ["x", "x"], "category": ["a", "b"], "beneficiaries": [1, 2]}), lang=lang),
            figures.trend_bars(trend, lang=lang), figures.channel_split({"udc": 3, "front_desk": 2}, lang=lang),
            figures.earnings_by_group(people, group="upazila", lang=lang),
        ]
        for figure in drawn:  # as st.plotly_chart and st.cache_data handle them
            checked = plotly.tools.return_figure_from_figure_or_data(figure, validate_figure=True)
            plotly.io.to_json(checked, validate=False)
            pickle.loads(pickle.dumps(figure))


def _exercise_streamlit(frame: pl.DataFrame) -> None:
    quiet = logging.getLogger("streamlit")  # bare mode warns that there is no script run: expected here
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        st.dataframe(render.arrow(frame))
        styler = render.arrow(frame).to_pandas(use_threads=False).style
        styler.format(lambda v: str(v), subset=["n"])
        st.dataframe(styler)
        st.info("warm-up", icon=":material/info:")
        st.Page(_exercise_streamlit, title="warm-up", icon=":material/map:", url_path="warm-up")
    finally:
        quiet.setLevel(level)


warm_up()  # at import: app.py imports this module before anything else a page does
