"""Everything drawn over the picture of a shot: title, burned captions, the label.

The overlays of one moment are merged into a single straight-alpha RGBA layer
(what the fused compose kernel takes), and the merged layers are cached by
which caption is showing, since a shot shows only a handful of distinct ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.nodes.text.render import Overlay, label_overlay, text_overlay

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
    """The text of a shot: its title, its caption cues (shot-relative seconds), its label."""

    title: dict | None  # {"text", "subtitle", "position", "size", "colour"}
    cues: tuple[tuple[float, float, str], ...]
    caption_size: float
    label: dict  # {"text", "position", "size", "colour"}


class OverlayTrack:
    """Merged overlay for any time in the shot, built once per distinct caption."""

    def __init__(self, text: ShotText, frame_w: int, frame_h: int, backdrop_luma: float):
        self.text, self.w, self.h = text, frame_w, frame_h
        label = text.label
        self.label = label_overlay(
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
        self.title = self._title(text.title) if text.title else []
        self._merged: dict[int, Overlay | None] = {}

    def _title(self, title: dict) -> list[Overlay]:
        anchor = {"top": "top", "center": "center", "bottom": "bottom"}[title.get("position")]
        size = title.get("size", 0.08)
        colour = hex_rgb(title.get("colour"))
        body = title["text"] + (f"\n{title['subtitle']}" if title.get("subtitle") else "")
        overlay = text_overlay(body, self.w, self.h, anchor=anchor, size_frac=size, colour=colour)
        # A card's text (``fit``) shrinks until it fits between the frame's top margin and
        # the label: a vertical frame wraps the credits into many more lines.
        room = FIT_ROOM * self.h
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
        return [overlay]

    def _caption_index(self, t_s: float) -> int:
        for index, (start, end, _text) in enumerate(self.text.cues):
            if start <= t_s < end:
                return index
        return -1

    def at(self, t_s: float) -> Overlay | None:
        index = self._caption_index(t_s)
        if index not in self._merged:
            layers = list(self.title)
            if index >= 0:
                words = self.text.cues[index][2]
                size = self.text.caption_size
                # Captions sit above the bottom label, or at the top when a title
                # holds the bottom, so no two texts collide.
                title_below = self.text.title and self.text.title.get("position") == "bottom"
                label_below = self.text.label.get("position", "bottom-right").startswith("bottom")
                anchor = "top" if title_below else "bottom"
                margin = 0.05
                if not title_below and label_below:  # clear the label's plate
                    margin = (self.h - self.label.xy[1]) / self.h + 0.015
                layers.append(
                    text_overlay(
                        words, self.w, self.h, anchor=anchor, size_frac=size, margin_frac=margin
                    )
                )
            layers.append(self.label)  # last: the disclosure is never covered
            self._merged[index] = over(layers, self.w, self.h)
        return self._merged[index]
