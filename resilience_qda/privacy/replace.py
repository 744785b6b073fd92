"""Replace reviewed identifiers throughout a project and carry every coding across.

Codings are re-anchored with :func:`resilience_qda.coding.anchors.reanchor` (offsets carried
through a diff of old and new text). So that the diff cannot align letters of a name with
letters of its pseudonym (which would move a coding's edge by a few characters), the
re-anchoring runs against a *masked* text in which each replacement is a run of one
private-use character of the pseudonym's length; the pseudonym is then put in its place,
which changes no offset. Every result is checked against the offsets computed directly from
the replacements: a coding that disagrees, or that cannot be placed, stops the whole
operation before anything is written.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd

from ..coding.anchors import drifted, reanchor
from ..core.errors import ProjectError, QDAError
from ..core.model import ANCHOR_COLUMNS, CODINGS_COLUMNS, Corpus, Document, Project
from ..core.version import __version__
from ..io.names import check_file_name
from ..io.refi_write import exchange_of
from .detect import (
    CANDIDATE_COLUMNS,
    POSSESSIVE_OK,
    find_key_names,
    key_form,
    key_names_in_name,
    project_texts,
)
from .key import Key

MASK, OLD_MASK = "\ue000", "\ue001"
#: Actions of the review table that mean "replace this span".
REPLACE_ACTIONS = frozenset({"replace", "yes", "y", "r", ""})
KEEP_ACTIONS = frozenset({"keep", "no", "n", "k", "skip"})


class ReviewError(QDAError, ValueError):
    """The reviewed candidates table does not fit the project (edited, stale, overlapping)."""


@dataclass(frozen=True)
class Pseudonymisation:
    """What :func:`pseudonymise` returns.

    Attributes
    ----------
    project : Project
        The pseudonymised project (texts, memos, attributes and codings).
    codings_report : DataFrame
        The re-anchoring report: one row per coding with its status (``kept``, ``moved``,
        ``changed``) and its text before (``quote``) and after (``new_text``).
    record : dict
        What is written to ``pseudonymisation.yaml``: date, key version, counts per kind,
        the spans reviewed and kept, how many names of files were changed.
    renamed : dict
        Document ids, coder names and memo ids that held a name, old to new, so that
        :func:`~resilience_qda.privacy.record.write_pseudonymised` can remove the old files
        of a project pseudonymised in place.
    """

    project: Project
    codings_report: pd.DataFrame
    record: dict = field(default_factory=dict)
    #: ``{"documents"|"coders"|"memos": {old name: new name}}`` for names that held
    #: identifiers (the old names are real names: this is never written anywhere).
    renamed: dict = field(default_factory=dict, repr=False)


def apply_replacements(text: str, spans: list[tuple[int, int, str]]) -> str:
    """``text`` with each ``(start, end, replacement)`` put in (spans must not overlap).

    >>> apply_replacements("Ask Jo at BN2 4GJ.", [(4, 6, "Participant L"), (10, 17, "[POSTCODE]")])
    'Ask Participant L at [POSTCODE].'
    """
    out, last = [], 0
    for s, e, r in sorted(spans):
        out += [text[last:s], r]
        last = e
    return "".join([*out, text[last:]])


def map_offsets(
    spans: list[tuple[int, int, str]], starts: list[int], ends: list[int]
) -> tuple[list[int], list[int]]:
    """Where old offsets land after :func:`apply_replacements`: a start inside a replaced
    span goes to the start of its replacement, an end inside one to the replacement's end
    (a coding that took in part of a name takes in the whole pseudonym).

    >>> map_offsets([(4, 6, "Participant L")], [0, 5, 7], [5, 6, 9])
    ([0, 4, 18], [17, 17, 20])
    """
    spans = sorted(spans)
    old_s = [s for s, _, _ in spans]
    shift, new_s, acc = [], [], 0
    for s, e, r in spans:
        new_s.append(s + acc)
        acc += len(r) - (e - s)
        shift.append(acc)

    def start(p: int) -> int:
        k = bisect.bisect_right(old_s, p) - 1
        if k >= 0 and p < spans[k][1]:
            return new_s[k]
        return p + (shift[k] if k >= 0 else 0)

    def end(p: int) -> int:
        k = bisect.bisect_left(old_s, p) - 1
        if k >= 0 and p <= spans[k][1]:
            return new_s[k] + len(spans[k][2])
        return p + (shift[k] if k >= 0 else 0)

    return [start(p) for p in starts], [end(p) for p in ends]


def check_review(candidates: pd.DataFrame, corpus: dict[str, str]) -> pd.DataFrame:
    """Validate a (possibly hand-edited) review table against the texts; return the rows
    to replace. Raises :class:`ReviewError` naming the row and what to do."""
    missing = [c for c in ("doc_id", "start", "end", "text", "replacement") if c not in candidates]
    if missing:
        raise ReviewError(
            f"the review table lacks column(s) {', '.join(missing)}; it needs "
            f"{', '.join(CANDIDATE_COLUMNS)} (write one with `pseudonymise review`)"
        )
    table = candidates.copy()
    if "action" not in table:
        table["action"] = "replace"
    table["action"] = table["action"].fillna("").astype(str).str.strip().str.lower()
    bad = ~table["action"].isin(REPLACE_ACTIONS | KEEP_ACTIONS)
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise ReviewError(
            f"review row {i + 1}: action {table['action'].iloc[i]!r} is neither 'replace' "
            "nor 'keep'"
        )
    todo = table[table["action"].isin(REPLACE_ACTIONS)].reset_index(drop=True)
    for i, r in todo.iterrows():
        where = f"review row {r.get('candidate', i + 1)} ({r['doc_id']} {r['start']}-{r['end']})"
        if r["doc_id"] not in corpus:
            raise ReviewError(f"{where}: no document {r['doc_id']!r} in the project")
        try:
            s, e = int(r["start"]), int(r["end"])
        except (TypeError, ValueError):
            raise ReviewError(f"{where}: start and end must be whole numbers") from None
        if corpus[r["doc_id"]][s:e] != str(r["text"]):
            raise ReviewError(
                f"{where}: the text there is {corpus[r['doc_id']][s:e]!r}, not {r['text']!r}; "
                "the source changed since the review: run `pseudonymise review` again"
            )
        rep = "" if pd.isna(r["replacement"]) else str(r["replacement"])
        if not rep.strip() or MASK in rep:
            raise ReviewError(f"{where}: the replacement is empty; give a pseudonym or placeholder")
    todo["start"], todo["end"] = todo["start"].astype(int), todo["end"].astype(int)
    todo["replacement"] = todo["replacement"].astype(str)
    for doc_id, rows in todo.sort_values(["doc_id", "start"]).groupby("doc_id"):
        overlap = rows["start"].to_numpy()[1:] < rows["end"].to_numpy()[:-1]
        if overlap.any():
            r = rows.iloc[int(overlap.nonzero()[0][0]) + 1]
            raise ReviewError(
                f"review: two rows overlap in {doc_id} at {r['start']}; keep one of them"
            )
    return todo


def pseudonymise(
    project: Project, candidates: pd.DataFrame, *, key: Key | None = None
) -> Pseudonymisation:
    """Replace the reviewed spans in every text of a project and re-anchor its codings.

    Parameters
    ----------
    project : Project
        Its texts must be those the review was made on, and its codings must cover their
        anchor quotes (re-anchor them first if the sources were edited).
    candidates : DataFrame
        The review table of :func:`~resilience_qda.privacy.detect.find_candidates`, perhaps
        edited: rows whose ``action`` is ``keep`` are left alone, ``replacement`` may be
        changed.
    key : Key, optional
        The key used for the review: its version is recorded, and its names are also
        replaced in document and case attributes, memo fields and free-text coding columns.

    Returns
    -------
    Pseudonymisation

    Examples
    --------
    >>> from resilience_qda.privacy.detect import find_candidates
    >>> doc = Document("d", "P: Ring me on 07700 900123, I'm at work.", {"kind": "interview"})
    >>> codings = pd.DataFrame({"doc_id": ["d"], "start": [28], "end": [40], "code": ["x"],
    ...                         "coder": ["A"], "source": ["manual"], "score": [None]})
    >>> from resilience_qda.core.model import Codebook
    >>> p = Project(Corpus([doc]), Codebook(), codings)
    >>> out = pseudonymise(p, find_candidates(p))
    >>> print(out.project.corpus["d"].text)
    P: Ring me on [PHONE], I'm at work.
    >>> out.codings_report[["status", "new_text"]].values.tolist()
    [['moved', "I'm at work."]]
    """
    texts = project_texts(project)
    todo = check_review(candidates, texts)
    spans = {
        d: list(zip(g["start"], g["end"], g["replacement"], strict=True))
        for d, g in todo.groupby("doc_id")
    }
    for d, text in texts.items():
        if (MASK in text or OLD_MASK in text) and d in spans:
            raise ProjectError(
                f"{d}: contains the private-use character U+E000 or U+E001; remove it first"
            )
    new_texts = {d: apply_replacements(t, spans.get(d, [])) for d, t in texts.items()}
    codings, report = _carry_codings(project, spans, new_texts)
    names = _Names(key, todo)
    doc_map = names.unique_ids(project.corpus.doc_ids, what="document id")
    memo_map = names.unique_ids([str(m) for m in project.memos["memo_id"]], what="memo id")
    coder_map = {c: names.attribute(c) for c in sorted(set(codings["coder"].astype(str)))}
    codings["doc_id"] = pd.Series(
        [doc_map.get(d, d) for d in codings["doc_id"]], index=codings.index, dtype=object
    )
    codings["coder"] = pd.Series(
        [coder_map.get(str(c), c) for c in codings["coder"]], index=codings.index, dtype=object
    )
    for col in codings.columns.difference(CODINGS_COLUMNS):
        if codings[col].dtype == object or pd.api.types.is_string_dtype(codings[col]):
            codings[col] = codings[col].map(names.attribute)
    report = report.assign(doc_id=report["doc_id"].map(doc_map)) if "doc_id" in report else report
    cases = project.corpus.cases
    if len(cases):
        cases = cases.map(names.attribute).rename(columns=names.attribute)
    corpus = Corpus(
        [
            Document(
                doc_map[doc.doc_id],
                new_texts[doc.doc_id],
                {
                    **{names.attribute(k): names.attribute(v) for k, v in doc.metadata.items()},
                    "pseudonymised": key.version if key is not None else "reviewed",
                },
            )
            for doc in project.corpus
        ],
        cases=cases if len(cases) else None,
    )
    memos = project.memos.copy()
    if len(memos):
        memos["text"] = [new_texts[f"memo:{m}"] for m in memos["memo_id"]]
        for col in memos.columns.difference(["memo_id", "doc_id", "code", "text"]):
            memos[col] = memos[col].map(names.attribute)
        memos["doc_id"] = memos["doc_id"].map(
            lambda d: doc_map.get(d, d) if isinstance(d, str) else d
        )
        memos["memo_id"] = memos["memo_id"].astype(str).map(memo_map)
    exchange = dict(project.exchange)
    refi = exchange_of(project)
    if refi:
        exchange["refi"] = _exchange(refi, names, doc_map, memo_map, coder_map)
    out = Project(
        corpus,
        project.codebook,
        codings,
        memos,
        path=project.path,
        warnings=list(project.warnings),
        exchange=exchange,
        folder_state=project.folder_state,
    )
    renamed = {
        "documents": {a: b for a, b in doc_map.items() if a != b},
        "coders": {a: b for a, b in coder_map.items() if a != b},
        "memos": {a: b for a, b in memo_map.items() if a != b},
    }
    record = _record(candidates, todo, key)
    record["renamed"] = {k: len(v) for k, v in renamed.items()}
    return Pseudonymisation(out, report, record, renamed)


class _Names:
    """Pseudonymise names and attribute values: key names (and reviewed surfaces) in free
    text as in the sources; in identifier-like values (no white space: file names, ids,
    ``meeting-jayden-clarke``) as whole words between separators, in any case."""

    def __init__(self, key: Key | None, todo: pd.DataFrame):
        self.key = key
        self.text = _name_replacer(key, todo)
        surfaces = dict(zip(todo["text"].astype(str), todo["replacement"], strict=True))
        self.extra = {s: r for s, r in surfaces.items() if len(s) > 2}

    def identifier(self, value: str) -> str:
        hits = key_names_in_name(value, self.key, self.extra)
        return apply_replacements(
            value, [(s, e, _id_form(value, s, e, rep)) for s, e, rep, _ in hits]
        )

    def attribute(self, value):
        if not isinstance(value, str):
            return value
        value = self.text(value)
        if value and not any(ch.isspace() for ch in value):
            value = self.identifier(value)
        return value

    def unique_ids(self, ids: list[str], *, what: str) -> dict[str, str]:
        out: dict[str, str] = {}
        taken = set(ids)
        for old in ids:
            new = self.identifier(old)
            if new != old:
                stem, n = new, 2
                while new in taken:
                    new, n = f"{stem}-{n}", n + 1
                taken.add(new)
                check_file_name(f"{new}.txt", what=f"the pseudonymised {what} {new!r}")
            out[old] = new
        return out


def _id_form(value: str, s: int, e: int, replacement: str) -> str:
    """A pseudonym written the way the identifier it goes into is written: words joined by
    the identifier's separator, lower case if the name was."""
    seps = [value[i] for i in (s - 1, e) if 0 <= i < len(value) and value[i] in "-_. "]
    sep = seps[0] if seps else "-"
    words = re.findall(r"[^\W_]+", replacement) or ["x"]
    out = sep.join(words)
    return out.lower() if value[s:e].islower() else out


