"""Named outlines in MediaPipe's 468-point face mesh, as closed loops of point indices.

"Right" and "left" are the subject's: the right eye is on the image left in a
frontal photo. Each loop runs around its region once without repeating its start.
"""

from __future__ import annotations

import numpy as np

LIPS_OUTER = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291,
              375, 321, 405, 314, 17, 84, 181, 91, 146)  # fmt: skip
LIPS_INNER = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308,
              324, 318, 402, 317, 14, 87, 178, 88, 95)  # fmt: skip
RIGHT_EYE = (33, 246, 161, 160, 159, 158, 157, 173, 133,
             155, 154, 153, 145, 144, 163, 7)  # fmt: skip
LEFT_EYE = (263, 466, 388, 387, 386, 385, 384, 398, 362,
            382, 381, 380, 374, 373, 390, 249)  # fmt: skip
RIGHT_EYEBROW = (70, 63, 105, 66, 107, 55, 65, 52, 53, 46)
LEFT_EYEBROW = (300, 293, 334, 296, 336, 285, 295, 282, 283, 276)
FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288,
             397, 365, 379, 378, 400, 377, 152, 148, 176, 149, 150, 136,
             172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109)  # fmt: skip

REGIONS: dict[str, tuple[int, ...]] = {
    "lips_outer": LIPS_OUTER,
    "lips_inner": LIPS_INNER,
    "right_eye": RIGHT_EYE,
    "left_eye": LEFT_EYE,
    "right_eyebrow": RIGHT_EYEBROW,
    "left_eyebrow": LEFT_EYEBROW,
    "face_oval": FACE_OVAL,
}


def region_polygon(points: np.ndarray, name: str) -> np.ndarray:
    """The outline ``name`` (a key of REGIONS) of landmarks (468, 2|3) as (K, 2) float32 px."""
    return np.asarray(points, np.float32)[list(REGIONS[name]), :2]
