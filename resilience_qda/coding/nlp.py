"""The spaCy pipeline that rules run on: offline by default, or an installed trained pipeline.

The default pipeline is ``spacy.blank("en")`` + a lookup lemmatizer whose tables come from
the ``spacy-lookups-data`` package (installed, never downloaded). It has no sentencizer:
rules match on tokens and lemmas, and units of analysis (sentences included) are cut by
:mod:`resilience_qda.core.units`, the same everywhere in the package. Its
lemmas are lower case (``"Mapping"`` and ``"mapping"`` both give ``"map"``), so a phrase
pattern written in lower case matches at the start of a sentence too.
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
def _lookups():
    """The English lemma lookup table of spacy-lookups-data, loaded once per process."""
    from spacy.lookups import load_lookups

    return load_lookups(lang="en", tables=["lemma_lookup"])


def make_nlp(model: str | Language | None = None) -> Language:
    """Return the spaCy pipeline to auto-code with.

    Parameters
    ----------
    model : str or Language, optional
        ``None`` or ``"blank:en"`` for the offline default (blank English and the
        lower-case lookup lemmatizer); the name or folder of an *installed* trained
        pipeline (e.g. ``"en_core_web_sm"``); or a ``Language`` object, returned as is.

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
    """
    if isinstance(model, Language):
        return model
    if model is None or model == DEFAULT_MODEL:
        nlp = spacy.blank("en")
        lemmatizer = nlp.add_pipe("qda_lemmatizer")
        try:
            lemmatizer.initialize(lookups=_lookups())
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
