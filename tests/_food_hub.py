"""A second project, quite unlike the sample: volunteers at a community food hub.

Written for the tests (no real person's data). Another codebook (three top-level branches:
motivations, challenges, outcomes), other attributes (``site``, ``age_group``,
``years_volunteering``), one coder (``KM``), no dates or meetings; ten plain-text
interviews named "Interview 1" ... "Interview 10" (so natural order matters), one Word
interview and a focus group as WebVTT captions. It is built through the command line
(``import``), as a researcher would, and coded from exact quotes.
"""

# ruff: noqa: E501 (the texts and quotes read better unbroken)
from __future__ import annotations

from pathlib import Path

import pandas as pd

CODEBOOK = """\
name: food-hub
title: Volunteering at a community food hub
version: 1
codes:
  - name: Motivations
    description: Why people started and keep volunteering at the hub.
    children:
      - name: Giving back
        description: Repaying help once received, or a sense of duty to the area.
        patterns: {phrases: [paying that back, my turn, our people, our street, give back]}
      - name: Social contact
        description: Company, conversation, not being alone.
        patterns: {phrases: [company, loneliness, lonely, proper conversation, someone to moan to, climbing the walls]}
      - name: Skills and work
        description: Experience, references, routine towards paid work.
        patterns: {phrases: [experience, job centre, diploma, placement hours, between jobs]}
  - name: Challenges
    description: What makes volunteering hard.
    children:
      - name: Time pressure
        description: Shifts that clash with work, care or study.
        patterns: {phrases: [clash, odd days, exams, my course]}
      - name: Emotional strain
        description: Upsetting encounters, guilt at turning people away.
        patterns: {phrases: [guilty, felt terrible, can't settle, stays with me, wears you down, the limits]}
      - name: Organisation
        description: How the hub is run.
        children:
          - name: Rota
            description: The shift rota, gaps, last-minute changes.
            patterns: {phrases: [rota, drop out]}
          - name: Communication
            description: Messages, briefings, knowing what is going on.
            patterns: {phrases: [nobody told, nobody tells, messages, briefings]}
  - name: Outcomes
    description: What volunteering changed for the volunteers, as they tell it.
    children:
      - name: Wellbeing
        patterns: {phrases: [sleep better, blood pressure, confident, properly laugh, lighter, does me good]}
      - name: Belonging
        patterns: {phrases: [belong, part of something, nice to be known, notice if]}
      - name: Employability
        patterns: {phrases: [on my cv, reference, got an interview, two interviews, in a job]}
"""

STUDY = """\
title: Volunteering at the Eastgate food hub
quote:
  interview: "Volunteer {case} ({site})"
  focus_group: "Focus group, {speaker}"
attributes: [site, age_group]
unit: turn
"""

README = """\
# Eastgate food hub volunteers

## Data statement

Invented for the resilience_qda test suite: eleven interviews and one focus group with
volunteers of a fictional community food hub, written by the developers. One coder (KM)
coded them. No real person's data.
"""

ASK = "Interviewer"

