"""Regenerate the binary and encoding-sensitive ingest fixtures, deterministically.

    .venv/bin/python tests/data/ingest/make_fixtures.py

Writes the .xlsx (xlsxwriter, fixed document dates), .xls (xlwt, only when it is importable:
it is a fixture-making tool, not a project dependency; ``pip install --target /tmp/xlwt
xlwt==1.3.0`` and ``PYTHONPATH=/tmp/xlwt`` will do), UTF-8-with-BOM, UTF-16 and Windows-1252
files, and the damaged files of the bad corpus. The plain UTF-8 CSV fixtures are written by
hand and live beside this script. Running it twice gives byte-identical files.
"""

from __future__ import annotations

import io
import random
from datetime import datetime
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).resolve().parent
GOOD, BAD = HERE / "good", HERE / "bad"
FIXED = datetime(2023, 1, 1)

EN = ["Date", "Channel", "Upazila", "Union", "Entrepreneur ID", "Entrepreneur Name", "Gender", "Service",
      "Beneficiaries", "Fee (Tk)"]
BN = ["তারিখ", "চ্যানেল", "উপজেলা", "ইউনিয়ন", "উদ্যোক্তা আইডি", "উদ্যোক্তার নাম", "লিঙ্গ", "সেবা", "সেবাগ্রহীতা",
      "আয় (টাকা)"]


def csv_text(rows: list[list[str]], *, sep: str = ",", eol: str = "\n") -> str:
    def cell(value: str) -> str:
        return f'"{value}"' if sep in value or '"' in value else value
    return "".join(sep.join(cell(v) for v in row) + eol for row in rows)


