"""Quality of the rule coder per area, on text it was tuned on and on text it never saw.

Prints precision, recall and F1 per area (practice elements and framework areas, codes
rolled up, sentence units, participant speech only) of the built-in ``cop-evaluation``
rules against a reference, on three sets:

1. ``tuning``: the half of data/sample the patterns were tuned on, against coder A;
2. ``heldout``: the other half, never used for tuning, against coder A;
3. ``unseen``: tests/fixtures/rules/unseen.txt, 160 passages written after round 1 of the
   tuning was frozen, in other voices, labelled by hand (read before round 2);
4. ``unseen2``: tests/fixtures/rules/unseen2.txt, 155 passages written after round 2 was
   frozen: the clean test of the rules as they are.

``--model`` adds the learned suggester (trained on coder A's tuning half) and the union of
rules and model, to show whether combining them helps.

``--codebook FILE`` scores another version of the codebook on the same sets (e.g. one taken
from git history with ``git show REV:resilience_qda/codebooks/cop-evaluation.yaml``).

    python benchmarks/eval_rules.py [--model] [--codebook FILE] [--sets ...] [--csv OUT.csv]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from resilience_qda import read_project
from resilience_qda.coding.rule_quality import SAMPLE_SPLIT, area_scores, read_passages
from resilience_qda.coding.rules import code as code_corpus
from resilience_qda.core.model import Corpus
from resilience_qda.core.scoring import scoring_units
from resilience_qda.io.codebook import read_codebook

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "rules"


def sets(project) -> dict[str, tuple[Corpus, pd.DataFrame]]:
    """``{name: (corpus, reference codings)}`` of the three evaluation sets."""
    a = project.codings_of("A")
    out = {}
    for half, ids in SAMPLE_SPLIT.items():
        corpus = Corpus([project.corpus[d] for d in ids])
        out[half] = (corpus, a[a["doc_id"].isin(ids)])
    book = read_codebook("cop-evaluation")
    for name in ("unseen", "unseen2"):
        out[name] = read_passages(FIXTURES / f"{name}.txt", book)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", action="store_true", help="also the learned model")
    parser.add_argument("--csv", type=Path, help="write every figure to this CSV")
    parser.add_argument("--codebook", default="cop-evaluation", help="codebook name or file")
    parser.add_argument(
        "--sets",
        nargs="+",
        default=["tuning", "heldout", "unseen", "unseen2"],
        help="which sets to score",
    )
    args = parser.parse_args()
    project = read_project(ROOT / "data" / "sample")
    frames = []
    for name, (corpus, reference) in sets(project).items():
        if name not in args.sets:
            continue
        units = scoring_units(corpus, "sentence")
        coders = {"rules": code_corpus(corpus, read_codebook(args.codebook), unit="sentence")}
        if args.model:
            coders.update(model_coders(project, corpus, coders["rules"]))
        for coder, codings in coders.items():
            table = area_scores(codings, reference=reference, units=units)
            frames.append(table.assign(set=name, coder=coder))
            print(f"\n{name} ({len(corpus)} documents, {len(units)} sentences), {coder}")
            print(table.round(2).to_string(index=False, na_rep=""))
    if args.csv:
        pd.concat(frames, ignore_index=True).to_csv(args.csv, index=False)
    summary = pd.concat(frames, ignore_index=True)
    summary = summary[summary["area"].str.endswith("/macro")]
    print("\nmacro-F1")
    print(summary.pivot_table(index=["set", "coder"], columns="area", values="f1").round(3))


def model_coders(project, corpus: Corpus, rules: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The suggester trained on coder A's tuning half (one model per area), alone and in
    union with the rules."""
    from resilience_qda.coding.rule_quality import AREAS
    from resilience_qda.coding.suggest import suggest
    from resilience_qda.core.model import Project

    tuning = [project.corpus[d] for d in SAMPLE_SPLIT["tuning"]]
    a = project.codings_of("A")
    both = Project(
        Corpus(tuning + [d for d in corpus if d.doc_id not in SAMPLE_SPLIT["tuning"]]),
        project.codebook,
        a[a["doc_id"].isin(SAMPLE_SPLIT["tuning"])],
    )
    if set(corpus.doc_ids) <= set(SAMPLE_SPLIT["tuning"]):
        return {}  # the model's own training documents: nothing to suggest
    suggested = suggest(both, coder="A", codes=AREAS, target_precision=0.5)
    union = pd.concat([rules, suggested], ignore_index=True).assign(coder="rules+model")
    return {"model": suggested, "rules+model": union}


if __name__ == "__main__":
    main()
