"""Right-to-left text for Pillow's basic layout: Hebrew and Arabic in visual order.

Pillow's basic layout engine (the one ``engine.nodes.text.render`` uses, so the same
text gives the same pixels on any machine) draws characters left to right as stored
and does not join Arabic letters: ``שלום`` came out as ``םולש`` and Arabic as
disjoint letters in reverse. This module turns logical text into what to draw:

- ``shape``: Arabic letters to their contextual presentation forms (isolated,
  final, initial, medial; lam-alef ligatures), which DejaVu Sans carries;
- ``visual_word``: one word (no spaces) in display order: its right-to-left runs
  reversed, digits and Latin inside it left as they read, brackets mirrored;
- ``visual_order``: the display order of a line's words: a line whose first strong
  character is right-to-left is laid right to left, its runs of left-to-right words
  keeping their own order.

A small subset of the Unicode bidirectional algorithm (UAX #9): enough for a caption
or a label in Hebrew or Arabic, with numbers and Latin names inside.
"""

from __future__ import annotations

import unicodedata

# Arabic letters: (first presentation form, joins on both sides). Dual-joining letters
# have 4 forms in the order isolated, final, initial, medial; right-joining ones
# (they never join the letter after them) have isolated and final.
_FORMS: dict[int, tuple[int, bool]] = {0x0621: (0xFE80, False)}
for _letter, _first, _dual in (
    (0x0622, 0xFE81, False),
    (0x0623, 0xFE83, False),
    (0x0624, 0xFE85, False),
    (0x0625, 0xFE87, False),
    (0x0626, 0xFE89, True),
    (0x0627, 0xFE8D, False),
    (0x0628, 0xFE8F, True),
    (0x0629, 0xFE93, False),
    (0x062A, 0xFE95, True),
    (0x062B, 0xFE99, True),
    (0x062C, 0xFE9D, True),
    (0x062D, 0xFEA1, True),
    (0x062E, 0xFEA5, True),
    (0x062F, 0xFEA9, False),
    (0x0630, 0xFEAB, False),
    (0x0631, 0xFEAD, False),
    (0x0632, 0xFEAF, False),
    (0x0633, 0xFEB1, True),
    (0x0634, 0xFEB5, True),
    (0x0635, 0xFEB9, True),
    (0x0636, 0xFEBD, True),
    (0x0637, 0xFEC1, True),
    (0x0638, 0xFEC5, True),
    (0x0639, 0xFEC9, True),
    (0x063A, 0xFECD, True),
    (0x0641, 0xFED1, True),
    (0x0642, 0xFED5, True),
    (0x0643, 0xFED9, True),
    (0x0644, 0xFEDD, True),
    (0x0645, 0xFEE1, True),
    (0x0646, 0xFEE5, True),
    (0x0647, 0xFEE9, True),
    (0x0648, 0xFEED, False),
    (0x0649, 0xFEEF, False),
    (0x064A, 0xFEF1, True),
):
    _FORMS[_letter] = (_first, _dual)
_TATWEEL = 0x0640  # joins on both sides, has no forms of its own
_LAM = 0x0644
_LAM_ALEF = {0x0622: 0xFEF5, 0x0623: 0xFEF7, 0x0625: 0xFEF9, 0x0627: 0xFEFB}  # isolated
_MIRROR = str.maketrans("()[]{}<>«»", ")(][}{><»«")


def _transparent(ch: str) -> bool:
    """Marks (harakat) sit on a letter and do not break its joining."""
    return unicodedata.category(ch) in ("Mn", "Me")


def _joins_next(ch: str | None) -> bool:
    """``ch`` joins the letter that follows it (to its left when drawn)."""
    if ch is None:
        return False
    code = ord(ch)
    return code == _TATWEEL or (code in _FORMS and _FORMS[code][1])


def _joins_prev(ch: str | None) -> bool:
    if ch is None:
        return False
    code = ord(ch)
    return code == _TATWEEL or (code in _FORMS and code != 0x0621)


def shape(text: str) -> str:
    """Arabic letters of ``text`` in their contextual presentation forms (logical order)."""
    if not any(ord(c) in _FORMS for c in text):
        return text
    letters = [i for i, c in enumerate(text) if not _transparent(c)]
    out = list(text)
    skip = set()
    for n, i in enumerate(letters):
        if i in skip:
            continue
        code = ord(text[i])
        before = text[letters[n - 1]] if n > 0 and letters[n - 1] not in skip else None
        after = text[letters[n + 1]] if n + 1 < len(letters) else None
        joined_before = _joins_next(before)
        if code == _LAM and after is not None and ord(after) in _LAM_ALEF:
            out[i] = chr(_LAM_ALEF[ord(after)] + (1 if joined_before else 0))
            out[letters[n + 1]] = ""
            skip.add(letters[n + 1])
            continue
        if code not in _FORMS:
            continue
        first, dual = _FORMS[code]
        joined_after = dual and _joins_prev(after)
        if code == 0x0621:
            form = 0
        elif joined_before and joined_after:
            form = 3  # medial
        elif joined_after:
            form = 2  # initial
        elif joined_before:
            form = 1  # final
        else:
            form = 0
        out[i] = chr(first + form)
    return "".join(out)


def _strong(ch: str) -> str | None:
    """'R' for a right-to-left letter, 'L' for a left-to-right one, None for neither."""
    kind = unicodedata.bidirectional(ch)
    if kind in ("R", "AL"):
        return "R"
    if kind == "L":
        return "L"
    return None


def is_rtl(text: str) -> bool:
    """Whether ``text`` reads right to left: its first strong character does."""
    for ch in text:
        strong = _strong(ch)
        if strong:
            return strong == "R"
    return False


def has_rtl(text: str) -> bool:
    return any(_strong(ch) == "R" for ch in text)


def visual_word(word: str) -> str:
    """One word (no spaces) as drawn left to right: shaped, its right-to-left runs
    reversed with brackets mirrored, numbers and Latin inside it in their own order."""
    if not has_rtl(word):
        return word
    shaped = shape(word)
    runs: list[tuple[bool, str]] = []  # (right to left, text), in logical order
    for ch in shaped:
        strong = _strong(ch)
        ltr = strong == "L" or unicodedata.bidirectional(ch) in ("EN", "AN")
        rtl_run = not ltr
        if runs and runs[-1][0] == rtl_run:
            runs[-1] = (rtl_run, runs[-1][1] + ch)
        else:
            runs.append((rtl_run, ch))
    return "".join(text[::-1].translate(_MIRROR) if rtl else text for rtl, text in reversed(runs))


def visual_order(words: list[str] | tuple[str, ...]) -> list[int]:
    """Indices of ``words`` in the order they are drawn, left to right."""
    if not words or not is_rtl(" ".join(words)):
        return list(range(len(words)))
    runs: list[list[int]] = []  # words of one direction in a row, logical order
    for i, word in enumerate(words):
        ltr = not has_rtl(word) and any(_strong(c) == "L" for c in word)
        if runs and ltr and runs[-1][0] == "L":
            runs[-1][1].append(i)
        else:
            runs.append(["L" if ltr else "R", [i]])
    return [i for _, run in reversed(runs) for i in run]


def visual_line(line: str) -> str:
    """A line of words separated by spaces, as drawn left to right."""
    if not has_rtl(line):
        return line
    words = line.split(" ")
    return " ".join(visual_word(words[i]) for i in visual_order(words))
