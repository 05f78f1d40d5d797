"""Rotated square crops: what a landmark model sees, and the way back to the frame."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Crop:
    """A square of side ``size_px`` centred at (cx, cy) in frame pixels, turned by ``angle``
    radians (the crop's up axis rotated clockwise from the frame's)."""

    cx: float
    cy: float
    size_px: float
    angle: float

    def matrix(self, out_px: int) -> np.ndarray:
        """2x3 affine taking frame pixels to crop pixels (0..out_px)."""
        k = out_px / self.size_px
        c, s = math.cos(self.angle), math.sin(self.angle)
        # Rotate by -angle about the centre, scale, then move the centre to the middle.
        a = np.array([[c * k, s * k], [-s * k, c * k]])
        t = np.array([out_px / 2.0, out_px / 2.0]) - a @ np.array([self.cx, self.cy])
        return np.hstack([a, t[:, None]]).astype(np.float64)

    def cut(self, frame: np.ndarray, out_px: int) -> np.ndarray:
        return cv2.warpAffine(
            frame,
            self.matrix(out_px),
            (out_px, out_px),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
        )

    def to_frame(self, points_px: np.ndarray, out_px: int) -> np.ndarray:
        """(..., 2) crop pixels back to frame pixels."""
        m = self.matrix(out_px)
        inv = cv2.invertAffineTransform(m)
        pts = np.asarray(points_px, np.float64)
        return (pts @ inv[:, :2].T + inv[:, 2]).astype(np.float32)


def aligned_crop(p0: np.ndarray, p1: np.ndarray, centre, size_px: float, target_deg: float) -> Crop:
    """A crop turned so that the direction p0 -> p1 points at ``target_deg`` (0 = image
    right, 90 = image up), as MediaPipe aligns faces by the eyes and bodies by hip to head."""
    dx, dy = float(p1[0] - p0[0]), float(p1[1] - p0[1])
    angle = math.radians(target_deg) - math.atan2(-dy, dx)
    angle = (angle + math.pi) % (2 * math.pi) - math.pi
    return Crop(float(centre[0]), float(centre[1]), float(size_px), angle)


def steady(previous: Crop | None, new: Crop, tolerance: float = 0.04) -> Crop:
    """``previous`` unless ``new`` moved, grew or turned by more than ``tolerance`` (of the
    crop's size; in radians for the turn). A model re-cropped from its own output wanders
    by a pixel or two on a still picture; holding the crop keeps a still picture still."""
    if previous is None:
        return new
    moved = math.hypot(new.cx - previous.cx, new.cy - previous.cy) / previous.size_px
    grew = abs(new.size_px / previous.size_px - 1.0)
    turned = abs((new.angle - previous.angle + math.pi) % (2 * math.pi) - math.pi)
    if moved > tolerance or grew > tolerance or turned > tolerance:
        return new
    return previous
