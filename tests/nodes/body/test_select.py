import cv2
import numpy as np
import pytest

from engine.errors import AssetError
from engine.nodes.body.pose import KEYPOINT, Pose, detect_people
from engine.nodes.body.roi import Roi
from engine.nodes.body.select import body_extent, check_body_mode, choose_person, person_pose
from tests.nodes.body.media import astronaut, astronaut_pose


def _pose(points_xy: dict[str, tuple[float, float]], hidden=(), hw=(400, 200)) -> Pose:
    """A pose with the named keypoints placed, everything else far off and unseen."""
    points = np.full((33, 3), -1000.0, np.float32)
    vis = np.zeros(33, np.float32)
    for name, (x, y) in points_xy.items():
        points[KEYPOINT[name], :2] = (x, y)
        vis[KEYPOINT[name]] = 0.1 if name in hidden else 0.9
    aux = np.zeros((2, 2), np.float32)
    return Pose(points, vis, 1.0, None, Roi(0, 0, 1, 0), aux, hw)


STANDING = {
    "left_shoulder": (120, 80), "right_shoulder": (80, 80), "left_hip": (115, 200),
    "right_hip": (85, 200), "left_knee": (115, 290), "right_knee": (85, 290),
    "left_ankle": (115, 380), "right_ankle": (85, 380),
}  # fmt: skip


def test_extent_rules():
    assert body_extent(_pose(STANDING)) == "full"
    # One ankle hidden behind the other leg is still a full body.
    assert body_extent(_pose(STANDING, hidden=("left_ankle",))) == "full"
    # Feet below the bottom edge: upper body only.
    low = dict(STANDING, left_ankle=(115, 420), right_ankle=(85, 430))
    assert body_extent(_pose(low)) == "upper"
    waist_up = {k: v for k, v in STANDING.items() if "shoulder" in k}
    assert body_extent(_pose(waist_up)) == "upper"
    with pytest.raises(AssetError, match="shoulders"):
        body_extent(_pose({"left_hip": (115, 200), "right_shoulder": (85, 80)}))


def test_astronaut_is_upper_body_and_full_body_is_refused():
    pose = astronaut_pose()
    assert body_extent(pose) == "upper"
    assert check_body_mode(pose, "upper") == "upper"
    with pytest.raises(AssetError, match="from the waist up") as err:
        check_body_mode(pose, "full", photo="astronaut.png")
    assert "astronaut.png" in err.value.message
    assert "body: {mode: upper}" in err.value.hint
    with pytest.raises(AssetError, match="unknown body mode"):
        check_body_mode(pose, "legs")


def test_astronaut_in_a_larger_canvas_stays_upper_body():
    # Blank floor below the waist: the model must not claim visible feet there.
    small = cv2.resize(astronaut(), (256, 256), interpolation=cv2.INTER_AREA)
    canvas = np.full((1000, 700, 3), 235, np.uint8)
    canvas[100:356, 222:478] = small
    assert body_extent(person_pose(canvas)) == "upper"


def test_people_counted_from_the_left():
    small = cv2.resize(astronaut(), (256, 256), interpolation=cv2.INTER_AREA)
    canvas = np.full((400, 600, 3), 200, np.uint8)
    canvas[44:300, 20:276] = small
    canvas[44:300, 320:576] = small
    # Two people side by side score lower than one alone (measured 0.45 and 0.71).
    people = detect_people(canvas, min_score=0.3)
    assert len(people) == 2
    assert people[0].hip_centre_px[0] < 276 < people[1].hip_centre_px[0]
    assert choose_person(people, 1) is people[1]
    with pytest.raises(AssetError, match="shows 2 people, so there is no person: 2") as err:
        choose_person(people, 2, photo="pair.png")
    assert "leftmost = 0" in err.value.hint


def test_no_people_error_names_the_photo():
    with pytest.raises(AssetError, match="no person found in rosa.jpg"):
        choose_person([], 0, photo="rosa.jpg")
