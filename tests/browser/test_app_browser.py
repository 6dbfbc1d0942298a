"""The app as a person uses it, in headless Chromium: links, language, map clicks, uploads, roles.

Screenshots of every test go to test-artifacts/screenshots/ (looked at by a person).
"""

import re
from pathlib import Path

import polars as pl
import pytest

from analytics.reference.sample import generate, write_quarterly_files
from analytics.store import LocalStore
from tests.browser.conftest import (
    open_expander,
    open_page,
    running_app,
    sign_in,
    wait_idle,
)

PUBLISHED_BN = ["১,২৪,০৮০", "৮১,৮৭৪", "৪২,২০৬", "১০৪", "৫২", "৩৮,৪৯,১৬৮ টাকা", "১০৫", "১২"]
PUBLISHED_EN = ["1,24,080", "81,874", "42,206", "104", "52", "Tk 38,49,168", "105", "12"]


def wait_for_location(page, pattern: str) -> None:
    """Streamlit changes the URL with history.replaceState: no navigation event to wait for."""
    page.wait_for_function("p => new RegExp(p).test(location.pathname + location.search)", arg=pattern)


def metrics_text(page) -> str:
    return " | ".join(page.locator('[data-testid="stMetric"]').all_inner_texts())


def test_overview_in_bengali_shows_every_published_figure(page, app):
    open_page(page, app + "/")
    page.wait_for_selector('[data-testid="stMetric"]')
    shown = metrics_text(page)
    for text in PUBLISHED_BN:
        assert text in shown, text
    body = page.inner_text("body")
    assert "পিরোজপুর জেলার ডিজিটাল সেবা" in body and "নমুনা ডেটা" in body
    # Bengali is shaped by a Bengali font, not drawn as boxes
    assert page.evaluate("() => document.fonts.check('16px \"Noto Sans Bengali\"', 'পিরোজপুর')")


def test_language_switch(page, app):
    open_page(page, app + "/")
    page.locator('[data-testid="stSidebar"]').get_by_text("English", exact=True).click()
    wait_for_location(page, r"lang=en")
    page.wait_for_function("() => document.body.innerText.includes('1,24,080')")
    wait_idle(page)
    shown = metrics_text(page)
    for text in PUBLISHED_EN:
        assert text in shown, text
    page.locator('[data-testid="stSidebar"]').get_by_text("বাংলা", exact=True).click()
    page.wait_for_function("() => document.body.innerText.includes('১,২৪,০৮০')")
    assert "lang=en" not in page.url


def test_shared_map_link_reproduces_the_view(page, app):
    open_page(page, app + "/map?lang=en&q=2&metric=earnings_paisa&upazila=BD107914")
    page.wait_for_selector(".js-plotly-plot")
    body = page.inner_text("body")
    assert "FY 2022-23 Q2" in body and "Bhandaria" in body
    assert page.get_by_role("button", name=re.compile("Whole district")).is_visible()
    assert page.get_by_role("combobox", name="Show").input_value() == "Entrepreneurs' earnings (Tk)"
    open_expander(page, "All figures in a table")
    unions = page.locator('[data-testid="stDataFrame"]').first
    unions.wait_for()
    assert page.locator('[data-testid="stMetric"]').count() >= 3  # the upazila's side panel


def test_entrepreneur_search_goes_into_the_link(page, app):
    """Staff search; the search lands in the URL (sign-in itself lasts for the browser tab)."""
    sign_in(page, app, "asha")
    page.wait_for_function("() => document.body.innerText.includes('Signed in as asha')")
    page.locator("[data-testid=stSidebarNav]").get_by_role("link", name="Entrepreneurs").click()
    box = page.get_by_label("Search by name, ID, union or upazila")
    box.fill("Bhandaria")
    box.press("Enter")
    wait_for_location(page, r"search=Bhandaria")
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=stMetric]')]"
                           ".some(m => m.innerText.includes('Active entrepreneurs') && m.innerText.includes('14'))")


def test_anonymous_viewers_see_union_totals_not_people(page, app):
    open_page(page, app + "/entrepreneurs?lang=en")
    assert "shown to signed-in staff only" in page.inner_text("body")
    assert page.locator('[data-testid="stDownloadButton"]').count() == 0


def test_clicking_an_upazila_shows_its_unions_and_figures(page, app):
    open_page(page, app + "/map")
    for attempt in range(3):  # the first render after a server start can be replaced by a rerun
        name = page.locator(".js-plotly-plot .geo text", has_text="ভান্ডারিয়া").first  # written on the map
        name.wait_for()
        box = name.bounding_box()
        if box is None:
            continue
        point = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.move(*point)  # plotly clicks on what the pointer hovers
        page.wait_for_function("() => (document.querySelector('.hoverlayer')?.textContent || '')"
                               ".includes('ভান্ডারিয়া')")
        page.mouse.click(*point)
        try:
            page.wait_for_function("() => location.search.includes('upazila=BD107914')", timeout=8_000)
            break
        except Exception:
            if attempt == 2:
                raise
    back = page.get_by_role("button", name=re.compile("পুরো জেলা"))
    back.wait_for()
    wait_idle(page)
    panel = metrics_text(page)
    assert "২২,৭৯১" in panel  # Bhandaria's UDC beneficiaries, as published
    assert page.locator("h3").filter(has_text="ভান্ডারিয়া").count() == 1
    assert page.get_by_role("combobox", name="উপজেলা").input_value() == "ভান্ডারিয়া"  # the sidebar follows
    back.click()
    page.wait_for_function("() => !location.search.includes('upazila=')")
    page.get_by_role("radio", name="উপজেলা").wait_for()  # the district view's level switch is back


