"""What any frame can get wrong: black, frozen or repeated frames, a missing label.

``PictureWatch`` keeps a few numbers per frame (brightness, change since the last
frame, exact repeats) and the edges of the corner where the disclosure label
belongs. The label is not read as text. It is found as strong, glyph-sized edges
that stay put: its plate dims what lies behind it to a third, so only the
letters themselves make edges past a high threshold inside it; edges steady in
every segment (shots and cards show different pictures behind the same label),
else in the one segment there is; glyph-sized pieces side by side on one level,
the line nearest the corner the label belongs to. A frame shows the label when
most of that line's steady edge pixels are edges in it too.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

BLACK_LUMA = 12.0  # mean Rec. 601 luma under which a frame reads as black
BLACK_STD = 6.0
# Canny thresholds on L1 Sobel magnitudes: a letter's step (~180 levels) gives ~700,
# a picture's edge behind the 70 % plate at most ~300.
EDGE_LOW, EDGE_HIGH = 350, 500
PERSISTENT = 0.8  # an edge pixel in this share of a segment's frames belongs to the label
LABEL_PRESENT = 0.5  # share of the label's pixels a frame must show

# Where to look for each label position: (x0, x1) as fractions of the width, and the
# top or bottom band of the frame, as tall as the label's size needs (``_region``).
LABEL_COLUMNS = {"left": (0.0, 0.6), "right": (0.4, 1.0), "": (0.1, 0.9)}
LABEL_POSITIONS = ("top-left", "top-right", "top", "bottom-left", "bottom-right", "bottom")
DEFAULT_LABEL_SIZE = 0.035


@dataclass
class LabelVerdict:
    visible: np.ndarray  # (T,) bool per frame
    box: tuple[int, int, int, int] | None  # (x0, y0, x1, y1) in frame px; None: not found


class PictureWatch:
    """Feed frames in order with ``add``, then ``finish``; read the series afterwards.

    ``segment_starts`` are the first frame indices of the video's segments (shots
    and cards). The label is the same in every segment while the pictures behind
    it differ, so its pixels are the edges steady within most segments; within a
    single segment, steady background edges could pass for it.
    """

    def __init__(
        self,
        width: int,
        height: int,
        label_position: str | None,
        segment_starts=(),
        label_size: float | None = None,
    ):
        self.w, self.h = width, height
        self.size = label_size or DEFAULT_LABEL_SIZE
        # Text height as a fraction of the frame, descenders and plate allowed for.
        self.heights = (0.5 * self.size, 2.5 * self.size)
        self.luma_mean: list[float] = []
        self.luma_std: list[float] = []
        self.change: list[float] = []  # mean absolute change of a small grey copy, levels
        self.repeat: list[bool] = []
        self.positions = [label_position] if label_position else list(LABEL_POSITIONS)
        self.regions = {p: self._region(p) for p in self.positions}
        self.starts = sorted(set(segment_starts) | {0})
        self._edges: dict[str, list[np.ndarray]] = {p: [] for p in self.positions}
        self._shapes: dict[str, tuple[int, int]] = {}
        self._sums: dict[str, np.ndarray] = {}
        self._steady: dict[str, list[np.ndarray]] = {p: [] for p in self.positions}
        self._segment_frames = 0
        self._small_prev = None
        self._sample_prev = None

    def _region(self, position: str) -> tuple[int, int, int, int]:
        """(x0, x1, y0, y1) px: the label's side of the frame, in a band along its edge
        tall enough for the label's margin and plate (kept at full resolution)."""
        side = position.partition("-")[2]
        fx0, fx1 = LABEL_COLUMNS[side]
        band = min(0.25, 0.05 + 3.0 * self.size)
        fy0, fy1 = (0.0, band) if position.startswith("top") else (1.0 - band, 1.0)
        return (int(fx0 * self.w), int(fx1 * self.w), int(fy0 * self.h), int(fy1 * self.h))

    def add(self, frame: np.ndarray) -> None:
        index = len(self.luma_mean)
        if index in self.starts and index > 0:
            self._close_segment()
        grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
        small = cv2.resize(grey, (64, max(1, round(64 * self.h / self.w))), cv2.INTER_AREA)
        self.luma_mean.append(float(small.mean()))
        self.luma_std.append(float(small.std()))
        if self._small_prev is None:
            self.change.append(float("nan"))
        else:
            diff = np.abs(small.astype(np.int16) - self._small_prev.astype(np.int16))
            self.change.append(float(diff.mean()))
        sample = grey[::4, ::4]
        self.repeat.append(
            self._sample_prev is not None and np.array_equal(sample, self._sample_prev)
        )
        self._small_prev, self._sample_prev = small, sample.copy()
        for position, (x0, x1, y0, y1) in self.regions.items():
            edges = cv2.Canny(grey[y0:y1, x0:x1], EDGE_LOW, EDGE_HIGH) > 0
            self._shapes[position] = edges.shape
            self._edges[position].append(np.packbits(edges, axis=None))
            total = self._sums.get(position)
            self._sums[position] = edges.astype(np.uint16) if total is None else total + edges
        self._segment_frames += 1

    def finish(self) -> None:
        self._close_segment()

    def _close_segment(self) -> None:
        if self._segment_frames:
            for position in self.positions:
                share = self._sums[position] / self._segment_frames
                self._steady[position].append(share >= PERSISTENT)
        self._sums = {}
        self._segment_frames = 0

    def black(self) -> np.ndarray:
        return (np.array(self.luma_mean) < BLACK_LUMA) & (np.array(self.luma_std) < BLACK_STD)

    def label(self) -> LabelVerdict:
        """Per frame: is the label there (at the position where it is seen most)?"""
        verdicts = [self._label_at(p) for p in self.positions]
        return max(verdicts, key=lambda v: v.visible.mean() if len(v.visible) else 0.0)

    def _anchor(self, position: str) -> tuple[float, float]:
        """The corner or edge middle the label hugs, in the region's pixels."""
        x0, x1, y0, y1 = self.regions[position]
        w, h = x1 - x0, y1 - y0
        ax = 0.0 if position.endswith("left") else w if position.endswith("right") else w / 2
        return ax, (0.0 if position.startswith("top") else h)

    def _label_at(self, position: str) -> LabelVerdict:
        n = len(self._edges[position])
        masks = self._steady[position]
        if not masks:
            return LabelVerdict(np.zeros(n, bool), None)
        # Steady in every segment first: shots of one photo share its still edges, but
        # the credits card shares none. If no text line survives (the label missing from
        # a whole segment), steady in most segments.
        counts = np.sum(masks, axis=0)
        box = None
        for need in dict.fromkeys((len(masks), max(1, -(-len(masks) // 2)))):
            label = counts >= need
            box = _label_box(label, self.h, self.heights, self._anchor(position))
            if box is not None:
                break
        if box is None:
            return LabelVerdict(np.zeros(n, bool), None)
        bx0, by0, bx1, by1 = box
        inside = label[by0:by1, bx0:bx1]
        shape = self._shapes[position]
        size = shape[0] * shape[1]
        visible = np.zeros(n, bool)
        for t, packed in enumerate(self._edges[position]):
            edges = np.unpackbits(packed, count=size).reshape(shape)
            visible[t] = edges[by0:by1, bx0:bx1][inside].mean() >= LABEL_PRESENT
        x0, _, y0, _ = self.regions[position]
        return LabelVerdict(visible, (x0 + bx0, y0 + by0, x0 + bx1, y0 + by1))


def _label_box(steady: np.ndarray, frame_h: float, heights: tuple[float, float], anchor):
    """The box of the label's text line among steady edges, or None if nothing text-like.

    Pieces of edge that could be glyphs (no taller than the text, dense, not long thin
    lines) are kept, so a still photo's contours and the plate's rim drop out; pieces
    side by side on one level make a line; the line nearest the corner the label is
    anchored to wins (``anchor``: (x, y) in the region's pixels).
    """
    if steady.sum() < 20:
        return None
    lo, hi = heights[0] * frame_h, heights[1] * frame_h
    count, _, stats, _ = cv2.connectedComponentsWithStats(steady.astype(np.uint8), connectivity=8)
    glyphs = []
    for x, y, w, h, area in stats[1:]:
        dense = area >= 0.12 * w * h and area >= 3
        if 0.3 * lo <= h <= hi and w <= 12 * hi and dense:
            glyphs.append((x, y, w, h, area))
    lines: list[list] = []
    for x, y, w, h, area in sorted(glyphs, key=lambda g: g[0]):
        for line in lines:
            lx0, ly0, lx1, ly1, larea, n = line
            overlap = min(ly1, y + h) - max(ly0, y)
            close = x - lx1 <= 1.5 * max(h, ly1 - ly0)
            tall = max(ly1, y + h) - min(ly0, y)
            if overlap >= 0.5 * min(h, ly1 - ly0) and close and tall <= 0.75 * hi:
                line[:] = [
                    min(lx0, x),
                    min(ly0, y),
                    max(lx1, x + w),
                    max(ly1, y + h),
                    larea + area,
                    n + 1,
                ]
                break
        else:
            lines.append([x, y, x + w, y + h, area, 1])
    # A line of letters is wider than tall, and more than one piece unless it is long.
    text_lines = [
        ln
        for ln in lines
        if ln[2] - ln[0] >= 2 * (ln[3] - ln[1])
        and (ln[5] >= 2 or ln[2] - ln[0] >= 4 * (ln[3] - ln[1]))
    ]
    if not text_lines:
        return None
    ax, ay = anchor

    def distance(line):
        x0, y0, x1, y1 = line[:4]
        return np.hypot(max(x0 - ax, 0, ax - x1), max(y0 - ay, 0, ay - y1))

    # Of the lines with a fair share of the letters, the nearest (a stray pair of steady
    # specks nearer the edge is not the label).
    most = max(ln[4] for ln in text_lines)
    x0, y0, x1, y1 = min((ln for ln in text_lines if ln[4] >= 0.3 * most), key=distance)[:4]
    return int(x0), int(y0), int(x1), int(y1)
