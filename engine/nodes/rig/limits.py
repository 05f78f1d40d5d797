"""What a photo can show: limits on a dance track before it reaches the rig.

A waist-up photo of someone seated with their arms in their lap holds the texture
of a sleeve hanging down; swinging that arm over the head would need an armpit, a
sleeve's underside and a shoulder the photo never saw, so the mesh tears and
smears. ``limit_track`` therefore keeps each bone near its rest angle *relative to
its parent bone* (an elbow bend, not the forearm's screen angle), within
``track_limits``: the rig's measured joint limits (how far a joint turns before a
triangle leaves the stretch budget, ``stretch.joint_limits``), the posture limits of
"upper" mode, and 0 for the bones the photo's posture holds (crossed arms, an arm
the frame cuts: ``posture``):

1. per bone, the track's deviation from rest is scaled so its 95th percentile sits
   at ``SCALE_HEADROOM`` times the bone's limit (the dance keeps its shape and its
   accents: big moves stay bigger than small ones);
2. then softly limited, ``limit · tanh(dev / limit)`` (no flat clipping);
3. per frame and per arm, the arm's own bends are scaled towards rest until the
   elbow, wrist and hand stay inside the frame and clear of the head (bisection),
   and that scale is smoothed over time so the arm does not jerk;
4. per frame, the whole pose is scaled towards rest wherever a triangle would still
   leave the stretch budget (``stretch.keep_in_budget``): the guarantee.

Angles follow ``engine.nodes.motion.skeleton``: absolute image-plane radians.
"""

from __future__ import annotations

import numpy as np

from engine.errors import NodeError
from engine.nodes.motion import skeleton as sk

KIND = "rig.limits"
# Largest deviation from rest of each bone's angle relative to its parent, degrees,
# in "upper" mode (a waist-up photo); bones not listed are free.
UPPER_LIMITS_DEG = {
    "spine": 12.0,
    "neck": 15.0,
    "l_collar": 8.0,
    "r_collar": 8.0,
    "l_upper_arm": 55.0,
    "r_upper_arm": 55.0,
    "l_forearm": 70.0,
    "r_forearm": 70.0,
}
SCALE_HEADROOM = 1.5  # the track's 95th-percentile deviation maps to this many limits
MIN_HEADROOM = 0.5  # ...at energy 0
FRAME_MARGIN_FRAC = 0.02  # hands keep this fraction of the short side from the edges
HEAD_CLEAR_FRAC = 0.12  # arm points keep this many torso lengths off the head's outline
HAND_FRAC = 0.45  # the hand continues the forearm past the wrist (as ``parts``)
SMOOTH_FRAMES = 3  # half-width of the temporal min-then-mean filter of the arm scale
BISECT_STEPS = 10

PARENT = np.array(
    [next((j for j, (_, _, c) in enumerate(sk.BONES) if c == p), -1) for _, p, _ in sk.BONES]
)
ARMS = (
    ("l_upper_arm", "l_forearm", sk.L_SHOULDER, sk.L_ELBOW, sk.L_WRIST),
    ("r_upper_arm", "r_forearm", sk.R_SHOULDER, sk.R_ELBOW, sk.R_WRIST),
)


def _wrap(a: np.ndarray) -> np.ndarray:
    return (a + np.pi) % (2 * np.pi) - np.pi


def to_local(angles: np.ndarray) -> np.ndarray:
    """(..., N_BONES) absolute angles → angles relative to the parent bone (radians)."""
    parent = np.where(PARENT >= 0, PARENT, 0)
    return np.where(PARENT >= 0, _wrap(angles - angles[..., parent]), angles)


def to_absolute(local: np.ndarray) -> np.ndarray:
    """Inverse of ``to_local`` (parents come before children in ``sk.BONES``)."""
    out = np.array(local, np.float64, copy=True)
    for b, p in enumerate(PARENT):
        if p >= 0:
            out[..., b] = local[..., b] + out[..., p]
    return out


def soft_limit(dev: np.ndarray, limit: float) -> np.ndarray:
    """``limit · tanh(dev / limit)``: identity near 0, never past ``limit`` (same units)."""
    return limit * np.tanh(dev / limit)


def headroom(energy: float | None) -> float:
    """How many limits a track's 95th-percentile turn may map to: ``SCALE_HEADROOM`` at
    full energy (or none given), down to ``MIN_HEADROOM`` at energy 0 (a calm dance uses
    less of what the photo can show; after the soft limit, 0.46 to 0.91 of it)."""
    if energy is None:
        return SCALE_HEADROOM
    e = float(np.clip(energy, 0.0, 1.0))
    return MIN_HEADROOM + e * (SCALE_HEADROOM - MIN_HEADROOM)


