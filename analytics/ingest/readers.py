"""Uploaded file bytes to a table of text: format, encoding, delimiter, sheet, header row.

Everything happens in memory (Streamlit hands over bytes). Every cell comes back as text
(null when empty); interpreting values is :mod:`analytics.ingest.values`' job. Each data row keeps
its row number *as the spreadsheet shows it* (1-based, title rows and the header counted),
so problems can point at the row a person will look for.

Failures are :class:`ReadError` with a problem code and the details a message needs; they
are never other exceptions for bad input.
"""

from __future__ import annotations

import codecs
import csv
import functools
import html
import io
import itertools
import logging
import os
import re
import zipfile
from bisect import bisect_left, bisect_right
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import polars as pl

from analytics.i18n import ascii_digits
from analytics.ingest import limits as L
from analytics.ingest.headers import (
    DAY_HEADINGS,
    header_key,
    header_score,
    log_header,
    recognise,
)

ROW = "__row"  # name of the row-number column in :attr:`Table.frame`
EXTRA = "__extra"  # CSV only: the cells a row has beyond its headings (null when none)
SPARE_COLUMNS = 8
SNIFF_BYTES = 256 * 1024
SNIFF_ROWS = 40  # the header must be among the first rows
MIN_HEADER_SCORE = 2
DELIMITERS = (",", ";", "\t", "|")


class ReadError(Exception):
    """The file cannot be read as a table: ``code`` is a problem code, ``params`` its details."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass
class Table:
    """A sheet as text. ``frame`` has one text column per header plus :data:`ROW` (Int32), and
    :data:`EXTRA` (String) when some row of a CSV file has more cells than headings. The text
    columns are String (workbooks) or, from a CSV file, each a Categorical of its own categories
    (:func:`read_csv`, which holds exactly the texts of its rows): cast them to String where the
    type matters."""

    frame: pl.DataFrame
    headers: list[str]  # as written (made unique: "Fee", "Fee (2)"), in column order
    header_row: int  # 1-based, as the spreadsheet shows it
    format: str  # "csv" | "xlsx" | "xls"
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    #: of a workbook with several sheets, those that look like logs (:func:`choose_sheet`)
    log_sheets: list[str] = field(default_factory=list)

    @property
    def height(self) -> int:
        return self.frame.height


#: Files that are no table, known by their first bytes: (magic, ``ingest.unreadable.<kind>``).
OTHER_KINDS = ((b"%PDF", "pdf"), (b"\x89PNG", "image"), (b"\xff\xd8\xff", "image"), (b"GIF8", "image"),
               (b"\x1f\x8b", "compressed"), (b"7z\xbc\xaf\x27\x1c", "compressed"), (b"Rar!\x1a\x07", "compressed"))


def detect_format(data: bytes, file_name: str) -> str:
    """'xlsx', 'xls' or 'csv', from the content first (people rename files), then the name."""
    if data[:4] == b"PK\x03\x04":
        if _zip_folder(data):  # (a zip of the log, not a workbook: a workbook is a zip too)
            raise ReadError("unreadable", reason="compressed")
        return "xlsx"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "xls"
    for magic, kind in OTHER_KINDS:  # a PDF or a photo of the register, chosen by mistake
        if data.startswith(magic):
            raise ReadError("unreadable", reason=kind)
    suffix = file_name.lower().rsplit(".", 1)[-1] if "." in file_name else ""
    if suffix in ("xlsx", "xlsm", "xls"):
        # web portals save their exports as text (tab-separated) or as a web page, named .xls
        try:
            head = decode(data)[0][:4096].lstrip("\ufeff \t\r\n").lower()
        except ReadError:
            raise ReadError("unreadable", reason="renamed") from None
        if head.startswith("<") and re.search(r"urn:schemas-microsoft-com:office:spreadsheet|progid=.excel\.sheet", head):
            raise ReadError("unreadable", reason="xml_2003")  # Excel's "XML Spreadsheet 2003"
        if head.startswith("<") and re.search(r"<(?:html|table|!doctype|\?xml)", head):
            raise ReadError("unreadable", reason="web_page")
    return "csv"


def _zip_folder(data: bytes) -> bool:
    """Whether a zip holds no workbook's parts (an .xlsx's ``xl/``, an .ods's ``mimetype``): a folder
    zipped, or a file compressed. Its directory alone is read; a zip that cannot be listed is left to
    the workbook readers, which refuse it as damaged."""
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except Exception:  # noqa: BLE001
        return False
    return bool(names) and not any(n.startswith("xl/") or n in ("mimetype", "[Content_Types].xml") for n in names)


# --- CSV ---------------------------------------------------------------------------------

#: The encodings :func:`decode` reads, as Excel's "Save as" names the files (what the upload page says).
ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "utf-16-le": "Unicode Text (UTF-16)",
                  "utf-16-be": "Unicode Text (UTF-16)", "cp1252": "Windows (ANSI, Western)"}


def decode(data: bytes) -> tuple[str, str]:
    """Text and the encoding used: UTF-8 (with or without BOM), UTF-16 LE/BE, Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith(codecs.BOM_UTF16_LE):
        data, candidates = data[2:], ["utf-16-le"]
    elif data.startswith(codecs.BOM_UTF16_BE):
        data, candidates = data[2:], ["utf-16-be"]
    else:
        candidates = [_utf16(data) or "utf-8"] + ([] if _utf16(data) else ["cp1252"])
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            if encoding == "utf-8" and _has_utf8(data) and not _looks_binary(data.decode("utf-8", "replace")):
                # UTF-8 text (Bengali) beside bytes that are not UTF-8: either reading garbles one part
                raise ReadError("mixed_encoding") from None
            continue
        if encoding.startswith("utf-16"):
            text = text.rstrip(_END_PADDING)
        if _looks_binary(text):
            break
        return text, encoding
    raise ReadError("unreadable", reason="not_text")


