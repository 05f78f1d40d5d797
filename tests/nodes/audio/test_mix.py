"""Mixing: ducking depth and smoothness, fades, the envelope kernel."""

from __future__ import annotations

import numpy as np
import pytest

from engine.errors import NodeError
from engine.nodes.audio.envelope import follow, follow_reference, smoothing_coefficient
from engine.nodes.audio.mix import duck_gain, fade_curve, mix

SR_HZ = 48000


def _rms_db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.asarray(x, np.float64) ** 2)))


def _music(seconds: float) -> np.ndarray:
    t = np.arange(round(seconds * SR_HZ)) / SR_HZ
    tone = 0.1 * np.sin(2 * np.pi * 330 * t) + 0.05 * np.sin(2 * np.pi * 523 * t)
    return np.stack([tone, tone], 1).astype(np.float32)


def _speech(seconds: float, seed: int, gaps_s: tuple = ()) -> np.ndarray:
    """Noise 'speech' with short silent gaps at the given times (s from its start)."""
    rng = np.random.default_rng(seed)
    voice = 0.2 * rng.standard_normal((round(seconds * SR_HZ), 2))
    for gap in gaps_s:
        voice[round(gap * SR_HZ) : round((gap + 0.1) * SR_HZ)] = 0
    return voice.astype(np.float32)


def test_envelope_kernel_matches_reference():
    rng = np.random.default_rng(0)
    cases = [
        rng.random(2000),
        (rng.random(2000) > 0.7).astype(float),
        np.zeros(50),
        np.ones(50),
        np.array([1.0]),
        np.array([]),
    ]
    for x in cases:
        for a_rise, a_fall in [(0.9, 0.99), (0.0, 0.999), (0.5, 0.0), (0.0, 0.0)]:
            got = follow(x, a_rise, a_fall)
            assert np.allclose(got, follow_reference(x, a_rise, a_fall), rtol=0, atol=1e-12)
    assert np.array_equal(follow(cases[0], 0.0, 0.0), cases[0])  # a = 0: no smoothing
    step = follow(np.ones(SR_HZ), smoothing_coefficient(0.1, SR_HZ), 0.0)
    assert abs(step[round(0.1 * SR_HZ) - 1] - (1 - np.exp(-1))) < 1e-3  # 63 % after tau


def test_ducking_depth_timing_and_smoothness():
    voice_start, voice_s = 2.0, 2.0
    music = _music(6.0)
    voice = _speech(voice_s, seed=1, gaps_s=(0.7, 1.3))
    out = mix(music, [(voice_start, voice)], 6.0, SR_HZ, duck_db=12)
    silent_voice = mix(None, [(voice_start, voice)], 6.0, SR_HZ)
    bed = out - silent_voice  # the ducked music alone (mixing is linear)

    def level(a_s, b_s):
        return _rms_db(bed[round(a_s * SR_HZ) : round(b_s * SR_HZ), 0])

    before, during, after = level(0.2, 1.5), level(2.3, 3.9), level(5.5, 6.0)
    print(f"music: before {before:.2f} dB, under speech {during:.2f} dB, after {after:.2f} dB")
    assert abs((during - before) + 12) < 0.5
    assert abs(after - before) < 0.2
    gain = duck_gain(np.pad(voice, ((round(voice_start * SR_HZ), 0), (0, 0))), SR_HZ)
    gain_db = 20 * np.log10(gain)
    # Short gaps between words (0.1 s) keep the music down: no pumping.
    gap = round((voice_start + 0.75) * SR_HZ)
    assert gain_db[gap] < -11.5
    # Opens early: mostly down when the first word starts.
    assert gain_db[round(voice_start * SR_HZ)] < -9
    # Smooth: no step anywhere (a click would be a jump of ~0.75 in gain).
    assert np.abs(np.diff(gain)).max() < 1e-3


def test_fades_and_gain():
    curve = fade_curve(SR_HZ, SR_HZ, 0.25, 0.5)
    assert curve[0] < 1e-4 and curve[-1] < 1e-4
    assert np.all(np.diff(curve[: SR_HZ // 4]) >= 0)
    assert np.all(curve[SR_HZ // 4 : SR_HZ // 2] == 1)
    out = mix(_music(2.0), [], 2.0, SR_HZ, gain_db=-6.0)
    assert abs(_rms_db(out) - _rms_db(_music(2.0)) + 6.0) < 0.01


def test_voices_placed_cut_and_checked():
    voice = np.full((SR_HZ, 2), 0.5, np.float32)
    out = mix(None, [(0.5, voice), (1.5, voice)], 2.0, SR_HZ)
    assert out.shape == (2 * SR_HZ, 2)
    assert out[SR_HZ // 2 - 1, 0] == 0 and out[SR_HZ // 2, 0] == 0.5
    assert out[-1, 0] == 0.5  # second line cut at total_s
    with pytest.raises(NodeError, match=r"should be \(n, 2\)"):
        mix(None, [(0.0, np.zeros(10, np.float32))], 1.0, SR_HZ)
    with pytest.raises(NodeError, match="starts at"):
        mix(None, [(-1.0, voice)], 1.0, SR_HZ)
