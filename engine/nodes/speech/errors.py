"""The error the speech room raises for bad input (one line + a hint)."""

from __future__ import annotations

from engine.errors import PhotoplayError


class SpeechError(PhotoplayError):
    """Text, voice, audio or transcript the speech nodes cannot use."""