def _utf16(data: bytes) -> str | None:
    """"utf-16-le" or "utf-16-be" for a UTF-16 text with no BOM (its ASCII characters' NUL bytes all
    on one side), else None."""
    head = data[:4096]
    even, odd = head[0::2].count(0), head[1::2].count(0)
    enough = max(2, len(head) // 32)  # ASCII delimiters and line ends alone give this many
    if odd >= enough and even <= odd // 8:
        return "utf-16-le"
    if even >= enough and odd <= even // 8:
        return "utf-16-be"
    return None


#: What some programs leave after a file's last line: NUL bytes (a file cut or padded on a disk) and
#: Ctrl-Z (an old end-of-file mark). No row: left out, never read as one.
_END_PADDING = "\x00\x1a"


def _without_end_padding(data: bytes) -> bytes:
    """``data`` without :data:`_END_PADDING` after its last line (a UTF-16 text's, once decoded: its own
    last NUL byte is part of a character)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _utf16(data):
        return data
    return data.rstrip(_END_PADDING.encode())


#: Excel's first line naming a CSV file's separator ("sep=;"): Excel reads it and does not show it,
#: so the row numbers it shows start on the next line
_SEP_LINE = re.compile(rb'^(\xef\xbb\xbf)?"?sep=[^\r\n]?"?[ \t]*(?:\r\n|\n|\r)', re.I)


def _without_sep_line(data: bytes) -> bytes:
    """``data`` without Excel's :data:`_SEP_LINE` (its BOM kept): rows are numbered as Excel shows them."""
    found = _SEP_LINE.match(data)
    return (found.group(1) or b"") + data[found.end():] if found else data


_UTF8_WIDE = re.compile(rb"[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_UTF8_TWO = re.compile(rb"[\xc2-\xdf][\x80-\xbf]")


def _has_utf8(data: bytes) -> bool:
    """True when bytes that failed as UTF-8 still hold UTF-8 sequences (a file of mixed encodings).

    Windows-1252 text almost never forms a valid three-byte UTF-8 sequence (a letter such as
    à-ï followed by two of the rarely used characters 0x80-0xBF), while every Bengali letter is
    one; two-byte sequences (Â©, Ã©) occur in real cp1252 text only by accident, so a few are
    needed.
    """
    return _UTF8_WIDE.search(data) is not None or len(_UTF8_TWO.findall(data[:SNIFF_BYTES * 4])) >= 3


def _looks_binary(text: str) -> bool:
    sample = text[:8192]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n\v\f")  # (VT: a cell's line break)
    return controls > max(8, len(sample) // 100)  # (a few stray ones, NUL too, are a damaged cell: said by row)


def split_lines(lines: list[str], delimiter: str) -> list[list[str]]:
    """Lines split into cells as CSV (quotes respected); never raises on odd input."""
    try:
        return list(csv.reader((line.replace("\r", " ") for line in lines), delimiter=delimiter))
    except csv.Error:
        return [line.split(delimiter) for line in lines]


def _line_after(lines: list[str], delimiter: str, row: int) -> int:
    """The line (0-based) where the rows after CSV row ``row`` of ``lines`` start: a quoted cell
    may hold line breaks, so a row may span lines."""
    try:
        reader = csv.reader((line.replace("\r", " ") for line in lines), delimiter=delimiter)
        for i, _ in enumerate(reader):
            if i == row:
                return reader.line_num
    except csv.Error:  # split_lines read such lines one by one
        pass
    return row + 1


def sniff_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the most lines into the same (largest) number of fields."""
    best, best_score = ",", (-1, 0)
    for delimiter in DELIMITERS:
        counts = [len(row) for row in split_lines(lines, delimiter) if any(c.strip() for c in row)]
        wide = [n for n in counts if n > 1]
        if not wide:
            continue
        mode = max(set(wide), key=lambda n: (wide.count(n), n))
        score = (wide.count(mode), mode)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def find_header(rows: list[list[str | None]]) -> int | None:
    """Index of the row that best looks like the header among the first rows, or None."""
    scores = [header_score(row) for row in rows[:SNIFF_ROWS]]
    if scores and max(scores) >= MIN_HEADER_SCORE:
        return scores.index(max(scores))
    return None


def _first_wide_row(rows: list[list[str | None]]) -> int | None:
    """Fallback header: the first row with two or more non-empty cells."""
    return next((i for i, row in enumerate(rows[:SNIFF_ROWS]) if sum(1 for c in row if c and c.strip()) >= 2), None)


def has_long_line(data: bytes, limit: int) -> bool:
    """Whether :func:`longest_line` exceeds ``limit``, without a pass over every byte when every
    stretch of ``limit // 2`` bytes holds a line end (a longer line would fill one of them)."""
    block = limit // 2
    if block > 0 and all(data.find(b"\n", start, start + block) >= 0 or data.find(b"\r", start, start + block) >= 0
                         for start in range(0, len(data) - block + 1, block)):
        return False
    return longest_line(data) > limit


def longest_line(data: bytes) -> int:
    """Bytes in the longest line (without reading the file as text). A line ends at LF or CR: a file
    saved with classic Mac line ends (CR alone) is read as lines too."""
    import numpy as np

    octets = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero((octets == 10) | (octets == 13))
    if ends.size == 0:
        return len(data)
    gaps = np.diff(ends, prepend=-1, append=len(data))
    return int(gaps.max())


def read_csv(data: bytes | list[bytes]) -> Table:
    """A CSV (or TAB-separated "Unicode text") file as a text table (``data``: see :func:`read_table`)."""
    data = _without_sep_line(_without_end_padding(data.pop() if isinstance(data, list) else data))
    if has_long_line(data, L.MAX_LINE_BYTES):
        raise ReadError("too_large_to_read", reason="long_line")
    whole = True  # text holds the whole file (else its first SNIFF_BYTES)
    if data.isascii() and b"\x00" not in data[:4096] and not _looks_binary(data[:8192].decode("ascii")) \
            and b"\n" in data[:L.MAX_LINE_BYTES + 1]:
        # plain ASCII is UTF-8 as it is (what decode() would find), and has line ends: the head will do
        text, encoding, whole = data[:SNIFF_BYTES].decode("ascii"), "utf-8", len(data) <= SNIFF_BYTES
    else:
        text, encoding = decode(data)
    mac = "\n" not in text and "\r" in text  # classic Mac line ends
    if mac:
        text = text.replace("\r", "\n")
    blank = " \t\r\n,;|\ufeff"
    if not text[:SNIFF_BYTES].strip(blank) and not (text if whole else data.decode("ascii")).strip(blank):
        raise ReadError("empty_file")
    lines = [line.rstrip("\r") for line in text[:SNIFF_BYTES].split("\n")[: SNIFF_ROWS + 20]]
    delimiter = sniff_delimiter(lines)
    sample = split_lines(lines, delimiter)
    # (a log has a few dozen columns at most; Excel may end each line with the empty cells of its used range)
    if max((len(row) - next((i for i, cell in enumerate(reversed(row)) if cell.strip()), len(row)) for row in sample),
           default=0) > L.MAX_COLUMNS:
        raise ReadError("too_large_to_read", reason="wide_file")
    header = find_header(sample)
    if header is None:
        header = _first_wide_row(sample)
    if header is None:
        raise ReadError("no_columns", headers="")
    if encoding == "utf-8" and not mac:
        payload = data
    elif encoding == "utf-8-sig" and not mac:
        payload = data[len(codecs.BOM_UTF8):]
    else:
        payload = text.lstrip("\ufeff").encode("utf-8")
    del text  # the file once more, as text: not kept while polars reads it
    if not payload.endswith(b"\n"):  # (polars does not count the empty cells at the end of a last line with no end)
        payload += b"\n"
    width = len(sample[header])

    try:  # the header row as polars reads it (a cell's line break kept), and the row under it
        heads = pl.read_csv(payload, has_header=False, separator=delimiter, n_rows=2,
                            skip_lines=_line_after(lines, delimiter, header - 1) if header else 0,
                            infer_schema=False, schema={f"c{i}": pl.String for i in range(width)},
                            missing_columns="insert", truncate_ragged_lines=True, raise_if_empty=False,
                            quote_char='"').rows()
    except BaseException as error:  # noqa: B036 - polars raises several kinds on malformed input
        if len(payload) > RECORDS_MAX_BYTES:
            raise _unreadable(error, reason="not_text") from None
        heads = [tuple(r[i] if i < len(r) and r[i] != "" else None for i in range(width)) for r in _records(
            payload, delimiter=delimiter, skip_lines=_line_after(lines, delimiter, header - 1) if header else 0, most=2)]
    headings = heads[0]
    # a header on two rows: Excel saves a heading merged across columns with the columns after it empty
    two_rows = _two_row_header([list(row) for row in heads], 0, _spans(*heads)) if len(heads) == 2 else None
    body_line = _line_after(lines, delimiter, header + (1 if two_rows else 0))

    def cells(payload: bytes, spare: int) -> pl.DataFrame:
        # the rows under the header, each column a categorical of its own: each distinct text held
        # once, four bytes a row, numbered as the checks number them anyway (pipeline._positions).
        # ``spare`` columns more than the header has: a row with cells there has more cells than
        # headings (all but empty). With one, a row with more cells still is an error, not cut short
        columns = {f"c{i}": pl.Categorical(pl.Categories.random()) for i in range(width)} | {
            f"c{i}": pl.Categorical for i in range(width, width + spare)}
        return pl.read_csv(payload, has_header=False, separator=delimiter, skip_lines=body_line, infer_schema=False,
                           schema=columns, missing_columns="insert", truncate_ragged_lines=spare > 1,
                           raise_if_empty=False, quote_char='"')

    # most files have no row with more cells than headings: read as many columns as headings first
    # (polars refuses a row with more, empty ones too), and again with SPARE_COLUMNS when a row has more
    frame, spare, wider = None, 0, None
    try:
        frame = cells(payload, spare)
    except (Exception, pl.exceptions.PanicException):  # a row with more cells, or a file polars cannot read (below)
        pass
    if frame is None:
        frame, spare = None, SPARE_COLUMNS
        try:
            frame = cells(payload, spare)
        except BaseException as error:  # noqa: B036 - polars raises several kinds on malformed input
            if len(payload) > RECORDS_MAX_BYTES:
                raise _unreadable(error, reason="not_text") from None
            # a quotation mark inside a cell ('Md. "Karim'), which Excel reads as written: read as Excel does
            frame, spare = _by_records(payload, delimiter=delimiter, skip_lines=body_line, width=width)
        else:
            wider = _wider_rows(payload, delimiter=delimiter, skip_lines=body_line, width=width, height=frame.height)
    del data, payload  # polars holds the cells: the file's bytes are freed here when nobody else holds them
    spare = [f"c{i}" for i in range(width, width + spare)]
    cells = frame.drop(spare).get_columns()
    if spare and (wider is not None and wider.any()
                  or not frame.select(pl.all_horizontal(pl.col(spare).is_null().all())).item()):  # a row has more cells
        extra = pl.concat_str(pl.col(spare), separator=delimiter, ignore_nulls=True).str.strip_chars(delimiter + " ")
        # (its cells beyond the headings empty: "…,60,1,200," under "…,Count,Fee,Remarks", a number's comma
        # that moved the row's cells along; polars reads such cells as none, the csv module counts them):
        # the row's last cells as written, "60,1,200,"
        empty = pl.lit(wider if wider is not None else False) & (extra == "")
        tail = pl.concat_str([pl.col(f"c{i}").cast(pl.String).fill_null("") for i in range(max(0, width - 3), width)]
                             + [pl.lit("")], separator=delimiter)
        cells.append(frame.select(pl.when(empty).then(tail).when(extra != "").then(extra).alias(EXTRA)).to_series())
    del frame  # _to_table frees the pieces of each column as it copies it into one
    body, headers = _to_table(cells, header_row=header + (2 if two_rows else 1), letters=False,
                              headings=two_rows or list(headings))
    return Table(body, headers, header + 1, "csv", encoding=encoding, delimiter=delimiter)


#: A CSV file polars cannot read is read record by record, as Excel reads it, up to this size.
RECORDS_MAX_BYTES = 20_000_000


def _records(payload: bytes, *, delimiter: str, skip_lines: int, most: int | None = None) -> list[list[str]]:
    """The records after ``skip_lines`` lines (at most ``most``), read as Excel reads a CSV: a quotation
    mark inside a cell is a character of it. A cell that opens a quotation and never closes it (the
    rest of the file would be that one cell) is the problem ``unclosed_quote``, naming its row."""
    text = io.StringIO(payload.decode("utf-8", errors="replace"), newline="")
    for _ in range(skip_lines):
        text.readline()
    start = text.tell()
    records: list[list[str]] = []
    line = 0
    try:
        reader = csv.reader(text, delimiter=delimiter, strict=True)
        for record in reader:
            records.append(record)
            line = reader.line_num
            if most is not None and len(records) >= most:
                break
    except csv.Error as error:
        if "end of data" in str(error):
            raise ReadError("unclosed_quote", row=skip_lines + line + 1) from None
        text.seek(start)  # (another slip, '"Karim" Md.': read leniently, as Excel does)
        records = list(itertools.islice(csv.reader(text, delimiter=delimiter, strict=False), most))
    return records


def _by_records(payload: bytes, *, delimiter: str, skip_lines: int, width: int) -> tuple[pl.DataFrame, int]:
    """The rows under the header (after ``skip_lines`` lines) as :func:`read_csv`'s ``cells`` gives them,
    with the spare columns a row's cells past ``width`` need (:func:`_records`)."""
    records = _records(payload, delimiter=delimiter, skip_lines=skip_lines)
    spare = max(SPARE_COLUMNS, max(map(len, records), default=0) - width)
    columns = [pl.Series(f"c{i}", [r[i] if i < len(r) and r[i] != "" else None for r in records], pl.String)
               .cast(pl.Categorical(pl.Categories.random()) if i < width else pl.Categorical)
               for i in range(width + spare)]
    return pl.DataFrame(columns, height=len(records)), spare


def _spans(top: tuple, under: tuple) -> list[tuple[int, int, int, int]]:
    """A CSV header's headings that span columns (as :func:`sheet_marks` gives merged cells, on row 0): a
    heading followed by empty heading cells that have a heading under them, as Excel saves a
    heading merged across columns."""
    spans, i = [], 0
    while i < len(top):
        j = i
        while top[i] and j + 1 < len(top) and not (top[j + 1] or "").strip() and (under[j + 1] or "").strip():
            j += 1
        if j > i:
            spans.append((0, i, 0, j))
        i = j + 1
    return spans


# --- workbooks -----------------------------------------------------------------------------

def _unreadable(error: BaseException, *, reason: str = "damaged") -> ReadError:
    """Our own problem for a library's error (calamine's, polars', including Rust panics, which
    are BaseExceptions). The library's text is logged for us, never shown to the user."""
    if isinstance(error, (KeyboardInterrupt, SystemExit, GeneratorExit)):
        raise error
    text = str(error)
    logging.getLogger(__name__).info("unreadable file: %s: %s", type(error).__name__, text[:500])
    if re.search(r"(?i)password|encrypt", text):
        return ReadError("password_protected")
    if isinstance(error, MemoryError) or re.search(r"(?i)memory|alloc", text):
        return ReadError("too_large_to_read", reason="memory")
    return ReadError("unreadable", reason=reason)


def _reader(data: bytes):
    import fastexcel

    try:
        return fastexcel.read_excel(data)
    except BaseException as error:  # noqa: B036 - see _unreadable
        raise _unreadable(error) from None


def sheet_names(data: bytes, *, file_name: str) -> list[str]:
    """The sheets of a workbook, in order; ``[]`` for CSV files and unreadable input."""
    try:
        kind = detect_format(data, file_name)
        if kind == "csv":
            return []
        if kind == "xlsx":
            check_unzipped_size(data)
        return list(_reader(data).sheet_names)
    except ReadError:
        return []


def _load(reader, name: str, *, n_rows: int | None = None) -> pl.DataFrame:
    # header_row=None with skip_rows=0 keeps leading empty rows: index i is spreadsheet row i+1
    try:
        sheet = reader.load_sheet(name, header_row=None, skip_rows=0, n_rows=n_rows, dtypes="string")
        frame = sheet.to_polars()
        offset = sheet.available_columns()[0].absolute_index if sheet.width else 0
    except BaseException as error:  # noqa: B036 - see _unreadable
        raise _unreadable(error) from None
    return frame.rename({c: f"c{offset + i}" for i, c in enumerate(frame.columns)})


def _rows(frame: pl.DataFrame) -> list[list[str | None]]:
    return [list(row) for row in frame.head(SNIFF_ROWS).iter_rows()]


def choose_sheet(reader, *, sheet: str | None) -> tuple[str, list[str], list[str]]:
    """The sheet to read: the one asked for, else the only one that looks like a log. Also every
    sheet's name, and, of a workbook with several sheets, those that look like logs (a sheet per
    month: the upload page offers the next one once one is stored)."""
    names = list(reader.sheet_names)
    if not names:  # (Excel saves no workbook without a sheet: one that lost its list of them)
        raise ReadError("unreadable", reason="damaged")
    if sheet is not None and sheet not in names:  # as typed on a command line: spaces, case and digits aside, if one
        key = lambda name: ascii_digits("".join(name.split())).casefold()  # noqa: E731 - "ডিসেম্বর২৩" is "ডিসেম্বর ২৩"
        alike = [n for n in names if key(n) == key(sheet)]
        if len(alike) > 1:  # ("log1": "Log 1" and "LOG1") which one is for the user to say, as it is written
            raise ReadError("ambiguous_sheet", sheets=alike, all_sheets=names)
        if not alike:
            raise ReadError("sheet_not_found", sheet=sheet, sheets=names)
        sheet = alike[0]
    if len(names) == 1:
        return names[0], names, []
    scores, whole, dated = {}, set(), set()
    for name in names:
        rows = _rows(_load(reader, name, n_rows=SNIFF_ROWS))
        scores[name] = max((header_score(r) for r in rows), default=0)
        if any(log_header(r) for r in rows):
            whole.add(name)
        if any(_NUMERIC_DATE.match(ascii_digits(cell).strip()) for r in rows for cell in r if cell):  # (or a date cell)
            dated.add(name)
    logs = [n for n in names if scores[n] >= MIN_HEADER_SCORE + 1]
    weak = [n for n in names if scores[n] >= MIN_HEADER_SCORE]
    # (of several, a sheet with no date and no service is a summary beside the logs: not one of them)
    dealt = lambda found: [n for n in found if n in whole or n in dated] or found  # noqa: E731
    if sheet is not None:
        return sheet, names, dealt(logs or weak)
    if len(logs) == 1:
        return logs[0], names, logs
    if not logs:
        if len(weak) == 1:
            return weak[0], names, weak
        if not weak:
            raise ReadError("no_columns", headers="", sheets=names)
        logs = weak
    # of several: the one log with a date (or month) and a service, if the others hold no dates (a
    # summary by union alone; not a log whose headings need saying), else the one Excel shows (a
    # hidden sheet is last quarter's, kept out of the way)
    kept = logs
    for keep in (lambda n: n in whole or n in dated, lambda n: _visible(reader, n)):  # (read only when needed)
        narrowed = [n for n in kept if keep(n)]
        if len(narrowed) == 1:
            return narrowed[0], names, dealt(logs)
        kept = narrowed or kept
    raise ReadError("ambiguous_sheet", sheets=dealt(logs), all_sheets=names)


def _visible(reader, name: str) -> bool:
    """Whether Excel shows sheet ``name`` (not hidden, nor very hidden)."""
    try:
        return reader.load_sheet(name, header_row=None, n_rows=1).visible == "visible"
    except BaseException:  # noqa: B036 - see _unreadable: a sheet that cannot be told is taken as shown
        return True


_ENCRYPTED_OOXML = "EncryptionInfo".encode("utf-16-le")
# (XML lets an attribute's value stand in single quotes, and spaces around its "=": a reader takes them)
_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br\s*=\s*["\']([A-Z]{1,3})([0-9]{1,7})["\']')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref\s*=\s*["\'][A-Z]{1,3}[0-9]{1,7}:([A-Z]{1,3})([0-9]{1,7})["\']')
#: Rows and cells as tags: the format lets a cell leave out its reference (r="B7"); such cells are counted.
_ROW_TAG = re.compile(rb"<(?:\w+:)?row\b")
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]")


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def check_unzipped_size(data: bytes) -> zipfile.ZipFile:
    """The .xlsx's zip, refused (``too_large_to_read``) when its members unpack to more than a
    workbook of its size could hold: read from the zip's directory alone, before any reader
    unpacks a member (calamine unpacks the whole string table to list the sheets)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except Exception as error:
        raise _unreadable(error) from None
    unzipped = sum(m.file_size for m in members)
    if unzipped > L.MAX_UNZIPPED or (unzipped > 50_000_000 and unzipped > L.MAX_ZIP_RATIO * len(data)):
        raise ReadError("too_large_to_read", reason="unzipped")
    return archive


def check_workbook_shape(data: bytes) -> list[str]:
    """Refuse an .xlsx whose decompressed size or sheet extent could not be read within memory.
    Returns the worksheets whose declared dimension reaches far beyond their cells (a program kept
    "A1:XFD1048576" while the data fills A1:G40): :func:`without_dimensions` drops it before reading.

    Reads the zip's directory and streams each worksheet's XML once, looking only at cell
    references and the declared dimension: the rectangle a reader would allocate. Cells written
    without their reference (the format allows it: a 116 KB workbook of a million such cells in a
    row held a core for the whole time limit) are counted per row instead. A worksheet is known by
    its first tag or by the workbook's links to it, wherever the workbook stores it and whatever
    the part's name (not only xl/worksheets/*.xml); the shared texts likewise.
    """
    archive = check_unzipped_size(data)
    cells = strings = text_bytes = 0  # cells of every sheet; texts of the shared table, and its size
    try:  # the sheets and the shared texts as the workbook links them, wherever they are kept
        links = _attributes(archive.read("xl/_rels/workbook.xml.rels"), b"Relationship")
    except Exception:  # noqa: BLE001 - no such part: the readers refuse the file themselves
        links = []
    linked = {kind: {"xl/" + target if not target.startswith("/") else target.lstrip("/")
                     for link in links if link.get("Type", "").endswith(kind) and (target := link.get("Target", ""))}
              for kind in ("/worksheet", "/sharedStrings")}
    sheets, shared = linked["/worksheet"], linked["/sharedStrings"] | {"xl/sharedStrings.xml"}
    stale: list[str] = []  # sheets whose dimension alone is too large
    for member in archive.infolist():
        rows = columns = bare_rows = 0
        declared = (0, 0)  # the dimension's last column and row
        tail = b""
        try:
            with archive.open(member) as handle:
                start = handle.read(4096)
            texts = member.filename in shared or _SHARED_STRINGS.search(start) is not None
            if texts:
                count, size = _shared_strings(archive, member)
                strings, text_bytes = strings + count, text_bytes + size
            # (a part that looks like both is checked as both: a tag may stand in a comment)
            if member.filename not in sheets and not member.filename.startswith("xl/worksheets/") \
                    and not re.search(rb"<(?:\w+:)?worksheet\b", start):
                continue
            with archive.open(member) as handle:
                while chunk := handle.read(4 * 1024 * 1024):
                    block = tail + chunk
                    referenced = False
                    for letters, number in _CELL_REF.findall(block):
                        columns, rows, referenced = max(columns, _column_number(letters)), max(rows, int(number)), True
                    for letters, number in _DIMENSION.findall(block):
                        declared = max(declared[0], _column_number(letters)), max(declared[1], int(number))
                    cells += _marks(block, tail, _CELL_MARKS)
                    if not referenced:  # cells without references: as many columns as a row has cells
                        parts = _ROW_TAG.split(chunk)
                        bare_rows += len(parts) - 1
                        columns = max(columns, *(len(_CELL_TAG.findall(part)) for part in parts))
                        rows = max(rows, bare_rows)
                    tail = block[-256:]
        except Exception as error:
            raise _unreadable(error) from None
        if columns > L.MAX_COLUMNS or rows * columns > L.MAX_CELLS:
            raise ReadError("too_large_to_read", reason="wide_sheet")
        if declared[0] > L.MAX_COLUMNS or declared[0] * declared[1] > L.MAX_CELLS:
            stale.append(member.filename)
    # every text a sheet holds once, in a table each cell points into: a reader loads it whole, so a
    # table of far more texts than the sheets have cells (20 million, for one row) would fill its memory
    # (or a few texts far longer than a cell may hold: 32,767 characters)
    if strings > cells + _SPARE_STRINGS or text_bytes > max(_SPARE_TEXT_BYTES, _TEXT_BYTES_PER_CELL * cells):
        raise ReadError("too_large_to_read", reason="unused_texts")
    return stale


_DIMENSION_TAG = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?/>")


def without_dimensions(data: bytes, members: list[str]) -> bytes:
    """The workbook ``data`` with the dimension of each worksheet of ``members`` left out (the format
    lets it be: a reader then takes the sheet's extent from its cells). Only those parts change; the
    others are copied as they are."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename in members:
                content = _DIMENSION_TAG.sub(b"", content, count=1)
            target.writestr(info, content)
    return out.getvalue()


_SHARED_STRINGS = re.compile(rb"<(?:\w+:)?sst\b")
#: how a cell's and a shared text's tags start, with a namespace prefix or without (counted as bytes,
#: far faster than a pattern; text that looks like one only counts more cells, or more texts)
_CELL_MARKS, _TEXT_MARKS = (b"<c ", b"<c>", b":c ", b":c>"), (b"<si>", b"<si ", b":si>", b":si ")
#: texts of the shared table beyond the cells' count that are let be (a table kept by a program
#: from an earlier save)
_SPARE_STRINGS = 100_000
#: the shared table's size let be whatever the cells (a log's names and receipt numbers take tens of
#: bytes each, a remark a few hundred), and per cell beyond that
_SPARE_TEXT_BYTES, _TEXT_BYTES_PER_CELL = 100_000_000, 2_000


def _marks(block: bytes, tail: bytes, marks: tuple[bytes, ...]) -> int:
    """How many of ``marks`` start in ``block`` (``tail``, its first bytes, counted with the block before)."""
    return sum(block.count(mark) - tail.count(mark) for mark in marks)


def _shared_strings(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> tuple[int, int]:
    """How many texts the workbook's shared table holds, and its size unpacked (as read, not as declared)."""
    count, size, tail = 0, 0, b""
    with archive.open(member) as handle:
        while chunk := handle.read(4 * 1024 * 1024):
            block = tail + chunk
            count, size = count + _marks(block, tail, _TEXT_MARKS), size + len(chunk)
            tail = block[-4:]
    return count, size




_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]{1,3})([0-9]{1,7}):([A-Z]{1,3})([0-9]{1,7})"')
_TAG = {kind: re.compile(rb"<(?:\w+:)?%s\b([^>]*)>" % kind) for kind in (b"sheet", b"Relationship")}
_ATTRIBUTE = re.compile(rb'([\w:]+)\s*=\s*(["\'])(.*?)\2', re.S)
#: Merged cells filled in at most (a sheet of more is read as written: its merged cells empty).
MAX_MERGED_CELLS = 2_000_000


def _attributes(text: bytes, kind: bytes) -> list[dict[str, str]]:
    return [{key.decode().rsplit(":", 1)[-1]: html.unescape(value.decode("utf-8", "replace"))
             for key, _, value in _ATTRIBUTE.findall(attributes)} for attributes in _TAG[kind].findall(text)]


#: A cell's start tag (``<c r="J2" t="e" s="1">``) and the parts of a formula cell.
_CELL_TAG = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(/?)>")
_FORMULA = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?f>)", re.S)
_VALUE = re.compile(rb"<(?:\w+:)?v\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?v>)", re.S)
_CELL_END = re.compile(rb"</(?:\w+:)?c>")
#: Where to look, each pattern starting with plain text (a fast scan, not a try at every tag): a
#: formula with no result after it (none, or an empty one) before its cell ends, a formula tag that
#: closes itself (a shared formula) just before its cell ends, and an error cell. A calculated formula
#: is passed over without a look (a log may have a formula on every row).
_MARKS = (re.compile(rb"f>(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?</(?:\w+:)?c>"),
          re.compile(rb"/></(?:\w+:)?c>"), re.compile(rb't="e"'))
#: ... and, in a workbook that asks to be calculated when opened, a formula whose saved result is 0
_STALE_ZERO = re.compile(rb"f><(?:\w+:)?v>0</(?:\w+:)?v></(?:\w+:)?c>")
#: A workbook written by a program that asks Excel to calculate every formula when it opens it
#: (xlsxwriter does): the results saved in it are placeholders, 0 where nothing was given.
_CALCULATE_ON_OPEN = re.compile(rb'<(?:\w+:)?calcPr\b[^>]*\bfullCalcOnLoad="(?:1|true)"')
_CELL_AT = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,7})"')
#: Formula cells looked at, at most (a sheet of more is read as written).
MAX_FORMULA_CELLS = 2_000_000


