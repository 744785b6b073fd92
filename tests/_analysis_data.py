"""Small hand-made corpora and codings shared by the analysis tests, and hypothesis strategies."""

from __future__ import annotations

import pandas as pd
from hypothesis import strategies as st

from resilience_qda.core.model import Corpus, Document

INTERVIEW_L = (
    "Interviewer: How did it go?\n\n"
    "Participant L: We had a laugh. The sheet helped me think.\n\n"
    "Interviewer: And the carers?\n\n"
    "Participant L: They felt less alone. I was tired though."
)
INTERVIEW_S = "Interviewer: Anything else?\n\nParticipant S: The map, mostly. And the phone."
NOTE_1 = "CoP meeting 1. Nobody knew what it was for.\n\nH said the targets come first."
NOTE_2 = "CoP meeting 2. The sheet went round. G laughed."


def corpus() -> Corpus:
    cases = pd.DataFrame(
        {"case": ["L", "S"], "role": ["Social worker", "Family nurse"],
         "sector": ["social work", "family nursing"]}
    )  # fmt: skip
    return Corpus(
        [
            Document("interview-L", INTERVIEW_L, {"kind": "interview", "case": "L",
                                                  "interview_order": 1}),
            Document("interview-S", INTERVIEW_S, {"kind": "interview", "case": "S",
                                                  "interview_order": 2}),
            Document("meeting-01", NOTE_1, {"kind": "observation", "meeting": 1}),
            Document("meeting-02", NOTE_2, {"kind": "observation", "meeting": 2}),
        ],
        cases=cases,
    )  # fmt: skip


def span(text: str, quote: str) -> tuple[int, int]:
    start = text.index(quote)
    return start, start + len(quote)


def codings() -> pd.DataFrame:
    """Coder A's and B's codings of :func:`corpus`, offsets found from quotes."""
    c = corpus()
    rows = [
        ("interview-L", "We had a laugh.", "framework/coping/have-a-laugh", "A"),
        ("interview-L", "We had a laugh.", "themes/more-resilient-themselves", "A"),
        ("interview-L", "The sheet helped me think.", "practice-elements/materials/artefacts", "A"),
        ("interview-L", "The sheet helped me think.", "themes/more-reflexive", "A"),
        ("interview-L", "They felt less alone.", "practice-elements/meanings/emotions", "A"),
        ("interview-L", "I was tired though.", "practice-elements/materials/the-body", "A"),
        ("interview-S", "The map, mostly.", "practice-elements/materials/artefacts", "A"),
        ("interview-S", "The map, mostly.", "themes/more-resourceful", "A"),
        ("meeting-01", "Nobody knew what it was for.", "context/no-shared-language", "A"),
        ("meeting-01", "H said the targets come first.", "context/target-driven", "A"),
        ("meeting-02", "The sheet went round.", "practice-elements/materials/artefacts", "A"),
        ("interview-L", "We had a laugh.", "framework/coping/have-a-laugh", "B"),
        ("interview-S", "And the phone.", "practice-elements/materials/technology", "B"),
    ]  # fmt: skip
    out = []
    for doc_id, quote, code, coder in rows:
        s, e = span(c[doc_id].text, quote)
        out.append((doc_id, s, e, code, coder, "manual", None))
    return pd.DataFrame(out, columns=["doc_id", "start", "end", "code", "coder", "source", "score"])


CODES = [
    "themes/a",
    "themes/b",
    "elements/meanings",
    "elements/meanings/emotions",
    "elements/materials",
    "elements/competencies/learning",
]
DOCS = {"d1": "x" * 200, "d2": "y" * 120, "d3": "z" * 80}


@st.composite
def random_codings(draw, max_rows: int = 30) -> pd.DataFrame:
    """Codings of :data:`CODES` by coders A and B, valid spans within :data:`DOCS`."""
    n = draw(st.integers(0, max_rows))
    rows = []
    for _ in range(n):
        doc = draw(st.sampled_from(sorted(DOCS)))
        start = draw(st.integers(0, len(DOCS[doc]) - 1))
        end = draw(st.integers(start + 1, min(len(DOCS[doc]), start + 60)))
        rows.append((doc, start, end, draw(st.sampled_from(CODES)), draw(st.sampled_from("AB"))))
    return pd.DataFrame(rows, columns=["doc_id", "start", "end", "code", "coder"]).astype(
        {"start": "int64", "end": "int64"}
    )
