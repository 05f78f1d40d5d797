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
    """The most prominent bodies of a video, frame after frame (call ``step`` in order)."""

    def __init__(self):
        self.detector = new_interpreter(DETECTOR.model)
        # The body model is qc's heaviest step (~14 ms a frame): give it both cores when
        # they are there; the decoder's thread and the face model are light.
        self.landmark = new_interpreter(LANDMARK_MODEL, threads=min(2, os.cpu_count() or 1))
        self.anchors = anchor_centres(DETECTOR)
        self.crops: list[Crop] = []

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
        self.crops = []

    def step(self, frame: np.ndarray, most: int = 1) -> list[Body]:
        """Up to ``most`` bodies in this RGB frame: each followed from its crop in the last
        frame, the missing ones detected again (a stage shows several performers)."""
        bodies: list[Body] = []
        centres: list[tuple[np.ndarray, float]] = []  # (hip centre, body size) of each
        crops: list[Crop] = []

        def take(crop: Crop) -> bool:
            points, visibility, presence = self._landmarks(frame, crop)
            if presence < MIN_PRESENCE or _near(points[33], centres):
                return False
            bodies.append(Body(points[:N_KEYPOINTS], visibility, presence))
            centres.append((points[33], float(np.linalg.norm(points[34] - points[33]))))
            crops.append(steady(crop, _crop(points[33], points[34])))
            return True

        for crop in self.crops[:most]:
            take(crop)
        # The detector reports the most prominent person: look again with the bodies
        # found so far painted over, until no one new turns up.
        picture = _painted_over(frame, bodies) if bodies else frame
        for _ in range(most - len(bodies)):
            found = detect(self.detector, DETECTOR, self.anchors, picture)
            new = [d for d in found if not _near(d.keypoints[0], centres)]
            if not new or not take(_crop(new[0].keypoints[0], new[0].keypoints[1])):
                break
            picture = _painted_over(frame, bodies)
        self.crops = crops
        return bodies


def _painted_over(frame: np.ndarray, bodies: list[Body], margin: float = 0.15) -> np.ndarray:
    """A copy of the frame with each body's box (its seen keypoints, grown by ``margin``)
    filled with the frame's median colour."""
    out = frame.copy()
    fill = np.median(frame[::8, ::8].reshape(-1, 3), axis=0).astype(np.uint8)
    h, w = frame.shape[:2]
    for body in bodies:
        seen = body.points[body.visibility > 0.5]
        if len(seen) < 2:
            continue
        (x0, y0), (x1, y1) = seen.min(axis=0), seen.max(axis=0)
        dx, dy = margin * (x1 - x0), margin * (y1 - y0)
        x0, x1 = int(np.clip(x0 - dx, 0, w)), int(np.clip(x1 + dx, 0, w))
        y0, y1 = int(np.clip(y0 - dy, 0, h)), int(np.clip(y1 + dy, 0, h))
        out[y0:y1, x0:x1] = fill
    return out


def _near(hip: np.ndarray, centres: list[tuple[np.ndarray, float]]) -> bool:
    """Whether a hip centre lies on a body already found (within a quarter of its size)."""
    return any(np.linalg.norm(hip - c) < 0.25 * size for c, size in centres)
