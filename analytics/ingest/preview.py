"""What storing a checked file would do, before anything is stored.

- :func:`overlaps`: the stored uploads that already hold this file's rows. Rows are compared
  as deliveries (date, place, entrepreneur, service, people, fee), as a *multiset* and
  whatever their order, so the same quarter saved again with other line endings, another
  encoding or as .xlsx instead of .csv is recognised, and so is a file that mostly repeats
  an upload (a corrected copy). Only uploads in force and only the file's date range are read.
  A file that repeats only some days of an upload (two files whose dates overlap by ten days)
  is found too: days on which an entrepreneur has exactly the same deliveries in both (the front
  desk's days are not compared so: it names no person, and two counters' days of a few
  applications can well be the same). Either way, ``partial`` says that the upload has days
  outside the file's: replacing the file's quarters would lose them. And a monthly summary of the
  unions' months a stored delivery log holds, or a log of those a stored summary holds (``form``):
  the same deliveries written both ways, which no row comparison finds.
- :func:`quarter_plan`: per fiscal quarter, the rows and beneficiaries stored now, in the
  file, and after the commit, and whether the quarter is added to or replaced (a quarter of
  the bundled sample is always replaced: a real upload takes the sample's place).
"""

from __future__ import annotations

import polars as pl

from analytics.ingest.validate import STRAY_MIN_ROWS, STRAY_SHARE
from analytics.reference.periods import Period, fiscal_columns, quarter

#: What makes two rows the same delivery (names and source rows do not).
ROW_KEY = ("date", "channel", "upazila_code", "union_code", "entrepreneur_id", "service_code", "beneficiaries",
           "fee_paisa")
#: A file sharing more than this share of its rows with one stored upload overlaps it.
OVERLAP_SHARE = 0.5
#: Rows a file must share with a stored upload for holding most of it to count (a few identical
#: rows, such as two front-desk applications of one day, are no sign that the upload is in it),
#: unless one of them is a UDC's: an entrepreneur's delivery of one day, service, count and fee
#: is no coincidence (a few corrected rows uploaded alone, then the whole corrected file).
OVERLAP_MIN_ROWS = 10

#: Days an office must have exactly the same deliveries in a file and in an upload for the file to
#: repeat those days of it (with :data:`OVERLAP_MIN_ROWS` rows on them at least).
OVERLAP_MIN_DAYS = 2
#: What makes rows the deliveries of one office on one day.
OFFICE_DAY = ("date", "channel", "upazila_code", "union_code", "entrepreneur_id")

OVERLAP_SCHEMA = {"upload_id": pl.String, "stored_rows": pl.UInt32, "shared_rows": pl.UInt32, "share": pl.Float64,
                  "same": pl.Boolean, "partial": pl.Boolean, "first": pl.Date, "last": pl.Date, "form": pl.Boolean}
PLAN_SCHEMA = {"fy": pl.Int32, "fq": pl.Int8, "stored_rows": pl.UInt32, "stored_beneficiaries": pl.Int64,
               "incoming_rows": pl.UInt32, "incoming_beneficiaries": pl.Int64, "after_rows": pl.UInt32,
               "after_beneficiaries": pl.Int64, "action": pl.String}


def _delivery() -> pl.Expr:
    """A row's delivery (:data:`ROW_KEY`) as one number, ``__h``."""
    return pl.struct(list(ROW_KEY)).hash(seed=7).alias("__h")


def _numbered(frame: pl.LazyFrame, *, by: list[str]) -> pl.LazyFrame:
    """Each row's delivery hash and its occurrence number among equal rows (so repeats count)."""
    hashed = frame.select(*by, "date", "channel", _delivery())
    return hashed.with_columns(pl.int_range(pl.len()).over([*by, "__h"]).alias("__n"))


