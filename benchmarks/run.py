"""One run, side by side: the project's pipeline against plain pandas and plain DuckDB.

    python -m benchmarks [--sizes 100k,1M,10M] [--repeat 5] [--out benchmarks/RESULTS.md]

Ingest: a CSV upload in the real template -> parse, validate, resolve names to P-codes,
money to integer paisa -> Parquet. Pages: each page's computations over a store of N rows,
for a whole fiscal year and for one district. Medians of ``--repeat`` runs (the first, cold,
run is reported apart for ingest); ratios are baseline time / project time (above 1: the
project is faster). Peak memory of each ingest is the max RSS of a child process doing only
that ingest. Generated data is cached under data/bench/.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from analytics.ingest.pipeline import Limits, ingest_bytes
from analytics.reference.periods import fiscal_year
from analytics.reference.services import ServiceResolver, load_catalogue
from analytics.report import metrics
from analytics.store import LocalStore
from benchmarks.generate import national_gazetteer, store_frame, upload_csv

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "data" / "bench"
SIZES = {"2k": 2_000, "100k": 100_000, "1M": 1_000_000, "10M": 10_000_000}
FY = fiscal_year(2023)

try:
    import duckdb
except ImportError:  # the runner still measures the project and pandas
    duckdb = None


def timed(fn, *, repeat: int) -> tuple[float, float]:
    """(first run, median of the following runs) in seconds."""
    times = []
    for _ in range(repeat + 1):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times[0], statistics.median(times[1:] or times)


# -- ingest ---------------------------------------------------------------------------------
def ingest_project(path: Path, out: Path) -> int:
    result = ingest_bytes(path.read_bytes(), file_name=path.name, upload_id="bench", lang="en",
                          limits=Limits(max_bytes=10**10, max_rows=10**9),
                          gazetteer=national_gazetteer(), services=ServiceResolver(load_catalogue()))
    assert result.ok and result.problems.height == 0, result.problems.head()
    LocalStore(out).commit(result.frame, file_name=path.name, content_hash=str(time.time_ns()), uploader="bench")
    return result.frame.height


def _lookup_tables() -> tuple[pl.DataFrame, pl.DataFrame]:
    gaz = national_gazetteer().units
    ups = gaz.filter(pl.col("level") == "upazila").select(pl.col("pcode").alias("upazila_code"),
                                                           pl.col("name_en").str.to_lowercase().alias("up_key"))
    unions = gaz.filter(pl.col("level") == "union").select(pl.col("pcode").alias("union_code"),
                                                            pl.col("parent_pcode").alias("upazila_code"),
                                                            pl.col("name_en").str.to_lowercase().alias("un_key"))
    places = unions.join(ups, on="upazila_code")
    services = load_catalogue().select("service_code", pl.col("name_en").str.to_lowercase().alias("sv_key"))
    return places, services


def ingest_pandas(path: Path, out: Path) -> int:
    import pandas as pd

    places, services = (t.to_pandas() for t in _lookup_tables())
    df = pd.read_csv(io.BytesIO(path.read_bytes()), dtype=str)
    df["date"] = pd.to_datetime(df["Date"].str.strip(), format="%d/%m/%Y", errors="coerce")
    df["up_key"] = df["Upazila"].str.strip().str.lower()
    df["un_key"] = df["Union"].str.strip().str.lower()
    df["sv_key"] = df["Service"].str.strip().str.lower()
    df = df.merge(places, on=["up_key", "un_key"], how="left").merge(services, on="sv_key", how="left")
    fee = pd.to_numeric(df["Fee (Tk)"].str.replace(",", ""), errors="coerce")
    bad = df["date"].isna() | df["union_code"].isna() | df["service_code"].isna() | fee.isna() | (fee < 0)
    assert not bad.any()
    df["fee_paisa"] = (fee * 100).round().astype("int64")
    df["beneficiaries"] = pd.to_numeric(df["Beneficiaries"]).astype("int32")
    out.mkdir(parents=True, exist_ok=True)
    df[["date", "upazila_code", "union_code", "Entrepreneur ID", "service_code", "beneficiaries", "fee_paisa"]] \
        .to_parquet(out / "log.parquet")
    return len(df)


def ingest_duckdb(path: Path, out: Path) -> int:
    places, services = _lookup_tables()
    con = duckdb.connect()
    con.register("places", places.to_arrow())
    con.register("services", services.to_arrow())
    out.mkdir(parents=True, exist_ok=True)
    query = f"""
        SELECT strptime(trim(r."Date"), '%d/%m/%Y')::DATE AS date, p.upazila_code, p.union_code,
               r."Entrepreneur ID" AS entrepreneur_id, s.service_code,
               CAST(r."Beneficiaries" AS INTEGER) AS beneficiaries,
               CAST(round(CAST(replace(r."Fee (Tk)", ',', '') AS DECIMAL(18, 2)) * 100) AS BIGINT) AS fee_paisa
        FROM read_csv('{path}', all_varchar = true) r
        JOIN places p ON p.up_key = lower(trim(r."Upazila")) AND p.un_key = lower(trim(r."Union"))
        JOIN services s ON s.sv_key = lower(trim(r."Service"))
        WHERE fee_paisa >= 0"""
    con.execute(f"COPY ({query}) TO '{out / 'log.parquet'}' (FORMAT parquet)")
    return con.execute(f"SELECT count(*) FROM '{out / 'log.parquet'}'").fetchone()[0]


INGESTERS = {"project": ingest_project, "pandas": ingest_pandas, "duckdb": ingest_duckdb}


def peak_memory_mb(engine: str, path: Path) -> float:
    """Max RSS of a child process that does one ingest and nothing else."""
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run([sys.executable, "-m", "benchmarks.run", "--child-ingest", engine, str(path), tmp],
                              cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])["peak_mb"]


# -- pages ----------------------------------------------------------------------------------
def project_pages(log: pl.LazyFrame, units: pl.DataFrame) -> dict:
    return {
        "by upazila": lambda: metrics.by_area(log, units, level="upazila", period=FY),
        "by union": lambda: metrics.by_area(log, units, level="union", period=FY),
        "entrepreneurs": lambda: metrics.entrepreneurs(log, period=FY),
        "service mix": lambda: metrics.service_mix(log, period=FY),
        "vs previous year": lambda: metrics.headline_change(log, period=FY),
    }


def pandas_pages(df) -> dict:
    start, end = FY.start.isoformat(), FY.end.isoformat()
    prev_start, prev_end = FY.previous().start.isoformat(), FY.previous().end.isoformat()

    def year(frame, a=start, b=end):
        return frame[(frame["date"] >= a) & (frame["date"] <= b)]

    def headline(frame):
        return (frame["beneficiaries"].sum(), frame["fee_paisa"].sum(), frame["entrepreneur_id"].nunique(),
                frame["union_code"].nunique(), frame["service_code"].nunique())

    return {
        "by upazila": lambda: year(df).groupby("upazila_code").agg(b=("beneficiaries", "sum"), f=("fee_paisa", "sum"),
                                                                   e=("entrepreneur_id", "nunique")),
        "by union": lambda: year(df).groupby("union_code").agg(b=("beneficiaries", "sum"), f=("fee_paisa", "sum"),
                                                               e=("entrepreneur_id", "nunique")),
        "entrepreneurs": lambda: year(df).groupby("entrepreneur_id").agg(f=("fee_paisa", "sum"), b=("beneficiaries", "sum"))
        .join(year(df, prev_start, prev_end).groupby("entrepreneur_id").agg(p=("fee_paisa", "sum")), how="left")
        .sort_values("f", ascending=False),
        "service mix": lambda: year(df).groupby(["service_category", "service_code"])["beneficiaries"].sum()
        .sort_values(ascending=False),
        "vs previous year": lambda: (headline(year(df)), headline(year(df, prev_start, prev_end))),
    }


def duckdb_pages(con, source: str) -> dict:
    y = f"date BETWEEN DATE '{FY.start}' AND DATE '{FY.end}'"
    p = f"date BETWEEN DATE '{FY.previous().start}' AND DATE '{FY.previous().end}'"
    head = ("SELECT sum(beneficiaries), sum(fee_paisa), count(DISTINCT entrepreneur_id), count(DISTINCT union_code), "
            "count(DISTINCT service_code) FROM {src} WHERE {w}")
    return {
        "by upazila": lambda: con.execute(f"SELECT upazila_code, sum(beneficiaries), sum(fee_paisa), "
                                          f"count(DISTINCT entrepreneur_id) FROM {source} WHERE {y} GROUP BY 1").fetchall(),
        "by union": lambda: con.execute(f"SELECT union_code, sum(beneficiaries), sum(fee_paisa), "
                                        f"count(DISTINCT entrepreneur_id) FROM {source} WHERE {y} GROUP BY 1").fetchall(),
        "entrepreneurs": lambda: con.execute(
            f"WITH c AS (SELECT entrepreneur_id, sum(fee_paisa) f, sum(beneficiaries) b FROM {source} WHERE {y} GROUP BY 1), "
            f"p AS (SELECT entrepreneur_id, sum(fee_paisa) f FROM {source} WHERE {p} GROUP BY 1) "
            "SELECT * FROM c LEFT JOIN p USING (entrepreneur_id) ORDER BY c.f DESC").fetchall(),
        "service mix": lambda: con.execute(f"SELECT service_category, service_code, sum(beneficiaries) s FROM {source} "
                                           f"WHERE {y} GROUP BY 1, 2 ORDER BY s DESC").fetchall(),
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
def fmt_ratio(base: float | None, project: float) -> str:
    return "–" if base is None else f"{base / project:.1f}×"


def run(sizes: list[str], *, repeat: int, out: Path | None) -> str:
    lines = ["# Benchmark results", "",
             f"Machine: {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores; "
             f"polars {pl.__version__}; duckdb {duckdb.__version__ if duckdb else 'not installed'}; "
             f"medians of {repeat} runs after one cold run. Ratio = baseline time / project time "
             "(above 1×: the project is faster).", "",
             "## Ingest of an upload CSV (parse, validate, resolve names, paisa, write Parquet)", "",
             "| rows | file MB | project cold s | project s | pandas s | duckdb s | vs pandas | vs duckdb | project peak MB | pandas peak MB | duckdb peak MB |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    verdicts: dict[str, float] = {}
    for size in sizes:
        rows = SIZES[size]
        if rows > 1_000_000:
            continue  # a 10M-row upload is not a case the office has; the store sizes go to 10M below
        path = CACHE / f"upload-{size}.csv"
        if not path.exists():
            upload_csv(rows, path)
        results, peaks = {}, {}
        for engine, fn in INGESTERS.items():
            if engine == "duckdb" and duckdb is None:
                continue
            with tempfile.TemporaryDirectory() as tmp:
                counter = iter(range(10**6))
                results[engine] = timed(lambda: fn(path, Path(tmp) / str(next(counter))), repeat=repeat)
            peaks[engine] = peak_memory_mb(engine, path) if rows >= 100_000 else None
        project = results["project"][1]
        lines.append(f"| {size} | {path.stat().st_size / 1e6:.0f} | {results['project'][0]:.2f} | {project:.2f} | "
                     f"{results['pandas'][1]:.2f} | {results['duckdb'][1] if 'duckdb' in results else float('nan'):.2f} | "
                     f"{fmt_ratio(results['pandas'][1], project)} | "
                     f"{fmt_ratio(results.get('duckdb', (None, None))[1], project)} | "
                     + " | ".join("–" if peaks.get(e) is None else f"{peaks[e]:.0f}" for e in INGESTERS) + " |")
        if size == "1M":
            verdicts.update(ingest_s_1M=project, ingest_vs_pandas=results["pandas"][1] / project,
                            ingest_peak_mb_1M=peaks["project"] or 0)
    lines += ["", "## Page computations over the store (ms, medians)", "",
              "| stored rows | scope | computation | project ms | pandas ms (in memory) | duckdb ms | vs pandas | vs duckdb |",
              "|---|---|---|---|---|---|---|---|"]
    slowest, worst_vs_duck = 0.0, float("inf")
    units = national_gazetteer().units
    for size in sizes:
        rows = SIZES[size]
        store = stored(rows)
        files = sorted(str(p) for p in (store.directory / "parts").rglob("*.parquet"))
        full = pl.read_parquet(files)
        district = full["upazila_code"].str.slice(0, 6).mode()[0]
        pdf = full.to_pandas()
        con = duckdb.connect() if duckdb else None
        for scope, log, frame, source in (
                ("year", store.scan(), pdf, f"read_parquet({files!r})"),
                (f"district {district}", store.scan().filter(pl.col("upazila_code").str.starts_with(district)),
                 pdf[pdf["upazila_code"].str.startswith(district)],
                 f"(SELECT * FROM read_parquet({files!r}) WHERE starts_with(upazila_code, '{district}'))")):
            ours, theirs = project_pages(log, units), pandas_pages(frame)
            ducks = duckdb_pages(con, source) if con else {}
            for name, fn in ours.items():
                _, p_s = timed(fn, repeat=repeat)
                _, pd_s = timed(theirs[name], repeat=repeat)
                d_s = timed(ducks[name], repeat=repeat)[1] if ducks else None
                lines.append(f"| {size} | {scope} | {name} | {p_s * 1000:.0f} | {pd_s * 1000:.0f} | "
                             f"{'–' if d_s is None else f'{d_s * 1000:.0f}'} | {fmt_ratio(pd_s, p_s)} | {fmt_ratio(d_s, p_s)} |")
                if rows == max(SIZES[s] for s in sizes):
                    slowest = max(slowest, p_s * 1000)
                    if d_s:
                        worst_vs_duck = min(worst_vs_duck, d_s / p_s)
    verdicts.update(page_ms_10M=slowest, page_vs_duckdb=worst_vs_duck)
    sizes_kb = map_sizes()
    verdicts["map_kb"] = max(sizes_kb.values())
    lines += ["", f"Map figure sent to the browser (Bengali, FY 2022-23 sample): upazilas {sizes_kb['upazila']:.0f} KB, "
              f"unions {sizes_kb['union']:.0f} KB.", "", "## Targets", "", "| target | measured | met |", "|---|---|---|"]
    checks = [
        ("ingest of 1M rows ≤ 3 s", "ingest_s_1M", lambda v: v <= 3.0, "{:.2f} s"),
        ("ingest ≥ 5× faster than pandas (1M)", "ingest_vs_pandas", lambda v: v >= 5.0, "{:.1f}×"),
        ("peak memory of a 1M-row ingest ≤ 1.5 GB", "ingest_peak_mb_1M", lambda v: v <= 1500, "{:.0f} MB"),
        ("each page computation over the largest store ≤ 250 ms", "page_ms_10M", lambda v: v <= 250, "{:.0f} ms (slowest)"),
        ("no slower than 1.5× DuckDB", "page_vs_duckdb", lambda v: v >= 1 / 1.5, "{:.2f}× (worst ratio)"),
        ("map figure ≤ 150 KB", "map_kb", lambda v: v <= 150, "{:.0f} KB"),
    ]
    for label, key, ok, shown in checks:
        if key in verdicts and verdicts[key] not in (float("inf"),):
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
    parser.add_argument("--child-ingest", nargs=3, metavar=("ENGINE", "CSV", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_ingest:
        engine, csv, out = args.child_ingest
        rows = INGESTERS[engine](Path(csv), Path(out) / "x")
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the (large) parent across exec
        peak_kb = next(int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines()
                       if line.startswith("VmHWM:"))
        print(json.dumps({"rows": rows, "peak_mb": peak_kb / 1024}))
        return 0
    CACHE.mkdir(parents=True, exist_ok=True)
    print(run(args.sizes.split(","), repeat=args.repeat, out=Path(args.out) if args.out else None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