def workbook(sheets: dict[str, list[list[object]]], *, date_cells: bool = True) -> bytes:
    """An .xlsx in memory; datetime values become real Excel date cells (dd/mm/yyyy)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False})
    book.set_properties({"created": FIXED, "author": "Seba Atlas tests"})
    day = book.add_format({"num_format": "dd/mm/yyyy"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, datetime) and date_cells:
                    sheet.write_datetime(r, c, value, day)
                elif isinstance(value, (int, float)):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, str(value))
    book.close()
    return out.getvalue()


def good() -> None:
    GOOD.mkdir(parents=True, exist_ok=True)
    # Bengali template, UTF-8 with BOM (as Excel's "CSV UTF-8" saves it), Bengali digits
    rows = [BN,
            ["০২/০৭/২০২২", "ইউডিসি", "কাউখালী", "আমড়াজুড়ি", "UDC-10794715-F", "রোকেয়া খাতুন", "নারী", "জন্ম নিবন্ধন",
             "১", "৭৫"],
            ["১৫/০৮/২০২২", "ইউডিসি", "মঠবাড়িয়া", "তুষখালী", "UDC-10795894-M", "কামরুল হাসান", "পুরুষ",
             "পাসপোর্ট আবেদন", "২", "১,২৫০"],
            ["০১/০৯/২০২২", "ইউডিসি", "নেছারাবাদ", "জলাবাড়ী", "UDC-10798747-F", "শারমিন আক্তার", "নারী", "টেলিমেডিসিন",
             "১", "৫০.২৫"],
            ["১০/০৯/২০২২", "ফ্রন্ট ডেস্ক", "", "", "", "", "", "নকলের আবেদন গ্রহণ ও সরবরাহ", "৩", "০"]]
    (GOOD / "template_bn_bom.csv").write_bytes(csv_text(rows).encode("utf-8-sig"))

    # Excel "Unicode text": UTF-16 LE with BOM, TAB-separated, CRLF
    rows = [EN,
            ["04/07/2022", "UDC", "Mathbaria", "Mirukhali", "UDC-10795869-F", "Jesmin Nahar", "Female",
             "Mobile recharge", "1", "5"],
            ["18/08/2022", "UDC", "Mathbaria", "Sapleza", "UDC-10795877-M", "Md. Sohel Rana", "Male",
             "Passport application", "1", "500"]]
    text = csv_text(rows, sep="\t", eol="\r\n")
    (GOOD / "unicode_text_utf16le.txt").write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))

    # UTF-16 BE with BOM, comma-separated; no Channel (from the service), no Upazila (from the union)
    rows = [["Date", "Union", "Entrepreneur ID", "Service", "Fee (Tk)"],
            ["2022-07-20", "Tona", "UDC-10798094-F", "Birth registration", "75"],
            ["2022-07-21", "Durgapur", "UDC-10798017-M", "Death registration", "50"]]
    (GOOD / "utf16be.csv").write_bytes(b"\xfe\xff" + csv_text(rows).encode("utf-16-be"))

    # Windows-1252 (curly apostrophe 0x92, e-acute 0xE9), "Tk" decorations
    rows = [EN,
            ["11/07/2022", "UDC", "Kawkhali", "Shialkati", "UDC-10794779-F", "Moushumi D’Costa", "Female",
             "Computer training", "1", "Tk 500"],
            ["12/07/2022", "UDC", "Kawkhali", "Chirapara", "UDC-10794731-M", "José Biswas", "Male",
             "Water testing", "1", "Tk. 100/-"]]
    (GOOD / "cp1252.csv").write_bytes(csv_text(rows, eol="\r\n").encode("cp1252"))

    # Two sheets (instructions + log), title rows above the header, Excel dates, a PII column
    log = [["পিরোজপুর জেলা — ইউডিসি সেবা প্রতিবেদন"], ["জুলাই–সেপ্টেম্বর ২০২২"], [],
           BN + ["মোবাইল নম্বর"],
           [datetime(2022, 7, 10), "ইউডিসি", "পিরোজপুর সদর", "শিকদার মল্লিক", "UDC-10798086-F", "তাসলিমা বেগম", "নারী",
            "জন্ম নিবন্ধন", 1, 75, "01711000000"],
           [datetime(2022, 8, 11), "ইউডিসি", "নাজিরপুর", "মাটিভাংগা", "UDC-10797642-M", "আনিসুর রহমান", "পুরুষ",
            "ট্রেড লাইসেন্স", 1, 200, "01811000000"],
           [44805, "ইউডিসি", "ভান্ডারিয়া", "ইকড়ী", "UDC-10791459-F", "মাহমুদা খানম", "নারী", "টেলিমেডিসিন", 2, 100.5,
            "01911000000"],
           ["15/09/2022", "ফ্রন্ট ডেস্ক", None, None, None, None, None, "দাগ সূচি", 1, 0, None]]
    notes = [["How to fill this workbook"], ["One row per service delivered; do not change the headings."]]
    (GOOD / "titled_two_sheets.xlsx").write_bytes(workbook({"Instructions": notes, "Log": log}))

    # Bengali monthly summary: union only, months as text, Bengali-digit counts
    summary = [["মাস", "ইউনিয়ন", "সেবার নাম", "সেবাগ্রহীতার সংখ্যা", "আয় (টাকা)"],
               ["জুলাই ২০২২", "কদমতলা", "জন্ম নিবন্ধন", "১২০", 9000],
               ["আগস্ট ২০২২", "শংকরপাশা", "মৃত্যু নিবন্ধন", 15, 750],
               ["2022-09", "দীর্ঘা", "বিদ্যুৎ বিল পরিশোধ", "১,০২০", "১০,২০০"]]
    (GOOD / "summary_bn.xlsx").write_bytes(workbook({"সারসংক্ষেপ": summary}))

    try:
        import xlwt
    except ImportError:
        print("xlwt not importable: good/legacy.xls left as it is")
    else:
        book = xlwt.Workbook(encoding="utf-8")
        sheet = book.add_sheet("Sheet1")
        day = xlwt.easyxf(num_format_str="DD/MM/YYYY")
        header = ["তারিখ", "ইউনিয়ন", "উদ্যোক্তা আইডি", "উদ্যোক্তার নাম", "লিঙ্গ", "সেবা", "আয় (টাকা)"]
        for c, text in enumerate(header):
            sheet.write(0, c, text)
        rows = [[datetime(2022, 7, 25), "টোনা", "UDC-10798094-F", "ফারজানা ইয়াসমিন", "নারী", "জন্ম নিবন্ধন", 75],
                [44783, "দুর্গাপুর", "UDC-10798017-M", "সুজন কুমার সাহা", "পুরুষ", "মৃত্যু নিবন্ধন", 50]]
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                sheet.write(r, c, value, day) if isinstance(value, datetime) else sheet.write(r, c, value)
        out = io.BytesIO()
        book.save(out)
        (GOOD / "legacy.xls").write_bytes(out.getvalue())

        # merged down as offices do: a day's date over its rows, the union over all of them
        book = xlwt.Workbook(encoding="utf-8")
        sheet = book.add_sheet("Log")
        for c, text in enumerate(["Date", "Union", "Entrepreneur ID", "Service", "Beneficiaries", "Fee (Tk)"]):
            sheet.write(0, c, text)
        sheet.write_merge(1, 3, 0, 0, datetime(2022, 7, 3), day)
        sheet.write(4, 0, datetime(2022, 7, 4), day)
        sheet.write_merge(1, 4, 1, 1, "Tona")
        rows = [["UDC-1", "Birth registration", 1, 50], ["UDC-1", "Photocopy", 2, 6],
                ["UDC-2", "Mobile recharge", 1, 10], ["UDC-2", "Death registration", 1, 75]]
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=2):
                sheet.write(r, c, value)
        out = io.BytesIO()
        book.save(out)
        (GOOD / "legacy_merged.xls").write_bytes(out.getvalue())


def bad() -> None:
    BAD.mkdir(parents=True, exist_ok=True)
    try:
        import xlwt
    except ImportError:
        print("xlwt not importable: bad/legacy_errors.xls left as it is")
    else:  # Excel's errors kept as cell values in an old .xls: a fee #DIV/0!, a count #N/A
        book = xlwt.Workbook(encoding="utf-8")
        sheet = book.add_sheet("Log")
        for c, text in enumerate(["Date", "Union", "Entrepreneur ID", "Service", "Beneficiaries", "Fee (Tk)"]):
            sheet.write(0, c, text)
        for r in (1, 2, 3):
            for c, value in enumerate([f"0{r}/07/2022", "Tona", "UDC-1", "Photocopy", 1, 3]):
                if (r, c) not in ((1, 5), (2, 4)):
                    sheet.write(r, c, value)
        sheet.row(1).set_cell_error(5, "#DIV/0!")
        sheet.row(2).set_cell_error(4, 0x2A)  # #N/A (xlwt knows it by its code only)
        out = io.BytesIO()
        book.save(out)
        (BAD / "legacy_errors.xls").write_bytes(out.getvalue())
    (BAD / "header_only.xlsx").write_bytes(workbook({"Log": [["Pirojpur UDC report"], EN]}))
    (BAD / "junk.csv").write_bytes(random.Random(2023).randbytes(4096))
    valid = workbook({"Log": [EN] + [["01/07/2022", "UDC", "Pirojpur Sadar", "Tona", f"UDC-{i}", "Name", "Female",
                                      "Birth registration", "1", "75"] for i in range(200)]})
    (BAD / "truncated.xlsx").write_bytes(valid[: len(valid) * 3 // 5])
    (BAD / "fake_ole.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + b"not really a workbook")
    row = ["01/07/2022", "UDC", "Pirojpur Sadar", "Tona", "UDC-10798094-F", "Farzana Yasmin", "Female",
           "Birth registration", "1", "75"]
    (BAD / "ambiguous_sheet.xlsx").write_bytes(workbook({"Q1": [EN, row], "Q1 (copy)": [EN, row]}))
    titled = [["Pirojpur district — UDC service report"], ["July–September 2022"], [], EN,
              [datetime(2022, 7, 1), "UDC", "Pirojpur Sadar", "Tona", "UDC-10798094-F", "Farzana Yasmin", "Female",
               "Birth registration", 1, 75],
              [datetime(2022, 7, 2), "UDC", "Pirojpur Sadar", "Tonaa Bazar", "UDC-10798094-F", "Farzana Yasmin",
               "Female", "Birth registration", 1, 75],
              ["31/06/2022", "UDC", "Pirojpur Sadar", "Tona", "UDC-10798094-F", "Farzana Yasmin", "Female",
               "Birth registration", 1, 75]]
    (BAD / "titled_errors.xlsx").write_bytes(workbook({"Log": titled}))

    # formulas: failed (Excel's error values, kept as results) and never calculated (a program wrote
    # the formula and no result); a formula whose result is empty text is empty
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    book.set_properties({"created": FIXED})
    sheet = book.add_worksheet("Log")
    sheet.write_row(0, 0, EN)
    for r in range(1, 6):
        sheet.write_row(r, 0, ["01/07/2022", "UDC", "Pirojpur Sadar", "Tona", "UDC-10798094-F", "Farzana Yasmin",
                               "Female", "Birth registration", 1, 75])
    sheet.write_formula(1, 9, "=VLOOKUP(H2,Rates!A:B,2,FALSE)", None, "#N/A")
    sheet.write_formula(2, 0, '=DATEVALUE("x")', None, "#VALUE!")
    sheet.write_formula(3, 8, "=1/0", None, "#DIV/0!")
    sheet.write_formula(4, 8, "=1+2")  # no result: xlsxwriter saves 0 and asks Excel to calculate on opening
    sheet.write_formula(5, 3, '=IF(1,"Tona","")', None, "Tona")  # calculated: read as its result
    sheet.write_formula(5, 10, '=IF(1,"","x")', None, "")  # calculated, empty: an empty cell (no heading here)
    book.close()
    (BAD / "formula_errors.xlsx").write_bytes(out.getvalue())

    # dates typed day first into an Excel set to month/day/year: 05/07/2022 became a date, 7 May;
    # 15/07/2022, which it could not read so, stayed as typed
    swapped = [datetime(2022, 5, 7), datetime(2022, 9, 8), "15/07/2022", "20/08/2022", datetime(2022, 11, 9)]
    (BAD / "dates_swapped_by_excel.xlsx").write_bytes(workbook({"Log": [EN] + [
        [day, "UDC", "Pirojpur Sadar", "Tona", "UDC-10798094-F", "Farzana Yasmin", "Female", "Birth registration",
         1, 75] for day in swapped]}))

    # a fortnight typed day first (2 to 11 July 2023) into an Excel set to month/day/year: every day typed
    # made a date (2 July the 7th of February ...), none stayed as text
    fortnight = [datetime(2023, day, 7) for day in (2, 3, 3, 4, 6, 8, 9, 10, 11)]
    (BAD / "date_cells_spread.xlsx").write_bytes(workbook({"Log": [EN] + [
        [day, "UDC", "Pirojpur Sadar", "Tona", "UDC-10798094-F", "Farzana Yasmin", "Female", "Birth registration",
         1, 75] for day in fortnight]}))

    # a CSV whose first rows were typed in a UTF-8 editor and the rest pasted from a Windows-1252 file
    head = ",".join(BN) + "\r\n" + ",".join(["০১/০৭/২০২২", "ইউডিসি", "পিরোজপুর সদর", "টোনা", "UDC-10798094-F",
                                             "ফারজানা ইয়াসমিন", "নারী", "জন্ম নিবন্ধন", "১", "৭৫"]) + "\r\n"
    tail = ",".join(["02/07/2022", "UDC", "Pirojpur Sadar", "Tona", "UDC-10798094-F", "Zoë Café", "Female",
                     "Birth registration", "1", "75"]) + "\r\n"
    (BAD / "mixed_encoding.csv").write_bytes(head.encode("utf-8") + tail.encode("cp1252"))

    # one value in the last cell Excel allows: 5 KB on disk, a 16384 x 1048576 rectangle to a reader
    book = xlsxwriter.Workbook(str(BAD / "xfd1048576.xlsx"), {"in_memory": True})
    book.set_properties({"created": datetime(2023, 1, 1)})
    sheet = book.add_worksheet()
    sheet.write(0, 0, "Date")
    sheet.write(1048575, 16383, "x")
    book.close()

    # a workbook saved with a password ("Encrypt with Password"): msoffcrypto-tool, a test-time tool only
    try:
        import msoffcrypto.format.ooxml as ooxml
    except ImportError:
        print("msoffcrypto-tool not importable: bad/password.xlsx left as it is")
    else:
        plain = workbook({"Log": [EN, row]})
        out = io.BytesIO()
        ooxml.OOXMLFile(io.BytesIO(plain)).encrypt("pirojpur", out)
        (BAD / "password.xlsx").write_bytes(out.getvalue())


if __name__ == "__main__":
    good()
    bad()
