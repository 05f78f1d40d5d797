"""Full-body rig logic on a drawn figure with a hand-made pose (no full-body photo ships)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from engine.nodes.body.pose import Pose
from engine.nodes.body.roi import Roi
from engine.nodes.motion import skeleton as sk
from engine.nodes.rig import build_body_rig, pose_joints, render_dance_frame
from engine.nodes.rig.parts import L_LEG, R_LEG
from engine.nodes.rig.pose import skin_positions

H, W = 400, 300
B = sk.BONE_INDEX


@pytest.fixture(scope="module")
def figure():
    pts = np.zeros((33, 3), np.float32)
    xy = {0: (150, 60), 11: (180, 110), 12: (120, 110), 13: (195, 170), 14: (105, 170),
          15: (200, 220), 16: (100, 220), 23: (170, 220), 24: (130, 220), 25: (172, 290),
          26: (128, 290), 27: (174, 360), 28: (126, 360), 31: (190, 370), 32: (110, 370)}  # fmt: skip
    for i, p in xy.items():
        pts[i, :2] = p
    for i in range(1, 11):
        pts[i, :2] = (150, 60)
    for i, j in ((17, 15), (19, 15), (21, 15), (18, 16), (20, 16), (22, 16), (29, 27), (30, 28)):
        pts[i, :2] = pts[j, :2]
    photo = np.full((H, W, 3), (40, 90, 40), np.uint8)
    photo[::8] = (60, 110, 60)  # stripes: a background with texture
    mask = np.zeros((H, W), np.uint8)
    cv2.fillPoly(mask, [pts[[11, 12, 24, 23], :2].astype(np.int32)], 1)
    cv2.circle(mask, (150, 60), 28, 1, -1)
    cv2.line(mask, (150, 80), (150, 110), 1, 18)
    for a, b in ((11, 13), (13, 15), (12, 14), (14, 16), (23, 25), (25, 27), (24, 26), (26, 28),
                 (27, 31), (28, 32)):  # fmt: skip
        cv2.line(mask, tuple(map(int, pts[a, :2])), tuple(map(int, pts[b, :2])), 1, 16)
    colour = np.indices((H, W)).sum(0) % 64 * 3 + 60  # a gradient to see the warp
    photo[mask > 0] = np.stack([colour, colour // 2, 255 - colour], -1)[mask > 0]
    pose = Pose(pts, np.ones(33, np.float32), 1.0, mask.astype(np.float32), Roi(0, 0, 1, 0),
                np.zeros((2, 2), np.float32), (H, W))  # fmt: skip
    return photo, pose


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
