"""Which language detector? Accuracy on short English and Danish texts, speed, weight.

Compares the detectors that are importable (py3langid, langdetect, lingua-language-detector)
on the same texts: survey-length answers (1-25 words, written for this benchmark) and
transcript paragraphs. Every detector chooses among all the languages it knows, as the
toolkit does at import. Prints accuracy per length band, texts per second, the time to
import and load the detector, and the size of the installed package.

    python benchmarks/bench_language.py

To compare candidates that are not installed, install them into throwaway folders and put
those on PYTHONPATH, e.g. ``pip install --target /tmp/lid/lingua lingua-language-detector``.
"""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

ENGLISH = [
    "Yes, definitely.",
    "Not really.",
    "It helped me a lot with the kids.",
    "Not really, we didn't have time for it.",
    "I felt more confident talking to parents after the sessions.",
    "The meetings were too long and often cancelled.",
    "We used the framework sheet in supervision.",
    "More training for new staff, please.",
    "Honestly I can't say it changed much.",
    "Having someone to ring when things got hard.",
    "The data we collected was never used.",
    "I am married and have two children.",
    "The rent went up, so money is tight at home.",
    "My colleague and I talk about it every week.",
    "It was nice to be listened to.",
    "The council should give us more time.",
    "I think the course was good but too short.",
    "There is not enough money anywhere in the system.",
    "Parents were involved in a new way.",
    "No.",
    "We learned to look at the child's strengths instead of the problems.",
    "Too much paperwork.",
    "Better coffee at the meetings!",
    "Nothing comes to mind.",
    "The manager never came to the sessions, which said a lot.",
    "I use the magic box with almost every family now.",
    "Travel time to the venue was a problem for me.",
    "Supervision felt safer after we started.",
    "Hard to say.",
    "I would recommend it to anyone working with young people.",
    "Small steps, but they add up over a year.",
    "The young person chose what went on the map.",
]

DANISH = [
    "Ja, helt sikkert.",
    "Ikke rigtigt.",
    "Det hjalp mig meget med børnene.",
    "Ikke rigtigt, vi havde ikke tid til det.",
    "Jeg følte mig mere sikker, når jeg talte med forældrene efter møderne.",
    "Møderne var for lange og blev ofte aflyst.",
    "Vi brugte skemaet til supervision.",
    "Mere uddannelse til nye medarbejdere, tak.",
    "Ærligt talt kan jeg ikke sige, at det ændrede ret meget.",
    "At have nogen at ringe til, når det blev svært.",
    "De data, vi indsamlede, blev aldrig brugt.",
    "Jeg er gift og har to børn.",
    "Huslejen er steget, så pengene slår ikke til derhjemme.",
    "Min kollega og jeg snakker om det hver uge.",
    "Det var rart at blive hørt.",
    "Kommunen skal give os mere tid.",
    "Jeg synes, at kurset var godt, men for kort.",
    "Der mangler penge i hele systemet.",
    "Forældrene blev inddraget på en ny måde.",
    "Nej.",
    "Vi lærte at se på barnets ressourcer i stedet for problemerne.",
    "Alt for meget papirarbejde.",
    "Bedre kaffe til møderne!",
    "Ikke noget, jeg kan komme i tanke om.",
    "Lederen kom aldrig til møderne, og det sagde en hel del.",
    "Jeg bruger den magiske kasse med næsten alle familier nu.",
    "Transporttiden til stedet var et problem for mig.",
    "Supervisionen føltes mere tryg, efter vi gik i gang.",
    "Svært at sige.",
    "Jeg vil anbefale det til alle, der arbejder med unge.",
    "Små skridt, men de bliver til noget i løbet af et år.",
    "Den unge valgte selv, hvad der kom på kortet.",
]

