"""Rule coding at scale: the local engine against a Dask cluster of 1 and 2 workers.

    python benchmarks/bench_cluster.py                          # 10M words + 1M survey answers
    python benchmarks/bench_cluster.py --documents 700 --answers 20000   # a quick run

Workloads (generated under benchmarks/out/, never committed):

- transcripts: ``--documents`` x ``--words`` words with benchmarks/generate.py (default
  6,667 x 1,500: 10M words), a project folder whose files the workers read themselves;
- survey answers: ``--answers`` short free-text answers (default 1,000,000; one to three
  sentences of the sample's participants each), coded through the Python API with the
  documents travelling with the tasks (``rq.code(..., engine="dask", client=...)``).

For each workload: the local engine (``resilience-qda code -o FILE.parquet``, one process),
then a Dask cluster started as separate processes on loopback, as on a real cluster
(``dask scheduler`` and ``dask worker --nthreads 1``), with 1 and then 2 workers. The
client is a fresh process each time. Printed: wall time, words/s, the client's peak RSS,
each worker's peak RSS, that the codings equal the local engine's row for row, the scaling
(speed-up over 1 worker), the scheduler's overhead per task (no-op tasks) and, on paper,
the time for 16 workers from the measured per-partition cost. The machine has 2 cores: a
2-worker cluster cannot beat 2x, and the client and scheduler share those cores.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """``dask scheduler`` and N ``dask worker --nthreads 1`` processes on 127.0.0.1."""

    def __init__(self, workers: int):
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.procs = []
        log = OUT / "cluster.log"
        self.log = open(log, "a")  # noqa: SIM115 (closed in stop)
        self.procs.append(self._start(["dask", "scheduler", "--host", "127.0.0.1",
                                       "--port", str(self.port), "--no-dashboard"]))  # fmt: skip
        for _ in range(workers):
            self.procs.append(
                self._start(["dask", "worker", self.address, "--nthreads", "1",
                             "--nworkers", "1", "--no-dashboard", "--memory-limit", "0"])
            )  # fmt: skip
        self._wait(workers)

    def _start(self, argv):
        return subprocess.Popen(
            argv, stdout=self.log, stderr=self.log, env=ENV, cwd=ROOT, start_new_session=True
        )

    def _wait(self, workers: int) -> None:
        from distributed import Client

        with Client(self.address, timeout="60s") as client:
            client.wait_for_workers(workers, timeout=120)

    def overhead(self, tasks: int = 2000) -> float:
        """Seconds of scheduling per task: no-op tasks submitted and gathered."""
        from distributed import Client

        with Client(self.address) as client:
            client.gather(client.map(_noop, range(50), pure=False))  # warm up
            t = time.perf_counter()
            client.gather(client.map(_noop, range(tasks), pure=False))
            return (time.perf_counter() - t) / tasks

    def stop(self) -> None:
        for p in reversed(self.procs):  # only the processes this benchmark started
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        self.log.close()


def _noop(x):
    return x


# --------------------------------------------------------------------------- workloads


def transcripts(documents: int, words: int) -> Path:
    sys.path.insert(0, str(HERE))
    from generate import make_project

    root = OUT / f"cluster-{documents}x{words}"
    if not (root / "sources.csv").exists():
        t = time.perf_counter()
        make_project(root, documents=documents, words=words)
        print(f"generated {root.name} in {time.perf_counter() - t:.0f} s", flush=True)
    return root


def survey(answers: int) -> Path:
    """A JSON-lines file of answers (doc_id, text), generated once."""
    sys.path.insert(0, str(HERE))
    from generate import _material

    path = OUT / f"survey-{answers}.jsonl"
    if not path.exists():
        _, sentences, _ = _material()
        rng = random.Random(3)
        with open(path, "w", encoding="utf-8") as fh:
            for i in range(answers):
                text = " ".join(rng.choices(sentences, k=rng.randint(1, 3)))
                fh.write(json.dumps({"doc_id": f"answer-{i:07d}", "text": text}) + "\n")
    return path


def count_words(source: Path) -> int:
    if source.suffix == ".jsonl":
        with open(source, encoding="utf-8") as fh:
            return sum(len(json.loads(line)["text"].split()) for line in fh)
    return sum(len(p.read_text(encoding="utf-8").split()) for p in source.glob("sources/*.txt"))


# --------------------------------------------------------------------------- one run

CLIENT = r"""
import json, resource, sys, time
t = time.perf_counter()
source, output, address = sys.argv[1], sys.argv[2], sys.argv[3]
stats = []
if source.endswith(".jsonl"):
    import resilience_qda as rq
    from resilience_qda.coding.distributed import code_dask
    from resilience_qda.io.parquet import write_parquet_parts
    with open(source, encoding="utf-8") as fh:
        docs = [rq.Document(**json.loads(line)) for line in fh]
    if address == "local":  # the same call each worker makes on its partition
        from resilience_qda.coding.rules import code
        write_parquet_parts([code(docs, progress=False)], output)
    else:
        from distributed import Client
        with Client(address) as client:
            code_dask(docs, client=client, output=output, progress=False, stats=stats)
