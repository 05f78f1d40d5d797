"""A supplied recording without a transcript: speech goes to the learned model, music is refused."""

from __future__ import annotations

import pytest

from engine.errors import PhotoplayError
from engine.nodes.speech.recording import recorded_speech
from tests.media import items, media_path

SPEECH = [r["id"] for r in items(kind="speech")]
MUSIC = [r["id"] for r in items(kind="music")]


@pytest.mark.parametrize("media_id", SPEECH)
def test_every_speech_recording_is_taken_without_a_transcript(media_id):
    speech = recorded_speech(str(media_path(media_id)), None, None)
    assert speech.phonemes == [] and speech.duration_s > 3.0


@pytest.mark.parametrize("media_id", MUSIC)
def test_music_is_not_speech_but_may_be_sung(media_id):
    path = str(media_path(media_id))
    with pytest.raises(PhotoplayError, match="does not sound like speech"):
        recorded_speech(path, None, None)
    assert recorded_speech(path, None, None, singing=True).phonemes == []
