"""BVH in and out of the shared 2D skeleton.

Import: parse the hierarchy and motion (``bvh_parse``: any channel layout, bounded),
run forward kinematics to 3D joint positions, map joints to ours by name (common,
CMU and Mixamo names, case-insensitive, ``mixamorig:``-style prefixes dropped),
project orthographically onto the plane the skeleton faces at frame 0, and measure
bone angles and the root path in torso lengths.

Export: one BVH joint per bone of ours, at the bone's start, whose Z rotation turns
the bone in the image plane (BVH: y up, x to the figure's left, facing +z), so
Blender and other tools load it; importing the file gives the track back.

    track = import_bvh("dance.bvh")
    export_bvh(track, "out.bvh")
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from engine.errors import AssetError
from engine.nodes.motion.bvh_parse import BvhClip, BvhJoint, read_bvh
from engine.nodes.motion.retime import wrap_angle
from engine.nodes.motion.skeleton import (
    BONE_INDEX,
    BONES,
    L_ANKLE,
    L_ELBOW,
    L_FOOT,
    L_HIP,
    L_KNEE,
    L_SHOULDER,
    L_WRIST,
    MID_HIP,
    MID_SHOULDER,
    N_BONES,
    N_JOINTS,
    NOSE,
    R_ANKLE,
    R_ELBOW,
    R_FOOT,
    R_HIP,
    R_KNEE,
    R_SHOULDER,
    R_WRIST,
    PoseTrack,
    bone_angles,
)

__all__ = ["BvhClip", "BvhJoint", "bvh_positions", "export_bvh", "import_bvh", "read_bvh"]

UNITS_PER_TORSO = 50.0  # exported BVH units (cm-like) per torso length
FK_CHUNK_FRAMES = 4096  # forward kinematics runs on this many frames at a time


def _axis_rotation(axis: str, rad: np.ndarray) -> np.ndarray:
    """(T,) radians → (T, 3, 3) rotation about x, y or z."""
    c, s = np.cos(rad), np.sin(rad)
    one, zero = np.ones_like(rad), np.zeros_like(rad)
    rows = {
        "x": [[one, zero, zero], [zero, c, -s], [zero, s, c]],
        "y": [[c, zero, s], [zero, one, zero], [-s, zero, c]],
        "z": [[c, -s, zero], [s, c, zero], [zero, zero, one]],
    }[axis]
    return np.moveaxis(np.array(rows), (0, 1), (1, 2))


def bvh_positions(clip: BvhClip) -> np.ndarray:
    """Forward kinematics: (T, n_nodes, 3) world positions in the file's units.

    Each joint's local transform is a translation (OFFSET plus any position channels)
    then its rotation channels applied in the order listed (R = R1 R2 R3), as BVH means.
    """
    n_frames, n_nodes = clip.n_frames, len(clip.joints)
    world_rot = np.zeros((n_nodes, n_frames, 3, 3))
    world_pos = np.zeros((n_nodes, n_frames, 3))
    column = 0
    for j, joint in enumerate(clip.joints):
        local_pos = np.broadcast_to(np.asarray(joint.offset), (n_frames, 3)).copy()
        local_rot = np.broadcast_to(np.eye(3), (n_frames, 3, 3)).copy()
        for channel in joint.channels:
            value = clip.values[:, column]
            column += 1
            axis, kind = channel[0].lower(), channel[1:].lower()
            if kind == "position":
                local_pos[:, "xyz".index(axis)] += value
            else:
                local_rot = local_rot @ _axis_rotation(axis, np.radians(value))
        if joint.parent < 0:
            world_pos[j], world_rot[j] = local_pos, local_rot
        else:
            parent_rot = world_rot[joint.parent]
            world_pos[j] = world_pos[joint.parent] + np.einsum("tij,tj->ti", parent_rot, local_pos)
            world_rot[j] = parent_rot @ local_rot
    return np.moveaxis(world_pos, 0, 1)


# ---------------------------------------------------------------- name mapping

# Our joint → names it may carry, lower case, without prefixes; first match wins.
# L_FOOT falls back to the ankle joint's end site; MID_HIP and MID_SHOULDER to the
# midpoint of the hips / shoulders (as MediaPipe defines them).
JOINT_NAMES: dict[int, tuple[str, ...]] = {
    MID_HIP: ("hips", "hip", "pelvis", "root"),
    MID_SHOULDER: ("neck", "neck1", "lowerneck", "neckbase"),
    NOSE: ("head", "nose", "headtop"),
    L_SHOULDER: (
        "leftarm",
        "leftupperarm",
        "leftuparm",
        "lupperarm",
        "upperarml",
        "lhumerus",
        "lshldr",
    ),  # noqa: E501
    R_SHOULDER: (
        "rightarm",
        "rightupperarm",
        "rightuparm",
        "rupperarm",
        "upperarmr",
        "rhumerus",
        "rshldr",
    ),  # noqa: E501
    L_ELBOW: (
        "leftforearm",
        "leftlowerarm",
        "leftelbow",
        "lforearm",
        "lowerarml",
        "lradius",
        "lelbow",
    ),  # noqa: E501
    R_ELBOW: (
        "rightforearm",
        "rightlowerarm",
        "rightelbow",
        "rforearm",
        "lowerarmr",
        "rradius",
        "relbow",
    ),  # noqa: E501
    L_WRIST: ("lefthand", "leftwrist", "lhand", "handl", "lwrist"),
    R_WRIST: ("righthand", "rightwrist", "rhand", "handr", "rwrist"),
    L_HIP: (
        "leftupleg",
        "leftupperleg",
        "leftthigh",
        "lefthip",
        "lthigh",
        "thighl",
        "lfemur",
        "lhip",
    ),  # noqa: E501
    R_HIP: (
        "rightupleg",
        "rightupperleg",
        "rightthigh",
        "righthip",
        "rthigh",
        "thighr",
        "rfemur",
        "rhip",
    ),  # noqa: E501
    L_KNEE: (
        "leftleg",
        "leftlowerleg",
        "leftshin",
        "leftknee",
        "lshin",
        "calfl",
        "ltibia",
        "lknee",
    ),  # noqa: E501
    R_KNEE: (
        "rightleg",
        "rightlowerleg",
        "rightshin",
        "rightknee",
        "rshin",
        "calfr",
        "rtibia",
        "rknee",
    ),  # noqa: E501
    L_ANKLE: ("leftfoot", "leftankle", "lfoot", "footl", "lankle"),
    R_ANKLE: ("rightfoot", "rightankle", "rfoot", "footr", "rankle"),
    L_FOOT: ("lefttoebase", "lefttoe", "lefttoes", "ltoes", "ltoe", "toel", "balll"),
    R_FOOT: ("righttoebase", "righttoe", "righttoes", "rtoes", "rtoe", "toer", "ballr"),
}
_FOOT_FALLBACK = {L_FOOT: L_ANKLE, R_FOOT: R_ANKLE}
_MIDPOINTS = {MID_HIP: (L_HIP, R_HIP), MID_SHOULDER: (L_SHOULDER, R_SHOULDER)}
_OUR_NAMES = {
    MID_HIP: "Hips", MID_SHOULDER: "Neck", NOSE: "Head",
    L_SHOULDER: "LeftArm", R_SHOULDER: "RightArm", L_ELBOW: "LeftForeArm",
    R_ELBOW: "RightForeArm", L_WRIST: "LeftHand", R_WRIST: "RightHand", L_HIP: "LeftUpLeg",
    R_HIP: "RightUpLeg", L_KNEE: "LeftLeg", R_KNEE: "RightLeg", L_ANKLE: "LeftFoot",
    R_ANKLE: "RightFoot", L_FOOT: "LeftToeBase", R_FOOT: "RightToeBase",
}  # fmt: skip


def _plain(name: str) -> str:
    """'mixamorig:LeftUpLeg' / 'Bip01 L Thigh' / 'left_up_leg' → 'leftupleg'-style key."""
    name = name.rsplit(":", 1)[-1].lower()
    name = re.sub(r"^(bip0?1|mixamorig\d*|character\d*|skeleton)[ _]?", "", name)
    return re.sub(r"[^a-z0-9]", "", name)


def map_joints(clip: BvhClip, source: str = "BVH") -> dict[int, int]:
    """Our joint index → node index of the clip, for every joint the bones use.

    Raises:
        AssetError: naming the joints that could not be found and the names seen.
    """
    keys = {}
    for i, joint in enumerate(clip.joints):
        if not joint.end_site:
            keys.setdefault(_plain(joint.name), i)
    found: dict[int, int] = {}
    for ours, names in JOINT_NAMES.items():
        hit = next((keys[n] for n in names if n in keys), None)
        if hit is not None:
            found[ours] = hit
    for toe, ankle in _FOOT_FALLBACK.items():
        if toe not in found and ankle in found:
            ends = [i for i, j in enumerate(clip.joints) if j.parent == found[ankle] and j.end_site]
            if ends:
                found[toe] = ends[0]
    needed = {j for _, p, c in BONES for j in (p, c)}
    missing = [
        _OUR_NAMES[j]
        for j in sorted(needed)
        if j not in found and not (j in _MIDPOINTS and all(k in found for k in _MIDPOINTS[j]))
    ]
    if missing:
        seen = [j.name for j in clip.joints if not j.end_site]
        raise AssetError(
            f"{source}: cannot map BVH joints to the body: missing {', '.join(missing)}; "
            f"joints in the file: {', '.join(seen)}",
            hint="rename the joints to common names (Hips, Spine, Neck, Head, LeftArm, "
            "LeftForeArm, LeftHand, LeftUpLeg, LeftLeg, LeftFoot, LeftToeBase, Right...)",
        )
    return found


# ---------------------------------------------------------------- import


def _our_joints_3d(positions: np.ndarray, mapping: dict[int, int]) -> np.ndarray:
    """(T, n_nodes, 3) → (T, N_JOINTS, 3) in our joint order (unused joints NaN)."""
    ours = np.full((positions.shape[0], N_JOINTS, 3), np.nan)
    for j, node in mapping.items():
        ours[:, j] = positions[:, node]
    for mid, (a, b) in _MIDPOINTS.items():
        if mid not in mapping:
            ours[:, mid] = (ours[:, a] + ours[:, b]) / 2
    return ours


def _projected_track(clip: BvhClip, mapping: dict[int, int]):
    """Our joints seen in the image plane, a chunk of frames at a time, so forward
    kinematics (n_nodes x chunk x 3 x 3 rotations) and the 3D joints stay small
    however long the clip.

    Returns (joints2 (T, N_JOINTS, 2), torso lengths (T,), image y axis in 3D).
    """
    n = clip.n_frames
    joints2, torso = np.empty((n, N_JOINTS, 2)), np.empty(n)
    axes = None
    for start in range(0, n, FK_CHUNK_FRAMES):
        stop = min(n, start + FK_CHUNK_FRAMES)
        chunk = BvhClip(clip.joints, clip.frame_time_s, clip.values[start:stop])
        joints3 = _our_joints_3d(bvh_positions(chunk), mapping)
        if axes is None:
            axes = _view_axes(joints3[0])  # the facing at frame 0 holds for the clip
        joints2[start:stop] = np.stack([joints3 @ axes[0], joints3 @ axes[1]], axis=-1)
        torso[start:stop] = np.linalg.norm(joints3[:, MID_SHOULDER] - joints3[:, MID_HIP], axis=1)
    return joints2, torso, axes[1]


def _view_axes(joints0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Image x (the figure's left) and image y (down) directions in 3D, from frame 0.

    A flat skeleton (no depth along z, as ``export_bvh`` writes) has no facing of its
    own: it is seen from +z, the side BVH figures face.
    """
    torso = joints0[MID_SHOULDER] - joints0[MID_HIP]
    used = joints0[~np.isnan(joints0[:, 0])]
    if np.ptp(used[:, 2]) < 1e-6 * np.linalg.norm(torso):
        return np.array([1.0, 0.0, 0.0]), np.array([0.0, -1.0, 0.0])
    up = np.zeros(3)
    axis = int(np.argmax(np.abs(torso)))
    up[axis] = np.sign(torso[axis])  # the world axis the spine points along
    across = (joints0[L_HIP] - joints0[R_HIP]) + (joints0[L_SHOULDER] - joints0[R_SHOULDER])
    across -= up * (across @ up)  # horizontal part: the figure's left
    norm = np.linalg.norm(across)
    if norm < 1e-9:
        raise AssetError(
            "BVH: left and right joints coincide at frame 0; cannot tell which way it faces",
            hint="check the left/right joint names",
        )
    return across / norm, -up


