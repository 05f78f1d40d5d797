"""Body parts of a photographed person: which pixel belongs to which limb and bone.

A rig needs two labels per pixel of the silhouette:

- a *group* (torso, head, left/right arm, left/right leg): groups are cut apart in
  the mesh so an arm hanging beside the body can lift away from the torso without
  dragging it (they stay joined only around the shoulder);
- a *bone* within the group, the seed of the skinning weights.

Arms are decided first, by capsules around the arm bones (radius measured on the
silhouette's distance transform): a pixel inside an arm's capsule is arm even when
it lies over the torso, which is how an arm held against the body is told apart
from it. Everything else goes to the nearest remaining part (torso quadrilateral,
head segment, leg capsules). Pixels an arm covers that would otherwise be torso or
leg are the *underlay*: the body is painted in there so it shows when the arm moves.
"""

from __future__ import annotations

import cv2
import numpy as np

from engine.nodes.motion import skeleton as sk

TORSO, HEAD, L_ARM, R_ARM, L_LEG, R_LEG = range(6)
GROUP_NAMES = ("torso", "head", "l_arm", "r_arm", "l_leg", "r_leg")
BONE_GROUP = {
    "spine": TORSO, "l_collar": TORSO, "r_collar": TORSO, "l_pelvis": TORSO, "r_pelvis": TORSO,
    "neck": HEAD,
    "l_upper_arm": L_ARM, "l_forearm": L_ARM, "r_upper_arm": R_ARM, "r_forearm": R_ARM,
    "l_thigh": L_LEG, "l_shin": L_LEG, "l_foot": L_LEG,
    "r_thigh": R_LEG, "r_shin": R_LEG, "r_foot": R_LEG,
}  # fmt: skip
GROUP_OF_BONE = np.array([BONE_GROUP[name] for name, _, _ in sk.BONES], np.int8)
# Pieces: the rigid sheets of the mesh. Torso, head and legs are their groups; each arm
# is two pieces (upper arm, forearm with the hand), each bound to its own bone alone,
# so a moving arm is never stretched: it turns about its joints like a cut-out puppet's.
L_UPPER, L_FORE, R_UPPER, R_FORE = 6, 7, 8, 9
ARM_PIECES = {L_ARM: (L_UPPER, L_FORE), R_ARM: (R_UPPER, R_FORE)}
PIECE_BONE = {
    L_UPPER: sk.BONE_INDEX["l_upper_arm"],
    L_FORE: sk.BONE_INDEX["l_forearm"],
    R_UPPER: sk.BONE_INDEX["r_upper_arm"],
    R_FORE: sk.BONE_INDEX["r_forearm"],
}
PIECE_GROUP = {L_UPPER: L_ARM, L_FORE: L_ARM, R_UPPER: R_ARM, R_FORE: R_ARM}
HAND_FRAC = 0.45  # the hand continues the forearm past the wrist by this fraction
# The arm capsule starts at the shoulder joint: the arm turns about it as one rigid
# piece whose top is a disc around the joint (the torso keeps a copy of that disc,
# the shoulder cap, so no gap opens there).
SHOULDER_SKIP_FRAC = 0.0
HEAD_BASE_FRAC, HEAD_TOP_FRAC = 0.35, 0.9  # head segment along mid-shoulder → nose (+ beyond)
ARM_RADIUS_FRAC = (0.06, 0.14)  # arm capsule radius limits, torso lengths
LEG_RADIUS_FRAC = (0.08, 0.3)
UNDER_TORSO_GROW_FRAC = 0.08  # underlay torso: the quad grown by this many torso lengths


