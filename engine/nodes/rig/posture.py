"""What the photo's own posture allows: which bones must stay as they are in the photo.

Two postures hold an arm still relative to its shoulder (it then rides with the
torso, shoulders and head, which still dance):

- *arms crossed* (or folded, or hands clasped across the body): each forearm lies
  over the other arm, whose hidden part the photo never showed; moving them apart
  would need texture that does not exist;
- *an arm the frame cuts* (waist-up photos): its cut end would show as soon as it
  lifted off the photo's edge.

``held_bones`` returns the bones to hold and why, for the rig and for the warning a
scene with explicit moves gets.
"""

from __future__ import annotations

import numpy as np

from engine.nodes.motion import skeleton as sk
from engine.nodes.rig import parts

HAND_FRAC = parts.HAND_FRAC
ACROSS_FRAC = 0.05  # a wrist this many torso lengths past the midline is across the body
CUT_ROWS = 3  # an arm reaching the photo's last rows is cut by the frame
CROSSED_COLLAR_DEG = 5.0  # shoulders shrug this much at most with the arms crossed


def _segments_cross(p1, p2, q1, q2) -> bool:
    def orient(a, b, c):
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    d1, d2 = orient(q1, q2, p1), orient(q1, q2, p2)
    d3, d4 = orient(p1, p2, q1), orient(p1, p2, q2)
    return d1 * d2 < 0 and d3 * d4 < 0


def _forearm(joints: np.ndarray, elbow: int, wrist: int) -> tuple[np.ndarray, np.ndarray]:
    e, w = joints[elbow], joints[wrist]
    return e, w + HAND_FRAC * (w - e)


def arms_crossed(joints: np.ndarray) -> bool:
    """The forearms (with the hands) cross each other, or both wrists lie past the
    body's midline on the other arm's side (arms folded, hands tucked or clasped)."""
    if not np.isfinite(joints[[sk.L_ELBOW, sk.R_ELBOW, sk.L_WRIST, sk.R_WRIST]]).all():
        return False
    left = _forearm(joints, sk.L_ELBOW, sk.L_WRIST)
    right = _forearm(joints, sk.R_ELBOW, sk.R_WRIST)
    if _segments_cross(*left, *right):
        return True
    ms = joints[sk.MID_SHOULDER]
    torso = float(np.linalg.norm(ms - joints[sk.MID_HIP]))
    side = joints[sk.L_SHOULDER] - joints[sk.R_SHOULDER]
    side = side / max(float(np.linalg.norm(side)), 1e-9)  # towards the left shoulder
    l_past = -float(np.dot(joints[sk.L_WRIST] - ms, side))  # > 0: on the right side
    r_past = float(np.dot(joints[sk.R_WRIST] - ms, side))
    return min(l_past, r_past) > ACROSS_FRAC * torso


def arm_cut(labels: np.ndarray, group: int) -> bool:
    """The arm's pixels reach the photo's bottom rows."""
    return bool((labels[-CUT_ROWS:] == group).any())


def held_bones(joints: np.ndarray, labels: np.ndarray, mode: str) -> tuple[np.ndarray, dict]:
    """(N_BONES,) bool bones kept at their photo's bend, and {bone name: reason}."""
    held = np.zeros(sk.N_BONES, bool)
    why: dict[str, str] = {}
    arms = {
        parts.L_ARM: ("l_upper_arm", "l_forearm"),
        parts.R_ARM: ("r_upper_arm", "r_forearm"),
    }
    crossed = arms_crossed(joints)
    for group, bones in arms.items():
        reason = None
        if crossed:
            reason = "the arms are crossed in the photo"
        elif mode == "upper" and arm_cut(labels, group):
            reason = "the photo's bottom edge cuts the arm"
        if reason:
            for name in bones:
                held[sk.BONE_INDEX[name]] = True
                why[name] = reason
    return held, why
