"""The meeting brief's limits (issue 15): made in <= 60 s, <= 8 pages, <= 5 MB.

``.venv/bin/python -m benchmarks.brief [--store DIR]`` makes the FY 2022-23 brief with the
command users run (``python -m analytics brief``), in both languages, with and without
``--with-people``, on a temporary store holding the sample (or ``--store``), and prints the
time, pages (``pdfinfo``) and size of each. Exit 1 when a limit is exceeded.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from analytics.report.brief import LIMITS

ROOT = Path(__file__).resolve().parent.parent


def measure(store: Path, out: Path) -> list[dict]:
    rows = []
    for lang in ("bn", "en"):
        for people in (False, True):
            path = out / f"brief-{lang}{'-people' if people else ''}.pdf"
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "analytics", "brief", "--fy", "2022-23", "--lang", lang,
                            "--out", str(path), "--store", str(store), *(["--with-people"] if people else [])],
                           cwd=ROOT, check=True, capture_output=True, timeout=600)
            seconds = time.perf_counter() - started
            info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
            pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
            rows.append({"lang": lang, "with_people": people, "seconds": seconds, "pages": pages,
                         "bytes": path.stat().st_size})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.brief", description=__doc__)
    parser.add_argument("--store", help="a store to use (default: a temporary one with the sample)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(args.store) if args.store else Path(tmp) / "store"
        if not args.store:
            from analytics.reference.sample import ensure_sample
            from analytics.store import LocalStore

            ensure_sample(LocalStore(store))
        rows = measure(store, Path(tmp))
    ok = True
    print("| language | names | time (whole command) | pages | size |\n|---|---|---|---|---|")
    for row in rows:
        within = row["seconds"] <= LIMITS["seconds"] and row["pages"] <= LIMITS["pages"] and row["bytes"] <= LIMITS["bytes"]
        ok &= within
        print(f"| {row['lang']} | {'yes' if row['with_people'] else 'no'} | {row['seconds']:.1f} s | {row['pages']} "
              f"| {row['bytes'] / 1024:.0f} KB |{'' if within else ' OVER A LIMIT'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
