"""Bodies in decoded frames: BlazePose detection and 33 keypoints, tracked.

QC's own runner of MediaPipe's pose models. The detector gives the hip centre
and a point above the head; the crop is centred on the hips, turned so that the
body stands upright, and twice the hip-to-head distance, enlarged 1.25x. Later
frames crop from the previous frame's keypoints 33 and 34 (the same two points,
predicted by the landmark model) and detect again only when the body is lost.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from engine.models.litert import new_interpreter
from engine.quality.crop import Crop, aligned_crop, steady
from engine.quality.ssd import SsdModel, anchor_centres, detect

DETECTOR = SsdModel("pose_detection", 224, (8, 16, 32, 32, 32), 2, 4, (-1.0, 1.0), 0.5)
LANDMARK_MODEL = "pose_landmark_full"
LANDMARK_PX = 256
CROP_SCALE = 1.25
MIN_PRESENCE = 0.5
N_KEYPOINTS = 33

# BlazePose keypoints
NOSE = 0
L_SHOULDER, R_SHOULDER, L_ELBOW, R_ELBOW, L_WRIST, R_WRIST = 11, 12, 13, 14, 15, 16
L_HIP, R_HIP, L_KNEE, R_KNEE, L_ANKLE, R_ANKLE = 23, 24, 25, 26, 27, 28
L_HEEL, R_HEEL, L_FOOT, R_FOOT = 29, 30, 31, 32
BONES = {
    "l_upper_arm": (L_SHOULDER, L_ELBOW),
    "r_upper_arm": (R_SHOULDER, R_ELBOW),
    "l_forearm": (L_ELBOW, L_WRIST),
    "r_forearm": (R_ELBOW, R_WRIST),
    "shoulders": (L_SHOULDER, R_SHOULDER),
    "hips": (L_HIP, R_HIP),
    "l_flank": (L_SHOULDER, L_HIP),
    "r_flank": (R_SHOULDER, R_HIP),
    "l_thigh": (L_HIP, L_KNEE),
    "r_thigh": (R_HIP, R_KNEE),
    "l_shin": (L_KNEE, L_ANKLE),
    "r_shin": (R_KNEE, R_ANKLE),
}


@dataclass(frozen=True)
class Body:
    """One body in one frame: (33, 2) keypoints in frame px, (33,) visibility in [0, 1]."""

    points: np.ndarray
    visibility: np.ndarray
    presence: float


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.clip(np.asarray(x, np.float64), -50, 50)))


def _crop(hip: np.ndarray, top: np.ndarray) -> Crop:
    size = 2.0 * float(np.linalg.norm(top - hip)) * CROP_SCALE
    return aligned_crop(hip, top, hip, max(size, 16.0), 90.0)


class BodyTracker:
    """The most prominent body of a video, frame after frame (call ``step`` in order)."""

    def __init__(self):
        self.detector = new_interpreter(DETECTOR.model)
        # The body model is qc's heaviest step (~14 ms a frame): give it both cores when
        # they are there; the decoder's thread and the face model are light.
        self.landmark = new_interpreter(LANDMARK_MODEL, threads=min(2, os.cpu_count() or 1))
        self.anchors = anchor_centres(DETECTOR)
        self.crop: Crop | None = None

    def _landmarks(self, frame: np.ndarray, crop: Crop):
        patch = crop.cut(frame, LANDMARK_PX).astype(np.float32) / 255.0
        self.landmark.set_tensor(self.landmark.get_input_details()[0]["index"], patch[None])
        self.landmark.invoke()
        by_size = {int(np.prod(d["shape"])): d["index"] for d in self.landmark.get_output_details()}
        raw = self.landmark.get_tensor(by_size[195]).reshape(39, 5)
        # The presence output is already a probability; visibility comes as logits.
        presence = float(self.landmark.get_tensor(by_size[1]).reshape(-1)[0])
        points = crop.to_frame(raw[:, :2], LANDMARK_PX)
        visibility = _sigmoid(raw[:N_KEYPOINTS, 3]).astype(np.float32)
        return points, visibility, presence

    def reset(self) -> None:
        self.crop = None

    def step(self, frame: np.ndarray) -> Body | None:
        """The body in this RGB frame, or None."""
        attempts = ("track", "detect") if self.crop is not None else ("detect",)
        for attempt in attempts:
            crop = self.crop
            if attempt == "detect":
                found = detect(self.detector, DETECTOR, self.anchors, frame)
                if not found:
                    break
                crop = _crop(found[0].keypoints[0], found[0].keypoints[1])
            points, visibility, presence = self._landmarks(frame, crop)
            if presence >= MIN_PRESENCE:
                self.crop = steady(crop, _crop(points[33], points[34]))
                return Body(points[:N_KEYPOINTS], visibility, presence)
        self.crop = None
        return None
