"""The neural voice (Piper): listed, deterministic, timed phonemes that match its sound."""

from __future__ import annotations

import numpy as np
import pytest

from engine.errors import PhotoplayError
from engine.nodes.speech.align import align, phone_start_errors_s
from engine.nodes.speech.neural import list_neural_voices, synthesise_neural
from engine.nodes.speech.tts import PAUSE

VOICE = "piper:en_US-joe"
LINE = "The birch canoe slid on the smooth planks. Glue the sheet to the dark blue background."


@pytest.fixture(scope="module")
def speech():
    return synthesise_neural(LINE, VOICE)


def test_the_voice_is_installed_and_listed():
    from engine.api import installed_voices

    assert VOICE in list_neural_voices()
    assert VOICE in installed_voices() and "en-us" in installed_voices()


def test_phonemes_cover_the_audio_and_words_are_the_text(speech):
    assert speech.sr_hz == 22050 and speech.audio.dtype == np.float32
    starts = [s for s, _, _ in speech.phonemes]
    ends = [e for _, e, _ in speech.phonemes]
    assert starts[0] == 0.0 and ends[-1] == pytest.approx(speech.duration_s)
    assert all(a == pytest.approx(b) for a, b in zip(ends[:-1], starts[1:], strict=True))
    assert sum(p != PAUSE for _, _, p in speech.phonemes) > 40
    assert [w for _, _, w in speech.words] == LINE.split()


def test_the_same_line_gives_the_same_samples_whatever_came_before(speech):
    synthesise_neural("Something else first, to move any generator on.", VOICE)
    again = synthesise_neural(LINE, VOICE)
    assert np.array_equal(again.audio, speech.audio)
    assert again.phonemes == speech.phonemes


def test_phoneme_times_match_the_sound(speech):
    """The forced aligner, run on the voice's audio, finds the phones where Piper says."""
    aligned = align(speech.audio, speech.sr_hz, LINE)
    errors_s = phone_start_errors_s(speech.phonemes, aligned.phonemes)
    assert len(errors_s) > 30
    assert np.median(errors_s) < 0.030


def test_a_voice_that_is_not_installed_is_one_clear_error():
    with pytest.raises(PhotoplayError, match="'piper:en_US-nobody' is not installed"):
        synthesise_neural("Hello.", "piper:en_US-nobody")
