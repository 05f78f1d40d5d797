import numpy as np
import pytest
import skimage.color
import skimage.data

from engine.errors import AssetError, NodeError
from engine.nodes.body.anchors import ssd_anchor_centres, weighted_nms
from engine.nodes.body.pose import KEYPOINT, detect_people, pose_landmarks
from engine.nodes.body.select import person_pose
from tests.nodes.body.media import astronaut, astronaut_pose, astronaut_region


def test_anchor_count_and_layout():
    anchors = ssd_anchor_centres()
    assert anchors.shape == (2254, 2)
    # First cell of the 28x28 grid (two anchors), then the 14x14 and 7x7 grids.
    assert np.allclose(anchors[0], [0.5 / 28, 0.5 / 28]) and np.allclose(anchors[1], anchors[0])
    assert np.allclose(anchors[28 * 28 * 2], [0.5 / 14, 0.5 / 14])
    assert np.allclose(anchors[-1], [6.5 / 7, 6.5 / 7])


def test_weighted_nms_merges_overlaps_and_keeps_apart():
    boxes = np.array([[0, 0, 1, 1], [0.1, 0, 1.1, 1], [3, 3, 4, 4]], np.float32)
    kps = np.zeros((3, 1, 2), np.float32)
    kps[1] = 1.0
    merged = weighted_nms(boxes, kps, np.array([0.9, 0.3, 0.6]))
    assert len(merged) == 2
    box, kp, score = merged[0]
    assert score == pytest.approx(0.9)
    assert box[0] == pytest.approx(0.1 * 0.3 / 1.2)  # score-weighted mean
    assert kp[0, 0] == pytest.approx(0.3 / 1.2)


def test_astronaut_is_one_person_with_keypoints_where_measured():
    people = detect_people(astronaut())
    assert len(people) == 1
    pose = astronaut_pose()
    assert pose.presence > 0.8
    # Places measured by eye on the photo (x, y px), with a tolerance of ~25 px.
    expected = {
        "nose": (226, 137),
        "left_shoulder": (312, 258),  # the person's left: image right
        "right_shoulder": (117, 223),
        "right_elbow": (75, 372),
    }
    for name, (x, y) in expected.items():
        got = pose.points[KEYPOINT[name], :2]
        assert np.hypot(got[0] - x, got[1] - y) < 25, (name, got)
        assert pose.visibility[KEYPOINT[name]] > 0.5, name
    # The hips are just below the bottom edge (the photo is cut at the waist).
    for name in ("left_hip", "right_hip"):
        assert 480 < pose.points[KEYPOINT[name], 1] < 600
    assert pose.xy("left_hip")[0] > pose.xy("right_hip")[0]  # facing the camera


def test_mask_covers_the_astronaut():
    mask = astronaut_pose().mask
    assert mask.shape == (512, 512) and mask.dtype == np.float32
    assert mask.min() >= 0.0 and mask.max() <= 1.0
    person, region = mask > 0.5, astronaut_region()
    iou = (person & region).sum() / (person | region).sum()
    assert iou > 0.8  # measured 0.87
    assert mask[20:60, 400:500].max() < 0.2  # sky beside the shuttle


def test_greyscale_photo_gives_nearly_the_same_keypoints():
    grey = (skimage.color.rgb2gray(astronaut()) * 255).round().astype(np.uint8)
    pose = person_pose(grey)
    colour = astronaut_pose()
    for name in ("nose", "left_eye", "right_eye", "left_shoulder", "right_shoulder"):
        d_px = np.linalg.norm(pose.xy(name) - colour.xy(name))
        # ~1 px of the 256-px model crop, which spans ~1300 px of this photo
        assert d_px < 15, (name, d_px)


def test_same_photo_same_pose():
    a = pose_landmarks(astronaut(), detect_people(astronaut())[0])
    b = pose_landmarks(astronaut(), detect_people(astronaut())[0])
    assert np.array_equal(a.points, b.points) and np.array_equal(a.mask, b.mask)


@pytest.mark.parametrize("name", ["coffee", "chelsea"])
def test_photo_without_person_is_refused(name):
    with pytest.raises(AssetError, match=f"no person found in {name}.png") as err:
        person_pose(getattr(skimage.data, name)(), photo=f"{name}.png")
    assert "hint" not in err.value.message and err.value.hint


def test_flat_image_has_no_people():
    assert detect_people(np.full((240, 320, 3), 128, np.uint8)) == []


def test_bad_arrays_are_refused():
    with pytest.raises(NodeError, match="uint8"):
        detect_people(np.zeros((64, 64, 3), np.float32))
    with pytest.raises(NodeError, match="shape"):
        detect_people(np.zeros((3, 64, 64, 3), np.uint8))