def _exchange(refi: dict, names: _Names, doc_map, memo_map, coder_map) -> dict:
    """The REFI-QDA round-trip data with its names pseudonymised as in the project."""

    def key(k: str) -> str:
        kind, _, rest = k.partition(":")
        if kind == "source":
            return f"source:{doc_map.get(rest, names.identifier(rest))}"
        if kind == "note":
            return f"note:{memo_map.get(rest, names.identifier(rest))}"
        if kind in ("coding", "selection"):
            parts = rest.split("|")
            if len(parts) == 5:
                parts[0] = doc_map.get(parts[0], names.identifier(parts[0]))
                parts[4] = coder_map.get(parts[4], names.attribute(parts[4]))
            return f"{kind}:{'|'.join(parts)}"
        if kind == "code":
            return k
        return f"{kind}:{names.attribute(rest)}"

    out = dict(refi)
    out["guids"] = {key(k): v for k, v in refi.get("guids", {}).items()}
    out["descriptions"] = {key(k): names.text(v) for k, v in refi.get("descriptions", {}).items()}
    out["variables"] = {names.attribute(k): v for k, v in refi.get("variables", {}).items()}
    if refi.get("project"):
        out["project"] = {k: names.text(v) for k, v in refi["project"].items()}
    sets = []
    for st in refi.get("sets", []):
        st = dict(st)
        for field_name in ("name", "description"):
            if st.get(field_name):
                st[field_name] = names.text(st[field_name])
        if st.get("sources"):
            st["sources"] = [doc_map.get(d, d) for d in st["sources"]]
        if st.get("notes"):
            st["notes"] = [memo_map.get(m, m) for m in st["notes"]]
        sets.append(st)
    out["sets"] = sets
    return out


