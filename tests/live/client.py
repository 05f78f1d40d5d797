"""A WebRTC viewer in Python (aiortc), as a program driving a live show would be.

It records what arrives: each video frame's arrival time, pts and the mean
level and darkness of the mouth box; each audio frame's arrival time, pts and
peak; and every event from the WebSocket. Tests then ask when things happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field

import aiohttp
import numpy as np
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError


@dataclass
class Seen:
    video: list = field(default_factory=list)  # (t, pts, mouth mean level, (H, W))
    audio: list = field(default_factory=list)  # (t, pts, peak in [0, 1])
    events: list = field(default_factory=list)  # (t, event)
    frames: list = field(default_factory=list)  # a few whole frames (H, W, 3) uint8


class Viewer:
    """``async with Viewer(url) as v``: connected, receiving, listening to events."""

    def __init__(self, url: str, *, keep_frames: tuple[int, ...] = (), token: str | None = None):
        self.url = url.rstrip("/")
        self.token = token
        self.keep_frames = set(keep_frames)
        self.seen = Seen()
        self.info: dict = {}
        self._tasks: list[asyncio.Task] = []

    @property
    def headers(self) -> dict:
        return {"X-Photoplay-Token": self.token} if self.token else {}

    async def __aenter__(self) -> Viewer:
        try:
            return await self._connect()
        except BaseException:
            await self.__aexit__(None, None, None)
            raise

    async def _connect(self) -> Viewer:
        self.pc = self.ws = None
        self.http = aiohttp.ClientSession(headers=self.headers)
        self.info = await (await self.http.get(f"{self.url}/info")).json()
        self.ws = await self.http.ws_connect(f"{self.url}/events")
        self._tasks.append(asyncio.ensure_future(self._listen()))
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.pc.addTransceiver("video", direction="recvonly")
        self.pc.addTransceiver("audio", direction="recvonly")

        @self.pc.on("track")
        def on_track(track):
            reader = self._video if track.kind == "video" else self._audio
            self._tasks.append(asyncio.ensure_future(reader(track)))

        await self.pc.setLocalDescription(await self.pc.createOffer())
        desc = self.pc.localDescription
        answer = await self.post("/offer", {"sdp": desc.sdp, "type": desc.type})
        assert answer[0] == 200, answer
        await self.pc.setRemoteDescription(RTCSessionDescription(**answer[1]))
        return self

    async def __aexit__(self, *exc) -> None:
        if self.pc is not None:
            await self.pc.close()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.ws is not None:
            await self.ws.close()
        await self.http.close()

    async def post(self, path: str, body: dict | None = None) -> tuple[int, dict]:
        async with self.http.post(f"{self.url}{path}", json=body or {}) as response:
            return response.status, await response.json()

    async def _listen(self) -> None:
        async for message in self.ws:
            if message.type == aiohttp.WSMsgType.TEXT:
                self.seen.events.append((time.monotonic(), json.loads(message.data)))

    async def _video(self, track) -> None:
        x0, y0, x1, y1 = self.info["mouth_box"]
        n = 0
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            t = time.monotonic()
            rgb = frame.to_ndarray(format="rgb24")
            mouth = rgb[y0:y1, x0:x1].astype(np.float32).mean()
            self.seen.video.append((t, frame.pts, float(mouth), rgb.shape[:2]))
            if n in self.keep_frames:
                self.seen.frames.append(rgb)
            n += 1

    async def _audio(self, track) -> None:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            t = time.monotonic()
            pcm = frame.to_ndarray()
            peak = float(np.abs(pcm).max()) / 32768.0 if pcm.size else 0.0
            self.seen.audio.append((t, frame.pts, peak))

    # -- questions --------------------------------------------------------------------

    async def wait_for(self, predicate, timeout_s: float = 10.0):
        """Wait until ``predicate()`` is truthy; return its value."""
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            value = predicate()
            if value:
                return value
            await asyncio.sleep(0.01)
        raise TimeoutError(f"waited {timeout_s} s")

    def event(self, name: str, after: float = 0.0, **match):
        for t, event in self.seen.events:
            same = all(event.get(k) == v for k, v in match.items())
            if t >= after and event.get("event") == name and same:
                return t, event
        return None

    def first_sound(self, after: float, level: float = 0.02) -> float | None:
        """Arrival time of the first audio frame after ``after`` with a peak over ``level``."""
        return next((t for t, _pts, peak in self.seen.audio if t >= after and peak > level), None)

    def first_mouth_move(self, after: float, baseline_s: float = 1.0) -> float | None:
        """Arrival time of the first frame after ``after`` whose mouth level leaves the
        range it kept over the ``baseline_s`` before ``after`` (by 3 levels or more)."""
        before = [m for t, _p, m, _s in self.seen.video if after - baseline_s <= t < after]
        if not before:
            return None
        lo, hi = min(before) - 3.0, max(before) + 3.0
        return next(
            (t for t, _p, m, _s in self.seen.video if t >= after and not lo <= m <= hi), None
        )

    def fps(self, start: float, end: float) -> float:
        times = [t for t, *_ in self.seen.video if start <= t < end]
        return len(times) / (end - start)

    def longest_gap_s(self, start: float, end: float) -> float:
        times = [t for t, *_ in self.seen.video if start <= t < end]
        return max(np.diff(times), default=0.0)
