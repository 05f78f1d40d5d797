"""Everything drawn over the picture of a shot: title, burned captions, the label.

Where each goes is chosen once per shot (``engine.nodes.render.layout``): clear
of the faces the camera shows, of each other, and of a vertical video's
platform bands. The overlays of one moment are merged into a single
straight-alpha RGBA layer (what the fused compose kernel takes), and the merged
layers are cached by which caption (and, for word captions, which word) is
showing, since a shot shows only a handful of distinct ones.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np

from engine.nodes.render import layout
from engine.nodes.text.render import Overlay, label_overlay, text_overlay, words_overlay

WHITE = (255, 255, 255)
FIT_ROOM = 0.86  # a fitted text block takes at most this share of the frame height...
FIT_MIN_SIZE = 0.012  # ...shrinking no smaller than this (em, share of the frame height)


def hex_rgb(colour: str | None, default=WHITE) -> tuple[int, int, int]:
    if not colour or colour == "auto":
        return default
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


def over(layers: list[Overlay], frame_w: int, frame_h: int) -> Overlay | None:
    """Straight-alpha 'over' of ``layers`` (first at the bottom), cropped to their union."""
    layers = [o for o in layers if o is not None]
    if not layers:
        return None
    x0 = max(0, min(o.xy[0] for o in layers))
    y0 = max(0, min(o.xy[1] for o in layers))
    x1 = min(frame_w, max(o.xy[0] + o.rgba.shape[1] for o in layers))
    y1 = min(frame_h, max(o.xy[1] + o.rgba.shape[0] for o in layers))
    colour = np.zeros((y1 - y0, x1 - x0, 3), np.float32)
    alpha = np.zeros((y1 - y0, x1 - x0, 1), np.float32)
    for layer in layers:
        lx, ly = layer.xy[0] - x0, layer.xy[1] - y0
        h, w = layer.rgba.shape[:2]
        # Clip the layer to the union box (layers may hang over the frame edge).
        sx0, sy0 = max(0, -lx), max(0, -ly)
        sx1, sy1 = min(w, x1 - x0 - lx), min(h, y1 - y0 - ly)
        if sx1 <= sx0 or sy1 <= sy0:
            continue
        src = layer.rgba[sy0:sy1, sx0:sx1].astype(np.float32) / 255.0
        a = src[..., 3:4]
        region = (slice(ly + sy0, ly + sy1), slice(lx + sx0, lx + sx1))
        out_a = a + alpha[region] * (1.0 - a)
        safe = np.where(out_a > 0, out_a, 1.0)
        colour[region] = (src[..., :3] * a + colour[region] * alpha[region] * (1.0 - a)) / safe
        alpha[region] = out_a
    rgba = np.concatenate([colour, alpha], axis=2)
    rgba = np.clip(rgba * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return Overlay(rgba, (x0, y0))


@dataclass(frozen=True)
class ShotText:
    """The text of a shot: its title, its caption cues (shot-relative seconds), its label.

    caption_style: ``"lines"`` (each cue as written) or ``"words"`` (a few words at a
    time, the one being spoken highlighted; ``words`` gives their times).
    faces: (n_frames, K, 4) float32 frame px, each face's box on each frame (grown to
    the head, ``layout.grow_face``), or None when the shot shows no face.
    """

    title: dict | None  # {"text", "subtitle", "position", "size", "colour"}
    cues: tuple[tuple[float, float, str], ...]
    caption_size: float
    label: dict  # {"text", "position", "size", "colour"}
    caption_style: str = "lines"
    words: tuple[tuple[float, float, str], ...] = ()
    faces: np.ndarray | None = None
    fps: float = 25.0


WORDS_PER_GROUP = 3  # word captions: at most this many words at a time...
GROUP_MAX_CHARS = 22  # ...and this many columns (a Chinese or Japanese character is two)
LONG_WORD_CHARS = 120  # a longer word (no word is) shows in pieces of this many characters
WORD_HOLD_S = 0.3  # the last group stays this long after its last word
CAPTION_SHRINK = (1.0, 0.85, 0.72)  # a caption with no free place is tried this much smaller
CAPTION_MIN_SIZE = 0.012  # a caption too big for the frame shrinks no smaller (em / height)
_CJK_ENDS = ("\u3002", "\uff01", "\uff1f", "\uff0c", "\u3001", "\uff1b", "\uff1a")  # 。！？，、；：
_ENDS = (".", "!", "?", ",", ";", ":", *_CJK_ENDS)  # a group ends after these


def columns(text: str) -> int:
    """How wide ``text`` reads, in columns: a wide (Chinese, Japanese, Korean) character
    counts two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pieces(start: float, end: float, word: str, max_chars: int) -> list[tuple[float, float, str]]:
    """A word too wide to show at once, in pieces timed by their share of its characters:
    text with no spaces between words (Chinese, Japanese) in pieces of ``max_chars``
    columns, cut after its punctuation too; any other word over ``LONG_WORD_CHARS``
    characters in pieces of that many."""
    wide = any(unicodedata.east_asian_width(c) in "WF" for c in word)
    limit = max_chars if wide else LONG_WORD_CHARS
    if columns(word) <= limit:
        return [(start, end, word)]
    parts, piece = [], ""
    for ch in word:
        if piece and columns(piece + ch) > limit:
            parts.append(piece)
            piece = ""
        piece += ch
        if wide and ch in _CJK_ENDS:
            parts.append(piece)
            piece = ""
    if piece:
        parts.append(piece)
    out, done = [], 0
    for part in parts:
        t0 = start + (end - start) * done / len(word)
        done += len(part)
        out.append((t0, start + (end - start) * done / len(word), part))
    return out


