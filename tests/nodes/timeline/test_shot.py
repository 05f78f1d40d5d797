"""Shot layout and caption timing: hand-checkable cases."""

from __future__ import annotations

import pytest

from engine.nodes.timeline.shot import caption_cues, shot_timing, written_words
from engine.shot_time import EMPTY_SHOT_S, GAP_S, TAIL_S


def test_actions_follow_each_other_and_at_overrides():
    actions = [
        {"kind": "say", "duration_s": 2.0, "at": None, "spoken": True},
        {"kind": "say", "duration_s": 1.0, "at": None, "spoken": True},
        {"kind": "emote", "duration_s": 1.5, "at": 0.5},
    ]
    t = shot_timing(actions, None, 25)
    starts = [(a.start_s, a.end_s) for a in t.actions]
    assert starts[0] == (0.0, 2.0)
    assert starts[1] == pytest.approx((2.0 + GAP_S, 3.0 + GAP_S))
    assert starts[2] == (0.5, 2.0)  # at: runs alongside, does not push the cursor
    assert t.duration_s == pytest.approx(3.0 + GAP_S + TAIL_S, abs=0.5 / 25)
    assert t.n_frames == round((3.0 + GAP_S + TAIL_S) * 25)


def test_explicit_and_empty_durations_land_on_frames():
    assert shot_timing([], 1.01, 25).n_frames == 25
    assert shot_timing([], None, 30).duration_s == EMPTY_SHOT_S
    assert shot_timing([], 0.001, 25).n_frames == 1  # never an empty segment


def test_written_words_keep_every_word_and_its_spelling():
    # espeak voices "it is" as one word event; the written text keeps both words.
    timed = [(0.0, 0.2, "And"), (0.2, 0.5, "yet"), (0.5, 1.4, "it"), (1.6, 2.2, "talking")]
    words = written_words(timed, "And yet it is, talking!")
    assert [w for _, _, w in words] == ["And", "yet", "it", "is,", "talking!"]
    assert words[3][:2] == (1.4, 1.6)  # the unmatched word fills the gap
    assert [w[:2] for w in words[:3]] == [(0.0, 0.2), (0.2, 0.5), (0.5, 1.4)]


def test_caption_cues_break_after_sentences_and_never_overlap():
    words = [(0.0, 0.3, "Hello."), (0.5, 0.8, "How"), (0.8, 1.0, "are"), (1.0, 1.3, "you?")]
    cues = caption_cues(words, offset_s=10.0)
    assert [c[2] for c in cues] == ["Hello.", "How are you?"]
    assert cues[0][0] == 10.0 and cues[0][1] <= cues[1][0]