def sheet_marks(data: bytes, sheet: str) -> tuple[list[tuple[int, int, int, int]], list[tuple[int, int, str]]]:
    """What a reader of the values alone misses in sheet ``sheet`` of an .xlsx, in one pass over its
    XML: its merged cells, as (first row, first column, last row, last column), 0-based (Excel shows
    the first cell's value over the whole range, and keeps it only there: a date merged down over
    the day's rows, a total's label across the first columns), and the cells whose value is an Excel error or a
    formula Excel never calculated, as (row, column, text), 0-based. A reader gives those no value:
    an error (``#N/A``, ``#DIV/0!``) is given as Excel shows it, a formula without a result (a
    file written by a program and never saved by Excel) as ``=`` and the formula, so that the check
    names the cell instead of counting it as empty."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        book = _attributes(archive.read("xl/workbook.xml"), b"sheet")
        links = _attributes(archive.read("xl/_rels/workbook.xml.rels"), b"Relationship")
        link = next(entry["id"] for entry in book if entry.get("name") == sheet)
        target = next(entry["Target"] for entry in links if entry.get("Id") == link)
        member = target.lstrip("/") if target.startswith("/") else "xl/" + target
        stale = _CALCULATE_ON_OPEN.search(archive.read("xl/workbook.xml")) is not None
        padded = _padded_styles(archive)
        ranges: list[tuple[int, int, int, int]] = []
        cells: list[tuple[int, int, str]] = []
        tail = b""
        with archive.open(member) as handle:
            while True:
                chunk = handle.read(4 * 1024 * 1024)
                block = tail + chunk
                cut = len(block) if not chunk else _whole_end(block)
                whole, tail = block[:cut], block[cut:][-(1 << 20):]
                ranges += [(int(r1) - 1, _column_number(c1) - 1, int(r2) - 1, _column_number(c2) - 1)
                           for c1, r1, c2, r2 in _MERGE.findall(whole)]
                if len(cells) < MAX_FORMULA_CELLS:
                    cells += _formula_cells(whole, stale=stale)
                    if padded:
                        cells += _padded_cells(whole, padded)
                if not chunk:
                    break
        return list(dict.fromkeys(ranges)), cells[:MAX_FORMULA_CELLS]
    except Exception:  # noqa: BLE001 - nothing more that can be read: the sheet as its values give it
        logging.getLogger(__name__).info("cells of %s not read", sheet, exc_info=True)
        return [], []


#: A number format that writes a whole number with leading zeros ("00000000000": an ID or a phone
#: number typed as a number, 01712345678 shown as typed though 1712345678 is kept)
_ZERO_PADDED = re.compile(r'^0{2,}$')
_NUMBER_FORMAT = re.compile(rb'<(?:\w+:)?numFmt\b[^>]*?\bnumFmtId="(\d+)"[^>]*?\bformatCode="([^"]*)"')
_CELL_FORMATS = re.compile(rb"<(?:\w+:)?cellXfs\b.*?</(?:\w+:)?cellXfs>", re.S)
_FORMAT = re.compile(rb"<(?:\w+:)?xf\b([^>]*)")
_FORMAT_ID = re.compile(rb'\bnumFmtId="(\d+)"')


def _padded_styles(archive: zipfile.ZipFile) -> dict[bytes, int]:
    """The workbook's cell styles that show a number with leading zeros, as (style index -> digits shown)."""
    try:
        styles = archive.read("xl/styles.xml")
    except KeyError:
        return {}
    widths = {number: len(code) for number, code in (
        (n, html.unescape(c.decode("utf-8", "replace")).replace('"', "").replace("\\", ""))
        for n, c in _NUMBER_FORMAT.findall(styles)) if _ZERO_PADDED.match(code)}
    if not widths:
        return {}
    table = _CELL_FORMATS.search(styles)
    formats = [_FORMAT_ID.search(attributes) for attributes in _FORMAT.findall(table.group(0))] if table else []
    return {str(i).encode(): widths[found.group(1)] for i, found in enumerate(formats)
            if found and found.group(1) in widths}


