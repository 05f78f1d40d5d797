"""How long a shot lasts and when each of its actions starts: one layout for both uses.

The validator (``engine.spec``) lays a shot out with estimated lengths (speech from
its characters, dances at the tempo hint) to report the video's length before
anything runs; the ``shot.timing`` node (``engine.nodes.timeline``) lays it out
again with measured ones (the synthesised audio, the analysed tempo). Both call
``lay_out`` and ``counted_s``, so when every length is known in advance (no speech
to synthesise, durations given) the estimate is the exact layout.

Rules: actions run one after another unless they give ``at`` (seconds into the
shot), so a character can speak while dancing; an action with ``at`` runs alongside
and does not move the cursor. A line of speech is followed by ``GAP_S`` before the
next action in sequence. Actions start after a fade or cross-fade in. A shot lasts
its explicit duration, or until its last action ends plus ``TAIL_S``, or
``EMPTY_SHOT_S`` when it has neither; it begins and ends on frame boundaries:
n_frames = round(duration_s x fps), at least 1.

A leaf module (no engine imports), like ``engine.speech_time``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

EMPTY_SHOT_S = 4.0  # a photo-story shot with no actions and no duration
TAIL_S = 0.4  # breath after the last action, so a line never ends on a cut
GAP_S = 0.25  # after a line of speech, before the next action in sequence


@dataclass(frozen=True)
class Timed:
    """One action as the layout sees it: ``length_s`` >= 0 in seconds; ``at_s`` its
    start in seconds from the shot's first frame, or None to follow the previous
    action; ``spoken``: a line of speech (``GAP_S`` follows it)."""

    length_s: float
    at_s: float | None = None
    spoken: bool = False


@dataclass(frozen=True)
class Layout:
    """``spans``: (start_s, end_s) of each action, in order, seconds from the shot's
    first frame; ``duration_s`` = ``n_frames`` / fps (inf for a length past any
    frame count, which the validator refuses)."""

    duration_s: float
    n_frames: int
    spans: tuple[tuple[float, float], ...]

    @property
    def end_s(self) -> float:
        """When the last action ends (0 without actions), in seconds."""
        return max((end for _, end in self.spans), default=0.0)


def lay_out(
    actions: Iterable[Timed], explicit_s: float | None, fps: int, transition_s: float = 0.0
) -> Layout:
    """Lay out a shot's actions in time.

    Parameters
    ----------
    actions : the shot's actions in scene order, their lengths known or estimated.
    explicit_s : the shot's ``duration`` in seconds, or None to derive it.
    fps : frames per second, int > 0.
    transition_s : float >= 0, seconds of fade or cross-fade at the start; actions
        that follow the cursor begin after it.

    Returns
    -------
    Layout
    """
    cursor = transition_s
    spans: list[tuple[float, float]] = []
    gap = False  # the previous action in sequence was a line of speech
    for action in actions:
        length = max(0.0, float(action.length_s))
        if action.at_s is None:  # it follows the previous action in sequence
            start = cursor + (GAP_S if gap else 0.0)
            cursor, gap = start + length, action.spoken
        else:
            start = float(action.at_s)
        spans.append((start, start + length))
    if explicit_s is not None:
        duration = float(explicit_s)
    elif spans:
        duration = max(end for _, end in spans) + TAIL_S
    else:
        duration = max(EMPTY_SHOT_S, transition_s)
    frames = duration * fps  # s x frames/s = frames
    if not math.isfinite(frames):
        return Layout(math.inf, 0, tuple(spans))
    n_frames = max(1, round(frames))
    return Layout(n_frames / fps, n_frames, tuple(spans))


def counted_s(
    beats: int | None, bars: int | None, default_bars: int, beats_per_bar: int, tempo_bpm: float
) -> float:
    """Seconds of an action counted in the music: ``beats``, else ``bars`` (else
    ``default_bars``) of ``beats_per_bar`` beats, at ``tempo_bpm`` beats per minute."""
    n_beats = beats or (bars or default_bars) * beats_per_bar
    return n_beats * 60.0 / tempo_bpm  # beats x s/min / (beats/min) = s


CREDITS_MAX_S = 2.0  # the credits card lasts at most this long...
CREDITS_MAX_SHARE = 0.15  # ...and at most this share of the whole video
CREDITS_MIN_S = 0.5
CREDITS_CARDS = ("end", "start", "none")  # where the credits card goes (none: no card)


def credits_card_s(body_s: float, fps: int, explicit_s: float | None = None) -> float:
    """How long the credits card lasts, in seconds: ``explicit_s`` when the scene gives
    it, else 2 s or 15 % of the video, whichever is shorter, on whole frames.

    ``body_s``: the rest of the video (shots and opening card), as the validator
    estimates it; 10 % is kept in hand for the estimate's error. A card of c seconds
    beside b seconds of video is c / (b + c) of it, so c <= 0.15 b / 0.85. The card is
    laid out like a shot of that duration (``lay_out``), wherever it is placed.
    """
    if explicit_s is not None:
        return float(explicit_s)
    share_s = 0.9 * CREDITS_MAX_SHARE / (1 - CREDITS_MAX_SHARE) * max(0.0, body_s)
    seconds = max(CREDITS_MIN_S, min(CREDITS_MAX_S, share_s))
    return max(1, math.floor(seconds * fps)) / fps


STAGE_MOVE_S = 0.6  # a performer's entrance or exit on a stage lasts this long by default


def stage_moves(
    enter: dict | None, exit: dict | None, duration_s: float
) -> tuple[tuple[float, float] | None, tuple[float, float] | None]:
    """(start_s, end_s) in the shot of a performer's entrance and exit (None: none).

    ``enter``/``exit``: ``{"side", "at", "duration"}`` as the scene gives them (``at``
    None: an entrance at the shot's start, an exit ending with the shot, whose length is
    ``duration_s``). The renderer moves the performer by these spans and the timeline
    marks them on screen only between the end of the first and the start of the second.
    """
    entrance = departure = None
    if enter:
        start = float(enter.get("at") or 0.0)
        entrance = (start, start + float(enter.get("duration") or STAGE_MOVE_S))
    if exit:
        length = float(exit.get("duration") or STAGE_MOVE_S)
        at = exit.get("at")
        start = max(0.0, duration_s - length) if at is None else float(at)
        departure = (start, start + length)
    return entrance, departure


def on_stage_s(enter: dict | None, exit: dict | None, duration_s: float) -> tuple[float, float]:
    """(from_s, until_s): when a performer is wholly on stage in a shot of ``duration_s``
    (after their entrance has ended, before their exit begins)."""
    entrance, departure = stage_moves(enter, exit, duration_s)
    return (entrance[1] if entrance else 0.0, departure[0] if departure else duration_s)
