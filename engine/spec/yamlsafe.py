"""Safe YAML: plain data plus the file:line:col of every node, with hard limits.

PyYAML's parser gives a flat event stream; we build our own small node tree
from it (no recursion, so a 1 MiB file of ``[[[[`` cannot blow the stack),
then construct plain Python values (dict, list, str, int, float, bool, None)
while recording where each value was written, keyed by its document path
(``("shots", 2, "do", 0)``).

Rules, each a Diagnostic with a stable code:

- YAML 1.2 core schema only. ``yes``/``no``/``on``/``off`` stay strings;
  timestamps stay their source text (``2026-10-02``). Any other tag
  (``!!python/object``, ``!foo``, ``!!binary``) is ``yaml.tag``.
- Duplicate keys are ``yaml.duplicate-key``; merge keys ``<<`` work.
- ``limit.file-size``: file over 1 MiB, refused before reading.
- ``limit.depth``: nesting deeper than 64 (through aliases too).
- ``limit.aliases``: more than 10,000 nodes reached through aliases (billion
  laughs), or an alias inside its own anchor.
- ``limit.number``: an integer of more than 18 digits (no scene value needs one;
  a longer one overflows a float, and over 4,300 digits Python refuses to read it).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from engine.errors import Diagnostic

try:  # libyaml is ~10x faster; the pure-Python parser gives the same events.
    from yaml.cyaml import CParser as _Parser
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import Loader as _Parser

MAX_FILE_BYTES = 1 << 20
MAX_DEPTH = 64
MAX_ALIAS_NODES = 10_000
MAX_INT_DIGITS = 18

DocPath = tuple[str | int, ...]
_DEPTH_MSG = f"nesting deeper than {MAX_DEPTH} levels"
_DEPTH_HINT = "a scene never needs this depth; flatten the structure"

_TAG = "tag:yaml.org,2002:"
_CORE_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")}
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT10 = re.compile(r"^[-+]?[0-9]+$")
_INT8 = re.compile(r"^0o[0-7]+$")
_INT16 = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")


@dataclass(frozen=True)
class Pos:
    """Where a value was written: file as shown to the user, 1-based line and column."""

    file: str
    line: int
    col: int


@dataclass
class Tree:
    """Plain data and where each part of it was written.

    ``pos[path]`` is the position of the value at ``path``; ``keypos[path]``
    the position of the mapping key that holds it (absent for list items).
    """

    data: object
    pos: dict[DocPath, Pos] = field(default_factory=dict)
    keypos: dict[DocPath, Pos] = field(default_factory=dict)


class YamlProblem(Exception):
    """Loading stopped at the first fatal problem; carries one Diagnostic."""

    def __init__(self, diagnostic: Diagnostic):
        super().__init__(diagnostic.format())
        self.diagnostic = diagnostic


def format_path(path: DocPath) -> str:
    """``("shots", 2, "do", 0, "say")`` → ``shots[2].do[0].say``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _diag(file: str, line: int, col: int, path: DocPath, code: str, msg: str, hint: str = ""):
    return YamlProblem(Diagnostic(file, line, col, format_path(path), code, msg, hint))


# --- phase 1: events → nodes ------------------------------------------------------------


class _Node:
    __slots__ = ("kind", "value", "tag", "plain", "line", "col", "items")

    def __init__(self, kind: str, line: int, col: int, tag=None, value=None, plain=False):
        self.kind = kind  # "scalar" | "seq" | "map"
        self.value = value
        self.tag = tag
        self.plain = plain
        self.line = line
        self.col = col
        self.items: list = []  # seq: nodes; map: alternating key, value nodes


