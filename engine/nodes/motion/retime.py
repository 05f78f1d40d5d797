"""Time-warp a pose track: resample it to another frame rate, or stretch it so its
accents land on the music's beats.

Angles are interpolated on the circle (unwrapped over time, then wrapped back), so
a bone turning through +-pi does not spin the long way round between two frames.

    track_25 = resample(track_60, 25.0)
    dance = fit_to_beats(track, music_beats_s=beats)   # accents found by kinematic_beats
"""

from __future__ import annotations

import numpy as np

from engine.errors import PhotoplayError
from engine.nodes.motion.metrics import kinematic_beats
from engine.nodes.motion.skeleton import BONE_INDEX, N_BONES, PoseTrack, forward

# Rough adult proportions in torso lengths, only used to find a motion's accents
# (local minima of joint speed) when the caller gives none.
_ACCENT_LENGTHS = {
    "spine": 1.0,
    "neck": 0.5,
    "l_collar": 0.35,
    "r_collar": 0.35,
    "l_upper_arm": 0.6,
    "l_forearm": 0.55,
    "r_upper_arm": 0.6,
    "r_forearm": 0.55,
    "l_pelvis": 0.2,
    "r_pelvis": 0.2,
    "l_thigh": 0.9,
    "l_shin": 0.85,
    "l_foot": 0.25,
    "r_thigh": 0.9,
    "r_shin": 0.85,
    "r_foot": 0.25,
}
ACCENT_LENGTHS = np.array([_ACCENT_LENGTHS[name] for name in BONE_INDEX], np.float64)


class RetimeError(PhotoplayError):
    """A track or beat list that cannot be time-warped."""


def wrap_angle(angles: np.ndarray) -> np.ndarray:
    """Angles in radians wrapped to [-pi, pi)."""
    return (np.asarray(angles) + np.pi) % (2 * np.pi) - np.pi


def _check_track(track: PoseTrack) -> None:
    if not track.fps > 0 or track.n_frames < 1:
        raise RetimeError(
            f"pose track needs fps > 0 and at least one frame, got fps={track.fps}, "
            f"{track.n_frames} frames",
            hint="check the motion source produced frames",
        )
    if track.angles.shape != (track.n_frames, N_BONES) or track.root.shape != (track.n_frames, 2):
        raise RetimeError(
            f"pose track arrays must be (T, {N_BONES}) angles and (T, 2) root, got "
            f"{track.angles.shape} and {track.root.shape}",
            hint="build tracks with engine.nodes.motion.skeleton.PoseTrack",
        )


