"""A written English transcript → the words a reader says, each tied to what was written.

Real scripts hold numbers, ordinals, dates, times, money, percentages, symbols
and abbreviations that a pronouncing dictionary does not spell. Each written
token becomes the words a reader would say (``num2words`` for the numbers),
and keeps its place in the text, so an alignment error can quote the words as
written.

Readings chosen (one per token; an American reader of running text):

    1990, 2026       years: "nineteen ninety", "twenty twenty-six" (1100-2099,
                     no thousands comma); 1,990 and 12,000 are cardinals
    1990s            "nineteen nineties"
    3.14, 1,000      "three point one four", "one thousand"
    21st             "twenty-first"; "December 25" → "december twenty-fifth"
    10:30, 10:05     "ten thirty", "ten oh five"; 10:00 → "ten o'clock"
    2026-12-07       "december seventh twenty twenty-six"; 12/7/2026 alike
    $5.50, £3, 20%   "five dollars fifty cents", "three pounds", "twenty percent"
    & + = @ # °      "and", "plus", "equals", "at", "number", "degrees"
    Mr. Dr. St. etc. "mister", "doctor", "saint", "et cetera" ...
    U.S.A.           "u s a" (letters)

Hyphenated words split at the hyphen; apostrophes inside words stay
("beauty's", "feed'st"); letters of any script are kept (``façade``).

Example
-------
>>> [t.spoken for t in spoken_tokens("On May 3rd, Dr. Lee paid $4.50.")]
[('on',), ('may',), ('third',), ('doctor',), ('lee',), ('paid',), ('four', 'dollars', 'fifty', 'cents')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_MONTH_ABBR = {m[:3]: m for m in MONTHS} | {"sept": "september"}

ABBREVIATIONS = {  # written with a full stop (or without, where unambiguous)
    "mr": "mister",
    "mrs": "missus",
    "ms": "miz",
    "dr": "doctor",
    "st": "saint",
    "jr": "junior",
    "sr": "senior",
    "prof": "professor",
    "gen": "general",
    "capt": "captain",
    "lt": "lieutenant",
    "col": "colonel",
    "sgt": "sergeant",
    "rev": "reverend",
    "hon": "honorable",
    "mt": "mount",
    "ft": "fort",
    "vs": "versus",
    "etc": "et cetera",
    "approx": "approximately",
    "dept": "department",
    "inc": "incorporated",
    "ltd": "limited",
    "co": "company",  # "Co. 7"; "& Co." at a sentence end reads "co"
    "corp": "corporation",
    "no": "number",  # only before a digit: "No. 5"
    "vol": "volume",
    "ch": "chapter",
    "fig": "figure",
    "e.g": "for example",
    "i.e": "that is",
    "a.m": "a m",
    "p.m": "p m",
}
_BEFORE_A_NUMBER = {"no", "vol", "ch", "fig", "co"}  # abbreviations only before a digit
# ambiguous without their full stop ("no", "co", "ch"...): only these read bare
_BARE_ABBREVIATIONS = {"mr", "mrs", "dr", "jr", "sr", "vs", "etc", "prof", "capt", "sgt", "lt"}

SYMBOLS = {
    "&": "and",
    "+": "plus",
    "=": "equals",
    "@": "at",
    "#": "number",
    "%": "percent",
    "°": "degrees",
    "×": "times",
    "½": "one half",
    "¼": "one quarter",
    "¾": "three quarters",
}
CURRENCIES = {  # symbol → (unit, units, cent, cents)
    "$": ("dollar", "dollars", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"),
    "€": ("euro", "euros", "cent", "cents"),
    "¥": ("yen", "yen", "sen", "sen"),
}
SCALES = ("thousand", "million", "billion", "trillion")

_WORD = r"[^\W\d_]+(?:['’][^\W\d_]+)*"
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_PATTERNS = [
    ("iso_date", r"\b\d{4}-\d{2}-\d{2}\b"),
    ("slash_date", r"\b\d{1,2}/\d{1,2}/\d{2,4}\b"),
    ("time", r"\b\d{1,2}:\d{2}\b"),
    ("money", rf"[$£€¥]\s?(?:{_NUMBER})(?:\s?(?:{'|'.join(SCALES)})\b)?"),
    ("percent", rf"(?:{_NUMBER})\s?%"),
    ("ordinal", r"\b\d+(?:st|nd|rd|th)\b"),
    ("decade", r"\b\d{3}0['’]?s\b"),
    ("number", rf"(?:{_NUMBER})"),
    ("letters", r"\b(?:[A-Za-z]\.){2,}"),
    ("abbreviation", r"\b(?:e\.g|i\.e|a\.m|p\.m)\.?|\b[A-Za-z]+\."),
    ("word", _WORD),
    ("symbol", "[" + re.escape("".join(SYMBOLS)) + "]"),
]
_SCANNER = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _PATTERNS))


@dataclass(frozen=True)
class Token:
    """One written token and what a reader says for it.

    written: the token as it stands in the transcript ("$4.50")
    start: its character offset in the transcript
    spoken: the lower-case words said for it (("four", "dollars", "fifty", "cents"))
    """

    written: str
    start: int
    spoken: tuple[str, ...]


def _words(text: str) -> tuple[str, ...]:
    """num2words' phrases ("twenty-first", "five dollars, fifty cents") → words."""
    return tuple(w.lower() for w in re.findall(r"[a-z]+(?:'[a-z]+)*", text.lower()))


