"""Roll-ups: the log summed per fiscal quarter, written beside each stored file (per upload and
quarter) the first time it is read, so that the pages' figures over millions of rows read thousands.

A :class:`Rollup` is two tables over the same rows:

- ``people``: one row per quarter × channel × upazila × union × entrepreneur (id, name, gender) ×
  upload, with the sums (beneficiaries, fees in paisa, rows), the first and last day, and *the
  set of services delivered* as a bit set (``services_0``, ``services_1`` ...: bit ``i`` of the
  set is ``codes[i]``). Every log row falls in exactly one of these groups.
- ``services``: one row per quarter × channel × upazila × service (and category) × upload, with the
  sums.

Distinct counts stay exact across quarters, uploads and periods: entrepreneurs, unions and
upazilas are keys of ``people``, so counting them distinct there counts them distinct in the
rows; a set of services is the bitwise OR of the groups' sets, and its size the count of bits.
Sums are sums. What a roll-up cannot do is cut a quarter: over a roll-up of quarters a period must
be whole fiscal quarters (fiscal years and quarters are, and so is every comparison made for them).
:func:`rollup_of` a raw log keeps days, so it answers any period; the store's roll-ups
(``Store.rollup``) are by quarter, and a date range over them is answered from the raw rows
(:meth:`Rollup.exact_for`). The stored files are one per upload and quarter already, so a
stored roll-up holds one quarter of one upload.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

import polars as pl

from analytics.reference import schema

if TYPE_CHECKING:
    from analytics.reference.periods import Period

PEOPLE_KEYS = ("date", "channel", "upazila_code", "union_code", "entrepreneur_id", "entrepreneur_name",
               "entrepreneur_gender", "upload_id")
SERVICE_KEYS = ("date", "channel", "upazila_code", "service_code", "service_category", "upload_id")
#: What a roll-up sums: the log's two numbers, and how many log rows went in.
SUMS = {"beneficiaries": pl.Int64, "fee_paisa": pl.Int64, "rows": pl.Int64}
#: Bump when the roll-up's layout or meaning changes: stored roll-ups of another version are rebuilt.
VERSION = 1

Grain = Literal["day", "quarter"]


@lru_cache(maxsize=1)
def catalogue_codes() -> tuple[str, ...]:
    """The service codes of the catalogue, sorted: bit ``i`` of a stored set is the ``i``-th."""
    from analytics.reference.services import load_catalogue

    return tuple(sorted(load_catalogue()["service_code"].to_list()))


def fingerprint(codes: tuple[str, ...]) -> str:
    """Names the bit layout (and :data:`VERSION`): a stored roll-up is used only under the same one."""
    return hashlib.sha256(f"v{VERSION}\n{chr(10).join(codes)}".encode()).hexdigest()[:10]


def words(codes: tuple[str, ...]) -> list[str]:
    """The bit-set columns for ``codes``: 64 services per UInt64 column."""
    return [f"services_{k}" for k in range(max(1, -(-len(codes) // 64)))]


def people_schema(codes: tuple[str, ...]) -> dict[str, pl.DataType]:
    log = schema.LOG_SCHEMA
    return ({key: log[key] for key in PEOPLE_KEYS} | {name: dtype() for name, dtype in SUMS.items()}
            | {"first_date": pl.Date(), "last_date": pl.Date()} | {word: pl.UInt64() for word in words(codes)})


def services_schema() -> dict[str, pl.DataType]:
    log = schema.LOG_SCHEMA
    return {key: log[key] for key in SERVICE_KEYS} | {name: dtype() for name, dtype in SUMS.items()}


def by_quarter(period: Period | None) -> bool:
    """Whether a roll-up by quarter answers ``period`` exactly, and every comparison made for it: all
    data, a fiscal year or a quarter (compared quarter by quarter). A date range, and the range it
    is compared with (cut at the last day with data), are answered by day."""
    return period is None or period.fy is not None


@dataclass(frozen=True)
class Rollup:
    """The two roll-up tables of one log (lazy), and the codes their bit sets stand for; ``raw``:
    the log rows themselves, for a period a roll-up by quarter cannot cut (:meth:`exact_for`)."""

    people: pl.LazyFrame
    services: pl.LazyFrame
    codes: tuple[str, ...]
    grain: Grain = "day"
    raw: pl.LazyFrame | None = field(default=None, compare=False, repr=False)
    _by_day: dict = field(default_factory=dict, compare=False, repr=False)

    def filter(self, predicate: pl.Expr) -> Rollup:
        """Both tables (and the raw rows), filtered on columns they share: ``date`` (whole quarters
        when the grain is a quarter), ``channel``, ``upazila_code``, ``upload_id``."""
        return Rollup(self.people.filter(predicate), self.services.filter(predicate), self.codes, self.grain,
                      None if self.raw is None else self.raw.filter(predicate))

    def exact_for(self, period: Period | None) -> Rollup:
        """This roll-up, or (by quarter, for a period it cannot cut) the raw rows' roll-up by day,
        made once."""
        if self.grain == "day" or by_quarter(period):
            return self
        if self.raw is None:
            raise ValueError(f"a roll-up by quarter cannot answer {period}: it has no raw rows to cut")
        if "day" not in self._by_day:
            self._by_day["day"] = rollup_of(self.raw)
        return self._by_day["day"]

    def collect(self) -> Rollup:
        """The same roll-up held in memory (what the app keeps per data version)."""
        people, services = pl.collect_all([self.people, self.services])
        return Rollup(people.lazy(), services.lazy(), self.codes, self.grain, self.raw)

    @property
    def words(self) -> list[str]:
        return words(self.codes)

    def service_sets(self) -> list[pl.Expr]:
        """Aggregations: the union of a group's service sets, a column per word."""
        return [pl.col(word).bitwise_or() for word in self.words]

    def set_size(self) -> pl.Expr:
        """How many services a row's set holds (after :meth:`service_sets`)."""
        return pl.sum_horizontal([pl.col(word).bitwise_count_ones().cast(pl.Int64) for word in self.words])

    def has_service(self, code: str) -> pl.Expr:
        """Whether a row's set holds ``code`` (false for a code the layout does not have)."""
        if code not in self.codes:
            return pl.lit(False)
        i = self.codes.index(code)
        return (pl.col(f"services_{i // 64}") & pl.lit(1 << (i % 64), dtype=pl.UInt64)) != 0

    def any_service(self, codes: list[str]) -> pl.Expr:
        """Whether a row's set holds any of ``codes``."""
        masks = [0] * len(self.words)
        for code in codes:
            if code in self.codes:
                i = self.codes.index(code)
                masks[i // 64] |= 1 << (i % 64)
        held = [(pl.col(word) & pl.lit(mask, dtype=pl.UInt64)) != 0 for word, mask in zip(self.words, masks) if mask]
        return pl.any_horizontal(held) if held else pl.lit(False)


def _bits(codes: tuple[str, ...]) -> list[pl.Expr]:
    """Per log row: its service as a one-bit set (no bit for a null service)."""
    out = []
    for k, word in enumerate(words(codes)):
        mapping = {code: 1 << (i - 64 * k) for i, code in enumerate(codes) if i // 64 == k}
        out.append(pl.col("service_code").replace_strict(mapping, default=0, return_dtype=pl.UInt64).alias(word)
                   if mapping else pl.lit(0, dtype=pl.UInt64).alias(word))
    return out


def build(log: pl.LazyFrame | pl.DataFrame, *, codes: tuple[str, ...], grain: Grain = "quarter") -> Rollup:
    """The roll-up of a raw log (canonical columns), summed per day or per (fiscal = calendar) quarter. Every service
    code of the log must be one of ``codes`` (:func:`rollup_of` makes sure of it)."""
    rows = log.lazy()
    day = pl.col("date")
    rows = rows.with_columns(day.dt.truncate("1q") if grain == "quarter" else day, _real_date=day)
    sums = [pl.col("beneficiaries").cast(pl.Int64).sum(), pl.col("fee_paisa").cast(pl.Int64).sum(),
            pl.len().cast(pl.Int64).alias("rows")]
    people = (rows.with_columns(_bits(codes)).group_by(PEOPLE_KEYS)
              .agg(*sums, pl.col("_real_date").min().alias("first_date"), pl.col("_real_date").max().alias("last_date"),
                   *[pl.col(word).bitwise_or() for word in words(codes)])
              .select(list(people_schema(codes))))
    services = rows.group_by(SERVICE_KEYS).agg(*sums).select(list(services_schema()))
    return Rollup(people, services, codes, grain)


def rollup_of(log: pl.LazyFrame | pl.DataFrame | Rollup) -> Rollup:
    """A roll-up as it is, or the roll-up of a raw log by day (exact for any period), computed
    once here so that the figures made from it read it, not the log: its bits are the catalogue's
    codes, then any other code the log holds."""
    if isinstance(log, Rollup):
        return log
    known = catalogue_codes()
    extra = (log.lazy().select(pl.col("service_code").drop_nulls().unique())
             .filter(~pl.col("service_code").is_in(list(known))).collect()["service_code"].sort().to_list())
    return build(log, codes=known + tuple(extra), grain="day").collect()


def empty(codes: tuple[str, ...] | None = None, *, grain: Grain = "quarter") -> Rollup:
    codes = catalogue_codes() if codes is None else codes
    return Rollup(pl.DataFrame(schema=people_schema(codes)).lazy(), pl.DataFrame(schema=services_schema()).lazy(),
                  codes, grain)


def paths(part: str, codes: tuple[str, ...]) -> tuple[str, str]:
    """Where the roll-ups of one stored file (``parts/fy=…/q=…/<upload>.parquet``) are kept: under
    ``rollups/<fingerprint>/``, so a new service catalogue never reads an old bit layout."""
    below = part.removeprefix("parts/")
    root = f"rollups/{fingerprint(codes)}"
    return f"{root}/people/{below}", f"{root}/services/{below}"


def covered(frame: pl.DataFrame, codes: tuple[str, ...]) -> bool:
    """Whether every service code of ``frame`` has a bit in ``codes`` (else no roll-up is stored)."""
    return bool(frame["service_code"].drop_nulls().is_in(list(codes)).all())
