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
import re
from pathlib import Path

import polars as pl

from analytics import i18n
from analytics.cli.language import Help
from analytics.cli.output import write_bytes
from analytics.reference.gazetteer import Gazetteer
from analytics.report.comparison import DEFAULT_MODE, MODES
from analytics.report.viewstate import CHANNELS, ViewState
from analytics.store import StoreError

DEFAULT_URL = "http://localhost:8501"
#: The app's address a brief links to, at most (a review's 8,000 characters made the PDF fail).
MAX_URL = 500


def _upazila(gaz: Gazetteer, given: str | None) -> str | None:
    if not given:
        return None
    if given in set(gaz.upazilas()["pcode"].to_list()):
        return given
    found = gaz.resolve(given, level="upazila")
    if found.status == "ok" and not found.approximate:
        return found.pcode
    raise StoreError(i18n.t("cli_error.bad_upazila", "en", given=given), key="bad_upazila", given=given)


def cmd_brief(args: argparse.Namespace) -> int:
    from analytics.cli.main import _period, store_for
    from analytics.report import brief

    period = _period(args)  # before the store is opened (or created)
    if not brief.fonts_available():
        raise StoreError(i18n.t("cli_error.brief_fonts", "en", path=str(brief.FONT_DIR)), key="brief_fonts",
                         path=str(brief.FONT_DIR))
    base = (args.url or os.environ.get("SEBA_ATLAS_URL") or DEFAULT_URL).split("?", 1)[0]
    if not re.fullmatch(r"https?://\S+", base) or len(base) > MAX_URL:  # (the brief prints it as its link)
        raise StoreError(i18n.t("cli_error.bad_url", "en", most=MAX_URL), key="bad_url", most=MAX_URL)
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
    pdf = brief.brief_pdf(store.rollup(), gaz, period=period, lang=args.lang, channel=args.channel, upazila=upazila,
                          with_people=args.with_people, sample_uploads=samples, compare_with=args.compare,
                          data_version=version, link=view.link(base))
    write_bytes(out, pdf)
    print(out)
    return 0


def add_commands(commands: argparse._SubParsersAction, parents: list[argparse.ArgumentParser], words: Help) -> None:
    """``brief``; ``parents`` give --store, --lang, --fy and --period (as in ``summary``)."""
    p = words.command(commands, "brief", parents=parents)
    words.add(p, "--out", key="brief_out", required=True)
    words.add(p, "--with-people", key="with_people", action="store_true")
    words.add(p, "--channel", key="channel", choices=CHANNELS, default="all")
    words.add(p, "--upazila", key="upazila")
    words.add(p, "--compare", key="compare", choices=MODES, default=DEFAULT_MODE)
    words.add(p, "--url", key="url", help=words.text("url", url=DEFAULT_URL))
    p.set_defaults(run=cmd_brief)


__all__ = ["add_commands", "cmd_brief"]
