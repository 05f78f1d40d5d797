"""One run of MediaPipe's face_landmark model on one crop of a photo.

The model sees a 192 x 192 crop in [0, 1], square, turned so the eye line is
horizontal, and about 1.5x the size of the face; it returns 468 points (x, y in
crop px, z in the same scale, smaller = nearer the camera) and a face-presence
logit. Point numbering is MediaPipe's canonical face mesh: 33 and 263 are the
outer eye corners (subject's right, left), 13 and 14 the inner upper and lower
lip, 159/145 and 386/374 the upper and lower eyelids; see ``regions.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.nodes.face.crop import CropTransform, eye_line_angle, square_around
from engine.nodes.face.interpreters import run_model

MODEL = "face_landmark"
INPUT_PX = 192
N_POINTS = 468
CROP_SCALE = 1.5  # crop side / face size, as in MediaPipe's face landmark graphs
MIN_PRESENCE = 0.5  # below this the crop holds no face (MediaPipe's threshold)
RIGHT_EYE_OUTER, LEFT_EYE_OUTER = 33, 263


@dataclass(frozen=True, eq=False)
class Landmarks:
    """Face landmarks in one photo or frame.

    Attributes:
        points: (468, 3) float32 px: x, y in photo pixels (continuous, pixel
            (0, 0) spans [0, 1)); z in the same scale, relative depth, smaller
            is nearer the camera.
        presence: face-presence score in [0, 1]; under MIN_PRESENCE the crop
            held no face and the points mean nothing.
        crop: the crop the points were read from.
    """

    points: np.ndarray = field(repr=False)
    presence: float
    crop: CropTransform


def read_landmarks(rgb: np.ndarray, crop: CropTransform) -> Landmarks:
    """Run the landmark model on one crop of ``rgb`` (H, W, 3) uint8; points in photo px."""
    x = (crop.sample(rgb).astype(np.float32) / 255.0)[None]
    outputs = run_model(MODEL, x)
    raw = next(o for o in outputs if o.size == N_POINTS * 3).reshape(N_POINTS, 3)
    logit = float(next(o for o in outputs if o.size == 1).ravel()[0])
    presence = 1.0 / (1.0 + np.exp(-np.clip(logit, -100.0, 100.0)))
    pts = np.empty((N_POINTS, 3), np.float64)
    pts[:, :2] = crop.to_photo(raw[:, :2].astype(np.float64))
    pts[:, 2] = raw[:, 2] * (crop.side_px / crop.out_px)  # crop px -> photo px
    return Landmarks(pts.astype(np.float32), float(presence), crop)


def crop_from_box(
    box_xywh: tuple[float, ...], right_eye_xy: np.ndarray, left_eye_xy: np.ndarray
) -> CropTransform:
    """The model crop for a detection: its box squared, 1.5x, turned to the eye line."""
    x, y, w, h = box_xywh
    corners = np.array([[x, y], [x + w, y + h]])
    # A box is axis-aligned: size the square from it unturned, then turn it.
    square = square_around(corners, 0.0, CROP_SCALE, INPUT_PX)
    angle = eye_line_angle(right_eye_xy, left_eye_xy)
    return CropTransform(square.centre_xy, square.side_px, angle, INPUT_PX)


def crop_from_points(points: np.ndarray) -> CropTransform:
    """The model crop around earlier landmarks (468, 2|3) px: turned to 33-263, 1.5x."""
    angle = eye_line_angle(points[RIGHT_EYE_OUTER, :2], points[LEFT_EYE_OUTER, :2])
    return square_around(points[:, :2], angle, CROP_SCALE, INPUT_PX)
