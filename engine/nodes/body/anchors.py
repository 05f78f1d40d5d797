"""SSD anchors, box decoding and weighted non-maximum suppression for the pose detector.

The pose detector (BlazePose detector, 224x224 input) predicts, for each of 2254 fixed
anchors, a box and 4 keypoints as offsets from the anchor centre, and one score logit.
Anchors sit at the centres of feature-map cells with strides 8, 16, 32, 32, 32 px: two
anchors a cell per layer, and layers of equal stride share one grid, so a 28x28 grid
holds 2 anchors a cell, 14x14 holds 2 and 7x7 holds 6 (28²·2 + 14²·2 + 7²·6 = 2254).
All anchors have size 1 (``fixed_anchor_size``), so decoding is ``offset / 224 + centre``.
"""

from __future__ import annotations

import numpy as np

INPUT_PX = 224
STRIDES_PX = (8, 16, 32, 32, 32)
ANCHORS_PER_LAYER = 2  # aspect ratio 1.0 plus the interpolated-scale anchor


def ssd_anchor_centres(input_px: int = INPUT_PX, strides_px=STRIDES_PX) -> np.ndarray:
    """Anchor centres of the detector, in the model's output order.

    Returns:
        (N, 2) float32, x and y in [0, 1] of the input tensor (edges at 0 and 1).
    """
    centres = []
    layer = 0
    while layer < len(strides_px):
        stride = strides_px[layer]
        n_layers = 1
        while layer + n_layers < len(strides_px) and strides_px[layer + n_layers] == stride:
            n_layers += 1
        grid = int(np.ceil(input_px / stride))
        ys, xs = np.meshgrid(np.arange(grid), np.arange(grid), indexing="ij")
        cells = np.stack([(xs + 0.5) / grid, (ys + 0.5) / grid], axis=-1).reshape(-1, 2)
        # Row-major over cells, then every anchor of the cell.
        centres.append(np.repeat(cells, n_layers * ANCHORS_PER_LAYER, axis=0))
        layer += n_layers
    return np.concatenate(centres).astype(np.float32)


def decode(
    raw_boxes: np.ndarray, raw_scores: np.ndarray, anchors: np.ndarray, min_score: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Decode raw detector outputs into boxes, keypoints and scores above ``min_score``.

    Args:
        raw_boxes: (N, 4 + 2K) float32: box centre x, y, width, height, then K keypoints
            (x, y), all in input-tensor pixels relative to the anchor centre.
        raw_scores: (N,) float32 logits.
        anchors: (N, 2) float32 anchor centres in [0, 1].
        min_score: keep detections whose sigmoid score is at least this.

    Returns:
        boxes (M, 4) [x0, y0, x1, y1], keypoints (M, K, 2) and scores (M,), coordinates
        in [0, 1] of the input tensor.
    """
    logits = np.clip(raw_scores.astype(np.float64), -100.0, 100.0)
    scores = 1.0 / (1.0 + np.exp(-logits))
    keep = scores >= min_score
    raw = raw_boxes[keep] / INPUT_PX
    centre = anchors[keep]
    cx = raw[:, 0] + centre[:, 0]
    cy = raw[:, 1] + centre[:, 1]
    w, h = raw[:, 2], raw[:, 3]
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
    n_keypoints = (raw_boxes.shape[1] - 4) // 2
    keypoints = raw[:, 4:].reshape(len(raw), n_keypoints, 2) + centre[:, None, :]
    return boxes, keypoints, scores[keep]


def iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Intersection over union of one box (4,) with each of boxes (M, 4), [x0, y0, x1, y1]."""
    ix = np.clip(np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0]), 0, None)
    iy = np.clip(np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1]), 0, None)
    inter = ix * iy
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    union = area + areas - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def weighted_nms(
    boxes: np.ndarray, keypoints: np.ndarray, scores: np.ndarray, min_iou: float = 0.3
) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """Merge overlapping detections into their score-weighted average.

    The best remaining detection absorbs every detection overlapping it by more than
    ``min_iou``; their boxes and keypoints are averaged with the scores as weights
    (steadier than keeping the single best box); the merged score is the best one's.

    Returns:
        A list of (box (4,), keypoints (K, 2), score), best first.
    """
    order = np.argsort(-scores, kind="stable")
    remaining = order
    merged = []
    while remaining.size:
        best = remaining[0]
        overlaps = iou(boxes[best], boxes[remaining]) > min_iou
        overlaps[0] = True
        group = remaining[overlaps]
        weights = scores[group][:, None]
        box = (boxes[group] * weights).sum(0) / weights.sum()
        kps = (keypoints[group] * weights[:, :, None]).sum(0) / weights.sum()
        merged.append((box.astype(np.float32), kps.astype(np.float32), float(scores[best])))
        remaining = remaining[~overlaps]
    return merged
