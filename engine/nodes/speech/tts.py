"""Text-to-speech with sample-accurate phoneme and word timings (libespeak-ng).

Each line is spoken by ``_espeak_worker.py`` in a fresh Python process: espeak
keeps state between utterances, and only the first utterance of a process is
byte-identical run to run. The worker drives libespeak-ng through ctypes with
phoneme events in IPA and synchronous output, so every phoneme's start is the
exact sample at which espeak began to render it.

Example
-------
>>> s = synthesise("Hello there.", voice="en-us")
>>> s.sr_hz, s.phonemes[1]
(22050, (0.0119..., 0.0773..., 'h'))
"""

from __future__ import annotations

import difflib
import functools
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.nodes.speech.errors import SpeechError, SpeechTooLong
from engine.speech_time import speech_bound_s

PAUSE = "_"  # the phoneme symbol for a pause or silence, as espeak names it
ESPEAK_SR_HZ = 22050  # espeak-ng's output rate
_WORKER = Path(__file__).with_name("_espeak_worker.py")


@dataclass(frozen=True)
class Speech:
    """One spoken line.

    audio: (N,) float32 mono in [-1, 1]
    sr_hz: sample rate of ``audio`` (espeak's 22050)
    phonemes: [(start_s, end_s, ipa)] contiguous from 0 to the end of the audio;
        ``ipa`` as espeak spells it (stress and length marks included),
        ``"_"`` for a pause
    words: [(start_s, end_s, word)] in text order, from the first to the last
        phoneme espeak rendered for the word
    voice_id: the espeak voice that spoke, e.g. ``"espeak-ng/gmw/en-US+f3"``
    """

    audio: np.ndarray
    sr_hz: int
    phonemes: list[tuple[float, float, str]]
    words: list[tuple[float, float, str]]
    voice_id: str

    @property
    def duration_s(self) -> float:
        return len(self.audio) / self.sr_hz


