"""An upload's rows as the store keeps them: sorted by date, one Parquet file per fiscal quarter.

Both backends write their files with :func:`in_quarters` and :data:`PARQUET`. The isolated reader
of a command line may write them itself (:func:`prepare`), in a folder of its own, so that the
rows need not pass between the processes; :meth:`analytics.store.protocol.Store.commit_many` then
takes the :class:`Prepared` files as they are.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from analytics.reference import schema
from analytics.reference.periods import fiscal_columns

#: How the store writes its Parquet files.
PARQUET = {"compression": "zstd", "statistics": True}


def part_path(fy: int, fq: int, upload_id: str) -> str:
    """Where an upload's rows of one fiscal quarter are stored (:data:`analytics.store.protocol.PART_PATH`)."""
    return f"parts/fy={fy}/q={fq}/{upload_id}.parquet"


def in_quarters(frame: pl.DataFrame, *, upload_id: str) -> tuple[Totals, Iterator[tuple[int, int, pl.DataFrame]]]:
    """What the catalogue records of ``frame``'s rows as upload ``upload_id``, and each fiscal quarter
    of them as written: (fy, fq, the quarter's rows in the store's form, in date order).

    The rows are sorted and made text (text comes categorical from the isolated reader) once, in
    one plan; each quarter is a slice of them."""
    text = pl.Categorical() if any(dtype == pl.Categorical for dtype in frame.schema.values()) else pl.String()
    data = schema.conform(frame, text=text).with_columns(pl.lit(upload_id, dtype=text).alias("upload_id"))
    # the rows in date order (rows of one day as they came), text made once for all of them; each
    # quarter is then a run of it, counted over the days, and a slice (no copy). A log written day
    # by day is in order already, and is not sorted again
    dates = frame["date"] if "date" in frame.columns else data.select("date").collect().to_series()
    if not (dates.null_count() == 0 and dates.is_sorted()):
        data = data.sort("date", maintain_order=True)
    data = schema.conform(data).collect()
    days = data["date"].rle().struct.unnest().rename({"value": "date"})
    runs = days.with_columns(fiscal_columns()).group_by("fy", "fq", maintain_order=True).agg(pl.col("len").sum())

    def quarters() -> Iterator[tuple[int, int, pl.DataFrame]]:
        offset = 0
        for fy, fq, rows in runs.iter_rows():
            yield int(fy), int(fq), data.slice(offset, rows)
            offset += rows

    return Totals.of(data), quarters()


@dataclass(frozen=True)
class Totals:
    """What the catalogue records of an upload's rows."""

    rows: int
    beneficiaries: int
    fee_paisa: int
    first: date | None
    last: date | None

    @classmethod
    def of(cls, data: pl.DataFrame) -> Totals:
        beneficiaries, fee, first, last = data.select(
            pl.col("beneficiaries").cast(pl.Int64).sum(), pl.col("fee_paisa").sum(), pl.col("date").min().alias("first"),
            pl.col("date").max().alias("last")).row(0)
        return cls(data.height, int(beneficiaries or 0), int(fee or 0), first, last)


@dataclass(frozen=True)
class Prepared:
    """An upload's rows already written as the store keeps them (:func:`prepare`)."""

    upload_id: str
    #: (fy, fq, rows, the file on this machine) per fiscal quarter
    files: tuple[tuple[int, int, int, str], ...]
    totals: Totals

    @property
    def height(self) -> int:
        return self.totals.rows

    def scan(self) -> pl.LazyFrame:
        """The rows, read from the files (in the store's schema)."""
        if not self.files:
            return schema.empty_log().lazy()
        return pl.scan_parquet([path for *_, path in self.files], schema=schema.LOG_SCHEMA)


def written(part: pl.DataFrame) -> pl.DataFrame:
    """Rows as they are written: exactly the store's schema."""
    return part if part.schema == pl.Schema(schema.LOG_SCHEMA) else schema.conform(part).collect()


def prepare(frame: pl.DataFrame, *, upload_id: str, folder: Path) -> Prepared:
    """Write ``frame``'s rows into ``folder`` as the store keeps them for upload ``upload_id``."""
    totals, quarters = in_quarters(frame, upload_id=upload_id)
    files = []
    for fy, fq, part in quarters:
        target = folder / f"fy={fy}-q={fq}-{upload_id}.parquet"
        part.write_parquet(target, **PARQUET)
        files.append((fy, fq, part.height, str(target)))
    return Prepared(upload_id, tuple(files), totals)
