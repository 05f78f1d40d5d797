"""One talking-photo frame: mouth interior, then the face mesh over it.

Per frame: copy the rest frame (the photo placed in the frame; triangles whose
vertices are all within ``MOVED_PX`` of rest this frame are not drawn again), draw the mouth interior where the lips
have opened, then rasterise the moving triangles from the photo to their
deformed places with ``engine.nodes.warp.raster.rasterise``. While the mouth
opens, the triangles inside the inner lips are drawn first, under the
interior, and fade out with it (``mouth.mouth_alpha``); at rest every
triangle maps a pixel to itself, so the frame is the photo. When a photo's
parted lips close (``deform.mouth_from_rest``), the triangles inside them stay
where they are in the photo (moving with the head only) and the lips are
drawn over them: the lips slide over the teeth rather than squeezing them.
"""

from __future__ import annotations

import weakref

import cv2
import numpy as np

from engine.errors import NodeError
from engine.nodes.animate import groups as g
from engine.nodes.animate.deform import as_controls, deform
from engine.nodes.animate.mouth import (
    draw_mouth_interior,
    inner_gap_px,
    lip_loop_mask,
    mouth_alpha,
    photo_mouth_open,
    skull_map,
)
from engine.nodes.animate.rig import FaceRig
from engine.nodes.warp.raster import outline_edges, rasterise

MOVED_PX = 0.05  # a vertex closer than this to rest changes no pixel by more than ~1 level
CLOSING_PX = 0.25  # parted lips this much nearer than in the photo are closing over the teeth
LIP_EDGE_IOD = 0.012  # how far into a lip its closing edge is sampled, inter-ocular units


