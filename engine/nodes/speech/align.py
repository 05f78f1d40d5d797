"""Forced alignment of an English recording to its transcript (pocketsphinx 5).

Two passes, as pocketsphinx wants them: a word-level pass constrained to the
transcript (``set_align_text``), then a phone-level pass over the same audio
(``set_alignment``). Beams are wide (1e-80) so that slow or unusual speech still
finds its path; a transcript that does not fit the audio then shows up as a
failed search or as speech the alignment had to call silence, which we report
as an error rather than return a wrong timing.

Times come in 10 ms frames; phones come back as ARPAbet and are converted to IPA
so that ``visemes.py`` reads TTS and aligned phonemes alike.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass
from functools import cache

import numpy as np

from engine.nodes.speech.errors import SpeechError
from engine.nodes.speech.tts import PAUSE

ALIGN_SR_HZ = 16000  # the sample rate of pocketsphinx's en-us acoustic model
FRAME_S = 0.01  # pocketsphinx's frame step
SILENT_RMS_DBFS = -55.0  # quieter than this overall: no speech to align
CLIPPED_FRACTION = 0.01  # more samples than this at full scale: clipped
UNCOVERED_SPEECH_MAX = 0.115  # share of speech frames the alignment called silence
PAUSE_EDGE_S = 0.06  # a pause's edges are uncertain: only its inside counts
# Mean acoustic log-score per frame below which the fit is too poor to trust:
# matching transcripts of espeak lines scored -15 to -48, wrong ones -49 to -87.
MIN_SCORE_PER_FRAME = -50.0
LONGEST_PHONE_S = 0.6  # a phone held longer than this is absorbing missing words
# pocketsphinx puts a phone's start at the first 10 ms frame whose 25.6 ms
# analysis window it wins, and that window is centred 12.8 ms after the frame's
# time: its phone starts come out early. Against espeak-ng's sample-exact
# phoneme starts (4 lines, 155 phones matched) they were early by 14 ms
# (median; mean 20 ms); every boundary is moved this much later.
ALIGNER_LEAD_S = 0.015

# CMU ARPAbet (as the en-us acoustic model names its phones) → IPA
ARPABET_IPA = {
    "AA": "ɑ", "AE": "æ", "AH": "ʌ", "AO": "ɔ", "AW": "aʊ", "AY": "aɪ", "B": "b",
    "CH": "tʃ", "D": "d", "DH": "ð", "EH": "ɛ", "ER": "ɝ", "EY": "eɪ", "F": "f",
    "G": "ɡ", "HH": "h", "IH": "ɪ", "IY": "i", "JH": "dʒ", "K": "k", "L": "l",
    "M": "m", "N": "n", "NG": "ŋ", "OW": "oʊ", "OY": "ɔɪ", "P": "p", "R": "ɹ",
    "S": "s", "SH": "ʃ", "T": "t", "TH": "θ", "UH": "ʊ", "UW": "u", "V": "v",
    "W": "w", "Y": "j", "Z": "z", "ZH": "ʒ", "SIL": PAUSE,
}  # fmt: skip


@dataclass(frozen=True)
class Alignment:
    """Where each phoneme and word of a transcript falls in a recording.

    phonemes: [(start_s, end_s, ipa)] in time order, pauses as ``"_"``
    words: [(start_s, end_s, word)] for the transcript's words, in order
    score_per_frame: pocketsphinx's mean acoustic log-score per 10 ms frame
    """

    phonemes: list[tuple[float, float, str]]
    words: list[tuple[float, float, str]]
    score_per_frame: float


def check_audio(audio: np.ndarray, sr_hz: int) -> np.ndarray:
    """Validate a recording; returns it as (N,) float32 mono.

    Raises SpeechError when it is empty, not finite, silent
    (RMS < ``SILENT_RMS_DBFS``) or clipped (> ``CLIPPED_FRACTION`` of samples at
    full scale, |x| >= 0.999).
    """
    x = np.asarray(audio, dtype=np.float32)
    if x.ndim == 2:  # (N, C) → mono
        x = x.mean(axis=1, dtype=np.float32)
    if x.ndim != 1 or x.size == 0:
        raise SpeechError(
            f"expected mono audio of shape (N,), got shape {np.shape(audio)}",
            hint="decode the recording to float32 samples first",
        )
    if not sr_hz or sr_hz < 8000:
        raise SpeechError(f"sample rate {sr_hz} Hz is too low for speech", hint="use >= 8000 Hz")
    if not np.all(np.isfinite(x)):
        raise SpeechError("the audio holds NaN or infinite samples", hint="re-decode the file")
    rms_dbfs = 20 * math.log10(float(np.sqrt(np.mean(x.astype(np.float64) ** 2))) + 1e-12)
    if rms_dbfs < SILENT_RMS_DBFS:
        raise SpeechError(
            f"the recording is silent (RMS {rms_dbfs:.0f} dBFS)",
            hint="check the file and its gain: speech is usually -30 to -15 dBFS",
        )
    clipped = float(np.mean(np.abs(x) >= 0.999))
    if clipped > CLIPPED_FRACTION:
        raise SpeechError(
            f"the recording is clipped ({100 * clipped:.1f}% of samples at full scale)",
            hint="record again at a lower gain; clipping distorts the phones",
        )
    return x


def transcript_words(transcript: str) -> list[str]:
    """A transcript as the lower-case words the pronouncing dictionary spells."""
    text = transcript.lower().replace("’", "'").replace("‘", "'")
    return [w.strip("'") for w in re.findall(r"[a-z0-9']+", text) if w.strip("'")]


# Gaussians scored per frame, tried in turn: 4 (pocketsphinx's default) is fast
# and enough for most speech; 16 rescues fast speech whose short consonants the
# coarser scores let the search prune. Wider beams rescue it too, but also let a
# wrong transcript through.
TOPNS = (4, 16)


@cache
def _decoder(topn: int):
    import pocketsphinx

    model = pocketsphinx.get_model_path()
    return pocketsphinx.Decoder(
        hmm=f"{model}/en-us/en-us",
        dict=f"{model}/en-us/cmudict-en-us.dict",
        lm=None,
        samprate=ALIGN_SR_HZ,
        beam=1e-80,
        wbeam=1e-60,
        pbeam=1e-80,
        topn=topn,
        bestpath=False,  # pocketsphinx 5 loses the alignment with bestpath on
        loglevel="FATAL",
    )


_decoder_lock = threading.Lock()  # one decoder per process; it is not re-entrant


def _to_pcm16k(x: np.ndarray, sr_hz: int) -> bytes:
    """(N,) float32 at sr_hz → 16 kHz int16 little-endian bytes."""
    from scipy.signal import resample_poly

    g = math.gcd(int(sr_hz), ALIGN_SR_HZ)
    y = resample_poly(x, ALIGN_SR_HZ // g, int(sr_hz) // g) if sr_hz != ALIGN_SR_HZ else x
    return (np.clip(y, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()


def align(audio: np.ndarray, sr_hz: int, transcript: str) -> Alignment:
    """Find when each phoneme and word of ``transcript`` is spoken in ``audio``.

    audio: (N,) float32 mono in [-1, 1] (or (N, C), averaged to mono)
    sr_hz: its sample rate, >= 8000; resampled to 16 kHz for the model
    transcript: what is said, in English; punctuation is ignored, every word
        must be in the CMU pronouncing dictionary (spell numbers out)

    Returns an ``Alignment``. Raises SpeechError for silent or clipped audio,
    words the dictionary lacks, or a transcript that does not fit the audio.
    """
    x = check_audio(audio, sr_hz)
    words = transcript_words(transcript)
    if not words:
        raise SpeechError("the transcript is empty", hint="give the words the recording says")
    pcm = _to_pcm16k(x, sr_hz)
    with _decoder_lock:
        unknown = [w for w in dict.fromkeys(words) if _decoder(TOPNS[0]).lookup_word(w) is None]
        if unknown:
            raise SpeechError(
                f"words not in the pronouncing dictionary: {', '.join(unknown[:8])}",
                hint="spell numbers, symbols and unusual names out as ordinary words",
            )
        for topn in TOPNS:
            try:
                segments = _run(_decoder(topn), pcm, words)
                break
            except SpeechError:
                if topn == TOPNS[-1]:
                    raise
    phonemes, aligned_words, score = segments
    if score < MIN_SCORE_PER_FRAME:
        raise SpeechError(
            f"the transcript does not match the audio (alignment score {score:.0f} per frame, "
            f"below {MIN_SCORE_PER_FRAME:.0f})",
            hint="check that the transcript says exactly what the recording says",
        )
    _check_fit(phonemes, x, sr_hz)
    return Alignment(phonemes, aligned_words, score)


def _run(decoder, pcm: bytes, words: list[str]):
    """Both alignment passes; returns (phonemes, words, score per frame)."""
    mismatch = SpeechError(
        "the transcript does not match the audio (forced alignment found no path)",
        hint="check that the transcript says exactly what the recording says",
    )
    try:
        decoder.set_align_text(" ".join(words))
        for pass_ in ("words", "phones"):
            if pass_ == "phones":
                decoder.set_alignment()
            decoder.start_utt()
            decoder.process_raw(pcm, no_search=False, full_utt=True)
            decoder.end_utt()
            if pass_ == "words" and decoder.hyp() is None:
                raise mismatch
        alignment = decoder.get_alignment()
    except RuntimeError as exc:
        raise mismatch from exc
    n_frames = max(decoder.n_frames(), 1)
    phonemes: list[tuple[float, float, str]] = []
    aligned_words: list[tuple[float, float, str]] = []
    total_score = 0
    end_of_audio_s = decoder.n_frames() * FRAME_S

    def at(frame: int) -> float:  # a frame boundary in seconds, the aligner's lead removed
        return min(frame * FRAME_S + ALIGNER_LEAD_S, end_of_audio_s) if frame > 0 else 0.0

    for word in alignment:
        start_s = at(word.start)
        end_s = at(word.start + word.duration)
        name = re.sub(r"\(\d+\)$", "", word.name)  # "read(2)" → "read"
        if name not in ("<s>", "</s>", "<sil>") and not name.startswith("["):
            aligned_words.append((start_s, end_s, name))
        for phone in word:
            total_score += phone.score
            ipa = ARPABET_IPA.get(phone.name, PAUSE)  # fillers (+NOISE+...) → pause
            p_start = at(phone.start)
            p_end = at(phone.start + phone.duration)
            if p_end <= p_start:
                continue
            if phonemes and ipa == PAUSE and phonemes[-1][2] == PAUSE:
                phonemes[-1] = (phonemes[-1][0], p_end, PAUSE)
            else:
                phonemes.append((p_start, p_end, ipa))
    return phonemes, aligned_words, total_score / n_frames


def _check_fit(phonemes: list, x: np.ndarray, sr_hz: int) -> None:
    """Raise when the alignment had to call much of the speech silence.

    A transcript missing words still aligns: the model parks the extra speech in
    pauses or stretches a phone over it. Count loud 10 ms frames (within 25 dB
    of the loudest) inside pauses longer than 150 ms (less 60 ms at each edge),
    as a share of all loud frames, and look for phones held far longer than
    speech holds them. Measured on espeak lines: a matching transcript leaves
    0-10% of speech in pauses, one missing 3-4 words 7-39%; a missing word or
    two may pass unnoticed.
    """
    longest = max(((e - s, p) for s, e, p in phonemes if p != PAUSE), default=(0.0, PAUSE))
    if longest[0] > LONGEST_PHONE_S:
        raise SpeechError(
            f"the transcript does not match the audio: its /{longest[1]}/ would last "
            f"{longest[0]:.1f} s",
            hint="check that the transcript says everything the recording says",
        )
    hop = int(round(sr_hz * FRAME_S))
    n = len(x) // hop
    if n == 0:
        return
    frames = x[: n * hop].reshape(n, hop).astype(np.float64)
    db = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    loud = db > db.max() - 25.0
    in_pause = np.zeros(n, dtype=bool)
    for start_s, end_s, ipa in phonemes:
        if ipa == PAUSE and end_s - start_s > 0.15:
            edge = int(PAUSE_EDGE_S / FRAME_S)
            in_pause[int(start_s / FRAME_S) + edge : max(int(end_s / FRAME_S) - edge, 0)] = True
    uncovered = float(np.sum(loud & in_pause)) / max(int(np.sum(loud)), 1)
    if uncovered > UNCOVERED_SPEECH_MAX:
        raise SpeechError(
            f"the transcript does not match the audio: {100 * uncovered:.0f}% of the "
            "speech falls outside the transcript's words",
            hint="check that the transcript says everything the recording says",
        )


def phone_start_errors_s(
    reference: list[tuple[float, float, str]], estimate: list[tuple[float, float, str]]
) -> np.ndarray:
    """|start error| in seconds of the phonemes two transcriptions share.

    The two sequences are matched on broad phone classes (so espeak's ``ɐ`` meets
    pocketsphinx's ``ʌ``) with a longest-common-subsequence alignment; pauses are
    ignored. Returns (M,) float64 seconds for the M matched phonemes.
    """
    ref = [(s, _broad(p)) for s, _, p in reference if p != PAUSE]
    est = [(s, _broad(p)) for s, _, p in estimate if p != PAUSE]
    import difflib

    matcher = difflib.SequenceMatcher(a=[c for _, c in ref], b=[c for _, c in est], autojunk=False)
    errors = [
        abs(ref[block.a + k][0] - est[block.b + k][0])
        for block in matcher.get_matching_blocks()
        for k in range(block.size)
    ]
    return np.asarray(errors, dtype=np.float64)


_BROAD = [  # one letter per class of phones that sound (and look) alike
    ("V", "aɑɐæʌəɛeɜɝɚɪiɔoʊuɒyøœɯɤɵʉɨ"),
    ("P", "pbm"),
    ("F", "fv"),
    ("T", "tdnɾlɫ"),
    ("S", "szʃʒθð"),
    ("K", "kɡgŋxh"),
    ("R", "ɹrɾʁ"),
    ("W", "wj"),
]


def _broad(ipa: str) -> str:
    for ch in ipa:
        for cls, members in _BROAD:
            if ch in members:
                return cls
    return "?"
