"""Body rig on the real astronaut photo (waist-up, so upper-body mode)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from scipy import ndimage

from engine.errors import AssetError, NodeError
from engine.nodes.body.select import person_pose
from engine.nodes.motion import skeleton as sk
from engine.nodes.rig import build_body_rig, pose_joints, render_dance_frame, rig_pose
from engine.nodes.rig.parts import L_ARM, R_ARM, TORSO
from engine.nodes.rig.pose import skin_positions
from engine.nodes.rig.stretch import triangle_stretch

B = sk.BONE_INDEX


def _turn(rig, bones, delta_rad):
    a = rig.rest_angles.copy()
    for b in bones:
        a[B[b]] += delta_rad
    return a


def _render(rig, photo, angles, root=(0.0, 0.0)):
    out = np.empty_like(photo)
    return render_dance_frame(rig, photo, angles, np.asarray(root, float), out)


def _psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b) ** 2)
    return 10 * np.log10(255.0**2 / mse)


def test_rest_pose_reproduces_the_photo(rig, photo):
    frame = _render(rig, photo, rig.rest_angles)
    assert _psnr(frame, photo) >= 38.0  # measured 39.5 dB
    assert np.allclose(rig_pose(rig, rig.rest_angles, (0, 0)), rig.skin_rest[rig.vert_skin])


def test_rig_is_plain_picklable_data(rig, photo):
    again = pickle.loads(pickle.dumps(rig))
    a = _turn(rig, ["l_upper_arm", "l_forearm"], -np.pi / 2)
    assert np.array_equal(_render(again, photo, a), _render(rig, photo, a))
    assert np.allclose(rig.skin_weights.sum(axis=1), 1.0, atol=1e-5)


def test_raised_arm_follows_the_skeleton_with_the_photos_bone_lengths(figure_rig):
    rig = figure_rig  # its arms hang free (the astronaut's are cut by the frame: held)
    a = _turn(rig, ["l_upper_arm", "l_forearm"], -np.pi / 2)
    target = pose_joints(rig, a, (0, 0))
    assert np.allclose(sk.bone_lengths(target)[B["l_upper_arm"]], rig.lengths[B["l_upper_arm"]])
    moved = skin_positions(rig, a, (0, 0))
    for joint in (sk.L_ELBOW, sk.L_WRIST):
        nearest = np.argmin(np.linalg.norm(rig.skin_rest - rig.rest_joints[joint], axis=1))
        err_px = np.linalg.norm(moved[nearest] - target[joint])
        rest_err_px = np.linalg.norm(rig.skin_rest[nearest] - rig.rest_joints[joint])
        assert err_px <= rest_err_px + 0.05 * rig.torso_px


def test_arm_pieces_are_rigid_one_bone_each(figure_rig):
    """An upper arm or a forearm follows its own bone alone: turning it never stretches
    it, and nothing of the torso rides on it."""
    rig = figure_rig
    for group in (L_ARM, R_ARM):
        arm = (rig.tri_group == group) & ~rig.tri_underlay
        skin = np.unique(rig.vert_skin[rig.triangles[arm]])
        assert len(skin) > 20
        assert np.allclose(rig.skin_weights[skin, 0], 1.0)  # one-hot
        bones = {sk.BONES[b][0] for b in rig.skin_bones[skin, 0]}
        side = "l" if group == L_ARM else "r"
        assert bones == {f"{side}_upper_arm", f"{side}_forearm"}
    a = _turn(rig, ["l_upper_arm"], -1.2)
    a[B["l_forearm"]] += 0.8
    s = triangle_stretch(rig, rig_pose(rig, a, (0, 0)))
    arm = np.isin(rig.tri_group, (L_ARM,))
    assert np.allclose(s[arm], 1.0, atol=1e-6)


def test_arms_the_photo_cannot_show_moving_are_held(rig):
    """The astronaut's left sleeve runs out of the photo's bottom edge (lifting it would
    show its cut end) and her right hand rests in front of her: both arms are held at
    the photo's bend, and say why."""
    why = {
        "l_upper_arm": "bottom edge cuts the arm",
        "r_upper_arm": "hand is in front of the body",
    }
    for name, reason in why.items():
        forearm = name.replace("upper_arm", "forearm")
        assert rig.held[B[name]] and rig.held[B[forearm]]
        assert reason in rig.held_why[name] and reason in rig.held_why[forearm]
    assert (rig.joint_limits[rig.held] == 0).all()
    assert not rig.held[B["spine"]] and rig.joint_limits[B["neck"], 1] > np.radians(4)


