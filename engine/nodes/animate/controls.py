"""The face controls: one (C,) float32 vector per frame with named slots.

All zero is the photo at rest. Mouth slots are offsets from a closed, relaxed
mouth (``face_controls`` converts viseme values); angles are degrees.

    jaw_open         0..1   lower lip, chin and jaw drop (1 = widest, ~0.3 inter-ocular)
    lip_width        -1..1  mouth corners out (+, spread) or in (-, pursed)
    rounding         -1..1  lips rounded and pushed forward (the 'O')
    upper_lip_raise  0..1   upper lip off the teeth
    tongue           0..1   tongue tip up behind the upper teeth (L, TH)
    blink_right      0..1   subject's right eye closed (1 = shut)
    blink_left       0..1   subject's left eye
    gaze_x, gaze_y   -1..1  iris shift, fraction of its travel (+x image right, +y down)
    yaw, pitch, roll degrees: turn to image right, chin down, tilt clockwise on screen
    nod              -1..1  head shifted down (+) along the face axis, x 0.1 inter-ocular
    brows            -1..1  both brows up (+) or down (-)
    happy, sad, surprised, angry  0..1 expression intensity
    talking          0..1   the mouth slots count from a relaxed closed mouth (1, while a
                            line is spoken) rather than from the photo's own mouth (0):
                            a photo with parted lips (a smile with teeth) closes them
                            where the jaw is below the photo's own opening
"""

from __future__ import annotations

import numpy as np

from engine.errors import NodeError

SLOTS: tuple[str, ...] = (
    "jaw_open",
    "lip_width",
    "rounding",
    "upper_lip_raise",
    "tongue",
    "blink_right",
    "blink_left",
    "gaze_x",
    "gaze_y",
    "yaw",
    "pitch",
    "roll",
    "nod",
    "brows",
    "happy",
    "sad",
    "surprised",
    "angry",
    "talking",
)
N_CONTROLS = len(SLOTS)
SLOT: dict[str, int] = {name: i for i, name in enumerate(SLOTS)}
EXPRESSIONS = ("happy", "sad", "surprised", "angry")
MOUTH_SLOTS = ("jaw_open", "lip_width", "rounding", "upper_lip_raise", "tongue")
EYE_SLOTS = ("blink_right", "blink_left", "gaze_x", "gaze_y")
HEAD_SLOTS = ("yaw", "pitch", "roll", "nod")


def controls(**values: float) -> np.ndarray:
    """A (C,) float32 control vector: named slots set, the rest 0.

    >>> controls(jaw_open=1.0)[SLOT["jaw_open"]]
    1.0
    """
    unknown = sorted(set(values) - set(SLOT))
    if unknown:
        raise NodeError(
            f"unknown face control(s) {unknown}",
            kind="animate.controls",
            hint=f"known: {', '.join(SLOTS)}",
        )
    vec = np.zeros(N_CONTROLS, np.float32)
    for name, value in values.items():
        vec[SLOT[name]] = value
    return vec
