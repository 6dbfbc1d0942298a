"""Uploaded file bytes -> canonical log rows plus every problem found. Never raises on bad input.

Pipeline: :mod:`analytics.ingest.readers` (bytes -> text table) -> :mod:`analytics.ingest.headers` (which
column is what, citizens' data dropped, transaction log or monthly summary) -> parsing with
:mod:`analytics.ingest.values` on each column's *unique* values -> places and services resolved once
per distinct name -> checks (:mod:`analytics.ingest.validate`) -> accepted rows in
:data:`analytics.reference.schema.LOG_SCHEMA`, rejected rows with their problems.

Rules worth knowing:

- A row with any problem is rejected; the others are accepted. A problem with the file as a
  whole (unreadable, no recognisable columns, a required column missing, too large ...)
  rejects everything: ``frame`` is then empty.
- Channel: from the Channel column when there is one, else from the service (front-desk
  services imply the front desk). Front-desk rows are placed in the upazila of the DC office
  (``geodata/sites.csv``); their union and entrepreneur are left empty and their fee must be
  empty or 0.
- Places: the union is resolved within its upazila when the sheet has an Upazila column;
  otherwise the union decides the upazila.
- Beneficiaries default to 1 on transaction logs (column absent or cell empty). A fee or a count
  written as a dash ("-") is 0, as in an account book (a count of 0 is refused); an empty fee on
  a UDC row is asked for.
- Summary sheets (a Month column, or a Date column holding only months) give one row per
  union x service x month dated the 1st of the month; they may lack the entrepreneur, so
  metrics count entrepreneurs only from rows that name one.
- A total row is left out (and noted): one whose date, month, place, service or entrepreneur
  cell, or serial-number cell, reads "Total", "মোট" and the like.
- Entrepreneur IDs are kept in one spelling (:func:`analytics.ingest.values.identifier`: ASCII
  digits, upper case).
- Repeated rows are deliveries: a delivery log without receipt numbers repeats rows
  legitimately (two citizens, same service, same day, same fee), so a row identical to an
  earlier one (citizens' columns included, serial numbers not) is counted, and noted
  (:attr:`IngestResult.repeated_rows`). Where the file has a receipt or reference column, a
  reference used twice is the problem instead.
- Dates: the order of day, month and year is decided per file from all of its numeric dates
  (day-first is the office norm). A file whose unambiguous dates disagree is refused; one
  whose only unambiguous dates read month-first is refused until the caller says
  ``date_order="mdy"``. Dates before :data:`analytics.ingest.limits.EARLIEST_YEAR` or in the future
  are refused.
- Plausibility (:mod:`analytics.ingest.limits`): a fee far outside the service's catalogue range, and
  more beneficiaries in a row than the ceiling, are refused with the usual range.
- Names: a value that does not resolve exactly is matched approximately when the match is
  confident (listed in :attr:`IngestResult.matches`), decided by a stored decision
  (:mod:`analytics.ingest.decisions`), or else asked about once per distinct value
  (:attr:`IngestResult.questions`); its rows are refused until someone decides.
"""

from __future__ import annotations

import difflib
import json
import logging
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from analytics.i18n import (
    LANGS,
    ascii_digits,
    normalise_lang,
    number,
    row_spans,
    strings,
    t,
    taka,
)
from analytics.ingest import decisions as D
from analytics.ingest import limits as L
from analytics.ingest import validate
from analytics.ingest import values as V
from analytics.ingest.digest import content_hash, sheet_hash
from analytics.ingest.headers import (
    DAY_HEADINGS,
    FIELDS,
    LOG_FIELDS,
    HeaderMap,
    count_heading,
    detect_shape,
    government_fee,
    header_key,
    heading_keys,
    known_headings,
    map_headers,
    recognise,
    sex_part,
    timestamp_heading,
    total_heading,
)
from analytics.ingest.isolation import read_ahead, stamp
from analytics.ingest.limits import Limits
from analytics.ingest.readers import (
    EXTRA,
    ROW,
    ReadError,
    Table,
    read_table,
    sheet_names,
)
from analytics.reference import schema
from analytics.reference.gazetteer import Gazetteer, normalise_name
from analytics.reference.periods import Period
from analytics.reference.services import ServiceResolver, load_catalogue

if TYPE_CHECKING:  # imported where used: the isolated child needs them only at the end
    from analytics.store.parts import Prepared

__all__ = ["IngestResult", "Limits", "ingest_bytes", "ingest_isolated", "sheet_names", "sheet_names_isolated"]

#: :attr:`IngestResult.id_spellings`
ID_SPELLINGS = {"written": pl.String, "kept": pl.String, "rows": pl.UInt32, "stored": pl.Boolean}

#: Cells that mark a total row (as matching keys: lower case, no spaces or punctuation).
TOTAL_WORDS = ("total", "grandtotal", "subtotal", "sum", "মোট", "সর্বমোট", "উপমোট", "সাকুল্যে")


@dataclass
class IngestResult:
    """What became of one uploaded file."""

    #: accepted rows, exactly schema.LOG_SCHEMA; from ingest_isolated(prepare_in=...), the files they
    #: were written to as the store keeps them (analytics.store.parts.Prepared): see :meth:`accepted`
    frame: pl.DataFrame | Prepared
    problems: pl.DataFrame  # validate.PROBLEM_SCHEMA, message in the user's language
    rejected: pl.DataFrame  # original columns (citizens' data left out) + "row" + "problem"
    shape: str = "unknown"  # "transactions" | "summary" | "unknown"
    encoding: str | None = None
    sheet: str | None = None
    #: of a workbook with several sheets, those that look like logs (a sheet per month)
    log_sheets: list[str] = field(default_factory=list)
    header_row: int | None = None
    columns: dict[str, str] = field(default_factory=dict)  # header as written -> field
    unmapped: list[str] = field(default_factory=list)
    #: columns left out for the total beside them (part -> the total's heading): known, not to be named
    beside_total: dict[str, str] = field(default_factory=dict)
    dropped_pii: list[str] = field(default_factory=list)
    #: the fee column gives the fee of one person served: each row earns it times its count
    fee_per_unit: bool = False
    rows_read: int = 0
    #: rows identical to an earlier row: counted, each one, as separate deliveries
    repeated_rows: int = 0
    #: "dmy" | "mdy" | "ymd": how the file's numeric dates were read (None: no numeric dates)
    date_order: str | None = None
    #: when the order needs the user's word: example dates read both ways (text, rows, dmy, mdy)
    date_readings: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(
        schema={"text": pl.String, "rows": pl.UInt32, "dmy": pl.Date, "mdy": pl.Date}))
    #: names to decide, once per distinct value (decisions.QUESTION_SCHEMA)
    questions: pl.DataFrame = field(default_factory=D.empty_questions)
    #: names matched approximately or by a stored decision (decisions.MATCH_SCHEMA)
    matches: pl.DataFrame = field(default_factory=D.empty_matches)
    #: every problem found, per code; ``problems`` lists at most limits.MAX_PROBLEM_ROWS of them
    problem_counts: dict[str, int] = field(default_factory=dict)
    #: the sheet's total row does not say what its rows add up to (:func:`_total_differs`)
    total_differs: dict | None = None
    #: UDC rows of a free service (its usual fee starts at Tk 0) with no fee written: counted at Tk 0
    free_without_fee: int = 0
    #: rows accepted of a log whose number served is left empty: each counted as one person
    count_blank_rows: int = 0
    #: Rows whose total of people served was blank and was taken as the sum of its parts beside it
    #: (:attr:`count_parts_summed`: "Male", "Female"; :attr:`count_total_column`: "Total").
    count_from_parts: int = 0
    count_parts_summed: list[str] = field(default_factory=list)
    count_total_column: str | None = None
    #: UDC rows of a delivery log with no entrepreneur ID column, accepted: who served them is not
    #: known (their unions' entrepreneurs read "not known", as a monthly summary's do)
    unnamed_udc_rows: int = 0
    #: IDs written in another spelling than the file's other rows or the stored data give the same
    #: person ("UDC10798766M" beside "UDC-10798766-M", 1612345672 beside "01612345672"), kept in that
    #: spelling: written, kept, rows, and whether the kept spelling is the stored one
    id_spellings: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ID_SPELLINGS))
    #: cells written as ditto marks ("〃", "ঐ", "-do-") and read as the cell above: heading -> rows
    ditto: dict[str, list[int]] = field(default_factory=dict)
    #: SHA-256 of the bytes checked (:func:`analytics.store.content_hash`), from :func:`ingest_isolated`
    content_hash: str | None = None
    _messages: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(
        schema={"row": pl.Int32, "message_en": pl.String, "message_bn": pl.String}), repr=False)

    def accepted(self) -> pl.LazyFrame:
        """The accepted rows, whether in :attr:`frame` or prepared files."""
        return self.frame.lazy() if isinstance(self.frame, pl.DataFrame) else self.frame.scan()

    @property
    def accepted_rows(self) -> int:
        return self.frame.height

    @property
    def upload_id(self) -> str | None:
        """The upload the accepted rows were made for (None when no row was accepted)."""
        if not isinstance(self.frame, pl.DataFrame):
            return self.frame.upload_id
        return self.frame["upload_id"][0] if self.frame.height else None

    def ditto_note(self, *, lang: str) -> dict[str, str]:
        """The cells read from a ditto mark (:attr:`ditto`), for a message: ``cells`` (how many) and
        ``where`` (each column and its rows)."""
        columns: dict[tuple[int, ...], list[str]] = {}  # columns of the same rows named together
        for heading, rows in self.ditto.items():
            columns.setdefault(tuple(rows), []).append(heading)
        where = "; ".join(t("ingest.ditto_where" if len(rows) > 1 else "ingest.ditto_where_one", lang,
                            column=", ".join(headings), rows=row_spans(list(rows), lang=lang))
                          for rows, headings in columns.items())
        return {"cells": number(sum(map(len, self.ditto.values())), lang=lang), "where": where}

    def id_spellings_note(self, *, lang: str, limit: int = 6) -> str:
        """The IDs kept in another spelling (:attr:`id_spellings`), for a message: "UDC10798766M →
        UDC-10798766-M (3 rows, as stored)", the first ``limit`` of them and how many more."""
        spelled = [t("ingest.id_spelling_stored" if stored else "ingest.id_spelling", lang, written=written, kept=kept,
                     rows=number(rows, lang=lang))
                   for written, kept, rows, stored in self.id_spellings.head(limit).iter_rows()]
        more = self.id_spellings.height - limit
        return "; ".join(spelled) + (t("ingest.id_spelling_more", lang, more=number(more, lang=lang)) if more > 0 else "")

    def total_note(self, *, lang: str) -> dict[str, str]:
        """:attr:`total_differs` for a message: ``row``, what the total row says (``said``) and what
        the rows add up to (``sums``), each as beneficiaries and fees."""
        found = self.total_differs or {}

        def figures(people: int | None, fee: int | None) -> str:
            parts = ([t("ingest.total_people", lang, people=people)] if people is not None else []) + (
                [taka(fee, lang=lang)] if fee is not None else [])
            return ", ".join(parts)

        said_people, said_fee = found.get("said_people"), found.get("said_fee")
        return {"row": number(found.get("row", 0), lang=lang), "said": figures(said_people, said_fee),
                # (the rows' sums of the figures the total row gives)
                "sums": figures(found.get("people") if said_people is not None else None,
                                found.get("fee") if said_fee is not None else None)}

    def totals_used(self) -> dict[str, list[str]]:
        """Each total used, with the parts beside it left out (:attr:`beside_total`): said as such,
        not as columns whose headings are not known."""
        totals: dict[str, list[str]] = {}
        for part, total in self.beside_total.items():
            totals.setdefault(total, []).append(part)
        return totals

    @property
    def timestamp_column(self) -> str | None:
        """The form's "Timestamp" column when it dates the rows (no other date column): the time
        each entry was sent, which the clerk should know is taken as the day of the service."""
        return next((h for h, f in self.columns.items() if f == "date" and timestamp_heading(h)), None)

    @property
    def other_log_sheets(self) -> list[str]:
        """Of a workbook, the sheets that look like logs besides the one read (a hidden sheet of the
        quarter's rows beside a visible summary): not read unless asked for, and said so."""
        return [name for name in self.log_sheets if name != self.sheet] if self.sheet is not None else []

    @property
    def counts_rows_as_one(self) -> bool:
        """No column gives the number of people served: each row of the log counts as one person."""
        return self.shape == "transactions" and "beneficiaries" not in self.columns.values()

    @property
    def ok(self) -> bool:
        """No problem with the file as a whole, and at least one row accepted."""
        return self.problems.filter(pl.col("row").is_null()).height == 0 and self.frame.height > 0

    @property
    def clean(self) -> bool:
        """Every row of the file is accepted or left out on purpose (a total row): nothing refused."""
        return self.ok and self.problems.filter(~pl.col("code").is_in(validate.NOTE_CODES)).height == 0

    @property
    def problem_total(self) -> int:
        """How many problems the file has (``problems`` may list only the first of them)."""
        return sum(self.problem_counts.values()) if self.problem_counts else self.problems.height

    def rejected_csv(self, *, lang: str) -> bytes:
        """The rejected rows as a CSV for Excel (UTF-8 with BOM), problems in ``lang``."""
        lang = normalise_lang(lang)
        frame = self.rejected.drop("problem").join(
            self._messages.select("row", pl.col(f"message_{lang}").alias("problem")), on="row", how="left",
            maintain_order="left").with_columns(pl.col("problem").fill_null(t("ingest.problem_not_listed", lang)))
        return validate.rejected_csv_bytes(frame, lang=lang)


#: Rows checked at a time (see :class:`Parsed`).
SLICE_ROWS = 250_000


@dataclass
class Parsed:
    """A file's rows parsed and resolved (:func:`_parse_resolve`)."""

    #: every row: its raw cells, ``__i_{field}`` and ``__pair`` (its values' positions in their
    #: tables), ``channel`` and ``is_total``
    base: pl.DataFrame
    #: ``rows(offset, length)``: those rows of ``base`` with every column of their values' tables
    rows: Callable[[int, int], pl.DataFrame]
    shape: str
    #: per kind of name: the column of ``base`` that numbers its lookup table's rows, and the table
    suggested: dict[str, tuple[str, pl.DataFrame]]
    #: IDs kept in another spelling (:func:`_one_spelling`)
    respelled: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ID_SPELLINGS))


@cache
def _default_services() -> ServiceResolver:
    return ServiceResolver(load_catalogue())


@cache
def _catalogue() -> pl.DataFrame:
    return load_catalogue().select("service_code", pl.col("channel").alias("svc_channel"),
                                   pl.col("category_code").alias("service_category"), "name_en", "name_bn",
                                   "fee_min_bdt", "fee_max_bdt")


def _json(**params: object) -> str:
    return json.dumps(params, ensure_ascii=False)


def _failed(result: IngestResult, problems: list[dict], *, file_name: str, lang: str, namer: validate.Namer,
            ) -> IngestResult:
    raw = pl.DataFrame(problems, schema=validate.RAW_SCHEMA)
    result.problems = _public(validate.with_messages(raw, namer=namer), file_name=file_name, sheet=result.sheet,
                              lang=lang)
    return result