def import_bvh(
    path: str | Path, *, origin: str = "first", max_seconds: float | None = None
) -> PoseTrack:
    """Read a BVH file as a skeleton PoseTrack.

    Args:
        path: the BVH file.
        origin: "first" puts the root at (0, 0) on frame 0 (for foreign mocap, whose
            world position is arbitrary); "rest" measures it from where the rest pose
            stands (x = 0, hips at their rest height), as ``export_bvh`` writes it.
        max_seconds: read only the frames of the first ``max_seconds`` (None: all).

    Raises:
        AssetError: unreadable file or joints that cannot be mapped.
    """
    if origin not in ("first", "rest"):
        raise AssetError(f"origin must be 'first' or 'rest', got {origin!r}", hint="use 'first'")
    path = Path(path)
    clip = read_bvh(path, max_seconds=max_seconds)
    mapping = map_joints(clip, path.name)
    joints2, torso_lengths, y_axis = _projected_track(clip, mapping)
    torso = float(np.median(torso_lengths))
    if not torso > 0:
        raise AssetError(f"{path.name}: the torso has zero length", hint="check the hierarchy")
    hip = joints2[:, MID_HIP]
    if origin == "first":
        start = hip[0]
    else:  # hips above x = 0 at the height where the rest pose stands on the floor
        rest_nodes = bvh_positions(_rest_clip(clip))[0]
        rest_hip = _our_joints_3d(rest_nodes[None], mapping)[0, MID_HIP]
        hip_height = float(np.max((rest_hip - rest_nodes) @ -y_axis))
        start = np.array([0.0, -hip_height])
    return PoseTrack(
        fps=1.0 / clip.frame_time_s,
        root=((hip - start) / torso).astype(np.float32),
        angles=bone_angles(joints2).astype(np.float32),
    )


