"""Page load in a real browser: a link to ``/map`` against a bare Streamlit page with one plotly chart.

    python -m benchmarks.pageload             # medians of 3, alternating; prints JSON
    python -m benchmarks.pageload --repeat 5

Issue 13, item 3: "A link to ``/map`` drawn within 1.3x of a bare Streamlit page with one plotly
chart, in the same browser on the same machine: medians of 3, alternating."

Two servers are started side by side, each ``streamlit run app.py`` on a free loopback port with
the production options of deploy/seba-atlas.service (``benchmarks.load.production_settings``):

- the app, over a temporary store seeded with the sample (as after its first start), opened at
  ``/map`` with no parameters: what a shared link to the map shows a user (Bengali, the default
  language, the latest fiscal year);
- a bare page written to a temporary folder: ``st.plotly_chart(px.bar(...))``, one simple
  plotly chart, with the project's ``.streamlit/config.toml`` (theme, fonts, toolbar) so that the
  only difference is the script.

Both are warmed once (one load each, not counted): the first session after a start imports
and compiles what later sessions reuse (the app's ``pages.warmup``; Streamlit's and plotly's
imports for the bare page), and a restart is not what a link opened during a meeting meets.
Then one headless Chromium (Debian's, /usr/bin/chromium) loads them alternately, bare then
map, ``repeat`` times each, every load in a fresh browser context (no HTTP cache, no cookies,
a new Streamlit session). A load's time runs from ``page.goto`` to the chart being drawn:
plotly's SVG holding the bars (bare) or the map's choropleth areas and the names written on
them (map). Also recorded, not compared: the time until the script run is over (Streamlit's
app reports ``notRunning``, no skeletons).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.load import ROOT, Server, production_settings, seeded_store

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
VIEWPORT = {"width": 1400, "height": 1000}

BARE_APP = '''\
import plotly.express as px
import streamlit as st

st.plotly_chart(px.bar(x=["Bhandaria", "Kawkhali", "Mathbaria", "Nazirpur", "Pirojpur Sadar", "Nesarabad", "Indurkani"],
                       y=[120, 80, 150, 60, 200, 110, 40]))
'''

# drawn: plotly has put the trace's marks into its SVG
BARE_DRAWN = "() => document.querySelectorAll('.js-plotly-plot .barlayer .point path').length > 0"
MAP_DRAWN = ("() => document.querySelectorAll('.js-plotly-plot .geo path.choroplethlocation').length > 0"
             " && document.querySelectorAll('.js-plotly-plot .geo text').length > 0")
IDLE = ("() => !!document.querySelector('[data-testid=\"stApp\"][data-test-script-state=\"notRunning\"]')"
        " && !document.querySelector('[data-testid=\"stSkeleton\"]')")


def _load(browser, url: str, drawn: str, *, timeout_ms: int = 60_000) -> tuple[float, float]:
    """(seconds until drawn, seconds until the run is over) for one load in a fresh context."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        started = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=timeout_ms)
        page.wait_for_function(drawn, polling="raf", timeout=timeout_ms)
        drawn_s = time.perf_counter() - started
        page.wait_for_function(IDLE, polling="raf", timeout=timeout_ms)
        return drawn_s, time.perf_counter() - started
    finally:
        context.close()


def _bare_root(work: Path) -> Path:
    root = work / "bare"
    (root / ".streamlit").mkdir(parents=True)
    (root / "app.py").write_text(BARE_APP)
    shutil.copy(ROOT / ".streamlit" / "config.toml", root / ".streamlit" / "config.toml")
    return root


def measure(repeat: int = 3) -> dict:
    """Medians of ``repeat`` alternating loads (bare, map, bare, map, ...), both servers warmed once."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise RuntimeError("needs Debian's chromium at /usr/bin/chromium (apt-get install chromium fonts-noto-core)")
    settings = production_settings()
    with tempfile.TemporaryDirectory(prefix="seba-pageload-") as folder:
        work = Path(folder)
        store = work / "store"
        shutil.copytree(seeded_store(work), store)
        (work / "app").mkdir()
        (work / "bare-run").mkdir()
        app = Server(work / "app", root=ROOT, settings=settings, store=store)
        bare = Server(work / "bare-run", root=_bare_root(work), settings=settings, store=store)
        try:
            app.start()
            bare.start()
            urls = {"bare": (f"http://127.0.0.1:{bare.port}/", BARE_DRAWN),
                    "map": (f"http://127.0.0.1:{app.port}/map", MAP_DRAWN)}
            runs: dict[str, list[float]] = {"bare": [], "map": []}
            idle: dict[str, list[float]] = {"bare": [], "map": []}
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
                try:
                    for name in ("bare", "map"):  # warm-up, not counted
                        _load(browser, *urls[name], timeout_ms=180_000)
                    for _ in range(repeat):
                        for name in ("bare", "map"):
                            drawn_s, idle_s = _load(browser, *urls[name])
                            runs[name].append(round(drawn_s, 3))
                            idle[name].append(round(idle_s, 3))
                finally:
                    browser.close()
        finally:
            app.stop()
            bare.stop()
    bare_s, map_s = statistics.median(runs["bare"]), statistics.median(runs["map"])
    return {"bare_s": round(bare_s, 3), "map_s": round(map_s, 3), "ratio": round(map_s / bare_s, 3),
            "bare_runs": runs["bare"], "map_runs": runs["map"],
            "bare_idle_runs": idle["bare"], "map_idle_runs": idle["map"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pageload", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="loads of each page, alternating (default 3)")
    args = parser.parse_args(argv)
    print(json.dumps(measure(repeat=args.repeat), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