def word_groups(words, max_words: int = WORDS_PER_GROUP, max_chars: int = GROUP_MAX_CHARS):
    """Timed words -> [(start_s, end_s, ((word_start_s, word), ...))]: a few words at a time,
    a new group after a sentence's end; each group shows until the next one starts."""
    groups: list[list] = []
    pieces = [
        p
        for start, end, word in words
        if word.strip()
        for p in _pieces(start, end, word.strip(), max_chars)
    ]
    for start, end, word in pieces:
        if groups:
            last = groups[-1][2]
            text = " ".join(w for _, w in last) + " " + word
            ended = last[-1][1].endswith(_ENDS)
            if len(last) < max_words and columns(text) <= max_chars and not ended:
                last.append((start, word))
                groups[-1][1] = end
                continue
        groups.append([start, end, [(start, word)]])
    out = []
    for i, (start, end, items) in enumerate(groups):
        following = groups[i + 1][0] if i + 1 < len(groups) else float("inf")
        out.append((start, min(end + WORD_HOLD_S, following), tuple(items)))
    return out


@dataclass(frozen=True)
class Placed:
    """An overlay placed for a time: what it is, its frame box (x0, y0, x1, y1) px,
    from and to (shot seconds), and the face boxes it was kept clear of."""

    what: str
    box: tuple[int, int, int, int]
    from_s: float
    to_s: float
    faces: tuple[tuple[int, int, int, int], ...]
    clear: bool

    def record(self) -> dict:
        return {
            "what": self.what,
            "box": list(self.box),
            "from_s": round(self.from_s, 3),
            "to_s": round(self.to_s, 3),
            "faces": [list(f) for f in self.faces],
            "clear": self.clear,
        }


def _moved(overlay: Overlay, box) -> Overlay:
    return Overlay(overlay.rgba, (int(box[0]), int(box[1])))


def _box(overlay: Overlay) -> tuple[int, int, int, int]:
    x, y, w, h = overlay.box
    return x, y, x + w, y + h


