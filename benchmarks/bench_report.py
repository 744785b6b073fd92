"""Benchmark: ``resilience-qda report`` on a ~1M-word corpus coded by the rules coder.

    python benchmarks/bench_report.py                       # 700 documents x 1500 words
    python benchmarks/bench_report.py --documents 70 --words 1500   # a quick run

Generates the corpus with benchmarks/generate.py under benchmarks/out/ (reused when it is
already there), codes it with the codebook's rules (timed, but not part of the report), then
runs the report command in a child process and prints its wall time and peak memory (max
resident set size), with the same figures for data/sample measured in the same run as the
baseline, and the ratios.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parent / "data" / "sample"


def run_report(project: Path, out: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system, the figure-drawing workers included) and
    peak memory (MiB) of ``resilience-qda report`` in a child process."""
    code = (
        "import resource, sys, time\n"
        "from resilience_qda.cli import main\n"
        "t = time.perf_counter()\n"
        f"status = main(['report', {str(project)!r}, '--out', {str(out)!r}])\n"
        "wall = time.perf_counter() - t\n"
        "own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(wall, max(own, kids), file=sys.stderr)\n"
        "sys.exit(status)\n"
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode:
        sys.exit(f"report failed on {project}:\n{done.stderr}")
    wall, rss_kib = done.stderr.strip().splitlines()[-1].split()
    return float(wall), cpu, float(rss_kib) / 1024


def ensure_coded(documents: int, words: int, seed: int) -> Path:
    sys.path.insert(0, str(HERE))
    from generate import make_project

    import resilience_qda as rq
    from resilience_qda.coding.rules import code
    from resilience_qda.io.project import coder_filename

    root = HERE / "out" / f"report-{documents}x{words}-s{seed}"
    codings_file = root / "codings" / coder_filename("rules:cop-evaluation")
    if not codings_file.exists():
        t = time.perf_counter()
        make_project(root, documents=documents, words=words, seed=seed)
        print(f"generated {root} in {time.perf_counter() - t:.1f} s")
        project = rq.read_project(root)
        t = time.perf_counter()
        codings = code(project.corpus, project.codebook)
        print(f"rules coder: {len(codings):,} codings in {time.perf_counter() - t:.1f} s")
        codings_file.parent.mkdir(parents=True, exist_ok=True)
        keep = [c for c in rq.CODINGS_COLUMNS if c in codings.columns]
        codings[keep].to_csv(codings_file, index=False, lineterminator="\n")
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=700)
    parser.add_argument("--words", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import resilience_qda as rq

    root = ensure_coded(args.documents, args.words, args.seed)
    big = rq.read_project(root)
    n_words = int(big.corpus.documents["n_words"].sum())
    n_sample = int(rq.read_project(SAMPLE).corpus.documents["n_words"].sum())
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    base_wall, base_cpu, base_mem = run_report(SAMPLE, HERE / "out" / "report-sample")
    wall, cpu, mem = run_report(root, HERE / "out" / f"{root.name}-report")
    print(f"cpus: {os.cpu_count()}, load average before the runs: {load}")
    print(
        f"baseline data/sample: {n_sample:,} words, {base_wall:.1f} s wall, {base_cpu:.1f} s CPU, "
        f"peak {base_mem:.0f} MiB"
    )
    print(
        f"benchmark {root.name}: {len(big.corpus)} documents, {n_words:,} words, "
        f"{len(big.codings):,} codings: {wall:.1f} s wall, {cpu:.1f} s CPU, peak {mem:.0f} MiB"
    )
    print(
        f"ratio: {wall / base_wall:.1f}x the wall time, {cpu / base_cpu:.1f}x the CPU time and "
        f"{mem / base_mem:.1f}x the memory for {n_words / n_sample:.0f}x the words"
    )


if __name__ == "__main__":
    main()
