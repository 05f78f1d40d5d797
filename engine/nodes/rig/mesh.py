"""The silhouette of a person and a triangle mesh over it that follows the part boundaries.

Vertices: points along every part's outline (the silhouette's edge and the seams
between parts, at half the grid spacing, so seams are straight cuts rather than
staircases of triangles) plus an interior hexagonal grid kept clear of those
outlines. Delaunay triangles are kept when their centroid and edge midpoints lie
inside the silhouette (which drops triangles bridging a concavity, e.g. the gap
between an arm and the body), and each takes the part under its centroid.
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy.spatial import Delaunay, cKDTree

from engine.errors import NodeError

KIND = "rig.build"


def silhouette(mask: np.ndarray, smooth_px: float, grow_px: int) -> np.ndarray:
    """(H, W) bool person silhouette from a soft mask.

    Threshold at 0.5, keep the largest connected component, smooth the outline
    (Gaussian of the binary image, re-thresholded) and grow it by ``grow_px`` so the
    mask's soft edge rides with the body instead of being left on the background.
    """
    binary = (np.asarray(mask, np.float32) > 0.5).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    if n < 2:
        raise NodeError(
            "the person mask is empty", kind=KIND, hint="use a photo where the person is visible"
        )
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    body = (labels == largest).astype(np.float32)
    if smooth_px > 0:
        body = cv2.GaussianBlur(body, (0, 0), smooth_px)
    body = (body > 0.5).astype(np.uint8)
    if grow_px > 0:
        k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow_px + 1, 2 * grow_px + 1))
        body = cv2.dilate(body, k)
    return body.astype(bool)


def _resample(contour: np.ndarray, spacing_px: float) -> np.ndarray:
    """Points every ``spacing_px`` along a closed polyline (K, 2)."""
    closed = np.vstack([contour, contour[:1]]).astype(np.float64)
    seg = np.linalg.norm(np.diff(closed, axis=0), axis=1)
    arc = np.concatenate([[0.0], np.cumsum(seg)])
    n = max(3, int(round(arc[-1] / spacing_px)))
    s = np.linspace(0.0, arc[-1], n, endpoint=False)
    return np.stack([np.interp(s, arc, closed[:, 0]), np.interp(s, arc, closed[:, 1])], axis=1)


def outline_points(labels: np.ndarray, spacing_px: float) -> np.ndarray:
    """(K, 2) px points along the outline of every labelled region (labels >= 0)."""
    pts = []
    for g in np.unique(labels[labels >= 0]):
        region = (labels == g).astype(np.uint8)
        contours, _ = cv2.findContours(region, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
        for c in contours:
            c = c[:, 0, :].astype(np.float64)
            if len(c) * 1.0 < 2 * spacing_px:  # specks: too small to mesh
                continue
            c = cv2.GaussianBlur(c[None], (1, 0), sigmaX=1.5, borderType=cv2.BORDER_WRAP)[0]
            pts.append(_resample(c, spacing_px))
    return np.concatenate(pts) if pts else np.zeros((0, 2))


def thin_points(pts: np.ndarray, min_dist_px: float) -> np.ndarray:
    """Drop points closer than ``min_dist_px`` to an earlier kept point (order kept)."""
    tree = cKDTree(pts)
    keep = np.ones(len(pts), bool)
    for i, j in sorted(tree.query_pairs(min_dist_px)):
        if keep[i] and keep[j]:
            keep[j] = False
    return pts[keep]


def grid_points(body: np.ndarray, spacing_px: float, avoid: np.ndarray) -> np.ndarray:
    """Hexagonal grid points inside ``body``, at least half a spacing from ``avoid`` (K, 2)."""
    h, w = body.shape
    row_px = spacing_px * np.sqrt(3) / 2
    ys = np.arange(row_px / 2, h, row_px)
    pts = []
    for r, y in enumerate(ys):
        xs = np.arange(spacing_px / 2 + (r % 2) * spacing_px / 2, w, spacing_px)
        pts.append(np.stack([xs, np.full_like(xs, y)], axis=1))
    grid = np.concatenate(pts)
    inside = body[grid[:, 1].astype(int), grid[:, 0].astype(int)]
    grid = grid[inside]
    if len(avoid) and len(grid):
        d, _ = cKDTree(avoid).query(grid)
        grid = grid[d > 0.5 * spacing_px]
    return grid


def triangulate(pts: np.ndarray, body: np.ndarray, slack_px: int) -> np.ndarray:
    """(T, 3) int32 Delaunay triangles of ``pts`` that lie inside ``body``.

    Tested against ``body`` grown by ``slack_px``: a chord between two outline points
    on a concave stretch of the outline lies slightly outside, and must stay.
    """
    tris = Delaunay(pts).simplices.astype(np.int32)
    h, w = body.shape
    if slack_px > 0:
        k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * slack_px + 1, 2 * slack_px + 1))
        body = cv2.dilate(body.astype(np.uint8), k).astype(bool)

    def inside(xy: np.ndarray) -> np.ndarray:
        x = np.clip(np.round(xy[:, 0]).astype(int), 0, w - 1)
        y = np.clip(np.round(xy[:, 1]).astype(int), 0, h - 1)
        return body[y, x]

    p = pts[tris]  # (T, 3, 2)
    keep = inside(p.mean(axis=1))
    for a, b in ((0, 1), (1, 2), (2, 0)):
        keep &= inside((p[:, a] + p[:, b]) / 2)
    area2 = (p[:, 1, 0] - p[:, 0, 0]) * (p[:, 2, 1] - p[:, 0, 1]) - (p[:, 1, 1] - p[:, 0, 1]) * (
        p[:, 2, 0] - p[:, 0, 0]
    )
    keep &= np.abs(area2) > 1e-6
    tris = tris[keep]
    # Counter-clockwise on screen (positive area in x-right, y-down coordinates).
    flip = area2[keep] < 0
    tris[flip] = tris[flip][:, [0, 2, 1]]
    return tris


def label_at(labels: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """Label under each point (N, 2) px (nearest pixel)."""
    h, w = labels.shape
    x = np.clip(np.round(xy[:, 0]).astype(int), 0, w - 1)
    y = np.clip(np.round(xy[:, 1]).astype(int), 0, h - 1)
    return labels[y, x]


def nearest_inside(inside: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every pixel, the (y, x) of the nearest ``inside`` pixel: two (H, W) int arrays.

    Lets a point just outside the silhouette (a mesh vertex on the grown rim) read
    the labels of the body next to it.
    """
    _, lab = cv2.distanceTransformWithLabels(
        (~inside).astype(np.uint8), cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL
    )
    ys, xs = np.nonzero(inside)
    table_y = np.zeros(lab.max() + 1, np.int64)
    table_x = np.zeros(lab.max() + 1, np.int64)
    table_y[lab[ys, xs]] = ys
    table_x[lab[ys, xs]] = xs
    return table_y[lab], table_x[lab]