def _run_worker(request: dict, timeout_s: float) -> tuple[dict, bytes]:
    """Send one request to a fresh worker process; returns (header, payload)."""
    env = {"PATH": os.environ.get("PATH", ""), "LC_ALL": "C.UTF-8"}
    try:
        done = subprocess.run(
            [sys.executable, "-I", str(_WORKER)],
            input=json.dumps(request).encode("utf-8"),
            capture_output=True,
            timeout=timeout_s,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise SpeechError(
            f"espeak-ng took longer than {timeout_s:.0f} s", hint="split the text into lines"
        ) from exc
    head, _, payload = done.stdout.partition(b"\n")
    try:
        header = json.loads(head.decode("utf-8"))
    except ValueError:
        stderr = done.stderr.decode("utf-8", "replace").strip().splitlines()
        last = stderr[-1] if stderr else f"exit code {done.returncode}"
        raise SpeechError(
            f"the espeak-ng worker failed: {last}", hint="is espeakng-loader installed?"
        ) from None
    if "error" in header:
        raise SpeechError(
            f"espeak-ng failed: {header['error']}", hint="check the voice and the text"
        )
    return header, payload


@functools.cache
def _voice_table() -> tuple[dict, ...]:
    header, _ = _run_worker({"op": "voices"}, timeout_s=60)
    return tuple(header["voices"])


def list_voices() -> list[str]:
    """Every installed espeak-ng voice by the name ``synthesise`` takes, sorted.

    The names are espeak's voice file names, lower case (``"en-us"``, ``"fr"``,
    ``"cmn"``, ``"en-gb-x-rp"``...); voices whose dictionary is not installed
    are left out.
    """
    return sorted(
        v["identifier"].split("/")[-1].lower() for v in _voice_table() if v["has_dictionary"]
    )


def list_variants() -> list[str]:
    """Installed voice variants (``"f3"``, ``"m1"``, ``"klatt"``...), for ``synthesise(variant=)``."""
    import espeakng_loader

    folder = Path(espeakng_loader.get_data_path()) / "voices" / "!v"
    return sorted(p.name for p in folder.iterdir() if p.is_file())


def _close_voices(key: str, voices: list[str]) -> list[str]:
    """Installed voices a mistyped name probably meant: by language code, name, spelling."""
    by_meaning = [
        v["identifier"].split("/")[-1].lower()
        for v in _voice_table()
        if v["has_dictionary"]
        and (key in [lang.lower() for lang in v["languages"]] or key in v["name"].lower())
    ]
    by_spelling = difflib.get_close_matches(key.replace("_", "-"), voices, n=6, cutoff=0.4)
    close = list(dict.fromkeys(by_meaning + by_spelling))
    return close[:8] or voices[:12]


def _check_voice(voice: str, variant: str | None) -> str:
    voices = list_voices()
    key = voice.strip().lower()
    if key not in voices:
        shown = _close_voices(key, voices)
        raise SpeechError(
            f"unknown voice {voice!r}; installed voices include: {', '.join(shown)}",
            hint=f"use one of the {len(voices)} installed voices (photoplay voices lists them)",
        )
    if variant is None:
        return key
    variants = list_variants()
    if variant not in variants:
        close = difflib.get_close_matches(variant, variants, n=5, cutoff=0.5)
        raise SpeechError(
            f"unknown voice variant {variant!r}; close matches: {', '.join(close) or 'none'}",
            hint=f"installed variants: {', '.join(variants[:20])}...",
        )
    return f"{key}+{variant}"


def synthesise(
    text: str,
    voice: str = "en-us",
    variant: str | None = None,
    rate_wpm: int = 160,
    pitch: int = 50,
) -> Speech:
    """Speak ``text`` with espeak-ng; audio plus sample-accurate phoneme and word times.

    text: the line to speak (UTF-8, any language the voice reads)
    voice: an installed language code, see ``list_voices()``
    variant: an optional voice variant (``"f3"``, ``"m2"``...), see ``list_variants()``
    rate_wpm: speaking rate in words per minute, int in [80, 450]
    pitch: base pitch, int in [0, 100] (espeak's scale; 50 is the voice's own)

    Raises SpeechError for empty text, an unknown voice or variant, or a rate or
    pitch out of range; SpeechTooLong when espeak speaks far longer than the text's
    estimate (``engine.speech_time``): synthesis is stopped there, not run for
    hours. The same arguments give byte-identical audio every run.
    """
    if not isinstance(text, str) or not text.strip():
        raise SpeechError("the text to speak is empty", hint="give `say` some words")
    if not 80 <= int(rate_wpm) <= 450:
        raise SpeechError(
            f"rate_wpm must be between 80 and 450, got {rate_wpm}", hint="160 is ordinary speech"
        )
    if not 0 <= int(pitch) <= 100:
        raise SpeechError(
            f"pitch must be between 0 and 100, got {pitch}", hint="50 is the voice's own pitch"
        )
    name = _check_voice(voice, variant)
    bound_s = speech_bound_s(text, rate_wpm)
    request = {"op": "speak", "text": text, "voice": name, "rate_wpm": rate_wpm, "pitch": pitch}
    request["max_samples"] = int(bound_s * ESPEAK_SR_HZ)
    header, payload = _run_worker(request, timeout_s=60 + len(text) / 20)
    if header.get("stopped"):
        raise SpeechTooLong(text, bound_s)
    sr_hz = int(header["sr_hz"])
    pcm = np.frombuffer(payload, dtype="<i2", count=header["n_samples"])
    if pcm.size == 0 or not np.any(pcm):
        raise SpeechError(
            f"espeak-ng produced no sound for {text[:40]!r}",
            hint="does the text contain words the voice can read?",
        )
    audio = (pcm.astype(np.float32) / 32768.0).astype(np.float32)
    phonemes = phoneme_segments(header["events"], len(pcm), sr_hz)
    words = word_segments(header["events"], text, len(pcm), sr_hz)
    voice_id = f"espeak-ng/{header['voice_identifier']}"
    return Speech(audio, sr_hz, phonemes, words, voice_id)


def phoneme_segments(events: list, n_samples: int, sr_hz: int) -> list[tuple[float, float, str]]:
    """Worker events → contiguous [(start_s, end_s, ipa)] covering [0, n_samples / sr_hz].

    Each phoneme ends where the next one starts; pauses (espeak's empty names)
    become ``"_"`` and runs of pauses merge into one.
    """
    marks = [(int(e[1]), e[4] or PAUSE) for e in events if e[0] == "phoneme"]
    if not marks or marks[0][0] > 0:
        marks.insert(0, (0, PAUSE))
    segments: list[list] = []
    for i, (start, ipa) in enumerate(marks):
        end = marks[i + 1][0] if i + 1 < len(marks) else n_samples
        end = min(max(end, start), n_samples)
        if end <= start:
            continue
        if segments and ipa == PAUSE and segments[-1][2] == PAUSE:
            segments[-1][1] = end
        else:
            segments.append([start, end, ipa])
    if segments and segments[-1][1] < n_samples:
        segments.append([segments[-1][1], n_samples, PAUSE])
    return [(s / sr_hz, e / sr_hz, ipa) for s, e, ipa in segments]


def word_segments(
    events: list, text: str, n_samples: int, sr_hz: int
) -> list[tuple[float, float, str]]:
    """Worker events → [(start_s, end_s, word)] from each word's phonemes.

    espeak tags every event with the 1-based character position it came from;
    a phoneme belongs to the word whose character span holds its position.
    """
    bounds = sorted({int(e[1]) for e in events if e[0] == "phoneme"} | {n_samples})
    next_mark = {b: bounds[i + 1] for i, b in enumerate(bounds[:-1])}
    words: list[list] = []
    covered_to = 0  # espeak re-announces the digits of "42" as a word of its own
    for e in events:
        if e[0] != "word":
            continue
        pos, length = int(e[2]), int(e[3])
        spoken = [
            p
            for p in events
            if p[0] == "phoneme" and p[4] and pos <= int(p[2]) < pos + max(length, 1)
        ]
        if not spoken:
            continue
        start = int(spoken[0][1])
        end = next_mark.get(int(spoken[-1][1]), n_samples)
        if words and pos < covered_to:  # same written word: extend it
            words[-1][1] = max(words[-1][1], end)
            continue
        covered_to = pos + length
        words.append([start, end, text[pos - 1 : pos - 1 + length].strip()])
    return [(s / sr_hz, e / sr_hz, w) for s, e, w in words]