def _public(problems: pl.DataFrame, *, file_name: str, sheet: str | None, lang: str) -> pl.DataFrame:
    return problems.select(
        pl.lit(file_name, pl.String).alias("file"), pl.lit(sheet, pl.String).alias("sheet"),
        pl.col("row").cast(pl.Int32), "column", "code", "value", pl.col(f"message_{lang}").alias("message"))


def ingest_bytes(data: bytes, *, file_name: str, upload_id: str, lang: str = "bn", period: Period | None = None,
                 sheet: str | None = None, mapping: dict[str, str] | None = None, limits: Limits = Limits(),
                 gazetteer: Gazetteer | None = None, services: ServiceResolver | None = None,
                 date_order: str | None = None, decisions: pl.DataFrame | None = None,
                 known_ids: pl.Series | None = None) -> IngestResult:
    """Read, map, parse and check one uploaded file. See the module docstring for the rules.

    ``date_order`` ("dmy", "mdy", "ymd") is the user's word on how numeric dates are written
    (None: decide from the file); ``decisions`` (:data:`analytics.ingest.decisions.SCHEMA`) are the
    names people decided before; ``known_ids``: the entrepreneur IDs stored already (an ID written
    in another spelling of one of them is kept in the stored spelling: :func:`_one_spelling`).
    Never raises on bad input: an unexpected failure is logged and reported as an ``unreadable`` file.
    """
    _check_order(date_order)
    return _guarded([data], file_name=file_name, upload_id=upload_id, lang=normalise_lang(lang), period=period,
                    sheet=sheet, mapping=mapping, limits=limits, gazetteer=gazetteer or Gazetteer.load(),
                    services=services or _default_services(), date_order=date_order, decisions=decisions,
                    known_ids=known_ids)


def _check_order(date_order: str | None) -> None:
    if date_order is not None and date_order not in V.DATE_ORDERS:
        raise ValueError(f"date_order must be one of {V.DATE_ORDERS}, not {date_order!r}")


def _guarded(source: list[bytes | Table | dict], **options) -> IngestResult:
    """:func:`_ingest`, never raising (see :func:`ingest_bytes`). ``source`` holds the file's bytes
    (or what :func:`_read` made of them); :func:`_ingest` takes them out, so that when the list held
    the only reference they are freed once read."""
    try:
        return _ingest(source, **options)
    except Exception as error:  # a bug must not take the upload page down with it
        gaz = options["gazetteer"]
        result = IngestResult(schema.empty_log(), validate.empty_problems(),
                              pl.DataFrame(schema={"row": pl.Int32, "problem": pl.String}))
        namer = validate.Namer(place=lambda code, lg: gaz.name(code, lang=lg), service=lambda code, lg: code)
        if isinstance(error, MemoryError) or "memory" in str(error).lower():  # the isolated reader's limit
            problem = validate.file_problem("too_large_to_read", reason="memory")
        else:
            logging.getLogger(__name__).exception("ingest of %s failed", options["file_name"])
            problem = validate.file_problem("unreadable", reason="internal")
        return _failed(result, [problem], file_name=options["file_name"], lang=options["lang"], namer=namer)


def ingest_isolated(data: bytes | Path, *, file_name: str, upload_id: str, lang: str = "bn",
                    period: Period | None = None, sheet: str | None = None, mapping: dict[str, str] | None = None, limits: Limits = Limits(),
                    date_order: str | None = None, decisions: pl.DataFrame | None = None,
                    prepare_in: Path | None = None, known_ids: pl.Series | None = None) -> IngestResult:
    """:func:`ingest_bytes` in a child process with memory and time limits (:mod:`analytics.ingest.isolation`),
    with the default gazetteer and catalogue. A file that hits a limit is refused as
    ``too_large_to_read``; the calling process (the app every viewer shares) is never at risk.

    ``data``: the file's bytes, or the path of the file (the child reads it, and the caller need
    not hold it); the result's ``content_hash`` is the hash of the bytes checked (and of ``sheet``,
    when one is asked for: :func:`analytics.ingest.digest.content_hash`).

    ``prepare_in``: a folder the caller keeps until it has committed; the child writes the accepted
    rows there as the store keeps them, and the result's ``frame`` is that
    :class:`analytics.store.parts.Prepared` (for :meth:`analytics.store.protocol.Store.commit_many`):
    the rows need not pass between the processes, nor be sorted and written by the caller."""
    import shutil
    import tempfile

    from analytics.ingest import isolation

    folder = tempfile.mkdtemp(prefix="seba-atlas-ingest-")
    try:
        # the bytes go to the child as a file, not through its pipe: it frees them once it has read them
        upload = data.absolute() if isinstance(data, Path) else Path(folder) / "upload"  # the child's cwd differs
        if not isinstance(data, Path):
            upload.write_bytes(data)
        result = isolation.run_limited(_ingest_file, str(upload), str(Path(folder) / "frame.arrow"),
                                       file_name=file_name, upload_id=upload_id, lang=lang, period=period,
                                       sheet=sheet, mapping=mapping, limits=limits, date_order=date_order,
                                       decisions=decisions, prepare_in=prepare_in and str(prepare_in.absolute()),
                                       known_ids=known_ids)
        if isinstance(result.frame, (str, pl.DataFrame)):  # not Prepared files
            frame = pl.read_ipc(result.frame) if isinstance(result.frame, str) else result.frame
            result.frame = schema.conform(frame).collect()  # the text categorical in the child: text again
        return result
    except isolation.LimitExceeded as error:
        kind = error.kind
    except RuntimeError:
        logging.getLogger(__name__).exception("isolated ingest of %s failed", file_name)
        kind = "memory"
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    result = IngestResult(schema.empty_log(), validate.empty_problems(),
                          pl.DataFrame(schema={"row": pl.Int32, "problem": pl.String}))
    return _failed(result, [validate.file_problem("too_large_to_read", reason=kind)], file_name=file_name,
                   lang=normalise_lang(lang), namer=validate.Namer.plain())


def _sheet_names_of(path: str, file_name: str) -> list[str]:
    return sheet_names(Path(path).read_bytes(), file_name=file_name)


def sheet_names_isolated(data: bytes, *, file_name: str, seconds: float = 30) -> list[str]:
    """:func:`analytics.ingest.readers.sheet_names` in a child process under the memory and time
    limits of :func:`ingest_isolated`: a workbook's list of sheets is read by calamine, which a
    hostile workbook (4 MB unpacking to a string table of gigabytes) made take the app's whole
    memory, every viewer's. ``[]`` when the child hits a limit: the ingest then refuses the file
    and says why."""
    import shutil
    import tempfile

    from analytics.ingest import isolation

    folder = tempfile.mkdtemp(prefix="seba-atlas-sheets-")
    try:
        path = Path(folder) / "upload"
        path.write_bytes(data)
        return isolation.run_limited(_sheet_names_of, str(path), file_name, seconds=seconds)
    except (isolation.LimitExceeded, RuntimeError):
        logging.getLogger(__name__).info("sheet names of %s not read within the limits", file_name, exc_info=True)
        return []
    finally:
        shutil.rmtree(folder, ignore_errors=True)


#: Files the isolated child read ahead (:func:`prefetch`): path -> (size and time before and after
#: reading, the bytes' hash, the table or the problem that refuses the file).
_AHEAD: dict[str, tuple[tuple, Future, Table | dict]] = {}
#: Hashes a file's bytes while polars reads them (hashlib lets go of the GIL).
_HASHING = ThreadPoolExecutor(max_workers=1)
#: Threads loading what every check needs (:func:`_references`) while a file is read ahead.
_LOADING: list[threading.Thread] = []


def _references() -> None:
    """Load (and cache) the gazetteer, the service catalogue and its matcher, and the messages."""
    Gazetteer.load()
    _default_services()
    _catalogue()
    strings()
    import analytics.store.parts  # noqa: F401 - what writes the rows at the end, when asked


def prefetch(upload: str) -> None:
    """Read the file ``upload`` ahead, in the isolated child a command line started early
    (:func:`analytics.ingest.isolation.prestart`), while that command line gets ready.
    :func:`_ingest_file` uses what was read if the same file, unchanged, is then asked for with
    the default sheet and limits. Never raises: a file it cannot read is simply read again.

    While polars reads (in Rust, without the GIL), a thread loads the gazetteer, the service
    catalogue and the messages, which the check needs next."""
    _LOADING.append(threading.Thread(target=_references, daemon=True))
    _LOADING[-1].start()
    try:
        file = Path(upload)
        read = read_ahead(upload)  # (read while this module was imported)
        before, data, after = read if read else (stamp(file), file.read_bytes(), None)
        if after is not None and after != before:  # changed while it was read
            return
        data = [data]
        digest = _HASHING.submit(content_hash, data[0])
        table = _read(data, file_name=file.name, sheet=None, limits=Limits())
        _AHEAD[str(file)] = ((before, stamp(file)), digest, table)
    except Exception:  # noqa: BLE001 - only a head start: the real read reports any problem
        logging.getLogger(__name__).info("read-ahead of %s failed", upload, exc_info=True)


def _ingest_file(upload: str, path: str, *, lang: str, prepare_in: str | None = None, **options: object) -> IngestResult:
    """:func:`ingest_bytes` of the file ``upload`` in the isolated child: the accepted rows go back
    as an Arrow file at ``path`` (``frame`` holds the path), far cheaper than through a pipe as a
    pickle; or, given ``prepare_in``, written there as the store keeps them (``frame`` is the
    :class:`analytics.store.parts.Prepared` files)."""
    _check_order(options.get("date_order"))  # type: ignore[arg-type]
    while _LOADING:  # what a read-ahead started loading, once
        _LOADING.pop().join()
    file = Path(upload)
    ahead = _AHEAD.pop(str(file), None)
    if ahead is not None and ahead[0] == (stamp(file), stamp(file)) and options.get("sheet") is None \
            and options.get("limits") == Limits() and options.get("file_name") == file.name:
        _, digest, table = ahead
        source: list = [table]
    else:
        source = [file.read_bytes()]
        digest = _HASHING.submit(content_hash, source[0])
    # the rows' text stays categorical until the parent has read them (ingest_isolated): a smaller
    # file, faster written and read, and no text made here for each row
    result = _guarded(source, lang=normalise_lang(lang), gazetteer=Gazetteer.load(), services=_default_services(),
                      text=pl.Categorical(), **options)
    # (a CSV file has no sheets; a sheet asked for is named as the workbook names it: "july" is "July")
    sheet = result.sheet if options.get("sheet") is not None else None
    result.content_hash = digest.result() if sheet is None else sheet_hash(digest.result(), str(sheet))
    if result.frame.height and prepare_in:
        from analytics.store.parts import prepare

        result.frame = prepare(result.frame, upload_id=str(options["upload_id"]), folder=Path(prepare_in))
    elif result.frame.height:
        result.frame.write_ipc(path, compression="uncompressed")
        result.frame = path  # type: ignore[assignment] - read back by ingest_isolated
    return result


def _read(data: list[bytes], *, file_name: str, sheet: str | None, limits: Limits) -> Table | dict:
    """The file's table, or the problem (:func:`analytics.ingest.validate.file_problem`) that refuses it.
    ``data`` holds the file's bytes, and is emptied (the bytes are freed once read)."""
    size = len(data[0])
    if size > limits.max_bytes:
        return validate.file_problem("file_too_large", size=size, limit=limits.max_bytes)
    try:
        return read_table(data, file_name=file_name, sheet=sheet)
    except ReadError as error:
        return validate.file_problem(error.code, **error.params)


