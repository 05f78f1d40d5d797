"""One registry of node kinds. Each kind is a pure function with a declared version.

    @node("image.decode", version=1)
    def decode(params, inputs, ctx): ...

A node function takes its JSON ``params``, its ``inputs`` (the results of the
nodes it depends on, by argument name) and a ``NodeContext`` (a private working
folder for files it writes), and returns a value the cache can store without
pickle: plain values, tuples, NumPy arrays, paths, or a dataclass listed in
``engine/runtime/codec.py``. Files it writes are returned as
``Artifact("name")``; consumers receive them as absolute ``Path``s.
``version`` says when the meaning of the output changed; the cache key also
carries ``identity(kind)``, which changes by itself with the code the node runs
(``engine.nodes.fingerprint``) and with the model files it declares in ``models``.
"""

from __future__ import annotations

import difflib
import hashlib
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Artifact:
    """A file a node wrote into its working folder, by name."""

    name: str


@dataclass(frozen=True)
class NodeContext:
    workdir: Path  # empty folder that becomes part of the cache entry


NodeFn = Callable[[dict, dict, NodeContext], Any]


@dataclass(frozen=True)
class NodeKind:
    kind: str
    version: int
    fn: NodeFn
    cpu_bound: bool
    models: tuple[str, ...] = ()  # model files it runs: manifest names or paths under models/


_REGISTRY: dict[str, NodeKind] = {}

# Modules that register node kinds; imported on first lookup so that importing the
# registry stays cheap (workers import only what they run).
NODE_MODULES = ("engine.nodes.kinds",)


def node(
    kind: str, *, version: int, cpu_bound: bool = True, models: tuple[str, ...] = ()
) -> Callable[[NodeFn], NodeFn]:
    def register(fn: NodeFn) -> NodeFn:
        if kind in _REGISTRY and _REGISTRY[kind].fn is not fn:
            raise ValueError(f"node kind {kind!r} registered twice")
        _REGISTRY[kind] = NodeKind(kind, version, fn, cpu_bound, tuple(models))
        return fn

    return register


@dataclass(frozen=True)
class Parts:
    """How a kind's work may be cut into parts that run side by side.

    ``split(params, inputs)`` gives each part's params (fewer than two: run whole);
    it must depend on the params and inputs only, never on the machine, so the
    output is the same however many workers run the parts. Each part runs the
    kind's own function with its params; ``join(params, inputs, ctx)`` then makes
    the node's value from ``inputs["parts"]``, the parts' values in order.
    """

    split: Callable[[dict, dict], list[dict]]
    join: NodeFn


_PARTS: dict[str, Parts] = {}
# Modules that declare parts (``parts(...)`` at import); imported on first ``parts_of``.
PARTS_MODULES = ("engine.nodes.render.parts",)


def parts(kind: str, split: Callable[[dict, dict], list[dict]], join: NodeFn) -> None:
    """Declare that ``kind``'s work may be cut into parts (see ``Parts``)."""
    _PARTS[kind] = Parts(split, join)


def parts_of(kind: str) -> Parts | None:
    """The parts ``kind`` declared, or None for a kind that always runs whole."""
    if not _PARTS:
        for module in PARTS_MODULES:
            importlib.import_module(module)
    return _PARTS.get(kind)


def _load_all() -> None:
    for module in NODE_MODULES:
        importlib.import_module(module)


def get(kind: str) -> NodeKind:
    if kind not in _REGISTRY:
        _load_all()
    if kind not in _REGISTRY:
        close = difflib.get_close_matches(kind, _REGISTRY, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise KeyError(f"unknown node kind {kind!r}{hint}; known: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[kind]


@cache
def identity(kind: str) -> str:
    """``"<version>.<hash>"``: the declared version, the code fingerprint and the sha256 of
    every model file the kind runs. What a cache key holds for "which code made this"."""
    from engine.nodes.fingerprint import fingerprint, model_records

    found = get(kind)
    digest = hashlib.sha256(fingerprint(found.fn).encode())
    for record in model_records(found.models):
        digest.update(f"\n{record['name']}:{record['sha256']}".encode())
    return f"{found.version}.{digest.hexdigest()[:16]}"


def kinds() -> dict[str, NodeKind]:
    _load_all()
    return dict(_REGISTRY)