else:
    from resilience_qda.cli import main
    argv = ["code", source, "-o", output, "--no-progress"]
    if address != "local":
        argv += ["--engine", "dask", "--scheduler", address]
        import resilience_qda.coding.distributed as d
        real = d.code_dask
        def spy(*a, **k):
            k["stats"] = stats
            return real(*a, **k)
        d.code_dask = spy
    assert main(argv) == 0
wall = time.perf_counter() - t
print("@@" + json.dumps({"wall": wall, "client_mib":
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "stats": stats}))
"""


def run(source: Path, output: Path, address: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CLIENT, str(source), str(output), address],
        capture_output=True, text=True, env=ENV, cwd=ROOT,
    )  # fmt: skip
    if done.returncode:
        sys.exit(f"run failed ({address}):\n{done.stderr[-3000:]}")
    line = [x for x in done.stdout.splitlines() if x.startswith("@@")][-1]
    return json.loads(line[2:])


def same_rows(a: Path, b: Path) -> bool:
    import pandas as pd
    import pyarrow.parquet as pq

    def raw(folder):
        tables = [pq.read_table(f).to_pandas() for f in sorted(folder.glob("*.parquet"))]
        t = pd.concat(tables, ignore_index=True)
        return t.astype({c: object for c in ("doc_id", "code", "coder", "source", "evidence")})

    return raw(a).equals(raw(b))


def workload(name: str, source: Path, n_words: int, counts: list[int]) -> None:
    print(f"\n== {name}: {n_words:,} words ==", flush=True)
    local_out = OUT / f"{source.stem}-local.parquet"
    r = run(source, local_out, "local")
    base = r["wall"]
    print(
        f"local engine        {r['wall']:8.1f} s  {n_words / r['wall']:9,.0f} words/s  "
        f"client peak {r['client_mib']:6.0f} MiB",
        flush=True,
    )
    per_worker_time = {}
    for n in counts:
        cluster = Cluster(n)
        try:
            overhead = cluster.overhead()
            out = OUT / f"{source.stem}-dask{n}.parquet"
            r = run(source, out, cluster.address)
        finally:
            cluster.stop()
        stats = r["stats"]
        peaks: dict[int, float] = {}
        for s in stats:
            peaks[s["worker"]] = max(peaks.get(s["worker"], 0), s["peak_mib"])
        per_part = sum(s["seconds"] for s in stats) / max(len(stats), 1)
        chars = sum(s["chars"] for s in stats) / max(len(stats), 1)
        per_worker_time[n] = r["wall"]
        print(
            f"dask, {n} worker(s)  {r['wall']:8.1f} s  {n_words / r['wall']:9,.0f} words/s  "
            f"client peak {r['client_mib']:6.0f} MiB  worker peaks "
            f"{', '.join(f'{v:.0f}' for v in sorted(peaks.values()))} MiB  "
            f"{len(stats)} partitions of {chars / 1e6:.1f} MB, {per_part:.1f} s each; "
            f"scheduler overhead {overhead * 1e3:.2f} ms/task; identical to local: "
            f"{same_rows(local_out, out)}",
            flush=True,
        )
        if n == 1:
            total_cost, n_parts, biggest = (
                sum(s["seconds"] for s in stats),
                len(stats),
                max(s["seconds"] for s in stats),
            )
            startup = r["wall"] - total_cost
    if 1 in per_worker_time:
        for n, wall in per_worker_time.items():
            print(f"scaling: {n} worker(s) {per_worker_time[1] / wall:.2f}x of 1 worker, "
                  f"{base / wall:.2f}x of the local engine")  # fmt: skip
        paper = max(total_cost / 16, biggest) + n_parts * overhead + startup
        print(
            f"on paper, 16 workers: {total_cost:.0f} s of partition work / 16 + {n_parts} tasks"
            f" x {overhead * 1e3:.2f} ms + {startup:.0f} s client start-up and reading = "
            f"{paper:.0f} s ({n_words / paper:,.0f} words/s; {per_worker_time[1] / paper:.1f}x "
            "of 1 worker) with partitions as cut here; more partitions (--partition-mb) keep "
            "16 workers busy"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=6667)
    parser.add_argument("--words", type=int, default=1500)
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--skip", nargs="+", default=[], choices=["transcripts", "survey"])
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    print(f"cpus: {os.cpu_count()}, load: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if "transcripts" not in args.skip:
        root = transcripts(args.documents, args.words)
        workload("transcripts (project folder)", root, count_words(root), args.workers)
    if "survey" not in args.skip:
        path = survey(args.answers)
        workload("survey answers (in memory)", path, count_words(path), args.workers)
    for f in OUT.glob("*-dask*.parquet"):
        shutil.rmtree(f, ignore_errors=True)


if __name__ == "__main__":
    main()
