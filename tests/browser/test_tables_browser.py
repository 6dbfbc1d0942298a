"""Tables sort as numbers when a header is clicked, and read in the user's digits (issue 12).

As text, "8,806" > "7,966" > "5,931" > "23,446"; the map's upazila table holds all four. The
grid draws on a canvas: a header is clicked at its place on the canvas (column borders found in
the header's pixels), and the cells are read from the grid's accessible table, in the order shown.
"""

from __future__ import annotations

import io
import re

import pytest

from analytics import i18n
from tests.browser.conftest import (
    SHOTS,
    open_expander,
    open_page,
    running_app,
    wait_idle,
)

GRID = '[data-testid="stDataFrame"]'


@pytest.fixture(scope="module")
def app(browser, tmp_path_factory):
    """An app of this module's own, on the sample alone: the session's shared app gets uploads
    from other tests (which replace sample quarters), and these tests need the published figures."""
    with running_app(tmp_path_factory.mktemp("tables")) as url:
        yield url


def column_texts(page, table, column: int) -> list[str]:
    """The cells of ``column`` (1-based) in the order the grid shows them, top to bottom, as its
    accessible table gives them (the cell's value; the canvas draws the display text, which the
    screenshots show and tests/test_pages.py reads from what Streamlit is sent)."""
    return table.locator(f'tbody td[aria-colindex="{column}"]').all_inner_texts()


def header_names(table) -> list[str]:
    table.scroll_into_view_if_needed()
    table.locator("thead th").first.wait_for(state="attached")
    return table.locator("thead th").all_inner_texts()


