"""468-point face landmarks of a detected face, through one photo or a video.

The landmark model (see ``mesh.py``) reads a square crop turned to the eye line.
The first crop comes from a detection (box and eye keypoints); a second
pass re-crops around the first pass's points, which centres and sizes the face
the way the model was trained and sharpens the points (MediaPipe does the same
from frame to frame when tracking).

Measurements (``mouth_opening``, ``eye_openness``) are ratios to the
inter-ocular distance, so they do not depend on how large the face is.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from engine.nodes.face.crop import CropTransform
from engine.nodes.face.detect import Face, detect_faces
from engine.nodes.face.image import as_rgb
from engine.nodes.face.mesh import (
    LEFT_EYE_OUTER,
    MIN_PRESENCE,
    RIGHT_EYE_OUTER,
    Landmarks,
    crop_from_box,
    crop_from_points,
    read_landmarks,
)

__all__ = ["Landmarks", "eye_openness", "face_landmarks", "mouth_opening", "track_landmarks"]

UPPER_LIP_INNER, LOWER_LIP_INNER = 13, 14
RIGHT_EYELIDS = (159, 145)  # (upper, lower), subject's right eye
LEFT_EYELIDS = (386, 374)


def crop_from_face(face: Face) -> CropTransform:
    """The model crop for a detection (see ``mesh.crop_from_box``)."""
    return crop_from_box(face.box_xywh, face.keypoints[0], face.keypoints[1])


def face_landmarks(image: np.ndarray, face: Face, *, refine: bool = True) -> Landmarks:
    """Landmarks of one detected face.

    Args:
        image: the photo the face was detected in, (H, W, 3) uint8 RGB (greyscale
            (H, W) accepted).
        face: a detection from ``detect_faces`` on the same image.
        refine: re-crop from the first pass's points and read again (default).
            Skipped when the first pass finds no face.

    Returns:
        Landmarks in photo px. Check ``presence`` >= MIN_PRESENCE before use.

    Example:
        >>> img = skimage.data.astronaut()
        >>> lm = face_landmarks(img, detect_faces(img)[0])
        >>> lm.points.shape, lm.presence > 0.9  # doctest: +SKIP
        ((468, 3), True)
    """
    rgb = as_rgb(image, kind="face.landmarks")
    first = read_landmarks(rgb, crop_from_face(face))
    if not refine or first.presence < MIN_PRESENCE:
        return first
    return read_landmarks(rgb, crop_from_points(first.points))


def _nearest_face(faces: list[Face], centre_xy: np.ndarray | None) -> Face:
    """The face nearest ``centre_xy``, or the largest one when there is no reference."""
    if centre_xy is None:
        return max(faces, key=lambda f: f.size_px)
    return min(faces, key=lambda f: float(np.hypot(*(np.array(f.centre_xy) - centre_xy))))


def track_landmarks(
    frames: Iterable[np.ndarray],
    face: Face | None = None,
    *,
    min_presence: float = MIN_PRESENCE,
) -> Iterator[Landmarks | None]:
    """Landmarks of one face through a sequence of frames.

    Each frame is read in the crop around the previous frame's points (one model
    run a frame). When the face is lost (presence under ``min_presence``, or no
    previous points) the frame is searched with ``detect_faces`` and the face
    nearest the last known position is taken (at the start: ``face`` if given,
    else the largest face).

    Args:
        frames: (H, W, 3) uint8 RGB frames, all of one size.
        face: the face to follow in the first frame (e.g. from the source photo),
            or None to detect it.
        min_presence: presence below which the track counts as lost.

    Yields:
        One item per frame: its Landmarks, or None when no face was found.
    """
    prev: Landmarks | None = None
    last_centre = None if face is None else np.array(face.centre_xy)
    start = face
    for frame in frames:
        rgb = as_rgb(frame, kind="face.track")
        found: Landmarks | None = None
        if prev is not None:
            found = read_landmarks(rgb, crop_from_points(prev.points))
        elif start is not None:
            found = face_landmarks(rgb, start)
        if found is None or found.presence < min_presence:
            faces = detect_faces(rgb)
            found = None
            if faces:
                found = face_landmarks(rgb, _nearest_face(faces, last_centre))
                if found.presence < min_presence:
                    found = None
        start = None
        prev = found
        if found is not None:
            last_centre = found.points[:, :2].mean(axis=0)
        yield found


def _inter_ocular_px(points: np.ndarray) -> np.ndarray:
    """Outer-eye-corner distance (33 to 263) in px, the face-size unit; shape (...)."""
    pts = np.asarray(points, np.float64)
    return np.linalg.norm(pts[..., RIGHT_EYE_OUTER, :2] - pts[..., LEFT_EYE_OUTER, :2], axis=-1)


def _gap(points: np.ndarray, a: int, b: int) -> np.ndarray:
    pts = np.asarray(points, np.float64)
    return np.linalg.norm(pts[..., a, :2] - pts[..., b, :2], axis=-1)


def mouth_opening(points: np.ndarray) -> np.ndarray:
    """Inner-lip gap (13 to 14) over the inter-ocular distance (33 to 263).

    Args:
        points: (468, 2|3) or (T, 468, 2|3) landmarks in px.

    Returns:
        float64 of shape () or (T,): ~0 with closed lips, ~0.3-0.5 wide open.
    """
    return _gap(points, UPPER_LIP_INNER, LOWER_LIP_INNER) / _inter_ocular_px(points)


def eye_openness(points: np.ndarray) -> np.ndarray:
    """Eyelid gaps (159-145 right, 386-374 left) over the inter-ocular distance.

    Args:
        points: (468, 2|3) or (T, 468, 2|3) landmarks in px.

    Returns:
        float64 of shape (2,) or (T, 2): (right eye, left eye), subject's sides;
        ~0.1 open, ~0.02 closed.
    """
    iod = _inter_ocular_px(points)[..., None]
    gaps = np.stack([_gap(points, *RIGHT_EYELIDS), _gap(points, *LEFT_EYELIDS)], axis=-1)
    return gaps / iod
