"""When each action of a shot starts and ends, and how long the shot lasts.

Actions run one after another unless they give ``at`` (seconds into the shot),
so a character can speak while dancing. A shot lasts its explicit duration, or
until its last action ends plus a short tail, or ``EMPTY_SHOT_S`` when it has
neither. Shots begin and end on frame boundaries: n_frames = round(duration x fps).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

EMPTY_SHOT_S = 4.0  # a photo-story shot with no actions and no duration
TAIL_S = 0.4  # breath after the last action, so a line never ends on a cut
GAP_S = 0.25  # between consecutive lines of speech


@dataclass(frozen=True)
class ActionTime:
    index: int
    kind: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class ShotTiming:
    duration_s: float
    n_frames: int
    fps: int
    actions: tuple[ActionTime, ...]


def shot_timing(
    actions: list[dict], explicit_s: float | None, fps: int, *, transition_s: float = 0.0
) -> ShotTiming:
    """Lay out a shot's actions in time.

    Parameters
    ----------
    actions : each ``{"kind": str, "duration_s": float >= 0, "at": float | None}``
        in scene order; ``duration_s`` is already measured (speech audio length,
        dance bars at the music's tempo...).
    explicit_s : the shot's ``duration`` in seconds, or None to derive it.
    fps : frames per second (int > 0).
    transition_s : a cross-fade or fade at the start: actions begin after it.

    Returns
    -------
    ShotTiming, with action times in seconds from the shot's first frame.
    """
    cursor = transition_s
    laid: list[ActionTime] = []
    previous_kind = ""
    for index, action in enumerate(actions):
        length = max(0.0, float(action["duration_s"]))
        if action.get("at") is not None:
            start = float(action["at"])
        else:
            start = cursor + (GAP_S if previous_kind in ("say", "sing") and laid else 0.0)
        laid.append(ActionTime(index, action["kind"], start, start + length))
        if action.get("at") is None:
            cursor = start + length
            previous_kind = action["kind"]
    if explicit_s is not None:
        duration = float(explicit_s)
    elif laid:
        duration = max(a.end_s for a in laid) + TAIL_S
    else:
        duration = max(EMPTY_SHOT_S, transition_s)
    n_frames = max(1, round(duration * fps))
    return ShotTiming(n_frames / fps, n_frames, fps, tuple(laid))


CAPTION_MAX_CHARS = 80  # two lines of ~40
CAPTION_MAX_S = 5.0
CAPTION_HOLD_S = 0.3


def _plain(word: str) -> str:
    return "".join(ch for ch in word.lower() if ch.isalnum())


def written_words(words: list[tuple[float, float, str]], text: str | None) -> list:
    """The line's words as written (punctuation, capitals, every word), timed.

    The speech engine's words can differ from the text (espeak says "it is" as one
    word event; the aligner lower-cases). Written tokens are matched to timed
    words in order; a token with no match takes the time between its neighbours.
    """
    tokens = (text or "").split()
    if not tokens or not words:
        return words
    matcher = difflib.SequenceMatcher(
        a=[_plain(t) for t in tokens], b=[_plain(w) for _, _, w in words], autojunk=False
    )
    times: list[tuple[float, float] | None] = [None] * len(tokens)
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            start, end, _ = words[block.b + k]
            times[block.a + k] = (start, end)
    # Unmatched tokens share the gap between the nearest matched neighbours.
    i = 0
    while i < len(tokens):
        if times[i] is not None:
            i += 1
            continue
        j = i
        while j < len(tokens) and times[j] is None:
            j += 1
        lo = times[i - 1][1] if i > 0 else words[0][0]
        hi = times[j][0] if j < len(tokens) else words[-1][1]
        hi = max(hi, lo)
        step = (hi - lo) / (j - i)
        for k in range(i, j):
            times[k] = (lo + (k - i) * step, lo + (k - i + 1) * step)
        i = j
    return [(t[0], t[1], token) for t, token in zip(times, tokens, strict=True)]


def caption_cues(
    words: list[tuple[float, float, str]], offset_s: float
) -> list[tuple[float, float, str]]:
    """Group a line's timed words into caption cues of at most two short lines.

    A cue breaks after a sentence end, or when it would pass CAPTION_MAX_CHARS or
    CAPTION_MAX_S. Times are shifted by ``offset_s``; each cue is held a little
    after its last word, but never into the next cue.
    """
    cues: list[list] = []
    for start, end, word in words:
        word = word.strip()
        if not word:
            continue
        if cues:
            cue = cues[-1]
            text = f"{cue[2]} {word}"
            fits = len(text) <= CAPTION_MAX_CHARS and end - cue[0] <= CAPTION_MAX_S
            if fits and not cue[2].endswith((".", "!", "?")):
                cue[1], cue[2] = end, text
                continue
        cues.append([start, end, word])
    timed = []
    for i, (start, end, text) in enumerate(cues):
        next_start = cues[i + 1][0] if i + 1 < len(cues) else float("inf")
        timed.append((offset_s + start, offset_s + min(end + CAPTION_HOLD_S, next_start), text))
    return timed


DEFAULT_DANCE_BARS = 8


def dance_length_s(action: dict, inputs: dict) -> float:
    """A dance without a duration lasts its bars or beats at the music's tempo, or as
    long as its reference motion."""
    music = inputs.get("music_analysis")
    if action.get("motion") and not (action.get("beats") or action.get("bars")):
        track = inputs[action["motion"]]
        return track.n_frames / track.fps
    if music is None:
        raise ValueError("a dance measured in bars or beats needs the music's analysis")
    beats = action.get("beats") or (action.get("bars") or DEFAULT_DANCE_BARS) * music.beats_per_bar
    return beats * 60.0 / music.tempo_bpm


def shot_layout(params: dict, inputs: dict) -> dict:
    """The ``shot.timing`` node: lay out a shot whose speech durations are now known.

    params: ``{"fps", "explicit_s", "transition_s", "actions": [{"kind",
    "duration_s" (None for speech), "at", "speech" (input name or None)}]}``.
    inputs: the Speech of each line, by name.

    Returns ``{"timing": ShotTiming, "cues": [(start_s, end_s, text)] from the
    shot's start, "voices": [(start_s, speech input name)]}``.
    """
    actions = []
    for action in params["actions"]:
        duration = action["duration_s"]
        if action.get("speech"):
            duration = inputs[action["speech"]].duration_s
        elif duration is None and action["kind"] == "dance":
            duration = dance_length_s(action, inputs)
        actions.append({"kind": action["kind"], "duration_s": duration, "at": action.get("at")})
    timing = shot_timing(
        actions, params.get("explicit_s"), params["fps"], transition_s=params.get("transition_s", 0)
    )
    cues, voices = [], []
    for action, laid in zip(params["actions"], timing.actions, strict=True):
        name = action.get("speech")
        if not name:
            continue
        voices.append((laid.start_s, name))
        words = written_words(inputs[name].words, action.get("text"))
        cues += caption_cues(words, laid.start_s)
    cues = [(s, min(e, timing.duration_s), t) for s, e, t in cues if s < timing.duration_s]
    return {"timing": timing, "cues": cues, "voices": voices}