PARAGRAPHS = {
    "en": [
        "Well, when I started on the course I was a bit sceptical, to be honest. I'd been "
        "doing this job for eleven years and I thought I'd seen every framework going. But "
        "the way they asked us to bring real cases, our own families, made it different. "
        "You weren't just nodding along to a slide.",
        "We meet every second Thursday in the library. It's usually six or seven of us, "
        "foster carers mostly, and one of the nurses. Somebody brings a situation that went "
        "wrong and we go through it with the map on the table.",
    ],
    "da": [
        "Altså, da jeg startede på kurset, var jeg ærligt talt lidt skeptisk. Jeg havde "
        "haft det her arbejde i elleve år, og jeg troede, jeg havde set alle de modeller, "
        "der findes. Men måden, de bad os om at tage rigtige sager med på, vores egne "
        "familier, gjorde det anderledes. Man sad ikke bare og nikkede til et slide.",
        "Vi mødes hver anden torsdag på biblioteket. Vi er som regel seks eller syv, mest "
        "plejeforældre og en af sundhedsplejerskerne. Nogen tager en situation med, der gik "
        "galt, og så gennemgår vi den med kortet på bordet.",
    ],
}


def _bands():
    texts = [(t, "en") for t in ENGLISH] + [(t, "da") for t in DANISH]
    short = [(t, lang) for t, lang in texts if len(t.split()) <= 4]
    medium = [(t, lang) for t, lang in texts if len(t.split()) > 4]
    long = [(t, lang) for lang, ps in PARAGRAPHS.items() for t in ps]
    return {"1-4 words": short, "5-25 words": medium, "paragraphs": long}


def _size(package_dirs: list[str]) -> float:
    total = 0
    for name in package_dirs:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            continue
        for root in spec.submodule_search_locations:
            total += sum(f.stat().st_size for f in Path(root).rglob("*") if f.is_file())
    return total / 2**20


def _py3langid():
    import py3langid

    py3langid.classify("warm up")  # loads the model
    return lambda text: py3langid.classify(text)[0]


def _langdetect():
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0  # langdetect is random without a seed

    def run(text):
        try:
            return detect(text)
        except LangDetectException:
            return "und"

    run("warm up")
    return run


def _lingua():
    from lingua import LanguageDetectorBuilder

    detector = LanguageDetectorBuilder.from_all_languages().build()

    def run(text):
        found = detector.detect_language_of(text)
        return found.iso_code_639_1.name.lower() if found else "und"

    run("warm up")
    return run


CANDIDATES = {
    "py3langid": (_py3langid, ["py3langid"]),
    "langdetect": (_langdetect, ["langdetect"]),
    "lingua-language-detector": (_lingua, ["lingua"]),
}


def main() -> None:
    bands = _bands()
    print("texts: " + ", ".join(f"{k}: {len(v)}" for k, v in bands.items()))
    print(
        f"{'detector':26} {'load s':>7} {'MiB':>6} "
        + " ".join(f"{k:>11}" for k in bands)
        + f" {'texts/s':>8}  wrong"
    )
    for name, (factory, modules) in CANDIDATES.items():
        if importlib.util.find_spec(modules[0]) is None:
            print(f"{name:26} not installed")
            continue
        t0 = time.perf_counter()
        detect = factory()
        load = time.perf_counter() - t0
        for texts in bands.values():  # a first pass loads lazily loaded models
            for text, _ in texts:
                detect(text)
        scores, wrong = [], []
        n = 0
        t0 = time.perf_counter()
        for texts in bands.values():
            hits = 0
            for text, lang in texts:
                got = detect(text)
                n += 1
                if got == lang:
                    hits += 1
                else:
                    wrong.append(f"{text[:24]!r}->{got}")
            scores.append(f"{hits}/{len(texts)}")
        rate = n / (time.perf_counter() - t0)
        print(
            f"{name:26} {load:7.2f} {_size(modules):6.1f} "
            + " ".join(f"{s:>11}" for s in scores)
            + f" {rate:8.0f}  {len(wrong)}"
        )
        for w in wrong:
            print(f"{'':28}{w}")


if __name__ == "__main__":
    main()
