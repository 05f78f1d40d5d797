"""Decode any audio file PyAV reads into (n, 2) float32 at one sample rate.

The file is decoded at its own rate, made stereo (mono is copied to both
channels; more than two channels are down-mixed by libswresample's standard
matrix), and resampled exactly once with soxr (very high quality, the same
resampler librosa uses). soxr is deterministic: same input, same samples.
Decoding streams chunk by chunk and stops once the requested window is
complete, so a short window of a long file costs little memory;
``decode_to_file`` streams the window into a ``.npy`` file, so a long one does too.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import soxr

from engine.errors import AssetError
from engine.nodes.audio.blocks import NpyWriter
from engine.nodes.output.atomic import atomic_path
from engine.nodes.output.paths import ffmpeg_file

_HINT_FORMAT = "use an audio file PyAV/FFmpeg can read (WAV, FLAC, OGG, MP3, M4A)"


def decode_audio(
    path: str | os.PathLike,
    sr_hz: int,
    start_s: float = 0.0,
    duration_s: float | None = None,
) -> np.ndarray:
    """Decode the first audio stream of ``path``.

    Parameters
    ----------
    path : any file with an audio stream FFmpeg can decode (also a video file).
    sr_hz : int > 0, the output sample rate in Hz.
    start_s : float >= 0, where to start, in seconds from the first sample.
    duration_s : float > 0 or None (to the end); the window length in seconds.
        The result is shorter if the file ends first.

    Returns
    -------
    (n, 2) float32 samples, nominally in [-1, 1], n = round(duration_s * sr_hz)
    when the file is long enough. Sample 0 is the first sample the decoder
    gives (MP4/M4A priming is dropped by the demuxer; an AAC file's padding of
    its last frame, under 1024 samples of silence, is kept).

    Raises
    ------
    AssetError when the file is missing, undecodable, has no audio stream, or
    holds no samples in the requested window.
    """
    pieces = list(_window_blocks(path, sr_hz, start_s, duration_s))
    return np.ascontiguousarray(np.concatenate(pieces), dtype=np.float32)


def decode_to_file(
    path_in: str | os.PathLike,
    sr_hz: int,
    start_s: float,
    duration_s: float | None,
    path_out: str | os.PathLike,
) -> dict:
    """Decode like ``decode_audio`` but stream the samples into a ``.npy`` file.

    ``path_out`` receives (n, 2) float32 (read it in blocks with
    ``engine.nodes.audio.blocks.NpySource``), written atomically (temporary
    file + rename); memory stays bounded however long the music is.

    Returns
    -------
    {"file": Path(path_out), "n_samples": n, "sr_hz": sr_hz}

    Raises
    ------
    AssetError as ``decode_audio``.
    """
    with atomic_path(path_out) as temp, NpyWriter(temp) as writer:
        for block in _window_blocks(path_in, sr_hz, start_s, duration_s):
            writer.write(block)
    return {"file": Path(path_out), "n_samples": writer.n_samples, "sr_hz": sr_hz}


def _window_blocks(
    path: str | os.PathLike, sr_hz: int, start_s: float, duration_s: float | None
) -> Iterator[np.ndarray]:
    """Yield the (k, 2) float32 blocks of the window [start_s, start_s + duration_s)."""
    if sr_hz <= 0 or start_s < 0 or (duration_s is not None and duration_s <= 0):
        raise AssetError(
            f"bad audio window: sr_hz={sr_hz}, start_s={start_s}, duration_s={duration_s}",
            hint="need sr_hz > 0, start_s >= 0 and duration_s > 0",
        )
    if not os.path.isfile(path):
        raise AssetError(f"audio file not found: {path}", hint="check the path and file name")

    first = round(start_s * sr_hz)  # window in output samples
    end = None if duration_s is None else first + round(duration_s * sr_hz)
    n_out, n_kept = 0, 0
    for block in _resampled_blocks(path, sr_hz):
        lo, hi = n_out, n_out + len(block)
        n_out = hi
        keep_lo, keep_hi = max(first, lo), hi if end is None else min(end, hi)
        if keep_hi > keep_lo:
            n_kept += keep_hi - keep_lo
            yield np.ascontiguousarray(block[keep_lo - lo : keep_hi - lo], dtype=np.float32)
        if end is not None and n_out >= end:
            break
    if n_kept == 0:
        raise AssetError(
            f"no audio in {path} from {start_s:g} s (the file holds {n_out / sr_hz:.2f} s)",
            hint="check start_s, or the file is empty",
        )


def _resampled_blocks(path: str | os.PathLike, sr_hz: int) -> Iterator[np.ndarray]:
    """Yield (k, 2) float32 blocks at ``sr_hz`` in order, resampled once."""
    try:
        container = av.open(ffmpeg_file(path))
    except (av.FFmpegError, OSError, UnicodeDecodeError) as exc:
        raise AssetError(
            f"cannot decode audio file {path}: {_reason(exc)}", hint=_HINT_FORMAT
        ) from exc
    with container:
        if not container.streams.audio:
            raise AssetError(f"no audio stream in {path}", hint=_HINT_FORMAT)
        stream = container.streams.audio[0]
        in_hz = stream.codec_context.sample_rate
        if not in_hz:
            raise AssetError(f"audio stream in {path} has no sample rate", hint=_HINT_FORMAT)
        # Format and channel conversion only (no rate change): float planar stereo.
        to_stereo = av.AudioResampler(format="fltp", layout="stereo", rate=in_hz)
        resampler = (
            None if in_hz == sr_hz else soxr.ResampleStream(in_hz, sr_hz, 2, "float32", "VHQ")
        )
        n_samples = 0
        try:
            for frame in container.decode(stream):
                for block in _stereo_blocks(frame, to_stereo):
                    n_samples += len(block)
                    yield block if resampler is None else resampler.resample_chunk(block)
            for block in _stereo_blocks(None, to_stereo):
                n_samples += len(block)
                yield block if resampler is None else resampler.resample_chunk(block)
        except (av.FFmpegError, ValueError) as exc:
            raise AssetError(
                f"cannot decode audio file {path}: {_reason(exc)}", hint=_HINT_FORMAT
            ) from exc
        if n_samples == 0:
            raise AssetError(f"audio file {path} holds no samples", hint="the file is empty")
        if resampler is not None:
            yield resampler.resample_chunk(np.zeros((0, 2), np.float32), last=True)


def _stereo_blocks(
    frame: av.AudioFrame | None, to_stereo: av.AudioResampler
) -> Iterator[np.ndarray]:
    """Convert one decoded frame (None flushes) to (k, 2) float32 blocks."""
    if frame is not None and len(frame.layout.channels) == 1:
        # Mono: copy to both channels exactly (swresample would scale by -3 dB).
        mono = frame.to_ndarray()
        if not frame.format.is_planar:
            mono = mono.reshape(1, -1)
        mono = _to_float32(mono[0], mono.dtype)
        yield np.repeat(mono[:, None], 2, axis=1)
        return
    for out in to_stereo.resample(frame):
        yield np.ascontiguousarray(out.to_ndarray().T, dtype=np.float32)


def _reason(exc: Exception) -> str:
    """FFmpeg's own words for an error, without errno numbers and paths."""
    return getattr(exc, "strerror", None) or str(exc)


def _to_float32(samples: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Integer PCM -> float32 in [-1, 1); float stays float32."""
    if dtype.kind == "f":
        return samples.astype(np.float32, copy=False)
    if dtype == np.uint8:  # offset binary
        return (samples.astype(np.float32) - 128.0) / 128.0
    return samples.astype(np.float32) / np.float32(2 ** (8 * dtype.itemsize - 1))