def sliver_midpoints(pts: np.ndarray, tris: np.ndarray, min_aspect: float, min_edge_px: float):
    """(K, 2) px midpoints of the longest edge of every thin triangle.

    A triangle is thin when its altitude over its longest edge is below ``min_aspect``
    and that edge is longer than ``min_edge_px``: along a straight stretch of outline
    Delaunay joins far-apart points by long slivers, whose texture a smooth bend
    squeezes across their width. Adding these points and triangulating again splits them.
    """
    p = pts[tris]
    e = np.stack([p[:, 1] - p[:, 0], p[:, 2] - p[:, 1], p[:, 0] - p[:, 2]], axis=1)
    length = np.linalg.norm(e, axis=2)
    k = np.argmax(length, axis=1)
    longest = length[np.arange(len(tris)), k]
    area2 = np.abs(e[:, 0, 0] * e[:, 1, 1] - e[:, 0, 1] * e[:, 1, 0])
    thin = (area2 / np.maximum(longest, 1e-9) < min_aspect * longest) & (longest > min_edge_px)
    a = p[np.arange(len(tris)), k]
    b = p[np.arange(len(tris)), (k + 1) % 3]
    mid = ((a + b) / 2)[thin]
    if len(mid) == 0:
        return mid
    return np.unique(np.round(mid, 3), axis=0)
