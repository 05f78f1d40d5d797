"""Forced alignment, checked against espeak's own phoneme times."""

from __future__ import annotations

import numpy as np
import pytest

from engine.errors import PhotoplayError
from engine.nodes.speech.align import align, check_audio, phone_start_errors_s
from engine.nodes.speech.tts import synthesise

LINE = "The quick brown fox jumps over the lazy dog. She sells sea shells by the sea shore."
OTHER = "Hello friend! Let me show you a dance that my mother taught me."


@pytest.fixture(scope="module")
def speech():
    return synthesise(LINE)


@pytest.fixture(scope="module")
def aligned(speech):
    return align(speech.audio, speech.sr_hz, LINE)


def test_phone_starts_match_espeak_truth(speech, aligned):
    errors_s = phone_start_errors_s(speech.phonemes, aligned.phonemes)
    n_truth = sum(p != "_" for _, _, p in speech.phonemes)
    assert len(errors_s) >= 0.8 * n_truth  # most phonemes matched up
    print(f"mean phone-start error {1000 * errors_s.mean():.1f} ms over {len(errors_s)} phones")
    assert errors_s.mean() < 0.040


def test_words_come_back_in_order(speech, aligned):
    words = [w for _, _, w in aligned.words]
    assert words == LINE.lower().replace(".", "").split()
    truth = np.array([s for s, _, _ in speech.words])
    got = np.array([s for s, _, _ in aligned.words])
    assert np.mean(np.abs(truth - got)) < 0.05


def test_other_sample_rates_align_alike(speech):
    """48 kHz input is resampled; the times do not depend on it."""
    from scipy.signal import resample_poly

    x48 = resample_poly(speech.audio, 320, 147).astype(np.float32)  # 22050 → 48000
    a48 = align(x48, 48000, LINE)
    errors_s = phone_start_errors_s(speech.phonemes, a48.phonemes)
    assert errors_s.mean() < 0.040


def test_a_different_transcript_is_an_error(speech):
    with pytest.raises(PhotoplayError, match="does not match"):
        align(speech.audio, speech.sr_hz, OTHER)


def test_a_transcript_missing_words_is_an_error(speech):
    with pytest.raises(PhotoplayError, match="does not match"):
        align(speech.audio, speech.sr_hz, "The quick brown fox jumps over the lazy dog.")


def test_silent_audio_is_an_error():
    with pytest.raises(PhotoplayError, match="silent"):
        align(np.zeros(22050, np.float32), 22050, LINE)
    quiet = np.random.default_rng(0).normal(0, 1e-4, 22050).astype(np.float32)
    with pytest.raises(PhotoplayError, match="silent"):
        check_audio(quiet, 22050)


def test_clipped_audio_is_an_error(speech):
    clipped = np.clip(speech.audio * 30.0, -1.0, 1.0)
    with pytest.raises(PhotoplayError, match="clipped"):
        align(clipped, speech.sr_hz, LINE)


def test_unknown_words_and_empty_transcript_are_errors(speech):
    with pytest.raises(PhotoplayError, match="not in the pronouncing dictionary: xqzzy"):
        align(speech.audio, speech.sr_hz, "xqzzy " + LINE)
    with pytest.raises(PhotoplayError, match="empty"):
        align(speech.audio, speech.sr_hz, " ... ")
