"""Blinks seen in the video, on any photo: glasses, greyscale, aged prints.

Eyelid landmarks alone miss blinks behind glasses (the lid gap moves by a tenth
of what it should), so a blink is found by what a viewer sees: the eye region's
appearance departs sharply from its own recent look and returns within a third
of a second. Both eyes are cut out level by their corners, normalised for
brightness and contrast, and compared with their median over the surrounding
second; a short run of large departures during which the lid gap also narrows
is a blink. A glance holds its new look longer and does not count.
"""

from __future__ import annotations

import cv2
import numpy as np

from engine.quality.crop import aligned_crop
from engine.quality.faces import LEFT_EYE, RIGHT_EYE, Face

PATCH_PX = 32
CONTEXT_S = 0.5  # half-width of the window an eye's usual look is taken from
MAX_BLINK_S = 0.4
MIN_BLINK_FRAMES = 2
THRESHOLD_MADS = 5.0
LID_DIP = 0.95  # the lid gap must narrow to this fraction of its usual width


def eye_patches(frame: np.ndarray, face: Face) -> np.ndarray:
    """(2 * 16 * 32,) float32: both eyes, level, grey, zero mean and unit variance."""
    parts = []
    for eye in (RIGHT_EYE, LEFT_EYE):
        a, b = face.points[eye["outer"]], face.points[eye["inner"]]
        if eye is RIGHT_EYE:
            a, b = b, a  # both crops run from image left to image right
        width = float(np.linalg.norm(a - b))
        crop = aligned_crop(a, b, (a + b) / 2.0, max(width, 4.0) * 1.6, 0.0)
        grey = cv2.cvtColor(crop.cut(frame, PATCH_PX), cv2.COLOR_RGB2GRAY).astype(np.float32)
        band = grey[PATCH_PX // 4 : 3 * PATCH_PX // 4]
        parts.append(((band - band.mean()) / (band.std() + 1e-3)).ravel())
    return np.concatenate(parts)


def find_blinks(patches: np.ndarray, lid_gap: np.ndarray, fps: float) -> list[int]:
    """Frame indices where blinks peak.

    Parameters
    ----------
    patches : (T, D) float32 eye patches from ``eye_patches`` (rows of NaN: no face).
    lid_gap : (T,) float, eye aspect ratio per frame (NaN: no face).
    fps : frames per second.
    """
    n = len(patches)
    if n < 5:
        return []
    half = max(2, round(CONTEXT_S * fps))
    departure = np.full(n, np.nan)
    for t in range(n):
        if not np.isfinite(patches[t, 0]):
            continue
        window = patches[max(0, t - half) : t + half + 1]
        window = window[np.isfinite(window[:, 0])]
        if len(window) < half:
            continue
        departure[t] = np.sqrt(np.mean((patches[t] - np.median(window, axis=0)) ** 2))
    valid = np.isfinite(departure)
    if valid.sum() < 2 * half:
        return []
    med = float(np.median(departure[valid]))
    mad = float(np.median(np.abs(departure[valid] - med))) + 1e-6
    above = valid & (departure > med + THRESHOLD_MADS * mad)
    usual_gap = _rolling_median(lid_gap, 2 * half + 1)
    blinks = []
    t = 0
    max_frames = max(MIN_BLINK_FRAMES, round(MAX_BLINK_S * fps))
    while t < n:
        if not above[t]:
            t += 1
            continue
        end = t
        while end < n and above[end]:
            end += 1
        run = slice(t, end)
        if MIN_BLINK_FRAMES <= end - t <= max_frames:
            dip = np.nanmin(lid_gap[run] / usual_gap[run])
            if dip < LID_DIP:
                blinks.append(t + int(np.nanargmax(departure[run])))
        t = end
    return blinks


def _rolling_median(x: np.ndarray, size: int) -> np.ndarray:
    out = np.full(len(x), np.nan)
    half = size // 2
    for t in range(len(x)):
        window = x[max(0, t - half) : t + half + 1]
        window = window[np.isfinite(window)]
        if len(window):
            out[t] = np.median(window)
    return out
