"""Cheap checks that a media file decodes, and its length in seconds.

Images: PIL ``open`` + ``verify`` (headers and structure, no full decode).
Audio and video: PyAV opens the file and decodes the first frame; the
duration comes from the container, else from decoding the stream.
BVH motion: the ``Frames:`` and ``Frame Time:`` header lines.

Results are cached by (path, size, mtime), so validating many variants of one
scene probes each file once.
"""

from __future__ import annotations

import functools
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

MAX_IMAGE_PIXELS = 64_000_000  # 8000 x 8000: larger photos are refused, not decoded
MAX_SCAN_FRAMES = 200_000
# The BVH reader's limits (engine/nodes/motion/bvh_parse.py; spec imports no nodes,
# a test keeps the two equal): refused here with the scene's file:line:col.
BVH_MAX_FRAMES = 216_000
BVH_FRAME_TIME_S = (0.001, 1.0)


@dataclass(frozen=True)
class Probe:
    """What we learned: ``error`` is empty when the file decodes.

    ``duration_s`` is the length of audio/video/motion (None for images);
    ``size_px`` is (width, height) for images and video.
    """

    error: str = ""
    duration_s: float | None = None
    size_px: tuple[int, int] | None = None


def probe(path: Path, kind: str) -> Probe:
    """Probe ``path`` as ``kind`` ("image", "av", "motion")."""
    st = os.stat(path)
    return _probe_cached(str(path), kind, st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=512)
def _probe_cached(path: str, kind: str, size: int, mtime_ns: int) -> Probe:
    if size == 0:
        return Probe(error="the file is empty")
    if kind == "image":
        return _probe_image(path)
    if kind == "motion" and path.lower().endswith(".bvh"):
        return _probe_bvh(path)
    return _probe_av(path)


def _probe_image(path: str) -> Probe:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                size_px = img.size
                if size_px[0] * size_px[1] > MAX_IMAGE_PIXELS:
                    return Probe(error=f"image is {size_px[0]}x{size_px[1]}, larger than 8000x8000")
                img.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return Probe(error="image is too large to decode safely")
    except Exception as exc:  # PIL raises many types for broken files
        return Probe(error=f"not a readable image ({_short(exc, path)})")
    return Probe(size_px=size_px)


def _probe_av(path: str) -> Probe:
    import av  # imported here: PyAV is slow to import and only needed for media

    try:
        # Absolute: FFmpeg reads a relative "clip:1.mp4" as the protocol "clip".
        with av.open(os.path.abspath(path), mode="r") as container:
            streams = [s for s in container.streams if s.type in ("audio", "video")]
            if not streams:
                return Probe(error="no audio or video stream in the file")
            stream = streams[0]
            size_px = None
            if stream.type == "video":
                size_px = (stream.codec_context.width, stream.codec_context.height)
            first = next(iter(container.decode(stream)), None)
            if first is None:
                return Probe(error=f"the {stream.type} stream has no decodable frames")
            duration_s = None
            if stream.duration is not None and stream.time_base is not None:
                duration_s = float(stream.duration * stream.time_base)
            elif container.duration is not None:
                duration_s = container.duration / 1_000_000  # av.time_base is microseconds
            else:
                duration_s = _scan_duration(container, stream, first)
    except Exception as exc:  # FFmpeg raises many error types for broken files
        return Probe(error=f"cannot decode ({_short(exc, path)})")
    return Probe(duration_s=duration_s, size_px=size_px)


def _scan_duration(container, stream, first) -> float | None:
    """Duration by decoding the stream when the container does not say."""
    end_s = float(first.time or 0.0)
    for n, frame in enumerate(container.decode(stream)):
        if n > MAX_SCAN_FRAMES:
            break
        if frame.time is None:
            continue
        if stream.type == "audio":
            end_s = float(frame.time) + frame.samples / frame.sample_rate
        else:
            end_s = float(frame.time) + 1.0 / float(stream.average_rate or 25)
    return end_s or None


def _probe_bvh(path: str) -> Probe:
    frames, frame_s = None, None
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            head = f.read(256 * 1024)
    except OSError as exc:
        return Probe(error=f"cannot read ({exc.strerror})")
    if not head.lstrip().startswith("HIERARCHY"):
        return Probe(error="not a BVH file (no HIERARCHY header)")
    for line in head.splitlines():
        text = line.strip()
        try:
            if text.startswith("Frames:"):
                count = text.split(":", 1)[1].strip()
                frames = int(count) if len(count) <= 9 else BVH_MAX_FRAMES + 1
            elif text.startswith("Frame Time:"):
                frame_s = float(text.split(":", 1)[1])
        except ValueError:
            return Probe(error=f"bad BVH header line {text!r}")
    if frames is None or frame_s is None:
        return Probe(error="BVH file has no MOTION section with Frames and Frame Time")
    if not 1 <= frames <= BVH_MAX_FRAMES:
        return Probe(error=f"BVH has {frames} frames; 1 to {BVH_MAX_FRAMES:,} are allowed")
    low, high = BVH_FRAME_TIME_S
    if not low <= frame_s <= high:  # also refuses nan and inf
        return Probe(error=f"BVH Frame Time {frame_s:g} s is outside {low:g} to {high:g} s")
    return Probe(duration_s=frames * frame_s)


def _short(exc: Exception, path: str) -> str:
    """The first line of an error, without the file name (the diagnostic already has it)."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    text = text.replace(f": '{path}'", "").replace(f" '{path}'", "").replace(path, "the file")
    text = re.sub(r"^\[Errno -?\d+\] ", "", text)
    return text[:120]
