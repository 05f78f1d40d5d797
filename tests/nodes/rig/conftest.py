"""The astronaut (waist-up, skimage) rigged once per test module, as the rig tests share
it, and a drawn full-body figure with a hand-made pose (arms free at its sides)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage.data import astronaut

from engine.nodes.body.pose import Pose
from engine.nodes.body.roi import Roi
from engine.nodes.body.select import person_pose
from engine.nodes.rig import build_body_rig


@pytest.fixture(scope="module")
def photo():
    return astronaut()


@pytest.fixture(scope="module")
def pose(photo):
    return person_pose(photo)


@pytest.fixture(scope="module")
def rig(photo, pose):
    return build_body_rig(photo, pose, "upper")


FIGURE_HW = (400, 300)
H, W = FIGURE_HW


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
def figure_rig(figure):
    photo, pose = figure
    return build_body_rig(photo, pose, "full")
