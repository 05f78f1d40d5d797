"""Photos for the face tests: package images and degraded copies of them.

Hand-measured points were read off 5-6x enlarged crops of the images with a
10 px grid drawn on them (photo px, x right, y down).
"""

from __future__ import annotations

import cv2
import matplotlib.cbook
import numpy as np
import skimage.data
from PIL import Image

# Landmark index -> (x, y) px, measured by eye: outer/inner eye corners (33, 133,
# 362, 263), nose tip (4), mouth corners (61, 291).
ASTRONAUT_POINTS = {
    33: (192, 101), 133: (211, 103), 362: (237, 104), 263: (257, 104),
    4: (224, 127), 61: (203, 140), 291: (245, 142),
}  # fmt: skip
GRACE_POINTS = {
    33: (200, 190), 133: (240, 190), 362: (288, 188), 263: (326, 186),
    4: (265, 240), 61: (231, 278), 291: (302, 278),
}  # fmt: skip
# Pupils, for the detector's eye keypoints.
ASTRONAUT_PUPILS = ((203, 101), (244, 104))
GRACE_PUPILS = ((222, 190), (304, 187))


def greyscale(rgb: np.ndarray) -> np.ndarray:
    """(H, W) uint8, as an old black-and-white print."""
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


def sepia(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 with the classic sepia tone matrix."""
    m = np.array([[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]])
    return np.clip(rgb.astype(np.float64) @ m.T, 0, 255).astype(np.uint8)


def scanned(rgb: np.ndarray, seed: int = 0) -> np.ndarray:
    """A faded, blurred, grainy greyscale scan of a print, (H, W) uint8."""
    rng = np.random.default_rng(seed)
    x = cv2.GaussianBlur(greyscale(rgb).astype(np.float64), (0, 0), 1.2)
    x = x * 0.7 + 40 + rng.normal(0, 8, x.shape)
    return np.clip(x, 0, 255).astype(np.uint8)


def rotated(rgb: np.ndarray, angle_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """``rgb`` turned counter-clockwise about its centre, and the (2, 3) px map used."""
    h, w = rgb.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle_deg, 1.0)
    return cv2.warpAffine(rgb, m, (w, h), borderMode=cv2.BORDER_REFLECT), m


def map_points(xy: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Apply a (2, 3) affine map to continuous px (pixel centres at +0.5)."""
    return (xy - 0.5) @ m[:, :2].T + m[:, 2] + 0.5


def downscaled(rgb: np.ndarray, factor: float) -> np.ndarray:
    return cv2.resize(rgb, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)


def astronaut_photo() -> np.ndarray:
    """skimage's astronaut, (512, 512, 3) uint8: one frontal face, ~96 px."""
    return skimage.data.astronaut()


def grace_photo() -> np.ndarray:
    """matplotlib's Grace Hopper, (600, 512, 3) uint8: one frontal face, ~200 px."""
    with Image.open(matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)) as im:
        return np.asarray(im.convert("RGB"))
