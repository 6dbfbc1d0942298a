"""``python -m analytics ingest FILE...``: the upload pipeline in batch.

Every file is read and checked first; only when all of them are clean is anything stored,
all files in one transaction (all or nothing). Exit status: 0 stored (or every file was
stored before, byte for byte), 1 refused (a readable report on stderr, nothing stored),
2 usage error. Never a traceback.

Notes (printed, not refusals): names matched approximately or by an earlier decision, rows
that repeat another row exactly (each one counted), total rows left out. Refusals: any row
problem; names to decide (``--report-dir`` writes them as a CSV to fill in and pass back
with ``--names``); dates that read month-first without ``--date-order``; a file whose rows
are already stored in another upload (unless ``--mode replace`` or ``--allow-overlap``); a
workbook with several sheets that look like logs (unless ``--sheet`` names one).
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import tempfile
from pathlib import Path

import polars as pl

from analytics import i18n
from analytics.cli.language import Help, shown
from analytics.cli.output import write_bytes
from analytics.ingest import decisions as D
from analytics.ingest import validate
from analytics.ingest.digest import shown_name, upload_name
from analytics.ingest.pipeline import IngestResult, Limits, ingest_isolated
from analytics.ingest.preview import (
    PLAN_SCHEMA,
    lone_quarters,
    overlaps,
    quarter_plan,
    stray_rows,
)
from analytics.ingest.validate import NOTE_CODES
from analytics.ingest.values import DATE_ORDERS
from analytics.reference import schema
from analytics.reference.gazetteer import Gazetteer
from analytics.reference.periods import fiscal_columns, parse_period, quarter
from analytics.reference.services import ServiceResolver, load_catalogue
from analytics.store import (
    CATALOGUE,
    Incoming,
    Store,
    StoreChanged,
    StoreError,
    content_hash,
    entrepreneur_ids,
    missing_store,
    new_upload_id,
    open_store,
    shared_location,
)
from analytics.store.parts import Prepared

#: Times a batch is checked and committed when the store changes in between (another ingest at once).
COMMIT_TRIES = 5


class UsageError(Exception):
    """A command line that cannot be run as given (exit status 2).

    ``parts`` are messages ``(key, values)`` of ``cli_error.<key>`` (numbers in them are shown as
    labels: :func:`analytics.cli.language.shown`), or text to show as it is; joined by "; ".
    """

    def __init__(self, *parts: tuple[str, dict[str, object]] | str) -> None:
        self.parts = parts
        super().__init__(self.text("en"))

    def text(self, lang: str) -> str:
        return "; ".join(part if isinstance(part, str) else i18n.t(
            f"cli_error.{part[0]}", lang, **{name: shown(value, lang) if isinstance(value, int) else value
                                               for name, value in part[1].items()})
            for part in self.parts)


#: The problems of a ``--names`` file as :mod:`analytics.ingest.decisions` words them (English),
#: matched to the messages of the string table; anything else is shown as it is.
_NAMES_PROBLEMS = [(re.compile(pattern), key) for key, pattern in [
    ("names_not_csv", r"(?P<file>.+): not a CSV file with columns kind, value, decision"),
    ("names_missing_columns", r"(?P<file>.+): missing column\(s\) (?P<columns>.+); expected kind, value, decision"),
    ("names_bad_kind", r"(?P<file>.+) line (?P<line>[0-9]+): kind must be one of (?P<kinds>.+), not “(?P<kind>.*)”"),
    ("names_bad_decision",
     r"(?P<file>.+) line (?P<line>[0-9]+): “(?P<decision>.*)” is not an? (?P<kind>\w+) code or name"),
    ("names_conflict", r"(?P<file>.+) line (?P<line>[0-9]+): “(?P<value>.*)” is decided differently on line "
                       r"(?P<first>[0-9]+)"),
]]


def _names_problem(message: str, lang: str) -> tuple[str, dict[str, object]] | str:
    for pattern, key in _NAMES_PROBLEMS:
        found = pattern.fullmatch(message)
        if found:
            values: dict[str, object] = found.groupdict()
            for number in ("line", "first"):
                if number in values:
                    values[number] = int(values[number])
            if key == "names_bad_decision" and f"ingest.kind.{values['kind']}" in i18n.strings():
                values["kind"] = i18n.t(f"ingest.kind.{values['kind']}", lang)
            return key, values
    return message


def report(result: IngestResult, *, lang: str, limit: int = 40) -> str:
    """A plain-text account of the problems that refuse a file: the first ``limit`` lines, then counts."""
    problems = result.problems.filter(~pl.col("code").is_in(NOTE_CODES))
    lines = []
    for row in problems.head(limit).iter_rows(named=True):
        where = [row["file"]]
        if row["sheet"]:
            where.append(i18n.t("ingest.where_sheet", lang, sheet=row["sheet"]))
        if row["row"] is not None:
            where.append(i18n.t("ingest.where_row", lang, row=row["row"]))
        if row["column"]:
            where.append(i18n.t("ingest.where_column", lang, column=row["column"]))
        lines.append(f"  {', '.join(where)}: {_short(row['message'])}")
    counts = {code: n for code, n in (result.problem_counts or dict(
        problems.group_by("code").len().iter_rows())).items() if code not in NOTE_CODES}
    if sum(counts.values()) > min(limit, problems.height):
        lines.append("  " + i18n.t("ingest.cli_more", lang, more=sum(counts.values()) - min(limit, problems.height)))
        # each kind of problem as its first message says it (the codes are the app's, not the clerk's)
        first = {code: (row, message) for code, row, message in
                 problems.unique("code", keep="first", maintain_order=True).select("code", "row", "message").iter_rows()}
        for code, count in sorted(counts.items(), key=lambda item: -item[1]):
            row, message = first.get(code, (None, code))
            like = i18n.t("ingest.cli_more_like", lang, row=row) if row is not None else ""
            lines.append(f"    {i18n.number(count, lang=lang)} × {like}{_short(message, 200)}")
    return "\n".join(lines)


def _short(text: str, limit: int = 600) -> str:
    """A message shortened for a terminal (a 50 MB cell is not printed back)."""
    return text if len(text) <= limit else text[:limit] + "…"


def notes(result: IngestResult, *, lang: str, gazetteer: Gazetteer, catalogue: pl.DataFrame) -> list[str]:
    """What was done without refusing anything: approximate and decided names, repeated and total
    rows, lines under the table."""
    out = []
    for kind, value, code, how, rows, people in result.matches.iter_rows():
        key = ("ingest.cli_note_match" if how == "approximate" else "ingest.cli_note_decided" if code
               else "ingest.cli_note_refused")
        out.append(i18n.t(key, lang, value=_short(value, 80), rows=i18n.number(rows, lang=lang),
                          people=i18n.number(people, lang=lang),
                          name=D.label(kind, code, lang=lang, gazetteer=gazetteer, catalogue=catalogue) if code
                          else ""))
    if result.timestamp_column:
        out.append(i18n.t("ingest.cli_note_timestamp", lang, column=validate.heading_text(result.timestamp_column, lang)))
    # as the upload page warns: a row alone in the quarter beside the rest (a date typed wrong?); the
    # rows are read only when the quarters' sizes say there is one
    lone = lone_quarters(_quarter_sizes(result)).height
    strays = stray_rows(result.accepted().select("source_row", "date").collect()) if lone else None
    if strays is not None and strays.height:
        key = "ingest.cli_note_stray" if strays.height > 1 else "ingest.cli_note_stray_one"
        quarters = dict.fromkeys(quarter(fy, fq).label(lang=lang) for fy, fq in strays.select("fy", "fq").iter_rows())
        out.append(i18n.t(key, lang, rows=i18n.row_spans(strays["source_row"].to_list(), lang=lang),
                          dates=", ".join(dict.fromkeys(i18n.day(d, lang=lang) for d in strays["date"].head(5))),
                          quarters=", ".join(quarters)))
    if result.total_differs:
        out.append(i18n.t("ingest.cli_note_total_differs", lang, **result.total_note(lang=lang)))
    if result.free_without_fee:
        out.append(i18n.t("ingest.cli_note_free_fee", lang, rows=result.free_without_fee))
    if result.count_from_parts:
        out.append(i18n.t("ingest.cli_note_count_from_parts", lang, rows=result.count_from_parts,
                          total=validate.heading_text(result.count_total_column, lang),
                          parts=" + ".join(f"“{validate.heading_text(h, lang)}”" for h in result.count_parts_summed)))
    if result.count_blank_rows:
        out.append(i18n.t("ingest.cli_note_count_blank", lang, rows=result.count_blank_rows))
    if result.unnamed_udc_rows:
        out.append(i18n.t("ingest.cli_note_unnamed", lang, rows=result.unnamed_udc_rows))
    if result.ditto:
        out.append(i18n.t("ingest.cli_note_ditto", lang, **result.ditto_note(lang=lang)))
    if result.id_spellings.height:
        out.append(i18n.t("ingest.cli_note_id_spellings", lang, spellings=result.id_spellings_note(lang=lang)))
    if result.repeated_rows:
        out.append(i18n.t("ingest.cli_note_repeated", lang, rows=i18n.number(result.repeated_rows, lang=lang)))
    totals = result.problems.filter(pl.col("code") == "total_row").height
    if totals:
        out.append(i18n.t("ingest.cli_note_total", lang, rows=i18n.number(totals, lang=lang)))
    for code, key in (("header_row", "ingest.cli_note_header_rows"), ("note_row", "ingest.cli_note_note_rows"),
                      ("month_heading", "ingest.cli_note_month_headings"),
                      ("summary_table", "ingest.cli_note_summary_table"), ("layout_row", "ingest.cli_note_layout_rows"),
                      ("nothing_served", "ingest.cli_note_nothing_served"),
                      ("nothing_recorded", "ingest.cli_note_nothing_recorded")):
        lines = result.problems.filter(pl.col("code") == code).height
        if lines:
            out.append(i18n.t(key, lang, rows=i18n.number(lines, lang=lang)))
    return out


#: Uploads (or files before it) a file's overlap names besides the first, at most: the rest are counted.
OVERLAPS_NAMED = 5


def ingest_files(store: Store, paths: list[Path], *, uploader: str, mode: str = "add", dry_run: bool = False,
                 period: str | None = None, lang: str = "en", report_dir: str | None = None,
                 names: str | None = None, date_order: str | None = None, allow_overlap: bool = False,
                 prepare_in: Path | None = None, sheet: str | None = None, out=sys.stdout, err=sys.stderr) -> int:
    """Check ``paths`` and store them, all or nothing. ``prepare_in``: a folder the isolated reader
    writes each file's accepted rows to, as the store keeps them (:mod:`analytics.store.parts`),
    so that they need not pass back to this process; None: they come back as a frame. ``sheet``: the
    sheet to read from workbooks with several logs (None: the one that looks like a log)."""
    gazetteer, catalogue = Gazetteer.load(), load_catalogue()
    try:
        if period is not None and not period.strip():  # (an empty variable in a script: not "any quarter")
            raise ValueError("no period")
        chosen = parse_period(period) if period else None
    except ValueError:
        raise UsageError(("ingest_period", {"given": repr(period)})) from None
    decided = store.decisions().select(list(D.SCHEMA))
    given = D.empty()
    if names and not Path(names).is_file():
        raise UsageError(("no_names_file", {"path": names}))
    if names:
        try:
            # the service matcher is built only for a names file (the isolated reader builds its own)
            given = D.read_csv(Path(names), resolve=D.code_resolvers(gazetteer=gazetteer,
                                                                     services=ServiceResolver(catalogue)))
        except FileNotFoundError:
            raise UsageError(("no_names_file", {"path": names})) from None
        except D.DecisionFileError as error:
            raise UsageError(*(_names_problem(message, lang) for _, message in error.problems)) from None
        decided = D.frame(decided.to_dicts() + given.to_dicts())

    if report_dir:
        try:
            Path(report_dir).mkdir(parents=True, exist_ok=True)
            probe = tempfile.NamedTemporaryFile(dir=report_dir, prefix=".seba-atlas-", delete=True)
            probe.close()
        except OSError:
            raise UsageError(("report_dir", {"path": report_dir})) from None
    checked: list[tuple[Path, IngestResult]] = []
    digests: dict[Path, str] = {}
    questions: list[pl.DataFrame] = []
    reports: set[Path] = set()  # the problem files written: two files of one name get one each
    refused = False
    to_fix = False  # a problem to fix (else every row was left out on purpose: nothing to store, nothing to fix)
    for number, path in enumerate(paths):
        # the child reads the file and hashes the very bytes it checks; an ID written in another
        # spelling of one stored, or of one in a file before it, is kept in that spelling
        folder = prepare_in / str(number) if prepare_in else None
        if folder:
            folder.mkdir()
        known = entrepreneur_ids(store, also=[result.accepted() for _, result in checked])
        result = ingest_isolated(path, file_name=shown_name(path.name), upload_id=new_upload_id(), lang=lang, period=chosen,
                                 limits=Limits(), date_order=date_order, decisions=decided, prepare_in=folder,
                                 sheet=sheet, known_ids=known)
        if sheet is not None and result.sheet is None and result.encoding is not None:  # (read as text: a CSV file)
            print(i18n.t("ingest.cli_sheet_not_used", lang, sheet=sheet, file=shown_name(path.name)), file=err)
        digests[path] = result.content_hash or content_hash(path.read_bytes(), sheet=sheet)
        checked.append((path, result))
        refusing = sum(n for code, n in result.problem_counts.items() if code not in NOTE_CODES) \
            if result.problem_counts else result.problems.filter(~pl.col("code").is_in(NOTE_CODES)).height
        print(i18n.t("ingest.cli_summary", lang, file=shown_name(path.name), accepted=result.accepted_rows, problems=refusing),
              file=out)
        if sheet is None and result.other_log_sheets:  # (chosen for the user: the others named)
            print("  " + i18n.t("ingest.cli_note_other_sheets", lang, sheet=validate.echo_text(result.sheet),
                                sheets=", ".join(f"“{validate.echo_text(s)}”" for s in result.other_log_sheets[:12])),
                  file=out)
        said = lambda headings: ", ".join(validate.heading_text(h, lang) for h in headings)  # noqa: E731 - at most 80 characters each
        if result.dropped_pii:
            print("  " + i18n.t("ingest.cli_dropped_pii", lang, columns=said(result.dropped_pii)), file=out)
        if result.fee_per_unit:
            column = next(h for h, f in result.columns.items() if f == "fee")
            print("  " + i18n.t("ingest.cli_fee_per_unit", lang, column=validate.heading_text(column, lang)), file=out)
        for total, parts in result.totals_used().items():
            print("  " + i18n.t("ingest.cli_beside_total", lang, columns=said(parts), total=said([total])), file=out)
        if result.unmapped:
            print("  " + i18n.t("ingest.cli_unmapped", lang, columns=said(result.unmapped)), file=out)
            if result.counts_rows_as_one:
                print("  " + i18n.t("ingest.cli_no_count", lang), file=out)
        for line in notes(result, lang=lang, gazetteer=gazetteer, catalogue=catalogue):
            print("  " + line, file=out)
        if not result.clean:
            refused = True
            to_fix = to_fix or bool(refusing or result.accepted_rows or result.questions.height)
            print(report(result, lang=lang), file=err)
            if not refusing and not result.accepted_rows:  # every row left out on purpose: no delivery to store
                print("  " + i18n.t("ingest.cli_no_deliveries", lang, file=shown_name(path.name)), file=err)
            for kind, value, rows, people, suggestions in result.questions.iter_rows():
                print("  " + i18n.t("ingest.cli_question", lang, kind=i18n.t(f"ingest.kind.{kind}", lang),
                                    value=_short(value, 80), rows=i18n.number(rows, lang=lang),
                                    people=i18n.number(people, lang=lang),
                                    suggestions=", ".join(D.label(kind, c, lang=lang, gazetteer=gazetteer,
                                                                  catalogue=catalogue) for c in suggestions) or "–"),
                      file=err)
            questions.append(result.questions)
            if report_dir and result.rejected.height:
                target = _report_path(Path(report_dir), shown_name(path.stem), written=reports)
                write_bytes(target, result.rejected_csv(lang=lang))
                print("  " + i18n.t("ingest.cli_report_written", lang, path=shown_name(str(target))), file=err)
    open_questions = pl.concat(questions) if questions else D.empty_questions()
    if report_dir and open_questions.height:
        merged = open_questions.group_by("kind", "value", maintain_order=True).agg(
            pl.col("rows").sum(), pl.col("beneficiaries").sum(), pl.col("suggestions").first())
        target = Path(report_dir) / "names-to-decide.csv"
        write_bytes(target, D.questions_csv(merged, decided=given))
        print(i18n.t("ingest.cli_questions_written", lang, path=str(target)), file=err)
    if refused:
        print(i18n.t("ingest.cli_rejected" if to_fix else "ingest.cli_nothing_stored", lang), file=err)
        return 1

    for attempt in range(COMMIT_TRIES):
        # the checks against what is stored hold for one version of the store: committed only at it
        # (another ingest, an upload on the page or a rollback in between: checked again)
        version = store.version()
        # (replacing takes the place of what is stored; two files of the batch still must not repeat)
        if not allow_overlap and _overlapping(store, checked, digests, lang=lang, err=err, stored=mode != "replace"):
            return 1
        # the quarters where a file takes the place of what is stored (the sample's, or with replace every
        # office's), with the beneficiaries there now and after: said by a dry run, and once stored
        taking = {path: _taking_place(store, result, mode=mode) for path, result in checked}
        if dry_run:
            for path, plan in taking.items():
                for line in _taking_lines(plan, file=shown_name(path.name), lang=lang, done=False):
                    print(line, file=out)
            print(i18n.t("ingest.cli_dry_run", lang), file=out)
            return 0
        try:
            stored = store.commit_many([Incoming(result.frame, upload_name(path.name, result.sheet, log_sheets=result.log_sheets),
                                                 digests[path], result.upload_id)
                                        for path, result in checked], uploader=uploader, mode=mode, if_version=version)
            break
        except StoreChanged:
            if attempt == COMMIT_TRIES - 1:
                raise
    if given.height:  # the file's decisions are kept with the data and apply to later uploads
        store.decide(given.to_dicts(), actor=uploader)
    uploads = store.uploads() if any(d.replaced for d in stored) else None
    # (the sample named in the user's language: its stored name is English)
    names = {upload: i18n.t("ingest.cli_what_replace_sample", lang) if sample else name
             for upload, name, sample in uploads.select("upload_id", "file_name", "is_sample").iter_rows()} \
        if uploads is not None else {}
    for (path, _), done in zip(checked, stored):
        key = "ingest.cli_duplicate" if done.status == "duplicate" else "ingest.cli_stored"
        print(i18n.t(key, lang, file=shown_name(path.name), upload=done.upload_id, rows=done.rows), file=out)
        if done.replaced:  # (the page shows it before: the areas' figures now and after)
            for line in _taking_lines(taking[path], file=shown_name(path.name), lang=lang, done=True):
                print(line, file=out)
            print(i18n.t("ingest.cli_replaced", lang, file=shown_name(path.name), upload=done.upload_id, uploads=", ".join(
                f"{upload} ({names[upload]})" if names.get(upload) else upload for upload in done.replaced)), file=out)
    print(i18n.t("ingest.cli_version", lang, version=store.version()), file=out)
    return 0


def _quarter_sizes(result: IngestResult) -> pl.DataFrame:
    """The accepted rows per fiscal quarter (``fy``, ``fq``, ``len``): a prepared upload's files say so."""
    if isinstance(result.frame, Prepared):
        return pl.DataFrame([(fy, fq, rows) for fy, fq, rows, _ in result.frame.files],
                            schema={"fy": pl.Int32, "fq": pl.Int8, "len": pl.UInt32}, orient="row")
    return result.frame.select(fiscal_columns()).group_by("fy", "fq").len()


