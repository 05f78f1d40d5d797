"""How far a posed body's triangles are stretched from the photo, and the budget they keep.

Each triangle of the rig maps its rest shape (the photo's pixels) to its posed shape
by one affine map; its two singular values are how much the texture is stretched
(> 1) or squeezed (< 1) along the map's principal axes. A rigid piece reads 1 and 1.
Past ``BUDGET`` a viewer sees the photo's texture drawn out into a sheet, or folded.

- ``triangle_stretch(rig, dst)``: (T, 2) singular values of every triangle.
- ``frame_stretch(rig, dst)``: the worst (largest, smallest) of one pose.
- ``StretchMeter``: the worst over the frames of a shot, for the render's report.
- ``joint_limits(rig)``: per bone, how far it may turn from rest (relative to its
  parent, each way) before any triangle leaves ``LIMIT_BUDGET`` (a margin inside
  ``BUDGET``, so that several joints turning together still fit).
- ``keep_in_budget(rig, angles, root)``: a track scaled towards rest, frame by frame,
  wherever a pose would still leave ``BUDGET`` (the guarantee behind the limits).
"""

from __future__ import annotations

import numpy as np

BUDGET = (0.67, 1.5)  # smallest and largest singular value any rendered triangle may have
LIMIT_BUDGET = (0.75, 1.33)  # what one joint alone may use of it
SWEEP_MAX_RAD = np.pi / 2
SWEEP_STEPS = 24
BISECT_STEPS = 10
# Slivers (a triangle along the outline whose three corners are almost in line) carry
# no visible texture across their width, and their affine map is ill-conditioned: one
# thinner than this is judged by how much its three edges stretch instead.
MIN_ALTITUDE_PX = 2.0
SMOOTH_FRAMES = 3


