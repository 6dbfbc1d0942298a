"""The benchmark runner keeps working (a tiny size; real figures come from `python3 dev.py bench`)."""

import pytest

from benchmarks import run
from benchmarks.generate import upload_csv


@pytest.mark.slow
def test_runner_smoke(tmp_path, monkeypatch):
    monkeypatch.setattr(run, "CACHE", tmp_path / "bench")
    run.CACHE.mkdir()
    text = run.run(["2k"], repeat=1, out=tmp_path / "RESULTS.md")
    assert (tmp_path / "RESULTS.md").read_text() == text
    assert "| 2k | " in text and "## Page computations over the store" in text
    for computation in ("by upazila", "by union", "entrepreneurs", "service mix", "vs previous year"):
        assert f"| {computation} |" in text
    assert "map figure ≤ 150 KB | " in text


def test_baselines_agree_with_the_project(tmp_path):
    """The baselines do the same work: the same rows and money out of the same file."""
    import polars as pl

    path = upload_csv(3_000, tmp_path / "u.csv")
    rows = {engine: fn(path, tmp_path / engine) for engine, fn in run.INGESTERS.items()
            if engine != "duckdb" or run.duckdb is not None}
    assert len(set(rows.values())) == 1
    ours = pl.read_parquet(sorted((tmp_path / "project").rglob("*.parquet")))
    theirs = pl.read_parquet(tmp_path / "pandas" / "log.parquet")
    assert ours["fee_paisa"].sum() == theirs["fee_paisa"].sum()
    assert ours["beneficiaries"].sum() == theirs["beneficiaries"].sum()
    if run.duckdb is None:
        pytest.skip("duckdb not installed: its baseline was not compared")


@pytest.mark.slow
def test_shared_store_benchmark_smoke(tmp_path, shared_servers):
    """The shared-store benchmark runs end to end on a tiny size and writes its section only."""
    from benchmarks import shared

    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark results\n\nkept\n")
    section = shared.report(shared.measure(["2k"], repeat=1))
    shared.write(section, results)
    shared.write(section, results)  # again: replaced, not appended
    text = results.read_text()
    assert text.count("<!-- shared-store:start -->") == 1 and "kept" in text
    for computation in ("by upazila", "by union", "entrepreneurs", "service mix", "vs previous year"):
        assert f"| 2k | {computation} |" in text
