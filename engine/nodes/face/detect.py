"""Face detection with MediaPipe's BlazeFace models (short and full range).

Each model sees a letterboxed square of the photo and predicts, for every SSD
anchor, a box and six keypoints as pixel offsets from the anchor centre plus a
score logit. We decode them, keep the confident ones, and merge overlapping
candidates by a score-weighted average (MediaPipe's "weighted" non-max
suppression), pooled over several passes:

1. the short-range model on the whole photo (faces filling much of the frame),
2. the full-range model on the whole photo (smaller, more distant faces),
3. in big photos, the full-range model on overlapping tiles, which upscales
   faces too small to show at 192 px (group photos, scans at high dpi),
4. when nothing is found, the photo rotated by +-25 degrees (tilted heads).

Every merged candidate is then checked by the landmark model: a candidate whose
crop shows no face (presence under 0.5) is dropped. The many tile windows otherwise
let through textures that look a little like a face (the detector scores those
~0.6, real faces ~0.9).

Reference: Bazarevsky et al., "BlazeFace: Sub-millisecond Neural Face Detection
on Mobile GPUs", 2019; MediaPipe face_detection graphs (Apache-2.0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache

import cv2
import numpy as np

from engine.nodes.face.anchors import anchor_centres
from engine.nodes.face.image import as_rgb
from engine.nodes.face.interpreters import run_model
from engine.nodes.face.mesh import MIN_PRESENCE, crop_from_box, read_landmarks

KEYPOINT_NAMES = ("right_eye", "left_eye", "nose", "mouth", "right_ear", "left_ear")
"""Keypoint order; "right" is the subject's right, the image left in a frontal photo."""

NMS_IOU = 0.3  # MediaPipe's min_suppression_threshold for both detectors
# The full-range model finds faces down to ~6% of its input side (~12 of 192 px), so
# 640 px tiles find faces down to ~40 px, the smallest select_face accepts.
TILE_PX = 640
TILE_MIN_SIDE_PX = 800  # photos at least this long also get a tiled full-range pass
TILE_OVERLAP = 0.25  # fraction of a tile shared with its neighbour
MAX_TILES = 64  # bigger photos get bigger tiles, to bound the time
RETRY_ANGLES_DEG = (25.0, -25.0)  # roll tried when the upright passes find nothing
ROTATE_MAX_PX = 768  # longest side of the copy turned for those retries


@dataclass(frozen=True)
class Detector:
    """One BlazeFace model and how to read it (from its MediaPipe graph)."""

    model: str
    input_px: int
    strides: tuple[int, ...]
    anchors_per_layer: int
    min_score: float


SHORT_RANGE = Detector("face_detection_short_range", 128, (8, 16, 16, 16), 2, 0.5)
FULL_RANGE = Detector("face_detection_full_range_sparse", 192, (4,), 1, 0.6)


@dataclass(frozen=True, eq=False)
class Face:
    """One detected face, in pixels of the photo it was found in.

    Attributes:
        box_xywh: (x, y, w, h) float px: top-left corner, width and height. The box
            runs from about the brows to the chin and may reach past the photo edge.
        score: detector confidence in [0, 1].
        keypoints: (6, 2) float32 px (x, y): right eye, left eye, nose tip, mouth
            centre, right ear, left ear (see KEYPOINT_NAMES).
    """

    box_xywh: tuple[float, float, float, float]
    score: float
    keypoints: np.ndarray = field(repr=False)

    @property
    def centre_xy(self) -> tuple[float, float]:
        x, y, w, h = self.box_xywh
        return (x + w / 2, y + h / 2)

    @property
    def size_px(self) -> float:
        """The longer side of the box, in px."""
        return max(self.box_xywh[2], self.box_xywh[3])

    def to_json(self) -> dict:
        return {
            "box_xywh": [round(float(v), 2) for v in self.box_xywh],
            "score": round(float(self.score), 4),
            "keypoints": np.round(self.keypoints, 2).tolist(),
        }


