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

STREAM_LINE_S = 60.0  # a line longer than this is resampled range by range, when mixed


def to_output_rate(mono: np.ndarray, sr_in: int, sr_out: int) -> np.ndarray:
    """(n,) float32 at ``sr_in`` -> (m, 2) float32 at ``sr_out``."""
    g = gcd(sr_in, sr_out)
    resampled = resample_poly(mono.astype(np.float64), sr_out // g, sr_in // g)
    return np.repeat(resampled.astype(np.float32)[:, None], 2, axis=1)


class ResampledLine:
    """A long line at the output rate, resampled only over the ranges read.

    Equal to ``to_output_rate`` of the whole line: output sample j of the
    polyphase filter reads the input around j * down / up, so a piece of input
    that starts on a multiple of ``down`` and reaches past the filter's half
    length (10 * max(up, down) / up input samples) on both sides gives the same
    outputs inside it. A 10-minute recording is never held at 48 kHz stereo
    float64 (~460 MB), only a block of it.
    """

    def __init__(self, mono: np.ndarray, sr_in: int, sr_out: int):
        g = gcd(sr_in, sr_out)
        self.mono, self.up, self.down = mono, sr_out // g, sr_in // g
        self.n_samples = -(-len(mono) * self.up // self.down)  # resample_poly's length
        self.n_channels = 2
        self._pad = 20 * max(self.up, self.down) // self.up + 64  # input samples each side

    def read(self, lo: int, hi: int) -> np.ndarray:
        """Output samples [lo, hi) as (hi - lo, 2) float32."""
        up, down = self.up, self.down
        first = max(0, (lo * down // up - self._pad) // down * down)  # on a multiple of down
        last = min(len(self.mono), -(-hi * down // up) + self._pad)
        piece = resample_poly(self.mono[first:last].astype(np.float64), up, down)
        offset = first * up // down  # the piece's first output sample
        out = piece[lo - offset : hi - offset].astype(np.float32)
        return np.repeat(out[:, None], 2, axis=1)


def _voice(speech, sr_out: int):
    """A line for the mix: resampled when the mix reaches it, or range by range if long."""
    if len(speech.audio) > STREAM_LINE_S * speech.sr_hz:
        return lambda: ResampledLine(speech.audio, speech.sr_hz, sr_out)
    return lambda: to_output_rate(speech.audio, speech.sr_hz, sr_out)


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
            # made when the mix reaches the line, dropped once it is past
            voices.append((start_s + offset_s, _voice(inputs[speech_name], sr)))
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
