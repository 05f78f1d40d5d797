"""The one 2D skeleton every motion source produces and every body rig consumes.

A pose is a root position plus an absolute image-plane angle per bone. Joint
positions are rebuilt from the root by walking the bones with *this body's*
bone lengths, so retargeting to the photo's proportions is built in and bone
lengths cannot drift. The joints are MediaPipe Pose's 33 landmarks (so a
tracked video maps straight in); bones connect the ones a body rig moves.

Coordinates: image convention, x right, y down, angles in radians measured
from +x towards +y (so 0 points right, pi/2 points down). Root = mid-hip.
Lengths in the track are in units of the torso (mid-hip to mid-shoulder).

    track = PoseTrack(fps=25, root=(T, 2), angles=(T, N_BONES))
    joints = forward(track.angles[t], track.root[t], lengths)   # (N_JOINTS, 2)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# MediaPipe Pose landmark indices used by the rig.
NOSE = 0
L_SHOULDER, R_SHOULDER = 11, 12
L_ELBOW, R_ELBOW = 13, 14
L_WRIST, R_WRIST = 15, 16
L_HIP, R_HIP = 23, 24
L_KNEE, R_KNEE = 25, 26
L_ANKLE, R_ANKLE = 27, 28
L_FOOT, R_FOOT = 31, 32  # foot index (toe)
# Two virtual joints appended after MediaPipe's 33: the midpoints the spine hangs on.
MID_HIP, MID_SHOULDER = 33, 34
N_JOINTS = 35

# (name, parent joint, child joint), parents before children: a bone's parent
# joint is the root or the child of an earlier bone.
BONES: tuple[tuple[str, int, int], ...] = (
    ("spine", MID_HIP, MID_SHOULDER),
    ("neck", MID_SHOULDER, NOSE),
    ("l_collar", MID_SHOULDER, L_SHOULDER),
    ("r_collar", MID_SHOULDER, R_SHOULDER),
    ("l_upper_arm", L_SHOULDER, L_ELBOW),
    ("l_forearm", L_ELBOW, L_WRIST),
    ("r_upper_arm", R_SHOULDER, R_ELBOW),
    ("r_forearm", R_ELBOW, R_WRIST),
    ("l_pelvis", MID_HIP, L_HIP),
    ("r_pelvis", MID_HIP, R_HIP),
    ("l_thigh", L_HIP, L_KNEE),
    ("l_shin", L_KNEE, L_ANKLE),
    ("l_foot", L_ANKLE, L_FOOT),
    ("r_thigh", R_HIP, R_KNEE),
    ("r_shin", R_KNEE, R_ANKLE),
    ("r_foot", R_ANKLE, R_FOOT),
)
BONE_INDEX = {name: i for i, (name, _, _) in enumerate(BONES)}
N_BONES = len(BONES)
UPPER_BODY_BONES = frozenset(
    (
        "spine",
        "neck",
        "l_collar",
        "r_collar",
        "l_upper_arm",
        "l_forearm",
        "r_upper_arm",
        "r_forearm",
    )
)


@dataclass(frozen=True)
class PoseTrack:
    """A motion: per frame, the root (mid-hip) and every bone's absolute angle.

    fps : frames per second (> 0)
    root : (T, 2) float32, mid-hip offset from its rest position, in torso lengths
    angles : (T, N_BONES) float32 radians, absolute image-plane angle of each bone
    """

    fps: float
    root: np.ndarray
    angles: np.ndarray

    @property
    def n_frames(self) -> int:
        return int(self.angles.shape[0])


def with_midpoints(points: np.ndarray) -> np.ndarray:
    """(33, 2+) MediaPipe landmarks → (N_JOINTS, 2) with mid-hip and mid-shoulder appended."""
    xy = np.asarray(points, np.float64)[..., :2]
    mid_hip = (xy[..., L_HIP, :] + xy[..., R_HIP, :]) / 2
    mid_shoulder = (xy[..., L_SHOULDER, :] + xy[..., R_SHOULDER, :]) / 2
    return np.concatenate([xy, mid_hip[..., None, :], mid_shoulder[..., None, :]], axis=-2)


def bone_lengths(joints: np.ndarray) -> np.ndarray:
    """(N_JOINTS, 2) px → (N_BONES,) bone lengths in px."""
    return np.array([np.linalg.norm(joints[c] - joints[p]) for _, p, c in BONES])


def bone_angles(joints: np.ndarray) -> np.ndarray:
    """(..., N_JOINTS, 2) → (..., N_BONES) absolute angles in radians."""
    parents = np.array([p for _, p, _ in BONES])
    children = np.array([c for _, _, c in BONES])
    d = joints[..., children, :] - joints[..., parents, :]
    return np.arctan2(d[..., 1], d[..., 0])


def forward(angles: np.ndarray, root_xy: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Joint positions from bone angles: (N_BONES,), (2,), (N_BONES,) → (N_JOINTS, 2).

    Joints no bone reaches (face, hands...) are NaN; the caller keeps them rigid
    with their parent.
    """
    joints = np.full((N_JOINTS, 2), np.nan)
    joints[MID_HIP] = root_xy
    for i, (_, parent, child) in enumerate(BONES):
        direction = np.array([np.cos(angles[i]), np.sin(angles[i])])
        joints[child] = joints[parent] + lengths[i] * direction
    return joints