def rest_frame(rig: FaceRig, photo: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8: the photo in the frame at rest (the whole mesh, undeformed)."""
    w, h = rig.out_size
    out = np.zeros((h, w, 3), np.uint8)
    return rasterise(photo, rig.src_pts, rig.rest_pts, rig.triangles, out, rig.draw_order)


def render_face_frame(
    rig: FaceRig,
    photo: np.ndarray,
    controls,
    out: np.ndarray,
    *,
    background: np.ndarray | None = None,
) -> np.ndarray:
    """Draw one frame of the animated face into ``out`` in place and return it.

    rig: from ``build_face_rig`` on ``photo``.
    photo: (Hp, Wp, 3) uint8, the rig's photo (the texture).
    controls: (C,) float32 or {slot: value} (see ``controls.SLOTS``).
    out: (H, W, 3) uint8 C-contiguous, H, W = ``rig.out_size`` reversed.
    background: ``rest_frame(rig, photo)``, computed once per clip and passed in
        to save a full-frame rasterise per frame; computed here when None; ``out``
        itself when it holds the background already (another face drawn in it).

    All-zero controls give ``rest_frame`` exactly (the photo, for equal sizes).
    """
    w, h = rig.out_size
    if out.shape != (h, w, 3):
        raise NodeError(
            f"out must be ({h}, {w}, 3) for this rig, got {out.shape}", kind="animate.render"
        )
    c = as_controls(controls)
    dst = deform(rig, c)
    if background is None:
        out[...] = rest_frame(rig, photo)
    elif background is not out:  # ``out`` may hold the background already
        out[...] = background
    alpha = mouth_alpha(rig, dst)
    moving = moved_tris(rig, dst)
    mouth = rig.mouth_tris & moving
    whole, lips = _edge_flags(rig)
    if photo_mouth_open(rig) and inner_gap_px(rig, dst) < rig.rest_gap_px - CLOSING_PX:
        # parted lips closing: the photo's teeth stay with the head, the lips slide over
        _teeth_at_rest(rig, photo, dst, out)
        around = _around_lips(rig)
        which = (moving | around) & ~rig.mouth_tris
        if which.any():
            src = _lips_without_teeth(rig)
            tris, order = rig.triangles[which], rig.draw_order[which]
            rasterise(photo, src, dst, tris, out, order, aa_edges=lips[which])
        return out
    if alpha <= 0.0:
        _draw(rig, photo, dst, moving, whole, out)
        return out
    if alpha < 1.0:
        _draw(rig, photo, dst, mouth, whole, out)  # the photo's lip seam, fading out
    draw_mouth_interior(out, rig, dst, c, alpha, photo)
    # the interior reaches a pixel under the lips' edge: redraw the lips even if they stayed
    around = _around_lips(rig)
    _draw(rig, photo, dst, (moving | around) & ~mouth, lips, out)
    return out


def _teeth_at_rest(rig: FaceRig, photo: np.ndarray, dst: np.ndarray, out: np.ndarray) -> None:
    """The photo's mouth interior where it is in the photo (moved with the head only),
    inside this frame's inner-lip loop (a pixel wider, under the lips' soft edge)."""
    h, w = out.shape[:2]
    m = skull_map(rig, dst)
    inside = rig.rest_pts.astype(np.float64) @ m[:, :2].T + m[:, 2]
    loop = dst[rig.inner_lips].astype(np.float64)
    both = np.vstack([loop, inside[rig.inner_lips]])
    x0, y0 = np.maximum(np.floor(both.min(0)).astype(int) - 2, 0)
    x1, y1 = np.minimum(np.ceil(both.max(0)).astype(int) + 3, [w, h])
    if x1 <= x0 or y1 <= y0:
        return
    org = np.array([x0, y0], np.float64)
    patch = np.ascontiguousarray(out[y0:y1, x0:x1])
    tris = rig.triangles[rig.mouth_tris]
    rasterise(photo, rig.src_pts, (inside - org).astype(np.float32), tris, patch)
    keep = cv2.dilate(lip_loop_mask(patch.shape[:2], loop - org), np.ones((3, 3), np.uint8))
    base = out[y0:y1, x0:x1].astype(np.float32)
    mixed = base + keep[..., None] * (patch.astype(np.float32) - base)
    out[y0:y1, x0:x1] = np.clip(mixed + 0.5, 0, 255).astype(np.uint8)


def _lips_without_teeth(rig: FaceRig) -> np.ndarray:
    """(V, 2) texture px with the inner-lip points moved a little into their lips.

    The landmark contour of parted lips often lies a pixel or two inside the
    teeth; lips sliding over the teeth would drag that sliver of tooth along as
    a bright line on their edge. Sampling the edge from just inside the lip avoids it.
    """
    src = _LIP_SRC.get(rig)
    if src is None:
        src = rig.src_pts.copy()
        scale = rig.iod_px / max(
            float(np.linalg.norm(rig.src_pts[rig.vertex(263)] - rig.src_pts[rig.vertex(33)])), 1e-6
        )
        step = LIP_EDGE_IOD * rig.iod_px / scale
        v = rig.axis_v.astype(np.float32)
        for ids, sign in ((g.INNER_UPPER[1:-1], -1.0), (g.INNER_LOWER, 1.0)):
            for k in ids:
                src[rig.vertex(k)] += sign * step * v
        _LIP_SRC[rig] = src
    return src


_LIP_SRC: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def moved_tris(rig: FaceRig, dst: np.ndarray) -> np.ndarray:
    """(T,) bool: triangles with a vertex more than ``MOVED_PX`` from rest in ``dst``.

    The others are where they are in the rest frame, which already holds them;
    a head turn moves the face and the inner ring, not the frame's edges.
    """
    d = dst - rig.rest_pts
    moved = d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1] > MOVED_PX * MOVED_PX
    return moved[rig.triangles].any(1) & rig.moving_tris


def _around_lips(rig: FaceRig) -> np.ndarray:
    """(T,) bool: the moving triangles with a vertex on the inner lips (read-only)."""
    around = _AROUND.get(rig)
    if around is None:
        around = np.isin(rig.triangles, rig.inner_lips).any(1) & rig.moving_tris
        around.flags.writeable = False
        _AROUND[rig] = around
    return around


_AROUND: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _edge_flags(rig: FaceRig) -> tuple[np.ndarray, np.ndarray]:
    """(T, 3) bool anti-alias flags: the whole mesh's outline, and the outline of the
    mesh without the mouth triangles (its inner-lip edges lie soft over the interior).

    Per-triangle flags from the whole mesh keep the seams between the triangles
    drawn this frame and those left from the rest frame hard (no bleeding).
    """
    flags = _FLAGS.get(rig)
    if flags is None:
        tris = rig.triangles
        lips = np.zeros(tris.shape, np.bool_)
        lips[~rig.mouth_tris] = outline_edges(tris[~rig.mouth_tris])
        flags = _FLAGS[rig] = (outline_edges(tris), lips)
    return flags


_FLAGS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _draw(rig: FaceRig, photo: np.ndarray, dst: np.ndarray, which, aa, out) -> None:
    if which.any():
        tris, order = rig.triangles[which], rig.draw_order[which]
        rasterise(photo, rig.src_pts, dst, tris, out, order, aa_edges=aa[which])
