"""Rig the body of a photographed person: mesh, parts, skinning weights, textures.

``build_body_rig`` is the cached setup step of a dancing photo (prepare once,
pose many times): it meshes the person's silhouette, cuts the mesh between parts
that move apart, gives each vertex linear-blend-skinning weights to the shared
skeleton's bones (``engine.nodes.motion.skeleton``) and records the photo's own
pose as the rest pose (its bone lengths are what retargets any motion to this
body). The result is plain NumPy data, picklable and cacheable by content key.

Method: silhouette → part labels (``parts``) → outline + grid points, Delaunay,
long slivers split (``mesh``) → pieces, seams and weights (``skin``). Each arm is two
rigid pieces, upper arm and forearm with the hand, bound to one bone each and cut
from everything else: it turns about its joints like a cut-out puppet's and is never
stretched. Where a piece leaves its joint, a *cap* (a copy of its end bound to the
parent piece) shows the arm's own texture; arm triangles lying over the torso or a
leg get an *underlay* copy bound to the body below and textured from a copy of the
photo with the arm painted out (``cloth``), so moving the arm uncovers body, not
background. Torso and head share one sheet with wide, smooth weights
(``skin.torso_weights``); in "upper" mode it fades to the pinned bottom edge over a
broad ramp. What hides the body in the photo (a helmet in front of a hand) is an
*occluder* (``occluder``), drawn back over the body. Arms the photo's posture holds
(crossed, cut by the frame: ``posture``) and how far each joint may turn before a
triangle leaves the stretch budget (``stretch``) are recorded for ``limits``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from engine.errors import NodeError
from engine.nodes.body.cutout import fill_background, refine_person_mask
from engine.nodes.body.pose import Pose
from engine.nodes.body.select import check_body_mode
from engine.nodes.motion import skeleton as sk
from engine.nodes.rig import cloth, mesh, parts, posture, skin, stretch
from engine.nodes.rig.occluder import occluder_pixels

KIND = "rig.build"
GRID_FRAC = 0.09  # interior grid spacing, torso lengths
MIN_SPACING_PX = 6.0
ATLAS_GAP_PX = 4  # columns between the live texture and the underlay in the atlas
EDGE_GROW_FRAC = 0.006  # silhouette grown past the mask's 0.5 level, of the long side
SLIVER_ASPECT = 0.25  # altitude / longest edge below which a long triangle is split
REFINE_PASSES = 3
CAP_RADIUS = 1.25  # joint caps: triangles within this many arm radii of the joint
# Upper mode: torso weights fade from the spine's to the pinned edge's over this many
# torso lengths above the photo's bottom edge (a wide, gentle shear, not a crease)...
PIN_RAMP_FRAC = 0.45
PIN_RAMP_MAX_FRAC = 0.9
# ...and over at most this share of the way up to the shoulders, which must move with
# the spine in full (the arms turn rigidly about them)
PIN_RAMP_SHOULDER_SHARE = 0.8


LEG_SEGMENTS = (
    (sk.L_HIP, sk.L_KNEE),
    (sk.L_KNEE, sk.L_ANKLE),
    (sk.R_HIP, sk.R_KNEE),
    (sk.R_KNEE, sk.R_ANKLE),
)


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
        tri_sub: (T,) int8 draw order within its group (``layers``): torso 0, the body
            under an arm 1, shoulder caps 2; upper arm 0, elbow cap 1, forearm 2.
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
        held: (N_BONES,) bool, bones kept at the photo's bend relative to their parent
            (``posture``: crossed arms, an arm the frame cuts); held_why: {bone name:
            reason}.
        joint_limits: (N_BONES, 2) float64 radians, how far each bone may turn from
            rest relative to its parent, (negative, positive), before a triangle leaves
            the stretch budget (``stretch.joint_limits``); (0, 0) for held bones.
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
    tri_sub: np.ndarray
    edge_outline: np.ndarray
    edge_partner: np.ndarray
    labels: np.ndarray
    background: np.ndarray
    underlay: np.ndarray
    rest_box: np.ndarray
    occluder_idx: np.ndarray
    occluder_alpha: np.ndarray
    held: np.ndarray
    held_why: dict
    joint_limits: np.ndarray

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


def _pieces(pts, base, labels_near, bone_near, under_near, joints, arm_r, held_arms=()):
    """Every triangle's group, piece, draw sub-order and texture, with the copies added.

    An arm in ``held_arms`` (``posture``: it never moves apart from the torso) is part
    of the torso's sheet: same piece, no caps, nothing under it, so no seam can open.

    Copies of arm triangles: the body under an arm (bound to the torso or a leg,
    textured from the underlay plate); the *shoulder cap*, the arm's end within
    ``CAP_RADIUS`` arm radii of the shoulder, bound to the torso and drawn over it;
    the *elbow cap*, the forearm's end around the elbow, bound to the upper arm and
    drawn under the forearm. A cap shows the arm's own texture where the turning
    piece leaves its joint, as a puppet's round joint does.

    Returns:
        base (T, 3) mesh vertices, group (T,) int8, piece (T,) int8, sub (T,) int8,
        is_copy (T,) bool, under_tex (T,) bool (reads the underlay plate).
    """
    centroid = pts[base].mean(axis=1)
    group = mesh.label_at(labels_near, centroid).astype(np.int8)
    under = mesh.label_at(under_near, centroid).astype(np.int8)
    bone = mesh.label_at(bone_near, centroid).astype(np.int64)
    piece = group.copy()
    sub = np.zeros(len(base), np.int8)
    caps = []  # (selection, group, piece, sub)
    for arm, (upper, fore) in parts.ARM_PIECES.items():
        mine = group == arm
        if arm in held_arms:
            piece[mine] = parts.TORSO
            continue
        is_fore = mine & (bone == parts.PIECE_BONE[fore])
        piece[mine] = np.where(is_fore[mine], fore, upper)
        sub[is_fore] = 2
        r = arm_r[arm] * CAP_RADIUS
        upper_bone = sk.BONES[parts.PIECE_BONE[upper]]
        shoulder, elbow = joints[upper_bone[1]], joints[upper_bone[2]]
        near_s = np.linalg.norm(centroid - shoulder, axis=1) < r
        near_e = np.linalg.norm(centroid - elbow, axis=1) < r
        caps.append((mine & near_s, parts.TORSO, parts.TORSO, 2))
        caps.append((is_fore & near_e, arm, upper, 1))
    free = [a for a in (parts.L_ARM, parts.R_ARM) if a not in held_arms]
    arm = np.isin(group, free) & (under >= 0)
    out = {
        "base": [base, base[arm]],
        "group": [group, under[arm]],
        "piece": [piece, under[arm]],
        "sub": [sub, np.ones(arm.sum(), np.int8)],
        "copy": [np.zeros(len(base), bool), np.ones(arm.sum(), bool)],
        "under": [np.zeros(len(base), bool), np.ones(arm.sum(), bool)],
    }
    for sel, g, p, k in caps:
        n = int(sel.sum())
        out["base"].append(base[sel])
        out["group"].append(np.full(n, g, np.int8))
        out["piece"].append(np.full(n, p, np.int8))
        out["sub"].append(np.full(n, k, np.int8))
        out["copy"].append(np.ones(n, bool))
        out["under"].append(np.zeros(n, bool))
    return tuple(np.concatenate(out[k]) for k in ("base", "group", "piece", "sub", "copy", "under"))


def _smooth_torso(bones, weights, rest, piece, joints, torso_px, with_legs):
    """Torso and head vertices take ``skin.torso_weights`` (wide, smooth ramps) above the
    hips; with legs, they fade back to the diffused weights (pelvis, thighs) below."""
    sel = np.isin(piece, (parts.TORSO, parts.HEAD))
    if not sel.any():
        return bones, weights
    dense = np.zeros((len(bones), sk.N_BONES))
    np.add.at(dense, (np.arange(len(bones))[:, None], bones), weights)
    smooth = skin.torso_weights(rest[sel], joints, torso_px)
    g = np.ones(int(sel.sum()))
    if with_legs:
        hip, up = joints[sk.MID_HIP], joints[sk.MID_SHOULDER] - joints[sk.MID_HIP]
        up = up / max(float(np.linalg.norm(up)), 1e-9)
        g = np.clip((rest[sel] - hip) @ up / (PIN_RAMP_FRAC * torso_px), 0.0, 1.0)
    dense[sel] = g[:, None] * smooth + (1.0 - g[:, None]) * dense[sel]
    top = np.argsort(-dense, axis=1, kind="stable")[:, : bones.shape[1]]
    w = np.take_along_axis(dense, top, axis=1)
    w /= w.sum(axis=1, keepdims=True)
    return top.astype(np.int32), w.astype(np.float32)


def _ramp_px(joints: np.ndarray, h: int, torso_px: float) -> float:
    """Upper mode: how far above what stays put (bottom edge, hip line) the torso ramps
    from pinned to the spine's turn (``PIN_RAMP_*``), px."""
    shoulders = joints[[sk.L_SHOULDER, sk.R_SHOULDER], 1].max()
    to_shoulders = min(h - 1.0 - shoulders, torso_px)
    ramp = min(PIN_RAMP_MAX_FRAC * torso_px, PIN_RAMP_SHOULDER_SHARE * to_shoulders)
    return max(ramp, PIN_RAMP_FRAC * torso_px * 0.5, 1.0)


