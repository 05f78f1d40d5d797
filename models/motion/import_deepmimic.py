"""Import pybullet's DeepMimic humanoid clips into the move library (run once, by hand).

    pip download --no-deps pybullet==3.2.7 -d /tmp/pyb
    .venv/bin/python models/motion/import_deepmimic.py /tmp/pyb/pybullet-3.2.7-*.whl

Reads ``pybullet_data/data/motions/humanoid3d_*.txt`` from the wheel as a zip (pybullet
is not a dependency), rebuilds 3D joint positions by forward kinematics, projects them
orthographically onto the image plane as seen by a camera in front of the dancer, turns
them into our bone angles, finds the clip's kinematic beats (minima of joint speed) to
set its natural tempo, and writes keyframes at half-beat steps into
``engine/nodes/motion/library/deepmimic.json``, with provenance in
``models/motion/deepmimic_provenance.json``.

Clip format (one frame a row): [dt, root pos(3), root quat(w,x,y,z), chest, neck,
R hip, R knee, R ankle, R shoulder, R elbow, L hip, L knee, L ankle, L shoulder,
L elbow]; spherical joints are quaternions, knees and elbows one angle about local z.
y is up, the character faces +x, so its right side is +z.
"""

from __future__ import annotations

import hashlib
import json
import sys
import zipfile
from pathlib import Path

import numpy as np
from scipy.ndimage import gaussian_filter1d
from scipy.signal import argrelextrema

from engine.nodes.motion import skeleton as sk

ROOT = Path(__file__).resolve().parents[2]
LIBRARY_FILE = ROOT / "engine/nodes/motion/library/deepmimic.json"
PROVENANCE_FILE = ROOT / "models/motion/deepmimic_provenance.json"
MOTION_DIR = "pybullet_data/data/motions/"

# Joint offsets from humanoid.urdf divided by 4 (the URDF's offsets are 4x the
# simulated body), in metres, in the parent's frame.
CHEST = (0.0, 0.236151, 0.0)
NECK = (0.0, 0.223894, 0.0)
HIP = (0.0, 0.0, 0.084887)  # right; left has z negated
KNEE = (0.0, -0.421546, 0.0)
ANKLE = (0.0, -0.409870, 0.0)
TOE = (0.14, -0.055, 0.03)  # ankle to toe tip: forward, down, a little outward
SHOULDER = (-0.02405, 0.2435, 0.18311)
ELBOW = (0.0, -0.274788, 0.0)
WRIST = (0.0, -0.258947, 0.0)
NOSE = (0.09, 0.14, 0.0)  # neck joint to nose, in the neck's frame

# name: (clip file stem, energy, origin note)
CLIPS = {
    "mocap_dance_a": ("dance_a", 0.7, "a short freestyle dance phrase"),
    "mocap_dance_b": ("dance_b", 0.75, "a short freestyle dance phrase"),
    "mocap_spin": ("spin", 0.6, "a turn on the spot"),
    "mocap_jump": ("jump", 0.85, "a two-footed jump"),
    "mocap_kick": ("kick", 0.8, "a front kick"),
    "mocap_spinkick": ("spinkick", 0.95, "a spinning kick"),
    "mocap_walk": ("walk", 0.3, "a walk cycle"),
}
CREDIT = "DeepMimic motion clips by Xue Bin Peng et al., distributed with pybullet"


def quat_to_mat(q: np.ndarray) -> np.ndarray:
    """(..., 4) w,x,y,z → (..., 3, 3) rotation matrices."""
    q = q / np.linalg.norm(q, axis=-1, keepdims=True)
    w, x, y, z = np.moveaxis(q, -1, 0)
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], -1),
            np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], -1),
            np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], -1),
        ],
        -2,
    )


def rot_z(angle: np.ndarray) -> np.ndarray:
    """(T,) radians → (T, 3, 3) rotations about z."""
    c, s = np.cos(angle), np.sin(angle)
    zero, one = np.zeros_like(c), np.ones_like(c)
    return np.stack(
        [np.stack([c, -s, zero], -1), np.stack([s, c, zero], -1), np.stack([zero, zero, one], -1)],
        -2,
    )


def _apply(rot: np.ndarray, offset: tuple[float, float, float]) -> np.ndarray:
    return rot @ np.asarray(offset)


