"""What a figure is compared with, and whether that comparison is fair (like with like).

Two choices, the viewer's (``MODES``):

- ``previous``: the period just before, of the same kind: the previous quarter, the previous
  fiscal year, or the same number of days before a date range;
- ``year``: the same period a year earlier: the same quarter of the previous fiscal year, the
  previous fiscal year, or a date range shifted back one year.

A change is given only when it compares like with like; otherwise :class:`Comparison` says why
not (``reason``), and pages say so instead of showing a number:

- **Real data is never compared with the sample** (the figures reconstructed from the news
  report): both sides must come only from uploads, or only from the sample (``"sample"``).
- **A part is compared with the same part.** A fiscal year is compared over the quarters that
  hold data (anywhere in the district: what was uploaded, whatever the filters). If this year
  has data for Q1 and Q2 so far, it is compared with Q1 and Q2 of the other year, and the label
  says so (``positions``). If the other year lacks quarters this one has, no change is given
  (``"base_partial"``): it would compare a partial period with a full one. Nor is one given when
  the last quarter compared is still under way (``"now_partial"``: its data ends more than
  :data:`UNDER_WAY_DAYS` days before the quarter does, as when a month has been uploaded): the
  roll-ups answer whole quarters, and a part against a whole would read as a fall; nor when any
  other quarter compared, on either side, is so (``"part_quarter"``): the data of each channel in
  each upazila is looked at on its own. Nor when a quarter compared lacks offices the other
  side's quarter has (``"incomplete"`` this side, ``"base_incomplete"`` the base): the front
  desk's log uploaded before the UDCs', the UDCs of some unions not uploaded yet, or, in a date
  range, a quarter with no data at all: figures would read as a fall (or a rise) of up to 100 %.
  A date range
  that runs past the latest data is compared up to the same day of its base (``until``): the same
  calendar day a year before, or as many days into the base; one whose base starts before the
  first quarter with data gets no change.
- Nothing before (``"no_data_before"``) or nothing now (``"empty"``): no change.

Everything here is computed on the whole log (one pass over a few columns), so every figure of
a page is compared over the same rows.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from analytics import i18n
from analytics.reference.periods import (
    Period,
    first_of_month,
    fiscal_columns,
    fiscal_year,
    months_between,
    quarter,
    quarter_of,
)
from analytics.store.rollup import rollup_of

MODES = ("previous", "year")
DEFAULT_MODE = "previous"
REASONS = ("no_data_before", "base_partial", "now_partial", "part_quarter", "incomplete", "base_incomplete", "sample",
           "empty")
#: The channels whose offices' presence is compared quarter by quarter ("incomplete").
CHANNELS = ("udc", "front_desk")
#: A quarter whose data ends more than this many days before it does is under way (not uploaded
#: whole yet). A log of every day ends within a few days of the quarter's end; a monthly summary's
#: rows are dated the 1st of their month, so one that holds the quarter's last month is whole too.
UNDER_WAY_DAYS = 14


def base_period(period: Period, *, mode: str) -> Period:
    """The period ``period`` is compared with under ``mode`` (see the module docstring)."""
    if mode not in MODES:
        raise ValueError(f"comparison mode must be one of {MODES}, not {mode!r}")
    if mode == "previous":
        return period.previous()
    if period.quarter:
        return quarter(period.fy - 1, period.quarter)
    if period.fy is not None:
        return fiscal_year(period.fy - 1)
    return Period(_year_before(period.start), _year_before(period.end))


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _quarters_of(period: Period) -> list[Period]:
    """The fiscal quarters a fiscal period is made of, in order (none for a date range)."""
    if period.quarter:
        return [period]
    if period.fy is not None:
        return [quarter(period.fy, q) for q in (1, 2, 3, 4)]
    return []


def _within(periods: list[Period]) -> pl.Expr:
    if not periods:
        return pl.lit(False)
    expr = periods[0].filter()
    for part in periods[1:]:
        expr = expr | part.filter()
    return expr


@dataclass(frozen=True)
class Comparison:
    mode: str
    period: Period
    base: Period
    #: fiscal periods: the quarters compared, as positions 1-4 within the period (both sides);
    #: all of them when the period is complete. Empty for date ranges.
    positions: tuple[int, ...] = ()
    #: date ranges: the latest day with data, when the range runs past it (both sides are cut
    #: there: :meth:`cut`); fiscal periods: the latest day of a quarter under way ("now_partial")
    until: date | None = None
    #: why no change is given (one of ``REASONS``), or None when it is
    reason: str | None = None
    #: "incomplete": the quarter (of either side) that lacks data the other side's quarter has
    gap: Period | None = None
    #: ... from which channel (one of ``CHANNELS``), or "all" (the quarter has no data at all)
    missing: str | None = None
    #: ... from the UDCs of how many unions (0: from the whole channel)
    areas: int = 0

    @property
    def fair(self) -> bool:
        return self.reason is None

    @property
    def partial(self) -> bool:
        """True when only part of the period is compared (the same part on both sides)."""
        return bool(self.until) or (bool(self.positions) and len(self.positions) < len(_quarters_of(self.period)))

    def now_filter(self) -> pl.Expr:
        """Rows of the period as compared (its data: nothing outside the compared part has any)."""
        return self._side(self.period)

    def base_filter(self) -> pl.Expr:
        """Rows of the base, cut to the part of it that is compared."""
        return self._side(self.base)

    def _compared(self, period: Period) -> list[Period]:
        """The quarters of a fiscal ``period`` that are compared (its positions)."""
        parts = _quarters_of(period)
        return [parts[p - 1] for p in self.positions] if self.positions else parts

    def cut(self, start: date) -> date:
        """A date range's last day compared, on the side that starts on ``start``: :attr:`until` on
        this side; the same calendar day a year before when the base is a year before (29 February:
        the 28th); the same day of the matching month when both are whole months (30 March: 28
        February; a month's last day: the other month's last); else as many days into the base.
        Never past the base's end."""
        if self.until is None or self.period.fy is not None:
            raise ValueError("only a date range that runs past its data is cut")
        if start == self.period.start:
            return self.until
        if start == _year_before(self.period.start):
            return min(_year_before(self.until), self.base.end)
        if start.day == 1 and self.period.start.day == 1 and (self.base.end + timedelta(days=1)).day == 1:
            month = first_of_month(start, months_between(self.period.start, self.until))
            last = calendar.monthrange(month.year, month.month)[1]
            whole = self.until.day == calendar.monthrange(self.until.year, self.until.month)[1]
            return min(month.replace(day=last if whole else min(self.until.day, last)), self.base.end)
        return min(start + timedelta(days=(self.until - self.period.start).days), self.base.end)

    def _side(self, period: Period) -> pl.Expr:
        if period.fy is not None:
            return _within(self._compared(period))
        if self.until is not None:
            return pl.col("date").is_between(period.start, self.cut(period.start), closed="both")
        return period.filter()

    def base_label(self, *, lang: str) -> str:
        """The base as compared: "FY 2022-23 Q1", "FY 2022-23 Q1–Q2", a date range."""
        if self.period.fy is not None:
            some = bool(self.positions) and len(self.positions) < len(_quarters_of(self.period))
            return self.base.quarters_label(self.positions, lang=lang) if some else self.base.label(lang=lang)
        if self.until is not None:
            return Period(self.base.start, self.cut(self.base.start)).label(lang=lang)
        return self.base.label(lang=lang)

    def _lacking(self, lang: str) -> str:
        """What the quarter of an "incomplete" comparison lacks, in words."""
        if self.missing is None:
            return ""
        if self.missing == "all":
            return i18n.t("compare.lacking.all", lang)
        if self.areas:
            return i18n.t("compare.lacking.union" if self.areas == 1 else "compare.lacking.unions", lang,
                          count=i18n.number(self.areas, lang=lang))
        return i18n.t(f"compare.lacking.{self.missing}", lang)

    def describe(self, *, lang: str) -> str:
        """One sentence for the page: what the changes compare, or why there are none."""
        base = self.base_label(lang=lang)
        if self.reason == "empty":
            return i18n.t("compare.reason.empty", lang, period=self.period.label(lang=lang))
        if self.reason is not None:
            return i18n.t(f"compare.reason.{self.reason}", lang, period=self.period.label(lang=lang),
                          base=self.base.label(lang=lang), day=i18n.day(self.until, lang=lang) if self.until else "",
                          quarter=self.gap.label(lang=lang) if self.gap else "", what=self._lacking(lang))
        if self.partial:
            return i18n.t("compare.partial", lang, period=self.period.label(lang=lang), base=base)
        return i18n.t(f"compare.with.{self.mode}", lang, base=base)


