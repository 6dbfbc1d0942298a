"""Service catalogue (UDC and DC-office front desk) and a resolver for free-text service names."""

from __future__ import annotations

import difflib
import unicodedata
from collections import Counter
from pathlib import Path

import polars as pl

GEODATA = Path(__file__).resolve().parents[1] / "geodata"

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


def load_catalogue(*, directory: Path = GEODATA) -> pl.DataFrame:
    """One row per service kind; `aliases` is a List(String)."""
    return pl.read_csv(directory / "services.csv", schema=_SCHEMA).with_columns(
        pl.col("aliases").fill_null("").str.split("|").list.eval(pl.element().filter(pl.element() != ""))
    )


def load_categories(*, directory: Path = GEODATA) -> pl.DataFrame:
    return pl.read_csv(directory / "service_categories.csv", schema=_CATEGORY_SCHEMA).sort("sort_order")


def normalise(text: str) -> str:
    """Matching key: NFKC + casefold, keeping only letters, marks (Bengali vowel signs) and digits."""
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LMN")


def _bigrams(key: str) -> set[str]:
    return {key[i : i + 2] for i in range(max(len(key) - 1, 1))}


class ServiceResolver:
    """Maps a code, English/Bengali name or alias to a service code, suggesting near misses."""

    def __init__(self, catalogue: pl.DataFrame) -> None:
        self._index: dict[str, str] = {}
        self._channel_of: dict[str, str] = {}
        for code, channel, *names, aliases in catalogue.select(
            "service_code", "channel", "name_en", "name_bn", "aliases"
        ).iter_rows():
            self._channel_of[code] = channel
            for name in (code, *names, *aliases):
                self._index.setdefault(normalise(name), code)
        self._channels = {normalise(ch): ch for ch in self._channel_of.values()}
        self._keys: dict[str | None, list[str]] = {None: list(self._index)}
        for ch in self._channels.values():
            self._keys[ch] = [k for k, code in self._index.items() if self._channel_of[code] == ch]
        self._by_bigram: dict[str, list[str]] = {}
        for key in self._index:
            for gram in _bigrams(key):
                self._by_bigram.setdefault(gram, []).append(key)
        self._suggestions: dict[tuple[str, str | None], tuple[str, ...]] = {}

    def _channel(self, channel: str | None) -> str | None:
        if channel is None:
            return None
        try:
            return self._channels[normalise(channel)]
        except KeyError:
            raise ValueError(f"unknown channel {channel!r}; expected one of {sorted(self._channels.values())}") from None

    def resolve(self, text: str, *, channel: str | None = None) -> tuple[str | None, tuple[str, ...]]:
        """Return (service_code or None, candidate codes). A match yields itself as the only candidate."""
        channel = self._channel(channel)
        key = normalise(text or "")
        code = self._index.get(key)
        if code is not None and channel in (None, self._channel_of[code]):
            return code, (code,)
        return None, self._suggest(key, channel)

    def _suggest(self, key: str, channel: str | None, n: int = 3) -> tuple[str, ...]:
        if not key:
            return ()
        if (key, channel) not in self._suggestions:
            keys = self._keys[channel]
            # shortlist keys sharing the most bigrams, then rank them with difflib
            shared = Counter(k for gram in _bigrams(key) for k in self._by_bigram.get(gram, ()))
            shortlist = [k for k, _ in shared.most_common() if channel in (None, self._channel_of[self._index[k]])]
            close = difflib.get_close_matches(key, shortlist[:50], n=4 * n, cutoff=0.6)
            containing = sorted((k for k in keys if len(key) >= 3 and key in k), key=len)
            self._suggestions[key, channel] = tuple(dict.fromkeys(self._index[k] for k in close + containing))[:n]
        return self._suggestions[key, channel]

    def resolve_many(self, texts: pl.Series, *, channel: pl.Series | None = None) -> pl.DataFrame:
        """Resolve a column row by row (same length and order); only unique (text, channel) pairs are resolved."""
        channels = channel if channel is not None else pl.repeat(None, len(texts), dtype=pl.String, eager=True)
        frame = pl.DataFrame({"input": texts.cast(pl.String), "channel": channels.cast(pl.String)})
        unique = frame.unique()
        results = [
            self.resolve(text, channel=ch) if text is not None else (None, ())
            for text, ch in unique.iter_rows()
        ]
        unique = unique.with_columns(
            service_code=pl.Series([code for code, _ in results], dtype=pl.String),
            candidates=pl.Series([list(cands) for _, cands in results], dtype=pl.List(pl.String)),
        )
        return frame.join(unique, on=["input", "channel"], how="left", nulls_equal=True, maintain_order="left").select(
            "input", "service_code", "candidates"
        )
