"""Face room: detection, 468-point landmarks, tracking, measurements, face selection.

Pure functions over (H, W, 3) uint8 RGB arrays; the tflite models run through
ai-edge-litert with one interpreter per model per thread.
"""

from engine.nodes.face.detect import Face, detect_faces, detect_faces_in_box
from engine.nodes.face.landmarks import (
    Landmarks,
    eye_openness,
    face_landmarks,
    mouth_opening,
    track_landmarks,
)
from engine.nodes.face.regions import REGIONS, region_polygon
from engine.nodes.face.select import select_face

__all__ = [
    "REGIONS",
    "Face",
    "Landmarks",
    "detect_faces",
    "detect_faces_in_box",
    "eye_openness",
    "face_landmarks",
    "mouth_opening",
    "region_polygon",
    "select_face",
    "track_landmarks",
]