def _largest(body: np.ndarray) -> np.ndarray:
    """The largest connected part of a bool mask."""
    n, lab, stats, _ = cv2.connectedComponentsWithStats(body.astype(np.uint8), connectivity=8)
    if n < 2:
        return body
    return lab == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))


FRONT_REACH_FRAC = 1.2  # people in front are occluders this many torso lengths around


def _with_front(idx, alpha, body, front, torso_px):
    """Occluders plus the pixels of the people in front within the dancer's reach."""
    h, w = body.shape
    reach = max(1, round(FRONT_REACH_FRAC * torso_px))
    near = cv2.dilate(body.astype(np.uint8), np.ones((2 * reach + 1,) * 2, np.uint8)) > 0
    soft = cv2.GaussianBlur((front & ~body).astype(np.float32), (0, 0), 1.0) * near * ~body
    dense = np.zeros(h * w, np.float32)
    dense[idx] = alpha
    dense = np.maximum(dense, soft.ravel())
    keep = np.flatnonzero(dense > 1e-3)
    return keep.astype(np.int64), dense[keep].astype(np.float32)


def _touches_bottom(region: np.ndarray) -> bool:
    """The region reaches the photo's bottom rows (the frame cuts it)."""
    return bool(region[-3:].any())


def _pin_ramp(bones, weights, rest, ramped, h, joints, ramp_px):
    """Upper mode: blend the weights of ``ramped`` skin vertices towards the pinned
    (never moving) bone near what stays put, the photo's bottom edge and the hip line:
    w' = f w + (1 - f) pelvis, f rising from 0 to 1 over ``ramp_px`` away from both."""
    pelvis = sk.BONE_INDEX["l_pelvis"]
    hip, up = joints[sk.MID_HIP], joints[sk.MID_SHOULDER] - joints[sk.MID_HIP]
    up = up / max(float(np.linalg.norm(up)), 1e-9)
    above_hips = (rest - hip) @ up
    f = np.clip(np.minimum(h - 1.0 - rest[:, 1], above_hips) / max(ramp_px, 1.0), 0.0, 1.0)
    f = np.where(ramped, f, 1.0)
    dense = np.zeros((len(bones), sk.N_BONES))
    np.add.at(dense, (np.arange(len(bones))[:, None], bones), weights)
    # Below the spine's reach the pelvis bones would crease the torso: spine's instead.
    for name in ("l_pelvis", "r_pelvis"):
        moved = ramped & (dense[:, sk.BONE_INDEX[name]] > 0)
        dense[moved, sk.BONE_INDEX["spine"]] += dense[moved, sk.BONE_INDEX[name]]
        dense[moved, sk.BONE_INDEX[name]] = 0.0
    dense *= f[:, None]
    dense[:, pelvis] += 1.0 - f
    top = np.argsort(-dense, axis=1, kind="stable")[:, : bones.shape[1]]
    w = np.take_along_axis(dense, top, axis=1)
    w /= w.sum(axis=1, keepdims=True)
    return top.astype(np.int32), w.astype(np.float32)


