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


def test_raised_arm_follows_the_skeleton_with_the_photos_bone_lengths(rig):
    a = _turn(rig, ["l_upper_arm", "l_forearm"], -np.pi / 2)
    target = pose_joints(rig, a, (0, 0))
    assert np.allclose(sk.bone_lengths(target)[B["l_upper_arm"]], rig.lengths[B["l_upper_arm"]])
    moved = skin_positions(rig, a, (0, 0))
    for joint in (sk.L_ELBOW, sk.L_WRIST):
        nearest = np.argmin(np.linalg.norm(rig.skin_rest - rig.rest_joints[joint], axis=1))
        err_px = np.linalg.norm(moved[nearest] - target[joint])
        rest_err_px = np.linalg.norm(rig.skin_rest[nearest] - rig.rest_joints[joint])
        assert err_px <= rest_err_px + 0.05 * rig.torso_px


def test_arm_vertices_do_not_follow_the_torso(rig):
    arm = np.isin(rig.tri_group, (L_ARM, R_ARM)) & ~rig.tri_underlay
    skin = np.unique(rig.vert_skin[rig.triangles[arm]])
    far = np.linalg.norm(rig.skin_rest[skin] - rig.rest_joints[sk.L_SHOULDER], axis=1)
    far = np.minimum(
        far, np.linalg.norm(rig.skin_rest[skin] - rig.rest_joints[sk.R_SHOULDER], axis=1)
    )
    skin = skin[far > 0.5 * rig.torso_px]
    torso_bones = [B[n] for n in ("spine", "l_collar", "r_collar", "l_pelvis", "r_pelvis")]
    w = np.where(np.isin(rig.skin_bones[skin], torso_bones), rig.skin_weights[skin], 0.0)
    assert len(skin) > 20 and w.sum(axis=1).max() < 0.01


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


def test_arm_crossing_the_torso_is_drawn_on_top(rig, photo):
    # Texture: arm pixels red, everything else blue; the crossed forearm must show red.
    tex = np.zeros_like(photo)
    tex[..., 2] = 255
    arm = np.isin(rig.labels, (L_ARM, R_ARM))
    tex[arm] = (255, 0, 0)
    a = rig.rest_angles.copy()
    a[B["r_upper_arm"]], a[B["r_forearm"]] = 0.9, 0.0  # down-inwards, forearm across
    frame = _render(rig, tex, a)
    target = pose_joints(rig, a, (0, 0))
    mid = (target[sk.R_ELBOW] + target[sk.R_WRIST]) / 2
    x, y = np.round(mid).astype(int)
    assert rig.labels[y, x] == TORSO  # over the torso in the photo...
    assert frame[y, x, 0] > 200 and frame[y, x, 2] < 50  # ...and drawn over it


def test_render_is_deterministic(rig, photo):
    a = _turn(rig, ["l_upper_arm", "r_forearm"], 0.7)
    assert np.array_equal(_render(rig, photo, a), _render(rig, photo, a))


def test_tracked_pose_of_the_render_follows_the_target(rig, photo):
    """Retargeting measure: track the rendered frame and compare with the target pose.

    The astronaut's left hand is hidden behind the helmet and its tracked wrist is a
    guess even on the photo, so the arm is measured by the upper arm's angle and the
    elbow; a 30 degree raise (larger raises push the sleeve where the tracker loses it).
    """
    a = _turn(rig, ["l_upper_arm", "l_forearm"], -np.radians(30))
    frame = _render(rig, photo, a)
    tracked = sk.with_midpoints(person_pose(frame).points)
    target = pose_joints(rig, a, (0, 0))
    err = sk.bone_angles(tracked)[B["l_upper_arm"]] - sk.bone_angles(target)[B["l_upper_arm"]]
    err_deg = abs(np.degrees(np.angle(np.exp(1j * err))))
    # measured 12.7 degrees: the sleeve now ends at the helmet (it used to carry the
    # helmet's rim along as a fake forearm, 1.1 degrees); the elbow was hidden at rest
    assert err_deg < 15.0


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
