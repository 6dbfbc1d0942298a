"""Bangladesh fiscal periods: the year runs July to June; Q1 = Jul-Sep ... Q4 = Apr-Jun.

A fiscal year is named by the calendar year it starts in: ``FY 2022-23`` starts 2022-07-01.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from analytics import i18n

#: The years a period may lie in: a wider one is no period of any log (and 0001-01-01..9999-12-31 has
#: no year before it or after it to compare with: it ended the command line in an internal error).
YEARS = range(1971, 2101)
#: A fiscal year as written: "2022-23", "FY 2022-23", "2022/2023", "2022–23" (groups: the two years).
FY_RE = re.compile(r"^\s*(?:FY\s*)?(\d{4})\s*[-/–]\s*(\d{2}|\d{4})\s*$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Period:
    """A closed date range with a label: a fiscal year, a quarter, or any custom range."""

    start: date
    end: date  # inclusive
    fy: int | None = None  # start year of the fiscal year, when the period is one
    quarter: int | None = None  # 1-4 when the period is a fiscal quarter

    def label(self, *, lang: str = "en") -> str:
        """"FY 2022-23 Q1" / "২০২২-২৩ অর্থবছর, ১ম প্রান্তিক"; custom ranges show their days, the
        month by name ("15 July 2022 – 14 August 2022": no day/month order to guess)."""
        lang = _lang(lang)
        if self.fy is None:
            return i18n.day(self.start, lang=lang) + i18n.t("period.range_through", lang) + i18n.day(self.end, lang=lang)
        year = i18n.t("period.year", lang, years=_digits(f"{self.fy}-{(self.fy + 1) % 100:02d}", lang))
        if not self.quarter:
            return year
        return i18n.t("period.year_quarters", lang, year=year, quarters=_quarter_name(self.quarter, lang))

    def short_label(self, *, lang: str = "en") -> str:
        """Compact label for axes: "Q1 22-23" / "১ম প্রা. ২২-২৩"; a custom range in ISO dates; a
        fiscal year as :meth:`label`."""
        lang = _lang(lang)
        if self.fy is None:
            return (_digits(self.start.isoformat(), lang) + i18n.t("period.range_through", lang)
                    + _digits(self.end.isoformat(), lang))
        if not self.quarter:
            return self.label(lang=lang)
        years = f"{self.fy % 100:02d}-{(self.fy + 1) % 100:02d}"
        return i18n.t("period.quarter_short", lang, quarter=_quarter_name(self.quarter, lang),
                      years=_digits(years, lang))

    def quarters_label(self, positions: tuple[int, ...], *, lang: str = "en") -> str:
        """Some quarters of this fiscal year: "FY 2022-23 Q1–Q2" / "২০২২-২৩ অর্থবছর, ১ম–২য় প্রান্তিক"
        (runs joined by a dash, others by commas)."""
        lang = _lang(lang)
        runs: list[list[int]] = []
        for q in sorted(positions):
            if runs and q == runs[-1][-1] + 1:
                runs[-1].append(q)
            else:
                runs.append([q])
        through = i18n.t("period.quarters_through", lang)
        parts = [_quarter_name(r[0], lang) + (through + _quarter_name(r[-1], lang) if len(r) > 1 else "")
                 for r in runs]
        return i18n.t("period.year_quarters", lang, year=fiscal_year(self.fy).label(lang=lang),
                      quarters=i18n.t("period.quarters_separator", lang).join(parts))

    @property
    def key(self) -> str:
        """Short machine key: ``2022-23``, ``2022-23-Q1`` or ``2022-07-01..2023-06-30``."""
        if self.fy is None:
            return f"{self.start.isoformat()}..{self.end.isoformat()}"
        years = f"{self.fy}-{(self.fy + 1) % 100:02d}"
        return f"{years}-Q{self.quarter}" if self.quarter else years

    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same kind just before: previous quarter, year, the same number of whole
        months before a range of whole months (January to June: July to December), or else the
        range of the same number of days."""
        if self.quarter:
            return quarter(self.fy - 1, 4) if self.quarter == 1 else quarter(self.fy, self.quarter - 1)
        if self.fy is not None:
            return fiscal_year(self.fy - 1)
        end = self.start - timedelta(days=1)
        after = self.end + timedelta(days=1)
        if self.start.day == 1 and after.day == 1:  # whole months
            return Period(first_of_month(self.start, -months_between(self.start, after)), end)
        return Period(end - (self.end - self.start), end)

    def filter(self, column: str = "date") -> pl.Expr:
        """A polars predicate selecting rows of this period."""
        return pl.col(column).is_between(self.start, self.end, closed="both")


