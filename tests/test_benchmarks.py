"""The benchmark runner keeps working (a tiny size; real figures come from `python3 dev.py bench`)."""

import pytest

from benchmarks import run


@pytest.mark.slow
def test_runner_smoke(tmp_path, monkeypatch):
    from benchmarks import ingest

    monkeypatch.setattr(run, "CACHE", tmp_path / "bench")
    monkeypatch.setattr(ingest, "CACHE", tmp_path / "bench")
    run.CACHE.mkdir()
    text = run.run(["2k"], repeat=1, out=tmp_path / "RESULTS.md", ingest_rows=2_000, page_load=False)
    assert (tmp_path / "RESULTS.md").read_text() == text
    assert "## Ingest against the I/O floor" in text and "## Page computations over the store" in text
    for computation in ("by upazila", "by union", "entrepreneurs", "service mix", "vs previous year"):
        assert f"| {computation} |" in text
    assert "within 1.5× the I/O floor | " in text and "map figure ≤ 150 KB | " in text


@pytest.mark.skipif(run.duckdb is None, reason="duckdb is not installed (requirements-dev.txt has it)")
def test_duckdb_computes_the_same_figures(tmp_path, monkeypatch):
    """The baseline does the same work: its figures are the project's, from the raw rows."""
    import polars as pl

    monkeypatch.setattr(run, "CACHE", tmp_path / "bench")
    store = run.stored(2_000)
    files = sorted(str(p) for p in (store.directory / "parts").rglob("*.parquet"))
    units = run.national_gazetteer().units
    ours = run.project_pages(store.rollup(), units)
    theirs = run.duckdb_pages(run.duckdb.connect(), f"read_parquet({files!r})")
    areas = ours["by upazila"]().filter(pl.col("beneficiaries").is_not_null())
    expected = {row[0]: tuple(int(v or 0) for v in row[1:]) for row in theirs["by upazila"]()}
    got = {row[0]: tuple(int(v or 0) for v in row[1:]) for row in areas.select(
        "pcode", "beneficiaries", "beneficiaries_udc", "beneficiaries_front_desk", "earnings_paisa", "entrepreneurs",
        "service_kinds").iter_rows()}
    assert got == expected and len(got) > 10
    now, before = theirs["vs previous year"]()
    heads = ours["vs previous year"]()
    assert heads["current"].to_list() == [int(v or 0) for v in now[0]]
    assert heads["previous"].to_list() == [int(v or 0) for v in before[0]]
    mix = ours["service mix"]()
    assert sorted((r[2], int(r[3]), int(r[4]), int(r[5] or 0)) for r in theirs["service mix"]()) == sorted(
        mix.select("service_code", "beneficiaries", "earnings_paisa", "entrepreneurs").rows())
    people = ours["entrepreneurs"]()
    assert {r[0]: (int(r[5] or 0), int(r[6] or 0), int(r[7] or 0)) for r in theirs["entrepreneurs"]()} == {
        r[0]: r[1:] for r in people.select("entrepreneur_id", "beneficiaries", "earnings_paisa", "service_kinds").rows()}


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
