"""Which characters the text fonts cannot draw.

Titles, burned captions and the disclosure label are drawn with the DejaVu Sans
that ships inside matplotlib (``engine.nodes.text.render``): Latin, Greek,
Cyrillic, Hebrew, Arabic and some symbols, but no Chinese, Japanese or Korean.
A character it lacks is drawn as an empty box, so validation says so first. This
reads the font's character map with fontTools (matplotlib's own dependency) and
imports nothing of the engine.
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

import matplotlib

_CJK = ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "IDEOGRAPHIC", "FULLWIDTH")
FONT = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans-Bold.ttf"


@functools.lru_cache(maxsize=1)
def _drawable() -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(str(FONT), lazy=True) as font:
        return frozenset(font.getBestCmap())


def missing(text: str) -> str:
    """The distinct characters of ``text`` the font cannot draw, in order of first use
    (spaces, controls, joiners and variation selectors are not drawn and never miss)."""
    if all(ord(ch) < 0x250 for ch in text):  # Latin: drawn, no need to read the font
        return ""
    cmap = _drawable()
    out: dict[str, None] = {}
    for ch in text:
        if ord(ch) in cmap or ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Mn"):
            continue
        out[ch] = None
    return "".join(out)


def describe(chars: str, limit: int = 8) -> str:
    """``'こんにちは'`` (and 3 more), with the scripts named when they are CJK."""
    shown = chars[:limit] + (f"' and {len(chars) - limit} more" if len(chars) > limit else "'")
    cjk = any(unicodedata.name(c, "").startswith(_CJK) for c in chars)
    return f"'{shown}" + (" (Chinese, Japanese or Korean)" if cjk else "")
