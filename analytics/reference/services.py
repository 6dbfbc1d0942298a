"""Service catalogue (UDC and DC-office front desk) and a resolver for free-text service names."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import polars as pl

from analytics.ingest.values import word_key
from analytics.reference import names
from analytics.reference.gazetteer import GEODATA_DIR

_SCHEMA = {
    "service_code": pl.String,
    "channel": pl.String,
    "category_code": pl.String,
    "name_en": pl.String,
    "name_bn": pl.String,
    "aliases": pl.String,
    "typical_fee_bdt": pl.Int64,
    "fee_min_bdt": pl.Int64,
    "fee_max_bdt": pl.Int64,
    "weight": pl.Int64,
    "is_named_in_report": pl.Boolean,
}
_CATEGORY_SCHEMA = {"category_code": pl.String, "name_en": pl.String, "name_bn": pl.String, "sort_order": pl.Int64}


def load_catalogue(*, directory: Path = GEODATA_DIR) -> pl.DataFrame:
    """One row per service kind; `aliases` is a List(String)."""
    return pl.read_csv(directory / "services.csv", schema=_SCHEMA).with_columns(
        pl.col("aliases").fill_null("").str.split("|").list.eval(pl.element().filter(pl.element() != ""))
    )


def load_categories(*, directory: Path = GEODATA_DIR) -> pl.DataFrame:
    return pl.read_csv(directory / "service_categories.csv", schema=_CATEGORY_SCHEMA).sort("sort_order")


class ServiceResolver:
    """Maps a code, English/Bengali name or alias to a service code (exact or confident
    approximate match, :mod:`analytics.reference.names`), suggesting candidates for everything else."""

    def __init__(self, catalogue: pl.DataFrame) -> None:
        self._channel_of: dict[str, str] = {}
        pairs: list[tuple[str, str]] = []
        for code, channel, *labels, aliases in catalogue.select(
            "service_code", "channel", "name_en", "name_bn", "aliases"
        ).iter_rows():
            self._channel_of[code] = channel
            pairs.extend((code, name) for name in (*labels, *aliases) if name)
        self._matcher = names.Matcher(pairs, exact_only=[(code, code) for code in self._channel_of])
        # what is written exactly as in the catalogue (up to case, spaces and punctuation: the
        # literal values.word_key, not the folded names.key the matcher uses): a match through
        # spelling folds or stems is reported as approximate, for staff to check
        self._literal = {(code, word_key(name)) for code, name in [*pairs, *((c, c) for c in self._channel_of)]}
        self._channels = {names.key(ch): ch for ch in self._channel_of.values()}
        self._within: dict[str | None, frozenset[str] | None] = {None: None}
        for ch in self._channels.values():
            self._within[ch] = frozenset(c for c, c_ch in self._channel_of.items() if c_ch == ch)
        self._cache: dict[tuple[str, str | None], names.Match] = {}

    def _channel(self, channel: str | None) -> str | None:
        if channel is None:
            return None
        try:
            return self._channels[names.key(channel)]
        except KeyError:
            raise ValueError(f"unknown channel {channel!r}; expected one of {sorted(self._channels.values())}") from None

    def match(self, text: str | None, *, channel: str | None = None) -> names.Match:
        """The full outcome for one text: code, kind ("exact" / "approximate" / "unknown"),
        score and ranked candidate codes (at most 3). Cached per (text, channel)."""
        channel = self._channel(channel)
        cache_key = (text or "", channel)
        found = self._cache.get(cache_key)
        if found is None:
            found = self._matcher.match(text or "", within=self._within[channel])
            if found.kind == "exact" and (found.code, word_key(text or "")) not in self._literal:
                found = dataclasses.replace(found, kind="approximate")
            if len(self._cache) >= 100_000:
                self._cache.clear()
            self._cache[cache_key] = found
        return found

    def resolve(self, text: str, *, channel: str | None = None) -> tuple[str | None, tuple[str, ...]]:
        """Return (service_code or None, candidate codes). An exact match yields itself as the only
        candidate; a confident approximate match yields its code first, then close alternatives."""
        found = self.match(text, channel=channel)
        return found.code, found.candidates

    def resolve_many(self, texts: pl.Series, *, channel: pl.Series | None = None) -> pl.DataFrame:
        """Resolve a column row by row (same length and order); only unique (text, channel) pairs are resolved.

        Columns: ``input``, ``service_code``, ``candidates`` (List(String)), ``match`` ("exact",
        "approximate", or null when unresolved) and ``score`` (Float64; for unresolved values the
        best candidate's score, null for a null input).
        """
        channels = channel if channel is not None else pl.repeat(None, len(texts), dtype=pl.String, eager=True)
        frame = pl.DataFrame({"input": texts.cast(pl.String), "channel": channels.cast(pl.String)})
        unique = frame.unique()
        results = [
            self.match(text, channel=ch) if text is not None else None for text, ch in unique.iter_rows()
        ]
        unique = unique.with_columns(
            service_code=pl.Series([r.code if r else None for r in results], dtype=pl.String),
            candidates=pl.Series([list(r.candidates) if r else [] for r in results], dtype=pl.List(pl.String)),
            match=pl.Series([r.kind if r and r.code else None for r in results], dtype=pl.String),
            score=pl.Series([r.score if r else None for r in results], dtype=pl.Float64),
        )
        return frame.join(unique, on=["input", "channel"], how="left", nulls_equal=True, maintain_order="left").select(
            "input", "service_code", "candidates", "match", "score"
        )
