"""The meeting brief (analytics/report/brief.py, ``python -m analytics brief``; issue 15).

The command is run as users run it, on a temporary store holding the sample, in both languages;
the PDFs are read back with poppler (``pdftotext``, ``pdfinfo``, ``pdftoppm``): the published
FY 2022-23 figures and the upazila names are real text; at most 8 pages and 5 MB; no names
without ``--with-people``. The shaping check compares, for names with conjuncts, the width of
the word in the PDF (``pdftotext -bbox``, from the glyphs Typst placed) and its ink in the page
rendered at 150 dpi, with HarfBuzz's (uharfbuzz) shaping of the same font at the same size;
the same names broken into separate letters (a ZWNJ after each hasanta, as a renderer without
shaping draws them) differ by far more than the tolerance, so the check would fail on them.
Page 1 in each language is saved to test-artifacts/brief/page1-<lang>.png to look at.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from analytics import i18n
from analytics.reference.gazetteer import Gazetteer
from analytics.reference.periods import Period, fiscal_year
from analytics.reference.sample import SAMPLE_UPLOAD_ID, ensure_sample, generate
from analytics.report import brief, views
from analytics.store import LocalStore

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "brief"
POPPLER = all(shutil.which(tool) for tool in ("pdftotext", "pdfinfo", "pdftoppm"))
pytestmark = [
    pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext, pdfinfo, pdftoppm) is not installed"),
    pytest.mark.skipif(not brief.fonts_available(), reason=f"fonts-noto-core is not installed ({brief.FONT_DIR})"),
]
UPAZILAS_BN = ("ভান্ডারিয়া", "কাউখালী", "মঠবাড়িয়া", "নাজিরপুর", "পিরোজপুর সদর", "নেছারাবাদ", "ইন্দুরকানী")
UPAZILAS_EN = ("Bhandaria", "Kawkhali", "Mathbaria", "Nazirpur", "Pirojpur Sadar", "Nesarabad", "Indurkani")
#: names with conjuncts (a hasanta between consonants) that the upazila table writes at brief.TABLE_PT
CONJUNCT_NAMES = ("ভান্ডারিয়া", "ইন্দুরকানী")
TOLERANCE_PT = 0.3  # of the word's width in the PDF against HarfBuzz's
TOLERANCE_PX = 2.0  # of the ink's width at 150 dpi


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analytics", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, check=False)


def pdf_text(path: Path, *options: str) -> str:
    return subprocess.run(["pdftotext", "-layout", *options, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("brief") / "store"
    ensure_sample(LocalStore(directory))
    return directory


@pytest.fixture(scope="module")
def briefs(store_dir, tmp_path_factory) -> dict[str, Path]:
    """The FY 2022-23 brief made by the command: "bn", "en" (open-link rules) and "bn-people"."""
    out = tmp_path_factory.mktemp("pdf")
    made = {}
    for name, extra in (("bn", ["--lang", "bn"]), ("en", ["--lang", "en"]),
                        ("bn-people", ["--lang", "bn", "--with-people"])):
        path = out / f"brief-{name}.pdf"
        done = cli("brief", "--fy", "2022-23", *extra, "--out", str(path), "--store", str(store_dir))
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == str(path)
        made[name] = path
    return made


@pytest.fixture(scope="module")
def people(store_dir) -> list[str]:
    names = LocalStore(store_dir).scan().select(pl.col("entrepreneur_name").drop_nulls().unique()).collect()
    return sorted(names["entrepreneur_name"].to_list())


def test_the_published_figures_and_the_upazilas_are_text_in_bengali(briefs):
    text = pdf_text(briefs["bn"])
    assert "১,২৪,০৮০" in text and "৩৮,৪৯,১৬৮ টাকা" in text
    assert "৪২,২০৬" in text  # the front desk
    for name in UPAZILAS_BN:
        assert name in text, name
    assert "নমুনা ডেটা" in text  # the sample says so
    assert "কলারদোয়ানিয়া" in text  # the union without a boundary, in the coverage notes
    assert i18n.t("about.credits", "bn").split(";")[0] in text.replace("\n", " ")


def test_the_published_figures_and_the_upazilas_are_text_in_english(briefs):
    text = pdf_text(briefs["en"])
    assert "1,24,080" in text and "Tk 38,49,168" in text
    for name in UPAZILAS_EN:
        assert name in text, name
    assert "SAMPLE DATA" in text and "Kalardoania" in text
    assert "OCHA COD-AB" in text and "CC BY 4.0" in text
    assert "v=1" in text  # the share link pins the data version


@pytest.mark.parametrize("name", ["bn", "en", "bn-people"])
def test_within_the_limits(briefs, name):
    assert 1 <= pages(briefs[name]) <= brief.LIMITS["pages"]
    assert briefs[name].stat().st_size <= brief.LIMITS["bytes"]
    assert briefs[name].read_bytes().startswith(b"%PDF")


def test_names_only_with_people(briefs, people):
    assert len(people) >= 10
    open_text = pdf_text(briefs["bn"]) + pdf_text(briefs["en"])
    assert not [n for n in people if n in open_text]
    assert "৩ জনের কম" in open_text  # union earnings withheld as on open links
    staff_text = pdf_text(briefs["bn-people"])
    assert [n for n in people if n in staff_text] == people  # every active entrepreneur is listed
    assert "শুধু দাপ্তরিক ব্যবহারের জন্য" in staff_text


def test_a_bad_period_is_one_line_exit_2(store_dir, tmp_path):
    for args in (["--period", "2023-24-Q9"], ["--fy", "20x2"], ["--upazila", "Atlantis"],
                 # the app's address: a review's 8,000 characters ended in "internal error (TypstError)"
                 ["--url", "https://atlas.example.org/" + "a" * 8000], ["--url", "atlas.example.org"],
                 ["--url", "https://atlas example.org"]):
        done = cli("brief", *args, "--lang", "en", "--out", str(tmp_path / "x.pdf"), "--store", str(store_dir))
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert not (tmp_path / "x.pdf").exists()
    done = cli("brief", "--lang", "en", "--out", str(tmp_path / "no" / "x.pdf"), "--store", str(store_dir))
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1


def test_a_quarter_and_an_upazila(store_dir, tmp_path):
    path = tmp_path / "q.pdf"
    done = cli("brief", "--period", "2022-23-Q2", "--upazila", "Bhandaria", "--lang", "en", "--out", str(path),
               "--store", str(store_dir))
    assert done.returncode == 0, done.stderr
    text = pdf_text(path)
    assert "FY 2022-23 Q2" in text and "Unions of Bhandaria" in text
    assert "Changes are against the previous period, FY 2022-23 Q1." in text  # sample against sample: fair
    assert "upazila=BD107914" in text


# -- data is never markup ------------------------------------------------------------------------
def test_names_with_typst_markup_are_printed_as_written(tmp_path):
    nasty = '#set page(width: 1pt) $x^2$ *b* _i_ [l] \\ "q" <a> @b // c `d` = e'
    log = generate().lazy()
    first = log.select(pl.col("entrepreneur_id").drop_nulls().first()).collect().item()
    log = log.with_columns(pl.when(pl.col("entrepreneur_id") == first).then(pl.lit(nasty))
                           .otherwise(pl.col("entrepreneur_name")).alias("entrepreneur_name"))
    pdf = brief.brief_pdf(log, Gazetteer.load(), period=fiscal_year(2022), lang="en", with_people=True,
                          sample_uploads=frozenset({SAMPLE_UPLOAD_ID}), link="http://x/?a=1&b=#[2]")
    path = tmp_path / "nasty.pdf"
    path.write_bytes(pdf)
    text = " ".join(pdf_text(path, "-raw").split())
    assert nasty in text
    assert "http://x/?a=1&b=#[2]" in text


def test_the_small_cell_rule_applies_without_people():
    log = generate().lazy()
    data = brief.brief_data(log, Gazetteer.load(), period=fiscal_year(2022), lang="en",
                            sample_uploads=frozenset({SAMPLE_UPLOAD_ID}))
    assert data["people"] is None
    assert all(row[-1] == "fewer than 3" for table in data["unions"] for row in table["rows"])
    counts = [int(b["count"].replace(",", "")) for b in data["entrepreneurs"]["histogram"]["bins"]]
    assert counts and all(c >= 3 for c in counts) and sum(counts) == 104
    assert data["entrepreneurs"]["histogram"]["median"] is None  # one person's figure
    staff = brief.brief_data(log, Gazetteer.load(), period=fiscal_year(2022), lang="en", with_people=True,
                             sample_uploads=frozenset({SAMPLE_UPLOAD_ID}))
    assert len(staff["people"]["rows"]) == 104 and staff["entrepreneurs"]["histogram"]["median"]


@pytest.mark.parametrize("metric", ["beneficiaries_udc", "earnings_paisa", "earnings_per_entrepreneur_paisa",
                                    "per_km2", "entrepreneurs"])
def test_the_brief_map_legend_is_the_map_page_legend(metric):
    """The brief's map is classed as the map page's: money in taka (it printed paisa, 100 times the
    amounts), densities in tenths."""
    log, gaz = generate().lazy(), Gazetteer.load()
    page = [t["name"] for t in views.map_view(log, gaz, period=fiscal_year(2022), metric=metric, lang="en")
            .figure.to_dict()["data"] if t.get("showlegend", True) and t.get("type") == "choropleth"]
    printed = brief.brief_data(log, gaz, period=fiscal_year(2022), lang="en", metric=metric, with_people=True,
                               sample_uploads=frozenset({SAMPLE_UPLOAD_ID}))["map"]["legend"]
    assert [entry["label"] for entry in printed][:len(page)] == page and len(page) >= 3


@pytest.mark.parametrize(("earnings", "median"), [
    ([10000, 30065, 50000], "Tk 300.65"),  # the middle earning to the paisa (it was rounded to Tk 301)
    ([10000, 20001, 30000, 40000], "Tk 250.01"),  # between the two middle ones, half a paisa up
])
def test_the_brief_median_is_exact(earnings, median):
    assert brief._earnings_histogram(earnings, lang="en", min_entrepreneurs=None)["median"].endswith(median)


@pytest.mark.parametrize(("values", "shown"), [
    ([10, 20, 23, 23, 23, 40], 5), ([10, 20, 23, 23, 30, 40], 4), ([10, 20], 2), ([5, 5, 5, 5, 5, 5, 5], 7),
])
def test_a_list_of_the_fewest_leaves_out_no_tie(values, shown):
    frame = pl.DataFrame({"beneficiaries_udc": values})
    assert brief._head_with_ties(frame, 3, "beneficiaries_udc").height == shown


def test_earnings_ranges_say_which_end_they_hold():
    """Tk 200 exactly is in the range that starts there, and the labels say so."""
    bins = brief._earnings_histogram([10000, 20000, 35000], lang="en", min_entrepreneurs=None)["bins"]
    assert [(b["label"], b["count"]) for b in bins][3:5] == [("Tk 150 to under Tk 200", "0"),
                                                              ("Tk 200 to under Tk 250", "1")]
    assert all(" থেকে " in b["label"] for b in brief._earnings_histogram([10000], lang="bn", min_entrepreneurs=None)["bins"])


def test_the_sample_is_never_compared_with_real_data():
    log = generate().lazy()
    real = log.filter(pl.col("date") < pl.date(2023, 1, 1)).with_columns(
        pl.col("date").dt.offset_by("1y"), pl.lit("real-upload").alias("upload_id"))
    data = brief.brief_data(pl.concat([log, real]), Gazetteer.load(), period=fiscal_year(2023), lang="en",
                            compare_with="year", sample_uploads=frozenset({SAMPLE_UPLOAD_ID}))
    assert all(k["delta"] is None for k in data["kpis"])
    assert "never compared with the sample" in data["compare"]


# -- shaping -------------------------------------------------------------------------------------
def _shaped(text: str, size: float) -> tuple[float, float, int]:
    """(advance width, ink width, glyphs) of ``text`` shaped by HarfBuzz in Noto Sans Bengali at ``size`` pt."""
    import uharfbuzz as hb

    face = hb.Face((brief.FONT_DIR / brief.FONT_FILES["bn"]).read_bytes())
    font = hb.Font(face)
    buffer = hb.Buffer()
    buffer.add_str(text)
    buffer.guess_segment_properties()
    hb.shape(font, buffer, {})
    x, left, right = 0, None, None
    for info, pos in zip(buffer.glyph_infos, buffer.glyph_positions):
        extents = font.get_glyph_extents(info.codepoint)
        if extents and extents.width:
            start = x + pos.x_offset + extents.x_bearing
            left = start if left is None else min(left, start)
            right = start + extents.width if right is None else max(right, start + extents.width)
        x += pos.x_advance
    scale = size / face.upem
    return x * scale, (right - left) * scale, len(buffer.glyph_infos)


def _broken(text: str) -> str:
    """``text`` as a renderer without shaping draws it: every hasanta visible, no conjunct."""
    return text.replace("\u09cd", "\u09cd\u200c")


def _table_boxes(path: Path, name: str) -> list[tuple[float, float, float, float]]:
    """The boxes (pt) of ``name`` on page 1 at the upazila table's size (the map writes it larger and bold)."""
    xml = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-"], capture_output=True,
                         text=True, check=True).stdout
    boxes = []
    for x0, y0, x1, y1 in re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                                     + re.escape(name) + "</word>", xml):
        box = tuple(float(v) for v in (x0, y0, x1, y1))
        if abs((box[3] - box[1]) / brief.TABLE_PT - 1.325) < 0.05:  # the font's ascent + descent, at TABLE_PT
            boxes.append(box)
    return boxes