def _rest_clip(clip: BvhClip) -> BvhClip:
    """The clip's rest pose: one frame, all channels zero."""
    return BvhClip(clip.joints, clip.frame_time_s, np.zeros((1, clip.values.shape[1])))


# ---------------------------------------------------------------- export

# Each bone's direction in the rest pose, degrees in BVH's x-y plane (y up, x = the
# figure's left): spine and neck up, arms out, legs down, feet outwards.
_REST_DEG = {
    "spine": 90, "neck": 90, "l_collar": 0, "r_collar": 180, "l_upper_arm": 0, "l_forearm": 0,
    "r_upper_arm": 180, "r_forearm": 180, "l_pelvis": 0, "r_pelvis": 180, "l_thigh": -90,
    "l_shin": -90, "l_foot": 0, "r_thigh": -90, "r_shin": -90, "r_foot": 180,
}  # fmt: skip
# The BVH joint that turns each bone (it sits at the bone's start).
_BONE_JOINT = {
    "spine": "Spine", "neck": "Neck", "l_collar": "LeftShoulder", "r_collar": "RightShoulder",
    "l_upper_arm": "LeftArm", "l_forearm": "LeftForeArm", "r_upper_arm": "RightArm",
    "r_forearm": "RightForeArm", "l_pelvis": "LHipJoint", "r_pelvis": "RHipJoint",
    "l_thigh": "LeftUpLeg", "l_shin": "LeftLeg", "l_foot": "LeftFoot",
    "r_thigh": "RightUpLeg", "r_shin": "RightLeg", "r_foot": "RightFoot",
}  # fmt: skip
# Joints at the end of a bone chain, no bone of their own (they carry an End Site).
_LEAF_JOINT = {
    "neck": "Head", "l_forearm": "LeftHand", "r_forearm": "RightHand",
    "l_foot": "LeftToeBase", "r_foot": "RightToeBase",
}  # fmt: skip
DEFAULT_LENGTHS = np.array(
    [
        {"spine": 1.0, "neck": 0.55, "l_collar": 0.35, "r_collar": 0.35, "l_upper_arm": 0.6,
         "l_forearm": 0.55, "r_upper_arm": 0.6, "r_forearm": 0.55, "l_pelvis": 0.2,
         "r_pelvis": 0.2, "l_thigh": 0.9, "l_shin": 0.85, "l_foot": 0.3, "r_thigh": 0.9,
         "r_shin": 0.85, "r_foot": 0.3}[name]
        for name in BONE_INDEX
    ]
)  # fmt: skip


