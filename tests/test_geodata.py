"""The committed geodata files: counts, codes, geometry validity, topology and budgets.

Reads only the committed files (shapely for geometry checks); never the build-only sources.
"""

from __future__ import annotations

import json
import re

import numpy as np
import polars as pl
import pytest
import shapely
from shapely.geometry import shape

from analytics.reference.gazetteer import GEODATA_DIR, Gazetteer

LAYERS = {"upazila": "pirojpur_upazilas.geojson", "union": "pirojpur_unions.geojson"}
BUDGET = {"upazila": 60_000, "union": 150_000}
UNIONS_PER_UPAZILA = {"Mathbaria": 11, "Nesarabad": 10, "Nazirpur": 9, "Pirojpur Sadar": 7,
                      "Bhandaria": 7, "Kawkhali": 5, "Indurkani": 3}
BENGALI = re.compile(r"^[\u0980-\u09ff\s(),.\-]+$")


@pytest.fixture(scope="module")
def layers() -> dict[str, dict]:
    return {level: json.loads((GEODATA_DIR / name).read_text(encoding="utf-8")) for level, name in LAYERS.items()}


@pytest.fixture(scope="module")
def geoms(layers: dict[str, dict]) -> dict[str, dict[str, shapely.Geometry]]:
    return {level: {f["properties"]["pcode"]: shape(f["geometry"]) for f in fc["features"]} for level, fc in layers.items()}


@pytest.fixture(scope="module")
def units() -> pl.DataFrame:
    return Gazetteer.load().units


def test_gazetteer_counts(units: pl.DataFrame) -> None:
    assert units["pcode"].is_unique().all()
    assert units.group_by("level").len().sort("level").rows() == [("district", 1), ("union", 52), ("upazila", 7)]
    names = dict(units.filter(pl.col("level") == "upazila").select("pcode", "name_en").iter_rows())
    counts = units.filter(pl.col("level") == "union").group_by("parent_pcode").len()
    assert {names[p]: n for p, n in counts.iter_rows()} == UNIONS_PER_UPAZILA


def test_gazetteer_codes_and_hierarchy(units: pl.DataFrame) -> None:
    upazilas = units.filter(pl.col("level") == "upazila")
    assert (upazilas["parent_pcode"] == "BD1079").all() and (upazilas["pcode"].str.len_chars() == 8).all()
    assert (upazilas["pcode_2023"] == upazilas["pcode"].str.slice(0, 6) + "00" + upazilas["pcode"].str.slice(6)).all()
    unions = units.filter(pl.col("level") == "union")
    assert unions["parent_pcode"].is_in(upazilas["pcode"].implode()).all()
    assert (unions["pcode"].str.slice(0, 8) == unions["parent_pcode"]).all()
    assert (unions["pcode"].str.len_chars() == 10).all()
    assert dict(upazilas.select("pcode", "name_en").iter_rows())["BD107990"] == "Indurkani"


def test_bengali_names(units: pl.DataFrame) -> None:
    for name in units["name_bn"]:
        assert BENGALI.match(name), name


def test_polygons_or_listed_missing(units: pl.DataFrame, geoms: dict) -> None:
    for level in ("upazila", "union"):
        rows = units.filter(pl.col("level") == level)
        with_polygon = set(rows.filter("has_polygon")["pcode"])
        assert with_polygon <= set(geoms[level])
        assert set(rows.filter(~pl.col("has_polygon"))["name_en"]) == ({"Kalardoania"} if level == "union" else set())
    kalardoania = units.filter(pl.col("name_en") == "Kalardoania").row(0, named=True)
    assert kalardoania["pcode"] not in geoms["union"] and kalardoania["parent_pcode"] == "BD107976"


def test_feature_properties(layers: dict[str, dict], units: pl.DataFrame) -> None:
    keys = {"pcode", "parent_pcode", "name_en", "name_bn", "level", "area_km2"}
    gazetteer = {r["pcode"]: r for r in units.iter_rows(named=True)}
    for level, fc in layers.items():
        assert fc["type"] == "FeatureCollection" and "crs" not in fc  # RFC 7946: WGS84
        for f in fc["features"]:
            p = f["properties"]
            assert keys <= set(p) and p["level"] == level and f["id"] == p["pcode"]
            assert BENGALI.match(p["name_bn"]) and p["area_km2"] > 0
            if level == "union":
                assert p["kind"] in ("union", "paurashava")
            if p.get("kind") != "paurashava":
                assert gazetteer[p["pcode"]]["name_en"] == p["name_en"]
                assert gazetteer[p["pcode"]]["area_km2"] == p["area_km2"]
    kinds = [f["properties"]["kind"] for f in layers["union"]["features"]]
    assert kinds.count("union") == 51 and kinds.count("paurashava") == 3
    assert len(layers["upazila"]["features"]) == 7


