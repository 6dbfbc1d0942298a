"""Name normalisation and matching (analytics/reference/names.py) and its use for services and places."""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

import polars as pl
import pytest

from analytics.reference import names
from analytics.reference.gazetteer import Gazetteer
from analytics.reference.services import ServiceResolver, load_catalogue

DATA = Path(__file__).parent / "data" / "names"


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


REPORT = _rows("report_services.csv")
SERVICE_PAIRS = _rows("service_pairs.csv")
PLACE_PAIRS = _rows("place_pairs.csv")


@pytest.fixture(scope="module")
def catalogue() -> pl.DataFrame:
    return load_catalogue()


@pytest.fixture(scope="module")
def resolver(catalogue: pl.DataFrame) -> ServiceResolver:
    return ServiceResolver(catalogue)



# ------------------------------------------------------------------ the report's own names
@pytest.mark.parametrize("row", REPORT, ids=lambda r: f"{r['channel']}:{r['name_as_written']}")
def test_report_names_resolve_exactly(resolver: ServiceResolver, row: dict[str, str]) -> None:
    for channel in (row["channel"], None):
        found = resolver.match(row["name_as_written"], channel=channel)
        assert (found.code, found.kind, found.score) == (row["service_code"], "exact", 1.0)
    assert resolver.resolve(row["name_as_written"]) == (row["service_code"], (row["service_code"],))


def test_report_bengali_names_are_in_the_catalogue_as_written(catalogue: pl.DataFrame) -> None:
    written: dict[str, str] = {}
    for code, en, bn, aliases in catalogue.select("service_code", "name_en", "name_bn", "aliases").iter_rows():
        for name in (en, bn, *aliases):
            written.setdefault(name, code)
    for row in REPORT:
        if row["source"].startswith("article-bn.txt"):
            assert written.get(row["name_as_written"]) == row["service_code"], row["name_as_written"]


def test_report_fixture_covers_every_named_service(catalogue: pl.DataFrame) -> None:
    named = set(catalogue.filter("is_named_in_report")["service_code"])
    assert len(named) == 35
    for source in ("article-bn.txt", "published-figures.md"):
        assert {r["service_code"] for r in REPORT if r["source"].startswith(source)} == named, source
    channel = dict(catalogue.select("service_code", "channel").iter_rows())
    assert all(channel[r["service_code"]] == r["channel"] for r in REPORT)
    written = {r["name_as_written"] for r in REPORT}
    # the report's typos and its legacy-font glyph, verbatim
    assert {"ইন্টারন্টে ব্রাউজিং", "সরকারি বিভিন্ন প্রচারণা কাজে লজিষ্টিক সার্পোট",
            "হজ\u00a6 যাত্রীদের প্রাক-নিবন্ধন", "পাবলিক পরীক্ষার ফল জানা", "নকলের আবেদন গ্রহণ ও বিতরণ",
            "দাগের সূচি", "সংশোধনী নকলের আবেদন গ্রহণ"} <= written
    assert all(unicodedata.normalize("NFC", n) == n and n == n.strip() for n in written)


def test_catalogue_shape_unchanged(catalogue: pl.DataFrame) -> None:
    assert catalogue.group_by("channel").len().sort("channel").rows() == [("front_desk", 12), ("udc", 105)]


# ------------------------------------------------------------------ variants and hard negatives
def test_service_pairs_table_is_substantial() -> None:
    positives = [r for r in SERVICE_PAIRS if r["expected"]]
    assert len(SERVICE_PAIRS) >= 80 and len(positives) >= 40 and len(SERVICE_PAIRS) - len(positives) >= 40
    assert len({(r["text"], r["channel"]) for r in SERVICE_PAIRS}) == len(SERVICE_PAIRS)


@pytest.mark.parametrize("row", SERVICE_PAIRS, ids=lambda r: f"{r['text']}|{r['channel']}|{r['expected']}")
def test_service_pairs(resolver: ServiceResolver, row: dict[str, str]) -> None:
    found = resolver.match(row["text"], channel=row["channel"] or None)
    if row["expected"]:
        assert found.code == row["expected"] and found.kind in ("exact", "approximate")
        assert found.candidates[0] == row["expected"] and 0.85 <= found.score <= 1.0
    else:
        assert found.code is None and found.kind == "unknown"
        assert len(found.candidates) <= 3


