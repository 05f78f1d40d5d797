"""Reading the video under judgement: its streams, its frames, its sound.

Files are opened as files (never handed to FFmpeg as a URL, so ``take:1.mp4`` is a
name, not a protocol) and only regular files are read: a FIFO would hang and a
link to ``/dev/zero`` would never end. Frames are decoded in a background thread
into a short queue, so decoding overlaps the models on the other core.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np

from engine.errors import AssetError

MAX_BYTES = 16 * 2**30  # far beyond any render; a guard against a runaway file
MAX_DURATION_S = 3 * 3600.0
QUEUE_FRAMES = 8


@dataclass(frozen=True)
class VideoInfo:
    path: Path
    width: int
    height: int
    fps: float
    n_frames: int
    duration_s: float
    audio_sr_hz: int
    audio_channels: int
    audio_duration_s: float
    metadata: dict = field(default_factory=dict)


def checked_path(path: str | os.PathLike) -> Path:
    """``path`` if it names a readable, non-empty regular file of sane size."""
    path = Path(path)
    shown = str(path)
    if not path.exists():
        raise AssetError(f"{shown}: no such file", hint="check the path to the video")
    if not path.is_file():
        raise AssetError(
            f"{shown}: not a regular file (a folder, device or pipe)",
            hint="give qc an MP4 file",
        )
    size = path.stat().st_size
    if size == 0:
        raise AssetError(f"{shown}: the file is empty (0 bytes)", hint="render it again")
    if size > MAX_BYTES:
        raise AssetError(f"{shown}: {size / 2**30:.1f} GB is more than qc reads", hint="")
    return path


def _open(path: Path):
    handle = open(path, "rb")  # noqa: SIM115  (closed by the caller with the container)
    try:
        return handle, av.open(handle, mode="r")
    except (av.FFmpegError, OSError, ValueError) as exc:
        handle.close()
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise AssetError(
            f"{path}: not a readable video ({reason})",
            hint="qc reads MP4 files that Photoplay or another encoder wrote",
        ) from None


def probe(path: str | os.PathLike) -> VideoInfo:
    """Stream facts of an MP4 with one video and one audio stream.

    Raises:
        AssetError: not a file, not a video, no video stream, no audio stream.
    """
    path = checked_path(path)
    handle, container = _open(path)
    try:
        if not container.streams.video:
            raise AssetError(f"{path}: the file has no video stream", hint="qc judges videos")
        if not container.streams.audio:
            raise AssetError(
                f"{path}: the file has no audio stream",
                hint="qc judges sound and picture together; a Photoplay render always has both",
            )
        video, audio = container.streams.video[0], container.streams.audio[0]
        rate = video.average_rate or video.guessed_rate
        fps = float(rate) if rate else 0.0
        if fps <= 0 or video.codec_context.width <= 0:
            raise AssetError(f"{path}: the video stream has no frame rate or size", hint="")
        duration_s = _duration(video) or (container.duration or 0) / av.time_base
        if not duration_s or duration_s <= 0:
            raise AssetError(f"{path}: the video stream is empty", hint="render it again")
        if duration_s > MAX_DURATION_S:
            raise AssetError(
                f"{path}: {duration_s / 3600:.1f} h is longer than qc judges (3 h)", hint=""
            )
        n_frames = int(video.frames) or round(duration_s * fps)
        return VideoInfo(
            path=path,
            width=int(video.codec_context.width),
            height=int(video.codec_context.height),
            fps=fps,
            n_frames=n_frames,
            duration_s=float(duration_s),
            audio_sr_hz=int(audio.codec_context.sample_rate),
            audio_channels=int(audio.codec_context.channels),
            audio_duration_s=float(_duration(audio) or 0.0),
            metadata=dict(container.metadata),
        )
    finally:
        container.close()
        handle.close()


def _duration(stream) -> float | None:
    if stream.duration is None:
        return None
    return float(stream.duration * stream.time_base)


def frames(info: VideoInfo) -> Iterator[tuple[int, float, np.ndarray]]:
    """(index, t_s, RGB uint8 frame) for every frame, decoded one step ahead in a thread."""
    slots: queue.Queue = queue.Queue(maxsize=QUEUE_FRAMES)
    stop = threading.Event()
    done = object()

    def decode() -> None:
        handle, container = None, None
        try:
            handle, container = _open(info.path)
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            for index, frame in enumerate(container.decode(stream)):
                if stop.is_set():
                    return
                t_s = float(frame.time) if frame.time is not None else index / info.fps
                slots.put((index, t_s, frame.to_ndarray(format="rgb24")))
        except (av.FFmpegError, AssetError) as exc:
            slots.put(AssetError(f"{info.path}: the video stream breaks off: {exc}", hint=""))
        finally:
            if container is not None:
                container.close()
            if handle is not None:
                handle.close()
            slots.put(done)

    worker = threading.Thread(target=decode, name="qc-decode", daemon=True)
    worker.start()
    try:
        while True:
            item = slots.get()
            if item is done:
                return
            if isinstance(item, Exception):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            try:
                slots.get_nowait()
            except queue.Empty:
                worker.join(timeout=0.05)


def audio(info: VideoInfo) -> np.ndarray:
    """The whole soundtrack as (n, channels) float32 at ``info.audio_sr_hz``."""
    handle, container = _open(info.path)
    blocks = []
    try:
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="fltp", layout=stream.layout.name, rate=None)
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                blocks.append(out.to_ndarray())
        for out in resampler.resample(None):
            blocks.append(out.to_ndarray())
    except av.FFmpegError as exc:
        raise AssetError(f"{info.path}: the audio stream breaks off: {exc}", hint="") from None
    finally:
        container.close()
        handle.close()
    if not blocks:
        raise AssetError(f"{info.path}: the audio stream holds no samples", hint="")
    return np.concatenate(blocks, axis=1).T.astype(np.float32, copy=False)
