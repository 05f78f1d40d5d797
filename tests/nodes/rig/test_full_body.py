"""Full-body rig logic on a drawn figure with a hand-made pose; a real full-body photo in
test_dance_quality."""

from __future__ import annotations

import numpy as np
import pytest

from engine.nodes.motion import skeleton as sk
from engine.nodes.rig import build_body_rig, pose_joints, render_dance_frame
from engine.nodes.rig.feet import DIP_MIN, SHIFT_MAX
from engine.nodes.rig.parts import L_LEG, R_LEG
from engine.nodes.rig.pose import rig_pose, skin_positions
from engine.nodes.rig.stretch import frame_stretch, within
from tests.nodes.rig.conftest import FIGURE_HW

H, W = FIGURE_HW
B = sk.BONE_INDEX


@pytest.fixture(scope="module")
def rig(figure):
    photo, pose = figure
    return build_body_rig(photo, pose, "full")


def test_full_rest_pose_reproduces_the_figure(rig, figure):
    photo, _ = figure
    out = render_dance_frame(rig, photo, rig.rest_angles, (0, 0), np.empty_like(photo))
    mse = np.mean((out.astype(float) - photo) ** 2)
    assert 10 * np.log10(255**2 / mse) >= 35.0


def _ankles(rig, angles, root):
    """Posed skin vertices nearest each rest ankle: where the feet are drawn."""
    moved = skin_positions(rig, angles, root)
    near = [
        int(np.argmin(np.linalg.norm(rig.skin_rest - rig.rest_joints[j], axis=1)))
        for j in (sk.L_ANKLE, sk.R_ANKLE)
    ]
    return moved[near], rig.skin_rest[near]


def test_legs_are_cut_apart_and_a_kick_keeps_the_feet_planted(rig):
    legs = {
        g: set(rig.vert_skin[rig.triangles[rig.tri_group == g]].ravel()) for g in (L_LEG, R_LEG)
    }
    shared = np.array(sorted(legs[L_LEG] & legs[R_LEG]), int)
    near_hip = np.linalg.norm(rig.skin_rest[shared] - rig.rest_joints[sk.MID_HIP], axis=1)
    assert (near_hip < 0.4 * rig.torso_px).all()  # joined only at the crotch
    a = rig.rest_angles.copy()
    a[B["l_thigh"]] -= 1.0
    a[B["l_shin"]] -= 1.0
    a[B["l_foot"]] -= 1.0
    moved, rest = _ankles(rig, a, (0, 0))
    assert np.abs(moved - rest).max() < 1.0  # one floor, feet where the photo has them


def test_hips_sway_and_dip_over_planted_feet(rig):
    """Weight shift (root sideways) and knee bounce (root down): the shoulders go with
    the root (softly limited), the feet stay, and a dip foreshortens both leg bones alike
    (knees bent towards the camera), within the stretch budget."""
    leg = np.linalg.norm(rig.rest_joints[sk.L_ANKLE] - rig.rest_joints[sk.L_HIP])
    for root in ((0.3, 0.0), (-0.2, 0.0), (0.0, 0.15), (0.1, 0.1), (0.02, 0.02)):
        joints = pose_joints(rig, rig.rest_angles, root)
        hip = joints[sk.MID_HIP] - rig.rest_joints[sk.MID_HIP]
        asked = np.asarray(root) * rig.torso_px
        assert np.sign(hip[0]) == np.sign(asked[0])
        assert abs(hip[0]) <= min(abs(asked[0]), SHIFT_MAX * leg) + 1e-6
        if root[1] > 0:  # a dip: down, no lower than asked nor than the legs fold
            assert 0 < hip[1] <= min(asked[1], (1 - DIP_MIN) * leg) + 1e-6
        assert np.allclose(
            joints[[sk.L_ANKLE, sk.R_ANKLE]], rig.rest_joints[[sk.L_ANKLE, sk.R_ANKLE]]
        )
        moved, rest = _ankles(rig, rig.rest_angles, root)
        assert np.abs(moved - rest).max() < 1.0  # the ankle blends shin and foot
        lengths = sk.bone_lengths(joints) / rig.lengths
        for side in ("l", "r"):
            thigh, shin = lengths[B[f"{side}_thigh"]], lengths[B[f"{side}_shin"]]
            assert thigh == pytest.approx(shin, abs=1e-9)
            assert DIP_MIN - 1e-9 <= thigh <= 1.0 + 1e-9
        high, low = frame_stretch(rig, rig_pose(rig, rig.rest_angles, root))
        assert within(high, low)
    # a small dip is nearly all foreshortening: 2 % of the torso shortens the legs by it
    small = pose_joints(rig, rig.rest_angles, (0.0, 0.02))
    assert small[sk.MID_HIP, 1] - rig.rest_joints[sk.MID_HIP, 1] == pytest.approx(
        0.02 * rig.torso_px, rel=0.05
    )


def test_root_is_clamped_inside_the_frame_and_the_legs_reach(rig):
    far = skin_positions(rig, rig.rest_angles, (50.0, -50.0))
    assert far[:, 0].max() <= W - 1 + 1e-6 and far[:, 1].min() >= -1e-6
    for root in ((50.0, -50.0), (0.0, 5.0), (-3.0, 0.0)):
        joints = pose_joints(rig, rig.rest_angles, root)
        assert np.allclose(
            joints[[sk.L_ANKLE, sk.R_ANKLE]], rig.rest_joints[[sk.L_ANKLE, sk.R_ANKLE]], atol=1e-6
        )