class OverlayTrack:
    """Merged overlay for any time in the shot, built once per distinct caption."""

    def __init__(self, text: ShotText, frame_w: int, frame_h: int, backdrop_luma: float):
        self.text, self.w, self.h = text, frame_w, frame_h
        n = 0 if text.faces is None else len(text.faces)
        self.duration_s = n / text.fps if n else 0.0
        all_faces = self._faces(0.0, float("inf"))
        label = text.label
        plate = label_overlay(
            label["text"],
            frame_w,
            frame_h,
            position=label.get("position", "bottom-right"),
            size_frac=max(0.025, label.get("size", 0.035)),
            colour=hex_rgb(label["colour"])
            if label.get("colour") not in (None, "auto")
            else "auto",
            backdrop_luma=backdrop_luma,
        )
        self.label = plate  # where the scene put it, on every frame (``layout``)
        self.placed = [self._record("label", self.label, 0.0, self.duration_s, all_faces)]
        taken = [_box(self.label)]
        self.title = []
        if text.title:
            self.title = self._title(text.title, all_faces, taken)
            taken += [_box(o) for o in self.title]
            self.placed += [
                self._record("title", o, 0.0, self.duration_s, all_faces) for o in self.title
            ]
        self.captions = self._captions(taken)
        self._merged: dict[tuple[int, int], Overlay | None] = {}

    def _faces(self, from_s: float, to_s: float) -> np.ndarray:
        """(K, 4) each face's box over the frames from ``from_s`` to ``to_s`` (their
        union), or an empty array."""
        faces = self.text.faces
        if faces is None or not faces.size:
            return np.zeros((0, 4), np.float32)
        fps = self.text.fps
        lo = max(0, min(len(faces) - 1, int(from_s * fps)))
        hi = len(faces) if to_s * fps >= len(faces) else int(np.ceil(to_s * fps)) + 1
        hi = max(lo + 1, hi)
        part = faces[lo:hi]
        return np.concatenate([part[..., :2].min(0), part[..., 2:].max(0)], axis=1)

    def _record(self, what, overlay, from_s, to_s, faces) -> Placed:
        box = _box(overlay)
        flat = [tuple(int(round(v)) for v in f) for f in faces]
        return Placed(what, box, from_s, to_s, tuple(flat), layout.hits(box, faces) == 0)

    def _title(self, title: dict, faces: np.ndarray, taken: list) -> list[Overlay]:
        anchor = {"top": "top", "center": "center", "bottom": "bottom"}[title.get("position")]
        size = title.get("size", 0.08)
        colour = hex_rgb(title.get("colour"))
        body = title["text"] + (f"\n{title['subtitle']}" if title.get("subtitle") else "")
        overlay = text_overlay(body, self.w, self.h, anchor=anchor, size_frac=size, colour=colour)
        # A card's text (``fit``) shrinks until it fits between the frame's top margin and
        # the label: a vertical frame wraps the credits into many more lines.
        top_m, bottom_m = layout.margins((self.w, self.h))
        room = min(FIT_ROOM, 1 - top_m - bottom_m) * self.h
        if anchor == "center":  # centred: half the block on each side of the middle
            pad = 0.02 * self.h
            ly0 = self.label.xy[1]
            ly1 = ly0 + self.label.rgba.shape[0]
            if ly0 > self.h / 2:  # the label below: the block ends above it
                room = min(room, 2 * (ly0 - pad - self.h / 2))
            else:
                room = min(room, 2 * (self.h / 2 - ly1 - pad))
        while title.get("fit") and overlay.rgba.shape[0] > room and size > FIT_MIN_SIZE:
            size *= 0.9
            overlay = text_overlay(
                body, self.w, self.h, anchor=anchor, size_frac=size, colour=colour
            )
        if title.get("fit"):
            return [overlay]
        others = [p for p in ("top", "bottom", "center") if p != anchor]
        box, _ = layout.block_place(
            (overlay.rgba.shape[1], overlay.rgba.shape[0]),
            (self.w, self.h),
            faces,
            taken,
            prefer=[anchor, *others],
        )
        return [_moved(overlay, box)]

    def _captions(self, taken: list) -> list[tuple[float, float, list[Overlay], tuple]]:
        """Each caption: (start_s, end_s, its overlays (one per active word for word
        captions, else one), the start times of its words)."""
        text = self.text
        size = text.caption_size
        if text.caption_style == "words" and text.words:
            groups = [(s, e, items) for s, e, items in word_groups(text.words)]
        else:
            groups = [(s, e, ((s, t),)) for s, e, t in text.cues]
        # one caption at a time: a cue still showing when the next starts gives way to it
        groups = sorted(groups, key=lambda g: g[0])
        following = [g[0] for g in groups[1:]] + [float("inf")] * bool(groups)
        groups = [
            (s, min(e, nxt) if nxt > s else e, items)
            for (s, e, items), nxt in zip(groups, following, strict=True)
        ]
        out = []
        high, low = layout.room((self.w, self.h), taken)
        for start, end, items in groups:
            faces = self._faces(start, end)
            shrinks = list(CAPTION_SHRINK)
            while shrinks:  # smaller when no place at full size is free
                shrink = shrinks.pop(0)
                states = self._caption_states(items, size * shrink)
                bh, bw = states[0].rgba.shape[:2]
                if (bh > low - high or bw > self.w) and size * shrink * 0.85 >= CAPTION_MIN_SIZE:
                    shrinks = [shrink * 0.85]  # too big for the frame at all: smaller still
                    continue
                box, free = layout.block_place((bw, bh), (self.w, self.h), faces, taken)
                if free:
                    break
            states = [_moved(o, box) for o in states]
            self.placed.append(self._record("caption", states[0], start, end, faces))
            out.append((start, end, states, tuple(t for t, _ in items)))
        return out

    def _caption_states(self, items, size: float) -> list[Overlay]:
        """A caption's overlays at ``size``: one per word (its highlight) for word
        captions, else one."""
        if self.text.caption_style == "words" and self.text.words:
            words = tuple(w for _, w in items)
            return [
                words_overlay(words, k, self.w, self.h, size_frac=size) for k in range(len(words))
            ]
        return [text_overlay(items[0][1], self.w, self.h, anchor="bottom", size_frac=size)]

    def _caption_at(self, t_s: float) -> tuple[int, int]:
        for index, (start, end, _states, starts) in enumerate(self.captions):
            if start <= t_s < end:
                word = max(0, sum(1 for s in starts if s <= t_s) - 1)
                return index, word
        return -1, 0

    def at(self, t_s: float) -> Overlay | None:
        key = self._caption_at(t_s)
        if key not in self._merged:
            layers = list(self.title)
            if key[0] >= 0:
                layers.append(self.captions[key[0]][2][key[1]])
            layers.append(self.label)  # last: the disclosure is never covered
            self._merged[key] = over(layers, self.w, self.h)
        return self._merged[key]

    def records(self) -> list[dict]:
        """Every overlay of the shot where it was placed (``Placed.record``)."""
        return [p.record() for p in self.placed]
