"""Which documents a codebook can code: those written in its language.

A codebook's patterns are words of one language (``language:`` in the codebook, English when
it does not say): the English ``rent`` or ``gift`` found in a Danish interview are other
words. Rule coding therefore leaves out documents in another language, and says which.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator

from ..core.errors import QDAWarning
from ..core.model import Codebook, Document
from ..io.language import language_of, same_language

#: The language of a codebook that does not declare one.
DEFAULT_LANGUAGE = "en"


def codebook_language(codebook: Codebook) -> str:
    """The codebook's ``language`` (ISO 639-1), English when it does not declare one.

    >>> codebook_language(Codebook(language="da")), codebook_language(Codebook())
    ('da', 'en')
    """
    return codebook.language or DEFAULT_LANGUAGE


def document_language(document: Document) -> str:
    """A document's ``language`` attribute, else the language detected in its text (``""``
    when the text is too short to tell).

    >>> document_language(Document("d", "Vi mødes hver anden torsdag på biblioteket."))
    'da'
    """
    stored = document.metadata.get("language")
    if isinstance(stored, str) and stored.strip():
        return stored.strip().lower()
    return language_of(document.text)


class InLanguage:
    """The documents of ``documents`` written in ``language`` (or of undetermined language).

    Iterating yields them one at a time (a lazy iterable stays lazy); when the iteration is
    complete, a :class:`~resilience_qda.core.errors.QDAWarning` names the documents left out
    and their languages. ``left_out`` holds ``(doc_id, language)`` pairs.

    Parameters
    ----------
    documents : iterable of Document
    language : str
        ISO 639-1 code.
    all_languages : bool
        Keep every document (nothing is left out, no warning).
    codebook : str
        The codebook's name, for the warning.

    Examples
    --------
    >>> docs = [Document("en1", "We met every Thursday in the library."),
    ...         Document("da1", "Vi mødes hver anden torsdag på biblioteket.")]
    >>> kept = InLanguage(docs, "en")
    >>> import warnings
    >>> with warnings.catch_warnings(record=True):
    ...     [d.doc_id for d in kept], kept.left_out
    (['en1'], [('da1', 'da')])
    """

    def __new__(cls, documents: Iterable[Document], *args, **kwargs):
        if cls is InLanguage and hasattr(documents, "__len__"):
            cls = _SizedInLanguage  # a progress bar may ask for the total
        return super().__new__(cls)

    def __init__(
        self,
        documents: Iterable[Document],
        language: str,
        *,
        all_languages: bool = False,
        codebook: str = "",
    ):
        self.documents, self.language = documents, language
        self.all_languages, self.codebook = all_languages, codebook
        self.left_out: list[tuple[str, str]] = []

    def __iter__(self) -> Iterator[Document]:
        self.left_out = []
        for doc in self.documents:
            if self.all_languages:
                yield doc
                continue
            lang = document_language(doc)
            if not lang or same_language(lang, self.language):
                yield doc
            else:
                self.left_out.append((doc.doc_id, lang))
        if self.left_out:
            warnings.warn(self.message(), QDAWarning, stacklevel=2)

    def message(self) -> str:
        """The warning about the documents left out."""
        shown = ", ".join(f"{d} ({lang})" for d, lang in self.left_out[:20])
        more = f" and {len(self.left_out) - 20} more" if len(self.left_out) > 20 else ""
        name = f"codebook {self.codebook!r}" if self.codebook else "the codebook"
        return (
            f"left out {len(self.left_out)} document(s) written in another language than "
            f"{name} ({self.language}): {shown}{more}. Code them with a codebook in their "
            "language (language: in the codebook), or code them anyway with "
            "all_languages=True (--all-languages)"
        )


class _SizedInLanguage(InLanguage):
    def __len__(self) -> int:
        return len(self.documents)  # type: ignore[arg-type]


__all__ = ["DEFAULT_LANGUAGE", "InLanguage", "codebook_language", "document_language"]
