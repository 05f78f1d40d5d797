"""When each action of a shot starts and ends, and how long the shot lasts.

The layout's rules live in ``engine.shot_time`` (the validator estimates with the
same function): actions run one after another unless they give ``at``, a line of
speech is followed by a short gap, a shot lasts its explicit duration or until its
last action ends plus a short tail, and shots begin and end on frame boundaries.
Here the lengths are measured: speech from its audio, a dance from the music's
tempo or its reference motion.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from engine.shot_time import Timed, counted_s, lay_out


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
    """Lay out a shot's actions in time (``engine.shot_time.lay_out``).

    Parameters
    ----------
    actions : each ``{"kind": str, "duration_s": float >= 0, "at": float | None,
        "spoken": bool}`` in scene order; ``duration_s`` is already measured (speech
        audio length, dance bars at the music's tempo...); ``kind`` is a label kept on
        the result; ``spoken`` (default False): a line of speech, followed by a gap.
    explicit_s : the shot's ``duration`` in seconds, or None to derive it.
    fps : frames per second (int > 0).
    transition_s : a cross-fade or fade at the start: actions begin after it.

    Returns
    -------
    ShotTiming, with action times in seconds from the shot's first frame.
    """
    layout = lay_out(
        (Timed(a["duration_s"], a.get("at"), a.get("spoken", False)) for a in actions),
        explicit_s,
        fps,
        transition_s,
    )
    laid = tuple(
        ActionTime(index, action["kind"], start, end)
        for index, (action, (start, end)) in enumerate(zip(actions, layout.spans, strict=True))
    )
    return ShotTiming(layout.duration_s, layout.n_frames, fps, laid)


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


def counted_length_s(action: dict, inputs: dict) -> float:
    """An action counted in the music (a dance) without a duration lasts its beats or
    bars (``default_bars`` without either) at the music's tempo, or, with a reference
    motion and no count, as long as the motion."""
    music = inputs.get("music_analysis")
    if action.get("motion") and not (action.get("beats") or action.get("bars")):
        track = inputs[action["motion"]]
        return track.n_frames / track.fps
    if music is None:
        raise ValueError("an action counted in bars or beats needs the music's analysis")
    return counted_s(
        action.get("beats"),
        action.get("bars"),
        action["default_bars"],
        music.beats_per_bar,
        music.tempo_bpm,
    )


def shot_layout(params: dict, inputs: dict) -> dict:
    """The ``shot.timing`` node: lay out a shot whose speech durations are now known.

    params: ``{"fps", "explicit_s", "transition_s", "actions": [{"kind" (a label),
    "timing", "duration_s", "at", "speech", "text"}]}``. ``timing`` says how an
    action's length is known: "seconds" (``duration_s``), "speech" (the length of
    its speech, input ``speech``; ``text``: its words as written, for captions) or
    "beats" (``duration_s``, else ``counted_length_s`` from ``beats``, ``bars``,
    ``default_bars`` and ``motion``).
    inputs: the Speech of each line, by name; ``music_analysis``; motion tracks.

    Returns ``{"timing": ShotTiming, "cues": [(start_s, end_s, text)] from the
    shot's start, "voices": [(start_s, speech input name)], "words": [(start_s, end_s,
    word)] from the shot's start, each word of every line as written (word captions)}``.
    """
    actions = []
    for action in params["actions"]:
        duration = action["duration_s"]
        if action["timing"] == "speech":
            duration = inputs[action["speech"]].duration_s
        elif action["timing"] == "beats" and duration is None:
            duration = counted_length_s(action, inputs)
        actions.append(
            {
                "kind": action["kind"],
                "duration_s": duration,
                "at": action.get("at"),
                "spoken": action["timing"] == "speech",
            }
        )
    timing = shot_timing(
        actions, params.get("explicit_s"), params["fps"], transition_s=params.get("transition_s", 0)
    )
    cues, voices, timed = [], [], []
    for action, laid in zip(params["actions"], timing.actions, strict=True):
        name = action.get("speech")
        if not name:
            continue
        voices.append((laid.start_s, name))
        words = written_words(inputs[name].words, action.get("text"))
        cues += caption_cues(words, laid.start_s)
        timed += [(laid.start_s + s, laid.start_s + e, w) for s, e, w in words if w.strip()]
    end_s = timing.duration_s
    cues = [(s, min(e, end_s), t) for s, e, t in cues if s < end_s]
    timed = [(s, min(e, end_s), w) for s, e, w in timed if s < end_s]
    return {"timing": timing, "cues": cues, "voices": voices, "words": timed}
