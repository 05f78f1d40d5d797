"""Which of MediaPipe's 468 face landmarks the animation mesh uses, by feature.

"Right"/"left" are the subject's (the right eye is on the image left). Lip and
eye contours come from ``engine.nodes.face.regions``; the semi-contours and
the rings around the eyes follow MediaPipe's face-mesh annotations.
"""

from __future__ import annotations

from engine.nodes.face.regions import (
    FACE_OVAL,
    LEFT_EYE,
    LEFT_EYEBROW,
    LIPS_INNER,
    LIPS_OUTER,
    RIGHT_EYE,
    RIGHT_EYEBROW,
)

# Lips: the inner contour splits at the corners 78 / 308 into upper and lower halves.
INNER_UPPER = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308)
INNER_LOWER = (324, 318, 402, 317, 14, 87, 178, 88, 95)
OUTER_UPPER = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291)
OUTER_LOWER = (375, 321, 405, 314, 17, 84, 181, 91, 146)
# Between the two: sampled for the lip colour, not in the mesh (on thin lips they lie
# on the inner contour, and a closed seam cannot separate them).
SEMI_UPPER = (62, 183, 42, 41, 38, 12, 268, 271, 272, 407, 292)
SEMI_LOWER = (325, 319, 403, 316, 15, 86, 179, 89, 96)
MOUTH_CORNERS = (61, 291, 78, 308)

# Eyes: upper and lower lids, each upper point paired with the lower point it meets in a blink.
RIGHT_LID_PAIRS = ((246, 7), (161, 163), (160, 144), (159, 145), (158, 153), (157, 154),
                   (173, 155))  # fmt: skip
LEFT_LID_PAIRS = ((466, 249), (388, 390), (387, 373), (386, 374), (385, 380), (384, 381),
                  (398, 382))  # fmt: skip
RIGHT_EYE_CORNERS = (33, 133)
LEFT_EYE_CORNERS = (263, 362)
RIGHT_LID_FOLD = (247, 30, 29, 27, 28, 56, 190)  # skin above the lid: follows it half-way
LEFT_LID_FOLD = (467, 260, 259, 257, 258, 286, 414)
RIGHT_UNDER_EYE = (130, 25, 110, 24, 23, 22, 26, 112, 243)
LEFT_UNDER_EYE = (359, 255, 339, 254, 253, 252, 256, 341, 463)

RIGHT_BROW_INNER = (55, 65, 107, 66)
LEFT_BROW_INNER = (285, 295, 336, 296)

NOSE = (168, 6, 197, 195, 5, 4, 1, 19, 94, 2, 98, 327, 129, 358, 48, 278, 115, 344,
        220, 440, 45, 275, 64, 294, 240, 460)  # fmt: skip
AROUND_MOUTH = (164, 167, 393, 165, 391, 92, 322, 186, 410, 57, 287, 43, 273, 106, 335,
                182, 406, 83, 313, 18, 200, 199, 175, 201, 421, 204, 424, 212, 432,
                202, 422, 214, 434, 210, 430, 216, 436)  # fmt: skip
CHEEKS = (50, 280, 101, 330, 36, 266, 205, 425, 207, 427, 187, 411, 123, 352, 116, 345,
          117, 346, 118, 347, 119, 348, 100, 329, 142, 371, 147, 376, 192, 416, 213, 433)  # fmt: skip
CHEEK_RAISERS = (50, 280, 101, 330, 36, 266, 205, 425, 117, 346, 118, 347, 119, 348,
                 100, 329, 142, 371, 187, 411, 123, 352)  # fmt: skip
FOREHEAD = (151, 9, 108, 337, 69, 299, 104, 333, 68, 298, 8)

MESH_LANDMARKS: tuple[int, ...] = tuple(
    dict.fromkeys(
        FACE_OVAL + RIGHT_EYEBROW + LEFT_EYEBROW + RIGHT_EYE + LEFT_EYE
        + RIGHT_LID_FOLD + LEFT_LID_FOLD + RIGHT_UNDER_EYE + LEFT_UNDER_EYE
        + LIPS_OUTER + LIPS_INNER
        + NOSE + AROUND_MOUTH + CHEEKS + FOREHEAD
    )
)  # fmt: skip
# Contours that must stay mesh edges (the mouth opens and the lids close along them).
CONTOURS: tuple[tuple[int, ...], ...] = (LIPS_INNER, LIPS_OUTER, RIGHT_EYE, LEFT_EYE)