def overlaps(stored: pl.LazyFrame, incoming: pl.DataFrame, *, share: float = OVERLAP_SHARE) -> pl.DataFrame:
    """Stored uploads sharing more than ``share`` of ``incoming``'s rows, or more than ``share`` of
    their own rows with it (an upazila's compiled file holding a union's upload), most shared first;
    then uploads some of whose days the file repeats (``partial``: see the module docstring); then
    uploads holding the same unions' months written the other way, a monthly summary against a
    delivery log (``form``: :func:`_other_form`).

    ``same`` marks an upload holding exactly the same rows (a repeat, not just an overlap);
    ``partial`` one with days outside the file's; ``first`` and ``last`` are the dates of the rows
    shared.
    """
    if incoming.height == 0:
        return pl.DataFrame(schema=OVERLAP_SCHEMA)
    first, last = incoming["date"].min(), incoming["date"].max()
    window = stored.filter(pl.col("date").is_between(first, last))
    sizes = stored.group_by("upload_id").agg(pl.len().alias("stored_rows"), pl.col("date").min().alias("__from"),
                                             pl.col("date").max().alias("__to"))
    # partial: the upload has days outside the file's (replacing the file's quarters would lose them)
    partial = (pl.col("__from") < first) | (pl.col("__to") > last)
    forms = _other_form(stored, incoming, share=share).join(sizes, on="upload_id").with_columns(
        share=pl.col("shared_rows") / incoming.height, same=pl.lit(False), partial=partial, form=pl.lit(True))
    theirs = _numbered(window, by=["upload_id"]).collect()
    if theirs.height == 0:  # nothing stored in the file's dates: its rows need no hashing
        return _overlap_rows(forms.collect())
    mine = _numbered(incoming.lazy(), by=[])
    shared = (theirs.lazy().join(mine, on=["__h", "__n"], how="semi").group_by("upload_id")
              .agg(pl.len().alias("shared_rows"), (pl.col("channel") == "udc").sum().alias("__udc"),
                   pl.col("date").min().alias("first"), pl.col("date").max().alias("last")))
    out = (shared.join(sizes, on="upload_id").with_columns(share=pl.col("shared_rows") / incoming.height)
           .filter((pl.col("share") > share) | ((pl.col("shared_rows") > share * pl.col("stored_rows"))
                                                 & ((pl.col("shared_rows") >= OVERLAP_MIN_ROWS) | (pl.col("__udc") > 0))))
           .with_columns(same=(pl.col("shared_rows") == incoming.height) & (pl.col("stored_rows") == incoming.height),
                         partial=partial).collect())
    days = _repeated_days(window, incoming).join(sizes, on="upload_id").join(
        out.lazy().select("upload_id"), on="upload_id", how="anti").with_columns(
        share=pl.col("shared_rows") / incoming.height, same=pl.lit(False), partial=partial).collect()
    seen = pl.concat([out.select("upload_id"), days.select("upload_id")])
    return _overlap_rows(out.with_columns(form=pl.lit(False)), days.with_columns(form=pl.lit(False)),
                         forms.join(seen.lazy(), on="upload_id", how="anti").collect())


def _overlap_rows(*parts: pl.DataFrame) -> pl.DataFrame:
    """Overlaps of each kind, as :data:`OVERLAP_SCHEMA` rows, each kind most shared first."""
    return pl.concat([part.sort("shared_rows", "upload_id", descending=[True, False]).select(
        list(OVERLAP_SCHEMA)).cast(OVERLAP_SCHEMA) for part in parts])


