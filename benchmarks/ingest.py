"""Ingest against the I/O floor, each a whole process (issue 13, item 1).

The floor is a separate Python process that reads the upload CSV with polars (every column as
text) and writes it as Parquet; the project is the real command, ``python -m analytics ingest FILE
--store DIR`` into a fresh store. Both are timed from process start to exit, best of ``repeat``,
alternating; the peak is the child's max RSS (``wait4``: the largest of the process and the
children it waited for, so the ingest's isolated parse is included). CPU seconds (user + system,
children included) are reported too: on a busy machine they say more than the wall clock.

The project's modules are compiled to bytecode first, as an installed package's are (polars', which
the floor imports, were compiled when it was installed): otherwise, where ``PYTHONDONTWRITEBYTECODE``
is set, both of the command's processes would compile every module from source on every run.

The file is ``benchmarks.generate.upload_csv`` with its places moved to the default gazetteer's
unions (the command resolves names with it; the national gazetteer's unions would all be
refused), cached under ``data/bench/``.

    python -m benchmarks.ingest --rows 1000000 --repeat 3
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "data" / "bench"

FLOOR = "import sys, polars as pl; pl.read_csv(sys.argv[1], infer_schema=False).write_parquet(sys.argv[2])"


def upload_file(rows: int) -> Path:
    """The cached upload CSV of ``rows`` deliveries (``generate.upload_csv``), its places moved to
    Pirojpur's unions (the default gazetteer the command resolves names with)."""
    path = CACHE / f"ingest-upload-{rows}.csv"
    if path.exists():
        return path
    import polars as pl

    from analytics.reference.gazetteer import Gazetteer
    from benchmarks import generate

    national = CACHE / f"ingest-national-{rows}.csv"
    generate.upload_csv(rows, national)
    ours = generate._places(Gazetteer.load()).select(pl.col("upazila").alias("Upazila"), pl.col("union").alias("Union"))
    frame = pl.read_csv(national, infer_schema=False)
    pairs = frame.select("Upazila", "Union").unique().sort("Upazila", "Union").with_row_index("__i")
    pairs = pairs.with_columns((pl.col("__i") % ours.height).alias("__i")).join(
        ours.with_row_index("__i"), on="__i", suffix="_ours")
    frame = frame.join(pairs, on=["Upazila", "Union"], how="left", maintain_order="left").with_columns(
        pl.col("Upazila_ours").alias("Upazila"), pl.col("Union_ours").alias("Union")).select(frame.columns)
    partial = path.with_suffix(".partial")
    frame.write_csv(partial)
    partial.replace(path)
    national.unlink()
    return path


def run(command: list[str]) -> tuple[float, float, int, str, float]:
    """(seconds from start to exit, peak MB, exit status, stderr tail, CPU seconds) of one process."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read()[-2000:].decode("utf-8", "replace")
    # ru_maxrss is in KB on Linux; CPU includes the children the process waited for (the isolated reader)
    return seconds, usage.ru_maxrss / 1024, child.returncode, tail, usage.ru_utime + usage.ru_stime


def stored_rows(store: Path) -> int:
    from analytics.store import open_store

    return int(open_store(store).scan().select("source_row").collect().height)


def measure(rows: int = 1_000_000, *, repeat: int = 3, path: Path | None = None) -> dict:
    """Floor and project, best of ``repeat`` each (alternating), and their peaks."""
    path = path or upload_file(rows)
    compileall.compile_dir(ROOT / "analytics", quiet=1)
    python = sys.executable
    floor_s, project_s, floor_mb, project_mb, floor_cpu, project_cpu = [], [], [], [], [], []
    stored = None
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        for i in range(repeat):
            seconds, peak, status, err, cpu = run([python, "-c", FLOOR, str(path), f"{tmp}/floor.parquet"])
            if status != 0:
                raise RuntimeError(f"floor process failed ({status}): {err}")
            floor_s.append(seconds)
            floor_mb.append(peak)
            floor_cpu.append(cpu)
            store = Path(tmp) / f"store-{i}"
            seconds, peak, status, err, cpu = run([python, "-m", "analytics", "ingest", str(path), "--store",
                                                   str(store), "--lang", "en"])
            if status != 0:
                raise RuntimeError(f"ingest failed ({status}): {err}")
            project_s.append(seconds)
            project_mb.append(peak)
            project_cpu.append(cpu)
            if stored is None:
                stored = stored_rows(store)
            shutil.rmtree(store, ignore_errors=True)
    import polars as pl

    lines = pl.scan_csv(path, infer_schema=False).select(pl.len()).collect().item()
    return {"rows": lines, "file_mb": round(path.stat().st_size / 1e6, 1),
            "floor_s": round(min(floor_s), 3), "project_s": round(min(project_s), 3),
            "ratio": round(min(project_s) / min(floor_s), 3),
            "floor_peak_mb": round(max(floor_mb)), "project_peak_mb": round(max(project_mb)),
            "stored_rows": stored, "floor_cpu_s": round(min(floor_cpu), 3), "project_cpu_s": round(min(project_cpu), 3),
            "cpu_ratio": round(min(project_cpu) / min(floor_cpu), 3), "floor_runs": [round(s, 3) for s in floor_s],
            "project_runs": [round(s, 3) for s in project_s]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ingest", description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="deliveries generated (rows after merging)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.rows, repeat=args.repeat), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
