"""The clerk's loop in headless Chromium: each office file of tests/data/offices through the upload
page in one pass to exactly its totals, names decided on the page, a re-saved file caught."""

import csv
import re
from pathlib import Path

import polars as pl
import pytest

from analytics import i18n
from analytics.i18n import number
from analytics.ingest import template as T
from analytics.ingest.pipeline import Limits
from analytics.store import LocalStore
from tests.browser.conftest import (
    SHOTS,
    confirm,
    open_page,
    running_app,
    signed_in_upload_page,
    upload,
    wait_idle,
)
from tests.helpers import OFFICES, ROWS, filled, two_logs_workbook

EXPECTED = {row["file"]: row for row in csv.DictReader((OFFICES / "expected.csv").open(encoding="utf-8"))}


@pytest.fixture(scope="module")
def clerk_app(browser, tmp_path_factory):
    """An app of its own (its store fills up with the corpus), signed in as an uploader."""
    with running_app(tmp_path_factory.mktemp("offices")) as url:
        yield url


def stored_totals(app, file_name: str) -> tuple[int, int, int]:
    uploads = LocalStore(app.base / "store").uploads().filter(
        (pl.col("file_name") == file_name) & (pl.col("status") == "active"))
    assert uploads.height == 1, uploads
    return tuple(uploads.select("rows", "beneficiaries", "fee_paisa").row(0))


def expected(file_name: str) -> tuple[int, int, int]:
    row = EXPECTED[file_name]
    return int(row["rows"]), int(row["beneficiaries"]), int(row["fee_paisa"])


PLAIN = [name for name, row in EXPECTED.items() if row["decisions"] == "0" and "same rows as" not in row["notes"]]


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_every_office_file_in_one_pass(page, clerk_app, lang):
    files = PLAIN[::2] if lang == "bn" else PLAIN[1::2]  # half the corpus in each language
    signed_in_upload_page(page, clerk_app, lang=lang)
    for name in files:
        upload(page, OFFICES / name, lang=lang)
        confirm(page, lang=lang)
        assert stored_totals(clerk_app, name) == expected(name), name


def test_names_are_decided_on_the_page_once_then_the_file_goes_in(page, clerk_app):
    name = "nesarabad_q1_legacy_names.xlsx"
    signed_in_upload_page(page, clerk_app, lang="en")
    upload(page, OFFICES / name)
    body = page.inner_text("body")
    assert "Names to decide" in body and "14 rows (14 beneficiaries)" in body
    assert "10 rows repeat another row exactly; they are counted as separate deliveries" in body
    decisions = {row["value"]: row["decision"] for row in csv.DictReader(
        (OFFICES / "nesarabad_q1_legacy_names.decisions.csv").open(encoding="utf-8"))}
    for value, code in decisions.items():
        shown = "".join(re.escape(ch) + "\u2060?" for ch in value)  # i18n.plain adds invisible word joiners
        box = page.locator('[data-testid="stSelectbox"]').filter(
            has_text=re.compile(f"service “{shown}”")).get_by_role("combobox")
        box.click()
        page.keyboard.type("Not a known" if code == "none" else code)
        page.get_by_role("option").first.click()
    page.get_by_role("button", name="Save these decisions").first.click()
    page.wait_for_function("() => document.body.innerText.includes('Decisions saved')", timeout=60_000)
    wait_idle(page)
    assert "Names to decide" not in page.inner_text("body")
    confirm(page, lang="en")
    assert stored_totals(clerk_app, name) == expected(name)
    audit = LocalStore(clerk_app.base / "store").changes()
    assert ("decide", "asha") in set(audit.select("action", "actor").iter_rows())


