"""Rotated square crops of a photo, and the maps between crop and photo pixels.

Coordinates are continuous pixels with the top-left corner of pixel (0, 0) at
(0, 0), so a pixel's centre is at (i + 0.5, j + 0.5). The face landmark model
reports its points in the same convention over its 192 x 192 input.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class CropTransform:
    """A square region of the photo turned so the face's eye line is horizontal.

    Attributes:
        centre_xy: centre of the square, in photo px.
        side_px: side of the square, in photo px.
        angle_rad: direction of the crop's x axis in the photo (y down), so a
            point along +x in the crop lies along (cos a, sin a) in the photo.
        out_px: side of the crop image handed to the model, in px.
    """

    centre_xy: tuple[float, float]
    side_px: float
    angle_rad: float
    out_px: int

    def crop_to_photo(self) -> np.ndarray:
        """(2, 3) affine matrix from crop px to photo px."""
        k = self.side_px / self.out_px  # photo px per crop px
        c, s = math.cos(self.angle_rad) * k, math.sin(self.angle_rad) * k
        half = self.out_px / 2
        cx, cy = self.centre_xy
        return np.array([[c, -s, cx - c * half + s * half], [s, c, cy - s * half - c * half]])

    def to_photo(self, xy: np.ndarray) -> np.ndarray:
        """Map (N, 2) crop px to (N, 2) photo px."""
        m = self.crop_to_photo()
        return xy @ m[:, :2].T + m[:, 2]

    def to_crop(self, xy: np.ndarray) -> np.ndarray:
        """Map (N, 2) photo px to (N, 2) crop px."""
        m = cv2.invertAffineTransform(self.crop_to_photo())
        return xy @ m[:, :2].T + m[:, 2]

    def sample(self, rgb: np.ndarray) -> np.ndarray:
        """The crop of ``rgb`` (H, W, 3) uint8 as (out_px, out_px, 3) uint8.

        Outside the photo the edge pixels are repeated, so a face at the border is
        not cut by a black band the model has never seen.
        """
        height, width = rgb.shape[:2]
        m = self.crop_to_photo()
        # Cut out just the photo region under the crop (plus a bilinear margin).
        ends = np.array([[0, 0], [self.out_px, 0], [0, self.out_px], [self.out_px, self.out_px]])
        corners = self.to_photo(ends.astype(np.float64))
        x0 = int(np.clip(math.floor(corners[:, 0].min()) - 2, 0, width - 1))
        y0 = int(np.clip(math.floor(corners[:, 1].min()) - 2, 0, height - 1))
        x1 = int(np.clip(math.ceil(corners[:, 0].max()) + 2, x0 + 1, width))
        y1 = int(np.clip(math.ceil(corners[:, 1].max()) + 2, y0 + 1, height))
        region = rgb[y0:y1, x0:x1]
        m = m - np.array([[0, 0, x0], [0, 0, y0]])
        k = self.side_px / self.out_px  # photo px per crop px
        if k > 2:
            # Shrink first with area averaging so the bilinear warp does not alias.
            f = 1.0 / math.floor(k)
            small = cv2.resize(region, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
            scale = np.diag([small.shape[1] / region.shape[1], small.shape[0] / region.shape[0]])
            region, m = small, scale @ m
        # warpAffine maps integer pixel indices (centres at +0.5): shift both ends.
        m = m + np.c_[np.zeros((2, 2)), m[:, :2] @ np.array([0.5, 0.5]) - 0.5]
        return cv2.warpAffine(
            np.ascontiguousarray(region),
            m,
            (self.out_px, self.out_px),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REPLICATE,
        )


def eye_line_angle(right_eye_xy: np.ndarray, left_eye_xy: np.ndarray) -> float:
    """Angle of the line from the subject's right eye to the left eye, in radians.

    In a frontal upright photo the right eye is on the image left, so the angle is 0.
    """
    dx, dy = np.asarray(left_eye_xy, np.float64) - np.asarray(right_eye_xy, np.float64)
    return math.atan2(dy, dx)


def square_around(
    points_xy: np.ndarray, angle_rad: float, scale: float, out_px: int
) -> CropTransform:
    """The square, turned by ``angle_rad``, that holds ``points_xy`` enlarged by ``scale``.

    The points' bounding box is taken in the turned frame; its centre becomes the
    crop centre and its longer side times ``scale`` the crop side.
    """
    c, s = math.cos(angle_rad), math.sin(angle_rad)
    # Photo px -> turned frame (rotate by -angle).
    pts = np.asarray(points_xy, np.float64)
    u = pts[:, 0] * c + pts[:, 1] * s
    v = -pts[:, 0] * s + pts[:, 1] * c
    uc, vc = (u.min() + u.max()) / 2, (v.min() + v.max()) / 2
    side = max(u.max() - u.min(), v.max() - v.min()) * scale
    centre = (uc * c - vc * s, uc * s + vc * c)
    return CropTransform((float(centre[0]), float(centre[1])), float(side), angle_rad, out_px)
