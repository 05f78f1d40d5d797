"""SubRip (.srt) and WebVTT (.vtt) caption files from timed cues.

A cue is ``(start_s, end_s, text)`` in seconds from the start of the video.
Text is wrapped to lines of at most ~42 characters (the usual broadcast and
web limit); a cue that fits on two lines is split near its middle so the two
lines are balanced, as subtitle style guides ask.

Formats:
    SRT:  ``1\\n00:00:01,250 --> 00:00:03,000\\ntext\\n\\n`` (comma before ms)
    VTT:  ``WEBVTT\\n\\n00:00:01.250 --> 00:00:03.000\\ntext\\n\\n`` (dot before ms;
          ``&``, ``<`` and ``>`` escaped, as the WebVTT cue text syntax needs)
"""

from __future__ import annotations

import math
import os
import textwrap
from collections.abc import Sequence

from engine.errors import NodeError
from engine.nodes.output.atomic import write_text_atomic

KIND = "output.captions"
MAX_LINE_CHARS = 42

Cue = tuple[float, float, str]


def wrap_caption(text: str, max_chars: int = MAX_LINE_CHARS) -> list[str]:
    """Split caption text into lines of at most ``max_chars`` (longer words stay whole).

    Two-line cues are balanced: the break goes at the space nearest the middle
    that keeps both lines within the limit.
    """
    words = text.split()
    if not words:
        return []
    flat = " ".join(words)
    if len(flat) <= max_chars:
        return [flat]
    lines = textwrap.wrap(flat, max_chars, break_long_words=False, break_on_hyphens=False)
    if len(lines) == 2:
        best = None
        for i in range(1, len(words)):
            top, bottom = " ".join(words[:i]), " ".join(words[i:])
            if len(top) <= max_chars and len(bottom) <= max_chars:
                score = abs(len(top) - len(bottom))
                if best is None or score < best[0]:
                    best = (score, [top, bottom])
        if best is not None:
            lines = best[1]
    return lines


def format_timestamp(t_sec: float, sep: str) -> str:
    """Seconds -> ``HH:MM:SS<sep>mmm`` rounded to the millisecond."""
    total_ms = round(t_sec * 1000)
    hours, rest = divmod(total_ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, ms = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{sep}{ms:03d}"


def _checked(cues: Sequence[Cue]) -> list[Cue]:
    checked = []
    for i, cue in enumerate(cues):
        try:
            start_s, end_s, text = cue
            start_s, end_s = float(start_s), float(end_s)
        except (TypeError, ValueError) as exc:
            raise NodeError(
                f"cue {i} should be (start_s, end_s, text), got {cue!r}",
                kind=KIND,
                hint="times in seconds, text a string",
            ) from exc
        if not (math.isfinite(start_s) and math.isfinite(end_s)) or start_s < 0 or end_s <= start_s:
            raise NodeError(
                f"cue {i} has bad times: start {start_s} s, end {end_s} s",
                kind=KIND,
                hint="need 0 <= start_s < end_s",
            )
        checked.append((start_s, end_s, str(text)))
    return sorted(checked, key=lambda c: (c[0], c[1]))


def srt_text(cues: Sequence[Cue], max_chars: int = MAX_LINE_CHARS) -> str:
    """The SubRip document for ``cues`` (sorted by start time, numbered from 1)."""
    blocks = []
    for n, (start_s, end_s, text) in enumerate(_checked(cues), start=1):
        stamp = f"{format_timestamp(start_s, ',')} --> {format_timestamp(end_s, ',')}"
        lines = wrap_caption(text, max_chars)
        blocks.append("\n".join([str(n), stamp, *lines]) + "\n")
    return "\n".join(blocks)


def _vtt_escape(line: str) -> str:
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def vtt_text(cues: Sequence[Cue], max_chars: int = MAX_LINE_CHARS) -> str:
    """The WebVTT document for ``cues`` (sorted by start time)."""
    blocks = ["WEBVTT\n"]
    for start_s, end_s, text in _checked(cues):
        stamp = f"{format_timestamp(start_s, '.')} --> {format_timestamp(end_s, '.')}"
        lines = [_vtt_escape(line) for line in wrap_caption(text, max_chars)]
        blocks.append("\n".join([stamp, *lines]) + "\n")
    return "\n".join(blocks)


def write_srt(
    cues: Sequence[Cue], path: str | os.PathLike, max_chars: int = MAX_LINE_CHARS
) -> None:
    """Write cues as a UTF-8 .srt file, atomically."""
    write_text_atomic(path, srt_text(cues, max_chars))


def write_vtt(
    cues: Sequence[Cue], path: str | os.PathLike, max_chars: int = MAX_LINE_CHARS
) -> None:
    """Write cues as a UTF-8 .vtt file, atomically."""
    write_text_atomic(path, vtt_text(cues, max_chars))
