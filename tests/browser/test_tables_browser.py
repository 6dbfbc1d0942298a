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
