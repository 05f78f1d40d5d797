"""Beat times from an onset envelope at a known tempo.

librosa's dynamic-programming tracker (Ellis 2007) places beats on onset-envelope
frames; here each beat is then moved to the sub-frame peak of the envelope near
it, beats outside the first and last onsets are dropped, beats the tracker
missed at the ends are added where onsets continue the grid, and the systematic lateness of
the envelope (its frames see an onset after it starts) is subtracted.
"""

from __future__ import annotations

import librosa
import numpy as np

# Lateness of envelope peaks behind true onsets, with the analysis settings of
# analyse.py (22050 Hz, n_fft 1024, hop 256). Measured on click tracks at 72-150
# bpm (tests/nodes/music/test_analyse.py re-measures it): the median of detected
# minus true beat times before correction.
BEAT_LATENCY_S = 0.033


def refine_peaks(env: np.ndarray, frames: np.ndarray, radius: int = 2) -> np.ndarray:
    """Move each frame to the largest envelope value within ``radius`` frames, then
    to the vertex of a parabola through it and its neighbours. Returns (B,) float frames."""
    out = np.empty(frames.size)
    for i, f in enumerate(frames):
        lo, hi = max(0, f - radius), min(env.size, f + radius + 1)
        p = lo + int(np.argmax(env[lo:hi]))
        if 0 < p < env.size - 1:
            a, b, c = env[p - 1], env[p], env[p + 1]
            denom = a - 2 * b + c
            out[i] = p + (0.5 * (a - c) / denom if denom < 0 else 0.0)
        else:
            out[i] = p
    return out


def _trim(env: np.ndarray, frames: np.ndarray, floor: float) -> np.ndarray:
    """Drop beats before the first and after the last onset of at least ``floor``: the
    tracker runs its grid through leading and trailing silence."""
    strong = np.flatnonzero(env >= floor)
    if strong.size == 0:
        return frames[:0]
    return frames[(frames >= strong[0] - 2) & (frames <= strong[-1] + 2)]


def _extend(env: np.ndarray, frames: np.ndarray, period: float, floor: float) -> np.ndarray:
    """Add grid beats before the first and after the last while an onset of at least
    ``floor`` lies within 2 frames of the predicted one: the tracker can start late."""
    out = [int(f) for f in frames]
    for step in (-1, 1):
        while True:
            f = int(round((out[0] if step < 0 else out[-1]) + step * period))
            if f < 0 or f >= env.size or env[max(0, f - 2) : f + 3].max() < floor:
                break
            out.insert(0, f) if step < 0 else out.append(f)
    return np.asarray(out, dtype=int)


def track_beats(env: np.ndarray, frame_rate_hz: float, tempo_bpm: float) -> np.ndarray:
    """Beat times of an onset envelope.

    Args:
        env: (T,) onset strength, >= 0.
        frame_rate_hz: frames per second of ``env``.
        tempo_bpm: tempo in beats per minute.

    Returns:
        (B,) float64 beat times in seconds, increasing, latency-corrected.
    """
    hop = 256  # only the ratio sr/hop matters to librosa here
    _, frames = librosa.beat.beat_track(
        onset_envelope=env,
        sr=frame_rate_hz * hop,
        hop_length=hop,
        bpm=tempo_bpm,
        units="frames",
        trim=False,  # its trimming drops the beats of quiet passages at the ends
    )
    frames = np.asarray(frames, dtype=int)
    if frames.size < 2:
        return np.zeros(0)
    floor = 0.3 * float(np.percentile(env[frames], 75))
    frames = _trim(env, frames, floor)
    if frames.size < 2:
        return np.zeros(0)
    period = frame_rate_hz * 60.0 / tempo_bpm  # frames/s x 60 / beats/min = frames/beat
    frames = _extend(env, frames, period, floor)
    beats_s = refine_peaks(env, frames) / frame_rate_hz - BEAT_LATENCY_S
    return np.maximum.accumulate(np.maximum(beats_s, 0.0))


def tempo_from_beats(beats_s: np.ndarray) -> float:
    """Mean tempo in bpm: the slope of a least-squares line through beat times vs index."""
    index = np.arange(beats_s.size)
    slope_s = np.polyfit(index, beats_s, 1)[0]
    return 60.0 / slope_s
