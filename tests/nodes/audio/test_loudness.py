"""Loudness normalisation and the true-peak limiter."""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest

from engine.errors import NodeError
from engine.nodes.audio.loudness import (
    limiter_gain,
    measure_true_peak_dbtp,
    normalise,
    true_peak_envelope,
)

SR_HZ = 48000


def _programme(seconds: float = 8.0, seed: int = 3) -> np.ndarray:
    """Quiet tone + noise with loud transient bursts twice a second, (n, 2) float32."""
    rng = np.random.default_rng(seed)
    t = np.arange(round(seconds * SR_HZ)) / SR_HZ
    x = 0.05 * np.sin(2 * np.pi * 220 * t) + 0.02 * rng.standard_normal(len(t))
    burst = 0.6 * np.hanning(200) * np.sign(np.sin(2 * np.pi * 3000 * t[:200]))
    for start in range(0, len(t) - 200, SR_HZ // 2):
        x[start : start + 200] += burst
    return np.stack([x, 0.8 * x], 1).astype(np.float32)


def test_true_peak_sees_between_samples():
    # A sine at fs/4 sampled 45 degrees off its crests: samples peak at 0.707, the wave at 1.
    n = np.arange(SR_HZ)
    x = np.sin(2 * np.pi * n / 4 + np.pi / 4).astype(np.float32)
    audio = np.stack([x, x], 1)
    assert abs(20 * np.log10(np.abs(x).max()) + 3.01) < 0.01
    middle = true_peak_envelope(audio)[1000:-1000]  # the abrupt ends overshoot for real
    assert abs(20 * np.log10(middle.max())) < 0.05
    assert measure_true_peak_dbtp(audio) > -0.1


def test_true_peak_envelope_has_no_chunk_seams():
    rng = np.random.default_rng(0)
    audio = (0.3 * rng.standard_normal((200_000, 2))).astype(np.float32)
    env = true_peak_envelope(audio)
    from scipy.signal import resample_poly

    whole = np.abs(resample_poly(audio, 4, 1, axis=0)).max(axis=1).reshape(-1, 4).max(axis=1)
    whole = np.maximum(whole, np.abs(audio).max(axis=1))
    inner = slice(100, -100)  # the ends differ by edge handling only
    assert np.allclose(env[inner], whole[inner], atol=1e-6)


@pytest.mark.parametrize("target_lufs", [-14.0, -23.0])
def test_lands_on_target_with_peak_under_ceiling(target_lufs):
    audio = _programme()
    out, report = normalise(audio, SR_HZ, target_lufs, -1.0)
    measured = pyloudnorm.Meter(SR_HZ).integrated_loudness(out.astype(np.float64))
    peak = measure_true_peak_dbtp(out)
    print(f"target {target_lufs}: {measured:.2f} LUFS, true peak {peak:.2f} dBTP, {report}")
    assert abs(measured - target_lufs) <= 0.5
    assert peak <= -1.0
    assert report["skipped"] is None
    assert abs(report["output_lufs"] - measured) < 1e-6
    assert out.shape == audio.shape and out.dtype == np.float32
    if target_lufs == -14.0:
        assert report["limited_fraction"] > 0  # the bursts had to be limited


def test_limiter_gain_never_exceeds_the_need():
    rng = np.random.default_rng(5)
    audio = (0.2 * rng.standard_normal((20_000, 2))).astype(np.float32)
    audio[5000:5010] = 1.5  # a block of overs
    gain = limiter_gain(audio, SR_HZ, -1.0)
    need = np.minimum(1.0, 10 ** (-1 / 20) / true_peak_envelope(audio))
    assert np.all(gain <= need + 1e-6)
    assert gain[:4000].min() > 0.999  # untouched well before the look-ahead
    assert np.abs(np.diff(gain)).max() < 0.05  # ramps, not steps


def test_silence_and_too_short_come_back_unchanged():
    silent = np.zeros((SR_HZ, 2), np.float32)
    out, report = normalise(silent, SR_HZ)
    assert report["skipped"] == "silent" and out is silent
    short = np.full((1000, 2), 0.1, np.float32)
    out, report = normalise(short, SR_HZ)
    assert report["skipped"] == "too short" and np.array_equal(out, short)
    with pytest.raises(NodeError, match="finite"):
        normalise(np.full((SR_HZ, 2), np.nan, np.float32), SR_HZ)


def test_deterministic():
    audio = _programme(3.0)
    first, _ = normalise(audio, SR_HZ)
    second, _ = normalise(audio, SR_HZ)
    assert np.array_equal(first, second)
