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
  roll-ups answer whole quarters, and a part against a whole would read as a fall. Nor when a
  channel that has data in the base has none in a quarter compared (``"channel_missing"``: the
  front desk's log uploaded before the UDCs' logs): its figures would read as a fall of 100 %.
  A date range
  that runs past the latest data is compared up to the same day of its base (``until``): the same
  calendar day a year before, or as many days into the base; one whose base starts before the
  first quarter with data gets no change.
- Nothing before (``"no_data_before"``) or nothing now (``"empty"``): no change.

Everything here is computed on the whole log (one pass over a few columns), so every figure of
a page is compared over the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from analytics import i18n
from analytics.reference.periods import (
    Period,
    fiscal_columns,
    fiscal_year,
    quarter,
    quarter_of,
)
from analytics.store.rollup import rollup_of

MODES = ("previous", "year")
DEFAULT_MODE = "previous"
REASONS = ("no_data_before", "base_partial", "now_partial", "channel_missing", "sample", "empty")
#: The channels whose presence is compared quarter by quarter ("channel_missing").
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
    #: "channel_missing": the channel (one of ``CHANNELS``) the period lacks and its base has
    missing: str | None = None

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
        the 28th); else as many days into the base."""
        if self.until is None or self.period.fy is not None:
            raise ValueError("only a date range that runs past its data is cut")
        if start == self.period.start:
            return self.until
        if start == _year_before(self.period.start):
            return _year_before(self.until)
        return start + timedelta(days=(self.until - self.period.start).days)

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

    def describe(self, *, lang: str) -> str:
        """One sentence for the page: what the changes compare, or why there are none."""
        base = self.base_label(lang=lang)
        if self.reason == "empty":
            return i18n.t("compare.reason.empty", lang, period=self.period.label(lang=lang))
        if self.reason is not None:
            return i18n.t(f"compare.reason.{self.reason}", lang, period=self.period.label(lang=lang),
                          base=self.base.label(lang=lang), day=i18n.day(self.until, lang=lang) if self.until else "",
                          channel=i18n.t(f"channel.{self.missing}", lang) if self.missing else "")
        if self.partial:
            return i18n.t("compare.partial", lang, period=self.period.label(lang=lang), base=base)
        return i18n.t(f"compare.with.{self.mode}", lang, base=base)


def compare(log: pl.LazyFrame, *, period: Period, mode: str = DEFAULT_MODE,
            sample_uploads: frozenset[str] | set[str] = frozenset()) -> Comparison:
    """How ``period`` is compared under ``mode``, decided on the whole ``log`` (see the module
    docstring). ``sample_uploads`` are the upload ids of the bundled sample."""
    base = base_period(period, mode=mode)
    log = rollup_of(log).exact_for(period)
    sample = pl.col("upload_id").is_in(list(sample_uploads)) if sample_uploads else pl.lit(False)
    if period.fy is not None and base.fy is not None:
        return _compare_fiscal(log, period=period, base=base, mode=mode, sample=sample)
    return _compare_range(log, period=period, base=base, mode=mode, sample=sample)


def _compare_fiscal(log: pl.LazyFrame, *, period: Period, base: Period, mode: str, sample: pl.Expr) -> Comparison:
    now_parts, base_parts = _quarters_of(period), _quarters_of(base)
    keys = {(p.fy, p.quarter): ("now", i + 1) for i, p in enumerate(now_parts)}
    keys.update({(p.fy, p.quarter): ("base", i + 1) for i, p in enumerate(base_parts)})
    found = (rollup_of(log).people.filter(_within(now_parts + base_parts)).with_columns(fiscal_columns())
             .group_by("fy", "fq").agg(sample.any().alias("sample"), (~sample).any().alias("real"), *_channels())
             .collect())
    have: dict[str, dict[int, tuple[bool, bool]]] = {"now": {}, "base": {}}
    channels: dict[str, dict[int, set[str]]] = {"now": {}, "base": {}}
    for fy, fq, has_sample, has_real, *has_channel in found.iter_rows():
        side, position = keys[(fy, fq)]
        have[side][position] = (has_sample, has_real)
        channels[side][position] = {c for c, present in zip(CHANNELS, has_channel) if present}
    now, before = set(have["now"]), set(have["base"])
    positions = tuple(sorted(now))
    result = Comparison(mode, period, base, positions=positions)
    if not now:
        return Comparison(mode, period, base, reason="empty")
    if not before & now:
        return Comparison(mode, period, base, reason="no_data_before")
    if not now <= before:
        return Comparison(mode, period, base, reason="base_partial")
    kinds = {side: {k for p in positions for k, present in zip(("sample", "real"), have[side][p]) if present}
             for side in ("now", "base")}
    if kinds["now"] != kinds["base"] or len(kinds["now"]) > 1:
        return Comparison(mode, period, base, positions=positions, reason="sample")
    missing = sorted(set().union(*(channels["base"][p] - channels["now"][p] for p in positions)), key=CHANNELS.index)
    if missing:
        return Comparison(mode, period, base, positions=positions, reason="channel_missing", missing=missing[0])
    latest = now_parts[positions[-1] - 1]
    last = (rollup_of(log).people.filter(latest.filter()).select(pl.col("last_date").max()).collect().item())
    if last is not None and _under_way(latest, last):
        return Comparison(mode, period, base, positions=positions, until=last, reason="now_partial")
    return result


def _channels() -> list[pl.Expr]:
    """Whether a group of rows holds each of :data:`CHANNELS` (aggregations, in that order)."""
    return [(pl.col("channel") == channel).any().alias(f"has_{channel}") for channel in CHANNELS]


def _under_way(part: Period, last: date) -> bool:
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
    found = (rows.filter(result.now_filter() | result.base_filter())
             .select(pl.when(result.now_filter()).then(pl.lit("now")).otherwise(pl.lit("base")).alias("side"),
                     sample.alias("is_sample"), "channel")
             .group_by("side").agg(pl.col("is_sample").any().alias("sample"), (~pl.col("is_sample")).any().alias("real"),
                                   *_channels())
             .collect())
    kinds = {side: {k for k, present in (("sample", s), ("real", r)) if present} for side, s, r, *_ in found.iter_rows()}
    channels = {side: {c for c, present in zip(CHANNELS, has) if present} for side, _, _, *has in found.iter_rows()}
    if "now" not in kinds:
        return Comparison(mode, period, base, until=until, reason="empty")
    if "base" not in kinds:
        return Comparison(mode, period, base, until=until, reason="no_data_before")
    if kinds["now"] != kinds["base"] or len(kinds["now"]) > 1:
        return Comparison(mode, period, base, until=until, reason="sample")
    if missing := [c for c in CHANNELS if c in channels["base"] - channels["now"]]:
        return Comparison(mode, period, base, until=until, reason="channel_missing", missing=missing[0])
    return result


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
