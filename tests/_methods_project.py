"""A second, quite different project for the methods tests: restorative practice in two
schools, with teachers named by first name, a focus group, a reflective diary, its own
codebook (with negative codes) and its own claims ledger. Written for the tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

TEXTS = {
    "interview-amara": (
        "Interviewer: How have circles changed your classroom?\n\n"
        "Amara: We start every Monday with a circle now. The room is calmer after a circle, "
        "the shouting has mostly stopped. [laughs]\n\n"
        "Interviewer: And the restorative questions?\n\n"
        "Amara: I ask what happened and who was affected instead of sending them out. Two "
        "boys who fought in March now sit together and share a desk. Honestly I was doubtful "
        "at first, I thought it was soft on behaviour. I don't think that any more.\n\n"
        "Interviewer: What gets in the way?\n\n"
        "Amara: Marking. The workload is huge and a circle takes twenty minutes I don't have."
    ),
    "interview-dev": (
        "Interviewer: Has anything changed for you?\n\n"
        "Dev: Not much, if I'm honest. My lessons run the same way they always did. The "
        "behaviour policy still says detention first, so that's what I do.\n\n"
        "Interviewer: Have you tried a circle?\n\n"
        "Dev: Once. Amara told me a circle makes her Year 9 room calmer, so I tried it with "
        "mine, and it was chaos. I think it's soft on behaviour, the kids see it as a free "
        "period.\n\n"
        "Interviewer: Anything positive?\n\n"
        "Dev: One girl apologised to a supply teacher after we talked it through. That was new."
    ),
    "interview-joan": (
        "Interviewer: What has the training meant for you?\n\n"
        "Joan: Circles give the quiet ones a voice. The class is calmer and I spend far less "
        "time on discipline than I did in the autumn.\n\n"
        "Interviewer: And relationships?\n\n"
        "Joan: A boy I had written off came back after a restorative meeting and said sorry "
        "to the class. We get on now."
    ),
    "focus-group-1": (
        "Moderator: What difference has restorative practice made in your school?\n\n"
        "Ruth: Relationships with the hardest-to-reach pupils are better, they come and find "
        "me now.\n\n"
        "Dev: I still don't see a difference in my classes.\n\n"
        "Amara: The corridors are calmer at lunch, everyone says so.\n\n"
        "Ruth: But the follow-up meetings all fall on form tutors, on top of everything else."
    ),
    "diary-ruth": (
        "20 April. Ran my first circle with 8R today. Calmer than I feared. Two pupils who "
        "have not spoken since the fight in February shook hands at the end.\n\n"
        "I am tired; the follow-up meetings have taken my lunch every day this week."
    ),
}

SOURCES = pd.DataFrame(
    [
        ("interview-amara", "interview", "Amara", "2011-05-03", "Northfield"),
        ("interview-dev", "interview", "Dev", "2011-05-10", "Eastgate"),
        ("interview-joan", "interview", "Joan", "2011-05-17", "Northfield"),
        ("focus-group-1", "focus_group", None, "2011-06-01", None),
        ("diary-ruth", "diary", "Ruth", "2011-04-20", "Eastgate"),
    ],
    columns=["doc_id", "kind", "case", "date", "school"],
)
CASES = pd.DataFrame(
    {
        "case": ["Amara", "Dev", "Joan", "Ruth"],
        "subject": ["English", "Maths", "Science", "Geography"],
        "years": [6, 14, 2, 9],
    }
)

CODEBOOK = """\
name: restorative-schools
title: Restorative practice in two schools
codes:
  - name: Outcomes
    children:
      - name: Calmer classrooms
        description: Classrooms, corridors or lessons described as calmer.
      - name: Repaired relationships
        description: A relationship mended after harm, or pupils and staff closer.
  - name: Practice
    children:
      - name: Circles
        description: Running or taking part in a circle.
      - name: Restorative questions
        description: Asking what happened, who was affected, what is needed.
  - name: Barriers
    children:
      - name: Workload
      - name: Behaviour policy
  - name: Doubts
    negative: true
    children:
      - name: No difference
        description: Saying restorative practice made no difference.
        negative: true
      - name: Soft on behaviour
        description: Seeing restorative practice as letting pupils off.
        negative: true
