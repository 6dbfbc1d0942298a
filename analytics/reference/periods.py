"""Bangladesh fiscal periods: the year runs July to June; Q1 = Jul-Sep ... Q4 = Apr-Jun.

A fiscal year is named by the calendar year it starts in: ``FY 2022-23`` starts 2022-07-01.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from analytics.i18n import bn_digits

_BN_ORDINALS = {1: "১ম", 2: "২য়", 3: "৩য়", 4: "৪র্থ"}
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
        """"FY 2022-23 Q1" / "২০২২-২৩ অর্থবছর, ১ম প্রান্তিক"; custom ranges show their dates."""
        if self.fy is None:
            text = f"{self.start.isoformat()} – {self.end.isoformat()}"
            return bn_digits(text) if lang == "bn" else text
        years = f"{self.fy}-{(self.fy + 1) % 100:02d}"
        if lang == "bn":
            text = f"{bn_digits(years)} অর্থবছর"
            return f"{text}, {_BN_ORDINALS[self.quarter]} প্রান্তিক" if self.quarter else text
        return f"FY {years} Q{self.quarter}" if self.quarter else f"FY {years}"

    def short_label(self, *, lang: str = "en") -> str:
        """Compact label for axes: "Q1 22-23" / "১ম প্রা. ২২-২৩"; others as :meth:`label`."""
        if self.fy is None or not self.quarter:
            return self.label(lang=lang)
        years = f"{self.fy % 100:02d}-{(self.fy + 1) % 100:02d}"
        if lang == "bn":
            return f"{_BN_ORDINALS[self.quarter]} প্রা. {bn_digits(years)}"
        return f"Q{self.quarter} {years}"

    def quarters_label(self, positions: tuple[int, ...], *, lang: str = "en") -> str:
        """Some quarters of this fiscal year: "FY 2022-23 Q1–Q2" / "২০২২-২৩ অর্থবছর, ১ম–২য় প্রান্তিক"
        (runs joined by a dash, others by commas)."""
        runs: list[list[int]] = []
        for q in sorted(positions):
            if runs and q == runs[-1][-1] + 1:
                runs[-1].append(q)
            else:
                runs.append([q])
        year = fiscal_year(self.fy).label(lang=lang)
        if lang == "bn":
            parts = [_BN_ORDINALS[r[0]] + (f"–{_BN_ORDINALS[r[-1]]}" if len(r) > 1 else "") for r in runs]
            return f"{year}, {', '.join(parts)} প্রান্তিক"
        parts = [f"Q{r[0]}" + (f"–Q{r[-1]}" if len(r) > 1 else "") for r in runs]
        return f"{year} {', '.join(parts)}"

    @property
    def key(self) -> str:
        """Short machine key: ``2022-23``, ``2022-23-Q1`` or ``2022-07-01..2023-06-30``."""
        if self.fy is None:
            return f"{self.start.isoformat()}..{self.end.isoformat()}"
        years = f"{self.fy}-{(self.fy + 1) % 100:02d}"
        return f"{years}-Q{self.quarter}" if self.quarter else years

    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        """The period of the same kind just before: previous quarter, year, or same-length range."""
        if self.quarter:
            return quarter(self.fy - 1, 4) if self.quarter == 1 else quarter(self.fy, self.quarter - 1)
        if self.fy is not None:
            return fiscal_year(self.fy - 1)
        length = self.end - self.start
        end = self.start - timedelta(days=1)
        return Period(end - length, end)

    def filter(self, column: str = "date") -> pl.Expr:
        """A polars predicate selecting rows of this period."""
        return pl.col(column).is_between(self.start, self.end, closed="both")


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
        return int(text)
    match = FY_RE.match(text)
    if not match:
        raise ValueError(f"not a fiscal year: {text!r} (expected like 2022-23)")
    start, end = int(match[1]), int(match[2])
    if end % 100 != (start + 1) % 100:
        raise ValueError(f"not a fiscal year: {text!r} (the second year must follow the first)")
    return start


def parse_period(text: str) -> Period:
    """Inverse of :attr:`Period.key`."""
    text = text.strip()
    if ".." in text:
        start, end = text.split("..", 1)
        return Period(date.fromisoformat(start), date.fromisoformat(end))
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