@pytest.mark.parametrize("name", CONJUNCT_NAMES)
def test_conjuncts_are_shaped_in_the_pdf(briefs, name):
    advance, _, glyphs = _shaped(name, brief.TABLE_PT)
    broken, _, broken_glyphs = _shaped(_broken(name), brief.TABLE_PT)
    assert glyphs < broken_glyphs  # the conjunct is one glyph (or a pair of half forms), not letters
    assert abs(advance - broken) > 5 * TOLERANCE_PT  # so the check below tells them apart
    boxes = _table_boxes(briefs["bn"], name)
    assert boxes, "the name is not in the upazila table at the table's size"
    for x0, _, x1, _ in boxes:
        assert abs((x1 - x0) - advance) <= TOLERANCE_PT, (x1 - x0, advance, broken)


def test_the_rendered_page_matches_harfbuzz(briefs):
    """Page 1 at 150 dpi: each conjunct name's ink in the upazila table is as wide as HarfBuzz's."""
    from PIL import Image

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for lang in ("bn", "en"):
        subprocess.run(["pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", "-singlefile", str(briefs[lang]),
                        str(ARTIFACTS / f"page1-{lang}")], check=True)
    image = Image.open(ARTIFACTS / "page1-bn.png").convert("L")
    scale = 150 / 72
    for name in CONJUNCT_NAMES:
        _, ink, _ = _shaped(name, brief.TABLE_PT)
        _, broken_ink, _ = _shaped(_broken(name), brief.TABLE_PT)
        assert abs(ink - broken_ink) * scale > 2 * TOLERANCE_PX
        x0, y0, x1, y1 = _table_boxes(briefs["bn"], name)[0]
        crop = image.crop((int(x0 * scale) - 3, int(y0 * scale), int(x1 * scale) + 3, int(y1 * scale)))
        columns = [x for x in range(crop.width) if min(crop.getpixel((x, y)) for y in range(crop.height)) < 128]
        measured = columns[-1] - columns[0] + 1
        assert abs(measured - ink * scale) <= TOLERANCE_PX, (name, measured, ink * scale, broken_ink * scale)


