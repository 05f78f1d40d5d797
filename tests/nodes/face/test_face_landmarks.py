"""468-point landmarks: placement, robustness to old-photo looks, tracking, measurements."""

from __future__ import annotations

import math
import pickle

import cv2
import numpy as np
import pytest
from PIL import Image

from engine.nodes.face.crop import CropTransform
from engine.nodes.face.detect import detect_faces
from engine.nodes.face.landmarks import (
    eye_openness,
    face_landmarks,
    mouth_opening,
    track_landmarks,
)
from engine.nodes.face.regions import REGIONS, region_polygon
from tests.nodes.face.photos import (
    ASTRONAUT_POINTS,
    GRACE_POINTS,
    downscaled,
    greyscale,
    map_points,
    rotated,
    scanned,
    sepia,
)


def landmarks_of(image: np.ndarray):
    faces = detect_faces(image)
    assert len(faces) == 1
    return face_landmarks(image, faces[0])


@pytest.fixture(scope="module")
def astro_lm(astronaut):
    return landmarks_of(astronaut)


@pytest.fixture(scope="module")
def grace_lm(grace):
    return landmarks_of(grace)


def save_overlay(image: np.ndarray, points: np.ndarray, path: str) -> None:
    """Draw the mesh points and region outlines, enlarged 3x, for a person to look at."""
    big = cv2.resize(image, None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC)
    for x, y in points[:, :2] * 3:
        cv2.circle(big, (int(x), int(y)), 1, (255, 255, 0), -1)
    for name in REGIONS:
        poly = (region_polygon(points, name) * 3).astype(np.int32)
        cv2.polylines(big, [poly], True, (255, 0, 0), 1, cv2.LINE_AA)
    Image.fromarray(big).save(path)


@pytest.mark.parametrize(
    ("photo", "hand", "tol_px"),
    [("astronaut", ASTRONAUT_POINTS, 5.0), ("grace", GRACE_POINTS, 7.0)],
)
def test_landmarks_on_hand_measured_points(request, photo, hand, tol_px):
    image = request.getfixturevalue(photo)
    lm = landmarks_of(image)
    save_overlay(image, lm.points, f"/tmp/face_landmarks_{photo}.png")
    assert lm.points.shape == (468, 3) and lm.points.dtype == np.float32
    assert lm.presence > 0.9
    for index, xy in hand.items():
        err = np.hypot(*(lm.points[index, :2] - xy))
        assert err < tol_px, f"point {index} at {lm.points[index, :2]}, measured {xy}"
    # The nose tip is the nearest point to the camera among these.
    assert lm.points[4, 2] < lm.points[[33, 263, 61, 291], 2].min()


@pytest.mark.parametrize("degrade", [greyscale, sepia, scanned])
def test_old_photo_looks_give_the_same_landmarks(astronaut, astro_lm, degrade):
    lm = landmarks_of(degrade(astronaut))
    err = np.hypot(*(lm.points[:, :2] - astro_lm.points[:, :2]).T)
    assert lm.presence > 0.9
    assert err.mean() < 1.5 and err.max() < 5.0


@pytest.mark.parametrize("factor", [0.5, 0.25])
def test_low_resolution_landmarks_scale_back(grace, grace_lm, factor):
    lm = landmarks_of(downscaled(grace, factor))
    err = np.hypot(*(lm.points[:, :2] / factor - grace_lm.points[:, :2]).T)
    assert err.mean() < 2.0  # px of the full-size photo (face ~200 px)


@pytest.mark.parametrize("angle_deg", [-25, 25])
def test_tilted_head_landmarks_follow_the_tilt(astronaut, astro_lm, angle_deg):
    turned, m = rotated(astronaut, angle_deg)
    lm = landmarks_of(turned)
    expected = map_points(astro_lm.points[:, :2].astype(np.float64), m)
    err = np.hypot(*(lm.points[:, :2] - expected).T)
    assert err.mean() < 1.5
    assert math.degrees(lm.crop.angle_rad) == pytest.approx(-angle_deg, abs=4)


def test_refined_pass_differs_from_the_first_but_agrees(astronaut):
    face = detect_faces(astronaut)[0]
    first = face_landmarks(astronaut, face, refine=False)
    second = face_landmarks(astronaut, face)
    shift = np.hypot(*(first.points[:, :2] - second.points[:, :2]).T)
    assert 0 < shift.mean() < 2.0
    assert first.crop.side_px != second.crop.side_px


