"""Music features block by block: equal to the whole-signal computation, bounded in
memory, and never reading past the analysis horizon (issue 11, item 12)."""

from __future__ import annotations

import subprocess
import sys

import librosa
import numpy as np
import pytest
import soxr

from engine.nodes.audio.blocks import ArraySource
from engine.nodes.music import features
from engine.nodes.music.analyse import analyse
from engine.nodes.music.synth import synth_music

SR_HZ = 48000


def test_blocks_give_the_spectra_of_the_whole_signal(monkeypatch):
    audio, _ = synth_music(110, 6, seed=3)  # ~14 s
    whole = features.frame_features(ArraySource(audio[:, None]), SR_HZ)
    monkeypatch.setattr(features, "BLOCK_FRAMES", 97)  # many odd-sized blocks
    monkeypatch.setattr(features, "_READ_SAMPLES", 12_345)
    blocks = features.frame_features(ArraySource(audio[:, None]), SR_HZ)
    np.testing.assert_array_equal(blocks.mel, whole.mel)
    np.testing.assert_array_equal(blocks.rms, whole.rms)
    # The chroma's tuning is estimated on the first block: 97 frames here, all of it there.
    assert blocks.chroma.shape == whole.chroma.shape
    assert np.abs(blocks.chroma - whole.chroma).max() < 0.1
    # The reference: librosa on the whole resampled signal, centred frames.
    y = soxr.resample(audio, SR_HZ, features.ANALYSIS_SR_HZ, quality="HQ")
    mel = librosa.feature.melspectrogram(
        y=y, sr=features.ANALYSIS_SR_HZ, n_fft=features.N_FFT, hop_length=features.HOP
    )
    assert mel.shape == whole.mel.shape
    np.testing.assert_allclose(whole.mel, mel, rtol=1e-4, atol=1e-6 * mel.max())


class _Endless:
    """Two hours of a click track, made on demand; remembers how far it was read."""

    n_channels = 1

    def __init__(self, sr_hz: int, hours: float):
        self.sr_hz, self.n_samples, self.furthest = sr_hz, int(hours * 3600 * sr_hz), 0

    def read(self, lo: int, hi: int) -> np.ndarray:
        self.furthest = max(self.furthest, hi)
        t = np.arange(lo, hi) / self.sr_hz
        clicks = np.where((t % 0.5) < 0.01, np.sin(2 * np.pi * 1000 * t), 0.0)
        return clicks.astype(np.float32)[:, None]


def test_music_past_the_horizon_is_never_read(monkeypatch):
    monkeypatch.setattr(features, "MAX_ANALYSIS_S", 30.0)
    source = _Endless(22050, hours=2)
    frames = features.frame_features(source, 22050)
    assert source.furthest == 30 * 22050
    assert frames.duration_s == 30.0 and frames.truncated
    assert frames.mel.shape[1] == 1 + 30 * 22050 // features.HOP


PROBE = """
import resource, sys
import numpy as np
from engine.nodes.music.analyse import analyse_file
from engine.nodes.music.synth import click_track
analyse_file(sys.argv[1], 22050)  # warm up: imports, numba caches, one short run
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
result = analyse_file(sys.argv[2], 22050)
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024, result.duration_s)
"""


def _click_npy(path, minutes: float) -> str:
    """(n, 1) float32 .npy of clicks at 120 bpm, written in blocks."""
    n = int(minutes * 60 * 22050)
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, 1))
    for lo in range(0, n, 1 << 20):
        t = np.arange(lo, min(n, lo + (1 << 20))) / 22050
        out[lo : lo + t.size, 0] = np.where((t % 0.5) < 0.01, np.sin(2 * np.pi * 1000 * t), 0)
    out.flush()
    del out
    return str(path)


@pytest.mark.slow
def test_ten_minutes_of_music_cost_what_one_minute_does(tmp_path):
    # The whole-signal analysis held every spectrum at once: 1 min 0.5 GB, 10 min 2.5 GB.
    short, long = _click_npy(tmp_path / "short.npy", 1), _click_npy(tmp_path / "long.npy", 10)
    result = subprocess.run(
        [sys.executable, "-c", PROBE, short, long], capture_output=True, text=True, check=True
    )
    grown_mb, duration_s = map(float, result.stdout.split())
    assert duration_s == 600.0
    assert grown_mb < 150, f"a 10-minute analysis grew the process by {grown_mb:.0f} MB"


def test_analyse_of_an_array_matches_the_file_node(tmp_path):
    audio, _ = synth_music(120, 4, seed=1)
    stereo = np.stack([audio, audio], axis=1)
    np.save(tmp_path / "music.npy", stereo)
    from engine.nodes.music.analyse import analyse_file

    a, b = analyse(stereo, SR_HZ), analyse_file(tmp_path / "music.npy", SR_HZ)
    np.testing.assert_array_equal(a.beats_s, b.beats_s)
    assert a.sections == b.sections and a.duration_s == b.duration_s
