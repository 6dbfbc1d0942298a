import re
import unicodedata

import polars as pl
import pytest

from analytics.reference.names import key as normalise
from analytics.reference.services import (
    ServiceResolver,
    load_catalogue,
    load_categories,
)

# English name as in the source report -> Bengali wording of the report.
REPORT_UDC = {
    "Online citizen certificate": "অনলাইনে নাগরিক সনদ",
    "Birth registration": "জন্ম নিবন্ধন",
    "Death registration": "মৃত্যু নিবন্ধন",
    "Downloading government forms": "সরকারি ফরম ডাউনলোড",
    "Application for land records / porcha": "জমির পর্চার আবেদন",
    "All kinds of citizen applications": "সকল প্রকার নাগরিক আবেদন",
    "Life insurance": "জীবন বীমা",
    "Telemedicine": "টেলিমেডিসিন",
    "Electricity bill payment": "বিদ্যুৎ বিল পরিশোধ",
    "Public examination results": "পাবলিক পরীক্ষার ফলাফল",
    "Online university admission": "অনলাইনে বিশ্ববিদ্যালয়ে ভর্তি",
    "Passport application": "পাসপোর্ট আবেদন",
    "Visa verification": "ভিসা যাচাই",
    "Health advice from the upazila health complex": "উপজেলা স্বাস্থ্য কমপ্লেক্সের স্বাস্থ্য পরামর্শ",
    "Water testing": "পানি পরীক্ষা",
    "Arsenic testing": "আর্সেনিক পরীক্ষা",
    "Preparing government documents": "সরকারি কাগজপত্র প্রস্তুত",
    "Logistic support for government campaigns": "সরকারি প্রচারণায় লজিস্টিক সহায়তা",
    "Hajj pilgrims' pre-registration": "হজ্জযাত্রীদের প্রাক-নিবন্ধন",
    "Computer training": "কম্পিউটার প্রশিক্ষণ",
    "Photography": "ছবি তোলা",
    "E-mail": "ই-মেইল",
    "Internet browsing": "ইন্টারনেট ব্রাউজিং",
    "Job circulars": "চাকরির বিজ্ঞপ্তি",
    "Online job application": "অনলাইনে চাকরির আবেদন",
}
REPORT_FD = {
    "Receiving and delivering applications for certified copies / nakal": "নকলের আবেদন গ্রহণ ও সরবরাহ",
    "Receiving citizen applications": "নাগরিক আবেদন গ্রহণ",
    "SA porcha from the record room": "রেকর্ড রুম থেকে এসএ পর্চা",
    "BS porcha from the record room": "রেকর্ড রুম থেকে বিএস পর্চা",
    "CS porcha from the record room": "রেকর্ড রুম থেকে সিএস পর্চা",
    "RS porcha from the record room": "রেকর্ড রুম থেকে আরএস পর্চা",
    "Plot (dag) index": "দাগ সূচি",
    "Application for map / naksha": "নকশার আবেদন",
    "Supply of map": "নকশা সরবরাহ",
    "Application for corrected copy": "সংশোধিত কপির আবেদন",
}
REPORT = [("udc", en, bn) for en, bn in REPORT_UDC.items()] + [("front_desk", en, bn) for en, bn in REPORT_FD.items()]


@pytest.fixture(scope="module")
def catalogue() -> pl.DataFrame:
    return load_catalogue()


@pytest.fixture(scope="module")
def resolver(catalogue: pl.DataFrame) -> ServiceResolver:
    return ServiceResolver(catalogue)


def test_counts_and_codes(catalogue: pl.DataFrame) -> None:
    codes = catalogue.group_by("channel").agg(pl.col("service_code").sort())
    assert dict(codes.iter_rows()) == {
        "udc": [f"UDC{i:03d}" for i in range(1, 106)],
        "front_desk": [f"FD{i:02d}" for i in range(1, 13)],
    }
    assert catalogue["service_code"].is_unique().all()


def test_schema(catalogue: pl.DataFrame) -> None:
    schema = catalogue.schema
    for col in ("typical_fee_bdt", "fee_min_bdt", "fee_max_bdt", "weight"):
        assert schema[col] == pl.Int64
    assert schema["is_named_in_report"] == pl.Boolean
    assert schema["aliases"] == pl.List(pl.String)
    assert catalogue.null_count().sum_horizontal().item() == 0
    assert (catalogue["aliases"].list.len() > 0).all()


def test_names_and_aliases_map_to_one_service(catalogue: pl.DataFrame) -> None:
    owner: dict[str, str] = {}
    for code, en, bn, aliases in catalogue.select("service_code", "name_en", "name_bn", "aliases").iter_rows():
        for name in (code, en, bn, *aliases):
            key = normalise(name)
            assert key, f"{code}: {name!r} normalises to nothing"
            assert owner.setdefault(key, code) == code, f"{name!r} used by {owner[key]} and {code}"


