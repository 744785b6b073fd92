"""A new project folder: ``resilience-qda init DIR``; and the study.yaml template."""

from __future__ import annotations

import os
import shutil
import tempfile
from importlib import resources
from pathlib import Path

from ..core.errors import ProjectError
from .atomic import write_text
from .study import STUDY_FILE

#: The files a new project starts with, from ``resilience_qda/io/templates``.
TEMPLATES = ("study.yaml", "codebook.yaml", "README.md")
#: The folders a new project starts with.
FOLDERS = ("sources", "codings", "memos")


def template(name: str) -> str:
    """The text of a shipped template (``study.yaml``, ``codebook.yaml``, ``README.md``)."""
    if name not in TEMPLATES:
        raise ValueError(f"no template {name!r}; templates: {', '.join(TEMPLATES)}")
    return (resources.files(__package__) / "templates" / name).read_text(encoding="utf-8")


def write_study_template(path: str | os.PathLike) -> Path | None:
    """Write the commented study.yaml template into project folder ``path`` unless the
    project already has a study.yaml; return the file written (``None`` if it existed).

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> write_study_template(folder).name, write_study_template(folder)
    ('study.yaml', None)
    """
    target = Path(path) / STUDY_FILE
    if target.exists():
        return None
    write_text(target, template("study.yaml"))
    return target


def init_project(path: str | os.PathLike) -> Path:
    """Create a new, empty project folder: ``sources/``, ``codings/``, ``memos/``, a
    commented ``study.yaml``, a ``codebook.yaml`` template and a ``README.md`` with a place
    for the data statement.

    Raises
    ------
    ProjectError
        When ``path`` exists and is not an empty folder (nothing is overwritten).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = init_project(pathlib.Path(tempfile.mkdtemp()) / "my-study")
    >>> sorted(p.name for p in root.iterdir())
    ['README.md', 'codebook.yaml', 'codings', 'memos', 'sources', 'study.yaml']
    """
    root = Path(path)
    if root.exists():
        if not root.is_dir():
            raise ProjectError(f"{root}: exists and is not a folder; choose a new folder name")
        if any(root.iterdir()):
            raise ProjectError(
                f"{root}: the folder is not empty; init makes a new project in a new or empty "
                "folder (to add texts to a project use: resilience-qda import FILES --project "
                f"{root})"
            )
    # built beside the target and renamed into place: an interrupted init leaves nothing
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{root.name}.", dir=root.parent))
    mask = os.umask(0)
    os.umask(mask)
    try:
        os.chmod(staging, 0o777 & ~mask)  # mkdtemp makes 0700; a project gets the usual mode
        for folder in FOLDERS:
            (staging / folder).mkdir()
        for name in TEMPLATES:
            (staging / name).write_text(template(name), encoding="utf-8")
        if root.exists():
            root.rmdir()  # empty, checked above
        os.replace(staging, root)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return root
