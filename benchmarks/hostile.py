"""Hostile and broken files against the upload pipeline: each must be refused in seconds, in bounded memory.

    python -m benchmarks.hostile [--write]

Makes the files of the adversarial review (a 5 KB workbook with one value in XFD1048576, a
CSV of one 190 MB line, 1,000,000 junk lines, a workbook of 400,000 junk rows, a 50 MB
cell, a heading row of 5,000 columns, a union and service of its own on each of 400,000 rows, a
workbook of one row whose table of texts holds 20 million more) in a temporary folder, ingests each in a fresh process (``ingest_bytes``, the code the
isolated reader runs) and reports the outcome, the wall time and the peak resident memory of
that process. ``--write`` puts the table between the ``hostile-files`` markers of
``benchmarks/RESULTS.md``. Targets: refused in ≤ 10 s, peak ≤ 1 GB.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import xlsxwriter

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
MARK_START, MARK_END = "<!-- hostile-files:start -->", "<!-- hostile-files:end -->"
HEADER = b"Date,Union,Entrepreneur ID,Service,Fee (Tk)\n"
TARGET_SECONDS, TARGET_MB = 10, 1024

CASES = {
    "xfd.xlsx": "5 KB workbook, one value in XFD1048576",
    "long_line.csv": "a heading and one 190 MB line",
    "junk_lines.csv": "2 MB: 1,000,000 junk lines",
    "junk_rows.xlsx": "3.5 MB workbook: 400,000 junk rows",
    "big_cell.csv": "one 50 MB cell",
    "wide_heading.csv": "10 KB: a heading row of 5,000 columns",
    "many_names.csv": "18 MB: 400,000 rows, each of a union and service of its own",
    "unused_texts.xlsx": "a workbook of one row and 20,000,000 texts no cell uses",
}


def make_files(directory: Path) -> dict[str, Path]:
    """The hostile files of :data:`CASES`, written into ``directory``."""
    book = xlsxwriter.Workbook(directory / "xfd.xlsx")
    sheet = book.add_worksheet()
    sheet.write(0, 0, "Date")
    sheet.write(1048575, 16383, "x")
    book.close()
    (directory / "long_line.csv").write_bytes(HEADER + b"a" * 190_000_000 + b"\n")
    (directory / "junk_lines.csv").write_bytes(HEADER + b"x\n" * 1_000_000)
    (directory / "big_cell.csv").write_bytes(HEADER + b'01/07/2022,Tona,E1,"' + b"y" * 50_000_000 + b'",75\n')
    (directory / "wide_heading.csv").write_bytes(b",".join(b"c%d" % i for i in range(5_000)) + b"\n")
    (directory / "many_names.csv").write_bytes(HEADER + b"".join(
        b"01/07/2022,U%d,E1,S%d,75\n" % (i, i) for i in range(400_000)))
    book = xlsxwriter.Workbook(directory / "junk_rows.xlsx", {"constant_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["Date", "Union", "Entrepreneur ID", "Service", "Fee (Tk)"])
    for r in range(1, 400_000):
        sheet.write_row(r, 0, ["?", r % 7])
    book.close()
    _unused_texts(directory / "unused_texts.xlsx", 20_000_000)
    return {name: directory / name for name in CASES}


def _unused_texts(path: Path, count: int) -> None:
    """A workbook of a heading and one row whose shared table of texts holds ``count`` more that no cell uses."""
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["Date", "Union", "Entrepreneur ID", "Service", "Fee (Tk)"])
    sheet.write_row(1, 0, ["01/07/2022", "Tona", "E1", "Birth registration", "75"])
    book.close()
    with zipfile.ZipFile(path) as made:
        members = {name: made.read(name) for name in made.namelist()}
    table = members.pop("xl/sharedStrings.xml")
    head, used = table.split(b"<si>", 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        for name, data in members.items():
            book.writestr(name, data)
        with book.open("xl/sharedStrings.xml", "w") as out:
            out.write(head + b"<si>" + used.removesuffix(b"</sst>"))
            for start in range(0, count, 1_000_000):
                out.write(b"".join(b"<si><t>%d</t></si>" % i for i in range(start, min(count, start + 1_000_000))))
            out.write(b"</sst>")


CHILD = """
import sys
from pathlib import Path
from analytics.ingest.pipeline import ingest_bytes
path = Path(sys.argv[1])
result = ingest_bytes(path.read_bytes(), file_name=path.name, upload_id="u", lang="bn")
counts = result.problem_counts or {c: 1 for c in result.problems["code"]}
print(result.frame.height, result.problem_total, ",".join(sorted(counts)))
print(max((len(m) for m in result.problems["message"]), default=0))
# this process's own peak (VmHWM starts afresh at exec; ru_maxrss would include the parent's image)
print(next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM")))
"""


def measure(path: Path) -> dict:
    """Ingest ``path`` in a fresh process: accepted rows, problems, codes, longest message, seconds, peak MB."""
    started = time.monotonic()
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    status = os.waitpid(child.pid, 0)[1]
    seconds = time.monotonic() - started
    lines = child.stdout.read().splitlines()
    child.stdout.close()
    accepted, problems, codes = (lines[0].split() + [""])[:3] if lines else ("?", "?", "?")  # (no codes: none refused)
    return {"exit": os.waitstatus_to_exitcode(status), "accepted": accepted, "problems": problems, "codes": codes,
            "longest_message": int(lines[1]) if len(lines) > 1 else 0, "seconds": seconds,
            "peak_mb": int(lines[2]) / 1024 if len(lines) > 2 else float("inf")}


def table(results: dict[str, dict]) -> str:
    lines = ["| file | outcome | problems | time | peak memory | within targets |", "|---|---|---|---|---|---|"]
    for name, r in results.items():
        ok = r["exit"] == 0 and r["accepted"] == "0" and r["seconds"] <= TARGET_SECONDS and r["peak_mb"] <= TARGET_MB
        lines.append(f"| {CASES[name]} | refused: {r['codes']} | {int(r['problems']):,} | {r['seconds']:.1f} s | "
                     f"{r['peak_mb']:.0f} MB | {'yes' if ok else 'NO'} |")
    return "\n".join(lines)


def write_section(text: str, *, path: Path = RESULTS) -> None:
    """Put ``text`` between the hostile-files markers of RESULTS.md (appended when they are missing)."""
    current = path.read_text() if path.exists() else ""
    block = f"{MARK_START}\n{text}\n{MARK_END}"
    if MARK_START in current and MARK_END in current:
        head, rest = current.split(MARK_START, 1)
        current = head + block + rest.split(MARK_END, 1)[1]
    else:
        current = current.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(current)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hostile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="update the section of benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        files = make_files(Path(directory))
        results = {name: measure(path) for name, path in files.items()}
    text = ("## Hostile files\n\nEach file ingested in a fresh process on this machine (wall time, peak "
            f"resident memory). Targets: refused in ≤ {TARGET_SECONDS} s, peak ≤ {TARGET_MB // 1024} GB.\n\n"
            + table(results))
    print(text)
    if args.write:
        write_section(text)
    return 0 if all(r["seconds"] <= TARGET_SECONDS and r["peak_mb"] <= TARGET_MB for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
