"""Lip-sync measured on a rendered video: the inner-lip gap the landmark model sees
on every frame, cross-correlated with the opening the phoneme timings call for."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.nodes.face import mouth_opening, track_landmarks
from engine.nodes.output.probe import iter_frames


@dataclass(frozen=True)
class LipSync:
    offset_s: float  # > 0: the mouth moves after the sound
    correlation: float


def measured_opening(video, n_frames: int) -> np.ndarray:
    frames = (f for i, (_, f) in enumerate(iter_frames(video)) if i < n_frames)
    gaps = []
    for marks in track_landmarks(frames):
        gaps.append(np.nan if marks is None else float(mouth_opening(marks.points)))
    gaps = np.array(gaps)
    assert np.isfinite(gaps).mean() > 0.95, "the face was lost on rendered frames"
    return np.where(np.isfinite(gaps), gaps, np.nanmedian(gaps))


def lip_sync(measured: np.ndarray, expected: np.ndarray, fps: float, max_lag: int = 5) -> LipSync:
    """Normalised cross-correlation over lags of ±max_lag frames; the best lag and its r."""
    m = (measured - measured.mean()) / (measured.std() + 1e-12)
    e = (expected - expected.mean()) / (expected.std() + 1e-12)
    best = (-2.0, 0)
    for lag in range(-max_lag, max_lag + 1):
        a = m[max(0, lag) : len(m) + min(0, lag)]
        b = e[max(0, -lag) : len(e) + min(0, -lag)]
        r = float(np.corrcoef(a, b)[0, 1])
        best = max(best, (r, lag))
    return LipSync(best[1] / fps, best[0])