def test_the_same_rows_saved_as_a_workbook_are_caught_before_confirming(page, clerk_app):
    """Kawkhali's quarter again, re-saved, with another office's quarter stored too: replacing the
    quarter would remove that office's upload as well, so neither choice is made for the clerk, and
    the page says how to put the file in the place of Kawkhali's alone."""
    signed_in_upload_page(page, clerk_app, lang="en")
    for name in ("kawkhali_q1_en.csv", "sadar_q1_receipts.csv"):
        if name not in LocalStore(clerk_app.base / "store").uploads()["file_name"].to_list():
            upload(page, OFFICES / name)  # when this test runs alone
            confirm(page, lang="en")
    upload(page, OFFICES / "kawkhali_q1_en_resaved.xlsx")
    page.wait_for_function("() => document.body.innerText.includes('Choose what this file should do')", timeout=60_000)
    body = page.inner_text("body").replace("\u2060", "")
    assert "162 of this file's 162 rows are already stored" in body and "kawkhali_q1_en.csv" in body
    assert "sadar_q1_receipts.csv" in body and "back on the Data page" in body
    assert not page.get_by_role("radio", name="Add to what is stored").is_checked()
    assert "Confirm and store" not in body
    assert "Names not written as the lists write them" in body  # "Public exam results", listed with its rows to check


def test_what_was_chosen_for_one_file_is_not_the_next_ones(page, clerk_app, tmp_path):
    """Month first chosen for a file that is then set aside: the next file, day first (14/08/2023),
    is read as its own, not month first (which would refuse its dates)."""
    path = Path(__file__).resolve().parents[1] / "data" / "ingest" / "bad" / "date_order_unclear.csv"
    signed_in_upload_page(page, clerk_app, lang="en")
    upload(page, path)
    page.get_by_text("Read month/day/year", exact=True).last.click()
    page.get_by_role("button", name="Confirm and store").wait_for(timeout=60_000)
    later = tmp_path / "day_first_log.csv"
    later.write_text("Date,Upazila,Union,Entrepreneur ID,Service,Beneficiaries,Fee (Tk)\n"
                     "14/08/2023,Pirojpur Sadar,Tona,UDC-9,Birth registration,1,75\n"
                     "03/08/2023,Pirojpur Sadar,Tona,UDC-9,Birth registration,2,150\n", encoding="utf-8")
    page.set_input_files("input[type=file]", str(later))
    page.wait_for_function("() => document.body.innerText.includes('day_first_log.csv')", timeout=60_000)
    page.get_by_role("button", name="Confirm and store").wait_for(timeout=60_000)
    wait_idle(page)
    try:  # (on a busy machine the first file's elements may still be on the page for a moment)
        page.wait_for_function("() => !document.body.innerText.includes('How does this file write dates?')",
                               timeout=20_000)
    except Exception:  # noqa: BLE001 - the assertion below says what stayed
        pass
    body = page.inner_text("body")
    assert "How does this file write dates?" not in body and "is not a valid date" not in body
    confirm(page, lang="en")
    stored = LocalStore(clerk_app.base / "store").uploads().filter(pl.col("file_name") == "day_first_log.csv")
    assert stored.select("rows", "beneficiaries").row(0) == (2, 3)