def forward_kinematics(frames: np.ndarray) -> dict[str, np.ndarray]:
    """(T, 44) clip frames → {joint name: (T, 3) world positions in metres}."""
    pos = frames[:, 1:4]
    r_root = quat_to_mat(frames[:, 4:8])
    r_chest = r_root @ quat_to_mat(frames[:, 8:12])
    r_neck = r_chest @ quat_to_mat(frames[:, 12:16])
    chest = pos + _apply(r_root, CHEST)
    neck = chest + _apply(r_chest, NECK)
    out = {"mid_hip": pos, "nose": neck + _apply(r_neck, NOSE)}
    out["mid_shoulder"] = chest + _apply(r_chest, (SHOULDER[0], SHOULDER[1], 0.0))
    # per side: hip quat, knee angle, ankle quat, shoulder quat, elbow angle columns
    for side, sign, col in (("r", 1.0, 16), ("l", -1.0, 30)):
        hip_q, knee, ankle_q = (
            frames[:, col : col + 4],
            frames[:, col + 4],
            frames[:, col + 5 : col + 9],
        )
        sh_q, elbow = frames[:, col + 9 : col + 13], frames[:, col + 13]
        r_hip = r_root @ quat_to_mat(hip_q)
        r_knee = r_hip @ rot_z(knee)
        r_ankle = r_knee @ quat_to_mat(ankle_q)
        hip = pos + _apply(r_root, (HIP[0], HIP[1], sign * HIP[2]))
        knee_p = hip + _apply(r_hip, KNEE)
        ankle_p = knee_p + _apply(r_knee, ANKLE)
        r_sh = r_chest @ quat_to_mat(sh_q)
        r_el = r_sh @ rot_z(elbow)
        shoulder = chest + _apply(r_chest, (SHOULDER[0], SHOULDER[1], sign * SHOULDER[2]))
        elbow_p = shoulder + _apply(r_sh, ELBOW)
        out |= {
            f"{side}_hip": hip,
            f"{side}_knee": knee_p,
            f"{side}_ankle": ankle_p,
            f"{side}_foot": ankle_p + _apply(r_ankle, (TOE[0], TOE[1], sign * TOE[2])),
            f"{side}_shoulder": shoulder,
            f"{side}_elbow": elbow_p,
            f"{side}_wrist": elbow_p + _apply(r_el, WRIST),
        }
    return out


JOINT_IDS = {
    "nose": sk.NOSE,
    "mid_hip": sk.MID_HIP,
    "mid_shoulder": sk.MID_SHOULDER,
    "l_shoulder": sk.L_SHOULDER,
    "r_shoulder": sk.R_SHOULDER,
    "l_elbow": sk.L_ELBOW,
    "r_elbow": sk.R_ELBOW,
    "l_wrist": sk.L_WRIST,
    "r_wrist": sk.R_WRIST,
    "l_hip": sk.L_HIP,
    "r_hip": sk.R_HIP,
    "l_knee": sk.L_KNEE,
    "r_knee": sk.R_KNEE,
    "l_ankle": sk.L_ANKLE,
    "r_ankle": sk.R_ANKLE,
    "l_foot": sk.L_FOOT,
    "r_foot": sk.R_FOOT,
}


def project_front(joints3d: dict[str, np.ndarray]) -> tuple[np.ndarray, float]:
    """3D joints → (T, N_JOINTS, 2) image-plane joints in metres, and the floor height.

    The camera stands in front of the dancer's mean heading and looks back at them:
    image x = the dancer's left, image y = down.
    """
    r_hip, l_hip = joints3d["r_hip"], joints3d["l_hip"]
    right = (r_hip - l_hip)[:, [0, 2]].mean(axis=0)  # mean direction of the dancer's right, xz
    right /= np.linalg.norm(right)
    t = next(iter(joints3d.values())).shape[0]
    out = np.full((t, sk.N_JOINTS, 2), np.nan)
    for name, idx in JOINT_IDS.items():
        p = joints3d[name]
        out[:, idx, 0] = -(p[:, 0] * right[0] + p[:, 2] * right[1])
        out[:, idx, 1] = -p[:, 1]
    feet = np.stack([joints3d[f"{s}_{j}"][:, 1] for s in "lr" for j in ("ankle", "foot")], 1)
    return out, float(feet.min())