def _taking_place(store: Store, result: IngestResult, *, mode: str) -> pl.DataFrame:
    """The fiscal quarters where the file's rows would take the place of what is stored there (the
    bundled sample's, or with ``mode="replace"`` every upload's): :func:`quarter_plan` rows. The
    rows are read only when the catalogue has such an upload in one of the file's quarters."""
    if not result.accepted_rows:
        return pl.DataFrame(schema=PLAN_SCHEMA)
    uploads = store.uploads()
    samples = frozenset(uploads.filter(pl.col("is_sample"))["upload_id"].to_list())
    held = store.upload_quarters().filter(pl.col("replaced_by").is_null() & pl.col("upload_id").is_in(
        uploads.filter(pl.col("status") == "active")["upload_id"].implode()))
    if mode != "replace":
        held = held.filter(pl.col("upload_id").is_in(list(samples)))
    if held.join(_quarter_sizes(result).select(pl.col("fy", "fq").cast(pl.Int64)),
                 on=["fy", "fq"]).height == 0:
        return pl.DataFrame(schema=PLAN_SCHEMA)
    incoming = result.accepted().select("date", "beneficiaries").collect()
    plan = quarter_plan(store.scan(), incoming, mode=mode, sample_uploads=samples)
    return plan.filter(pl.col("action").is_in(["replace", "replace_sample"]))


