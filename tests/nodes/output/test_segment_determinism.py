"""The renderer's H.264 encode gives the same bytes every time, even with the cores busy.

A short form of bench/encode_determinism.py: the same frames encoded several times
with ``SegmentWriter``'s defaults (the renderer's: 4 x264 threads), while spinning
processes load every core, must give one file.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os

import numpy as np

from engine.nodes.output.segment import SegmentWriter
from engine.nodes.output.yuv import to_yuv420

RUNS = 6


def _frames(n: int = 24, width: int = 320, height: int = 180) -> list[np.ndarray]:
    """A textured picture panning and brightening, with a bar crossing it."""
    rng = np.random.default_rng(4)
    base = rng.integers(0, 256, (height, 2 * width, 3), dtype=np.uint8)
    base = np.cumsum(base.astype(np.int32), axis=1) // np.arange(1, 2 * width + 1)[:, None]
    frames = []
    for i in range(n):
        frame = np.ascontiguousarray(base[:, 4 * i : 4 * i + width]).astype(np.uint8)
        frame = np.clip(frame.astype(np.int32) + 2 * i, 0, 255).astype(np.uint8)
        frame[height - 30 : height - 20, 8 * i : 8 * i + 24] = (250, 240, 40)
        frames.append(frame)
    return frames


def _spin(stop) -> None:
    while not stop.is_set():
        for _ in range(100_000):
            pass


def test_the_same_frames_encode_to_the_same_bytes_under_load(tmp_path):
    frames = _frames()
    ctx = multiprocessing.get_context("spawn")
    stop = ctx.Event()
    busy = [
        ctx.Process(target=_spin, args=(stop,), daemon=True) for _ in range(os.cpu_count() or 1)
    ]
    for p in busy:
        p.start()
    digests = []
    try:
        for run in range(RUNS):
            path = tmp_path / f"{run}.mp4"
            with SegmentWriter(path, 320, 180, 25, 20, "veryfast") as seg:  # as render_segment
                for frame in frames:
                    seg.write_yuv420(to_yuv420(frame, seg.yuv_buffer()))
            digests.append(hashlib.sha256(path.read_bytes()).hexdigest())
    finally:
        stop.set()
        for p in busy:
            p.join(5)
    assert len(set(digests)) == 1, digests