def compare(log: pl.LazyFrame, *, period: Period, mode: str = DEFAULT_MODE,
            sample_uploads: frozenset[str] | set[str] = frozenset(), upazila: str | None = None) -> Comparison:
    """How ``period`` is compared under ``mode``, decided on the whole ``log``, or on ``upazila``'s
    rows alone for that upazila's figures (a union missing elsewhere takes nothing from them; see
    the module docstring). ``sample_uploads`` are the upload ids of the bundled sample."""
    base = base_period(period, mode=mode)
    log = rollup_of(log).exact_for(period)
    if upazila:
        log = log.filter(pl.col("upazila_code") == upazila)
    sample = pl.col("upload_id").is_in(list(sample_uploads)) if sample_uploads else pl.lit(False)
    if period.fy is not None and base.fy is not None:
        return _compare_fiscal(log, period=period, base=base, mode=mode, sample=sample)
    return _compare_range(log, period=period, base=base, mode=mode, sample=sample)


def _presence(rows: pl.LazyFrame, sides: pl.Expr, sample: pl.Expr) -> dict[tuple, dict]:
    """Per (side, fiscal year, quarter) of ``rows`` (``sides`` names each row's side): whether it
    holds the sample and real data, the offices it has data from (the front desk; each union's
    UDC, as unions send their files) and the last day with data of each channel in each upazila."""
    found = (rows.with_columns(*fiscal_columns(), sides.alias("side"))
             .group_by("side", "fy", "fq", "channel", "upazila_code", "union_code")
             .agg(sample.any().alias("sample"), (~sample).any().alias("real"), pl.col("last_date").max().alias("last"))
             .collect())
    have: dict[tuple, dict] = {}
    for side, fy, fq, channel, upazila, union, has_sample, has_real, last in found.iter_rows():
        part = have.setdefault((side, fy, fq), {"kinds": set(), "offices": set(), "last": {}})
        part["kinds"] |= {k for k, present in (("sample", has_sample), ("real", has_real)) if present}
        part["offices"].add((str(channel), union if channel == "udc" else upazila))
        key = (str(channel), upazila)
        part["last"][key] = max(last, part["last"].get(key, last))
    return have