def _taking_lines(plan: pl.DataFrame, *, file: str, lang: str, done: bool) -> list[str]:
    """One line per quarter of :func:`_taking_place`: what is stored there now and after."""
    key = "ingest.cli_took_place" if done else "ingest.cli_would_take_place"
    return ["  " + i18n.t(key, lang, file=file, quarter=quarter(fy, fq).label(lang=lang),
                          what=i18n.t(f"ingest.cli_what_{action}", lang),
                          now=i18n.number(now, lang=lang), after=i18n.number(after, lang=lang))
            for fy, fq, action, now, after in plan.select(
                "fy", "fq", "action", "stored_beneficiaries", "after_beneficiaries").iter_rows()]


def _report_path(folder: Path, stem: str, *, written: set[Path]) -> Path:
    """Where a file's rejected rows go in ``folder``: ``<stem>-problems.csv``, or ``<stem>-2-problems.csv``
    ... when another file of this run had the name (report.csv and report.xlsx, two folders' report.csv);
    a long stem is cut (a review's 240-character file name gave "File name too long")."""
    # (a name's stem cut to 180 bytes, whole characters: a file's own name may be as long as a folder
    # allows, 255 bytes, and "-problems.csv" would not fit beside it)
    stem = stem.encode("utf-8")[:180].decode("utf-8", "ignore")
    target, n = folder / f"{stem}-problems.csv", 2
    while target in written:
        target, n = folder / f"{stem}-{n}-problems.csv", n + 1
    written.add(target)
    return target