@pytest.mark.parametrize(("text", "channel", "first"), [
    ("Brith registration", None, "UDC002"),
    ("birth regstration", None, "UDC002"),
    ("Birth registraton", "udc", "UDC002"),
    ("birth registration correctn", None, "UDC003"),
    ("জন্ম নিবন্ধ", None, "UDC002"),
    ("জন্ম নিবন্দন", None, "UDC002"),
    ("computr training", None, "UDC061"),
    ("porcha", "front_desk", "FD03"),
    ("record room porcha", "front_desk", "FD03"),
    ("নকলের আবেদন গ্রহণ", "front_desk", "FD01"),
    ("mobile financial services cash", None, "UDC051"),
    ("Death registration correction", None, "UDC005"),
])
def test_unknown_values_get_suggestions(resolver: ServiceResolver, text: str, channel: str | None, first: str) -> None:
    found = resolver.match(text, channel=channel)
    assert found.code is None and found.kind == "unknown" and found.candidates[0] == first
    assert 0.5 <= found.score < 1.0 and 1 <= len(found.candidates) <= 3


@pytest.mark.parametrize("text", ["", "   ", "-", "N/A", "zzzz qqqq", "অন্যান্য", "and", "ও"])
def test_nothing_to_suggest(resolver: ServiceResolver, text: str) -> None:
    assert resolver.match(text) == names.Match(None, "unknown", 0.0, ())


@pytest.mark.parametrize(("text", "channel", "code", "kind"), [
    ("Public exam results", None, "UDC027", "approximate"),
    ("পাবলিক পরীক্ষার ফল জানা", "udc", "UDC027", "exact"),
    ("SA porcha", "udc", None, "unknown"),
    ("Nakal", "front_desk", "FD01", "exact"),
])
def test_resolve_keeps_its_contract(resolver: ServiceResolver, text: str, channel: str | None, code: str | None,
                                    kind: str) -> None:
    found = resolver.match(text, channel=channel)
    assert (found.code, found.kind) == (code, kind)
    resolved, candidates = resolver.resolve(text, channel=channel)
    assert resolved == code and isinstance(candidates, tuple)
    if code is not None:
        assert candidates[0] == code
    if kind == "exact":
        assert candidates == (code,)


def test_resolve_many_match_and_score(resolver: ServiceResolver) -> None:
    texts = pl.Series(["Public exam results", "Birth registration", None, "Brith registration", "porcha", "porcha",
                       "Public exam results"])
    channels = pl.Series(["udc", "udc", "udc", "udc", "front_desk", None, "udc"])
    out = resolver.resolve_many(texts, channel=channels)
    assert out.columns == ["input", "service_code", "candidates", "match", "score"]
    assert out.schema == {"input": pl.String, "service_code": pl.String, "candidates": pl.List(pl.String),
                          "match": pl.String, "score": pl.Float64}
    assert out["service_code"].to_list() == ["UDC027", "UDC002", None, None, None, "UDC013", "UDC027"]
    assert out["match"].to_list() == ["approximate", "exact", None, None, None, "exact", "approximate"]
    scores = out["score"].to_list()
    assert scores[1] == scores[5] == 1.0 and scores[0] == scores[6] and 0.85 <= scores[0] < 1.0
    assert scores[2] is None and 0.5 <= scores[3] < 1.0
    assert out["candidates"][3][0] == "UDC002" and set(out["candidates"][4]) <= {"FD03", "FD04", "FD05", "FD06"}
    assert out["candidates"][2].to_list() == []


# ------------------------------------------------------------------ normalisation
@pytest.mark.parametrize(("text", "expected"), [
    ("জন্মনিবন্ধন", ("জনমনিবনধন",)),
    ("জন্ম নিবন্ধন", ("জনম", "নিবনধন")),
    ("জ\u09a8\u09cd\u200cম নিবন্ধন", ("জনম", "নিবনধন")),  # hasanta + ZWNJ
    ("বয়স্ক", ("বযসক",)),
    ("ব\u09af\u09bcস্ক", ("বযসক",)),  # decomposed nukta
    ("ঘূর্ণিঝড়", ("ঘুরনিঝড",)),
    ("ঘুর্নিঝ\u09a1\u09bc", ("ঘুরনিঝড",)),
    ("বিদ্যুৎ বিল", ("বিদযুত", "বিল")),
    ("লজিষ্টিক", ("লজিসটিক",)),
    ("হজ\u00a6", ("হজব",)),
    ("আর্সেনিক পরীক্ষাসহ", ("আরসেনিক", "পরিকসা")),
    ("নকলের আবেদন গ্রহণ ও বিতরণ", ("নকল", "আবেদন", "গরহন", "বিতরন")),
    ("হজ্জযাত্রীদের", ("হজজযাতরি",)),
    ("অনলাইনে বিশ্ববিদ্যালয়ে ভর্তি", ("অনলাইন", "বিসববিদযালয", "ভরতি")),
    ("NID এর সংশোধন", ("nid", "সংসোধন")),
    ("১০৯ হেল্পলাইন", ("109", "হেলপলাইন")),
    ("S.A. Porcha", ("sa", "porcha")),
    ("e-mail", ("email",)),
    ("ই-মেইল", ("ইমেইল",)),
    ("Applications for corrected copies", ("application", "corrected", "copy")),
    ("Hajj pilgrims' pre-registration", ("hajj", "pilgrim", "pre", "registration")),
    ("SSC result 2023", ("ssc", "result")),
    ("Cash & carry", ("cash", "carry")),
    ("Application", ("application",)),
    ("আবেদন", ("আবেদন",)),
    ("  ", ()),
])
def test_tokens(text: str, expected: tuple[str, ...]) -> None:
    assert names.tokens(text) == expected
    assert names.key(text) == "".join(expected)


