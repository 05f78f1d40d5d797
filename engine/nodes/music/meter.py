"""Meter (3 or 4 beats a bar) and the phase of beat 1 from per-beat accents.

Beat 1 of a bar is where the bass drum is loudest, the low notes land and the
harmony changes. Each beat gets an accent (the sum of z-scores of its low-band
level, its full-band level and the chroma change across it). Levels, not onset
flux: flux in dB sees a soft kick after silence as large as a loud one; for each meter m and phase p
the score is the mean accent of beats p, p+m, p+2m, ... minus the mean of the rest.
A 4/4 pattern averages out when folded by 3 and a 3/4 one when folded by 4, so
the best (m, p) over both meters gives the meter and the downbeat phase.
"""

from __future__ import annotations

import numpy as np

METERS = (3, 4)
ACCENT_FRAMES = 5  # 58 ms at 11.6 ms a frame


def _zscore(x: np.ndarray) -> np.ndarray:
    sd = x.std()
    return (x - x.mean()) / sd if sd > 1e-9 else np.zeros_like(x)


def beat_accents(
    low_db: np.ndarray, all_db: np.ndarray, chroma: np.ndarray, beat_frames: np.ndarray
) -> np.ndarray:
    """Accent of each beat, (B,) float64 (z-score units).

    Args:
        low_db: (T,) level of the low band (kick, bass) in dB, one value a frame.
        all_db: (T,) level of the whole spectrum in dB.
        chroma: (12, T) chroma, one column a frame.
        beat_frames: (B,) int frame where each beat starts.
    """
    n = all_db.size

    def peak(x: np.ndarray, f: int) -> float:
        return float(x[f : min(n, f + ACCENT_FRAMES)].max())  # the attack after the onset

    low = np.array([peak(low_db, f) for f in beat_frames])
    full = np.array([peak(all_db, f) for f in beat_frames])
    # harmony change: chroma over the beat after vs the beat before, cosine distance
    change = np.zeros(beat_frames.size)
    for i, f in enumerate(beat_frames):
        if i == 0 or i + 1 >= beat_frames.size:
            continue
        before = chroma[:, beat_frames[i - 1] : f].mean(axis=1)
        after = chroma[:, f : beat_frames[i + 1]].mean(axis=1)
        norm = np.linalg.norm(before) * np.linalg.norm(after)
        change[i] = 1.0 - float(before @ after) / norm if norm > 1e-12 else 0.0
    # chroma change is noise in unpitched drums: half weight
    return _zscore(low) + _zscore(full) + 0.5 * _zscore(change)


def find_meter(accents: np.ndarray) -> tuple[int, int, float]:
    """Best ``(beats_per_bar, phase, contrast)``: beat ``phase`` is the first downbeat;
    ``contrast`` is the accent difference (z units) between downbeats and other beats."""
    best = (4, 0, 0.0)
    for meter in METERS:
        if accents.size < 2 * meter:
            continue
        for phase in range(meter):
            on = np.zeros(accents.size, dtype=bool)
            on[phase::meter] = True
            contrast = float(accents[on].mean() - accents[~on].mean())
            if contrast > best[2]:
                best = (meter, phase, contrast)
    return best
