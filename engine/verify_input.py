"""What ``verify`` reads, read defensively: it is handed files nobody vouches for.

- Only regular files are read. A path is opened without blocking (a FIFO would
  wait forever for a writer) and checked with ``fstat`` on the open descriptor,
  so a symlink to ``/dev/zero`` or a device is refused, not read until memory
  runs out.
- Every read is bounded: videos to ``MAX_VIDEO_BYTES``, JSON and PEM files to
  ``MAX_TEXT_BYTES``, frames to ``MAX_FRAME_PIXELS``.
- The video is opened as a file object, never as a name FFmpeg could take for a
  protocol, with metadata decoded leniently (a 0xFF byte in a tag is not a
  reason to give up), and frames are decoded past damaged packets: a damaged
  file still shows what it holds, and the verdict says what is missing.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import BinaryIO

import numpy as np

from engine.errors import AssetError

MAX_VIDEO_BYTES = 16 << 30  # 30 minutes of 1080p at a generous bitrate is under 4 GiB
MAX_TEXT_BYTES = 4 << 20  # a provenance manifest is a few kB; a CA bundle a few hundred
MAX_FRAME_PIXELS = 8192 * 8192
MAX_BAD_PACKETS = 1000  # past this many undecodable packets the stream is not video
FPS_RANGE = (1.0, 240.0)  # a header outside this is damaged; 25 is assumed instead
DEFAULT_FPS = 25.0


def open_regular(path: str | os.PathLike, what: str, max_bytes: int) -> BinaryIO:
    """Open ``path`` for reading if it is a regular file of at most ``max_bytes``.

    Raises:
        AssetError: missing, unreadable, not a regular file, or too large.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise AssetError(
            f"cannot read {what} {path}: {exc.strerror}", hint="check the path"
        ) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise AssetError(
                f"{what} {path} is not a regular file",
                hint="give a file; devices, pipes and folders are not read",
            )
        if info.st_size > max_bytes:
            raise AssetError(
                f"{what} {path} is {info.st_size / (1 << 20):.0f} MiB, over the "
                f"{max_bytes / (1 << 20):.0f} MiB verify reads",
                hint=f"is this really a {what}?",
            )
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_text(path: str | os.PathLike, what: str, max_bytes: int = MAX_TEXT_BYTES) -> bytes:
    """The bytes of a small regular file (at most ``max_bytes``)."""
    with open_regular(path, what, max_bytes) as fh:
        return fh.read(max_bytes + 1)[:max_bytes]


def read_json_map(path: str | os.PathLike) -> dict | None:
    """A JSON object from a small regular file, or None if it is anything else."""
    try:
        doc = json.loads(read_text(path, "manifest"))
    except (AssetError, ValueError, RecursionError):
        return None
    return doc if isinstance(doc, dict) else None


def dig(doc: object, *keys: str) -> object:
    """``doc[k1][k2]...`` where every level is a dict, else None (manifests are untrusted)."""
    for key in keys:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(key)
    return doc


@dataclass(frozen=True)
class VideoFacts:
    """What the container says about its first video stream (damage-tolerant)."""

    fps: float
    n_frames: int  # 0 when the container does not say
    width: int
    height: int
    metadata: dict[str, str]


def _av_open(fh: BinaryIO, path: Path):
    import av

    try:
        return av.open(fh, mode="r", metadata_errors="replace")
    except (av.FFmpegError, OSError, UnicodeDecodeError, ValueError) as exc:
        raise AssetError(
            f"cannot read {path} as a video: {str(exc).splitlines()[0] if str(exc) else exc!r}",
            hint="is it a complete video file?",
        ) from None


def video_facts(path: Path) -> VideoFacts:
    """Frame rate, frame count, size and container tags of a video file.

    Raises:
        AssetError: not a regular file, too large, not decodable media, no video
            stream, or frames too large to decode safely.
    """
    with open_regular(path, "video", MAX_VIDEO_BYTES) as fh, _av_open(fh, path) as container:
        if not container.streams.video:
            raise AssetError(f"no video stream in {path}", hint="verify reads a video file")
        stream = container.streams.video[0]
        width, height = int(stream.codec_context.width), int(stream.codec_context.height)
        if width * height > MAX_FRAME_PIXELS:
            raise AssetError(
                f"{path}: frames of {width}x{height} are larger than verify decodes",
                hint="the header may be damaged",
            )
        rate = stream.average_rate or stream.guessed_rate
        fps = float(Fraction(rate)) if rate else DEFAULT_FPS
        if not FPS_RANGE[0] <= fps <= FPS_RANGE[1]:
            fps = DEFAULT_FPS
        metadata = {str(k): str(v) for k, v in dict(container.metadata).items()}
        return VideoFacts(fps, max(0, int(stream.frames or 0)), width, height, metadata)


def decoded_frames(path: Path) -> Iterator[tuple[float, np.ndarray]]:
    """(t_sec, (H, W, 3) uint8 RGB) of each frame that decodes, in order.

    A packet the decoder rejects is skipped, and the stream ends where the
    demuxer can read no further: a damaged file yields the frames it still holds.
    """
    import av

    with open_regular(path, "video", MAX_VIDEO_BYTES) as fh, _av_open(fh, path) as container:
        if not container.streams.video:
            return
        stream = container.streams.video[0]
        bad = 0
        packets = container.demux(stream)
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                return
            except (av.FFmpegError, ValueError):
                return  # the container can be read no further
            try:
                frames = packet.decode()
            except (av.FFmpegError, ValueError):
                bad += 1  # a damaged packet: later ones may decode again
                if bad > MAX_BAD_PACKETS:
                    return
                continue
            for frame in frames:
                if frame.width * frame.height > MAX_FRAME_PIXELS:
                    continue
                t_sec = float(frame.pts * frame.time_base) if frame.pts is not None else np.nan
                yield t_sec, frame.to_ndarray(format="rgb24")