@pytest.mark.parametrize(("a", "b"), [
    ("জন্মনিবন্ধন", "জন্ম নিবন্ধন"),
    ("জন্ম নিবন্ধন", "জন্ম-নিবন্ধন"),
    ("নাগরীক", "নাগরিক"),
    ("ভূমি", "ভুমি"),
    ("প্রশিক্ষণ", "প্রশিক্ষন"),
    ("প্রশিক্ষণ", "প্রসিক্ষণ"),
    ("মাটিভাঙ্গা", "মাটিভাংগা"),
    ("শাঁখারীকাঠী", "শাখারীকাঠী"),
    ("নকশা\u200c", "নকশা"),
    ("০১২৩", "0123"),
    ("BIRTH   registration", "birth registration"),
    ("Birth Reg.", "birth reg"),
])
def test_same_key(a: str, b: str) -> None:
    assert names.key(a) == names.key(b)


@pytest.mark.parametrize(("a", "b"), [
    ("Application", "Certificate"),
    ("আবেদন", "সনদ"),
    ("SA porcha", "CS porcha"),
    ("cash in", "cash out"),
    ("e-porcha", "porcha"),
    ("নকশা", "নকল"),
    ("পানি", "পানির বিল"),
])
def test_different_key(a: str, b: str) -> None:
    assert names.key(a) != names.key(b)


@pytest.mark.parametrize(("query", "name", "sim", "explained"), [
    ("birth", "birth", 1.0, True),
    ("apply", "application", names.SIM_SYNONYM, True),
    ("govt", "government", names.SIM_SYNONYM, True),
    ("reg", "registration", names.SIM_ABBREVIATION, True),
    ("elec", "electricity", names.SIM_ABBREVIATION, True),
    ("laminated", "laminate", names.SIM_ABBREVIATION, True),
    ("registration", "reg", 0.0, False),  # the name's abbreviation does not stand for any longer word
    ("sonod", "sanad", names.SIM_VARIANT, True),
    ("porca", "porcha", names.SIM_VARIANT, True),
    ("pasport", "passport", names.SIM_VARIANT, True),
    ("চাকুরি", "চাকরি", names.SIM_VARIANT, True),
    ("হজযাতরি", "হজজযাতরি", names.SIM_VARIANT, True),
    ("brith", "birth", 0.8, False),
    ("নিবনধ", "নিবনধন", pytest.approx(0.909, abs=1e-3), False),
    ("sa", "cs", 0.0, False),
    ("in", "out", 0.0, False),
    ("19", "1098", 0.0, False),
])
def test_token_similarity(query: str, name: str, sim: float, explained: bool) -> None:
    assert names.token_similarity(query, name) == (sim, explained)


def test_no_abbreviations_for_places() -> None:
    assert names.token_similarity("kalakhal", "kalakhali", abbreviations=False) == (
        pytest.approx(0.941, abs=1e-3), False)
    assert names.token_similarity("kalakhal", "kalakhali") == (names.SIM_ABBREVIATION, True)


# ------------------------------------------------------------------ thresholds and margin
def _matcher(*pairs: tuple[str, str]) -> names.Matcher:
    return names.Matcher(pairs)