_STYLE = re.compile(rb'\bs="(\d+)"')
_TYPE = re.compile(rb'\bt="([a-z]+)"')


@functools.lru_cache(maxsize=64)
def _number_cells(styles: tuple[bytes, ...]) -> re.Pattern[bytes]:
    """A number cell (its formula, if any, then its value) in one of ``styles``: the pattern looks
    at the style first, so the other cells cost it a glance."""
    return re.compile(rb'<(?:\w+:)?c\b(?=[^>]*?\bs="(?:%s)")([^>]*?)>(?:<(?:\w+:)?f\b[^>]*?(?:/>|>[^<]*</(?:\w+:)?f>))?'
                      rb'<(?:\w+:)?v>(\d+)(?:\.0*)?</(?:\w+:)?v>' % b"|".join(styles))


def _padded_cells(block: bytes, padded: dict[bytes, int]) -> list[tuple[int, int, str]]:
    """The whole numbers of a run of whole ``<c>`` elements in a style of leading zeros, as shown
    (row, column, text: "01712345678"), 0-based."""
    found = []
    for attributes, digits in _number_cells(tuple(sorted(padded))).findall(block):
        style, kind = _STYLE.search(attributes), _TYPE.search(attributes)
        if style is None or style.group(1) not in padded or (kind is not None and kind.group(1) != b"n"):
            continue
        ref = _CELL_AT.search(attributes)
        width = padded[style.group(1)]
        if ref is not None and len(digits) < width:
            found.append((int(ref.group(2)) - 1, _column_number(ref.group(1)) - 1, digits.decode().zfill(width)))
    return found