def _carry_codings(project, spans, new_texts) -> tuple[pd.DataFrame, pd.DataFrame]:
    codings = project.codings.drop(columns=[c for c in ANCHOR_COLUMNS if c in project.codings])
    old = project.corpus.texts
    stale = drifted(project.codings, old)
    if stale.any():
        r = project.codings[stale].iloc[0]
        raise ProjectError(
            f"{int(stale.sum())} coding(s) no longer cover their quoted text (first: "
            f"{r['doc_id']} [{r['start']}:{r['end']}] by {r['coder']}); re-anchor the codings "
            "to the current sources before pseudonymising"
        )
    if not len(codings):
        return codings, pd.DataFrame(columns=["row", "status", "method", "quote", "new_text"])
    # old and new texts with every replaced span masked (two private-use characters that
    # occur nowhere else), so that the diff aligns exactly the unchanged text
    old_masked = {
        d: apply_replacements(t, [(s, e, OLD_MASK * (e - s)) for s, e, _ in spans.get(d, [])])
        for d, t in old.items()
    }
    masked = {
        d: apply_replacements(t, [(s, e, MASK * len(r)) for s, e, r in spans.get(d, [])])
        for d, t in old.items()
    }
    result = reanchor(codings, masked, old_corpus=old_masked, threshold=0.0, min_kept=0.0)
    if len(result.orphans):
        r = result.orphans.iloc[0]
        raise ProjectError(
            f"{len(result.orphans)} coding(s) could not be carried across (first: "
            f"{r['doc_id']} [{r['old_start']}:{r['old_end']}] {r['code']}); nothing was changed"
        )
    placed = result.codings.drop(columns=list(ANCHOR_COLUMNS)).reset_index(drop=True)
    report = result.report.copy()
    # check every coding against the offsets the replacements imply (allowing for white
    # space that re-anchoring trims from the edges of a moved coding); where they differ,
    # the implied offsets are used and the report says so
    for i, (d, s, e) in enumerate(
        zip(codings["doc_id"], codings["start"], codings["end"], strict=True)
    ):
        ms, me = map_offsets(spans.get(d, []), [int(s)], [int(e)])
        want = _trimmed(masked[d], ms[0], me[0])
        got = _trimmed(masked[d], int(placed.at[i, "start"]), int(placed.at[i, "end"]))
        if want != got:
            placed.loc[i, ["start", "end"]] = want
            report.loc[report["row"] == i, ["start", "end", "method"]] = [*want, "replacements"]
    report["quote"] = [
        old[d][int(s) : int(e)]
        for d, s, e in report[["doc_id", "old_start", "old_end"]].itertuples(index=False)
    ]
    report["new_text"] = [
        new_texts[d][int(s) : int(e)]
        for d, s, e in zip(report["doc_id"], report["start"], report["end"], strict=True)
    ]
    return placed, report


