"""The bundled sample reproduces every figure of the published FY 2022-23 report.

The expected values (tests/helpers.py: PUBLISHED) are typed from the report (published-figures.md),
independently of geodata/published_fy2022_23.json that the generator reads, so a wrong target file or
a wrong generator both fail.
"""

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from analytics.cli.main import summary
from analytics.reference import schema
from analytics.reference.periods import fiscal_year, quarter
from analytics.reference.sample import (
    SAMPLE_UPLOAD_ID,
    ensure_sample,
    generate,
    published_targets,
    write_quarterly_files,
)
from analytics.store import LocalStore
from tests.helpers import PUBLISHED

ROOT = Path(__file__).resolve().parent.parent
FY = fiscal_year(2022)

@pytest.fixture(scope="module")
def log() -> pl.DataFrame:
    return generate()


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory, log) -> LocalStore:
    store = LocalStore(tmp_path_factory.mktemp("store"))
    ensure_sample(store)
    return store


def test_targets_file_agrees_with_report():
    targets = published_targets()
    assert targets["beneficiaries_udc_by_upazila"] == PUBLISHED["beneficiaries_by_upazila"]
    assert targets["entrepreneur_earnings_bdt"] == PUBLISHED["entrepreneur_earnings_bdt"]


@pytest.mark.parametrize("key", list(PUBLISHED))
def test_summary_reproduces_each_published_figure(sample_store, key):
    assert summary(sample_store, period=FY)[key] == PUBLISHED[key]


def test_udc_figures_add_up(log):
    assert sum(PUBLISHED["beneficiaries_by_upazila"].values()) == PUBLISHED["beneficiaries_udc"]
    assert PUBLISHED["beneficiaries_udc"] + PUBLISHED["beneficiaries_front_desk"] == PUBLISHED["beneficiaries_total"]


def test_one_row_per_delivery_in_the_fiscal_year(log):
    assert log.height == PUBLISHED["beneficiaries_total"]
    assert set(log["beneficiaries"].unique()) == {1}
    assert log["date"].min() >= date(2022, 7, 1) and log["date"].max() <= date(2023, 6, 30)
    assert dict(log.schema) == schema.LOG_SCHEMA
    assert log["upload_id"].unique().to_list() == [SAMPLE_UPLOAD_ID]


def test_two_entrepreneurs_per_union_one_woman_one_man(log):
    per_union = (log.filter(pl.col("channel") == "udc").group_by("union_code")
                 .agg(pl.col("entrepreneur_id").n_unique().alias("n"),
                      pl.col("entrepreneur_gender").cast(pl.String).unique().sort().alias("genders")))
    assert per_union.height == 52
    assert per_union["n"].to_list() == [2] * 52
    assert all(g.to_list() == ["female", "male"] for g in per_union["genders"])


def test_fees_are_plausible_and_front_desk_earns_nothing(log):
    from analytics.reference.services import load_catalogue

    catalogue = load_catalogue()
    joined = log.join(catalogue, on="service_code")
    assert joined.height == log.height
    udc = joined.filter(pl.col("channel") == "udc")
    assert (udc["fee_paisa"] >= udc["fee_min_bdt"] * 100).all() and (udc["fee_paisa"] <= udc["fee_max_bdt"] * 100).all()
    assert (udc["fee_paisa"] % 100 == 0).all()  # whole taka
    assert joined.filter(pl.col("channel") == "front_desk")["fee_paisa"].sum() == 0


def test_plausible_variation(log):
    udc = log.filter(pl.col("channel") == "udc")
    per_quarter = udc.group_by(pl.col("date").dt.quarter()).len()["len"]
    assert per_quarter.max() < 1.6 * per_quarter.min()  # seasonal, not wild
    fridays = udc.filter(pl.col("date").dt.weekday() == 5).height / udc.height
    assert fridays < 0.08  # fewer deliveries on Fridays
    per_union = udc.group_by("union_code").len()["len"]
    assert per_union.n_unique() > 40  # unions differ


def test_deterministic():
    assert generate(seed=7).equals(generate(seed=7))


def read_upload_csv(path):
    return pl.read_csv(path.read_bytes().decode("utf-8-sig").encode())


@pytest.mark.slow
def test_quarterly_files(tmp_path, log):
    files = write_quarterly_files(log, tmp_path)
    assert sorted(p.name for p in files) == sorted(
        f"pirojpur-fy2022-23-q{q}.{ext}" for q in range(1, 5) for ext in ("csv", "xlsx"))
    assert (tmp_path / "pirojpur-fy2022-23-q1.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # BOM, as Excel writes
    q1 = read_upload_csv(tmp_path / "pirojpur-fy2022-23-q1.csv")
    assert q1.columns[0] == "Date" and q1["Beneficiaries"].sum() == log.filter(quarter(2022, 1).filter()).height
    bn = pl.read_excel(tmp_path / "pirojpur-fy2022-23-q4.xlsx")
    assert bn.columns[0] == "তারিখ" and bn["সেবাগ্রহীতা"].sum() == log.filter(quarter(2022, 4).filter()).height
    total_fee = sum(read_upload_csv(p)["Fee (Tk)"].sum() for p in files if p.suffix == ".csv")
    assert total_fee == PUBLISHED["entrepreneur_earnings_bdt"]
    # identical deliveries are written once with their count (uploads reject exact duplicate rows)
    assert q1.is_duplicated().sum() == 0 and q1["Beneficiaries"].max() > 1


def test_ensure_sample_only_into_an_empty_store(sample_store):
    assert ensure_sample(sample_store) is False
    assert sample_store.uploads()["is_sample"].to_list() == [True]


def test_cli_summary_json_on_a_fresh_store(tmp_path):
    env = {"SEBA_ATLAS_STORE": str(tmp_path / "fresh"), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-m", "analytics", "summary", "--fy", "2022-23", "--json"],
                         cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == PUBLISHED


def test_cli_summary_text_in_bengali(sample_store):
    out = subprocess.run([sys.executable, "-m", "analytics", "summary", "--fy", "2022-23", "--lang", "bn",
                          "--store", str(sample_store.directory)], cwd=ROOT, capture_output=True, text=True, check=True)
    for text in ("১,২৪,০৮০", "৪২,২০৬", "৩৮,৪৯,১৬৮ টাকা", "ভান্ডারিয়া", "২২,৭৯১", "২০২২-২৩ অর্থবছর"):
        assert text in out.stdout
