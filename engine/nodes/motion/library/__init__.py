"""The move library: dance moves as keyframed 2D poses, loaded from data files.

Each ``*.yaml`` / ``*.json`` file beside this module holds one style: its cultural
context (``social``, ``ceremonial`` or ``sacred``), an origin note, a credit and
licence, and its moves. A move is a list of keyframes at beat positions; a
keyframe gives absolute bone angles in degrees (image convention: 0 = right,
90 = down, see ``skeleton.py``) for the bones it moves; bones it leaves out take
the move's ``base`` pose, then the rest pose. Root offsets are ``[dx, dy]`` in
torso lengths; for grounded moves (the default) ``dy`` is measured from standing
on the floor (0 = the lowest foot on the floor, negative = airborne), so bending
the knees lowers the hips by itself.

    lib = load_library()            # {name: Move}, cached
    lib["tarantella_skip"].keys[0].angles_deg   # (N_BONES,) degrees
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources

import numpy as np
import yaml

from engine.errors import PhotoplayError
from engine.nodes.motion.skeleton import BONE_INDEX, BONES, UPPER_BODY_BONES

CONTEXTS = ("social", "ceremonial", "sacred")
BODY_PARTS = ("upper", "full")

# The rest pose in degrees, image convention. The person faces the camera, so their
# left side (l_*) is on the image's right (+x). Arms hang slightly away from the body.
REST_POSE_DEG: dict[str, float] = {
    "spine": -90.0,
    "neck": -90.0,
    "l_collar": 0.0,
    "r_collar": 180.0,
    "l_upper_arm": 80.0,
    "l_forearm": 85.0,
    "r_upper_arm": 100.0,
    "r_forearm": 95.0,
    "l_pelvis": 0.0,
    "r_pelvis": 180.0,
    "l_thigh": 88.0,
    "l_shin": 90.0,
    "l_foot": 60.0,
    "r_thigh": 92.0,
    "r_shin": 90.0,
    "r_foot": 120.0,
}
REST_ANGLES_DEG = np.array([REST_POSE_DEG[name] for name, _, _ in BONES])

# Adult proportions in torso lengths (mid-hip to mid-shoulder), used to keep feet on
# the floor when keyframes bend the legs. The photo's own lengths replace these later.
_DEFAULT_LENGTH = {
    "spine": 1.0,
    "neck": 0.45,
    "collar": 0.38,
    "upper_arm": 0.62,
    "forearm": 0.55,
    "pelvis": 0.18,
    "thigh": 0.95,
    "shin": 0.9,
    "foot": 0.22,
}
DEFAULT_LENGTHS = np.array(
    [_DEFAULT_LENGTH[name.removeprefix("l_").removeprefix("r_")] for name, _, _ in BONES]
)
LEG_BONES = frozenset(name for name, _, _ in BONES) - UPPER_BODY_BONES


class LibraryError(PhotoplayError):
    """A move or style file that does not follow the library format."""


@dataclass(frozen=True)
class Keyframe:
    """One pose of a move.

    beat: position in beats from the move's start, in [0, move.beats)
    angles_deg: (N_BONES,) float64 absolute bone angles in degrees
    root: (2,) float64 [dx, dy] in torso lengths (dy from the floor if grounded)
    hit: 0..1, how sharply the motion stops on this pose (1 = full stop on the beat)
    """

    beat: float
    angles_deg: np.ndarray
    root: np.ndarray
    hit: float


@dataclass(frozen=True)
class Move:
    """A dance move: keyframes over ``beats`` beats, with its style's context."""

    name: str
    style: str
    beats: int
    energy: float  # 0..1
    body: str  # "upper" (legs stay at rest) or "full"
    mirror: bool  # a left-right mirrored variant may be used
    meter: int | None  # 3 or 4 when the move belongs to that metre, else None
    grounded: bool  # root dy is relative to the lowest foot on the floor
    keys: tuple[Keyframe, ...]
    context: str
    origin: str
    credit: str
    licence: str
    source: dict | None  # provenance of imported clips


@dataclass(frozen=True)
class Style:
    name: str
    title: str
    context: str
    origin: str
    credit: str
    licence: str
    moves: tuple[str, ...]


def _fail(where: str, message: str, hint: str) -> LibraryError:
    return LibraryError(f"move library {where}: {message}", hint=hint)


def _pose(where: str, raw: object, base: np.ndarray) -> np.ndarray:
    """A {bone: degrees} mapping laid over ``base`` → (N_BONES,) degrees."""
    out = base.copy()
    if raw is None:
        return out
    if not isinstance(raw, dict):
        raise _fail(
            where, f"pose must be a mapping of bone to degrees, got {raw!r}", "e.g. {spine: -90}"
        )
    for bone, deg in raw.items():
        if bone not in BONE_INDEX:
            raise _fail(where, f"unknown bone {bone!r}", f"bones: {', '.join(BONE_INDEX)}")
        if not isinstance(deg, int | float) or not np.isfinite(deg):
            raise _fail(where, f"bone {bone} angle must be a number of degrees, got {deg!r}", "")
        out[BONE_INDEX[bone]] = float(deg)
    return out


