"""Reading a BVH file: the joint hierarchy, then the motion streamed into one array.

A BVH file is a HIERARCHY of nested joints (OFFSET, CHANNELS, children, End Sites)
then MOTION: ``Frames: n``, ``Frame Time: s`` and n rows of channel values.

The file is read line by line, never whole: the hierarchy into a token list (it is
small, and capped), the motion block by block into an array allocated once from
the header, so memory is the array itself. Joints are parsed with an explicit
stack, not recursion, so deep nesting cannot overflow Python's stack. Every
refusal is one line naming ``file:line:col``.

    clip = read_bvh("dance.bvh")
    clip.values  # (T, C) float64
"""

from __future__ import annotations

import math
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np

from engine.errors import AssetError

# Limits that keep work and memory bounded whatever the file says.
MAX_NODES = 1024  # joints and end sites; a full body with fingers has under 200
MAX_HIERARCHY_CHARS = 1 << 20  # 1 MiB of hierarchy text holds thousands of joints
MAX_FRAMES = 216_000  # 30 minutes at 120 frames/s: the longest video a scene may make
MIN_FRAME_TIME_S = 0.001  # 1000 frames/s
MAX_FRAME_TIME_S = 1.0  # 1 frame/s
MAX_ABS_VALUE = 1e9  # no offset, position or angle is near this; beyond it FK overflows
_BLOCK_CHARS = 1 << 20  # motion rows are converted about this much text at a time

_CHANNELS = {
    "xposition", "yposition", "zposition", "xrotation", "yrotation", "zrotation",
}  # fmt: skip
_HINT = "export the motion as BVH (HIERARCHY ... MOTION) from your mocap tool"


@dataclass(frozen=True)
class BvhJoint:
    """One node of the hierarchy; end sites are nodes with no channels."""

    name: str
    parent: int  # index of the parent node, -1 for the root
    offset: tuple[float, float, float]
    channels: tuple[str, ...]  # e.g. ("Xposition", ..., "Zrotation", "Xrotation", "Yrotation")
    end_site: bool = False


@dataclass(frozen=True)
class BvhClip:
    """A parsed BVH file.

    joints: nodes in file order (parents before children).
    frame_time_s: seconds per frame.
    values: (T, C) float64, the motion channels in file order (degrees, units).
    """

    joints: tuple[BvhJoint, ...]
    frame_time_s: float
    values: np.ndarray

    @property
    def n_frames(self) -> int:
        return int(self.values.shape[0])


@dataclass(frozen=True)
class _Word:
    text: str
    line: int  # 1-based
    col: int  # 1-based


def _words(line: str, line_no: int) -> Iterator[_Word]:
    col, n = 0, len(line)
    while col < n:
        while col < n and line[col].isspace():
            col += 1
        start = col
        while col < n and not line[col].isspace():
            col += 1
        if col > start:
            yield _Word(line[start:col], line_no, start + 1)


class _Reader:
    """The file's words with their positions, read lazily line by line."""

    def __init__(self, fh: TextIO, name: str):
        self.fh = fh
        self.name = name
        self.line_no = 0
        self.pending: list[_Word] = []  # words of the current line not yet taken
        self.chars = 0

    def fail(self, at: _Word | None, message: str, hint: str = _HINT) -> AssetError:
        where = f"{at.line}:{at.col}" if at else f"{self.line_no + 1}:1"
        return AssetError(f"{self.name}:{where}: {message}", hint=hint)

    def peek(self) -> _Word | None:
        while not self.pending:
            line = self.fh.readline()
            if not line:
                return None
            self.line_no += 1
            self.chars += len(line)
            if self.chars > MAX_HIERARCHY_CHARS:
                raise self.fail(
                    None,
                    f"the BVH header is over {MAX_HIERARCHY_CHARS >> 20} MiB of text",
                    hint="a skeleton needs far less; check the file",
                )
            self.pending = list(_words(line, self.line_no))
        return self.pending[0]

    def next(self, expected: str = "a value") -> _Word:
        word = self.peek()
        if word is None:
            raise self.fail(None, f"not a valid BVH file: expected {expected}, got end of file")
        return self.pending.pop(0)

    def expect(self, text: str) -> _Word:
        word = self.next(repr(text))
        if word.text.lower() != text.lower():
            raise self.unexpected(word, repr(text))
        return word

    def unexpected(self, word: _Word, expected: str) -> AssetError:
        return self.fail(word, f"not a valid BVH file: expected {expected}, got {word.text!r}")

    def number(self, expected: str = "a number", max_abs: float = MAX_ABS_VALUE) -> float:
        word = self.next(expected)
        try:
            value = float(word.text)
        except ValueError:
            raise self.unexpected(word, expected) from None
        if not math.isfinite(value) or abs(value) > max_abs:
            raise self.fail(word, f"{word.text!r} is not a usable number (expected {expected})")
        return value

    def name_until_brace(self) -> str:
        parts = []
        while (word := self.peek()) is not None and word.text != "{":
            parts.append(self.next().text)
        if not parts:
            raise self.fail(word, "not a valid BVH file: expected a joint name")
        return " ".join(parts)