def bone_segments(joints: np.ndarray) -> np.ndarray:
    """(N_BONES, 2, 2) px: the segment of the body each bone stands for.

    Forearms run on through the hand; the neck segment covers the head.
    """
    seg = np.stack([[joints[p], joints[c]] for _, p, c in sk.BONES]).astype(np.float64)
    for name in ("l_forearm", "r_forearm"):
        a, b = seg[sk.BONE_INDEX[name]]
        seg[sk.BONE_INDEX[name], 1] = b + HAND_FRAC * (b - a)
    for name in ("l_upper_arm", "r_upper_arm"):
        a, b = seg[sk.BONE_INDEX[name]]
        seg[sk.BONE_INDEX[name], 0] = a + SHOULDER_SKIP_FRAC * (b - a)
    ms, nose = joints[sk.MID_SHOULDER], joints[sk.NOSE]
    seg[sk.BONE_INDEX["neck"]] = [
        ms + HEAD_BASE_FRAC * (nose - ms),
        nose + HEAD_TOP_FRAC * (nose - ms),
    ]
    return seg


def segment_distance(xy: np.ndarray, seg: np.ndarray) -> np.ndarray:
    """Distance px from points (N, 2) to segments (B, 2, 2) → (N, B)."""
    a, b = seg[:, 0], seg[:, 1]
    ab = b - a
    t = ((xy[:, None, :] - a) * ab).sum(-1) / np.maximum((ab * ab).sum(-1), 1e-9)
    closest = a + np.clip(t, 0.0, 1.0)[..., None] * ab
    return np.linalg.norm(xy[:, None, :] - closest, axis=-1)


def torso_quad(joints: np.ndarray) -> np.ndarray:
    """(4, 2) px: shoulders and hips, the torso's outline."""
    return joints[[sk.L_SHOULDER, sk.R_SHOULDER, sk.R_HIP, sk.L_HIP]].astype(np.float64)


def _capsule_radius(dist: np.ndarray, seg: np.ndarray, limits: tuple[float, float]) -> float:
    """Median distance-transform value along the middle of a segment, clamped (px)."""
    t = np.linspace(0.2, 0.8, 9)[:, None]
    pts = seg[0] + t * (seg[1] - seg[0])
    h, w = dist.shape
    xs = np.clip(np.round(pts[:, 0]).astype(int), 0, w - 1)
    ys = np.clip(np.round(pts[:, 1]).astype(int), 0, h - 1)
    return float(np.clip(np.median(dist[ys, xs]), *limits))


def arm_radii(silhouette: np.ndarray, joints: np.ndarray, torso_px: float) -> dict[int, float]:
    """Capsule radius px of each arm (as ``segment_parts`` measures it)."""
    dist = cv2.distanceTransform(silhouette.astype(np.uint8), cv2.DIST_L2, 5)
    seg = bone_segments(joints)
    lim = (ARM_RADIUS_FRAC[0] * torso_px, ARM_RADIUS_FRAC[1] * torso_px)
    return {
        group: max(_capsule_radius(dist, seg[sk.BONE_INDEX[b]], lim) for b in bones)
        for group, bones in (
            (L_ARM, ("l_upper_arm", "l_forearm")),
            (R_ARM, ("r_upper_arm", "r_forearm")),
        )
    }


