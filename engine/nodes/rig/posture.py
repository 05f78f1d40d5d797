"""What the photo's own posture allows: which bones must stay as they are in the photo.

These postures hold an arm still relative to its shoulder (it then rides with the
torso, shoulders and head, which still dance):

- *arms crossed* (or folded, or hands clasped across the body): each forearm lies
  over the other arm, whose hidden part the photo never showed; moving them apart
  would need texture that does not exist;
- *a hand in front of the body or at the face* (holding cards, a camera, glasses):
  what it hides is a guess, and what it holds would be torn off with it;
- *a body seen from the side*: its arms swing in depth, not in the picture's plane;
- *an arm the frame cuts* (waist-up photos): its cut end would show as soon as it
  lifted off the photo's edge;
- *an arm the pose model barely sees* (elbow or wrist hidden): its bones are a guess;
- *an arm lying mostly over the body*: moving it would uncover a large painted guess;
- *a hand hidden behind something* (the wrist outside the person's silhouette): what
  hides it would be dragged along, or the hand would appear from nowhere.

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
FRONT_GROW_FRAC = 0.1  # the torso outline grown by this many torso lengths: "in front"
FACE_REACH = 1.0  # a hand within this many nose-to-shoulder-line lengths of the nose
OVER_BODY_SHARE = 0.4  # an arm more than this share of which lies over the torso or a leg
UNSEEN = 0.6
ARM_OVER_TORSO = 1.0  # an arm labelled larger than the torso: the pose misreads the body
SHORT_FOREARM = 0.35  # a forearm shorter than this many upper arms was folded by the model  # an elbow or wrist the pose model sees less than this: the arm is a guess
SIDE_VIEW_FRAC = 0.45  # shoulders narrower than this many torso lengths: seen from the side


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


def _inside_quad(pt: np.ndarray, quad: np.ndarray, grow_px: float) -> bool:
    import cv2

    contour = np.round(quad).astype(np.float32).reshape(-1, 1, 2)
    return cv2.pointPolygonTest(contour, (float(pt[0]), float(pt[1])), True) >= -grow_px


def hand_in_front(joints: np.ndarray, elbow: int, wrist: int) -> str | None:
    """Why the hand at ``wrist`` must stay: in front of the body or at the face, or None."""
    if not np.isfinite(joints[[elbow, wrist, sk.NOSE, sk.MID_SHOULDER, sk.MID_HIP]]).all():
        return None
    e, w = joints[elbow], joints[wrist]
    hand = w + 0.5 * HAND_FRAC * (w - e)
    ms, nose = joints[sk.MID_SHOULDER], joints[sk.NOSE]
    torso = float(np.linalg.norm(ms - joints[sk.MID_HIP]))
    if min(np.linalg.norm(w - nose), np.linalg.norm(hand - nose)) < FACE_REACH * float(
        np.linalg.norm(nose - ms)
    ):
        return "the hand is at the face in the photo"
    quad = joints[[sk.L_SHOULDER, sk.R_SHOULDER, sk.R_HIP, sk.L_HIP]]
    if np.isfinite(quad).all() and _inside_quad(w, quad, FRONT_GROW_FRAC * torso):
        return "the hand is in front of the body in the photo"
    return None


def side_view(joints: np.ndarray) -> bool:
    """The shoulders are narrow against the torso: the body is seen from the side."""
    width = float(np.linalg.norm(joints[sk.L_SHOULDER] - joints[sk.R_SHOULDER]))
    torso = float(np.linalg.norm(joints[sk.MID_SHOULDER] - joints[sk.MID_HIP]))
    return width < SIDE_VIEW_FRAC * torso


def _over_body(labels: np.ndarray, under: np.ndarray, group: int) -> float:
    arm = labels == group
    return float((under[arm] >= 0).mean()) if arm.any() else 0.0


def _folded(joints: np.ndarray, group: int) -> bool:
    """A forearm read much shorter than its upper arm (``SHORT_FOREARM``): the pose model
    folded an arm it could not see."""
    s, e, w = (
        (sk.L_SHOULDER, sk.L_ELBOW, sk.L_WRIST)
        if group == parts.L_ARM
        else (sk.R_SHOULDER, sk.R_ELBOW, sk.R_WRIST)
    )
    upper = float(np.linalg.norm(joints[e] - joints[s]))
    return float(np.linalg.norm(joints[w] - joints[e])) < SHORT_FOREARM * max(upper, 1e-9)


def _oversized(labels: np.ndarray, group: int) -> bool:
    """The arm's labelled pixels outnumber the torso's (``ARM_OVER_TORSO``): the pose
    does not match the body (the poker player's card hand, read at the table)."""
    torso = int((labels == parts.TORSO).sum())
    return int((labels == group).sum()) > ARM_OVER_TORSO * max(torso, 1)


def _hidden(labels: np.ndarray, wrist: np.ndarray) -> bool:
    """The wrist lies inside the photo but outside the person's silhouette."""
    h, w = labels.shape
    x, y = (int(round(float(v))) for v in wrist)
    return 0 <= x < w and 0 <= y < h and labels[y, x] < 0


def arm_cut(labels: np.ndarray, group: int) -> bool:
    """The arm's pixels reach the photo's bottom rows."""
    return bool((labels[-CUT_ROWS:] == group).any())


def held_bones(
    joints: np.ndarray,
    labels: np.ndarray,
    mode: str,
    visibility: np.ndarray | None = None,
    under: np.ndarray | None = None,
) -> tuple[np.ndarray, dict]:
    """(N_BONES,) bool bones kept at their photo's bend, and {bone name: reason}.

    ``visibility``: (33,) the pose model's per-keypoint visibility; an arm whose elbow
    or wrist it barely sees is held too (its bones are a guess). ``under``: (H, W) the
    part an arm pixel lies over (``parts.segment_parts``, -1 for none): an arm more than
    ``OVER_BODY_SHARE`` of which lies over the body is held (whatever the keypoints say,
    moving it would uncover a large painted guess).
    """
    held = np.zeros(sk.N_BONES, bool)
    why: dict[str, str] = {}
    arms = {
        parts.L_ARM: ("l_upper_arm", "l_forearm"),
        parts.R_ARM: ("r_upper_arm", "r_forearm"),
    }
    crossed = arms_crossed(joints)
    sideways = side_view(joints)
    ends = {parts.L_ARM: (sk.L_ELBOW, sk.L_WRIST), parts.R_ARM: (sk.R_ELBOW, sk.R_WRIST)}
    for group, bones in arms.items():
        reason = None
        if crossed:
            reason = "the arms are crossed in the photo"
        elif sideways:
            reason = "the photo shows the body from the side"
        elif front := hand_in_front(joints, *ends[group]):
            reason = front
        elif mode == "upper" and arm_cut(labels, group):
            reason = "the photo's bottom edge cuts the arm"
        elif (
            (visibility is not None and float(np.min(visibility[list(ends[group])])) < UNSEEN)
            or _folded(joints, group)
            or _oversized(labels, group)
        ):
            reason = "the photo does not show the arm clearly"
        elif under is not None and _over_body(labels, under, group) > OVER_BODY_SHARE:
            reason = "the arm lies over the body in the photo"
        elif _hidden(labels, joints[ends[group][1]]):
            reason = "the hand is hidden behind something in the photo"
        if reason:
            for name in bones:
                held[sk.BONE_INDEX[name]] = True
                why[name] = reason
    return held, why
