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
import json
import os
import sys
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
    return _engine_modules(_import_names(tree, module, is_package))


def _import_names(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    """Every dotted name the imports in ``tree`` could refer to."""
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
    return found


def _engine_modules(names) -> set[str]:
    return {name for name in names if module_file(name) is not None} - NOT_FOLLOWED


# Parsing ~100 modules took 1-2 s of every render's start (here, under load). A module's
# (digest, import names) depends on its text only: remembered on disk by the text's
# sha256, for this Python (ast.dump differs between versions).
_MEMO_FORMAT = f"1/{sys.version_info[0]}.{sys.version_info[1]}"


def _memo_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "photoplay" / "fingerprints.json"


@cache
def _memo() -> dict:
    """{name:sha256 of its text: [digest, import names]} from the disk, or empty."""
    try:
        doc = json.loads(_memo_path().read_text(encoding="utf-8"))
        if isinstance(doc, dict) and doc.get("format") == _MEMO_FORMAT:
            return dict(doc["modules"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return {}


_memo_added: dict = {}


def _save_memo() -> None:
    """Write what this process parsed (atomically; a failure only costs a re-parse)."""
    if not _memo_added:
        return
    path = _memo_path()
    body = {"format": _MEMO_FORMAT, "modules": _memo() | _memo_added}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temp.write_text(json.dumps(body, sort_keys=True), encoding="utf-8")
        os.replace(temp, path)
        _memo().update(_memo_added)
        _memo_added.clear()
    except OSError:
        pass


@cache
def _module(name: str) -> tuple[str, frozenset[str]]:
    """(digest of the normalised module, engine modules it imports)."""
    path = module_file(name)
    text = path.read_bytes()
    key = f"{name}:{hashlib.sha256(text).hexdigest()}"
    known = _memo().get(key) or _memo_added.get(key)
    if known is not None:
        return known[0], frozenset(_engine_modules(known[1]))
    tree = ast.parse(text.decode("utf-8"))
    names = _import_names(tree, name, path.name == "__init__.py")
    code = ast.dump(_strip_docstrings(tree), include_attributes=False)
    digest = hashlib.sha256(code.encode()).hexdigest()
    _memo_added[key] = [digest, sorted(names)]
    return digest, frozenset(_engine_modules(names))


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
    _save_memo()
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
