"""Growth exponents: how every command's time and memory grow with the corpus.

    python benchmarks/bench_growth.py                       # 0.5M and 2M words (~15 min)
    python benchmarks/bench_growth.py --small 40 --large 160   # a quick run (~2 min)
    python benchmarks/bench_growth.py --only report agreement-disagreements

Two projects of ``--small`` and ``--large`` documents (~``--words`` words each) are
generated with benchmarks/generate.py under benchmarks/out/ (reused when there), coded by
the rules coder and given two coders: ``alex`` (the rules' codings, as a person's) and
``blake`` (alex's codings with one in seven dropped, one in five shortened by a few
characters and one in eleven given another code: realistic disagreement). Every command
then runs in a fresh process on both; the script prints its wall time, peak memory (max
resident set size of the process and its children) and the growth exponent
``log(t_large / t_small) / log(words_large / words_small)``: 1.0 is linear, 2.0 quadratic.
The start-up cost (``resilience-qda codebook`` in a fresh process: imports and the codebook)
measured in the same run is subtracted before the exponent is taken (``exp-net``; ``exp``
is on raw wall time), so that a fixed cost hides less of any super-linear growth.

``suggest --evaluate`` runs on ``--evaluate-small`` and ``--evaluate-large`` documents (it
cross-validates a model per fold, so its sizes are smaller).
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

#: name -> the command's arguments after the project (P) and an output folder (O)
COMMANDS: dict[str, list[str]] = {
    "code": ["code", "{P}", "-o", "{O}/codings.csv", "--no-progress"],
    "report": ["report", "{P}", "--out", "{O}/report", "--coder", "alex"],
    "agreement-character": ["agreement", "{P}", "--coders", "alex", "blake", "-o", "{O}/a.csv"],
    "agreement-sentence": [
        "agreement", "{P}", "--coders", "alex", "blake", "--unit", "sentence", "-o", "{O}/a.csv"
    ],
    "agreement-disagreements": [
        "agreement", "{P}", "--coders", "alex", "blake", "--disagreements", "-o", "{O}/d.csv"
    ],
    "agreement-disagreements-character": [
        "agreement", "{P}", "--coders", "alex", "blake", "--disagreements", "--unit",
        "character", "-o", "{O}/d.csv",
    ],
    "score": ["score", "{P}", "--coder", "blake", "--reference", "alex", "-o", "{O}/s.csv"],
    "suggest": ["suggest", "{P}", "--coder", "alex", "-o", "{O}/s.csv"],
    "export-xlsx": ["export", "{P}", "-o", "{O}/p.xlsx"],
}  # fmt: skip
EVALUATE = ["suggest", "{P}", "--coder", "alex", "--evaluate", "--against", "blake"]


def child(argv: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of ``resilience-qda ARGV`` in a fresh process."""
    code = (
        "import resource, sys, time\n"
        "t = time.perf_counter()\n"
        "from resilience_qda.cli import main\n"
        f"status = main({argv!r}) if {bool(argv)!r} else 0\n"
        "wall = time.perf_counter() - t\n"
        "own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print('@@', wall, max(own, kids), file=sys.stderr)\n"
        "sys.exit(status)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT
    )
    if done.returncode:
        sys.exit(f"resilience-qda {' '.join(argv)} failed:\n{done.stderr[-3000:]}")
    line = [x for x in done.stderr.splitlines() if x.startswith("@@")][-1]
    _, wall, rss = line.split()
    return float(wall), float(rss) / 1024


def prepare(documents: int, words: int) -> tuple[Path, int]:
    """A generated project with coders alex and blake; its word count."""
    sys.path.insert(0, str(HERE))
    from generate import make_project

    import resilience_qda as rq

    root = HERE / "out" / f"growth-{documents}x{words}"
    if not (root / "codings" / "blake.csv").exists():
        t = time.perf_counter()
        make_project(root, documents=documents, words=words)
        project = rq.read_project(root)
        codings = rq.code(project.corpus, project.codebook)
        alex = codings[["doc_id", "start", "end", "code"]].copy()
        alex["coder"], alex["source"] = "alex", "manual"
        blake = alex.copy()
        blake["coder"] = "blake"
        n = len(blake)
        keep = (blake.index.to_numpy() % 7) != 3
        shorten = (blake.index.to_numpy() % 5 == 1) & ((blake["end"] - blake["start"]) > 10)
        blake.loc[shorten, "end"] -= 4
        codes = sorted(alex["code"].unique())
        other = (blake.index.to_numpy() % 11) == 6
        blake.loc[other, "code"] = [
            codes[(codes.index(c) + 1) % len(codes)] for c in blake.loc[other, "code"]
        ]
        blake = blake[keep].drop_duplicates(["doc_id", "start", "end", "code"])
        rq.write_codings(pd_concat([alex, blake]), root)
        print(
            f"prepared {root.name}: {len(alex):,} codings by alex, {len(blake):,} of {n:,} "
            f"kept by blake, in {time.perf_counter() - t:.0f} s",
            flush=True,
        )
    n_words = sum(len(p.read_text(encoding="utf-8").split()) for p in root.glob("sources/*.txt"))
    return root, n_words


def pd_concat(frames):
    import pandas as pd

    return pd.concat(frames, ignore_index=True)


def exponent(small: float, large: float, ratio: float) -> float:
    if small <= 0 or large <= 0:
        return float("nan")
    return math.log(large / small) / math.log(ratio)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=333, help="documents (default ~0.5M words)")
    parser.add_argument("--large", type=int, default=1333, help="documents (default ~2M words)")
    parser.add_argument("--words", type=int, default=1500, help="words per document")
    parser.add_argument("--evaluate-small", type=int, default=20)
    parser.add_argument("--evaluate-large", type=int, default=80)
    parser.add_argument("--only", nargs="+", metavar="NAME", help="these commands only")
    args = parser.parse_args()
    names = args.only or [*COMMANDS, "suggest-evaluate"]
    unknown = set(names) - set(COMMANDS) - {"suggest-evaluate"}
    if unknown:
        sys.exit(f"unknown command(s) {sorted(unknown)}; choose from {[*COMMANDS]}")

    small, w_small = prepare(args.small, args.words)
    large, w_large = prepare(args.large, args.words)
    startup = min(child(["codebook", "--format", "csv"])[0] for _ in range(2))
    print(f"cpus: {os.cpu_count()}, load: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"start-up baseline (resilience-qda codebook, a fresh process): {startup:.2f} s")
    print(f"sizes: {w_small:,} and {w_large:,} words ({w_large / w_small:.2f}x)\n")
    header = f"{'command':36} {'t_small':>8} {'t_large':>8} {'exp':>5} {'exp-net':>7}"
    print(f"{header} {'MiB_small':>9} {'MiB_large':>9} {'mem x':>6}", flush=True)
    for name in names:
        if name == "suggest-evaluate":
            pair = [prepare(args.evaluate_small, args.words), prepare(args.evaluate_large, 1500)]
            argv = EVALUATE
        else:
            pair, argv = [(small, w_small), (large, w_large)], COMMANDS[name]
        results = []
        for project, _ in pair:
            with tempfile.TemporaryDirectory(dir=HERE / "out") as out:
                results.append(child([a.format(P=project, O=out) for a in argv]))
        (t1, m1), (t2, m2) = results
        ratio = pair[1][1] / pair[0][1]
        print(
            f"{name:36} {t1:8.1f} {t2:8.1f} {exponent(t1, t2, ratio):5.2f} "
            f"{exponent(t1 - startup, t2 - startup, ratio):7.2f} {m1:9.0f} {m2:9.0f} "
            f"{m2 / m1:6.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
