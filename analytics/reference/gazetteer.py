"""Place-name gazetteer: resolve free-text upazila / union names to P-codes.

Reads the committed tables in ``geodata/`` (``gazetteer*.csv`` and ``*_upazilas.geojson`` /
``*_unions.geojson``), so adding a district is a data change. Matching works on
:func:`normalise_name` keys of each unit's English name, Bengali name and aliases (spelling
folded by :func:`analytics.reference.names.fold`): an exact key match is ``ok`` (or ``ambiguous`` when
several units share it). Failing that, a *confident* approximate match
(:class:`analytics.reference.names.Matcher`: every word matched by a rule such as a transliteration
variant, "Sikdar Malik" / "Sikdar Mallik", "Kodomtola" / "Kadamtala", never by a look-alike
typo; and no other unit of the level anywhere in the district within the margin) is also
``ok``, flagged ``approximate``. Otherwise the result is ``unknown`` with the closest names
(difflib) as ``candidates``: look-alikes are only ever suggested, never accepted silently.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import polars as pl

from analytics import ROOT
from analytics.reference import names

GEODATA_DIR: Path = ROOT / "geodata"

Level = Literal["district", "upazila", "union"]
Status = Literal["ok", "ambiguous", "unknown"]

SCHEMA: dict[str, Any] = {
    "level": pl.String, "pcode": pl.String, "parent_pcode": pl.String, "name_en": pl.String,
    "name_bn": pl.String, "aliases": pl.String, "pcode_2023": pl.String, "area_km2": pl.Float64,
    "has_polygon": pl.Boolean, "lat": pl.Float64, "lon": pl.Float64,
}

SITE_SCHEMA: dict[str, Any] = {
    "site_id": pl.String, "name_en": pl.String, "name_bn": pl.String, "upazila_pcode": pl.String,
    "lat": pl.Float64, "lon": pl.Float64,
}

# "3", "3no", "৩নং", "no" (in folded spelling: names.fold drops the hasanta of নম্বর)
_NUMBERING = re.compile(r"^(?:\d+|\d*(?:no|nong|num|%s|%s))$" % (names.fold("নং"), names.fold("নম্বর")))


_GENERIC = frozenset(names.fold(word) for word in (
    "union", "parishad", "up", "upazila", "upazilla", "upozila", "upz", "thana", "district", "zila", "zilla",
    "ইউনিয়ন", "ইউনিয়ান", "ইউঃ", "পরিষদ", "ইউপি", "উপজেলা", "থানা", "জেলা",
    # a union's digital centre goes by the union's name: "Dirgha Union Digital Center", "টোনা ইউডিসি"
    "digital", "center", "centre", "udc", "ডিজিটাল", "সেন্টার", "ইউডিসি",
))


def name_tokens(text: str) -> tuple[str, ...]:
    """The words of a place name as :func:`normalise_name` keeps them: :func:`analytics.reference.names.words`
    without generic words and numbering. Unlike :func:`analytics.reference.names.tokens` (service names),
    on purpose: no stemming, filler words and years kept, single letters not joined to the next
    word. A place name is a proper noun, matched word for word, not a phrase to be read loosely."""
    return tuple(t for t in names.words(text) if t not in _GENERIC and not _NUMBERING.match(t))


def normalise_name(text: str) -> str:
    """A place's matching key (the same folding as :func:`analytics.reference.names.key`, the rest as
    :func:`name_tokens` says): casefolded NFKC text without punctuation, spaces, numbering ("৩নং")
    or generic words ("Union Parishad", "UP", "Upazila", "ইউনিয়ন পরিষদ", "উপজেলা"), with
    Bengali spelling variants folded (ী/ি, ূ/ু, ণ/ন, শ/ষ/স, hasanta, precomposed/decomposed nukta)."""
    return "".join(name_tokens(text))


@dataclass(frozen=True)
class Resolution:
    """The outcome of resolving one name; ``candidates`` are P-codes, closest first.

    ``approximate`` is True for an ``ok`` that was not an exact key match but a confident
    approximate one (its ``candidates`` then hold the chosen P-code first)."""

    query: str
    status: Status
    pcode: str | None = None
    candidates: tuple[str, ...] = ()
    approximate: bool = False

    @property
    def ok(self) -> bool:
        return self.status == "ok"


#: A place written with where it lies: "<union>, <upazila>", "<union> (<upazila>)", "<union> - <upazila>".
_WITH_WHERE = (re.compile(r"^(.+?),(.*)$", re.S), re.compile(r"^(.+?)\s*[(\[]([^()\[\]]*)[)\]]\s*$", re.S),
               re.compile(r"^(.+?)\s+[-\u2013\u2014]\s+(.+)$", re.S))


def _place_and_where(query: str) -> tuple[str, str] | None:
    """(the place, where it lies) of a name written with where it lies; None for a plain name."""
    for pattern in _WITH_WHERE:
        if (found := pattern.match(query)) is not None:
            return found.group(1), found.group(2)
    return None


class Gazetteer:
    """Administrative units (district, upazila, union) with names, aliases and P-codes."""

    def __init__(self, units: pl.DataFrame, sites: pl.DataFrame | None = None) -> None:
        self.units = units
        self._sites = sites if sites is not None else pl.DataFrame(schema=SITE_SCHEMA)
        self._rows = {row["pcode"]: row for row in units.iter_rows(named=True)}
        self._parents = {row["parent_pcode"] for row in self._rows.values()}
        self._index: dict[str, dict[str, list[str]]] = {}  # level -> name key -> P-codes
        self._names: dict[str, list[tuple[str, str]]] = {}  # level -> (P-code, name)
        for row in self._rows.values():
            labels = [n for n in (row["name_en"], row["name_bn"], *(row["aliases"] or "").split("|")) if n]
            self._names.setdefault(row["level"], []).extend((row["pcode"], n) for n in labels)
            for key in dict.fromkeys(k for k in map(normalise_name, labels) if k):
                self._index.setdefault(row["level"], {}).setdefault(key, []).append(row["pcode"])
        self._matchers: dict[str, names.Matcher] = {}

    @classmethod
    def load(cls, *, directory: Path = GEODATA_DIR) -> "Gazetteer":
        """Read every ``gazetteer*.csv`` (and ``sites*.csv``) in ``directory``, cached until a file changes."""
        files = sorted(Path(directory).glob("gazetteer*.csv"))
        if not files:
            raise FileNotFoundError(f"no gazetteer*.csv in {directory}")
        files += sorted(Path(directory).glob("sites*.csv"))
        return _load_cached(tuple((f, f.stat().st_mtime_ns) for f in files))

    def sites(self) -> pl.DataFrame:
        """Service points such as the DC office front desk: site_id, names, upazila_pcode, lat, lon."""
        return self._sites

    def dc_office_upazila(self) -> str | None:
        """P-code of the upazila the Deputy Commissioner's office (front desk) is in: the first
        ``DC-`` site of ``sites*.csv`` (None for a gazetteer without one)."""
        office = self._sites.filter(pl.col("site_id").str.starts_with("DC-"))
        return office["upazila_pcode"][0] if office.height else None

    def upazilas(self) -> pl.DataFrame:
        return self.units.filter(pl.col("level") == "upazila")

    def unions(self, *, upazila: str | None = None) -> pl.DataFrame:
        """Unions, optionally only those of one upazila (given by P-code)."""
        unions = self.units.filter(pl.col("level") == "union")
        return unions if upazila is None else unions.filter(pl.col("parent_pcode") == upazila)

    def name(self, pcode: str, *, lang: str = "en") -> str:
        """The English (``lang="en"``) or Bengali (``lang="bn"``) name of a unit."""
        if pcode not in self._rows:
            raise KeyError(f"unknown P-code {pcode!r}")
        return self._rows[pcode]["name_bn" if lang == "bn" else "name_en"]

    def describe(self, resolution: Resolution, *, lang: str = "en") -> list[str]:
        """Human-readable candidates: ``"<name> (<pcode>, <parent name>)"``."""
        def label(pcode: str) -> str:
            parent = self._rows[pcode]["parent_pcode"]
            where = f", {self.name(parent, lang=lang)}" if parent in self._rows else ""
            return f"{self.name(pcode, lang=lang)} ({pcode}{where})"
        return [label(p) for p in resolution.candidates]

    def resolve(self, text: str | None, *, level: Level, within: str | None = None) -> Resolution:
        """Resolve ``text`` to a unit of ``level``; ``within`` restricts to one parent P-code."""
        if within is not None and within not in self._parents:
            raise ValueError(f"unknown parent P-code {within!r}")
        query = text or ""
        key = normalise_name(query)
        index = self._index.get(level, {})

        def inside(pcodes: list[str]) -> list[str]:
            return sorted(p for p in pcodes if within is None or self._rows[p]["parent_pcode"] == within)

        exact = inside(index.get(key, [])) if key else []
        if len(exact) == 1:
            return Resolution(query, "ok", exact[0])
        if exact:
            return Resolution(query, "ambiguous", None, tuple(exact))
        if not key:
            return Resolution(query, "unknown")
        if not index.get(key):  # nowhere an exact name: a confident approximate match?
            found = self._matcher(level).match(query)
            if found.kind == "approximate" and inside([found.code]):
                return Resolution(query, "ok", found.code, (found.code,), approximate=True)
        if (parts := _place_and_where(query)) is not None:
            # "<union>, <its upazila>", "<union> (<its upazila>)", "<union> - <its upazila>", "<upazila>,
            # <its district>": the place, then where it lies
            head, rest = parts
            first = self.resolve(head, level=level, within=within)
            if first.ok and first.pcode and self._lies_in(first.pcode, rest):
                return Resolution(query, "ok", first.pcode, (first.pcode,), approximate=True)
            if first.ok or first.candidates:  # its suggestions first
                found = ((first.pcode,) if first.pcode else ()) + first.candidates
                return Resolution(query, "unknown", None, tuple(dict.fromkeys(found))[:5])
        # Same name under another parent first, then names containing the query, then look-alikes.
        pool = {k: found for k, pcodes in index.items() if (found := inside(pcodes))}
        containing = [p for k, found in pool.items() if len(key) >= 4 and key in k for p in found]
        close = difflib.get_close_matches(key, list(pool), n=10, cutoff=0.75)
        suggestions = sorted(index.get(key, [])) + containing + [p for k in close for p in pool[k]]
        return Resolution(query, "unknown", None, tuple(dict.fromkeys(suggestions))[:5])

    def _lies_in(self, pcode: str, text: str) -> bool:
        """Whether ``text`` names a unit ``pcode`` lies in (its upazila, its district), or nothing."""
        key = normalise_name(text)
        if not key:
            return True
        above, parent = set(), self._rows[pcode]["parent_pcode"]
        while parent in self._rows:
            above.add(parent)
            parent = self._rows[parent]["parent_pcode"]
        return any(set(index.get(key, [])) & above for index in self._index.values())

    def _matcher(self, level: str) -> names.Matcher:
        """Approximate matching over every unit of ``level`` (the margin is taken district-wide, so a
        close unit under another parent also blocks acceptance). No abbreviations ("Kalakhal" is not
        Kalakhali); short names get no approximate matches: spelling variants need 5+ Latin letters
        or 4+ Bengali characters, and look-alikes never count."""
        if level not in self._matchers:
            self._matchers[level] = names.Matcher(self._names.get(level, []), tokenize=name_tokens,
                                                  abbreviations=False)
        return self._matchers[level]

    def resolve_many(
        self, texts: pl.Series, *, level: Level, within: pl.Series | None = None
    ) -> pl.DataFrame:
        """Vectorised :meth:`resolve`: each distinct (text, within) pair is resolved once.

        Returns one row per input, in order: ``input``, ``pcode``, ``status``, ``candidates``.
        """
        if within is not None and len(within) != len(texts):
            raise ValueError("texts and within must have the same length")
        frame = pl.DataFrame({
            "input": texts.cast(pl.String),
            "within": within.cast(pl.String) if within is not None else pl.repeat(None, len(texts), dtype=pl.String, eager=True),
        })
        pairs = frame.unique(maintain_order=True)
        found = [self.resolve(t, level=level, within=w) for t, w in pairs.iter_rows()]
        pairs = pairs.with_columns(
            pl.Series("pcode", [r.pcode for r in found], dtype=pl.String),
            pl.Series("status", [r.status for r in found], dtype=pl.String),
            pl.Series("candidates", [list(r.candidates) for r in found], dtype=pl.List(pl.String)),
        )
        joined = frame.join(pairs, on=["input", "within"], how="left", nulls_equal=True, maintain_order="left")
        return joined.select("input", "pcode", "status", "candidates")


@lru_cache(maxsize=8)
def _load_cached(files: tuple[tuple[Path, int], ...]) -> Gazetteer:
    units = [pl.read_csv(f, schema=SCHEMA) for f, _ in files if f.name.startswith("gazetteer")]
    sites = [pl.read_csv(f, schema_overrides=SITE_SCHEMA) for f, _ in files if f.name.startswith("sites")]
    return Gazetteer(pl.concat(units), pl.concat(sites, how="diagonal") if sites else None)


def boundaries_paths(level: Literal["upazila", "union"], *, directory: Path = GEODATA_DIR) -> list[Path]:
    """Every committed boundary file of ``level`` (one per district: ``<district>_<level>s.geojson``)."""
    return sorted(Path(directory).glob(f"*_{level}s.geojson"))


def boundaries_path(level: Literal["upazila", "union"], *, directory: Path = GEODATA_DIR) -> Path:
    """The boundary file of ``level``; use :func:`boundaries_paths` once several districts exist."""
    paths = boundaries_paths(level, directory=directory)
    if not paths:
        raise FileNotFoundError(f"no *_{level}s.geojson in {directory}")
    return paths[0]


def load_boundaries(level: Literal["upazila", "union"], *, directory: Path = GEODATA_DIR) -> dict:
    """A GeoJSON FeatureCollection of all boundary files of ``level`` (feature ``id`` = P-code)."""
    features = []
    for path in boundaries_paths(level, directory=directory):
        features.extend(json.loads(path.read_text(encoding="utf-8"))["features"])
    if not features:
        raise FileNotFoundError(f"no *_{level}s.geojson in {directory}")
    return {"type": "FeatureCollection", "features": features}


@lru_cache(maxsize=4)
def label_points(level: Literal["upazila", "union"]) -> dict[str, tuple[float, float]]:
    """Where each unit's name is written on the map: {pcode: (lon, lat)} (:func:`polylabels` of
    the committed boundaries; computed once per process, a few milliseconds)."""
    return polylabels(load_boundaries(level))


def polylabels(geojson: dict) -> dict[str, tuple[float, float]]:
    """A point well inside each feature (the pole of inaccessibility of its largest part, found
    in a mercator plane so "well inside" is as the eye sees it), for writing its name."""
    import numpy
    import shapely
    from shapely.geometry import shape
    from shapely.ops import polylabel

    points = {}
    for feature in geojson["features"]:
        geom = shape(feature["geometry"])
        if geom.is_empty:
            continue
        part = max(getattr(geom, "geoms", [geom]), key=lambda g: g.area)
        flat = shapely.transform(part, lambda xy: numpy.column_stack(
            [numpy.radians(xy[:, 0]), numpy.log(numpy.tan(math.pi / 4 + numpy.radians(xy[:, 1]) / 2))]))
        inner = polylabel(flat, tolerance=max(flat.length, 1e-9) / 2000)
        lon = math.degrees(inner.x)
        lat = math.degrees(2 * math.atan(math.exp(inner.y)) - math.pi / 2)
        points[feature["properties"]["pcode"]] = (round(lon, 5), round(lat, 5))
    return points
