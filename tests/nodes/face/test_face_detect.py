"""Face detection on package photos, degraded copies, groups, and photos with no face."""

from __future__ import annotations

import threading

import cv2
import numpy as np
import pytest
import skimage.data

from engine.errors import NodeError
from engine.nodes.face.anchors import anchor_centres
from engine.nodes.face.detect import (
    FULL_RANGE,
    SHORT_RANGE,
    _Candidates,
    _detect_rotated,
    _tiles,
    detect_faces,
    detect_faces_in_box,
    weighted_nms,
)
from tests.nodes.face.photos import (
    ASTRONAUT_PUPILS,
    GRACE_PUPILS,
    downscaled,
    greyscale,
    map_points,
    rotated,
    scanned,
    sepia,
)


def centre(face) -> np.ndarray:
    return np.array(face.centre_xy)


# --- anchors and merging -------------------------------------------------------------


def test_anchor_counts_match_the_models_outputs():
    short = anchor_centres(SHORT_RANGE.input_px, SHORT_RANGE.strides, 2)
    full = anchor_centres(FULL_RANGE.input_px, FULL_RANGE.strides, 1)
    assert short.shape == (896, 2) and full.shape == (2304, 2)
    # First layer: 16x16 grid, 2 anchors per cell, row-major from the top-left.
    np.testing.assert_allclose(short[:3], [[0.5 / 16, 0.5 / 16]] * 2 + [[1.5 / 16, 0.5 / 16]])
    # Stride-16 layers: 8x8 grid, the three layers' 2 anchors each share a cell.
    np.testing.assert_allclose(short[512:518], [[0.5 / 8, 0.5 / 8]] * 6)
    np.testing.assert_allclose(full[-1], [47.5 / 48, 47.5 / 48])


def test_weighted_nms_averages_overlaps_and_keeps_separate_boxes():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], float)
    kps = np.repeat(boxes[:, None, :2], 6, axis=1)
    scores = np.array([0.9, 0.6, 0.7])
    out = weighted_nms(_Candidates(boxes, kps, scores))
    assert len(out.scores) == 2
    np.testing.assert_allclose(out.boxes[0], [0.4, 0.4, 10.4, 10.4])  # 0.6/0.4 weights
    np.testing.assert_allclose(out.scores, [0.9, 0.7])
    np.testing.assert_allclose(out.keypoints[1], [[50, 50]] * 6)


def test_tiles_cover_a_big_photo_with_overlap():
    tiles = _tiles(2400, 1600)
    cover = np.zeros((1600, 2400), bool)
    for x0, y0, side in tiles:
        assert side == 640 and x0 + side <= 2400 and y0 + side <= 1600
        cover[y0 : y0 + side, x0 : x0 + side] = True
    assert cover.all()
    assert len(_tiles(8000, 6000)) <= 64


# --- package photos --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("photo", "pupils", "centre_xy", "size_px"),
    [
        ("astronaut", ASTRONAUT_PUPILS, (223, 127), (80, 120)),
        ("grace", GRACE_PUPILS, (266, 240), (170, 240)),
    ],
)
def test_package_faces_found_where_they_are(request, photo, pupils, centre_xy, size_px):
    faces = detect_faces(request.getfixturevalue(photo))
    assert len(faces) == 1
    face = faces[0]
    assert face.score > 0.8
    assert size_px[0] <= face.size_px <= size_px[1]
    assert np.hypot(*(centre(face) - centre_xy)) < 0.12 * face.size_px
    # Detector eye keypoints on the hand-measured pupils (within 8% of the face).
    np.testing.assert_allclose(face.keypoints[:2], pupils, atol=0.08 * face.size_px)
    # Right eye (subject's) is on the image left; nose between eyes and mouth.
    kp = face.keypoints
    assert kp[0, 0] < kp[2, 0] < kp[1, 0]
    assert kp[0, 1] < kp[2, 1] < kp[3, 1]


@pytest.mark.parametrize("degrade", [greyscale, sepia, scanned])
def test_old_photo_looks_still_found(grace, degrade):
    base = detect_faces(grace)[0]
    faces = detect_faces(degrade(grace))
    assert len(faces) == 1
    np.testing.assert_allclose(faces[0].box_xywh, base.box_xywh, atol=6)


def test_greyscale_2d_and_rgba_inputs_accepted(astronaut):
    grey = greyscale(astronaut)
    a = detect_faces(grey)[0]
    b = detect_faces(np.repeat(grey[:, :, None], 3, axis=2))[0]
    rgba = np.dstack([astronaut, np.full(astronaut.shape[:2], 255, np.uint8)])
    c = detect_faces(rgba)[0]
    assert a.box_xywh == b.box_xywh
    np.testing.assert_allclose(c.box_xywh, detect_faces(astronaut)[0].box_xywh)