def limit_deviations(
    angles: np.ndarray,
    rest: np.ndarray,
    limits_rad: np.ndarray,
    lower_rad: np.ndarray | None = None,
    energy: float | None = None,
) -> np.ndarray:
    """Steps 1-2 of the module docstring on a whole track.

    Args:
        angles: (T, N_BONES) absolute radians.
        rest: (N_BONES,) absolute radians.
        limits_rad: (N_BONES,) radians >= 0, the largest positive turn, ``inf`` for a
            free bone.
        lower_rad: (N_BONES,) radians <= 0, the largest negative turn; None: the
            negative of ``limits_rad``.
        energy: the scene's energy in [0, 1] (``headroom``); None: full.

    Returns:
        (T, N_BONES) absolute radians, each bone's local deviation within its limits
        (a bone with a limit of 0 keeps the photo's bend).
    """
    upper = np.asarray(limits_rad, np.float64)
    lower = -upper if lower_rad is None else np.asarray(lower_rad, np.float64)
    dev = _wrap(to_local(angles) - to_local(rest))
    limited = dev.copy()
    for b in np.flatnonzero(np.isfinite(upper) | np.isfinite(lower)):
        hi, lo = float(upper[b]), float(-lower[b])
        if hi <= 0.0 and lo <= 0.0:
            limited[:, b] = 0.0
            continue
        pos, neg = dev[:, b] > 0, dev[:, b] < 0
        p95_hi = float(np.percentile(dev[pos, b], 95)) if pos.any() else 0.0
        p95_lo = float(np.percentile(-dev[neg, b], 95)) if neg.any() else 0.0
        # one scale for both ways keeps the move's shape (its accents, its symmetry)
        scale = 1.0
        for p95, lim in ((p95_hi, hi), (p95_lo, lo)):
            if p95 > 0:
                scale = min(scale, headroom(energy) * lim / p95) if lim > 0 else 0.0
        x = scale * dev[:, b]
        out = np.zeros_like(x)
        if hi > 0:
            out = np.where(x > 0, soft_limit(x, hi), out)
        if lo > 0:
            out = np.where(x < 0, soft_limit(x, lo), out)
        limited[:, b] = out
    return to_absolute(to_local(rest) + limited)


def _head(joints: np.ndarray) -> tuple[np.ndarray, float]:
    """The head as a segment (2, 2) px and its radius px (as ``parts`` labels it)."""
    ms, nose = joints[sk.MID_SHOULDER], joints[sk.NOSE]
    up = nose - ms
    return np.stack([ms + 0.35 * up, nose + 0.9 * up]), 0.5 * float(np.linalg.norm(up))


def _point_segment_px(pts: np.ndarray, seg: np.ndarray) -> np.ndarray:
    ab = seg[1] - seg[0]
    t = np.clip(((pts - seg[0]) @ ab) / max(float(ab @ ab), 1e-9), 0.0, 1.0)
    return np.linalg.norm(pts - (seg[0] + t[:, None] * ab), axis=1)


def arm_points(joints: np.ndarray, arm) -> np.ndarray:
    """(7, 2) px points along an arm: elbow, wrist, hand tip and points between."""
    _, _, shoulder, elbow, wrist = arm
    s, e, w = joints[shoulder], joints[elbow], joints[wrist]
    tip = w + HAND_FRAC * (w - e)
    return np.stack([0.5 * (s + e), e, 0.5 * (e + w), w, 0.5 * (w + tip), tip, 0.75 * e + 0.25 * s])


def arm_violation(joints: np.ndarray, arm, hw: tuple[int, int], torso_px: float) -> float:
    """How far (px) the arm reaches out of the frame's safe box or into the head; <= 0 is fine."""
    h, w = hw
    m = FRAME_MARGIN_FRAC * min(h, w)
    pts = arm_points(joints, arm)[:6]
    out_x = np.maximum(m - pts[:, 0], pts[:, 0] - (w - 1 - m))
    out_y = np.maximum(m - pts[:, 1], pts[:, 1] - (h - 1 - m))
    seg, radius = _head(joints)
    into_head = radius + HEAD_CLEAR_FRAC * torso_px - _point_segment_px(pts[[0, 1, 2, 3, 5]], seg)
    return float(max(out_x.max(), out_y.max(), into_head.max()))


def _min_then_mean(x: np.ndarray, half: int) -> np.ndarray:
    """Running min then running mean, both over 2·half+1 frames: never above ``x``."""
    pad = np.pad(x, half, mode="edge")
    lo = np.min(np.lib.stride_tricks.sliding_window_view(pad, 2 * half + 1), axis=1)
    pad = np.pad(lo, half, mode="edge")
    return np.mean(np.lib.stride_tricks.sliding_window_view(pad, 2 * half + 1), axis=1)


