"""``python -m analytics brief``: the meeting brief as a PDF (analytics.report.brief), from the command line.

    brief --fy 2022-23 [--period 2023-24-Q1] --lang bn|en --out FILE.pdf [--store DIR] [--with-people]
          [--channel all|udc|front_desk] [--upazila NAME|P-CODE] [--compare previous|year] [--url BASE]

The period, store and errors work as in the other commands (analytics.cli.main): a bad period, an
unknown upazila, a path that cannot be written, or missing fonts end in one line, exit 2.
``--with-people`` lists entrepreneurs by name with their earnings (for the office only);
without it the small-cell rule of open links applies. The header's share link pins the data
version, so it shows the same numbers later; ``--url`` is the app's address (default
``$SEBA_ATLAS_URL`` or http://localhost:8501).
"""

from __future__ import annotations

import argparse
import errno
import os
from pathlib import Path

import polars as pl

from analytics.reference.gazetteer import Gazetteer
from analytics.report.comparison import DEFAULT_MODE, MODES
from analytics.report.viewstate import CHANNELS, ViewState
from analytics.store import StoreError

DEFAULT_URL = "http://localhost:8501"


def _upazila(gaz: Gazetteer, given: str | None) -> str | None:
    if not given:
        return None
    if given in set(gaz.upazilas()["pcode"].to_list()):
        return given
    found = gaz.resolve(given, level="upazila")
    if found.status == "ok" and not found.approximate:
        return found.pcode
    raise StoreError(f"--upazila {given}: not an upazila of the district", key="bad_upazila", given=given)


def cmd_brief(args: argparse.Namespace) -> int:
    from analytics.cli.main import _period, store_for
    from analytics.report import brief

    period = _period(args)  # before the store is opened (or created)
    if not brief.fonts_available():
        raise StoreError(f"the Noto fonts are not in {brief.FONT_DIR}: install Debian's fonts-noto-core",
                         key="brief_fonts", path=str(brief.FONT_DIR))
    gaz = Gazetteer.load()
    upazila = _upazila(gaz, args.upazila)
    out = Path(args.out)
    if not out.parent.is_dir():
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(out.parent))
    store = store_for(args.store)
    version = store.version()
    samples = frozenset(store.uploads().filter(pl.col("is_sample"))["upload_id"].to_list())
    custom = period.fy is None
    view = ViewState(lang=args.lang, fy=None if custom else period.fy, q=period.quarter,
                     start=period.start if custom else None, end=period.end if custom else None,
                     channel=args.channel, upazila=upazila, version=version, compare=args.compare)
    base = (args.url or os.environ.get("SEBA_ATLAS_URL") or DEFAULT_URL).split("?", 1)[0]
    pdf = brief.brief_pdf(store.scan(), gaz, period=period, lang=args.lang, channel=args.channel, upazila=upazila,
                          with_people=args.with_people, sample_uploads=samples, compare_with=args.compare,
                          data_version=version, link=view.link(base))
    partial = out.with_name(f".{out.name}.partial")
    try:
        partial.write_bytes(pdf)
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    print(out)
    return 0


def add_commands(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = commands.add_parser("brief", parents=[common], help="the meeting brief of a period as a PDF")
    p.add_argument("--fy", default="2022-23", help="fiscal year, e.g. 2022-23")
    p.add_argument("--period", help="instead of --fy: 2023-24-Q1 or 2022-07-01..2022-12-31")
    p.add_argument("--out", required=True, help="the PDF file to write")
    p.add_argument("--with-people", action="store_true",
                   help="list entrepreneurs by name with their earnings (for the office only)")
    p.add_argument("--channel", choices=CHANNELS, default="all")
    p.add_argument("--upazila", help="one upazila (name or P-code) instead of the whole district")
    p.add_argument("--compare", choices=MODES, default=DEFAULT_MODE,
                   help="changes against the previous period or the same period a year earlier")
    p.add_argument("--url", help=f"the app's address for the share link (default $SEBA_ATLAS_URL or {DEFAULT_URL})")
    p.set_defaults(run=cmd_brief)


__all__ = ["add_commands", "cmd_brief"]
