"""The map in headless Chromium (issue 12): names written on the map in shaped Bengali and in
English, nothing fetched from outside, presentation mode on a 1920x1080 projector, a 360x640
phone, and the first click after changing the metric.

Screenshots go to test-artifacts/screenshots/ (looked at by a person).
"""

import re

import pytest

from tests.browser.conftest import SHOTS, open_page, wait_idle

MAP_TEXT = ".js-plotly-plot .geo text"


def new_page(browser, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(30_000)
    return context, page


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def map_labels(page) -> list[dict]:
    """The names written on the map, with the boxes Chromium drew them in."""
    page.wait_for_selector(MAP_TEXT)
    return page.evaluate("""sel => [...document.querySelectorAll(sel)].map(t => {
        const b = t.getBoundingClientRect();
        return {text: t.textContent, left: b.left, top: b.top, right: b.right, bottom: b.bottom};
    })""", MAP_TEXT)


def map_frame(page) -> dict:
    """The box plotly draws the map in (and clips it to)."""
    return page.evaluate("""() => { const g = document.querySelector('.js-plotly-plot');
        const b = g._fullLayout.geo._subplot.bgRect.node().getBoundingClientRect();
        return {x: b.left, y: b.top, width: b.width, height: b.height}; }""")


def overlapping(labels: list[dict]) -> list[tuple[str, str]]:
    return [(a["text"], b["text"]) for i, a in enumerate(labels) for b in labels[i + 1:]
            if a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]]


@pytest.mark.parametrize(("lang", "name", "others"), [
    ("bn", "কাউখালী", ["ভান্ডারিয়া", "মঠবাড়িয়া", "পিরোজপুর সদর"]),
    ("en", "Kawkhali", ["Bhandaria", "Mathbaria", "Pirojpur Sadar"]),
])
def test_names_are_written_on_the_map(browser, app, lang, name, others):
    context, page = new_page(browser, 1440, 900)
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(
        (app, app.replace("http", "ws"), "data:", "blob:")) else None)
    try:
        open_page(page, app + f"/map?lang={lang}")
        labels = map_labels(page)
        texts = [label["text"] for label in labels]
        assert name in texts and all(o in texts for o in others), texts
        assert overlapping(labels) == []
        if lang == "bn":  # shaped by a Bengali font (conjuncts, vowel signs), not boxes
            assert page.evaluate("() => document.fonts.check('15px \"Noto Sans Bengali\"', 'কাউখালী')")
        # the names sit inside the map's frame, not cut off at its edge
        frame = map_frame(page)
        for label in labels:
            assert frame["x"] - 1 <= label["left"] and label["right"] <= frame["x"] + frame["width"] + 1, label
        shot(page, f"map-district-{lang}-1440")
        open_page(page, app + f"/map?lang={lang}&upazila=BD107914")
        unions = [label["text"] for label in map_labels(page)]
        assert ("ইকড়ী" if lang == "bn" else "Ikri") in unions, unions
        shot(page, f"map-drilled-{lang}-1440")
        assert outside == []  # plotly's geo asked the app for what it needs, never a CDN
    finally:
        context.close()