def test_a_file_repeating_some_days_is_caught_and_replace_is_not_offered_first(page, clerk_app, tmp_path):
    """Kawkhali's quarter from 15 July on, with Kawkhali's whole quarter stored: the days repeated are
    named, and "replace" (which would lose 1-14 July) is not the choice made for the clerk."""
    signed_in_upload_page(page, clerk_app, lang="en")
    if "kawkhali_q1_en.csv" not in LocalStore(clerk_app.base / "store").uploads()["file_name"].to_list():
        upload(page, OFFICES / "kawkhali_q1_en.csv")  # when this test runs alone
        confirm(page, lang="en")
    rows = pl.read_csv(OFFICES / "kawkhali_q1_en.csv", infer_schema=False)
    later = tmp_path / "kawkhali_from_15_july.csv"
    rows.filter(pl.col("Date").str.to_date("%d/%m/%Y") >= pl.date(2023, 7, 15)).write_csv(later)
    upload(page, later)
    blocked = i18n.t("upload.overlap_blocked", "en")
    page.wait_for_function(f"() => document.body.innerText.includes({blocked[:60]!r})", timeout=60_000)
    body = page.inner_text("body").replace("\u2060", "")
    assert "dated 15 July 2023 to" in body and "kawkhali_q1_en.csv" in body, body[:3000]
    assert page.get_by_role("radio", name="Add to what is stored").is_checked()
    # the review: "add" was chosen and the confirm live, so one click counted the days repeated twice;
    # now nothing is stored unless the clerk says they are other deliveries
    assert page.get_by_role("button", name="Confirm and store").count() == 0
    page.screenshot(path=str(SHOTS / "upload-days-repeated-en.png"), full_page=True)
    page.get_by_text(i18n.t("upload.overlap_consent", "en")).click()
    page.get_by_role("button", name="Confirm and store").wait_for(timeout=60_000)
    # a choice made survives a change of language (Streamlit keeps a radio's value as its label)
    replace = i18n.t("upload.mode_replace", "en")
    page.get_by_text(replace, exact=True).click()
    wait_idle(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("বাংলা", exact=True).click()
    page.get_by_text(i18n.t("upload.mode_replace", "bn"), exact=True).wait_for(timeout=60_000)
    wait_idle(page)
    assert page.get_by_role("radio", name=i18n.t("upload.mode_replace", "bn")).is_checked()
    sidebar.get_by_text("English", exact=True).click()
    page.get_by_text(replace, exact=True).wait_for(timeout=60_000)
    wait_idle(page)
    assert page.get_by_role("radio", name=replace).is_checked()


def test_month_first_dates_are_shown_both_ways_and_read_as_the_clerk_says(page, clerk_app):
    path = Path(__file__).resolve().parents[1] / "data" / "ingest" / "bad" / "date_order_unclear.csv"
    signed_in_upload_page(page, clerk_app, lang="en")
    upload(page, path)
    body = page.inner_text("body")
    assert "How does this file write dates?" in body and "09/25/2023" in body
    assert "Confirm and store" not in body  # nothing can be stored while the order is open
    page.get_by_text("Read month/day/year", exact=True).last.click()
    page.get_by_role("button", name="Confirm and store").wait_for(timeout=60_000)
    confirm(page, lang="en")
    stored = LocalStore(clerk_app.base / "store").scan().filter(
        pl.col("upload_id") == LocalStore(clerk_app.base / "store").uploads()["upload_id"][-1]).collect()
    assert sorted(d.isoformat() for d in stored["date"]) == ["2023-05-07", "2023-09-25", "2023-10-08"]


def test_a_hostile_workbook_is_refused_while_another_session_keeps_using_the_map(browser, clerk_app):
    """One session uploads the 5 KB workbook with a value in XFD1048576 (it once aborted the
    server); a second session keeps clicking through the map meanwhile and never breaks."""
    hostile = Path(__file__).resolve().parents[1] / "data" / "ingest" / "bad" / "xfd1048576.xlsx"
    clerk = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    viewer = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    try:
        signed_in_upload_page(clerk, clerk_app, lang="en")
        clerk.set_input_files("input[type=file]", str(hostile))
        for metric in ("beneficiaries", "earnings", "beneficiaries_per_km2"):
            open_page(viewer, clerk_app + f"/map?lang=en&metric={metric}")
            assert viewer.locator('[data-testid="stException"]').count() == 0
            assert viewer.locator(".js-plotly-plot").count() >= 1
        clerk.wait_for_function("() => document.body.innerText.includes('too large or malformed to read')",
                                timeout=30_000)
        open_page(viewer, clerk_app + "/?lang=en")
        assert viewer.locator('[data-testid="stMetric"]').count() >= 4
    finally:
        clerk.context.close()
        viewer.context.close()


def test_markdown_in_a_files_headings_is_shown_as_text_never_as_a_link_or_image(page, clerk_app, tmp_path):
    evil = tmp_path / "headings.csv"
    link, image = "[click me](http://example.invalid/x)", "![seen](http://127.0.0.1:9/pixel.png)"
    evil.write_text(f"Date,Union,Entrepreneur ID,Service,Fee (Tk),Mobile No {image},{link}\n"
                    "01/07/2023,Tona,UDC-1,Birth registration,75,01711111111,x\n", encoding="utf-8")
    signed_in_upload_page(page, clerk_app, lang="en")
    upload(page, evil)
    main = page.locator('[data-testid="stMain"]')
    assert main.locator('a[href*="example.invalid"]').count() == 0
    assert main.locator('img[src*="127.0.0.1:9"]').count() == 0
    text = main.inner_text().replace("\u2060", "")  # invisible word joiners keep URLs from being linked
    assert "![seen](http://127.0.0.1:9/pixel.png)" in text  # the dropped-columns notice, as written
    assert link in text  # the label of the column to map, as written


# -- fixing a file: the template, the full suggestion, the uploader in Bengali, no English placeholder (issue 12) --

BAD = Path(__file__).resolve().parents[1] / "data" / "ingest" / "bad"
SUGGESTION = "Closest names: Sikdar Mallik, Shankarpasha."  # the end of a problem's "what to do" (unknown_union.csv)

# the text a person sees in an element: text nodes that are drawn (not hidden, not at font size 0, not
# icon ligatures such as "upload"), and the text the page's CSS draws with ::before / ::after
VISIBLE_TEXT = """el => {
  const out = [];
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, parent = node.parentElement;
    if (!node.textContent.trim() || parent.closest('[data-testid="stIconMaterial"]')) continue;
    const style = getComputedStyle(parent), rect = parent.getBoundingClientRect();
    if (style.display === 'none' || style.visibility === 'hidden' || parseFloat(style.fontSize) === 0) continue;
    if (rect.width <= 1 || rect.height <= 1 || !parent.checkVisibility({opacityProperty: true})) continue;
    out.push(node.textContent);
  }
  for (const e of [el, ...el.querySelectorAll('*')]) {
    for (const pseudo of ['::before', '::after']) {
      const content = getComputedStyle(e, pseudo).content;
      if (content && content !== 'none' && content !== 'normal') out.push(JSON.parse(content));
    }
  }
  return out.join(' | ');
}"""


def english_words(text: str, *, allowed: set[str]) -> set[str]:
    return {w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in allowed}


def test_the_template_is_offered_on_the_upload_page_and_is_the_template(page, clerk_app):
    signed_in_upload_page(page, clerk_app, lang="bn")
    with page.expect_download() as download:
        page.get_by_role("button", name=re.compile("টেমপ্লেট ডাউনলোড করুন")).click()
    assert download.value.suggested_filename == T.FILE_NAME
    assert Path(download.value.path()).read_bytes() == T.template_xlsx()
    assert "“সেবা services”" in page.inner_text("body")  # the sheet the messages point to


@pytest.mark.parametrize("size", [(1440, 900), (360, 640)], ids=["desktop", "phone"])
def test_the_problem_table_shows_the_whole_suggestion(page, clerk_app, size):
    signed_in_upload_page(page, clerk_app, lang="en")
    upload(page, BAD / "unknown_union.csv")
    page.set_viewport_size({"width": size[0], "height": size[1]})
    wait_idle(page)
    table = page.locator('[data-testid="stTable"]')
    cell = table.locator("td").filter(has_text=re.compile("Shankar\u2060? ?Mallik")).last
    cell.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"upload-problems-en-{size[0]}x{size[1]}.png"))
    assert SUGGESTION in cell.inner_text().replace("\u2060", "")
    clipped = cell.evaluate("""c => {
        const s = getComputedStyle(c);
        return s.textOverflow === 'ellipsis' || c.scrollWidth > c.clientWidth + 1 || c.scrollHeight > c.clientHeight + 1
    }""")
    assert not clipped
    # every line of the cell is drawn inside the cell (it wraps, nothing is cut at its edge)
    box = cell.bounding_box()
    assert box["width"] >= 100 and box["height"] >= 40


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_no_select_on_the_upload_page_shows_choose_an_option(page, clerk_app, lang, tmp_path):
    signed_in_upload_page(page, clerk_app, lang=lang)
    assert "Choose an option" not in page.inner_text("body")
    workbook = tmp_path / "template.xlsx"  # three sheets: the sheet select appears
    workbook.write_bytes(T.template_xlsx())
    page.set_input_files("input[type=file]", str(workbook))  # (its log sheet is headings only: refused so)
    only = i18n.t("ingest.problem.header_only", lang).split("{")[0][:20]
    page.wait_for_function(f"() => document.body.innerText.includes({only!r})", timeout=60_000)
    wait_idle(page)
    assert page.locator('[data-testid="stSelectbox"]').count() >= 2 + 4  # sheet, quarter (+ sidebar's four)
    assert "Choose an option" not in page.inner_text("body")
    page.set_input_files("input[type=file]", str(BAD / "unknown_union.csv"))  # names to decide: nothing chosen yet
    title = "Names to decide" if lang == "en" else "যেসব নামের সিদ্ধান্ত দরকার"
    page.wait_for_function(f"() => document.body.innerText.includes('{title}')", timeout=60_000)
    wait_idle(page)
    page.screenshot(path=str(SHOTS / f"upload-names-{lang}-1440.png"))
    assert "Choose an option" not in page.inner_text("body")


