"""The office corpus (tests/data/offices): each realistic file reaches exactly its totals in one pass."""

import csv
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from analytics.ingest import decisions
from analytics.ingest.pipeline import ingest_bytes
from analytics.reference.gazetteer import Gazetteer
from analytics.reference.periods import quarter
from analytics.reference.services import ServiceResolver, load_catalogue

ROOT = Path(__file__).resolve().parent.parent
OFFICES = ROOT / "tests" / "data" / "offices"
EXPECTED = list(csv.DictReader((OFFICES / "expected.csv").open(encoding="utf-8")))
Q1 = quarter(2023, 1)


def names_for(path: Path) -> pl.DataFrame | None:
    companion = path.with_name(f"{path.stem}.decisions.csv")
    if not companion.exists():
        return None
    services = ServiceResolver(load_catalogue())
    return decisions.read_csv(companion, resolve=decisions.code_resolvers(gazetteer=Gazetteer.load(),
                                                                          services=services))


def by_upazila(frame: pl.DataFrame) -> str:
    by = frame.group_by("upazila_code").agg(pl.col("beneficiaries").cast(pl.Int64).sum(), pl.col("fee_paisa").sum())
    return ";".join(f"{u}={b}/{f}" for u, b, f in by.sort("upazila_code").iter_rows())


@pytest.mark.parametrize("case", EXPECTED, ids=[c["file"] for c in EXPECTED])
def test_each_office_file_reaches_its_totals_in_one_pass(case):
    path = OFFICES / case["file"]
    chosen = names_for(path)
    result = ingest_bytes(path.read_bytes(), file_name=path.name, upload_id="u", lang="bn", period=Q1,
                          decisions=chosen)
    assert result.clean, result.problems.select("row", "column", "message").head(10).rows()
    assert result.questions.height == 0
    frame = result.frame
    assert result.shape == case["shape"]
    assert (frame.height, int(frame["beneficiaries"].cast(pl.Int64).sum()), int(frame["fee_paisa"].sum())) == (
        int(case["rows"]), int(case["beneficiaries"]), int(case["fee_paisa"]))
    assert by_upazila(frame) == case["by_upazila"]
    decided = result.matches.filter(pl.col("how") == "decided")
    assert decided.height == int(case["decisions"])


def test_without_its_decisions_the_unclear_names_are_asked_once_each():
    path = OFFICES / "nesarabad_q1_legacy_names.xlsx"
    result = ingest_bytes(path.read_bytes(), file_name=path.name, upload_id="u", lang="en", period=Q1)
    assert not result.clean
    assert sorted(result.questions["value"].to_list()) == ["Misc. online service", "অনলাইন কাজ"]
    assert result.questions.select(pl.col("rows").sum()).item() == 14  # 9 + 5 rows wait on two answers


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analytics", *args], cwd=ROOT, capture_output=True, text=True)


def test_the_whole_quarter_through_the_command_line_in_one_pass(tmp_path):
    store = str(tmp_path / "store")
    files = [OFFICES / c["file"] for c in EXPECTED if "same rows as" not in c["notes"]]
    names = OFFICES / "nesarabad_q1_legacy_names.decisions.csv"
    out = cli("ingest", *map(str, files), "--store", store, "--period", "2023-24-Q1", "--names", str(names))
    assert out.returncode == 0, out.stderr[-3000:]
    assert "matched approximately" in out.stdout and "counted as separate deliveries" in out.stdout
    summary = cli("summary", "--json", "--store", store, "--period", "2023-24-Q1")
    import json

    figures = json.loads(summary.stdout)
    counted = [c for c in EXPECTED if "same rows as" not in c["notes"]]
    assert figures["beneficiaries_total"] == sum(int(c["beneficiaries"]) for c in counted)
    assert figures["entrepreneur_earnings_bdt"] * 100 == sum(int(c["fee_paisa"]) for c in counted)
    # the same Kawkhali rows saved again as a workbook are caught, naming the upload they repeat
    resaved = cli("ingest", str(OFFICES / "kawkhali_q1_en_resaved.xlsx"), "--store", store)
    assert resaved.returncode == 1 and "kawkhali_q1_en.csv" in resaved.stderr
    # and the decisions given with --names were kept: the Nesarabad file alone now needs no --names
    again = cli("ingest", str(OFFICES / "nesarabad_q1_legacy_names.xlsx"), "--store", store, "--dry-run",
                "--allow-overlap")
    assert again.returncode == 0, again.stderr[-2000:]
