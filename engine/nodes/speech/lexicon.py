"""Pronunciations for words the aligner's dictionary lacks, from espeak-ng.

The CMU pronouncing dictionary that pocketsphinx aligns with holds ~134,000
words; names, archaic forms ("feed'st", "mak'st"), contractions of speech
("yknow"), foreign words and new coinages are outside it. espeak-ng reads any
word by its letter-to-sound rules; its IPA phonemes are mapped here to the
39 ARPAbet phones of the en-us acoustic model.

Example
-------
>>> arpabet(["b", "j", "ˈuː", "ɾ", "i", "z"])
['B', 'Y', 'UW', 'T', 'IY', 'Z']
"""

from __future__ import annotations

import functools
import unicodedata

from engine.nodes.speech.errors import SpeechError

# espeak-ng's IPA (en-us and the phonemes of foreign words it reads) → ARPAbet.
# Longest match first: r-coloured vowels and diphthongs before their parts.
IPA_ARPABET: dict[str, tuple[str, ...]] = {
    # r-coloured vowels and vowel + r
    "aɪɚ": ("AY", "ER"), "aɪə": ("AY", "ER"), "aʊɚ": ("AW", "ER"), "aʊə": ("AW", "ER"),
    "ɑːɹ": ("AA", "R"), "ɑɹ": ("AA", "R"), "ɔːɹ": ("AO", "R"), "ɔɹ": ("AO", "R"),
    "oːɹ": ("AO", "R"), "oɹ": ("AO", "R"), "ɛɹ": ("EH", "R"), "eɹ": ("EH", "R"),
    "ɪɹ": ("IH", "R"), "iɹ": ("IH", "R"), "ʊɹ": ("UH", "R"), "uɹ": ("UH", "R"),
    "ɜː": ("ER",), "ɜ": ("ER",), "ɚ": ("ER",), "ɝ": ("ER",),
    "iə": ("IY", "AH"), "eə": ("EH", "R"), "ʊə": ("UH", "R"),
    # diphthongs
    "aɪ": ("AY",), "aʊ": ("AW",), "eɪ": ("EY",), "oʊ": ("OW",), "əʊ": ("OW",),
    "ɔɪ": ("OY",), "ɔy": ("OY",), "ju": ("Y", "UW"),
    # syllabic consonants and "əl"
    "əl": ("AH", "L"), "l̩": ("AH", "L"), "n̩": ("AH", "N"), "m̩": ("AH", "M"),
    # monophthongs
    "iː": ("IY",), "i": ("IY",), "ɪ": ("IH",), "ᵻ": ("IH",), "ɨ": ("IH",),
    "eː": ("EY",), "e": ("EH",), "ɛː": ("EH",), "ɛ": ("EH",), "æ": ("AE",),
    "aː": ("AA",), "a": ("AA",), "ɐ": ("AH",), "ə": ("AH",), "ʌ": ("AH",),
    "ɑː": ("AA",), "ɑ": ("AA",), "ɒ": ("AA",), "ɔː": ("AO",), "ɔ": ("AO",),
    "oː": ("OW",), "o": ("OW",), "ʊ": ("UH",), "uː": ("UW",), "u": ("UW",),
    "yː": ("UW",), "y": ("UW",), "ʏ": ("UH",), "øː": ("ER",), "ø": ("ER",),
    "œ": ("ER",), "ɵ": ("ER",), "ɯ": ("UW",), "ɤ": ("AH",),
    # affricates first, then plain consonants
    "tʃ": ("CH",), "dʒ": ("JH",), "ts": ("T", "S"), "dz": ("D", "Z"),
    "p": ("P",), "b": ("B",), "t": ("T",), "d": ("D",), "k": ("K",), "ɡ": ("G",),
    "g": ("G",), "ɾ": ("T",), "ʔ": ("T",), "c": ("K",), "ɟ": ("G",), "q": ("K",),
    "f": ("F",), "v": ("V",), "θ": ("TH",), "ð": ("DH",), "s": ("S",), "z": ("Z",),
    "ʃ": ("SH",), "ʒ": ("ZH",), "ɕ": ("SH",), "ʑ": ("ZH",), "ʂ": ("SH",), "ʐ": ("ZH",),
    "h": ("HH",), "ɦ": ("HH",), "x": ("K",), "χ": ("K",), "ç": ("HH",), "ɣ": ("G",),
    "m": ("M",), "n": ("N",), "ŋ": ("NG",), "ɲ": ("N", "Y"), "ɳ": ("N",),
    "l": ("L",), "ɫ": ("L",), "ɬ": ("L",), "ʎ": ("L", "Y"), "ɭ": ("L",),
    "ɹ": ("R",), "r": ("R",), "ʁ": ("R",), "ʀ": ("R",), "ɻ": ("R",), "ɽ": ("R",),
    "j": ("Y",), "w": ("W",), "ʍ": ("W",), "ɥ": ("W",), "β": ("V",), "ɸ": ("F",),
}  # fmt: skip
_LONGEST = max(len(k) for k in IPA_ARPABET)
_MARKS = set("ˈˌ.‿-ʼ'|‖")


def _clean(ipa: str) -> str:
    """Stress, syllable and tone marks off; combining marks off except the syllabic ◌̩."""
    out = []
    for ch in unicodedata.normalize("NFD", ipa):
        if ch in _MARKS or ch.isdigit():
            continue
        if unicodedata.combining(ch) and ch != "\u0329":
            continue
        if unicodedata.category(ch) == "Lm" and ch not in "ː":  # ʰ ʲ ʷ ...
            continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def arpabet(phonemes: list[str]) -> list[str]:
    """espeak IPA phonemes (one word) → ARPAbet phones; symbols with no match are dropped."""
    out: list[str] = []
    for phoneme in phonemes:
        text = _clean(phoneme)
        i = 0
        while i < len(text):
            for n in range(min(_LONGEST, len(text) - i), 0, -1):
                phones = IPA_ARPABET.get(text[i : i + n])
                if phones is not None:
                    out += phones
                    i += n
                    break
            else:
                i += 1  # a length mark on its own, an unknown letter
    return out


@functools.cache
def _espeak_phonemes(words: tuple[str, ...], voice: str) -> tuple[tuple[str, ...], ...]:
    from engine.nodes.speech.tts import _run_worker

    header, _ = _run_worker({"op": "phonemes", "words": list(words), "voice": voice}, 60)
    return tuple(tuple(p) for p in header["phonemes"])


def pronunciations(words: list[str], voice: str = "en-us") -> dict[str, str]:
    """ARPAbet pronunciations ("B Y UW T IY Z") for ``words`` from espeak-ng's reading.

    Raises SpeechError for a word espeak reads as no sound at all.
    """
    unique = tuple(dict.fromkeys(words))
    if not unique:
        return {}
    out = {}
    for word, phonemes in zip(unique, _espeak_phonemes(unique, voice), strict=True):
        phones = arpabet(list(phonemes))
        if not phones:
            raise SpeechError(
                f"the transcript word {word!r} has no pronunciation",
                hint="write it as it is said, in letters",
            )
        out[word] = " ".join(phones)
    return out
