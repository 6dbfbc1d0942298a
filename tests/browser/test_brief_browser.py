"""The "Download brief (PDF)" button (issue 15): a click on the overview and map pages gives the
PDF of the view on screen (pages/brief_button.py; the brief itself: tests/test_brief.py)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.browser.conftest import open_page, running_app

BUTTON = '[data-testid="stDownloadButton"] button'


@pytest.fixture(scope="module")
def app(browser, tmp_path_factory):
    """An app of this module's own, on the sample alone (the published figures)."""
    with running_app(tmp_path_factory.mktemp("brief")) as url:
        yield url


def download(page, tmp_path, name: str) -> bytes:
    button = page.locator(BUTTON).filter(has_text="PDF")
    button.wait_for()
    with page.expect_download(timeout=120_000) as info:
        button.click()
    path = tmp_path / name
    info.value.save_as(path)
    assert info.value.suggested_filename.endswith(".pdf")
    return path.read_bytes()


@pytest.mark.parametrize(("route", "lang", "figure"), [("", "en", "1,24,080"), ("map", "bn", "১,২৪,০৮০")],
                         ids=["overview", "map"])
def test_the_button_gives_the_brief_of_the_view(app, page, tmp_path, route, lang, figure):
    page.set_default_timeout(120_000)  # a loaded 2-core machine (other browser tests) can be slow
    open_page(page, f"{app}/{route}?lang={lang}&fy=2022-23")
    pdf = download(page, tmp_path, f"{route or 'overview'}.pdf")
    assert pdf.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        path = tmp_path / f"{route or 'overview'}.pdf"
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        assert figure in text
        assert "v=" in text  # the share link pins the data version