def _incomplete(now: dict, base: dict, *, mode: str, period: Period, base_period: Period, quarters: tuple[Period, Period],
                **fields) -> Comparison | None:
    """"incomplete" (this side) or "base_incomplete" when one side's quarter lacks offices (a
    channel, or the UDCs of some unions) the other side's quarter has: this side first, then the
    channel."""
    for lacking, other, where, reason in ((now, base, quarters[0], "incomplete"),
                                          (base, now, quarters[1], "base_incomplete")):
        missing = other["offices"] - lacking["offices"]
        for channel in CHANNELS:
            areas = {office for c, office in missing if c == channel}
            if areas:
                whole = not any(c == channel for c, _ in lacking["offices"])
                return Comparison(mode, period, base_period, reason=reason, gap=where, missing=channel,
                                  areas=0 if whole else len(areas), **fields)
    return None


def _part_quarter(parts: list[Period], have: dict[int, dict], positions: tuple[int, ...]) -> tuple[Period, str, date] | None:
    """The first quarter compared whose data from a channel in an upazila ends weeks before the
    quarter does (:func:`under_way`): (quarter, channel, last day)."""
    for p in positions:
        for (channel, _), last in sorted(have[p]["last"].items(), key=lambda item: item[1]):
            if under_way(parts[p - 1], last):
                return parts[p - 1], channel, last
    return None


def _compare_fiscal(log: pl.LazyFrame, *, period: Period, base: Period, mode: str, sample: pl.Expr) -> Comparison:
    now_parts, base_parts = _quarters_of(period), _quarters_of(base)
    keys = {(p.fy, p.quarter): ("now", i + 1) for i, p in enumerate(now_parts)}
    keys.update({(p.fy, p.quarter): ("base", i + 1) for i, p in enumerate(base_parts)})
    rows = rollup_of(log).people.filter(_within(now_parts + base_parts))
    have: dict[str, dict[int, dict]] = {"now": {}, "base": {}}
    for (_, fy, fq), part in _presence(rows, pl.lit("any"), sample).items():
        side, position = keys[(fy, fq)]
        have[side][position] = part
    now, before = set(have["now"]), set(have["base"])
    positions = tuple(sorted(now))
    result = Comparison(mode, period, base, positions=positions)
    if not now:
        return Comparison(mode, period, base, reason="empty")
    if not before & now:
        return Comparison(mode, period, base, reason="no_data_before")
    if not now <= before:
        return Comparison(mode, period, base, reason="base_partial")
    kinds = {side: set().union(*(have[side][p]["kinds"] for p in positions)) for side in ("now", "base")}
    if kinds["now"] != kinds["base"] or len(kinds["now"]) > 1:
        return Comparison(mode, period, base, positions=positions, reason="sample")
    for p in positions:
        gap = _incomplete(have["now"][p], have["base"][p], mode=mode, period=period, base_period=base,
                          quarters=(now_parts[p - 1], base_parts[p - 1]), positions=positions)
        if gap is not None:
            return gap
    # a quarter compared, on either side, whose data from a channel in an upazila ends weeks before
    # the quarter does: the latest quarter of this period (under way), then any other
    latest = _part_quarter(now_parts, have["now"], positions[-1:])
    if latest is not None:
        return Comparison(mode, period, base, positions=positions, until=latest[2], reason="now_partial")
    for parts, side in ((now_parts, "now"), (base_parts, "base")):
        if (part := _part_quarter(parts, have[side], positions)) is not None:
            return Comparison(mode, period, base, positions=positions, reason="part_quarter", gap=part[0],
                              missing=part[1], until=part[2])
    return result


