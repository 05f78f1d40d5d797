"""Skinning: cut the mesh between parts, then give every vertex smooth bone weights.

A mesh vertex on a seam between two pieces that must move apart (an arm piece and
anything else, the two legs below the crotch) is split into one *skin vertex* per
side; where pieces stay joined (the neck, the hips) the vertex is shared. Weights
start one-hot (the bone of the vertex's pixel) and are diffused over the skin mesh's
edges a few times, so they blend smoothly across joints but never across a cut: an
arm piece, all of one bone, stays one-hot and moves rigidly.
"""

from __future__ import annotations

import numpy as np

from engine.nodes.motion import skeleton as sk
from engine.nodes.rig.parts import HEAD, L_LEG, R_LEG, TORSO

N_WEIGHTS = 4  # bones per vertex kept after diffusion
DIFFUSE_STEPS = 4  # blend width: about this many grid cells either side of a joint
SHOULDER_STEPS = 12  # extra smoothing steps for vertices near a shoulder (wide blend)
CROTCH_RADIUS = 0.35  # legs join each other within this many torso lengths of mid-hip


def _joined(a: int, b: int, xy: np.ndarray, joints: np.ndarray, torso_px: float) -> bool:
    """Pieces ``a`` and ``b`` (``parts`` group or arm piece ids) stay connected at ``xy`` px.

    Torso, head and legs form one sheet (legs apart below the crotch); an arm piece is
    joined to nothing but itself: it turns rigidly about its joint, and what it uncovers
    there is a cap (a copy of its end bound to the parent piece), never a stretched sheet.
    """
    pair = {a, b}
    if a == b:
        return True
    if pair in ({TORSO, HEAD}, {TORSO, L_LEG}, {TORSO, R_LEG}):
        return True
    if pair == {L_LEG, R_LEG}:
        return np.linalg.norm(xy - joints[sk.MID_HIP]) < CROTCH_RADIUS * torso_px
    return False


