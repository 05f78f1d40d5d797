"""Face detection and landmarks per call on a 720x720 photo, against OpenCV's cascade.

Prints milliseconds per call (median of repeated runs, after a warm-up that builds
the interpreters) for:

    detect      detect_faces: both BlazeFace models + landmark-model check
    landmarks   face_landmarks: two landmark passes (detection crop, then re-crop)
    track step  one landmark pass from the previous frame's points (video tracking)
    cascade     the classic LBP frontal-face cascade that skimage ships, run by
                cv2.CascadeClassifier when OpenCV has it (OpenCV 5 moved it out
                of the main package), else by skimage.feature.Cascade

and the cascade's time over each (how many times faster than the cascade), all measured in this one process.

Run: .venv/bin/python bench/face.py
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import skimage.data
from common import per_call_ms  # bench/ helpers (the script's folder is on sys.path)

from engine.nodes.face.detect import detect_faces
from engine.nodes.face.landmarks import face_landmarks
from engine.nodes.face.mesh import crop_from_points, read_landmarks

SIZE_PX = 720
REPEATS = 30


def lbp_cascade(photo: np.ndarray) -> tuple[Callable[[], list], str]:
    """A call running the LBP frontal-face cascade on ``photo``, and what runs it."""
    cascade_file = skimage.data.lbp_frontal_face_cascade_filename()
    grey = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY)
    if hasattr(cv2, "CascadeClassifier"):
        cascade = cv2.CascadeClassifier(cascade_file)

        def run_cv2() -> list:
            found = cascade.detectMultiScale(
                grey, scaleFactor=1.1, minNeighbors=5, minSize=(40, 40)
            )
            return list(found)

        return run_cv2, "cv2.CascadeClassifier"
    from skimage.feature import Cascade

    detector = Cascade(cascade_file)

    def run_skimage() -> list:
        return detector.detect_multi_scale(
            img=photo, scale_factor=1.2, step_ratio=1, min_size=(40, 40), max_size=(400, 400)
        )

    return run_skimage, "skimage.feature.Cascade; this OpenCV has no CascadeClassifier"


def main() -> None:
    cv2.setNumThreads(1)  # the models run one thread each: compare like with like
    photo = cv2.resize(skimage.data.astronaut(), (SIZE_PX, SIZE_PX), cv2.INTER_CUBIC)
    face = detect_faces(photo)[0]
    points = face_landmarks(photo, face).points

    rows = {
        "detect": per_call_ms(lambda: detect_faces(photo)),
        "landmarks": per_call_ms(lambda: face_landmarks(photo, face)),
        "track step": per_call_ms(lambda: read_landmarks(photo, crop_from_points(points))),
    }

    run_cascade, cascade_name = lbp_cascade(photo)
    n_cascade = len(run_cascade())
    cascade_ms = per_call_ms(run_cascade, repeats=5)

    print(f"face bench, {SIZE_PX}x{SIZE_PX} astronaut, median of {REPEATS} calls, 1 thread")
    print(f"  cascade     {cascade_ms:7.2f} ms/call   ({cascade_name}, {n_cascade} box(es) found)")
    for name, ms in rows.items():
        print(f"  {name:<11} {ms:7.2f} ms/call   cascade / this = {cascade_ms / ms:6.1f}x")


if __name__ == "__main__":
    main()