def _n2w(value, **kw) -> tuple[str, ...]:
    from num2words import num2words

    return _words(num2words(value, lang="en", **kw))


def _number(text: str) -> tuple[str, ...]:
    """A written number: "1,000" → one thousand; "3.14" → three point one four."""
    plain = text.replace(",", "")
    if "." in plain:
        whole, frac = plain.split(".", 1)
        return _n2w(int(whole)) + ("point",) + tuple(w for d in frac for w in _n2w(int(d)))
    value = int(plain)
    if "," not in text and 1100 <= value <= 2099 and len(plain) == 4:
        return _n2w(value, to="year")
    return _n2w(value)


def _date(year: int, month: int, day: int) -> tuple[str, ...] | None:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return (MONTHS[month - 1],) + _n2w(day, to="ordinal") + _n2w(year, to="year")


def _money(text: str) -> tuple[str, ...]:
    unit, units, cent, cents = CURRENCIES[text[0]]
    rest = text[1:].strip()
    scale = next((s for s in SCALES if rest.endswith(s)), None)
    amount = rest[: -len(scale)].strip() if scale else rest
    plain = amount.replace(",", "")
    if scale:  # "$1.5 million" → one point five million dollars
        return _number(amount) + (scale, units)
    whole, _, frac = plain.partition(".")
    out = _n2w(int(whole)) + ((unit,) if int(whole) == 1 else (units,))
    if frac:
        n_cents = int((frac + "0")[:2])
        if n_cents:
            out += _n2w(n_cents) + ((cent,) if n_cents == 1 else (cents,))
    return out


def _time(text: str) -> tuple[str, ...]:
    hours, minutes = (int(x) for x in text.split(":"))
    if minutes == 0:
        return _n2w(hours) + ("o'clock",)
    if minutes < 10:
        return _n2w(hours) + ("oh",) + _n2w(minutes)
    return _n2w(hours) + _n2w(minutes)


def _read(kind: str, text: str, previous: str | None, following: str) -> tuple[str, ...]:
    if kind == "word":
        return (text.lower().replace("’", "'"),)
    if kind == "number":
        if previous in MONTHS and text.isdigit() and 1 <= int(text) <= 31:
            return _n2w(int(text), to="ordinal")  # "December 25" → twenty-fifth
        return _number(text)
    if kind == "ordinal":
        return _n2w(int(text[:-2]), to="ordinal")
    if kind == "decade":  # 1990s → nineteen nineties
        digits = text.rstrip("s").rstrip("'’")
        said = _number(digits)
        last = said[-1]
        plural = last[:-1] + "ies" if last.endswith("y") else last + "s"
        return said[:-1] + (plural,)
    if kind == "percent":
        return _number(text.rstrip("%").strip()) + ("percent",)
    if kind == "money":
        return _money(text)
    if kind == "time":
        return _time(text)
    if kind == "iso_date":
        y, m, d = (int(x) for x in text.split("-"))
        return _date(y, m, d) or tuple(w for part in text.split("-") for w in _number(part))
    if kind == "slash_date":
        m, d, y = (int(x) for x in text.split("/"))
        y = y + 2000 if y < 100 else y
        return _date(y, m, d) or tuple(w for part in text.split("/") for w in _number(part))
    if kind == "letters":
        return tuple(ch.lower() for ch in text if ch.isalpha())
    if kind == "abbreviation":
        key = text.lower().rstrip(".")
        if key in _BEFORE_A_NUMBER and not re.match(r"\s*\d", following):
            return (key,)  # "no." ends a sentence; "No. 5" is a number
        if key in _MONTH_ABBR and text[0].isupper():
            return (_MONTH_ABBR[key],)
        if key in ABBREVIATIONS:
            return tuple(ABBREVIATIONS[key].split())
        return (key,)  # a word at the end of a sentence
    if kind == "symbol":
        return tuple(SYMBOLS[text].split())
    raise AssertionError(kind)


def spoken_tokens(transcript: str) -> list[Token]:
    """Every token of an English ``transcript`` with the words a reader says for it.

    Punctuation that is not said (commas, quotes, dashes, brackets) is dropped;
    so are tokens that read as nothing.
    """
    tokens: list[Token] = []
    previous: str | None = None
    for match in _SCANNER.finditer(transcript):
        kind = match.lastgroup
        text = match.group()
        if kind == "word" and text.lower() in _BARE_ABBREVIATIONS:
            kind = "abbreviation"
        following = transcript[match.end() : match.end() + 3]
        spoken = _read(kind, text, previous, following)
        if kind == "abbreviation" and spoken == (text.lower().rstrip("."),):
            text = text.rstrip(".")  # a word that ends a sentence, not an abbreviation
        if spoken:
            tokens.append(Token(text, match.start(), spoken))
            previous = spoken[-1]
    return tokens


def spoken_words(transcript: str) -> list[str]:
    """The words a reader says for ``transcript``, in order, lower case."""
    return [w for t in spoken_tokens(transcript) for w in t.spoken]