INTERVIEWS = {
    1: [
        (ASK, "How did you first come to the hub?"),
        (
            "Volunteer V1",
            "I used it myself, three winters ago, when my hours got cut. They never "
            "made me feel small. So when things picked up I thought, right, my turn to be on the "
            "other side of the table.",
        ),
        (ASK, "What keeps you coming?"),
        (
            "Volunteer V1",
            "Saturdays are mine now. I know the regulars by name, I know who takes "
            "sugar and who's diabetic. It sounds daft but I feel like I'm part of something on "
            "this estate again.",
        ),
        (ASK, "Anything that's hard?"),
        (
            "Volunteer V1",
            "The rota goes out on a Thursday night for the Saturday, so you can't "
            "plan a thing. Half the time I find out I'm on tills when I get there.",
        ),
    ],
    2: [
        (ASK, "Tell me a bit about why you volunteer."),
        (
            "Volunteer V2",
            "I'm nineteen, I've been applying for jobs since college and nobody "
            "calls back without experience. Here I've done stock, food hygiene, the till. My "
            "coordinator wrote me a reference last month.",
        ),
        (ASK, "Did that lead anywhere?"),
        (
            "Volunteer V2",
            "I got an interview at the big supermarket off the ring road, first one "
            "in a year. I talked about rotating stock and dates and the manager actually nodded.",
        ),
        (ASK, "Is there a downside?"),
        (
            "Volunteer V2",
            "Honestly the shifts clash with my course on Wednesdays, so I can only "
            "do weekends, and everyone wants weekends.",
        ),
    ],
    3: [
        (ASK, "How long have you been here now?"),
        (
            "Volunteer V3",
            "Six years. I retired from the council and I was climbing the walls. "
            "My wife said go and be useful somewhere before you reorganise the shed again.",
        ),
        (ASK, "And what does it give you?"),
        (
            "Volunteer V3",
            "Company, mainly. There's a gang of us on a Tuesday, we have our tea at "
            "eleven, we put the world to rights. My GP says my blood pressure's the best it's "
            "been, and I'd put some of that down to this place.",
        ),
        (ASK, "Is anything difficult?"),
        (
            "Volunteer V3",
            "Sometimes you see a young mum with two kids and nothing in the "
            "cupboard, and you go home and you can't settle. You carry it.",
        ),
    ],
    4: [
        (ASK, "What made you start?"),
        (
            "Volunteer V4",
            "My church collected for the hub and I drove the boxes over one day. "
            "I saw how stretched they were, and you can't see that and walk off, can you. It's "
            "our street, our people.",
        ),
        (ASK, "What has it been like?"),
        (
            "Volunteer V4",
            "Hard at times. We ran out of nappies in March and I had to tell a "
            "dad we had none. I felt terrible, like it was my fault.",
        ),
        (ASK, "How did the hub deal with that?"),
        (
            "Volunteer V4",
            "Nobody told us the delivery was late. There's a WhatsApp group but "
            "it's two hundred messages a day, the important stuff just gets buried.",
        ),
    ],
    5: [
        (ASK, "How did you get involved?"),
        (
            "Volunteer V5",
            "After my divorce I didn't see anyone from Friday to Monday. A "
            "neighbour dragged me along. Now I'm the one doing the dragging.",
        ),
        (ASK, "What's changed for you?"),
        (
            "Volunteer V5",
            "I sleep better. I've got a reason to get up on a Saturday. And I "
            "laugh, properly laugh, which I hadn't done in a long while.",
        ),
        (ASK, "Anything you'd change?"),
        (
            "Volunteer V5",
            "The rota. People drop out the night before and the same four of us "
            "end up covering. It wears you down after a while.",
        ),
    ],
    6: [
        (ASK, "What brought you to the hub?"),
        (
            "Volunteer V6",
            "I'm between jobs and the job centre suggested it. I was sceptical, I "
            "thought it would be sorting tins in a cold hall.",
        ),
        (ASK, "And was it?"),
        (
            "Volunteer V6",
            "Partly. But they put me on the data side, the referrals spreadsheet, "
            "and it turns out I'm good at it. I've put it on my CV and it comes up in every "
            "interview.",
        ),
        (ASK, "How do you find the organisation?"),
        (
            "Volunteer V6",
            "Messages come from three different people and they don't always "
            "agree. One says doors at ten, another says half nine.",
        ),
    ],
    7: [
        (ASK, "How did it start for you?"),
        (
            "Volunteer V7",
            "I came with my daughter for her Duke of Edinburgh hours and stayed "
            "after she finished. It's nice to be known. Someone says hello to you in the Co-op "
            "now.",
        ),
        (ASK, "What's hard about it?"),
        (
            "Volunteer V7",
            "I work shifts at the hospital, so I can only do odd days, and the "
            "rota's built around people who can commit to the same day every week.",
        ),
        (ASK, "Has it changed anything?"),
        (
            "Volunteer V7",
            "I feel I belong in this part of town now. I moved here for the job "
            "and didn't know a soul.",
        ),
    ],
    8: [
        (ASK, "Why do you volunteer?"),
        (
            "Volunteer V8",
            "My mum used a food bank when I was small. I remember the lady who "
            "gave me a chocolate bar from her own bag. I suppose I'm paying that back.",
        ),
        (ASK, "What is it like on a shift?"),
        (
            "Volunteer V8",
            "Busy. Sometimes a man comes in who's clearly not slept, and you want "
            "to do more than hand him a bag. That's the hard bit for me, the limits.",
        ),
        (ASK, "And for you personally?"),
        (
            "Volunteer V8",
            "It's made me more confident talking to people. I used to hide at the "
            "back of the room.",
        ),
    ],
    9: [
        (ASK, "How did you come to the hub?"),
        (
            "Volunteer V9",
            "Through the college, we have to do placement hours for the health "
            "and social care course. It counts towards my diploma.",
        ),
        (ASK, "And has it been useful?"),
        (
            "Volunteer V9",
            "The signposting training was brilliant. I know where to send someone "
            "for debt advice or housing now, which is exactly what I'll do in a job.",
        ),
        (ASK, "Anything that gets in the way?"),
        (
            "Volunteer V9",
            "Exams. In May I just couldn't come and I felt guilty letting them "
            "down, with the rota so tight.",
        ),
    ],
    10: [
        (ASK, "What got you started?"),
        (
            "Volunteer V10",
            "Loneliness, if I'm honest. My husband died and the house was too "
            "quiet. Here there's always a kettle on and someone to moan to.",
        ),
        (ASK, "What does a good day look like?"),
        (
            "Volunteer V10",
            "When a family goes out with a full bag and a smile. And when the "
            "youngsters ask my advice about cooking on a budget, I feel useful again.",
        ),
        (ASK, "And a bad day?"),
        (
            "Volunteer V10",
            "When we have to turn someone away because they're not on the "
            "referral list. That stays with me all evening.",
        ),
    ],
}

