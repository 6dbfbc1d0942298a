"""``python -m analytics ingest FILE...``: the upload pipeline in batch.

Every file is read and validated first; only when all of them are clean is anything
stored (each file as one upload). Exit status: 0 stored (or nothing new), 1 rejected
(with a readable report, nothing stored), 2 usage errors.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analytics import i18n
from analytics.gazetteer import Gazetteer
from analytics.ingest import IngestResult, Limits, ingest_bytes
from analytics.periods import parse_period
from analytics.services import ServiceResolver, load_catalogue
from analytics.store import Store, content_hash, new_upload_id


def report(result: IngestResult, *, lang: str, limit: int = 40) -> str:
    """A plain-text account of one file's problems: the first ``limit`` lines, then counts."""
    lines = []
    for row in result.problems.head(limit).iter_rows(named=True):
        where = [row["file"]]
        if row["sheet"]:
            where.append(i18n.t("ingest.where_sheet", lang, sheet=row["sheet"]))
        if row["row"] is not None:
            where.append(i18n.t("ingest.where_row", lang, row=row["row"]))
        if row["column"]:
            where.append(i18n.t("ingest.where_column", lang, column=row["column"]))
        lines.append(f"  {', '.join(where)}: {row['message']}")
    if result.problems.height > limit:
        lines.append("  " + i18n.t("ingest.cli_more", lang, more=result.problems.height - limit))
        for code, count in result.problems.group_by("code").len().sort("len", descending=True).iter_rows():
            lines.append(f"    {code}: {i18n.number(count, lang=lang)}")
    return "\n".join(lines)


def ingest_files(store: Store, paths: list[Path], *, uploader: str, mode: str = "add", dry_run: bool = False,
                 period: str | None = None, lang: str = "en", report_dir: str | None = None,
                 out=sys.stdout, err=sys.stderr) -> int:
    gazetteer, services = Gazetteer.load(), ServiceResolver(load_catalogue())
    checked: list[tuple[Path, bytes, IngestResult]] = []
    rejected = False
    for path in paths:
        data = path.read_bytes()
        result = ingest_bytes(data, file_name=path.name, upload_id=new_upload_id(), lang=lang,
                              period=parse_period(period) if period else None, limits=Limits(),
                              gazetteer=gazetteer, services=services)
        checked.append((path, data, result))
        summary = i18n.t("ingest.cli_summary", lang, file=path.name, accepted=result.frame.height,
                         problems=result.problems.height)
        print(summary, file=out)
        if result.dropped_pii:
            print("  " + i18n.t("ingest.cli_dropped_pii", lang, columns=", ".join(result.dropped_pii)), file=out)
        if not result.ok or result.problems.height:
            rejected = True
            print(report(result, lang=lang), file=err)
            if report_dir and result.rejected.height:
                target = Path(report_dir) / f"{path.stem}-problems.csv"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(result.rejected_csv(lang=lang))
                print("  " + i18n.t("ingest.cli_report_written", lang, path=str(target)), file=err)
    if rejected:
        print(i18n.t("ingest.cli_rejected", lang), file=err)
        return 1
    if dry_run:
        print(i18n.t("ingest.cli_dry_run", lang), file=out)
        return 0
    for path, data, result in checked:
        stored = store.commit(result.frame, file_name=path.name, content_hash=content_hash(data), uploader=uploader,
                              mode=mode, upload_id=result.frame["upload_id"][0] if result.frame.height else None)
        key = "ingest.cli_duplicate" if stored.status == "duplicate" else "ingest.cli_stored"
        print(i18n.t(key, lang, file=path.name, upload=stored.upload_id, rows=stored.rows), file=out)
    print(i18n.t("ingest.cli_version", lang, version=store.version()), file=out)
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from analytics.cli import store_for

    paths = [Path(p) for p in args.files]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        print(f"error: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    return ingest_files(store_for(args.store), paths, uploader=args.uploader, mode=args.mode,
                        dry_run=args.dry_run, period=args.period, lang=args.lang, report_dir=args.report_dir)


def add_commands(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = commands.add_parser("ingest", parents=[common], help="validate and store quarterly log files")
    p.add_argument("files", nargs="+")
    p.add_argument("--mode", choices=["add", "replace"], default="add",
                   help="add to what is stored for the files' quarters, or replace it (kept for rollback)")
    p.add_argument("--dry-run", action="store_true", help="validate and report only; store nothing")
    p.add_argument("--period", help="the quarter the files must fall in, e.g. 2022-23-Q1")
    p.add_argument("--uploader", default="cli")
    p.add_argument("--report-dir", help="write each rejected file's problem rows here as CSV, to fix and upload again")
    p.set_defaults(run=cmd_ingest)
