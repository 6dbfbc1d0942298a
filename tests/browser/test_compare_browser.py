"""Honest comparisons in a real browser (issue 12).

A store where FY 2023-24 Q1 and Q2 were uploaded (real data, Q2 smaller than Q1) next to the
bundled FY 2022-23 sample. Every delta on screen must draw the arrow and colour of its sign, in
Bengali and English digits; real data is never compared with the sample.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import SHOTS, open_page

KAWKHALI = "BD107947"


SIGNS = {"−": -1, "-": -1, "+": 1}


def _deltas(page) -> list[dict]:
    """Every metric's delta on the page: its text, arrow icon and colour."""
    return page.eval_on_selector_all('[data-testid="stMetric"]', """els => els.map(el => {
        const delta = el.querySelector('[data-testid="stMetricDelta"]');
        if (!delta) return null;
        const up = delta.querySelector('[data-testid="stMetricDeltaIcon-Up"]');
        const down = delta.querySelector('[data-testid="stMetricDeltaIcon-Down"]');
        return {text: delta.innerText.trim(), arrow: up ? 'up' : down ? 'down' : 'off',
                colour: getComputedStyle(delta).color};
    }).filter(Boolean)""")


def _sign(text: str) -> int:
    first = text.lstrip()[0]
    if first in SIGNS:
        return SIGNS[first]
    assert first in "0০", text
    return 0


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(v) for v in re.findall(r"\d+", colour)[:3])


def _check(deltas: list[dict]) -> None:
    assert deltas
    for delta in deltas:
        sign = _sign(delta["text"])
        assert delta["arrow"] == {1: "up", -1: "down", 0: "off"}[sign], delta
        red, green, _ = _rgb(delta["colour"])
        if sign < 0:
            assert red > green, delta
        elif sign > 0:
            assert green > red, delta


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_every_delta_arrow_agrees_with_its_sign(two_quarters, page, lang):
    open_page(page, f"{two_quarters}/?lang={lang}&fy=2023-24&q=2")
    deltas = _deltas(page)
    _check(deltas)
    assert sum(_sign(d["text"]) < 0 for d in deltas) >= 3  # Q2 is smaller: the drops are there
    page.screenshot(path=str(SHOTS / f"compare-overview-{lang}.png"), full_page=True)


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_the_drilled_map_panel_agrees_too(two_quarters, page, lang):
    open_page(page, f"{two_quarters}/map?lang={lang}&fy=2023-24&q=2&upazila={KAWKHALI}")
    _check(_deltas(page))


@pytest.mark.parametrize("query", ["fy=2023-24&q=1", "fy=2023-24&q=1&compare=year", "fy=2023-24",
                                   "fy=2023-24&compare=year"])
def test_real_data_is_never_compared_with_the_sample(two_quarters, page, query):
    open_page(page, f"{two_quarters}/?lang=en&{query}")
    assert _deltas(page) == []
    assert "never compared with the sample" in page.inner_text("body")


def test_the_sample_notice_is_only_where_the_sample_is(two_quarters, page):
    open_page(page, f"{two_quarters}/?lang=en&fy=2023-24&q=2")
    assert "Sample data" not in page.inner_text("body")
    open_page(page, f"{two_quarters}/?lang=en&fy=2022-23")
    assert "Sample data" in page.inner_text("body")
