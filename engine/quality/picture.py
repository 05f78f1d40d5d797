"""What any frame can get wrong: black, frozen or repeated frames, a missing label.

``PictureWatch`` keeps a few numbers per frame (brightness, change since the last
frame, exact repeats) and the edges of the corner where the disclosure label
belongs. The label is not read as text: it is found as the strokes and plate edge
that stay put while everything around them changes. Within each segment of the
video (a shot or card) the edge pixels present in most frames, densest in the
expected corner, make the label's box; a frame shows the label when most of
those pixels are edges in it too.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

BLACK_LUMA = 12.0  # mean Rec. 601 luma under which a frame reads as black
BLACK_STD = 6.0
EDGE_LOW, EDGE_HIGH = 60, 140  # Canny thresholds on the grey frame
PERSISTENT = 0.8  # an edge pixel in this share of a segment's frames belongs to the label
LABEL_PRESENT = 0.5  # share of the label's pixels a frame must show

# Where to look for each label position: (x0, x1, y0, y1) as fractions of the frame.
LABEL_REGIONS = {
    "top-left": (0.0, 0.6, 0.0, 0.25),
    "top-right": (0.4, 1.0, 0.0, 0.25),
    "top": (0.1, 0.9, 0.0, 0.25),
    "bottom-left": (0.0, 0.6, 0.75, 1.0),
    "bottom-right": (0.4, 1.0, 0.75, 1.0),
    "bottom": (0.1, 0.9, 0.75, 1.0),
}


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
        # Text height as a fraction of the frame; the plate around it is a little taller.
        self.heights = (0.5 * label_size, 2.5 * label_size) if label_size else (0.015, 0.25)
        self.luma_mean: list[float] = []
        self.luma_std: list[float] = []
        self.change: list[float] = []  # mean absolute change of a small grey copy, levels
        self.repeat: list[bool] = []
        self.positions = [label_position] if label_position else list(LABEL_REGIONS)
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
        fx0, fx1, fy0, fy1 = LABEL_REGIONS[position]
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
            edges = cv2.Canny(grey[y0:y1, x0:x1], EDGE_LOW, EDGE_HIGH)
            # Half resolution, each pixel set if any of its four was an edge.
            half = (
                cv2.resize(
                    cv2.dilate(edges, np.ones((2, 2), np.uint8)),
                    None,
                    fx=0.5,
                    fy=0.5,
                    interpolation=cv2.INTER_NEAREST,
                )
                > 0
            )
            self._shapes[position] = half.shape
            self._edges[position].append(np.packbits(half, axis=None))
            total = self._sums.get(position)
            self._sums[position] = half.astype(np.uint16) if total is None else total + half
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
            box = _label_box(label, self.h / 2, self.heights)
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
        return LabelVerdict(visible, (x0 + 2 * bx0, y0 + 2 * by0, x0 + 2 * bx1, y0 + 2 * by1))


def _label_box(steady: np.ndarray, frame_h: float, heights: tuple[float, float]):
    """The box of the steady text line: letters joined sideways into words, words on one
    line joined into the line with the most steady pixels. None if nothing text-like."""
    if steady.sum() < 20:
        return None
    joined = cv2.dilate(steady.astype(np.uint8), np.ones((1, 7), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    boxes = [stats[k, :5] for k in range(1, count)]
    lo, hi = heights[0] * frame_h, heights[1] * frame_h
    words = [b for b in boxes if lo <= b[3] <= hi]
    if not words:
        return None
    lines = []
    for x, y, w, h, area in sorted(words, key=lambda b: b[0]):
        for line in lines:
            lx0, ly0, lx1, ly1, larea = line
            overlap = min(ly1, y + h) - max(ly0, y)
            if overlap >= 0.5 * min(h, ly1 - ly0) and x - lx1 <= 2 * max(h, ly1 - ly0):
                line[:] = [min(lx0, x), min(ly0, y), max(lx1, x + w), max(ly1, y + h), larea + area]
                break
        else:
            lines.append([x, y, x + w, y + h, area])
    text_lines = [line for line in lines if line[2] - line[0] >= 2 * (line[3] - line[1])]
    if not text_lines:
        return None
    x0, y0, x1, y1, _ = max(text_lines, key=lambda line: line[4])
    return int(x0), int(y0), int(x1), int(y1)
