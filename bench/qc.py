"""Speed of ``photoplay qc`` on 1280x720 clips of a talking face and of a dancing body.

Usage:
    .venv/bin/python bench/qc.py [--seconds 20] [--repeats 2]

Two clips are made from scikit-image's astronaut (a real photo) at 1280x720,
25 fps, H.264 CRF 18 + AAC, with a timeline beside each as a render writes it:

- talk: the photo panning slowly while "she" speaks for the whole clip (faces are
  tracked on every frame; lip sync, blinks and the label measured);
- dance: the photo swaying while "she" dances for the whole clip (faces and the
  body tracked on every frame: the most qc does per frame).

Timed, best of --repeats: qc on each clip, and the baseline of decoding every
frame to RGB with PyAV in the same process. Printed as multiples of real time
(goal: qc at least 2x real time, so ``render --qc`` costs under half the video's
length) and as a ratio to the decode baseline.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import skimage.data

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.quality import judge, media  # noqa: E402
from tests.quality.clips import write_clip, write_timeline  # noqa: E402

W, H, FPS, SR = 1280, 720, 25, 48000


def _frames(seconds: float, sway_px: float) -> list[np.ndarray]:
    photo = cv2.resize(skimage.data.astronaut(), (H, H), interpolation=cv2.INTER_AREA)
    canvas = np.zeros((H, W, 3), np.uint8)
    canvas[:, (W - H) // 2 : (W + H) // 2] = photo
    frames = []
    for i in range(int(seconds * FPS)):
        t = i / FPS
        dx = sway_px * np.sin(np.pi * t / 0.5) + 20.0 * t / seconds
        m = np.float32([[1, 0, dx], [0, 1, 0]])
        frames.append(cv2.warpAffine(canvas, m, (W, H), borderMode=cv2.BORDER_REPLICATE))
    return frames


def _voice(seconds: float) -> np.ndarray:
    """Syllable-rate bursts of band-limited noise: a speech-like envelope."""
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * SR)) / SR
    envelope = np.clip(np.sin(2 * np.pi * 4.0 * t), 0, None) ** 2
    mono = (0.2 * envelope * rng.standard_normal(len(t))).astype(np.float32)
    return np.stack([mono, mono], axis=1)


def _best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        clips = {}
        for name, sway, verb in (("talk", 2.0, "say"), ("dance", 30.0, "dance")):
            video = write_clip(
                Path(tmp) / f"{name}.mp4",
                _frames(args.seconds, sway),
                FPS,
                _voice(args.seconds),
                SR,
            )
            act = {"verb": verb, "who": "eileen", "start_s": 0.0, "end_s": args.seconds}
            write_timeline(video, [act], args.seconds)
            clips[name] = video
        print(f"qc speed, {W}x{H} {FPS} fps, {args.seconds:g} s clips, best of {args.repeats}")
        for name, video in clips.items():
            info = media.probe(video)
            decode_s = _best(lambda info=info: sum(1 for _ in media.frames(info)), args.repeats)
            qc_s = _best(lambda video=video: judge(video), args.repeats)
            print(
                f"  {name:5s}: qc {qc_s:5.2f} s = {args.seconds / qc_s:4.1f}x real time; "
                f"decode alone {decode_s:5.2f} s = {args.seconds / decode_s:4.1f}x; "
                f"qc / decode = {qc_s / decode_s:4.1f}"
            )


if __name__ == "__main__":
    main()
