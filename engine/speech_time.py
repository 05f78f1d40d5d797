"""How long espeak-ng takes to say a text: a conservative estimate from its characters.

Counting words misleads: ``😀😀😀`` is one "word" spoken for seconds, and a run of
digits is read as a number of up to 20 digits, then in groups. Each run of
characters of one kind is charged what espeak-ng (en-us, 160 words/min) was
measured to spend on it, at the top of the measured range, and the estimate
scales with 1 / rate. Measured (s of audio per character, 2026-12): English
prose 0.066, Cyrillic 0.071, Arabic 0.113, numbers of 4-20 digits 0.43-0.75,
4,000 digits 0.018, one emoji 0.68, 5,000 emoji 0.044, URLs 0.22, CJK read by
en-us 0.70 (by cmn 0.26). On the measured cases (tests/test_speech_time.py)
the estimate is 1.0-1.4x the spoken length for prose, up to about 4x for
capitals and symbols, and never under it.

A leaf module (no engine imports): the validator (``engine.spec``) estimates
with it, and the TTS node (``engine.nodes.speech``) bounds synthesis with it.
"""

from __future__ import annotations

import itertools
import unicodedata
from dataclasses import dataclass

REFERENCE_RATE_WPM = 160.0
LINE_OVERHEAD_S = 0.5  # leading and trailing silence, the final pause
# A spoken line may run to this multiple of its estimate (plus a margin) before
# synthesis is stopped: nothing measured comes near it.
BOUND_FACTOR = 2.0
BOUND_MARGIN_S = 10.0


@dataclass(frozen=True)
class _Kind:
    """Seconds (at the reference rate) for a run of n characters of one kind: the first
    ``full_n`` at ``each_s`` each, the rest at ``tail_s`` each (espeak reads a number
    of up to 20 digits as a number, longer runs in quick groups; an emoji alone by
    its name, a long run of them in a hurry)."""

    each_s: float
    full_n: int = 1 << 30
    tail_s: float = 0.0

    def run_s(self, n: int) -> float:
        return self.each_s * min(n, self.full_n) + self.tail_s * max(0, n - self.full_n)


DIGITS = _Kind(0.75, full_n=20, tail_s=0.02)
SYMBOLS = _Kind(0.75, full_n=4, tail_s=0.1)  # emoji and symbols are read by name
IDEOGRAPHS = _Kind(0.70)  # CJK, kana, hangul: a syllable each, or a spelled-out name
CAPITALS = _Kind(0.30)  # capitals are often spelled (NASA, FBI)
LATIN_LETTERS = _Kind(0.08)
OTHER_LETTERS = _Kind(0.12)
PUNCTUATION = _Kind(0.45)  # a pause, or a name (slash, question mark) in URLs
SILENT = _Kind(0.0)  # spaces, controls

_IDEOGRAPHIC = ((0x2E80, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF), (0x20000, 0x3FFFF))


def _kind(ch: str) -> _Kind:
    category = unicodedata.category(ch)
    code = ord(ch)
    if category == "Nd":
        return DIGITS
    if any(lo <= code <= hi for lo, hi in _IDEOGRAPHIC):
        return IDEOGRAPHS
    if category == "Lu":
        return CAPITALS
    if category[0] in "LMN":
        return LATIN_LETTERS if code < 0x250 else OTHER_LETTERS
    if category[0] == "S":
        return SYMBOLS
    if category[0] == "P":
        return PUNCTUATION
    return SILENT


def _rate_scale(rate_wpm: float) -> float:
    """Length at ``rate_wpm`` / length at the reference rate. Slower speech stretches
    in proportion; faster speech shrinks less than asked (measured at 300 and 450
    wpm: 0.55-0.6 and 0.38-0.42 of the 160 wpm length, not 0.53 and 0.36)."""
    ratio = REFERENCE_RATE_WPM / rate_wpm
    return ratio if ratio >= 1.0 else ratio**0.8


def estimate_speech_s(text: str, rate_wpm: float) -> float:
    """Seconds espeak-ng is expected to speak ``text`` at ``rate_wpm``, erring long.

    The larger of a per-character estimate and words / rate.
    """
    rate_wpm = max(float(rate_wpm), 1.0)
    runs_s = sum(kind.run_s(len(list(run))) for kind, run in itertools.groupby(text, _kind))
    by_chars = (LINE_OVERHEAD_S + runs_s) * _rate_scale(rate_wpm)
    by_words = len(text.split()) / rate_wpm * 60.0  # words / (words/min) * s/min = s
    return max(by_chars, by_words)


def speech_bound_s(text: str, rate_wpm: float) -> float:
    """Seconds past which synthesis of ``text`` is stopped as runaway."""
    return BOUND_FACTOR * estimate_speech_s(text, rate_wpm) + BOUND_MARGIN_S
