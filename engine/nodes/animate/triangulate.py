"""Delaunay triangulation that keeps chosen contours (lips, eyelids) as edges.

SciPy's Delaunay is unconstrained: where a contour's points sit close to points
across it (the inner lips of a closed mouth), it may join them across the
contour. Each missing contour edge is restored by flipping the edges that
cross it (Sloan's constrained insertion, 1993), which terminates for a
segment between two mesh vertices that crosses no other constraint.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import Delaunay

from engine.errors import NodeError


def _cross(o: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    return float((a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]))


def _segments_cross(p1, p2, q1, q2) -> bool:
    """Proper crossing of segments p1p2 and q1q2 (shared end points do not count)."""
    d1, d2 = _cross(q1, q2, p1), _cross(q1, q2, p2)
    d3, d4 = _cross(p1, p2, q1), _cross(p1, p2, q2)
    return d1 * d2 < 0 and d3 * d4 < 0


def _edge_map(tris: list[list[int]]) -> dict[tuple[int, int], list[int]]:
    edges: dict[tuple[int, int], list[int]] = {}
    for t, tri in enumerate(tris):
        for k in range(3):
            a, b = tri[k], tri[(k + 1) % 3]
            edges.setdefault((min(a, b), max(a, b)), []).append(t)
    return edges


def _insert_edge(pts: np.ndarray, tris: list[list[int]], a: int, b: int) -> None:
    """Flip edges crossing segment a-b until a-b is an edge (in place)."""
    for _ in range(10 * len(tris)):
        edges = _edge_map(tris)
        if (min(a, b), max(a, b)) in edges:
            return
        flipped = False
        for (i, j), owners in edges.items():
            if len(owners) != 2 or not _segments_cross(pts[a], pts[b], pts[i], pts[j]):
                continue
            t1, t2 = owners
            k = next(v for v in tris[t1] if v not in (i, j))
            m = next(v for v in tris[t2] if v not in (i, j))
            # flip only when quad i-k-j-m is convex (the new diagonal k-m crosses i-j)
            if _segments_cross(pts[k], pts[m], pts[i], pts[j]):
                tris[t1], tris[t2] = [k, m, i], [m, k, j]
                flipped = True
                break
        if not flipped:
            break
    raise NodeError(
        f"could not keep contour edge {a}-{b} in the face mesh",
        kind="animate.rig",
        hint="the face landmarks may be degenerate; try a clearer, more frontal photo",
    )


def constrained_delaunay(pts: np.ndarray, contours: list[np.ndarray]) -> np.ndarray:
    """Triangles (T, 3) int32 over ``pts`` (N, 2) with every consecutive pair of each
    closed ``contours`` loop (vertex indices) kept as an edge; counter-clockwise in
    image coordinates is not guaranteed (the rasteriser takes either winding)."""
    tris = [list(map(int, t)) for t in Delaunay(pts).simplices]
    for loop in contours:
        for k in range(len(loop)):
            _insert_edge(pts, tris, int(loop[k]), int(loop[(k + 1) % len(loop)]))
    return np.asarray(tris, np.int32)


def missing_edges(tris: np.ndarray, loop: np.ndarray) -> list[tuple[int, int]]:
    """Consecutive pairs of the closed ``loop`` that are not edges of ``tris``."""
    have = set(_edge_map([list(t) for t in tris]))
    out = []
    for k in range(len(loop)):
        a, b = int(loop[k]), int(loop[(k + 1) % len(loop)])
        if (min(a, b), max(a, b)) not in have:
            out.append((a, b))
    return out