def sample(track: PoseTrack, t_src_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pose at arbitrary source times, linearly interpolated, clamped to the clip.

    Args:
        track: the motion.
        t_src_s: (K,) times in seconds from the track's first frame.

    Returns:
        root (K, 2) float32 torso lengths, angles (K, N_BONES) float32 radians.
    """
    _check_track(track)
    frame = np.clip(np.asarray(t_src_s, np.float64) * track.fps, 0, track.n_frames - 1)
    index = np.arange(track.n_frames, dtype=np.float64)
    unwrapped = np.unwrap(track.angles.astype(np.float64), axis=0)
    angles = np.stack([np.interp(frame, index, unwrapped[:, b]) for b in range(N_BONES)], axis=1)
    root = np.stack([np.interp(frame, index, track.root[:, k]) for k in range(2)], axis=1)
    return root.astype(np.float32), wrap_angle(angles).astype(np.float32)


def duration_s(track: PoseTrack) -> float:
    """Seconds from the first frame to the last."""
    return (track.n_frames - 1) / track.fps


def resample(track: PoseTrack, fps: float) -> PoseTrack:
    """The same motion at ``fps`` frames per second (first and last frame times kept
    as far as the new frame grid reaches)."""
    if not fps > 0:
        raise RetimeError(f"fps must be > 0, got {fps}", hint="pass the output frame rate")
    _check_track(track)
    n_out = int(np.floor(duration_s(track) * fps + 1e-9)) + 1
    root, angles = sample(track, np.arange(n_out) / fps)
    return PoseTrack(fps=float(fps), root=root, angles=angles)


def track_joints(track: PoseTrack, lengths: np.ndarray | None = None) -> np.ndarray:
    """(T, N_JOINTS reached by bones, 2) joint positions in torso lengths, for metrics."""
    lengths = ACCENT_LENGTHS if lengths is None else np.asarray(lengths, np.float64)
    joints = np.stack(
        [forward(track.angles[t], track.root[t], lengths) for t in range(track.n_frames)]
    )
    reached = ~np.isnan(joints[0, :, 0])
    return joints[:, reached]


def _beat_anchors(
    accents_s: np.ndarray, beats_s: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """Pair motion accents with music beats: (out times, source times, global stretch).

    Accents are thinned or beats skipped by a whole factor so that roughly one accent
    falls on every ``step`` beats; each accent then goes to the beat nearest where a
    uniform stretch would put it, keeping the order.
    """
    accent_ibi = float(np.median(np.diff(accents_s)))
    beat_ibi = float(np.median(np.diff(beats_s)))
    ratio = accent_ibi / beat_ibi  # > 1: the motion accents slower than the beat
    if ratio < 1:
        keep_every = max(1, int(round(1 / ratio)))
        accents_s = accents_s[::keep_every]
        accent_ibi *= keep_every
    step = max(1, int(round(accent_ibi / beat_ibi)))
    stretch = step * beat_ibi / accent_ibi  # out seconds per source second
    # Offset: put the first accent on the beat nearest its uniformly stretched time.
    first = int(np.argmin(np.abs(beats_s - accents_s[0] * stretch)))
    out_s, src_s = [], []
    for i, accent in enumerate(accents_s):
        j = first + i * step
        if j >= beats_s.size:
            break
        out_s.append(beats_s[j])
        src_s.append(accent)
    return np.asarray(out_s), np.asarray(src_s), stretch


def fit_to_beats(
    track: PoseTrack,
    music_beats_s: np.ndarray,
    track_beats_s: np.ndarray | None = None,
    fps: float | None = None,
) -> PoseTrack:
    """Warp the motion's time piecewise-linearly so its accents land on music beats.

    Between two paired accents the motion plays at a constant speed; before the first
    and after the last pair it plays at the overall stretch. Output frame k is music
    time k / fps (poses before the motion's first accent is reached hold its first frame).

    Args:
        track: the motion.
        music_beats_s: (B,) beat times of the music in seconds, increasing, B >= 2.
        track_beats_s: (K,) accent times of the motion in seconds; default: the local
            minima of joint speed (``metrics.kinematic_beats``).
        fps: output frame rate; default the track's.

    Returns:
        The warped ``PoseTrack`` at ``fps``.
    """
    _check_track(track)
    fps = float(track.fps if fps is None else fps)
    beats = np.asarray(music_beats_s, np.float64)
    if beats.ndim != 1 or beats.size < 2 or np.any(np.diff(beats) <= 0):
        raise RetimeError(
            f"music beats must be >= 2 increasing times, got {beats.size}",
            hint="analyse the music first, or use a free-rhythm mode for music without a beat",
        )
    if track_beats_s is None:
        track_beats_s = kinematic_beats(track_joints(track), track.fps)
    accents = np.asarray(track_beats_s, np.float64)
    if accents.size < 2 or np.any(np.diff(accents) <= 0):
        raise RetimeError(
            f"the motion has {accents.size} accents; at least 2 increasing ones are needed",
            hint="use a longer clip, or one that moves in a rhythm",
        )
    out_s, src_s, stretch = _beat_anchors(accents, beats)
    # Extend the first and last segments at the overall stretch.
    end_src = duration_s(track)
    out_s = np.concatenate(
        [[out_s[0] - src_s[0] * stretch], out_s, [out_s[-1] + (end_src - src_s[-1]) * stretch]]
    )
    src_s = np.concatenate([[0.0], src_s, [end_src]])
    n_out = int(np.floor(max(out_s[-1], 0.0) * fps + 1e-9)) + 1
    t_src = np.interp(np.arange(n_out) / fps, out_s, src_s)
    root, angles = sample(track, t_src)
    return PoseTrack(fps=fps, root=root, angles=angles)
