"""The ``audio.mix`` node: place every line in time, duck the music, normalise.

Speech comes at its synthesiser's rate (espeak: 22050 Hz, mono); each line is
resampled once, here, to the output rate with a polyphase filter, when the
mix reaches it. The mix streams in blocks into a temporary ``.npy`` file,
which ``normalise_file`` turns into the node's artifact: memory stays flat
however long the video.
"""

from __future__ import annotations

import os
from math import gcd
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

from engine.nodes.audio.blocks import NpyWriter
from engine.nodes.audio.loudness import normalise_file
from engine.nodes.audio.mix import mix_blocks
from engine.nodes.output.atomic import atomic_path, discard, make_temp_path


def to_output_rate(mono: np.ndarray, sr_in: int, sr_out: int) -> np.ndarray:
    """(n,) float32 at ``sr_in`` -> (m, 2) float32 at ``sr_out``."""
    g = gcd(sr_in, sr_out)
    resampled = resample_poly(mono.astype(np.float64), sr_out // g, sr_in // g)
    return np.repeat(resampled.astype(np.float32)[:, None], 2, axis=1)


def soundtrack_to_file(params: dict, inputs: dict, path_out: str | os.PathLike) -> dict:
    """Mix the whole video's audio into ``path_out``, a (n, 2) float32 ``.npy`` file.

    params: ``sr_hz``; ``segments``: the ``shot.timing`` input names in play order
    (cards included); ``music``: ``{"input", "gain_db", "duck_db", "fade_in_s",
    "fade_out_s"}`` or None; ``loudness_lufs``; ``true_peak_dbtp``.
    inputs: the timings, the Speech of every line, and the music: the result of
    ``decode_to_file`` (``{"file": path, ...}``), a ``.npy`` path, or an
    (m, 2) float32 array.

    The file is written atomically (temporary file + rename). Returns the
    loudness report of ``normalise``.
    """
    sr = params["sr_hz"]
    voices = []
    start_s = 0.0
    for name in params["segments"]:
        layout = inputs[name]
        for offset_s, speech_name in layout["voices"]:
            speech = inputs[speech_name]
            # Resampled when the mix reaches the line, dropped once it is past.
            line = lambda s=speech: to_output_rate(s.audio, s.sr_hz, sr)  # noqa: E731
            voices.append((start_s + offset_s, line))
        start_s += layout["timing"].duration_s
    total_s = start_s
    music = params.get("music")
    blocks = mix_blocks(
        inputs[music["input"]] if music else None,
        voices,
        total_s,
        sr,
        duck_db=music["duck_db"] if music else 0.0,
        fade_in_s=music["fade_in_s"] if music else 0.0,
        fade_out_s=music["fade_out_s"] if music else 0.0,
        gain_db=music["gain_db"] if music else 0.0,
    )
    raw = make_temp_path(Path(path_out).with_name(Path(path_out).stem + "-raw.npy"))
    try:
        with NpyWriter(raw) as writer:
            for block in blocks:
                writer.write(block)
        with atomic_path(path_out) as temp:
            return normalise_file(raw, temp, sr, params["loudness_lufs"], params["true_peak_dbtp"])
    finally:
        discard(raw)