def _export_nodes(lengths_u: np.ndarray) -> list[tuple[str, int, tuple, int | None]]:
    """BVH nodes as (name, parent node, offset, bone index or None), parents first."""
    rest = np.radians([_REST_DEG[name] for name in BONE_INDEX])
    rest_vec = [(lengths_u[b] * np.cos(rest[b]), lengths_u[b] * np.sin(rest[b]), 0.0)
                for b in range(N_BONES)]  # fmt: skip
    nodes: list[tuple[str, int, tuple, int | None]] = [("Hips", -1, (0.0, 0.0, 0.0), None)]
    ending_at: dict[int, int] = {}  # our joint → the bone that ends there
    node_of_bone: dict[int, int] = {}
    for b, (name, parent, child) in enumerate(BONES):
        if parent == MID_HIP:
            at, offset = 0, (0.0, 0.0, 0.0)
        else:
            prev = ending_at[parent]
            at, offset = node_of_bone[prev], rest_vec[prev]
        node_of_bone[b] = len(nodes)
        nodes.append((_BONE_JOINT[name], at, offset, b))
        ending_at[child] = b
    for name, leaf in _LEAF_JOINT.items():
        b = BONE_INDEX[name]
        nodes.append((leaf, node_of_bone[b], rest_vec[b], None))
    return nodes