def _other_form(stored: pl.LazyFrame, incoming: pl.DataFrame, *, share: float) -> pl.LazyFrame:
    """Per stored upload written the other way from ``incoming``, a monthly summary (every UDC row
    dated the 1st of its month, as ingest dates a summary's) against a delivery log: the incoming
    rows (``shared_rows``, ``first``, ``last``) in the unions' months both hold, where they are more
    than ``share`` of the file's UDC rows or of the upload's in those months. The same deliveries
    written both ways (a union's log, then the upazila's summary of it; a workbook's log and summary
    sheets) would be counted twice, and no row of one is a row of the other."""
    udc = pl.col("channel") == "udc"
    month = pl.col("date").dt.truncate("1mo").alias("__month")
    mine = incoming.lazy().filter(udc & pl.col("union_code").is_not_null()).select("union_code", month, "date").collect()
    if mine.height == 0:
        return pl.LazyFrame(schema={"upload_id": pl.String, "shared_rows": pl.UInt32, "first": pl.Date, "last": pl.Date})
    summary = bool(mine.select((pl.col("date").dt.day() == 1).all()).item())
    start, end = mine["__month"].min(), mine["date"].max()
    theirs = (stored.filter(udc & pl.col("union_code").is_not_null() & (pl.col("date") >= start)
                            & (pl.col("date") <= pl.lit(end).dt.month_end()))
              .select("upload_id", "union_code", month, (pl.col("date").dt.day() == 1).all().over("upload_id").alias("__summary"))
              .filter(pl.col("__summary") != summary))
    cells = theirs.select("upload_id", "union_code", "__month").unique()
    own = theirs.group_by("upload_id").agg(pl.len().alias("__rows"))
    held = theirs.join(mine.lazy().select("union_code", "__month").unique(), on=["union_code", "__month"],
                       how="semi").group_by("upload_id").agg(pl.len().alias("__held"))
    return (mine.lazy().join(cells, on=["union_code", "__month"]).group_by("upload_id")
            .agg(pl.len().cast(pl.UInt32).alias("shared_rows"), pl.col("date").min().alias("first"),
                 pl.col("date").max().alias("last"))
            .join(own, on="upload_id").join(held, on="upload_id")
            .filter((pl.col("shared_rows") > share * mine.height) | (pl.col("__held") > share * pl.col("__rows")))
            .select("upload_id", "shared_rows", "first", "last"))


def _repeated_days(window: pl.LazyFrame, incoming: pl.DataFrame) -> pl.LazyFrame:
    """Per stored upload of ``window``: the rows, and first and last date, of the days on which an
    office has exactly the same deliveries in ``incoming`` as in it, when they are enough to count
    (:data:`OVERLAP_MIN_DAYS`, :data:`OVERLAP_MIN_ROWS`)."""
    def signatures(frame: pl.LazyFrame, by: list[str]) -> pl.LazyFrame:
        # an office-day's deliveries as one number, whatever their order (their hashes, sorted)
        return frame.select(*by, *OFFICE_DAY, _delivery()).group_by(*by, *OFFICE_DAY).agg(
            pl.col("__h").sort().implode().hash(seed=11).alias("__day"), pl.len().alias("__rows"))

    # UDC rows only: an entrepreneur's day is theirs alone; the front desk writes no person, and two
    # counters' days of a few applications of one service at no fee can well be the same
    udc = pl.col("channel") == "udc"
    days = signatures(window.filter(udc), ["upload_id"]).join(
        signatures(incoming.lazy().filter(udc), []), on=[*OFFICE_DAY, "__day", "__rows"], nulls_equal=True)
    return days.group_by("upload_id").agg(
        pl.col("__rows").sum().alias("shared_rows"), pl.len().alias("__days"), pl.col("date").min().alias("first"),
        pl.col("date").max().alias("last")).filter(
        (pl.col("__days") >= OVERLAP_MIN_DAYS) & (pl.col("shared_rows") >= OVERLAP_MIN_ROWS)).drop("__days")