def build_body_rig(
    photo: np.ndarray,
    pose: Pose,
    mode: str = "full",
    others: np.ndarray | None = None,
    front: np.ndarray | None = None,
) -> BodyRig:
    """Rig the person in ``photo`` for posing with the shared skeleton.

    Args:
        photo: (H, W, 3) uint8 RGB.
        pose: the person's ``Pose`` from ``engine.nodes.body.person_pose`` (with mask).
        mode: "full" (the whole body moves) or "upper" (waist-up photo: hips and legs
            stay, the photo's bottom edge stays pinned).
        others: (H, W) float32 in [0, 1], the other people's masks
            (``body.select.find_person``): the mesh never takes their pixels.
        front: (H, W) bool, the people in front of this one: within the dancer's reach
            they are drawn back over the posed body, like any occluder.

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
    legs = [(a, b) for a, b in LEG_SEGMENTS if with_legs]  # a full body's legs are person
    person = refine_person_mask(
        photo,
        pose.mask,
        bones=np.array([(joints[a], joints[b]) for a, b in legs]) if legs else None,
    )
    body = mesh.silhouette(person, smooth_px=max(1.0, 0.004 * max(h, w)), grow_px=grow_px)
    if others is not None:  # the grown rim stops at another person
        body = _largest(body & ~(np.asarray(others) > 0.5))
    labels, bone_px, under_px = parts.segment_parts(body, joints, torso_px, with_legs)
    near_y, near_x = mesh.nearest_inside(body)  # rim vertices read the body next to them
    labels_near = labels[near_y, near_x]
    bone_near, under_near = bone_px[near_y, near_x], under_px[near_y, near_x]

    # Vertices and triangles.
    # Outlines of the parts, of the arm pieces and of the underlay (the body under an
    # arm), so that the edge an arm uncovers or its elbow cut is a smooth line, not a
    # staircase of triangles.
    outlined = np.where(under_px >= 0, 16 + under_px, labels)
    for arm, (_, fore) in parts.ARM_PIECES.items():
        outlined = np.where(
            (labels == arm) & (bone_px == parts.PIECE_BONE[fore]), 32 + arm, outlined
        )
    edge_pts = mesh.thin_points(mesh.outline_points(outlined, spacing / 2), 0.35 * spacing)
    pts = np.concatenate([edge_pts, mesh.grid_points(body, spacing, edge_pts)])
    base = mesh.triangulate(pts, body, slack_px=max(1, round(0.2 * spacing)))
    for _ in range(REFINE_PASSES):  # split long slivers (see ``mesh.sliver_midpoints``)
        extra = mesh.sliver_midpoints(pts, base, SLIVER_ASPECT, 0.6 * spacing)
        if not len(extra):
            break
        pts = np.concatenate([pts, extra])
        base = mesh.triangulate(pts, body, slack_px=max(1, round(0.2 * spacing)))
    arm_r = parts.arm_radii(body, joints, torso_px)
    held, held_why = posture.held_bones(joints, labels, mode, pose.visibility, under_px)
    held_arms = [
        arm
        for arm, pieces in parts.ARM_PIECES.items()
        if all(held[parts.PIECE_BONE[p]] for p in pieces)
    ]
    base, group, piece, sub, is_copy, under_tex = _pieces(
        pts, base, labels_near, bone_near, under_near, joints, arm_r, held_arms
    )

    # Skin vertices, seeds and weights.
    tri_skin, skin_src, skin_piece = skin.split_vertices(pts, base, piece, joints, torso_px)
    skin_rest = pts[skin_src]
    seed = mesh.label_at(bone_near, skin_rest).astype(np.int64)
    for g in np.unique(skin_piece):
        sel = skin_piece == g
        if g in parts.PIECE_BONE:  # an arm piece: its own bone, one-hot
            seed[sel] = parts.PIECE_BONE[int(g)]
            continue
        wrong = sel & ((seed < 0) | (parts.GROUP_OF_BONE[np.maximum(seed, 0)] != g))
        if g == parts.TORSO and not with_legs:
            wrong &= ~(parts.GROUP_OF_BONE[np.maximum(seed, 0)] >= parts.L_LEG)
        if wrong.any():
            seed[wrong] = parts.nearest_bone(skin_rest[wrong], joints, int(g), with_legs)
    movable = np.ones(sk.N_BONES, bool)
    pinned = np.zeros(len(skin_rest), bool)
    if mode == "upper":
        movable = np.array([name in sk.UPPER_BODY_BONES for name, _, _ in sk.BONES])
        pinned = (skin_rest[:, 1] >= h - 2.0) & (skin_piece == parts.TORSO)
        seed[pinned] = sk.BONE_INDEX["l_pelvis"]  # a bone that never moves in upper mode
    skin_bones, skin_weights = skin.diffuse_weights(seed, tri_skin, pinned)
    skin_bones, skin_weights = _smooth_torso(
        skin_bones, skin_weights, skin_rest, skin_piece, joints, torso_px, with_legs
    )
    if mode == "upper":
        ramped = skin_piece == parts.TORSO
        for arm, arm_pieces in parts.ARM_PIECES.items():
            if _touches_bottom(labels == arm):  # an arm the frame cuts stays with the edge
                ramped |= np.isin(skin_piece, arm_pieces)
        skin_bones, skin_weights = _pin_ramp(
            skin_bones, skin_weights, skin_rest, ramped, h, joints, _ramp_px(joints, h, torso_px)
        )

    # Render vertices: one per (skin vertex, texture): underlay copies read the atlas.
    layer = np.repeat(under_tex[:, None].astype(np.int64), 3, axis=1)
    keys, inverse = np.unique(tri_skin.astype(np.int64) * 2 + layer, return_inverse=True)
    triangles = inverse.reshape(-1, 3).astype(np.int32)
    vert_skin = (keys // 2).astype(np.int32)
    tex_xy = skin_rest[vert_skin] + np.where((keys % 2 == 1)[:, None], [w + ATLAS_GAP_PX, 0], 0)
    outline, partner = _edges(triangles, base, tri_skin, is_copy)

    occ_idx, occ_alpha = occluder_pixels(body, joints, torso_px, with_legs)
    if front is not None and np.asarray(front).any():
        occ_idx, occ_alpha = _with_front(occ_idx, occ_alpha, body, np.asarray(front), torso_px)
    ys, xs = np.nonzero(body)
    rig = BodyRig(
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
        tri_underlay=under_tex,
        tri_sub=sub,
        edge_outline=outline,
        edge_partner=partner,
        labels=labels,
        background=fill_background(photo, body.astype(np.float32), threshold=0.5, dilate_px=0),
        underlay=cloth.paint_under_arms(photo, labels),
        occluder_idx=occ_idx,
        occluder_alpha=occ_alpha,
        rest_box=np.array([xs.min(), ys.min(), xs.max(), ys.max()], np.float64),
        held=held,
        held_why=held_why,
        joint_limits=np.zeros((sk.N_BONES, 2)),
    )
    return replace(rig, joint_limits=stretch.joint_limits(rig, held))
