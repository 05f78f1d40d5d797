"""What hides the body in the photo: objects in front of a limb, drawn back over it.

A hand behind a helmet in the lap, a forearm behind a table: the limb's bones run
on outside the silhouette, under something else. Those pixels are in front of the
limb; when the limb moves there again it must pass behind them, so the render
draws them from the background plate over the posed body. Only where a limb was
hidden at rest (a disk around each bone point outside the silhouette), never over
the silhouette itself (the plate is repainted there).
"""

from __future__ import annotations

import cv2
import numpy as np

from engine.nodes.motion import skeleton as sk
from engine.nodes.rig import parts

LIMB_BONES = ("l_upper_arm", "l_forearm", "r_upper_arm", "r_forearm")
LEG_BONES = ("l_thigh", "l_shin", "r_thigh", "r_shin")
RADIUS_FRAC = 0.12  # disk around a hidden bone point, torso lengths
STEP_PX = 2.0  # spacing of the bone points
FEATHER_PX = 1.5  # soft edge of the occluder away from the body


def occluder_pixels(
    body: np.ndarray, joints: np.ndarray, torso_px: float, with_legs: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Pixels in front of a hidden limb and their opacity.

    Args:
        body: (H, W) bool, the rig's silhouette.
        joints: (N_JOINTS, 2) px, the photo's joints.
        torso_px: mid-hip to mid-shoulder, px.
        with_legs: legs are parts of their own (their hidden parts count too).

    Returns:
        idx (K,) int64 flat indices into (H, W), alpha (K,) float32 in (0, 1].
    """
    h, w = body.shape
    seg = parts.bone_segments(joints)
    names = LIMB_BONES + (LEG_BONES if with_legs else ())
    hidden = np.zeros((h, w), np.uint8)
    radius_px = max(1, round(RADIUS_FRAC * torso_px))
    for name in names:
        a, b = seg[sk.BONE_INDEX[name]]
        if not (np.isfinite(a).all() and np.isfinite(b).all()):
            continue
        n = max(2, int(np.linalg.norm(b - a) / STEP_PX) + 1)
        pts = a + np.linspace(0.0, 1.0, n)[:, None] * (b - a)
        x = np.round(pts[:, 0]).astype(int)
        y = np.round(pts[:, 1]).astype(int)
        inside = (x >= 0) & (x < w) & (y >= 0) & (y < h)
        x, y = x[inside], y[inside]
        for px, py in zip(x[~body[y, x]], y[~body[y, x]], strict=True):
            cv2.circle(hidden, (int(px), int(py)), radius_px, 1, -1)
    if not hidden.any():
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    alpha = cv2.GaussianBlur(hidden.astype(np.float32), (0, 0), FEATHER_PX) * ~body
    idx = np.flatnonzero(alpha > 1e-3)
    return idx.astype(np.int64), alpha.ravel()[idx].astype(np.float32)
