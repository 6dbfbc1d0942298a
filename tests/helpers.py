"""Plain helpers shared by several test files (fixtures live in conftest.py; browser helpers in
tests/browser/conftest.py; throwaway servers in tests/servers.py).

Import them as ``from tests.helpers import make_log`` (pytest.ini puts the repository on the path),
also in code run by a child process with the repository on ``sys.path``/``PYTHONPATH``.
"""

from __future__ import annotations

import io
import warnings
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import polars as pl
from streamlit.testing.v1 import AppTest

from analytics.ingest import template as T
from analytics.reference import schema
from analytics.store import LocalStore

# -- the store ------------------------------------------------------------------------------------


def make_log(rows: int, *, start: date = date(2022, 7, 1), days: int = 90, fee: int = 5000,
             union: str = "BD10791411") -> pl.DataFrame:
    """A canonical log of ``rows`` rows over ``days`` days from ``start``: one beneficiary and ``fee``
    paisa a row, at one union, two entrepreneurs."""
    return schema.conform(pl.DataFrame({
        "date": [start + timedelta(days=i % days) for i in range(rows)],
        "channel": ["udc"] * rows, "upazila_code": [union[:8]] * rows, "union_code": [union] * rows,
        "entrepreneur_id": [f"E{i % 2}" for i in range(rows)], "service_code": ["UDC001"] * rows,
        "beneficiaries": [1] * rows, "fee_paisa": [fee] * rows,
    })).collect()


def totals(store: LocalStore, **scan) -> tuple[int, int]:
    """(beneficiaries, fee in paisa) of everything ``store.scan(**scan)`` gives."""
    out = store.scan(**scan).select(pl.col("beneficiaries").cast(pl.Int64).sum(), pl.col("fee_paisa").sum()).collect()
    return tuple(int(v or 0) for v in out.row(0))


# -- the published FY 2022-23 report ----------------------------------------------------------------

# Typed here from the report (published-figures.md), independently of geodata/published_fy2022_23.json
# that the generator reads, so a wrong target file or a wrong generator both fail.
PUBLISHED = {
    "period_start": "2022-07-01",
    "period_end": "2023-06-30",
    "beneficiaries_total": 124_080,
    "beneficiaries_udc": 81_874,
    "beneficiaries_front_desk": 42_206,
    "beneficiaries_by_upazila": {
        "Pirojpur Sadar": 5_931, "Nazirpur": 7_966, "Nesarabad": 1_114, "Kawkhali": 11_820,
        "Bhandaria": 22_791, "Indurkani": 23_446, "Mathbaria": 8_806,
    },
    "entrepreneurs": 104,
    "unions_with_udc": 52,
    "entrepreneur_earnings_bdt": 3_849_168,
    "udc_service_kinds": 105,
    "front_desk_service_kinds": 12,
    "entrepreneurs_known": True,  # (every UDC row names its entrepreneur: no monthly summaries)
    "months_counted_whole": [], "months_left_out": [],  # (a fiscal year: whole months)
    "entrepreneur_earnings_paisa": 384_916_800,
    "upazilas_without_data": [], "has_data": True,  # (every upazila has UDC data in the report's year)
}


# -- the upload template --------------------------------------------------------------------------

# date, upazila, union, entrepreneur ID, name, gender, service, beneficiaries, fee (Tk): both languages mixed,
# as a clerk would, and a front-desk row with no place or entrepreneur
ROWS = [
    ("01/07/2023", "Nazirpur", "Deulbari Dobra", "PRJ-NAZ-01", "Shirin Sultana", "নারী", "Birth registration", 2, 150),
    ("02/07/2023", "নাজিরপুর", "দেউলবাড়ী দোবড়া", "PRJ-NAZ-01", "Shirin Sultana", "Female", "জন্ম নিবন্ধন", 1, 75),
    ("15/08/2023", "Nesarabad", "Sohagdal", "PRJ-NES-02", "Kamrul Hasan", "পুরুষ", "Online citizen certificate", 3, 90),
    ("20/09/2023", None, None, None, None, None, "Receiving citizen applications", 4, 0),
]


def filled(data: bytes, rows: list[tuple]) -> bytes:
    """The template workbook ``data`` with ``rows`` typed into its data sheet under the headings."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl does not know the data-validation extension
        book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book[T.DATA_SHEET]
    for r, row in enumerate(rows, start=T.HEADER_ROW + 1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


#: The office corpus (tests/data/offices/README.md): real-shaped quarter files and their totals.
OFFICES = Path(__file__).resolve().parent / "data" / "offices"

#: AppTest: the app's main script, and how long one run may take.
APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT = 60


def run(page: str | None = None, *, session: dict | None = None, opened: tuple[str, ...] = (),
        **query: str) -> AppTest:
    """The app opened on ``query`` (signed in as ``session``, the account pages.access keeps), then ``page``;
    the expanders keyed ``opened`` (pages.render.lazy_expander: drawn only when open) opened."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    if session is not None:
        at.session_state["_auth"] = session
    for key in opened:
        at.session_state[key] = True
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def with_rollups(parts) -> set[str]:
    """Stored files' paths and the two roll-ups the store may have written beside each."""
    from analytics.store import rollup

    codes = rollup.catalogue_codes()
    return set(parts) | {path for part in parts for path in rollup.paths(part, codes)}


def two_logs_workbook(path: Path) -> Path:
    """A workbook of two logs, one sheet each: Nazirpur (Dirgha, 2 people, Tk 75) and Bhandaria
    (Bhitabaria, 2 people, Tk 30), both on 3 July 2023."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    for name, union, fee in (("Nazirpur", "Dirgha", "75"), ("Bhandaria", "Bhitabaria", "30")):
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, ["Date", "Union", "Entrepreneur ID", "Service", "Beneficiaries", "Fee (Tk)"])
        sheet.write_row(1, 0, ["03/07/2023", union, "UDC-1", "Birth registration", "2", fee])
    book.close()
    return path
