"""Errors of the music room."""

from __future__ import annotations

from engine.errors import PhotoplayError


class MusicError(PhotoplayError):
    """Music audio that cannot be analysed (wrong shape, not finite, too short)."""


class NoBeatError(MusicError):
    """The music has no detectable pulse (noise, a sustained pad, silence)."""

    def __init__(self, confidence: float, threshold: float):
        super().__init__(
            f"music has no detectable beat (beat confidence {confidence:.2f} < {threshold:.2f})",
            hint="give music.bpm to dance on a steady beat at that tempo, or use music with a clear pulse",
        )
        self.confidence = confidence
        self.threshold = threshold