def _whole_end(block: bytes) -> int:
    """Where a block of a sheet's XML ends in whole tags, and in whole cells: the next block starts
    with what comes after (a cell cut in two is read with the next block)."""
    cut = block.rfind(b">") + 1
    start = max(block.rfind(b"<c ", 0, cut), block.rfind(b":c ", 0, cut))
    if start >= 0:
        opening = block.rfind(b"<", 0, start + 1)
        tag = _CELL_TAG.match(block, opening)
        if tag is None or (not tag.group(2) and _CELL_END.search(block, tag.end(), cut) is None):
            return opening  # the cell goes on in the next block
    return cut


def _formula_cells(block: bytes, *, stale: bool = False) -> list[tuple[int, int, str]]:
    """The error cells and uncalculated formulas of a run of whole ``<c>`` elements (:func:`sheet_marks`).
    A formula is uncalculated when no result is saved with it (none, or ``<v/>``: an empty result
    is ``<v></v>``, as Excel and xlsxwriter save ""), or, in a workbook to be calculated when opened
    (``stale``), when its saved result is 0."""
    found, seen = [], -1
    patterns = (*_MARKS, _STALE_ZERO) if stale else _MARKS
    for at in sorted({mark.start() for pattern in patterns for mark in pattern.finditer(block)}):
        start = max(block.rfind(b"<c ", 0, at + 1), block.rfind(b":c ", 0, at + 1))
        if start < 0 or start <= seen:
            continue
        seen = start
        tag = _CELL_TAG.match(block, start if block[start:start + 1] == b"<" else block.rfind(b"<", 0, start))
        if tag is None or tag.group(2):  # <c .../>: no value, no formula
            continue
        end = _CELL_END.search(block, tag.end())
        if end is None:
            continue
        inside, attributes = block[tag.end():end.start()], tag.group(1)
        ref = _CELL_AT.search(attributes)
        if ref is None:
            continue
        value = _VALUE.search(inside)
        value_text = value.group(1) if value else None  # None: no result saved (<v/> or none at all)
        formula = _FORMULA.search(inside)
        if b't="e"' in attributes and value_text:
            text = value_text
        elif formula is not None and (value_text is None or (stale and value_text.strip() == b"0")):
            text = b"=" + (formula.group(1) or b"")
        else:
            continue
        found.append((int(ref.group(2)) - 1, _column_number(ref.group(1)) - 1,
                      html.unescape(text.decode("utf-8", "replace"))))
    return found