def _overlapping(store: Store, checked: list[tuple[Path, IngestResult]], digests: dict[Path, str], *,
                 lang: str, err, stored: bool = True) -> bool:
    """Print and return True when a file's rows are already stored (``stored``) or earlier in this batch."""
    uploads = store.uploads()
    # (the sample is no upload to count twice: a real one takes its place in its quarters)
    samples = uploads.filter(pl.col("is_sample"))["upload_id"].to_list()
    scan = store.scan().filter(~pl.col("upload_id").is_in(samples)) if stored else schema.empty_log().lazy()
    names = dict(uploads.filter(~pl.col("is_sample")).select("upload_id", "file_name").iter_rows()) if stored else {}
    earlier: list[IngestResult] = []
    found = False
    seen: set[str] = set()
    for path, result in checked:
        if store.find_by_hash(digests[path]) or digests[path] in seen:
            continue  # the very same bytes: stored before or given twice, stored once (not a refusal)
        seen.add(digests[path])
        if names or earlier:  # (an empty store and no file before: nothing to overlap, nothing to read)
            before = pl.concat([scan, *(r.accepted() for r in earlier)]) if earlier else scan
            hits = overlaps(before, result.accepted().collect())
        else:
            hits = pl.DataFrame()
        if hits.height:
            hit = hits.row(0, named=True)
            upload, shared = hit["upload_id"], hit["shared_rows"]
            stored_file = names.get(upload) or next(
                (shown_name(p.name) for p, r in checked if r.upload_id == upload), upload)
            # some days of an upload repeated: replacing the quarters would lose that upload's other days;
            # a file given before it in this command is no upload yet
            key = "ingest.cli_overlap_batch" if upload not in names else "ingest.cli_overlap_form" if hit["form"] else \
                "ingest.cli_overlap_days" if hit["partial"] else "ingest.cli_overlap"
            print(i18n.t(key, lang, file=shown_name(path.name),
                         shared=i18n.number(shared, lang=lang), rows=i18n.number(result.accepted_rows, lang=lang),
                         upload=upload, stored_file=stored_file, first=i18n.day(hit["first"], lang=lang),
                         last=i18n.day(hit["last"], lang=lang)),
                  file=err)
            # every upload it repeats, each with its rollback (a file given before it in this command is
            # no upload yet: named as the file), the first few of them
            for more in hits.slice(1, OVERLAPS_NAMED).iter_rows(named=True):
                other = more["upload_id"]
                print("  " + i18n.t("ingest.cli_overlap_more" if other in names else "ingest.cli_overlap_more_batch",
                                    lang, shared=i18n.number(more["shared_rows"], lang=lang), upload=other,
                                    stored_file=names.get(other) or next(
                                        (shown_name(p.name) for p, r in checked if r.upload_id == other), other)), file=err)
            if hits.height > OVERLAPS_NAMED + 1:
                print("  " + i18n.t("ingest.cli_overlap_others", lang,
                                    count=i18n.number(hits.height - OVERLAPS_NAMED - 1, lang=lang)), file=err)
            found = True
        earlier.append(result)
    return found