def test_the_uploader_speaks_bengali_in_bengali_mode(page, clerk_app):
    signed_in_upload_page(page, clerk_app, lang="bn")
    uploader = page.locator('[data-testid="stFileUploader"]')
    uploader.screenshot(path=str(SHOTS / "upload-uploader-bn.png"))
    shown = uploader.evaluate(VISIBLE_TEXT)
    formats = {"CSV", "XLSX", "XLS", "TXT"}
    assert not english_words(shown, allowed=formats), shown
    assert f"সর্বোচ্চ {number(Limits().max_bytes // 1_000_000, lang='bn')} মেগাবাইট" in shown  # the app's real limit
    assert "ফাইল খুঁজুন" in shown
    upload(page, BAD / "fee_implausible.csv", lang="bn")
    shown = uploader.evaluate(VISIBLE_TEXT)
    assert not english_words(shown, allowed=formats | {"fee", "implausible", "csv"}), shown  # the file's name only


def test_after_confirming_only_stored_is_said(page, clerk_app, tmp_path):
    path = tmp_path / "filled-template.xlsx"
    path.write_bytes(filled(T.template_xlsx(), ROWS))
    signed_in_upload_page(page, clerk_app, lang="en")
    upload(page, path)
    confirm(page, lang="en")
    wait_idle(page)
    body = page.inner_text("body")
    assert "Stored as upload" in body and "already stored" not in body
    assert page.locator('[data-testid="stFileChip"]').count() == 0  # the uploader is empty, ready for the next file
    assert stored_totals(clerk_app, path.name)[1:] == (10, 315 * 100)
    # the same file again: named as the clerk knows it (its name, when, by whom), not by an upload ID
    page.set_input_files("input[type=file]", str(path))
    page.wait_for_function("() => document.body.innerText.includes('This exact file is already stored')", timeout=60_000)
    said = page.inner_text("body").replace("\u2060", "")  # (word joiners keep a file name from reading as a link)
    assert "This exact file is already stored: “filled-template.xlsx”, uploaded " in said and " by asha." in said


