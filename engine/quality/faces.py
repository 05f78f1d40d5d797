"""Faces in decoded frames: BlazeFace detection, 468 landmarks, tracked frame to frame.

QC's own runner of MediaPipe's models (the model files are shared, the code is
not): a face found by a detector is cropped square around its box, turned level
by the eyes and enlarged 1.5x; later frames crop from the previous frame's
landmarks and re-detect only every few frames or when a face is lost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.models.litert import new_interpreter
from engine.quality.crop import Crop, aligned_crop, steady
from engine.quality.ssd import SsdModel, anchor_centres, detect

SHORT_RANGE = SsdModel("face_detection_short_range", 128, (8, 16, 16, 16), 2, 6, (-1.0, 1.0), 0.5)
FULL_RANGE = SsdModel("face_detection_full_range_sparse", 192, (4,), 1, 6, (-1.0, 1.0), 0.5)
LANDMARK_PX = 192
CROP_SCALE = 1.5
MIN_PRESENCE = 0.5
REDETECT_EVERY = 5  # frames between detector passes while faces are tracked
MAX_FACES = 4

# Landmark indices (MediaPipe face mesh). "Right" is the subject's right.
INNER_LIP_TOP, INNER_LIP_BOTTOM = 13, 14
MOUTH_CORNERS = (61, 291)
CHIN, FOREHEAD, BROWS_MIDDLE = 152, 10, 9
RIGHT_EYE = {"outer": 33, "inner": 133, "top": 159, "bottom": 145, "top2": 158, "bottom2": 153}
LEFT_EYE = {"outer": 263, "inner": 362, "top": 386, "bottom": 374, "top2": 385, "bottom2": 380}


@dataclass(frozen=True)
class Face:
    """One face in one frame: (468, 2) landmarks in frame pixels, its track and presence."""

    track: int
    points: np.ndarray
    presence: float

    @property
    def box(self) -> tuple[float, float, float, float]:
        x0, y0 = self.points.min(axis=0)
        x1, y1 = self.points.max(axis=0)
        return float(x0), float(y0), float(x1), float(y1)

    def inside(self, width: int, height: int) -> bool:
        """The face from the brows to the chin within the frame. A face cut by the frame
        edge is not; a forehead cut by a tight portrait's top edge still reads as a face."""
        p = self.points
        up = p[FOREHEAD] - p[CHIN]
        up = up / max(float(np.linalg.norm(up)), 1e-6)
        height_along_up = (p - p[CHIN]) @ up
        judged = p[height_along_up <= (p[BROWS_MIDDLE] - p[CHIN]) @ up]
        x0, y0 = judged.min(axis=0)
        x1, y1 = judged.max(axis=0)
        return x0 >= 0 and y0 >= 0 and x1 <= width - 1 and y1 <= height - 1

    def mouth_open(self) -> float:
        """Gap between the inner lips over the mouth's width (0 closed, ~0.5 wide open)."""
        gap = np.linalg.norm(self.points[INNER_LIP_TOP] - self.points[INNER_LIP_BOTTOM])
        width = np.linalg.norm(self.points[MOUTH_CORNERS[0]] - self.points[MOUTH_CORNERS[1]])
        return float(gap / max(width, 1e-6))

    def eyes_open(self) -> float:
        """Mean eye aspect ratio of both eyes (lid gap over eye width)."""
        ratios = []
        for eye in (RIGHT_EYE, LEFT_EYE):
            p = self.points
            gap = np.linalg.norm(p[eye["top"]] - p[eye["bottom"]]) + np.linalg.norm(
                p[eye["top2"]] - p[eye["bottom2"]]
            )
            width = np.linalg.norm(p[eye["outer"]] - p[eye["inner"]])
            ratios.append(gap / (2.0 * max(width, 1e-6)))
        return float(np.mean(ratios))


