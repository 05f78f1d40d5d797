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
from engine.nodes.speech.lexicon import pronunciations
from engine.nodes.speech.normalise import spoken_tokens, spoken_words
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
    """A transcript as the lower-case words a reader says (numbers, symbols spelled out)."""
    return spoken_words(transcript)


# Gaussians scored per frame, tried in turn: 4 (pocketsphinx's default) is fast
# and enough for most speech; 16 rescues fast speech whose short consonants the
# coarser scores let the search prune. Wider beams rescue it too, but also let a
# wrong transcript through.
TOPNS = (4, 16)
# Beams of the search that only looks for where a refused transcript parts from
# the recording: wide enough to find some path through almost anything.
LOCATE_BEAM = 1e-200
# Any 0.5 s of words whose mean acoustic log-score per frame is below this does
# not say what the recording says there. Measured: the correct transcripts of
# the five English test recordings and CMU ARCTIC scored -18 to -44 at their
# worst 0.5 s (-44: fast, spontaneous "and that should be all"); four to six
# words changed in the middle of a correct transcript scored -58 to -76, another
# recording's transcript -73 to -84. One or two changed words (-45, -48) pass.
# Synthetic voices score lower everywhere (espeak lines: -15 to -48 overall), so
# the bar is also relative: a stretch fails only below LOCAL_SCORE_RATIO times
# the recording's own mean as well.
LOCAL_SCORE_MIN = -55.0
LOCAL_SCORE_RATIO = 2.5
LOCAL_WINDOW_S = 0.5


@cache
def _decoder(topn: int, beam: float = 1e-80):
    import pocketsphinx

    model = pocketsphinx.get_model_path()
    return pocketsphinx.Decoder(
        hmm=f"{model}/en-us/en-us",
        dict=f"{model}/en-us/cmudict-en-us.dict",
        lm=None,
        samprate=ALIGN_SR_HZ,
        beam=beam,
        wbeam=min(beam * 1e20, 1e-60),
        pbeam=beam,
        topn=topn,
        bestpath=False,  # pocketsphinx 5 loses the alignment with bestpath on
        loglevel="FATAL",
    )


_decoder_lock = threading.Lock()  # one decoder per process; it is not re-entrant
_learned: dict[str, str] = {}  # word → ARPAbet from espeak-ng, for every decoder


def _learn(decoder, words: list[str]) -> None:
    """Give ``decoder`` a pronunciation for each word its dictionary lacks (from espeak-ng).

    A word's pronunciation is a function of the word alone, so the decoders
    that outlive one call stay deterministic.
    """
    missing = [w for w in dict.fromkeys(words) if decoder.lookup_word(w) is None]
    if not missing:
        return
    _learned.update(pronunciations([w for w in missing if w not in _learned]))
    for word in missing:
        decoder.add_word(word, _learned[word], True)