def test_months_written_as_dates_month_first_are_shown_both_ways_and_read_as_the_clerk_says(page, clerk_app, tmp_path):
    # (bad/month_order_unclear.csv two years earlier: this module's store holds the offices' logs of
    # 2023-24 Q1, of which a summary of Tona's months would be the same deliveries written again)
    fixture = Path(__file__).resolve().parents[1] / "data" / "ingest" / "bad" / "month_order_unclear.csv"
    path = tmp_path / fixture.name
    path.write_text(fixture.read_text(encoding="utf-8").replace("/2023", "/2021"), encoding="utf-8")
    signed_in_upload_page(page, clerk_app, lang="en")
    upload(page, path)
    body = page.inner_text("body")
    assert "How does this file write dates?" in body and "7/1/2021" in body and "Confirm and store" not in body
    page.get_by_text("Read month/day/year", exact=True).last.click()
    confirm(page, lang="en")
    store = LocalStore(clerk_app.base / "store")
    stored = store.scan().filter(pl.col("upload_id") == store.uploads()["upload_id"][-1]).collect()
    assert sorted(d.isoformat() for d in stored["date"]) == ["2021-07-01", "2021-08-01", "2021-09-01"]


def test_each_sheet_of_a_workbook_of_several_logs_goes_in_on_its_own(page, clerk_app, tmp_path):
    """Each sheet is an upload of its own. Once the first chosen is stored, the workbook is kept and
    the next log sheet not stored yet is chosen: the clerk checks it and confirms, without choosing
    the file again; the stored sheet is marked so in the choice. After the last, the uploader is empty."""
    path = two_logs_workbook(tmp_path / "two_upazilas.xlsx")
    signed_in_upload_page(page, clerk_app, lang="en")
    page.set_input_files("input[type=file]", str(path))
    # nothing wrong with the file: a sheet to choose, said so (not "problem 1", nor the command line's --sheet)
    page.get_by_text("This workbook has several sheets that look like service logs").wait_for(timeout=60_000)
    assert "--sheet" not in page.inner_text("body") and "Rows read" not in page.inner_text("body")
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text="Sheet")
    box.get_by_role("combobox").click()
    page.get_by_role("option", name="Nazirpur", exact=True).click()
    wait_idle(page)
    confirm(page, lang="en")
    page.wait_for_function("() => document.body.innerText.includes('not stored yet: Bhandaria')", timeout=60_000)
    page.wait_for_function("() => document.body.innerText.includes('Rows read')", timeout=60_000)
    wait_idle(page)
    assert "Sheet: Bhandaria" in page.inner_text("body")
    stored = page.get_by_role("option", name="Nazirpur (stored)", exact=True)
    for _ in range(5):  # (a page still drawing after the rerun may take the key press before the box)
        box.get_by_role("combobox").focus()
        page.keyboard.press("ArrowDown")  # (a click on a combo box holding a value does not open it)
        try:
            stored.wait_for(timeout=4_000)
            break
        except Exception:  # noqa: BLE001 - tried again; the last wait below says what is missing
            page.keyboard.press("Escape")
            wait_idle(page)
    stored.wait_for(timeout=10_000)
    page.keyboard.press("Escape")
    wait_idle(page)
    page.get_by_role("button", name="Confirm and store").click()
    for _ in range(300):  # (the first's banner may still be up: the store says when the second is in)
        uploads = LocalStore(clerk_app.base / "store").uploads().filter(pl.col("file_name").str.starts_with(path.name))
        if uploads.height == 2:
            break
        page.wait_for_timeout(200)
    assert uploads.select("status", "beneficiaries", "fee_paisa").rows() == [("active", 2, 7500), ("active", 2, 3000)]
    assert uploads["file_name"].to_list() == [f"{path.name} › Nazirpur", f"{path.name} › Bhandaria"]  # told apart
    sheet_box = page.locator('[data-testid="stSelectbox"]').filter(has_text="Sheet")
    for _ in range(100):  # (the rerun after the last confirm empties the uploader)
        if not sheet_box.count():
            break
        page.wait_for_timeout(200)
    assert sheet_box.count() == 0  # the uploader is empty


