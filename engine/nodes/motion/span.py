"""How much of a reference motion (video or BVH) a dance can use, known before any
music is analysed, so that a 10-minute clip for a 2-second dance is not read whole."""

from __future__ import annotations

SLOWEST_BPM = 40.0  # engine.nodes.music.tempo.MIN_BPM: the longest a beat can be
MAX_BEATS_PER_BAR = 4
FIT_STRETCH_MAX = 2.0  # fit_to_beats plays the source at most about this much faster
MARGIN_S = 2.0  # rounding, easing and a spare accent at the end


def motion_seconds_needed(
    duration_s: float | None, beats: int | None, bars: int | None, fit_to_beats: bool
) -> float | None:
    """Seconds from the start of the motion a dance may read, or None for all of it.

    A dance given a duration, or beats or bars (at most 1.5 s a beat), lasts at most
    that long; played at its own speed it needs that much motion, fitted to the beats
    at most ``FIT_STRETCH_MAX`` times that. Without any of them the dance lasts as
    long as its motion, which is then read whole (up to the reader's own cap).
    """
    if duration_s is None and not beats and not bars:
        return None
    if duration_s is None:
        n_beats = beats or bars * MAX_BEATS_PER_BAR
        duration_s = n_beats * 60.0 / SLOWEST_BPM  # beats / (beats/min) * s/min = s
    if fit_to_beats:
        duration_s *= FIT_STRETCH_MAX
    return float(duration_s) + MARGIN_S
