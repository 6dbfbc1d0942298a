"""``python -m analytics``: the command line over the same code the app uses.

    summary  [--fy 2022-23 | --period 2022-23-Q1] [--json] [--lang bn|en] [--store DIR]
    sample   [--out DIR] [--formats csv,xlsx]      write the sample as quarterly upload files
    ingest   FILE... [--mode add|replace] [--dry-run] [--uploader NAME] [--lang bn|en]
    uploads  | rollback UPLOAD_ID                   upload history; undo an upload
    brief    --out FILE.pdf [--fy | --period] [--lang bn|en] [--with-people]   the meeting brief (cli_brief)

The default store (``data/store`` or $SEBA_ATLAS_STORE) is seeded with the bundled sample on
first use, as the app does; a store named with ``--store`` is used as it is. A store that
cannot be written (read-only disk or directory) is read as usual; commands that write to it
are refused.

Every command takes ``--lang bn|en`` (English by default; :mod:`analytics.cli.language`): help,
messages and errors are in it; ``--json`` and tab-separated output are the same in both.
Errors end in one line on stderr, in the ``--lang`` language, never a traceback: exit 2 for
what the user can fix (a usage error, an unknown upload, a bad period or path, a read-only
store, a full disk), exit 1 for an error in the app itself (its traceback goes to the log
file named in the message, ``$SEBA_ATLAS_CLI_LOG`` or ``seba-atlas-cli.log`` in the temporary
directory). ``ingest`` reports its own errors (see :mod:`analytics.cli.ingest`).
"""

from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import re
import sys
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from analytics import i18n
from analytics.cli import interrupt
from analytics.cli.argv import command_word
from analytics.cli.ingest import UsageError, check_files
from analytics.cli.language import Help, Parser, argparse_words, from_argv, shown
from analytics.reference import schema
from analytics.reference.gazetteer import Gazetteer
from analytics.reference.periods import Period, fiscal_year, parse_fy, parse_period
from analytics.store import Store, StoreError, missing_store, open_store, store_location

if TYPE_CHECKING:
    import polars as pl


def store_for(location: str | None, *, create: bool = False) -> Store:
    """The named store, or the app's default store seeded with the sample. A named local store
    that does not exist is made only when ``create`` (an ingest): a command that reads one (a
    typing slip in ``--store``) is refused, never given the figures of a new empty store."""
    if location:
        if missing := missing_store(location, create=create):
            raise missing
        return open_store(location)
    from analytics.reference.sample import ensure_sample

    store = open_store()  # SEBA_ATLAS_STORE, else data/store
    ensure_sample(store)
    return store


def summary(store: Store, *, period: Period, gazetteer: Gazetteer | None = None) -> dict:
    """The published-report figures for ``period`` as one JSON-ready object."""
    return _summary(store, period=period, gazetteer=gazetteer)[0]


def _summary(store: Store, *, period: Period, gazetteer: Gazetteer | None) -> tuple[dict, pl.DataFrame]:
    """:func:`summary`, and the months of monthly summaries the period cuts (metrics.months_cut)."""
    from analytics.report import metrics

    gaz = gazetteer or Gazetteer.load()
    log = store.rollup()
    head = metrics.headline(log, period=period)
    areas = metrics.by_area(log, gaz.units, level="upazila", period=period)
    cut = metrics.months_cut(log, period=period)
    return {
        "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(),
        "beneficiaries_total": head["beneficiaries_total"],
        "beneficiaries_udc": head["beneficiaries_udc"],
        "beneficiaries_front_desk": head["beneficiaries_front_desk"],
        "beneficiaries_by_upazila": {
            gaz.name(pcode, lang="en"): int(udc or 0)
            for pcode, udc in areas.select("pcode", "beneficiaries_udc").iter_rows()
        },
        "entrepreneurs": head["entrepreneurs"],
        "unions_with_udc": head["unions_with_udc"],
        "entrepreneur_earnings_bdt": schema.paisa_to_taka_json(head["entrepreneur_earnings_paisa"]),
        "udc_service_kinds": head["udc_service_kinds"],
        "front_desk_service_kinds": head["front_desk_service_kinds"],
        # monthly summaries name no entrepreneur: where UDC rows of them are in the period,
        # "entrepreneurs" counts only those the logs name, and the number of entrepreneurs is not known
        "entrepreneurs_known": head["udc_rows_unnamed"] == 0,
        # the same earnings as one integer, always (entrepreneur_earnings_bdt is "12.50" when not whole)
        "entrepreneur_earnings_paisa": head["entrepreneur_earnings_paisa"],
        # a date range that begins or ends inside a month of monthly summaries counts that month
        # whole (its 1st in the range) or not at all (metrics.months_cut): "YYYY-MM" each
        "months_counted_whole": [f"{month:%Y-%m}" for month, whole in cut.iter_rows() if whole],
        "months_left_out": [f"{month:%Y-%m}" for month, whole in cut.iter_rows() if not whole],
        # 0 in beneficiaries_by_upazila is also what an upazila without any UDC log reads (the key's
        # values stay numbers): these are the upazilas with no data, as the app's map says "No data"
        "upazilas_without_data": [gaz.name(pcode, lang="en") for pcode, udc in
                                  areas.select("pcode", "beneficiaries_udc").iter_rows() if udc is None],
        # whether the period has any row at all (a year never uploaded reads all zeros otherwise)
        "has_data": head["rows"] > 0,
    }, cut


