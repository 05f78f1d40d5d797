"""A supplied recording as a spoken line: its audio and, when possible, its timings.

With an English transcript, pocketsphinx forced alignment gives phoneme and word
times (and refuses a transcript that does not fit the audio). Without one, or
in another language, the line has no phonemes: the mouth then follows the
learned audio → viseme model (``engine.nodes.speech.learned``).
"""

from __future__ import annotations

import re

from engine.nodes.audio.decode import decode_audio
from engine.nodes.speech.align import align, check_audio
from engine.nodes.speech.errors import SpeechError
from engine.nodes.speech.tts import Speech

RECORDING_SR_HZ = 16000  # what the aligner and the learned model read


def recorded_speech(
    path: str, transcript: str | None, language: str | None, singing: bool = False
) -> Speech:
    """Decode ``path`` to mono 16 kHz and time its words when the transcript allows.

    Raises (one line, with a hint): an undecodable file (AssetError), silent or
    clipped audio, an empty transcript, a transcript that does not match the
    audio, saying where, or (unless ``singing``) a recording without a transcript
    that does not sound like speech (SpeechError).
    """
    audio = decode_audio(path, RECORDING_SR_HZ).mean(axis=1)
    check_audio(audio, RECORDING_SR_HZ)
    english = (language or "en-us").lower().startswith("en")
    if transcript is not None and not re.search(r"\w", transcript):
        raise SpeechError(
            "the transcript is empty",
            hint="give the words the recording says, or leave transcript out",
        )
    if transcript and english:
        timed = align(audio, RECORDING_SR_HZ, transcript)
        return Speech(audio, RECORDING_SR_HZ, timed.phonemes, timed.words, "recording")
    if not singing:
        from engine.nodes.speech.learned import check_speech

        check_speech(audio, RECORDING_SR_HZ)
    return Speech(audio, RECORDING_SR_HZ, [], [], "recording")
