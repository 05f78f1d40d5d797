"""Decoding the SSD heads of MediaPipe's face and pose detectors, for QC.

QC runs the detectors itself rather than borrowing the renderer's face and body
code, so that a bug in that code cannot hide from its judge. Both detectors see a
letterboxed square, predict for every anchor a box and keypoints as offsets (in
input pixels) from the anchor centre, and a score logit; overlapping candidates
are merged by a score-weighted average (MediaPipe's "weighted" suppression).

Anchor layouts follow MediaPipe's SsdAnchorsCalculator with fixed anchor size:
layers that share a stride share one grid, each layer adding two anchors a cell,
or one for the single-layer full-range face model.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class SsdModel:
    model: str
    input_px: int
    strides: tuple[int, ...]
    anchors_per_layer: int
    n_keypoints: int
    pixel_range: tuple[float, float]  # the model's input scale, e.g. (-1, 1)
    min_score: float
    nms_iou: float = 0.3


def anchor_centres(model: SsdModel) -> np.ndarray:
    """(N, 2) float32 anchor centres in [0, 1], in the model's output order."""
    centres = []
    i = 0
    while i < len(model.strides):
        stride = model.strides[i]
        same = 0
        while i < len(model.strides) and model.strides[i] == stride:
            same += 1
            i += 1
        cells = int(np.ceil(model.input_px / stride))
        ys, xs = np.mgrid[0:cells, 0:cells]
        grid = np.stack([(xs + 0.5) / cells, (ys + 0.5) / cells], axis=-1).reshape(-1, 1, 2)
        per_cell = same * model.anchors_per_layer
        centres.append(np.repeat(grid, per_cell, axis=1).reshape(-1, 2))
    return np.concatenate(centres).astype(np.float32)


@dataclass(frozen=True)
class Letterbox:
    """Where a frame sits inside the detector's square: square px = frame px * scale + pad."""

    scale: float
    pad_x: float
    pad_y: float

    def to_frame(self, points_px: np.ndarray) -> np.ndarray:
        out = np.asarray(points_px, np.float32).copy()
        out[..., 0] = (out[..., 0] - self.pad_x) / self.scale
        out[..., 1] = (out[..., 1] - self.pad_y) / self.scale
        return out


def letterbox(frame: np.ndarray, side: int, pixel_range: tuple[float, float]):
    """The frame fitted into a ``side`` square (black bars), scaled to ``pixel_range``."""
    h, w = frame.shape[:2]
    scale = side / max(h, w)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    small = cv2.resize(frame, (nw, nh), interpolation=cv2.INTER_AREA)
    square = np.zeros((side, side, 3), np.uint8)
    pad_x, pad_y = (side - nw) // 2, (side - nh) // 2
    square[pad_y : pad_y + nh, pad_x : pad_x + nw] = small
    lo, hi = pixel_range
    tensor = square.astype(np.float32) * ((hi - lo) / 255.0) + lo
    return tensor[None], Letterbox(scale, pad_x, pad_y)


@dataclass(frozen=True)
class Detection:
    """A merged detection in frame pixels: box (x0, y0, x1, y1), keypoints (K, 2), score."""

    box: tuple[float, float, float, float]
    keypoints: np.ndarray
    score: float


def decode(
    model: SsdModel, anchors: np.ndarray, raw_boxes: np.ndarray, raw_scores: np.ndarray
) -> list[tuple[np.ndarray, float]]:
    """Candidates above the score threshold: (row of 4 + 2K values in input px, score)."""
    scores = 1.0 / (
        1.0 + np.exp(-np.clip(raw_scores.reshape(-1).astype(np.float64), -100.0, 100.0))
    )
    keep = np.flatnonzero(scores >= model.min_score)
    rows = raw_boxes.reshape(len(anchors), -1)[:, : 4 + 2 * model.n_keypoints]
    out = []
    side = float(model.input_px)
    for k in keep:
        row = rows[k].astype(np.float64)
        cx, cy = anchors[k] * side
        decoded = row.copy()
        decoded[0] += cx
        decoded[1] += cy
        decoded[4::2] += cx
        decoded[5::2] += cy
        out.append((decoded, float(scores[k])))
    return out


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def weighted_nms(
    candidates: list[tuple[np.ndarray, float]], n_keypoints: int, iou: float
) -> list[tuple[np.ndarray, float]]:
    """Merge overlapping candidates by score-weighted average; best first."""

    def corners(row):
        cx, cy, w, h = row[:4]
        return np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])

    remaining = sorted(candidates, key=lambda c: -c[1])
    merged = []
    while remaining:
        best = corners(remaining[0][0])
        group = [c for c in remaining if _iou(best, corners(c[0])) > iou]
        rest = [c for c in remaining if _iou(best, corners(c[0])) <= iou]
        weights = np.array([c[1] for c in group])
        rows = np.stack([c[0] for c in group])
        merged.append(((rows * weights[:, None]).sum(0) / weights.sum(), float(weights.max())))
        remaining = rest
    return merged


def detect(interpreter, model: SsdModel, anchors: np.ndarray, frame: np.ndarray) -> list[Detection]:
    """Run one SSD detector on a whole RGB frame; detections in frame pixels, best first."""
    tensor, box = letterbox(frame, model.input_px, model.pixel_range)
    inp = interpreter.get_input_details()[0]["index"]
    interpreter.set_tensor(inp, tensor)
    interpreter.invoke()
    outputs = sorted(interpreter.get_output_details(), key=lambda d: -int(d["shape"][-1]))
    raw_boxes = interpreter.get_tensor(outputs[0]["index"])[0]
    raw_scores = interpreter.get_tensor(outputs[1]["index"])[0]
    found = decode(model, anchors, raw_boxes, raw_scores)
    out = []
    for row, score in weighted_nms(found, model.n_keypoints, model.nms_iou):
        cx, cy, w, h = row[:4]
        corners = box.to_frame(np.array([[cx - w / 2, cy - h / 2], [cx + w / 2, cy + h / 2]]))
        keypoints = box.to_frame(row[4:].reshape(-1, 2))
        out.append(Detection(tuple(float(v) for v in corners.reshape(-1)), keypoints, score))
    return out
