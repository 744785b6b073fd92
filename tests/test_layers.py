"""The package's import rules, read from the source (lazy imports included)."""

import ast
from pathlib import Path

import resilience_qda

PACKAGE = Path(resilience_qda.__file__).parent


def _imports(path: Path):
    """(line, imported module or 'pkg:name') of every import statement in ``path``."""
    module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    package = package.removesuffix(".__init__")
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, None
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            yield node.lineno, name, [a.name for a in node.names]


def test_no_module_imports_the_package_root():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path == PACKAGE / "__init__.py":
            continue
        for line, name, names in _imports(path):
            if name != "resilience_qda":
                continue
            submodules = {p.stem for p in PACKAGE.iterdir()}
            if names is None or any(n not in submodules for n in names):
                offenders.append(f"{path.relative_to(PACKAGE)}:{line}")
    assert not offenders, f"these import the package root: {offenders}"


def test_core_imports_nothing_else_of_the_package():
    offenders = [
        f"{path.name}:{line} imports {name}"
        for path in (PACKAGE / "core").glob("*.py")
        for line, name, _ in _imports(path)
        if name.startswith("resilience_qda") and not name.startswith("resilience_qda.core")
    ]
    assert not offenders, offenders
