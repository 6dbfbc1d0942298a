"""Issue 13's three speed targets in one run, each side by side with its baseline on this machine.

    python3 dev.py bench     (python -m benchmarks [--sizes 100k,1M,10M] [--repeat 5] [--out FILE]
                              [--ingest-rows N] [--no-page-load])

- **Ingest against the I/O floor** (:mod:`benchmarks.ingest`): the real ``python -m analytics
  ingest`` against a process that only reads the CSV as text and writes Parquet; whole processes,
  best of 3, alternating; their peak memory.
- **Page computations over stores of N rows** (whole country, one fiscal year; and one district):
  the project over the store's roll-ups (``Store.rollup``: read from their files, and held in memory
  as the app keeps them per data version) against DuckDB over the raw Parquet files, the same
  figures. Medians of ``--repeat`` runs after one warm-up. Ratio = project ÷ DuckDB (below 1×: the
  project is faster).
- **Page load** (:mod:`benchmarks.pageload`): a link to ``/map`` against a bare Streamlit page with
  one plotly chart, in headless Chromium; medians of 3, alternating.

Generated data is cached under data/bench/.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import polars as pl

from analytics.reference.periods import fiscal_year
from analytics.report import metrics
from analytics.store import LocalStore
from benchmarks.generate import national_gazetteer, store_frame

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "data" / "bench"
SIZES = {"2k": 2_000, "100k": 100_000, "1M": 1_000_000, "10M": 10_000_000}
FY = fiscal_year(2023)

try:
    import duckdb
except ImportError:  # the runner still measures the project
    duckdb = None


def timed(fn, *, repeat: int) -> tuple[float, float]:
    """(first run, median of the following runs) in seconds."""
    times = []
    for _ in range(repeat + 1):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times[0], statistics.median(times[1:] or times)


# -- pages ----------------------------------------------------------------------------------
def project_pages(log: metrics.Log, units: pl.DataFrame) -> dict:
    return {
        "by upazila": lambda: metrics.by_area(log, units, level="upazila", period=FY),
        "by union": lambda: metrics.by_area(log, units, level="union", period=FY),
        "entrepreneurs": lambda: metrics.entrepreneurs(log, period=FY),
        "service mix": lambda: metrics.service_mix(log, period=FY),
        "vs previous year": lambda: metrics.headline_change(log, period=FY),
    }


def duckdb_pages(con, source: str) -> dict:
    """The same figures in DuckDB SQL over the raw rows (``source``: a table expression)."""
    y = f"date BETWEEN DATE '{FY.start}' AND DATE '{FY.end}'"
    p = f"date BETWEEN DATE '{FY.previous().start}' AND DATE '{FY.previous().end}'"
    area = ("SELECT {key}, sum(beneficiaries), sum(beneficiaries) FILTER (channel = 'udc'), "
            "sum(beneficiaries) FILTER (channel <> 'udc'), sum(fee_paisa) FILTER (channel = 'udc'), "
            "CASE WHEN coalesce(bool_or(entrepreneur_id IS NULL) FILTER (channel = 'udc'), false) THEN NULL "
            "ELSE count(DISTINCT entrepreneur_id) FILTER (channel = 'udc') END, count(DISTINCT service_code) "
            f"FROM {source} WHERE {y} AND {{key}} IS NOT NULL GROUP BY 1")
    head = ("SELECT sum(beneficiaries), sum(beneficiaries) FILTER (channel = 'udc'), "
            "sum(beneficiaries) FILTER (channel = 'front_desk'), count(DISTINCT entrepreneur_id) FILTER (channel = 'udc'), "
            "count(DISTINCT union_code) FILTER (channel = 'udc'), sum(fee_paisa) FILTER (channel = 'udc'), "
            "count(DISTINCT service_code) FILTER (channel = 'udc'), count(DISTINCT service_code) FILTER "
            "(channel = 'front_desk'), count(*), count(*) FILTER (channel = 'udc' AND entrepreneur_id IS NULL) "
            "FROM {src} WHERE {w}")
    return {
        "by upazila": lambda: con.execute(area.format(key="upazila_code")).fetchall(),
        "by union": lambda: con.execute(area.format(key="union_code")).fetchall(),
        "entrepreneurs": lambda: con.execute(
            f"WITH r AS (SELECT * FROM {source} WHERE channel = 'udc' AND entrepreneur_id IS NOT NULL "
            f"AND ({y} OR {p})), "
            f"c AS (SELECT entrepreneur_id, sum(beneficiaries) b, sum(fee_paisa) f, count(DISTINCT service_code) k "
            f"FROM r WHERE {y} GROUP BY 1), "
            f"p AS (SELECT entrepreneur_id, sum(fee_paisa) f FROM r WHERE {p} GROUP BY 1), "
            "w AS (SELECT entrepreneur_id, any_value(entrepreneur_name), any_value(entrepreneur_gender), "
            "any_value(union_code), any_value(upazila_code) FROM r GROUP BY 1) "
            "SELECT * FROM w LEFT JOIN c USING (entrepreneur_id) LEFT JOIN p USING (entrepreneur_id) "
            "ORDER BY c.f DESC NULLS LAST, entrepreneur_id").fetchall(),
        "service mix": lambda: con.execute(
            "SELECT channel, service_category, service_code, sum(beneficiaries) s, sum(fee_paisa), "
            f"count(DISTINCT entrepreneur_id) FILTER (channel = 'udc') FROM {source} "
            f"WHERE {y} GROUP BY 1, 2, 3 ORDER BY s DESC").fetchall(),
        "vs previous year": lambda: (con.execute(head.format(src=source, w=y)).fetchall(),
                                     con.execute(head.format(src=source, w=p)).fetchall()),
    }


def stored(rows: int) -> LocalStore:
    directory = CACHE / f"store-{rows}"
    store = LocalStore(directory)
    if store.uploads().height == 0:
        for start in range(0, rows, 2_000_000):  # commit in slices: bounded memory
            part = store_frame(min(2_000_000, rows - start), seed=start + 7)
            store.commit(part, file_name=f"bench-{start}", content_hash=f"bench-{rows}-{start}", uploader="bench")
    return store


def map_sizes() -> dict[str, float]:
    from analytics.reference.gazetteer import Gazetteer
    from analytics.reference.sample import generate
    from analytics.report import views

    log, gaz = generate().lazy(), Gazetteer.load()
    return {level: len(views.map_view(log, gaz, period=fiscal_year(2022), metric="beneficiaries_udc", lang="bn",
                                      level=level).figure.to_json()) / 1024 for level in ("upazila", "union")}


# -- report ---------------------------------------------------------------------------------
def _machine() -> str:
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    load = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"
    return (f"{cores} cores (load average {load} at the start); polars {pl.__version__}; "
            f"duckdb {duckdb.__version__ if duckdb else 'not installed'}")


def ingest_section(rows: int, *, repeat: int) -> tuple[list[str], dict[str, float]]:
    from benchmarks import ingest

    got = ingest.measure(rows, repeat=repeat)
    lines = ["## Ingest against the I/O floor (whole processes, best of "
             f"{repeat}, alternating)", "",
             "The floor reads the same CSV with polars, every column as text, and writes it as Parquet; the "
             "project is `python -m analytics ingest FILE --store DIR` into a fresh store (parse, validate, "
             "resolve names, paisa, reconcile, write the Parquet files, record the upload; the roll-ups are "
             "written at the first read).", "",
             "| rows | file MB | floor s | project s | project ÷ floor | floor CPU s | project CPU s | floor peak MB | project peak MB |",
             "|---|---|---|---|---|---|---|---|---|",
             f"| {got['rows']:,} | {got['file_mb']:.0f} | {got['floor_s']:.2f} | {got['project_s']:.2f} | "
             f"{got['ratio']:.2f}× | {got['floor_cpu_s']:.2f} | {got['project_cpu_s']:.2f} | {got['floor_peak_mb']} | "
             f"{got['project_peak_mb']} |", ""]
    return lines, {"ingest_rows": got["rows"], "ingest_ratio": got["ratio"], "ingest_peak_mb": got["project_peak_mb"]}


def pages_section(sizes: list[str], *, repeat: int) -> tuple[list[str], dict[str, float]]:
    lines = ["## Page computations over the store (ms, medians)", "",
             "The project reads the store's roll-ups (`Store.rollup()`: the log summed per upload and quarter, "
             "distinct counts kept exact); *files*: from their Parquet files each time; *memory*: held "
             "in memory, as the app keeps them per data version. DuckDB computes the same figures from the raw "
             "Parquet rows. Ratio = project ÷ DuckDB.", "",
             "| stored rows | scope | computation | project (files) ms | project (memory) ms | duckdb ms | "
             "files ÷ duckdb | memory ÷ duckdb |", "|---|---|---|---|---|---|---|---|"]
    verdicts = {"page_ms": 0.0, "page_vs_duckdb": 0.0}
    units = national_gazetteer().units
    largest = max(SIZES[s] for s in sizes)
    for size in sizes:
        rows = SIZES[size]
        store = stored(rows)
        files = sorted(str(p) for p in (store.directory / "parts").rglob("*.parquet"))
        raw = f"read_parquet({files!r})"
        district = (pl.scan_parquet(files).select(pl.col("upazila_code").str.slice(0, 6).mode().sort().first())
                    .collect().item())
        con = duckdb.connect() if duckdb else None
        in_district = pl.col("upazila_code").str.starts_with(district)
        for scope, rolled, source in (
                ("country, year", store.rollup(), raw),
                (f"district {district}", store.rollup().filter(in_district),
                 f"(SELECT * FROM {raw} WHERE starts_with(upazila_code, '{district}'))")):
            from_files, in_memory = project_pages(rolled, units), project_pages(rolled.collect(), units)
            ducks = duckdb_pages(con, source) if con else {}
            for name in from_files:
                _, f_s = timed(from_files[name], repeat=repeat)
                _, m_s = timed(in_memory[name], repeat=repeat)
                d_s = timed(ducks[name], repeat=repeat)[1] if ducks else None
                lines.append(f"| {size} | {scope} | {name} | {f_s * 1000:.0f} | {m_s * 1000:.0f} | "
                             f"{'–' if d_s is None else f'{d_s * 1000:.0f}'} | {fmt_ratio(f_s, d_s)} | "
                             f"{fmt_ratio(m_s, d_s)} |")
                if rows == largest:
                    verdicts["page_ms"] = max(verdicts["page_ms"], f_s * 1000)
                    if d_s:
                        verdicts["page_vs_duckdb"] = max(verdicts["page_vs_duckdb"], f_s / d_s)
    verdicts["page_rows"] = largest
    return lines + [""], verdicts


def page_load_section(*, repeat: int) -> tuple[list[str], dict[str, float]]:
    from benchmarks import pageload

    got = pageload.measure(repeat=repeat)
    runs = ", ".join(f"{b:.2f} / {m:.2f}" for b, m in zip(got["bare_runs"], got["map_runs"]))
    return (["## Page load in headless Chromium (s, medians of "
             f"{repeat}, alternating)", "",
             "From `page.goto` to the chart drawn, each load in a fresh browser context after one warm-up load "
             "of each server (benchmarks/pageload.py).", "",
             "| bare page, one plotly chart | a link to /map | /map ÷ bare | runs (bare / map) |", "|---|---|---|---|",
             f"| {got['bare_s']:.2f} | {got['map_s']:.2f} | {got['ratio']:.2f}× | {runs} |", ""],
            {"page_load_ratio": got["ratio"]})


def fmt_ratio(project: float, base: float | None) -> str:
    return "–" if not base else f"{project / base:.2f}×"


def run(sizes: list[str], *, repeat: int, out: Path | None, ingest_rows: int | None = None,
        page_load: bool = True) -> str:
    """Every section (ingest of ``ingest_rows``, default 1M when "1M" is among ``sizes``, else the
    smallest size; pages at ``sizes``; the page load unless ``page_load`` is false), the targets,
    written to ``out`` with the sections other benchmarks keep there."""
    lines = ["# Benchmark results", "", f"Machine: {_machine()}.", ""]
    verdicts: dict[str, float] = {}
    rows = ingest_rows or (SIZES["1M"] if "1M" in sizes else min(SIZES[s] for s in sizes))
    for section in (lambda: ingest_section(rows, repeat=3), lambda: pages_section(sizes, repeat=repeat),
                    *([lambda: page_load_section(repeat=3)] if page_load else [])):
        text, found = section()
        lines += text
        verdicts.update(found)
    sizes_kb = map_sizes()
    verdicts["map_kb"] = max(sizes_kb.values())
    lines += [f"Map figure sent to the browser (Bengali, FY 2022-23 sample): upazilas {sizes_kb['upazila']:.0f} KB, "
              f"unions {sizes_kb['union']:.0f} KB.", "", "## Targets", "", "| target | measured | met |", "|---|---|---|"]
    checks = [
        (f"ingest of {verdicts['ingest_rows']:,} rows within 1.5× the I/O floor", "ingest_ratio", lambda v: v <= 1.5, "{:.2f}×"),
        ("peak memory of that ingest ≤ 600 MB", "ingest_peak_mb", lambda v: v <= 600, "{:.0f} MB"),
        (f"each page computation at {verdicts['page_rows']:,} rows ≤ 250 ms", "page_ms", lambda v: v <= 250,
         "{:.0f} ms (slowest)"),
        ("each no slower than 1.5× DuckDB", "page_vs_duckdb", lambda v: v <= 1.5, "{:.2f}× (worst)"),
        ("a link to /map within 1.3× a bare page with one plotly chart", "page_load_ratio", lambda v: v <= 1.3, "{:.2f}×"),
        ("map figure ≤ 150 KB", "map_kb", lambda v: v <= 150, "{:.0f} KB"),
    ]
    for label, key, ok, shown in checks:
        if key in verdicts:
            lines.append(f"| {label} | {shown.format(verdicts[key])} | {'yes' if ok(verdicts[key]) else 'NO'} |")
    text = "\n".join(lines) + "\n"
    if out:
        out.write_text(text + _kept_sections(out))
    return text


def _kept_sections(path: Path) -> str:
    """The marked sections other benchmarks write (``<!-- NAME:start -->`` ... ``<!-- NAME:end -->``),
    carried over when this benchmark rewrites the file."""
    if not path.exists():
        return ""
    found = re.findall(r"(<!-- ([\w-]+):start -->.*?<!-- \2:end -->)", path.read_text(), flags=re.S)
    return "".join(f"\n{block}\n" for block, _ in found)


def sized_parser(prog: str, description: str, *, sizes: str) -> argparse.ArgumentParser:
    """The options every side-by-side benchmark takes: --sizes, --repeat and --out."""
    parser = argparse.ArgumentParser(prog=prog, description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=sizes)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "RESULTS.md"))
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = sized_parser("python -m benchmarks", __doc__, sizes="100k,1M,10M")
    parser.add_argument("--ingest-rows", type=int, default=None, help="rows of the ingest file (default 1M)")
    parser.add_argument("--no-page-load", action="store_true", help="leave out the browser page load")
    args = parser.parse_args(argv)
    CACHE.mkdir(parents=True, exist_ok=True)
    print(run(args.sizes.split(","), repeat=args.repeat, out=Path(args.out) if args.out else None,
              ingest_rows=args.ingest_rows, page_load=not args.no_page_load))
    return 0


if __name__ == "__main__":
    sys.exit(main())
