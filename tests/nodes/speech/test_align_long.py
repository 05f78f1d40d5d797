"""Long recordings are aligned in chunks (issue 13): the same words at the same
times as each take alone, and a transcript that parts from the recording is
still refused where it parts, in the whole recording's time."""

from __future__ import annotations

import re

import numpy as np
import pytest

from engine.errors import PhotoplayError
from engine.nodes.audio.decode import decode_audio
from engine.nodes.speech import align as aligner
from engine.nodes.speech.align import align
from tests.media import items, media_path

SR_HZ = 16000
GAP_S = 0.7  # silence between takes
# About two minutes of real speech: five recordings, some of them twice.
TAKES = [
    "mfa-acoustic-corpus",
    "jfk-ask-not",
    "librivox-sense-0870",
    "librivox-sense-0890",
    "librispeech-61-70968-0000",
    "mfa-acoustic-corpus",
    "jfk-ask-not",
    "librivox-sense-0870",
    "librivox-sense-0890",
]
CHANGED_TAKE = 1  # the first JFK take, 27 s in: "ask not what your country can do"
CHANGED = ("not what your country can do", "that his army will go")


@pytest.fixture(scope="module")
def takes():
    """Each recording once: (audio, transcript, its own alignment)."""
    records = {r["id"]: r for r in items(kind="speech")}
    out = {}
    for media_id in dict.fromkeys(TAKES):
        audio = decode_audio(str(media_path(media_id)), SR_HZ).mean(axis=1)
        text = records[media_id]["transcript"]
        out[media_id] = (audio, text, align(audio, SR_HZ, text))
    return out


@pytest.fixture(scope="module")
def recording(takes):
    """The takes in a row with GAP_S between them: (audio, transcripts, take starts)."""
    gap = np.zeros(int(GAP_S * SR_HZ), np.float32)
    pieces, texts, starts, at = [], [], [], 0
    for media_id in TAKES:
        audio = takes[media_id][0]
        starts.append(at / SR_HZ)
        pieces += [audio, gap]
        texts.append(takes[media_id][1])
        at += len(audio) + len(gap)
    audio = np.concatenate(pieces).astype(np.float32)
    assert 100 < len(audio) / SR_HZ < 180
    return audio, texts, starts


def test_a_long_recording_aligns_as_its_takes_do(takes, recording):
    audio, texts, starts = recording
    whole = align(audio, SR_HZ, " ".join(texts))
    expected = [
        (s + t0, e + t0, w)
        for media_id, t0 in zip(TAKES, starts, strict=True)
        for s, e, w in takes[media_id][2].words
    ]
    assert [w for _, _, w in whole.words] == [w for _, _, w in expected]
    start_err = np.array([abs(a[0] - b[0]) for a, b in zip(whole.words, expected, strict=True)])
    end_err = np.array([abs(a[1] - b[1]) for a, b in zip(whole.words, expected, strict=True)])
    print(
        f"{len(start_err)} words: start error median {1e3 * np.median(start_err):.0f} ms, "
        f"max {1e3 * start_err.max():.0f} ms; end error max {1e3 * end_err.max():.0f} ms"
    )
    # A chunk's cepstral mean is not its take's: a few words move, by 30-60 ms
    # mostly (the end of a word before a pause by up to 0.16 s).
    assert np.median(start_err) < 0.010
    assert np.mean(start_err < 0.050) > 0.97 and np.mean(end_err < 0.050) > 0.97
    assert start_err.max() < 0.1 and end_err.max() < 0.25
    # phonemes tile the recording: in order, no gaps or overlaps, pauses merged
    ph = whole.phonemes
    assert ph[0][0] == 0.0 and abs(ph[-1][1] - len(audio) / SR_HZ) < 0.05
    assert all(a[1] == b[0] and a[0] < a[1] for a, b in zip(ph, ph[1:], strict=False))
    assert not any(a[2] == b[2] == "_" for a, b in zip(ph, ph[1:], strict=False))


def test_a_long_recording_with_one_take_misread_is_refused_there(takes, recording):
    audio, texts, starts = recording
    wrong = list(texts)
    assert CHANGED[0] in wrong[CHANGED_TAKE]
    wrong[CHANGED_TAKE] = wrong[CHANGED_TAKE].replace(*CHANGED)
    with pytest.raises(PhotoplayError, match="does not match the audio at") as caught:
        align(audio, SR_HZ, " ".join(wrong))
    # where the words changed are said: in that take alone, plus the take's start
    own = [(s, e) for s, e, w in takes[TAKES[CHANGED_TAKE]][2].words]
    first = [w for _, _, w in takes[TAKES[CHANGED_TAKE]][2].words].index("not")
    said_s = starts[CHANGED_TAKE] + own[first][0]
    said_end_s = starts[CHANGED_TAKE] + own[first + len(CHANGED[0].split()) - 1][1]
    start_s = float(re.search(r"at (\d+\.\d)-", str(caught.value)).group(1))
    assert said_s - 1.0 <= start_s <= said_end_s, (said_s, said_end_s, str(caught.value))


def test_a_long_recording_with_a_take_missing_from_its_transcript_is_refused(recording):
    """The transcript lacks the third take's words: the refusal is at that take."""
    audio, texts, starts = recording
    with pytest.raises(PhotoplayError, match="does not match the audio at") as caught:
        align(audio, SR_HZ, " ".join(texts[:2] + texts[3:]))
    start_s = float(re.search(r"at (\d+\.\d)-", str(caught.value)).group(1))
    assert starts[2] - 2.0 <= start_s <= starts[3] + 2.0, (starts[2], str(caught.value))


def test_a_long_vowel_said_well_is_not_missing_words(takes):
    """The MFA speaker's hesitant "and" lasts 0.56-0.66 s with the silence around the
    take; it scores as well as the rest of the take, so it is not refused."""
    audio, text, own = takes["mfa-acoustic-corpus"]
    later = np.concatenate([np.zeros(SR_HZ, np.float32), audio])
    shifted = align(later, SR_HZ, text)
    held = max(e - s for s, e, p in shifted.phonemes if p != "_")
    assert held > aligner.LONGEST_PHONE_S
    assert [w for _, _, w in shifted.words] == [w for _, _, w in own.words]


def test_short_recordings_are_one_utterance(takes, monkeypatch):
    """Up to LONG_RECORDING_S nothing is cut: the chunked path is never entered."""

    def no(*args):
        raise AssertionError("chunked")

    monkeypatch.setattr(aligner, "_fit_long", no)
    audio, text, own = takes["mfa-acoustic-corpus"]
    assert len(audio) / SR_HZ <= aligner.LONG_RECORDING_S
    assert align(audio, SR_HZ, text) == own