# ---------------------------------------------------------------- hierarchy


def _open_joint(rd: _Reader, name: str, parent: int, joints: list[BvhJoint]) -> int:
    """Read ``{ OFFSET x y z [CHANNELS n ...]`` of a joint, append it, return its index."""
    rd.expect("{")
    rd.expect("OFFSET")
    offset = (rd.number("an offset"), rd.number("an offset"), rd.number("an offset"))
    channels: tuple[str, ...] = ()
    word = rd.peek()
    if word is not None and word.text.upper() == "CHANNELS":
        rd.next()
        count = rd.next("a channel count")
        if not count.text.isdigit() or int(count.text) > 6:
            raise rd.unexpected(count, "a channel count from 0 to 6")
        channels = tuple(rd.next("a channel name").text for _ in range(int(count.text)))
        bad = [c for c in channels if c.lower() not in _CHANNELS]
        if bad:
            raise rd.fail(
                count,
                f"joint {name!r} has unknown channels {bad}",
                hint="BVH channels are X/Y/Z position and X/Y/Z rotation",
            )
    return _append(rd, joints, BvhJoint(name, parent, offset, channels), word)


def _append(rd: _Reader, joints: list[BvhJoint], joint: BvhJoint, at: _Word | None) -> int:
    if len(joints) >= MAX_NODES:
        raise rd.fail(
            at,
            f"the skeleton has more than {MAX_NODES} joints",
            hint="a body needs under 200; export the skeleton without extra bones",
        )
    joints.append(joint)
    return len(joints) - 1


def _read_hierarchy(rd: _Reader) -> list[BvhJoint]:
    """The joints in file order; nesting is tracked with a stack of open joints."""
    rd.expect("HIERARCHY")
    rd.expect("ROOT")
    joints: list[BvhJoint] = []
    open_joints = [_open_joint(rd, rd.name_until_brace(), -1, joints)]
    while open_joints:
        word = rd.next("JOINT, End Site or '}'")
        if word.text.upper() == "JOINT":
            name = rd.name_until_brace()
            open_joints.append(_open_joint(rd, name, open_joints[-1], joints))
        elif word.text.lower() == "end":
            rd.expect("Site")
            rd.expect("{")
            rd.expect("OFFSET")
            end = (rd.number("an offset"), rd.number("an offset"), rd.number("an offset"))
            rd.expect("}")
            parent = open_joints[-1]
            site = BvhJoint(f"{joints[parent].name}_end", parent, end, (), end_site=True)
            _append(rd, joints, site, word)
        elif word.text == "}":
            open_joints.pop()
        else:
            raise rd.unexpected(word, "JOINT, End Site or '}'")
    return joints


def _read_header(rd: _Reader) -> tuple[int, float]:
    """``MOTION / Frames: n / Frame Time: s``, checked against the limits."""
    rd.expect("MOTION")
    rd.expect("Frames:")
    word = rd.next("the frame count")
    if not word.text.isdigit() or len(word.text) > 9:
        raise rd.unexpected(word, "the frame count (a whole number)")
    n_frames = int(word.text)
    if not 1 <= n_frames <= MAX_FRAMES:
        raise rd.fail(
            word,
            f"{n_frames} frames; a BVH clip may have 1 to {MAX_FRAMES:,} "
            "(30 minutes at 120 frames/s)",
            hint="cut the clip to the part the dance uses",
        )
    rd.expect("Frame")
    rd.expect("Time:")
    word = rd.peek()
    frame_time_s = rd.number("the frame time", max_abs=math.inf)  # range checked below
    if not MIN_FRAME_TIME_S <= frame_time_s <= MAX_FRAME_TIME_S:
        raise rd.fail(
            word,
            f"Frame Time {frame_time_s:g} s is outside {MIN_FRAME_TIME_S:g} to "
            f"{MAX_FRAME_TIME_S:g} s (1 to 1000 frames per second)",
            hint="the frame time is seconds per frame, e.g. 0.0333333 for 30 fps",
        )
    return n_frames, frame_time_s


