"""Body room speed at 1280x720: pose detection, landmarks, One-Euro, cut-out and fill.

Prints milliseconds per call (median of repeated runs after a warm-up that builds
the interpreters) and, for each, a ratio against a baseline measured in this process:

    detect            detect_people vs the bare pose_detection model invoke
    landmarks+mask    pose_landmarks with the (H, W) mask vs the bare landmark invoke
    track step        pose_landmarks from a Roi, no mask (one video frame)
    detect+landmarks  one photo, both, vs the 40 ms frame budget of 25 fps
    one-euro          OneEuroFilter on (33, 3) points vs a plain EMA on the same array
    fill_background   mirrored fill vs cv2.inpaint (Telea) at full resolution
    person_cutout     RGBA cut-out

Run: .venv/bin/python bench/pose.py
"""

from __future__ import annotations

import cv2
import numpy as np
import skimage.data
from common import per_call_ms  # bench/ helpers (the script's folder is on sys.path)

from engine.nodes.body.cutout import background_hole, fill_background, person_cutout
from engine.nodes.body.interpreters import run_model
from engine.nodes.body.one_euro import OneEuroFilter
from engine.nodes.body.pose import _letterbox, detect_people, pose_landmarks, roi_from_pose
from engine.nodes.body.roi import crop

REPEATS = 20


def frame_720p() -> np.ndarray:
    """The astronaut, 720 px tall, on a grey 1280x720 frame: (720, 1280, 3) uint8."""
    person = cv2.resize(skimage.data.astronaut(), (720, 720), interpolation=cv2.INTER_CUBIC)
    frame = np.full((720, 1280, 3), 180, np.uint8)
    frame[:, 280:1000] = person
    return frame


def main() -> None:
    frame = frame_720p()
    person = detect_people(frame)[0]
    pose = pose_landmarks(frame, person)
    roi = roi_from_pose(pose)
    # The bare models get the very tensors the functions build (all-zero inputs run
    # faster than photos in XNNPACK, and would flatter the overhead).
    det_in = (_letterbox(frame)[0].astype(np.float32) / 127.5 - 1.0)[None]
    lm_in = (crop(frame, person.roi, 256).astype(np.float32) / 255.0)[None]

    rows = []
    bare_det = per_call_ms(lambda: run_model("pose_detection", det_in))
    detect = per_call_ms(lambda: detect_people(frame))
    rows.append(("detect", detect, "bare invoke", bare_det))
    bare_lm = per_call_ms(lambda: run_model("pose_landmark_full", lm_in))
    landmarks = per_call_ms(lambda: pose_landmarks(frame, person))
    rows.append(("landmarks+mask", landmarks, "bare invoke", bare_lm))
    step = per_call_ms(lambda: pose_landmarks(frame, roi, with_mask=False))
    rows.append(("track step", step, "bare invoke", bare_lm))
    rows.append(("detect+landmarks", detect + landmarks, "25 fps budget", 40.0))

    points = pose.points.astype(np.float64)
    filt = OneEuroFilter(0.1, 40.0, 1.0)
    state = {"t": 0}

    def euro_step():
        state["t"] += 1
        filt(points, state["t"] / 25.0, 1 / 400.0)

    ema = {"x": points.copy()}

    def ema_step():
        ema["x"] = 0.5 * points + 0.5 * ema["x"]

    rows.append(
        ("one-euro", per_call_ms(euro_step, 2000), "plain EMA", per_call_ms(ema_step, 2000))
    )

    mask = pose.mask
    hole = background_hole(mask).astype(np.uint8)
    fill = per_call_ms(lambda: fill_background(frame, mask), 5)
    telea = per_call_ms(lambda: cv2.inpaint(frame, hole, 5, cv2.INPAINT_TELEA), 3)
    rows.append(("fill_background", fill, "Telea full-res", telea))
    cutout = per_call_ms(lambda: person_cutout(frame, mask), 10)
    rows.append(("person_cutout", cutout, "-", float("nan")))

    print(f"body room at {frame.shape[1]}x{frame.shape[0]} (median ms per call)")
    for name, ms, base_name, base_ms in rows:
        ratio = (
            f"{ms / base_ms:6.2f}x of {base_name} ({base_ms:.3f} ms)" if base_ms == base_ms else ""
        )
        print(f"  {name:18s} {ms:9.3f} ms   {ratio}")
    print(f"  hole: {hole.mean() * 100:.0f}% of the frame")


if __name__ == "__main__":
    main()
