"""The ingest benchmark (issue 13, item 1) runs end to end at a small size: the floor process and
the real command, timed and measured, and the command stores every row of the file."""

from __future__ import annotations

import pytest

from benchmarks import ingest as bench

pytestmark = pytest.mark.slow  # several whole processes


def test_the_ingest_benchmark_measures_both_processes_and_stores_every_row(tmp_path, monkeypatch):
    monkeypatch.setattr(bench, "CACHE", tmp_path)
    figures = bench.measure(20_000, repeat=1)
    for key in ("rows", "file_mb", "floor_s", "project_s", "ratio", "floor_peak_mb", "project_peak_mb"):
        assert figures[key] > 0, key
    assert figures["stored_rows"] == figures["rows"] > 15_000
    assert figures["ratio"] == pytest.approx(figures["project_s"] / figures["floor_s"], rel=0.01)
