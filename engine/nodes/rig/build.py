"""Rig the body of a photographed person: mesh, parts, skinning weights, textures.

``build_body_rig`` is the cached setup step of a dancing photo (prepare once,
pose many times): it meshes the person's silhouette, cuts the mesh between parts
that move apart, gives each vertex linear-blend-skinning weights to the shared
skeleton's bones (``engine.nodes.motion.skeleton``) and records the photo's own
pose as the rest pose (its bone lengths are what retargets any motion to this
body). The result is plain NumPy data, picklable and cacheable by content key.

Method: silhouette → part labels (``parts``) → outline + grid points, Delaunay
(``mesh``) → seams and diffused weights (``skin``). Arm triangles lying over the
torso or a leg in the photo get an *underlay* copy bound to the body below and
textured from a copy of the photo with the arm painted out (``cloth``), so moving
the arm uncovers body, not background. What hides the body in the photo (a helmet
in front of a hand) is an *occluder* (``occluder``), drawn back over the body.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.errors import NodeError
from engine.nodes.body.cutout import fill_background, refine_person_mask
from engine.nodes.body.pose import Pose
from engine.nodes.body.select import check_body_mode
from engine.nodes.motion import skeleton as sk
from engine.nodes.rig import cloth, mesh, parts, skin
from engine.nodes.rig.occluder import occluder_pixels

KIND = "rig.build"
GRID_FRAC = 0.09  # interior grid spacing, torso lengths
MIN_SPACING_PX = 6.0
ATLAS_GAP_PX = 4  # columns between the live texture and the underlay in the atlas
EDGE_GROW_FRAC = 0.006  # silhouette grown past the mask's 0.5 level, of the long side


@dataclass(frozen=True)
class BodyRig:
    """A photographed body ready to pose.

    Attributes:
        mode: "full" or "upper" (upper: only spine-and-above bones move, the photo's
            bottom edge stays pinned).
        photo_hw: (H, W) of the photo and of every rendered frame.
        rest_joints: (N_JOINTS, 2) float64 px, the photo's joints.
        rest_angles: (N_BONES,) float64 radians, the photo's bone angles.
        lengths: (N_BONES,) float64 px, the photo's bone lengths.
        torso_px: float, mid-hip to mid-shoulder in the photo, px.
        movable: (N_BONES,) bool, bones that follow the pose (others keep rest).
        skin_rest: (S, 2) float64 px, skin vertex rest positions.
        skin_bones: (S, 4) int32, skin_weights: (S, 4) float32 (rows sum to 1).
        vert_skin: (V,) int32, skin vertex of each render vertex.
        tex_xy: (V, 2) float32 px, render vertex position in the texture atlas.
        triangles: (T, 3) int32 render vertex indices, counter-clockwise at rest.
        tri_group: (T,) int8 part of each triangle (``parts.GROUP_NAMES``).
        tri_underlay: (T,) bool, triangle paints the body under an arm.
        edge_outline: (T, 3) bool, edge k (corner k → k+1) is on the silhouette.
        edge_partner: (T, 3, 2) int32 render vertices of the edge across a seam (-1 if
            none): anti-aliased only once the two sides separate.
        labels: (H, W) int8 part of each photo pixel, -1 outside the silhouette.
        background: (H, W, 3) uint8, the photo with the person removed.
        underlay: (H, W, 3) uint8, the photo with the arms painted out.
        rest_box: (4,) float64 px, x0, y0, x1, y1 of the silhouette at rest.
        occluder_idx: (K,) int64 flat pixel indices of what hides the body in the photo
            (a helmet in front of a hand), drawn from ``background`` over the body.
        occluder_alpha: (K,) float32 in (0, 1], their opacity.
    """

    mode: str
    photo_hw: tuple[int, int]
    rest_joints: np.ndarray
    rest_angles: np.ndarray
    lengths: np.ndarray
    torso_px: float
    movable: np.ndarray
    skin_rest: np.ndarray
    skin_bones: np.ndarray
    skin_weights: np.ndarray
    vert_skin: np.ndarray
    tex_xy: np.ndarray
    triangles: np.ndarray
    tri_group: np.ndarray
    tri_underlay: np.ndarray
    edge_outline: np.ndarray
    edge_partner: np.ndarray
    labels: np.ndarray
    background: np.ndarray
    underlay: np.ndarray
    rest_box: np.ndarray
    occluder_idx: np.ndarray
    occluder_alpha: np.ndarray

    @property
    def atlas_offset_px(self) -> int:
        """x offset of the underlay in the texture atlas (texture | gap | underlay)."""
        return self.photo_hw[1] + ATLAS_GAP_PX


def _check(photo: np.ndarray, pose: Pose, mode: str) -> None:
    if not (isinstance(photo, np.ndarray) and photo.dtype == np.uint8 and photo.ndim == 3):
        raise NodeError(
            f"photo must be (H, W, 3) uint8, got {getattr(photo, 'dtype', type(photo))} "
            f"{getattr(photo, 'shape', '')}",
            kind=KIND,
        )
    if photo.shape[2] != 3:
        raise NodeError(f"photo must be (H, W, 3) uint8, got {photo.shape}", kind=KIND)
    if pose.mask is None or pose.mask.shape != photo.shape[:2]:
        raise NodeError(
            "the pose has no person mask of the photo's size",
            kind=KIND,
            hint="read the pose with person_pose(photo) (it returns the mask)",
        )
    check_body_mode(pose, mode)


def _edges(tris: np.ndarray, base: np.ndarray, tri_skin: np.ndarray, is_copy: np.ndarray):
    """Outline flags and seam partners of every triangle edge (see ``BodyRig``)."""
    n_tri = len(tris)
    outline = np.zeros((n_tri, 3), bool)
    partner = np.full((n_tri, 3, 2), -1, np.int32)
    base_users: dict[tuple[int, int], list[tuple[int, int]]] = {}
    skin_count: dict[tuple[int, int], int] = {}
    for t in range(n_tri):
        for k in range(3):
            a, b = int(base[t, k]), int(base[t, (k + 1) % 3])
            base_users.setdefault((min(a, b), max(a, b)), []).append((t, k))
            sa, sb = int(tri_skin[t, k]), int(tri_skin[t, (k + 1) % 3])
            key = (min(sa, sb), max(sa, sb))
            skin_count[key] = skin_count.get(key, 0) + 1
    for users in base_users.values():
        originals = [u for u in users if not is_copy[u[0]]]
        for t, k in users:
            sa, sb = int(tri_skin[t, k]), int(tri_skin[t, (k + 1) % 3])
            if len(originals) == 1:
                outline[t, k] = True
                continue
            if skin_count[(min(sa, sb), max(sa, sb))] >= 2 and _shared(users, t, k, tri_skin):
                continue  # joined on both sides: the edge never opens
            mine = set(base[t])
            for u, j in users:
                if set(base[u]) != mine:
                    ua, ub = tris[u, j], tris[u, (j + 1) % 3]
                    # orient the partner's corners like ours (a ↔ a, b ↔ b)
                    if int(base[u, j]) != int(base[t, k]):
                        ua, ub = ub, ua
                    partner[t, k] = (ua, ub)
                    break
    return outline, partner


def _shared(users, t, k, tri_skin) -> bool:
    """Another triangle uses the same skin edge as edge k of triangle t."""
    mine = {int(tri_skin[t, k]), int(tri_skin[t, (k + 1) % 3])}
    return any(
        {int(tri_skin[u, j]), int(tri_skin[u, (j + 1) % 3])} == mine
        for u, j in users
        if (u, j) != (t, k)
    )


def build_body_rig(photo: np.ndarray, pose: Pose, mode: str = "full") -> BodyRig:
    """Rig the person in ``photo`` for posing with the shared skeleton.

    Args:
        photo: (H, W, 3) uint8 RGB.
        pose: the person's ``Pose`` from ``engine.nodes.body.person_pose`` (with mask).
        mode: "full" (the whole body moves) or "upper" (waist-up photo: hips and legs
            stay, the photo's bottom edge stays pinned).

    Returns:
        A ``BodyRig``.

    Raises:
        AssetError: "full" asked of a waist-up photo, or an unknown mode.
        NodeError: bad photo or mask.
    """
    _check(photo, pose, mode)
    h, w = photo.shape[:2]
    joints = sk.with_midpoints(pose.points)
    lengths = sk.bone_lengths(joints)
    torso_px = float(lengths[sk.BONE_INDEX["spine"]])
    if not np.isfinite(joints).all() or torso_px < 8.0:
        raise NodeError(
            f"the body is too small to rig (torso {torso_px:.1f} px)",
            kind=KIND,
            hint="use a photo where the person is larger",
        )
    with_legs = mode == "full"
    spacing = max(MIN_SPACING_PX, GRID_FRAC * torso_px)
    # The mesh covers exactly what the background plate repaints, so the rest pose
    # gives the photo back; the grown rim is the mask's soft edge.
    grow_px = max(2, round(EDGE_GROW_FRAC * max(h, w)))
    # The pose model's mask takes in what the person holds (a helmet in the lap):
    # cut it to the person's colours so the arm does not carry the helmet along.
    person = refine_person_mask(photo, pose.mask)
    body = mesh.silhouette(person, smooth_px=max(1.0, 0.004 * max(h, w)), grow_px=grow_px)
    labels, bone_px, under_px = parts.segment_parts(body, joints, torso_px, with_legs)
    near_y, near_x = mesh.nearest_inside(body)  # rim vertices read the body next to them
    labels_near = labels[near_y, near_x]
    bone_near, under_near = bone_px[near_y, near_x], under_px[near_y, near_x]

    # Vertices and triangles.
    # Outlines of the parts and of the underlay (the body under an arm), so that the
    # edge the arm uncovers is a smooth line, not a staircase of triangles.
    outlined = np.where(under_px >= 0, 16 + under_px, labels)
    edge_pts = mesh.thin_points(mesh.outline_points(outlined, spacing / 2), 0.35 * spacing)
    pts = np.concatenate([edge_pts, mesh.grid_points(body, spacing, edge_pts)])
    base = mesh.triangulate(pts, body, slack_px=max(1, round(0.2 * spacing)))
    centroid = pts[base].mean(axis=1)
    group = mesh.label_at(labels_near, centroid).astype(np.int8)
    under = mesh.label_at(under_near, centroid).astype(np.int8)
    arm = np.isin(group, (parts.L_ARM, parts.R_ARM)) & (under >= 0)
    base = np.concatenate([base, base[arm]])
    group = np.concatenate([group, under[arm]])
    is_copy = np.concatenate([np.zeros(len(base) - arm.sum(), bool), np.ones(arm.sum(), bool)])

    # Skin vertices, seeds and weights.
    arm_r = {
        g: parts.ARM_RADIUS_FRAC[1] * torso_px for g in (parts.L_ARM, parts.R_ARM)
    }  # join radius uses the capsule limit: generous around the shoulder
    tri_skin, skin_src, skin_group = skin.split_vertices(pts, base, group, joints, torso_px, arm_r)
    skin_rest = pts[skin_src]
    seed = mesh.label_at(bone_near, skin_rest).astype(np.int64)
    for g in np.unique(skin_group):
        sel = skin_group == g
        wrong = sel & ((seed < 0) | (parts.GROUP_OF_BONE[np.maximum(seed, 0)] != g))
        if g == parts.TORSO and not with_legs:
            wrong &= ~(parts.GROUP_OF_BONE[np.maximum(seed, 0)] >= parts.L_LEG)
        if wrong.any():
            seed[wrong] = parts.nearest_bone(skin_rest[wrong], joints, int(g), with_legs)
    movable = np.ones(sk.N_BONES, bool)
    pinned = np.zeros(len(skin_rest), bool)
    if mode == "upper":
        movable = np.array([name in sk.UPPER_BODY_BONES for name, _, _ in sk.BONES])
        pinned = (skin_rest[:, 1] >= h - 2.0) & (skin_group == parts.TORSO)
        seed[pinned] = sk.BONE_INDEX["l_pelvis"]  # a bone that never moves in upper mode
    near_shoulder = np.zeros(len(skin_rest), bool)
    for arm, shoulder in ((parts.L_ARM, sk.L_SHOULDER), (parts.R_ARM, sk.R_SHOULDER)):
        reach = skin.JOIN_RADIUS * arm_r[arm]
        near_shoulder |= np.linalg.norm(skin_rest - joints[shoulder], axis=1) < reach
    skin_bones, skin_weights = skin.diffuse_weights(seed, tri_skin, pinned, wide=near_shoulder)

    # Render vertices: one per (skin vertex, texture): underlay copies read the atlas.
    layer = np.repeat(is_copy[:, None].astype(np.int64), 3, axis=1)
    keys, inverse = np.unique(tri_skin.astype(np.int64) * 2 + layer, return_inverse=True)
    triangles = inverse.reshape(-1, 3).astype(np.int32)
    vert_skin = (keys // 2).astype(np.int32)
    tex_xy = skin_rest[vert_skin] + np.where((keys % 2 == 1)[:, None], [w + ATLAS_GAP_PX, 0], 0)
    outline, partner = _edges(triangles, base, tri_skin, is_copy)

    occ_idx, occ_alpha = occluder_pixels(body, joints, torso_px, with_legs)
    ys, xs = np.nonzero(body)
    return BodyRig(
        mode=mode,
        photo_hw=(h, w),
        rest_joints=joints,
        rest_angles=sk.bone_angles(joints),
        lengths=lengths,
        torso_px=torso_px,
        movable=movable,
        skin_rest=skin_rest,
        skin_bones=skin_bones,
        skin_weights=skin_weights,
        vert_skin=vert_skin,
        tex_xy=tex_xy.astype(np.float32),
        triangles=triangles,
        tri_group=group,
        tri_underlay=is_copy,
        edge_outline=outline,
        edge_partner=partner,
        labels=labels,
        background=fill_background(photo, body.astype(np.float32), threshold=0.5, dilate_px=0),
        underlay=cloth.paint_under_arms(photo, labels),
        occluder_idx=occ_idx,
        occluder_alpha=occ_alpha,
        rest_box=np.array([xs.min(), ys.min(), xs.max(), ys.max()], np.float64),
    )
