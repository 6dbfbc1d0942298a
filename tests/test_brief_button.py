"""pages/brief_button.py: the overview and map pages carry the "Download brief (PDF)" button
(AppTest; the click and the PDF it gives: tests/browser/test_brief_browser.py)."""

from __future__ import annotations

import pytest

from analytics import i18n
from tests.helpers import run

pytestmark = pytest.mark.usefixtures("app_environment")  # the module's store and accounts


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/map.py"])
@pytest.mark.parametrize("lang", ["bn", "en"])
def test_the_pages_offer_the_brief(page, lang):
    at = run(page, lang=lang)
    buttons = at.get("download_button")
    assert [b.proto.label for b in buttons] == [i18n.t("brief.download", lang)]
    assert not buttons[0].proto.disabled
