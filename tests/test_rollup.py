"""Roll-ups (analytics/store/rollup.py) give every page's figures exactly as the raw rows do.

Random stores: uploads drawn from the sample's rows with dates spread over three fiscal years,
added or replacing quarters, some rolled back; at several pinned versions and at the latest,
each figure the pages show is computed from the store's roll-ups (``Store.rollup``, by quarter)
and, independently, from its raw rows by ``tests/oracle.py`` (the row-by-row reference), and
the two must be equal. Both backends.
"""

from __future__ import annotations

import random
from datetime import date

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from analytics.reference.gazetteer import Gazetteer
from analytics.reference.periods import Period, fiscal_year, quarter
from analytics.reference.sample import generate
from analytics.report import comparison, metrics
from analytics.store import LocalStore, open_store, rollup
from tests import oracle

#: Fiscal periods (answered by quarter) and date ranges that cut months (answered by day from the raw rows).
PERIODS = [fiscal_year(2022), fiscal_year(2023), quarter(2022, 3), quarter(2023, 1), quarter(2021, 4),
           Period(date(2022, 8, 13), date(2022, 11, 2)), Period(date(2023, 3, 1), date(2024, 2, 29))]
@pytest.fixture(scope="module")
def sample() -> pl.DataFrame:
    return generate()


@pytest.fixture(scope="module")
def units() -> pl.DataFrame:
    return Gazetteer.load().units


def upload(sample: pl.DataFrame, rng: random.Random, *, rows: int) -> pl.DataFrame:
    """Rows of the sample moved to random days of FY 2021-22 to FY 2023-24."""
    picked = sample.sample(rows, seed=rng.randrange(2**31), with_replacement=True)
    shift = np.random.default_rng(rng.randrange(2**31)).integers(-365, 400, rows)
    return picked.with_columns(pl.col("date") + pl.Series(shift).cast(pl.Int64) * pl.duration(days=1))


def random_store(store, sample: pl.DataFrame, *, seed: int) -> list[int]:
    """Add, replace and roll back at random; the data versions seen."""
    rng, versions, active = random.Random(seed), [], []
    for step in range(10):
        action = rng.random()
        if action < 0.2 and active:
            store.rollback(active.pop(rng.randrange(len(active))), actor="t")
        else:
            mode = "replace" if action < 0.35 else "add"
            result = store.commit(upload(sample, rng, rows=rng.randrange(50, 1500)), file_name=f"f{step}.csv",
                                  content_hash=f"{seed}-{step}", uploader="t", mode=mode)
            active.append(result.upload_id)
        versions.append(store.version())
    return versions


def same(ours: pl.DataFrame, theirs: pl.DataFrame, *, by: list[str]) -> None:
    assert ours.columns == theirs.columns
    assert_frame_equal(ours.sort(by, nulls_last=True), theirs.sort(by, nulls_last=True), check_dtypes=False)


def check_every_figure(rolled: rollup.Rollup, raw: pl.LazyFrame, units: pl.DataFrame) -> int:
    """Each page computation on both; how many were compared."""
    checked = 0
    some_upazila = raw.select(pl.col("upazila_code").drop_nulls().first()).collect().item()
    for period in PERIODS:
        for upazila in (None, some_upazila):
            assert metrics.headline(rolled, period=period, upazila=upazila) == \
                oracle.headline(raw, period=period, upazila=upazila)
            same(metrics.headline_change(rolled, period=period, upazila=upazila),
                 oracle.headline_change(raw, period=period, upazila=upazila), by=["figure"])
            for mode in ("previous", "year"):
                fair = comparison.compare(rolled, period=period, mode=mode)
                assert fair == comparison.compare(raw, period=period, mode=mode)
                same(metrics.headline_change(rolled, period=period, upazila=upazila, comparison=fair),
                     oracle.headline_change(raw, period=period, upazila=upazila, comparison=fair), by=["figure"])
                same(metrics.entrepreneurs(rolled, period=period, upazila=upazila, comparison=fair),
                     oracle.entrepreneurs(raw, period=period, upazila=upazila, comparison=fair), by=["rank"])
            for level in ("upazila", "union"):
                same(metrics.by_area(rolled, units, level=level, period=period, upazila=upazila),
                     oracle.by_area(raw, units, level=level, period=period, upazila=upazila), by=["pcode"])
            same(metrics.entrepreneurs(rolled, period=period, upazila=upazila),
                 oracle.entrepreneurs(raw, period=period, upazila=upazila), by=["rank"])
            for channel in ("all", "udc", "front_desk"):
                same(metrics.service_mix(rolled, period=period, channel=channel, upazila=upazila),
                     oracle.service_mix(raw, period=period, channel=channel, upazila=upazila),
                     by=["channel", "service_code"])
            checked += 15
        for channel in ("udc", "front_desk", "all"):
            same(metrics.area_by_category(rolled, period=period, channel=channel),
                 oracle.area_by_category(raw, period=period, channel=channel), by=["upazila_code", "service_category"])
        same(metrics.coverage(rolled, units, period=period), oracle.coverage(raw, units, period=period), by=["pcode"])
        # who delivered what where (the small-cell rule across the services pages)
        same(metrics.service_people(rolled, period=period), oracle.service_people(raw, period=period),
             by=["upazila_code", "service_code", "entrepreneur_id"])
        checked += 5
    uploads = set(raw.select(pl.col("upload_id").unique()).collect()["upload_id"].to_list()[:1])
    for channel in ("all", "udc"):
        same(metrics.trend(rolled, channel=channel, sample_uploads=uploads),
             oracle.trend(raw, channel=channel, sample_uploads=uploads), by=["fy", "fq", "channel"])
    same(metrics.periods_available(rolled), oracle.periods_available(raw), by=["fy", "fq"])
    return checked + 3


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_rollups_give_the_raw_rows_figures_at_every_version(store_at, sample, units, seed):
    store = open_store(env=store_at("store"))
    versions = random_store(store, sample, seed=seed)
    pins = sorted(set(random.Random(seed).sample(versions, 3)))
    for as_of in [*pins, None]:
        rolled = store.rollup(as_of=as_of)
        assert rolled.grain == "quarter", "the stored roll-ups are read, not the raw rows rolled up"
        assert check_every_figure(rolled, store.scan(as_of=as_of), units) > 100