def test_same_input_same_landmarks(grace, grace_lm):
    again = landmarks_of(grace.copy())
    np.testing.assert_array_equal(again.points, grace_lm.points)
    assert again.presence == grace_lm.presence


def test_mouth_and_eye_measures(astro_lm, grace_lm):
    # The astronaut smiles with parted lips; Grace Hopper's lips are closed.
    assert mouth_opening(astro_lm.points) > 0.08
    assert mouth_opening(grace_lm.points) < 0.04
    for lm in (astro_lm, grace_lm):
        eyes = eye_openness(lm.points)
        assert eyes.shape == (2,)
        assert np.all((eyes > 0.05) & (eyes < 0.2))
    stacked = np.stack([astro_lm.points, grace_lm.points])
    assert mouth_opening(stacked).shape == (2,) and eye_openness(stacked).shape == (2, 2)


def test_measures_on_constructed_points():
    points = np.zeros((468, 3), np.float32)
    points[33, :2], points[263, :2] = (100, 100), (200, 100)  # 100 px apart
    points[13, :2], points[14, :2] = (150, 170), (150, 200)  # lips 30 px apart
    points[159, :2], points[145, :2] = (125, 95), (125, 105)
    points[386, :2], points[374, :2] = (175, 98), (175, 102)
    assert mouth_opening(points) == pytest.approx(0.3)
    np.testing.assert_allclose(eye_openness(points), [0.1, 0.04])


def test_crop_maps_are_inverse_and_sample_the_right_place():
    crop = CropTransform((120.0, 80.0), 96.0, math.radians(30), 192)
    xy = np.array([[0.0, 0.0], [96.0, 96.0], [192.0, 10.0]])
    np.testing.assert_allclose(crop.to_crop(crop.to_photo(xy)), xy, atol=1e-9)
    np.testing.assert_allclose(crop.to_photo(np.array([[96.0, 96.0]])), [[120, 80]])
    # A bright dot 20 px along the crop's turned x axis shows up 40 crop px right of centre.
    image = np.zeros((200, 240, 3), np.uint8)
    dot = (120 + 20 * math.cos(math.radians(30)), 80 + 20 * math.sin(math.radians(30)))
    cv2.circle(image, (round(dot[0] - 0.5), round(dot[1] - 0.5)), 3, (255, 255, 255), -1)
    patch = crop.sample(image)[..., 0].astype(np.float64)
    ys, xs = np.nonzero(patch > 128)
    assert np.hypot(xs.mean() + 0.5 - 136, ys.mean() + 0.5 - 96) < 1.5


def test_tracking_follows_a_moving_face_and_recovers_after_a_gap(astronaut):
    frames, truth = [], []
    base = landmarks_of(astronaut)
    for i in range(8):
        m = cv2.getRotationMatrix2D((256, 256), 2.0 * i, 1.0)
        m[:, 2] += (3.0 * i, 2.0 * i)
        frames.append(cv2.warpAffine(astronaut, m, (512, 512), borderMode=cv2.BORDER_REFLECT))
        truth.append(map_points(base.points[:, :2].astype(np.float64), m))
    frames.insert(4, np.full_like(astronaut, 90))  # the face leaves for one frame
    truth.insert(4, None)
    tracked = list(track_landmarks(frames))
    assert len(tracked) == len(frames)
    assert tracked[4] is None
    for lm, expected in zip(tracked, truth, strict=True):
        if expected is None:
            continue
        assert lm.presence > 0.9
        assert np.hypot(*(lm.points[:, :2] - expected).T).mean() < 2.0
    # Following a given face from the start gives the same points on frame 0.
    first = next(track_landmarks(frames[:1], detect_faces(frames[0])[0]))
    np.testing.assert_allclose(first.points, tracked[0].points, atol=1e-4)


def test_results_survive_a_pickle_round_trip(astronaut, astro_lm):
    """Nodes may run on Dask workers: faces and landmarks must travel."""
    face = detect_faces(astronaut)[0]
    face2, lm2 = pickle.loads(pickle.dumps((face, astro_lm)))
    assert face2.box_xywh == face.box_xywh
    np.testing.assert_array_equal(face2.keypoints, face.keypoints)
    np.testing.assert_array_equal(lm2.points, astro_lm.points)
    assert lm2.crop == astro_lm.crop