class _Unread:
    """Standard output that its reader may leave (``ingest ... | head -1``): what is no longer read
    is dropped and the ingest goes on, so that it stores or refuses exactly as it would have and
    says so in its exit status (and on standard error)."""

    def __init__(self, stream) -> None:
        self.stream, self.gone = stream, False

    def write(self, text: str) -> int:
        if not self.gone:
            try:
                self.stream.write(text)
                self.stream.flush()
            except BrokenPipeError:
                self.gone = True
                os.dup2(os.open(os.devnull, os.O_WRONLY), self.stream.fileno())  # nothing left to flush at exit
        return len(text)

    def flush(self) -> None:
        pass


def check_files(paths: list[Path]) -> None:
    """Refuse (:class:`UsageError`) paths that are not files to read: missing, folders, pipes."""
    missing = [str(p) for p in paths if not p.exists()]
    folders = [str(p) for p in paths if p.is_dir()]
    unusual = [str(p) for p in paths if p.exists() and not p.is_dir() and not p.is_file()]
    if missing or folders or unusual:
        raise UsageError(*([("no_such_file", {"paths": ", ".join(missing)})] if missing else []),
                         *([("is_a_folder", {"paths": ", ".join(folders)})] if folders else []),
                         *([("not_a_file", {"paths": ", ".join(unusual)})] if unusual else []))


