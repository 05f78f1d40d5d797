"""A short synthesised music loop at a known tempo, for scaffolds and examples.

Kick on every beat (louder on the downbeat), a hi-hat between beats and a
chord per bar, so a beat tracker has a clear answer: the tempo is ``bpm``,
bar lines fall every 4 beats from t = 0.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

CHORDS_HZ = (
    (220.00, 277.18, 329.63),  # A major
    (196.00, 246.94, 293.66),  # G major
    (174.61, 220.00, 261.63),  # F major
    (196.00, 246.94, 293.66),  # G major
)


def synth_music(
    bpm: float = 120.0, n_bars: int = 10, sr_hz: int = 16000, seed: int = 0
) -> np.ndarray:
    """Mono music, ``(n_bars * 4 * 60 / bpm * sr_hz,)`` int16 at ``sr_hz``."""
    rng = np.random.default_rng(seed)
    beat_s = 60.0 / bpm  # s/min / (beats/min) = s/beat
    n_samples = int(round(n_bars * 4 * beat_s * sr_hz))
    t = np.arange(n_samples) / sr_hz
    out = np.zeros(n_samples)
    kick_t = np.arange(int(0.25 * sr_hz)) / sr_hz
    kick = np.sin(2 * np.pi * (50 + 80 * np.exp(-kick_t * 30)) * kick_t) * np.exp(-kick_t * 14)
    hat = rng.standard_normal(int(0.05 * sr_hz)) * np.exp(
        -np.arange(int(0.05 * sr_hz)) / (0.008 * sr_hz)
    )
    for beat in range(n_bars * 4):
        start = int(round(beat * beat_s * sr_hz))
        gain = 1.0 if beat % 4 == 0 else 0.6
        seg = out[start : start + kick.size]
        seg += gain * kick[: seg.size]
        off = int(round((beat + 0.5) * beat_s * sr_hz))
        seg = out[off : off + hat.size]
        seg += 0.15 * hat[: seg.size]
    bar_s = 4 * beat_s
    for bar in range(n_bars):
        lo, hi = int(round(bar * bar_s * sr_hz)), int(round((bar + 1) * bar_s * sr_hz))
        tt = t[lo:hi] - t[lo]
        env = np.minimum(1.0, tt / 0.05) * np.exp(-tt / bar_s)
        for f_hz in CHORDS_HZ[bar % len(CHORDS_HZ)]:
            out[lo:hi] += 0.08 * env * np.sin(2 * np.pi * f_hz * t[lo:hi])
    out *= 0.8 / max(1e-9, np.abs(out).max())
    return (out * 32767).astype(np.int16)


def write_wav(path: Path, samples: np.ndarray, sr_hz: int) -> None:
    """Write mono int16 ``samples`` as a WAV file."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sr_hz)
        w.writeframes(samples.astype("<i2").tobytes())
