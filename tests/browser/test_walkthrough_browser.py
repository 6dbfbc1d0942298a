"""A walkthrough as the commissioner and the clerk see the app (issue 12): every page in both
languages on a 1920×1080 screen, presentation mode on a projector, and a 360×640 phone.

On a store with the sample (FY 2022-23) and two uploaded quarters (FY 2023-24 Q1 and a smaller
Q2), signed in as an admin. Each screen is saved under test-artifacts/screenshots/walkthrough/
(the screenshots the closing note points to) and checked for what a user must never see:
an error box, a Python traceback, Streamlit's English placeholder "Choose an option", or, in
Bengali, the uploader's English texts.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from tests.browser.conftest import SHOTS, open_page, sign_in, wait_idle

WALK = SHOTS / "walkthrough"
PAGES = ("overview", "map", "entrepreneurs", "services", "upload", "data")


def path(name: str) -> str:
    """A page's address: the overview is the app's default page, at "/"."""
    return "" if name == "overview" else name


def shoot(page, file: str) -> None:
    """The whole page: Streamlit scrolls inside its own container, so the window is made as tall
    as the content first (same width, so the layout is the one checked)."""
    size = page.viewport_size
    tall = page.evaluate("() => Math.max(...[...document.querySelectorAll('[data-testid=\"stMain\"], "
                         "[data-testid=\"stAppViewContainer\"]')].map(e => e.scrollHeight), 0)")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(int(tall), 6000))})
    page.wait_for_timeout(500)
    page.screenshot(path=str(WALK / file))
    page.set_viewport_size(size)
NEVER = ("Traceback", "Choose an option", "Error:", "polars", "calamine", "sqlite", "Page not found")
QUARTER = "fy=2023-24&q=2"


@contextmanager
def _screen(browser, app, *, width: int, height: int, staff: bool = True):
    """A page in a browser window of its own of that size (signed in as an admin unless
    ``staff=False``), closed afterwards."""
    WALK.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        if staff:
            sign_in(page, app, "rina")
            page.wait_for_function("() => document.body.innerText.includes('Signed in as rina')")
        yield page
    finally:
        context.close()


def _check(page, *, lang: str) -> None:
    text = page.inner_text("body")
    for word in NEVER:
        assert word not in text, word
    assert not page.query_selector('[data-testid="stException"]')
    if lang == "bn":
        assert "Drag and drop" not in text and "Browse files" not in text


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_every_page_on_a_1920_screen(browser, two_quarters, lang):
    with _screen(browser, two_quarters, width=1920, height=1080) as page:
        for name in PAGES:
            open_page(page, f"{two_quarters}/{path(name)}?lang={lang}&{QUARTER}")
            _check(page, lang=lang)
            shoot(page, f"{name}-{lang}-1920.png")


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_presentation_mode_on_a_projector(browser, two_quarters, lang):
    with _screen(browser, two_quarters, width=1920, height=1080, staff=False) as page:
        for name in ("overview", "map"):
            open_page(page, f"{two_quarters}/{path(name)}?lang={lang}&{QUARTER}&present=1")
            _check(page, lang=lang)
            assert not page.query_selector('[data-testid="stSidebar"]:visible')
            page.screenshot(path=str(WALK / f"present-{name}-{lang}-1920.png"))
        box = page.locator('[data-testid="stPlotlyChart"]').first.bounding_box()
        assert box["height"] >= 700, box


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_a_phone(browser, two_quarters, lang):
    with _screen(browser, two_quarters, width=360, height=640, staff=False) as page:
        for name, query in (("overview", ""), ("map", ""), ("map-drilled", "&upazila=BD107947"), ("services", "")):
            open_page(page, f"{two_quarters}/{path(name.split('-')[0])}?lang={lang}&{QUARTER}{query}")
            wait_idle(page)
            _check(page, lang=lang)
            # nothing wider than the screen: the page never scrolls sideways
            assert page.evaluate("() => document.documentElement.scrollWidth") <= 360 + 1
            shoot(page, f"phone-{name}-{lang}.png")
