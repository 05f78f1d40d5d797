"""Stage speed: two performers from two photos on one backdrop against one talking photo.

Both shots are the same size and length and go through the same per-frame path a
render takes (picture, camera, overlays, watermark, H.264 encode: render_segment).
Prints, measured in this one process:

    frames/s of a one-character shot on its own photo (talking, blinking)
    frames/s of a two-performer stage shot (both talking, cut-outs on a colour)
    their ratio (issue 12's goal: >= 0.8)
    the drawing alone (the picture, no camera or encode), CPU ms per frame
    the one-off cost of the cut-outs (body.cutout) and the stage set-up

The two shots are timed in turn, ``RUNS`` times each, and the medians are
compared (one run of each swings by 2x on a loaded machine); the range of the
per-round ratios is printed too.

Measured (2 shared cores, load average 7-10 from other work at the time, so the
frames/s swing; the drawing's CPU ms are the steadier figure), before -> after
the face-renderer work of issues 12 and 15, the same tree otherwise:

    one talking photo       64 / 38 -> 67 / 131 frames/s
    two performers, stage   19 / 14 -> 95 / 99 frames/s
    ratio stage / one       0.29, 0.37 -> 1.41, 0.76 (rounds 0.24-0.47 -> 0.58-1.41)
    drawing only, one       4.8 -> 2.7-2.9 CPU ms/frame
    drawing only, stage     15.1-15.5 -> 5.9-6.1 CPU ms/frame (two faces ~2.5 of it)

Before, each face's mesh went through numba's parallel kernel, whose OpenMP
threads spin after it and took the encoder thread's core (the face drew at
13-20 ms); a face-sized mesh is now drawn on one thread (raster.PARALLEL_MIN_PX).

Run: .venv/bin/python bench/stage.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import matplotlib.cbook
import numpy as np
from PIL import Image
from skimage import data

from engine.nodes.animate.motion import blink_track, face_controls, head_track
from engine.nodes.animate.rig import build_face_rig
from engine.nodes.body.stage import performer_layer
from engine.nodes.face import detect_faces, face_landmarks
from engine.nodes.render.overlays import ShotText
from engine.nodes.render.segment import Camera, Watermark, render_segment
from engine.nodes.render.shot import face_talker
from engine.nodes.render.stage import StagePicture, backdrop
from engine.nodes.render.talking import TalkingPicture

SIZE, FPS, N = (640, 360), 25, 100
RUNS = 3
TEXT = ShotText(None, (), 0.05, {"text": "AI-animated", "position": "bottom-right"})


def controls(seed: int) -> np.ndarray:
    t = np.arange(N) / FPS
    visemes = np.zeros((N, 4), np.float32)
    visemes[:, 0] = 0.3 * (1 + np.sin(2 * np.pi * 3 * t + seed))  # a talking jaw
    visemes[:, 1] = 0.5
    head = head_track(N, FPS, seed, speech_energy=np.abs(np.sin(t * 5)).astype(np.float32))
    return face_controls(
        N, FPS, visemes=visemes, viseme_shapes=["B"] * N, blinks=blink_track(N, FPS, seed),
        head=head,
    )  # fmt: skip


def landmarks(photo: np.ndarray) -> np.ndarray:
    return face_landmarks(photo, detect_faces(photo)[0]).points


def fps_of(picture, path: Path) -> float:
    t0 = time.perf_counter()
    render_segment(path, picture=picture, n_frames=N, out_size=SIZE, fps=FPS, camera=Camera(),
                   text=TEXT, watermark=Watermark(7, 11))  # fmt: skip
    return N / (time.perf_counter() - t0)


def draw_ms(picture) -> float:
    """CPU ms per frame of the picture alone, this thread (least of three passes)."""
    best = float("inf")
    for _ in range(3):
        t0 = time.thread_time()
        for i in range(N):
            picture(i)
        best = min(best, (time.thread_time() - t0) * 1e3 / N)
    return best


def main() -> None:
    with Image.open(matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)) as im:
        grace = np.asarray(im.convert("RGB"))
    astronaut = data.astronaut()

    rig = build_face_rig(grace, landmarks(grace))
    one = TalkingPicture(grace, [rig], [controls(1)])

    t0 = time.perf_counter()
    layers = [performer_layer(p, {"landmarks": landmarks(p)}) for p in (grace, astronaut)]
    cutout_ms = (time.perf_counter() - t0) * 1e3 / 2
    t0 = time.perf_counter()
    rigs = [build_face_rig(layer["texture"], layer["landmarks"]) for layer in layers]
    talking = [
        face_talker(layer, r, controls(k))
        for k, (layer, r) in enumerate(zip(layers, rigs, strict=True))
    ]
    back = backdrop({"kind": "colour", "rgb": [32, 48, 64]}, {}, SIZE)
    two = StagePicture(SIZE, back, layers, talking, [None, None])
    setup_ms = (time.perf_counter() - t0) * 1e3

    with tempfile.TemporaryDirectory() as tmp:
        fps_of(one, Path(tmp) / "warm.mp4")  # JIT and encoder warm-up
        rounds = [(fps_of(one, Path(tmp) / "one.mp4"), fps_of(two, Path(tmp) / "two.mp4"))
                  for _ in range(RUNS)]  # fmt: skip
    one_fps, two_fps = (float(np.median(r)) for r in zip(*rounds, strict=True))
    ratios = [b / a for a, b in rounds]
    print(f"{SIZE[0]}x{SIZE[1]}, {N} frames at {FPS} fps, median of {RUNS} runs each")
    print(f"one talking photo:      {one_fps:6.1f} frames/s")
    print(f"two performers, stage:  {two_fps:6.1f} frames/s")
    print(f"ratio stage / one:      {two_fps / one_fps:6.2f}  (goal >= 0.8; rounds "
          f"{min(ratios):.2f}-{max(ratios):.2f})")  # fmt: skip
    print(f"drawing only, one:      {draw_ms(one):6.2f} CPU ms/frame")
    print(f"drawing only, stage:    {draw_ms(two):6.2f} CPU ms/frame")
    print(f"cut-out per performer:  {cutout_ms:6.0f} ms (once, cached)")
    print(f"stage set-up:           {setup_ms:6.0f} ms (rigs, backdrop, shadows; once per shot)")


if __name__ == "__main__":
    main()