def export_bvh(
    track: PoseTrack,
    path: str | Path,
    lengths: np.ndarray | None = None,
    units_per_torso: float = UNITS_PER_TORSO,
) -> Path:
    """Write ``track`` as a BVH file that Blender and other tools load.

    Bones turn about Z in the x-y plane (the image plane, y up, the figure facing +z).
    Root channels: X/Y/Z position then Z/X/Y rotation; other joints Z/X/Y rotation.

    Args:
        track: the motion.
        path: where to write (.bvh).
        lengths: (N_BONES,) bone lengths in torso lengths for the skeleton written
            (default: adult proportions); they do not change the angles.
        units_per_torso: file units per torso length (50: roughly centimetres).

    Returns:
        The path written.
    """
    lengths = DEFAULT_LENGTHS if lengths is None else np.asarray(lengths, np.float64)
    if lengths.shape != (N_BONES,) or not np.all(lengths > 0):
        raise AssetError(
            f"bone lengths must be {N_BONES} positive numbers, got shape {lengths.shape}",
            hint="pass skeleton.bone_lengths(joints) / torso length",
        )
    lengths_u = lengths / lengths[BONE_INDEX["spine"]] * units_per_torso
    nodes = _export_nodes(lengths_u)
    n_frames = track.n_frames
    # Absolute angle in BVH's y-up plane is minus ours (image y points down); each
    # bone joint's local Z rotation is its cumulative turn minus its parent's.
    rest = np.radians([_REST_DEG[name] for name in BONE_INDEX])
    turn = -track.angles.astype(np.float64) - rest  # (T, N_BONES) cumulative turn
    cumulative = np.zeros((len(nodes), n_frames))
    local_deg = np.zeros((len(nodes), n_frames))
    for n, (_, parent, _, bone) in enumerate(nodes):
        if n == 0:
            continue
        cumulative[n] = turn[:, bone] if bone is not None else cumulative[parent]
        local_deg[n] = np.degrees(wrap_angle(cumulative[n] - cumulative[parent]))
    hip_height = max(  # the rest pose stands on its longer leg
        lengths_u[BONE_INDEX[f"{side}_thigh"]] + lengths_u[BONE_INDEX[f"{side}_shin"]]
        for side in "lr"
    )
    root_x = track.root[:, 0].astype(np.float64) * units_per_torso
    root_y = hip_height - track.root[:, 1].astype(np.float64) * units_per_torso

    children: dict[int, list[int]] = {}
    for n, (_, parent, _, _) in enumerate(nodes):
        children.setdefault(parent, []).append(n)
    lines = ["HIERARCHY"]
    file_order: list[int] = []  # nodes as written, depth first: the MOTION column order

    def write(n: int, depth: int) -> None:
        file_order.append(n)
        name, _, offset, _ = nodes[n]
        pad = "  " * depth
        lines.append(f"{pad}{'ROOT' if n == 0 else 'JOINT'} {name}")
        lines.append(pad + "{")
        lines.append(f"{pad}  OFFSET {offset[0]:.6f} {offset[1]:.6f} {offset[2]:.6f}")
        if n == 0:
            lines.append(
                f"{pad}  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation"
            )  # noqa: E501
        else:
            lines.append(f"{pad}  CHANNELS 3 Zrotation Xrotation Yrotation")
        for child in children.get(n, []):
            write(child, depth + 1)
        if n not in children:  # a leaf: an end site a short way on
            tip = 0.1 * units_per_torso * np.asarray(offset) / max(np.linalg.norm(offset), 1e-9)
            lines.append(f"{pad}  End Site")
            lines.append(pad + "  {")
            lines.append(f"{pad}    OFFSET {tip[0]:.6f} {tip[1]:.6f} {tip[2]:.6f}")
            lines.append(pad + "  }")
        lines.append(pad + "}")

    write(0, 0)
    lines += ["MOTION", f"Frames: {n_frames}", f"Frame Time: {1.0 / track.fps:.10f}"]
    values = np.zeros((n_frames, 3 + 3 * len(nodes)))
    values[:, 0], values[:, 1] = root_x, root_y
    values[:, 3::3] = local_deg[file_order].T  # Z rotation first in every joint
    lines += [" ".join(f"{v:.6f}" for v in row) for row in values]
    path = Path(path)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