def test_presentation_mode_gives_the_map_700px(browser, app):
    context, page = new_page(browser, 1920, 1080)
    try:
        open_page(page, app + "/map?present=1&lang=bn")
        map_labels(page)
        chart = page.locator(".js-plotly-plot").first.bounding_box()
        assert chart["height"] >= 700, chart
        assert chart["y"] + chart["height"] <= 1080, chart  # the map and its legend on the screen, not below it
        assert not page.locator('[data-testid="stSidebar"]').is_visible()
        size = page.evaluate(f"() => parseFloat(getComputedStyle(document.querySelector('{MAP_TEXT}')).fontSize)")
        assert size >= 19, size  # larger type than on a desk (15 px)
        assert overlapping(map_labels(page)) == []
        shot(page, "map-present-bn-1920")
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_phone(browser, app, lang):
    context, page = new_page(browser, 360, 640)
    try:
        open_page(page, app + f"/map?lang={lang}")
        labels = map_labels(page)
        assert overlapping(labels) == [] and len(labels) == 7
        hint = page.locator('[data-testid="stCaptionContainer"]').all_inner_texts()
        assert any(("ট্যাপ" if lang == "bn" else "Tap") in h for h in hint), hint
        assert not any("hover" in h.lower() or "মাউস" in h for h in hint), hint
        # the legend is under the map, not over the district
        chart = page.locator(".js-plotly-plot").first
        chart.scroll_into_view_if_needed()
        frame = map_frame(page)
        legend = page.locator(".js-plotly-plot .legend").first.bounding_box()
        assert legend["y"] >= frame["y"] + frame["height"] - 1, (legend, frame)
        shot(page, f"map-phone-{lang}")
        open_page(page, app + f"/map?lang={lang}&upazila=BD107958")  # Mathbaria: 11 unions
        labels = map_labels(page)
        chart = page.locator(".js-plotly-plot").first.bounding_box()
        paths = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot .geo .choroplethlayer path')]
            .map(p => { const b = p.getBoundingClientRect(); return [b.left, b.right]; })""")
        assert paths and min(p[0] for p in paths) >= chart["x"] - 1 and max(p[1] for p in paths) <= 360, paths
        assert chart["x"] + chart["width"] <= 360 + 0.5
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360  # nothing wider than the phone
        assert overlapping(labels) == []
        page.locator(".js-plotly-plot").first.scroll_into_view_if_needed()
        shot(page, f"map-phone-drilled-{lang}")
    finally:
        context.close()


def test_the_first_click_after_changing_the_metric_drills_down(browser, app):
    """Six times: choose another figure, then click Bhandaria's name on the new map."""
    context, page = new_page(browser, 1440, 900)
    shown = ["Beneficiaries (all channels: UDCs by area, the DC office's front desk on its circle)", "Entrepreneurs' earnings (Tk)",
             "Active entrepreneurs", "Kinds of service delivered", "UDC beneficiaries per km²", "Beneficiaries at UDCs"]
    codes = ["beneficiaries", "earnings_paisa", "entrepreneurs", "service_kinds", "per_km2", None]
    try:
        open_page(page, app + "/map?lang=en")
        for label, code in zip(shown, codes):
            page.get_by_role("combobox", name="Show").click()
            page.get_by_role("option", name=label, exact=True).click()
            if code:
                page.wait_for_function("c => location.search.includes('metric=' + c)", arg=code)
            else:
                page.wait_for_function("() => !location.search.includes('metric=')")
            wait_idle(page)
            box = page.locator(MAP_TEXT, has_text="Bhandaria").first.bounding_box()
            x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            page.mouse.move(x - 3, y)
            page.mouse.move(x, y)  # plotly clicks on what the pointer hovers
            page.wait_for_function("() => (document.querySelector('.hoverlayer')?.textContent || '')"
                                   ".includes('Bhandaria')")
            page.mouse.click(x, y)
            page.wait_for_function("() => location.search.includes('upazila=BD107914')", timeout=10_000)
            if code:
                assert f"metric={code}" in page.url
            page.get_by_role("button", name=re.compile("Whole district")).click()
            page.wait_for_function("() => !location.search.includes('upazila=')")
            wait_idle(page)
    finally:
        context.close()


@pytest.mark.parametrize(("width", "height", "lang"), [(360, 640, "bn"), (1920, 1080, "en")])
def test_the_services_heat_map_is_a_table_on_a_phone(browser, app, width, height, lang):
    """At 360 px the heat map's cells are too small to read: its figures are a table there, the heat
    map on a wider screen."""
    context, page = new_page(browser, width, height)
    try:
        open_page(page, app + f"/services?lang={lang}")
        page.get_by_role("tab", name="উপজেলা × শ্রেণি" if lang == "bn" else "Upazila × category").click()
        wait_idle(page)
        panel = page.locator("[role=tabpanel]:visible").first
        heat, table = panel.locator(".js-plotly-plot"), panel.locator('[data-testid="stDataFrame"]')
        phone = width <= 640
        (table if phone else heat).first.wait_for()
        assert heat.first.is_visible() is not phone and table.first.is_visible() is phone
        if phone:
            assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        panel.scroll_into_view_if_needed()
        shot(page, f"services-by-area-{width}-{lang}")
    finally:
        context.close()
