"""Talking-photo render speed at 720x720, 25 fps, against the bare H.264 encode.

Prints, all measured in this one process:

    per-stage ms per frame: landmarks (one tracking pass on a rendered frame),
        visemes (whole line / frames), deform, interior, rasterise, encode
    render fps (deform + interior + rasterise; rig build excluded) vs real time
    encode fps of the same frames (SegmentWriter, veryfast CRF 20) and
    render+encode fps as a ratio of that bare-encode ceiling (goal >= 0.6),
        twice: with this process's default thread pools, and as a render worker
        runs it (OpenCV and numba on one thread: scheduler.single_thread_worker);
        both draw and encode in turn on one thread. Then the whole segment as the
        worker renders it (render_segment: picture, camera, label on this thread,
        watermark and encode on its own), the path issue 15's CLI goal measures
    our rasteriser vs cv2.remap with a precomputed map (warp.raster.build_remap)
        on the same warp (a jaw-open, head-turned frame)

Measured (2 shared cores, load average ~10 from other work, so wall times
swing 2x), before -> after the face-renderer work of issues 12 and 15:

    render_face_frame, one thread, CPU ms/frame (bench/stage.py's controls):
        720x720 5.4 -> 4.0-4.2; a stage-sized face (305x355) 2.0-2.2 -> 1.3-1.4;
        the astronaut's open mouth at 305x355 1.8-2.1 -> 1.1-1.2
    this bench, wall: interior 3.55 -> 0.69 ms, rasterise 18.7 -> 4.9 ms
    render + encode as a worker 0.41x -> 0.54x, render_segment 0.43x -> 0.47x of
        the bare-encode ceiling: under that load the encode, not the face, is
        what the ratio shows (render_face_frame 4.4 CPU ms against ~6 for x264)

Run: .venv/bin/python bench/talking.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import cv2
import matplotlib.cbook
import numba
import numpy as np
from PIL import Image

from engine.nodes.animate.deform import deform
from engine.nodes.animate.motion import blink_track, face_controls, head_track, speech_energy
from engine.nodes.animate.mouth import draw_mouth_interior, mouth_alpha
from engine.nodes.animate.render import moved_tris, render_face_frame, rest_frame
from engine.nodes.animate.rig import build_face_rig
from engine.nodes.face import detect_faces, face_landmarks
from engine.nodes.face.mesh import crop_from_points, read_landmarks
from engine.nodes.output.segment import SegmentWriter
from engine.nodes.render.overlays import ShotText
from engine.nodes.render.segment import Camera, Watermark, render_segment
from engine.nodes.render.talking import TalkingPicture
from engine.nodes.speech.tts import synthesise
from engine.nodes.speech.visemes import viseme_track
from engine.nodes.warp.raster import build_remap, rasterise
from engine.runtime.scheduler import single_thread_worker

SIZE, FPS = 720, 25
LABEL = ShotText(None, (), 0.05, {"text": "AI-animated photo", "position": "bottom-right"})
TEXT = "Hello! My name is Grace, and I wrote the first compiler. Computers should speak English."


def ms(t0: float, n: int = 1) -> float:
    return (time.perf_counter() - t0) * 1e3 / max(n, 1)


def main() -> None:
    with Image.open(matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)) as im:
        photo = np.asarray(im.convert("RGB"))
    points = face_landmarks(photo, detect_faces(photo)[0]).points
    t0 = time.perf_counter()
    rig = build_face_rig(photo, points, (SIZE, SIZE))
    rig_ms = ms(t0)
    background = rest_frame(rig, photo)

    t0 = time.perf_counter()
    speech = synthesise(TEXT, "en-us")
    tts_ms = ms(t0)
    n = int(np.ceil(speech.duration_s * FPS))
    t0 = time.perf_counter()
    track = viseme_track(speech.phonemes, FPS, n)
    energy = speech_energy(speech.audio, speech.sr_hz, FPS, n)
    ctl = face_controls(n, FPS, visemes=track.controls, viseme_shapes=track.shapes,
                        blinks=blink_track(n, FPS, 1), head=head_track(n, FPS, 1, energy))  # fmt: skip
    visemes_ms = ms(t0, n)

    out = np.empty_like(background)
    render_face_frame(rig, photo, ctl[0], out, background=background)  # JIT warm-up
    stage = {"deform": 0.0, "interior": 0.0, "rasterise": 0.0, "copy": 0.0}
    frames = []
    drawn = 0
    t_all = time.perf_counter()
    for c in ctl:
        t0 = time.perf_counter()
        dst = deform(rig, c)
        stage["deform"] += ms(t0)
        t0 = time.perf_counter()
        out[...] = background
        stage["copy"] += ms(t0)
        alpha = mouth_alpha(rig, dst)
        t0 = time.perf_counter()
        draw_mouth_interior(out, rig, dst, c, alpha, photo)
        stage["interior"] += ms(t0)
        t0 = time.perf_counter()
        which = moved_tris(rig, dst)  # only triangles that moved this frame, as the node draws
        which &= ~(rig.mouth_tris if alpha > 0 else np.zeros_like(rig.mouth_tris))
        drawn += which.sum()
        rasterise(photo, rig.src_pts, dst, rig.triangles[which], out, rig.draw_order[which])
        stage["rasterise"] += ms(t0)
        frames.append(out.copy())
    staged_ms = ms(t_all, n)

    t0, cpu0 = time.perf_counter(), time.thread_time()
    for c in ctl:  # the real path, as the node runs it
        render_face_frame(rig, photo, c, out, background=background)
    render_ms = ms(t0, n)
    render_cpu_ms = (time.thread_time() - cpu0) * 1e3 / n

    t0 = time.perf_counter()
    lm = points
    for f in frames[:50]:
        lm = read_landmarks(f, crop_from_points(lm)).points
    landmarks_ms = ms(t0, min(50, n))

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        with SegmentWriter(Path(tmp) / "bare.mp4", SIZE, SIZE, FPS, crf=20, preset="veryfast") as w:
            for f in frames:
                w.write(f)
        encode_ms = ms(t0, n)

        def render_encode(name: str) -> float:
            t0 = time.perf_counter()
            with SegmentWriter(Path(tmp) / name, SIZE, SIZE, FPS, crf=20, preset="veryfast") as w:
                for c in ctl:
                    w.write(render_face_frame(rig, photo, c, out, background=background))
            return ms(t0, n)

        both_ms = render_encode("both.mp4")
        threads = cv2.getNumThreads(), numba.get_num_threads()
        single_thread_worker()  # as a render worker runs the node
        worker_ms = render_encode("worker.mp4")
        picture = TalkingPicture(photo, [rig], [ctl])
        t0 = time.perf_counter()  # the whole segment as the worker draws it: two threads
        render_segment(Path(tmp) / "segment.mp4", picture=picture, n_frames=n, out_size=(SIZE, SIZE),
                       fps=FPS, camera=Camera(), text=LABEL, watermark=Watermark(7, 11))  # fmt: skip
        segment_ms = ms(t0, n)
        cv2.setNumThreads(threads[0])
        numba.set_num_threads(threads[1])

    # same warp two ways: a wide-open, turned frame, all triangles
    c = ctl[int(np.argmax(ctl[:, 0]))].copy()
    c[9], c[11] = 10.0, 6.0  # yaw, roll
    dst = deform(rig, c)
    tris, order = rig.triangles, rig.draw_order
    ours = np.zeros_like(background)
    rasterise(photo, rig.src_pts, dst, tris, ours, order)
    t0 = time.perf_counter()
    for _ in range(20):
        rasterise(photo, rig.src_pts, dst, tris, ours, order)
    ours_ms = ms(t0, 20)
    t0 = time.perf_counter()
    map_x, map_y = build_remap(rig.src_pts, dst, tris, (SIZE, SIZE), order)
    build_ms = ms(t0)
    t0 = time.perf_counter()
    for _ in range(20):
        ref = cv2.remap(photo, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    remap_ms = ms(t0, 20)
    diff = np.abs(ours.astype(int) - ref.astype(int))

    print(f"talking photo {SIZE}x{SIZE} @ {FPS} fps, {n} frames ({speech.duration_s:.2f} s of TTS)")
    print(f"  rig build (once)      {rig_ms:8.1f} ms   ({len(rig.src_pts)} vertices, "
          f"{len(rig.triangles)} triangles, {rig.moving_tris.sum()} moving)")  # fmt: skip
    print(f"  tts (once)            {tts_ms:8.1f} ms")
    print(f"  triangles drawn       {drawn / n:8.1f} per frame (moved more than 0.05 px)")
    print("per frame:")
    print(f"  landmarks (tracking)  {landmarks_ms:8.2f} ms")
    print(f"  visemes+tracks        {visemes_ms:8.3f} ms")
    for k, v in stage.items():
        print(f"  {k:<21} {v / n:8.2f} ms")
    print(f"  staged total          {staged_ms:8.2f} ms")
    print(f"  render_face_frame     {render_ms:8.2f} ms  -> {1e3 / render_ms:6.1f} fps "
          f"= {1e3 / render_ms / FPS:4.1f}x real time ({render_cpu_ms:.2f} CPU ms)")  # fmt: skip
    print(f"  bare encode           {encode_ms:8.2f} ms  -> {1e3 / encode_ms:6.1f} fps")
    print(f"  render + encode       {both_ms:8.2f} ms  -> {1e3 / both_ms:6.1f} fps "
          f"= {encode_ms / both_ms:4.2f}x of the bare-encode ceiling "
          f"({1e3 / both_ms / FPS:4.1f}x real time)")  # fmt: skip
    print(f"  ... in a render worker {worker_ms:7.2f} ms  -> {1e3 / worker_ms:6.1f} fps "
          f"= {encode_ms / worker_ms:4.2f}x of the bare-encode ceiling "
          f"(cv2 and numba on 1 thread, not {threads[0]} and {threads[1]})")  # fmt: skip
    print(f"  ... render_segment    {segment_ms:8.2f} ms  -> {1e3 / segment_ms:6.1f} fps "
          f"= {encode_ms / segment_ms:4.2f}x of the bare-encode ceiling (as a worker: drawing "
          "and camera on one thread, watermark and encode on another)")  # fmt: skip
    print("same warp, whole mesh:")
    print(f"  rasterise (ours)      {ours_ms:8.2f} ms")
    print(f"  cv2.remap             {remap_ms:8.2f} ms  (+ {build_ms:.0f} ms to build the map)")
    print(f"  ours / remap          {ours_ms / remap_ms:8.2f}x   max |diff| {diff.max()}, "
          f"mean {diff.mean():.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
