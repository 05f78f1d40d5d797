"""Skinning: cut the mesh between parts, then give every vertex smooth bone weights.

A mesh vertex on a seam between two parts that must move apart (an arm and the
torso away from the shoulder, the two legs below the crotch, an arm and the head)
is split into one *skin vertex* per side; where parts stay joined (around the
shoulder, the neck, the hips) the vertex is shared. Weights start one-hot (the
bone of the vertex's pixel) and are diffused over the skin mesh's edges a few
times, so they blend smoothly across joints but never across a cut; around the
shoulders they are diffused longer, so the sleeve stretches over a wide band.
"""

from __future__ import annotations

import numpy as np

from engine.nodes.motion import skeleton as sk
from engine.nodes.rig.parts import HEAD, L_ARM, L_LEG, R_ARM, R_LEG, TORSO

N_WEIGHTS = 4  # bones per vertex kept after diffusion
DIFFUSE_STEPS = 4  # blend width: about this many grid cells either side of a joint
# The arm joins the torso within this many arm radii of the shoulder: one continuous
# sheet there, so a lifted arm stretches the sleeve instead of tearing it open.
JOIN_RADIUS = 2.0
SHOULDER_STEPS = 12  # extra smoothing steps for vertices near a shoulder (wide blend)
CROTCH_RADIUS = 0.35  # legs join each other within this many torso lengths of mid-hip


def _joined(a: int, b: int, xy: np.ndarray, joints: np.ndarray, torso_px: float, arm_r) -> bool:
    """Parts ``a`` and ``b`` stay connected at a vertex at ``xy`` px."""
    pair = {a, b}
    if a == b:
        return True
    if pair in ({TORSO, HEAD}, {TORSO, L_LEG}, {TORSO, R_LEG}):
        return True
    if pair == {L_LEG, R_LEG}:
        return np.linalg.norm(xy - joints[sk.MID_HIP]) < CROTCH_RADIUS * torso_px
    for arm, shoulder in ((L_ARM, sk.L_SHOULDER), (R_ARM, sk.R_SHOULDER)):
        if pair == {TORSO, arm}:
            return np.linalg.norm(xy - joints[shoulder]) < JOIN_RADIUS * arm_r[arm]
    return False


def split_vertices(
    pts: np.ndarray,
    tris: np.ndarray,
    tri_group: np.ndarray,
    joints: np.ndarray,
    torso_px: float,
    arm_r: dict[int, float],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Skin vertices: one per (mesh vertex, set of parts joined there).

    Returns:
        tri_skin (T, 3) int32 skin vertex of each triangle corner, skin_src (S,) int32
        mesh vertex of each skin vertex, skin_group (S,) int8 part of each skin vertex
        (the lowest joined group: torso wins, then head, arms, legs).
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
                if _joined(a, b, pts[v], joints, torso_px, arm_r):
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
