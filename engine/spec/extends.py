"""``extends: base.yaml``: lay a scene over its base.

Rules (the child is the file that says ``extends``):

- maps merge key by key, recursively; the child's value wins;
- lists (and every other value) replace the base's value whole;
- the base path is relative to the child's folder and must stay inside the
  project folder (the top scene file's folder); chains are followed, loops
  are an error;
- every value keeps the position (file:line:col) of the file that wrote it,
  so relative asset paths resolve against that file's folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from engine.errors import Diagnostic
from engine.spec.yamlsafe import DocPath, Tree, YamlProblem, format_path, load_tree

MAX_CHAIN = 16


def _problem(tree: Tree, path: DocPath, code: str, msg: str, hint: str = "") -> YamlProblem:
    pos = tree.pos.get(path) or tree.pos[()]
    return YamlProblem(Diagnostic(pos.file, pos.line, pos.col, format_path(path), code, msg, hint))


def graft(src: Tree, out: Tree, path: DocPath, value: object) -> None:
    """Copy the positions of ``value`` (at ``path``) from ``src`` into ``out``."""
    if path in src.pos:
        out.pos[path] = src.pos[path]
    if path in src.keypos:
        out.keypos[path] = src.keypos[path]
    if isinstance(value, dict):
        for key, item in value.items():
            graft(src, out, (*path, key), item)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            graft(src, out, (*path, i), item)


def merge(base: Tree, child: Tree) -> Tree:
    """The child laid over the base: maps merge, everything else is replaced."""
    out = Tree(None)

    def walk(bv: object, cv: object, path: DocPath) -> object:
        if not (isinstance(bv, dict) and isinstance(cv, dict)):
            graft(child, out, path, cv)
            return cv
        merged: dict = {}
        for key, value in bv.items():
            if key not in cv:
                merged[key] = value
                graft(base, out, (*path, key), value)
        for key, value in cv.items():
            merged[key] = walk(bv[key], value, (*path, key)) if key in bv else value
            if key not in bv:
                graft(child, out, (*path, key), value)
        if path in child.pos:
            out.pos[path] = child.pos[path]
        if path in child.keypos:
            out.keypos[path] = child.keypos[path]
        return merged

    out.data = walk(base.data, child.data, ())
    return out


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root)
    except ValueError:
        return False
    return True


def load_with_extends(file: Path, shown: str, root: Path, chain: tuple[Path, ...] = ()) -> Tree:
    """Load ``file`` and, if it says ``extends``, its bases, merged (child wins).

    ``root`` is the resolved project folder. Raises YamlProblem.
    """
    tree = load_tree(file, shown)
    data = tree.data
    if not isinstance(data, dict) or "extends" not in data:
        return tree
    target = data.pop("extends")
    where = ("extends",)
    if not isinstance(target, str) or not target.strip():
        got = "an empty string" if isinstance(target, str) else type(target).__name__
        raise _problem(tree, where, "schema.type", f"expected a file path, got {got}")
    base_file = file.parent / target
    base_shown = os.path.normpath(os.path.join(os.path.dirname(shown), target))
    if os.path.isabs(target) or not _inside(base_file, root):
        raise _problem(
            tree,
            where,
            "extends.outside-project",
            f"{target!r} is outside the project folder {str(root)!r}",
            "keep the base scene inside the folder of the scene you validate",
        )
    resolved = base_file.resolve()
    me = file.resolve()
    if resolved in (*chain, me):
        loop = " -> ".join(p.name for p in (*chain, me, resolved))
        raise _problem(tree, where, "extends.cycle", f"extends loops back: {loop}")
    if len(chain) >= MAX_CHAIN:
        raise _problem(tree, where, "extends.cycle", f"extends chain longer than {MAX_CHAIN}")
    if base_file.is_dir():
        raise _problem(tree, where, "extends.missing", f"{target!r} is a folder, not a scene file")
    if not base_file.is_file():
        raise _problem(
            tree,
            where,
            "extends.missing",
            f"base scene {target!r} not found (looked for {base_shown})",
        )
    base = load_with_extends(base_file, base_shown, root, (*chain, me))
    if not isinstance(base.data, dict):
        raise _problem(
            base, (), "schema.type", "a base scene must be a map of keys, like any scene"
        )
    tree.pos.pop(where, None)
    tree.keypos.pop(where, None)
    return merge(base, tree)