# ---------------------------------------------------------------- motion


def _bad_value(rd: _Reader, lines: list[str], first_line: int) -> AssetError:
    """The error for the first value of ``lines`` that is not a finite number."""
    for k, line in enumerate(lines):
        for word in _words(line, first_line + k):
            try:
                value = float(word.text)
            except ValueError:
                return rd.fail(word, f"MOTION holds {word.text!r}, not a number")
            if not math.isfinite(value) or abs(value) > MAX_ABS_VALUE:
                return rd.fail(word, f"MOTION holds {word.text!r}, not a usable number")
    return rd.fail(None, "MOTION holds a value that is not a number")


def _read_values(rd: _Reader, n_frames: int, n_channels: int, n_keep: int) -> np.ndarray:
    """The first ``n_keep`` motion rows as (n_keep, n_channels) float64, converted block by
    block; the rest of the file is not read."""
    expected = n_frames * n_channels
    wanted = n_keep * n_channels
    flat = np.empty(wanted, np.float64)
    filled = 0

    def too_many() -> AssetError:
        return rd.fail(
            None,
            f"MOTION has more than {expected} values ({n_frames} frames x {n_channels} channels)",
            hint="the Frames: count does not match the rows; export it again",
        )

    def take(lines: list[str], first_line: int) -> None:
        nonlocal filled
        words = " ".join(lines).split()
        if filled + len(words) > expected:
            raise too_many()
        words = words[: wanted - filled]  # the frames past n_keep are not converted
        try:
            block = np.array(words, dtype=np.float64)
        except ValueError:
            raise _bad_value(rd, lines, first_line) from None
        if not (np.isfinite(block).all() and np.abs(block).max(initial=0.0) <= MAX_ABS_VALUE):
            raise _bad_value(rd, lines, first_line)
        flat[filled : filled + block.size] = block
        filled += block.size

    if rd.pending:  # values on the Frame Time line itself
        take([" ".join(w.text for w in rd.pending)], rd.line_no)
        rd.pending = []
    while filled < wanted:
        first_line = rd.line_no + 1
        lines = rd.fh.readlines(_BLOCK_CHARS)
        if not lines:
            break
        rd.line_no += len(lines)
        take(lines, first_line)
    if n_keep == n_frames and rd.fh.read(_BLOCK_CHARS).strip():  # rows after the last frame
        raise too_many()
    if filled != wanted:
        raise AssetError(
            f"{rd.name}: MOTION has {filled} values; {n_frames} frames x "
            f"{n_channels} channels = {expected} expected",
            hint="the file may be truncated; export it again",
        )
    return flat.reshape(n_keep, n_channels)


def read_bvh(path: str | Path, max_seconds: float | None = None) -> BvhClip:
    """Parse a BVH file (any channel layout; rotations in degrees).

    ``max_seconds``: keep only the frames of the first ``max_seconds`` and stop reading
    there (None: every frame).

    Raises:
        AssetError: unreadable, malformed, or past a limit (``MAX_NODES``,
            ``MAX_FRAMES``, the frame time range, non-finite values), naming
            ``file:line:col``.
    """
    path = Path(path)
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # a FIFO or device would hang or never end
            raise AssetError(f"cannot read BVH {path}: not a regular file", hint="check the path")
        with open(path, encoding="utf-8", errors="replace") as fh:
            rd = _Reader(fh, path.name)
            joints = _read_hierarchy(rd)
            n_frames, frame_time_s = _read_header(rd)
            n_channels = sum(len(j.channels) for j in joints)
            n_keep = n_frames
            if max_seconds is not None:
                n_keep = min(n_frames, math.ceil(max_seconds / frame_time_s) + 1)
            values = _read_values(rd, n_frames, n_channels, n_keep)
    except OSError as exc:
        raise AssetError(f"cannot read BVH {path}: {exc.strerror}", hint="check the path") from None
    return BvhClip(tuple(joints), float(frame_time_s), values)