def column_borders(page, table) -> list[float]:
    """x positions (page coordinates) of the vertical lines between header cells."""
    from PIL import Image

    canvas = table.locator("canvas").first
    box = canvas.bounding_box()
    strip = Image.open(io.BytesIO(page.screenshot(clip={"x": box["x"], "y": box["y"] + 4, "width": box["width"],
                                                        "height": 4}))).convert("L")
    width = strip.width
    row = [sum(strip.getpixel((x, y)) for y in range(strip.height)) / strip.height for x in range(width)]
    background = sorted(row)[len(row) // 2]
    lines = [x for x in range(2, width - 2) if row[x] < background - 4]
    borders: list[float] = []
    for x in lines:
        if not borders or x - borders[-1] > 3:
            borders.append(x)
    scale = box["width"] / width
    return [box["x"] + x * scale for x in borders]


def header_edges(page, table) -> list[float]:
    """Left and right edges of every header cell, found before any click (a sort arrow in a header
    would read as a line)."""
    box = steady_box(page, table.locator("canvas").first)
    return [box["x"]] + column_borders(page, table) + [box["x"] + box["width"]]


def steady_box(page, locator) -> dict:
    """The bounding box of ``locator`` once it has stopped moving: a click placed by coordinates
    must not land where the grid was before the page above it finished drawing (a late font or
    chart moves it down, and a click meant for a header then closes the expander above it)."""
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    for _ in range(50):
        page.wait_for_timeout(150)
        again = locator.bounding_box()
        if again == box:
            return box
        box = again
    return box


def click_header(page, table, edges: list[float], column: int) -> None:
    box = steady_box(page, table.locator("canvas").first)
    left, right = edges[column - 1], edges[column]
    page.mouse.click((left + right) / 2, box["y"] + 17)
    page.mouse.move(box["x"] + 5, box["y"] + box["height"] + 40)  # away, so the next click is not a double click
    page.wait_for_timeout(1000)


def as_number(text: str) -> float:
    return float(re.sub(r"[^0-9.\-]", "", i18n.ascii_digits(text)))


@pytest.mark.parametrize("lang", ["en", "bn"])
def test_a_click_on_a_header_sorts_numbers_as_numbers(page, app, lang):
    open_page(page, app + f"/map?lang={lang}&metric=service_kinds&fy=2022-23")
    open_expander(page, i18n.t("map.table", lang))
    table = page.locator(GRID).first
    table.wait_for()
    names = header_names(table)
    assert i18n.t("metric.beneficiaries_udc", lang) in names, names
    column = names.index(i18n.t("metric.beneficiaries_udc", lang)) + 1
    edges = header_edges(page, table)
    assert len(edges) == len(names) + 1, (edges, names)
    shown = column_texts(page, table, column)
    assert len(shown) == 7 and {23446, 8806, 7966, 5931} <= {as_number(t) for t in shown}, shown

    click_header(page, table, edges, column)  # ascending
    up = column_texts(page, table, column)
    if [as_number(t) for t in up] != sorted(as_number(t) for t in up):
        click_header(page, table, edges, column)  # the first click may have been the other way
        up = column_texts(page, table, column)
    assert [as_number(t) for t in up] == sorted(as_number(t) for t in up), up
    click_header(page, table, edges, column)  # descending: 23,446 above 8,806 (as text it would be below)
    down = column_texts(page, table, column)
    numbers = [as_number(t) for t in down]
    assert numbers == sorted(numbers, reverse=True), down
    assert numbers.index(23446) < numbers.index(8806) < numbers.index(7966) < numbers.index(5931)
    page.screenshot(path=str(SHOTS / f"tables-sorted-map-{lang}.png"), full_page=True)


def test_hidden_earnings_read_fewer_than_and_sort_below_the_figures(page, app):
    """The anonymous union totals: every union's earnings are hidden ("fewer than 3") and read so;
    the beneficiaries beside them sort as numbers."""
    open_page(page, app + "/entrepreneurs?lang=en&fy=2022-23")
    unions = page.locator(GRID).nth(1)
    unions.wait_for()
    names = header_names(unions)
    earnings = column_texts(page, unions, names.index("Earnings") + 1)
    assert earnings and not any(re.search(r"[0-9]", t) for t in earnings), earnings  # hidden: no figure at all
    column = names.index("Beneficiaries") + 1
    edges = header_edges(page, unions)
    click_header(page, unions, edges, column)
    first = [as_number(t) for t in column_texts(page, unions, column)]
    click_header(page, unions, edges, column)
    second = [as_number(t) for t in column_texts(page, unions, column)]
    assert len(first) >= 5 and first != second
    assert (first == sorted(first) and second == sorted(second, reverse=True)) or \
        (first == sorted(first, reverse=True) and second == sorted(second)), (first, second)
    page.screenshot(path=str(SHOTS / "tables-anonymous-unions-en.png"), full_page=True)
    wait_idle(page)


@pytest.fixture(scope="module")
def two_upazilas(browser, tmp_path_factory):
    """An app on the sample and FY 2023-24 Q1 of two upazilas only: Bhandaria whole (its earnings
    shown), Kawkhali with two entrepreneurs (its earnings hidden); the other five have no data."""
    import hashlib

    import polars as pl

    from analytics.reference.sample import ensure_sample
    from analytics.store import LocalStore

    base = tmp_path_factory.mktemp("two-upazilas")
    store = LocalStore(base / "store")
    ensure_sample(store)
    q1 = (store.scan().collect().filter(pl.col("date") < pl.date(2022, 10, 1))
          .with_columns(pl.col("date").dt.offset_by("1y"), pl.lit(None, pl.String).alias("upload_id")))
    kawkhali = q1.filter(pl.col("upazila_code") == "BD107947")
    two = kawkhali["entrepreneur_id"].unique().sort().head(2)
    frame = pl.concat([q1.filter(pl.col("upazila_code") == "BD107914"),
                       kawkhali.filter(pl.col("entrepreneur_id").is_in(two.implode()))])
    store.commit(frame, file_name="q1-two-upazilas.xlsx", content_hash=hashlib.sha256(frame.write_ipc(None).getvalue()).hexdigest(),
                 uploader="asha")
    with running_app(base) as url:
        yield url


def test_a_table_with_hidden_and_missing_cells_downloads_as_shown(page, two_upazilas):
    """The review: the grid's own "Download as CSV" wrote a hidden figure and "no data" as -1 (the
    number that sorts them below the figures), and taka as 15810.710000000001. Such a table is
    downloaded as shown instead: the grid's button is hidden, and the page's own gives the texts."""
    import csv

    open_page(page, two_upazilas + "/map?lang=en&fy=2023-24&q=1&metric=earnings_paisa")
    open_expander(page, "All figures in a table")
    grid = page.locator(GRID).last
    grid.wait_for()
    grid.scroll_into_view_if_needed()
    grid.hover()
    page.wait_for_timeout(500)
    streamlit_own = grid.locator('xpath=ancestor::*[contains(@class, "st-key-")][1]').locator(
        'button[aria-label="Download as CSV"]')
    assert streamlit_own.count() == 1 and not streamlit_own.is_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download this table (CSV)").click()
    text = download.value.path().read_text(encoding="utf-8-sig")
    rows = {row[0]: row[1:] for row in csv.reader(io.StringIO(text))}
    assert download.value.suggested_filename == "map-earnings_paisa-2023-24-Q1.csv"
    header = rows.pop("Upazila")
    earnings = header.index("Entrepreneurs' earnings (Tk)")
    assert rows["Kawkhali"][earnings] == "fewer than 3"  # (Bhandaria's too, as the district's total would give it away)
    assert all(rows["Bhandaria"][i].replace(",", "").replace(".", "").isdigit() for i in range(earnings))
    assert rows["Mathbaria"] == ["No data"] * len(header)
    assert not any(cell.lstrip("-").replace(".", "").isdigit() and cell.startswith("-")
                   for row in rows.values() for cell in row), rows  # no -1 stand-in
    page.screenshot(path=str(SHOTS / "tables-own-download-en.png"), full_page=True)