DOCX_INTERVIEW = [
    (ASK, "How long have you volunteered here?"),
    (
        "Volunteer V11",
        "Two years this spring. I was made redundant from the warehouse and I "
        "needed something to stop me going under.",
    ),
    (ASK, "What has it given you?"),
    (
        "Volunteer V11",
        "A routine, and people who notice if I'm not there. When I missed two "
        "weeks with my back, three of them texted to ask if I was all right.",
    ),
    (ASK, "Is there anything that makes it hard?"),
    (
        "Volunteer V11",
        "The briefings. Nobody tells the Tuesday lot what was decided on "
        "Saturday, so we find out the rules changed when a client tells us.",
    ),
]

VTT = """\
WEBVTT

00:00:01.000 --> 00:00:06.000
<v Facilitator>Thanks for staying after the shift. What keeps you all coming back?

00:00:06.500 --> 00:00:14.000
<v Marta>The people, honestly. Thursday is the one day I have a proper conversation.

00:00:14.500 --> 00:00:22.000
<v Dev>For me it's the experience. I put the stock system on my CV and got two interviews.

00:00:22.500 --> 00:00:30.000
<v Marta>We need to sort the rota though. Last week there were two of us for ninety families.

00:00:30.500 --> 00:00:38.000
<v Facilitator>How does that feel, when it's that stretched?

00:00:38.500 --> 00:00:47.000
<v Dev>You feel guilty going home. You know someone didn't get fresh veg because we ran out of hands.

00:00:47.500 --> 00:00:55.000
<v Marta>But I leave lighter than I came, most weeks. It does me good, this place.
"""

