"""The inside of the mouth, drawn where a closed-mouth photo has none.

Drawn into the frame before the face mesh, whose triangles inside the inner
lips are left out, so the lips (anti-aliased along that edge by the
rasteriser) lie over it. It is a dark cavity bounded by the deformed inner
lip contour, upper teeth in a band under the upper lip, lower teeth above the
lower lip once the jaw is well open, and a tongue that rises behind the upper
teeth for L and TH. Colours come from the photo (``FaceRig.palette``): the
cavity from the lips, the teeth from the skin's white balance, so a greyscale
or sepia photo gets grey or warm teeth.

``mouth_alpha`` fades it in over the first few px of opening, so a closed
mouth (jaw_open ~ 0) shows the photo's own lips and nothing else.
"""

from __future__ import annotations

import cv2
import numpy as np

from engine.nodes.animate.controls import SLOT
from engine.nodes.animate.rig import FaceRig

FADE_PX = (0.5, 3.0)  # extra inner-lip gap over which the interior fades in, frame px
_SUB = 4  # cv2 fixed-point bits for sub-pixel polygon vertices


def inner_gap_px(rig: FaceRig, dst: np.ndarray) -> float:
    """Inner-lip gap (13 to 14) of the deformed mesh, frame px."""
    return float(np.linalg.norm(dst[rig.vertex(13)] - dst[rig.vertex(14)]))


def mouth_alpha(rig: FaceRig, dst: np.ndarray) -> float:
    """Opacity of the interior in [0, 1]: 0 while the lips are as closed as in the photo."""
    extra = inner_gap_px(rig, dst) - rig.rest_gap_px
    t = (extra - FADE_PX[0]) / (FADE_PX[1] - FADE_PX[0])
    t = min(max(t, 0.0), 1.0)
    return t * t * (3.0 - 2.0 * t)


def _fill(shape, poly: np.ndarray) -> np.ndarray:
    """(h, w) float32 coverage of polygon ``poly`` (K, 2) local px, anti-aliased."""
    mask = np.zeros(shape, np.uint8)
    pts = np.round(poly * (1 << _SUB)).astype(np.int32)[None]
    cv2.fillPoly(mask, pts, 255, cv2.LINE_AA, shift=_SUB)
    return mask.astype(np.float32) * (1.0 / 255.0)


def _ellipse(shape, centre, axes, angle_deg) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    c = tuple(int(round(v * (1 << _SUB))) for v in centre)
    ax = tuple(max(1, int(round(v * (1 << _SUB)))) for v in axes)
    cv2.ellipse(mask, c, ax, angle_deg, 0, 360, 255, -1, cv2.LINE_AA, shift=_SUB)
    return mask.astype(np.float32) * (1.0 / 255.0)


def _shrink_to_centre(pts: np.ndarray, factor: float) -> np.ndarray:
    mid = 0.5 * (pts[0] + pts[-1])
    return mid + factor * (pts - mid)


def draw_mouth_interior(
    out: np.ndarray, rig: FaceRig, dst: np.ndarray, controls: np.ndarray, alpha: float
) -> np.ndarray:
    """Blend the mouth interior into ``out`` (H, W, 3) uint8 in place; returns ``out``.

    dst: (V, 2) deformed vertices (``deform``); controls: (C,) the frame's controls
    (``tongue`` raises the tongue); alpha: overall opacity (``mouth_alpha``).
    """
    if alpha <= 0.0:
        return out
    h, w = out.shape[:2]
    lips = dst[rig.inner_lips].astype(np.float64)  # 0..10 upper (78 -> 308), 11..19 lower
    x0 = max(int(np.floor(lips[:, 0].min())) - 2, 0)
    y0 = max(int(np.floor(lips[:, 1].min())) - 2, 0)
    x1 = min(int(np.ceil(lips[:, 0].max())) + 3, w)
    y1 = min(int(np.ceil(lips[:, 1].max())) + 3, h)
    if x1 <= x0 or y1 <= y0:
        return out
    shape = (y1 - y0, x1 - x0)
    org = np.array([x0, y0], np.float64)
    poly = lips - org
    cavity = cv2.dilate(_fill(shape, poly), np.ones((3, 3), np.uint8))  # under the lips' AA edge

    iod = rig.iod_px
    u, v = rig.axis_u.astype(np.float64), rig.axis_v.astype(np.float64)
    upper, lower = poly[:11], np.vstack([poly[10:], poly[:1]])  # lower runs 308 -> 78
    gap = inner_gap_px(rig, dst)
    centre = poly.mean(0)
    pal = rig.palette

    # cavity: darker towards the back (the middle), lighter near the lips
    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float64)
    half_w = max(0.5 * np.linalg.norm(poly[10] - poly[0]), 1.0)
    half_h = max(0.5 * gap, 1.0)
    ra = ((xs - centre[0]) * u[0] + (ys - centre[1]) * u[1]) / half_w
    rb = ((xs - centre[0]) * v[0] + (ys - centre[1]) * v[1]) / half_h
    shade = 0.7 + 0.3 * np.clip(ra * ra + rb * rb, 0.0, 1.0)
    col = shade[..., None] * pal["cavity"][None, None, :]

    # tongue: rests low, rises behind the upper teeth with the tongue control
    tongue = float(np.clip(controls[SLOT["tongue"]], 0.0, 1.0))
    lower_mid = poly[15]  # landmark 14
    rise = (0.15 + 0.55 * tongue) * gap
    t_centre = lower_mid - (0.1 * gap + rise * 0.5) * v
    t_axes = (0.5 * half_w, max(0.2 * gap + 0.25 * rise, 1.0))
    t_angle = float(np.degrees(np.arctan2(u[1], u[0])))
    t_mask = _ellipse(shape, t_centre, t_axes, t_angle) * min(1.0, 0.6 + tongue)
    t_shade = 0.8 + 0.2 * np.clip(1.0 - rb, 0.0, 1.0)  # lit from the front
    col += t_mask[..., None] * (t_shade[..., None] * pal["tongue"] - col)

    # upper teeth: a band under the upper lip, shaded at the sides and under the lip
    teeth_h = min(0.06 * iod, 0.4 * gap + 0.01 * iod)
    top = _shrink_to_centre(upper[2:9], 0.95)  # the corners droop with the jaw: no fangs
    band = np.vstack([top, (top + teeth_h * v)[::-1]])
    teeth = _fill(shape, band)
    side = np.clip(1.0 - np.abs(ra) ** 2, 0.0, 1.0)  # teeth turn away into shadow
    t_light = 0.6 + 0.4 * side
    col += teeth[..., None] * (t_light[..., None] * pal["teeth"] - col)

    # lower teeth: only once the jaw is well open
    low_vis = float(np.clip((gap / iod - 0.12) / 0.12, 0.0, 1.0))
    if low_vis > 0:
        bottom = _shrink_to_centre(lower, 0.7)
        lband = np.vstack([bottom, (bottom - 0.05 * iod * v)[::-1]])
        lteeth = _fill(shape, lband) * (0.85 * low_vis)
        col += lteeth[..., None] * (0.8 * t_light[..., None] * pal["teeth"] - col)

    a = (cavity * alpha)[..., None]
    patch = out[y0:y1, x0:x1].astype(np.float32)
    out[y0:y1, x0:x1] = np.clip(patch + a * (col - patch) + 0.5, 0, 255).astype(np.uint8)
    return out