@pytest.mark.parametrize(("channel", "name_en", "report_bn"), REPORT)
def test_report_service_present(
    catalogue: pl.DataFrame, resolver: ServiceResolver, channel: str, name_en: str, report_bn: str
) -> None:
    rows = catalogue.filter(pl.col("name_en") == name_en)
    assert rows.height == 1, f"{name_en!r} not found"
    row = rows.row(0, named=True)
    assert row["channel"] == channel and row["is_named_in_report"]
    assert resolver.resolve(report_bn, channel=channel)[0] == row["service_code"]


def test_only_report_services_flagged(catalogue: pl.DataFrame) -> None:
    assert catalogue["is_named_in_report"].sum() == len(REPORT)


def test_bengali_names_are_bengali_nfc(catalogue: pl.DataFrame) -> None:
    for bn in catalogue["name_bn"].to_list() + load_categories()["name_bn"].to_list():
        assert re.search(r"[\u0980-\u09FF]", bn) and not re.search(r"[A-Za-z]", bn), bn
        assert unicodedata.normalize("NFC", bn) == bn


def test_fees_and_weights(catalogue: pl.DataFrame) -> None:
    fd = catalogue.filter(channel="front_desk")
    assert (fd.select("typical_fee_bdt", "fee_min_bdt", "fee_max_bdt").sum_horizontal() == 0).all()
    udc = catalogue.filter(channel="udc")
    assert udc.filter(
        ~pl.col("fee_min_bdt").is_between(0, pl.col("typical_fee_bdt"))
        | (pl.col("typical_fee_bdt") > pl.col("fee_max_bdt"))
    ).is_empty()
    assert (udc["fee_max_bdt"] > 0).all()
    assert (catalogue["weight"] > 0).all()


def test_categories(catalogue: pl.DataFrame) -> None:
    categories = load_categories()
    assert categories["category_code"].is_unique().all() and categories["sort_order"].is_unique().all()
    assert set(catalogue["category_code"]) == set(categories["category_code"])
    assert 10 <= categories.height <= 15


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("UDC002", "UDC002"),
        ("  udc-002 ", "UDC002"),
        ("fd03", "FD03"),
        ("BIRTH   registration", "UDC002"),
        ("জন্ম নিবন্ধন", "UDC002"),
        ("জন্মনিবন্ধন", "UDC002"),
        ("Birth Reg.", "UDC002"),
        ("DESCO bill", "UDC017"),
        ("porcha", "UDC013"),
        ("পর্চা", "UDC013"),
        ("KHATIAN", "UDC013"),
        ("S.A. Porcha", "FD03"),
        ("e-mail", "UDC064"),
        ("EMAIL", "UDC064"),
        ("xerox", "UDC073"),
        ("Hajj pilgrims pre registration", "UDC085"),
        (unicodedata.normalize("NFD", "ভূমি উন্নয়ন কর"), "UDC016"),
        ("নকশা\u200c", "FD08"),
    ],
)
def test_resolve(resolver: ServiceResolver, text: str, expected: str) -> None:
    assert resolver.resolve(text) == (expected, (expected,))


def test_resolve_channel(resolver: ServiceResolver) -> None:
    assert resolver.resolve("SA porcha", channel="front_desk")[0] == "FD03"
    assert resolver.resolve("birth registration", channel="udc")[0] == "UDC002"
    code, candidates = resolver.resolve("porcha", channel="front_desk")
    assert code is None and candidates and all(c.startswith("FD") for c in candidates)
    with pytest.raises(ValueError):
        resolver.resolve("porcha", channel="post office")


@pytest.mark.parametrize("text", ["Brith registration", "birth regstration", "জন্ম নিবন্ধ"])
def test_near_miss_suggests(resolver: ServiceResolver, text: str) -> None:
    code, candidates = resolver.resolve(text)
    assert code is None and candidates[0] == "UDC002"


def test_unknown(resolver: ServiceResolver) -> None:
    assert resolver.resolve("zzzz qqqq") == (None, ())
    assert resolver.resolve("") == (None, ())


def test_resolve_many(resolver: ServiceResolver) -> None:
    base = ["Birth Reg", "photocopy", None, "Brith registration", "SA porcha", "SA porcha"]
    texts = pl.Series("service", base * 50_000)
    channels = pl.Series(["udc", "udc", "udc", "udc", "front_desk", "udc"] * 50_000)
    out = resolver.resolve_many(texts, channel=channels)
    assert out.columns == ["input", "service_code", "candidates", "match", "score"] and out.height == texts.len()
    assert out.schema["match"] == pl.String and out.schema["score"] == pl.Float64
    assert out["input"].equals(texts.rename("input"))
    assert out.head(6)["service_code"].to_list() == ["UDC002", "UDC073", None, None, "FD03", None]
    assert out.head(6)["match"].to_list() == ["exact", "exact", None, None, "exact", None]
    assert out.head(3)["score"].to_list() == [1.0, 1.0, None]
    assert out["candidates"][3][0] == "UDC002"
    assert resolver.resolve_many(texts)["service_code"].null_count() == 100_000