def test_categories_of_equal_size_come_in_one_order_in_both_languages():
    """Ties are ordered by the category's code, not by its name in the page's language."""
    from analytics.reference import schema
    from analytics.reference.services import load_catalogue

    catalogue = load_catalogue().filter(pl.col("channel") == "udc")
    codes = catalogue.group_by("category_code").agg(pl.col("service_code").first()).sort("category_code")
    from datetime import date

    rows = [{"date": date(2022, 7, 5), "channel": "udc", "upazila_code": "BD107980",
             "union_code": "BD10798047", "entrepreneur_id": f"E{i}", "entrepreneur_name": f"E{i}",
             "entrepreneur_gender": "female", "service_code": code, "service_category": category,
             "beneficiaries": 5, "fee_paisa": 5000} for i, (category, code) in enumerate(codes.rows())]
    log = schema.conform(pl.DataFrame(rows))
    names = {}
    for lang in ("en", "bn"):
        data = brief.brief_data(log, Gazetteer.load(), period=fiscal_year(2022), lang=lang, with_people=True)
        names[lang] = [row[0] for row in data["categories"]["rows"]][:brief.TOP_CATEGORIES]
    by_code = {lang: [views.Names.load(Gazetteer.load(), lang=lang).categories[c] for c in codes["category_code"]]
               for lang in names}
    assert names["en"] == by_code["en"][:len(names["en"])] and names["bn"] == by_code["bn"][:len(names["bn"])]
    # the categories past the first ones in one row: the table adds up to the whole
    rest = codes.height - brief.TOP_CATEGORIES
    last = data["categories"]["rows"][-1]
    assert rest > 0 and last[0] == f"বাকি {i18n.number(rest, lang='bn')}টি শ্রেণি"
    assert last[1:3] == [i18n.number(rest, lang="bn"), i18n.number(5 * rest, lang="bn")]
    # one category past them is shown as itself (the review's "The other 1 categories")
    one_more = log.filter(pl.col("service_category").is_in(codes["category_code"].head(brief.TOP_CATEGORIES + 1)
                                                            .to_list()))
    data = brief.brief_data(one_more, Gazetteer.load(), period=fiscal_year(2022), lang="en", with_people=True)
    shown = [row[0] for row in data["categories"]["rows"]]
    assert len(shown) == brief.TOP_CATEGORIES + 1 and not any(name.startswith("The other") for name in shown)