def summary_text(store: Store, *, period: Period, lang: str, gazetteer: Gazetteer | None = None) -> str:
    gaz = gazetteer or Gazetteer.load()
    data, cut = _summary(store, period=period, gazetteer=gaz)
    t = i18n.t
    lines = [t("summary.title", lang, period=period.label(lang=lang)),
             f"  {i18n.day(period.start, lang=lang)} – {i18n.day(period.end, lang=lang)}"]
    rows = [
        (t("figure.beneficiaries_total", lang), i18n.number(data["beneficiaries_total"], lang=lang)),
        (t("figure.beneficiaries_udc", lang), i18n.number(data["beneficiaries_udc"], lang=lang)),
        (t("figure.beneficiaries_front_desk", lang), i18n.number(data["beneficiaries_front_desk"], lang=lang)),
        (t("figure.entrepreneurs", lang), i18n.number(data["entrepreneurs"], lang=lang) if data["entrepreneurs_known"]
         else t("figure.not_known", lang)),
        (t("figure.unions_with_udc", lang), i18n.number(data["unions_with_udc"], lang=lang)),
        (t("figure.earnings", lang), i18n.taka(schema.taka_to_paisa(data["entrepreneur_earnings_bdt"]), lang=lang)),
        (t("figure.udc_service_kinds", lang), i18n.number(data["udc_service_kinds"], lang=lang)),
        (t("figure.front_desk_service_kinds", lang), i18n.number(data["front_desk_service_kinds"], lang=lang)),
    ]
    for pcode in gaz.upazilas()["pcode"]:
        name = gaz.name(pcode, lang="en")
        rows.append(("  " + gaz.name(pcode, lang=lang), t("map.no_data", lang) if name in data["upazilas_without_data"]
                     else i18n.number(data["beneficiaries_by_upazila"][name], lang=lang)))
    width = max(len(label) for label, _ in rows)
    lines += [f"{label.ljust(width)}  {value:>12}" for label, value in rows]
    if not cut.is_empty():
        from analytics.report.views import months_cut_text

        lines.append(months_cut_text(cut, lang=lang))
    if not data["has_data"]:
        lines.append(t("summary.no_data", lang))
    return "\n".join(lines)


#: The fiscal year of summary and brief when neither --fy nor --period names one (the sample's).
DEFAULT_FY = "2022-23"


def _period(args: argparse.Namespace) -> Period:
    if args.period is not None and not args.period.strip():  # (an empty variable in a script: not "the year")
        raise StoreError(i18n.t("cli_error.bad_period", "en", given="--period ''"), key="bad_period",
                         given="--period ''")
    if args.period and args.fy:  # both named: --period is read, as it always was; said, not silently
        print(i18n.t("cli.fy_not_used", args.lang, fy=args.fy, period=args.period), file=sys.stderr)
    fy = args.fy or DEFAULT_FY
    try:
        if args.period:
            return parse_period(args.period)
        year = fiscal_year(parse_fy(fy))
    except (ValueError, OverflowError):
        given = f"--period {args.period}" if args.period else f"--fy {fy}"
        key = "bad_period" if args.period else "bad_fy"  # (a quarter given to --fy is --period's)
        raise StoreError(i18n.t(f"cli_error.{key}", "en", given=given), key=key, given=given) from None
    if args.fy and len(re.findall(r"\d+", i18n.ascii_digits(args.fy))) == 1:  # one year named: which was meant is said
        print(i18n.t("cli.fy_read_as", args.lang, fy=args.fy, year=year.label(lang=args.lang),
                     start=i18n.day(year.start, lang=args.lang), end=i18n.day(year.end, lang=args.lang)), file=sys.stderr)
    return year


