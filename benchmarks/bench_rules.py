"""Rule-based auto-coding speed and memory: ``resilience-qda code`` end to end.

Prints, for a generated corpus of about 1M words (and 10M words for memory):

- words/s of ``resilience-qda code PROJECT -o FILE`` end to end (a fresh process: imports,
  codebook compilation, reading the files, spaCy, widening to sentences, writing the CSV);
- words/s of the baseline measured in the same run: a fresh process that only runs the same
  spaCy pipeline (blank English + lookup lemmatizer, no rules) over the same
  files with ``nlp.pipe``; the ratio code / baseline (target >= 0.7);
- peak RSS of each process (the coder streams: it must not grow from 1M to 10M words);
- the speed-up of ``--n-process 2``.

Runs are interleaved and the best of ``--repeat`` is kept, so that other load on the machine
hurts both sides alike. ``--steady`` adds the same comparison inside one process, after
start-up (imports, pipeline and codebook compilation), which shows the coding rate itself.

``--pipeline`` measures two choices inside one process on the same 1M words:

- the pipeline with and without a ``sentencizer`` (the rules never used its sentences;
  units come from :mod:`resilience_qda.core.units`), tokenising only and coding;
- two worker processes through ``iter_codings``' fork pool (its workers return only
  ``(start, end, code)`` tuples) against spaCy's own ``nlp.pipe(n_process=2)`` (built here
  with the same chunks and widening; it sends whole serialised Docs back), and one
  process; the codings of all three are checked to be identical.

    python benchmarks/bench_rules.py [--words 1500] [--repeat 3] [--no-10m] [--steady]
    python benchmarks/bench_rules.py --pipeline [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from generate import make_project

OUT = Path(__file__).resolve().parent / "out"

BASELINE = """
import sys
from pathlib import Path
from resilience_qda.coding.nlp import make_nlp
nlp = make_nlp()
files = sorted(Path(sys.argv[1], "sources").glob("*.txt"))
for doc in nlp.pipe((f.read_text(encoding="utf-8") for f in files), batch_size=64):
    pass