def under_way(part: Period, last: date) -> bool:
    """Whether quarter ``part``, whose data ends on ``last``, is still under way (see :data:`UNDER_WAY_DAYS`)."""
    last_month = part.end.replace(day=1)
    return (part.end - last).days > UNDER_WAY_DAYS and last != last_month


def _compare_range(log: pl.LazyFrame, *, period: Period, base: Period, mode: str, sample: pl.Expr) -> Comparison:
    rows = rollup_of(log).people
    extent = rows.select(pl.col("first_date").min().alias("first"), pl.col("last_date").max().alias("last")).collect()
    first, last = extent.row(0)
    if first is None or last < period.start:
        return Comparison(mode, period, base, reason="empty")
    until = last if last < period.end else None
    result = Comparison(mode, period, base, until=until)
    if quarter_of(first).start > base.start:  # the data starts (with its first quarter) after the base does
        return Comparison(mode, period, base, until=until, reason="base_partial")
    compared = result.now_filter() | result.base_filter()
    have = _presence(rows.filter(compared), pl.when(result.now_filter()).then(pl.lit("now")).otherwise(pl.lit("base")),
                     sample)
    sides = {side: [key for key in have if key[0] == side] for side in ("now", "base")}
    if not sides["now"]:
        return Comparison(mode, period, base, until=until, reason="empty")
    if not sides["base"]:
        return Comparison(mode, period, base, until=until, reason="no_data_before")
    kinds = {side: set().union(*(have[key]["kinds"] for key in keys)) for side, keys in sides.items()}
    if kinds["now"] != kinds["base"] or len(kinds["now"]) > 1:
        return Comparison(mode, period, base, until=until, reason="sample")
    # every quarter either side touches has data, and the same offices as the matching quarter of
    # the other side (the quarters of both sides, in order, pair up: a range and its base are as
    # long). Offices are looked for in the whole quarters, as uploads come: a day or a week without
    # an upazila's deliveries is no missing upload
    spans = {"now": (period.start, result.cut(period.start) if until else period.end),
             "base": (base.start, result.cut(base.start) if until else base.end)}
    touched = {side: _quarters_between(*span) for side, span in spans.items()}
    quarters = touched["now"] + touched["base"]
    whole = {(fy, fq): part for (_, fy, fq), part in _presence(rows.filter(_within(quarters)), pl.lit("any"),
                                                              sample).items()}
    for q in quarters:
        if (q.fy, q.quarter) not in whole:
            return Comparison(mode, period, base, until=until, reason="incomplete", gap=q, missing="all")
    if len(touched["now"]) == len(touched["base"]):
        for q_now, q_base in zip(touched["now"], touched["base"]):
            gap = _incomplete(whole[(q_now.fy, q_now.quarter)], whole[(q_base.fy, q_base.quarter)], mode=mode,
                              period=period, base_period=base, quarters=(q_now, q_base), until=until)
            if gap is not None:
                return gap
    return result


def _quarters_between(start: date, end: date) -> list[Period]:
    """The fiscal quarters from the one holding ``start`` to the one holding ``end``."""
    quarters = [quarter_of(start)]
    while quarters[-1].end < end:
        quarters.append(quarter_of(quarters[-1].end + timedelta(days=1)))
    return quarters


def sources(log: pl.LazyFrame, *, period: Period, sample_uploads: frozenset[str] | set[str]) -> str:
    """Where the rows of ``period`` come from: "sample", "real", "mixed" or "none"."""
    sample = pl.col("upload_id").is_in(list(sample_uploads)) if sample_uploads else pl.lit(False)
    row = (rollup_of(log).exact_for(period).people.filter(period.filter()).select(sample.any().alias("sample"), (~sample).any().alias("real"))
           .collect().row(0))
    has_sample, has_real = bool(row[0]), bool(row[1])
    return {(True, True): "mixed", (True, False): "sample", (False, True): "real"}.get((has_sample, has_real), "none")


def direction(change: int | None) -> str:
    """"up", "down" or "off" (no change, or none given): the arrow a change gets, from its sign."""
    if not change:
        return "off"
    return "up" if change > 0 else "down"
