"""Dance metrics: beat alignment, foot skating, bone-length change.

- Beat Align Score (Li et al. 2021, "AI Choreographer" / Bailando 2022): kinematic
  beats are the local minima of the mean joint speed after Gaussian smoothing
  (Bailando smooths with sigma = 5 frames at 60 fps); the score is the mean over
  music beats of exp(-d^2 / (2 sigma^2)), d the time from the beat to the nearest
  kinematic beat, sigma = 3 frames at 60 fps = 0.05 s. Times here are in seconds,
  so the score means the same at any frame rate.
- Foot skate: horizontal foot speed while the foot is on the ground (within
  ``contact_tol`` of its lowest height), in the joints' units per second.
- Bone-length change: for each bone, the largest relative deviation of its length
  from its median length over the clip.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d

from engine.errors import PhotoplayError

SPEED_SMOOTH_S = 5.0 / 60.0  # Bailando: gaussian_filter sigma 5 frames at 60 fps


class MotionMetricError(PhotoplayError):
    """Joints or indices a metric cannot use."""


def _check_joints(joints: np.ndarray, min_frames: int = 2) -> np.ndarray:
    joints = np.asarray(joints, dtype=np.float64)
    if joints.ndim != 3 or joints.shape[2] not in (2, 3) or joints.shape[0] < min_frames:
        raise MotionMetricError(
            f"joints must have shape (T>={min_frames}, J, 2 or 3), got {joints.shape}",
            hint="pass one row of joint positions a frame",
        )
    if not np.all(np.isfinite(joints)):
        raise MotionMetricError("joints contain NaN or infinite values", hint="fill gaps first")
    return joints


def joint_speed(joints: np.ndarray, fps: float) -> np.ndarray:
    """Mean joint speed between consecutive frames, (T-1,) units/s."""
    step = np.linalg.norm(np.diff(joints, axis=0), axis=2)  # (T-1, J)
    return step.mean(axis=1) * fps


def kinematic_beats(joints: np.ndarray, fps: float) -> np.ndarray:
    """Times in seconds of the local minima of the smoothed mean joint speed, (K,).

    Args:
        joints: (T, J, 2|3) positions, any unit.
        fps: frames per second.
    """
    joints = _check_joints(joints, 3)
    speed = gaussian_filter1d(joint_speed(joints, fps), SPEED_SMOOTH_S * fps)
    # Strict local minima, as Bailando's argrelextrema(np.less); a flat-bottomed
    # minimum (equal neighbours, e.g. motion symmetric about a beat) counts once, at
    # the centre of its plateau.
    minima = []
    i = 1
    while i < speed.size - 1:
        j = i
        while j + 1 < speed.size and speed[j + 1] == speed[i]:
            j += 1
        if speed[i] < speed[i - 1] and j + 1 < speed.size and speed[i] < speed[j + 1]:
            minima.append(0.5 * (i + j))
        i = j + 1
    # speed sample k is the motion from frame k to k+1: centre it between them
    return (np.asarray(minima, dtype=np.float64) + 0.5) / fps


def beat_align_score(
    joints: np.ndarray, fps: float, music_beats_s: np.ndarray, sigma_s: float = 0.05
) -> float:
    """Beat Align Score in [0, 1]: 1 when every music beat has a kinematic beat on it.

    Args:
        joints: (T, J, 2|3) joint positions, any unit.
        fps: frames per second of ``joints``.
        music_beats_s: (B,) music beat times in seconds; beats after the motion ends
            are ignored.
        sigma_s: tolerance in seconds (0.05 = Bailando's 3 frames at 60 fps).
    """
    if fps <= 0 or sigma_s <= 0:
        raise MotionMetricError(f"fps and sigma_s must be > 0, got {fps}, {sigma_s}")
    motion_beats_s = kinematic_beats(joints, fps)
    duration_s = (np.asarray(joints).shape[0] - 1) / fps
    beats = np.asarray(music_beats_s, dtype=np.float64)
    beats = beats[(beats >= 0) & (beats <= duration_s)]
    if beats.size == 0:
        raise MotionMetricError(
            "no music beat falls within the motion", hint="pass beats in seconds from frame 0"
        )
    if motion_beats_s.size == 0:
        return 0.0
    d_s = np.abs(beats[:, None] - motion_beats_s[None, :]).min(axis=1)
    return float(np.mean(np.exp(-(d_s**2) / (2.0 * sigma_s**2))))


@dataclass(frozen=True)
class FootSkate:
    """Foot sliding while planted. Speeds in the joints' units per second."""

    mean_speed: float  # mean horizontal speed over contact frames of all feet
    max_speed: float
    contact_fraction: float  # fraction of (frame, foot) pairs in contact


def foot_skate(
    joints: np.ndarray,
    foot_indices: list[int] | tuple[int, ...],
    fps: float,
    up_axis: int = 1,
    up_sign: float = -1.0,
    contact_tol: float | None = None,
) -> FootSkate:
    """How much planted feet slide.

    A foot is in contact on a frame when its height is within ``contact_tol`` of
    its lowest height in the clip (default: 5% of the clip's vertical extent of
    all joints). Its horizontal speed is measured over the frame pairs where it
    is in contact at both ends.

    Args:
        joints: (T, J, 2|3) positions. Default axes suit image coordinates: y (axis
            1) grows downward, so height = -y. For y-up 3D data pass ``up_sign=1``.
        foot_indices: joint indices of the feet (ankles, heels or toes).
        fps: frames per second.
        up_axis: the axis that points up or down.
        up_sign: +1 if larger values are higher, -1 if lower.
        contact_tol: contact height tolerance in joint units.
    """
    joints = _check_joints(joints)
    n_joints, n_dims = joints.shape[1], joints.shape[2]
    feet = list(foot_indices)
    if not feet or any(not 0 <= f < n_joints for f in feet) or not 0 <= up_axis < n_dims:
        raise MotionMetricError(
            f"foot indices {feet} / up_axis {up_axis} out of range for {n_joints} joints",
            hint="pass the indices of ankle or toe joints",
        )
    height = up_sign * joints[:, :, up_axis]  # (T, J)
    if contact_tol is None:
        contact_tol = 0.05 * float(np.ptp(height))
    flat = [a for a in range(n_dims) if a != up_axis]
    foot_h = height[:, feet]  # (T, F)
    contact = foot_h <= foot_h.min(axis=0) + contact_tol  # (T, F)
    both = contact[1:] & contact[:-1]  # (T-1, F)
    step = np.linalg.norm(np.diff(joints[:, feet][:, :, flat], axis=0), axis=2) * fps
    speeds = step[both]
    return FootSkate(
        mean_speed=float(speeds.mean()) if speeds.size else 0.0,
        max_speed=float(speeds.max()) if speeds.size else 0.0,
        contact_fraction=float(contact.mean()),
    )


def bone_length_change(
    joints: np.ndarray, bones: list[tuple[int, int]] | tuple[tuple[int, int], ...]
) -> np.ndarray:
    """Largest relative change of each bone's length over the clip, (n_bones,) >= 0.

    ``max_t |L_t - median(L)| / median(L)``; 0.03 means a bone stretched or shrank
    by 3% at worst.

    Args:
        joints: (T, J, 2|3) positions.
        bones: pairs of joint indices.
    """
    joints = _check_joints(joints, 1)
    pairs = np.asarray(bones, dtype=int).reshape(-1, 2)
    if pairs.size == 0 or pairs.min() < 0 or pairs.max() >= joints.shape[1]:
        raise MotionMetricError(
            f"bones must be pairs of joint indices < {joints.shape[1]}, got {bones}",
            hint="list bones as (parent, child) joint indices",
        )
    lengths = np.linalg.norm(joints[:, pairs[:, 0]] - joints[:, pairs[:, 1]], axis=2)  # (T, n)
    median = np.median(lengths, axis=0)
    if np.any(median <= 0):
        raise MotionMetricError(
            "a bone has zero median length", hint="check that its two joints differ"
        )
    return np.abs(lengths - median).max(axis=0) / median


def shifted_baseline(
    joints: np.ndarray,
    fps: float,
    music_beats_s: np.ndarray,
    draws: int = 200,
    seed: int = 0,
    sigma_s: float = 0.05,
) -> tuple[float, float]:
    """Mean and std of the Beat Align Score with the kinematic beats shifted at random
    (uniformly, wrapping within the motion): what motion unrelated to the beat scores.

    Args as ``beat_align_score``; ``draws`` shifts from ``np.random.default_rng(seed)``.
    """
    motion_s = kinematic_beats(joints, fps)
    span_s = (np.asarray(joints).shape[0] - 1) / fps
    beats = np.asarray(music_beats_s, dtype=np.float64)
    beats = beats[(beats >= 0) & (beats <= span_s)]
    if beats.size == 0 or motion_s.size == 0 or span_s <= 0:
        return 0.0, 0.0
    rng = np.random.default_rng(seed)
    scores = []
    for _ in range(draws):
        shifted = (motion_s + rng.uniform(0, span_s)) % span_s
        d_s = np.abs(beats[:, None] - shifted[None, :]).min(axis=1)
        scores.append(float(np.mean(np.exp(-(d_s**2) / (2.0 * sigma_s**2)))))
    return float(np.mean(scores)), float(np.std(scores))
