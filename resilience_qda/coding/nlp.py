"""The spaCy pipeline that rules run on: offline by default, or an installed trained pipeline.

The default pipeline is ``spacy.blank(<language>)`` (English unless told otherwise) + a
lookup lemmatizer whose tables come from the ``spacy-lookups-data`` package (installed,
never downloaded; it has tables for Danish, German, Dutch, Swedish, Norwegian Bokmål and
some 20 more). It has no sentencizer: rules match on tokens and lemmas, and units of
analysis (sentences included) are cut by :mod:`resilience_qda.core.units`, the same
everywhere in the package. Its lemmas are lower case (``"Mapping"`` and ``"mapping"`` both
give ``"map"``), so a phrase pattern written in lower case matches at the start of a
sentence too. For a language without tables a word's lemma is its lower-case form; a
language spaCy does not know is tokenised by its multi-language ``xx`` rules.
"""

from __future__ import annotations

import functools
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.pipeline import Lemmatizer
from spacy.tokens import Doc

from ..core.errors import QDAError

#: Name of the default, offline pipeline.
DEFAULT_MODEL = "blank:en"


class ModelError(QDAError, ValueError):
    """A spaCy pipeline was asked for that is not installed (nothing is ever downloaded)."""


class LowercaseLookupLemmatizer(Lemmatizer):
    """spaCy's lookup lemmatizer, looking words up in lower case and returning lower case.

    The lookup tables of ``spacy-lookups-data`` are keyed by lower-case words; the stock
    lookup lemmatizer leaves ``"Carers"`` at the start of a sentence unlemmatised.
    """

    def __call__(self, doc: Doc) -> Doc:
        if not self._validated:
            self._validate_tables()
        table = self.lookups.get_table("lemma_lookup", {})
        for token in doc:
            if self.overwrite or token.lemma == 0:
                lower = token.lower_
                lemma = table.get(lower, lower)
                token.lemma_ = lemma if isinstance(lemma, str) else lemma[0]
        return doc


@Language.factory(
    "qda_lemmatizer",
    assigns=["token.lemma"],
    default_config={"model": None, "mode": "lookup", "overwrite": False, "scorer": None},
)
def make_qda_lemmatizer(nlp, model, name, mode, overwrite, scorer):
    return LowercaseLookupLemmatizer(
        nlp.vocab, model, name, mode=mode, overwrite=overwrite, scorer=scorer
    )


@functools.cache
def _lookups(lang: str = "en"):
    """The lemma lookup table of spacy-lookups-data for ``lang``, loaded once per process;
    an empty table (lemma = lower-case word) where the package has none."""
    from spacy.lookups import Lookups, load_lookups

    try:
        return load_lookups(lang=lang, tables=["lemma_lookup"])
    except ValueError:  # no lemma_lookup table for this language
        lookups = Lookups()
        lookups.add_table("lemma_lookup", {})
        return lookups


def _blank(language: str) -> Language:
    """``spacy.blank`` of a language; ``xx`` (multi-language) when spaCy cannot make it."""
    try:
        return spacy.blank(language)
    except (ImportError, OSError, ValueError, KeyError) as exc:  # unknown or needs a package
        if language == "xx":
            raise ModelError(f"spaCy cannot make a blank pipeline: {exc}") from None
        return spacy.blank("xx")


def make_nlp(model: str | Language | None = None, *, language: str | None = None) -> Language:
    """Return the spaCy pipeline to auto-code with.

    Parameters
    ----------
    model : str or Language, optional
        ``None`` for the offline default (blank pipeline of ``language`` and the lower-case
        lookup lemmatizer), also named ``"blank:en"``, ``"blank:da"``, ...; the name or
        folder of an *installed* trained pipeline (e.g. ``"en_core_web_sm"``); or a
        ``Language`` object, returned as is.
    language : str, optional
        ISO 639-1 code of the offline default's language (default ``"en"``); ignored for a
        trained pipeline, which has its own.

    Raises
    ------
    ModelError
        When a named pipeline is not installed. Nothing is ever downloaded.

    Examples
    --------
    >>> nlp = make_nlp()
    >>> nlp.pipe_names
    ['qda_lemmatizer']
    >>> [t.lemma_ for t in nlp("Mapping the carers' worries")]
    ['map', 'the', 'carer', "'", 'worry']
    >>> [t.lemma_ for t in make_nlp(language="da")("Børnene legede")]
    ['barn', 'lege']
    """
    if isinstance(model, Language):
        return model
    if isinstance(model, str) and model.startswith("blank:"):
        model, language = None, model.split(":", 1)[1] or language
    if model is None:
        from ..io.language import spacy_language

        lang = spacy_language(language or "en")
        nlp = _blank(lang)
        lemmatizer = nlp.add_pipe("qda_lemmatizer")
        try:
            lemmatizer.initialize(lookups=_lookups(nlp.lang))
        except (ValueError, OSError, ImportError) as exc:  # tables missing
            raise ModelError(
                f"the default pipeline needs the lemma tables of spacy-lookups-data ({exc}); "
                "install it with: pip install spacy-lookups-data"
            ) from None
        return nlp
    if not (spacy.util.is_package(model) or Path(model).is_dir()):
        installed = ", ".join(sorted(spacy.util.get_installed_models())) or "none"
        raise ModelError(
            f"spaCy pipeline {model!r} is not installed (installed: {installed}); install it "
            f"yourself (e.g. python -m spacy download {model}) or name no model to use "
            f"the offline default {DEFAULT_MODEL!r}. resilience_qda never downloads models"
        )
    try:
        return spacy.load(model, exclude=["ner", "textcat", "textcat_multilabel"])
    except OSError as exc:
        raise ModelError(f"spaCy pipeline {model!r} could not be loaded: {exc}") from None