@pytest.mark.parametrize("period, said", [
    (Period(date(2022, 7, 15), date(2022, 8, 14)), True),  # through two months of summaries
    (Period(date(2022, 7, 1), date(2022, 8, 31)), False),  # whole months
])
def test_a_range_through_months_of_summaries_is_noted(period, said):
    from analytics.reference import schema

    summaries = schema.conform(pl.DataFrame({  # a union's monthly summaries: the 1st of each month, no one named
        "date": [date(2022, 7, 1), date(2022, 8, 1)], "channel": ["udc", "udc"], "upazila_code": ["BD107914"] * 2,
        "union_code": ["BD10791411"] * 2, "service_code": ["UDC001"] * 2, "service_category": ["CERT"] * 2,
        "beneficiaries": [120, 64], "fee_paisa": [900_000, 480_000]})).collect().lazy()
    data = brief.brief_data(summaries, Gazetteer.load(), period=period, lang="en")
    notes = " ".join(data["coverage"])
    assert ("July 2022 is left out; August 2022 is counted whole" in notes) is said


def test_a_channel_is_said_to_be_the_maps_and_the_services_not_the_headline_figures():
    log = generate().lazy()
    header = brief.brief_data(log, Gazetteer.load(), period=fiscal_year(2022), lang="en", channel="front_desk",
                              sample_uploads=frozenset({SAMPLE_UPLOAD_ID}))["header"]
    assert header["channel"] == ("Channel: DC office front desk (the map and the services; the headline figures cover "
                                 "both channels)")
    every = brief.brief_data(log, Gazetteer.load(), period=fiscal_year(2022), lang="en",
                             sample_uploads=frozenset({SAMPLE_UPLOAD_ID}))
    assert every["header"]["channel"] == "Channel: All channels" and every["areas"]["note"] is None
    # the review: the front desk's upazila table read "Total 0" under "All", beside the office's 42,206
    areas = brief.brief_data(log, Gazetteer.load(), period=fiscal_year(2022), lang="en", channel="front_desk",
                             sample_uploads=frozenset({SAMPLE_UPLOAD_ID}))["areas"]
    assert areas["note"].startswith("The front desk is one office") and "42,206" in areas["note"]


@pytest.mark.parametrize("lang", ["en", "bn"])
def test_the_district_tables_total_is_the_headlines(lang):
    """The review: the upazilas' table summed to 81,874 ("Total") under a headline of 1,24,080 (an
    upazila's figures are its UDCs'). The front desk's row is under the upazilas now, and the total
    is the headline's; an upazila's brief has no such row."""
    log, gaz = generate().lazy(), Gazetteer.load()
    data = brief.brief_data(log, gaz, period=fiscal_year(2022), lang=lang)
    office = i18n.t("brief.front_desk_row", lang)
    assert data["areas"]["rows"][-1][:2] == [office, i18n.number(42_206, lang=lang)]
    assert data["areas"]["total"][1] == i18n.number(124_080, lang=lang) == data["kpis"][0]["value"]
    assert data["areas"]["total"][2] == i18n.number(81_874, lang=lang)
    one = brief.brief_data(log, gaz, period=fiscal_year(2022), lang=lang, upazila="BD107947")
    assert all(row[0] != office for row in one["areas"]["rows"])
