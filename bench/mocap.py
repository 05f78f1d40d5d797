"""Motion capture speed: video tracking vs real time, BVH import/export of a minute.

    tracking   motion_from_video on a 1280x720 25 fps H.264 clip (decode + track +
               angles), fps vs the 25 fps real-time rate and vs decoding alone
    bvh        export_bvh / import_bvh of a 1-minute 60 fps track, vs writing and
               reading the same numbers with np.savetxt / np.loadtxt

Run: .venv/bin/python bench/mocap.py [--seconds 4]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import av
import cv2
import numpy as np
import skimage.data

from engine.nodes.motion.bvh import export_bvh, import_bvh
from engine.nodes.motion.from_video import iter_frames, motion_from_video
from engine.nodes.motion.retime import wrap_angle
from engine.nodes.motion.skeleton import N_BONES, PoseTrack

FPS = 25


def make_clip(path: Path, seconds: float) -> Path:
    """The astronaut 720 px tall swaying on a grey 1280x720 frame, H.264."""
    person = cv2.resize(skimage.data.astronaut(), (720, 720), interpolation=cv2.INTER_CUBIC)
    frame = np.full((720, 1280, 3), 180, np.uint8)
    frame[:, 280:1000] = person
    n_frames = int(seconds * FPS)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = 1280, 720, "yuv420p"
        stream.options = {"preset": "veryfast"}
        for k in range(n_frames):
            phi = 8.0 * np.sin(2 * np.pi * k / n_frames)
            m = cv2.getRotationMatrix2D((640.0, 720.0), phi, 1.0)
            img = cv2.warpAffine(frame, m, (1280, 720), borderValue=(180, 180, 180))
            container.mux(stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
        container.mux(stream.encode())
    return path


def minute_track(fps: float = 60.0, seconds: float = 60.0) -> PoseTrack:
    rng = np.random.default_rng(0)
    n = int(fps * seconds)
    angles = wrap_angle(np.cumsum(rng.normal(0, 0.05, (n, N_BONES)), 0))
    root = np.cumsum(rng.normal(0, 0.01, (n, 2)), 0)
    return PoseTrack(fps, root.astype(np.float32), angles.astype(np.float32))


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=4.0, help="length of the 720p clip")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        clip = make_clip(tmp / "dance720.mp4", args.seconds)
        n_frames = int(args.seconds * FPS)
        decode_s = timed(lambda: sum(1 for _ in iter_frames(clip)))
        track_s = timed(lambda: motion_from_video(clip))
        track_fps, decode_fps = n_frames / track_s, n_frames / decode_s
        print(f"720p clip: {n_frames} frames")
        print(f"  decode only        {decode_fps:7.1f} fps")
        print(
            f"  motion_from_video  {track_fps:7.1f} fps = {track_fps / FPS:.2f}x real time "
            f"({FPS} fps), {track_fps / decode_fps:.2f}x decode"
        )

        track = minute_track()
        bvh = tmp / "minute.bvh"
        export_s = timed(lambda: export_bvh(track, bvh))
        import_s = timed(lambda: import_bvh(bvh))
        table = np.concatenate([track.root, track.angles], axis=1)
        txt = tmp / "minute.txt"
        save_s = timed(lambda: np.savetxt(txt, table, fmt="%.6f"))
        load_s = timed(lambda: np.loadtxt(txt))
        size_mb = bvh.stat().st_size / 1e6
        print(f"BVH, 1 minute at 60 fps ({track.n_frames} frames, {size_mb:.1f} MB):")
        print(f"  export_bvh  {export_s * 1000:7.1f} ms  ({export_s / save_s:.2f}x np.savetxt)")
        print(f"  import_bvh  {import_s * 1000:7.1f} ms  ({import_s / load_s:.2f}x np.loadtxt)")


if __name__ == "__main__":
    main()
