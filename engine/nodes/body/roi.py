"""Square, rotated regions of interest and the affine maps between image and crop.

Coordinates in image pixels follow OpenCV: the centre of pixel (row i, column j) is
(x=j, y=i). A crop of ``out_px`` square pixels covers the region ``Roi`` describes; crop
coordinates normalised to [0, 1] have their edges at 0 and 1, as the models use.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Roi:
    """A square region of the image, rotated about its centre.

    ``angle_rad`` turns the crop's axes clockwise on screen (image y points down): a
    crop of a person leaning right has a positive angle, so the person stands upright
    in the crop.
    """

    cx_px: float
    cy_px: float
    size_px: float
    angle_rad: float

    def rotation(self) -> np.ndarray:
        """(2, 2) float64: crop axes in image coordinates, as columns."""
        c, s = math.cos(self.angle_rad), math.sin(self.angle_rad)
        return np.array([[c, -s], [s, c]])

    def crop_to_image(self, uv_norm: np.ndarray) -> np.ndarray:
        """Map (..., 2) crop coordinates in [0, 1] to image pixels (..., 2) float32."""
        local = (np.asarray(uv_norm, np.float64) - 0.5) * self.size_px
        xy = local @ self.rotation().T + (self.cx_px, self.cy_px)
        return xy.astype(np.float32)

    def image_to_crop_matrix(self, out_px: int) -> np.ndarray:
        """(2, 3) float64 affine taking image pixels to crop pixels, for cv2.warpAffine."""
        # crop pixel centre u maps to crop-normalised (u + 0.5) / out_px.
        scale = out_px / self.size_px
        rot_t = self.rotation().T * scale
        centre = np.array([self.cx_px, self.cy_px])
        offset = out_px / 2 - 0.5 - rot_t @ centre
        return np.hstack([rot_t, offset[:, None]])


def roi_from_keypoints(
    centre_px: np.ndarray, scale_point_px: np.ndarray, enlarge: float = 1.25
) -> Roi:
    """The crop the pose model expects from a body centre and its scale point.

    The square is centred on ``centre_px``, has side ``2 * |scale - centre| * enlarge``
    and is turned so that the centre→scale-point vector points up in the crop.
    """
    dx, dy = np.asarray(scale_point_px, np.float64) - np.asarray(centre_px, np.float64)
    size_px = 2.0 * math.hypot(dx, dy) * enlarge
    angle = math.pi / 2 - math.atan2(-dy, dx)
    angle = (angle + math.pi) % (2 * math.pi) - math.pi
    return Roi(float(centre_px[0]), float(centre_px[1]), float(size_px), float(angle))


def crop(image: np.ndarray, roi: Roi, out_px: int) -> np.ndarray:
    """Cut ``roi`` out of ``image`` (H, W, C) into an (out_px, out_px, C) array.

    Outside the image is black (zero), as the pose model was trained with.
    """
    matrix = roi.image_to_crop_matrix(out_px)
    return cv2.warpAffine(
        image,
        matrix,
        (out_px, out_px),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0,
    )


def uncrop(values: np.ndarray, roi: Roi, height: int, width: int) -> np.ndarray:
    """Paste a crop-space map (S, S) float32 back into image space (height, width).

    Pixels outside the crop are 0.
    """
    matrix = roi.image_to_crop_matrix(values.shape[0])
    return cv2.warpAffine(
        values,
        matrix,
        (width, height),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0,
    )