def cmd_ingest(args: argparse.Namespace) -> int:
    from analytics.cli.main import store_for

    paths = [Path(p) for p in args.files]
    try:
        check_files(paths)
        # the isolated reader writes the accepted rows here as the store keeps them (removed at the end)
        with tempfile.TemporaryDirectory(prefix="seba-atlas-rows-") as prepared:
            # a dry run makes no store where there is none yet: it checks against an empty one of its own
            new = args.dry_run and args.store and not shared_location(args.store) and not (
                Path(args.store) / CATALOGUE).exists()
            if new and (refusal := missing_store(args.store, create=True)):
                raise refusal
            store = open_store(str(Path(prepared) / "no-store-yet")) if new else store_for(args.store, create=True)
            return ingest_files(store, paths, uploader=args.uploader, mode=args.mode,
                                dry_run=args.dry_run, period=args.period, lang=args.lang, report_dir=args.report_dir,
                                names=args.names, date_order=args.date_order, allow_overlap=args.allow_overlap,
                                prepare_in=Path(prepared), sheet=args.sheet, out=_Unread(sys.stdout))
    except UsageError as error:
        print(i18n.t("ingest.cli_usage_error", args.lang, message=error.text(args.lang)), file=sys.stderr)
        return 2
    except (StoreError, OSError) as error:  # a full disk, a read-only store or report folder: one line
        from analytics.cli.main import error_line

        print(error_line(error, args.lang), file=sys.stderr)
        return 2
    except Exception as error:  # noqa: BLE001 - never a traceback: logged for us, a sentence for the user
        logging.getLogger(__name__).error("ingest failed", exc_info=True)
        print(i18n.t("ingest.cli_internal_error", args.lang, kind=type(error).__name__), file=sys.stderr)
        return 1