def keep_arms_clear(
    angles: np.ndarray,
    rest: np.ndarray,
    root_xy: np.ndarray,
    lengths: np.ndarray,
    hw: tuple[int, int],
    torso_px: float,
) -> np.ndarray:
    """Step 3: scale each arm's bends towards rest where it would leave the frame or hit the head.

    Args:
        angles: (T, N_BONES) absolute radians; rest (N_BONES,) absolute radians.
        root_xy: (T, 2) px mid-hip per frame; lengths (N_BONES,) px; hw the frame (H, W).
        torso_px: mid-hip to mid-shoulder, px.

    Returns:
        (T, N_BONES) absolute radians. An arm already in violation at rest is left as is
        where scaling cannot help (the rest pose is the photo's).
    """
    local = to_local(angles)
    dev = _wrap(local - to_local(rest))
    for arm in ARMS:
        bones = [sk.BONE_INDEX[arm[0]], sk.BONE_INDEX[arm[1]]]
        scale = np.ones(len(angles))
        for t in range(len(angles)):
            trial = local[t].copy()

            def bad(s: float, t=t, trial=trial, bones=bones, arm=arm) -> float:
                trial[bones] = to_local(rest)[bones] + s * dev[t, bones]
                joints = sk.forward(to_absolute(trial), root_xy[t], lengths)
                return arm_violation(joints, arm, hw, torso_px)

            if bad(1.0) <= 0.0:
                continue
            if bad(0.0) > 0.0:  # not even rest is clear: the photo's own pose, keep it
                continue
            lo, hi = 0.0, 1.0
            for _ in range(BISECT_STEPS):
                mid = 0.5 * (lo + hi)
                lo, hi = (mid, hi) if bad(mid) <= 0.0 else (lo, mid)
            scale[t] = lo
        scale = _min_then_mean(scale, SMOOTH_FRAMES)
        local[:, bones] = to_local(rest)[bones] + scale[:, None] * dev[:, bones]
    return to_absolute(local)


def track_limits(rig) -> tuple[np.ndarray, np.ndarray]:
    """(lower (N_BONES,) <= 0, upper (N_BONES,) >= 0) radians: each bone's turn from rest
    relative to its parent that the rig's photo can show.

    The tighter of: what the rig can show without a triangle leaving the stretch
    budget (``BodyRig.joint_limits``, measured one joint at a time), the posture's
    limits in "upper" mode (``UPPER_LIMITS_DEG``), 0 for a held bone (crossed arms, an
    arm the frame cuts) and a small shrug for the collars of crossed arms.
    """
    upper = np.full(sk.N_BONES, np.inf)
    if rig.mode == "upper":
        for name, deg in UPPER_LIMITS_DEG.items():
            upper[sk.BONE_INDEX[name]] = np.radians(deg)
    lower = -upper
    stretch = np.asarray(rig.joint_limits, np.float64)
    lower = np.maximum(lower, stretch[:, 0])
    upper = np.minimum(upper, stretch[:, 1])
    if any("crossed" in why for why in rig.held_why.values()):
        from engine.nodes.rig.posture import CROSSED_COLLAR_DEG

        for name in ("l_collar", "r_collar"):
            b = sk.BONE_INDEX[name]
            lower[b] = max(lower[b], -np.radians(CROSSED_COLLAR_DEG))
            upper[b] = min(upper[b], np.radians(CROSSED_COLLAR_DEG))
    held = np.asarray(rig.held, bool) | ~np.asarray(rig.movable, bool)
    lower[held], upper[held] = 0.0, 0.0
    return lower, upper


def root_track(rig, angles: np.ndarray, root: np.ndarray) -> np.ndarray:
    """(T, 2) px mid-hip of each frame (``pose.root_px``)."""
    from engine.nodes.rig.pose import root_px

    spine = sk.BONE_INDEX["spine"]
    turn = angles[:, spine] - rig.rest_angles[spine]
    rows = [root_px(rig, row, float(t)) for row, t in zip(root, turn, strict=True)]
    return np.stack(rows) if rows else np.zeros((0, 2))


def limit_track(
    rig,
    angles: np.ndarray,
    root: np.ndarray,
    energy: float | None = None,
    with_root: bool = False,
):
    """A dance track the rig's photo can show.

    Args:
        rig: a ``BodyRig``.
        angles: (T, N_BONES) absolute bone angles, radians.
        root: (T, 2) mid-hip offsets from rest, torso lengths.
        energy: the scene's energy in [0, 1]: how much of the limits the dance uses
            (``headroom``); None: as much as it asks, up to them.
        with_root: also return the root, (angles, root): a full body's root is held back
            with its turns where a frame would leave the stretch budget (its hips bend
            the legs over planted feet).

    Returns:
        (T, N_BONES) float64 absolute radians: each bone within ``track_limits`` of
        rest (relative to its parent), the hands in the frame and the arms off the
        head, and every triangle of every frame inside the stretch budget
        (``stretch.keep_in_budget``).

    Raises:
        NodeError: shapes that do not match the skeleton.
    """
    from engine.nodes.rig.stretch import keep_in_budget

    a = np.asarray(angles, np.float64)
    r = np.asarray(root, np.float64)
    if a.ndim != 2 or a.shape[1] != sk.N_BONES or r.shape != (len(a), 2):
        raise NodeError(
            f"angles must be (T, {sk.N_BONES}) and root (T, 2), got {a.shape} and {r.shape}",
            kind=KIND,
        )
    rest = np.asarray(rig.rest_angles, np.float64)
    a = np.where(rig.movable, a, rest)
    lower, upper = track_limits(rig)
    a = limit_deviations(a, rest, upper, lower, energy)
    a = keep_arms_clear(a, rest, root_track(rig, a, r), rig.lengths, rig.photo_hw, rig.torso_px)
    a, scale = keep_in_budget(rig, a, r)
    if not with_root:
        return a
    return a, (r * scale[:, None] if rig.mode == "full" else r)