def _root(where: str, raw: object) -> np.ndarray:
    if raw is None:
        return np.zeros(2)
    arr = np.asarray(raw, dtype=np.float64) if isinstance(raw, list) else None
    if arr is None or arr.shape != (2,) or not np.all(np.isfinite(arr)):
        raise _fail(where, f"root must be [dx, dy] in torso lengths, got {raw!r}", "")
    return arr


def _move(doc: dict, style: Style, raw: dict, file: str) -> Move:
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise _fail(file, "a move has no name", "give every move a unique name")
    where = f"{file} move {name}"
    beats = raw.get("beats")
    if not isinstance(beats, int) or beats <= 0:
        raise _fail(where, f"beats must be a positive integer, got {beats!r}", "")
    energy = raw.get("energy")
    if not isinstance(energy, int | float) or not 0 <= energy <= 1:
        raise _fail(where, f"energy must be in [0, 1], got {energy!r}", "")
    body = raw.get("body", "full")
    if body not in BODY_PARTS:
        raise _fail(where, f"body must be upper or full, got {body!r}", "")
    base = _pose(where, raw.get("base"), REST_ANGLES_DEG)
    keys = []
    for k in raw.get("keys") or []:
        beat = k.get("beat") if isinstance(k, dict) else None
        if not isinstance(beat, int | float) or not 0 <= beat < beats:
            raise _fail(where, f"keyframe beat must be in [0, {beats}), got {beat!r}", "")
        hit = k.get("hit", 0.6 if float(beat).is_integer() else 0.0)
        angles = _pose(where, k.get("pose"), base)
        keys.append(Keyframe(float(beat), angles, _root(where, k.get("root")), float(hit)))
    if not keys:
        raise _fail(where, "a move needs at least one keyframe", "add keys: [{beat: 0, pose: ...}]")
    keys.sort(key=lambda k: k.beat)
    if body == "upper":
        legs = [i for i, (b, _, _) in enumerate(BONES) if b in LEG_BONES]
        moved = any(np.any(k.angles_deg[legs] != REST_ANGLES_DEG[legs]) for k in keys)
        if moved or any(k.root[0] != 0 for k in keys):
            raise _fail(where, "an upper-body move moves the legs", "set body: full")
    return Move(
        name=name,
        style=style.name,
        beats=beats,
        energy=float(energy),
        body=body,
        mirror=bool(raw.get("mirror", True)),
        meter=raw.get("meter", doc.get("meter")),
        grounded=bool(raw.get("grounded", True)),
        keys=tuple(keys),
        context=style.context,
        origin=style.origin,
        credit=raw.get("credit", style.credit),
        licence=raw.get("licence", style.licence),
        source=raw.get("source"),
    )


def _parse(doc: object, file: str) -> tuple[Style, list[Move]]:
    if not isinstance(doc, dict):
        raise _fail(
            file, "a style file must be a mapping", "see engine/nodes/motion/library/*.yaml"
        )
    for key in ("style", "context", "origin", "credit", "licence", "moves"):
        if not doc.get(key):
            raise _fail(
                file, f"missing or empty {key!r}", "every style names its origin and credit"
            )
    if doc["context"] not in CONTEXTS:
        raise _fail(file, f"context must be one of {CONTEXTS}, got {doc['context']!r}", "")
    style = Style(
        name=doc["style"],
        title=doc.get("title", doc["style"]),
        context=doc["context"],
        origin=" ".join(str(doc["origin"]).split()),
        credit=doc["credit"],
        licence=doc["licence"],
        moves=(),
    )
    moves = [_move(doc, style, raw, file) for raw in doc["moves"]]
    style = Style(**{**style.__dict__, "moves": tuple(m.name for m in moves)})
    return style, moves


@functools.cache
def _load() -> tuple[dict[str, Style], dict[str, Move]]:
    styles: dict[str, Style] = {}
    moves: dict[str, Move] = {}
    for entry in sorted(resources.files(__package__).iterdir(), key=lambda p: p.name):
        if entry.name.endswith((".yaml", ".yml")):
            doc = yaml.safe_load(entry.read_text(encoding="utf-8"))
        elif entry.name.endswith(".json"):
            doc = json.loads(entry.read_text(encoding="utf-8"))
        else:
            continue
        style, style_moves = _parse(doc, entry.name)
        if style.name in styles:
            raise _fail(entry.name, f"style {style.name!r} defined twice", "one file per style")
        styles[style.name] = style
        for move in style_moves:
            if move.name in moves:
                raise _fail(entry.name, f"move {move.name!r} defined twice", "names are global")
            moves[move.name] = move
    return styles, moves


def load_library() -> dict[str, Move]:
    """Every move in the library, by name (cached; do not mutate)."""
    return _load()[1]


def load_styles() -> dict[str, Style]:
    """Every style in the library, by name (cached)."""
    return _load()[0]


def parse_style(doc: dict, file: str = "<doc>") -> tuple[Style, list[Move]]:
    """Validate one style document (as loaded from YAML/JSON) → (Style, moves)."""
    return _parse(doc, file)