def _to_pcm16k(x: np.ndarray, sr_hz: int) -> bytes:
    """(N,) float32 at sr_hz → 16 kHz int16 little-endian bytes."""
    from scipy.signal import resample_poly

    g = math.gcd(int(sr_hz), ALIGN_SR_HZ)
    y = resample_poly(x, ALIGN_SR_HZ // g, int(sr_hz) // g) if sr_hz != ALIGN_SR_HZ else x
    return (np.clip(y, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()


@dataclass(frozen=True)
class _Path:
    """One forced alignment as pocketsphinx found it.

    phonemes: [(start_s, end_s, ipa)], pauses merged
    words: [(start_s, end_s, k, score, n_frames)] for the k-th spoken word
    score_per_frame: mean acoustic log-score per frame over the recording
    """

    phonemes: list[tuple[float, float, str]]
    words: list[tuple[float, float, int, int, int]]
    score_per_frame: float


class _NoPath(Exception):
    """The search found no path through the audio for these words."""


class _Transcript:
    """The written transcript, its tokens and the words said for them, for messages."""

    def __init__(self, text: str):
        self.text = text
        self.tokens = spoken_tokens(text)
        self.spoken = [w for t in self.tokens for w in t.spoken]
        self.owner = [k for k, t in enumerate(self.tokens) for _ in t.spoken]

    def quote(self, first: int, last: int, context: int = 1) -> str:
        """The written text from spoken word ``first`` to ``last``, a word either side."""
        a = max(self.owner[first] - context, 0)
        b = min(self.owner[last] + context, len(self.tokens) - 1)
        end = self.tokens[b].start + len(self.tokens[b].written)
        shown = " ".join(self.text[self.tokens[a].start : end].split())
        return shown if len(shown) <= 60 else shown[:57] + "..."

    def timed_words(self, path: _Path) -> list[tuple[float, float, str]]:
        """Each written token with the time of the words said for it."""
        spans: dict[int, list[float]] = {}
        for start_s, end_s, k, _, _ in path.words:
            span = spans.setdefault(self.owner[k], [start_s, end_s])
            span[1] = end_s
        return [(s, e, self.tokens[i].written) for i, (s, e) in sorted(spans.items())]


def align(audio: np.ndarray, sr_hz: int, transcript: str) -> Alignment:
    """Find when each phoneme and word of ``transcript`` is spoken in ``audio``.

    audio: (N,) float32 mono in [-1, 1] (or (N, C), averaged to mono)
    sr_hz: its sample rate, >= 8000; resampled to 16 kHz for the model
    transcript: what is said, in English, as written: numbers, dates, money,
        symbols and abbreviations are read out (``normalise``); words outside
        the CMU pronouncing dictionary are pronounced by espeak-ng's rules

    Returns an ``Alignment`` whose words are the transcript's tokens as written.
    Raises SpeechError for silent or clipped audio, an empty transcript, or a
    transcript that does not fit the audio: the message says where (seconds
    into the recording, and the transcript's words there).
    """
    x = check_audio(audio, sr_hz)
    script = _Transcript(transcript)
    if not script.spoken:
        raise SpeechError("the transcript is empty", hint="give the words the recording says")
    pcm = _to_pcm16k(x, sr_hz)
    path = None
    with _decoder_lock:
        for topn in TOPNS:
            decoder = _decoder(topn)
            _learn(decoder, script.spoken)
            try:
                path = _run(decoder, pcm, script.spoken)
                break
            except _NoPath:
                continue
        if path is None:
            decoder = _decoder(TOPNS[0], LOCATE_BEAM)
            _learn(decoder, script.spoken)
            try:
                where = _worst_stretch(_run(decoder, pcm, script.spoken), script, LOCAL_SCORE_MIN)
            except _NoPath:
                where = None
            raise _mismatch("forced alignment found no path", where, len(x) / sr_hz, script)
    duration_s = len(x) / sr_hz
    if path.score_per_frame < MIN_SCORE_PER_FRAME:
        why = (
            f"alignment score {path.score_per_frame:.0f} per frame, below {MIN_SCORE_PER_FRAME:.0f}"
        )
        where = _worst_stretch(path, script, LOCAL_SCORE_MIN)
        raise _mismatch(why, where, duration_s, script)
    _check_fit(path, x, sr_hz, script, _worst_stretch(path, script, LOCAL_SCORE_MIN))
    bar = min(LOCAL_SCORE_MIN, LOCAL_SCORE_RATIO * path.score_per_frame)
    worst = _worst_stretch(path, script, bar)
    if worst is not None and worst[2] < bar:
        why = f"alignment score {worst[2]:.0f} per frame there, below {bar:.0f}"
        raise _mismatch(why, worst, duration_s, script)
    return Alignment(path.phonemes, script.timed_words(path), path.score_per_frame)


def _mismatch(why: str, where, duration_s: float, script: _Transcript) -> SpeechError:
    """ "does not match" with the time and the transcript's words where they part."""
    if where is None:
        place = f" anywhere in its {duration_s:.1f} s"
    else:
        (start_s, end_s, _, first, last) = where
        place = f" at {start_s:.1f}-{end_s:.1f} s, near {script.quote(first, last)!r}"
    return SpeechError(
        f"the transcript does not match the audio{place} ({why})",
        hint="check that the transcript says exactly what the recording says, there and after",
    )


def _worst_stretch(path: _Path, script: _Transcript, bar: float):
    """Where the words part from the audio: the first LOCAL_WINDOW_S of consecutive
    words scoring below ``bar`` per frame, else the one that scores worst.

    Returns (start_s, end_s, score per frame, first word, last word) or None
    when no word was aligned.
    """
    words = path.words
    frames_needed = int(round(LOCAL_WINDOW_S / FRAME_S))
    worst = None
    for i in range(len(words)):
        score = n = 0
        for j in range(i, len(words)):
            score += words[j][3]
            n += words[j][4]
            if n >= frames_needed:
                break
        if n == 0:
            continue
        stretch = (words[i][0], words[j][1], score / n, words[i][2], words[j][2])
        if stretch[2] < bar:
            return stretch
        if worst is None or stretch[2] < worst[2]:
            worst = stretch
    return worst


def _run(decoder, pcm: bytes, words: list[str]) -> _Path:
    """Both alignment passes; raises _NoPath when the search finds none."""
    try:
        decoder.set_align_text(" ".join(words))
        for pass_ in ("words", "phones"):
            if pass_ == "phones":
                decoder.set_alignment()
            decoder.start_utt()
            decoder.process_raw(pcm, no_search=False, full_utt=True)
            decoder.end_utt()
            if pass_ == "words" and decoder.hyp() is None:
                raise _NoPath
        alignment = decoder.get_alignment()
    except RuntimeError as exc:
        raise _NoPath from exc
    n_frames = max(decoder.n_frames(), 1)
    phonemes: list[tuple[float, float, str]] = []
    aligned_words: list[tuple[float, float, int, int, int]] = []
    total_score = 0
    end_of_audio_s = decoder.n_frames() * FRAME_S

    def at(frame: int) -> float:  # a frame boundary in seconds, the aligner's lead removed
        return min(frame * FRAME_S + ALIGNER_LEAD_S, end_of_audio_s) if frame > 0 else 0.0

    k = 0  # the spoken word the alignment is at
    for word in alignment:
        name = re.sub(r"\(\d+\)$", "", word.name)  # "read(2)" → "read"
        score = sum(phone.score for phone in word)
        if name not in ("<s>", "</s>", "<sil>") and not name.startswith(("[", "+")):
            if k < len(words):
                start_s, end_s = at(word.start), at(word.start + word.duration)
                aligned_words.append((start_s, end_s, k, score, word.duration))
            k += 1
        total_score += score
        for phone in word:
            ipa = ARPABET_IPA.get(phone.name, PAUSE)  # fillers (+NOISE+...) → pause
            p_start = at(phone.start)
            p_end = at(phone.start + phone.duration)
            if p_end <= p_start:
                continue
            if phonemes and ipa == PAUSE and phonemes[-1][2] == PAUSE:
                phonemes[-1] = (phonemes[-1][0], p_end, PAUSE)
            else:
                phonemes.append((p_start, p_end, ipa))
    return _Path(phonemes, aligned_words, total_score / n_frames)


def _word_at(path: _Path, t_s: float, after: bool) -> int | None:
    """The spoken word at or before (``after``: at or after) time ``t_s``."""
    if after:
        return next((k for s, _, k, _, _ in path.words if s >= t_s), None)
    return next((k for s, _, k, _, _ in reversed(path.words) if s <= t_s), None)


def _check_fit(path: _Path, x: np.ndarray, sr_hz: int, script: _Transcript, worst) -> None:
    """Raise when the alignment had to call much of the speech silence.

    A transcript missing words still aligns: the model parks the extra speech in
    pauses or stretches a phone over it. Count loud 10 ms frames (within 25 dB
    of the loudest) inside pauses longer than 150 ms (less 60 ms at each edge),
    as a share of all loud frames, and look for phones held far longer than
    speech holds them. Measured on espeak lines: a matching transcript leaves
    0-10% of speech in pauses, one missing 3-4 words 7-39%; a missing word or
    two may pass unnoticed. The message names the place found here, or the first
    stretch of words that scores badly (``worst``) when that comes earlier.
    """
    duration_s = len(x) / sr_hz

    def refuse(why: str, where) -> SpeechError:
        bad = worst is not None and worst[2] < LOCAL_SCORE_MIN
        if bad and (where is None or worst[0] < where[0]):
            why = f"alignment score {worst[2]:.0f} per frame there; later {why}"
            where = worst
        return _mismatch(why, where, duration_s, script)

    phonemes = path.phonemes
    longest = max(
        ((e - s, s, e, p) for s, e, p in phonemes if p != PAUSE), default=(0.0, 0.0, 0.0, PAUSE)
    )
    if longest[0] > LONGEST_PHONE_S:
        _, start_s, end_s, ipa = longest
        k = _word_at(path, start_s, after=False)
        where = None if k is None else (start_s, end_s, 0.0, k, k)
        why = f"its /{ipa}/ would last {longest[0]:.1f} s"
        raise refuse(why, where)
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
    uncovered = loud & in_pause
    share = float(np.sum(uncovered)) / max(int(np.sum(loud)), 1)
    if share > UNCOVERED_SPEECH_MAX:
        # the pause that hides the most speech, and the words either side of it
        best = max(
            (
                (int(np.sum(uncovered[int(s / FRAME_S) : int(e / FRAME_S)])), s, e)
                for s, e, p in phonemes
                if p == PAUSE
            ),
            default=None,
        )
        where = None
        if best is not None:
            _, start_s, end_s = best
            before = _word_at(path, start_s, after=False)
            after = _word_at(path, end_s, after=True)
            first = before if before is not None else after
            last = after if after is not None else before
            if first is not None:
                where = (start_s, end_s, 0.0, first, last)
        why = f"{100 * share:.0f}% of the speech falls outside the transcript's words"
        raise refuse(why, where)


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
