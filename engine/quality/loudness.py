"""Loudness of the soundtrack as a player meters it: BS.1770 integrated and true peak."""

from __future__ import annotations

import numpy as np
import pyloudnorm
from scipy.signal import resample_poly

TRUE_PEAK_OVERSAMPLE = 4  # BS.1770-4 annex 2: 4x oversampling at 48 kHz


def integrated_lufs(samples: np.ndarray, sr_hz: int) -> float | None:
    """Integrated loudness (LUFS) of (n, C) audio; None when too short or silent."""
    if len(samples) < int(0.4 * sr_hz):
        return None
    value = pyloudnorm.Meter(sr_hz).integrated_loudness(samples.astype(np.float64))
    return round(float(value), 2) if np.isfinite(value) else None


def true_peak_dbtp(samples: np.ndarray) -> float | None:
    """Highest inter-sample peak (dBTP) of (n, C) audio, by 4x polyphase oversampling."""
    peak = 0.0
    block = 1 << 18
    for c in range(samples.shape[1]):
        channel = samples[:, c].astype(np.float64)
        for start in range(0, len(channel), block):
            # Overlap the blocks a little so the filter has context at the seams.
            piece = channel[max(0, start - 64) : start + block + 64]
            up = resample_poly(piece, TRUE_PEAK_OVERSAMPLE, 1)
            peak = max(peak, float(np.abs(up).max(initial=0.0)))
    if peak <= 0:
        return None
    return round(20.0 * np.log10(peak), 2)