def _iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def crop_from_points(points: np.ndarray) -> Crop:
    """The next frame's crop: level by the eye corners, 1.5x the landmarks' extent."""
    right, left = points[RIGHT_EYE["outer"]], points[LEFT_EYE["outer"]]
    centre = (points.min(axis=0) + points.max(axis=0)) / 2.0
    crop = aligned_crop(right, left, centre, 1.0, 0.0)
    # Extent measured along the crop's own axes, so a tilted head is not over-sized.
    c, s = np.cos(crop.angle), np.sin(crop.angle)
    local = (points - centre) @ np.array([[c, -s], [s, c]])
    size = float((local.max(axis=0) - local.min(axis=0)).max()) * CROP_SCALE
    return Crop(float(centre[0]), float(centre[1]), max(size, 8.0), crop.angle)


class FaceTracker:
    """Faces of a video, frame after frame (call ``step`` in order)."""

    def __init__(self):
        self.short = new_interpreter(SHORT_RANGE.model)
        self.full = new_interpreter(FULL_RANGE.model)
        self.landmark = new_interpreter("face_landmark")
        self.anchors = {m.model: anchor_centres(m) for m in (SHORT_RANGE, FULL_RANGE)}
        self.tracks: dict[int, Crop] = {}
        self.next_id = 0
        self.frame_index = 0

    def _landmarks(self, frame: np.ndarray, crop: Crop) -> tuple[np.ndarray, float]:
        patch = crop.cut(frame, LANDMARK_PX).astype(np.float32) / 255.0
        self.landmark.set_tensor(self.landmark.get_input_details()[0]["index"], patch[None])
        self.landmark.invoke()
        outputs = {d["name"]: d["index"] for d in self.landmark.get_output_details()}
        raw = self.landmark.get_tensor(outputs["conv2d_21"]).reshape(-1, 3)[:, :2]
        logit = float(self.landmark.get_tensor(outputs["conv2d_31"]).reshape(-1)[0])
        presence = 1.0 / (1.0 + np.exp(-np.clip(logit, -50, 50)))
        return crop.to_frame(raw, LANDMARK_PX), float(presence)

    def _detect(self, frame: np.ndarray):
        found = detect(self.short, SHORT_RANGE, self.anchors[SHORT_RANGE.model], frame)
        if not found:
            found = detect(self.full, FULL_RANGE, self.anchors[FULL_RANGE.model], frame)
        return found

    def step(self, frame: np.ndarray) -> list[Face]:
        """The faces in this RGB frame (uint8, H x W x 3)."""
        faces: list[Face] = []
        used: dict[int, Crop] = {}
        for track, crop in self.tracks.items():
            points, presence = self._landmarks(frame, crop)
            if presence >= MIN_PRESENCE:
                faces.append(Face(track, points, presence))
                used[track] = crop
        lost = len(faces) < len(self.tracks) or not faces
        if lost or self.frame_index % REDETECT_EVERY == 0:
            for det in self._detect(frame):
                if len(faces) >= MAX_FACES:
                    break
                if any(_iou(det.box, face.box) > 0.3 for face in faces):
                    continue
                x0, y0, x1, y1 = det.box
                centre = ((x0 + x1) / 2, (y0 + y1) / 2)
                size = max(x1 - x0, y1 - y0) * CROP_SCALE
                crop = aligned_crop(det.keypoints[0], det.keypoints[1], centre, size, 0.0)
                points, presence = self._landmarks(frame, crop)
                if presence < MIN_PRESENCE:
                    continue
                faces.append(Face(self.next_id, points, presence))
                self.next_id += 1
        # Two tracks that converged on one face: keep the older.
        kept: list[Face] = []
        for face in sorted(faces, key=lambda f: f.track):
            if all(_iou(face.box, other.box) < 0.5 for other in kept):
                kept.append(face)
        self.tracks = {
            face.track: steady(used.get(face.track), crop_from_points(face.points)) for face in kept
        }
        self.frame_index += 1
        return kept