def _ingest(source: list[bytes | Table | dict], *, file_name: str, upload_id: str, lang: str,
            period: Period | None, sheet: str | None, mapping: dict[str, str] | None, limits: Limits,
            gazetteer: Gazetteer, services: ServiceResolver, date_order: str | None,
            decisions: pl.DataFrame | None, text: pl.DataType = pl.String(),
            known_ids: pl.Series | None = None) -> IngestResult:
    """See :func:`ingest_bytes`; ``text``: the type of the accepted rows' text columns
    (:func:`analytics.reference.schema.conform`)."""
    gaz, resolver = gazetteer, services
    catalogue = _catalogue()
    names = dict(zip(catalogue["service_code"], zip(catalogue["name_en"], catalogue["name_bn"])))
    namer = validate.Namer(place=lambda code, lg: gaz.name(code, lang=lg),
                           service=lambda code, lg: names[code][lg == "bn"] if code in names else code)
    result = IngestResult(schema.empty_log(), validate.empty_problems(),
                          pl.DataFrame(schema={"row": pl.Int32, "problem": pl.String}))
    fail = lambda *problems: _failed(result, list(problems), file_name=file_name, lang=lang, namer=namer)  # noqa: E731

    table = _read(source, file_name=file_name, sheet=sheet, limits=limits) if isinstance(source[0], bytes) \
        else source.pop()  # the bytes are let go once read
    if isinstance(table, dict):
        if table["code"] == "ambiguous_sheet":  # the sheets that look like logs: the page offers them
            result.log_sheets = list(json.loads(table["params"] or "{}").get("sheets", []))
        return fail(table)
    result.encoding, result.sheet, result.header_row = table.encoding, table.sheet, table.header_row
    result.log_sheets = table.log_sheets

    internal = {label: f"__c{i}" for i, label in enumerate(table.headers)}
    body = table.frame.rename(internal)
    cells = list(internal.values())
    if not cells or not _written(body[cells[0]]).all():
        body = body.filter(pl.any_horizontal(_written(body[c]) for c in cells))
    result.rows_read = body.height
    empty = [label for label, c in internal.items() if body[c].null_count() == body.height]
    headers = map_headers(table.headers, mapping=mapping, empty=empty)
    # columns whose cells decide what they are: one headed "Citizens" (their names, or how many), and,
    # with no count column, one no heading explains ("Number"): counts, each row is not one person
    # a column headed with the people served whose cells are words, not counts, is their names
    # ("Beneficiary" beside "Beneficiaries", or beside "Male | Female"): left out (map_headers)
    served = [h for h, f in headers.columns.items() if f == "beneficiaries"] + [
        h for h, total in headers.beside_total.items() if headers.columns.get(total) == "beneficiaries"]
    named = [label for label in served if label not in empty and _names_not_counts(body[internal[label]])]
    if named:
        headers = map_headers(table.headers, mapping=mapping, empty=empty, names=named)
    looked = [*headers.people, *(headers.unmapped if "beneficiaries" not in headers.fields else [])]
    if looked:
        counts = [label for label in looked if _count_like(body[internal[label]], strict=label not in headers.people
                                                           and not count_heading(label))]
        headers = map_headers(table.headers, mapping=mapping, empty=empty, counts=counts, names=named)
    # a column of people (and one of money) per entrepreneur: "নারী উদ্যোক্তা | পুরুষ উদ্যোক্তা" over
    # "সংখ্যা | আয়", "Shirin (UDC-…) Qty | Shirin Fee | Jahid (UDC-…) Qty | ...": one row can be read only
    # as the first one's, or as their sum with one's income (a probe's file, stored Tk 1,315 of Tk 2,280)
    per_person = [h for h in table.headers if _ENTREPRENEUR_MARK.search(h) and h not in headers.dropped_pii
                  and headers.columns.get(h) in (None, "beneficiaries") and h in internal
                  and (headers.columns.get(h) == "beneficiaries" or _count_like(body[internal[h]], strict=False))
                  and not body[internal[h]].is_null().all()]
    both = headers.duplicates.get("service", [])
    if len(both) > 1 and not set(mapping or {}) & set(both):
        # "সেবার ধরন | সেবার নাম", "Service Type | Service": a kind of service (সরকারি / বেসরকারি) beside
        # the service's name. The one column whose cells are services is the service; the others, none of
        # whose cells is one, are not used (a probe's file was refused, asking which to delete)
        shares = {h: _service_share(body[internal[h]], resolver) for h in both}
        services = [h for h, share in shares.items() if share >= 0.5]
        if len(services) == 1 and all(shares[h] == 0 for h in both if h not in services):
            for header in both:
                if header not in services:
                    del headers.columns[header]
                    headers.unmapped.append(header)
            del headers.duplicates["service"]
    if headers.count_parts:  # "Male | Female" and no total: the count is their sum (one column, said so)
        parts = " + ".join(headers.count_parts)
        internal[parts] = "__count_parts"
        body = body.with_columns(_summed([pl.col(internal[h]).cast(pl.String) for h in headers.count_parts])
                                 .alias("__count_parts"))
        headers.columns = {h: f for h, f in headers.columns.items() if h not in headers.count_parts[1:]}
        headers.columns = {(parts if h == headers.count_parts[0] else h): f for h, f in headers.columns.items()}
    # "Male | Female | Total" with the total left blank on a row: its count is the sum of its parts
    # (a probe's file stored 11 people of 21, "each counted as one person"); said, and the rows the
    # user rejects get back the total as written
    total, as_written, from_parts = headers.field_column("beneficiaries"), None, None
    sexes = [h for h, whole in headers.beside_total.items() if whole == total and sex_part(h) and h in internal]
    if total in internal and len(sexes) >= 2:
        given = pl.col(internal[total]).cast(pl.String)
        summed = _summed([pl.col(internal[h]).cast(pl.String) for h in sexes])
        blank = V.clean(given).is_null() & ~V.dash_only(given)
        from_parts = body.filter(blank & summed.is_not_null())[ROW]
        if from_parts.len():
            as_written = body[internal[total]]
            body = body.with_columns(pl.when(blank).then(summed).otherwise(given).alias(internal[total]))
    day = next((h for h in headers.unmapped if header_key(h) in DAY_HEADINGS), None)
    if day is not None and "date" not in headers.fields and {"month", "year"} <= headers.fields:
        # the date in three columns ("Day | Month | Year"): one date, year first, read as written
        month, year = headers.field_column("month"), headers.field_column("year")
        label = f"{day} / {month} / {year}"
        internal[label] = "__date_parts"
        body = body.with_columns(_date_of_parts(*(pl.col(internal[h]) for h in (day, month, year))).alias("__date_parts"))
        headers.columns = {h: f for h, f in headers.columns.items() if h not in (month, year)} | {label: "date"}
        headers.unmapped = [h for h in headers.unmapped if h != day]
        headers.unread_counts = [h for h in headers.unread_counts if h != day]  # (days, not people)
    fee_total = _fee_and_total(body, internal, headers)  # a fee and a total of money: which is the row's
    # (parts left out for the total beside them are known, not columns to name: said apart)
    result.beside_total = {h: total for h, total in headers.beside_total.items() if h in headers.unmapped}
    result.unmapped = [h for h in headers.unmapped if h not in result.beside_total]
    result.columns, result.dropped_pii = headers.columns, headers.dropped_pii
    result.fee_per_unit = headers.fee_per_unit
    result.shape = shape = detect_shape(headers.fields)

    problems = [validate.file_problem("bad_mapping", column=h, field=f, fields=list(FIELDS))
                for h, f in headers.invalid_mapping.items()] + ([fee_total] if fee_total else [])
    if not headers.fields & set(LOG_FIELDS):
        headings = pl.Series(table.headers, dtype=pl.String)
        typed = [h for h, is_bijoy in zip(table.headers, V.bijoy(headings)) if is_bijoy]
        lost = [h for h, gone in zip(table.headers, V.letters_lost(headings)) if gone]
        problems.append(validate.file_problem("bijoy_text", value=typed[0]) if typed
                        else validate.file_problem("letters_lost", value=lost[0]) if lost
                        else validate.file_problem("no_columns", headers=list(table.headers)))
    elif len(months := _month_columns(table.headers) if shape == "unknown" else []) >= 2:
        # a summary with a column per month ("Service | July | August", "Count Jul-23 | Fee Jul-23"): that alone
        problems = [validate.file_problem("months_as_columns", value=months[0], months=months)]
    elif "service" not in headers.fields and len(named := _service_columns(
            [h for h in table.headers if h not in headers.columns], resolver)) >= 2:
        # a form with a column (or two: number, fee) per service ("জন্ম নিবন্ধন | সংখ্যা, টাকা"): that alone
        problems = [validate.file_problem("services_as_columns", value=named[0], services=named)]
        result.beside_total, result.unmapped = {}, []  # (its columns are the services': not parts, nor to name)
    elif len(per_person) >= 2 and not set(mapping or {}) & set(per_person):
        problems = [validate.file_problem("entrepreneurs_as_columns", value=per_person[0], headers=per_person)]
        result.beside_total, result.unmapped = {}, []  # (its columns are the entrepreneurs': nothing to name)
    else:
        problems += [validate.file_problem("duplicate_column", value=f, field=f, headers=hs)
                     for f, hs in headers.duplicates.items()]
        problems += [validate.file_problem("count_column_unread", column=h, value=h) for h in headers.unread_counts]
        fee = headers.field_column("fee")
        if fee is not None and _IN_THOUSANDS.search(fee):  # rounded figures: no delivery's exact fee
            problems.append(validate.file_problem("fee_in_thousands", column=fee, value=fee))
        if shape == "unknown":
            problems.append(validate.file_problem("missing_column", value="date_or_month", field="date_or_month"))
        if "service" not in headers.fields:
            problems.append(validate.file_problem("missing_column", value="service", field="service"))
    if problems:
        return fail(*problems)
    if body.height == 0:
        return fail(validate.file_problem("header_only"))
    if body.height > limits.max_rows:
        return fail(validate.file_problem("too_many_rows", rows=body.height, limit=limits.max_rows))
    # places and services are matched name by name: a column of more different names than any log has is
    # junk (two million of them took the reader its whole time limit), refused before any pass over them
    placed = [h for h in (headers.field_column(f) for f in ("union", "upazila", "service")) if h is not None]
    kinds = dict(zip(placed, body.select(pl.col(internal[h]) for h in placed).select(pl.all().n_unique()).row(0))) \
        if placed else {}
    if crowded := [(h, n) for h, n in kinds.items() if n > limits.max_names]:
        return fail(*(validate.file_problem("too_many_names", column=h, value=h, count=n, limit=limits.max_names)
                      for h, n in crowded))

    # lines of words under the table ("Prepared by: ...", "স্বাক্ষর"), and the header row again (blocks
    # pasted one under another): no delivery, left out and noted
    whole = body if as_written is None else body.with_columns(as_written)  # (the rows as written, for the rejected)
    lines = _note_lines(body, cells).with_columns(pl.lit("note_row").alias("code"))
    lines = pl.concat([lines, _heading_rows(body, {internal[h]: (h, f) for h, f in headers.columns.items()}),
                       _month_headings(body, cells, [internal[h] for h in (headers.field_column(f) for f in (
                           "date", "month", "serial")) if h is not None]), _layout_rows(body, cells)]).unique(
        ROW, keep="first", maintain_order=True)
    tables, second = _second_tables(body.join(lines, on=ROW, how="anti", maintain_order="left") if lines.height
                                    else body, cells)
    if second:
        return fail(second)
    lines = pl.concat([lines, tables])
    if lines.height:
        body = body.join(lines, on=ROW, how="anti", maintain_order="left")
    body, filled = _fill_ditto(body, {internal[h]: h for h in headers.columns})
    result.ditto = filled
    label = {f: headers.field_column(f) for f in LOG_FIELDS}
    present = {f for f, lab in label.items() if lab is not None}
    # columns no field reads where "মোট" may be written: the serial's (merged over the first cells), remarks
    marks = {f"raw_{f}": headers.field_column(f) for f in ("serial", "remarks") if headers.field_column(f)}
    work = body.select(ROW, *(pl.col(internal[label[f]]).alias(f"raw_{f}") for f in present),
                       *([pl.col(EXTRA).alias("raw_extra")] if EXTRA in body.columns else []),
                       *(pl.col(internal[heading]).alias(name) for name, heading in marks.items()))
    distinct, positions = _positions(work)  # each column's distinct cells, each read once below
    stamp = next((f for f in ("date", "month") if f in present), None)  # the column that dates the rows
    if stamp is not None:  # (a summary's months may be written as dates too: 7/1/2023)
        order, problem, readings = _date_order(work.select(ROW, pl.col(f"raw_{stamp}").alias("raw_date")),
                                               distinct[stamp], given=date_order)
        result.date_order, result.date_readings = order, readings
        if problem:
            return fail(problem)
        if date_order == "dmy" and V.swapped_by_excel(distinct[stamp]).height:
            # typed day first, read month first by Excel: the date cells' day and month go back
            distinct[stamp] = pl.Series(distinct[stamp].name, distinct[stamp].cast(pl.String)).to_frame().select(
                V.swap_day_and_month(pl.col(distinct[stamp].name))).to_series()
    if stamp == "month" and date_order is None:  # months written as the 1st of a month, month first
        months = V.month_readings(distinct["month"])
        if months.height:
            dated = work.select(ROW, pl.col("raw_month").cast(pl.String).alias("text")).join(months, on="text")
            result.date_readings = dated.group_by("text", maintain_order=True).agg(
                pl.len().cast(pl.UInt32).alias("rows"), pl.col("dmy", "mdy").first()).head(8).select(
                "text", "rows", "dmy", "mdy")
            return fail(validate.file_problem("month_order_unclear", value=months["text"][0],
                                              rows_mdy=dated.sort(ROW)[ROW].head(10).to_list()))
    # how a bad date is asked to be written: as the file's other dates are typed (year first, month
    # first); a workbook's date cells, which the reader gives year first, are not typed so
    written = result.date_order or "dmy"
    if written == "dmy" and stamp == "date" and distinct["date"].len():
        texts = distinct["date"].cast(pl.String).drop_nulls()
        texts = texts.filter(~texts.str.contains(V.DATE_CELL))
        written = "ymd" if texts.len() and texts.str.contains(r"^\s*[0-9০-৯]{4}\s*[-/.]").mean() > 0.5 else written
    read = set(present)  # the fields read from a column of their own
    labels = [_total_cells(work[name], among=name == "raw_serial") for name in marks]
    parsed = _parse_resolve(work, distinct, positions, present, shape, period=period, date_order=result.date_order or "dmy", gaz=gaz,
                            resolver=resolver, catalogue=catalogue, decisions=decisions, totals=labels,
                            known_ids=known_ids)
    result.shape = shape = parsed.shape
    result.id_spellings = parsed.respelled
    base = parsed.base
    if shape == "summary" and "month" not in present:  # a Date column holding months
        label["month"], present = label["date"], present | {"month"}
    # the front desk's upazila (a gazetteer without sites: the office's town, Pirojpur Sadar)
    dc_upazila = gaz.dc_office_upazila() or gaz.resolve("Pirojpur Sadar", level="upazila").pcode

    udc_rows = base.filter(pl.col("channel") == "udc").height > 0
    # (a log with no entrepreneur ID column is kept as a summary is: who served is not known, said once)
    needed = (["beneficiaries"] if shape == "summary" else []) + (["union", "fee"] if udc_rows else [])
    missing = [f for f in needed if f not in present]
    if missing:
        return fail(*(validate.file_problem("missing_column", value=f, field=f) for f in missing))

    # checked, counted and put in canonical form a slice at a time on each of two threads (polars
    # lets go of the GIL; results in slice order): every row with every column of its values'
    # tables at once would take a gigabyte for a million rows
    today = date.today()

    def checked(offset: int) -> tuple[pl.DataFrame, tuple[pl.DataFrame, pl.DataFrame], pl.DataFrame]:
        work = parsed.rows(offset, SLICE_ROWS)
        if headers.fee_per_unit:  # the fee of one person served: the row's is it times the count
            work = work.with_columns(pl.col("fee_v") * pl.col("count_v").fill_null(1).cast(pl.Int64))
        # in one pass: free services' rows with no fee (a note), what the rows add up to (checked against
        # the sheet's own "মোট" row, said below)
        rows = ~pl.col("is_total")
        # (a log's rows with the number served left empty: one person each, said with their count)
        blank = [pl.col(ROW).filter(rows & pl.col("beneficiaries").is_null()).implode().alias("blank")] \
            if shape == "transactions" and "beneficiaries" in work.columns else []
        rows_sum = work.select(
            (validate.free_without_fee() if "fee" in work.columns else pl.lit(False)).sum().alias("free"),
            pl.col("count_v").fill_null(1).filter(rows).sum().alias("people"),
            pl.col("fee_v").filter(rows).sum().alias("fee"), pl.col(ROW).filter(rows).max(), *blank)
        said = work.filter(pl.col("is_total")).select(ROW, pl.col("count_v").alias("people"), pl.col("fee_v").alias("fee"))
        return (validate.row_checks(work, label, shape=shape, period=period, today=today,
                                    date_order=written, fee_per_unit=headers.fee_per_unit),
                _names_counts(work, present),
                schema.conform(_canonical(work.lazy(), shape=shape, dc_upazila=dc_upazila, upload_id=upload_id),
                               text=text).collect(), rows_sum, said)

    with ThreadPoolExecutor(max_workers=2) as pool:
        slices = list(pool.map(checked, range(0, base.height, SLICE_ROWS)))
    checks, counted, canonical = ([part[i] for part in slices] for i in range(3))
    sums = pl.concat([part[3] for part in slices])
    result.free_without_fee = int(sums["free"].sum())
    result.total_differs = _total_differs(sums, pl.concat([part[4] for part in slices]), per_unit=headers.fee_per_unit)
    questions, matches = _names_report(counted, parsed.suggested)
    typed = questions.filter(V.bijoy(questions["value"]))
    if typed.height and 2 * typed.height >= questions.height:  # names typed with Bijoy: not names to decide
        return fail(validate.file_problem("bijoy_text", value=typed["value"][0]))
    lost = questions.filter(V.letters_lost(questions["value"]))
    if lost.height and 2 * lost.height >= questions.height:  # names whose letters the file lost: no answer
        # could be right, nor kept for later files (one "??" among names is a slip, asked about as it is)
        return fail(validate.file_problem("letters_lost", value=lost["value"][0]))
    result.questions, result.matches = questions, matches
    raw = pl.concat([*checks, lines.select(pl.col(ROW).alias("row"), pl.lit(None, pl.String).alias("column"),
                                           "code", "value", pl.lit(None, pl.String).alias("params"))])
    if period is None and stamp is not None:  # (a period chosen refuses every date outside it already)
        # the quarters from the dates alone (a million rows: a few ms); the rows and their cells only when
        # some are far from the rest
        dates = pl.concat([part["date"] for part in canonical]).filter(~base["is_total"])
        if validate.stray_quarters(dates)[0]:
            dated = pl.concat([part.select(pl.col("source_row").alias("row"), "date") for part in canonical]).join(
                base.select(pl.col(ROW).alias("row"), pl.col(f"raw_{stamp}").alias("value"), "is_total"), on="row")
            raw = pl.concat([raw, validate.stray_date_problems(dated.filter(~pl.col("is_total")),
                                                               column=headers.field_column(stamp))])
    if "gender" in present:  # one entrepreneur, one gender (the rows and their cells only when some differ)
        people = pl.concat([part.select(pl.col("source_row").alias("row"), pl.col("entrepreneur_id").alias("id"),
                                        pl.col("entrepreneur_gender").alias("gender")) for part in canonical])
        pairs = people.lazy().drop_nulls(["id", "gender"]).unique(["id", "gender"])
        if pairs.select(pl.col("id").is_duplicated().any()).collect().item():
            people = people.join(base.select(pl.col(ROW).alias("row"), pl.col("raw_gender").alias("value")), on="row")
            raw = pl.concat([raw, validate.gender_conflicts(people, column=headers.field_column("gender"))])
    reference = headers.field_column("reference")
    rows = body.with_columns(base["is_total"]).lazy().filter(~pl.col("is_total"))
    if reference is not None:
        service, day = headers.field_column("service"), headers.field_column("date") or headers.field_column("month")
        raw = pl.concat([raw, validate.repeated_reference_problems(
            rows, internal[reference], column=reference, service=internal[service] if service else None,
            day=internal[day] if day else None).collect()])
    position = {lab: i for i, lab in enumerate(table.headers)}
    raw = raw.with_columns(pl.col("column").replace_strict(position, default=len(position), return_dtype=pl.Int32)
                           .alias("__position")).sort("row", "__position", maintain_order=True).drop("__position")
    bad = raw.select(pl.col("row").unique())
    # repeats among the rows kept (each counted as a delivery): not the rows left out or refused, such as
    # a register's numbered lines with nothing written on them
    kept = (lambda frame: frame) if bad.height == 0 else (lambda frame: frame.filter(~pl.col(ROW).is_in(bad["row"].implode())))
    key = [internal[lab] for lab in table.headers if headers.columns.get(lab) != "serial"]
    codes = {internal[label[f]]: f"__i_{f}" for f in read}
    result.repeated_rows = validate.repeated_rows(  # over the raw values' positions when every key column has them
        kept(base.lazy().filter(~pl.col("is_total"))), [codes[c] for c in key]) if all(c in codes for c in key) \
        else validate.repeated_rows(kept(rows), key)
    if "blank" in sums.columns:  # (of the rows accepted)
        result.count_blank_rows = sums["blank"].explode().drop_nulls().is_in(bad["row"].implode()).not_().sum()
    if from_parts is not None:  # (of the rows accepted)
        result.count_from_parts = from_parts.is_in(bad["row"].implode()).not_().sum()
        result.count_parts_summed, result.count_total_column = sexes, total
    result.problem_counts = dict(raw.group_by("code").len().sort("len", descending=True).iter_rows())
    if raw.height > L.MAX_PROBLEM_ROWS:  # junk: report the first ones and one of each kind, count the rest
        first_of_kind = raw.unique(["code", "column"], keep="first", maintain_order=True)
        raw = pl.concat([raw.head(L.MAX_PROBLEM_ROWS), first_of_kind]).unique(maintain_order=True).sort(
            "row", maintain_order=True)
    messages = validate.with_messages(raw, namer=namer)
    result.problems = _public(messages, file_name=file_name, sheet=table.sheet, lang=lang)
    accepted = pl.concat(canonical)
    result.frame = accepted if bad.height == 0 else accepted.filter(~pl.col("source_row").is_in(bad["row"].implode()))
    if shape == "transactions" and "entrepreneur_id" not in present:
        result.unnamed_udc_rows = result.frame.select((pl.col("channel") == "udc").sum()).item()
    per_row = messages.group_by("row", maintain_order=True).agg(
        pl.col("message_en").str.join(" | "), pl.col("message_bn").str.join(" | "))
    result._messages = per_row
    ours = {header_key(t(key, lg)) for key in ("ingest.rejected.row", "ingest.rejected.problem") for lg in LANGS}
    keep = [lab for lab in table.headers if lab not in headers.dropped_pii and header_key(lab) not in ours | {
        "row", "problem"}]  # a re-uploaded rejection file brings our own Row and Problem columns back
    rejected = whole.join(bad, left_on=ROW, right_on="row", how="semi", maintain_order="left")
    result.rejected = rejected.select(*(pl.col(internal[lab]).cast(pl.String).alias(lab) for lab in keep),
                                      pl.col(ROW).alias("row")).join(
        per_row.select("row", pl.col(f"message_{lang}").alias("problem")), on="row", how="left")
    return result


