"""Two app processes over one shared store (PostgreSQL + S3, tests/backends.py), in Chromium: a
quarter uploaded through the first shows in the second at its next interaction, to the number;
a rollback made by the command line shows in both."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from analytics import i18n
from analytics.reference.periods import fiscal_year
from analytics.report import metrics
from analytics.store import open_store
from tests.backends import shared_env
from tests.browser.conftest import (
    SHOTS,
    confirm,
    open_page,
    running_app,
    signed_in_upload_page,
    upload,
    wait_idle,
)
from tests.helpers import OFFICES

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_FY, UPLOADED_FY = fiscal_year(2022), fiscal_year(2023)  # kawkhali_q1_en.csv is FY 2023-24 Q1


def total(env: dict[str, str], period) -> int:
    """The overview's beneficiaries for ``period``, as the shared store holds it now."""
    return metrics.headline(open_store(env=env).scan(), period=period)["beneficiaries_total"]


def shows(page, figure: int) -> None:
    text = i18n.number(figure, lang="en")
    page.wait_for_function(f"() => document.body.innerText.includes('{text}')", timeout=60_000)


def test_an_upload_through_one_app_shows_in_the_other(browser, shared_servers, tmp_path_factory):
    env = shared_env(shared_servers)
    with running_app(tmp_path_factory.mktemp("first"), store_env=env) as first, \
            running_app(tmp_path_factory.mktemp("second"), store_env=env) as second:
        viewer = browser.new_page(viewport={"width": 1920, "height": 1080})
        clerk = browser.new_page(viewport={"width": 1920, "height": 1080})
        try:
            open_page(viewer, second + "/?lang=en")  # the latest fiscal year with data: the sample's
            before = total(env, SAMPLE_FY)
            shows(viewer, before)
            assert total(env, UPLOADED_FY) == 0

            signed_in_upload_page(clerk, first, lang="en")
            upload(clerk, OFFICES / "kawkhali_q1_en.csv")
            confirm(clerk, lang="en")
            after = total(env, UPLOADED_FY)
            assert after == 191  # tests/data/offices/expected.csv

            viewer.get_by_text("বাংলা", exact=True).click()  # the viewer's next interaction: a rerun
            wait_idle(viewer)
            for text in (UPLOADED_FY.label(lang="bn"), i18n.number(after, lang="bn")):
                viewer.wait_for_function(f"() => document.body.innerText.includes('{text}')", timeout=60_000)
            viewer.screenshot(path=str(SHOTS / "shared-second-app-after-upload-bn.png"), full_page=True)

            latest = open_store(env=env).uploads()["upload_id"][-1]
            environment = {k: v for k, v in os.environ.items() if not k.startswith(("SEBA_ATLAS", "AWS_"))}
            subprocess.run([sys.executable, "-m", "analytics", "rollback", latest, "--store", env["SEBA_ATLAS_STORE"]],
                           cwd=ROOT, env=environment | env | {"PYTHONPATH": str(ROOT)}, check=True,
                           capture_output=True, timeout=120)
            assert total(env, UPLOADED_FY) == 0
            for page, app in ((viewer, second), (clerk, first)):
                open_page(page, app + "/?lang=en")  # the latest fiscal year is the sample's again
                shows(page, before)
        finally:
            viewer.close()
            clerk.close()
    for base in (first.base, second.base):
        assert not (base / "store").exists() and not (base / "users.sqlite").exists(), "an app wrote data locally"