def quarter_plan(stored: pl.LazyFrame, incoming: pl.DataFrame, *, mode: str,
                 sample_uploads: frozenset[str] | set[str] = frozenset()) -> pl.DataFrame:
    """Per fiscal quarter the file touches: now, in the file, after; ``action`` "new" (nothing
    stored), "add", "replace", or "replace_sample": a quarter holding the bundled sample
    (``sample_uploads``), which a real upload always takes the place of (the store does so)."""
    people = pl.col("beneficiaries").cast(pl.Int64)
    sample = pl.col("upload_id").is_in(list(sample_uploads)) if sample_uploads else pl.lit(False)

    def per_quarter(frame: pl.LazyFrame, prefix: str) -> pl.LazyFrame:
        return frame.with_columns(fiscal_columns()).group_by("fy", "fq").agg(
            pl.len().cast(pl.UInt32).alias(f"{prefix}_rows"), people.sum().alias(f"{prefix}_beneficiaries"))

    mine = per_quarter(incoming.lazy(), "incoming").collect()
    if mine.height == 0:
        return pl.DataFrame(schema=PLAN_SCHEMA)
    periods = [quarter(fy, fq) for fy, fq in mine.select("fy", "fq").iter_rows()]
    start, end = min(p.start for p in periods), max(p.end for p in periods)
    window = stored.filter(pl.col("date").is_between(start, end))
    now = per_quarter(window, "stored").join(
        window.filter(sample).with_columns(fiscal_columns()).group_by("fy", "fq").agg(pl.len().alias("sample_rows")),
        on=["fy", "fq"], how="left").collect()
    plan = mine.join(now, on=["fy", "fq"], how="left").with_columns(
        pl.col("stored_rows").fill_null(0), pl.col("stored_beneficiaries").fill_null(0),
        pl.col("sample_rows").fill_null(0))
    has = pl.col("stored_rows") > 0
    of_sample = has & (pl.col("sample_rows") == pl.col("stored_rows"))
    replace = has & (pl.lit(mode == "replace") | of_sample)
    plan = plan.with_columns(
        action=pl.when(~has).then(pl.lit("new")).when(of_sample).then(pl.lit("replace_sample"))
        .when(replace).then(pl.lit("replace")).otherwise(pl.lit("add")),
        after_rows=pl.when(replace).then(pl.col("incoming_rows")).otherwise(pl.col("stored_rows") + pl.col("incoming_rows")),
        after_beneficiaries=pl.when(replace).then(pl.col("incoming_beneficiaries"))
        .otherwise(pl.col("stored_beneficiaries") + pl.col("incoming_beneficiaries")),
    )
    return plan.sort("fy", "fq").select(list(PLAN_SCHEMA)).cast(PLAN_SCHEMA)


def quarters_with_data(plan: pl.DataFrame) -> list[Period]:
    """The quarters of a :func:`quarter_plan` (made with ``mode="add"``) where the file would be
    added to uploaded data: the upload page then asks whether to add or replace."""
    return [quarter(fy, fq) for fy, fq in plan.filter(pl.col("action") == "add").select("fy", "fq").iter_rows()]


#: A quarter holding at most :data:`analytics.ingest.validate.STRAY_SHARE` of a file's rows (one row at
#: least, this many at most), beside one quarter holding all the others, holds strays: most likely
#: dates typed wrong (28/09 for 28/10). (Dates quarters away from the rest are refused by the checks:
#: :func:`analytics.ingest.validate.stray_date_problems`.)
STRAY_MOST = 5


def lone_quarters(sizes: pl.DataFrame) -> pl.DataFrame:
    """Of a file's quarters (``fy``, ``fq``, ``len``: its rows in each), those that hold strays (see
    :func:`stray_rows`): read from the sizes alone, as a prepared upload's files give them."""
    total = int(sizes["len"].sum()) if sizes.height else 0
    few = sizes.filter(pl.col("len") <= min(STRAY_MOST, max(1, int(STRAY_SHARE * total))))
    if total < STRAY_MIN_ROWS or sizes.height - few.height != 1:  # (the rest of the file in one quarter)
        return sizes.clear()
    return few


def stray_rows(incoming: pl.DataFrame) -> pl.DataFrame:
    """The rows (``source_row``, ``date``, ``fy``, ``fq``) of a file dated in a quarter of its own
    that holds only a few of them, while another quarter holds nearly all the rest: a date typed
    wrong sends a row into another office's quarter without a word. Empty when there is none."""
    empty = pl.DataFrame(schema={"source_row": pl.Int32, "date": pl.Date, "fy": pl.Int32, "fq": pl.Int8})
    if incoming.height < STRAY_MIN_ROWS:
        return empty
    dated = incoming.select("source_row", "date").with_columns(fiscal_columns())
    few = lone_quarters(dated.group_by("fy", "fq").len())
    if few.height == 0:
        return empty
    return dated.join(few.select("fy", "fq"), on=["fy", "fq"]).select(
        pl.col("source_row").cast(pl.Int32), "date", pl.col("fy").cast(pl.Int32), pl.col("fq").cast(pl.Int8)).sort(
        "source_row")
