"""The upload template: an XLSX workbook staff fill in, with the lists it refers to.

Three sheets, every text in Bengali and English at once (one workbook for both languages):

- ``লগ log``: the sheet to fill in. A line of instructions, then one heading per column in
  both languages ("তারিখ" over "Date"), each of which :mod:`analytics.ingest.headers` recognises, so
  a filled template is read with no question about its columns. The channel is not asked
  for: every service belongs to one channel (``geodata/services.csv``).
- ``সেবা services``: all services of the catalogue (105 UDC and 12 front desk) with code,
  names, category, channel and usual fees, and the other spellings the app accepts.
- ``ইউনিয়ন unions``: every union of the gazetteer with its upazila, names and P-codes.

Pure (no streamlit); the bytes are the same on every call for the same lists.
"""

from __future__ import annotations

import io
from datetime import datetime

import polars as pl
import xlsxwriter

from analytics import i18n
from analytics.reference import schema
from analytics.reference.gazetteer import Gazetteer
from analytics.reference.services import load_catalogue, load_categories

DATA_SHEET = "লগ log"
SERVICES_SHEET = "সেবা services"
UNIONS_SHEET = "ইউনিয়ন unions"
FILE_NAME = "seba-atlas-template.xlsx"
HEADER_ROW = 2  # 1-based spreadsheet row of the headings; the instructions are above them

#: Columns of the data sheet: (field the heading is recognised as, Bengali heading, English heading).
DATA_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("date", "তারিখ", "Date"),
    ("upazila", "উপজেলা", "Upazila"),
    ("union", "ইউনিয়ন", "Union"),
    ("entrepreneur_id", "উদ্যোক্তা আইডি", "Entrepreneur ID"),
    ("entrepreneur_name", "উদ্যোক্তার নাম", "Entrepreneur name"),
    ("gender", "লিঙ্গ", "Gender"),
    ("service", "সেবা", "Service"),
    ("beneficiaries", "সেবাগ্রহীতা", "Beneficiaries"),
    ("fee", "আয় (টাকা)", "Fee (Tk)"),
)
_WIDTHS = (13, 16, 18, 18, 24, 10, 36, 14, 14)
_TEXT_FIELDS = {"date", "entrepreneur_id"}  # typed dates stay as written, never re-read in a locale
GENDER_CHOICES = ("নারী", "পুরুষ", "Female", "Male")
_FIXED_TIME = datetime(2024, 1, 1)  # so the bytes do not change from one call to the next


def data_headers() -> list[str]:
    """The data sheet's headings as a reader sees them (the line break becomes a space)."""
    return [f"{bn} {en}" for _, bn, en in DATA_COLUMNS]


def _both(key: str) -> str:
    """A text in Bengali over English."""
    return f"{i18n.t(key, 'bn')}\n{i18n.t(key, 'en')}"


def services_table() -> pl.DataFrame:
    """Every service of the catalogue, in catalogue order, as the services sheet lists it."""
    categories = load_categories().select("category_code", pl.col("name_bn").alias("category_bn"),
                                          pl.col("name_en").alias("category_en"))
    channel = {c: f"{i18n.t(f'template.channel_{c}', 'bn')} / {i18n.t(f'template.channel_{c}', 'en')}"
               for c in schema.CHANNELS}
    return (load_catalogue().join(categories, on="category_code", how="left", maintain_order="left")
            .select("service_code", "name_bn", "name_en",
                    (pl.col("category_bn") + " / " + pl.col("category_en")).alias("category"),
                    pl.col("channel").replace_strict(channel).alias("channel"),
                    "typical_fee_bdt", "fee_min_bdt", "fee_max_bdt",
                    pl.col("aliases").list.join("; ").alias("aliases")))


def unions_table(gazetteer: Gazetteer | None = None) -> pl.DataFrame:
    """Every union with its upazila: P-codes and names in both languages, by upazila then union."""
    units = (gazetteer or Gazetteer.load()).units
    upazilas = units.filter(pl.col("level") == "upazila").select(
        pl.col("pcode").alias("upazila_pcode"), pl.col("name_bn").alias("upazila_bn"),
        pl.col("name_en").alias("upazila_en"))
    unions = units.filter(pl.col("level") == "union").select(
        pl.col("parent_pcode").alias("upazila_pcode"), pl.col("pcode").alias("union_pcode"),
        pl.col("name_bn").alias("union_bn"), pl.col("name_en").alias("union_en"))
    return (unions.join(upazilas, on="upazila_pcode", how="left")
            .select("upazila_pcode", "upazila_bn", "upazila_en", "union_pcode", "union_bn", "union_en")
            .sort("upazila_en", "union_en"))


def _table_sheet(book, name: str, frame: pl.DataFrame, headings: list[str], widths: list[int], formats) -> None:
    sheet = book.add_worksheet(name)
    sheet.freeze_panes(1, 0)
    sheet.set_row(0, 36)
    for col, (heading, width) in enumerate(zip(headings, widths)):
        sheet.set_column(col, col, width)
        sheet.write_string(0, col, heading, formats["heading"])
    for r, row in enumerate(frame.iter_rows(), start=1):
        for col, value in enumerate(row):
            if isinstance(value, int):
                sheet.write_number(r, col, value)
            elif value:
                sheet.write_string(r, col, value)
    sheet.autofilter(0, 0, frame.height, len(headings) - 1)


def template_xlsx(gazetteer: Gazetteer | None = None) -> bytes:
    """The template workbook's bytes."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties({"title": "Seba Atlas upload template", "created": _FIXED_TIME})
    formats = {
        "heading": book.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#E8F0E8",
                                    "border": 1}),
        "note": book.add_format({"text_wrap": True, "valign": "top", "italic": True}),
        "text": book.add_format({"num_format": "@"}),
    }

    data = book.add_worksheet(DATA_SHEET)
    data.set_row(0, 64)
    data.merge_range(0, 0, 0, len(DATA_COLUMNS) - 1, _both("template.instructions"), formats["note"])
    data.set_row(1, 36)
    data.freeze_panes(HEADER_ROW, 0)
    for col, ((name, bn, en), width) in enumerate(zip(DATA_COLUMNS, _WIDTHS)):
        data.set_column(col, col, width, formats["text"] if name in _TEXT_FIELDS else None)
        data.write_string(1, col, f"{bn}\n{en}", formats["heading"])
        if name == "gender":
            data.data_validation(HEADER_ROW, col, 10_000, col, {"validate": "list", "source": list(GENDER_CHOICES)})

    services = services_table()
    _table_sheet(book, SERVICES_SHEET, services,
                 [_both(f"template.col_{c}") for c in ("code", "name_bn", "name_en", "category", "channel",
                                                       "fee_typical", "fee_min", "fee_max", "aliases")],
                 [10, 36, 36, 34, 26, 14, 14, 14, 60], formats)
    unions = unions_table(gazetteer)
    _table_sheet(book, UNIONS_SHEET, unions,
                 [_both(f"template.col_{c}") for c in ("upazila_pcode", "upazila_bn", "upazila_en",
                                                       "union_pcode", "union_bn", "union_en")],
                 [14, 18, 18, 14, 20, 20], formats)
    book.close()
    return buffer.getvalue()