def _compose(text: str, file: str) -> _Node | None:
    """Build the node graph of a single-document YAML text, without recursion."""
    parser = _Parser(text)
    anchors: dict[str, _Node] = {}
    stack: list[_Node] = []
    root: _Node | None = None
    n_docs = 0
    try:
        while True:
            event = parser.get_event()
            if isinstance(event, StreamEndEvent):
                break
            mark = event.start_mark
            line, col = mark.line + 1, mark.column + 1
            if isinstance(event, DocumentStartEvent):
                n_docs += 1
                if n_docs > 1:
                    raise _diag(
                        file,
                        line,
                        col,
                        (),
                        "yaml.multi-document",
                        "a scene file holds one YAML document, found a second",
                        "remove the extra '---' line",
                    )
                continue
            if isinstance(event, (SequenceEndEvent, MappingEndEvent)):
                stack.pop()
                continue
            if isinstance(event, AliasEvent):
                node = anchors.get(event.anchor)
                if node is None:  # libyaml reports this itself; keep a guard
                    raise _diag(
                        file, line, col, (), "yaml.syntax", f"unknown alias *{event.anchor}"
                    )
            elif isinstance(event, ScalarEvent):
                plain = bool(event.implicit[0]) and not event.style
                node = _Node("scalar", line, col, event.tag, event.value, plain)
            elif isinstance(event, (SequenceStartEvent, MappingStartEvent)):
                if len(stack) >= MAX_DEPTH:
                    raise _diag(file, line, col, (), "limit.depth", _DEPTH_MSG, _DEPTH_HINT)
                kind = "seq" if isinstance(event, SequenceStartEvent) else "map"
                node = _Node(kind, line, col, event.tag)
            else:
                continue
            anchor = getattr(event, "anchor", None)
            if anchor is not None and not isinstance(event, AliasEvent):
                anchors[anchor] = node
            if stack:
                stack[-1].items.append(node)
            else:
                root = node
            if node.kind != "scalar" and not isinstance(event, AliasEvent):
                stack.append(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        if "nesting depth" in problem:  # libyaml's own guard (1000 levels) fired first
            raise _diag(file, line, col, (), "limit.depth", _DEPTH_MSG, _DEPTH_HINT) from None
        raise _diag(file, line, col, (), "yaml.syntax", problem) from None
    except yaml.YAMLError as exc:
        raise _diag(file, 1, 1, (), "yaml.syntax", str(exc).splitlines()[0]) from None
    return root


# --- phase 2: nodes → plain values with positions --------------------------------------


class NumberTooLarge(ValueError):
    """A plain scalar is an integer wider than ``MAX_INT_DIGITS`` digits."""

    def __init__(self, text: str):
        shown = text if len(text) <= 24 else f"{text[:12]}...{text[-6:]} ({len(text)} characters)"
        super().__init__(f"the integer {shown} is too large (at most {MAX_INT_DIGITS} digits)")

    hint = "write a number in the range the field allows"


def _bounded_int(text: str, digits: str, base: int) -> int:
    """``int(digits, base)``, refusing values of more than MAX_INT_DIGITS decimal digits
    before converting (Python refuses over 4,300 digits itself, with a traceback)."""
    significant = digits.lstrip("0")
    if base == 10 and len(significant) > MAX_INT_DIGITS:
        raise NumberTooLarge(text)
    value = int(significant or "0", base)
    if value >= 10**MAX_INT_DIGITS:
        raise NumberTooLarge(text)
    return -value if text.startswith("-") else value


def resolve_scalar(text: str):
    """A plain (unquoted) scalar's value under the YAML 1.2 core schema.

    Raises:
        NumberTooLarge: an integer of more than ``MAX_INT_DIGITS`` digits.
    """
    if _NULL.match(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT10.match(text):
        return _bounded_int(text, text.lstrip("+-"), 10)
    if _INT8.match(text):
        return _bounded_int(text, text[2:], 8)
    if _INT16.match(text):
        return _bounded_int(text, text[2:], 16)
    if _FLOAT.match(text):
        return float(text)
    if _INF.match(text):
        return -math.inf if text.startswith("-") else math.inf
    if _NAN.match(text):
        return math.nan
    return text


class _Builder:
    def __init__(self, file: str):
        self.file = file
        self.tree = Tree(None)
        self.seen: set[int] = set()
        self.active: set[int] = set()
        self.alias_nodes = 0

    def fail(self, node: _Node, path: DocPath, code: str, msg: str, hint: str = ""):
        return _diag(self.file, node.line, node.col, path, code, msg, hint)

    def build(self, node: _Node, path: DocPath, depth: int, via_alias: bool):
        key = id(node)
        if key in self.active:
            raise self.fail(
                node,
                path,
                "limit.aliases",
                "an alias refers to the anchor that contains it (a loop)",
                "remove the alias",
            )
        if key in self.seen:
            via_alias = True
        self.seen.add(key)
        if via_alias:
            self.alias_nodes += 1
            if self.alias_nodes > MAX_ALIAS_NODES:
                raise self.fail(
                    node,
                    path,
                    "limit.aliases",
                    f"aliases expand to more than {MAX_ALIAS_NODES:,} nodes",
                    "write the repeated part out, or use extends/vars",
                )
        if depth > MAX_DEPTH:
            raise self.fail(
                node, path, "limit.depth", f"nesting deeper than {MAX_DEPTH} levels (via aliases)"
            )
        self.tree.pos[path] = Pos(self.file, node.line, node.col)
        if node.kind == "scalar":
            return self.scalar(node, path)
        self.check_tag(node, path, _TAG + node.kind)
        self.active.add(key)
        try:
            if node.kind == "seq":
                return [
                    self.build(item, (*path, i), depth + 1, via_alias)
                    for i, item in enumerate(node.items)
                ]
            return self.mapping(node, path, depth, via_alias)
        finally:
            self.active.discard(key)

    def check_tag(self, node: _Node, path: DocPath, expected: str) -> None:
        tag = node.tag
        if tag is None or tag == "!" or tag == expected:
            return
        if tag in _CORE_TAGS:
            raise self.fail(
                node, path, "yaml.tag", f"tag {tag.replace(_TAG, '!!')} on a {node.kind}"
            )
        shown = tag.replace(_TAG, "!!")
        raise self.fail(
            node,
            path,
            "yaml.tag",
            f"tag {shown} is not allowed (only plain YAML values: strings, numbers, booleans, null, lists, maps)",
            "remove the tag",
        )

    def scalar(self, node: _Node, path: DocPath):
        try:
            return self.typed_scalar(node, path)
        except NumberTooLarge as exc:
            raise self.fail(node, path, "limit.number", str(exc), exc.hint) from None

    def typed_scalar(self, node: _Node, path: DocPath):
        text, tag = node.value, node.tag
        if tag is None:
            return resolve_scalar(text) if node.plain else text
        if tag in ("!", _TAG + "str", _TAG + "timestamp"):
            return text
        if tag not in _CORE_TAGS or tag in (_TAG + "map", _TAG + "seq"):
            self.check_tag(node, path, _TAG + "str")
        value = resolve_scalar(text)
        want = {
            _TAG + "int": int,
            _TAG + "float": (float, int),
            _TAG + "bool": bool,
            _TAG + "null": type(None),
        }[tag]
        if isinstance(value, bool) and want is not bool or not isinstance(value, want):
            raise self.fail(
                node, path, "yaml.tag", f"{text!r} is not a valid {tag.replace(_TAG, '!!')}"
            )
        return float(value) if tag == _TAG + "float" else value

    def key_text(self, knode: _Node, path: DocPath) -> str:
        if knode.kind != "scalar":
            raise self.fail(
                knode, path, "yaml.key", "a mapping key must be a plain value, not a list or map"
            )
        self.check_tag(knode, path, _TAG + "str")
        return knode.value

    def mapping(self, node: _Node, path: DocPath, depth: int, via_alias: bool) -> dict:
        out: dict = {}
        merges: list[_Node] = []
        items = node.items
        for i in range(0, len(items), 2):
            knode, vnode = items[i], items[i + 1]
            if knode.kind == "scalar" and knode.plain and knode.value == "<<":
                merges.append(vnode)
                continue
            key = self.key_text(knode, path)
            kpath = (*path, key)
            if key in out:
                first = self.tree.keypos[kpath]
                raise self.fail(
                    knode,
                    kpath,
                    "yaml.duplicate-key",
                    f"key {key!r} appears twice in this mapping (first at line {first.line})",
                    "keep one of them",
                )
            self.tree.keypos[kpath] = Pos(self.file, knode.line, knode.col)
            out[key] = self.build(vnode, kpath, depth + 1, via_alias)
        for mnode in merges:  # earlier merge sources win over later ones; explicit keys over all
            sources = mnode.items if mnode.kind == "seq" else [mnode]
            for src in sources:
                if src.kind != "map":
                    raise self.fail(
                        src, path, "yaml.merge", "a merge key '<<' needs a map or a list of maps"
                    )
                # Build into scratch position maps, then keep only the keys this map lacks.
                saved = self.tree.pos, self.tree.keypos
                self.tree.pos, self.tree.keypos = {}, {}
                try:
                    merged = self.build(src, path, depth, True)
                finally:
                    scratch = self.tree.pos, self.tree.keypos
                    self.tree.pos, self.tree.keypos = saved
                for key, value in merged.items():
                    if key in out:
                        continue
                    out[key] = value
                    for table, part in zip((self.tree.pos, self.tree.keypos), scratch, strict=True):
                        n = len(path)
                        table.update((p, v) for p, v in part.items() if len(p) > n and p[n] == key)
        return out


def load_tree(path: Path, shown: str) -> Tree:
    """Load one YAML file into a Tree, or raise YamlProblem.

    ``shown`` is the file name used in messages (as the user wrote it).
    """
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _diag(
            shown, 1, 1, (), "file.unreadable", f"cannot read the file ({exc.strerror})"
        ) from None
    if size > MAX_FILE_BYTES:
        raise _diag(
            shown,
            1,
            1,
            (),
            "limit.file-size",
            f"file is {size / (1 << 20):.1f} MiB; scene files are limited to 1 MiB",
            "split it with extends, or generate shots from a template with vars",
        )
    if not path.is_file():
        raise _diag(shown, 1, 1, (), "file.unreadable", "not a regular file")
    try:
        raw = path.read_bytes()[: MAX_FILE_BYTES + 1]
        text = raw.decode("utf-8-sig")
    except OSError as exc:
        raise _diag(
            shown, 1, 1, (), "file.unreadable", f"cannot read the file ({exc.strerror})"
        ) from None
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _diag(
            shown, line, 1, (), "yaml.encoding", "the file is not UTF-8 text", "save it as UTF-8"
        ) from None
    return parse_text(text, shown)


def parse_text(text: str, shown: str) -> Tree:
    """Parse YAML text (already read) into a Tree, or raise YamlProblem."""
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise _diag(shown, line, 1, (), "yaml.syntax", "the file contains a NUL byte (binary?)")
    root = _compose(text, shown)
    builder = _Builder(shown)
    if root is None:
        builder.tree.pos[()] = Pos(shown, 1, 1)
        return builder.tree
    builder.tree.data = builder.build(root, (), 0, False)
    return builder.tree


def parse_scalar(text: str):
    """A command-line or CSV value read as a YAML plain scalar (``3`` → 3, ``true`` → True).

    Raises:
        NumberTooLarge: an integer of more than ``MAX_INT_DIGITS`` digits.
    """
    return resolve_scalar(text.strip())
