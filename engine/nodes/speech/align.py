"""Forced alignment of an English recording to its transcript (pocketsphinx 5).

Two passes, as pocketsphinx wants them: a word-level pass constrained to the
transcript (``set_align_text``), then a phone-level pass over the same audio
(``set_alignment``). Beams are wide (1e-80) so that slow or unusual speech still
finds its path; a transcript that does not fit the audio then shows up as a
failed search or as speech the alignment had to call silence, which we report
as an error rather than return a wrong timing.

A recording longer than ``LONG_RECORDING_S`` is aligned in chunks (issue 13):
one utterance of many minutes holds a search lattice that grows with it, and its
search drifts from what each stretch alone finds. A cheap search with the
transcript as a grammar that may stop after any word reads ``WINDOW_S`` ahead and
cuts at the widest pause between two words ``CHUNK_MIN_S`` to ``CHUNK_MAX_S`` into
the window; that chunk is aligned with its own words exactly as a short recording
is (same passes, same checks, refusals in the whole recording's time), and the
chunks' phonemes and words are joined. Memory holds one chunk's search at a time.

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
# A phone held longer than LONGEST_PHONE_S is absorbing missing words, unless it
# is a vowel held no longer than LONGEST_PHONE_HARD_S that scores at least
# HELD_PHONE_SCORE_MIN per frame, in a recording none of whose stretches of words
# scores below LOCAL_SCORE_MIN. Measured on the five English test recordings
# with one to three words dropped from their transcripts: the phones stretched
# over the missing words scored -56 to -93 per frame; vowels really held that
# long (a hesitant "and", "slow", "how", "you") -7 to -23. The MFA corpus
# speaker's "and" lasts 0.56-0.66 s depending on the silence around the take.
# Another recording's transcript on JFK's words held a /ð/ 0.7 s at -16.
LONGEST_PHONE_S = 0.6
HELD_PHONE_SCORE_MIN = -40.0
LONGEST_PHONE_HARD_S = 1.5
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


_VOWELS = {
    ARPABET_IPA[a]
    for a in (
        "AA",
        "AE",
        "AH",
        "AO",
        "AW",
        "AY",
        "EH",
        "ER",
        "EY",
        "IH",
        "IY",
        "OW",
        "OY",
        "UH",
        "UW",
    )
}


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


BLOCK = 1 << 20  # samples looked at at once: a long recording is read in blocks


def _blocks(x: np.ndarray, size: int = BLOCK):
    """``x`` in consecutive views of ``size`` samples (the last shorter)."""
    return (x[i : i + size] for i in range(0, len(x), size))


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
    if not all(np.all(np.isfinite(b)) for b in _blocks(x)):
        raise SpeechError("the audio holds NaN or infinite samples", hint="re-decode the file")
    energy = sum(float(np.sum(b.astype(np.float64) ** 2)) for b in _blocks(x))
    rms_dbfs = 20 * math.log10(math.sqrt(energy / x.size) + 1e-12)
    if rms_dbfs < SILENT_RMS_DBFS:
        raise SpeechError(
            f"the recording is silent (RMS {rms_dbfs:.0f} dBFS)",
            hint="check the file and its gain: speech is usually -30 to -15 dBFS",
        )
    clipped = sum(int(np.count_nonzero(np.abs(b) >= 0.999)) for b in _blocks(x)) / x.size
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

# Long recordings (issue 13): up to LONG_RECORDING_S, one utterance as always;
# longer, chunks cut at pauses that a search WINDOW_S ahead finds between words.
LONG_RECORDING_S = 30.0
WINDOW_S = 30.0
# A cut is made at the widest pause between words this far into the window (the
# latest of equals). Chunks hold different speech, so each chunk's cepstral mean
# differs from the whole's: the widest pause is the likeliest change of speaker,
# take or room, and a cut there keeps each chunk's mean its own. Cutting at the
# latest pause over 0.3 s instead put 6% of a test recording's words 50 ms to
# 1.2 s from where each take alone put them (joined recordings, cut mid-take).
CHUNK_MIN_S = 6.0
CHUNK_MAX_S = 22.0
WORDS_PER_S_MAX = 8  # the window's grammar holds this many words a second
STRAY_SPEECH_S = 0.3  # loud audio in a stretch with no words beyond this: refused


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
    return b"".join((np.clip(b, -1.0, 1.0) * 32767.0).astype("<i2").tobytes() for b in _blocks(y))


@dataclass(frozen=True)
class _Path:
    """One forced alignment as pocketsphinx found it.

    phonemes: [(start_s, end_s, ipa)], pauses merged
    words: [(start_s, end_s, k, score, n_frames)] for the k-th spoken word
    score_per_frame: mean acoustic log-score per frame over the recording
    held: [(start_s, end_s, ipa, score per frame)] for the phones (not pauses)
        held longer than LONGEST_PHONE_S
    n_frames: the 10 ms frames searched
    """

    phonemes: list[tuple[float, float, str]]
    words: list[tuple[float, float, int, int, int]]
    score_per_frame: float
    held: list[tuple[float, float, str, float]]
    n_frames: int

    def shifted(self, dt_s: float, dk: int) -> _Path:
        """The same path ``dt_s`` later in a longer recording, its words ``dk`` later."""
        if dt_s == 0.0 and dk == 0:
            return self
        return _Path(
            [(s + dt_s, e + dt_s, p) for s, e, p in self.phonemes],
            [(s + dt_s, e + dt_s, k + dk, sc, n) for s, e, k, sc, n in self.words],
            self.score_per_frame,
            [(s + dt_s, e + dt_s, p, sc) for s, e, p, sc in self.held],
            self.n_frames,
        )


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
    duration_s = len(x) / sr_hz
    with _decoder_lock:
        if duration_s <= LONG_RECORDING_S:
            path = _fit(pcm, x, sr_hz, script, 0, len(script.spoken), 0.0, duration_s)
        else:
            path = _fit_long(pcm, x, sr_hz, script)
    return Alignment(path.phonemes, script.timed_words(path), path.score_per_frame)


def _fit(
    pcm: bytes,
    x: np.ndarray,
    sr_hz: int,
    script: _Transcript,
    first: int,
    end: int,
    offset_s: float,
    duration_s: float,
    loudest_db: float | None = None,
) -> _Path:
    """Align spoken words ``first`` to ``end`` (exclusive) to one stretch of audio and
    check the fit; raises SpeechError where it does not fit.

    pcm, x: the stretch (16 kHz int16 bytes; float32 at ``sr_hz``), which starts
        ``offset_s`` into a recording of ``duration_s`` whose loudest 10 ms is
        ``loudest_db`` (None: the stretch is the recording); the path and any
        refusal are in the recording's time and the transcript's word numbers.
    """
    words = script.spoken[first:end]
    span = (offset_s, offset_s + len(x) / sr_hz)
    path = None
    for topn in TOPNS:
        decoder = _decoder(topn)
        _learn(decoder, words)
        try:
            path = _run(decoder, pcm, words).shifted(offset_s, first)
            break
        except _NoPath:
            continue
    if path is None:
        decoder = _decoder(TOPNS[0], LOCATE_BEAM)
        _learn(decoder, words)
        try:
            located = _run(decoder, pcm, words).shifted(offset_s, first)
            where = _worst_stretch(located, script, LOCAL_SCORE_MIN)
        except _NoPath:
            where = None
        raise _mismatch("forced alignment found no path", where, span, duration_s, script)
    if path.score_per_frame < MIN_SCORE_PER_FRAME:
        why = (
            f"alignment score {path.score_per_frame:.0f} per frame, below {MIN_SCORE_PER_FRAME:.0f}"
        )
        where = _worst_stretch(path, script, LOCAL_SCORE_MIN)
        raise _mismatch(why, where, span, duration_s, script)
    worst = _worst_stretch(path, script, LOCAL_SCORE_MIN)
    _check_fit(path, x, sr_hz, script, worst, offset_s, duration_s, loudest_db)
    bar = min(LOCAL_SCORE_MIN, LOCAL_SCORE_RATIO * path.score_per_frame)
    worst = _worst_stretch(path, script, bar)
    if worst is not None and worst[2] < bar:
        why = f"alignment score {worst[2]:.0f} per frame there, below {bar:.0f}"
        raise _mismatch(why, worst, span, duration_s, script)
    return path


def _fit_long(pcm: bytes, x: np.ndarray, sr_hz: int, script: _Transcript) -> _Path:
    """A long recording aligned chunk by chunk (see the module's docstring)."""
    per_frame = int(ALIGN_SR_HZ * FRAME_S)  # samples of pcm in a frame
    total = len(pcm) // 2 // per_frame  # whole frames; a shorter tail joins the last chunk
    duration_s = len(x) / sr_hz
    hop = int(round(sr_hz * FRAME_S))
    blocks = (b for b in _blocks(x, BLOCK // hop * hop) if len(b) >= hop)
    loudest_db = max(float(_frame_db(b, sr_hz).max()) for b in blocks)
    n = len(script.spoken)
    parts: list[_Path] = []
    t0 = k0 = 0  # the frame and the spoken word the next chunk starts at
    while t0 < total:
        if total - t0 <= round(LONG_RECORDING_S / FRAME_S):
            cut, k1 = total, n
        else:
            cut, k1 = _next_cut(pcm, t0, k0, script, duration_s)
        a, b = t0 * per_frame * 2, (cut * per_frame * 2 if cut < total else len(pcm))
        xa = int(round(t0 * FRAME_S * sr_hz))
        xb = int(round(cut * FRAME_S * sr_hz)) if cut < total else len(x)
        if k1 > k0:
            part = _fit(
                pcm[a:b], x[xa:xb], sr_hz, script, k0, k1, t0 * FRAME_S, duration_s, loudest_db
            )
        else:
            part = _no_words(x[xa:xb], sr_hz, t0 * FRAME_S, k0, loudest_db, duration_s, script)
        parts.append(part)
        t0, k0 = cut, k1
    return _joined(parts)


def _next_cut(pcm: bytes, t0: int, k0: int, script: _Transcript, duration_s: float):
    """Where the chunk that starts at frame ``t0`` with spoken word ``k0`` ends.

    Returns (cut frame, first spoken word after the cut): the middle of the widest
    pause (the latest of equals) between two words that a search
    of the next WINDOW_S, with the transcript as a grammar that may stop after any
    word, puts CHUNK_MIN_S to CHUNK_MAX_S after ``t0``; failing that, the latest
    pause before CHUNK_MAX_S.
    """
    per_frame = int(ALIGN_SR_HZ * FRAME_S)
    n_window = int(round(WINDOW_S / FRAME_S))
    window = pcm[t0 * per_frame * 2 : (t0 + n_window) * per_frame * 2]
    words = script.spoken[k0 : k0 + int(WINDOW_S * WORDS_PER_S_MAX)]
    found = None
    for topn in TOPNS:
        try:
            found = _prefix(_decoder(topn), window, words)
            break
        except _NoPath:
            continue
    if found is None:
        span = (t0 * FRAME_S, min((t0 + n_window) * FRAME_S, duration_s))
        raise _mismatch("the words found no path", None, span, duration_s, script)
    edges = [0] + [f for s, e in found for f in (s, e)] + [n_window]
    pauses = [(edges[2 * i], edges[2 * i + 1], i) for i in range(len(found) + 1)]
    lo, hi = round(CHUNK_MIN_S / FRAME_S), round(CHUNK_MAX_S / FRAME_S)
    inside = [(e - s, (s + e) // 2, i) for s, e, i in pauses if lo <= (s + e) // 2 <= hi]
    before = [((s + e) // 2, i) for s, e, i in pauses if 0 < (s + e) // 2 <= hi]
    if inside:
        _, middle, i = max(inside)
    elif before:
        middle, i = max(before)
    else:
        span = (t0 * FRAME_S, (t0 + n_window) * FRAME_S)
        raise _mismatch("no pause between the words", None, span, duration_s, script)
    return t0 + middle, k0 + i


def _prefix(decoder, pcm: bytes, words: list[str]) -> list[tuple[int, int]]:
    """[(start frame, end frame)] of the first words of ``words`` said in ``pcm``: a
    search whose grammar is the words in order, free to stop after any of them.

    Raises _NoPath when the search finds none.
    """
    _learn(decoder, words)
    final = len(words) + 1
    grammar = [(i, i + 1, 1.0, w) for i, w in enumerate(words)]
    grammar += [(i, final, 1.0) for i in range(len(words) + 1)]
    try:
        decoder.add_fsg("prefix", decoder.create_fsg("prefix", 0, final, grammar))
        decoder.activate_search("prefix")
        decoder.start_utt()
        decoder.process_raw(pcm, no_search=False, full_utt=True)
        decoder.end_utt()
        if decoder.hyp() is None:
            raise _NoPath
        found = [
            (seg.start_frame, seg.end_frame + 1)
            for seg in decoder.seg()
            if not _not_a_word(re.sub(r"\(\d+\)$", "", seg.word))
        ]
    except RuntimeError as exc:
        raise _NoPath from exc
    finally:
        decoder.remove_search("prefix")
    return found


def _not_a_word(name: str) -> bool:
    """Silence, sentence ends and fillers (noise, breath) as pocketsphinx names them."""
    return name in ("<s>", "</s>", "<sil>", "(NULL)") or name.startswith(("[", "+"))


def _no_words(
    x: np.ndarray,
    sr_hz: int,
    offset_s: float,
    k: int,
    loudest_db: float,
    duration_s: float,
    script: _Transcript,
) -> _Path:
    """A stretch that the transcript has no words for: a pause, unless it is loud."""
    loud = np.flatnonzero(_frame_db(x, sr_hz) > loudest_db - 25.0)
    end_s = offset_s + len(x) / sr_hz
    if len(loud) * FRAME_S > STRAY_SPEECH_S:
        near = min(max(k - 1, 0), len(script.spoken) - 1)
        where = (offset_s + loud[0] * FRAME_S, offset_s + (loud[-1] + 1) * FRAME_S, 0.0, near, near)
        why = f"{len(loud) * FRAME_S:.1f} s of speech there has no words in the transcript"
        raise _mismatch(why, where, (offset_s, end_s), duration_s, script)
    return _Path([(offset_s, end_s, PAUSE)], [], 0.0, [], int(round(len(x) / sr_hz / FRAME_S)))


def _joined(parts: list[_Path]) -> _Path:
    """Consecutive chunks' paths as one: the pauses either side of a cut merged, and
    the last phoneme before a cut held to it."""
    phonemes: list[tuple[float, float, str]] = []
    for part in parts:
        for start_s, end_s, ipa in part.phonemes:
            if phonemes and phonemes[-1][1] < start_s:  # the chunk's last frames
                phonemes[-1] = (phonemes[-1][0], start_s, phonemes[-1][2])
            if phonemes and ipa == PAUSE and phonemes[-1][2] == PAUSE:
                phonemes[-1] = (phonemes[-1][0], end_s, PAUSE)
            else:
                phonemes.append((start_s, end_s, ipa))
    n_frames = sum(p.n_frames for p in parts)
    score = sum(p.score_per_frame * p.n_frames for p in parts) / max(n_frames, 1)
    return _Path(
        phonemes,
        [w for p in parts for w in p.words],
        score,
        [h for p in parts for h in p.held],
        n_frames,
    )


def _mismatch(
    why: str, where, span: tuple[float, float], duration_s: float, script: _Transcript
) -> SpeechError:
    """ "does not match" with the time and the transcript's words where they part.

    span: the stretch of the recording (of ``duration_s``) that was searched, named
    when ``where`` is None.
    """
    if where is None and span == (0.0, duration_s):
        place = f" anywhere in its {duration_s:.1f} s"
    elif where is None:
        place = f" anywhere in {span[0]:.1f}-{span[1]:.1f} s of its {duration_s:.1f} s"
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
    held: list[tuple[float, float, str, float]] = []
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
            if ipa != PAUSE and p_end - p_start > LONGEST_PHONE_S:
                held.append((p_start, p_end, ipa, phone.score / max(phone.duration, 1)))
            if phonemes and ipa == PAUSE and phonemes[-1][2] == PAUSE:
                phonemes[-1] = (phonemes[-1][0], p_end, PAUSE)
            else:
                phonemes.append((p_start, p_end, ipa))
    return _Path(phonemes, aligned_words, total_score / n_frames, held, n_frames)


def _word_at(path: _Path, t_s: float, after: bool) -> int | None:
    """The spoken word at or before (``after``: at or after) time ``t_s``."""
    if after:
        return next((k for s, _, k, _, _ in path.words if s >= t_s), None)
    return next((k for s, _, k, _, _ in reversed(path.words) if s <= t_s), None)


def _check_fit(
    path: _Path,
    x: np.ndarray,
    sr_hz: int,
    script: _Transcript,
    worst,
    offset_s: float,
    duration_s: float,
    loudest_db: float | None,
) -> None:
    """Raise when the alignment had to call much of the speech silence.

    A transcript missing words still aligns: the model parks the extra speech in
    pauses or stretches a phone over it. Count loud 10 ms frames (within 25 dB
    of the loudest) inside pauses longer than 150 ms (less 60 ms at each edge),
    as a share of all loud frames, and look for phones held far longer than
    speech holds them and scoring badly (``LONGEST_PHONE_S``). Measured on espeak
    lines: a matching transcript leaves 0-10% of speech in pauses, one missing
    3-4 words 7-39%; a missing word or two may pass unnoticed. The message names
    the place found here, or the first stretch of words that scores badly
    (``worst``) when that comes earlier.

    x: the audio the path was searched in, which starts ``offset_s`` into a
    recording of ``duration_s`` (the path's times are the recording's) whose
    loudest 10 ms is ``loudest_db`` (None: the loudest in ``x``).
    """
    span = (offset_s, offset_s + len(x) / sr_hz)

    def refuse(why: str, where) -> SpeechError:
        bad = worst is not None and worst[2] < LOCAL_SCORE_MIN
        if bad and (where is None or worst[0] < where[0]):
            why = f"alignment score {worst[2]:.0f} per frame there; later {why}"
            where = worst
        return _mismatch(why, where, span, duration_s, script)

    phonemes = path.phonemes
    fits = worst is None or worst[2] >= LOCAL_SCORE_MIN
    stretched = [
        (e - s, s, e, p, score)
        for s, e, p, score in path.held
        if not (
            fits
            and p in _VOWELS
            and score >= HELD_PHONE_SCORE_MIN
            and e - s <= LONGEST_PHONE_HARD_S
        )
    ]
    if stretched:
        held_s, start_s, end_s, ipa, score = max(stretched)
        k = _word_at(path, start_s, after=False)
        where = None if k is None else (start_s, end_s, 0.0, k, k)
        why = f"its /{ipa}/ would last {held_s:.1f} s, scoring {score:.0f} per frame"
        raise refuse(why, where)
    db = _frame_db(x, sr_hz)
    if len(db) == 0:
        return
    loud = db > (db.max() if loudest_db is None else loudest_db) - 25.0
    in_pause = np.zeros(len(db), dtype=bool)
    for start_s, end_s, ipa in phonemes:
        if ipa == PAUSE and end_s - start_s > 0.15:
            edge = int(PAUSE_EDGE_S / FRAME_S)
            a = _frame(start_s, offset_s) + edge
            in_pause[a : max(_frame(end_s, offset_s) - edge, 0)] = True
    uncovered = loud & in_pause
    share = float(np.sum(uncovered)) / max(int(np.sum(loud)), 1)
    if share > UNCOVERED_SPEECH_MAX:
        # the pause that hides the most speech, and the words either side of it
        best = max(
            (
                (int(np.sum(uncovered[_frame(s, offset_s) : _frame(e, offset_s)])), s, e)
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


def _frame_db(x: np.ndarray, sr_hz: int) -> np.ndarray:
    """The power of each whole 10 ms frame of ``x``, in dB."""
    hop = int(round(sr_hz * FRAME_S))
    n = len(x) // hop
    frames = x[: n * hop].reshape(n, hop).astype(np.float64)
    return 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)


def _frame(t_s: float, offset_s: float) -> int:
    """The 10 ms frame of the searched audio at ``t_s`` in the recording."""
    return int((t_s - offset_s) / FRAME_S)


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
