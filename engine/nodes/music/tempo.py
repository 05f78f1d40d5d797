"""Global tempo from an onset envelope, robust to half/double (and third) errors.

The autocorrelation of a periodic onset envelope peaks at the beat period and at
every multiple of it (two beats, a bar), and at the subdivision when hats fill
the off-beats. Those peaks are near equal, so the choice between octaves is made
by a log-normal prior over tempo: centred on 120 bpm with a one-octave spread
(people tap near 120 when a piece allows it), or narrowly on ``bpm_hint``.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter1d

MIN_BPM = 40.0
MAX_BPM = 240.0
PRIOR_CENTRE_BPM = 120.0
PRIOR_OCTAVES = 1.0  # std of the prior in octaves
HINT_OCTAVES = 0.25  # std around a user's hint: picks the octave, not the exact value


def onset_autocorrelation(env: np.ndarray, max_lag: int) -> np.ndarray:
    """Normalised autocorrelation (lag 0 = 1) of a mean-removed envelope, (max_lag,)."""
    centred = env - env.mean()
    n_fft = 1 << int(np.ceil(np.log2(2 * centred.size)))
    spectrum = np.fft.rfft(centred, n_fft)
    ac = np.fft.irfft(np.abs(spectrum) ** 2, n_fft)[:max_lag]
    return ac / ac[0] if ac[0] > 0 else np.zeros(max_lag)


def estimate_tempo(
    env: np.ndarray, frame_rate_hz: float, bpm_hint: float | None = None
) -> tuple[float, float]:
    """Tempo of an onset envelope.

    Args:
        env: (T,) onset strength, >= 0, one value a frame.
        frame_rate_hz: frames per second of ``env``.
        bpm_hint: the user's tempo, in beats per minute, or None.

    Returns:
        ``(tempo_bpm, pulse_clarity)``: the tempo (lag-resolution, refine it from
        tracked beats) and the normalised autocorrelation at its period, in [0, 1]
        (near 1 for a steady beat, near 0 for noise).
    """
    # Onset peaks are 1-2 frames wide; smoothing keeps a period that falls between
    # two integer lags from losing its peak to a multiple that falls on one.
    smooth = gaussian_filter1d(env.astype(np.float64), 1.5)
    max_lag = int(frame_rate_hz * 60.0 / MIN_BPM) + 2
    if smooth.size < 2 * max_lag:
        max_lag = smooth.size // 2
    ac = onset_autocorrelation(smooth, max_lag)
    lags = np.arange(2, max_lag - 1)
    peaks = lags[(ac[lags] >= ac[lags - 1]) & (ac[lags] > ac[lags + 1])]
    # frames/s x 60 s/min / frames/beat = beats/min
    peaks = peaks[
        (frame_rate_hz * 60.0 / peaks >= MIN_BPM) & (frame_rate_hz * 60 / peaks <= MAX_BPM)
    ]
    if peaks.size == 0 or ac[0] <= 0:
        return float(bpm_hint or PRIOR_CENTRE_BPM), 0.0
    # parabolic interpolation of each peak for a sub-frame period
    left, mid, right = ac[peaks - 1], ac[peaks], ac[peaks + 1]
    denom = left - 2 * mid + right
    shift = np.where(denom < 0, 0.5 * (left - right) / np.where(denom < 0, denom, -1), 0.0)
    period_frames = peaks + shift
    bpm = frame_rate_hz * 60.0 / period_frames
    centre, spread = (
        (PRIOR_CENTRE_BPM, PRIOR_OCTAVES) if bpm_hint is None else (bpm_hint, HINT_OCTAVES)
    )
    prior = np.exp(-0.5 * (np.log2(bpm / centre) / spread) ** 2)
    best = int(np.argmax(np.maximum(mid, 0.0) * prior))
    return float(bpm[best]), float(np.clip(mid[best], 0.0, 1.0))