#: Where a legacy .xls (BIFF8) may merge cells or hold an error: a MERGEDCELLS record (its id, its
#: length, its count of ranges), an error kept as a formula's result (its code, then the result's
#: 0xFFFF mark) and a BOOLERR record (id, length; row, column, format, value, 1 for an error).
_XLS_MERGES = re.compile(rb"\xe5\x00(..)(..)", re.S)
_XLS_ERRORS = re.compile(rb"\x02\x00[\x00\x07\x0f\x17\x1d\x24\x2a]\x00\x00\x00\xff\xff|\x05\x02\x08\x00.{7}\x01",
                         re.S)


def _xls_signs(data: bytes) -> bool:
    """Whether a legacy .xls shows a sign of merged or error cells (most files have none, and are
    not parsed again); a sign may be a false one."""
    return _XLS_ERRORS.search(data) is not None or any(
        int.from_bytes(length, "little") == 2 + 8 * int.from_bytes(count, "little") > 2
        for length, count in _XLS_MERGES.findall(data))


#: A legacy workbook looked into for its merged and error cells, at most (one larger is read as written;
#: an .xls sheet of 65,536 rows and twenty columns, 32,765 of its ranges merged, is 20 MB, read in 1.3 s).
MAX_XLS_MARKED_BYTES = 40_000_000