def segment_parts(
    silhouette: np.ndarray, joints: np.ndarray, torso_px: float, with_legs: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Label every silhouette pixel with its group, bone and underlay group.

    Args:
        silhouette: (H, W) bool, the person.
        joints: (N_JOINTS, 2) px, the photo's joints.
        torso_px: mid-hip to mid-shoulder, px.
        with_legs: legs are parts of their own (full body); else they belong to the
            torso (upper body: they never move).

    Returns:
        group (H, W) int8 (-1 outside), bone (H, W) int8 (-1 outside), and underlay
        (H, W) int8: the group an arm pixel covers (torso or leg), -1 elsewhere.
    """
    h, w = silhouette.shape
    ys, xs = np.nonzero(silhouette)
    xy = np.stack([xs, ys], axis=1).astype(np.float64)
    seg = bone_segments(joints)
    d = segment_distance(xy, seg)  # (N, N_BONES)
    dist = cv2.distanceTransform(silhouette.astype(np.uint8), cv2.DIST_L2, 5)

    quad = torso_quad(joints)
    in_quad = np.zeros((h, w), np.uint8)
    cv2.fillPoly(in_quad, [np.round(quad).astype(np.int32)], 1)
    in_torso = in_quad[ys, xs].astype(bool)
    quad_seg = np.stack([quad, np.roll(quad, -1, axis=0)], axis=1)
    d_torso = np.where(in_torso, 0.0, segment_distance(xy, quad_seg).min(axis=1))

    # Surface distance per group (distance to the part minus its radius).
    n = len(xy)
    score = np.full((n, 6), np.inf)
    score[:, TORSO] = d_torso
    score[:, HEAD] = d[:, sk.BONE_INDEX["neck"]] - 0.5 * np.linalg.norm(
        joints[sk.NOSE] - joints[sk.MID_SHOULDER]
    )
    radius = {}
    for group, bones, limits in (
        (L_ARM, ("l_upper_arm", "l_forearm"), ARM_RADIUS_FRAC),
        (R_ARM, ("r_upper_arm", "r_forearm"), ARM_RADIUS_FRAC),
        (L_LEG, ("l_thigh", "l_shin", "l_foot"), LEG_RADIUS_FRAC),
        (R_LEG, ("r_thigh", "r_shin", "r_foot"), LEG_RADIUS_FRAC),
    ):
        if group in (L_LEG, R_LEG) and not with_legs:
            continue
        idx = [sk.BONE_INDEX[b] for b in bones]
        lim = (limits[0] * torso_px, limits[1] * torso_px)
        radius[group] = max(_capsule_radius(dist, seg[i], lim) for i in idx[:2])
        score[:, group] = d[:, idx].min(axis=1) - radius[group]

    group = np.argmin(score, axis=1)
    arm_score = score[:, [L_ARM, R_ARM]]
    in_arm = arm_score.min(axis=1) <= 0.0
    group[in_arm] = np.where(arm_score[in_arm, 0] <= arm_score[in_arm, 1], L_ARM, R_ARM)

    # What an arm pixel would be without the arm: torso inside the quad, a leg in its capsule.
    under = np.full(n, -1)
    arm_px = (group == L_ARM) | (group == R_ARM)
    body = score[:, [TORSO, L_LEG, R_LEG]].copy()
    # The torso's flesh reaches past the shoulder-hip line (joints sit inside the body).
    body[:, 0] -= UNDER_TORSO_GROW_FRAC * torso_px
    body_group = np.array([TORSO, L_LEG, R_LEG])[np.argmin(body, axis=1)]
    under[arm_px & (body.min(axis=1) <= 0.0)] = body_group[arm_px & (body.min(axis=1) <= 0.0)]

    bone = np.empty(n, np.int64)
    for g in range(6):
        sel = group == g
        if not sel.any():
            continue
        own = np.flatnonzero(g == GROUP_OF_BONE)
        if g == TORSO and not with_legs:
            own = np.flatnonzero((GROUP_OF_BONE == TORSO) | (GROUP_OF_BONE >= L_LEG))
        bone[sel] = own[np.argmin(d[np.ix_(sel, own)], axis=1)]

    out_group = np.full((h, w), -1, np.int8)
    out_bone = np.full((h, w), -1, np.int8)
    out_under = np.full((h, w), -1, np.int8)
    out_group[ys, xs] = group
    out_bone[ys, xs] = bone
    out_under[ys, xs] = under
    return out_group, out_bone, out_under


def nearest_bone(xy: np.ndarray, joints: np.ndarray, group: int, with_legs: bool) -> np.ndarray:
    """(N,) index of the nearest bone of ``group`` to each point (N, 2) px."""
    own = np.flatnonzero(group == GROUP_OF_BONE)
    if group == TORSO and not with_legs:
        own = np.flatnonzero((GROUP_OF_BONE == TORSO) | (GROUP_OF_BONE >= L_LEG))
    d = segment_distance(np.asarray(xy, np.float64).reshape(-1, 2), bone_segments(joints)[own])
    return own[np.argmin(d, axis=1)]
