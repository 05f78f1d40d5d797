"""Lip sync as a viewer judges it: does the mouth open when the voice is loud?

The mouth's opening per frame (inner-lip gap over mouth width, from the face
landmarks) is correlated with the soundtrack's speech envelope: the RMS of the
300–3400 Hz band, which the music under speech barely reaches once ducked.
The envelope is sampled at the frame times shifted by every lag from -300 to
+300 ms in 1 ms steps; the lag with the highest Pearson correlation, refined by
a parabola through its neighbours, is the offset. A positive lag means the mouth
moves after the sound (mouth late).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

ENVELOPE_HZ = 1000  # envelope samples per second: 1 ms lag resolution
BAND_HZ = (300.0, 3400.0)
WINDOW_S = 0.04  # RMS window: one frame at 25 fps
MAX_LAG_MS = 300


def speech_envelope(samples: np.ndarray, sr_hz: int) -> np.ndarray:
    """(n,) float32 speech-band RMS at ``ENVELOPE_HZ`` from (n, C) or (n,) audio at ``sr_hz``."""
    mono = samples.mean(axis=1) if samples.ndim == 2 else samples
    mono = np.asarray(mono, np.float64)
    hi = min(BAND_HZ[1], 0.45 * sr_hz)
    sos = signal.butter(4, [BAND_HZ[0], hi], btype="bandpass", fs=sr_hz, output="sos")
    band = signal.sosfiltfilt(sos, mono) if len(mono) > 30 else mono
    power = band**2
    win = max(1, round(WINDOW_S * sr_hz))
    csum = np.concatenate([[0.0], np.cumsum(power)])
    step = sr_hz / ENVELOPE_HZ
    centres = np.arange(0, len(mono), step)
    lo = np.clip((centres - win / 2).astype(np.int64), 0, len(mono))
    hi_i = np.clip((centres + win / 2).astype(np.int64), 0, len(mono))
    mean = (csum[hi_i] - csum[lo]) / np.maximum(hi_i - lo, 1)
    return np.sqrt(mean).astype(np.float32)


@dataclass(frozen=True)
class SyncResult:
    lag_ms: float  # > 0: the mouth is late
    corr: float  # Pearson r at that lag
    corr_at_zero: float
    n_frames: int


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    a = a - a.mean()
    b = b - b.mean()
    den = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / den) if den > 0 else 0.0


def measure_sync(
    mouth: np.ndarray, frame_times_s: np.ndarray, envelope: np.ndarray, max_lag_ms: int = MAX_LAG_MS
) -> SyncResult | None:
    """Best lag between a mouth-opening series and the speech envelope.

    Parameters
    ----------
    mouth : (T,) float, opening per frame (NaN where no face was found).
    frame_times_s : (T,) float, the frames' times in seconds.
    envelope : speech envelope at ENVELOPE_HZ from ``speech_envelope``.

    Returns None when fewer than 10 frames have a face or either signal is flat.
    """
    ok = np.isfinite(mouth)
    if ok.sum() < 10 or np.ptp(mouth[ok]) < 1e-4:
        return None
    m = mouth[ok].astype(np.float64)
    t_ms = frame_times_s[ok] * ENVELOPE_HZ
    lags = np.arange(-max_lag_ms, max_lag_ms + 1)
    scores = np.empty(len(lags))
    for i, lag in enumerate(lags):
        # Mouth late by `lag`: the mouth at t shows the sound at t - lag.
        idx = np.clip(np.round(t_ms - lag).astype(np.int64), 0, len(envelope) - 1)
        scores[i] = _pearson(m, envelope[idx].astype(np.float64))
    best = int(np.argmax(scores))
    lag = float(lags[best])
    if 0 < best < len(lags) - 1:
        y0, y1, y2 = scores[best - 1 : best + 2]
        den = y0 - 2 * y1 + y2
        if den < 0:
            lag += 0.5 * (y0 - y2) / den
    zero = scores[max_lag_ms]
    return SyncResult(round(lag, 1), round(float(scores[best]), 3), round(float(zero), 3), len(m))
