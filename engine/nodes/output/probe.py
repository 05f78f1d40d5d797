"""Read back what was written: stream facts, decoded frames, decoded audio.

Used by tests and by ``verify``. Decoding goes through libavformat's MP4
demuxer, which applies edit lists (so AAC priming samples are dropped), as
ordinary players do.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from fractions import Fraction

import av
import numpy as np

from engine.errors import AssetError
from engine.nodes.output.paths import ffmpeg_file


def _open(path: str | os.PathLike) -> av.container.InputContainer:
    if not os.path.isfile(path):
        raise AssetError(f"media file not found: {path}", hint="check the path")
    try:
        return av.open(ffmpeg_file(path))
    except (av.FFmpegError, OSError) as exc:
        raise AssetError(
            f"cannot read media file {path}: {exc}",
            hint="is it a complete video/audio file? a killed render leaves none",
        ) from exc


def probe(path: str | os.PathLike) -> dict:
    """Describe a media file.

    Returns a dict::

        {"format": "mov,mp4,...", "duration_s": float | None,
         "streams": [{"type": "video", "codec": "h264", ...}, ...],
         "codecs": ["h264", "aac"],            # in stream order
         "video": {... first video stream ...} | None,
         "audio": {... first audio stream ...} | None,
         "metadata": {"comment": ..., ...}}

    A video stream gives ``width, height, pix_fmt, fps`` (Fraction), ``n_frames``
    and ``duration_s``; an audio stream gives ``sr_hz, channels, n_samples``
    (from the stream header; may be 0 if the container does not say) and
    ``duration_s``.
    """
    with _open(path) as container:
        streams = []
        for stream in container.streams:
            info: dict = {
                "index": stream.index,
                "type": stream.type,
                "codec": stream.codec_context.name,
            }
            duration = stream.duration
            info["duration_s"] = (
                float(duration * stream.time_base) if duration is not None else None
            )
            if stream.type == "video":
                cc = stream.codec_context
                rate = stream.average_rate or stream.guessed_rate
                info.update(
                    width=cc.width,
                    height=cc.height,
                    pix_fmt=cc.format.name if cc.format else None,
                    fps=Fraction(rate) if rate else None,
                    n_frames=int(stream.frames),
                )
            elif stream.type == "audio":
                cc = stream.codec_context
                info.update(
                    sr_hz=int(cc.sample_rate),
                    channels=int(cc.channels),
                    n_samples=round(info["duration_s"] * cc.sample_rate) if duration else 0,
                )
            streams.append(info)
        duration_s = container.duration / av.time_base if container.duration is not None else None
        return {
            "format": container.format.name,
            "duration_s": duration_s,
            "streams": streams,
            "codecs": [s["codec"] for s in streams],
            "video": next((s for s in streams if s["type"] == "video"), None),
            "audio": next((s for s in streams if s["type"] == "audio"), None),
            "metadata": dict(container.metadata),
        }


def iter_frames(path: str | os.PathLike) -> Iterator[tuple[float, np.ndarray]]:
    """Yield (t_sec, (H, W, 3) uint8 RGB) for each decoded video frame in order."""
    with _open(path) as container:
        if not container.streams.video:
            raise AssetError(f"no video stream in {path}", hint="is it an audio-only file?")
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            t_sec = float(frame.pts * frame.time_base) if frame.pts is not None else float("nan")
            yield t_sec, frame.to_ndarray(format="rgb24")


def read_frames(path: str | os.PathLike) -> np.ndarray:
    """All decoded frames as one (N, H, W, 3) uint8 array (for tests: small files)."""
    frames = [frame for _, frame in iter_frames(path)]
    if not frames:
        raise AssetError(f"no decodable video frames in {path}", hint="the file may be truncated")
    return np.stack(frames)


def frame_times(path: str | os.PathLike) -> np.ndarray:
    """Presentation time in seconds of each decoded video frame, (N,) float64."""
    return np.array([t for t, _ in iter_frames(path)], dtype=np.float64)


def read_audio(path: str | os.PathLike) -> tuple[np.ndarray, int, float]:
    """Decode the first audio stream as it plays.

    Returns ``(samples, sr_hz, t0_sec)``: samples (n, channels) float32 in
    [-1, 1] at the stream's own rate, and the presentation time of sample 0
    (0.0 when the priming samples are trimmed correctly). The decoder drops the
    priming samples the edit list names but not the padding of the last AAC
    frame, so the samples are cut to the stream's declared duration, as a
    player stops there.
    """
    with _open(path) as container:
        if not container.streams.audio:
            raise AssetError(f"no audio stream in {path}", hint="was it muxed without audio?")
        stream = container.streams.audio[0]
        sr_hz = int(stream.codec_context.sample_rate)
        chunks, t0_sec = [], None
        for frame in container.decode(stream):
            if t0_sec is None and frame.pts is not None:
                t0_sec = float(frame.pts * frame.time_base)
            data = frame.to_ndarray()  # planar: (channels, n); packed: (1, n * channels)
            if not frame.format.is_planar:
                data = data.reshape(-1, len(frame.layout.channels)).T
            chunks.append(_to_float32(data, frame.format.name))
        if not chunks:
            raise AssetError(f"no decodable audio in {path}", hint="the file may be truncated")
        samples = np.concatenate(chunks, axis=1).T
        if stream.duration is not None:
            samples = samples[: round(stream.duration * stream.time_base * sr_hz)]
        return np.ascontiguousarray(samples), sr_hz, t0_sec or 0.0


def _to_float32(data: np.ndarray, sample_fmt: str) -> np.ndarray:
    """Integer PCM -> float32 in [-1, 1); float formats pass through as float32."""
    if data.dtype.kind == "f":
        return data.astype(np.float32, copy=False)
    if data.dtype == np.uint8:  # u8 is offset binary
        return (data.astype(np.float32) - 128.0) / 128.0
    scale = float(2 ** (8 * data.dtype.itemsize - 1))
    return (data.astype(np.float32) / scale).astype(np.float32)
