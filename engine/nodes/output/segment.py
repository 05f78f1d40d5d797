"""Stream RGB frames into one H.264 segment file (video only, MP4).

A render is cut into segments (a shot, or at most N frames). Each segment is
encoded on its own to an MP4 holding one H.264 track, so an unchanged segment
can be cached and later joined to its neighbours by ``mux`` without being
encoded again. MP4 keeps exact per-frame timestamps and the H.264 parameter
sets (SPS/PPS) in one ``avcC`` header; segments encoded with the same size,
rate and settings get byte-identical headers, which is what lets ``mux`` copy
their packets into one track.

Determinism: libx264 gives the same bytes run to run for a fixed thread
count, but its decisions (and so its bytes and decoded pixels) change with the
number of threads. ``threads=0`` would let x264 pick from the CPU count and make
the video depend on the machine, so the thread count is a fixed parameter.
The RGB -> YUV conversion computes what swscale's bit-exact mode computes (the
same bytes on every CPU), in a numba kernel (``yuv.py``) at ~1/9 of its cost.
"""

from __future__ import annotations

import contextlib
import os
from fractions import Fraction
from pathlib import Path
from types import TracebackType

import av
import numpy as np

from engine.errors import NodeError
from engine.nodes.output.atomic import commit, discard, make_temp_path
from engine.nodes.output.paths import ffmpeg_file
from engine.nodes.output.yuv import swscale_yuv420, to_yuv420

# Below this height swscale's chroma filter differs from the kernel's: use swscale.
_KERNEL_MIN_HEIGHT_PX = 8

KIND = "output.segment"


def as_rate(fps: int | float | Fraction | str) -> Fraction:
    """Frame rate as an exact fraction: 25 -> 25/1, 29.97 -> 30000/1001."""
    rate = Fraction(fps)
    if isinstance(fps, float):
        ntsc = Fraction(round(fps * 1.001) * 1000, 1001)  # 23.976, 29.97, 59.94 ...
        rate = ntsc if abs(float(ntsc) - fps) < 1e-3 else rate.limit_denominator(1001)
    if rate <= 0:
        raise NodeError(f"fps must be > 0, got {fps}", kind=KIND, hint="use e.g. 25 or 30")
    return rate