"""


def corpus(documents: int, words: int) -> Path:
    folder = OUT / f"rules-{documents}x{words}"
    if not (folder / "sources.csv").exists():
        t0 = time.perf_counter()
        make_project(folder, documents=documents, words=words)
        print(f"generated {folder.name} in {time.perf_counter() - t0:.0f} s", flush=True)
    return folder


def count_words(folder: Path) -> int:
    return sum(len(f.read_text(encoding="utf-8").split()) for f in (folder / "sources").glob("*"))


def run(argv: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB, the process and its waited-for children) of a command."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    err = proc.stderr.read().decode() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        sys.exit(f"{' '.join(argv)} failed:\n{err}")
    return seconds, usage.ru_maxrss / 1024


def code_cmd(folder: Path, n_process: int = 1) -> list[str]:
    out = OUT / f"{folder.name}-codings.csv"
    return [
        sys.executable,
        "-m",
        "resilience_qda",
        "code",
        str(folder),
        "-o",
        str(out),
        "--no-progress",
        "--n-process",
        str(n_process),
    ]


def steady(folder: Path, n_words: int, repeat: int) -> None:
    """Tokenise-only vs code (rows written to a CSV) in this process, best of ``repeat``."""
    import csv

    from resilience_qda.cli.code import lazy_documents
    from resilience_qda.coding.nlp import make_nlp
    from resilience_qda.coding.rules import RULE_COLUMNS, iter_codings
    from resilience_qda.io.codebook import read_codebook

    nlp = make_nlp()
    book = read_codebook("cop-evaluation")
    files = sorted((folder / "sources").glob("*.txt"))
    list(iter_codings([], book))  # compile the rules once, outside the timings
    best = {"baseline": 1e9, "code": 1e9}
    out = OUT / f"{folder.name}-steady.csv"
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _doc in nlp.pipe((f.read_text(encoding="utf-8") for f in files), batch_size=64):
            pass
        best["baseline"] = min(best["baseline"], time.perf_counter() - t0)
        t0 = time.perf_counter()
        with out.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(RULE_COLUMNS)
            for rows in iter_codings(lazy_documents([str(folder)]), book, as_tuples=True):
                writer.writerows(rows)
        best["code"] = min(best["code"], time.perf_counter() - t0)
    print(f"\n1M words in one process after start-up (best of {repeat})")
    for name, seconds in best.items():
        print(f"  {name:9s} {n_words / seconds:9,.0f} words/s")
    print(f"  ratio code / tokenise-only: {best['baseline'] / best['code']:.2f}")


def spacy_pipe_code(documents: list, book, n_process: int) -> list[tuple]:
    """The same coding with spaCy's ``nlp.pipe(n_process=)`` instead of the library's pool."""
    from resilience_qda.coding.rules import RULER, _chunks, _compiled, widen_rows

    nlp = _compiled(book, None)
    keys, texts = [], []
    for doc in documents:
        pieces = _chunks(doc.text)
        for n, (offset, piece) in enumerate(pieces):
            keys.append((doc, offset, n == len(pieces) - 1))
            texts.append(piece)
    rows, collected = [], []
    docs = nlp.pipe(texts, batch_size=64, n_process=n_process)
    for (doc, offset, last), parsed in zip(keys, docs, strict=True):
        collected += [
            (s.start_char + offset, s.end_char + offset, s.label_, False)
            for s in parsed.spans.get(RULER, ())
        ]
        if last:
            rows += widen_rows(doc, collected, coder=f"rules:{book.name}")
            collected = []
    return rows


def pipeline_choices(folder: Path, n_words: int, repeat: int) -> None:
    """Sentencizer or not; nlp.pipe(n_process=2) against the custom pool (one process)."""
    from resilience_qda.coding.nlp import make_nlp
    from resilience_qda.coding.rules import code as code_corpus
    from resilience_qda.io.codebook import read_codebook
    from resilience_qda.io.project import read_project

    documents = list(read_project(folder).corpus)
    texts = [d.text for d in documents]
    book = read_codebook("cop-evaluation")
    plain = make_nlp()
    with_sentencizer = make_nlp()
    with_sentencizer.add_pipe("sentencizer", first=True)
    code_corpus(documents[:2], book)  # compile once, outside the timings
    best: dict[str, float] = {}
    results: dict[str, list] = {}

    def drain(docs) -> None:
        for _doc in docs:
            pass

    def timed(name, fn):
        t0 = time.perf_counter()
        out = fn()
        best[name] = min(best.get(name, 1e9), time.perf_counter() - t0)
        return out

    for _ in range(repeat):
        timed("tokenise, sentencizer", lambda: drain(with_sentencizer.pipe(texts, batch_size=64)))
        timed("tokenise, no sentencizer", lambda: drain(plain.pipe(texts, batch_size=64)))
        with_sent = make_nlp()
        with_sent.add_pipe("sentencizer", first=True)
        timed("code, sentencizer", lambda n=with_sent: code_corpus(documents, book, nlp=n))
        results["1"] = timed("code, 1 process", lambda: code_corpus(documents, book))
        results["pool"] = timed(
            "code, custom pool n=2", lambda: code_corpus(documents, book, n_process=2)
        )
        results["pipe"] = timed(
            "code, nlp.pipe n_process=2", lambda: spacy_pipe_code(documents, book, 2)
        )
    one = results["1"]
    same = (
        one.equals(results["pool"])
        and [tuple(r) for r in one.itertuples(index=False)] == results["pipe"]
    )
    print(f"\n1M words in one process after start-up (best of {repeat})")
    for name, seconds in best.items():
        print(f"  {name:28s} {seconds:6.1f} s  {n_words / seconds:9,.0f} words/s")
    for kind in ("tokenise", "code"):
        saved = (
            1
            - best[f"{kind}, {'no sentencizer' if kind == 'tokenise' else '1 process'}"]
            / (best[f"{kind}, sentencizer"])
        )
        print(f"  {kind}: dropping the sentencizer saves {saved:.0%} of the time")
    print(
        "  two processes: nlp.pipe(n_process=2) "
        f"{best['code, 1 process'] / best['code, nlp.pipe n_process=2']:.2f}x, custom pool "
        f"{best['code, 1 process'] / best['code, custom pool n=2']:.2f}x one process; "
        f"codings identical: {same}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--words", type=int, default=1500, help="words per document")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-10m", action="store_true", help="skip the 10M-word memory run")
    parser.add_argument("--steady", action="store_true", help="also measure in one process")
    parser.add_argument("--steady-only", action="store_true", help="only measure in one process")
    parser.add_argument(
        "--pipeline", action="store_true", help="only the sentencizer and process-pool choices"
    )
    args = parser.parse_args()

    small = corpus(1_000_000 // args.words, args.words)
    n_words = count_words(small)
    print(f"corpus: {small.name}, {n_words:,} words", flush=True)
    if args.pipeline:
        pipeline_choices(small, n_words, args.repeat)
        return
    if args.steady or args.steady_only:
        steady(small, n_words, args.repeat)
        if args.steady_only:
            return
    best = {"baseline": (1e9, 0.0), "code": (1e9, 0.0), "code -n2": (1e9, 0.0)}
    commands = {
        "baseline": [sys.executable, "-c", BASELINE, str(small)],
        "code": code_cmd(small),
        "code -n2": code_cmd(small, 2),
    }
    for rep in range(args.repeat):
        for name, argv in commands.items():
            seconds, rss = run(argv)
            print(f"  run {rep + 1} {name:9s} {seconds:7.1f} s  {rss:6.0f} MiB", flush=True)
            if seconds < best[name][0]:
                best[name] = (seconds, rss)
    rate = {k: n_words / v[0] for k, v in best.items()}
    print(f"\n1M words (best of {args.repeat}, end to end, fresh process each)")
    for name in best:
        print(f"  {name:9s} {rate[name]:9,.0f} words/s  peak RSS {best[name][1]:6.0f} MiB")
    print(f"  ratio code / tokenise-only: {rate['code'] / rate['baseline']:.2f} (target >= 0.7)")
    print(f"  n_process=2 speed-up: {rate['code -n2'] / rate['code']:.2f}x")

    if not args.no_10m:
        big = corpus(10_000_000 // args.words, args.words)
        big_words = count_words(big)
        seconds, rss = run(code_cmd(big))
        print(
            f"\n10M words ({big_words:,}): code {big_words / seconds:,.0f} words/s, "
            f"peak RSS {rss:.0f} MiB (1M words: {best['code'][1]:.0f} MiB)"
        )


if __name__ == "__main__":
    main()