def cmd_summary(args: argparse.Namespace) -> int:
    period = _period(args)  # before the store is opened (or created)
    store = store_for(args.store)
    if args.json:
        print(json.dumps(summary(store, period=period), ensure_ascii=False, indent=2))
    else:
        print(summary_text(store, period=period, lang=args.lang))
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    from analytics.reference.sample import generate, write_quarterly_files

    formats = tuple(f.strip().lower() for f in args.formats.split(",") if f.strip())
    if not formats or set(formats) - {"csv", "xlsx"}:  # (nothing written, and nothing said, was the answer)
        raise UsageError(("sample_formats", {"given": args.formats}))
    for path in write_quarterly_files(generate(), Path(args.out), formats=formats):
        print(path)
    return 0


def cmd_uploads(args: argparse.Namespace) -> int:
    import polars as pl

    from analytics.ingest.digest import BREAKS, UNSHOWN

    frame = store_for(args.store).uploads()
    # one upload per line, whatever its file was named: a tab or a line break in a name (or an
    # uploader's) is written as a space, so that a script reading lines and tabs reads each upload whole
    print(frame.select("upload_id", "file_name", "status", "rows", "beneficiaries", "period_start",
                       "period_end", "uploader", "created_at")
          .with_columns(pl.col(pl.String).str.replace_all(BREAKS, " ").str.replace_all(UNSHOWN, "\ufffd"))
          .write_csv(separator="\t", quote_style="never"), end="")
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    store = store_for(args.store)
    args.upload_id = args.upload_id.strip()  # (copied from a listing with the space or tab after it)
    store.rollback(args.upload_id, actor=args.actor)
    print(i18n.t("cli.rolled_back", args.lang, upload=args.upload_id, version=shown(store.version(), args.lang)))
    return 0


#: Commands whose module registers them: a command line naming one builds only that module's
#: commands, so ``ingest`` does not import what the others need (sign-in's password hashing, reports).
_OWN_MODULE = {"ingest": "ingest", "names": "ingest"}


def build_parser(lang: str = "en", *, only: str | None = None) -> argparse.ArgumentParser:
    """The command line, its help in ``lang`` (argparse's own words too, when built and used inside
    :func:`analytics.cli.language.argparse_words`). ``only`` ("ingest"): just that module's commands."""
    words = Help(lang)
    parser = Parser(prog="python -m analytics", description=i18n.t("cli.description", lang), lang=lang,
                    formatter_class=argparse.RawDescriptionHelpFormatter)
    words.lang_option(parser)
    common = words.parent()  # --store and --lang: the commands that read or change the store
    words.add(common, "--store", key="store")
    words.lang_option(common)
    period = words.parent()  # the period of summary and brief
    words.add(period, "--fy", key="fy", default=None)  # (DEFAULT_FY unless --period is given)
    words.add(period, "--period", key="period")
    commands = parser.add_subparsers(dest="command", required=True, metavar=i18n.t("cli.meta.command", lang))
    if only == "ingest":
        from analytics.cli import ingest as cli_ingest

        cli_ingest.add_commands(commands, common, words)
        return parser

    p = words.command(commands, "summary", parents=[common, period])
    words.add(p, "--json", key="json", action="store_true")
    p.set_defaults(run=cmd_summary)

    p = words.command(commands, "sample")
    words.add(p, "--out", key="sample_out", default="data/sample-uploads")
    words.add(p, "--formats", key="formats", default="csv,xlsx")
    words.lang_option(p)
    p.set_defaults(run=cmd_sample)

    p = words.command(commands, "uploads", parents=[common])
    p.set_defaults(run=cmd_uploads)

    p = words.command(commands, "rollback", parents=[common])
    words.add(p, "upload_id", key="upload_id")
    words.add(p, "--actor", key="actor", default="cli")
    p.set_defaults(run=cmd_rollback)

    from analytics.cli import admin as cli_admin
    from analytics.cli import brief as cli_brief
    from analytics.cli import ingest as cli_ingest
    from analytics.cli import store as cli_store

    cli_ingest.add_commands(commands, common, words)
    cli_admin.add_commands(commands, words)
    cli_brief.add_commands(commands, [common, period], words)
    cli_store.add_commands(commands, common, words)
    return parser


def _writes(args: argparse.Namespace) -> bool:
    """Whether the command stores or changes something in the store (refused up front when read-only)."""
    return (args.command == "ingest" and not args.dry_run) or (args.command == "names" and args.action == "withdraw")


def error_line(error: BaseException, lang: str) -> str:
    """The one line that tells the user what went wrong, in ``lang``."""
    if isinstance(error, StoreError):
        key = f"cli_error.{error.key}"
        if key in i18n.strings():
            message = i18n.t(key, lang, **error.values)
        else:
            message = str(error)
    elif isinstance(error, OSError):
        reasons = {errno.ENOENT: "no_such_path", errno.EACCES: "permission", errno.EPERM: "permission",
                   errno.EROFS: "read_only_path", errno.ENOSPC: "disk_full", errno.EISDIR: "is_a_directory",
                   errno.ENOTDIR: "not_a_directory_path", errno.EEXIST: "exists"}
        path = error.filename if error.filename is not None else ""
        key = reasons.get(error.errno)
        message = (i18n.t(f"cli_error.{key}", lang, path=str(path)) if key
                   else i18n.t("cli_error.os", lang, path=str(path), reason=error.strerror or str(error)))
    elif isinstance(error, UsageError):
        message = error.text(lang)
    else:
        message = str(error)
    return i18n.t("cli_error.line", lang, message=" ".join(message.split()))