class SegmentWriter:
    """Context manager that encodes (H, W, 3) uint8 RGB frames to an H.264 MP4.

    Parameters
    ----------
    path : target file; written as a hidden temporary file beside it and renamed
        onto it when the ``with`` block ends without an exception.
    width, height : frame size in pixels (even numbers: yuv420p halves chroma).
    fps : frames per second (int, float or Fraction).
    crf : x264 constant rate factor, 0..51 (lower = better, 20 default).
    preset : x264 preset (``ultrafast`` .. ``veryslow``).
    threads : x264 thread count; fixed (not 0/auto) so the bytes do not depend
        on the machine's core count.

    Frames go to the encoder as they arrive; the writer keeps no frames
    itself (x264 holds its own lookahead of a few dozen frames).

    Example::

        with SegmentWriter("seg0.mp4", 720, 720, 25) as seg:
            for frame in frames:          # each (720, 720, 3) uint8
                seg.write(frame)
        seg.n_frames                      # frames written
    """

    def __init__(
        self,
        path: str | os.PathLike,
        width: int,
        height: int,
        fps: int | float | Fraction = 25,
        crf: int | float = 20,
        preset: str = "veryfast",
        *,
        threads: int = 4,
        thread_type: str = "AUTO",
    ):
        if width <= 0 or height <= 0 or width % 2 or height % 2:
            raise NodeError(
                f"frame size must be positive and even, got {width}x{height}",
                kind=KIND,
                hint="yuv420p needs even width and height; round the output size to even",
            )
        if not 0 <= float(crf) <= 51:
            raise NodeError(
                f"crf must be in 0..51, got {crf}", kind=KIND, hint="20 is a good default"
            )
        if threads < 1:
            raise NodeError(
                f"threads must be >= 1, got {threads}",
                kind=KIND,
                hint="a fixed thread count keeps the encoded bytes machine-independent",
            )
        self.path = Path(path)
        self.width, self.height = int(width), int(height)
        self.fps = as_rate(fps)
        self.crf, self.preset = crf, preset
        self.threads, self.thread_type = int(threads), thread_type
        self.n_frames = 0
        self._temp: Path | None = None
        self._container = None
        self._stream = None
        self._yuv: np.ndarray | None = None

    # -- context manager ---------------------------------------------------

    def __enter__(self) -> SegmentWriter:
        self._temp = make_temp_path(self.path)
        try:
            self._container = av.open(ffmpeg_file(self._temp), "w", format="mp4")
            stream = self._container.add_stream("libx264", rate=self.fps)
            stream.width, stream.height, stream.pix_fmt = self.width, self.height, "yuv420p"
            stream.codec_context.time_base = 1 / self.fps
            # No B-frames: decode order equals display order, so segments of any
            # length (a one-frame flash included) join with plain timestamp shifts.
            stream.options = {"crf": str(self.crf), "preset": self.preset, "bf": "0"}
            # Frame threads: PyAV's default slice threading is 1.2-1.4x slower here.
            stream.codec_context.thread_type = self.thread_type
            stream.codec_context.thread_count = self.threads
            # Tag what the converter below produces: BT.709, limited range.
            cc = stream.codec_context
            cc.colorspace, cc.color_primaries, cc.color_trc = 1, 1, 1  # 1 = BT.709
            cc.color_range = 1  # 1 = MPEG (limited, 16..235)
            self._stream = stream
        except (av.FFmpegError, OSError, ValueError) as exc:
            self._abort()
            raise NodeError(
                f"cannot open H.264 encoder for {self.path}: {exc}",
                kind=KIND,
                hint="check crf/preset values and that the output folder is writable",
            ) from exc
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self._abort()
            return
        try:
            for packet in self._stream.encode(None):
                self._container.mux(packet)
            self._container.close()
            self._container = None
            if self.n_frames == 0:
                raise NodeError(
                    f"segment {self.path.name} has no frames",
                    kind=KIND,
                    hint="a segment must hold at least one frame",
                )
            commit(self._temp, self.path)
        except (av.FFmpegError, OSError) as err:
            self._abort()
            raise NodeError(
                f"cannot finish segment {self.path}: {err}",
                kind=KIND,
                hint="check free disk space and folder permissions",
            ) from err
        except BaseException:
            self._abort()
            raise

    # -- writing -----------------------------------------------------------

    def write(self, frame: np.ndarray) -> None:
        """Encode one (H, W, 3) uint8 RGB frame; its pts is the running frame index."""
        self._check_open()
        if (
            not isinstance(frame, np.ndarray)
            or frame.dtype != np.uint8
            or frame.shape != (self.height, self.width, 3)
        ):
            got = f"{frame.shape} {frame.dtype}" if isinstance(frame, np.ndarray) else type(frame)
            raise NodeError(
                f"frame should be ({self.height}, {self.width}, 3) uint8, but got {got}",
                kind=KIND,
                hint="convert frames with np.clip(x, 0, 255).astype(np.uint8) at the output size",
            )
        if self.height >= _KERNEL_MIN_HEIGHT_PX:
            self._encode(to_yuv420(frame, self.yuv_buffer()))
        else:
            self._encode(swscale_yuv420(frame))

    def write_yuv420(self, yuv: np.ndarray) -> None:
        """Encode one frame already converted: (H * 3 / 2, W) uint8 yuv420p, BT.709
        limited range (``engine.nodes.output.yuv.to_yuv420``, or the watermark's
        ``embed_yuv420``)."""
        self._check_open()
        shape = (self.height * 3 // 2, self.width)
        if not isinstance(yuv, np.ndarray) or yuv.dtype != np.uint8 or yuv.shape != shape:
            got = f"{yuv.shape} {yuv.dtype}" if isinstance(yuv, np.ndarray) else type(yuv)
            raise NodeError(
                f"yuv420p frame should be {shape} uint8, but got {got}",
                kind=KIND,
                hint="convert with engine.nodes.output.yuv.to_yuv420",
            )
        self._encode(yuv)

    def yuv_buffer(self) -> np.ndarray:
        """A (H * 3 / 2, W) uint8 buffer to convert a frame into: the encoder copies a
        frame as it takes it, so one buffer serves every frame."""
        if self._yuv is None:
            self._yuv = np.empty((self.height * 3 // 2, self.width), np.uint8)
        return self._yuv

    def _check_open(self) -> None:
        if self._stream is None:
            raise NodeError(
                "SegmentWriter.write called outside its with-block",
                kind=KIND,
                hint="use: with SegmentWriter(...) as seg: seg.write(frame)",
            )

    def _encode(self, yuv: np.ndarray) -> None:
        self._encode_frame(av.VideoFrame.from_ndarray(yuv, format="yuv420p"))

    def _encode_frame(self, yuv: av.VideoFrame) -> None:
        yuv.pts = self.n_frames
        yuv.time_base = 1 / self.fps
        try:
            for packet in self._stream.encode(yuv):
                self._container.mux(packet)
        except (av.FFmpegError, OSError) as exc:
            raise NodeError(
                f"cannot write segment {self.path}: {exc}",
                kind=KIND,
                hint="check free disk space and folder permissions",
            ) from exc
        self.n_frames += 1

    def _abort(self) -> None:
        if self._container is not None:
            with contextlib.suppress(av.FFmpegError, OSError):  # the file is discarded anyway
                self._container.close()
            self._container = None
        if self._temp is not None:
            discard(self._temp)