def _date_order(work: pl.DataFrame, dates: pl.Series, *, given: str | None) -> tuple[str, dict | None, pl.DataFrame]:
    """How the file writes numeric dates, decided from all of them (``dates``: the distinct cells of
    the date column); a file problem when it cannot be.

    Returns (order, problem or None, example readings both ways when the user must choose).
    """
    readings = pl.DataFrame(schema={"text": pl.String, "rows": pl.UInt32, "dmy": pl.Date, "mdy": pl.Date})
    swapped = V.swapped_by_excel(dates) if given != "mdy" else pl.DataFrame()
    if swapped.height and given is None:  # Excel read dates typed day first as month first: which were they?
        rows = (work.select(ROW, pl.col("raw_date").cast(pl.String).alias("text")).join(swapped, on="text")
                .sort(ROW))
        # (each cell as it was typed, day first, not as the reader gives it: 2022-05-07 00:00:00)
        readings = rows.group_by("text", maintain_order=True).agg(
            pl.len().cast(pl.UInt32).alias("rows"), pl.col("dmy", "mdy").first()).head(8).select(
            pl.col("dmy").dt.strftime("%d/%m/%Y").alias("text"), "rows", "dmy", "mdy")
        first = rows.row(0, named=True)  # (the first row's cell)
        said = dict(value=first["text"], held=first["mdy"].isoformat(), typed=first["dmy"].isoformat(),
                    rows_mdy=rows[ROW].head(10).to_list())
        if "dmy_only" not in set(V.date_order_evidence(dates.cast(pl.String))["reads"]):  # no typed date beside them
            spread = V.cells_spread(swapped)
            return "dmy", validate.file_problem("date_cells_spread", **said, dmy_quarters=spread["dmy"],
                                                mdy_quarters=spread["mdy"]), readings
        return "dmy", validate.file_problem("dates_swapped_by_excel", **said), readings
    if given is not None:
        return given, None, readings
    distinct = pl.DataFrame({"raw_date": dates}).with_columns(V.clean(pl.col("raw_date")).alias("text"))
    evidence = V.date_order_evidence(distinct["text"])
    reads = set(evidence["reads"])
    texts = lambda: work.select(ROW, pl.col("raw_date").cast(pl.String)).join(  # noqa: E731
        distinct, on="raw_date").select(ROW, "text")
    if not reads & {"mdy_only", "dmy_only"}:  # every date reads either way: which way makes a log of them?
        spread = V.scattered_day_first(evidence["text"])
        if spread is not None:  # day first scatters them (7 January ... 7 December)
            rows = texts().join(evidence, on="text").sort(ROW)
            readings = (rows.group_by("text").agg(pl.len().cast(pl.UInt32).alias("rows"), pl.col(ROW).min().alias("first"))
                        .sort("first").head(8).select("text", "rows", V.parse_date(pl.col("text"), order="dmy").alias("dmy"),
                                                      V.parse_date(pl.col("text"), order="mdy").alias("mdy")))
            first = readings.row(0, named=True)
            return "dmy", validate.file_problem("date_order_spread", value=first["text"], dmy=first["dmy"],
                                                mdy=first["mdy"], dmy_quarters=spread["dmy"],
                                                mdy_quarters=spread["mdy"]), readings
    if "mdy_only" not in reads:
        return "dmy", None, readings
    texts = texts()
    rows = texts.join(evidence, on="text").sort(ROW)

    def first_rows(kind: str) -> list[int]:
        return rows.filter(pl.col("reads") == kind)[ROW].head(10).to_list()

    if "dmy_only" in reads:
        return "dmy", validate.file_problem("date_order_conflict", rows_dmy=first_rows("dmy_only"),
                                            rows_mdy=first_rows("mdy_only")), readings
    readings = (rows.filter(pl.col("reads") != "dmy_only").group_by("text").agg(pl.len().cast(pl.UInt32).alias("rows"),
                                                                             pl.col(ROW).min().alias("first"))
                .sort(pl.col("text").is_in(evidence.filter(pl.col("reads") == "mdy_only")["text"].implode()).not_(),
                      "first").head(8)
                .select("text", "rows", V.parse_date(pl.col("text"), order="dmy").alias("dmy"),
                        V.parse_date(pl.col("text"), order="mdy").alias("mdy")))
    example = rows.filter(pl.col("reads") == "mdy_only")["text"][0]
    return "dmy", validate.file_problem("date_order_unclear", value=example, rows_mdy=first_rows("mdy_only")), readings


#: Per kind of name, the column of the rows that numbers the rows of its lookup table.
_NAME_INDEX = {"service": "__i_service", "upazila": "__i_upazila", "union": "__pair"}
_ASKED = {"kind": pl.String, "value": pl.String, "rows": pl.Int64, "beneficiaries": pl.Int64, "__at": pl.UInt32,
          "__first": pl.Int32}
_FOUND = {"kind": pl.String, "value": pl.String, "code": pl.String, "how": pl.String, "rows": pl.Int64,
          "beneficiaries": pl.Int64, "__first": pl.Int32}


