"""``python -m analytics``: the command line over the same code the app uses.

    summary  [--fy 2022-23 | --period 2022-23-Q1] [--json] [--lang bn|en] [--store DIR]
    sample   [--out DIR] [--formats csv,xlsx]      write the sample as quarterly upload files
    ingest   FILE... [--mode add|replace] [--dry-run] [--uploader NAME] [--lang bn|en]
    uploads  | rollback UPLOAD_ID                   upload history; undo an upload

The default store (``data/store`` or $SEBA_ATLAS_STORE) is seeded with the bundled sample on
first use, as the app does; a store named with ``--store`` is used as it is.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from analytics import i18n, metrics, schema
from analytics.gazetteer import Gazetteer
from analytics.periods import Period, fiscal_year, parse_fy, parse_period
from analytics.store import DEFAULT_STORE_DIR, Store, open_store


def store_for(location: str | None) -> Store:
    """The named store, or the app's default store seeded with the sample."""
    if location:
        return open_store(location)
    from analytics.sample import ensure_sample

    store = open_store(DEFAULT_STORE_DIR)
    ensure_sample(store)
    return store


def summary(store: Store, *, period: Period, gazetteer: Gazetteer | None = None) -> dict:
    """The published-report figures for ``period`` as one JSON-ready object."""
    gaz = gazetteer or Gazetteer.load()
    log = store.scan()
    head = metrics.headline(log, period=period)
    areas = metrics.by_area(log, gaz.units, level="upazila", period=period)
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
    }


def summary_text(store: Store, *, period: Period, lang: str, gazetteer: Gazetteer | None = None) -> str:
    gaz = gazetteer or Gazetteer.load()
    data = summary(store, period=period, gazetteer=gaz)
    t = i18n.t
    lines = [t("summary.title", lang, period=period.label(lang=lang)),
             f"  {i18n.day(period.start, lang=lang)} – {i18n.day(period.end, lang=lang)}"]
    rows = [
        (t("figure.beneficiaries_total", lang), i18n.number(data["beneficiaries_total"], lang=lang)),
        (t("figure.beneficiaries_udc", lang), i18n.number(data["beneficiaries_udc"], lang=lang)),
        (t("figure.beneficiaries_front_desk", lang), i18n.number(data["beneficiaries_front_desk"], lang=lang)),
        (t("figure.entrepreneurs", lang), i18n.number(data["entrepreneurs"], lang=lang)),
        (t("figure.unions_with_udc", lang), i18n.number(data["unions_with_udc"], lang=lang)),
        (t("figure.earnings", lang), i18n.taka(schema.taka_to_paisa(data["entrepreneur_earnings_bdt"]), lang=lang)),
        (t("figure.udc_service_kinds", lang), i18n.number(data["udc_service_kinds"], lang=lang)),
        (t("figure.front_desk_service_kinds", lang), i18n.number(data["front_desk_service_kinds"], lang=lang)),
    ]
    for pcode in gaz.upazilas()["pcode"]:
        rows.append(("  " + gaz.name(pcode, lang=lang),
                     i18n.number(data["beneficiaries_by_upazila"][gaz.name(pcode, lang="en")], lang=lang)))
    width = max(len(label) for label, _ in rows)
    lines += [f"{label.ljust(width)}  {value:>12}" for label, value in rows]
    return "\n".join(lines)


def _period(args: argparse.Namespace) -> Period:
    if args.period:
        return parse_period(args.period)
    return fiscal_year(parse_fy(args.fy))


def cmd_summary(args: argparse.Namespace) -> int:
    store = store_for(args.store)
    period = _period(args)
    if args.json:
        print(json.dumps(summary(store, period=period), ensure_ascii=False, indent=2))
    else:
        print(summary_text(store, period=period, lang=args.lang))
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    from analytics.sample import generate, write_quarterly_files

    for path in write_quarterly_files(generate(), Path(args.out), formats=tuple(args.formats.split(","))):
        print(path)
    return 0


def cmd_uploads(args: argparse.Namespace) -> int:
    frame = store_for(args.store).uploads()
    print(frame.select("upload_id", "file_name", "status", "rows", "beneficiaries", "period_start",
                       "period_end", "uploader", "created_at").write_csv(separator="\t"), end="")
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    store = store_for(args.store)
    store.rollback(args.upload_id, actor=args.actor)
    print(f"rolled back {args.upload_id}; store version {store.version()}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analytics", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--store", help="store directory (default: the app's, seeded with the sample)")
    common.add_argument("--lang", choices=i18n.LANGS, default="en")
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("summary", parents=[common], help="the report's figures for a period")
    p.add_argument("--fy", default="2022-23", help="fiscal year, e.g. 2022-23")
    p.add_argument("--period", help="instead of --fy: 2022-23-Q1 or 2022-07-01..2022-12-31")
    p.add_argument("--json", action="store_true", help="one JSON object")
    p.set_defaults(run=cmd_summary)

    p = commands.add_parser("sample", help="write the bundled sample as quarterly upload files")
    p.add_argument("--out", default="data/sample-uploads")
    p.add_argument("--formats", default="csv,xlsx")
    p.set_defaults(run=cmd_sample)

    p = commands.add_parser("uploads", parents=[common], help="list uploads")
    p.set_defaults(run=cmd_uploads)

    p = commands.add_parser("rollback", parents=[common], help="withdraw an upload, restoring what it replaced")
    p.add_argument("upload_id")
    p.add_argument("--actor", default="cli")
    p.set_defaults(run=cmd_rollback)

    from analytics import cli_admin, cli_ingest

    cli_ingest.add_commands(commands, common)
    cli_admin.add_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
