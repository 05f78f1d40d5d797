"""Does the renderer's H.264 encode give the same bytes every time, under CPU load?

Encodes the same frames again and again with the renderer's own segment writer
settings (``SegmentWriter`` defaults as ``render_segment`` opens it: CRF 20,
preset veryfast, no B-frames, 4 x264 threads of ``thread_type`` AUTO, frames
converted with ``to_yuv420`` into the writer's one YUV buffer), while busy
processes (pure-Python spin loops, ``--busy``, default 2 per core) keep every
core loaded, and compares the files' SHA-256. Other x264 threading modes run
interleaved with it in the same process, so their speed ratios compare like with
like. A mode is deterministic when every run gives one digest.

The frames: a photo (scikit-image's astronaut) under a slow zoom and pan with a
moving bright bar, 640x360, like a shot's camera move.

    .venv/bin/python bench/encode_determinism.py              # 40 runs a mode, ~2-4 min
    .venv/bin/python bench/encode_determinism.py --runs 200 --frames 100

The fast version of this check is tests/nodes/output/test_segment_determinism.py.

Measured (2 shared cores, 4 spinning processes, load 13.6 at the end, other
sessions' renders and tests running too): 40 encodes a mode of 60 frames, one
file per mode every time (renderer's 4 frame threads, 4 slice threads, 1 thread);
median 0.91 s (frame threads), 1.08 s (slice, 1.19x), 2.20 s (1 thread, 2.42x).
x264's threads did not make the bytes depend on load here: the one differing file
of the segment-bytes test in tests/nodes/output/test_yuv.py (December 2026) is not
explained by them.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import skimage.data

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.nodes.output.segment import SegmentWriter  # noqa: E402
from engine.nodes.output.yuv import to_yuv420  # noqa: E402

W, H, FPS = 640, 360, 25

# x264 threading modes: writer keyword arguments (the first is the renderer's).
MODES: dict[str, dict] = {
    "renderer: 4 threads, AUTO (frame)": {},
    "4 threads, SLICE": {"thread_type": "SLICE"},
    "1 thread": {"threads": 1},
}


def shot_frames(n: int, width: int = W, height: int = H) -> list[np.ndarray]:
    """``n`` (height, width, 3) uint8 frames of a photo under a zoom and pan, with a bar."""
    photo = skimage.data.astronaut()
    out = []
    for i in range(n):
        t = i / max(1, n - 1)
        zoom = 1.0 + 0.3 * t
        scale = zoom * max(width / photo.shape[1], height / photo.shape[0])
        cx, cy = photo.shape[1] * (0.45 + 0.1 * t), photo.shape[0] * 0.5
        m = np.array(
            [[scale, 0, width / 2 - scale * cx], [0, scale, height / 2 - scale * cy]], np.float64
        )
        frame = cv2.warpAffine(photo, m, (width, height), flags=cv2.INTER_LINEAR)
        x = int(t * (width - 40))
        frame[height - 60 : height - 40, x : x + 40] = (250, 240, 40)
        out.append(frame)
    return out


def encode(path: Path, frames: list[np.ndarray], **writer: object) -> bytes:
    """The segment's bytes, encoded as ``render_segment`` encodes (``writer``: overrides)."""
    height, width = frames[0].shape[:2]
    with SegmentWriter(path, width, height, FPS, 20, "veryfast", **writer) as seg:
        for frame in frames:
            seg.write_yuv420(to_yuv420(frame, seg.yuv_buffer()))
    return path.read_bytes()


def _spin(stop) -> None:
    while not stop.is_set():
        for _ in range(100_000):
            pass


class Load:
    """``n`` busy processes, for the length of a ``with`` block."""

    def __init__(self, n: int):
        ctx = multiprocessing.get_context("spawn")
        self.stop = ctx.Event()
        self.procs = [ctx.Process(target=_spin, args=(self.stop,), daemon=True) for _ in range(n)]

    def __enter__(self) -> Load:
        for p in self.procs:
            p.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for p in self.procs:
            p.join(5)
            if p.is_alive():
                p.kill()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=40, help="encodes per mode")
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--busy", type=int, default=2 * (os.cpu_count() or 1), help="spinning procs")
    args = ap.parse_args()
    frames = shot_frames(args.frames)
    digests: dict[str, dict[str, int]] = {name: {} for name in MODES}
    seconds: dict[str, list[float]] = {name: [] for name in MODES}
    with tempfile.TemporaryDirectory(prefix="photoplay-det-") as tmp, Load(args.busy):
        for run in range(args.runs):
            for k, (name, writer) in enumerate(MODES.items()):
                t0 = time.perf_counter()
                data = encode(Path(tmp) / f"{k}.mp4", frames, **writer)
                seconds[name].append(time.perf_counter() - t0)
                digest = hashlib.sha256(data).hexdigest()[:16]
                digests[name][digest] = digests[name].get(digest, 0) + 1
            if run == 0:
                print(f"load: {os.getloadavg()[0]:.1f} after the first round", flush=True)
        load = os.getloadavg()
    base = statistics.median(seconds[next(iter(MODES))])
    print(
        f"{args.runs} encodes a mode of {args.frames} frames {W}x{H} (CRF 20, veryfast, bf 0), "
        f"{args.busy} busy processes on {os.cpu_count()} cores, load {load[0]:.1f}/{load[1]:.1f}"
    )
    print(f"{'mode':36} {'distinct files':>14} {'median s':>9} {'time / renderer':>16}")
    for name in MODES:
        med = statistics.median(seconds[name])
        counts = ", ".join(f"{d}x{n}" for d, n in digests[name].items())
        print(f"{name:36} {len(digests[name]):>14} {med:>9.3f} {med / base:>16.2f}   {counts}")


if __name__ == "__main__":
    main()
