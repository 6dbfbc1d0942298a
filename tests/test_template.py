"""The upload template: it reads back through the app's own ingest, and lists every service and union."""

import io
import warnings

import openpyxl
import polars as pl
import pytest

from analytics.i18n import strings
from analytics.ingest import template as T
from analytics.ingest.headers import recognise
from analytics.ingest.pipeline import ingest_bytes
from analytics.reference import schema
from analytics.reference.gazetteer import Gazetteer
from analytics.reference.services import ServiceResolver, load_catalogue
from tests.helpers import ROWS, filled


@pytest.fixture(scope="module")
def workbook() -> bytes:
    return T.template_xlsx()


def read(data: bytes, sheet: str) -> list[tuple]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl does not know the data-validation extension
        book = openpyxl.load_workbook(io.BytesIO(data))
    return [tuple(row) for row in book[sheet].iter_rows(values_only=True)]


def test_every_heading_is_recognised_as_its_field_and_is_written_in_both_languages(workbook):
    assert [recognise(h) for h in T.data_headers()] == [f for f, _, _ in T.DATA_COLUMNS]
    headings = read(workbook, T.DATA_SHEET)[T.HEADER_ROW - 1]
    assert headings[0] == "তারিখ\nDate" and headings[-1] == "আয় (টাকা)\nFee (Tk)"
    assert all("\n" in h for h in headings)  # Bengali over English, every heading


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_the_filled_template_ingests_cleanly_with_its_totals(workbook, lang):
    result = ingest_bytes(filled(workbook, ROWS), file_name=T.FILE_NAME, upload_id="t", lang=lang,
                          gazetteer=Gazetteer.load(), services=ServiceResolver(load_catalogue()))
    assert result.ok and result.clean, result.problems
    assert not result.unmapped and not result.questions.height and not result.matches.height
    assert result.sheet == T.DATA_SHEET and result.shape == "transactions"
    frame = result.frame
    assert frame.height == 4
    assert frame["beneficiaries"].sum() == 10
    assert frame["fee_paisa"].sum() == (150 + 75 + 90) * schema.PAISA_PER_TAKA
    assert sorted(frame["service_code"].to_list()) == ["FD02", "UDC001", "UDC002", "UDC002"]
    assert frame.filter(pl.col("channel") == "front_desk").height == 1
    assert set(frame.filter(pl.col("channel") == "udc")["entrepreneur_gender"].cast(pl.String)) == {"female", "male"}


def test_the_empty_template_stores_nothing_and_says_it_has_no_rows(workbook):
    result = ingest_bytes(workbook, file_name=T.FILE_NAME, upload_id="t", lang="en")
    assert result.frame.height == 0 and not result.ok


def test_the_services_sheet_lists_all_117_services_with_names_category_channel_and_fees(workbook):
    rows = read(workbook, T.SERVICES_SHEET)
    catalogue = load_catalogue()
    body = rows[1:]
    assert len(body) == 117 == catalogue.height
    assert sum(1 for r in body if r[0].startswith("UDC")) == 105 and sum(1 for r in body if r[0].startswith("FD")) == 12
    birth = next(r for r in body if r[0] == "UDC002")
    assert birth[1:3] == ("জন্ম নিবন্ধন", "Birth registration")
    assert birth[3] == "সনদ ও নিবন্ধন / Certificates & registration" and birth[4] == "ইউডিসি / UDC"
    assert birth[5:8] == (75, 50, 100)
    assert "জন্মনিবন্ধন" in birth[8]
    assert all(r[3] and r[4] and isinstance(r[5], int) for r in body)


def test_the_unions_sheet_lists_every_union_with_its_upazila_in_both_languages_and_pcodes(workbook):
    body = read(workbook, T.UNIONS_SHEET)[1:]
    units = Gazetteer.load().units
    assert len(body) == units.filter(pl.col("level") == "union").height == 52
    assert {r[3] for r in body} == set(units.filter(pl.col("level") == "union")["pcode"])
    tona = next(r for r in body if r[3] == "BD10798094")
    assert tona[4:] == ("টোনা", "Tona") and tona[0] == "BD107980"


def test_the_bytes_are_the_same_every_time(workbook):
    assert T.template_xlsx() == workbook


def test_every_template_text_has_both_languages():
    keys = [k for k in strings() if k.startswith("template.")]
    assert keys and all(strings()[k].get("en") and strings()[k].get("bn") for k in keys)