@dataclass
class _Candidates:
    """Decoded detections before merging: boxes (N, 4) xyxy px, keypoints (N, 6, 2) px."""

    boxes: np.ndarray
    keypoints: np.ndarray
    scores: np.ndarray

    @staticmethod
    def empty() -> _Candidates:
        return _Candidates(
            np.zeros((0, 4), np.float64), np.zeros((0, 6, 2), np.float64), np.zeros(0)
        )

    @staticmethod
    def concat(parts: list[_Candidates]) -> _Candidates:
        if not parts:
            return _Candidates.empty()
        return _Candidates(
            np.concatenate([p.boxes for p in parts]),
            np.concatenate([p.keypoints for p in parts]),
            np.concatenate([p.scores for p in parts]),
        )


@cache
def _anchors(det: Detector) -> np.ndarray:
    return anchor_centres(det.input_px, det.strides, det.anchors_per_layer)


def _letterbox(region: np.ndarray, input_px: int) -> tuple[np.ndarray, float, float, float]:
    """Pad ``region`` (h, w, 3) uint8 to a centred square and resize to the model input.

    Returns:
        (1, input_px, input_px, 3) float32 in [-1, 1], the square side in region px,
        and the left and top padding in region px.
    """
    h, w = region.shape[:2]
    # Shrink by a whole factor with area averaging (so fine texture does not alias;
    # OpenCV's whole-factor path is ~3x faster), then bilinear to the input size.
    # The square grows by up to factor - 1 px on the right and bottom for that.
    factor = max(1, max(h, w) // input_px)
    side = -(-max(h, w) // factor) * factor
    pad_x, pad_y = (max(h, w) - w) // 2, (max(h, w) - h) // 2
    square = cv2.copyMakeBorder(
        region, pad_y, side - h - pad_y, pad_x, side - w - pad_x, cv2.BORDER_CONSTANT, value=0
    )
    if factor > 1:
        square = cv2.resize(square, (side // factor, side // factor), interpolation=cv2.INTER_AREA)
    small = cv2.resize(square, (input_px, input_px), interpolation=cv2.INTER_LINEAR)
    x = small.astype(np.float32) / 127.5 - 1.0
    return x[None], float(side), float(pad_x), float(pad_y)


def _run_detector(det: Detector, region: np.ndarray) -> _Candidates:
    """Detections of one model on one region (h, w, 3) uint8, in region px."""
    x, side, pad_x, pad_y = _letterbox(region, det.input_px)
    outputs = run_model(det.model, x)
    raw = next(o for o in outputs if o.shape[-1] == 16)[0].astype(np.float64)
    logits = next(o for o in outputs if o.shape[-1] == 1)[0, :, 0].astype(np.float64)
    # MediaPipe clips logits to +-100 before the sigmoid.
    scores = 1.0 / (1.0 + np.exp(-np.clip(logits, -100.0, 100.0)))
    keep = scores >= det.min_score
    if not keep.any():
        return _Candidates.empty()
    raw, scores, anchors = raw[keep], scores[keep], _anchors(det)[keep].astype(np.float64)
    # Offsets are in input pixels: / input_px gives fractions of the square.
    centre = anchors + raw[:, 0:2] / det.input_px
    half = raw[:, 2:4] / det.input_px / 2
    boxes = np.concatenate([centre - half, centre + half], axis=1)
    kps = anchors[:, None, :] + raw[:, 4:16].reshape(-1, 6, 2) / det.input_px
    # Fractions of the square -> region px, undoing the letterbox padding.
    pad = np.array([pad_x, pad_y])
    boxes = boxes * side - np.tile(pad, 2)
    kps = kps * side - pad
    return _Candidates(boxes, kps, scores)


def _iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """IoU of one xyxy box with each of (N, 4) xyxy boxes."""
    lo = np.maximum(box[:2], boxes[:, :2])
    hi = np.minimum(box[2:], boxes[:, 2:])
    inter = np.prod(np.clip(hi - lo, 0, None), axis=1)
    area = np.prod(box[2:] - box[:2])
    areas = np.prod(boxes[:, 2:] - boxes[:, :2], axis=1)
    return inter / np.maximum(area + areas - inter, 1e-9)


def weighted_nms(cands: _Candidates, iou_threshold: float = NMS_IOU) -> _Candidates:
    """Merge overlapping candidates into score-weighted averages.

    The best remaining candidate gathers every candidate overlapping it by more than
    ``iou_threshold``; their boxes and keypoints are averaged weighted by score, and
    the group keeps its best score. Ties in score break by input order (stable).
    """
    order = np.argsort(-cands.scores, kind="stable")
    boxes, kps, scores = cands.boxes[order], cands.keypoints[order], cands.scores[order]
    out_b, out_k, out_s = [], [], []
    alive = np.ones(len(scores), bool)
    for i in range(len(scores)):
        if not alive[i]:
            continue
        group = alive & (_iou(boxes[i], boxes) > iou_threshold)
        group[i] = True
        w = scores[group] / scores[group].sum()
        out_b.append(w @ boxes[group])
        out_k.append(np.tensordot(w, kps[group], axes=1))
        out_s.append(scores[i])
        alive &= ~group
    if not out_s:
        return _Candidates.empty()
    return _Candidates(np.array(out_b), np.array(out_k), np.array(out_s))


def _tiles(width: int, height: int) -> list[tuple[int, int, int]]:
    """Overlapping square tiles (x0, y0, side) px covering a big photo.

    Tiles are TILE_PX wide (at most the shorter edge), grown until there are at
    most MAX_TILES; neighbours share TILE_OVERLAP of a tile, so a face smaller
    than that overlap lies whole inside some tile.
    """
    side = min(TILE_PX, width, height)

    def starts(extent: int, side: int) -> list[int]:
        n = max(1, math.ceil((extent - side) / (side * (1 - TILE_OVERLAP))) + 1)
        return [round(i * (extent - side) / max(n - 1, 1)) for i in range(n)]

    while len(starts(width, side)) * len(starts(height, side)) > MAX_TILES:
        side = min(int(side * 1.25), width, height)
    return [(x0, y0, side) for y0 in starts(height, side) for x0 in starts(width, side)]


def _detect_upright(rgb: np.ndarray, tiles: bool = True) -> _Candidates:
    """All candidates of the upright passes (whole photo, both models, tiles)."""
    height, width = rgb.shape[:2]
    parts = [_run_detector(SHORT_RANGE, rgb), _run_detector(FULL_RANGE, rgb)]
    if tiles and max(width, height) >= TILE_MIN_SIDE_PX:
        for x0, y0, side in _tiles(width, height):
            tile = _run_detector(FULL_RANGE, rgb[y0 : y0 + side, x0 : x0 + side])
            offset = np.array([x0, y0], np.float64)
            tile.boxes += np.tile(offset, 2)
            tile.keypoints += offset
            parts.append(tile)
    return _Candidates.concat(parts)


def _detect_rotated(rgb: np.ndarray, angle_deg: float) -> _Candidates:
    """Candidates found in ``rgb`` rotated by ``angle_deg`` (counter-clockwise), in rgb px.

    Keypoints map back exactly; a box maps to the axis-aligned square of its
    size around its mapped centre (BlazeFace boxes are near square). Whole-photo
    passes only: tilted heads small enough to need tiles are rare.
    """
    # Whole-photo passes see at most 192 px: turn a shrunk copy of a big photo.
    shrink = np.ones(2)
    if max(rgb.shape[:2]) > ROTATE_MAX_PX:
        f = ROTATE_MAX_PX / max(rgb.shape[:2])
        small = cv2.resize(rgb, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
        shrink = np.array([small.shape[1] / rgb.shape[1], small.shape[0] / rgb.shape[0]])
        rgb = small
    height, width = rgb.shape[:2]
    centre = (width / 2, height / 2)
    rot = cv2.getRotationMatrix2D(centre, angle_deg, 1.0)
    # Grow the canvas so the corners stay in view.
    cos, sin = abs(rot[0, 0]), abs(rot[0, 1])
    new_w, new_h = int(height * sin + width * cos), int(height * cos + width * sin)
    rot[:, 2] += (new_w / 2 - centre[0], new_h / 2 - centre[1])
    turned = cv2.warpAffine(rgb, rot, (new_w, new_h), flags=cv2.INTER_LINEAR)
    cands = _detect_upright(turned, tiles=False)
    back = cv2.invertAffineTransform(rot)

    def unrotate(xy: np.ndarray) -> np.ndarray:
        # The matrix maps pixel indices; our points are continuous px (centres +0.5).
        return (xy - 0.5) @ back[:, :2].T + back[:, 2] + 0.5

    kps = unrotate(cands.keypoints.reshape(-1, 2)).reshape(-1, 6, 2)
    mid = unrotate((cands.boxes[:, :2] + cands.boxes[:, 2:]) / 2)
    half = (cands.boxes[:, 2:] - cands.boxes[:, :2]) / 2
    boxes = np.concatenate([mid - half, mid + half], axis=1)
    # Pixel corners scale with the image: shrunk px -> photo px.
    return _Candidates(boxes / np.tile(shrink, 2), kps / shrink, cands.scores)


def _to_faces(rgb: np.ndarray, cands: _Candidates) -> list[Face]:
    """Merge candidates into faces, keep those the landmark model confirms, left to right."""
    merged = weighted_nms(cands)
    faces = []
    for b, k, s in zip(merged.boxes, merged.keypoints, merged.scores, strict=True):
        box = (float(b[0]), float(b[1]), float(b[2] - b[0]), float(b[3] - b[1]))
        crop = crop_from_box(box, k[0], k[1])
        if read_landmarks(rgb, crop).presence >= MIN_PRESENCE:
            faces.append(Face(box_xywh=box, score=float(s), keypoints=k.astype(np.float32)))
    return sorted(faces, key=lambda f: f.centre_xy[0])


def detect_faces(image: np.ndarray) -> list[Face]:
    """Find the faces in a photo.

    Args:
        image: the photo, (H, W, 3) uint8 RGB; (H, W) or (H, W, 1) greyscale and
            (H, W, 4) RGBA are accepted too.

    Returns:
        The faces, sorted left to right by box centre (so ``face: 0`` is the
        leftmost). Empty when there is none.

    Raises:
        NodeError: the array is not an image.

    Example:
        >>> faces = detect_faces(skimage.data.astronaut())
        >>> [round(v) for v in faces[0].box_xywh]  # doctest: +SKIP
        [177, 79, 96, 96]
    """
    rgb = as_rgb(image, kind="face.detect")
    faces = _to_faces(rgb, _detect_upright(rgb))
    if not faces:
        turned = _Candidates.concat([_detect_rotated(rgb, a) for a in RETRY_ANGLES_DEG])
        faces = _to_faces(rgb, turned)
    return faces


def detect_faces_in_box(image: np.ndarray, box_xywh: tuple[float, ...]) -> list[Face]:
    """Faces inside a region the user pointed at, for faces the whole-photo passes miss.

    The box is grown 1.5x about its centre, clipped to the photo and searched on its
    own (so a small face fills more of the model input), upright then turned.

    Returns:
        Faces in photo px, sorted left to right; empty when there is none.
    """
    rgb = as_rgb(image, kind="face.detect")
    x, y, w, h = box_xywh
    side = max(w, h) * 1.5
    cx, cy = x + w / 2, y + h / 2
    x0, y0 = max(0, int(cx - side / 2)), max(0, int(cy - side / 2))
    x1 = min(rgb.shape[1], int(math.ceil(cx + side / 2)))
    y1 = min(rgb.shape[0], int(math.ceil(cy + side / 2)))
    if x1 - x0 < 8 or y1 - y0 < 8:
        return []
    region = np.ascontiguousarray(rgb[y0:y1, x0:x1])
    offset = np.array([x0, y0], np.float64)

    def in_photo(cands: _Candidates) -> _Candidates:
        cands.boxes += np.tile(offset, 2)
        cands.keypoints += offset
        return cands

    faces = _to_faces(rgb, in_photo(_detect_upright(region, tiles=False)))
    if not faces:
        turned = [_detect_rotated(region, a) for a in RETRY_ANGLES_DEG]
        faces = _to_faces(rgb, in_photo(_Candidates.concat(turned)))
    return faces