def _names_counts(work: pl.DataFrame, present: set[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Rows and people per name to ask about and per name matched approximately or by a decision, in
    some of the rows (:func:`_names_report` adds the slices up), with the first row of each."""
    people = pl.col("count_v").fill_null(1).cast(pl.Int64)
    rows = work.lazy().filter(~pl.col("is_total"))
    if "extra" in work.columns:  # a row with more cells than headings: its names are in other columns' places
        rows = rows.filter(pl.col("extra").is_null())
    asks, found = [pl.LazyFrame(schema=_ASKED)], [pl.LazyFrame(schema=_FOUND)]
    for kind in D.KINDS:
        if kind not in present:
            continue
        # places are asked about for UDC rows, and for rows whose channel is not known yet (their
        # service is asked about too): all of a row's names in one round
        udc = pl.lit(True) if kind == "service" else pl.col("channel").fill_null("udc") == "udc"
        part = rows.filter(udc & pl.col(kind).is_not_null())
        ask = part.filter(pl.col(f"{kind}_question"))
        asks.append(ask.group_by(pl.col(kind).cast(pl.String).alias("value")).agg(
            pl.len().cast(pl.Int64).alias("rows"), people.sum().alias("beneficiaries"),
            pl.col(_NAME_INDEX[kind]).first().cast(pl.UInt32).alias("__at"), pl.col(ROW).min().alias("__first"))
            .select(pl.lit(kind).alias("kind"), *list(_ASKED)[1:]))
        hit = part.filter(pl.col(f"{kind}_how").is_in(["approximate", "decided"]))
        found.append(hit.group_by(pl.col(kind).cast(pl.String).alias("value"),
                                  pl.col(f"{kind}_match_code").cast(pl.String).alias("code"),
                                  pl.col(f"{kind}_how").cast(pl.String).alias("how")).agg(
            pl.len().cast(pl.Int64).alias("rows"), people.sum().alias("beneficiaries"),
            pl.col(ROW).min().alias("__first")).select(pl.lit(kind).alias("kind"), *list(_FOUND)[1:]))
    asks, found = pl.collect_all([pl.concat(asks), pl.concat(found)])
    return asks, found


def _names_report(parts: list[tuple[pl.DataFrame, pl.DataFrame]], suggested: dict[str, tuple[str, pl.DataFrame]],
                  ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Open questions and approximate/decided matches, once per distinct value, with row and people
    counts: the slices' :func:`_names_counts` added up, in the order of each value's first row.

    ``suggested``: per kind, the column that numbers its lookup table's rows, and that table's
    ``{kind}_suggestions`` (the suggestions of a value's first row are the question's)."""
    asks = pl.concat([a for a, _ in parts]).sort("__first", maintain_order=True).group_by(
        "kind", "value", maintain_order=True).agg(pl.col("rows", "beneficiaries").sum(),
                                                   pl.col("__at", "__first").first())
    found = pl.concat([f for _, f in parts]).sort("__first", maintain_order=True).group_by(
        "kind", "value", "code", "how", maintain_order=True).agg(pl.col("rows", "beneficiaries").sum())
    lookup = pl.concat([table.select(pl.lit(kind).alias("kind"), pl.col(index).cast(pl.UInt32).alias("__at"),
                                     pl.col(f"{kind}_suggestions").alias("suggestions"))
                        for kind, (index, table) in suggested.items()])
    questions = asks.join(lookup, on=["kind", "__at"], how="left", maintain_order="left").select(
        "kind", "value", "rows", "beneficiaries", "suggestions")
    return questions.cast(D.QUESTION_SCHEMA), found.cast(D.MATCH_SCHEMA)


#: Words that make a cell of a place, service, name, date or channel a total's label wherever they stand
#: in it ("মোট টাকা", "July Total", "জলাবাড়ী ইউনিয়নের উপমোট", "মোট (সমুদয়কাঠী)", "G. Total"): no such
#: value has them. (A remark or a serial cell must read a total word alone: :data:`TOTAL_WORDS`.)
TOTAL_LABEL_WORDS = ("total", "subtotal", "grandtotal", "মোট", "সর্বমোট", "উপমোট", "সাকুল্যে", "যোগফল")


def _total(column: str) -> pl.Expr:
    """Whether each cell of ``column`` reads as a total word alone ("মোট", "Total:", "মোটঃ")."""
    return _total_text(pl.col(column), among=False)


def _total_label(column: str) -> pl.Expr:
    """Whether each cell of ``column`` has a total word among its words ("মোট টাকা", "July Total",
    "জলাবাড়ী ইউনিয়নের উপমোট", "মোট সেবা"): a total's label on a row that names no entrepreneur or no
    date (a subtotal under a union's block, a summary's total of services); on a delivery's row the
    name is asked about (:func:`_parse_resolve`)."""
    return _total_text(pl.col(column), among=True)


def _total_text(text: pl.Expr, *, among: bool) -> pl.Expr:
    """Whether each text labels a total: a total word alone (:data:`TOTAL_WORDS`), or with ``among``
    one of its words (:data:`TOTAL_LABEL_WORDS`); the Bengali visarga read as the colon it stands
    for ("মোটঃ", "উপমোটঃ")."""
    plain = text.str.replace_all("ঃ", " ")
    alone = V.word_key_expr(plain).is_in(list(TOTAL_WORDS))
    if not among:
        return alone
    words = plain.str.to_lowercase().str.extract_all(r"[\p{L}\p{M}\p{N}]+")
    return alone | words.list.eval(pl.element().is_in(list(TOTAL_LABEL_WORDS))).list.any()


#: A group's sum as Excel's Data › Subtotal labels it: the group's value, then the word ("Kalakhali
#: Total", "কলাখালী মোট").
_SUBTOTAL = r"(?i)^(.*\S)\s+(?:total|sub-?\s*total|sum|মোট|উপমোট)$"


def _subtotal(column: str, *, spelling: Callable[[pl.Expr], pl.Expr] = lambda text: text) -> pl.Expr:
    """Whether each distinct cell of ``column`` (its table's rows: the column's texts as ``spelling``
    writes them) labels a group's sum: a value of the column, then a total word."""
    group = spelling(V.clean(pl.col("__v")).str.extract(_SUBTOTAL, 1))
    return group.is_in(pl.col(column).implode()).fill_null(False)


def _dated_subtotals(tables: dict[str, pl.DataFrame], *, date_order: str) -> None:
    """Excel's Subtotal by day in the date (or month) table: a day of the column's, then a total word
    ("15/07/2023 Total" under the day's date cells), marked a total (``{field}_total``). Dates are
    read only from the cells that end in a total word (reading dates is dear)."""
    for f in ("date", "month"):
        table = tables[f]
        group = table.select(V.clean(pl.col("__v")).str.extract(_SUBTOTAL, 1)).to_series()
        at = group.is_not_null().arg_true()
        if at.len():
            days = group.gather(at).to_frame("g").select(V.parse_date(pl.col("g"), order=date_order)).to_series()
            found = at.filter(days.is_in(table[f"{f}_v"].implode()).fill_null(False))
            tables[f] = table.with_columns(table[f"{f}_total"].scatter(found, True))


def _total_cells(column: pl.Series, *, among: bool) -> pl.Series:
    """Whether each cell of a column no field reads says the row is a total: only the texts that are
    not numbers are looked at. ``among``: a total word among other words will do (a serial's cell,
    a label merged over the first cells, "দেউলবাড়ী দোবড়া ইউনিয়নের উপমোট"); else it must stand alone
    (a remark: "মোট ২ জন" is about the row's people)."""
    def total(texts: pl.Series) -> pl.Series:
        words = texts.str.contains(r"[^\d\s.]").fill_null(False).arg_true()
        return pl.repeat(False, texts.len(), dtype=pl.Boolean, eager=True).scatter(
            words, texts.gather(words).to_frame("t").select(_total_text(pl.col("t"), among=among))
            .to_series().fill_null(False))
    return _per_text(column, total)


def _stages(*, date_order: str) -> dict[str, list[dict[str, pl.Expr]]]:
    """Per field: the cleaned text, then what is read from it (over each unique cell ``__v``)."""
    v = V.clean(pl.col("__v"))

    def text(f: str) -> list[dict[str, pl.Expr]]:
        spelling = V.identifier if f == "entrepreneur_id" else (lambda text: text)
        problem = V.text_problem(pl.col(f))
        if f == "entrepreneur_id":  # (1.07981E+12: a long number Excel rounded, its digits lost)
            problem = pl.when(V.rounded_number(pl.col(f))).then(pl.lit("id_rounded")).otherwise(problem)
        return [{f: spelling(v)},
                {f"{f}_bad": problem,
                 f"{f}_total": _total(f) | _subtotal(f, spelling=spelling), f"{f}_label": _total_label(f),
                 f"{f}_long": pl.col(f).str.len_chars() > L.MAX_FIELD_CHARS[f]}]

    return {
        "date": [{"date": v}, {"date_total": _total("date"), "date_label": _total_label("date"),
                               "date_cell": V.cell_problem(pl.col("date"))},
                 *V.date_stages(pl.col("date"), "date_v", order=date_order),
                 {"date_no_day": pl.col("date_v").is_null() & V.calendar_shaped(pl.col("date"), order=date_order)}],
        "month": [{"month": v}, {"month_total": _total("month"), "month_label": _total_label("month"),
                                 "month_cell": V.cell_problem(pl.col("month"))},
                  *V.date_stages(pl.col("month"), "month_v", order=date_order)],
        "year": [{"year": v}, {"year_total": _total("year")}],
        "extra": [{"extra": v}],
        "channel": [{"channel_text": v}, {"channel_given": V.channel_value(pl.col("channel_text")),
                                          "channel_total": _total("channel_text"),
                                          "channel_label": _total_label("channel_text")}],
        "gender": [{"gender": v}, {"gender_v": V.gender_value(pl.col("gender")), "gender_total": _total("gender"),
                                   "gender_label": _total_label("gender")}],
        # a dash for a count is nil too: 0, refused as no one served, not the 1 an empty cell means
        "beneficiaries": [{"beneficiaries": pl.when(V.dash_only(pl.col("__v"))).then(pl.lit("0")).otherwise(v)},
                          {"count_v": V.count_value(pl.col("beneficiaries")),
                           "count_problem": V.count_problem(pl.col("beneficiaries"))}],
        # a dash in a money column is nil ("-", "—"), as in any account book, and so is "Free"
        # ("বিনামূল্যে"): 0, not a missing fee; "নাই" or "N/A" is an empty cell (Tk 0 for a free service)
        "fee": [{"fee": pl.when(V.no_fee(pl.col("__v"))).then(pl.lit("0")).when(V.nothing(pl.col("__v")))
                 .then(pl.lit(None, pl.String)).otherwise(v)},
                {"fee_v": V.money_paisa(pl.col("fee")), "fee_problem": V.money_problem(pl.col("fee"))}],
        **{f: text(f) for f in ("upazila", "union", "service", "entrepreneur_id", "entrepreneur_name")},
    }


_FIELDS = (*LOG_FIELDS, "extra")


#: How far up from the end of a sheet lines under the table are looked for.
NOTE_LINES = 50
#: Words that begin the sign-off under a table ("Prepared by:", "স্বাক্ষর", "যাচাইকারী"), as matching keys.
SIGN_OFF = tuple(V.word_key(word) for word in (
    "prepared", "signature", "signed", "checked", "verified", "approved", "submitted", "seal", "note",
    "প্রস্তুত", "স্বাক্ষর", "যাচাই", "অনুমোদন", "দাখিল", "সিল", "সীল", "নোট", "বিঃদ্রঃ"))


def _note_lines(body: pl.DataFrame, cells: list[str]) -> pl.DataFrame:
    """The sign-off under the table: after its last row of two or more cells, from the first line of
    one cell that says "Prepared by", "স্বাক্ষর" and the like, or holds a colon ("Name:", "মোঃ"), on:
    the lines of one cell of words, no digits (no delivery is one cell), or of the sign-off's date
    ("তারিখঃ ০৪/০৪/২০২৪"). A line of several cells each
    of which reads so ("Prepared by:", "Checked by:" side by side) is a sign-off line too, not a row
    of the table. Their row and text (``value``)."""
    none = pl.DataFrame(schema={ROW: pl.Int32, "value": pl.String})
    tail = body.tail(NOTE_LINES)
    count = pl.DataFrame([_written(tail[c]).alias(c) for c in cells]).select(pl.sum_horizontal(pl.all())).to_series()
    wide = count.ge(2).arg_true().to_list()
    signed = []  # the last lines of several cells that read as a sign-off, from the bottom up (a few at most)
    while wide and all(_signs(str(cell)) for cell in tail.select(cells).row(wide[-1]) if cell is not None
                       and str(cell).strip()):
        signed.append(wide.pop())
    if not wide or wide[-1] + 1 >= tail.height:
        return none
    start = wide[-1] + 1
    one = count.slice(start).eq(1) | pl.int_range(start, tail.height, eager=True).is_in(signed)
    lines = tail.slice(start).select(
        ROW, pl.coalesce(pl.col(cells).cast(pl.String).str.strip_chars().replace("", None)).alias("value")
    ).with_columns(one=one, words=~pl.col("value").str.contains(r"[0-9০-৯]").fill_null(True)
                   # the sign-off's own date ("তারিখঃ ০৪/০৪/২০২৪", "Date: 4/4/2024"): a line of it too
                   | pl.col("value").str.contains(r"(?i)^\s*(?:তারিখ|তাং|date)\s*[:ঃ]").fill_null(False))
    key = V.word_key_expr(pl.col("value"))
    opens = lines.select(pl.col("one") & (pl.col("value").str.contains(r":\s*|ঃ") | pl.any_horizontal(
        key.str.contains(word, literal=True) for word in SIGN_OFF)).fill_null(False)).to_series().arg_true()
    if opens.len() == 0:
        return none
    return lines.slice(int(opens[0])).filter(pl.col("one") & pl.col("words")).select(ROW, "value")


def _signs(text: str) -> bool:
    """Whether one cell reads as part of a sign-off ("Prepared by:", "যাচাইকারী", "মোঃ"), no digits in it."""
    return not re.search(r"[0-9০-৯]", text) and (bool(re.search(r":|ঃ", text))
                                                  or any(word in V.word_key(text) for word in SIGN_OFF))


def _month_headings(body: pl.DataFrame, cells: list[str], where: list[str]) -> pl.DataFrame:
    """Rows of one cell that name a month and its year ("জুলাই ২০২৩", "August 2023"), written in the
    date, month or serial column or the first: the heading of the month's rows under it, not a
    delivery. Their row, text (``value``) and code ``month_heading``."""
    none = pl.DataFrame(schema={ROW: pl.Int32, "value": pl.String, "code": pl.String})
    columns = list(dict.fromkeys([*where, *cells[:1]]))
    flags = [_per_text(body[c], V.month_heading) for c in columns]
    if not any(flag.any() for flag in flags):
        return none
    rows = body.filter(pl.any_horizontal(flags))
    one = rows.filter(pl.sum_horizontal(_written(rows[c]) for c in cells) == 1)
    return one.select(ROW, pl.coalesce(pl.col(columns).cast(pl.String)).alias("value"),
                      pl.lit("month_heading").alias("code"))


def _layout_rows(body: pl.DataFrame, cells: list[str]) -> pl.DataFrame:
    """Rows of the sheet's layout, not deliveries: one cell alone that heads a week's rows or numbers
    a page ("Week 1", "২ নং সপ্তাহ", "Page 1 of 2", from a printed register), and a row that numbers
    the columns ("(১) (২) (৩) …", "1 2 3 …", as government forms do under their headings). Their
    row, text (``value``) and code ``layout_row``."""
    none = pl.DataFrame(schema={ROW: pl.Int32, "value": pl.String, "code": pl.String})
    found = [none]
    flags = list(_matching(body, cells, V.layout_line, longest=60).values())
    if flags:
        rows = body.filter(pl.any_horizontal(flags))
        one = rows.filter(pl.sum_horizontal(_written(rows[c]) for c in cells) == 1)
        found.append(one.select(ROW, pl.coalesce(pl.col(cells).cast(pl.String)).alias("value"),
                                pl.lit("layout_row").alias("code")))
    numbered = _matching(body, cells[:1], lambda texts: V.digits(texts.str.strip_chars()).str.contains(r"^\(?1\)?$"),
                         longest=12)
    if numbered:  # (only rows whose first cell is 1: few, looked at one by one)
        for row in body.filter(next(iter(numbered.values()))).select(ROW, *cells).iter_rows():
            written = [_column_number(str(cell)) for cell in row[1:] if cell is not None and str(cell).strip()]
            if len(written) >= 3 and len(written) * 2 >= len(cells) and written == list(range(1, len(written) + 1)):
                found.append(pl.DataFrame({ROW: [row[0]], "value": [" ".join(str(c).strip() for c in row[1:4] if c)],
                                           "code": ["layout_row"]}, schema=none.schema))
    return pl.concat(found)


def _column_number(cell: str) -> int | None:
    """The number a cell gives its column ("3", "(৩)"), else None."""
    match = re.fullmatch(r"\(?(\d{1,2})\)?", ascii_digits(cell).strip())
    return int(match[1]) if match else None


def _heading_rows(body: pl.DataFrame, headings: dict[str, tuple[str, str]]) -> pl.DataFrame:
    """Rows that repeat the header (a block of rows pasted under another with its headings, in either
    language): most of the recognised columns (``headings``: column -> heading, field) hold their own
    heading or one known to mean its field. Their row and first heading (``value``), with the code
    "header_row". Each column's distinct texts are looked at first: most files have none."""
    none = pl.DataFrame(schema={ROW: pl.Int32, "value": pl.String, "code": pl.String})
    if len(headings) < 2:
        return none
    same: list[pl.Series] = []
    for column, (heading, name) in headings.items():
        cells = body[column]
        texts = cells.dtype.categories.to_series() if isinstance(cells.dtype, pl.Categorical) \
            else cells.drop_nulls().unique()
        keys = list(heading_keys(name) | {header_key(heading)})
        hits = texts.to_frame("t").filter(V.word_key_expr(pl.col("t")).is_in(keys)).to_series()
        if hits.len():
            same.append(cells.cast(pl.String).is_in(hits.implode()).fill_null(False) if hits.len() < texts.len()
                        else cells.is_not_null())
    if len(same) * 2 <= len(headings):
        return none
    repeated = pl.DataFrame(same).select(pl.sum_horizontal(pl.all()) * 2 > len(headings)).to_series()
    if not repeated.any():
        return none
    first = next(iter(headings.values()))[0]
    return body.filter(repeated).select(ROW, pl.lit(first).alias("value"), pl.lit("header_row").alias("code"))


def _table_headings(texts: pl.Series) -> pl.Series:
    """Whether each text heads a column of a table: a known heading, or a total's ("মোট", "Total")."""
    return known_headings(texts) | V.word_key_expr(texts.cast(pl.String)).is_in(list(TOTAL_WORDS)).fill_null(False)


def _second_tables(body: pl.DataFrame, cells: list[str]) -> tuple[pl.DataFrame, dict | None]:
    """A table under the log with headings of its own: a row under the log's rows where two cells
    or more are known headings or a total's ("Service", "মোট সেবাগ্রহীতা", "মোট") and no cell holds
    a digit, and the rows under it up to a blank line or the end. One without a date or month column is a summary
    (by service, by union), whose rows are left out (code ``summary_table``, its headings as
    ``value``); one with dates is another log, refused (the file problem ``second_table``).
    Returns those rows and the problem (None)."""
    none = pl.DataFrame(schema={ROW: pl.Int32, "value": pl.String, "code": pl.String})
    flags = list(_matching(body, cells, _table_headings, longest=80, least=2).values())
    if len(flags) < 2:  # (most files: no column holds a heading's text at all)
        return none, None
    heads = pl.select(pl.sum_horizontal(flags) >= 2).to_series().arg_true()
    heads = heads.filter(heads > 0)  # (the first row under the header heads no table under the log)
    if heads.len() == 0:
        return none, None
    numbered = body[heads].select(pl.any_horizontal(pl.col(c).cast(pl.String).str.contains(r"[0-9০-৯]").fill_null(False)
                                                    for c in cells)).to_series()
    heads = heads.filter(~numbered)
    rows = body[ROW]
    gaps = (rows.diff() > 1).arg_true().to_list()  # a blank line before each of these
    blocks, end = [], 0
    for start in heads.to_list():
        if start < end:  # (a heading row inside the table above)
            continue
        end = next((g for g in gaps if g > start), body.height)
        headings = [str(cell).strip() for cell in body.select(cells).row(start) if cell is not None and str(cell).strip()]
        value = ", ".join(headings)
        if {recognise(h) for h in headings} & {"date", "month"}:
            return none, validate.file_problem("second_table", value=value, row=int(rows[start]))
        blocks.append(body.slice(start, end - start).select(ROW, pl.lit(value).alias("value"),
                                                            pl.lit("summary_table").alias("code")))
    return pl.concat([none, *blocks]), None


def _fill_ditto(body: pl.DataFrame, columns: dict[str, str]) -> tuple[pl.DataFrame, dict[str, list[int]]]:
    """Cells holding a ditto mark ("〃", "ঐ", "-do-", '"') read as the nearest cell above them in
    their column that is not one (``columns``: column -> heading). A mark with nothing above it
    stays, to be reported as written. Returns the rows and, per heading, the rows filled so."""
    flags = _matching(body, columns, V.ditto_mark, longest=10)
    if not flags:
        return body, {}
    filled: dict[str, list[int]] = {}
    index = pl.int_range(body.height, dtype=pl.Int64, eager=True)
    replaced = []
    for c, flag in flags.items():
        source = pl.select(pl.when(flag).then(None).otherwise(index).forward_fill()).to_series()
        taken = flag & source.is_not_null()
        replaced.append(pl.when(taken).then(body[c].gather(source)).otherwise(body[c]).alias(c))
        filled[columns[c]] = body[ROW].filter(taken).to_list()
    return body.with_columns(replaced), {h: rows for h, rows in filled.items() if rows}


#: Headings of a column of days of the month beside a Month and a Year column.


def _month_columns(headings: list[str]) -> list[str]:
    """The headings that name a month ("July", "জুলাই ২০২৩", "Jul-23"), alone or after or before one
    word ("Fee Jul-23", "Jul-23 Count"): a summary's months written as columns."""
    def month(text: str) -> bool:
        texts = pl.Series([text], dtype=pl.String)
        return bool(V.month_heading(texts).item() or pl.select(V.month_number(V.clean(pl.lit(texts)))).item() is not None)

    return [h for h in headings if any(month(part) for part in (h, h.partition(" ")[2], h.rpartition(" ")[0]) if part)]


def _service_columns(headings: list[str], resolver: ServiceResolver) -> list[str]:
    """The services that headings name, alone or before a word or two ("Birth registration",
    "জন্ম নিবন্ধন সংখ্যা", "বিদ্যুৎ বিল টাকা"), each once, as written: a form's services written as
    columns (a name matched exactly, or in another spelling scored 0.95 or more; never a guess)."""
    found: dict[str, str] = {}
    for heading in headings:
        words = heading.split()
        for cut in range(len(words), max(len(words) - 3, 0), -1):
            part = " ".join(words[:cut])
            match = resolver.match(part)
            if match.kind == "exact" or (match.kind == "approximate" and match.score >= 0.95):
                found.setdefault(match.code, part)
                break
    return list(found.values())


#: A heading that names an entrepreneur (the word, or an ID): over a column per entrepreneur.
_ENTREPRENEUR_MARK = re.compile(r"(?i)উদ্যোক্তা|entrepreneur|uddokta|udc[-_ ]?\d{3,}")


def _service_share(column: pl.Series, resolver: ServiceResolver, *, most: int = 200) -> float:
    """The share of a column's distinct written texts (the first ``most``) that name a service, exactly
    or matched with confidence; 0 for a column with none."""
    texts = [text for text in column.cast(pl.String).drop_nulls().unique(maintain_order=True).head(most * 2).to_list()
             if text.strip()][:most]
    if not texts:
        return 0.0
    return sum(resolver.match(text).kind in ("exact", "approximate") for text in texts) / len(texts)


def _date_of_parts(day: pl.Expr, month: pl.Expr, year: pl.Expr) -> pl.Expr:
    """A date from its day, month (a name or a number) and year cells, written year first
    ("2023-07-11"); the cells as written, joined, when one of them is no such part (reported as
    a bad date)."""
    text = [V.clean(part.cast(pl.String)) for part in (day, month, year)]
    d, y = V.count_value(text[0]), V.count_value(text[2])
    m = pl.coalesce(V.count_value(text[1]), V.month_number(text[1]))
    y = pl.when(y.is_between(0, 99)).then(y + 2000).otherwise(y)
    whole = d.is_between(1, 31) & m.is_between(1, 12) & y.is_between(1000, 9999)
    return pl.when(whole).then(pl.format("{}-{}-{}", y.cast(pl.String), m.cast(pl.String).str.zfill(2),
                                          d.cast(pl.String).str.zfill(2))).otherwise(
        pl.concat_str(text, separator=" ", ignore_nulls=True))


def _total_differs(sums: pl.DataFrame, said: pl.DataFrame, *, per_unit: bool) -> dict | None:
    """A sheet's one total row, under every row, that is not what the rows add up to (``sums``: per
    slice of rows, their people, fee and last row; ``said``: the total rows' row, people, fee):
    {row, said_people, said_fee, people, fee} (a figure the total row leaves empty is None), to be
    shown before the clerk confirms. None when they agree, or when there are subtotals to tell apart."""
    if said.height != 1 or per_unit:
        return None
    row, said_people, said_fee = said.row(0)
    people, fee, last = sums.select(pl.col("people").sum(), pl.col("fee").sum(), pl.col(ROW).max()).row(0)
    if last is not None and last > row:  # (rows under it: a subtotal, or a total of part of the sheet)
        return None
    people, fee = int(people or 0), int(fee or 0)
    if (said_people is None or said_people == people) and (said_fee is None or said_fee == fee):
        return None
    return {"row": int(row), "said_people": said_people, "said_fee": said_fee, "people": people, "fee": fee}


def _fee_and_total(body: pl.DataFrame, internal: dict[str, str], headers: HeaderMap) -> dict | None:
    """A fee column beside a total of money ("Fee (Tk) | Total (Tk)", "Service Charge | Govt Fee |
    মোট টাকা"), decided by their cells, row by row, over the rows that name a service and say no
    "total": the total is the fee times the number served on every row -> the total is the row's
    fee (the fee was one person's); it is the fee and the government's fee added (each times the
    number, or not) -> the fee, of one person or of the row, is what was earned; it is the number
    served -> a count, nothing to decide. Otherwise the file problem ``fee_total_unclear`` (a
    running total, or a total of something else: which column is the row's fee is the user's to
    say). ``headers`` is changed to the column chosen; None when there is nothing to decide."""
    fee = headers.field_column("fee")
    if fee is None:
        return None
    if total_heading(fee):  # the total won over its part by its heading ("Fee | Total Fee")
        parts = [h for h in headers.unmapped if recognise(h) == "fee" and not total_heading(h)]
        part, total = (parts[0], fee) if len(parts) == 1 else (None, None)
    else:
        totals = [h for h in headers.unmapped if total_heading(h) and recognise(h) in (None, "fee")]
        part, total = (fee, totals[0]) if len(totals) == 1 else (None, None)
    if part is None or total is None:
        return None
    govt = [h for h, f in headers.columns.items() if f == "ignore" and government_fee(h)]
    money = lambda h: V.money_paisa(V.clean(pl.col(internal[h]).cast(pl.String)))  # noqa: E731
    people = headers.field_column("beneficiaries")
    service = headers.field_column("service")
    said = [c for c in internal.values() if c in body.columns]
    rows = body.select(
        ROW, money(part).alias("f"), money(total).alias("t"), (money(govt[0]) if len(govt) == 1 else pl.lit(0)).alias("g"),
        (V.count_value(V.clean(pl.col(internal[people]).cast(pl.String))) if people else pl.lit(1)).fill_null(1).alias("c"),
        (V.clean(pl.col(internal[service]).cast(pl.String)).is_not_null() if service else pl.lit(True)).alias("named"),
        pl.any_horizontal(V.word_key_expr(pl.col(c).cast(pl.String)).is_in(list(TOTAL_WORDS)) for c in said).alias("sum"),
    ).filter(pl.col("f").is_not_null() & pl.col("t").is_not_null() & pl.col("named") & ~pl.col("sum").fill_null(False))
    if rows.height == 0:
        return None

    def every(rule: pl.Expr) -> bool:
        return bool(rows.select(rule.all()).item())

    def use(chosen: str, other: str, *, per_unit: bool) -> None:  # (the other is known, and not used)
        headers.columns = {h: ("fee" if h == chosen else f) for h, f in headers.columns.items() if h != other}
        headers.columns.setdefault(chosen, "fee")
        headers.columns[other] = "ignore"
        headers.unmapped = [h for h in headers.unmapped if h not in (chosen, other)]
        headers.fee_per_unit = per_unit

    f, t, g, c = (pl.col(x) for x in "ftgc")
    if every(t == f * c):
        use(total, part, per_unit=False)
    elif govt and every(t == (f + g) * c):
        use(part, total, per_unit=True)
    elif govt and every(t == f + g):
        use(part, total, per_unit=False)
    elif every(t == c * 100):  # (a total of people served, "Male | Female | Total")
        return None
    else:
        row, fee_v, total_v, count = rows.filter(t != f * c).select(ROW, "f", "t", "c").row(0)
        return validate.file_problem("fee_total_unclear", column=part, value=total, total_column=total, row=row,
                                     fee=fee_v, total=total_v, count=count)
    return None


#: A fee heading whose amounts are in thousands or lakhs of taka ("Income (Tk in thousand)", "আয় (হাজার
#: টাকায়)", "Fee (Tk '000)").
_IN_THOUSANDS = re.compile(r"(?i)thousand|\blakhs?\b|হাজার|লক্ষ|লাখ|['’]000|\(000\)")


#: Words a count may be written in ("এক জন", "two", "৩টি"): a column with a cell of these alone is not names.
_COUNT_WORDS = unicodedata.normalize("NFC", r"(?i)^(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|"
                                     r"twelve|person|persons|people|nos?|pcs|এক|দুই|তিন|চার|পাঁচ|ছয়|সাত|আট|নয়|দশ|"
                                     r"জন|টি|টা|খানা|জনে)$")


def _names_not_counts(column: pl.Series) -> bool:
    """Whether ``column`` holds names ("Rahima Begum", "মোঃ করিম"), not counts ("2", "২ জন", "এক জন"): most
    written cells are words with no digit in either script, and none is a count written in words."""
    cells = column.drop_nulls().unique().cast(pl.String).str.strip_chars().str.normalize("NFC").unique()
    cells = cells.filter(cells != "")
    if cells.len() == 0 or (cells.str.contains(r"\p{L}") & ~cells.str.contains(r"\d")).sum() * 2 <= cells.len():
        return False
    word = pl.element().str.strip_chars(".,;:()")
    counts = cells.str.split(" ").list.eval(word.str.contains(_COUNT_WORDS) | (word == "")).list.all()
    return not counts.any()


def _count_like(column: pl.Series, *, strict: bool) -> bool:
    """Whether every written cell of ``column`` is a count of people (a whole number of at most five
    digits, "12" or Excel's "12.0", in either script). ``strict``, for a column no heading explains:
    some count above one, and not a numbering (rising row by row, over three rows or more or one by one,
    or ten cells or more all different: a serial or receipt number; "2, 10" are as likely counts)."""
    cells = column.cast(pl.String).drop_nulls().to_frame("t").select(V.digits(pl.col("t")).str.strip_chars())
    cells = cells.filter(pl.col("t") != "").to_series()
    if cells.len() == 0 or not cells.str.contains(r"^(0|[1-9]\d{0,4})(\.0+)?$").all():
        return False
    if not strict:
        return True
    values = cells.str.replace(r"\.0+$", "").cast(pl.Int64)
    steps = values.diff().drop_nulls()
    numbering = (values.len() > 1 and bool((steps > 0).all()) and (values.len() > 2 or bool((steps == 1).all()))) or (
        values.len() >= 10 and values.n_unique() == values.len())
    return int(values.max()) > 1 and not numbering


def _summed(parts: list[pl.Expr]) -> pl.Expr:
    """One count from its parts' cells (per sex, :attr:`analytics.ingest.headers.HeaderMap.count_parts`):
    their sum as text, a part left empty or a dash counting nothing; empty when every part is. A part
    that is no count stays as written, to be reported as the count's problem."""
    values = [pl.when(V.dash_only(part)).then(0).otherwise(V.count_value(V.clean(part))) for part in parts]
    unread = pl.coalesce(pl.when(V.clean(part).is_not_null() & value.is_null()).then(part)
                         for part, value in zip(parts, values))
    written = pl.any_horizontal(V.clean(part).is_not_null() | V.dash_only(part) for part in parts)
    return pl.coalesce(unread, pl.when(written).then(pl.sum_horizontal(values).cast(pl.String)))


def _per_text(column: pl.Series, test: Callable[[pl.Series], pl.Series]) -> pl.Series:
    """``test`` (texts -> booleans) of each cell of a text column; a categorical's texts are each
    tested once. Null cells are False."""
    if isinstance(column.dtype, pl.Categorical):
        return test(column.dtype.categories.to_series()).gather(column.to_physical()).fill_null(False)
    return test(column).fill_null(False)


def _matching(body: pl.DataFrame, columns: Iterable[str], test: Callable[[pl.Series], pl.Series], *,
              longest: int, least: int = 1) -> dict[str, pl.Series]:
    """:func:`_per_text` of each column of ``columns`` where some cell passes ``test`` (texts of more
    than ``longest`` bytes do not); nothing when fewer than ``least`` columns have one. The texts
    of every column (a categorical's, each once) are tested together, and nothing is done per row
    for a column none of whose texts passes."""
    columns = list(columns)
    texts = [body[c].dtype.categories.to_series() if isinstance(body[c].dtype, pl.Categorical)
             else body[c] for c in columns]
    every = pl.concat([pl.Series(t.cast(pl.String), dtype=pl.String) for t in texts]) if texts \
        else pl.Series(dtype=pl.String)
    short = (every.str.len_bytes() <= longest).fill_null(False)
    if not short.any():
        return {}
    passed = pl.repeat(False, every.len(), dtype=pl.Boolean, eager=True).scatter(
        short.arg_true(), test(every.filter(short)).fill_null(False))
    hits, offset = {}, 0
    for c, own in zip(columns, texts):
        if (hit := passed.slice(offset, own.len())).any():
            hits[c] = hit
        offset += own.len()
    if len(hits) < least:
        return {}
    return {c: (hit.gather(body[c].to_physical()) if isinstance(body[c].dtype, pl.Categorical) else hit).fill_null(False)
            for c, hit in hits.items()}


def _written(column: pl.Series) -> pl.Series:
    """Whether each cell holds more than blanks."""
    return _per_text(column, lambda texts: texts.str.contains(r"\S"))


def _positions(work: pl.DataFrame) -> tuple[dict[str, pl.Series], pl.DataFrame]:
    """Each column's distinct cells, and each row's position among them (``__i_{field}``), in one
    pass over the cells: a categorical of the column's own numbers its texts (a CSV file's columns
    are read so, :func:`analytics.ingest.readers.read_csv`; a workbook's are made so here). Null, in
    a column that has it, is numbered last."""
    fields = [f for f in _FIELDS if f"raw_{f}" in work.columns]
    cells = work.select(pl.col(f"raw_{f}") if isinstance(work.schema[f"raw_{f}"], pl.Categorical)
                        else pl.col(f"raw_{f}").cast(pl.Categorical(pl.Categories.random())) for f in fields)
    # how many texts the rows have (all columns at once): a mapping made for these cells alone has
    # just those, numbered from 0
    counts = cells.select(pl.all().to_physical().drop_nulls().n_unique()).row(0)
    distinct: dict[str, pl.Series] = {}
    codes = []
    for f, count in zip(fields, counts):  # (a mapping lives as long as a column uses it: the cells are kept till here)
        cell = cells[f"raw_{f}"]
        values, column = cell.dtype.categories.to_series().rename("__v"), cell.to_physical().cast(pl.UInt32)
        if count != values.len():  # texts no row has: the texts the rows have, numbered afresh in the same order
            used = column.drop_nulls().unique().sort()
            values, column = values.gather(used), _numbered(column, used)
        if column.null_count():
            values = values.append(pl.Series("__v", [None], dtype=pl.String))
            column = column.fill_null(values.len() - 1)
        distinct[f] = values
        codes.append(column.alias(f"__i_{f}"))
    del cells
    return distinct, pl.DataFrame(codes, schema={f"__i_{f}": pl.UInt32 for f in fields})


def _tables(distinct: dict[str, pl.Series], stages: dict[str, list[dict[str, pl.Expr]]]) -> dict[str, pl.DataFrame]:
    """Per field: one row per distinct raw cell ``__v`` (:func:`_positions`; one null row for a
    column the file lacks) with what ``stages`` read from it, and ``__i_{field}``, its row number."""
    plans = []
    for f in _FIELDS:
        lazy = pl.LazyFrame({"__v": distinct[f] if f in distinct else pl.Series([None], dtype=pl.String)})
        for stage in stages[f]:
            lazy = lazy.with_columns(**stage)
        plans.append(lazy.select(pl.exclude(V.STEP_COLUMNS)).with_row_index(f"__i_{f}"))
    return dict(zip(_FIELDS, pl.collect_all(plans)))


#: Table columns no check and no output reads (the decisions are folded into the codes already).
_UNSPREAD = ("__v", "service_decided", "service_decided_code", "upazila_decided", "upazila_decided_code",
             "upazila_refused", "union_decided", "union_decided_code", "union_refused")


def _spread(table: pl.DataFrame, index: pl.Series, *, drop: tuple[str, ...] = ()) -> pl.LazyFrame:
    """``table``'s columns for every row: row ``index[i]`` of the table for row i."""
    keep = [c for c in table.columns if c not in drop and c not in _UNSPREAD and c != index.name]
    return table.lazy().select(pl.col(keep).gather(pl.lit(index)))


def _compact(table: pl.DataFrame, *, index: str, drop: tuple[str, ...] = ()) -> pl.DataFrame:
    """``table`` as spread onto the rows: text as categorical (four bytes a row instead of a copy of
    the text), no lists (suggested names are read once per distinct value by :func:`_names_report`),
    nothing no check or output reads, not the index itself."""
    return table.select(pl.col(c).cast(pl.Categorical) if dtype == pl.String else pl.col(c)
                        for c, dtype in table.schema.items()
                        if c not in drop and c not in _UNSPREAD and c != index and not isinstance(dtype, pl.List))


def _spreading(table: pl.DataFrame, index: str, spread: list[tuple[pl.DataFrame, str]]) -> list[pl.Expr]:
    """Add ``table`` (as :func:`_compact` made it) to ``spread``, its columns to be gathered onto the
    rows by ``index``, but for the columns with one value for every row: those are returned as
    constant columns (most of a clean file's flags, statuses and problems), nothing to gather."""
    same = [c for c in table.columns if table[c].n_unique() == 1]
    if len(same) < table.width:
        spread.append((table.drop(same), index))
    return _constants(table.select(same).head(1))


def _numbered(values: pl.Series, distinct: pl.Series) -> pl.Series:
    """Each of ``values``' position in ``distinct`` (its distinct values, unsigned integers): read
    from a table as long as the largest value when that is small, else looked up by hash."""
    top = int(distinct.max() or 0)
    if top < 4 * values.len() + 1024:
        table = pl.zeros(top + 1, pl.UInt32, eager=True).scatter(distinct, pl.int_range(distinct.len(), dtype=pl.UInt32,
                                                                                          eager=True))
        return table.gather(values)
    return values.replace_strict(distinct, pl.int_range(distinct.len(), dtype=pl.UInt32, eager=True),
                                 return_dtype=pl.UInt32)


def _constants(table: pl.DataFrame, *, drop: tuple[str, ...] = ()) -> list[pl.Expr]:
    """The one row of ``table`` (a column the file lacks) as constant columns."""
    return [pl.lit(table[c]).first().alias(c) for c in table.columns if c not in drop and c not in _UNSPREAD]


def _in_order(table: pl.DataFrame, index: str, height: int) -> pl.DataFrame:
    """``table`` back in the order of its ``index`` (joins that keep the left order keep it anyway)."""
    table = table.unique(index, keep="first", maintain_order=True).sort(index)
    assert table.height == height, "a lookup table lost rows"
    return table


def _parse_resolve(work: pl.DataFrame, distinct: dict[str, pl.Series], positions: pl.DataFrame, present: set[str],
                   shape: str, *, period: Period | None, date_order: str,
                   gaz: Gazetteer, resolver: ServiceResolver, catalogue: pl.DataFrame,
                   decisions: pl.DataFrame | None, totals: list[pl.Series] = (),
                   known_ids: pl.Series | None = None) -> Parsed:
    """Clean every column, read dates, months, numbers, channel and gender, and resolve services,
    upazilas and unions: each distinct raw value read once (a union once per distinct union and
    upazila pair), into small tables whose rows are spread onto the rows by position, a slice of
    rows at a time (no join over the rows, no Python loop over them).

    Also tells a summary whose Date column holds months ("2022-07") from a transaction log.
    :attr:`Parsed.rows` gives, per field, the columns of :func:`_stages` and of the resolvers
    (:func:`_resolve_service`, :func:`_resolve_upazila`, :func:`_resolve_union`); text as
    categorical, the suggestions left in the tables. ``distinct`` and ``positions``: :func:`_positions`.
    """
    tables = _tables(distinct, _stages(date_order=date_order))
    _dated_subtotals(tables, date_order=date_order)
    respelled = pl.DataFrame(schema=ID_SPELLINGS)
    if "__i_entrepreneur_id" in positions.columns:
        tables["entrepreneur_id"], respelled = _one_spelling(tables["entrepreneur_id"],
                                                             positions["__i_entrepreneur_id"], known=known_ids)
    sizes = {f: table.height for f, table in tables.items()}
    tables["service"] = _in_order(_resolve_service(tables["service"], resolver=resolver, catalogue=catalogue,
                                                   decisions=decisions), "__i_service", sizes["service"])
    tables["upazila"] = _in_order(_resolve_upazila(tables["upazila"], gaz=gaz, decisions=decisions),
                                  "__i_upazila", sizes["upazila"])
    has = {f: f"raw_{f}" in work.columns for f in _FIELDS}
    spread: list[tuple[pl.DataFrame, str]] = []  # (table as spread, the positions' column that picks its row)
    constants: list[pl.Expr] = []
    for f in _FIELDS:
        if f == "union":
            continue
        if has[f]:
            constants += _spreading(_compact(tables[f], index=f"__i_{f}"), f"__i_{f}", spread)
        else:
            constants += _constants(tables[f])

    # unions are resolved within their upazila: once per distinct (union, upazila) pair of cells
    union, upazila = tables["union"], tables["upazila"]
    if has["union"]:
        # the (union, upazila) pair of each row as one number; the pairs numbered in order of appearance
        width = upazila.height
        key = positions["__i_union"].cast(pl.UInt64) * width + (
            positions["__i_upazila"].cast(pl.UInt64) if has["upazila"] else 0)
        keys = key.unique(maintain_order=True)
        pair = _numbered(key, keys).alias("__pair")
        pairs = pl.DataFrame([(keys // width).cast(pl.UInt32).alias("__i_union")] + (
            [(keys % width).cast(pl.UInt32).alias("__i_upazila")] if has["upazila"] else []))
        pairs = pl.concat([pairs, _spread(union, pairs["__i_union"]).collect()], how="horizontal")
        pairs = pairs.with_columns(upazila["upazila_pcode"].gather(pairs["__i_upazila"]) if has["upazila"]
                                   else pl.lit(upazila["upazila_pcode"][0], pl.String).alias("upazila_pcode"))
    else:
        pairs = union.drop("__v").with_columns(pl.lit(upazila["upazila_pcode"][0], pl.String).alias("upazila_pcode"))
    count = pairs.height
    pairs = _resolve_union(pairs.with_row_index("__pair"), gaz=gaz, decisions=decisions)
    pairs = _in_order(pairs, "__pair", count).drop("upazila_pcode")
    if has["union"]:
        positions = positions.with_columns(pair)
        constants += _spreading(_compact(pairs, index="__pair", drop=("__i_upazila", "__i_union")), "__pair", spread)
    else:
        constants += _constants(pairs, drop=("__pair",))
    suggested = {"service": ("__i_service", tables["service"]), "upazila": ("__i_upazila", tables["upazila"]),
                 "union": ("__pair", pairs)}

    def per_row(f: str, column: str) -> pl.Series:  # one column of a field's table for every row
        values = tables[f][column]
        values = values.cast(pl.Categorical) if values.dtype == pl.String else values
        return values.gather(positions[f"__i_{f}"] if has[f] else pl.zeros(work.height, pl.UInt32, eager=True))

    # a total row: one of its cells reads as a total (most files have none: no column to spread)
    flags = [per_row(f, f"{f}_total").fill_null(False) for f in _FIELDS
             if f"{f}_total" in tables[f].columns and tables[f][f"{f}_total"].any()]
    # or has a total word among its words, on a row naming no entrepreneur or no date (a union's subtotal,
    # "মোট সেবা" in a summary): a delivery's row with such a name is asked about instead
    labels = [per_row(f, f"{f}_label").fill_null(False) for f in _FIELDS
              if f"{f}_label" in tables[f].columns and tables[f][f"{f}_label"].any()]
    if labels:
        undated = per_row("date", "date").is_null() & per_row("month", "month").is_null()
        incomplete = per_row("entrepreneur_id", "entrepreneur_id").is_null() | undated
        flags.append(pl.DataFrame(labels).select(pl.any_horizontal(pl.all())).to_series() & incomplete)
    flags += [flag for flag in totals if flag.any()]
    flags += _sum_rows(per_row, has, flags, height=work.height, tables=tables)
    base = pl.concat([work, positions], how="horizontal").with_columns(
        pl.coalesce(per_row("channel", "channel_given"), per_row("service", "svc_channel")).alias("channel"),
        pl.any_horizontal(flags).alias("is_total") if flags else pl.lit(False).alias("is_total"))

    months_from_dates = False
    if shape == "transactions" and "month" not in present:
        # (a total row's cell is no date of either kind)
        dates = tables["date"].filter(pl.col("date").is_not_null() & ~pl.col("date_total").fill_null(False)).select(
            "date", "date_v").unique() if has["date"] else pl.DataFrame(schema={"date": pl.String, "date_v": pl.Date})
        # months, their year written there or in a Year column, or the period's ("July", "July 2023")
        months_only = dates.height > 0 and dates["date_v"].null_count() == dates.height and all(
            V.month_start(text, "2000") for text in dates["date"])
        # Excel month cells (the 1st of each month) with a count on every row and no entrepreneurs: a
        # summary too (a day's log of the 1st leaves counts empty, each row one person)
        firsts = dates.height > 0 and dates["date_v"].null_count() == 0 and (dates["date_v"].dt.day() == 1).all() \
            and "beneficiaries" in present and tables["beneficiaries"]["beneficiaries"].null_count() == 0 \
            and "entrepreneur_id" not in present
        if months_only or firsts:
            shape, months_from_dates = "summary", True

    def rows(offset: int, length: int) -> pl.DataFrame:
        """Rows ``offset`` to ``offset + length`` of the base with every table's columns."""
        part = base.slice(offset, length)
        part = pl.concat([part, *pl.collect_all([table.lazy().select(pl.all().gather(pl.lit(part[index])))
                                                for table, index in spread])], how="horizontal")
        if constants:
            part = part.with_columns(constants)
        if months_from_dates:
            part = part.with_columns(raw_month=pl.col("raw_date"), month=pl.col("date"), month_v=pl.col("date_v"),
                                     month_total=pl.col("date_total"))
        if shape == "summary":
            months = part.select("month", "year", "month_v").unique()
            starts = [V.month_start(m, y, period=period, parsed_date=d) for m, y, d in months.iter_rows()]
            months = months.with_columns(pl.Series("month_start", starts, dtype=pl.Date))
            part = part.join(months, on=["month", "year", "month_v"], how="left", nulls_equal=True,
                             maintain_order="left")
        return part

    return Parsed(base, rows, shape, suggested, respelled)


def _one_spelling(table: pl.DataFrame, index: pl.Series, *, known: pl.Series | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The entrepreneur IDs' table (:func:`_tables`) with each person's ID in one spelling: IDs that
    are one person's (:func:`analytics.ingest.values.identifier_key`: "UDC10798766M" and
    "UDC-10798766-M"; 1612345672 and "01612345672") take the stored spelling (``known``, the IDs
    stored already; the first in order of several), else the one most of the file's rows have
    (the first written of equals). ``index``: each row's position in the table.

    Returns the table and the IDs kept in another spelling (:data:`ID_SPELLINGS`)."""
    ids = table["entrepreneur_id"]
    if ids.null_count() == ids.len():
        return table, pl.DataFrame(schema=ID_SPELLINGS)
    counts = index.value_counts(name="rows")
    rows = pl.zeros(table.height, pl.UInt32, eager=True).scatter(counts[index.name], counts["rows"].cast(pl.UInt32))
    key = V.identifier_key(pl.col("written")).alias("__key")
    frame = pl.DataFrame({"written": ids, "rows": rows}).with_row_index("__o").with_columns(key)
    ours = frame.filter(pl.col("__key").is_not_null() & (pl.col("__key") != "")).group_by("__key").agg(
        pl.col("written").sort_by("rows", "__o", descending=[True, False]).first().alias("ours"))
    stored = pl.DataFrame({"written": known if known is not None else []}, schema={"written": pl.String}).drop_nulls() \
        .unique().sort("written").with_columns(key).unique("__key", keep="first", maintain_order=True) \
        .select("__key", pl.col("written").alias("stored"))
    ours = ours.join(stored, on="__key", how="left").select(
        "__key", pl.coalesce("stored", "ours").alias("kept"), pl.col("stored").is_not_null().alias("stored"))
    frame = frame.join(ours, on="__key", how="left", maintain_order="left").with_columns(
        pl.coalesce("kept", "written").alias("kept"))
    respelled = frame.filter(pl.col("written") != pl.col("kept")).select(
        "written", "kept", "rows", pl.col("stored").fill_null(False)).sort("kept", "written")
    return table.with_columns(frame["kept"].alias("entrepreneur_id")), respelled


#: Rows that may be unlabelled sums, looked at at most (a file of more such rows is not a log with totals).
MAX_SUM_ROWS = 1000


def _sum_rows(per_row: Callable[[str, str], pl.Series], has: dict[str, bool], flags: list[pl.Series], *,
              height: int, tables: dict[str, pl.DataFrame]) -> list[pl.Series]:
    """An AutoSum row without a label: no service, place or entrepreneur, and each number it has
    the sum of its column over the rows above it (since the sum before it, or all of them: a grand
    total under subtotals), as Excel's SUM adds them (an empty cell is 0). [] when there is none.

    Its date (or month) is empty, or the same as the row's above it: a day's total under the day's
    rows, dated that day."""
    what = [f for f in ("service", "union", "upazila", "entrepreneur_id", "entrepreneur_name") if has[f]]
    given = [(f, column) for f, column in (("beneficiaries", "count_v"), ("fee", "fee_v")) if has[f]]
    if not what or not given or any(tables[f][f].null_count() == 0 for f in what):
        return []  # (a column with no empty cell: no row is blank in all of them, nothing to look at)
    numbers = [per_row(f, column) for f, column in given]
    stamps = [per_row(f, f) for f in ("date", "month") if has[f]]
    blank = pl.DataFrame([per_row(f, f).is_null().alias(f) for f in what]
                         + [(stamp.is_null() | stamp.eq_missing(stamp.shift(1))).alias(f"__{i}")
                            for i, stamp in enumerate(stamps)]).select(pl.all_horizontal(pl.all())).to_series()
    # a dated one sums two rows or more: the numbers of the one row above again, dated the same day
    # with the rest left blank, are as likely a second delivery written "ditto"
    dated = pl.DataFrame([stamp.is_not_null() for stamp in stamps]).select(pl.any_horizontal(pl.all())).to_series() \
        if stamps else pl.repeat(False, height, dtype=pl.Boolean, eager=True)
    valued = pl.DataFrame([n.is_not_null() for n in numbers]).select(pl.any_horizontal(pl.all())).to_series()
    candidates = (blank & valued).arg_true().to_list()
    if not candidates or len(candidates) > MAX_SUM_ROWS:
        return []
    counted = ~pl.DataFrame([blank & valued, *flags]).select(pl.any_horizontal(pl.all())).to_series()
    sums = [pl.Series([0]).append((n.cast(pl.Int64).fill_null(0) * counted).cum_sum()) for n in numbers]
    rows = pl.Series([0]).append(counted.cast(pl.Int64).cum_sum())  # rows summed above each row
    matched: dict[int, list[int]] = {1: [], 2: []}  # the sums found, of one row or more, and of two or more
    since = 0
    for row in candidates:
        sums_of = [(total[row] - total[since], total[row]) for total in sums]
        for least in (1, 2):
            need = max(least, 2) if dated[row] else least
            cells = [(int(n[row]), block if rows[row] - rows[since] >= need else None,
                      whole if rows[row] >= need else None)
                     for n, (block, whole) in zip(numbers, sums_of) if n[row] is not None]
            if any(value for value, *_ in cells) and all(value in (block, whole) for value, block, whole in cells):
                matched[least].append(row)
        since = row + 1
    # one row's numbers again are no sign of a sum, unless the file has sums of more (a month of one
    # delivery among subtotals)
    found = matched[1] if matched[2] else []
    if not found:
        return []
    return [pl.Series(height * [False]).scatter(found, True)]


def _resolve_service(table: pl.DataFrame, *, resolver: ServiceResolver, catalogue: pl.DataFrame,
                     decisions: pl.DataFrame | None) -> pl.DataFrame:
    """Service codes per distinct service text: a stored decision wins over matching.

    For each kind (service, upazila, union) the rows get ``{kind}_how`` ("exact",
    "approximate", "decided" or null), ``{kind}_match_code``, ``{kind}_question`` (a person
    must decide) and ``{kind}_suggestions`` (ranked codes), and ``{kind}_refused`` (decided: not
    known). Services also bring their catalogue channel (``svc_channel``), category and fee range.
    """
    work = _decided(table, "service", decisions)
    texts = work.filter(~pl.col("service_decided")).select(pl.col("service").unique().drop_nulls())["service"]
    found = resolver.resolve_many(texts)
    if "match" not in found.columns:  # a resolver that knows exact matches only
        found = found.with_columns(match=pl.when(pl.col("service_code").is_not_null()).then(pl.lit("exact")))
    found = found.with_columns(service_params=pl.format('{{"candidates": [{}]}}', pl.col("candidates").list.eval(
        pl.format('"{}"', pl.element())).list.join(", ")))
    work = work.join(found.select(pl.col("input").alias("service"), pl.col("service_code").alias("__found"),
                                  pl.col("match").alias("__how"), "candidates", "service_params"),
                     on="service", how="left", maintain_order="left")
    work = work.with_columns(
        service_code=pl.when(pl.col("service_decided")).then(pl.col("service_decided_code")).otherwise("__found"),
        service_how=pl.when(pl.col("service_decided")).then(pl.lit("decided")).otherwise("__how"),
        service_suggestions=pl.col("candidates").fill_null(pl.lit([], dtype=pl.List(pl.String))),
    ).drop("__found", "__how", "candidates")
    work = work.with_columns(service_match_code=pl.col("service_code"),
                             service_question=pl.col("service").is_not_null() & pl.col("service_code").is_null()
                             & ~pl.col("service_refused") & ~pl.col("service_long").fill_null(False))
    return work.join(catalogue.select("service_code", "svc_channel", "service_category", "fee_min_bdt",
                                      "fee_max_bdt"), on="service_code", how="left", maintain_order="left")


def _resolve_upazila(table: pl.DataFrame, *, gaz: Gazetteer, decisions: pl.DataFrame | None) -> pl.DataFrame:
    """Upazila P-codes per distinct upazila text (see :func:`_resolve_service`)."""
    work = _decided(table, "upazila", decisions)
    upazilas = work.select(pl.col("upazila").unique().drop_nulls())["upazila"]
    ups = [gaz.resolve(text, level="upazila") for text in upazilas]
    ups = pl.DataFrame({
        "upazila": upazilas, "__pcode": [r.pcode for r in ups], "__status": [r.status for r in ups],
        "__approx": [bool(getattr(r, "approximate", False)) for r in ups],
        "upazila_suggestions": [list(r.candidates) for r in ups],
        "upazila_params": [_json(candidates=list(r.candidates)) for r in ups]},
        schema={"upazila": pl.String, "__pcode": pl.String, "__status": pl.String, "__approx": pl.Boolean,
                "upazila_suggestions": pl.List(pl.String), "upazila_params": pl.String})
    work = work.join(ups, on="upazila", how="left", maintain_order="left")
    decided = pl.col("upazila_decided")
    work = work.with_columns(
        upazila_pcode=pl.when(decided).then(pl.col("upazila_decided_code")).otherwise("__pcode"),
        upazila_status=pl.when(decided & pl.col("upazila_decided_code").is_not_null()).then(pl.lit("ok"))
        .when(decided).then(pl.lit("refused")).otherwise("__status"),
        upazila_how=pl.when(decided).then(pl.lit("decided")).when(pl.col("__status") == "ok").then(
            pl.when(pl.col("__approx")).then(pl.lit("approximate")).otherwise(pl.lit("exact"))),
    ).drop("__pcode", "__status", "__approx")
    return work.with_columns(upazila_match_code=pl.col("upazila_pcode"),
                             upazila_question=pl.col("upazila_status").is_in(["unknown", "ambiguous"])
                             & ~pl.col("upazila_long").fill_null(False),
                             upazila_suggestions=pl.col("upazila_suggestions").fill_null(
                                 pl.lit([], dtype=pl.List(pl.String))))


def _resolve_union(pairs: pl.DataFrame, *, gaz: Gazetteer, decisions: pl.DataFrame | None) -> pl.DataFrame:
    """Union P-codes per distinct (union text, upazila P-code) pair (see :func:`_resolve_service`)."""
    work = _decided(pairs, "union", decisions)
    distinct = work.select("union", "upazila_pcode").unique().filter(pl.col("union").is_not_null())
    rows = []
    parents = dict(zip(gaz.unions()["pcode"], gaz.unions()["parent_pcode"]))
    for text, within in distinct.iter_rows():
        res = gaz.resolve(text, level="union", within=within)
        code, params, suggestions = None, None, list(res.candidates)
        if res.status == "ambiguous":
            code, params = "ambiguous_union", _json(candidates=list(res.candidates),
                                                    parents=[parents.get(p) for p in res.candidates])
        elif res.status == "unknown":
            anywhere = gaz.resolve(text, level="union") if within else res
            if within and anywhere.ok:
                code, params = "union_not_in_upazila", _json(upazila=within, actual=parents[anywhere.pcode])
                suggestions = [anywhere.pcode]
            else:  # closest names in the upazila first, then anywhere in the district
                close = dict.fromkeys(res.candidates + (anywhere.candidates if within else ())
                                      + _similar_unions(gaz, text, within=within))
                code, params = "unknown_union", _json(candidates=list(close)[:3], within=within)
                suggestions = list(close)[:3]
        how = ("approximate" if getattr(res, "approximate", False) else "exact") if res.ok else None
        rows.append((text, within, res.pcode, parents.get(res.pcode), code, params, how, suggestions))
    unions = pl.DataFrame(rows, schema={"union": pl.String, "upazila_pcode": pl.String, "union_pcode": pl.String,
                                        "union_parent": pl.String, "union_problem": pl.String,
                                        "union_params": pl.String, "union_how": pl.String,
                                        "union_suggestions": pl.List(pl.String)}, orient="row")
    work = work.join(unions, on=["union", "upazila_pcode"], how="left", nulls_equal=True, maintain_order="left")
    decided = pl.col("union_decided")
    decided_parent = pl.col("union_decided_code").replace_strict(parents, default=None, return_dtype=pl.String)
    # a union decided is still one of the row's upazila, when the row names one (a review: a decision
    # on "Kalakhali" put Pirojpur Sadar's rows in another upazila's union)
    elsewhere = decided & pl.col("union_decided_code").is_not_null() & pl.col("upazila_pcode").is_not_null() \
        & (decided_parent != pl.col("upazila_pcode")).fill_null(False)
    work = work.with_columns(
        union_pcode=pl.when(decided).then(pl.col("union_decided_code")).otherwise("union_pcode"),
        union_parent=pl.when(decided).then(decided_parent).otherwise("union_parent"),
        union_problem=pl.when(elsewhere).then(pl.lit("union_not_in_upazila"))
        .when(decided & pl.col("union_decided_code").is_not_null()).then(None)
        .when(decided).then(pl.lit("refused_union")).otherwise("union_problem"),
        union_params=pl.when(elsewhere).then(pl.concat_str(
            pl.lit('{"upazila": "'), pl.col("upazila_pcode"), pl.lit('", "actual": "'), decided_parent,
            pl.lit('", "decided": "'), pl.col("union_decided_code"), pl.lit('"}')))
        .otherwise("union_params"),
        union_how=pl.when(decided).then(pl.lit("decided")).otherwise("union_how"),
    )
    return work.with_columns(union_match_code=pl.col("union_pcode"),
                             union_question=pl.col("union_problem").is_in(["unknown_union", "ambiguous_union"])
                             & ~pl.col("union_long").fill_null(False),
                             union_suggestions=pl.col("union_suggestions").fill_null(
                                 pl.lit([], dtype=pl.List(pl.String))))


def _decided(work: pl.DataFrame, kind: str, decisions: pl.DataFrame | None) -> pl.DataFrame:
    """Join the stored decisions for ``kind`` on the value's matching key (``{kind}_decided``,
    ``{kind}_decided_code``, ``{kind}_refused``)."""
    if decisions is None or decisions.filter(pl.col("kind") == kind).height == 0:
        return work.with_columns(pl.lit(False).alias(f"{kind}_decided"), pl.lit(None, pl.String).alias(
            f"{kind}_decided_code"), pl.lit(False).alias(f"{kind}_refused"))
    keys = work.select(pl.col(kind).unique().drop_nulls())[kind]
    keyed = pl.DataFrame({kind: keys, "key": [D.key_of(text) for text in keys]},
                         schema={kind: pl.String, "key": pl.String})
    keyed = keyed.join(D.lookup(decisions, kind), on="key", how="inner").drop("key")
    work = work.join(keyed.rename({"decided_code": f"{kind}_decided_code", "decided": f"{kind}_decided"}),
                     on=kind, how="left", maintain_order="left")
    decided = pl.col(f"{kind}_decided").fill_null(False)
    return work.with_columns(decided.alias(f"{kind}_decided"),
                             (decided & pl.col(f"{kind}_decided_code").is_null()).alias(f"{kind}_refused"))


def _similar_unions(gaz: Gazetteer, text: str, *, within: str | None) -> tuple[str, ...]:
    """Unions whose English or Bengali name looks a little like ``text`` (for suggestions only)."""
    key = normalise_name(text)
    keys: dict[str, str] = {}
    for pcode, en, bn in gaz.unions(upazila=within).select("pcode", "name_en", "name_bn").iter_rows():
        keys.setdefault(normalise_name(en), pcode)
        keys.setdefault(normalise_name(bn), pcode)
    close = difflib.get_close_matches(key, list(keys), n=6, cutoff=0.5)
    return tuple(dict.fromkeys(keys[k] for k in close))


def _canonical(accepted: pl.LazyFrame, *, shape: str, dc_upazila: str | None, upload_id: str) -> pl.LazyFrame:
    udc = pl.col("channel") == "udc"
    return accepted.select(
        (pl.col("date_v") if shape == "transactions" else pl.col("month_start")).alias("date"),
        "channel",
        pl.when(udc).then(pl.coalesce("union_parent", "upazila_pcode")).otherwise(pl.lit(dc_upazila))
        .alias("upazila_code"),
        pl.when(udc).then(pl.col("union_pcode")).alias("union_code"),
        pl.when(udc).then(pl.col("entrepreneur_id")).alias("entrepreneur_id"),
        pl.when(udc).then(pl.col("entrepreneur_name")).alias("entrepreneur_name"),
        pl.when(udc).then(pl.col("gender_v")).alias("entrepreneur_gender"),
        "service_code", "service_category",
        pl.col("count_v").fill_null(1).alias("beneficiaries"),
        pl.col("fee_v").fill_null(0).alias("fee_paisa"),
        pl.lit(upload_id).alias("upload_id"),
        pl.col(ROW).alias("source_row"),
    )
