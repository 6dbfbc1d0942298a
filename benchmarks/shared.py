"""Page computations on the shared store against the local store, side by side.

    python -m benchmarks.shared [--sizes 1M,10M] [--repeat 5] [--out benchmarks/RESULTS.md]

The same generated rows are committed to a local store (Parquet + SQLite on this disk) and to a
shared one (PostgreSQL + SeaweedFS S3 on loopback, both started here by tests/servers.py); each
page's computations (those of ``python -m benchmarks``) then run on a scan of each. Reported:
medians of ``--repeat`` runs, and shared / local as a ratio (goal: within 1.5×). Written to the
``shared-store`` section of RESULTS.md, leaving the other sections as they are.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from analytics.store import LocalStore, open_store
from benchmarks.generate import national_gazetteer, store_frame
from benchmarks.run import SIZES, project_pages, sized_parser, timed
from tests import servers

GOAL = 1.5


def fill(store, rows: int) -> None:
    for start in range(0, rows, 2_000_000):  # commit in slices: bounded memory
        part = store_frame(min(2_000_000, rows - start), seed=start + 7)
        store.commit(part, file_name=f"bench-{start}", content_hash=f"bench-{rows}-{start}", uploader="bench")


def measure(sizes: list[str], *, repeat: int) -> list[tuple[str, str, float, float]]:
    """(size, computation, local ms, shared ms) for every size and page computation."""
    units = national_gazetteer().units
    out = []
    with tempfile.TemporaryDirectory() as work, servers.postgres(Path(work)) as url, \
            servers.seaweedfs(Path(work)) as s3:
        for size in sizes:
            rows = SIZES[size]
            env = {**s3.aws, "SEBA_ATLAS_OBJECTS": f"s3://{s3['bucket']}/bench-{size}"}
            local, shared = LocalStore(Path(work) / f"local-{size}"), open_store(url, env=env)
            fill(local, rows)
            with shared._transaction() as db:  # a fresh catalogue per size: the same rows in both
                db.execute("TRUNCATE uploads, upload_files, changes, decisions")
            fill(shared, rows)
            pages = {name: project_pages(store.rollup(), units) for name, store in (("local", local), ("shared", shared))}
            for computation in pages["local"]:
                _, at_home = timed(pages["local"][computation], repeat=repeat)
                _, far = timed(pages["shared"][computation], repeat=repeat)
                out.append((size, computation, at_home * 1000, far * 1000))
    return out


def report(results: list[tuple[str, str, float, float]]) -> str:
    lines = ["<!-- shared-store:start -->", "## Page computations: shared store against local store (ms, medians)", "",
             "The same rows in a local store and in the shared store (PostgreSQL + SeaweedFS S3 on loopback, "
             "this machine); `python -m benchmarks.shared`. Ratio: shared / local (goal ≤ "
             f"{GOAL}×).", "", "| rows | computation | local | shared | ratio | goal |", "|---|---|---|---|---|---|"]
    for size, computation, at_home, far in results:
        ratio = far / at_home
        lines.append(f"| {size} | {computation} | {at_home:.0f} | {far:.0f} | {ratio:.2f}× | "
                     f"{'met' if ratio <= GOAL else 'missed'} |")
    lines.append("<!-- shared-store:end -->")
    return "\n".join(lines)


def write(section: str, path: Path) -> None:
    text = path.read_text() if path.exists() else ""
    pattern = re.compile(r"<!-- shared-store:start -->.*?<!-- shared-store:end -->", flags=re.S)
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text)


def main(argv: list[str] | None = None) -> int:
    args = sized_parser("python -m benchmarks.shared", __doc__, sizes="1M,10M").parse_args(argv)
    section = report(measure(args.sizes.split(","), repeat=args.repeat))
    if args.out:
        write(section, Path(args.out))
    print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
