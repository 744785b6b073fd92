"""Reading a claims ledger (``claims.yaml``) safely: size-capped, plain YAML, no aliases."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import yaml

from ..core.claims import Claim, claims_from_data
from ..core.errors import ClaimsError
from ..core.model import Project
from .safeyaml import compose_yaml, construct, refuse_repeated_keys

#: A claims ledger is a short text: larger files are refused before parsing.
MAX_CLAIMS_BYTES = 1_000_000
CLAIMS_FILE = "claims.yaml"


def read_claims(
    source: str | os.PathLike | Project,
    *,
    codes: Iterable[str] | None = None,
    max_bytes: int = MAX_CLAIMS_BYTES,
) -> list[Claim]:
    """Read a project's claims ledger.

    Parameters
    ----------
    source : path-like or Project
        ``claims.yaml`` itself, a project folder holding one, or a project read with
        :func:`~resilience_qda.io.project.read_project`.
    codes : iterable of str, optional
        The codes a claim may name. Default for a project: its codebook's paths and every
        code its codings use; for a path: not checked.
    max_bytes : int
        Larger files are refused unread.

    Returns
    -------
    list of Claim

    Raises
    ------
    ClaimsError
        The file is missing, too large, not UTF-8, not YAML, uses aliases or repeats a key,
        or a claim is malformed; the message names the file, the claim and the key.

    Examples
    --------
    >>> claims = read_claims("data/sample")  # doctest: +SKIP
    >>> claims[0].id, claims[0].supporting  # doctest: +SKIP
    ('more-resourceful', ('themes/more-resourceful',))
    """
    if isinstance(source, Project):
        if source.path is None:
            raise ClaimsError("the project has no folder (path is None); pass the claims file")
        if codes is None:
            codes = [*source.codebook.paths, *source.codings["code"].unique()]
        source = source.path
    path = Path(source)
    if path.is_dir():
        path = path / CLAIMS_FILE
    text = _read_capped(path, max_bytes)
    return claims_from_data(_safe_yaml(text, str(path)), origin=str(path), codes=codes)


def _read_capped(path: Path, max_bytes: int) -> str:
    try:
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except FileNotFoundError:
        raise ClaimsError(
            f"{path}: no such claims file; a claims ledger is a claims.yaml in the project "
            "folder (see the README's project-folder section)"
        ) from None
    except IsADirectoryError:
        raise ClaimsError(f"{path}: is a folder, not a claims file") from None
    if len(data) > max_bytes:
        raise ClaimsError(
            f"{path}: larger than {max_bytes:,} bytes; a claims ledger is a short YAML file, "
            "so this one was refused unread"
        )
    if b"\x00" in data:
        raise ClaimsError(f"{path}: is binary, not a YAML text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ClaimsError(
            f"{path}: is not UTF-8 text (byte {exc.start}); save it as UTF-8"
        ) from None


def _safe_yaml(text: str, origin: str) -> object:
    """Plain YAML only: aliases are refused outright (a ledger has no use for them), and so
    are repeated keys (which PyYAML would otherwise keep the last of, silently)."""
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise ClaimsError(
                    f"{origin}, line {event.start_mark.line + 1}: YAML anchors and aliases "
                    "(&name, *name) are not allowed in a claims ledger; write each value out"
                )
    except yaml.YAMLError:
        pass  # compose_yaml says where the text is not YAML
    except RecursionError:
        raise ClaimsError(f"{origin}: nested too deeply to be a claims ledger") from None
    try:
        node, loader = compose_yaml(text, origin=origin, error=ClaimsError)
        try:
            refuse_repeated_keys(node, origin=origin, error=ClaimsError)
            return construct(loader, node, origin=origin, error=ClaimsError)
        finally:
            loader.dispose()
    except RecursionError:
        raise ClaimsError(f"{origin}: nested too deeply to be a claims ledger") from None


__all__ = ["CLAIMS_FILE", "MAX_CLAIMS_BYTES", "read_claims"]
