"""Test photos for the body room, all shipped by installed packages (nothing downloaded).

No installed package ships a full-body photo of a person (searched .venv: skimage.data,
matplotlib sample_data, sklearn images): the astronaut is waist-up, the cameraman is
cut at the thighs, Grace Hopper is chest-up.
"""

from __future__ import annotations

from functools import cache

import cv2
import numpy as np
import skimage.data

from engine.nodes.body.select import person_pose


@cache
def astronaut() -> np.ndarray:
    """(512, 512, 3) uint8: one person, cut at the waist (hips just below the frame)."""
    return skimage.data.astronaut()


@cache
def astronaut_pose():
    return person_pose(astronaut(), photo="astronaut.png")


def astronaut_region() -> np.ndarray:
    """(512, 512) bool: the astronaut drawn by hand (head ellipse + suit polygon)."""
    region = np.zeros((512, 512), np.uint8)
    cv2.ellipse(region, (225, 80), (75, 70), 0, 0, 360, 1, -1)
    suit = np.array([(110, 160), (310, 160), (365, 330), (340, 511), (20, 511), (25, 300)])
    cv2.fillPoly(region, [suit.astype(np.int32)], 1)
    return region.astype(bool)