def _trimmed(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def _name_replacer(key: Key | None, todo: pd.DataFrame):
    """A function that pseudonymises a free-text cell: key names, then any reviewed
    surface text (longest first)."""
    surfaces = dict(zip(todo["text"].astype(str), todo["replacement"], strict=True))
    surfaces = {s: r for s, r in surfaces.items() if len(s) > 2}
    longest_first = sorted(surfaces, key=len, reverse=True)
    alternation = "|".join(rf"(?<!\w){re.escape(s)}{POSSESSIVE_OK}" for s in longest_first)
    extra = re.compile(alternation) if surfaces else None

    def replace(value):
        if not isinstance(value, str):
            return value
        if key is not None:
            hits = find_key_names(value, key)
            value = apply_replacements(
                value,
                [
                    (h.start, h.end, key.variants[key_form(key, value[h.start : h.end])])
                    for h in hits
                ],
            )
        if extra is not None:
            value = extra.sub(lambda m: surfaces[m.group()], value)
        return value

    return replace


def _record(candidates: pd.DataFrame, todo: pd.DataFrame, key: Key | None) -> dict:
    action = candidates.get("action", pd.Series("replace", index=candidates.index))
    kept = candidates[action.fillna("").astype(str).str.strip().str.lower().isin(KEEP_ACTIONS)]
    return {
        "pseudonymised": True,
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "key_version": key.version if key is not None else None,
        "toolkit": f"resilience_qda {__version__}",
        "replaced": {str(k): int(v) for k, v in todo["kind"].value_counts().sort_index().items()}
        if "kind" in todo
        else {"all": len(todo)},
        "kept": [
            {"doc_id": str(r["doc_id"]), "kind": str(r.get("kind", "")), "text": str(r["text"])}
            for _, r in kept.iterrows()
        ],
    }


__all__ = [
    "Pseudonymisation",
    "ReviewError",
    "apply_replacements",
    "check_review",
    "map_offsets",
    "pseudonymise",
]
