"""The show as WebRTC media: one audio and one video track per viewer (aiortc).

A ``Feed`` subscribes to the show and hands each frame and its audio from the
producer thread to the viewer's event loop. The tracks stamp them on the show's
clock (video pts = frame index x 90 kHz / fps, audio pts = sample index at 48
kHz), so the browser lines picture and sound up from the RTP timestamps alone.
Audio goes out in 20 ms packets, paced on the show's clock as the frames are.

A viewer that falls behind (a slow network, a stalled tab) loses its oldest
frames, never the show's pace; the recording is fed separately and keeps all.
"""

from __future__ import annotations

import asyncio
import fractions
import time

import av
import numpy as np
from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError

from engine.live.show import LEAD_FRAMES, Show

VIDEO_CLOCK_HZ = 90000
AUDIO_PACKET_S = 0.020
QUEUE_FRAMES = 6  # frames a viewer may lag before its oldest are dropped


class Feed:
    """One viewer's copy of the show's frames and audio, as asyncio queues."""

    def __init__(self, show: Show, loop: asyncio.AbstractEventLoop):
        self.show, self.loop = show, loop
        self.fps, self.sr_hz = show.fps, show.sr_hz
        self.video: asyncio.Queue = asyncio.Queue()
        self.audio: asyncio.Queue = asyncio.Queue()
        self.dropped = 0
        self.closed = False
        show.subscribe(self)

    def __call__(self, k: int, frame: np.ndarray, audio: np.ndarray, drawn: bool) -> None:
        # the producer thread: hand over and return at once
        pcm = (np.clip(audio, -1.0, 1.0) * 32767.0).astype(np.int16)
        try:
            self.loop.call_soon_threadsafe(self._put, k, frame if drawn else None, pcm)
        except RuntimeError:  # the viewer's loop has closed
            self.show.unsubscribe(self)

    def _put(self, k: int, frame: np.ndarray | None, pcm: np.ndarray) -> None:
        if self.closed:
            return
        if frame is not None:
            while self.video.qsize() >= QUEUE_FRAMES:
                self.video.get_nowait()
                self.dropped += 1
            self.video.put_nowait((k, frame))
        while self.audio.qsize() >= QUEUE_FRAMES:
            self.audio.get_nowait()
        self.audio.put_nowait((k, pcm))

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.show.unsubscribe(self)
            self.video.put_nowait(None)
            self.audio.put_nowait(None)

    def due(self, t_show_s: float) -> float:
        """Seconds until the producer sends what plays at show time ``t_show_s``."""
        return self.show.t0 + t_show_s - LEAD_FRAMES / self.fps - time.monotonic()


class ShowVideo(MediaStreamTrack):
    kind = "video"

    def __init__(self, feed: Feed):
        super().__init__()
        self.feed = feed
        self.time_base = fractions.Fraction(1, VIDEO_CLOCK_HZ)

    async def recv(self) -> av.VideoFrame:
        item = await self.feed.video.get()
        if item is None or self.readyState != "live":
            self.stop()
            raise MediaStreamError
        k, rgb = item
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
        frame.pts = round(k * VIDEO_CLOCK_HZ / self.feed.fps)
        frame.time_base = self.time_base
        return frame

    def stop(self) -> None:
        super().stop()
        self.feed.close()


class ShowAudio(MediaStreamTrack):
    kind = "audio"

    def __init__(self, feed: Feed):
        super().__init__()
        self.feed = feed
        self.time_base = fractions.Fraction(1, feed.sr_hz)
        self.packet = round(AUDIO_PACKET_S * feed.sr_hz)
        self._pending: list[tuple[int, np.ndarray]] = []  # (first sample, (n, 2) int16)

    async def recv(self) -> av.AudioFrame:
        while not self._pending or len(self._pending[0][1]) < self.packet:
            item = await self.feed.audio.get()
            if item is None or self.readyState != "live":
                self.stop()
                raise MediaStreamError
            k, pcm = item
            start = round(k * self.feed.sr_hz / self.feed.fps)
            if self._pending and self._pending[-1][0] + len(self._pending[-1][1]) == start:
                first, held = self._pending.pop()
                self._pending.append((first, np.concatenate([held, pcm])))
            else:  # the first chunk, or a gap (this viewer lagged): start afresh
                self._pending = [(start, pcm)]
        first, held = self._pending[0]
        packet, rest = held[: self.packet], held[self.packet :]
        self._pending[0] = (first + self.packet, rest)
        wait = self.feed.due(first / self.feed.sr_hz)
        if wait > 0:
            await asyncio.sleep(wait)
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(packet).reshape(1, -1), format="s16", layout="stereo"
        )
        frame.sample_rate = self.feed.sr_hz
        frame.pts = first
        frame.time_base = self.time_base
        return frame

    def stop(self) -> None:
        super().stop()
        self.feed.close()