def xls_marks(data: bytes, sheet: str) -> tuple[list[tuple[int, int, int, int]], list[tuple[int, int, str]]]:
    """:func:`sheet_marks` for a legacy .xls workbook: its merged cells and its error cells, which
    calamine gives no ranges and no value for (a date merged down over the day's rows read as empty
    on all but the first). Read with xlrd, only where the file shows a sign of either."""
    if len(data) > MAX_XLS_MARKED_BYTES or not _xls_signs(data):
        return [], []
    try:
        import xlrd

        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True, logfile=io.StringIO())
        found = book.sheet_by_name(sheet)
        ranges = [(top, left, bottom - 1, right - 1) for top, bottom, left, right in found.merged_cells
                  if bottom > top and right > left]
        cells = [(row, column, xlrd.error_text_from_code.get(found.cell_value(row, column), "#VALUE!"))
                 for row, types in enumerate(found._cell_types) if xlrd.XL_CELL_ERROR in types
                 for column, kind in enumerate(types) if kind == xlrd.XL_CELL_ERROR]
        return ranges, cells
    except Exception:  # noqa: BLE001 - nothing more that can be read: the sheet as its values give it
        logging.getLogger(__name__).info("cells of %s not read", sheet, exc_info=True)
        return [], []


def fill_cells(frame: pl.DataFrame, cells: list[tuple[int, int, str]]) -> pl.DataFrame:
    """``frame`` (:func:`_load`) with ``cells`` (:func:`sheet_marks`) written in: a reader gives them no
    value, or the 0 saved in place of a result never calculated."""
    updates: dict[str, tuple[list[int], list[str]]] = {}
    for row, column, text in cells:
        name = f"c{column}"
        if name in frame.columns and row < frame.height:
            rows, texts = updates.setdefault(name, ([], []))
            rows.append(row)
            texts.append(text)
    return frame.with_columns(frame[name].scatter(rows, pl.Series(texts, dtype=pl.String))
                              for name, (rows, texts) in updates.items())


#: A cell that holds an amount or a count ("75", "১,২০০.৫০", "Tk 50"), or a numeric date: data, not a heading.
_AMOUNT = re.compile(r"(?i)^[\s(+\-৳$]*(?:tk\.?|taka|bdt)?\s*\d[\d,]*(?:\.\d+)?\s*\)?\s*(?:tk\.?|taka|bdt|টাকা|/-|/=)?$")
_NUMERIC_DATE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}(?:[ T][\d:.]+)?$")


def fill_merged(frame: pl.DataFrame, ranges: list[tuple[int, int, int, int]]) -> tuple[pl.DataFrame, dict[str, list[int]]]:
    """``frame`` (:func:`_load`: row i is the sheet's row i + 1, column ``c{j}`` its column j + 1) with
    the value of each range merged down over rows in every cell of it, as Excel shows it (a date
    over the day's rows, a union over its rows, an entrepreneur's ID over theirs, a heading over a
    header's two rows). Not a range within one row: a title, a total's label or a sign-off across
    the columns is layout.

    Also, per column, the rows under the first of a number merged down: if the number is an amount
    or a count (one fee merged over two rows is one fee, not two), those rows hold none of it
    (:func:`amounts_once`, once the column's heading is known)."""
    present = sorted(int(c[1:]) for c in frame.columns if c[:1] == "c" and c[1:].isdigit())
    updates: dict[str, tuple[list[int], list[str]]] = {}
    numbers: dict[str, list[int]] = {}
    filled = 0
    for top, left, bottom, right in ranges:
        first = f"c{left}"
        if bottom == top or top >= frame.height or first not in frame.columns:
            continue
        value = frame[first][top]
        if value is None:
            continue
        rows = range(top, min(bottom, frame.height - 1) + 1)
        number = bool(_AMOUNT.match(ascii_digits(value).strip()))
        for column in present[bisect_left(present, left):bisect_right(present, right)]:
            cells = updates.setdefault(f"c{column}", ([], []))
            cells[0].extend(rows)
            cells[1].extend([value] * len(rows))
            if number:
                numbers.setdefault(f"c{column}", []).extend(rows[1:])
            filled += len(rows)
        if filled > MAX_MERGED_CELLS:  # more than a sheet of a log merges: read as written
            return frame, {}
    return frame.with_columns(frame[column].scatter(rows, pl.Series(values, dtype=pl.String))
                              for column, (rows, values) in updates.items()), numbers


#: What a number merged down over rows is, when not an amount or a count: the same for each row (an
#: entrepreneur's ID, a day, a month, a year, a receipt paid for several services)
_SAME_FOR_EACH_ROW = frozenset({"date", "month", "year", "channel", "upazila", "union", "entrepreneur_id",
                                "entrepreneur_name", "gender", "service", "serial", "reference", "category",
                                "district"})


def amounts_once(frame: pl.DataFrame, numbers: dict[str, list[int]], headings: list[str | None]) -> pl.DataFrame:
    """``frame`` with the rows under the first of each number merged down (:func:`fill_merged`)
    holding 0 in the columns whose heading (``headings``, in the frame's column order) is not known
    to hold a value the same for each row (an ID, a day, a month, a year, a receipt number): a fee
    or a count merged over rows is counted once."""
    zero = {}
    for position, column in enumerate(frame.columns):
        heading = (headings[position] if position < len(headings) else None) or ""
        if column in numbers and recognise(heading) not in _SAME_FOR_EACH_ROW and header_key(heading) not in DAY_HEADINGS:
            zero[column] = numbers[column]
    return frame.with_columns(frame[column].scatter(rows, pl.Series(["0"] * len(rows), dtype=pl.String))
                              for column, rows in zero.items())


def read_workbook(data: bytes, *, format: str, sheet: str | None = None) -> Table:
    """One sheet of an .xlsx/.xls workbook as a text table (Excel dates as ISO text)."""
    if format == "xlsx":
        # the sizes the zip's directory declares first: testzip unpacks every member (a review's five
        # members of 2 GB of zeros took 45 s before the directory refused them)
        archive = check_unzipped_size(data)
        try:
            archive.testzip()
        except Exception as error:
            raise _unreadable(error) from None
        if stale := check_workbook_shape(data):  # a dimension far beyond the cells: the reader would allocate it
            data = without_dimensions(data, stale)
    elif _ENCRYPTED_OOXML in data[:1 << 20]:
        # Excel keeps a password-protected .xlsx inside an OLE container with this stream
        raise ReadError("password_protected")
    reader = _reader(data)
    name, names, logs = choose_sheet(reader, sheet=sheet)
    frame = _load(reader, name)
    ranges, cells = sheet_marks(data, name) if format == "xlsx" else xls_marks(data, name)
    frame, numbers = fill_merged(fill_cells(frame, cells), ranges)
    rows = _rows(frame)
    header = find_header(rows)
    if header is None:
        header = _first_wide_row(rows)
    if header is None:
        has_text = any(c and c.strip() for row in rows for c in row)
        raise ReadError("no_columns", headers="") if has_text else ReadError("empty_file")
    headings = None
    # the rows' lists start at the sheet's first column used (a table from column B: the list's 0 is B),
    # the merged ranges count from column A
    first = int(frame.columns[0][1:]) if frame.width else 0
    across = [(top, left - first, bottom, right - first) for top, left, bottom, right in ranges if left >= first]
    for top in (header - 1, header):  # the row found may be the second of a header's two rows
        if top >= 0 and (headings := _two_row_header(rows, top, across)) is not None:
            header = top
            break
    if numbers:
        frame = amounts_once(frame, numbers, headings if headings is not None else rows[header])
    if headings is not None:  # the headings are the header row and the row under it, read together
        cells = frame.slice(header + 2).get_columns()
        del frame
        body, headers = _to_table(cells, header_row=header + 2, letters=True, headings=headings)
        return Table(body, headers, header + 1, format, sheet=name, sheets=names, log_sheets=logs)
    cells = frame.slice(header).get_columns()
    del frame
    body, headers = _to_table(cells, header_row=header + 1, letters=True)
    return Table(body, headers, header + 1, format, sheet=name, sheets=names, log_sheets=logs)