@pytest.mark.parametrize(("pairs", "text", "code", "kind"), [
    # neighbours one word apart: the shorter query is exact, the ambiguous one goes to a person
    ((("A", "cash in"), ("B", "cash out")), "cash", None, "unknown"),
    ((("A", "birth registration"), ("B", "birth registration correction")), "birth reg", "A", "approximate"),
    ((("A", "birth registration"), ("B", "birth registration correction")), "birth reg correction", "B", "approximate"),
    # one missing word out of two is not enough (2/3 < ACCEPT)
    ((("A", "warish certificate"), ("B", "trade licence")), "warish", None, "unknown"),
    # a typo in the only distinguishing word never counts
    ((("A", "birth registration"), ("B", "death registration")), "brith registration", None, "unknown"),
    # a rule-explained variant is accepted when clearly ahead
    ((("A", "nagarik sonod"), ("B", "warish sonod")), "nagorik sanad", "A", "approximate"),
    # ... but not when the runner-up is a look-alike within the margin
    ((("A", "nagarik sonod"), ("B", "nagarik sanaf")), "nagorik sanad", None, "unknown"),
])
def test_margin_rule(pairs: tuple[tuple[str, str], ...], text: str, code: str | None, kind: str) -> None:
    found = _matcher(*pairs).match(text)
    assert (found.code, found.kind) == (code, kind)


def test_thresholds_documented() -> None:
    assert (names.ACCEPT, names.MARGIN, names.SUGGEST) == (0.85, 0.10, 0.5)
    for word in ("ACCEPT", "MARGIN", "SUGGEST", "0.85", "0.10"):
        assert word in names.__doc__


def test_within_restricts_codes() -> None:
    matcher = _matcher(("A", "SA porcha"), ("B", "porcha"))
    assert matcher.match("SA porcha", within={"B"}).code is None
    assert matcher.match("porcha", within={"A"}).candidates == ("A",)


def test_ambiguous_exact_key_is_unknown() -> None:
    found = _matcher(("A", "Sadar"), ("B", "sadar"), ("C", "Tona")).match("SADAR")
    assert (found.code, found.kind, found.candidates) == (None, "unknown", ("A", "B"))


def test_exact_only_names_are_never_approximate() -> None:
    matcher = names.Matcher([("UDC002", "Birth registration")], exact_only=[("UDC002", "UDC002")])
    assert matcher.match("udc 002").code == "UDC002"
    assert matcher.match("UDC012").code is None


def test_module_is_pure() -> None:
    source = Path(names.__file__).read_text(encoding="utf-8")
    assert "streamlit" not in source and "open(" not in source


# ------------------------------------------------------------------ places
@pytest.mark.parametrize("row", PLACE_PAIRS, ids=lambda r: f"{r['text']}|{r['level']}|{r['within']}|{r['expected']}")
def test_place_pairs(gaz: Gazetteer, row: dict[str, str]) -> None:
    found = gaz.resolve(row["text"], level=row["level"], within=row["within"] or None)
    if row["expected"]:
        assert found.status == "ok" and found.pcode == row["expected"]
        assert found.approximate == (found.candidates == (found.pcode,))
    else:
        assert found.status != "ok" and found.pcode is None and not found.approximate


def test_place_pairs_table(gaz: Gazetteer) -> None:
    assert len(PLACE_PAIRS) >= 60
    approximate = [r for r in PLACE_PAIRS if r["expected"]
                   and gaz.resolve(r["text"], level=r["level"], within=r["within"] or None).approximate]
    assert len(approximate) >= 30
    assert sum(1 for r in PLACE_PAIRS if not r["expected"]) >= 25


def test_place_exact_matches_are_not_flagged(gaz: Gazetteer) -> None:
    for text, level in [("Tona", "union"), ("মাটিভাঙ্গা", "union"), ("Zianagar", "upazila"), ("Kolakhali", "union")]:
        found = gaz.resolve(text, level=level)
        assert found.ok and not found.approximate and found.candidates == ()


def test_no_two_units_are_approximate_matches_of_each_other(gaz: Gazetteer) -> None:
    """Every name and alias of a unit resolves to that unit, never to a neighbour, even with a
    letter doubled or a vowel changed (the kind of variant that is accepted)."""
    for row in gaz.units.filter(pl.col("level") != "district").iter_rows(named=True):
        labels = [row["name_en"], *(a for a in (row["aliases"] or "").split("|") if a.isascii() and a)]
        for label in labels:
            for variant in {label + label[-1], label.replace("a", "o", 1), label.replace("i", "e", 1)}:
                found = gaz.resolve(variant, level=row["level"])
                # another unit only through its own exact name, never approximately
                assert found.pcode in (None, row["pcode"]) or not found.approximate, (variant, found)
