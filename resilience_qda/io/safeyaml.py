"""YAML that cannot hang or flood a command: safe tags only, alias cycles refused, aliases
bounded, dates that do not exist refused with their line.

PyYAML's safe loader runs no code, but it composes aliases as shared nodes: an alias inside
its own anchor makes a cycle (anything that walks the result never ends), and a few lines of
nested aliases expand to billions of values (an "alias bomb"). :func:`load_yaml` composes the
node graph (linear in the size of the text), refuses cycles and counts what the aliases
expand to before anything is built from it.
"""

from __future__ import annotations

import yaml

from ..core.errors import ReadError

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: How many values aliases may add beyond the nodes written out in the text.
MAX_ALIAS_EXPANSION = 10_000


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """The safe loader (libyaml's when PyYAML has it), with dates checked."""


def _timestamp(loader, node):
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError as exc:
        raise yaml.constructor.ConstructorError(
            None,
            None,
            f"{node.value!r} is not a real date ({exc}); write it as YYYY-MM-DD, or quote it "
            "to keep it as text",
            node.start_mark,
        ) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def _children(node) -> list:
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def check_node_graph(node, *, origin: str, error: type[Exception] = ReadError) -> int:
    """Refuse alias cycles and alias bombs in a composed YAML node graph; return the number
    of values the document expands to.

    Examples
    --------
    >>> node = yaml.compose("a: &x [1, 2]\\nb: *x\\n", Loader=_Loader)
    >>> check_node_graph(node, origin="ok.yaml")
    9
    """
    size: dict[int, int] = {}
    state: dict[int, int] = {}  # 1: on the path being walked, 2: done
    distinct = 0
    stack = [(node, False)]
    while stack:
        n, leaving = stack.pop()
        k = id(n)
        if leaving:
            size[k] = 1 + sum(size[id(c)] for c in _children(n))
            state[k] = 2
            total = size[k]
            if total > distinct + MAX_ALIAS_EXPANSION:
                raise error(
                    f"{origin}, line {n.start_mark.line + 1}: YAML aliases here expand to "
                    f"more than {total:,} values (an alias bomb); write the values out "
                    "instead of repeating aliases"
                )
            continue
        if state.get(k) == 2:
            continue
        state[k] = 1
        distinct += 1
        stack.append((n, True))
        for c in _children(n):
            if state.get(id(c)) == 1:
                raise error(
                    f"{origin}, line {c.start_mark.line + 1}: the value anchored here holds an "
                    "alias to itself (an alias cycle, which never ends); remove that alias"
                )
            if state.get(id(c)) != 2:
                stack.append((c, False))
    return size[id(node)]


def compose_yaml(text: str, *, origin: str, error: type[Exception] = ReadError):
    """The checked node graph of a YAML document and the loader to construct it with
    (``loader.construct_document(node)``; call ``loader.dispose()`` after)."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            check_node_graph(node, origin=origin, error=error)
    except yaml.YAMLError as exc:
        loader.dispose()
        raise error(_message(exc, origin)) from None
    except BaseException:
        loader.dispose()
        raise
    return node, loader


def construct(loader, node, *, origin: str, error: type[Exception] = ReadError):
    """Build Python values from a checked node graph."""
    try:
        return loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        raise error(_message(exc, origin)) from None
    except (ValueError, OverflowError) as exc:
        raise error(f"{origin}: a value cannot be read ({exc})") from None


def load_yaml(text: str, *, origin: str, error: type[Exception] = ReadError) -> object:
    """Parse YAML text safely (see the module docstring).

    Examples
    --------
    >>> load_yaml("kind: observation\\ndate: 2010-05-04\\n", origin="note.md")
    {'kind': 'observation', 'date': datetime.date(2010, 5, 4)}
    >>> load_yaml("a: &a [*a]\\n", origin="cycle.yaml")
    Traceback (most recent call last):
    ...
    resilience_qda.core.errors.ReadError: cycle.yaml, line 1: the value anchored here holds \
an alias to itself (an alias cycle, which never ends); remove that alias
    >>> load_yaml("date: 2020-02-30\\n", origin="memo.md")
    Traceback (most recent call last):
    ...
    resilience_qda.core.errors.ReadError: memo.md, line 1, column 7: not valid YAML: \
'2020-02-30' is not a real date (day is out of range for month); write it as YYYY-MM-DD, \
or quote it to keep it as text
    """
    node, loader = compose_yaml(text, origin=origin, error=error)
    try:
        return construct(loader, node, origin=origin, error=error)
    finally:
        loader.dispose()


def refuse_repeated_keys(
    node, *, origin: str, error: type[Exception] = ReadError, within: str = "one mapping"
) -> None:
    """Refuse a key written twice in one mapping of a composed node graph (PyYAML would keep
    the last of the two silently); the message names both lines.

    >>> refuse_repeated_keys(yaml.compose("a: 1\\nb: 2\\na: 3\\n", Loader=_Loader),
    ...                      origin="x.yaml")
    Traceback (most recent call last):
    ...
    resilience_qda.core.errors.ReadError: x.yaml, line 3: key 'a' appears twice in one \
mapping (first at line 1)
    """
    stack = [node] if node is not None else []
    visited: set[int] = set()
    while stack:
        n = stack.pop()
        if id(n) in visited:  # an alias: checked where it was anchored
            continue
        visited.add(id(n))
        if isinstance(n, yaml.MappingNode):
            seen: dict = {}
            for key, value in n.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        raise error(
                            f"{origin}, line {key.start_mark.line + 1}: key {key.value!r} "
                            f"appears twice in {within} (first at line {seen[key.value]})"
                        )
                    seen[key.value] = key.start_mark.line + 1
                stack.append(value)
        elif isinstance(n, yaml.SequenceNode):
            stack.extend(n.value)


def _message(exc: yaml.YAMLError, origin: str) -> str:
    mark = getattr(exc, "problem_mark", None)
    where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    problem = getattr(exc, "problem", None) or str(exc)
    return f"{origin}{where}: not valid YAML: {problem}"


__all__ = [
    "MAX_ALIAS_EXPANSION",
    "check_node_graph",
    "compose_yaml",
    "construct",
    "load_yaml",
    "refuse_repeated_keys",
]
