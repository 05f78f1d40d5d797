"""Word captions under careless and hostile text (issue 12): a 300-character word,
Chinese and Japanese with no spaces, Hebrew and Arabic, emoji, punctuation alone, the
largest size on the smallest and vertical frames. The caption never leaves the frame,
never meets the label, is never dropped, and every piece of a wrapped word is lit with
it."""

from __future__ import annotations

import numpy as np
import pytest

from engine.nodes.render import layout
from engine.nodes.render.overlays import OverlayTrack, ShotText, columns, word_groups
from engine.nodes.text import bidi
from engine.nodes.text.render import _font, words_overlay, wrap_words

LABEL = {"text": "AI-generated", "position": "bottom-right", "size": 0.035, "colour": None}
HIGHLIGHT = (255, 214, 10)


def _timed(words, step=0.3):
    return tuple((k * step, (k + 1) * step, w) for k, w in enumerate(words))


def _track(words, size_wh, size=0.05, label=LABEL):
    text = ShotText(None, (), size, label, caption_style="words", words=_timed(words))
    return OverlayTrack(text, *size_wh, backdrop_luma=0.0)


CASES = {
    "one 300-character word": ["a" * 300],
    "a 5000-character word": ["b" * 5000],
    "Japanese, no spaces": ["こんにちは、世界。今日はいい天気ですね。散歩に行きましょう。"],
    "Chinese, no spaces": ["你好世界今天天气很好我们一起去公园散步吧" * 3],
    "emoji": ["Hi", "😀🎉", "there", "👍🏽"],
    "Arabic": ["مرحبا", "بالعالم", "كيف", "حالك", "اليوم"],
    "Hebrew": ["שלום", "עולם", "מה", "שלומך", "היום"],
    "punctuation only": ["...", "!!!", "?", "—"],
    "many words": ["Hello", "there", "my", "dear", "friend", "how", "are", "you", "today"] * 5,
}
SIZES = {"256x144 at 0.2": ((256, 144), 0.2), "144x256 at 0.2": ((144, 256), 0.2),
         "144x144 at 0.2": ((144, 144), 0.2), "256x144": ((256, 144), 0.05)}  # fmt: skip


@pytest.mark.parametrize("size", SIZES.values(), ids=SIZES.keys())
@pytest.mark.parametrize("words", CASES.values(), ids=CASES.keys())
def test_word_captions_stay_in_the_frame_clear_of_the_label(words, size):
    (w, h), em = size
    track = _track(words, (w, h), em)
    label = track.placed[0].box
    captions = [p for p in track.placed if p.what == "caption"]
    assert captions, "the caption was dropped"
    shown = "".join(word for _, _, items in word_groups(_timed(words)) for _, word in items)
    assert shown == "".join(words)  # every character of every word, in order
    top, bottom = layout.bands((w, h))
    for placed in captions:
        x0, y0, x1, y1 = placed.box
        assert y0 >= 0 and y1 <= h and top <= y0 and y1 <= h - bottom, placed.box
        assert not layout.intersect(placed.box, label), (placed.box, label)
        # the ink (not the transparent padding) stays inside the frame's width
        overlay = track.at(placed.from_s + 1e-6)
        assert overlay is not None
        alpha = np.asarray(overlay.rgba)[..., 3]
        cols = np.nonzero(alpha.max(axis=0))[0] + overlay.xy[0]
        assert cols.min() >= 0 and cols.max() < w


def test_every_piece_of_a_word_wrapped_over_lines_is_lit():
    # a 300-character word fills lines; before, only its first line was highlighted
    o = words_overlay(("a" * 300,), 0, 256, 144, size_frac=0.05)
    rgba = np.asarray(o.rgba)
    lit = np.all(rgba[..., :3] == HIGHLIGHT, axis=2) & (rgba[..., 3] == 255)
    white = np.all(rgba[..., :3] == (255, 255, 255), axis=2) & (rgba[..., 3] == 255)
    assert lit.sum() > 0 and white.sum() == 0
    rows = np.nonzero(lit.any(axis=1))[0]
    assert rows.max() - rows.min() > 2 * round(0.05 * 144)  # on several lines


def test_text_with_no_spaces_shows_a_few_characters_at_a_time():
    line = "こんにちは、世界。今日はいい天気ですね。"
    groups = word_groups([(1.0, 3.0, line)])
    assert len(groups) >= 3
    assert all(columns("".join(w for _, w in items)) <= 22 for _, _, items in groups)
    starts = [s for s, _, _ in groups]
    assert starts == sorted(starts) and starts[0] == 1.0 and groups[-1][1] <= 3.0 + 0.3
    assert groups[0][2][0][1] == "こんにちは、"  # cut after its punctuation


def test_hebrew_and_arabic_read_right_to_left_and_arabic_joins():
    assert bidi.visual_word("שלום") == "םולש"
    assert bidi.visual_order(["שלום", "עולם"]) == [1, 0]
    assert bidi.visual_order(["Hello", "world"]) == [0, 1]
    assert bidi.visual_word("2026") == "2026" and bidi.visual_word("שנת2026") == "2026תנש"
    # beh alone, initial, medial, final
    assert bidi.shape("ب") == "\ufe8f"
    assert bidi.shape("ببب") == "\ufe91\ufe92\ufe90"
    assert bidi.shape("لا") == "\ufefb"  # lam-alef ligature
    assert bidi.shape("دب") == "\ufea9\ufe8f"  # dal does not join what follows
    # the first word of a right-to-left caption is drawn rightmost, and is the lit one
    font = _font(True, 20)
    (line,) = wrap_words(("مرحبا", "بالعالم"), font, 1000)
    assert [i for i, _ in line] == [1, 0]
