"""Render one frame of a dancing photo: background plate, then the posed body mesh.

The body is drawn by the shared textured-triangle rasteriser
(``engine.nodes.warp.raster``), from a texture atlas ``[texture | gap | underlay]``:
the left part is this frame's picture of the person (the photo, or the talking
face's animated photo of this frame), the right part the photo with the arms
painted out, which the underlay triangles show where an arm moved away. Last, what
hid a limb in the photo (``occluder``) is drawn back over the body.

Anti-aliasing: the silhouette's outline is always soft; a seam between parts is
hard while its two sides still touch (soft edges there would let the background
through along the seam) and soft once they have separated by more than
``SEAM_OPEN_PX``. The rasteriser's public entry point decides outline edges from
topology alone, so the per-edge flags go to its kernel directly.
"""

from __future__ import annotations

import numpy as np

from engine.errors import NodeError
from engine.nodes.rig.build import ATLAS_GAP_PX, BodyRig
from engine.nodes.rig.layers import triangle_layers
from engine.nodes.rig.pose import pose_joints, rig_pose
from engine.nodes.warp import raster

KIND = "rig.render"
SEAM_OPEN_PX = 0.5


def make_atlas(rig: BodyRig, texture: np.ndarray, atlas: np.ndarray | None = None) -> np.ndarray:
    """(H, 2W + gap, 3) uint8 texture atlas for one frame (reuses ``atlas`` if given)."""
    h, w = rig.photo_hw
    if texture.shape != (h, w, 3) or texture.dtype != np.uint8:
        raise NodeError(
            f"texture must be ({h}, {w}, 3) uint8 like the rigged photo, got "
            f"{texture.dtype} {texture.shape}",
            kind=KIND,
        )
    shape = (h, 2 * w + ATLAS_GAP_PX, 3)
    if atlas is None or atlas.shape != shape:
        atlas = np.empty(shape, np.uint8)
        atlas[:, w + ATLAS_GAP_PX :] = rig.underlay
    atlas[:, :w] = texture
    atlas[:, w : w + ATLAS_GAP_PX] = texture[:, -1:]  # replicate: bilinear taps stay in the texture
    return atlas


def edge_antialias(rig: BodyRig, dst: np.ndarray) -> np.ndarray:
    """(T, 3) bool edges drawn soft for destination vertices ``dst`` (V, 2) px."""
    p = rig.edge_partner
    has = p[..., 0] >= 0
    tri = rig.triangles
    a = dst[tri]  # (T, 3, 2) corner k
    b = dst[np.roll(tri, -1, axis=1)]  # corner k + 1
    pa = dst[np.maximum(p[..., 0], 0)]
    pb = dst[np.maximum(p[..., 1], 0)]
    gap = np.maximum(np.linalg.norm(a - pa, axis=-1), np.linalg.norm(b - pb, axis=-1))
    return rig.edge_outline | (has & (gap > SEAM_OPEN_PX))


def render_dance_frame(
    rig: BodyRig,
    texture: np.ndarray,
    angles,
    root,
    out: np.ndarray,
    atlas: np.ndarray | None = None,
    meter=None,
) -> np.ndarray:
    """Draw the rigged person in pose (``angles``, ``root``) over the background plate.

    Args:
        rig: from ``build_body_rig``.
        texture: (H, W, 3) uint8, the person's picture this frame (the photo, or the
            talking face's animated photo), the rigged photo's size.
        angles: (N_BONES,) absolute bone angles, radians.
        root: (2,) mid-hip offset from rest, torso lengths.
        out: (H, W, 3) uint8 C-contiguous frame, overwritten.
        atlas: optional buffer from an earlier ``make_atlas`` call, reused.
        meter: optional ``stretch.StretchMeter`` told this frame's posed mesh.

    Returns:
        ``out``.
    """
    if not isinstance(out, np.ndarray) or out.shape != (*rig.photo_hw, 3):
        raise NodeError(
            f"out must be {(*rig.photo_hw, 3)} uint8, got {getattr(out, 'shape', out)}",
            kind=KIND,
        )
    joints = pose_joints(rig, angles, root)
    dst = rig_pose(rig, angles, root)
    if meter is not None:
        meter.add(rig, dst)
    tex = make_atlas(rig, texture, atlas)
    out[:] = rig.background
    draw_mesh(tex, rig.tex_xy, dst, rig.triangles, out, triangle_layers(rig, joints),
              edge_antialias(rig, dst))  # fmt: skip
    draw_occluders(rig, out)
    return out


def draw_occluders(rig: BodyRig, out: np.ndarray) -> np.ndarray:
    """Draw what hid the body in the photo (``BodyRig.occluder_idx``) back over ``out``."""
    idx = rig.occluder_idx
    if len(idx) == 0:
        return out
    flat = out.reshape(-1, 3)
    a = rig.occluder_alpha[:, None]
    front = rig.background.reshape(-1, 3)[idx].astype(np.float32)
    flat[idx] = (flat[idx] * (1.0 - a) + front * a + 0.5).astype(np.uint8)
    return out


def draw_mesh(tex, src, dst, triangles, out, order, aa) -> np.ndarray:
    """``raster.rasterise`` with explicit per-edge anti-aliasing flags ``aa`` (T, 3) bool."""
    tex, src, dst, tris, seq = raster._prepare(tex, src, dst, triangles, out, order)
    if len(seq):
        raster._raster_parallel(tex, src, dst, tris, seq, np.ascontiguousarray(aa, np.bool_), out)
    return out
