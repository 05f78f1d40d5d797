"""A dance as a viewer sees it: does the body hold together and move on the beat?

- Beat Align Score (Li et al., "AI Choreographer", 2021; Siyao et al.,
  "Bailando", CVPR 2022, as in Bailando's released metric code): kinematic beats
  are the local minima of the mean keypoint speed after Gaussian smoothing
  (sigma 5 frames at 60 fps = 1/12 s); the score is the mean over music beats of
  exp(-d^2 / (2 sigma^2)), d the time to the nearest kinematic beat, sigma 0.05 s.
  Here both come from the video: keypoints from QC's own pose tracker, beats
  from the soundtrack by librosa. The same score for the kinematic beats shifted
  at random (wrapping within the span) gives a baseline and its spread.
  On video, keypoints are first smoothed over one frame and only those visible
  in 80 % of the dance count, since a tracker's jitter makes false minima.
- Bone-length coefficient of variation: std / mean of each bone's length in the
  image over the frames where both ends are visible and inside the frame. The
  photo is animated in its plane, so lengths should hold. Lengths pass a 5-frame
  running median first: the tracker's own frame-to-frame jitter on a still photo
  is otherwise 2-5 %, as large as the faults it should find.
- Foot skate: horizontal speed of a visible foot while it is on the ground
  (within 5 % of the torso length of its lowest point nearby), in torso
  lengths per second.
"""

from __future__ import annotations

from dataclasses import dataclass

import librosa
import numpy as np
from scipy.ndimage import gaussian_filter1d, median_filter
from scipy.signal import argrelextrema

from engine.quality.bodies import BONES, L_ANKLE, L_HIP, L_SHOULDER, R_ANKLE, R_HIP, R_SHOULDER

SPEED_SMOOTH_S = 5.0 / 60.0
# A tracker on video jitters by a few pixels a frame, which Bailando's clean mocap
# does not: positions get a light smoothing first (one frame at 25 fps), and only
# keypoints visible in most frames count (a hidden wrist's guesses wander).
POSITION_SMOOTH_S = 0.04
STEADY_JOINT_SHARE = 0.8
BAS_SIGMA_S = 0.05
BASELINE_DRAWS = 500
VISIBLE = 0.7
MIN_VISIBLE_SHARE = 0.5  # a bone is judged when visible in this share of the dance
# librosa's beat times trail the onsets they mark (spectral flux peaks just after the
# attack): 7 ms at a 256-sample hop, measured on percussive click tracks at 90-140 bpm
# (tests/quality/test_dance_metrics.py checks the corrected times).
BEAT_DELAY_S = 0.007
BEAT_HOP = 256


def music_beats(samples: np.ndarray, sr_hz: int) -> np.ndarray:
    """Beat times (s) of a stretch of soundtrack, (n,) or (n, C) float32."""
    mono = samples.mean(axis=1) if samples.ndim == 2 else samples
    mono = np.ascontiguousarray(mono, dtype=np.float32)
    if len(mono) < sr_hz or float(np.abs(mono).max(initial=0.0)) < 1e-4:
        return np.zeros(0)
    onset = librosa.onset.onset_strength(y=mono, sr=sr_hz, hop_length=BEAT_HOP)
    _, frames = librosa.beat.beat_track(onset_envelope=onset, sr=sr_hz, hop_length=BEAT_HOP)
    times = librosa.frames_to_time(frames, sr=sr_hz, hop_length=BEAT_HOP) - BEAT_DELAY_S
    return times[times >= 0]


def kinematic_beats(points: np.ndarray, fps: float) -> np.ndarray:
    """Times (s, from the first row) of local minima of smoothed mean keypoint speed.

    points : (T, J, 2) keypoints, gaps already filled.
    """
    if len(points) < 5:
        return np.zeros(0)
    points = gaussian_filter1d(points, POSITION_SMOOTH_S * fps, axis=0)
    speed = np.linalg.norm(np.diff(points, axis=0), axis=2).mean(axis=1) * fps
    speed = gaussian_filter1d(speed, SPEED_SMOOTH_S * fps)
    minima = argrelextrema(speed, np.less)[0]
    # speed[k] is between frames k and k+1
    return (minima + 0.5) / fps