def split_vertices(
    pts: np.ndarray,
    tris: np.ndarray,
    tri_group: np.ndarray,
    joints: np.ndarray,
    torso_px: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Skin vertices: one per (mesh vertex, set of pieces joined there).

    Args:
        tri_group: (T,) piece of each triangle (a ``parts`` group, or an arm piece).

    Returns:
        tri_skin (T, 3) int32 skin vertex of each triangle corner, skin_src (S,) int32
        mesh vertex of each skin vertex, skin_group (S,) int8 piece of each skin vertex
        (the lowest joined piece: torso wins, then head, legs, arm pieces).
    """
    incident: dict[int, set[int]] = {}
    for t, tri in enumerate(tris):
        for v in tri:
            incident.setdefault(int(v), set()).add(int(tri_group[t]))
    key_of: dict[tuple[int, int], int] = {}
    skin_src, skin_group = [], []
    for v in sorted(incident):
        groups = sorted(incident[v])
        root = {g: g for g in groups}

        def find(g, root=root):
            while root[g] != g:
                g = root[g]
            return g

        for i, a in enumerate(groups):
            for b in groups[i + 1 :]:
                if _joined(a, b, pts[v], joints, torso_px):
                    root[find(b)] = find(a)
        for g in groups:
            r = find(g)
            if (v, r) not in key_of:
                key_of[(v, r)] = len(skin_src)
                skin_src.append(v)
                skin_group.append(min(h for h in groups if find(h) == r))
            key_of[(v, g)] = key_of[(v, r)]
    tri_skin = np.array(
        [[key_of[(int(v), int(tri_group[t]))] for v in tri] for t, tri in enumerate(tris)],
        np.int32,
    ).reshape(-1, 3)
    return tri_skin, np.array(skin_src, np.int32), np.array(skin_group, np.int8)


def diffuse_weights(
    seed_bone: np.ndarray,
    tri_skin: np.ndarray,
    pinned: np.ndarray,
    steps: int = DIFFUSE_STEPS,
    wide: np.ndarray | None = None,
    wide_steps: int = SHOULDER_STEPS,
) -> tuple[np.ndarray, np.ndarray]:
    """Smooth bone weights from one-hot seeds over the skin mesh.

    Args:
        seed_bone: (S,) int bone of each skin vertex.
        tri_skin: (T, 3) skin vertex indices of the triangles (the graph).
        pinned: (S,) bool vertices that keep their seed (the pinned photo edge).
        steps: smoothing steps everywhere.
        wide: (S,) bool vertices smoothed ``wide_steps`` more times (the shoulders,
            where a one-hot boundary between collar and upper arm would shear the
            sleeve along a zigzag of triangle edges).

    Returns:
        bones (S, N_WEIGHTS) int32 and weights (S, N_WEIGHTS) float32 summing to 1.
    """
    n = len(seed_bone)
    w = np.zeros((n, sk.N_BONES))
    w[np.arange(n), seed_bone] = 1.0
    seed = w.copy()
    edges = np.concatenate([tri_skin[:, [0, 1]], tri_skin[:, [1, 2]], tri_skin[:, [2, 0]]])
    edges = np.unique(np.sort(edges, axis=1), axis=0)
    deg = np.bincount(edges.ravel(), minlength=n).astype(np.float64)
    for _ in range(steps):
        acc = np.zeros_like(w)
        np.add.at(acc, edges[:, 0], w[edges[:, 1]])
        np.add.at(acc, edges[:, 1], w[edges[:, 0]])
        mean = acc / np.maximum(deg, 1.0)[:, None]
        w = np.where(deg[:, None] > 0, 0.5 * w + 0.5 * mean, w)
        w[pinned] = seed[pinned]
    if wide is not None and wide.any():
        free = wide & ~pinned & (deg > 0)
        for _ in range(wide_steps):
            acc = np.zeros_like(w)
            np.add.at(acc, edges[:, 0], w[edges[:, 1]])
            np.add.at(acc, edges[:, 1], w[edges[:, 0]])
            mean = acc / np.maximum(deg, 1.0)[:, None]
            w[free] = 0.5 * w[free] + 0.5 * mean[free]
    bones = np.argsort(-w, axis=1, kind="stable")[:, :N_WEIGHTS]
    top = np.take_along_axis(w, bones, axis=1)
    top /= top.sum(axis=1, keepdims=True)
    return bones.astype(np.int32), top.astype(np.float32)


NECK_RAMP = (0.05, 0.5)  # neck weight rises from 0 to 1 between these fractions of ms → nose
HEAD_COLUMN = (0.5, 0.85)  # neck weight fades out between these lateral distances, of ms → nose
COLLAR_FADE_FRAC = 0.6  # collar weight fades out this many torso lengths below the shoulders


def _ramp(x: np.ndarray) -> np.ndarray:
    """0 below 0, 1 above 1, smoothstep between."""
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def torso_weights(xy: np.ndarray, joints: np.ndarray, torso_px: float) -> np.ndarray:
    """(N, N_BONES) float64 weights of torso and head points (N, 2) px: smooth ramps.

    The torso is one sheet over four bones that turn about the shoulders' midpoint:
    the spine everywhere, the head (``neck`` bone) rising along the neck, each collar
    rising from the midline to its shoulder and fading down the chest. Weights that
    change linearly over the width of the body keep the sheet's shear small (a turn
    of θ radians stretches it by about 1 + θ), where a narrow blend at a seam would
    crease it.
    """
    ms = joints[sk.MID_SHOULDER]
    up = ms - joints[sk.MID_HIP]
    up = up / max(float(np.linalg.norm(up)), 1e-9)
    rel = xy - ms
    nose = joints[sk.NOSE] - ms
    n2 = max(float(nose @ nose), 1e-9)
    u = rel @ nose / n2
    neck = _ramp((u - NECK_RAMP[0]) / (NECK_RAMP[1] - NECK_RAMP[0]))
    # ...within the head's column at shoulder height (what lies beside the neck there is
    # a shoulder, not the head); above the chin all of the head turns.
    n_len = np.sqrt(n2)
    lateral = np.abs(rel[:, 0] * nose[1] - rel[:, 1] * nose[0]) / n_len
    lo, hi = HEAD_COLUMN
    column = np.clip((hi * n_len - lateral) / ((hi - lo) * n_len), 0.0, 1.0)
    above = _ramp((u - NECK_RAMP[1]) / NECK_RAMP[1])
    neck *= column + (1.0 - column) * above
    down = np.maximum(0.0, -(rel @ up))
    fade = np.clip(1.0 - down / (COLLAR_FADE_FRAC * torso_px), 0.0, 1.0)
    w = np.zeros((len(xy), sk.N_BONES))
    collars = 0.0
    for name, shoulder in (("l_collar", sk.L_SHOULDER), ("r_collar", sk.R_SHOULDER)):
        side = joints[shoulder] - ms
        t = rel @ side / max(float(side @ side), 1e-9)
        wc = np.clip(t, 0.0, 1.0) * fade * (1.0 - neck)
        w[:, sk.BONE_INDEX[name]] = wc
        collars = collars + wc
    w[:, sk.BONE_INDEX["neck"]] = neck
    w[:, sk.BONE_INDEX["spine"]] = np.maximum(0.0, 1.0 - neck - collars)
    return w / w.sum(axis=1, keepdims=True)
