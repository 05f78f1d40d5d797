"""The error the speech room raises for bad input (one line + a hint)."""

from __future__ import annotations

from engine.errors import PhotoplayError


class SpeechError(PhotoplayError):
    """Text, voice, audio or transcript the speech nodes cannot use."""


class SpeechTooLong(SpeechError):
    """espeak spoke a line far longer than its estimate; synthesis was stopped."""

    def __init__(self, text: str, bound_s: float):
        shown = text if len(text) <= 40 else text[:37] + "..."
        super().__init__(
            f"the line {shown!r} is spoken for more than {bound_s:.1f} s, twice its estimate; "
            "synthesis was stopped",
            hint="split it into shorter lines",
        )
        self.text = text
        self.bound_s = bound_s
