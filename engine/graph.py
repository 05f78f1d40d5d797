"""The render graph: plain data shared by the compiler and the schedulers.

A node is a kind, JSON parameters and named inputs (other nodes' keys). Its key
is a Merkle hash: sha256 over the kind, the kind's code version, the canonical
JSON of the parameters and the keys of its inputs. Equal keys mean equal
outputs, so a key found in the cache need not be computed again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no whitespace: the byte form that gets hashed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def node_key(
    kind: str, version: int | str, params: Mapping[str, Any], inputs: Mapping[str, str]
) -> str:
    body = canonical_json(
        {"kind": kind, "version": version, "params": params, "inputs": dict(inputs)}
    )
    return hashlib.sha256(body.encode()).hexdigest()


@dataclass(frozen=True)
class Node:
    """One step of the graph. ``inputs`` maps an argument name to another node's key."""

    key: str
    kind: str
    version: int | str  # the compiler gives registry.identity(kind): "<version>.<code hash>"
    params: Mapping[str, Any]
    inputs: Mapping[str, str]
    label: str = ""
    cost: float = 1.0  # rough work estimate, in seconds of one core, for plans and ETAs

    def to_json(self) -> dict:
        return {
            "key": self.key,
            "kind": self.kind,
            "version": self.version,
            "label": self.label,
            "params": self.params,
            "inputs": dict(self.inputs),
            "cost": self.cost,
        }


@dataclass
class Graph:
    """Nodes by key, plus named outputs (``video``, ``captions``...) pointing at keys."""

    nodes: dict[str, Node] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)

    def add(
        self,
        kind: str,
        version: int | str,
        params: Mapping[str, Any],
        inputs: Mapping[str, str] | None = None,
        *,
        label: str = "",
        cost: float = 1.0,
    ) -> str:
        inputs = dict(inputs or {})
        for name, key in inputs.items():
            if key not in self.nodes:
                raise KeyError(f"input {name!r} of {kind} refers to unknown node {key[:12]}")
        # Round-trip through JSON so params are exactly what gets hashed and shipped.
        params = json.loads(canonical_json(params))
        key = node_key(kind, version, params, inputs)
        if key not in self.nodes:
            self.nodes[key] = Node(key, kind, version, params, inputs, label, cost)
        return key

    def topological(self, targets: list[str] | None = None) -> list[Node]:
        """Nodes needed for ``targets`` (default: all outputs), dependencies first."""
        wanted = targets if targets is not None else list(self.outputs.values())
        order: list[Node] = []
        state: dict[str, int] = {}  # 1 = visiting, 2 = done

        def visit(key: str, trail: list[str]) -> None:
            if state.get(key) == 2:
                return
            if state.get(key) == 1:
                cycle = "->".join(k[:8] for k in [*trail, key])
                raise ValueError(f"render graph has a cycle: {cycle}")
            state[key] = 1
            for dep in self.nodes[key].inputs.values():
                visit(dep, [*trail, key])
            state[key] = 2
            order.append(self.nodes[key])

        for key in wanted:
            visit(key, [])
        return order

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes.values())

    def to_json(self) -> dict:
        return {
            "nodes": [n.to_json() for n in self.topological()],
            "outputs": dict(self.outputs),
        }

    def to_dot(self) -> str:
        lines = ["digraph photoplay {", "  rankdir=LR;", "  node [shape=box, fontsize=10];"]
        for node in self.topological():
            text = f"{node.kind}\\n{node.label}\\n{node.key[:10]}".replace('"', "'")
            lines.append(f'  "{node.key[:16]}" [label="{text}"];')
            for name, dep in node.inputs.items():
                lines.append(f'  "{dep[:16]}" -> "{node.key[:16]}" [label="{name}"];')
        lines.append("}")
        return "\n".join(lines) + "\n"