@pytest.mark.parametrize("factor", [0.5, 0.25])
def test_low_resolution_copies_still_found(astronaut, factor):
    base = detect_faces(astronaut)[0]
    faces = detect_faces(downscaled(astronaut, factor))
    assert len(faces) == 1
    np.testing.assert_allclose(centre(faces[0]) / factor, centre(base), atol=6)


@pytest.mark.parametrize("angle_deg", [-30, -20, 20, 30, 50])
def test_tilted_heads_found(astronaut, angle_deg):
    """Up to ~30 degrees the upright passes find it; beyond, the turned retry does."""
    base = detect_faces(astronaut)[0]
    turned, m = rotated(astronaut, angle_deg)
    faces = detect_faces(turned)
    assert len(faces) == 1
    expected = map_points(base.keypoints, m)
    np.testing.assert_allclose(faces[0].keypoints[:4], expected[:4], atol=0.1 * base.size_px)


@pytest.mark.parametrize(("scale", "angle_deg"), [(1, 25), (2, -25)])
def test_turned_retry_maps_points_back_to_the_photo(astronaut, scale, angle_deg):
    """The fallback pass (used when upright passes find nothing) on a photo turned
    internally, shrunk first when big; its points must land back on the face."""
    photo = cv2.resize(astronaut, None, fx=scale, fy=scale) if scale != 1 else astronaut
    merged = weighted_nms(_detect_rotated(photo, angle_deg))
    assert len(merged.scores) == 1
    # On the hand-measured pupils, as the upright detection is (8% of the face).
    np.testing.assert_allclose(merged.keypoints[0, :2] / scale, ASTRONAUT_PUPILS, atol=8)


def test_group_photo_faces_come_left_to_right(astronaut, grace):
    left = cv2.resize(grace, (440, 512), interpolation=cv2.INTER_AREA)
    group = np.concatenate([left, astronaut], axis=1)  # grace left, astronaut right
    faces = detect_faces(group)
    assert len(faces) == 2
    assert centre(faces[0])[0] < 440 < centre(faces[1])[0]
    assert faces[0].size_px > faces[1].size_px  # grace's face is the bigger one


def test_small_faces_in_a_big_photo_found_by_tiles(astronaut, grace):
    rng = np.random.default_rng(3)
    canvas = np.clip(rng.normal(200, 10, (1600, 2400, 3)), 0, 255).astype(np.uint8)
    placed = [((300, 500), astronaut, 0.45), ((1400, 900), grace, 0.3)]
    for (x, y), photo, factor in placed:
        small = downscaled(photo, factor)
        canvas[y : y + small.shape[0], x : x + small.shape[1]] = small
    faces = detect_faces(canvas)
    assert len(faces) == 2
    expected = [(300 + 223 * 0.45, 500 + 127 * 0.45), (1400 + 266 * 0.3, 900 + 240 * 0.3)]
    for face, xy in zip(faces, expected, strict=True):
        assert 35 < face.size_px < 75
        assert np.hypot(*(centre(face) - xy)) < 10


def test_detect_in_box_finds_the_face_inside(astronaut):
    faces = detect_faces_in_box(astronaut, (160, 60, 130, 130))
    assert len(faces) == 1
    whole = detect_faces(astronaut)[0]
    # Seen closer up, the box comes out a little larger, but on the same face.
    assert np.hypot(*(centre(faces[0]) - centre(whole))) < 8
    assert abs(faces[0].size_px - whole.size_px) < 0.15 * whole.size_px
    assert detect_faces_in_box(astronaut, (380, 380, 120, 120)) == []


@pytest.mark.parametrize("name", ["coffee", "flat"])
def test_photos_without_faces_give_none(name):
    image = skimage.data.coffee() if name == "coffee" else np.full((300, 400, 3), 128, np.uint8)
    assert detect_faces(image) == []


def test_same_input_same_output(grace):
    a, b = detect_faces(grace), detect_faces(grace.copy())
    assert a[0].box_xywh == b[0].box_xywh and a[0].score == b[0].score
    np.testing.assert_array_equal(a[0].keypoints, b[0].keypoints)


def test_threads_get_their_own_interpreters_and_agree(astronaut):
    expected = detect_faces(astronaut)[0]
    results: list = []

    def work():
        results.append(detect_faces(astronaut)[0])

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 3
    for face in results:
        np.testing.assert_array_equal(face.keypoints, expected.keypoints)


@pytest.mark.parametrize(
    ("image", "match"),
    [
        (np.zeros((64, 64, 3), np.float32), "uint8"),
        (np.zeros((64, 64, 2), np.uint8), "shape"),
        (np.zeros((4, 4, 3), np.uint8), "too small"),
    ],
)
def test_bad_arrays_rejected_with_a_node_error(image, match):
    with pytest.raises(NodeError, match=match) as info:
        detect_faces(image)
    assert info.value.hint