def beat_align_score(music_s: np.ndarray, motion_s: np.ndarray) -> float:
    if len(music_s) == 0 or len(motion_s) == 0:
        return 0.0
    d = np.abs(music_s[:, None] - motion_s[None, :]).min(axis=1)
    return float(np.mean(np.exp(-(d**2) / (2 * BAS_SIGMA_S**2))))


def shifted_baseline(music_s, motion_s, span_s: float, seed: int = 0) -> tuple[float, float]:
    """Mean and std of the score with the kinematic beats shifted at random, wrapped."""
    if len(music_s) == 0 or len(motion_s) == 0 or span_s <= 0:
        return 0.0, 0.0
    rng = np.random.default_rng(seed)
    scores = [
        beat_align_score(music_s, (motion_s + rng.uniform(0, span_s)) % span_s)
        for _ in range(BASELINE_DRAWS)
    ]
    return float(np.mean(scores)), float(np.std(scores))


def fill_gaps(points: np.ndarray) -> np.ndarray:
    """Linear interpolation over frames with no body (rows of NaN), per coordinate."""
    out = points.copy()
    t = np.arange(len(points))
    flat = out.reshape(len(points), -1)
    for c in range(flat.shape[1]):
        ok = np.isfinite(flat[:, c])
        if ok.sum() >= 2 and not ok.all():
            flat[~ok, c] = np.interp(t[~ok], t[ok], flat[ok, c])
    return out


def in_frame(points: np.ndarray, width: int, height: int) -> np.ndarray:
    x, y = points[..., 0], points[..., 1]
    return (x >= 0) & (x < width) & (y >= 0) & (y < height)


def bone_cv(points, visibility, width: int, height: int) -> dict[str, dict]:
    """Per bone: {"cv", "share" (frames it is judged on / all), "judged" (bool)}."""
    seen = (visibility > VISIBLE) & in_frame(points, width, height)
    out = {}
    for name, (a, b) in BONES.items():
        ok = seen[:, a] & seen[:, b]
        share = float(ok.mean()) if len(ok) else 0.0
        lengths = np.linalg.norm(points[ok, a] - points[ok, b], axis=1)
        # A running median over 5 frames takes out the tracker's frame-to-frame
        # jitter; a limb that stretches or snaps over more than that stays in.
        if len(lengths) >= 5:
            lengths = median_filter(lengths, size=5, mode="nearest")
        cv = float(lengths.std() / lengths.mean()) if len(lengths) >= 3 else None
        out[name] = {
            "cv": None if cv is None else round(cv, 4),
            "share": round(share, 3),
            "judged": cv is not None and share >= MIN_VISIBLE_SHARE,
        }
    return out


def foot_skate(points, visibility, fps: float, width: int, height: int) -> float | None:
    """Mean horizontal speed of grounded, visible feet, torso lengths per second."""
    torso = np.nanmedian(
        np.linalg.norm(
            (points[:, L_SHOULDER] + points[:, R_SHOULDER]) / 2
            - (points[:, L_HIP] + points[:, R_HIP]) / 2,
            axis=1,
        )
    )
    if not np.isfinite(torso) or torso <= 0:
        return None
    speeds = []
    window = max(1, round(fps))
    seen = (visibility > VISIBLE) & in_frame(points, width, height)
    for ankle in (L_ANKLE, R_ANKLE):
        if seen[:, ankle].mean() < MIN_VISIBLE_SHARE:
            continue
        y = points[:, ankle, 1]
        x = points[:, ankle, 0]
        for t in range(1, len(points)):
            if not (seen[t, ankle] and seen[t - 1, ankle]):
                continue
            lowest = np.nanmax(y[max(0, t - window) : t + window + 1])
            if lowest - y[t] <= 0.05 * torso:
                speeds.append(abs(x[t] - x[t - 1]) * fps / torso)
    return round(float(np.mean(speeds)), 3) if speeds else None


@dataclass(frozen=True)
class DanceFigures:
    body_found: float
    bas: float | None
    baseline_mean: float | None
    baseline_std: float | None
    n_music_beats: int
    n_motion_beats: int
    bones: dict
    foot_skate: float | None
