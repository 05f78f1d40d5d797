"""Forced alignment, checked against espeak's own phoneme times."""

from __future__ import annotations

import re

import numpy as np
import pytest

from engine.errors import PhotoplayError
from engine.nodes.audio.decode import decode_audio
from engine.nodes.speech.align import align, check_audio, phone_start_errors_s
from engine.nodes.speech.normalise import spoken_words
from engine.nodes.speech.tts import synthesise
from tests.media import items, media_path

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
    assert words == LINE.replace(".", "").split()  # the transcript's words as written
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


def test_a_word_the_recording_lacks_and_an_empty_transcript_are_errors(speech):
    with pytest.raises(PhotoplayError, match="does not match the audio"):
        align(speech.audio, speech.sr_hz, "xqzzy " + LINE)
    with pytest.raises(PhotoplayError, match="empty"):
        align(speech.audio, speech.sr_hz, " ... ")


def test_words_outside_the_dictionary_numbers_and_symbols_align():
    """Names and archaic forms (espeak-ng's reading) and numbers as a reader says them.

    espeak itself reads "$4.50" as "dollar four point five zero": the line is
    spoken as a person reads it, and aligned to the text as written.
    """
    written_line = "Siobhan Nguyen feed'st the churl 21 figs at 10:30 for $4.50, 3rd in 1990."
    written = ["Siobhan", "Nguyen", "feed'st", "the", "churl", "21", "figs", "at", "10:30"]
    written += ["for", "$4.50", "3rd", "in", "1990"]
    said = " ".join(spoken_words(written_line))  # "... twenty-one figs at ten thirty ..."
    assert "four dollars fifty cents third in nineteen ninety" in said
    speech = synthesise(said)
    aligned = align(speech.audio, speech.sr_hz, written_line)
    assert [w for _, _, w in aligned.words] == written
    errors_s = phone_start_errors_s(speech.phonemes, aligned.phonemes)
    assert errors_s.mean() < 0.040


REAL = [r["id"] for r in items(kind="speech") if r["language"].startswith("en")]


@pytest.mark.parametrize("media_id", REAL)
def test_every_english_recording_aligns_with_its_published_transcript(media_id):
    record = next(r for r in items(kind="speech") if r["id"] == media_id)
    audio = decode_audio(str(media_path(media_id)), 16000).mean(axis=1)
    aligned = align(audio, 16000, record["transcript"])
    assert len(aligned.words) == len(record["transcript"].split())


@pytest.mark.parametrize(
    ("media_id", "transcript", "near_s"),
    [
        ("jfk-ask-not", "librivox-sense-0870", 0.3),  # another recording's transcript
        ("librivox-sense-0870", "librivox-sense-0890", 0.2),
        ("librivox-sense-0870", ("how much", "how very much"), 4.4),  # a word too many
    ],
)
def test_a_transcript_that_parts_from_the_recording_says_where(media_id, transcript, near_s):
    """The refusal names the time in the recording where the words stop fitting."""
    records = {r["id"]: r for r in items(kind="speech")}
    if isinstance(transcript, tuple):
        wrong = records[media_id]["transcript"].replace(*transcript)
    else:
        wrong = records[transcript]["transcript"]
    audio = decode_audio(str(media_path(media_id)), 16000).mean(axis=1)
    with pytest.raises(PhotoplayError, match="does not match the audio at") as caught:
        align(audio, 16000, wrong)
    start_s = float(re.search(r"at (\d+\.\d)-", str(caught.value)).group(1))
    assert near_s - 0.3 <= start_s <= near_s + 1.2, str(caught.value)


def test_an_empty_transcript_of_a_recording_is_an_error_and_none_is_not():
    from engine.nodes.speech.recording import recorded_speech

    path = str(media_path("librivox-sense-0890"))
    with pytest.raises(PhotoplayError, match="the transcript is empty"):
        recorded_speech(path, " ... ", "en-us")
    assert recorded_speech(path, None, "en-us").phonemes == []  # the learned model's case
    assert recorded_speech(path, "hola", "es").phonemes == []  # no aligner: the same
