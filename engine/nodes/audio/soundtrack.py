"""The ``audio.mix`` node: place every line in time, duck the music, normalise.

Speech comes at its synthesiser's rate (espeak: 22050 Hz, mono); it is
resampled once, here, to the output rate with a polyphase filter.
"""

from __future__ import annotations

from math import gcd

import numpy as np
from scipy.signal import resample_poly

from engine.nodes.audio.loudness import normalise
from engine.nodes.audio.mix import mix


def to_output_rate(mono: np.ndarray, sr_in: int, sr_out: int) -> np.ndarray:
    """(n,) float32 at ``sr_in`` -> (m, 2) float32 at ``sr_out``."""
    g = gcd(sr_in, sr_out)
    resampled = resample_poly(mono.astype(np.float64), sr_out // g, sr_in // g)
    return np.repeat(resampled.astype(np.float32)[:, None], 2, axis=1)


def soundtrack(params: dict, inputs: dict) -> tuple[np.ndarray, dict]:
    """Mix the whole video's audio.

    params: ``sr_hz``; ``segments``: the ``shot.timing`` input names in play order
    (cards included); ``music``: ``{"input", "gain_db", "duck_db", "fade_in_s",
    "fade_out_s"}`` or None; ``loudness_lufs``; ``true_peak_dbtp``.
    inputs: the timings, the Speech of every line, and the decoded music.

    Returns ((n, 2) float32, loudness report).
    """
    sr = params["sr_hz"]
    voices = []
    start_s = 0.0
    for name in params["segments"]:
        layout = inputs[name]
        for offset_s, speech_name in layout["voices"]:
            speech = inputs[speech_name]
            voices.append((start_s + offset_s, to_output_rate(speech.audio, speech.sr_hz, sr)))
        start_s += layout["timing"].duration_s
    total_s = start_s
    music = params.get("music")
    track = mix(
        inputs[music["input"]] if music else None,
        voices,
        total_s,
        sr,
        duck_db=music["duck_db"] if music else 0.0,
        fade_in_s=music["fade_in_s"] if music else 0.0,
        fade_out_s=music["fade_out_s"] if music else 0.0,
        gain_db=music["gain_db"] if music else 0.0,
    )
    return normalise(track, sr, params["loudness_lufs"], params["true_peak_dbtp"])
