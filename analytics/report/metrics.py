"""What the pages and the CLI show, computed from the log (pure polars, no streamlit).

Every function takes the store's roll-up (``Store.rollup()``, summed per upload and quarter) or
a raw log (``Store.scan()``, rolled up by day here) and keyword-only options, and returns a polars
frame or a plain dict of exact integers; both give the same figures (a date range over a roll-up is cut from its raw rows). Beneficiaries are counted where
the service was delivered: UDC rows in their union and upazila, front-desk rows at the
Deputy Commissioner's office (in Pirojpur Sadar), so by-area figures default to UDC rows,
as the published upazila figures do.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Literal, Union

import polars as pl

from analytics.reference.periods import Period, first_of_month, fiscal_columns
from analytics.store.rollup import Rollup, rollup_of

if TYPE_CHECKING:
    from analytics.report.comparison import Comparison

Level = Literal["upazila", "union"]
ChannelFilter = Literal["all", "udc", "front_desk"]  # for type checkers: viewstate.CHANNELS (tested)

AREA_METRICS = ("beneficiaries", "beneficiaries_udc", "beneficiaries_front_desk", "per_km2", "earnings_paisa",
                "earnings_per_entrepreneur_paisa", "entrepreneurs", "service_kinds")


Log = Union[pl.LazyFrame, pl.DataFrame, Rollup]
#: The engine the figures are collected with. Polars' in-memory engine groups these small tables
#: 1.5–2.5× faster than its streaming one, but ten sessions collecting at once with it hung the
#: server (tests/test_load.py::test_ten_sessions_right_after_a_restart): polars' default it is.
ENGINE = "auto"


def select(log: Log, *, period: Period | None = None, channel: ChannelFilter = "all",
           upazila: str | None = None) -> Rollup:
    """The roll-up (:mod:`analytics.store.rollup`) of the rows of ``period`` (all when None), of one
    channel, in one upazila. A raw log is rolled up by day; a store's roll-up is by quarter, so its
    date ranges are cut from its raw rows (Rollup.exact_for).

    An upazila's rows are its UDCs': the front desk serves the whole district at one office (which
    stands in Pirojpur Sadar), so it is no upazila's, as the published report counts upazilas."""
    rolled = rollup_of(log).exact_for(period)
    if period is not None:
        rolled = rolled.filter(period.filter())
    if channel != "all":
        rolled = rolled.filter(pl.col("channel") == channel)
    if upazila:
        rolled = rolled.filter((pl.col("upazila_code") == upazila) & (pl.col("channel") == "udc"))
    return rolled


def _set_size(rolled: Rollup, rows: pl.Expr | None = None) -> pl.Expr:
    """Aggregation: how many distinct services the (``rows`` of the) group delivered."""
    words = [pl.col(word) if rows is None else pl.col(word).filter(rows) for word in rolled.words]
    return pl.sum_horizontal([w.bitwise_or().bitwise_count_ones().cast(pl.Int64) for w in words]).fill_null(0)


def _headline_exprs(rolled: Rollup) -> list[pl.Expr]:
    udc = pl.col("channel") == "udc"
    fd = pl.col("channel") == "front_desk"
    people = pl.col("beneficiaries")
    return [
        people.sum().alias("beneficiaries_total"),
        people.filter(udc).sum().alias("beneficiaries_udc"),
        people.filter(fd).sum().alias("beneficiaries_front_desk"),
        pl.col("entrepreneur_id").filter(udc).drop_nulls().n_unique().alias("entrepreneurs"),
        pl.col("union_code").filter(udc).drop_nulls().n_unique().alias("unions_with_udc"),
        pl.col("fee_paisa").filter(udc).sum().alias("entrepreneur_earnings_paisa"),
        _set_size(rolled, udc).alias("udc_service_kinds"),
        _set_size(rolled, fd).alias("front_desk_service_kinds"),
        pl.col("rows").sum().alias("rows"),
        # rows of monthly summaries, which name no entrepreneur: the count of entrepreneurs is not known
        pl.col("rows").filter(udc & pl.col("entrepreneur_id").is_null()).sum().alias("udc_rows_unnamed"),
    ]


def headline(log: Log, *, period: Period | None = None, upazila: str | None = None,
             where: pl.Expr | None = None) -> dict[str, int]:
    """The report's headline figures for ``period`` (and rows matching ``where``), as exact integers."""
    rolled = select(log, period=period, upazila=upazila)
    if where is not None:
        rolled = rolled.filter(where)
    row = rolled.people.select(_headline_exprs(rolled)).collect(engine=ENGINE).row(0, named=True)
    return {key: int(value or 0) for key, value in row.items()}