def stored_file_failed(error: BaseException) -> bool:
    """Whether ``error`` is polars failing to read one of the store's Parquet files (deleted, or
    damaged by hand or by a disk): the store is damaged, and its files are not the user's to read."""
    import polars as pl

    text = str(error)
    return (isinstance(error, pl.exceptions.PolarsError) or isinstance(error, OSError) and error.errno is None) \
        and ("parquet" in text.lower() or "/parts/fy=" in text)


def _interrupted(args: argparse.Namespace, lang: str) -> int:
    """Ctrl-C or SIGTERM: said in one line (:func:`analytics.cli.interrupt.message_key`), status 130
    or 143 (:func:`analytics.cli.interrupt.status`)."""
    print(i18n.t("cli_error.line", lang, message=i18n.t(interrupt.message_key(args.command), lang)), file=sys.stderr)
    return interrupt.status()


def _stored_file_error(args: argparse.Namespace, lang: str) -> int:
    location = getattr(args, "store", None) or store_location()
    print(i18n.t("cli_error.line", lang, message=i18n.t("cli_error.stored_file_unreadable", lang, path=location)),
          file=sys.stderr)
    return 2


def _log_path() -> Path:
    return Path(os.environ.get("SEBA_ATLAS_CLI_LOG") or Path(tempfile.gettempdir()) / "seba-atlas-cli.log")


def _open_log():
    """The log for appending, made readable by its owner only (a traceback may quote a file's cells,
    and the default log is in the shared temporary folder)."""
    return open(os.open(_log_path(), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600), "a", encoding="utf-8")


class _LogFile(logging.Handler):
    """The command line's log records (a reader that failed, with its traceback) go to its log file,
    never to the terminal: Python would print them there, library text and all, when nothing
    else takes them."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            with _open_log() as log:
                log.write(self.format(record) + "\n")
        except OSError:  # no log to write: nothing for the user either
            pass


def _log_internal(argv: list[str] | None) -> str | None:
    """Append the current exception's traceback to the CLI log; its path, or None when it cannot be written."""
    path = _log_path()
    try:
        with _open_log() as log:
            log.write(f"--- {datetime.now(UTC).isoformat(timespec='seconds')} "
                      f"python -m analytics {' '.join(sys.argv[1:] if argv is None else argv)}\n")
            log.write(traceback.format_exc())
    except OSError:
        return None
    return str(path)


def main(argv: list[str] | None = None) -> int:
    if not logging.getLogger().handlers:  # (a caller that set up logging keeps its own)
        handler = _LogFile(logging.WARNING)
        handler.setFormatter(logging.Formatter("--- %(asctime)s %(name)s: %(message)s"))
        logging.getLogger().addHandler(handler)
    lang = from_argv(sys.argv[1:] if argv is None else argv)
    with argparse_words(lang):
        args = build_parser(lang, only=_OWN_MODULE.get(command_word(sys.argv[1:] if argv is None else argv))
                            ).parse_args(argv)
    lang = getattr(args, "lang", None) or lang
    try:
        if args.command == "ingest":  # (before a store is made for files that cannot be read)
            check_files([Path(p) for p in args.files])
        if _writes(args):
            store = store_for(args.store, create=args.command == "ingest")
            if hasattr(store, "check_writable"):
                store.check_writable()
        return args.run(args)
    except (StoreError, UsageError, OSError) as error:
        if isinstance(error, BrokenPipeError):  # the reader went away (`... | head`): not an error
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 1
        if stored_file_failed(error):
            return _stored_file_error(args, lang)
        print(error_line(error, lang), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return _interrupted(args, lang)
    except Exception as error:  # noqa: BLE001 - never a traceback: it goes to the log, a sentence to the user
        if interrupt.happened():  # (a Ctrl-C that polars turned into another error)
            return _interrupted(args, lang)
        if stored_file_failed(error):
            _log_internal(argv)
            return _stored_file_error(args, lang)
        logged = _log_internal(argv)
        key = "cli_error.internal" if logged else "cli_error.internal_not_logged"
        print(i18n.t("cli_error.line", lang, message=i18n.t(key, lang, kind=type(error).__name__, log=logged or "")),
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
