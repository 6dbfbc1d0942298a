"""Build benchmarks/data/gazetteer_national.csv: every union of Bangladesh with P-codes.

Source: OCHA COD-AB 2020 union layer (CC BY-IGO) as shipped by the PyPI package
bd-map-plotter (build-only: `pip install -r geodata/requirements-build.txt`). Only names and
P-codes are kept (no geometry); Bengali names are not in that layer, so name_bn repeats
name_en. The benchmark reads the committed CSV, not the package.
"""

import json
from importlib import resources
from pathlib import Path

import polars as pl

OUT = Path(__file__).with_name("data") / "gazetteer_national.csv"


def main() -> None:
    data = json.loads(resources.files("bd_map_plotter").joinpath("data/union_map.json").read_text())
    unions = [f["properties"] for f in data["features"]]
    rows = []
    for p in unions:
        rows.append(("union", p["ADM4_PCODE"], p["ADM3_PCODE"], p["ADM4_EN"]))
    for code, name in {(p["ADM3_PCODE"], p["ADM3_EN"]) for p in unions}:
        rows.append(("upazila", code, code[:6], name))
    frame = pl.DataFrame(rows, schema=["level", "pcode", "parent_pcode", "name_en"], orient="row").unique("pcode")
    frame = frame.with_columns(name_bn=pl.col("name_en"), aliases=pl.lit(None, pl.String), pcode_2023=pl.lit(None, pl.String),
                               area_km2=pl.lit(None, pl.Float64), has_polygon=pl.lit(True), lat=pl.lit(None, pl.Float64),
                               lon=pl.lit(None, pl.Float64)).sort("level", "pcode")
    OUT.parent.mkdir(exist_ok=True)
    frame.select("level", "pcode", "parent_pcode", "name_en", "name_bn", "aliases", "pcode_2023", "area_km2",
                 "has_polygon", "lat", "lon").write_csv(OUT)
    print(OUT, frame.group_by("level").len().sort("level").rows())


if __name__ == "__main__":
    main()