def test_a_log_without_a_count_column_says_each_row_is_one_person(page, clerk_app, tmp_path):
    path = tmp_path / "no_count.csv"
    path.write_text("Date,Upazila,Union,Entrepreneur ID,Service,Fee (Tk)\n"
                    "14/08/2023,Pirojpur Sadar,Tona,UDC-7,Birth registration,75\n", encoding="utf-8")
    signed_in_upload_page(page, clerk_app, lang="bn")
    upload(page, path, lang="bn")
    assert "প্রতিটি সারি একজন হিসেবে গোনা হচ্ছে" in page.inner_text("body")


def test_a_row_dated_alone_in_another_quarter_is_pointed_out_before_confirming(page, clerk_app, tmp_path):
    """The review's case: one row of an October file typed 28/09 goes into the quarter before, which
    holds another office's upload, and only the plan's numbers showed it."""
    rows = [f"{day:02d}/10/2023,Pirojpur Sadar,Tona,UDC-7,Birth registration,1,75\n" for day in range(1, 31)]
    rows[20] = "28/09/2023,Pirojpur Sadar,Tona,UDC-7,Birth registration,1,75\n"  # row 22 as the sheet shows it
    stray = tmp_path / "october_stray.csv"
    stray.write_text("Date,Upazila,Union,Entrepreneur ID,Service,Beneficiaries,Fee (Tk)\n" + "".join(rows), encoding="utf-8")
    signed_in_upload_page(page, clerk_app, lang="en")
    upload(page, stray)
    page.get_by_role("button", name="Confirm and store").wait_for(timeout=60_000)
    wait_idle(page)
    body = page.inner_text("body")
    assert "Row 22 (28 September 2023) is the file's only row in FY 2023-24 Q1" in body, body[-3000:]