@pytest.mark.parametrize("pose_name", ["raise_left", "raise_right", "lean"])
def test_no_tearing(rig, photo, pose_name):
    if pose_name == "raise_left":
        a = _turn(rig, ["l_upper_arm", "l_forearm"], -np.pi / 2)
    elif pose_name == "raise_right":
        a = _turn(rig, ["r_upper_arm"], -np.pi / 4)
    else:
        a = _turn(rig, sorted(sk.UPPER_BODY_BONES), 0.25)
    dst = rig_pose(rig, a, (0, 0))
    p = dst[rig.triangles]
    area2 = (p[:, 1, 0] - p[:, 0, 0]) * (p[:, 2, 1] - p[:, 0, 1]) - (p[:, 1, 1] - p[:, 0, 1]) * (
        p[:, 2, 0] - p[:, 0, 0]
    )
    assert (area2 > 0).mean() >= 0.99  # a handful of slivers may fold at the shoulder
    # Coverage: draw a white body on black; no enclosed uncovered pixels.
    white = np.full_like(photo, 255)
    rig_black = pickle.loads(pickle.dumps(rig))
    object.__setattr__(rig_black, "background", np.zeros_like(photo))
    object.__setattr__(rig_black, "underlay", white)
    cover = _render(rig_black, white, a)[..., 0] > 127
    holes = ndimage.binary_fill_holes(cover) & ~cover
    # measured: 0 px raising either arm; 0.3% for the lean, where the arm seams open a
    # little at the armpits (the torso bends, the arms turn rigidly)
    assert holes.sum() <= 0.005 * cover.sum()


def test_upper_mode_pins_the_bottom_edge_and_keeps_hips(rig):
    a = _turn(rig, sorted(sk.UPPER_BODY_BONES), 0.25)
    moved = skin_positions(rig, a, (0.5, 0.5))
    h = rig.photo_hw[0]
    bottom = (rig.skin_rest[:, 1] >= h - 2.0) & np.isin(
        np.arange(len(rig.skin_rest)), rig.vert_skin[rig.triangles[rig.tri_group == TORSO]]
    )
    assert bottom.sum() > 3
    assert np.abs(moved[bottom] - rig.skin_rest[bottom]).max() < 1e-6
    joints = pose_joints(rig, a, (0.5, 0.5))
    assert np.allclose(joints[sk.MID_HIP], rig.rest_joints[sk.MID_HIP])


def test_arm_crossing_the_torso_is_drawn_on_top(figure_rig, figure):
    # Texture: arm pixels red, everything else blue; the crossed forearm must show red.
    rig, photo = figure_rig, figure[0]
    tex = np.zeros_like(photo)
    tex[..., 2] = 255
    arm = np.isin(rig.labels, (L_ARM, R_ARM))
    tex[arm] = (255, 0, 0)
    a = rig.rest_angles.copy()
    a[B["r_upper_arm"]], a[B["r_forearm"]] = 1.3, 0.0  # down, forearm across the belly
    frame = _render(rig, tex, a)
    target = pose_joints(rig, a, (0, 0))
    mid = (target[sk.R_ELBOW] + target[sk.R_WRIST]) / 2
    x, y = np.round(mid).astype(int)
    assert rig.labels[y, x] == TORSO  # over the torso in the photo...
    assert frame[y, x, 0] > 200 and frame[y, x, 2] < 50  # ...and drawn over it


def test_render_is_deterministic(rig, photo):
    a = _turn(rig, ["l_upper_arm", "r_forearm"], 0.7)
    assert np.array_equal(_render(rig, photo, a), _render(rig, photo, a))


@pytest.mark.parametrize("deg", [-8, 8])
def test_tracked_pose_of_the_render_follows_the_target(rig, photo, deg):
    """Retargeting measure: track the rendered frame and compare with the target pose.

    The astronaut's arms are held (the frame cuts them), so the upper body is turned
    as one about the photo's bottom edge; the tracked nose must move as the target's
    does (the tracker's shoulders on her suit barely follow any turn, so they are not
    the measure: on this photo they moved -1.5 and +1.0 degrees for -8 and +8).
    """
    a = _turn(rig, sorted(sk.UPPER_BODY_BONES), np.radians(deg))
    frame = _render(rig, photo, a)
    tracked = person_pose(frame).points[sk.NOSE, :2] - person_pose(photo).points[sk.NOSE, :2]
    target = pose_joints(rig, a, (0, 0))[sk.NOSE] - rig.rest_joints[sk.NOSE]
    # measured: (-51.1, -5.5) for (-53.6, -3.4) and (54.1, 12.5) for (52.6, 10.8) px
    assert np.linalg.norm(tracked - target) < 0.1 * np.linalg.norm(target) + 3.0


def test_bad_inputs(rig, photo, pose):
    with pytest.raises(AssetError, match="waist up"):
        build_body_rig(photo, pose, "full")
    with pytest.raises(AssetError, match="unknown body mode"):
        build_body_rig(photo, pose, "sideways")
    with pytest.raises(NodeError, match="angles must be"):
        rig_pose(rig, np.zeros(3), (0, 0))
    with pytest.raises(NodeError, match="root must be"):
        rig_pose(rig, rig.rest_angles, (np.nan, 0))
    with pytest.raises(NodeError, match="texture must be"):
        render_dance_frame(rig, photo[:100], rig.rest_angles, (0, 0), np.empty_like(photo))
    with pytest.raises(NodeError, match="photo must be"):
        build_body_rig(photo.astype(np.float32), pose, "upper")