def test_presentation_mode(page, app):
    open_page(page, app + "/?present=1&lang=en")
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    assert page.get_by_role("button", name="Exit presentation").is_visible()
    assert "1,24,080" in metrics_text(page)


def test_nothing_is_fetched_from_outside(page, app):
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((app, app.replace("http", "ws"),
                                                                                 "data:", "blob:")) else None)
    for path in ("/", "/map?level=union", "/services", "/entrepreneurs", "/data"):
        open_page(page, app + path)
        if path not in ("/data", "/entrepreneurs"):  # tables only there
            page.wait_for_selector(".js-plotly-plot")
    assert outside == []


def test_first_request_after_a_server_start_can_be_a_deep_link(browser, tmp_path):
    with running_app(tmp_path) as url:
        context = browser.new_context()
        page = context.new_page()
        open_page(page, url + "/map?lang=en")
        nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
        assert "Map" in nav and "Overview" in nav and "common" not in nav
        page.wait_for_selector(".js-plotly-plot")
        context.close()


def test_wrong_password_does_not_sign_in(page, app):
    sign_in(page, app, "asha", "not the password at all")
    page.wait_for_function("() => document.body.innerText.includes('Wrong username or password')")
    assert "Signed in as" not in page.inner_text("body")


@pytest.fixture(scope="module")
def next_year_file(tmp_path_factory) -> Path:
    """The sample's Q1 moved one fiscal year on (FY 2023-24 Q1): a quarter the store lacks."""
    directory = tmp_path_factory.mktemp("upload")
    q1 = next(p for p in write_quarterly_files(generate(), directory, formats=("csv",)) if "q1" in p.name)
    frame = pl.read_csv(q1.read_bytes().decode("utf-8-sig").encode(), infer_schema=False)
    target = directory / "pirojpur-fy2023-24-q1.csv"
    target.write_bytes(frame.with_columns(pl.col("Date").str.replace(r"/2022$", "/2023"))
                       .write_csv().encode("utf-8-sig"))
    return target


def test_upload_needs_staff_then_shows_the_new_quarter(page, app, next_year_file):
    open_page(page, app + "/upload?lang=en")
    assert "Only signed-in office staff" in page.inner_text("body")
    assert page.locator("input[type=file]").count() == 0

    sign_in(page, app, "asha")
    page.wait_for_function("() => document.body.innerText.includes('Signed in as asha')")
    page.locator("[data-testid=stSidebarNav]").get_by_role("link", name="Upload").click()
    page.wait_for_selector("input[type=file]", state="attached")
    page.set_input_files("input[type=file]", str(next_year_file))
    page.get_by_role("button", name="Confirm and store").wait_for(timeout=60_000)
    body = page.inner_text("body")
    assert "Rows accepted" in body and "Problems\n\n0" in body
    page.get_by_role("button", name="Confirm and store").click()
    page.wait_for_function("() => document.body.innerText.includes('Stored as upload')", timeout=60_000)

    # the sidebar offers the new fiscal year at once (the store version keys every cache)
    page.get_by_role("combobox", name="Fiscal year").click()
    page.get_by_role("option", name="FY 2023-24").wait_for()
    page.keyboard.press("Escape")

    # sign out in the same browser tab: the upload controls are gone
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_function("() => document.body.innerText.includes('Only signed-in office staff')")
    assert "Signed in as" not in page.inner_text("body")
    assert page.locator("input[type=file]").count() == 0

    # anyone opening a link to the new quarter sees it
    people = int(pl.read_csv(next_year_file)["Beneficiaries"].sum())
    open_page(page, app + "/?lang=en&fy=2023-24&q=1")
    total = page.locator('[data-testid="stMetric"]').first.inner_text()
    assert f"{people:,}".replace(",", "") in total.replace(",", "")
    assert page.get_by_role("combobox", name="Fiscal year").input_value() == "FY 2023-24"

    open_page(page, app + "/data?lang=en")  # signed out: upload history and audit log are for staff only
    body = page.inner_text("body")
    assert "asha" not in body and "pirojpur-fy2023-24-q1.csv" not in body
    store = LocalStore(app.base / "store")  # what staff see there
    assert "pirojpur-fy2023-24-q1.csv" in store.uploads()["file_name"].to_list()
    actions = set(store.changes().select("action", "actor").iter_rows())
    assert {("sign_in", "asha"), ("upload", "asha"), ("sign_out", "asha")} <= actions