def test_a_heading_taught_by_mistake_is_forgotten_on_the_data_page(page, clerk_app):
    """The browser review's case: "প্রাপ্তি" chosen as the fee of one person applied to every later file
    and was seen nowhere. The Data page lists it, and forgets it: the next file asks again."""
    store = LocalStore(clerk_app.base / "store")
    store.remember_headers({"প্রাপ্তি": "unit_fee"})
    signed_in_upload_page(page, clerk_app, lang="en")
    page.locator("[data-testid=stSidebarNav]").get_by_role("link", name="Data").click()
    page.wait_for_function("() => document.body.innerText.includes('Column headings remembered')", timeout=60_000)
    wait_idle(page)
    choose = page.get_by_role("combobox", name="Forget a heading (the next file with it asks again)")
    choose.click()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")  # (the first, and only, heading taught)
    wait_idle(page)
    page.get_by_role("button", name="Forget", exact=True).click()
    page.wait_for_function("() => document.body.innerText.includes('Forgot the heading')", timeout=60_000)
    assert "প্রাপ্তি" not in store.header_mappings()


@pytest.mark.parametrize(("name", "data", "expected"), [
    ("রিপোর্ট.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "ingest.unreadable.pdf"),  # refused by Streamlit, in English
    ("q2_report.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "ingest.unreadable.pdf"),  # "no known columns"
    ("letters_lost.csv", None, "ingest.problem.letters_lost"),  # ten "?????" headings to teach first
])
def test_a_file_no_answer_can_make_readable_is_refused_first_and_alone(page, clerk_app, tmp_path, name, data, expected):
    """The review: a PDF chosen by mistake got Streamlit's English tooltip, or (renamed) "no known
    columns: say what each holds"; a CSV whose letters Excel lost asked for ten "?????" headings to
    be taught "for later files" above the refusal. Now the refusal, in the page's language, alone."""
    path = tmp_path / name
    if data is None:
        path.write_bytes((Path(__file__).resolve().parents[1] / "data" / "ingest" / "bad" / name).read_bytes())
    else:
        path.write_bytes(data)
    signed_in_upload_page(page, clerk_app, lang="bn")
    page.set_input_files("input[type=file]", str(path))
    words = i18n.t(expected, "bn").split("{")[0][:25]
    page.wait_for_function(f"() => document.body.innerText.includes({words!r})", timeout=60_000)
    wait_idle(page)
    body = page.inner_text("body")
    assert i18n.t("upload.map_headers", "bn") not in body and i18n.t("upload.rows_read", "bn") not in body
    assert "not allowed" not in body and "Error" not in body
    page.screenshot(path=str(SHOTS / f"upload-refused-first-{path.suffix[1:]}-bn.png"), full_page=True)
