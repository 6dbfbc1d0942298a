import io
import zipfile
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from analytics.ingest import readers
from analytics.ingest.readers import (
    ROW,
    ReadError,
    check_workbook_shape,
    decode,
    detect_format,
    read_table,
    sheet_names,
    sniff_delimiter,
)

DATA = Path(__file__).parent / "data" / "ingest"
HEADER = "Date,Channel,Union,Service,Fee (Tk)"
ROW_TEXT = "01/07/2022,UDC,Tona,Birth registration,75"


def xlsx(sheets: dict[str, dict[tuple[int, int], object]]) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    for name, cells in sheets.items():
        sheet = book.add_worksheet(name)
        for (r, c), value in cells.items():
            if isinstance(value, datetime):
                sheet.write_datetime(r, c, value, book.add_format({"num_format": "dd/mm/yyyy"}))
            else:
                sheet.write(r, c, value)
    book.close()
    return out.getvalue()


def log_cells(top: int = 0, left: int = 0) -> dict[tuple[int, int], object]:
    cells = {(top, left + i): h for i, h in enumerate(HEADER.split(","))}
    cells.update({(top + 1, left + i): v for i, v in enumerate(ROW_TEXT.split(","))})
    return cells


@pytest.mark.parametrize(("data", "name", "format"), [
    (b"PK\x03\x04rest", "a.csv", "xlsx"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "a.csv", "xls"),
    (b"Date,Service\n", "a.csv", "csv"), (b"Date,Service\n", "report.txt", "csv"), (b"Date\n", "noext", "csv"),
])
def test_detect_format(data, name, format):
    assert detect_format(data, name) == format


@pytest.mark.parametrize(("data", "name"), [
    (b"Date\tService\n01/07/2023\tBirth registration\n", "portal_export.xls"),  # what web portals save
    ("তারিখ\tসেবা\n".encode("utf-16"), "export.xls"), (b"Date,Service\n", "log.xlsx")])
def test_a_text_file_named_as_a_workbook_is_read_as_text(data, name):
    assert detect_format(data, name) == "csv"


@pytest.mark.parametrize(("data", "reason"), [
    (b"\x00\x01\x02junk\xff\xfe\x00" * 50, "renamed"),
    (b"<html><body><table><tr><td>Date</td></tr></table></body></html>", "web_page"),
    (b"\xef\xbb\xbf  <!DOCTYPE html>\n<html>", "web_page"),
    # Excel's "XML Spreadsheet 2003" (a probe: called a web page)
    (b'<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n<Workbook '
     b'xmlns="urn:schemas-microsoft-com:office:spreadsheet">', "xml_2003")])
def test_a_file_named_as_a_workbook_that_is_neither_is_unreadable(data, reason):
    with pytest.raises(ReadError) as error:
        detect_format(data, "log.xls")
    assert (error.value.code, error.value.params) == ("unreadable", {"reason": reason})


def _zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(("data", "name", "reason"), [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "report.xlsx", "pdf"),  # the review: "no known columns"
    (b"%PDF-1.4\n", "report.pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "register.png", "image"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "IMG_0231.jpg", "image"),  # a phone's photo of the register
    (b"\xff\xd8\xff\xe1\x00\x10Exif", "log.csv", "image"),
    # compressed: a gzip, and a zip of a CSV (a probe: "neither a workbook nor text", "damaged")
    (b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "log.csv.gz", "compressed"),
    (_zipped({"log.csv": b"Date,Union\n"}), "log.zip", "compressed"),
    (_zipped({"log.csv": b"Date,Union\n"}), "log.xlsx", "compressed"),
])
def test_a_pdf_or_a_picture_is_named_as_what_it_is(data, name, reason):
    with pytest.raises(ReadError) as error:
        detect_format(data, name)
    assert (error.value.code, error.value.params) == ("unreadable", {"reason": reason})


@pytest.mark.parametrize(("encoding", "prefix", "expected"), [
    ("utf-8", b"", "utf-8"), ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"), ("utf-16-le", b"\xff\xfe", "utf-16-le"),
    ("utf-16-be", b"\xfe\xff", "utf-16-be"), ("utf-16-le", b"", "utf-16-le"), ("utf-16-be", b"", "utf-16-be"),
])
def test_decode_unicode(encoding, prefix, expected):
    text = "তারিখ,সেবা\n০১/০৭/২০২২,জন্ম নিবন্ধন\n"
    data = prefix + (text.encode(encoding) if encoding != "utf-8" or not prefix else text.encode("utf-8"))
    decoded, used = decode(data)
    assert used == expected
    assert decoded.lstrip("\ufeff") == text


def test_decode_falls_back_to_windows_1252():
    text, used = decode("Name,Fee\nJosé D’Costa,50\n".encode("cp1252"))
    assert used == "cp1252" and "José D’Costa" in text


