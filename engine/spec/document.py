"""``load``: a scene file (plus its bases and variables) as plain data with positions."""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import Diagnostic, SceneError
from engine.spec.extends import load_with_extends
from engine.spec.templating import apply_vars, parse_sets, read_variant_row
from engine.spec.yamlsafe import DocPath, Pos, Tree, YamlProblem


@dataclass
class Document:
    """A loaded scene: the data after ``extends`` and templating, and where each part came from.

    ``file`` is the top scene file, ``root`` the project folder (its folder,
    resolved). ``shown`` is the file name as given, used in messages.
    ``vars`` are the resolved variable values. ``source_sha256`` hashes the
    canonical JSON of ``data``.
    """

    file: Path
    shown: str
    root: Path
    data: object
    pos: dict[DocPath, Pos] = field(repr=False)
    keypos: dict[DocPath, Pos] = field(repr=False)
    vars: dict[str, object]
    source_sha256: str

    def where(self, path: DocPath, *, key: bool = False) -> Pos:
        """Position of ``path`` (its key if ``key``), else of its nearest written ancestor."""
        if key and path in self.keypos:
            return self.keypos[path]
        p = path
        while p not in self.pos and p:
            p = p[:-1]
        return self.pos.get(p) or Pos(self.shown, 1, 1)

    def folder_of(self, path: DocPath) -> Path:
        """Folder of the file that wrote the value at ``path`` (relative paths resolve there)."""
        shown = self.where(path).file
        rel = os.path.relpath(shown, os.path.dirname(self.shown) or ".")
        return (self.file.parent / rel).parent


def _canonical(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def canonical_sha256(data: object) -> str:
    """sha256 of the canonical JSON (sorted keys, no spaces, UTF-8) of ``data``."""
    text = json.dumps(_canonical(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load(
    path: str | os.PathLike,
    *,
    sets: Mapping[str, str] | None = None,
    variants: str | os.PathLike | None = None,
    row: int | None = None,
) -> Document:
    """Read a scene file: safe YAML with positions, ``extends``, then ``${var}`` templating.

    Parameters
    ----------
    path : the scene file; its folder is the project folder.
    sets : ``--set`` values by variable name, as strings (read as YAML scalars).
    variants, row : a CSV whose header names variables, and the row to use
        (1 = first row under the header). Both or neither.

    Raises
    ------
    SceneError with every problem found (syntax, limits, extends, variables).
    """
    file = Path(path)
    shown = str(path)
    if (variants is None) != (row is None):
        raise SceneError(
            [
                Diagnostic(
                    shown,
                    1,
                    1,
                    "",
                    "var.variants",
                    "--variants and --row go together",
                    "give both: --variants file.csv --row 1",
                )
            ]
        )
    if not file.is_file():
        what = "is a folder, not a scene file" if file.is_dir() else "not found"
        raise SceneError([Diagnostic(shown, 1, 1, "", "file.missing", f"scene file {what}")])
    root = file.parent.resolve()
    try:
        tree: Tree = load_with_extends(file, shown, root)
    except YamlProblem as problem:
        raise SceneError([problem.diagnostic]) from None
    except RecursionError:  # defence in depth: limits keep recursion far below this
        raise SceneError(
            [Diagnostic(shown, 1, 1, "", "limit.depth", "the scene is nested too deeply")]
        ) from None

    values: dict[str, object] = {}
    data = tree.data
    declared = data.get("vars") if isinstance(data, dict) else None
    if isinstance(declared, dict):
        values.update(declared)
    values.update(parse_sets(sets))
    if variants is not None:
        values.update(read_variant_row(Path(variants), int(row)))
    errors = apply_vars(tree, values)
    if errors:
        raise SceneError(errors)
    if isinstance(tree.data, dict) and (
        isinstance(declared, dict) or ("vars" not in tree.data and values)
    ):
        tree.data["vars"] = dict(values)
    return Document(
        file=file,
        shown=shown,
        root=root,
        data=tree.data,
        pos=tree.pos,
        keypos=tree.keypos,
        vars=dict(values),
        source_sha256=canonical_sha256(tree.data),
    )