def _two_row_header(rows: list[list[str | None]], header: int, ranges: list[tuple[int, int, int, int]],
                    ) -> list[str | None] | None:
    """The headings of a header written on two rows, each column's two cells joined ("Beneficiaries"
    merged over "Male | Female | Total": "Beneficiaries Male" ...), or None for a one-row header.

    Two rows when the first holds headings (two or more) and the row under it holds only headings
    (no amounts, no numeric dates: not a row of data), and a heading is merged down over both
    rows, or across columns that each have a heading of their own on the row under it."""
    if header + 1 >= len(rows):
        return None
    top, under = list(rows[header]), rows[header + 1]

    def heading(cell: str | None) -> bool:
        text = ascii_digits(cell or "").strip()
        return bool(text) and not _AMOUNT.match(text) and not _NUMERIC_DATE.match(text)

    if sum(1 for cell in top if cell and cell.strip()) < 2:  # a title, not a header
        return None
    across = False
    for first, left, last, right in ranges:
        if first == last == header and left < right and left < len(top) and top[left]:
            columns = range(left + 1, min(right, len(top) - 1) + 1)
            across = across or all(heading(under[c]) for c in range(left, columns.stop) if c < len(under))
            for c in columns:
                top[c] = top[c] or top[left]  # the heading over the columns it spans
    down = any(first == header and last > header for first, _, last, _ in ranges)
    if not (down or across) or not all(not cell or not cell.strip() or cell == above or heading(cell)
                                        for cell, above in zip(under, top)):
        return None
    return [a if not b or not b.strip() or b == a else (f"{a} {b}" if a else b) for a, b in zip(top, under)]


# --- shared --------------------------------------------------------------------------------

def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


#: A number's grouping commas read as cells of their own ("1,200" as 1 | 200; "1,24,080" as 1 | 24 | 080), the
#: cells joined by U+001F: what tells a row moved along by a number's comma from a stray comma at its end.
SPLIT_NUMBER = re.compile(r"(?:^|\x1f)[0-9০-৯]{1,3}(?:\x1f[0-9০-৯]{2})*\x1f[0-9০-৯]{3}(?:\.[0-9০-৯]*)?(?:\x1f|$)")


def _wider_rows(payload: bytes, *, delimiter: str, skip_lines: int, width: int, height: int) -> pl.Series | None:
    """Whether each row under the header (``skip_lines`` lines skipped) was moved along by a number's
    unquoted grouping comma into an empty last column: "…,60,1,200," under "…,Count,Fee,Remarks" reads
    as a fee of 1 and a remark of 200. polars reads a row's empty last cells as no cells, so such a
    row looks whole to it; the csv module counts them. A row is one when it has more cells than the
    ``width`` headings, empty ones counted, and cells that read as a number split at its commas
    (:data:`SPLIT_NUMBER`); not when every row has more (a separator at the end of every line), and
    not for a stray comma at the end of a row alone. Read for a file with a row of more cells only.
    None when the csv module's records do not line up with polars' ``height`` rows."""
    text = payload.decode("utf-8", errors="replace")
    start = 0
    for _ in range(skip_lines):
        start = text.find("\n", start) + 1
        if start == 0:
            return None
    moved, counts = [], []
    for record in csv.reader(io.StringIO(text[start:], newline=""), delimiter=delimiter, quotechar='"'):
        counts.append(len(record))
        moved.append(len(record) > width and bool(SPLIT_NUMBER.search("\x1f".join(cell.strip() for cell in record))))
    if len(counts) != height or all(n > width for n in counts if n):
        return None
    return pl.Series(moved, dtype=pl.Boolean)


def blank_heading(position: str) -> str:
    """The heading a column without one is given: "column H" (a workbook's letter), "column 8" (a CSV
    file's number), :data:`BLANK_HEADING`. Shown in the user's language by
    :func:`analytics.ingest.validate.heading_text`."""
    return f"column {position}"


#: A heading :func:`blank_heading` gave: its position, and "(2)" and on where two would be the same.
BLANK_HEADING = re.compile(r"column ([A-Z]{1,3}|[0-9]{1,5})((?: \([0-9]+\))?)")


def _to_table(cells: list[pl.Series], *, header_row: int, letters: bool, headings: list[str | None] | None = None,
              ) -> tuple[pl.DataFrame, list[str]]:
    """Take the first row as headers (unique, blank ones named by position); number the rest.
    ``headings``: the header row, when ``cells`` holds only the rows under it.

    ``cells`` (the sheet's columns, :data:`EXTRA` last if there) is emptied as it is read: each
    column is copied into one piece and its pieces freed, so the sheet is never held twice."""
    under = 1 if headings is None else 0  # the first row under the header
    if headings is None:
        if not cells or cells[0].len() == 0:
            raise ReadError("empty_file")
        headings = [column[0] for column in cells if column.name != EXTRA]
    extra = cells.pop().slice(under) if cells[-1].name == EXTRA else None
    raw = [str(text).strip() if text is not None else "" for text in headings]
    headers: list[str] = []
    taken: set[str] = set()
    for i, (text, column) in enumerate(zip(raw, cells)):
        position = _letter(int(column.name[1:])) if letters else str(i + 1)
        name = " ".join(text.split()) or blank_heading(position)
        base, n = name, 2
        while name in taken:
            name, n = f"{base} ({n})", n + 1
        headers.append(name)
        taken.add(name)
    # a frame of many chunks (polars reads a file in many) is copied whole by every later select;
    # the columns are copied on several threads (polars lets go of the GIL), each let go once copied
    def whole(i: int) -> pl.Series:
        column, cells[i] = cells[i], None
        return column.slice(under).rechunk().alias(headers[i])

    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        body = pl.DataFrame(list(pool.map(whole, range(len(headers)))))
    cells.clear()
    body = body.with_columns(pl.int_range(header_row + 1, header_row + 1 + body.height, dtype=pl.Int32).alias(ROW))
    if extra is not None and extra.null_count() < extra.len():
        body = body.with_columns(extra.rechunk().alias(EXTRA))
    # columns with neither a header nor any data are layout, not data
    empty = [h for h, text in zip(headers, raw) if not text and body[h].null_count() == body.height]
    return (body.drop(empty) if empty else body), [h for h in headers if h not in empty]


def read_table(data: bytes | list[bytes], *, file_name: str, sheet: str | None = None) -> Table:
    """Bytes of a .csv/.xlsx/.xls file to a :class:`Table`; raises :class:`ReadError`.

    ``data`` may be a list holding the bytes: it is emptied, so that the bytes can be freed once
    read when nothing else holds them."""
    holder = data if isinstance(data, list) else [data]
    data = holder[0]
    if not data[:SNIFF_BYTES].strip() and not data.strip():
        raise ReadError("empty_file")
    format = detect_format(data, file_name)
    if format == "csv":
        del data
        return read_csv(holder)
    return read_workbook(holder.pop(), format=format, sheet=sheet)
