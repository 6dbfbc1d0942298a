"""The reference for tests/test_rollup.py: every page figure computed straight from raw log rows,
as analytics/report/metrics.py computed them before roll-ups (a filter, a group, distinct counts
over the rows). Kept apart, unchanged, so the roll-ups are checked against an independent answer.

Every function takes the store's lazy log (``Store.scan()``) and keyword-only options and
returns a polars frame or a plain dict of exact integers. Beneficiaries are counted where
the service was delivered: UDC rows in their union and upazila, front-desk rows at the
Deputy Commissioner's office (in Pirojpur Sadar), so by-area figures default to UDC rows,
as the published upazila figures do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import polars as pl

from analytics.reference.periods import Period, fiscal_columns

if TYPE_CHECKING:
    from analytics.report.comparison import Comparison

Level = Literal["upazila", "union"]
ChannelFilter = Literal["all", "udc", "front_desk"]  # for type checkers: viewstate.CHANNELS (tested)

AREA_METRICS = ("beneficiaries", "beneficiaries_udc", "beneficiaries_front_desk", "per_km2", "earnings_paisa",
                "earnings_per_entrepreneur_paisa", "entrepreneurs", "service_kinds")


def _kinds(codes: pl.Expr) -> pl.Expr:
    """Distinct service codes in a group, counted on 64-bit hashes of the codes.

    Counting distinct strings per group was the slowest part of the map and entrepreneur
    pages at national scale (0.55 s of 0.74 s over 10M rows); with ~120 codes a hash
    collision is practically impossible.
    """
    return codes.drop_nulls().hash().n_unique()


def select(log: pl.LazyFrame, *, period: Period | None = None, channel: ChannelFilter = "all",
           upazila: str | None = None) -> pl.LazyFrame:
    """Rows of ``period`` (all when None), of one channel, in one upazila (its UDCs': the front desk
    is the district's)."""
    if period is not None:
        log = log.filter(period.filter())
    if channel != "all":
        log = log.filter(pl.col("channel") == channel)
    if upazila:
        log = log.filter((pl.col("upazila_code") == upazila) & (pl.col("channel") == "udc"))
    return log


def _headline_exprs() -> list[pl.Expr]:
    udc = pl.col("channel") == "udc"
    fd = pl.col("channel") == "front_desk"
    people = pl.col("beneficiaries").cast(pl.Int64)
    return [
        people.sum().alias("beneficiaries_total"),
        people.filter(udc).sum().alias("beneficiaries_udc"),
        people.filter(fd).sum().alias("beneficiaries_front_desk"),
        pl.col("entrepreneur_id").filter(udc).drop_nulls().n_unique().alias("entrepreneurs"),
        pl.col("union_code").filter(udc).drop_nulls().n_unique().alias("unions_with_udc"),
        pl.col("fee_paisa").filter(udc).sum().alias("entrepreneur_earnings_paisa"),
        pl.col("service_code").filter(udc).n_unique().alias("udc_service_kinds"),
        pl.col("service_code").filter(fd).n_unique().alias("front_desk_service_kinds"),
        pl.len().alias("rows"),
        pl.col("entrepreneur_id").filter(udc).is_null().sum().alias("udc_rows_unnamed"),
    ]


def headline(log: pl.LazyFrame, *, period: Period | None = None, upazila: str | None = None,
             where: pl.Expr | None = None) -> dict[str, int]:
    """The report's headline figures for ``period`` (and rows matching ``where``), as exact integers."""
    rows = select(log, period=period, upazila=upazila)
    if where is not None:
        rows = rows.filter(where)
    row = rows.select(_headline_exprs()).collect().row(0, named=True)
    return {key: int(value or 0) for key, value in row.items()}


def headline_change(log: pl.LazyFrame, *, period: Period, upazila: str | None = None,
                    comparison: "Comparison | None" = None) -> pl.DataFrame:
    """Each headline figure now, in the period it is compared with, and the change (absolute,
    percent). ``comparison`` (analytics.report.comparison) says what is compared; without one, the
    previous period. When the comparison is not fair (``comparison.reason``), ``previous`` and
    the changes are null: there is no change to give."""
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


def by_area(log: pl.LazyFrame, units: pl.DataFrame, *, level: Level, period: Period | None = None,
            upazila: str | None = None) -> pl.DataFrame:
    """One row per unit of ``units`` (gazetteer rows of ``level``), every area metric.

    Units with no rows get nulls ("no data"), not zeros.
    """
    key = "upazila_code" if level == "upazila" else "union_code"
    udc = pl.col("channel") == "udc"
    people = pl.col("beneficiaries").cast(pl.Int64)
    figures = (select(log, period=period, upazila=upazila).filter(pl.col(key).is_not_null() & udc)
               .group_by(key).agg(
                   people.sum().alias("beneficiaries"),
                   people.filter(udc).sum().alias("beneficiaries_udc"),
                   people.filter(~udc).sum().alias("beneficiaries_front_desk"),
                   pl.col("fee_paisa").filter(udc).sum().alias("earnings_paisa"),
                   pl.when(~pl.col("entrepreneur_id").filter(udc).is_null().any())
                   .then(pl.col("entrepreneur_id").filter(udc).drop_nulls().n_unique()).alias("entrepreneurs"),
                   _kinds(pl.col("service_code")).alias("service_kinds"),
               ).collect())
    wanted = units.filter(pl.col("level") == level)
    if upazila and level == "union":
        wanted = wanted.filter(pl.col("parent_pcode") == upazila)
    return (wanted.select("pcode", "parent_pcode", "name_en", "name_bn", "area_km2", "has_polygon")
            .join(figures.rename({key: "pcode"}), on="pcode", how="left")
            .with_columns(
                per_km2=pl.col("beneficiaries_udc") / pl.col("area_km2"),
                earnings_per_entrepreneur_paisa=pl.when(pl.col("entrepreneurs") > 0)
                .then((pl.col("earnings_paisa") / pl.col("entrepreneurs")).round(0, mode="half_away_from_zero")
                      .cast(pl.Int64)),
            ).sort("pcode"))


def entrepreneurs(log: pl.LazyFrame, *, period: Period, upazila: str | None = None,
                  drop_threshold_pct: float = -50.0, comparison: "Comparison | None" = None) -> pl.DataFrame:
    """Every entrepreneur seen in ``period`` or the period it is compared with, ranked by earnings.

    ``comparison`` (analytics.report.comparison) says what "before" is: without one, the previous
    period; when it is not fair (real data against the sample ...), there is no "before": the
    previous earnings and the change are null and nobody is flagged.

    Flags: ``no_activity`` (none this period but some before), ``sharp_drop`` (earnings
    fell by more than ``drop_threshold_pct`` percent).
    """
    if comparison is None:
        before = period.previous().filter()
    else:
        before = comparison.base_filter() if comparison.fair else pl.lit(False)

    def totals(rows: pl.Expr, suffix: str) -> pl.LazyFrame:
        return (select(log, channel="udc", upazila=upazila).filter(rows & pl.col("entrepreneur_id").is_not_null())
                .group_by("entrepreneur_id").agg(
                    pl.col("beneficiaries").cast(pl.Int64).sum().alias(f"beneficiaries{suffix}"),
                    pl.col("fee_paisa").sum().alias(f"earnings_paisa{suffix}"),
                    _kinds(pl.col("service_code")).alias(f"service_kinds{suffix}"),
                ))

    rows = (select(log, channel="udc", upazila=upazila).filter(pl.col("entrepreneur_id").is_not_null())
            .filter(period.filter() | before)).collect()
    # who they are: any one row per entrepreneur (cheaper than a per-group last() on text)
    who = rows.select("entrepreneur_id", "entrepreneur_name", "entrepreneur_gender").unique(
        subset="entrepreneur_id", keep="any").lazy()
    # where: each place's earnings in the period and in all, in Python; the most first, then by code
    places: dict[str, dict[tuple, list[int]]] = {}
    for who_id, upz, union, day, fee in rows.select("entrepreneur_id", "upazila_code", "union_code", "date",
                                                    "fee_paisa").iter_rows():
        sums = places.setdefault(who_id, {}).setdefault((upz, union), [0, 0])
        sums[0] += fee if period.start <= day <= period.end else 0
        sums[1] += fee
    where = []
    for who_id, by_place in places.items():
        order = sorted(by_place, key=lambda p: (-by_place[p][0], -by_place[p][1], p[0] or "~", p[1] or "~"))
        unions = list(dict.fromkeys(u for _, u in order if u is not None))
        upazilas = list(dict.fromkeys(z for z, _ in order if z is not None))
        where.append({"entrepreneur_id": who_id, "union_code": order[0][1], "upazila_code": order[0][0],
                      "union_codes": unions, "upazila_codes": upazilas})
    where_frame = pl.DataFrame(where, schema={"entrepreneur_id": pl.String, "union_code": pl.String,
                                              "upazila_code": pl.String, "union_codes": pl.List(pl.String),
                                              "upazila_codes": pl.List(pl.String)})
    previous = pl.col("earnings_paisa_previous")
    out = (who.join(where_frame.lazy(), on="entrepreneur_id", how="left")
           .join(totals(period.filter(), ""), on="entrepreneur_id", how="left")
           .join(totals(before, "_previous").select("entrepreneur_id", "earnings_paisa_previous"),
                 on="entrepreneur_id", how="left")
           .with_columns(pl.col("beneficiaries", "earnings_paisa", "service_kinds").fill_null(0),
                         previous.fill_null(0) if comparison is None or comparison.fair else previous)
           .with_columns(
               change_pct=pl.when(previous > 0).then((pl.col("earnings_paisa") - previous) / previous * 100),
           ).with_columns(
               no_activity=pl.col("beneficiaries") == 0,
               sharp_drop=pl.col("change_pct").fill_null(0) < drop_threshold_pct,
           ).collect())
    return out.sort(["earnings_paisa", "entrepreneur_id"], descending=[True, False]).with_columns(
        rank=pl.int_range(1, out.height + 1))


def service_mix(log: pl.LazyFrame, *, period: Period | None = None, channel: ChannelFilter = "all",
                upazila: str | None = None) -> pl.DataFrame:
    """Beneficiaries and earnings by category and service, with shares of the total, and the
    active entrepreneurs behind each UDC service (for the small-cell rule, analytics.report.privacy)."""
    people = pl.col("beneficiaries").cast(pl.Int64)
    out = (select(log, period=period, channel=channel, upazila=upazila)
           .group_by("channel", "service_category", "service_code")
           .agg(people.sum().alias("beneficiaries"), pl.col("fee_paisa").sum().alias("earnings_paisa"),
                pl.col("entrepreneur_id").filter(pl.col("channel") == "udc").drop_nulls().n_unique()
                .alias("entrepreneurs"))
           .with_columns(share_pct=pl.col("beneficiaries") / pl.col("beneficiaries").sum() * 100)
           .sort(["beneficiaries", "service_code"], descending=[True, False]).collect())
    return out.with_columns(pl.col("channel").cast(pl.String))


def service_people(log: pl.LazyFrame, *, period: Period | None = None) -> pl.DataFrame:
    """Who delivered which UDC service where: distinct (upazila, service, entrepreneur) of named UDC rows."""
    return (select(log, period=period, channel="udc").filter(pl.col("entrepreneur_id").is_not_null())
            .select("upazila_code", "service_code", "entrepreneur_id").unique().collect())


def area_by_category(log: pl.LazyFrame, *, period: Period | None = None,
                     channel: ChannelFilter = "udc") -> pl.DataFrame:
    """Upazila x service category: beneficiaries (long format, for a heat map)."""
    return (select(log, period=period, channel=channel)
            .group_by("upazila_code", "service_category")
            .agg(pl.col("beneficiaries").cast(pl.Int64).sum().alias("beneficiaries"))
            .sort("upazila_code", "service_category").collect())


def trend(log: pl.LazyFrame, *, channel: ChannelFilter = "all", upazila: str | None = None,
          sample_uploads: frozenset[str] | set[str] = frozenset()) -> pl.DataFrame:
    """Beneficiaries and earnings per fiscal quarter and channel, over all stored data; ``sample``
    says whether any of a quarter's rows come from ``sample_uploads`` (the bundled sample), ``last``
    the last day with data."""
    return (select(log, channel=channel, upazila=upazila).with_columns(fiscal_columns())
            .group_by("fy", "fq", "channel")
            .agg(pl.col("beneficiaries").cast(pl.Int64).sum().alias("beneficiaries"),
                 pl.col("fee_paisa").sum().alias("earnings_paisa"),
                 pl.col("upload_id").is_in(list(sample_uploads)).any().alias("sample"),
                 pl.col("date").max().alias("last"))
            .with_columns(pl.col("channel").cast(pl.String))
            .sort("fy", "fq", "channel").collect())


def coverage(log: pl.LazyFrame, units: pl.DataFrame, *, period: Period) -> pl.DataFrame:
    """Per union: rows in the period, active entrepreneurs, and what is missing.

    ``issue`` is "no_data" (no UDC row this period), "unnamed" (monthly summaries among its UDC
    rows name no entrepreneur: ``active_entrepreneurs`` is null, not known), "few_entrepreneurs"
    (fewer than two active), "no_polygon" (data exists but the map has no shape for it) or null.
    """
    active = (select(log, period=period, channel="udc").group_by("union_code")
              .agg(pl.len().alias("rows"), pl.col("entrepreneur_id").drop_nulls().n_unique().alias("active_entrepreneurs"),
                   pl.col("entrepreneur_id").is_null().any().alias("unnamed"))
              .collect())
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


def periods_available(log: pl.LazyFrame) -> pl.DataFrame:
    """Fiscal years and quarters that have rows, with the first and last date."""
    return (log.with_columns(fiscal_columns()).group_by("fy", "fq")
            .agg(pl.col("date").min().alias("first"), pl.col("date").max().alias("last"), pl.len().alias("rows"))
            .sort("fy", "fq").collect())
