"""468-point face landmarks with MediaPipe's face_landmark model.

The model sees a 192 x 192 crop in [0, 1], square, turned so the eye line is
horizontal, and about 1.5x the size of the face; it returns 468 points (x, y in
crop px, z in the same scale, smaller = nearer the camera) and a face-presence
logit. The first crop comes from a detection (box and eye keypoints); a second
pass re-crops around the first pass's points, which centres and sizes the face
the way the model was trained and sharpens the points (MediaPipe does the same
from frame to frame when tracking).

Point numbering is MediaPipe's canonical face mesh: 33 and 263 are the outer
eye corners (subject's right, left), 13 and 14 the inner upper and lower lip,
159/145 and 386/374 the upper and lower eyelids; see ``regions.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from engine.nodes.face.crop import CropTransform, eye_line_angle, square_around
from engine.nodes.face.detect import Face, detect_faces
from engine.nodes.face.image import as_rgb
from engine.nodes.face.interpreters import run_model

MODEL = "face_landmark"
INPUT_PX = 192
N_POINTS = 468
CROP_SCALE = 1.5  # crop side / face size, as in MediaPipe's face landmark graphs
MIN_PRESENCE = 0.5  # below this the crop holds no face (MediaPipe's threshold)
RIGHT_EYE_OUTER, LEFT_EYE_OUTER = 33, 263
UPPER_LIP_INNER, LOWER_LIP_INNER = 13, 14
RIGHT_EYELIDS = (159, 145)  # (upper, lower), subject's right eye
LEFT_EYELIDS = (386, 374)


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


def _read_crop(rgb: np.ndarray, crop: CropTransform) -> Landmarks:
    """Run the landmark model on one crop of ``rgb`` and map its points to the photo."""
    x = (crop.sample(rgb).astype(np.float32) / 255.0)[None]
    outputs = run_model(MODEL, x)
    raw = next(o for o in outputs if o.size == N_POINTS * 3).reshape(N_POINTS, 3)
    logit = float(next(o for o in outputs if o.size == 1).ravel()[0])
    presence = 1.0 / (1.0 + np.exp(-np.clip(logit, -100.0, 100.0)))
    pts = np.empty((N_POINTS, 3), np.float64)
    pts[:, :2] = crop.to_photo(raw[:, :2].astype(np.float64))
    pts[:, 2] = raw[:, 2] * (crop.side_px / crop.out_px)  # crop px -> photo px
    return Landmarks(pts.astype(np.float32), float(presence), crop)


def crop_from_face(face: Face) -> CropTransform:
    """The model crop for a detection: its box, squared, 1.5x, turned to the eyes."""
    angle = eye_line_angle(face.keypoints[0], face.keypoints[1])
    x, y, w, h = face.box_xywh
    corners = np.array([[x, y], [x + w, y + h]])
    # A box is axis-aligned: size the square from it unturned, then turn it.
    square = square_around(corners, 0.0, CROP_SCALE, INPUT_PX)
    return CropTransform(square.centre_xy, square.side_px, angle, INPUT_PX)


def crop_from_points(points: np.ndarray) -> CropTransform:
    """The model crop around earlier landmarks (468, 2 or 3) px: turned to 33-263, 1.5x."""
    angle = eye_line_angle(points[RIGHT_EYE_OUTER, :2], points[LEFT_EYE_OUTER, :2])
    return square_around(points[:, :2], angle, CROP_SCALE, INPUT_PX)


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
    first = _read_crop(rgb, crop_from_face(face))
    if not refine or first.presence < MIN_PRESENCE:
        return first
    return _read_crop(rgb, crop_from_points(first.points))


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
            found = _read_crop(rgb, crop_from_points(prev.points))
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
