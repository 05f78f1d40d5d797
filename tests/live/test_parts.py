"""The pieces of a live show on their own: sentences, a spoken sentence, the idle loop."""

from __future__ import annotations

import numpy as np
import pytest

from engine.live.idle import JOIN_S, WINDOW_S, IdleMotion
from engine.live.speech import (
    MAX_SENTENCE_CHARS,
    TAIL_S,
    Speaker,
    Voice,
    first_clause_alone,
    sentences,
    soft_limit,
)
from engine.nodes.animate.controls import SLOT
from engine.nodes.audio.loudness import normalise

FPS, SR = 25, 48000


def test_sentences_cut_at_ends_and_breaks():
    assert sentences("Hello there. How are you? Fine!\nGood…  bye") == [
        "Hello there.",
        "How are you?",
        "Fine!",
        "Good…",
        "bye",
    ]
    assert sentences("  ") == []
    assert sentences('He said "stop." Then left.') == ['He said "stop."', "Then left."]


def test_a_long_sentence_is_cut_at_a_comma():
    text = ", ".join(["word " * 10] * 10).strip() + "."
    parts = sentences(text)
    assert len(parts) > 1
    assert all(len(p) <= MAX_SENTENCE_CHARS for p in parts)
    assert " ".join(parts).split() == text.split()


@pytest.fixture(scope="module")
def speaker():
    return Speaker(Voice("en-us"), FPS, SR, seed=3)


def test_a_sentence_fills_whole_frames_and_starts_and_ends_at_rest(speaker):
    s = speaker.sentence("People ask me what a nanosecond is.")
    assert s.controls.shape == (s.n_frames, len(SLOT))
    assert len(s.audio) == s.n_frames * SR // FPS
    assert abs(s.n_frames / FPS - s.speech_s - TAIL_S) <= 1 / FPS
    jaw = s.controls[:, SLOT["jaw_open"]]
    assert jaw.max() > 0.3  # the mouth opens
    assert jaw[0] < 0.05 and jaw[-1] < 0.05  # from rest, back to rest
    head = s.controls[:, [SLOT["yaw"], SLOT["pitch"], SLOT["roll"], SLOT["nod"]]]
    assert np.abs(head[[0, -1]]).max() < 1e-6  # speech head motion eases in and out
    assert np.abs(head).max() > 0.1
    assert s.controls[:, SLOT["blink_left"]].max() == 0  # blinks are the idle loop's


def test_sentence_audio_at_the_target_loudness_under_the_ceiling(speaker):
    s = speaker.sentence("People ask me what a nanosecond is. Here is one: a foot of wire.")
    assert s.audio.dtype == np.float32 and s.audio.shape[1] == 2
    assert 0.1 < np.abs(s.audio).max() < speaker.ceiling
    report = normalise(s.audio, SR, -14.0, -1.0)[1]
    assert abs(report["input_lufs"] - -14.0) < 1.0
    assert report["input_peak_dbtp"] < -1.0


def test_a_neural_line_starts_with_its_first_clause():
    assert first_clause_alone(sentences("Here is one: a piece of wire. Yes.")) == [
        "Here is one:",
        "a piece of wire.",
        "Yes.",
    ]
    # a clause of one word, or no clause at all, is not cut
    assert first_clause_alone(["Well, here it is.", "No."]) == ["Well, here it is.", "No."]
    assert first_clause_alone(["People ask me what it is."]) == ["People ask me what it is."]
    assert first_clause_alone([]) == []


@pytest.fixture(scope="module")
def neural():
    return Speaker(Voice("piper:en_US-joe"), FPS, SR, seed=3)


def test_a_neural_voice_speaks_a_sentence_with_its_mouth_and_loudness(neural, speaker):
    """The Piper voice through the live path: its phoneme alignments move the mouth, the
    calibrated gain and the soft limiter hold it at the show's loudness, as espeak's."""
    assert neural.neural and not speaker.neural
    assert neural.parts("Here is one: a piece of wire.") == ["Here is one:", "a piece of wire."]
    assert speaker.parts("Here is one: a piece of wire.") == ["Here is one: a piece of wire."]
    s = neural.sentence("People ask me what a nanosecond is. Here is one: a foot of wire.")
    assert len(s.audio) == s.n_frames * SR // FPS
    assert abs(s.n_frames / FPS - s.speech_s - TAIL_S) <= 1 / FPS
    jaw = s.controls[:, SLOT["jaw_open"]]
    assert jaw.max() > 0.3 and jaw[0] < 0.05 and jaw[-1] < 0.05
    # the jaw follows the voice: open where it is loud, closed in its silences
    loud = np.abs(s.audio[:, 0]).reshape(s.n_frames, -1).max(axis=1)
    assert np.corrcoef(jaw, loud)[0, 1] > 0.4
    # Piper peak-normalises each sentence; this one came out at -17.7 LUFS with the
    # calibrated gain alone, now within a dB like the others
    for said in (s, neural.sentence("Do you have a question for me?")):
        report = normalise(said.audio, SR, -14.0, -1.0)[1]
        assert abs(report["input_lufs"] - -14.0) < 1.2, report
        assert report["input_peak_dbtp"] < -1.0


def test_soft_limit_bends_only_the_peaks():
    x = np.linspace(-3, 3, 601, dtype=np.float32)
    y = soft_limit(x, 0.8)
    small = np.abs(x) <= 0.4
    assert np.array_equal(y[small], x[small])
    assert np.abs(y).max() < 0.8 and np.all(np.diff(y) >= 0)  # monotonic, under the ceiling


def test_idle_starts_at_rest_and_joins_windows_smoothly():
    idle = IdleMotion(FPS, seed=4)
    n = int((WINDOW_S * 2 + 2) * FPS)
    track = np.stack([idle.at(i) for i in range(n)])
    head = track[:, [SLOT["yaw"], SLOT["pitch"], SLOT["roll"], SLOT["nod"]]]
    assert np.abs(head[0]).max() == 0.0  # the show opens on the photo
    step = np.abs(np.diff(head, axis=0)).max(axis=1)
    join = int(WINDOW_S * FPS)
    around = step[join - 2 : join + int(JOIN_S * FPS) + 2]
    # joining two windows moves the head no faster than the idle motion itself does
    assert around.max() <= np.percentile(step[int(FPS) :], 99.5) * 1.5
    blinks = track[:, SLOT["blink_left"]]
    starts = np.flatnonzero((blinks[1:] > 0.5) & (blinks[:-1] <= 0.5))
    per_min = len(starts) / (n / FPS) * 60
    assert 8 <= per_min <= 40
    assert np.abs(track[:, SLOT["jaw_open"]]).max() == 0  # idle keeps the mouth at rest


def test_idle_holds_two_windows_at_most():
    idle = IdleMotion(FPS, seed=1)
    for i in range(0, int(WINDOW_S * FPS * 4), 50):
        idle.at(i)
    assert len(idle._windows) <= 2