def _rest_inverse(rig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(T, 2, 2) inverse rest edge matrices, (T,) bool triangles judged by them (not
    slivers) and (T, 3) rest edge lengths px."""
    src = np.asarray(rig.skin_rest, np.float64)[rig.vert_skin]
    t = rig.triangles
    e = np.stack([src[t[:, 1]] - src[t[:, 0]], src[t[:, 2]] - src[t[:, 0]]], axis=2)
    det = e[:, 0, 0] * e[:, 1, 1] - e[:, 0, 1] * e[:, 1, 0]
    longest = np.max(
        np.linalg.norm(np.stack([e[:, :, 0], e[:, :, 1], e[:, :, 1] - e[:, :, 0]], 1), axis=2), 1
    )
    judged = np.abs(det) / np.maximum(longest, 1e-9) >= MIN_ALTITUDE_PX
    safe = np.where(judged, det, 1.0)
    inv = (
        np.stack(
            [np.stack([e[:, 1, 1], -e[:, 0, 1]], -1), np.stack([-e[:, 1, 0], e[:, 0, 0]], -1)],
            axis=1,
        )
        / safe[:, None, None]
    )
    return (
        inv,
        judged,
        np.linalg.norm(np.stack([e[:, :, 0], e[:, :, 1], e[:, :, 1] - e[:, :, 0]], 1), axis=2),
    )


def triangle_stretch(rig, dst: np.ndarray) -> np.ndarray:
    """(T, 2) float64 singular values (largest, smallest) of each triangle's rest → pose map.

    Args:
        rig: a ``BodyRig``.
        dst: (V, 2) px posed render vertices (``rig_pose``).

    Slivers thinner than ``MIN_ALTITUDE_PX`` read their edges' largest and smallest
    length ratios.
    """
    inv, judged, rest_edges = _rest_inverse(rig)
    d = np.asarray(dst, np.float64)
    t = rig.triangles
    q = np.stack([d[t[:, 1]] - d[t[:, 0]], d[t[:, 2]] - d[t[:, 0]]], axis=2)
    j = q @ inv  # (T, 2, 2)
    a, b, c, e = j[:, 0, 0], j[:, 0, 1], j[:, 1, 0], j[:, 1, 1]
    # singular values of [[a, b], [c, e]] in closed form
    s1 = np.hypot(a + e, c - b) / 2
    s2 = np.hypot(a - e, c + b) / 2
    hi, lo = s1 + s2, np.abs(s1 - s2)
    det = a * e - b * c
    lo = np.where(det < 0, -lo, lo)  # a folded (mirrored) triangle counts as squeezed past 0
    out = np.stack([hi, lo], axis=1)
    if (~judged).any():
        qs = q[~judged]
        edges = np.linalg.norm(
            np.stack([qs[:, :, 0], qs[:, :, 1], qs[:, :, 1] - qs[:, :, 0]], 1), axis=2
        )
        ratio = edges / np.maximum(rest_edges[~judged], 1e-9)
        ratio = np.where(rest_edges[~judged] > 1e-6, ratio, 1.0)
        out[~judged] = np.stack([ratio.max(axis=1), ratio.min(axis=1)], axis=1)
    return out


def frame_stretch(rig, dst: np.ndarray) -> tuple[float, float]:
    """(largest, smallest) singular value over the triangles of one pose."""
    s = triangle_stretch(rig, dst)
    return float(s[:, 0].max(initial=1.0)), float(s[:, 1].min(initial=1.0))


def within(hi: float, lo: float, budget=BUDGET) -> bool:
    return hi <= budget[1] + 1e-9 and lo >= budget[0] - 1e-9


class StretchMeter:
    """The worst stretch over the frames drawn so far (``add`` each posed frame)."""

    def __init__(self):
        self.hi, self.lo, self.n_frames = 1.0, 1.0, 0

    def add(self, rig, dst: np.ndarray) -> None:
        hi, lo = frame_stretch(rig, dst)
        self.hi, self.lo = max(self.hi, hi), min(self.lo, lo)
        self.n_frames += 1

    def summary(self) -> dict:
        """{"max", "min", "budget", "frames", "within"}: the shot's worst triangle."""
        return {
            "max": round(self.hi, 4),
            "min": round(self.lo, 4),
            "budget": list(BUDGET),
            "frames": self.n_frames,
            "within": within(self.hi, self.lo),
        }


def picture_meters(picture) -> list[StretchMeter]:
    """The meters of the dancers a shot's picture drew (its own, or its performers')."""
    found = [getattr(picture, "stretch", None)]
    found += [
        getattr(getattr(p, "dancer", None), "stretch", None)
        for p in getattr(picture, "performers", [])
    ]
    return [m for m in found if isinstance(m, StretchMeter) and m.n_frames]


def merged_summary(meters: list[StretchMeter]) -> dict | None:
    """One ``StretchMeter.summary`` over several meters (None without any)."""
    if not meters:
        return None
    total = StretchMeter()
    total.hi = max(m.hi for m in meters)
    total.lo = min(m.lo for m in meters)
    total.n_frames = max(m.n_frames for m in meters)
    return total.summary()


def _local_pose(rig, local: np.ndarray, root_xy_offset=(0.0, 0.0)):
    from engine.nodes.rig.limits import to_absolute
    from engine.nodes.rig.pose import rig_pose

    return rig_pose(rig, to_absolute(local), np.asarray(root_xy_offset, np.float64))


def joint_limits(rig, locked: np.ndarray | None = None) -> np.ndarray:
    """(N_BONES, 2) radians: how far each bone may turn from rest, (negative, positive).

    One bone turned at a time (relative to its parent; its children follow rigidly),
    the largest turn each way that keeps every triangle inside ``LIMIT_BUDGET``: a
    coarse sweep to the first bad angle, then bisection. Bones the rig does not move,
    and ``locked`` ones, get (0, 0).
    """
    from engine.nodes.motion import skeleton as sk
    from engine.nodes.rig.limits import to_local

    rest = to_local(np.asarray(rig.rest_angles, np.float64))
    out = np.zeros((sk.N_BONES, 2))
    locked = np.zeros(sk.N_BONES, bool) if locked is None else locked
    steps = np.linspace(0.0, SWEEP_MAX_RAD, SWEEP_STEPS + 1)[1:]
    for b in range(sk.N_BONES):
        if not rig.movable[b] or locked[b]:
            continue
        for k, sign in enumerate((-1.0, 1.0)):

            def ok(turn: float, b=b, sign=sign) -> bool:
                local = rest.copy()
                local[b] += sign * turn
                return within(*frame_stretch(rig, _local_pose(rig, local)), LIMIT_BUDGET)

            good = 0.0
            bad = None
            for turn in steps:
                if ok(turn):
                    good = turn
                else:
                    bad = turn
                    break
            if bad is not None:
                for _ in range(BISECT_STEPS):
                    mid = 0.5 * (good + bad)
                    good, bad = (mid, bad) if ok(mid) else (good, mid)
            out[b, k] = sign * good
    return out


def _min_then_mean(x: np.ndarray, half: int) -> np.ndarray:
    pad = np.pad(x, half, mode="edge")
    lo = np.min(np.lib.stride_tricks.sliding_window_view(pad, 2 * half + 1), axis=1)
    pad = np.pad(lo, half, mode="edge")
    return np.mean(np.lib.stride_tricks.sliding_window_view(pad, 2 * half + 1), axis=1)


def keep_in_budget(rig, angles: np.ndarray, root: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scale each frame's turns from rest until every triangle is inside ``BUDGET``.

    Args:
        rig: a ``BodyRig``.
        angles: (T, N_BONES) absolute radians; root: (T, 2) torso lengths.

    Returns:
        (angles (T, N_BONES) absolute radians, scale (T,) in [0, 1] applied per frame;
        a full body's root is to be scaled by it too, ``root * scale``: its hips bend
        the legs). The scale is smoothed over time (never raised) so a held-back move
        eases, and each frame is checked again afterwards: the budget holds in every
        frame.
    """
    from engine.nodes.rig.limits import _wrap, to_absolute, to_local
    from engine.nodes.rig.pose import rig_pose

    a = np.asarray(angles, np.float64)
    rest = to_local(np.asarray(rig.rest_angles, np.float64))
    dev = _wrap(to_local(a) - rest)

    # a full body's root bends its legs (planted feet): it is scaled with the turns
    root_share = 1.0 if rig.mode == "full" else 0.0

    def pose_ok(t: int, s: float) -> bool:
        r = root[t] * (1.0 - root_share * (1.0 - s))
        dst = rig_pose(rig, to_absolute(rest + s * dev[t]), r)
        return within(*frame_stretch(rig, dst))

    def best(t: int, hi: float = 1.0) -> float:
        if pose_ok(t, hi):
            return hi
        lo = 0.0
        for _ in range(BISECT_STEPS):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if pose_ok(t, mid) else (lo, mid)
        return lo

    scale = np.array([best(t) for t in range(len(a))])
    if (scale < 1.0).any():
        scale = _min_then_mean(scale, SMOOTH_FRAMES)
        scale = np.array([best(t, s) for t, s in enumerate(scale)])
    return to_absolute(rest + scale[:, None] * dev), scale