"""

#: (doc_id, code, exact words) coded by coder Rosa.
QUOTES = [
    ("interview-amara", "practice/circles", "We start every Monday with a circle now."),
    ("interview-amara", "outcomes/calmer-classrooms",
     "The room is calmer after a circle, the shouting has mostly stopped."),
    ("interview-amara", "practice/restorative-questions",
     "I ask what happened and who was affected instead of sending them out."),
    ("interview-amara", "outcomes/repaired-relationships",
     "Two boys who fought in March now sit together and share a desk."),
    ("interview-amara", "doubts/soft-on-behaviour",
     "Honestly I was doubtful at first, I thought it was soft on behaviour."),
    ("interview-amara", "barriers/workload",
     "The workload is huge and a circle takes twenty minutes I don't have."),
    ("interview-dev", "doubts/no-difference",
     "Not much, if I'm honest. My lessons run the same way they always did."),
    ("interview-dev", "barriers/behaviour-policy",
     "The behaviour policy still says detention first, so that's what I do."),
    ("interview-dev", "outcomes/calmer-classrooms",
     "Amara told me a circle makes her Year 9 room calmer"),
    ("interview-dev", "doubts/soft-on-behaviour",
     "I think it's soft on behaviour, the kids see it as a free period."),
    ("interview-dev", "outcomes/repaired-relationships",
     "One girl apologised to a supply teacher after we talked it through."),
    ("interview-joan", "practice/circles", "Circles give the quiet ones a voice."),
    ("interview-joan", "outcomes/calmer-classrooms",
     "The class is calmer and I spend far less time on discipline than I did in the autumn."),
    ("interview-joan", "outcomes/repaired-relationships",
     "A boy I had written off came back after a restorative meeting and said sorry to the "
     "class. We get on now."),
    ("focus-group-1", "outcomes/repaired-relationships",
     "Relationships with the hardest-to-reach pupils are better, they come and find me now."),
    ("focus-group-1", "doubts/no-difference", "I still don't see a difference in my classes."),
    ("focus-group-1", "outcomes/calmer-classrooms",
     "The corridors are calmer at lunch, everyone says so."),
    ("focus-group-1", "barriers/workload",
     "But the follow-up meetings all fall on form tutors, on top of everything else."),
    ("diary-ruth", "practice/circles", "Ran my first circle with 8R today."),
    ("diary-ruth", "outcomes/calmer-classrooms", "Calmer than I feared."),
    ("diary-ruth", "outcomes/repaired-relationships",
     "Two pupils who have not spoken since the fight in February shook hands at the end."),
    ("diary-ruth", "barriers/workload",
     "the follow-up meetings have taken my lunch every day this week"),
]  # fmt: skip

CLAIMS = """\
claims:
  - id: calmer
    claim: Restorative practice made classrooms calmer.
    supporting: outcomes/calmer-classrooms
    counter: [doubts]
  - id: relationships-eastgate
    claim: At Eastgate, restorative practice repaired relationships.
    supporting: [outcomes/repaired-relationships]
    counter: [doubts/no-difference]
    where:
      school: Eastgate
  - id: workload
    claim: The follow-up work falls on teachers' time.
    supporting: [barriers/workload]
"""


def codings(coder: str = "Rosa") -> pd.DataFrame:
    rows = []
    for doc_id, code, quote in QUOTES:
        text = TEXTS[doc_id]
        assert text.count(quote) == 1, (doc_id, quote)
        start = text.index(quote)
        rows.append((doc_id, start, start + len(quote), code, coder, "manual", None))
    return pd.DataFrame(
        rows, columns=["doc_id", "start", "end", "code", "coder", "source", "score"]
    )


def build(root: Path, *, coder: str = "Rosa") -> Path:
    """Write the project folder under ``root`` and return its path."""
    import resilience_qda as rq

    folder = root / "restorative"
    (folder / "sources").mkdir(parents=True)
    for doc_id, text in TEXTS.items():
        (folder / "sources" / f"{doc_id}.txt").write_text(text, encoding="utf-8")
    SOURCES.to_csv(folder / "sources.csv", index=False)
    CASES.to_csv(folder / "cases.csv", index=False)
    (folder / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (folder / "claims.yaml").write_text(CLAIMS, encoding="utf-8")
    rq.write_codings(codings(coder), folder)
    return folder