def test_a_zip_bomb_is_refused_from_the_zips_directory_before_any_member_is_unpacked(monkeypatch):
    """A review's workbook of five 2 GB members of zeros took 45-80 s to refuse: every member was
    unpacked to check it (zipfile's testzip) before the sizes the zip's directory declares were read."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    book.add_worksheet("Log").write_row(0, 0, ["Date", "Service"])
    book.close()
    zipped = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as source, zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr("xl/media/zeros.bin", bytes(300_000_000))
    assert len(zipped.getvalue()) < 1_000_000

    def unpacked(self):
        raise AssertionError("a member was unpacked before the directory's sizes were read")

    monkeypatch.setattr(zipfile.ZipFile, "testzip", unpacked)
    with pytest.raises(ReadError) as refused:
        read_table(zipped.getvalue(), file_name="bomb.xlsx")
    assert refused.value.code == "too_large_to_read" and refused.value.params == {"reason": "unzipped"}


def test_binary_is_unreadable():
    with pytest.raises(ReadError) as error:
        decode(bytes(range(256)) * 4)
    assert error.value.code == "unreadable"


@pytest.mark.parametrize(("lines", "delimiter"), [
    (["a,b,c", "1,2,3"], ","),
    (["Date;Union;Fee", "01.07.2022;Tona;1,24,080", "02.07.2022;Tona;1,200"], ";"),
    (["Date\tUnion\tFee", "1\t2\t3"], "\t"),
    (["Date|Union|Fee", "1|2|3"], "|"),
    (["Pirojpur report, July", "", "Date,Union,Fee", "1,2,3", "4,5,6"], ","),
])
def test_sniff_delimiter(lines, delimiter):
    assert sniff_delimiter(lines) == delimiter


def test_csv_title_rows_blank_lines_and_row_numbers():
    text = f"পিরোজপুর জেলা — ইউডিসি সেবা প্রতিবেদন\n\n{HEADER},\n{ROW_TEXT},\n\n{ROW_TEXT},\n"
    table = read_table(text.encode(), file_name="a.csv")
    assert table.header_row == 3
    assert table.headers == HEADER.split(",")  # the empty trailing column is layout, dropped
    assert table.frame[ROW].to_list() == [4, 5, 6]
    assert table.frame["Union"].to_list() == ["Tona", None, "Tona"]


def test_csv_crlf_quotes_and_duplicate_headers():
    text = f'{HEADER},Fee (Tk),\r\n"01/07/2022",UDC,"Tona","Birth registration","1,240",5,x\r\n'
    table = read_table(text.encode(), file_name="a.csv")
    assert table.headers == HEADER.split(",") + ["Fee (Tk) (2)", "column 7"]
    assert table.frame.row(0) == ("01/07/2022", "UDC", "Tona", "Birth registration", "1,240", "5", "x", 2)


@pytest.mark.parametrize("end", ["\n", "\r\n"])
def test_csv_header_cells_with_line_breaks(end):
    # Excel writes a heading with a line break in it quoted, over two lines of the file
    text = end.join(["Pirojpur UDC report", '"Date","Union\nname",Service,"Fee\n(Tk)"',
                     '01/07/2022,Tona,"Birth\nregistration",75', "02/07/2022,Tona,Mobile recharge,5", ""])
    table = read_table(text.encode(), file_name="a.csv")
    assert table.header_row == 2 and table.headers == ["Date", "Union name", "Service", "Fee (Tk)"]
    assert table.frame.rows() == [("01/07/2022", "Tona", "Birth\nregistration", "75", 3),
                                  ("02/07/2022", "Tona", "Mobile recharge", "5", 4)]


def test_csv_columns_are_categoricals_of_their_rows_texts_alone():
    # (what the checks number the cells by: a heading or title in them would be a value of the column)
    text = f"Title\n{HEADER}\n{ROW_TEXT}\n{ROW_TEXT.replace('Tona', 'Dhaoa')}\n{ROW_TEXT}\n"
    frame = read_table(text.encode(), file_name="a.csv").frame
    for column in HEADER.split(","):
        dtype = frame.schema[column]
        assert isinstance(dtype, pl.Categorical) and sorted(dtype.categories.to_series()) == sorted(frame[column].unique())
    assert frame["Union"].to_list() == ["Tona", "Dhaoa", "Tona"]


@pytest.mark.parametrize("first", ["sep=;", "SEP=;", '"sep=;"', "\ufeffsep=;"])
@pytest.mark.parametrize("end", ["\n", "\r\n"])
def test_excels_separator_line_is_not_a_row(first, end):
    """Excel reads a first line "sep=;" and does not show it: its rows, and so the problems' row
    numbers, start under it (a probe's messages named every row one too far down)."""
    text = end.join([first, HEADER.replace(",", ";"), ROW_TEXT.replace(",", ";"), ""])
    table = read_table(text.encode(), file_name="a.csv")
    assert (table.header_row, table.frame[ROW].to_list(), table.delimiter) == (1, [2], ";")


@pytest.mark.parametrize("rows", [1, 3_000])
def test_csv_classic_mac_line_ends(rows):
    """CR alone ends a line (Excel's "CSV (Macintosh)"): a probe's 1,500-row file of them, past the
    64 KB a line may take, was refused as one line far too long."""
    table = read_table((HEADER + "\r" + (ROW_TEXT + "\r") * rows).encode(), file_name="a.csv")
    assert table.frame.height == rows and table.frame[ROW].to_list() == list(range(2, rows + 2))


@pytest.mark.parametrize("data", [b"", b"  \n\n", b"\xef\xbb\xbf", b",,,\n,,\n"])
def test_empty_csv(data):
    with pytest.raises(ReadError) as error:
        read_table(data, file_name="a.csv")
    assert error.value.code == "empty_file"


def test_xlsx_keeps_absolute_row_numbers_below_empty_rows_and_titles():
    cells = {(1, 1): "Pirojpur district — UDC service report"} | log_cells(top=4, left=1)
    table = read_table(xlsx({"Log": cells}), file_name="a.xlsx")
    assert table.header_row == 5
    assert table.frame[ROW].to_list() == [6]
    assert table.headers == HEADER.split(",")
    assert table.sheet == "Log"


def test_xlsx_cells_are_text_and_dates_are_iso():
    cells = log_cells() | {(1, 0): datetime(2022, 7, 1), (1, 4): 12.5, (2, 0): 44743, (2, 3): "জন্ম নিবন্ধন"}
    table = read_table(xlsx({"Log": cells}), file_name="a.xlsx")
    assert table.frame["Date"].to_list() == ["2022-07-01 00:00:00", "44743"]
    assert table.frame["Fee (Tk)"].to_list() == ["12.5", None]
    assert table.frame[ROW].to_list() == [2, 3]


@pytest.mark.parametrize(("format", "value", "formula", "shown"), [
    ("00000000000", 1712345678, None, "01712345678"),  # a phone-like ID typed as a number, its 0 kept by the format
    ('"0"0000', 42, None, "00042"),  # the zeros quoted
    ("0000", 12345, None, "12345"),  # wider than the format: as it is
    ("00000000000", 1712345678, "=1712345678", "01712345678"),  # a formula's result, shown the same
    ("0", 7, None, "7"),  # no zeros added
    ("0.00", 7, None, "7"),
])
def test_a_number_shown_with_leading_zeros_by_its_format_is_read_as_shown(format, value, formula, shown):
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    sheet = book.add_worksheet("Log")
    sheet.write_row(0, 0, HEADER.split(","))
    sheet.write_row(1, 0, ["01/07/2022", "Tona"])
    if formula:
        sheet.write_formula(1, 2, formula, book.add_format({"num_format": format}), value)
    else:
        sheet.write_number(1, 2, value, book.add_format({"num_format": format}))
    sheet.write_row(1, 3, ["Birth registration", 75])
    book.close()
    table = read_table(buffer.getvalue(), file_name="a.xlsx")
    assert table.frame[HEADER.split(",")[2]].to_list() == [shown]


@pytest.mark.parametrize("comment", [b"", b"<!--" + b"x" * 5_000 + b"-->"])
@pytest.mark.parametrize(("texts", "length", "refused"), [
    (5, 10, False), (30, 10, True),  # more texts than the sheets' cells, beyond the spare ones
    (2, 5_000, False), (2, 20_000, True),  # a few texts far longer than the cells could need
])
def test_a_workbook_whose_shared_texts_no_cell_uses_would_fill_a_readers_memory_is_refused(
        tmp_path, monkeypatch, texts, length, refused, comment):
    """``comment``: a probe's table of 25 million texts, 5 KB of comment before its first tag, was not
    known as the shared texts (1.4 GB read); it is known by the workbook's link to it."""
    import zipfile

    monkeypatch.setattr(readers, "_SPARE_STRINGS", 10)  # (the real ones: 100,000 texts and 100 MB)
    monkeypatch.setattr(readers, "_SPARE_TEXT_BYTES", 10_000)
    path = tmp_path / "a.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Log")
    sheet.write_row(0, 0, HEADER.split(","))  # 10 cells, 9 texts
    sheet.write_row(1, 0, ["01/07/2022", "UDC", "Tona", "Birth registration", "75"])
    book.close()
    with zipfile.ZipFile(path) as made:
        members = {name: made.read(name) for name in made.namelist()}
    extra = b"".join(b"<si><t>%s</t></si>" % (b"%d" % i).rjust(length, b"x") for i in range(texts))
    members["xl/sharedStrings.xml"] = members["xl/sharedStrings.xml"].replace(b"</sst>", extra + b"</sst>").replace(
        b"?>", b"?>" + comment, 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in members.items():
            out.writestr(name, data)
    if refused:
        with pytest.raises(ReadError) as error:
            read_table(path.read_bytes(), file_name="a.xlsx")
        assert (error.value.code, error.value.params) == ("too_large_to_read", {"reason": "unused_texts"})
    else:
        assert read_table(path.read_bytes(), file_name="a.xlsx").frame["Union"].to_list() == ["Tona"]


@pytest.mark.parametrize("data", [
    f"{HEADER}\n{ROW_TEXT}\n{ROW_TEXT}\n".encode() + b"\x1a",  # Ctrl-Z, an old end-of-file mark
    f"{HEADER}\n{ROW_TEXT}\n{ROW_TEXT}\n".encode() + b"\x00" * 5,  # a file padded with NUL bytes on a disk
    f"{HEADER}\n{ROW_TEXT}\n{ROW_TEXT}\n".encode() + b"\x00" * 200,  # ... more of them than of its text
    f"{HEADER}\n{ROW_TEXT}\n{ROW_TEXT}".encode() + b"\x00\x1a",  # no line end before them
    ("\ufeff" + f"{HEADER}\n{ROW_TEXT}\n{ROW_TEXT}\n").encode("utf-16-le") + b"\x00\x00",  # UTF-16, a NUL after it
    f"{HEADER},Remarks\n{ROW_TEXT},paid\x0bin cash\n{ROW_TEXT},\x0b\n".encode(),  # VT: a cell's line break (FileMaker)
    "".join(f"{line}{',' * 700}\n" for line in (HEADER, ROW_TEXT, ROW_TEXT)).encode(),  # Excel's used range, far right
], ids=["ctrl-z", "nul", "many-nul", "no-line-end", "utf-16", "vertical-tab", "empty-cells-far-right"])
def test_what_a_program_leaves_around_the_rows_is_no_row_and_no_reason_to_refuse(data):
    table = read_table(data, file_name="a.csv")
    assert table.frame[ROW].to_list() == [2, 3] and table.frame["Union"].to_list() == ["Tona", "Tona"]


def test_a_sheet_is_checked_as_a_sheet_whatever_its_first_bytes_say():
    """A worksheet whose XML opens with what looks like the table of texts is still checked for its extent."""
    import zipfile

    data = xlsx({"Log": log_cells()})
    with zipfile.ZipFile(io.BytesIO(data)) as made:
        members = {name: made.read(name) for name in made.namelist()}
    sheet = members["xl/worksheets/sheet1.xml"]
    members["xl/worksheets/sheet1.xml"] = sheet.replace(b"?>", b"?><!--<sst-->", 1).replace(
        b"</sheetData>", b'<row r="1048001"><c r="XFD1048001"><v>1</v></c></row></sheetData>')
    with pytest.raises(ReadError) as error:
        read_table(_zipped(members), file_name="a.xlsx")
    assert (error.value.code, error.value.params) == ("too_large_to_read", {"reason": "wide_sheet"})


def _zipped(members: dict[str, bytes]) -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        for name, member in members.items():
            book.writestr(name, member)
    return out.getvalue()


def test_a_workbook_without_its_list_of_sheets_is_damaged_not_empty():
    """A review: an .xlsx that lost xl/workbook.xml was said to be "empty"."""
    import zipfile

    with zipfile.ZipFile(io.BytesIO(xlsx({"Log": log_cells()}))) as made:
        members = {name: made.read(name) for name in made.namelist() if name != "xl/workbook.xml"}
    with pytest.raises(ReadError) as error:
        read_table(_zipped(members), file_name="a.xlsx")
    assert (error.value.code, error.value.params) == ("unreadable", {"reason": "damaged"})


@pytest.mark.parametrize("dimension", [b'<dimension ref="A1:XFD1048576"/>', b'<x:dimension ref="A1:ZZ999999"/>',
                                       b"<dimension ref='A1:XFD2'/>"])
def test_a_dimension_far_beyond_the_cells_is_left_out_not_refused(dimension):
    """A review: a sheet of four rows whose dimension a program left as A1:XFD1048576 was refused as
    reaching "near the last row or column Excel allows" (the reader would allocate the dimension)."""
    import zipfile

    with zipfile.ZipFile(io.BytesIO(xlsx({"Log": log_cells()}))) as made:
        members = {name: made.read(name) for name in made.namelist()}
    members["xl/worksheets/sheet1.xml"] = members["xl/worksheets/sheet1.xml"].replace(
        b'<dimension ref="A1:E2"/>', dimension)
    table = read_table(_zipped(members), file_name="a.xlsx")
    assert table.frame[ROW].to_list() == [2] and table.frame["Union"].to_list() == ["Tona"]


def test_sheet_choice():
    notes = {(0, 0): "How to fill this workbook"}
    data = xlsx({"Notes": notes, "Log": log_cells(), "Other": {(0, 0): "x", (0, 1): "y"}})
    assert read_table(data, file_name="a.xlsx").sheet == "Log"
    assert sheet_names(data, file_name="a.xlsx") == ["Notes", "Log", "Other"]

    two = xlsx({"Q1": log_cells(), "Q2": log_cells(top=2)})
    with pytest.raises(ReadError) as error:
        read_table(two, file_name="a.xlsx")
    assert error.value.code == "ambiguous_sheet" and error.value.params["sheets"] == ["Q1", "Q2"]
    assert read_table(two, file_name="a.xlsx", sheet="Q2").header_row == 3
    # the log sheets are told with the one read (the upload page offers the next one once it is stored)
    assert read_table(two, file_name="a.xlsx", sheet="Q2").log_sheets == ["Q1", "Q2"]
    assert read_table(data, file_name="a.xlsx").log_sheets == ["Log"]
    assert read_table(xlsx({"Log": log_cells()}), file_name="a.xlsx").log_sheets == []
    with pytest.raises(ReadError) as error:
        read_table(two, file_name="a.xlsx", sheet="Q3")
    assert error.value.code == "sheet_not_found"
    # a name typed that is two sheets' once spaces and case are set aside: which one is asked
    alike = xlsx({"Log 1": log_cells(), "LOG1": log_cells(top=2)})
    with pytest.raises(ReadError) as error:
        read_table(alike, file_name="a.xlsx", sheet="log1")
    assert error.value.code == "ambiguous_sheet" and error.value.params["sheets"] == ["Log 1", "LOG1"]
    assert read_table(alike, file_name="a.xlsx", sheet="LOG1").header_row == 3
    # a name typed on a command line: spaces and case aside, when only one sheet is so named
    spaced = xlsx({"Q1 2023-24 ": log_cells(), "July": log_cells(top=2)})
    assert read_table(spaced, file_name="a.xlsx", sheet="q1  2023-24").sheet == "Q1 2023-24 "
    assert read_table(spaced, file_name="a.xlsx", sheet="july").sheet == "July"
    # ... and digits: a space left out, Bengali digits typed as ASCII ("ডিসেম্বর২৩" for "ডিসেম্বর ২৩")
    months = xlsx({"নভেম্বর ২৩": log_cells(), "ডিসেম্বর ২৩": log_cells(top=2)})
    assert read_table(months, file_name="a.xlsx", sheet="ডিসেম্বর২৩").sheet == "ডিসেম্বর ২৩"
    assert read_table(months, file_name="a.xlsx", sheet="ডিসেম্বর 23").sheet == "ডিসেম্বর ২৩"
    alike = xlsx({"July ": log_cells(), "July": log_cells(top=2)})
    assert read_table(alike, file_name="a.xlsx", sheet="July").header_row == 3  # (the very name, first)
    with pytest.raises(ReadError) as error:
        read_table(alike, file_name="a.xlsx", sheet="JULY")
    assert error.value.code == "ambiguous_sheet" and error.value.params["sheets"] == ["July ", "July"]


def test_of_several_logs_the_one_with_a_date_and_a_service_is_read_then_the_one_excel_shows():
    # a summary by union alone (no date, no service: nothing to store) before the log
    summary = {(0, 0): "Union", (0, 1): "Beneficiaries", (0, 2): "Income (Tk)", (1, 0): "Tona", (1, 1): 3, (1, 2): 150}
    assert read_table(xlsx({"Summary": summary, "Data": log_cells()}), file_name="a.xlsx").sheet == "Data"
    # last quarter's log kept on a hidden sheet
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    for name in ("Apr-Jun", "Jul-Sep"):
        sheet = book.add_worksheet(name)
        for (r, c), value in log_cells().items():
            sheet.write(r, c, value)
    book.worksheets()[1].activate()
    book.worksheets()[0].hide()
    book.close()
    assert read_table(out.getvalue(), file_name="a.xlsx").sheet == "Jul-Sep"
    assert read_table(out.getvalue(), file_name="a.xlsx", sheet="Apr-Jun").sheet == "Apr-Jun"
    # a log whose headings need saying (its dates show it is one) beside a monthly summary: still a choice
    log = {(0, i): h for i, h in enumerate(["SL", "Tarikh", "Union", "Shebar Naam", "Beneficiaries", "Taka"])}
    log.update({(1, i): v for i, v in enumerate([1, "05/07/2023", "Tona", "Birth registration", 1, 75])})
    monthly = {(0, i): h for i, h in enumerate(["Month", "Union", "Service", "Beneficiaries", "Income (Tk)"])}
    monthly.update({(1, i): v for i, v in enumerate(["July 2023", "Tona", "Birth registration", 1, 75])})
    with pytest.raises(ReadError) as error:
        read_table(xlsx({"Log": log, "Summary": monthly}), file_name="a.xlsx")
    assert error.value.code == "ambiguous_sheet" and error.value.params["sheets"] == ["Log", "Summary"]
    # a sheet per upazila and their totals (no date, no service): the totals are no log to choose
    totals = {(0, 0): "উপজেলা", (0, 1): "সেবাগ্রহীতা", (0, 2): "আয় (টাকা)", (1, 0): "নাজিরপুর", (1, 1): 3, (1, 2): 150}
    with pytest.raises(ReadError) as error:
        read_table(xlsx({"Nazirpur": log_cells(), "Kawkhali": log_cells(), "সর্বমোট": totals}), file_name="a.xlsx")
    assert error.value.code == "ambiguous_sheet" and error.value.params["sheets"] == ["Nazirpur", "Kawkhali"]


def test_sheet_names_of_other_inputs():
    assert sheet_names(b"Date,Service\n", file_name="a.csv") == []
    assert sheet_names(b"PK\x03\x04broken", file_name="a.xlsx") == []


def test_xls_workbook():
    table = read_table((DATA / "good" / "legacy.xls").read_bytes(), file_name="legacy.xls")
    assert table.format == "xls" and table.header_row == 1
    assert table.frame["তারিখ"].to_list() == ["2022-07-25 00:00:00", "44783"]


@pytest.mark.parametrize("name", ["truncated.xlsx", "fake_ole.xls"])
def test_damaged_workbooks(name):
    with pytest.raises(ReadError) as error:
        read_table((DATA / "bad" / name).read_bytes(), file_name=name)
    assert error.value.code == "unreadable"


def test_a_text_file_named_xlsx_is_read_for_what_it_is():
    table = read_table((DATA / "bad" / "not_really.xlsx").read_bytes(), file_name="not_really.xlsx")
    assert table.format == "csv" and table.headers == ["this is not a workbook", "just text"]


def test_empty_sheet():
    with pytest.raises(ReadError) as error:
        read_table(xlsx({"Empty": {}}), file_name="a.xlsx")
    assert error.value.code == "empty_file"


@pytest.mark.parametrize(("rows", "extra"), [
    ([ROW_TEXT, ROW_TEXT], [None, None]),
    ([ROW_TEXT + ",", ROW_TEXT], [None, None]),  # an empty cell past the headings is not a cell
    ([ROW_TEXT + ",x", ROW_TEXT], ["x", None]),
    ([ROW_TEXT, ROW_TEXT + ",,x"], [None, "x"]),  # past an empty one
    ([ROW_TEXT, ROW_TEXT + ",x,y,z"], [None, "x,y,z"]),
    ([ROW_TEXT + ";a", ROW_TEXT + "," * 7 + "w"], [None, "w"]),
])
def test_cells_past_the_headings_are_kept_for_the_row(rows, extra):
    """A row with more cells than headings is read whole: its cells past the headings are kept
    (and the row refused as too_many_cells), wherever they are in its first SPARE_COLUMNS cells."""
    from analytics.ingest.readers import EXTRA

    table = read_table("\n".join([HEADER, *rows]).encode(), file_name="x.csv")
    assert table.headers == HEADER.split(",")
    got = table.frame[EXTRA].to_list() if EXTRA in table.frame.columns else [None] * len(rows)
    assert got == extra
    assert table.frame[ROW].to_list() == [2, 3]


REMARKS = "Date,Union,Service,Fee (Tk),Remarks"
ALIGNED = "01/07/2022,Tona,Passport,75,"


@pytest.mark.parametrize(("rows", "extra"), [
    # a number's unquoted comma moved the row's cells along into its empty last column (polars reads the
    # empty cell past the headings as none): the row's last cells as written
    ([ALIGNED, "01/07/2022,Tona,Passport,1,200,"], [None, "Passport,1,200,"]),
    (["01/07/2022,Tona,1,24,080,", ALIGNED], ["1,24,080,", None]),  # (Indian grouping)
    (["01/07/2022,Tona,Passport,1,200.50,", ALIGNED], ["Passport,1,200.50,", None]),
    (["01/07/2022,Tona,Passport,১,২০০,", ALIGNED], ["Passport,১,২০০,", None]),
    # not a stray comma at the end of a row, a quoted number, or a comma at the end of every row
    (["01/07/2022,Tona,Passport,75,ok,", ALIGNED], [None, None]),
    (['01/07/2022,Tona,Passport,"1,200",', ALIGNED], [None, None]),
    (["01/07/2022,Tona,Passport,1,200,", "01/07/2022,Tona,Passport,300,,"], [None, None]),
])
def test_a_row_moved_along_by_a_numbers_comma_into_an_empty_column_is_found(rows, extra):
    """ "…,1,200," under "…,Fee,Remarks" is no fee of 1 with a remark of 200: the row is read as having
    more cells than headings (and refused as too_many_cells, which says to write 1200)."""
    from analytics.ingest.readers import EXTRA

    table = read_table("\n".join([REMARKS, *rows]).encode(), file_name="x.csv")
    got = table.frame[EXTRA].to_list() if EXTRA in table.frame.columns else [None] * len(rows)
    assert got == extra


def merged_workbook(write) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    write(book.add_worksheet("লগ"))
    book.close()
    return out.getvalue()


def test_merged_cells_read_as_excel_shows_them():
    # a date merged down over the day's rows, the union over all of them: Excel keeps each value in
    # the first cell only. A total's label across the first columns is layout: it stays in its cell
    def write(sheet):
        sheet.write_row(0, 0, ["Date", "Union", "Service", "Fee"])
        sheet.merge_range("A2:A3", "03/07/2023")
        sheet.merge_range("B2:B4", "Tona")
        sheet.write_column(1, 2, ["Birth registration", "Photocopy", "Photocopy"])
        sheet.write_column(1, 3, ["75", "3", "6"])
        sheet.write(3, 0, "04/07/2023")
        sheet.merge_range("A5:C5", "মোট")
        sheet.write(4, 3, "84")

    table = read_table(merged_workbook(write), file_name="a.xlsx")
    assert table.frame.rows() == [("03/07/2023", "Tona", "Birth registration", "75", 2),
                                  ("03/07/2023", "Tona", "Photocopy", "3", 3),
                                  ("04/07/2023", "Tona", "Photocopy", "6", 4),
                                  ("মোট", None, None, "84", 5)]


def test_amounts_merged_down_are_not_repeated():
    # one fee merged over two rows is one fee for both, not one each
    def write(sheet):
        sheet.write_row(0, 0, ["Date", "Service", "Fee", "Beneficiaries"])
        sheet.write_row(1, 0, ["03/07/2023", "Photocopy"])
        sheet.write_row(2, 0, ["03/07/2023", "Photocopy"])
        sheet.merge_range("C2:C3", "9")
        sheet.merge_range("D2:D3", "১,২০০")
        sheet.merge_range("E2:E3", "Tk 50")

    frame = read_table(merged_workbook(write), file_name="a.xlsx").frame
    assert frame["Fee"].to_list() == ["9", "0"] and frame["Beneficiaries"].to_list() == ["১,২০০", "0"]


@pytest.mark.parametrize("heading, merged, each", [
    # a number the same for each row under it: repeated, as Excel shows it
    ("Entrepreneur ID", "1079809401", ["1079809401"] * 3),
    ("উদ্যোক্তা আইডি", "১০৭৯৮০৯৪০১", ["১০৭৯৮০৯৪০১"] * 3),
    ("Day", "5", ["5"] * 3),
    ("দিন", "৫", ["৫"] * 3),
    ("Month", "7", ["7"] * 3),
    ("Year", "2023", ["2023"] * 3),
    ("বছর", "২০২৩", ["২০২৩"] * 3),
    ("Receipt No", "4412", ["4412"] * 3),
    ("Date", "45112", ["45112"] * 3),
    # an amount or a count: once, in the first row
    ("Fee (Tk)", "150", ["150", "0", "0"]),
    ("Total", "6", ["6", "0", "0"]),
    ("Male", "2", ["2", "0", "0"]),
    ("প্রাপ্তি", "300", ["300", "0", "0"]),  # (a heading not known: it may be taught as a fee)
])
def test_a_number_merged_down_is_repeated_unless_an_amount_or_a_count(heading, merged, each):
    """The review's workbooks: IDs, days, months, years and receipt numbers merged down were read as
    one amount (0 under the first), storing 19 of 30 rows under entrepreneur "0" and refusing dates."""
    def write(sheet):
        sheet.write_row(0, 0, ["Service", "Union", heading])
        for row in range(1, 4):
            sheet.write_row(row, 0, ["Photocopy", "Tona"])
        sheet.merge_range("C2:C4", merged)

    assert read_table(merged_workbook(write), file_name="a.xlsx").frame[heading].to_list() == each


@pytest.mark.parametrize("first", [0, 1, 3], ids=["from A", "from B", "from D"])
def test_a_header_on_two_rows_is_read_as_one(first):
    # a table that starts in column B (a printed register's margin) is read as one that starts in A: the
    # review's workbook from B read "Beneficiaries" over Male alone, and stored the women as a column
    # not known (35 beneficiaries of 43)
    def write(sheet):
        sheet.write(0, first, "Pirojpur UDC report")
        sheet.merge_range(1, first, 2, first, "Date")
        sheet.merge_range(1, first + 1, 2, first + 1, "Service")
        sheet.merge_range(1, first + 2, 1, first + 4, "Beneficiaries")
        sheet.write_row(2, first + 2, ["Male", "Female", "Total"])
        sheet.merge_range(1, first + 5, 2, first + 5, "Fee")
        sheet.write_row(3, first, ["03/07/2023", "Birth registration", "1", "2", "3", "225"])

    table = read_table(merged_workbook(write), file_name="a.xlsx")
    assert table.headers == ["Date", "Service", "Beneficiaries Male", "Beneficiaries Female", "Beneficiaries Total",
                             "Fee"]
    assert table.frame.rows() == [("03/07/2023", "Birth registration", "1", "2", "3", "225", 4)]


def test_a_heading_merged_across_columns_of_no_headings_of_their_own_is_one_row():
    def write(sheet):
        sheet.write(0, 0, "Date")
        sheet.merge_range("B1:C1", "Service")
        sheet.write(0, 3, "Fee")
        sheet.write_row(1, 0, ["03/07/2023", "Birth registration", None, "75"])

    table = read_table(merged_workbook(write), file_name="a.xlsx")
    assert table.header_row == 1 and table.frame[ROW].to_list() == [2]
    assert table.frame["Date"].to_list() == ["03/07/2023"] and table.frame["Fee"].to_list() == ["75"]


def test_a_header_on_two_rows_found_by_its_second_row():
    # the first row's headings span the second's: "Place" over Upazila | Union, "Beneficiaries" over
    # Under 18 | 18 and over | Total (digits in a heading are no data); the others merged down
    def write(sheet):
        sheet.merge_range("A1:H1", "Pirojpur UDC report, July 2023")
        for column, text in (("A", "Date"), ("D", "Service"), ("H", "Fee")):
            sheet.merge_range(f"{column}2:{column}3", text)
        sheet.merge_range("B2:C2", "Place")
        sheet.merge_range("E2:G2", "Beneficiaries")
        sheet.write_row(2, 1, ["Upazila", "Union"])
        sheet.write_row(2, 4, ["Under 18", "18 and over", "Total"])
        sheet.write_row(3, 0, ["03/07/2023", "Nazirpur", "Dirgha", "Birth registration", "0", "1", "1", "75"])

    table = read_table(merged_workbook(write), file_name="a.xlsx")
    assert table.headers == ["Date", "Place Upazila", "Place Union", "Service", "Beneficiaries Under 18",
                             "Beneficiaries 18 and over", "Beneficiaries Total", "Fee"]
    assert table.frame.rows() == [("03/07/2023", "Nazirpur", "Dirgha", "Birth registration", "0", "1", "1", "75", 4)]


@pytest.mark.parametrize("end", ["\n", "\r\n"])
def test_a_csv_header_on_two_rows_is_read_as_one(end):
    # a heading merged across columns, saved by Excel: the columns after it left empty
    text = end.join(["Date,Service,Beneficiaries,,,Fee", ",,Male,Female,Total,", "03/07/2023,Photocopy,1,2,3,9", ""])
    table = read_table(text.encode(), file_name="a.csv")
    assert table.headers == ["Date", "Service", "Beneficiaries Male", "Beneficiaries Female", "Beneficiaries Total",
                             "Fee"]
    assert table.frame.rows() == [("03/07/2023", "Photocopy", "1", "2", "3", "9", 3)]


@pytest.mark.parametrize("text", [
    "Date,Service,Remarks,,Fee\n03/07/2023,Photocopy,urgent,,9\n",  # a heading-less column: the first row is data
    "Date,Service,Beneficiaries,,Fee\n,Photocopy,1,2,9\n",  # numbers under the heading: data
])
def test_a_csv_row_of_data_is_never_taken_for_a_second_header_row(text):
    table = read_table(text.encode(), file_name="a.csv")
    assert table.header_row == 1 and table.frame[ROW].to_list() == [2]


def test_error_cells_and_formulas_without_results_are_read_as_excel_shows_them():
    """A reader of values gives them nothing (they were counted as empty cells, a count as 1); they
    are given as Excel shows them, or as their formula when no result was ever saved."""
    data = (DATA / "bad" / "formula_errors.xlsx").read_bytes()
    _, cells = readers.sheet_marks(data, "Log")
    assert cells == [(1, 9, "#N/A"), (2, 0, "#VALUE!"), (3, 8, "#DIV/0!"), (4, 8, "=1+2")]
    table = readers.read_table(data, file_name="formula_errors.xlsx")
    assert table.frame.row(0)[9] == "#N/A" and table.frame.row(3)[8] == "=1+2" and table.frame.row(4)[3] == "Tona"


@pytest.mark.parametrize("size", [7, 97, 1009, 1 << 20])
def test_a_sheet_read_in_blocks_gives_every_formula_cell_once(size):
    """Cells cut in two by a block boundary are read whole with the next block; an empty text result
    (<v></v>, with t="str" or not) is an empty cell, not an uncalculated formula."""
    rows = b"".join(b'<row r="%d"><c r="A%d" t="e"><f>X</f><v>#N/A</v></c><c r="B%d"><f>1+%d</f><v/></c>'
                    b'<c r="C%d" t="str"><f>IF(1,"","")</f><v></v></c><c r="D%d" s="1"/>'
                    b'<c r="E%d"><f>IF(1,"","")</f><v></v></c></row>'
                    % (i, i, i, i, i, i, i) for i in range(1, 400))
    xml = b"<worksheet><sheetData>" + rows + b"</sheetData></worksheet>"
    found, tail = [], b""
    for start in range(0, len(xml), size):
        block = tail + xml[start:start + size]
        cut = readers._whole_end(block) if start + size < len(xml) else len(block)
        found += readers._formula_cells(block[:cut])
        tail = block[cut:]
    expected = [cell for i in range(1, 400) for cell in ((i - 1, 0, "#N/A"), (i - 1, 1, f"=1+{i}"))]
    assert found == expected


def _workbook_with_sheet_xml(sheet_xml: bytes, *, at: str = "xl/worksheets/sheet1.xml") -> bytes:
    """A small .xlsx (made by xlsxwriter) whose first sheet's XML is ``sheet_xml``, stored at ``at``."""
    import io
    import zipfile

    import xlsxwriter

    base = io.BytesIO()
    book = xlsxwriter.Workbook(base)
    book.add_worksheet("log").write_row(0, 0, ["Date", "Union", "Service", "Fee (Tk)"])
    book.close()
    out = io.BytesIO()
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            if item.filename == "xl/worksheets/sheet1.xml":
                zout.writestr(at, sheet_xml)
            elif item.filename == "xl/_rels/workbook.xml.rels" and at != "xl/worksheets/sheet1.xml":
                zout.writestr(item, zin.read(item.filename).replace(b"worksheets/sheet1.xml", at[3:].encode()))
            else:
                zout.writestr(item, zin.read(item.filename))
    return out.getvalue()


SHEET = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>%s</sheetData></worksheet>'


@pytest.mark.parametrize(("rows", "at", "refused"), [
    # the review: a 116 KB workbook of a million cells in a row, none with its reference, held a core for 120 s
    (b"<row>" + b'<c t="inlineStr"><is><t>x</t></is></c>' * 2_000 + b"</row>", "xl/worksheets/sheet1.xml", True),
    (b"<row>" + b"<c/>" * 600 + b"</row>", "xl/worksheets/sheet1.xml", True),
    (b"<row>" + b"<c><v>1</v></c>" * 20 + b"</row>" * 1, "xl/worksheets/sheet1.xml", False),  # a plain row
    # a sheet stored elsewhere in the workbook is still a sheet, whatever its part's name (a probe's
    # sheet1.dat of a cell in CV400000 took 2 GB)
    (b'<row r="1"><c r="XFD1048576"><v>1</v></c></row>', "xl/data/s1.xml", True),
    (b'<row r="1"><c r="D1"><v>1</v></c></row>', "xl/data/s1.xml", False),
    (b'<row r="1"><c r="CV400000"><v>1</v></c></row>', "xl/worksheets/sheet1.dat", True),
    (b'<row r="1"><c r="D1"><v>1</v></c></row>', "xl/worksheets/sheet1.dat", False),
    # a reference in single quotes, or with spaces around "=", as XML allows and readers take
    (b"<row r='400000'><c r='CV400000'><v>1</v></c></row>", "xl/worksheets/sheet1.xml", True),
    (b'<row r = "400000"><c r = "CV400000"><v>1</v></c></row>', "xl/worksheets/sheet1.xml", True),
    (b"<row r='1'><c r='D1'><v>1</v></c></row>", "xl/worksheets/sheet1.xml", False),
])
def test_the_shape_of_a_sheet_is_checked_whatever_its_cells_or_its_place(rows, at, refused):
    data = _workbook_with_sheet_xml(SHEET % rows, at=at)
    if not refused:
        check_workbook_shape(data)
        return
    with pytest.raises(ReadError) as error:
        check_workbook_shape(data)
    assert error.value.code == "too_large_to_read"
