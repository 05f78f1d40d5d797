"""Full-body rig logic on a drawn figure with a hand-made pose (no full-body photo ships)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.nodes.motion import skeleton as sk
from engine.nodes.rig import build_body_rig, pose_joints, render_dance_frame
from engine.nodes.rig.parts import L_LEG, R_LEG
from engine.nodes.rig.pose import skin_positions
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


def test_legs_are_cut_apart_and_a_kick_moves_the_foot(rig):
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
    target = pose_joints(rig, a, (0, 0))
    moved = skin_positions(rig, a, (0, 0))
    ankle = np.argmin(np.linalg.norm(rig.skin_rest - rig.rest_joints[sk.L_ANKLE], axis=1))
    rest_gap = np.linalg.norm(rig.skin_rest[ankle] - rig.rest_joints[sk.L_ANKLE])
    assert np.linalg.norm(moved[ankle] - target[sk.L_ANKLE]) <= rest_gap + 2.0
    other = np.argmin(np.linalg.norm(rig.skin_rest - rig.rest_joints[sk.R_ANKLE], axis=1))
    assert np.allclose(moved[other], rig.skin_rest[other])  # the other foot stays


def test_root_moves_the_body_and_is_clamped_inside_the_frame(rig):
    moved = skin_positions(rig, rig.rest_angles, (0.3, 0.0))
    shift = moved - rig.skin_rest
    assert np.allclose(shift, [0.3 * rig.torso_px, 0.0], atol=1e-3)
    far = skin_positions(rig, rig.rest_angles, (50.0, -50.0))
    assert far[:, 0].max() <= W - 1 + 1e-6 and far[:, 1].min() >= -1e-6
