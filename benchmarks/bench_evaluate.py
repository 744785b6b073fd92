"""``suggest --evaluate`` cost: the suggester's cross-validated evaluation on data/sample.

    python benchmarks/bench_evaluate.py [--baseline FILE]

Times :func:`resilience_qda.coding.suggest_eval.evaluate` (coder A against B, 5 folds) in
one process and prints wall and CPU seconds. With ``--baseline FILE`` (a copy of an older
``suggest_model.py``, e.g. ``git show f0fd386:resilience_qda/coding/suggest_model.py``, one
CalibratedClassifierCV per code) the same evaluation runs with that estimator first, in the
same process, and both tables' kappas are compared.
"""

from __future__ import annotations

import argparse
import importlib.util
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(project):
    from resilience_qda.coding.suggest_eval import evaluate

    wall, cpu = time.perf_counter(), time.process_time()
    table = evaluate(project, coder="A", against=["B"])
    return table, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", help="an older suggest_model.py to compare with")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    import resilience_qda as rq
    from resilience_qda.coding import suggest_eval

    project = rq.read_project(ROOT / "data" / "sample")
    if args.baseline:
        text = (
            Path(args.baseline)
            .read_text()
            .replace("from .suggest_features", "from resilience_qda.coding.suggest_features")
        )
        spec = importlib.util.spec_from_loader("baseline_model", loader=None)
        old = importlib.util.module_from_spec(spec)
        exec(compile(text, args.baseline, "exec"), old.__dict__)
        current = suggest_eval.CodeSuggester
        suggest_eval.CodeSuggester = old.CodeSuggester
        base, base_wall, base_cpu = timed(project)
        suggest_eval.CodeSuggester = current
        print(
            f"baseline (one calibrated fit per code): {base_wall:.1f} s wall, {base_cpu:.1f} s CPU"
        )
    table, wall, cpu = timed(project)
    print(f"shared folds, vectorised calibration:   {wall:.1f} s wall, {cpu:.1f} s CPU")
    if args.baseline:
        keys = ["code", "coder", "reference", "scope"]
        both = base.merge(table, on=keys, suffixes=("_old", "_new"))
        both = both[both["coder"].str.startswith("model:")]
        diff = (both["kappa_old"] - both["kappa_new"]).abs()
        pooled = both[both["code"] == suggest_eval.ALL_CODES].iloc[0]
        print(
            f"speed-up {base_wall / wall:.1f}x wall, {base_cpu / cpu:.1f}x CPU; model kappas "
            f"per code differ by {diff.median():.3f} (median), {diff.max():.3f} (max); pooled "
            f"kappa {pooled['kappa_old']:.3f} -> {pooled['kappa_new']:.3f}"
        )


if __name__ == "__main__":
    main()