def natural_beat_s(joints2d: np.ndarray, fps: float) -> float:
    """The clip's beat from its kinematic beats (minima of smoothed joint speed), in s.

    Folded into 0.35-0.75 s (80-171 bpm), the range these moves are danced at.
    """
    used = list(JOINT_IDS.values())
    speed = np.linalg.norm(np.diff(joints2d[:, used], axis=0), axis=2).mean(axis=1) * fps
    speed = gaussian_filter1d(speed, 5.0)
    minima = argrelextrema(speed, np.less)[0]
    beat = float(np.median(np.diff(minima))) / fps if minima.size >= 2 else 0.5
    while beat < 0.35:
        beat *= 2
    while beat > 0.75:
        beat /= 2
    return beat


def to_move(name: str, stem: str, energy: float, note: str, frames: np.ndarray) -> dict:
    fps = 1.0 / float(np.median(frames[:, 0]))
    j3 = forward_kinematics(frames)
    joints, floor_y = project_front(j3)
    torso = float(
        np.median(np.linalg.norm(joints[:, sk.MID_SHOULDER] - joints[:, sk.MID_HIP], axis=1))
    )
    beat_s = natural_beat_s(joints, fps)
    n_beats = max(1, int((frames.shape[0] - 1) / fps / beat_s))
    angles = np.degrees(sk.bone_angles(joints))  # (T, N_BONES)
    angles = np.degrees(np.unwrap(np.radians(angles), axis=0))
    # feet: lowest foot height above the floor → dy (negative = airborne)
    feet = np.stack([j3[f"{s}_{j}"][:, 1] for s in "lr" for j in ("ankle", "foot")], 1)
    air = feet.min(axis=1) - floor_y
    x0 = float(np.median(joints[:, sk.MID_HIP, 0]))
    keys = []
    for k in range(2 * n_beats):
        beat = k / 2
        i = min(frames.shape[0] - 1, round(beat * beat_s * fps))
        pose = {b: round(float(angles[i, j]), 1) for j, (b, _, _) in enumerate(sk.BONES)}
        dx = (joints[i, sk.MID_HIP, 0] - x0) / torso
        keys.append(
            {
                "beat": beat,
                "pose": pose,
                "root": [round(float(dx), 3), round(float(-air[i] / torso), 3)],
            }
        )
    return {
        "name": name,
        "beats": n_beats,
        "energy": energy,
        "body": "full",
        "mirror": True,
        "note": f"{note}; natural beat {beat_s:.3f} s ({60 / beat_s:.0f} bpm)",
        "keys": keys,
        "source": {"file": f"{MOTION_DIR}humanoid3d_{stem}.txt"},
    }


def main(wheel: str) -> None:
    wheel_path = Path(wheel)
    wheel_sha = hashlib.sha256(wheel_path.read_bytes()).hexdigest()
    moves, records = [], []
    with zipfile.ZipFile(wheel_path) as zf:
        for name, (stem, energy, note) in CLIPS.items():
            member = f"{MOTION_DIR}humanoid3d_{stem}.txt"
            raw = zf.read(member)
            frames = np.asarray(json.loads(raw)["Frames"], dtype=np.float64)
            move = to_move(name, stem, energy, note, frames)
            move["source"] |= {"sha256": hashlib.sha256(raw).hexdigest(), "wheel": wheel_path.name}
            moves.append(move)
            records.append({"move": name, **move["source"], "frames": int(frames.shape[0])})
            print(f"{name}: {frames.shape[0]} frames, {move['beats']} beats, {move['note']}")
    doc = {
        "style": "mocap",
        "title": "Motion-capture clips (DeepMimic)",
        "context": "social",
        "origin": (
            "Short captured human motions (two freestyle dance phrases, a spin, a jump, "
            "kicks and a walk) published with the DeepMimic project (Peng et al., 2018) and "
            "distributed as example data with the pybullet physics engine. They belong to no "
            "named dance tradition; the files do not say who performed them."
        ),
        "credit": CREDIT,
        "licence": "zlib (pybullet 3.2.7)",
        "moves": moves,
    }
    LIBRARY_FILE.write_text(json.dumps(doc, indent=1) + "\n")
    PROVENANCE_FILE.write_text(
        json.dumps(
            {
                "source": "pybullet 3.2.7 wheel from PyPI (pip download --no-deps pybullet==3.2.7)",
                "wheel": wheel_path.name,
                "wheel_sha256": wheel_sha,
                "licence": "zlib",
                "credit": CREDIT,
                "converted_by": "models/motion/import_deepmimic.py",
                "library_file": str(LIBRARY_FILE.relative_to(ROOT)),
                "clips": records,
            },
            indent=1,
        )
        + "\n"
    )


if __name__ == "__main__":
    main(sys.argv[1])
