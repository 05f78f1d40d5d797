"""Endless idle motion: breathing, blinks, glances and small head motion, frame by frame.

A render draws each shot's tracks whole (``engine.nodes.animate.motion``); a live
show has no end, so the same track functions are drawn in windows of
``WINDOW_S`` and joined: head and gaze cross-fade from one window into the next
over ``JOIN_S`` (smoothstep weights, so no step and no kink), blinks are taken
from each window whole, none starting too near its end to finish. Only the
current and the next window are held: memory stays flat however long the show.
"""

from __future__ import annotations

import numpy as np

from engine.nodes.animate import motion
from engine.nodes.animate.controls import SLOT

WINDOW_S = 30.0
JOIN_S = 1.0
SETTLE_S = 0.8  # the show opens on the photo at rest: head and gaze ease in (as a shot does)
BLINK_CLEAR_S = 0.5  # no blink starts this close to a window's end
_HEAD = [SLOT[name] for name in ("yaw", "pitch", "roll", "nod")]
_GAZE = [SLOT["gaze_x"], SLOT["gaze_y"]]
_BLINK = [SLOT["blink_right"], SLOT["blink_left"]]


class IdleMotion:
    """``at(i)``: the (C,) float32 idle controls of show frame ``i`` (i counts up from 0)."""

    def __init__(self, fps: int, seed: int):
        self.fps, self.seed = fps, seed
        self.n = int(round(WINDOW_S * fps))
        self.join = int(round(JOIN_S * fps))
        self._windows: dict[int, np.ndarray] = {}

    def _window(self, w: int) -> np.ndarray:
        """(n + join, C) controls of window ``w``, its last ``join`` frames overlapping w + 1."""
        if w not in self._windows:
            n, fps = self.n + self.join, self.fps
            seed = (self.seed * 1_000_003 + w * 7919) % 2**31
            blinks = motion.blink_track(n, fps, seed)
            clear = int((WINDOW_S - BLINK_CLEAR_S) * fps)
            # keep only blinks that start (lid leaves 0) before the clearance
            starts = np.flatnonzero((blinks[1:] > 0) & (blinks[:-1] == 0)) + 1
            late = starts[starts >= clear]
            if len(late):
                blinks[late[0] :] = 0.0
            blinks[self.n :] = 0.0
            controls = motion.face_controls(
                n,
                fps,
                blinks=blinks,
                gaze=motion.gaze_track(n, fps, seed + 1),
                head=motion.head_track(n, fps, seed + 2, idle=True),
            )
            self._windows[w] = controls
            for old in [k for k in self._windows if k < w - 1]:
                del self._windows[old]
        return self._windows[w]

    def at(self, i: int) -> np.ndarray:
        w, k = divmod(i, self.n)
        out = self._window(w)[k].copy()
        if w > 0 and k < self.join:  # cross-fade from the previous window's overlap
            x = (k + 1) / (self.join + 1)
            a = x * x * (3 - 2 * x)
            previous = self._window(w - 1)[self.n + k]
            out[_HEAD + _GAZE] = a * out[_HEAD + _GAZE] + (1 - a) * previous[_HEAD + _GAZE]
            out[_BLINK] = np.maximum(out[_BLINK], previous[_BLINK])
        if i < SETTLE_S * self.fps:
            x = i / (SETTLE_S * self.fps)
            out[_HEAD + _GAZE] *= x * x * (3 - 2 * x)
        return out
