"""People in a photo: person boxes (pose detector) and 33 body keypoints with a mask.

Two mediapipe BlazePose models (Apache-2.0) run through ai-edge-litert:

- ``pose_detection``: 224x224 RGB in [-1, 1], the photo letterboxed into it. An SSD
  over 2254 anchors (see ``anchors``) gives, per person, a face box and 4 keypoints:
  hip centre, full-body scale point, shoulder centre, upper-body scale point.
- ``pose_landmark_full``: 256x256 RGB in [0, 1], a square crop centred on the hip centre,
  side 2.5x the hip-centre→scale-point distance, rotated so that the body is upright.
  Outputs 39 landmarks x (x, y, z, visibility, presence) in crop pixels (33 body points
  and 2 auxiliary ones that give the next frame's crop), a pose-presence score, a
  256x256 segmentation logit map and 64x64 heatmaps that refine x and y.

Keypoint order (left/right are the person's own): 0 nose, 1-3 left eye inner/centre/
outer, 4-6 right eye, 7-8 ears, 9-10 mouth, 11-12 shoulders, 13-14 elbows, 15-16 wrists,
17-22 pinky/index/thumb, 23-24 hips, 25-26 knees, 27-28 ankles, 29-30 heels, 31-32 toes.

Bazarevsky et al., "BlazePose: On-device Real-time Body Pose tracking", 2020.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np

from engine.errors import NodeError
from engine.nodes.body.anchors import INPUT_PX, decode, ssd_anchor_centres, weighted_nms
from engine.nodes.body.image import as_rgb
from engine.nodes.body.interpreters import run_model
from engine.nodes.body.roi import Roi, crop, roi_from_keypoints, uncrop

N_KEYPOINTS = 33
LANDMARK_PX = 256
HEATMAP_PX = 64
HEATMAP_KERNEL = 7  # cells of the window whose weighted mean refines a keypoint
MIN_HEATMAP_CONFIDENCE = 0.5
CROP_ENLARGE = 1.25  # margin the landmark model was trained with

KEYPOINT_NAMES = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner",
    "right_eye", "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist",
    "right_wrist", "left_pinky", "right_pinky", "left_index", "right_index",
    "left_thumb", "right_thumb", "left_hip", "right_hip", "left_knee", "right_knee",
    "left_ankle", "right_ankle", "left_heel", "right_heel", "left_foot_index",
    "right_foot_index",
)  # fmt: skip
KEYPOINT = {name: i for i, name in enumerate(KEYPOINT_NAMES)}


@dataclass(frozen=True)
class PersonBox:
    """One person found by the detector, in image pixels.

    Attributes:
        score: detector confidence in [0, 1].
        face_box_px: (4,) float32 [x0, y0, x1, y1] around the face.
        keypoints_px: (4, 2) float32: hip centre, full-body scale point, shoulder
            centre, upper-body scale point.
        roi: the crop ``pose_landmarks`` reads.
    """

    score: float
    face_box_px: np.ndarray
    keypoints_px: np.ndarray
    roi: Roi

    @property
    def hip_centre_px(self) -> np.ndarray:
        return self.keypoints_px[0]


@dataclass(frozen=True)
class Pose:
    """33 body keypoints of one person and their mask.

    Attributes:
        points: (33, 3) float32: x, y in image pixels and z, depth relative to the hip
            centre in the same pixel scale (smaller is nearer the camera).
        visibility: (33,) float32 in [0, 1]: the keypoint is in view and not occluded.
        presence: float in [0, 1]: a person is in the crop at all.
        mask: (H, W) float32 in [0, 1], the person's silhouette in image coordinates,
            or None when not asked for.
        roi: the crop the keypoints were read from.
        aux_px: (2, 2) float32: the model's own hip centre and scale point, which
            give the next frame's crop when tracking.
        image_hw: (height, width) of the photo in pixels.
    """

    points: np.ndarray
    visibility: np.ndarray
    presence: float
    mask: np.ndarray | None
    roi: Roi
    aux_px: np.ndarray
    image_hw: tuple[int, int]

    def xy(self, name: str) -> np.ndarray:
        """(2,) float32 image position of the keypoint ``name`` (e.g. "left_wrist")."""
        return self.points[KEYPOINT[name], :2]


@cache
def _anchors() -> np.ndarray:
    return ssd_anchor_centres()


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -80.0, 80.0)))


def _letterbox(rgb: np.ndarray) -> tuple[np.ndarray, float, float, float, float]:
    """Fit ``rgb`` into a black 224x224 square keeping its aspect.

    Returns:
        The (224, 224, 3) uint8 square, x and y scale (square px per image px) and the
        x and y padding in square pixels.
    """
    h, w = rgb.shape[:2]
    scale = INPUT_PX / max(h, w)
    new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    # INTER_AREA averages source pixels: no aliasing when shrinking a large photo.
    small = cv2.resize(rgb, (new_w, new_h), interpolation=cv2.INTER_AREA)
    pad_x, pad_y = (INPUT_PX - new_w) // 2, (INPUT_PX - new_h) // 2
    square = np.zeros((INPUT_PX, INPUT_PX, 3), np.uint8)
    square[pad_y : pad_y + new_h, pad_x : pad_x + new_w] = small
    return square, new_w / w, new_h / h, pad_x, pad_y


def detect_people(image: np.ndarray, min_score: float = 0.5) -> list[PersonBox]:
    """Find the people in a photo with the BlazePose detector.

    Args:
        image: (H, W, 3) uint8 RGB, or (H, W) greyscale.
        min_score: detector confidence in [0, 1] a person needs.

    Returns:
        One ``PersonBox`` per person, ordered left to right by hip centre; empty when
        there is nobody.
    """
    rgb = as_rgb(image)
    square, sx, sy, pad_x, pad_y = _letterbox(rgb)
    x = (square.astype(np.float32) / 127.5 - 1.0)[None]
    raw_boxes, raw_scores = run_model("pose_detection", x)
    boxes, keypoints, scores = decode(raw_boxes[0], raw_scores[0, :, 0], _anchors(), min_score)
    people = []
    for box, kps, score in weighted_nms(boxes, keypoints, scores):
        # Square-normalised (edges at 0 and 1) → image pixel centres.
        to_px = np.array([sx, sy])
        pad = np.array([pad_x, pad_y])
        kps_px = (kps * INPUT_PX - pad) / to_px - 0.5
        corners = (box.reshape(2, 2) * INPUT_PX - pad) / to_px - 0.5
        roi = roi_from_keypoints(kps_px[0], kps_px[1], CROP_ENLARGE)
        people.append(
            PersonBox(
                score=score,
                face_box_px=corners.reshape(4).astype(np.float32),
                keypoints_px=kps_px.astype(np.float32),
                roi=roi,
            )
        )
    return sorted(people, key=lambda p: float(p.hip_centre_px[0]))


def _refine_with_heatmap(xy_norm: np.ndarray, heatmap: np.ndarray) -> np.ndarray:
    """Move each keypoint to the confidence-weighted mean of its heatmap near it.

    Args:
        xy_norm: (K, 2) keypoints in [0, 1] of the crop.
        heatmap: (64, 64, K) logits.

    Returns:
        (K, 2) refined keypoints; unchanged where the heatmap is unsure (< 0.5).
    """
    size = heatmap.shape[0]
    half = HEATMAP_KERNEL // 2
    out = xy_norm.copy()
    for k in range(xy_norm.shape[0]):
        col, row = int(xy_norm[k, 0] * size), int(xy_norm[k, 1] * size)
        if not (0 <= col < size and 0 <= row < size):
            continue
        r0, r1 = max(0, row - half), min(size, row + half + 1)
        c0, c1 = max(0, col - half), min(size, col + half + 1)
        conf = _sigmoid(heatmap[r0:r1, c0:c1, k])
        if conf.max() < MIN_HEATMAP_CONFIDENCE:
            continue
        rows, cols = np.mgrid[r0:r1, c0:c1]
        # Cell i stands for i / size, not (i + 0.5) / size: measured on mirrored photos,
        # this is the convention without a left/right bias (as mediapipe decodes it).
        out[k, 0] = (cols * conf).sum() / conf.sum() / size
        out[k, 1] = (rows * conf).sum() / conf.sum() / size
    return out


def pose_landmarks(image: np.ndarray, person: PersonBox | Roi, *, with_mask: bool = True) -> Pose:
    """33 keypoints, their visibility and the person's mask, read from one crop.

    Args:
        image: (H, W, 3) uint8 RGB, or (H, W) greyscale.
        person: a ``PersonBox`` from ``detect_people``, or a ``Roi`` (when tracking, the
            previous frame's ``roi_from_pose``).
        with_mask: also return the (H, W) mask (costs one warp of the image's size).

    Returns:
        A ``Pose``; check ``presence`` (< 0.5: no person in the crop).
    """
    rgb = as_rgb(image)
    roi = person.roi if isinstance(person, PersonBox) else person
    if not roi.size_px > 1.0:
        raise NodeError(
            f"person crop is degenerate ({roi.size_px:.1f} px)",
            hint="the detector returned a person of no size; try a larger photo",
        )
    patch = crop(rgb, roi, LANDMARK_PX).astype(np.float32) / 255.0
    raw_landmarks, raw_presence, raw_mask, heatmap, _world = run_model(
        "pose_landmark_full", patch[None]
    )
    values = raw_landmarks.reshape(-1, 5)  # 39 x (x, y, z, visibility, presence)
    xy_norm = _refine_with_heatmap(values[:, :2] / LANDMARK_PX, heatmap[0])
    xy_px = roi.crop_to_image(xy_norm)
    # z shares the crop's pixel scale: crop px → image px.
    z_px = values[:, 2] / LANDMARK_PX * roi.size_px
    points = np.concatenate([xy_px, z_px[:, None]], axis=1).astype(np.float32)
    mask = None
    if with_mask:
        crop_mask = _sigmoid(raw_mask[0, :, :, 0]).astype(np.float32)
        mask = uncrop(crop_mask, roi, rgb.shape[0], rgb.shape[1])
    return Pose(
        points=points[:N_KEYPOINTS],
        visibility=_sigmoid(values[:N_KEYPOINTS, 3]).astype(np.float32),
        presence=float(np.clip(raw_presence.reshape(-1)[0], 0.0, 1.0)),
        mask=mask,
        roi=roi,
        aux_px=xy_px[N_KEYPOINTS : N_KEYPOINTS + 2].copy(),
        image_hw=(rgb.shape[0], rgb.shape[1]),
    )


def roi_from_pose(pose: Pose) -> Roi:
    """The crop for the next video frame, from this frame's auxiliary keypoints."""
    return roi_from_keypoints(pose.aux_px[0], pose.aux_px[1], CROP_ENLARGE)