def _lang(lang: str) -> str:
    """Period labels are English unless Bengali is asked for (as they always were)."""
    return "bn" if lang == "bn" else "en"


def _digits(text: str, lang: str) -> str:
    return i18n.bn_digits(text) if lang == "bn" else text


def _quarter_name(q: int, lang: str) -> str:
    """"Q1" / "১ম"."""
    return i18n.t(f"period.quarter.{q}", lang)


def months_between(first: date, second: date) -> int:
    """How many months from ``first``'s month to ``second``'s (days left aside)."""
    return (second.year - first.year) * 12 + second.month - first.month


def first_of_month(day: date, months: int = 0) -> date:
    """The 1st of the month ``months`` after ``day``'s (before, when negative)."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, 1)


def fiscal_year(fy: int) -> Period:
    return Period(date(fy, 7, 1), date(fy + 1, 6, 30), fy=fy)


def quarter(fy: int, q: int) -> Period:
    if q not in (1, 2, 3, 4):
        raise ValueError(f"quarter must be 1-4, not {q}")
    start_month = (7 + 3 * (q - 1) - 1) % 12 + 1
    start_year = fy if q <= 2 else fy + 1
    start = date(start_year, start_month, 1)
    next_month = date(start_year + (start_month + 2) // 12, (start_month + 2) % 12 + 1, 1)
    return Period(start, next_month - timedelta(days=1), fy=fy, quarter=q)


def fiscal_year_of(day: date) -> int:
    return day.year if day.month >= 7 else day.year - 1


def quarter_of(day: date) -> Period:
    fy = fiscal_year_of(day)
    return quarter(fy, ((day.month - 7) % 12) // 3 + 1)


def parse_fy(text: str) -> int:
    """'2022-23', 'FY 2022-23', '2022-2023' or '2022' -> 2022."""
    text = text.strip()
    if text.isdigit() and len(text) == 4:
        if int(text) not in YEARS:
            raise ValueError(f"not a fiscal year of any log: {text!r}")
        return int(text)
    match = FY_RE.match(text)
    if not match:
        raise ValueError(f"not a fiscal year: {text!r} (expected like 2022-23)")
    start, end = int(match[1]), int(match[2])
    if end % 100 != (start + 1) % 100:
        raise ValueError(f"not a fiscal year: {text!r} (the second year must follow the first)")
    if start not in YEARS:
        raise ValueError(f"not a fiscal year of any log: {text!r}")
    return start


def parse_period(text: str) -> Period:
    """Inverse of :attr:`Period.key`."""
    text = text.strip()
    if ".." in text:
        start, end = (date.fromisoformat(day) for day in text.split("..", 1))
        if end < start:
            raise ValueError(f"the range {text!r} ends before it starts")
        if start.year not in YEARS or end.year not in YEARS:
            raise ValueError(f"the range {text!r} is outside the years of any log")
        return Period(start, end)
    if "-Q" in text.upper():
        years, q = re.split(r"-[Qq]", text, maxsplit=1)
        return quarter(parse_fy(years), int(q))
    return fiscal_year(parse_fy(text))


def fiscal_columns(date_column: str = "date") -> list[pl.Expr]:
    """Expressions adding ``fy`` (start year) and ``fq`` (1-4) from a date column."""
    month = pl.col(date_column).dt.month()
    year = pl.col(date_column).dt.year()
    return [
        pl.when(month >= 7).then(year).otherwise(year - 1).cast(pl.Int16).alias("fy"),
        (((month - 7) % 12) // 3 + 1).cast(pl.Int8).alias("fq"),
    ]