@pytest.mark.parametrize("level", LAYERS)
def test_size_budget_and_precision(level: str) -> None:
    path = GEODATA_DIR / LAYERS[level]
    assert path.stat().st_size <= BUDGET[level]
    decimals = re.findall(r"\d\.(\d+)", path.read_text(encoding="utf-8"))
    assert decimals and max(map(len, decimals)) <= 5


@pytest.mark.parametrize("level", LAYERS)
def test_geometries_valid_and_clockwise(level: str, geoms: dict) -> None:
    for pcode, geom in geoms[level].items():
        assert geom.geom_type in ("Polygon", "MultiPolygon") and geom.is_valid, pcode
        xmin, ymin, xmax, ymax = geom.bounds
        assert 89.5 < xmin < xmax < 90.5 and 21.8 < ymin < ymax < 23.0, pcode
        for polygon in shapely.get_parts(geom):  # d3-geo / plotly convention
            assert not polygon.exterior.is_ccw, pcode


@pytest.mark.parametrize("level", LAYERS)
def test_shared_borders_meet(level: str, geoms: dict) -> None:
    polygons = np.array(list(geoms[level].values()))
    assert shapely.coverage_is_valid(polygons)  # no overlaps, shared edges identical
    district = shapely.union_all(polygons)
    assert district.geom_type == "Polygon"
    assert sum(shapely.Polygon(ring).area for ring in district.interiors) < 1e-6 * district.area


def test_upazila_neighbours_share_lines(geoms: dict) -> None:
    upazilas = geoms["upazila"]
    shared = {(a, b): upazilas[a].boundary.intersection(upazilas[b].boundary).length
              for a in upazilas for b in upazilas if a < b and upazilas[a].intersects(upazilas[b])}
    assert len(shared) == 11 and all(length > 0.001 for length in shared.values())  # lines, not points


def test_unions_tile_their_upazila(geoms: dict, layers: dict) -> None:
    upazilas = geoms["upazila"]
    for f in layers["union"]["features"]:
        geom, parent = shape(f["geometry"]), upazilas[f["properties"]["parent_pcode"]]
        assert parent.contains(geom.representative_point()), f["properties"]["name_en"]
        assert geom.intersection(parent).area > 0.95 * geom.area, f["properties"]["name_en"]
    for pcode, upazila in upazilas.items():
        children = shapely.union_all([shape(f["geometry"]) for f in layers["union"]["features"]
                                      if f["properties"]["parent_pcode"] == pcode])
        assert children.symmetric_difference(upazila).area < 0.03 * upazila.area, pcode


def test_gazetteer_points_inside_polygons(units: pl.DataFrame, geoms: dict) -> None:
    for row in units.filter("has_polygon").iter_rows(named=True):
        point = shapely.Point(row["lon"], row["lat"])
        assert geoms[row["level"]][row["pcode"]].contains(point), row["name_en"]
        if row["level"] == "union":
            assert geoms["upazila"][row["parent_pcode"]].contains(point), row["name_en"]


def test_areas_are_consistent(units: pl.DataFrame) -> None:
    upazilas = units.filter(pl.col("level") == "upazila")
    sums = units.filter(pl.col("level") == "union").group_by("parent_pcode").agg(pl.col("area_km2").sum())
    district = units.filter(pl.col("level") == "district")["area_km2"][0]
    assert upazilas["area_km2"].sum() == pytest.approx(district, abs=0.1)
    assert 1200 < district < 1350  # Pirojpur is ~1,308 km2 (BBS); OCHA polygons give ~1,273
    for pcode, total in sums.iter_rows():
        area = upazilas.filter(pl.col("pcode") == pcode)["area_km2"][0]
        assert total <= area + 0.05  # unions + paurashava(s) tile the upazila; Kalardoania has no area


def test_sites(geoms: dict) -> None:
    sites = pl.read_csv(GEODATA_DIR / "sites.csv")
    dc = sites.filter(pl.col("site_id") == "DC-PIROJPUR").row(0, named=True)
    assert dc["name_bn"] == "জেলা প্রশাসকের কার্যালয়, পিরোজপুর" and "approximate" in dc["location_note"]
    assert geoms["upazila"][dc["upazila_pcode"]].contains(shapely.Point(dc["lon"], dc["lat"]))
