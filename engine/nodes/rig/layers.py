"""Draw order of a posed body: back to front, decided per frame from the pose.

Legs < torso < head < arms. An arm is drawn over the torso and head (an arm
crossing the body in a 2D pose is read as in front of it); of two arms (or two
legs), the one reaching further across the body's midline is drawn last, so
crossed arms overlap the way they were crossed.
"""

from __future__ import annotations

import numpy as np

from engine.nodes.motion import skeleton as sk
from engine.nodes.rig.build import BodyRig
from engine.nodes.rig.parts import HEAD, L_ARM, L_LEG, R_ARM, R_LEG, TORSO


def _reach_across(joints, centre, own_side, ends) -> float:
    """How far the limb ends reach past ``centre`` away from their own side (px)."""
    side = joints[own_side] - joints[centre]
    side = side / max(float(np.linalg.norm(side)), 1e-9)
    return max(-float(np.dot(joints[e] - joints[centre], side)) for e in ends)


def group_layers(joints: np.ndarray) -> np.ndarray:
    """(6,) draw key of each part group for target joints (N_JOINTS, 2) px."""
    key = np.zeros(6, np.int64)
    key[TORSO], key[HEAD] = 2, 3
    ms, mh = sk.MID_SHOULDER, sk.MID_HIP
    reach_l = _reach_across(joints, ms, sk.L_SHOULDER, (sk.L_ELBOW, sk.L_WRIST))
    reach_r = _reach_across(joints, ms, sk.R_SHOULDER, (sk.R_ELBOW, sk.R_WRIST))
    key[L_ARM], key[R_ARM] = (5, 4) if reach_l > reach_r else (4, 5)
    feet = np.isfinite(joints[[sk.L_ANKLE, sk.R_ANKLE]]).all()
    reach_l = _reach_across(joints, mh, sk.L_HIP, (sk.L_KNEE, sk.L_ANKLE)) if feet else 0.0
    reach_r = _reach_across(joints, mh, sk.R_HIP, (sk.R_KNEE, sk.R_ANKLE)) if feet else 0.0
    key[L_LEG], key[R_LEG] = (1, 0) if reach_l > reach_r else (0, 1)
    return key


def triangle_layers(rig: BodyRig, joints: np.ndarray) -> np.ndarray:
    """(T,) draw key per triangle (lower drawn first) for target joints (N_JOINTS, 2) px.

    Within a group, ``rig.tri_sub`` orders the pieces: the torso, the body under the
    arms, the shoulder caps; an upper arm, its elbow cap, the forearm.
    """
    return group_layers(joints)[rig.tri_group] * 4 + rig.tri_sub