def cmd_names(args: argparse.Namespace) -> int:
    """``names list`` (tab-separated, or --json) and ``names withdraw DECISION_ID``."""
    import json

    from analytics.cli.main import store_for
    from analytics.store import StoreError

    store = store_for(args.store)
    if args.action == "list":
        kept = store.decisions()
        if args.json:
            print(json.dumps(kept.to_dicts(), ensure_ascii=False, indent=2))
        else:
            print(kept.write_csv(separator="\t"), end="")
        return 0
    try:
        version = store.withdraw_decision(int(args.decision_id), actor=args.actor)
    except (StoreError, ValueError, TypeError):
        key = "cli_error.no_decision" if args.decision_id is not None else "cli_error.which_decision"
        print(i18n.t("ingest.cli_usage_error", args.lang,
                     message=i18n.t(key, args.lang, decision=repr(args.decision_id))), file=sys.stderr)
        return 2
    print(i18n.t("cli.withdrew", args.lang, decision=args.decision_id, version=shown(version, args.lang)))
    return 0


def add_commands(commands: argparse._SubParsersAction, common: argparse.ArgumentParser, words: Help) -> None:
    p = words.command(commands, "ingest", parents=[common])
    words.add(p, "files", key="files", nargs="+")
    words.add(p, "--mode", key="mode", choices=["add", "replace"], default="add")
    words.add(p, "--dry-run", key="dry_run", action="store_true")
    words.add(p, "--period", key="ingest_period")
    words.add(p, "--uploader", key="uploader", default="cli")
    words.add(p, "--report-dir", key="report_dir")
    words.add(p, "--names", key="names_file")
    words.add(p, "--date-order", key="date_order", choices=DATE_ORDERS)
    words.add(p, "--allow-overlap", key="allow_overlap", action="store_true")
    words.add(p, "--sheet", key="sheet")
    p.set_defaults(run=cmd_ingest)

    p = words.command(commands, "names", parents=[common])
    words.add(p, "action", key="names_action", choices=["list", "withdraw"])
    words.add(p, "decision_id", key="decision_id", nargs="?")
    words.add(p, "--json", key="names_json", action="store_true")
    words.add(p, "--actor", key="actor", default="cli")
    p.set_defaults(run=cmd_names)
