"""Pose a body rig: bone angles of the shared skeleton → mesh vertex positions.

Each bone moves rigidly: rotated about its parent joint by (target − rest) angle
and carried to where the chain from the root puts that joint, using the *rig's*
bone lengths (so any motion is retargeted to the photo's body). Vertices follow
their bones by linear blend skinning, v' = Σ_b w_b (R_b (v − P_b) + P'_b).
Joints with no bone of their own (face, hands) ride on their parent's bone
through the weights.
"""

from __future__ import annotations

import numpy as np

from engine.errors import NodeError
from engine.nodes.motion import skeleton as sk
from engine.nodes.rig.build import BodyRig

KIND = "rig.pose"


def _check(angles, root) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(angles, np.float64)
    r = np.asarray(root, np.float64)
    if a.shape != (sk.N_BONES,) or not np.isfinite(a).all():
        raise NodeError(
            f"angles must be ({sk.N_BONES},) finite radians, got shape {a.shape}", kind=KIND
        )
    if r.shape != (2,) or not np.isfinite(r).all():
        raise NodeError(f"root must be (2,) finite torso lengths, got shape {r.shape}", kind=KIND)
    return a, r


def spine_pivot(rig: BodyRig) -> np.ndarray | None:
    """Upper mode, hips below the photo: where the spine's line meets the bottom edge (px).

    A waist-up body bends at the waist the photo shows, not at hips far below it: the
    spine turns about this point (the pinned edge barely moves, so the torso above it
    needs no crease). None when the hips are in the photo or in full mode.
    """
    if rig.mode != "upper":
        return None
    hip, ms = rig.rest_joints[sk.MID_HIP], rig.rest_joints[sk.MID_SHOULDER]
    bottom = rig.photo_hw[0] - 1.0
    if hip[1] <= bottom or ms[1] >= bottom:
        return None
    t = (bottom - ms[1]) / (hip[1] - ms[1])
    return ms + t * (hip - ms)


def root_px(rig: BodyRig, root: np.ndarray, spine_turn: float = 0.0) -> np.ndarray:
    """Mid-hip target position px: rest + ``root`` (torso lengths), clamped in frame.

    The offset is clamped so that the rest silhouette, moved by it, stays inside the
    frame (a clamp on the root, not on the limbs: raising an arm never shifts the body);
    downwards only the feet could leave it, and they stay planted (``posed``).
    Upper-body rigs keep the root where it is, or, with the hips below the photo, turn
    it with the spine (``spine_turn`` radians from rest) about ``spine_pivot``.
    """
    rest = rig.rest_joints[sk.MID_HIP]
    if rig.mode == "upper":
        pivot = spine_pivot(rig)
        if pivot is None:
            return rest.copy()
        c, s = np.cos(spine_turn), np.sin(spine_turn)
        d = rest - pivot
        return pivot + np.array([c * d[0] - s * d[1], s * d[0] + c * d[1]])
    h, w = rig.photo_hw
    x0, y0, x1, y1 = rig.rest_box
    offset = np.asarray(root, np.float64) * rig.torso_px
    lo = np.minimum([-x0, -y0], 0.0)
    # the feet stay planted (``posed``): the hips may dip however low the feet stand
    hi = np.maximum([w - 1 - x1, np.inf], 0.0)
    return rest + np.clip(offset, lo, hi)


def _spine_turn(rig: BodyRig, a: np.ndarray) -> float:
    i = sk.BONE_INDEX["spine"]
    return float(a[i] - rig.rest_angles[i])


def posed(rig: BodyRig, angles, root) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(angles (N_BONES,) the rig draws, joints (N_JOINTS, 2) px, scale (N_BONES,) of each
    bone's length).

    Bones the rig does not move (legs and hips in upper mode) keep their rest angle. A
    full body keeps its feet planted (``feet``): the mid-hip goes where its legs reach
    and each leg runs from its hip to the photo's ankle, foreshortened as it dips.
    """
    a, r = _check(angles, root)
    a = np.where(rig.movable, a, rig.rest_angles)
    hip = root_px(rig, r, _spine_turn(rig, a))
    if rig.mode != "full":
        return a, sk.forward(a, hip, rig.lengths), np.ones(sk.N_BONES)
    from engine.nodes.rig.feet import plant_feet, reachable_root

    hip = reachable_root(rig, hip)
    a, scale = plant_feet(rig, a, sk.forward(a, hip, rig.lengths))
    return a, sk.forward(a, hip, rig.lengths * scale), scale


def pose_joints(rig: BodyRig, angles, root) -> np.ndarray:
    """(N_JOINTS, 2) px target joints (NaN for joints no bone reaches); see ``posed``."""
    return posed(rig, angles, root)[1]


def bone_transforms(rig: BodyRig, angles, root) -> np.ndarray:
    """(N_BONES, 2, 3) affine maps rest px → target px, one motion per bone: a rotation,
    after a squeeze along the bone where it is foreshortened (a full body's dipping legs)."""
    a, joints, scale = posed(rig, angles, root)
    turn = a - rig.rest_angles
    c, s = np.cos(turn), np.sin(turn)
    rot = np.stack([np.stack([c, -s], -1), np.stack([s, c], -1)], axis=1)  # (B, 2, 2)
    u = np.stack([np.cos(rig.rest_angles), np.sin(rig.rest_angles)], -1)  # rest directions
    squeeze = np.eye(2)[None] + (scale - 1.0)[:, None, None] * np.einsum("bi,bj->bij", u, u)
    lin = np.einsum("bij,bjk->bik", rot, squeeze)
    parents = np.array([p for _, p, _ in sk.BONES])
    rest_p = rig.rest_joints[parents]
    # Bones the rig does not move stay exactly where they are (the pinned edge).
    target_p = np.where(rig.movable[:, None], joints[parents], rest_p)
    shift = target_p - np.einsum("bij,bj->bi", lin, rest_p)
    return np.concatenate([lin, shift[:, :, None]], axis=2)


def skin_positions(rig: BodyRig, angles, root) -> np.ndarray:
    """(S, 2) float64 px skin vertex positions (linear blend skinning)."""
    m = bone_transforms(rig, angles, root)[rig.skin_bones]  # (S, 4, 2, 3)
    v = rig.skin_rest
    moved = np.einsum("skij,sj->ski", m[..., :2], v) + m[..., 2]
    return np.einsum("sk,ski->si", rig.skin_weights.astype(np.float64), moved)


def rig_pose(rig: BodyRig, angles, root) -> np.ndarray:
    """Destination positions of the rig's render vertices for one pose.

    Args:
        rig: from ``build_body_rig``.
        angles: (N_BONES,) absolute bone angles, radians (a ``PoseTrack`` row).
        root: (2,) mid-hip offset from rest, torso lengths.

    Returns:
        (V, 2) float64 px on the output frame, in ``rig.tex_xy`` order.
    """
    return skin_positions(rig, angles, root)[rig.vert_skin]
