"""Choosing the face a character is made from, and the errors users see."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from engine.errors import AssetError
from engine.nodes.face.detect import Face, detect_faces
from engine.nodes.face.select import select_face
from tests.nodes.face.photos import downscaled


def face_at(x: float, y: float, side: float) -> Face:
    eyes = np.array([[x + side * 0.3, y + side * 0.4], [x + side * 0.7, y + side * 0.4]])
    kps = np.vstack([eyes, np.full((4, 2), [x + side / 2, y + side / 2])]).astype(np.float32)
    return Face((x, y, side, side), 0.9, kps)


@pytest.fixture(scope="module")
def group(astronaut, grace) -> np.ndarray:
    left = cv2.resize(grace, (440, 512), interpolation=cv2.INTER_AREA)
    return np.concatenate([left, astronaut], axis=1)


def test_one_face_needs_no_selection(astronaut):
    faces = detect_faces(astronaut)
    assert select_face(faces, None, "astronaut.png") is faces[0]


def test_group_photo_without_selection_lists_the_faces(group):
    faces = detect_faces(group)
    with pytest.raises(AssetError, match=r"2 faces found in group\.jpg \(0: box \[") as info:
        select_face(faces, None, "group.jpg")
    assert "use face: 0" in info.value.hint
    assert "\n" not in info.value.message


def test_group_photo_index_and_box_pick_left_and_right(group):
    faces = detect_faces(group)
    assert select_face(faces, 0, "group.jpg") is faces[0]
    assert select_face(faces, 1, "group.jpg") is faces[1]
    # A loose box drawn around the astronaut (right half) picks her.
    assert select_face(faces, [600, 40, 180, 180], "group.jpg") is faces[1]
    assert select_face(faces, {"box": [60, 100, 300, 300]}, "group.jpg") is faces[0]


def test_index_out_of_range(group):
    faces = detect_faces(group)
    with pytest.raises(AssetError, match=r"face 2 asked for, but group\.jpg has 2 faces") as info:
        select_face(faces, 2, "group.jpg")
    assert "0 to 1" in info.value.hint
    with pytest.raises(AssetError, match="face -1 asked for"):
        select_face(faces, -1, "group.jpg")


def test_no_face_names_the_photo_with_a_hint():
    faces = detect_faces(np.full((300, 400, 3), 128, np.uint8))
    with pytest.raises(AssetError, match=r"^no face found in assets/wall\.jpg$") as info:
        select_face(faces, None, "assets/wall.jpg")
    assert "frontal" in info.value.hint and "box" in info.value.hint


def test_box_overlapping_no_face(astronaut):
    faces = detect_faces(astronaut)
    with pytest.raises(AssetError, match="no face found inside box"):
        select_face(faces, [400, 400, 50, 50], "astronaut.png")


def test_box_searched_on_its_own_when_given_the_image(astronaut):
    # As if the whole-photo passes had missed it: an empty list, a box and the image.
    face = select_face([], {"box": [170, 70, 110, 110]}, "astronaut.png", image=astronaut)
    assert np.hypot(face.centre_xy[0] - 223, face.centre_xy[1] - 127) < 10


@pytest.mark.parametrize("bad", [[1, 2, 3], "left", [0, 0, -5, 10], {"box": None}])
def test_malformed_box_rejected(bad):
    with pytest.raises(AssetError, match="is not a box"):
        select_face([face_at(0, 0, 100)], bad, "p.jpg")


def test_too_small_face_is_a_clear_error(astronaut):
    """At 0.25x the astronaut's face is ~24 px: found, but refused for animation."""
    small = downscaled(astronaut, 0.25)
    faces = detect_faces(small)
    assert len(faces) == 1
    with pytest.raises(AssetError, match=r"too small \(24 px, need at least 40 px\)") as info:
        select_face(faces, None, "astronaut-small.png")
    assert "higher-resolution" in info.value.hint
    # At 0.5x (~48 px) it is accepted.
    assert select_face(detect_faces(downscaled(astronaut, 0.5)), None, "a.png")
