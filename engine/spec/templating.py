"""Template variables: ``${name}`` and ``${name:-default}`` in strings.

Values come from the file's ``vars:`` (defaults), then ``--set name=value``,
then one row of a variants CSV, later ones winning. Command-line and CSV values
are read as YAML plain scalars (``3`` is a number, ``true`` a boolean).

A string that is exactly one ``${x}`` takes x's typed value (so
``fps: ${fps}`` is a number); elsewhere the value is written as text. ``$${``
writes a literal ``${``. Keys and the ``vars`` block itself are not templated.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import re
from collections.abc import Mapping
from pathlib import Path

from engine.errors import Diagnostic, SceneError
from engine.spec.yamlsafe import (
    MAX_FILE_BYTES,
    DocPath,
    NumberTooLarge,
    Tree,
    format_path,
    parse_scalar,
)

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_REF = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_WHOLE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}$")


def did_you_mean(word: str, choices, cutoff: float = 0.6) -> str:
    """``"did you mean 'rosa'?"`` for the closest choice, or ``""``."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=cutoff)
    return f"did you mean {close[0]!r}?" if close else ""


def as_text(value: object) -> str:
    """How a typed variable is written inside a longer string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and math.isfinite(value):
        return str(int(value)) if abs(value) < 1e15 else repr(value)
    return str(value)


def parse_sets(sets: Mapping[str, str] | None) -> dict[str, object]:
    """``--set`` pairs, already split at ``=``, with their values typed."""
    out: dict[str, object] = {}
    for key, value in (sets or {}).items():
        if not NAME.match(key):
            raise SceneError(
                [
                    Diagnostic(
                        "<--set>",
                        1,
                        1,
                        "",
                        "var.name",
                        f"{key!r} is not a variable name",
                        "use letters, digits and _ (not starting with a digit)",
                    )
                ]
            )
        try:
            out[key] = parse_scalar(value)
        except NumberTooLarge as exc:
            raise SceneError(
                [Diagnostic("<--set>", 1, 1, key, "limit.number", str(exc), exc.hint)]
            ) from None
    return out


def read_variant_row(csv_path: Path, row: int) -> dict[str, object]:
    """Row ``row`` (1 = the first row under the header) of a variants CSV, typed."""
    shown = str(csv_path)

    def fail(line: int, code: str, msg: str, hint: str = "") -> SceneError:
        return SceneError([Diagnostic(shown, line, 1, "", code, msg, hint)])

    try:
        size = csv_path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise fail(1, "limit.file-size", "variants file is over 1 MiB")
        text = csv_path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise fail(1, "var.variants", f"cannot read the variants file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise fail(1, "var.variants", "the variants file is not UTF-8 text") from None
    reader = csv.reader(io.StringIO(text))
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise fail(reader.line_num, "var.variants", f"bad CSV: {exc}") from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise fail(1, "var.variants", "the variants file has no header row")
    header = [cell.strip() for cell in rows[0]]
    for name in header:
        if not NAME.match(name):
            raise fail(1, "var.name", f"column {name!r} is not a variable name")
    data = [r for r in rows[1:] if any(cell.strip() for cell in r)]
    if row < 1 or row > len(data):
        raise fail(
            1,
            "var.row",
            f"row {row} does not exist: the file has {len(data)} rows under the header",
            f"use --row 1 to --row {len(data)}" if data else "add rows under the header",
        )
    cells = data[row - 1]
    if len(cells) != len(header):
        line = rows.index(cells) + 1
        raise fail(
            line, "var.variants", f"row {row} has {len(cells)} cells, header has {len(header)}"
        )
    line = rows.index(cells) + 1
    try:
        return {name: parse_scalar(cell) for name, cell in zip(header, cells, strict=True)}
    except NumberTooLarge as exc:
        raise fail(line, "limit.number", str(exc), exc.hint) from None


def apply_vars(tree: Tree, values: Mapping[str, object]) -> list[Diagnostic]:
    """Replace ``${...}`` in every string of ``tree.data`` (in place). Returns errors."""
    errors: list[Diagnostic] = []

    def where(path: DocPath) -> tuple[str, int, int]:
        p = path
        while p not in tree.pos and p:
            p = p[:-1]
        pos = tree.pos.get(p)
        return (pos.file, pos.line, pos.col) if pos else ("<scene>", 1, 1)

    def undefined(name: str, path: DocPath) -> None:
        hint = did_you_mean(name, values) or "define it under vars:, or pass --set"
        if hint.startswith("did"):
            hint += " (or define it under vars:)"
        errors.append(
            Diagnostic(
                *where(path),
                format_path(path),
                "var.undefined",
                f"variable ${{{name}}} is not defined",
                hint,
            )
        )

    def sub(text: str, path: DocPath) -> object:
        whole = _WHOLE.match(text)
        if whole:
            name, default = whole.groups()
            if name in values:
                return values[name]
            if default is not None:
                try:
                    return parse_scalar(default)
                except NumberTooLarge as exc:
                    errors.append(
                        Diagnostic(
                            *where(path), format_path(path), "limit.number", str(exc), exc.hint
                        )
                    )
                    return text
            undefined(name, path)
            return text

        def repl(match: re.Match) -> str:
            if match.group(0) == "$${":
                return "${"
            name, default = match.groups()
            if name in values:
                return as_text(values[name])
            if default is not None:
                return default
            undefined(name, path)
            return match.group(0)

        out = _REF.sub(repl, text)
        leftover = _REF.sub("", text)
        if "${" in leftover:
            errors.append(
                Diagnostic(
                    *where(path),
                    format_path(path),
                    "var.syntax",
                    "malformed template: '${' without a valid name and '}'",
                    "write ${name} or ${name:-default}; $${ for a literal ${",
                )
            )
        return out

    def walk(value: object, path: DocPath) -> object:
        if isinstance(value, str):
            return sub(value, path) if "${" in value else value
        if isinstance(value, dict):
            for key, item in value.items():
                if path == () and key == "vars":
                    continue
                value[key] = walk(item, (*path, key))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                value[i] = walk(item, (*path, i))
        return value

    tree.data = walk(tree.data, ())
    return errors
