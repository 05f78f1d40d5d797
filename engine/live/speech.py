"""Typed lines → sentences → what the show plays: audio at the show's rate and face controls.

A line is cut into sentences so the first can play while the next is spoken by
the synthesiser. Each sentence goes through the same nodes a render uses: TTS
with phoneme timing (``speech.tts``), visemes from those phonemes
(``engine.nodes.speech.visemes``), the mouth controls and the
speech-driven head motion of ``engine.nodes.animate.motion``, and the
resampler of the soundtrack (``engine.nodes.audio.soundtrack.to_output_rate``).
A character whose voice is a neural one (``voice: {tts: piper:en_US-joe}``) is
spoken by the render's ``speech.neural`` function (``synthesise_neural``): the
mouth follows Piper's own phoneme alignments, exactly as in a render.

Loudness: normalising each sentence on its own (``audio.loudness.normalise``,
~50 ms for 2 s, its look-ahead limiter ~20 ms per second of speech) would add to
the latency of every line, and espeak speaks a voice at a steady level; so the
voice's gain to the target loudness is measured once, on a calibration
sentence, and each sentence gets that gain and a soft limiter (``soft_limit``,
~1 ms per second) that rounds the peaks off under the ceiling. espeak's en-us
voice needs +4.3 dB to reach -14 LUFS, which the render's limiter reaches by
turning 78 % of the samples down; the soft limiter gives -13.9 LUFS at -1.6 dBTP.
Piper peak-normalises every sentence it speaks, so its loudness moves with each
sentence's crest factor (-13.9 to -17.7 LUFS over four sentences with the calibrated
gain, espeak -14.2 to -14.9); a neural sentence's gain is therefore corrected by its
own loudness against the calibration sentence's (``sentence_lufs``, BS.1770 on the
voice's mono samples, ~2 ms; at most ``MAX_CORRECTION_DB`` either way), then limited
the same way.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import math
import os
import re
import threading
from dataclasses import dataclass

import numpy as np

from engine.nodes.animate import motion
from engine.nodes.animate.controls import HEAD_SLOTS, SLOT
from engine.nodes.audio.bs1770 import LoudnessMeter
from engine.nodes.audio.loudness import normalise
from engine.nodes.audio.soundtrack import to_output_rate
from engine.nodes.speech.neural import is_neural, synthesise_neural
from engine.nodes.speech.tts import synthesise
from engine.nodes.speech.visemes import viseme_track

CALIBRATION = "People ask me what a nanosecond is. Here is one: a piece of wire about a foot long."
PEAK_MARGIN_DB = 0.5  # sample peak kept this far under the true-peak ceiling
KNEE = 0.5  # the soft limiter leaves samples under this share of the ceiling as they are
HEAD_FADE_S = 0.25  # speech-driven head motion eases in and out over this
TAIL_S = 0.2  # silence after the speech, long enough for the mouth to close (visemes' rest)
MAX_SENTENCE_CHARS = 240  # a longer sentence is cut at its last comma, colon or space
# A neural voice synthesises on two threads at this niceness (Linux: per thread; the
# threads onnxruntime starts inherit it), so that on two cores the frames keep their pace
# while it speaks. Measured at 512x512 under load 9-13 (others' work), one minute of
# lines and idle: at 0, 13 freezes in Chromium (4.6 s in all), 19 frame gaps over 200 ms;
# at 5, 8 (2.3 s), 13 gaps. Against others' work at 0 the voice then speaks slower (first
# sentence ready 521 ms median, was 311; first sound 781 ms, was 640; the mouth 725 ms
# either way; Chromium's jitter buffer 139 ms, was 214); on a machine of its own only the
# frames outrank it.
SYNTH_NICE = 5
MAX_CORRECTION_DB = 6.0  # a neural sentence's loudness correction, either way
CLAUSE_MIN_WORDS = 2  # a neural line's first clause is spoken alone when both sides hold this
_HEAD = [SLOT[name] for name in HEAD_SLOTS]
_CLAUSE_END = re.compile(r"(?<=[,:;—–])\s+")
_SENTENCE_END = re.compile(r"(?:(?<=[.!?…;])|(?<=[.!?…;][\"')\]]))\s+|\n\s*")


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences (at . ! ? … ; and line breaks), each at most
    ``MAX_SENTENCE_CHARS`` long (cut at a comma, a colon or a space). Empty pieces dropped.

    >>> sentences("Hello there. How are you?")
    ['Hello there.', 'How are you?']
    """
    out = []
    for piece in _SENTENCE_END.split(text):
        piece = piece.strip()
        while len(piece) > MAX_SENTENCE_CHARS:
            head = piece[:MAX_SENTENCE_CHARS]
            cut = max(head.rfind(", "), head.rfind(": "))
            cut = cut + 1 if cut > MAX_SENTENCE_CHARS // 3 else head.rfind(" ")
            cut = cut if cut > 0 else MAX_SENTENCE_CHARS
            out.append(piece[:cut].strip())
            piece = piece[cut:].strip()
        if piece:
            out.append(piece)
    return out


