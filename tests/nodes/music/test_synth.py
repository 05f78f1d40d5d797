"""The synthetic music generator: truths that match the audio."""

from __future__ import annotations

import numpy as np
import pytest

from engine.nodes.music.synth import click_track, free_rhythm_pad, synth_music


def test_truth_and_onsets():
    audio, truth = synth_music(120, 8, sr_hz=16000, sections=("drums", "full"), bars_per_section=4)
    assert audio.dtype == np.float32 and np.abs(audio).max() == pytest.approx(0.9, abs=1e-6)
    np.testing.assert_allclose(np.diff(truth.beats_s), 0.5)
    np.testing.assert_allclose(truth.downbeats_s, truth.beats_s[::4])
    np.testing.assert_allclose(truth.section_starts_s, [0.0, 8.0])
    assert truth.section_styles == ("drums", "full")
    # in the drums section, near-silence just before each beat and sound just after
    for t_s in truth.beats_s[1:16]:
        at = int(t_s * 16000)
        assert np.abs(audio[at : at + 80]).max() > 3 * np.abs(audio[at - 40 : at]).max()


def test_seeded_and_deterministic():
    a, _ = synth_music(100, 2, sr_hz=8000, seed=1)
    b, _ = synth_music(100, 2, sr_hz=8000, seed=1)
    c, _ = synth_music(100, 2, sr_hz=8000, seed=2)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_click_track_and_pad():
    audio, beats_s = click_track(60, 4, sr_hz=8000, start_s=0.5)
    np.testing.assert_allclose(beats_s, [0.5, 1.5, 2.5, 3.5])
    assert audio.size == int(np.ceil(4.5 * 8000))
    pad = free_rhythm_pad(5.0, 8000, seed=0)
    assert pad.shape == (40000,) and np.abs(pad).max() == pytest.approx(0.5, abs=1e-6)


def test_bad_args():
    with pytest.raises(ValueError, match="section styles"):
        synth_music(100, 2, sections=("polka",))
    with pytest.raises(ValueError, match="bad synth_music"):
        synth_music(100, 2, beats_per_bar=5)