CASES = pd.DataFrame(
    {
        "case": [f"V{k}" for k in range(1, 12)],
        "site": ["Eastgate north"] * 6 + ["Eastgate south"] * 5,
        "age_group": ["30-59", "18-29", "60+", "30-59", "30-59", "30-59", "30-59", "18-29",
                      "18-29", "60+", "60+"],
        "years_volunteering": [3, 1, 6, 2, 2, 1, 4, 2, 1, 3, 2],
    }
)  # fmt: skip

#: (document, code, exact quote) of coder KM.
CODINGS = [
    ("Interview 1", "motivations/giving-back", "I used it myself, three winters ago, when my hours got cut."),
    ("Interview 1", "motivations/giving-back", "my turn to be on the other side of the table"),
    ("Interview 1", "outcomes/belonging", "I feel like I'm part of something on this estate again"),
    ("Interview 1", "motivations/social-contact", "I know the regulars by name"),
    ("Interview 1", "challenges/organisation/rota", "The rota goes out on a Thursday night for the Saturday, so you can't plan a thing."),
    ("Interview 2", "motivations/skills-and-work", "nobody calls back without experience"),
    ("Interview 2", "motivations/skills-and-work", "Here I've done stock, food hygiene, the till."),
    ("Interview 2", "outcomes/employability", "My coordinator wrote me a reference last month."),
    ("Interview 2", "outcomes/employability", "I got an interview at the big supermarket off the ring road, first one in a year."),
    ("Interview 2", "challenges/time-pressure", "the shifts clash with my course on Wednesdays"),
    ("Interview 3", "motivations/social-contact", "I retired from the council and I was climbing the walls."),
    ("Interview 3", "motivations/social-contact", "Company, mainly."),
    ("Interview 3", "outcomes/belonging", "There's a gang of us on a Tuesday"),
    ("Interview 3", "outcomes/wellbeing", "My GP says my blood pressure's the best it's been"),
    ("Interview 3", "challenges/emotional-strain", "you go home and you can't settle. You carry it."),
    ("Interview 4", "motivations/giving-back", "It's our street, our people."),
    ("Interview 4", "challenges/emotional-strain", "I felt terrible, like it was my fault."),
    ("Interview 4", "challenges/organisation/communication", "Nobody told us the delivery was late."),
    ("Interview 4", "challenges/organisation/communication", "the important stuff just gets buried"),
    ("Interview 5", "motivations/social-contact", "After my divorce I didn't see anyone from Friday to Monday."),
    ("Interview 5", "outcomes/wellbeing", "I sleep better. I've got a reason to get up on a Saturday."),
    ("Interview 5", "outcomes/wellbeing", "I laugh, properly laugh, which I hadn't done in a long while"),
    ("Interview 5", "challenges/organisation/rota", "People drop out the night before and the same four of us end up covering."),
    ("Interview 5", "challenges/emotional-strain", "It wears you down after a while."),
    ("Interview 6", "motivations/skills-and-work", "I'm between jobs and the job centre suggested it."),
    ("Interview 6", "outcomes/employability", "I've put it on my CV and it comes up in every interview."),
    ("Interview 6", "challenges/organisation/communication", "Messages come from three different people and they don't always agree."),
    ("Interview 7", "outcomes/belonging", "It's nice to be known."),
    ("Interview 7", "outcomes/belonging", "I feel I belong in this part of town now."),
    ("Interview 7", "challenges/time-pressure", "I work shifts at the hospital, so I can only do odd days"),
    ("Interview 7", "challenges/organisation/rota", "the rota's built around people who can commit to the same day every week"),
    ("Interview 8", "motivations/giving-back", "I suppose I'm paying that back."),
    ("Interview 8", "challenges/emotional-strain", "That's the hard bit for me, the limits."),
    ("Interview 8", "outcomes/wellbeing", "It's made me more confident talking to people."),
    ("Interview 9", "motivations/skills-and-work", "It counts towards my diploma."),
    ("Interview 9", "outcomes/employability", "I know where to send someone for debt advice or housing now, which is exactly what I'll do in a job."),
    ("Interview 9", "challenges/time-pressure", "Exams. In May I just couldn't come"),
    ("Interview 9", "challenges/emotional-strain", "I felt guilty letting them down"),
    ("Interview 10", "motivations/social-contact", "Loneliness, if I'm honest."),
    ("Interview 10", "outcomes/wellbeing", "I feel useful again"),
    ("Interview 10", "challenges/emotional-strain", "That stays with me all evening."),
    ("Interview 10", "outcomes/belonging", "there's always a kettle on and someone to moan to"),
    ("Interview 11", "motivations/skills-and-work", "I needed something to stop me going under"),
    ("Interview 11", "outcomes/belonging", "people who notice if I'm not there"),
    ("Interview 11", "outcomes/wellbeing", "A routine"),
    ("Interview 11", "challenges/organisation/communication", "Nobody tells the Tuesday lot what was decided on Saturday"),
    ("Focus group", "motivations/social-contact", "Thursday is the one day I have a proper conversation."),
    ("Focus group", "outcomes/employability", "I put the stock system on my CV and got two interviews."),
    ("Focus group", "challenges/organisation/rota", "We need to sort the rota though."),
    ("Focus group", "challenges/emotional-strain", "You feel guilty going home."),
    ("Focus group", "outcomes/wellbeing", "But I leave lighter than I came, most weeks."),
]  # fmt: skip

