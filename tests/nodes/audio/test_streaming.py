"""The audio path in blocks: same samples as in memory, bounded state, files written whole."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pyloudnorm
import pytest

import engine.nodes.audio.mix as mix_module
from engine.nodes.audio.blocks import NpySource, NpyWriter
from engine.nodes.audio.bs1770 import LoudnessMeter
from engine.nodes.audio.loudness import measure_true_peak_dbtp, normalise, normalise_file
from engine.nodes.audio.mix import mix, mix_blocks
from engine.nodes.audio.soundtrack import soundtrack_to_file
from engine.nodes.audio.truepeak import PeakMeter, true_peak_envelope

SR_HZ = 48000


def _noise(seconds: float, seed: int, amp: float = 0.1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (amp * rng.standard_normal((round(seconds * SR_HZ), 2))).astype(np.float32)


def _feed(meter, audio: np.ndarray, step: int):
    for lo in range(0, len(audio), step):
        meter.feed(audio[lo : lo + step])
    return meter


@pytest.mark.parametrize("sr_hz", [48000, 44100, 22050])
def test_block_loudness_equals_pyloudnorm(sr_hz):
    rng = np.random.default_rng(sr_hz)
    for seconds, step in [(0.4, 1000), (0.45, 777), (2.3, 65536), (3.0, 4800)]:
        n = round(seconds * sr_hz)
        ramp = np.linspace(0, 1, n)[:, None] ** 3  # quiet start: the gates matter
        audio = (0.2 * rng.standard_normal((n, 2)) * ramp).astype(np.float32)
        expected = pyloudnorm.Meter(sr_hz).integrated_loudness(audio.astype(np.float64))
        got = _feed(LoudnessMeter(sr_hz, n, 2), audio, step).loudness()
        assert abs(got - expected) < 1e-9, (seconds, step, got, expected)
    silent = _feed(LoudnessMeter(sr_hz, sr_hz, 2), np.zeros((sr_hz, 2)), 10_000)
    assert silent.loudness() == -np.inf


def test_peak_meter_equals_the_envelope_whatever_the_blocks():
    audio = _noise(3.1, seed=2, amp=0.3)
    audio[70_000:70_010] = 1.4
    expected = float(true_peak_envelope(audio).max())
    for step in (1000, 65536, 100_003):
        assert _feed(PeakMeter(len(audio)), audio, step).peak == expected


def test_mix_is_the_same_whatever_the_block_size(tmp_path, monkeypatch):
    music = _noise(12.0, seed=1)
    voices = [
        (0.0, _noise(1.3, 3)),
        (3.3, _noise(2.0, 4)),
        (4.0, _noise(1.0, 5)),
        (11.5, _noise(2, 6)),
    ]
    options = {"duck_db": 12, "fade_in_s": 1.0, "fade_out_s": 2.5, "gain_db": -3}
    whole = mix(music, voices, 13.0, SR_HZ, **options)
    assert whole.shape == (13 * SR_HZ, 2)
    np.save(tmp_path / "music.npy", music)
    lazy = [(start_s, lambda line=line: line) for start_s, line in voices]
    for block_s in (0.7, 3.0001):
        monkeypatch.setattr(mix_module, "MIX_BLOCK_S", block_s)
        blocks = list(mix_blocks({"file": tmp_path / "music.npy"}, lazy, 13.0, SR_HZ, **options))
        assert max(len(b) for b in blocks) <= round(block_s * SR_HZ) + SR_HZ // 1000
        assert np.array_equal(np.concatenate(blocks), whole)


def test_normalise_file_equals_normalise_and_is_deterministic(tmp_path):
    audio = _noise(5.0, seed=7, amp=0.05)
    audio[::24_000] = 0.9  # clicks for the limiter
    np.save(tmp_path / "in.npy", audio)
    expected, report = normalise(audio, SR_HZ, -14.0, -1.0)
    for name in ("a.npy", "b.npy"):
        got = normalise_file(tmp_path / "in.npy", tmp_path / name, SR_HZ, -14.0, -1.0)
        assert got == report
    assert (tmp_path / "a.npy").read_bytes() == (tmp_path / "b.npy").read_bytes()
    out = np.load(tmp_path / "a.npy")
    assert np.array_equal(out, expected)
    measured = pyloudnorm.Meter(SR_HZ).integrated_loudness(out.astype(np.float64))
    assert abs(measured - -14.0) <= 0.5 and measure_true_peak_dbtp(out) <= -1.0
    assert report["limited_fraction"] > 0


def test_npy_writer_fills_in_the_length(tmp_path):
    audio = _noise(0.5, seed=8)
    with NpyWriter(tmp_path / "x.npy") as writer:
        for lo in range(0, len(audio), 5000):
            writer.write(audio[lo : lo + 5000])
    assert np.array_equal(np.load(tmp_path / "x.npy"), audio)
    with NpySource(tmp_path / "x.npy") as source:
        assert source.n_samples == len(audio)
        assert np.array_equal(source.read(123, 4567), audio[123:4567])


def _story(tmp_path, music: bool) -> tuple[dict, dict]:
    """Two shots of 3 s with one line each, optional music from a .npy file."""
    mono = np.random.default_rng(9).standard_normal(22050).astype(np.float32) * 0.2
    speech = SimpleNamespace(audio=mono, sr_hz=22050)
    timing = SimpleNamespace(duration_s=3.0)
    inputs = {
        "t0": {"voices": [(0.5, "line")], "timing": timing},
        "t1": {"voices": [(1.0, "line")], "timing": timing},
        "line": speech,
    }
    params = {"sr_hz": SR_HZ, "segments": ["t0", "t1"], "music": None,
              "loudness_lufs": -16.0, "true_peak_dbtp": -1.0}  # fmt: skip
    if music:
        np.save(tmp_path / "music.npy", _noise(4.0, seed=10, amp=0.3))
        inputs["music"] = {"file": tmp_path / "music.npy", "n_samples": 4 * SR_HZ}
        params["music"] = {"input": "music", "gain_db": 0.0, "duck_db": 12.0,
                           "fade_in_s": 0.5, "fade_out_s": 0.5}  # fmt: skip
    return params, inputs


@pytest.mark.parametrize("music", [False, True])
def test_soundtrack_to_file_lands_on_target(tmp_path, music):
    params, inputs = _story(tmp_path, music)
    out = tmp_path / "mix" / "mix.npy"
    out.parent.mkdir()
    report = soundtrack_to_file(params, inputs, out)
    assert sorted(p.name for p in out.parent.iterdir()) == ["mix.npy"]  # no temporaries left
    audio = np.load(out)
    assert audio.shape == (6 * SR_HZ, 2) and audio.dtype == np.float32
    measured = pyloudnorm.Meter(SR_HZ).integrated_loudness(audio.astype(np.float64))
    assert abs(measured - -16.0) <= 0.5 and measure_true_peak_dbtp(audio) <= -1.0
    assert report["skipped"] is None
    again = tmp_path / "mix" / "again.npy"
    soundtrack_to_file(params, inputs, again)
    assert again.read_bytes() == out.read_bytes()


def test_silent_soundtrack_is_skipped(tmp_path):
    params, inputs = _story(tmp_path, music=False)
    for name in ("t0", "t1"):
        inputs[name]["voices"] = []
    report = soundtrack_to_file(params, inputs, tmp_path / "mix.npy")
    assert report["skipped"] == "silent" and report["input_lufs"] == -np.inf
    assert not np.load(tmp_path / "mix.npy").any()


@pytest.mark.parametrize("sr_in", [16000, 22050, 44100, 96000])
def test_a_long_line_resampled_range_by_range_equals_the_whole(sr_in):
    from engine.nodes.audio.soundtrack import ResampledLine, to_output_rate

    rng = np.random.default_rng(sr_in)
    mono = rng.standard_normal(sr_in * 3 + 17).astype(np.float32) * 0.1
    whole = to_output_rate(mono, sr_in, 48000)
    line = ResampledLine(mono, sr_in, 48000)
    assert line.n_samples == len(whole)
    cuts = np.unique(np.r_[0, rng.integers(0, len(whole), 12), len(whole)])
    pieces = [line.read(lo, hi) for lo, hi in zip(cuts[:-1], cuts[1:], strict=True)]
    np.testing.assert_allclose(np.concatenate(pieces), whole, rtol=0, atol=1e-7)


def test_the_mix_streams_a_long_line_and_sounds_the_same(monkeypatch):
    import engine.nodes.audio.soundtrack as soundtrack
    from engine.nodes.audio.mix import mix_blocks

    rng = np.random.default_rng(3)
    mono = rng.standard_normal(22050 * 4).astype(np.float32) * 0.1

    class Speech:
        audio, sr_hz = mono, 22050

    def mixed():
        voices = [(0.5, soundtrack._voice(Speech, 48000))]
        return np.concatenate(list(mix_blocks(None, voices, 5.0, 48000)))

    held = mixed()
    monkeypatch.setattr(soundtrack, "STREAM_LINE_S", 1.0)  # now the line is "long"
    assert hasattr(soundtrack._voice(Speech, 48000)(), "read")
    np.testing.assert_allclose(mixed(), held, rtol=0, atol=1e-7)
