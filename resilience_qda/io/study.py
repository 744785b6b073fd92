"""``study.yaml``: the project's analysis plan (a contract: outside checks read it).

Every key is optional; without the file, or without a key, :meth:`Study.resolve` infers a
default from the project's codebook, codings and attribute tables::

    title: Community of practice evaluation   # report title (default: "Evaluation report: FOLDER")
    coder: A                 # whose codings are analysed (default: the manual coder with most)
    compare: [B]             # coders compared with `coder` (default: other manual coders
                             # sharing documents with it)
    sections: [themes, practice-elements]    # branches reported, in order (default: the
                                             # codebook's top-level branches)
    facets: practice-elements   # a branch whose child codes combine into configurations
    attributes: [sector]     # case/document attributes crossed with codes (default:
                             # categorical attributes with 2-12 values)
    time: meeting            # document attribute(s) ordering change over time (optional)
    unit: paragraph          # unit for co-occurrence, configurations, agreement
    quote: "Participant {case}, {role}"      # attribution of quotes
    language: en
    data_statement: README.md   # shown at the top of the report (default: README.md)

Unknown keys, branches, attributes and coders are errors that name the key. The file is
read by :func:`load_yaml_mapping` (size-capped, aliases refused), the one place that parses
YAML here, so that a project-wide hardened loader can replace it.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from ..core.errors import ProjectError
from ..core.model import Project
from ..core.units import UNITS

STUDY_FILE = "study.yaml"
#: Largest study.yaml read (bytes): an analysis plan is a few lines.
MAX_STUDY_BYTES = 256 * 1024
#: Largest data statement file shown (bytes).
MAX_STATEMENT_BYTES = 512 * 1024
#: The keys of the contract, in the order the template lists them.
KEYS = (
    "title",
    "coder",
    "compare",
    "sections",
    "facets",
    "attributes",
    "time",
    "unit",
    "quote",
    "language",
    "data_statement",
)
#: Default attributes: categorical columns with this many distinct values.
CATEGORIES = (2, 12)
#: Columns that are never default attributes (ids, sizes, dates, free text).
_NOT_ATTRIBUTES = {
    "doc_id",
    "kind",  # kinds of data are triangulated, not crossed with codes as a group
    "language",
    "case",
    "n_chars",
    "n_words",
    "date",
    "consent",
    "pseudonymised",
    "interviewer",
    "title",
    "source",
    "file",
}
#: Fields a quote template may use besides the document and case attributes.
QUOTE_FIELDS = ("doc_id", "speaker", "start", "end", "code", "kind", "case")


class StudyError(ProjectError):
    """study.yaml is malformed or names a coder, branch or attribute the project lacks."""


# --------------------------------------------------------------------------- reading


class _NoAliasLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing aliases (``*name``): no billion-laughs expansion."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            mark = event.start_mark
            raise yaml.composer.ComposerError(
                None,
                None,
                f"aliases (*{event.anchor}) are not allowed; write the value out",
                mark,
            )
        return super().compose_node(parent, index)


def load_yaml_mapping(path: str | os.PathLike, *, max_bytes: int = MAX_STUDY_BYTES) -> dict:
    """Read a small YAML file whose top level is a mapping (an empty file is ``{}``).

    The file is size-capped before it is read, must be UTF-8, and may not use aliases.
    This is the one YAML entry point of :mod:`resilience_qda.io.study`.

    Raises
    ------
    StudyError
        Too large, not UTF-8, not valid YAML, an alias, or not a mapping at the top.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "study.yaml"
    >>> _ = p.write_text("coder: A\\ncompare: [B]\\n")
    >>> load_yaml_mapping(p)
    {'coder': 'A', 'compare': ['B']}
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise StudyError(
                f"{path}: {size:,} bytes is too large for an analysis plan (the limit is "
                f"{max_bytes:,}); is this the right file?"
            )
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise StudyError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if len(data) > max_bytes:  # grew while we looked
        raise StudyError(f"{path}: larger than {max_bytes:,} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StudyError(
            f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8 in your editor"
        ) from None
    if "\x00" in text:
        raise StudyError(f"{path}: contains NUL bytes; it is not a YAML text file")
    try:
        tree = yaml.load(text, Loader=_NoAliasLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise StudyError(f"{path}{where}: not valid YAML: {problem}") from None
    except RecursionError:
        raise StudyError(f"{path}: nested too deeply to be an analysis plan") from None
    if tree is None:
        return {}
    if not isinstance(tree, dict):
        raise StudyError(
            f"{path}: the top level must be keys and values (title: ..., coder: ...); got "
            f"a {type(tree).__name__}"
        )
    return tree


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Study:
    """A project's analysis plan, as declared in ``study.yaml`` (``None``: not declared).

    :meth:`resolve` checks it against a project and fills in every default; the resolved
    study's ``notes`` say, per key, where its value came from.

    Examples
    --------
    >>> Study.from_dict({"coder": "A", "compare": "B"}).compare
    ('B',)
    >>> Study.from_dict({"coders": "A"})
    Traceback (most recent call last):
    ...
    resilience_qda.io.study.StudyError: study.yaml: unknown key 'coders' (did you mean \
'coder'?); the keys are title, coder, compare, sections, facets, attributes, time, unit, \
quote, language, data_statement
    """

    title: str | None = None
    coder: str | None = None
    compare: tuple[str, ...] | None = None
    sections: tuple[str, ...] | None = None
    facets: str | None = None
    attributes: tuple[str, ...] | None = None
    time: tuple[str, ...] | None = None
    unit: str | None = None
    quote: Mapping[str, str] | None = None  # document kind (or "*") -> template
    language: str | None = None
    data_statement: str | None = None
    origin: str = STUDY_FILE
    notes: Mapping[str, str] = field(default_factory=dict)
    resolved: bool = False

    # ---------------------------------------------------------------- construction

    @classmethod
    def from_dict(cls, data: Mapping, *, origin: str = STUDY_FILE) -> Study:
        """Check a mapping's keys and value types (not yet against a project)."""
        if not isinstance(data, Mapping):
            raise StudyError(f"{origin}: expected keys and values, got {type(data).__name__}")
        for key in data:
            if key not in KEYS:
                close = difflib.get_close_matches(str(key), KEYS, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise StudyError(
                    f"{origin}: unknown key {key!r}{hint}; the keys are {', '.join(KEYS)}"
                )
        values = {key: _checked(key, data[key], origin) for key in KEYS if key in data}
        values = {k: v for k, v in values.items() if v is not None}
        return cls(**values, origin=origin)

    # ---------------------------------------------------------------- resolution

    def resolve(self, project: Project) -> Study:
        """This plan checked against ``project``, every default filled in.

        Raises
        ------
        StudyError
            A declared coder has no codings, a branch is not in the codebook (nor used by
            the codings), an attribute or time column does not exist, or a quote template
            names an unknown field. The message names the key and lists what exists.
        """
        if self.resolved:
            return self
        notes: dict[str, str] = {}
        origin = self.origin
        docs = project.corpus.documents
        root = Path(project.path) if project.path else None

        def note(key: str, declared: bool, how: str) -> None:
            notes[key] = f"set in {Path(origin).name}" if declared else f"default: {how}"

        title = self.title or (
            f"Evaluation report: {root.name}" if root is not None else "Evaluation report"
        )
        note("title", self.title is not None, "Evaluation report: FOLDER")

        coders = list(project.coders)
        if self.coder is not None:
            if self.coder not in coders:
                raise StudyError(
                    f"{origin}: coder {self.coder!r} has no codings in "
                    f"{project.path or 'the project'}; coders: {', '.join(coders) or 'none yet'}"
                    " (codings/<coder>.csv)"
                )
            coder = self.coder
        else:
            coder = default_coder(project.codings)
        note("coder", self.coder is not None, "the manual coder with the most codings")

        if self.compare is not None:
            for other in self.compare:
                if other not in coders:
                    raise StudyError(
                        f"{origin}: compare names coder {other!r}, who has no codings; "
                        f"coders: {', '.join(coders) or 'none yet'}"
                    )
                if other == coder:
                    raise StudyError(
                        f"{origin}: compare names {other!r}, the analysed coder itself; "
                        "list the other coders"
                    )
            compare = tuple(self.compare)
        else:
            compare = default_compare(project.codings, coder)
        note("compare", self.compare is not None, "other manual coders sharing documents")

        book = project.codebook
        used_roots = list(dict.fromkeys(c.split("/")[0] for c in project.codings["code"]))
        if self.sections is not None:
            used = set(project.codings["code"])
            for branch in self.sections:
                below = any(c == branch or c.startswith(branch + "/") for c in used)
                if branch not in book and not below:
                    raise StudyError(
                        f"{origin}: sections names branch {branch!r}, which is neither in "
                        f"the codebook nor used by any coding; top-level branches: "
                        f"{', '.join(_branches(book, used_roots)) or 'none'}"
                    )
            sections = tuple(self.sections)
        else:
            sections = tuple(_branches(book, used_roots))
        note("sections", self.sections is not None, "the top-level branches")

        facets = self.facets
        if facets is not None:
            children = book.children(facets) if facets in book else []
            if len(children) < 2:
                raise StudyError(
                    f"{origin}: facets names {facets!r}, which "
                    + ("has fewer than two child codes" if facets in book else "is not a code")
                    + " in the codebook; facets needs a branch whose children combine "
                    "(e.g. practice-elements: meanings, competencies, materials)"
                )
        note("facets", facets is not None, "none")

        columns = [c for c in docs.columns]
        if self.attributes is not None:
            for attribute in self.attributes:
                if attribute not in columns or attribute in ("doc_id", "n_chars", "n_words"):
                    raise StudyError(
                        f"{origin}: attributes names {attribute!r}, which no document or case "
                        f"has; attributes: {', '.join(_attribute_columns(docs)) or 'none'} "
                        "(columns of sources.csv and cases.csv)"
                    )
            attributes = tuple(self.attributes)
        else:
            attributes = tuple(default_attributes(docs))
        note("attributes", self.attributes is not None, "categorical attributes, 2-12 values")

        time = self.time or ()
        for column in time:
            if column not in columns or column in ("doc_id",):
                raise StudyError(
                    f"{origin}: time names {column!r}, which no document has; document "
                    f"attributes: {', '.join(_attribute_columns(docs)) or 'none'}"
                )
        note("time", self.time is not None, "none")

        unit = self.unit or "paragraph"
        note("unit", self.unit is not None, "paragraph")

        fields = set(QUOTE_FIELDS) | set(columns)
        if self.quote is not None:
            for template in self.quote.values():
                for name in _template_fields(template, origin):
                    if name not in fields:
                        raise StudyError(
                            f"{origin}: quote template {template!r} uses {{{name}}}, which is "
                            f"no attribute; fields: {', '.join(sorted(map(str, fields)))}"
                        )
            quote = dict(self.quote)
        else:
            has_cases = "case" in docs.columns and docs["case"].notna().any()
            quote = {"*": "Participant {case}" if has_cases else "{doc_id}"}
        note("quote", self.quote is not None, "the case (participant), else the document")

        language = self.language or "en"
        note("language", self.language is not None, "en")

        statement = self.data_statement
        if statement is None and root is not None and (root / "README.md").is_file():
            statement = "README.md"
        note("data_statement", self.data_statement is not None, "the project's README.md")

        return dataclasses.replace(
            self,
            title=title,
            coder=coder,
            compare=compare,
            sections=sections,
            facets=facets,
            attributes=attributes,
            time=tuple(time),
            unit=unit,
            quote=quote,
            language=language,
            data_statement=statement,
            notes=notes,
            resolved=True,
        )

    def how(self, key: str) -> str:
        """Where a resolved key's value came from: ``set in study.yaml`` or ``default: ...``."""
        return self.notes.get(key, "")

    def to_frame(self) -> pd.DataFrame:
        """The plan as a table: ``key, value, source`` (declared in study.yaml, or how the
        default was found)."""
        rows = []
        for key in KEYS:
            value = getattr(self, key)
            if isinstance(value, tuple):
                value = ", ".join(value)
            elif isinstance(value, Mapping):
                value = "; ".join(f"{k}: {v}" if k != "*" else v for k, v in value.items())
            if key == "data_statement" and value and "\n" in str(value):
                value = "(text in study.yaml)"
            shown = "" if value is None else str(value)
            rows.append((key, shown or "(none)", self.notes.get(key, "")))
        return pd.DataFrame(rows, columns=["key", "value", "source"])

    # ---------------------------------------------------------------- uses

    def attribution(self, row: Mapping) -> str:
        """Who said a quoted passage, by the ``quote`` template of its document kind.

        A template whose fields are all present in ``row`` is used; otherwise the generic
        (``*``) template, then the speaker, then the document. The passage's place
        (``doc_id [start:end]``) follows unless the template already names the document.

        Examples
        --------
        >>> s = Study(quote={"*": "Participant {case}, {role}"}, resolved=True)
        >>> s.attribution({"doc_id": "i1", "start": 3, "end": 9, "case": "L", "role": "Nurse"})
        'Participant L, Nurse. i1 [3:9]'
        >>> s.attribution({"doc_id": "m1", "start": 0, "end": 5, "kind": "observation"})
        'm1 [0:5]'
        """
        templates = dict(self.quote or {})
        kind = str(row.get("kind") or "")
        chosen = None
        for template in (templates.get(kind), templates.get("*")):
            if template is None:
                continue
            text = _fill(template, row)
            if text is not None:
                chosen = (template, text)
                break
        where = f"{row.get('doc_id')} [{row.get('start')}:{row.get('end')}]"
        if chosen is None:
            speaker = row.get("speaker")
            return f"{speaker}. {where}" if _present(speaker) else where
        template, text = chosen
        return text if "{doc_id}" in template else f"{text}. {where}"

    def statement(self, project_path: str | os.PathLike | None) -> str | None:
        """The data statement's text: the file ``data_statement`` names (relative to the
        project folder), or the value itself when it is not a file name."""
        value = self.data_statement
        if not value:
            return None
        if "\n" in value or not re.fullmatch(r"[\w./ -]+\.(md|txt|markdown)", value):
            return value.strip()
        if project_path is None:
            raise StudyError(f"{self.origin}: data_statement names a file, but no project folder")
        root = Path(project_path).resolve()
        path = (root / value).resolve()
        if root not in path.parents:
            raise StudyError(
                f"{self.origin}: data_statement {value!r} points outside the project folder"
            )
        if not path.is_file():
            raise StudyError(
                f"{self.origin}: data_statement names {value!r}, which is not a file in "
                f"{project_path}; write the statement there or give the text itself"
            )
        if path.stat().st_size > MAX_STATEMENT_BYTES:
            raise StudyError(f"{path}: larger than {MAX_STATEMENT_BYTES:,} bytes")
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise StudyError(f"{path}: the data statement must be UTF-8 text") from None
        return statement_from_markdown(text)


def read_study(path: str | os.PathLike | Project | None) -> Study:
    """Read ``study.yaml`` of a project folder (a :class:`Study` of defaults without it).

    Parameters
    ----------
    path : path-like or Project
        The project folder, the study.yaml file itself, or a project read from a folder.

    Examples
    --------
    >>> study = read_study("data/sample")  # doctest: +SKIP
    >>> study.resolve(read_project("data/sample")).sections  # doctest: +SKIP
    """
    if isinstance(path, Project):
        path = path.path
    if path is None:
        return Study()
    path = Path(path)
    file = path if path.suffix in (".yaml", ".yml") else path / STUDY_FILE
    if not file.exists():
        return Study(origin=str(file))
    return Study.from_dict(load_yaml_mapping(file), origin=str(file))


# --------------------------------------------------------------------------- defaults


def default_coder(codings: pd.DataFrame) -> str | None:
    """The manual coder with the most codings (ties by name), else the coder with the most
    codings; ``None`` without codings.

    Examples
    --------
    >>> c = pd.DataFrame({"coder": ["rules:x"] * 3 + ["B", "A"], "source": ["rules"] * 3
    ...                   + ["manual"] * 2, "code": list("abcde")})
    >>> default_coder(c)
    'A'
    """
    if not len(codings):
        return None
    manual = codings["source"].eq("manual") if "source" in codings else False
    stats = (
        codings.assign(_manual=manual)
        .groupby("coder")
        .agg(n=("code", "size"), manual=("_manual", "any"))
        .reset_index()
        .sort_values(["manual", "n", "coder"], ascending=[False, False, True])
    )
    return str(stats["coder"].iloc[0])


def default_compare(codings: pd.DataFrame, coder: str | None) -> tuple[str, ...]:
    """Other manual coders who coded at least one document ``coder`` coded."""
    if coder is None or not len(codings):
        return ()
    mine = set(codings.loc[codings["coder"] == coder, "doc_id"])
    manual = codings[codings["source"] == "manual"] if "source" in codings else codings
    others = []
    for other, rows in manual.groupby("coder", sort=True):
        if other != coder and mine & set(rows["doc_id"]):
            others.append(str(other))
    return tuple(others)


def default_attributes(documents: pd.DataFrame) -> list[str]:
    """Categorical attributes (text, 2-12 distinct values) of documents and cases.

    Examples
    --------
    >>> d = pd.DataFrame({"doc_id": list("abcd"), "kind": ["interview"] * 4,
    ...                   "site": ["x", "y", "x", "y"], "age": [31, 40, 52, 33]})
    >>> default_attributes(d)
    ['site']
    """
    out = []
    for column in _attribute_columns(documents):
        values = documents[column].dropna()
        if values.map(lambda v: isinstance(v, bool | int | float)).all():
            continue  # numbers (ages, years, meeting numbers) are not categories
        distinct = values.astype(str).nunique()
        # categories repeat: a column where nearly every row differs (a job title) is not one
        if CATEGORIES[0] <= distinct <= CATEGORIES[1] and distinct <= max(2, len(values) // 2):
            out.append(column)
    return out


def _attribute_columns(documents: pd.DataFrame) -> list[str]:
    return [c for c in documents.columns if c not in _NOT_ATTRIBUTES]


def _branches(book, used_roots: list[str]) -> list[str]:
    return list(dict.fromkeys([*book.roots, *used_roots]))


# --------------------------------------------------------------------------- values


def _strings(key: str, value: object, origin: str, *, allow_empty: bool) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) and v.strip() for v in items):
        raise StudyError(
            f"{origin}: {key} must be a name or a list of names, e.g. {key}: [a, b]; got {value!r}"
        )
    if not items and not allow_empty:
        raise StudyError(f"{origin}: {key} is an empty list; name at least one, or leave it out")
    if len(set(items)) != len(items):
        raise StudyError(
            f"{origin}: {key} names {sorted({v for v in items if items.count(v) > 1})} twice"
        )
    return tuple(v.strip() for v in items)


def _string(key: str, value: object, origin: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise StudyError(f"{origin}: {key} must be text, e.g. {key}: ...; got {value!r}")
    return value.strip()


def _checked(key: str, value: object, origin: str):
    if value is None:
        return None
    if key in ("title", "coder", "facets", "data_statement"):
        return _string(key, value, origin)
    if key == "compare":
        return _strings(key, value, origin, allow_empty=True)
    if key in ("sections", "time"):
        return _strings(key, value, origin, allow_empty=False)
    if key == "attributes":
        return _strings(key, value, origin, allow_empty=True)
    if key == "unit":
        if value not in UNITS:
            raise StudyError(f"{origin}: unit must be one of {', '.join(UNITS)}; got {value!r}")
        return value
    if key == "language":
        if not isinstance(value, str) or not re.fullmatch(r"[a-z]{2,3}", value):
            raise StudyError(
                f"{origin}: language must be a two- or three-letter code such as en; got {value!r}"
            )
        return value
    if key == "quote":
        templates = {"*": value} if isinstance(value, str) else value
        if not isinstance(templates, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in templates.items()
        ):
            raise StudyError(
                f'{origin}: quote must be a template such as "Participant {{case}}, {{role}}" '
                f"or one per document kind (interview: ..., observation: ...); got {value!r}"
            )
        for template in templates.values():
            _template_fields(template, origin)
        return dict(templates)
    raise AssertionError(key)  # pragma: no cover - KEYS and this function agree


def _template_fields(template: str, origin: str) -> list[str]:
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise StudyError(f"{origin}: quote template {template!r} is malformed: {exc}") from None
    names = []
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not re.fullmatch(r"\w+", name) or spec or conversion:
            raise StudyError(
                f"{origin}: quote template {template!r}: write fields as {{name}} only; "
                f"got {{{name}{'!' + conversion if conversion else ''}"
                f"{':' + spec if spec else ''}}}"
            )
        names.append(name)
    return names


def _present(value: object) -> bool:
    if value is None:
        return False
    try:
        if pd.isna(value):
            return False
    except (TypeError, ValueError):
        pass
    return str(value).strip() != ""


def _show(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _fill(template: str, row: Mapping) -> str | None:
    names = [n for _, n, _, _ in string.Formatter().parse(template) if n is not None]
    if not all(_present(row.get(n)) for n in names):
        return None
    return template.format(**{n: _show(row.get(n)) for n in names})


# --------------------------------------------------------------------------- statement


def statement_from_markdown(text: str) -> str:
    """The data statement in a Markdown file: the section headed "Data statement", else a
    paragraph that starts with "Data statement", else the file's first paragraph. Markdown
    emphasis and links are reduced to their words; paragraphs are separated by blank lines.

    Examples
    --------
    >>> statement_from_markdown("# Project\\n\\nIntro.\\n\\n**Data statement.** All *made up*.\\n")
    'Data statement. All made up.'
    """
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n"))]
    paragraphs = [p for p in paragraphs if p]
    chosen: list[str] = []
    for i, p in enumerate(paragraphs):
        if re.match(r"#+\s*data statement\b", p, re.I):
            for q in paragraphs[i + 1 :]:
                if q.startswith("#"):
                    break
                chosen.append(q)
            break
    if not chosen:
        chosen = [p for p in paragraphs if re.match(r"[*_]*data statement\b", p, re.I)][:1]
    if not chosen:
        body = [p for p in paragraphs if not p.startswith("#")]
        chosen = body[:1]
    return "\n\n".join(_plain_markdown(p) for p in chosen)


def _plain_markdown(text: str) -> str:
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links and images: their words
    text = re.sub(r"(\*\*|__|\*|_|`)(\S(?:.*?\S)?)\1", r"\2", text)
    return re.sub(r"[ \t]*\n[ \t]*", " ", text).strip()
