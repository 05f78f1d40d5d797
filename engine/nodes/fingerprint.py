"""A node's code as a hash: what its cache key must change with, without a hand bump.

A node kind is a small function in ``engine/nodes/kinds.py`` that imports the
rooms it runs inside its body. Its fingerprint hashes that function and every
engine module it reaches through imports (``from engine.nodes.face.mesh import
...`` and theirs in turn), each parsed and dumped without docstrings, comments or
positions: editing a helper anywhere below a node re-runs it, while a comment or
a docstring fix does not. The model files a node runs are part of its identity
too (``models=`` in ``@node``; their sha256 from ``models/manifest.json``).

Manim hashes a function's source into its cache key; joblib compares source text.
Both miss edited helpers, which is what let stale frames through here once.
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import textwrap
from functools import cache
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[1]
# The registry and the kinds module hold every node; an edit there must not re-run all.
NOT_FOLLOWED = {"engine.nodes.registry", "engine.nodes.kinds", "engine.nodes.fingerprint"}


def module_file(name: str) -> Path | None:
    """The source file of engine module ``name``, or None if it is not one."""
    if name != "engine" and not name.startswith("engine."):
        return None
    parts = name.split(".")[1:]
    base = ENGINE.joinpath(*parts)
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _strip_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            value = getattr(first, "value", None) if isinstance(first, ast.Expr) else None
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                node.body = node.body[1:] or [ast.Pass()]
    return tree


def normalised(source: str) -> str:
    """The code of ``source`` without comments, docstrings or positions."""
    return ast.dump(_strip_docstrings(ast.parse(textwrap.dedent(source))), include_attributes=False)


def _imported(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    """Engine modules named by the imports in ``tree`` (of module ``module``)."""
    found = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return {name for name in found if module_file(name) is not None} - NOT_FOLLOWED


@cache
def _module(name: str) -> tuple[str, frozenset[str]]:
    """(digest of the normalised module, engine modules it imports)."""
    path = module_file(name)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imports = _imported(tree, name, path.name == "__init__.py")
    code = ast.dump(_strip_docstrings(tree), include_attributes=False)
    return hashlib.sha256(code.encode()).hexdigest(), frozenset(imports)


def closure(fn) -> list[str]:
    """The engine modules a node function runs, sorted (its own module excluded)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    todo = sorted(_imported(tree, fn.__module__, False))
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += sorted(_module(name)[1] - seen)
    return sorted(seen)


@cache
def fingerprint(fn) -> str:
    """sha256 over the node function's code and every engine module it reaches."""
    digest = hashlib.sha256(normalised(inspect.getsource(fn)).encode())
    for name in closure(fn):
        digest.update(f"\n{name}:{_module(name)[0]}".encode())
    return digest.hexdigest()


def model_records(names: tuple[str, ...]) -> list[dict]:
    """{name, sha256, licence, source} of the model files a node runs."""
    from engine.models.store import manifest

    records = manifest()["models"]
    out = []
    for name in names:
        if name in records:
            rec = records[name]
            out.append({"name": name, "sha256": rec["sha256"], "licence": rec.get("licence"),
                        "source": rec.get("source")})  # fmt: skip
        else:  # a model file in the repository (models/<name>), hashed as it is
            from engine.hashing import sha256_file
            from engine.models.store import REPO_MODELS

            path = REPO_MODELS / name
            out.append({"name": name, "sha256": sha256_file(path), "licence": None,
                        "source": f"models/{name}"})  # fmt: skip
    return out