def test_a_raw_log_rolled_up_by_day_gives_any_range_exactly(sample, units):
    """A date range that cuts quarters: the raw log's own roll-up (by day) is exact."""
    raw = upload(sample, random.Random(5), rows=3000).lazy()
    rolled = rollup.rollup_of(raw)
    assert rolled.grain == "day"
    for period in (Period(date(2022, 8, 13), date(2022, 11, 2)), Period(date(2023, 1, 1), date(2023, 1, 1))):
        assert metrics.headline(rolled, period=period) == oracle.headline(raw, period=period)
        same(metrics.entrepreneurs(rolled, period=period), oracle.entrepreneurs(raw, period=period), by=["rank"])
        same(metrics.by_area(rolled, units, level="union", period=period),
             oracle.by_area(raw, units, level="union", period=period), by=["pcode"])
        same(metrics.service_mix(rolled, period=period), oracle.service_mix(raw, period=period),
             by=["channel", "service_code"])


def test_a_service_outside_the_catalogue_is_counted_too(tmp_path, sample, units):
    """No stored roll-up can hold a code without a bit: the store reads the raw rows instead, and
    the figures still count it."""
    store = open_store(env={"SEBA_ATLAS_STORE": str(tmp_path / "s")})
    rows = upload(sample, random.Random(3), rows=400)
    new = pl.int_range(pl.len()) % 7 == 0  # a new service, of a category of its own (as a code has one)
    odd = rows.with_columns(pl.when(new).then(pl.lit("ZZ9")).otherwise(pl.col("service_code")).alias("service_code"),
                            pl.when(new).then(pl.lit("NEW")).otherwise(pl.col("service_category")).alias("service_category"))
    store.commit(odd, file_name="odd.csv", content_hash="odd", uploader="t")
    rolled = store.rollup()
    assert rolled.grain == "day" and "ZZ9" in rolled.codes
    assert check_every_figure(rolled, store.scan(), units) > 100


def test_rollups_are_written_at_the_first_read_and_kept(tmp_path, sample):
    """A commit writes the rows only (an ingest stays near the I/O floor); the first read writes
    each file's roll-ups, later reads use them. A store that cannot be written reads the raw rows,
    and so does one whose roll-ups were lost (a backup holds none): same figures."""
    where = tmp_path / "s"
    store = open_store(env={"SEBA_ATLAS_STORE": str(where)})
    store.commit(upload(sample, random.Random(4), rows=800), file_name="a.csv", content_hash="a", uploader="t")
    assert not (where / "rollups").exists()
    expected = oracle.headline(store.scan(), period=fiscal_year(2022))
    read_only = LocalStore(where, read_only=True)
    assert read_only.rollup().grain == "day" and not (where / "rollups").exists()
    assert metrics.headline(read_only.rollup(), period=fiscal_year(2022)) == expected
    assert store.rollup().grain == "quarter"
    written = sorted((where / "rollups").rglob("*.parquet"))
    assert len(written) == 2 * len(list((where / "parts").rglob("*.parquet")))
    again = open_store(env={"SEBA_ATLAS_STORE": str(where)})
    assert again.rollup().grain == "quarter" and sorted((where / "rollups").rglob("*.parquet")) == written
    assert metrics.headline(again.rollup(), period=fiscal_year(2022)) == expected
    for path in written:
        path.unlink()
    assert open_store(env={"SEBA_ATLAS_STORE": str(where)}).build_rollups() == sorted(p.relative_to(where).as_posix() for p in (where / "parts").rglob("*.parquet"))
    assert metrics.headline(open_store(env={"SEBA_ATLAS_STORE": str(where)}).rollup(), period=fiscal_year(2022)) == expected
