"""Node values on disk in formats that cannot run code: tagged JSON and NumPy arrays.

    value.json   the value's structure as JSON; arrays are ``{"$array": i}``
    value.npz    the arrays, read back with ``allow_pickle=False`` (absent if none)

A cache entry is data, never code: reading one builds only plain values
(None, bool, int, float, str, list, dict), tuples, paths, NumPy arrays and
scalars, ``Artifact`` references, and instances of the dataclasses listed in
``VALUE_TYPES``. Nothing else is encoded, and a name not in that list is never
imported, so a crafted entry cannot reach arbitrary code the way a pickle can.

Tags (a JSON object with one ``$`` key) mark what JSON cannot say itself::

    {"$tuple": [...]}                       a tuple
    {"$dict": [[key, value], ...]}          a dict whose keys are not all plain strings
    {"$array": i} / {"$scalar": i}          arrays[i] / arrays[i][()] (a NumPy scalar)
    {"$path": "..."}                        a pathlib.Path
    {"$fraction": [numerator, denominator]} a fractions.Fraction (stream time bases)
    {"$artifact": "name"}                   a file the node wrote into its entry
    {"$type": "module:Class", "fields": {}} one of VALUE_TYPES, field by field

A node returning a type not listed fails loudly when its value is stored: add
the class to ``VALUE_TYPES`` (a frozen dataclass of plain fields and arrays).
"""

from __future__ import annotations

import dataclasses
import importlib
import json
from fractions import Fraction
from pathlib import Path, PurePath
from typing import Any

import numpy as np

from engine.nodes.registry import Artifact

VALUE_FILE = "value.json"
ARRAYS_FILE = "value.npz"

# The dataclasses node values may hold, as "module:Class". Decoding imports only these.
VALUE_TYPES = frozenset(
    {
        "engine.nodes.animate.rig:FaceRig",
        "engine.nodes.body.pose:PersonBox",
        "engine.nodes.body.pose:Pose",
        "engine.nodes.body.roi:Roi",
        "engine.nodes.motion.skeleton:PoseTrack",
        "engine.nodes.music.analyse:MusicAnalysis",
        "engine.nodes.rig.build:BodyRig",
        "engine.nodes.speech.tts:Speech",
        "engine.nodes.timeline.shot:ActionTime",
        "engine.nodes.timeline.shot:ShotTiming",
    }
)


class CodecError(ValueError):
    """A value that cannot be stored, or a stored value that does not decode."""


