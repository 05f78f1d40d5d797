"""The speech length estimate counts characters, erring long (issue 11, item 13):
counting words, 5,000 emoji or 4,000 digits were estimated at 4.4 s."""

from __future__ import annotations

import pytest

from engine.speech_time import estimate_speech_s, speech_bound_s

# What espeak-ng (en-us, 160 wpm) spoke, measured 2026-12 with engine.nodes.speech.tts.
MEASURED_S = {
    "People ask me what a nanosecond is. Here is one: a piece of wire about a foot long. ": 5.5,
    "7" * 4000: 67.52,
    "7" * 200: 10.61,
    "7" * 20: 14.9,
    " ".join("7" * 200): 83.39,
    "1962 2026 4567 " * 10: 55.90,
    "😀" * 5000: 220.57,
    "😀" * 100: 7.96,
    "😀 " * 100: 68.23,
    "你好世界" * 25: 70.06,
    "https://example.com/a/b/c?x=1&y=2 " * 5: 36.22,
    "NASA FBI CIA USA " * 10: 17.21,
    "a1b2c3d4e5" * 20: 46.67,
    "مرحبا بالعالم " * 10: 13.53,
    "supercalifragilisticexpialidocious " * 5: 10.79,
}


@pytest.mark.parametrize("text", list(MEASURED_S), ids=[t[:12] for t in MEASURED_S])
def test_the_estimate_is_never_under_what_espeak_spoke(text):
    estimate_s = estimate_speech_s(text, 160)
    assert MEASURED_S[text] <= estimate_s <= 5 * MEASURED_S[text]


def test_the_word_count_no_longer_decides():
    assert estimate_speech_s("😀" * 5000, 160) > 220  # one "word": 0.4 s by words
    assert estimate_speech_s("7" * 4000, 160) > 67


def test_prose_is_estimated_close_to_its_length():
    prose = "People ask me what a nanosecond is. Here is one: a piece of wire about a foot long."
    assert 5.5 <= estimate_speech_s(prose, 160) <= 1.4 * 5.5


def test_slower_speech_is_estimated_longer():
    text = "Light travels that far in a billionth of a second."
    assert estimate_speech_s(text, 80) == pytest.approx(2 * estimate_speech_s(text, 160))
    assert estimate_speech_s(text, 450) > estimate_speech_s(text, 160) * 160 / 450
    assert speech_bound_s(text, 160) > 2 * estimate_speech_s(text, 160)


@pytest.mark.slow
@pytest.mark.parametrize("rate_wpm", [80, 300, 450])
def test_the_estimate_covers_real_synthesis(rate_wpm):
    from engine.nodes.speech.tts import synthesise

    for text in [
        "😀 🎉 " * 20,
        "7" * 60,
        "Mrs. O'Hara paid $5,000,000.25 on 2026-10-02!",
        "你好" * 10,
    ]:
        spoken_s = synthesise(text, rate_wpm=rate_wpm).duration_s
        assert spoken_s <= estimate_speech_s(text, rate_wpm), (text, spoken_s)