def first_clause_alone(parts: list[str], min_words: int = CLAUSE_MIN_WORDS) -> list[str]:
    """``parts`` with the first sentence cut after its first clause (at , : ; or a dash)
    when the clause and the rest both hold ``min_words`` words or more.

    A neural voice speaks a whole sentence before its first sample (~0.07 of its
    length on a quiet machine, 0.3-0.45 on this 2-core one under load), so a short
    first clause starts the line sooner; the sentence's own pause is where it is cut.

    >>> first_clause_alone(["Here is one: a piece of wire.", "Yes."])
    ['Here is one:', 'a piece of wire.', 'Yes.']
    >>> first_clause_alone(["Yes, sir.", "Here is one: a piece of wire."])
    ['Yes, sir.', 'Here is one: a piece of wire.']
    """
    if not parts:
        return parts
    pieces = _CLAUSE_END.split(parts[0], maxsplit=1)
    if len(pieces) == 2 and all(len(x.split()) >= min_words for x in pieces):
        return [pieces[0], pieces[1], *parts[1:]]
    return parts


@dataclass(frozen=True)
class Voice:
    """A voice as the scene gives it (``TtsVoice``): an espeak-ng voice (``en-us``, with
    its variant and pitch), or a neural one (``piper:en_US-joe``: rate only)."""

    tts: str = "en-us"
    variant: str | None = None
    rate: int = 160
    pitch: int = 50


@dataclass
class Sentence:
    """One sentence ready to play from any frame.

    audio: (n_frames * samples per frame, 2) float32 at the show's rate, the voice
        at its loudness gain, silence after the speech to the end of the last frame.
    controls: (n_frames, C) float32: mouth slots from the visemes, head slots from
        the voice's loudness (nods on stressed syllables), eased in and out; added
        to the idle motion by the show.
    """

    text: str
    audio: np.ndarray
    controls: np.ndarray
    speech_s: float

    @property
    def n_frames(self) -> int:
        return len(self.controls)