def type_name(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _value_type(name: str) -> type:
    if name not in VALUE_TYPES:
        raise CodecError(f"{name!r} is not a node value type")
    module, _, qualname = name.partition(":")
    cls = getattr(importlib.import_module(module), qualname, None)
    if not dataclasses.is_dataclass(cls):
        raise CodecError(f"{name!r} is not a dataclass")
    return cls


class _Encoder:
    def __init__(self) -> None:
        self.arrays: list[np.ndarray] = []

    def _stash(self, array: np.ndarray) -> int:
        if array.dtype.hasobject:
            raise CodecError(f"an array of Python objects ({array.dtype}) cannot be stored")
        self.arrays.append(array)
        return len(self.arrays) - 1

    def encode(self, value: Any) -> Any:
        if value is None or type(value) in (bool, int, float, str):
            return value  # exact types: np.float64 and np.str_ subclass float and str
        if isinstance(value, np.ndarray):
            return {"$array": self._stash(value)}
        if isinstance(value, np.generic):
            return {"$scalar": self._stash(np.asarray(value))}
        if isinstance(value, Artifact):
            return {"$artifact": value.name}
        if isinstance(value, PurePath):
            return {"$path": str(value)}
        if type(value) is Fraction:
            return {"$fraction": [value.numerator, value.denominator]}
        if isinstance(value, list):
            return [self.encode(v) for v in value]
        if isinstance(value, tuple) and type(value) is tuple:
            return {"$tuple": [self.encode(v) for v in value]}
        if isinstance(value, dict):
            return self._dict(value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return self._dataclass(value)
        raise CodecError(
            f"a node returned a {type(value).__module__}.{type(value).__qualname__}, "
            "which the cache cannot store; return plain values, arrays or a dataclass "
            "listed in engine/runtime/codec.py VALUE_TYPES"
        )

    def _dict(self, value: dict) -> Any:
        if all(isinstance(k, str) and not k.startswith("$") for k in value):
            return {k: self.encode(v) for k, v in value.items()}
        return {"$dict": [[self.encode(k), self.encode(v)] for k, v in value.items()]}

    def _dataclass(self, value: Any) -> dict:
        name = type_name(type(value))
        if name not in VALUE_TYPES:
            raise CodecError(
                f"a node returned a {name}, which is not listed in "
                "engine/runtime/codec.py VALUE_TYPES; add it there"
            )
        fields = {f.name: self.encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"$type": name, "fields": fields}


class _Decoder:
    def __init__(self, arrays: list[np.ndarray]) -> None:
        self.arrays = arrays

    def _array(self, index: Any) -> np.ndarray:
        if not isinstance(index, int) or isinstance(index, bool):
            raise CodecError(f"bad array index {index!r}")
        if not 0 <= index < len(self.arrays):
            raise CodecError(f"array {index} is not stored")
        return self.arrays[index]

    def decode(self, data: Any) -> Any:
        if isinstance(data, list):
            return [self.decode(v) for v in data]
        if not isinstance(data, dict):
            return data
        tag = next((k for k in data if k.startswith("$")), None)
        if tag is None:
            return {k: self.decode(v) for k, v in data.items()}
        body = data[tag]
        if tag == "$tuple" and isinstance(body, list):
            return tuple(self.decode(v) for v in body)
        if tag == "$dict" and isinstance(body, list):
            return {self._key(pair[0]): self.decode(pair[1]) for pair in map(_pair, body)}
        if tag == "$array":
            return self._array(body)
        if tag == "$scalar":
            return self._array(body)[()]
        if tag == "$path" and isinstance(body, str):
            return Path(body)
        if tag == "$fraction" and _is_int_pair(body):
            return Fraction(*body)
        if tag == "$artifact" and isinstance(body, str):
            return Artifact(body)
        if tag == "$type" and isinstance(body, str):
            return self._dataclass(_value_type(body), data.get("fields"))
        raise CodecError(f"unknown tag {tag!r}")

    def _key(self, data: Any) -> Any:
        key = self.decode(data)
        if isinstance(key, list | dict | np.ndarray):
            raise CodecError("a dict key is not hashable")
        return key

    def _dataclass(self, cls: type, fields: Any) -> Any:
        names = {f.name for f in dataclasses.fields(cls)}
        if not isinstance(fields, dict) or set(fields) != names:
            raise CodecError(f"stored fields of {type_name(cls)} do not match the class")
        # Fields are set as stored, without __init__/__post_init__: the value comes
        # back exactly as the node returned it.
        obj = object.__new__(cls)
        for name, value in fields.items():
            object.__setattr__(obj, name, self.decode(value))
        return obj


def _is_int_pair(body: Any) -> bool:
    return (
        isinstance(body, list)
        and len(body) == 2
        and all(type(n) is int for n in body)
        and body[1] != 0
    )


def _pair(item: Any) -> list:
    if not isinstance(item, list) or len(item) != 2:
        raise CodecError("a $dict item is not a [key, value] pair")
    return item


def dump(value: Any, folder: Path) -> list[str]:
    """Write ``value`` into ``folder``; returns the names of the files written.

    Raises CodecError for a value holding anything but the types listed above.
    """
    encoder = _Encoder()
    structure = encoder.encode(value)
    text = json.dumps(structure, ensure_ascii=False, separators=(",", ":"))
    (folder / VALUE_FILE).write_text(text, encoding="utf-8")
    if not encoder.arrays:
        return [VALUE_FILE]
    with open(folder / ARRAYS_FILE, "wb") as fh:
        np.savez(fh, *encoder.arrays)  # stored as arr_0, arr_1, ...
    return [VALUE_FILE, ARRAYS_FILE]


def load(folder: Path) -> Any:
    """Read the value ``dump`` wrote. Raises CodecError (or OSError) when it does not decode."""
    arrays: list[np.ndarray] = []
    if (folder / ARRAYS_FILE).exists():
        with np.load(folder / ARRAYS_FILE, allow_pickle=False) as npz:
            arrays = [npz[f"arr_{i}"] for i in range(len(npz.files))]
    try:
        structure = json.loads((folder / VALUE_FILE).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CodecError(f"{VALUE_FILE} is not JSON: {exc}") from None
    return _Decoder(arrays).decode(structure)