CODER = "KM"


def _turns(turns) -> str:
    return "\n\n".join(f"{who}: {what}" for who, what in turns) + "\n"


def write_sources(folder: Path) -> list[Path]:
    """The raw files a researcher would bring: .txt transcripts, a .docx and a .vtt."""
    import docx

    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for k, turns in INTERVIEWS.items():
        path = folder / f"Interview {k}.txt"
        path.write_text(_turns(turns), encoding="utf-8")
        files.append(path)
    document = docx.Document()
    for who, what in DOCX_INTERVIEW:
        document.add_paragraph(f"{who}: {what}")
    document.save(str(folder / "Interview 11.docx"))
    files.append(folder / "Interview 11.docx")
    (folder / "Focus group.vtt").write_text(VTT, encoding="utf-8")
    files.append(folder / "Focus group.vtt")
    return files


def build(root: Path, raw: Path) -> Path:
    """Build the project at ``root`` through the command line, then add the codebook, the
    study plan, cases, the documents' cases and KM's codings."""
    import resilience_qda as rq
    from resilience_qda.cli import main

    files = write_sources(raw)
    interviews = [str(f) for f in files if f.suffix != ".vtt"]
    assert main(["import", *interviews, "--project", str(root), "--kind", "interview"]) == 0
    vtt = [str(f) for f in files if f.suffix == ".vtt"]
    assert main(["import", *vtt, "--project", str(root), "--kind", "focus_group"]) == 0
    (root / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (root / "study.yaml").write_text(STUDY, encoding="utf-8")
    (root / "README.md").write_text(README, encoding="utf-8")
    CASES.to_csv(root / "cases.csv", index=False)
    sources = pd.read_csv(root / "sources.csv")
    sources["case"] = [
        f"V{d.split()[-1]}" if d.startswith("Interview") else "" for d in sources["doc_id"]
    ]
    sources.to_csv(root / "sources.csv", index=False)
    project = rq.read_project(root)
    rows = []
    for doc_id, code, quote in CODINGS:
        text = project.corpus[doc_id].text
        start = text.find(quote)
        assert start >= 0 and text.find(quote, start + 1) < 0, (doc_id, quote)
        rows.append((doc_id, start, start + len(quote), code, CODER, "manual", None))
    codings = pd.DataFrame(rows, columns=list(rq.CODINGS_COLUMNS))
    rq.write_codings(codings, root)
    return root