class Speaker:
    """Speaks sentences with one voice for a show at ``fps`` and ``sr_hz``."""

    def __init__(
        self,
        voice: Voice,
        fps: int,
        sr_hz: int,
        *,
        loudness_lufs: float = -14.0,
        true_peak_dbtp: float = -1.0,
        seed: int = 0,
    ):
        self.voice, self.fps, self.sr_hz, self.seed = voice, fps, sr_hz, seed
        self.ceiling = 10 ** ((true_peak_dbtp - PEAK_MARGIN_DB) / 20)
        if self.neural:  # loads the voice: its thread pool starts at SYNTH_NICE
            with concurrent.futures.ThreadPoolExecutor(1, initializer=self.speaking_thread) as ex:
                calibration = ex.submit(self._speak, CALIBRATION).result()
        else:
            calibration = self._speak(CALIBRATION)
        audio = to_output_rate(calibration.audio, calibration.sr_hz, sr_hz)
        report = normalise(audio, sr_hz, loudness_lufs, true_peak_dbtp)[1]
        self.gain = 10 ** (report["gain_db"] / 20) if not report["skipped"] else 1.0
        self.calibration_lufs = sentence_lufs(calibration.audio, calibration.sr_hz)
        self.sentence("Hello.")  # warm up: the first sentence of a process takes ~0.1 s more

    @property
    def neural(self) -> bool:
        return is_neural(self.voice.tts)

    def speaking_thread(self) -> None:
        """Called first by the thread that will speak: a neural voice's runs at
        ``SYNTH_NICE`` (espeak-ng's short-lived worker process needs no such care)."""
        if self.neural:
            lower_priority(SYNTH_NICE)

    def parts(self, text: str) -> list[str]:
        """``text`` as this voice speaks it live: its sentences, and with a neural voice
        the first clause of the first one alone (``first_clause_alone``)."""
        parts = sentences(text)
        return first_clause_alone(parts) if self.neural else parts

    def _speak(self, text: str):
        v = self.voice
        if self.neural:
            return synthesise_neural(text, v.tts, rate_wpm=v.rate)
        return synthesise(text, voice=v.tts, variant=v.variant, rate_wpm=v.rate, pitch=v.pitch)

    def samples_per_frame(self, n_frames: int) -> int:
        return round(n_frames * self.sr_hz / self.fps)

    def sentence(self, text: str, index: int = 0) -> Sentence:
        """Speak ``text`` and lay it out on the show's frames (~0.1 s for a sentence).

        Raises SpeechError (a PhotoplayError) when the voice cannot speak it.
        """
        speech = self._speak(text)
        fps = self.fps
        # the voice stops on the last phoneme's end: the frames of TAIL_S after it let the
        # mouth come to rest, so whatever follows (idle, the next sentence) joins smoothly
        n = round(speech.duration_s * fps) + math.ceil(TAIL_S * fps)
        track = viseme_track(speech.phonemes, fps, n, audio=speech.audio, sr_hz=speech.sr_hz)
        controls = motion.face_controls(n, fps, visemes=track.controls, viseme_shapes=track.shapes)
        seed = (self.seed * 7919 + index) % 2**31
        energy = motion.speech_energy(speech.audio, speech.sr_hz, fps, n)
        # The head motion speech adds over the same wander (same seed): nods and tilts
        # on stressed syllables, a livelier turn while talking.
        talking = motion.head_track(n, fps, seed, speech_energy=energy)
        still = motion.head_track(n, fps, seed)
        t = np.arange(n) / fps
        ease = np.clip(np.minimum(t, (n - 1) / fps - t) / HEAD_FADE_S, 0, 1)
        controls[:, _HEAD] = (talking - still) * (ease * ease * (3 - 2 * ease))[:, None]
        gain = self.gain
        if self.neural:  # Piper's level moves with the sentence: corrected by its loudness
            lufs = sentence_lufs(speech.audio, speech.sr_hz)
            if math.isfinite(lufs) and math.isfinite(self.calibration_lufs):
                correction = np.clip(self.calibration_lufs - lufs, -MAX_CORRECTION_DB,
                                     MAX_CORRECTION_DB)  # fmt: skip
                gain *= 10 ** (correction / 20)
        audio = soft_limit(to_output_rate(speech.audio, speech.sr_hz, self.sr_hz) * gain,
                           self.ceiling)  # fmt: skip
        out = np.zeros((self.samples_per_frame(n), 2), np.float32)
        m = min(len(out), len(audio))
        out[:m] = audio[:m]
        return Sentence(text, out, controls.astype(np.float32), speech.duration_s)


def lower_priority(nice: int) -> None:
    """The calling thread's niceness raised by ``nice`` (Linux schedules threads on their
    own; threads it starts inherit it). Nothing where the platform cannot."""
    with contextlib.suppress(AttributeError, OSError):
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + nice)


def sentence_lufs(audio: np.ndarray, sr_hz: int) -> float:
    """Integrated loudness (BS.1770) of mono ``audio``, LUFS; -inf when silent or shorter
    than one 400 ms gating block."""
    x = np.asarray(audio, np.float64).reshape(-1, 1)
    meter = LoudnessMeter(sr_hz, len(x), 1)
    if meter.n_blocks < 1:
        return -math.inf
    meter.feed(x)
    return meter.loudness()


def soft_limit(audio: np.ndarray, ceiling: float, knee: float = KNEE) -> np.ndarray:
    """``audio`` with |x| over ``knee * ceiling`` bent smoothly (tanh) toward ``ceiling``,
    which it never reaches; float32, same shape. Samples under the knee are unchanged.

    >>> float(soft_limit(np.array([0.1, 0.9, 1.5]), 0.8)[2]) < 0.8
    True
    """
    x = np.asarray(audio, np.float32)
    lo = knee * ceiling
    size = np.abs(x)
    over = size > lo
    out = x.copy()
    out[over] = np.sign(x[over]) * (
        lo + (ceiling - lo) * np.tanh((size[over] - lo) / (ceiling - lo))
    )
    return out
