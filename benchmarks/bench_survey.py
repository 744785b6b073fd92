"""Survey exports of hundreds of thousands of rows: import time and peak memory.

Writes a survey export (respondent id, three attribute columns, a free-text answer made of
the sample study's own participant sentences, two code columns) of N rows and of N/10 rows,
imports each into a new project in a child process, and prints the wall time and the
child's peak RSS. Bounded memory shows as nearly the same peak for N and N/10 rows. The
baseline, measured in the same run, is what loading the whole file costs: ``pandas.read_csv``
of the N-row file in a child process. An XLSX of ``--xlsx-rows`` rows is imported too
(openpyxl streams the rows but holds the shared-strings table in memory).

    python benchmarks/bench_survey.py [--rows 300000] [--xlsx-rows 50000]
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

from generate import _material

OUT = Path(__file__).resolve().parent / "out"
CODES = ["Peer support", "Tools", "Time pressure", "Reflection", "No change", ""]
IMPORT = """
import resource, sys, time
from resilience_qda.io.survey_import import import_survey
t0 = time.perf_counter()
r = import_survey(sys.argv[1], sys.argv[2], text_column="Answer", id_column="ResponseId",
                  codes_columns="Code *", coder="A")
wall = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{wall:.1f} {rss:.0f} {r.imported} {r.codings} {r.empty}")
"""
PANDAS = """
import resource, sys, time
import pandas as pd
t0 = time.perf_counter()
table = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
wall = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{wall:.1f} {rss:.0f} {len(table)} 0 0")
"""


def rows(n: int, seed: int = 0):
    rng = random.Random(seed)
    answers = _material()[1]
    for i in range(n):
        words = " ".join(rng.choice(answers) for _ in range(rng.choice([1, 1, 2, 3])))
        answer = "" if rng.random() < 0.08 else words
        yield [
            f"R_{i:07d}",
            rng.choice(["North", "South", "East", "West"]),
            rng.choice(["Social worker", "Family nurse", "Foster carer", "Youth worker"]),
            rng.choice(["18-29", "30-39", "40-49", "50+"]),
            answer,
            rng.choice(CODES) if answer else "",
            rng.choice(CODES[2:]) if answer else "",
        ]


HEADER = ["ResponseId", "Region", "Role", "Age", "Answer", "Code 1", "Code 2"]


def write_csv(path: Path, n: int) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows(n))


def write_xlsx(path: Path, n: int) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Responses")
    ws.append(HEADER)
    for r in rows(n):
        ws.append(r)
    wb.save(path)


def child(script: str, *args: str) -> tuple[float, float, int, int, int]:
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise SystemExit(done.stderr)
    wall, rss, a, b, c = done.stdout.split()
    return float(wall), float(rss), int(a), int(b), int(c)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--xlsx-rows", type=int, default=50_000)
    args = parser.parse_args()
    folder = OUT / "survey"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    print(f"{'input':28} {'rows':>8} {'MB':>6} {'wall s':>7} {'peak MiB':>9}  result")
    for n in (args.rows // 10, args.rows):
        f = folder / f"survey-{n}.csv"
        write_csv(f, n)
        wall, rss, imported, codings, empty = child(IMPORT, str(f), str(folder / f"p-{n}"))
        print(
            f"{'CSV import':28} {n:8,} {f.stat().st_size / 2**20:6.0f} {wall:7.1f} {rss:9.0f}  "
            f"{imported:,} documents, {codings:,} codings, {empty:,} empty answers"
        )
    wall, rss, n, _, _ = child(PANDAS, str(folder / f"survey-{args.rows}.csv"))
    print(f"{'baseline: pandas.read_csv':28} {n:8,} {'':6} {wall:7.1f} {rss:9.0f}  whole file")
    if args.xlsx_rows:
        f = folder / f"survey-{args.xlsx_rows}.xlsx"
        t0 = time.perf_counter()
        write_xlsx(f, args.xlsx_rows)
        made = time.perf_counter() - t0
        wall, rss, imported, codings, _ = child(IMPORT, str(f), str(folder / "p-xlsx"))
        print(
            f"{'XLSX import':28} {args.xlsx_rows:8,} {f.stat().st_size / 2**20:6.0f} "
            f"{wall:7.1f} {rss:9.0f}  {imported:,} documents ({made:.0f} s to write the file)"
        )
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