def headline_change(log: Log, *, period: Period, upazila: str | None = None,
                    comparison: "Comparison | None" = None) -> pl.DataFrame:
    """Each headline figure now, in the period it is compared with, and the change (absolute,
    percent). ``comparison`` (analytics.report.comparison) says what is compared; without one, the
    previous period. When the comparison is not fair (``comparison.reason``), ``previous`` and
    the changes are null: there is no change to give."""
    log = rollup_of(log).exact_for(period)
    now = headline(log, period=period, upazila=upazila)
    if comparison is None:
        before = headline(log, period=period.previous(), upazila=upazila)
    elif comparison.fair:
        before = headline(log, upazila=upazila, where=comparison.base_filter())
    else:
        before = dict.fromkeys(now)
    return pl.DataFrame({
        "figure": list(now), "current": list(now.values()), "previous": list(before.values()),
    }, schema={"figure": pl.String, "current": pl.Int64, "previous": pl.Int64}).with_columns(
        change=pl.col("current") - pl.col("previous"),
        change_pct=pl.when(pl.col("previous") > 0)
        .then((pl.col("current") - pl.col("previous")) / pl.col("previous") * 100),
    )


def by_area(log: Log, units: pl.DataFrame, *, level: Level, period: Period | None = None,
            upazila: str | None = None) -> pl.DataFrame:
    """One row per unit of ``units`` (gazetteer rows of ``level``), every area metric.

    Units with no rows get nulls ("no data"), not zeros.
    """
    key = "upazila_code" if level == "upazila" else "union_code"
    udc = pl.col("channel") == "udc"
    rolled = select(log, period=period, upazila=upazila)
    # per area and channel first (plain sums, sets and counts: polars' fast path), then per area
    # an area's figures are its UDCs': the front desk is the district's one office (:func:`select`)
    per_channel = (rolled.people.filter(pl.col(key).is_not_null() & udc)
                   .group_by(key, "channel").agg(
                       pl.col("beneficiaries", "fee_paisa").sum(),
                       pl.col("entrepreneur_id").drop_nulls().n_unique().alias("entrepreneurs"),
                       pl.col("entrepreneur_id").is_null().any().alias("unnamed"),
                       *rolled.service_sets()))
    figures = (per_channel.group_by(key).agg(
        pl.col("beneficiaries").sum(),
        pl.col("beneficiaries").filter(udc).sum().alias("beneficiaries_udc"),
        pl.col("beneficiaries").filter(~udc).sum().alias("beneficiaries_front_desk"),
        pl.col("fee_paisa").filter(udc).sum().alias("earnings_paisa"),
        # not known where monthly summaries (no entrepreneur named) are among the UDC rows
        pl.when(~pl.col("unnamed").filter(udc).any()).then(pl.col("entrepreneurs").filter(udc).sum())
        .alias("entrepreneurs"),
        _set_size(rolled).alias("service_kinds"),
    ).collect(engine=ENGINE))
    wanted = units.filter(pl.col("level") == level)
    if upazila and level == "union":
        wanted = wanted.filter(pl.col("parent_pcode") == upazila)
    return (wanted.select("pcode", "parent_pcode", "name_en", "name_bn", "area_km2", "has_polygon")
            .join(figures.rename({key: "pcode"}), on="pcode", how="left")
            .with_columns(
                # UDC beneficiaries: the front desk serves the whole district at one office
                per_km2=pl.col("beneficiaries_udc") / pl.col("area_km2"),
                # to the nearest paisa, half up (exact in integers: (2e + n) // 2n)
                earnings_per_entrepreneur_paisa=pl.when(pl.col("entrepreneurs") > 0)
                .then((pl.col("earnings_paisa") * 2 + pl.col("entrepreneurs")) // (pl.col("entrepreneurs") * 2)),
            ).sort("pcode"))


def area_entrepreneurs(log: Log, *, level: Level, period: Period | None = None) -> pl.DataFrame:
    """Each (area ``pcode``, ``entrepreneur_id``) pair with UDC rows in ``period``: who is behind an
    area's earnings (an entrepreneur who served two areas is behind both)."""
    key = "upazila_code" if level == "upazila" else "union_code"
    return (select(log, period=period, channel="udc").people
            .filter(pl.col(key).is_not_null() & pl.col("entrepreneur_id").is_not_null())
            .select(pl.col(key).alias("pcode"), "entrepreneur_id").unique().collect(engine=ENGINE))


def entrepreneurs(log: Log, *, period: Period, upazila: str | None = None,
                  drop_threshold_pct: float = -50.0, comparison: "Comparison | None" = None) -> pl.DataFrame:
    """Every entrepreneur seen in ``period`` or the period it is compared with, ranked by earnings.

    ``comparison`` (analytics.report.comparison) says what "before" is: without one, the previous
    period; when it is not fair (real data against the sample ...), there is no "before": the
    previous earnings and the change are null and nobody is flagged.

    Flags: ``no_activity`` (none this period but some before), ``sharp_drop`` (earnings
    fell by more than ``drop_threshold_pct`` percent). ``union_code`` and ``upazila_code``: where
    they earned most (in this period, else before); ``union_codes`` and ``upazila_codes``: every
    one they served in, that one first.
    """
    if comparison is None:
        before = period.previous().filter()
    else:
        before = comparison.base_filter() if comparison.fair else pl.lit(False)
    rolled = select(rollup_of(log).exact_for(period), channel="udc", upazila=upazila)
    rows = rolled.people.filter(pl.col("entrepreneur_id").is_not_null()).filter(period.filter() | before)
    # one pass: each entrepreneur's sums and set of services on each side (a row is in this
    # period or in the one before, never both), then the two sides side by side
    sides = (rows.with_columns(pl.when(period.filter()).then(pl.lit("now")).otherwise(pl.lit("before")).alias("_side"))
             .group_by("entrepreneur_id", "_side")
             .agg(pl.col("beneficiaries", "fee_paisa").sum(), *rolled.service_sets()))
    now = sides.filter(pl.col("_side") == "now").select(
        "entrepreneur_id", "beneficiaries", pl.col("fee_paisa").alias("earnings_paisa"),
        rolled.set_size().alias("service_kinds"))
    earlier = sides.filter(pl.col("_side") == "before").select(
        "entrepreneur_id", pl.col("fee_paisa").alias("earnings_paisa_previous"))
    # who they are: each entrepreneur's name and gender as first written, in this period's rows
    # before the others' (a log without those columns leaves them empty: the next row that has
    # them says them; the period compared with never decides who someone is). Masks, not a
    # grouping over text: 5x cheaper than unique() or a per-group first() under the streaming engine
    ordered = pl.concat([rows.filter(period.filter()), rows.filter(~period.filter())])
    first = pl.col("entrepreneur_id").is_first_distinct()
    who = rows.select("entrepreneur_id").filter(first)
    for column in ("entrepreneur_name", "entrepreneur_gender"):
        who = who.join(ordered.select("entrepreneur_id", column).filter(pl.col(column).is_not_null()).filter(first),
                       on="entrepreneur_id", how="left")
    # where they served: every union (and upazila), the one they earned most in this period first
    # (then before it): one who serves two unions is found under either, and shown under both
    served = (rows.group_by("entrepreneur_id", "upazila_code", "union_code")
              .agg(pl.col("fee_paisa").filter(period.filter()).sum().alias("_now"), pl.col("fee_paisa").sum().alias("_all"))
              .sort("entrepreneur_id", "_now", "_all", "upazila_code", "union_code",
                    descending=[False, True, True, False, False], nulls_last=True)
              .group_by("entrepreneur_id", maintain_order=True)
              .agg(pl.col("union_code").first(), pl.col("upazila_code").first(),
                   pl.col("union_code").drop_nulls().unique(maintain_order=True).alias("union_codes"),
                   pl.col("upazila_code").drop_nulls().unique(maintain_order=True).alias("upazila_codes")))
    previous = pl.col("earnings_paisa_previous")
    # one collect: the rows are read once for the four (common subplans are shared)
    who, served, now, earlier = (frame.lazy() for frame in pl.collect_all([who, served, now, earlier], engine=ENGINE))
    out = (who.join(served, on="entrepreneur_id", how="left").join(now, on="entrepreneur_id", how="left")
           .join(earlier, on="entrepreneur_id", how="left")
           .with_columns(pl.col("beneficiaries", "earnings_paisa", "service_kinds").fill_null(0),
                         previous.fill_null(0) if comparison is None or comparison.fair else previous)
           .with_columns(
               change_pct=pl.when(previous > 0).then((pl.col("earnings_paisa") - previous) / previous * 100),
           ).with_columns(
               no_activity=pl.col("beneficiaries") == 0,
               sharp_drop=pl.col("change_pct").fill_null(0) < drop_threshold_pct,
           ).collect(engine=ENGINE))
    return out.sort(["earnings_paisa", "entrepreneur_id"], descending=[True, False]).with_columns(
        rank=pl.int_range(1, out.height + 1))


def _entrepreneurs_by_service(rolled: Rollup) -> pl.DataFrame:
    """For each service code: how many distinct UDC entrepreneurs (non-null ids) delivered it."""
    sets = (rolled.people.filter((pl.col("channel") == "udc") & pl.col("entrepreneur_id").is_not_null())
            .group_by("entrepreneur_id").agg(rolled.service_sets()))
    counts = sets.select([rolled.has_service(code).sum().alias(code) for code in rolled.codes]).collect(engine=ENGINE)
    if counts.width == 0:
        return pl.DataFrame(schema={"service_code": pl.String, "entrepreneurs": pl.Int64})
    return counts.unpivot(variable_name="service_code", value_name="entrepreneurs").with_columns(
        pl.col("entrepreneurs").cast(pl.Int64))


def service_mix(log: Log, *, period: Period | None = None, channel: ChannelFilter = "all",
                upazila: str | None = None) -> pl.DataFrame:
    """Beneficiaries and earnings by category and service, with shares of the total, and the
    active entrepreneurs behind each UDC service (for the small-cell rule, analytics.report.privacy)."""
    rolled = select(log, period=period, channel=channel, upazila=upazila)
    sums = (rolled.services.group_by("channel", "service_category", "service_code")
            .agg(pl.col("beneficiaries").sum(), pl.col("fee_paisa").sum().alias("earnings_paisa")).collect(engine=ENGINE))
    behind = _entrepreneurs_by_service(rolled)
    out = (sums.join(behind, on="service_code", how="left")
           .with_columns(pl.when(pl.col("channel") == "udc").then(pl.col("entrepreneurs").fill_null(0))
                         .otherwise(0).cast(pl.UInt32).alias("entrepreneurs"))
           .with_columns(share_pct=pl.col("beneficiaries") / pl.col("beneficiaries").sum() * 100)
           .sort(["beneficiaries", "service_code"], descending=[True, False]))
    return out.with_columns(pl.col("channel").cast(pl.String))


def service_people(log: Log, *, period: Period | None = None) -> pl.DataFrame:
    """Who delivered which UDC service where: the distinct (``upazila_code``, ``service_code``,
    ``entrepreneur_id``) of ``period``'s UDC rows that name an entrepreneur (the small-cell rule
    across the services pages of every area, :func:`analytics.report.privacy.grid_hidden`)."""
    empty = pl.DataFrame(schema={"upazila_code": pl.String, "service_code": pl.String, "entrepreneur_id": pl.String})
    rolled = select(log, period=period, channel="udc")
    if not rolled.codes:
        return empty
    sets = (rolled.people.filter(pl.col("entrepreneur_id").is_not_null())
            .group_by("upazila_code", "entrepreneur_id").agg(rolled.service_sets())
            .select("upazila_code", "entrepreneur_id", *(rolled.has_service(code).alias(code) for code in rolled.codes))
            .collect(engine=ENGINE))
    return (sets.unpivot(index=["upazila_code", "entrepreneur_id"], variable_name="service_code", value_name="has")
            .filter(pl.col("has")).select(list(empty.columns)).cast(empty.schema))


def area_by_category(log: Log, *, period: Period | None = None,
                     channel: ChannelFilter = "udc") -> pl.DataFrame:
    """Upazila x service category: beneficiaries (long format, for a heat map)."""
    return (select(log, period=period, channel=channel).services
            .group_by("upazila_code", "service_category")
            .agg(pl.col("beneficiaries").sum())
            .sort("upazila_code", "service_category").collect(engine=ENGINE))


def trend(log: Log, *, channel: ChannelFilter = "all", upazila: str | None = None,
          sample_uploads: frozenset[str] | set[str] = frozenset()) -> pl.DataFrame:
    """Beneficiaries and earnings per fiscal quarter and channel, over all stored data; ``sample``
    says whether any of a quarter's rows come from ``sample_uploads`` (the bundled sample), ``last``
    the last day with data (a quarter still under way ends early)."""
    return (select(log, channel=channel, upazila=upazila).people.with_columns(fiscal_columns())
            .group_by("fy", "fq", "channel")
            .agg(pl.col("beneficiaries").sum(),
                 pl.col("fee_paisa").sum().alias("earnings_paisa"),
                 pl.col("upload_id").is_in(list(sample_uploads)).any().alias("sample"),
                 pl.col("last_date").max().alias("last"))
            .with_columns(pl.col("channel").cast(pl.String))
            .sort("fy", "fq", "channel").collect(engine=ENGINE))


def coverage(log: Log, units: pl.DataFrame, *, period: Period) -> pl.DataFrame:
    """Per union: rows in the period, active entrepreneurs, and what is missing.

    ``issue`` is "no_data" (no UDC row this period), "unnamed" (monthly summaries among its UDC
    rows name no entrepreneur: ``active_entrepreneurs`` is null, not known), "few_entrepreneurs"
    (fewer than two active), "no_polygon" (data exists but the map has no shape for it) or null.
    """
    active = (select(log, period=period, channel="udc").people.group_by("union_code")
              .agg(pl.col("rows").sum().cast(pl.UInt32),
                   pl.col("entrepreneur_id").drop_nulls().n_unique().alias("active_entrepreneurs"),
                   pl.col("entrepreneur_id").is_null().any().alias("unnamed"))
              .collect(engine=ENGINE))
    return (units.filter(pl.col("level") == "union").select("pcode", "parent_pcode", "name_en", "name_bn", "has_polygon")
            .join(active.rename({"union_code": "pcode"}), on="pcode", how="left")
            .with_columns(pl.col("rows").fill_null(0), pl.col("unnamed").fill_null(False))
            # a monthly summary names no entrepreneur: how many were active is not known (null)
            .with_columns(pl.when(~pl.col("unnamed")).then(pl.col("active_entrepreneurs").fill_null(0))
                          .alias("active_entrepreneurs"))
            .with_columns(issue=pl.when(pl.col("rows") == 0).then(pl.lit("no_data"))
                          .when(pl.col("unnamed")).then(pl.lit("unnamed"))
                          .when(pl.col("active_entrepreneurs") < 2).then(pl.lit("few_entrepreneurs"))
                          .when(~pl.col("has_polygon")).then(pl.lit("no_polygon")))
            .drop("unnamed").sort("pcode"))


def months_cut(log: Log, *, period: Period, upazila: str | None = None) -> pl.DataFrame:
    """The months that ``period`` begins or ends inside of and that hold monthly summaries (UDC rows
    that name no entrepreneur, dated the 1st of their month: ingest dates a summary's month so). A
    summary gives its month as a whole, so the period counts such a month whole when its 1st is in
    it (``counted``), else not at all; figures of whole months are exact. One row per month, in order."""
    cut = pl.DataFrame(schema={"month": pl.Date, "counted": pl.Boolean})
    if period.fy is not None:  # fiscal years and quarters are whole months
        return cut
    months = {}
    if period.start.day != 1:
        months[first_of_month(period.start)] = False
    if period.end != first_of_month(period.end, 1) - timedelta(days=1):
        month = first_of_month(period.end)
        months[month] = months.get(month, month >= period.start)
    if not months:
        return cut
    # the rows of those 1sts (a roll-up by day has them; one by quarter, its raw rows: not the whole
    # log rolled up by day for two days' rows)
    rolled = rollup_of(log)
    rows = rolled.people if rolled.grain == "day" or rolled.raw is None else rolled.raw
    summaries = rows.filter(pl.col("date").is_in(list(months)) & (pl.col("channel") == "udc")
                            & pl.col("entrepreneur_id").is_null()
                            & (pl.col("upazila_code") == upazila if upazila else pl.lit(True)))
    found = set(summaries.select(pl.col("date").unique()).collect(engine=ENGINE)["date"])
    kept = [(month, counted) for month, counted in months.items() if month in found]
    return pl.DataFrame(kept, schema=cut.schema, orient="row").sort("month")


def periods_available(log: Log) -> pl.DataFrame:
    """Fiscal years and quarters that have rows, with the first and last date."""
    return (rollup_of(log).people.with_columns(fiscal_columns()).group_by("fy", "fq")
            .agg(pl.col("first_date").min().alias("first"), pl.col("last_date").max().alias("last"),
                 pl.col("rows").sum().cast(pl.UInt32))
            .sort("fy", "fq").collect(engine=ENGINE))
