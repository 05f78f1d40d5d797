"""A performer as a stage layer: the person cut out of their photo with a soft alpha.

The pose model's mask is a 256 px map of the whole body crop: at a 500 px photo
its edge is blurred over several pixels and ignores hair and collar lines. The
layer's alpha is that mask cut to the person's colours (``refine_person_mask``,
GrabCut), split from anyone else in the photo (each pixel belongs to the nearest
face), then snapped to the photo's own edges by a colour guided filter
(He, Sun and Tang, "Guided Image Filtering", ECCV 2010), pulled in by a pixel
and feathered.

A soft edge pixel mixes person and photo background (I = a F + (1 - a) B). Put
on another backdrop as it is, it keeps a rim of the old background: a halo. So
the layer's colours are the person's own estimated colours F: the photo inside,
F solved from I with B estimated from the background nearby on the soft edge,
and beyond the edge the person's colours pushed outwards (normalised
convolution), so a face mesh that moves hair past the static alpha shows hair,
never the old background.

Sides where the person is cut by the photo's frame are recorded
(``cut``): a waist-up figure stands on the stage's bottom edge; a cut at a side
is faded out so no straight edge shows on the stage.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from engine.nodes.body.cutout import fill_background, refine_person_mask
from engine.nodes.body.image import as_rgb

ALPHA_LOW, ALPHA_HIGH = 0.35, 0.65  # mask values mapped to alpha 0 and 1 before the filter
GUIDE_RADIUS_FRAC = 0.012  # guided filter window radius, fraction of the long side
GUIDE_EPS = 2e-3  # guided filter regulariser (colour variance units, 0..1 scale)
BAND_FRAC = 0.008  # the filter may move the mask's edge this far (share of the long side)
ERODE_PX = 1  # the filtered edge is pulled in by this much...
FEATHER_PX = 0.8  # ...and softened by this Gaussian sigma
SIDE_FADE_FRAC = 0.06  # a side cut by the photo's frame fades out over this share of the width
CUT_TOUCH_PX = 2  # alpha this close to a photo edge counts as cut by it
MARGIN_FRAC = 0.05  # crop margin around the person, fraction of their height
PLATE_PX = 480  # long side of the photo-without-people plate


@dataclass(frozen=True)
class Layer:
    """One person cut out of a photo (all coordinates in the layer's own px).

    texture: (h, w, 3) uint8, the person's estimated colours (also beyond the alpha).
    alpha: (h, w) uint8, 255 = person.
    origin: (x, y) of the layer's top-left pixel in the photo, px.
    face_box: (x0, y0, x1, y1) float, forehead-to-chin box of the face landmarks.
    landmarks: (468, 3) float32 face landmarks, continuous px (as ``face_landmarks``).
    top: first row with alpha >= 0.5 above the face (top of the hair), px.
    bottom: last row with alpha >= 0.5, px.
    cut: which sides of the photo's frame the person is cut by ("top", "bottom",
        "left", "right").
    """

    texture: np.ndarray
    alpha: np.ndarray
    origin: tuple[int, int]
    face_box: tuple[float, float, float, float]
    landmarks: np.ndarray
    top: float
    bottom: float
    cut: tuple[str, ...]

    def as_dict(self) -> dict:
        return {
            "texture": self.texture,
            "alpha": self.alpha,
            "origin": list(self.origin),
            "face_box": list(self.face_box),
            "landmarks": self.landmarks,
            "top": self.top,
            "bottom": self.bottom,
            "cut": list(self.cut),
        }


def _disk(radius_px: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius_px + 1, 2 * radius_px + 1))


def _box(img: np.ndarray, r: int) -> np.ndarray:
    return cv2.boxFilter(img, -1, (2 * r + 1, 2 * r + 1), normalize=True)


def guided_filter(guide: np.ndarray, src: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """Colour guided filter of ``src`` by ``guide`` (He et al. 2010, eq. 19-21).

    Args:
        guide: (H, W, 3) float32 in [0, 1].
        src: (H, W) float32.
        radius: window radius, px (window side 2r + 1).
        eps: regulariser; larger = smoother, less edge-following.

    Returns:
        (H, W) float32: locally a linear function of the guide's colours, so its edges
        follow the guide's edges.
    """
    r = max(1, int(radius))
    mean_i = _box(guide, r)
    mean_p = _box(src, r)
    mean_ip = _box(guide * src[..., None], r)
    cov_ip = mean_ip - mean_i * mean_p[..., None]
    # 3x3 covariance of the guide in each window
    var = np.empty(guide.shape[:2] + (3, 3), np.float32)
    for a in range(3):
        for b in range(a, 3):
            v = _box(guide[..., a] * guide[..., b], r) - mean_i[..., a] * mean_i[..., b]
            var[..., a, b] = var[..., b, a] = v
    var += eps * np.eye(3, dtype=np.float32)
    coef = np.linalg.solve(var, cov_ip[..., None])[..., 0]  # (H, W, 3)
    offset = mean_p - (coef * mean_i).sum(-1)
    return (_box(coef, r) * guide).sum(-1) + _box(offset, r)


def push_colours(rgb: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Colours of the weighted pixels spread to everywhere else (normalised convolution
    over a pyramid: each pixel gets the weighted mean of the nearest known colours).

    Args:
        rgb: (H, W, 3) float32.
        weight: (H, W) float32 in [0, 1], 1 = a known colour.

    Returns:
        (H, W, 3) float32, equal to ``rgb`` where ``weight`` is 1.
    """
    rgb = np.asarray(rgb, np.float32)
    weight = np.asarray(weight, np.float32)
    total = float(weight.sum())
    if total <= 0:
        return rgb.copy()
    mean = (rgb * weight[..., None]).sum((0, 1)) / total
    num, den = [rgb * weight[..., None]], [weight]
    while max(num[-1].shape[:2]) > 2:
        num.append(cv2.pyrDown(num[-1]))
        den.append(cv2.pyrDown(den[-1]))
    d = den[-1][..., None]
    est = np.where(d > 1e-6, num[-1] / np.maximum(d, 1e-6), mean).astype(np.float32)
    for k in range(len(num) - 2, -1, -1):
        size = (num[k].shape[1], num[k].shape[0])
        up = cv2.resize(est, size, interpolation=cv2.INTER_LINEAR).reshape(num[k].shape)
        d = np.clip(den[k] * 4.0, 0.0, 1.0)[..., None]  # trust this level where it has data
        est = d * (num[k] / np.maximum(den[k], 1e-6)[..., None]) + (1 - d) * up
    known = weight[..., None]
    return known * rgb + (1 - known) * est


def _split_from_others(mask: np.ndarray, mine: np.ndarray, others: list) -> np.ndarray:
    """The mask where this person's face is nearer than anyone else's (x distance weighted
    more than y: people stand side by side)."""
    if not others:
        return mask
    h, w = mask.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    d_me = (xx - mine[0]) ** 2 + 0.25 * (yy - mine[1]) ** 2
    keep = np.ones((h, w), bool)
    for ox, oy in others:
        keep &= d_me <= (xx - ox) ** 2 + 0.25 * (yy - oy) ** 2
    return mask * cv2.GaussianBlur(keep.astype(np.float32), (0, 0), 2.0)


def _face_box(landmarks: np.ndarray) -> tuple[float, float, float, float]:
    xy = landmarks[:, :2]
    return (
        float(xy[:, 0].min()),
        float(xy[:, 1].min()),
        float(xy[:, 0].max()),
        float(xy[:, 1].max()),
    )


def person_layer(
    photo: np.ndarray,
    mask: np.ndarray,
    landmarks: np.ndarray,
    other_faces: list[tuple[float, float]] = (),
    *,
    seed: int = 0,
) -> Layer:
    """Cut the person whose face has ``landmarks`` out of ``photo``.

    Args:
        photo: (H, W, 3) uint8 RGB.
        mask: (H, W) float in [0, 1], the person's mask (``Pose.mask``).
        landmarks: (468, 3) face landmarks of that person, continuous photo px.
        other_faces: centres (x, y) px of the other people's faces in the photo.
        seed: GrabCut's colour-model seed.

    Returns:
        The ``Layer``, cropped to the person with a margin.
    """
    rgb = as_rgb(photo)
    h, w = rgb.shape[:2]
    lms = np.asarray(landmarks, np.float32)
    face = _face_box(lms)
    centre = ((face[0] + face[2]) / 2, (face[1] + face[3]) / 2)
    m = _split_from_others(np.clip(np.asarray(mask, np.float32), 0, 1), centre, list(other_faces))
    m = refine_person_mask(rgb, m, seed=seed)
    a0 = np.clip((m - ALPHA_LOW) / (ALPHA_HIGH - ALPHA_LOW), 0, 1).astype(np.float32)
    guide = rgb.astype(np.float32) / 255.0
    radius = max(2, round(GUIDE_RADIUS_FRAC * max(h, w)))
    alpha = np.clip(guided_filter(guide, a0, radius, GUIDE_EPS), 0, 1).astype(np.float32)
    # The filter moves the edge to the photo's own edges, within a few pixels of the
    # mask: further out it follows whatever colour matches (a dark hat into a dark flag).
    band = max(2, round(BAND_FRAC * max(h, w)))
    near = cv2.dilate((a0 > 0.5).astype(np.uint8), _disk(band)).astype(np.float32)
    core = cv2.erode(a0, _disk(band))
    alpha = np.maximum(alpha * cv2.GaussianBlur(near, (0, 0), band / 2), core)
    if ERODE_PX > 0:
        alpha = cv2.erode(alpha, np.ones((2 * ERODE_PX + 1,) * 2, np.uint8))
    alpha = cv2.GaussianBlur(alpha, (0, 0), FEATHER_PX)
    alpha[alpha < 1.0 / 255] = 0.0

    cut = _cut_sides(alpha)
    alpha = _fade_sides(alpha, cut)
    texture = foreground_colours(rgb, alpha)

    rows = np.flatnonzero((alpha > 0.02).any(1))
    cols = np.flatnonzero((alpha > 0.02).any(0))
    if not len(rows):  # nothing of the person survived: keep the face box
        x0, y0, x1, y1 = (int(v) for v in face)
        rows, cols = np.arange(y0, y1 + 1), np.arange(x0, x1 + 1)
    margin = max(2, round(MARGIN_FRAC * (rows[-1] - rows[0] + 1)))
    y0, y1 = max(0, rows[0] - margin), min(h, rows[-1] + 1 + margin)
    x0, x1 = max(0, cols[0] - margin), min(w, cols[-1] + 1 + margin)
    alpha_c = alpha[y0:y1, x0:x1]
    lms_c = lms.copy()
    lms_c[:, 0] -= x0
    lms_c[:, 1] -= y0
    fx0, fy0, fx1, fy1 = _face_box(lms_c)
    solid = alpha_c >= 0.5
    cols_face = slice(max(0, int(fx0)), max(1, int(np.ceil(fx1))))
    head_rows = np.flatnonzero(solid[:, cols_face].any(1))
    top = float(head_rows[0]) if len(head_rows) else fy0
    body_rows = np.flatnonzero(solid.any(1))
    bottom = float(body_rows[-1] + 1) if len(body_rows) else fy1
    return Layer(
        texture=np.ascontiguousarray(texture[y0:y1, x0:x1]),
        alpha=np.round(alpha_c * 255).astype(np.uint8),
        origin=(int(x0), int(y0)),
        face_box=(fx0, fy0, fx1, fy1),
        landmarks=lms_c,
        top=min(top, fy0),
        bottom=bottom,
        cut=cut,
    )


def _cut_sides(alpha: np.ndarray) -> tuple[str, ...]:
    """Sides of the photo the person touches (is cut by): over 2 % of that edge's
    pixels are person within ``CUT_TOUCH_PX`` of it."""
    k = CUT_TOUCH_PX
    solid = alpha > 0.5
    touching = {
        "top": solid[:k].any(0),
        "bottom": solid[-k:].any(0),
        "left": solid[:, :k].any(1),
        "right": solid[:, -k:].any(1),
    }
    return tuple(side for side, line in touching.items() if line.mean() > 0.02)


def _fade_sides(alpha: np.ndarray, cut: tuple[str, ...]) -> np.ndarray:
    """Fade the alpha towards a left, right or top side the photo cuts, so the stage shows
    no straight edge there (the bottom is kept: a waist-up figure stands on it)."""
    h, w = alpha.shape
    n = max(2, round(SIDE_FADE_FRAC * w))
    ramp = np.clip((np.arange(n, dtype=np.float32) + 0.5) / n, 0, 1)
    ramp = ramp * ramp * (3 - 2 * ramp)
    alpha = alpha.copy()
    if "left" in cut:
        alpha[:, :n] *= ramp[None, :]
    if "right" in cut:
        alpha[:, w - n :] *= ramp[::-1][None, :]
    if "top" in cut:
        m = min(n, h)
        alpha[:m] *= ramp[:m, None]
    return alpha


def foreground_colours(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 estimated person colours F for a soft ``alpha`` (H, W) in [0, 1].

    Inside (alpha ~ 1) F is the photo. On the soft edge F solves I = a F + (1 - a) B
    with B the background pushed in from outside; where a is small that is unstable,
    so F fades to the person's colours pushed out from inside. Outside, F is those
    pushed colours (hair stays hair if the mesh moves it).
    """
    img = rgb.astype(np.float32)
    inside = (alpha > 0.97).astype(np.float32)
    outside = (alpha < 0.03).astype(np.float32)
    f_in = push_colours(img, inside)
    if outside.any():
        b = push_colours(img, outside)
        a = np.maximum(alpha, 1e-3)[..., None]
        f_solved = np.clip((img - (1 - a) * b) / a, 0, 255)
    else:
        f_solved = img
    t = np.clip((alpha - 0.25) / 0.5, 0, 1)[..., None]
    t = t * t * (3 - 2 * t)
    f = t * f_solved + (1 - t) * f_in
    f = np.where(inside[..., None] > 0, img, f)
    return np.clip(np.round(f), 0, 255).astype(np.uint8)


def people_plate(photo: np.ndarray, masks: list[np.ndarray]) -> np.ndarray:
    """The photo with every given person removed and the background continued, shrunk to
    ``PLATE_PX`` on the long side: a stage backdrop made of the photo itself. (h, w, 3) uint8."""
    rgb = as_rgb(photo)
    h, w = rgb.shape[:2]
    scale = min(1.0, PLATE_PX / max(h, w))
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    union = np.zeros((size[1], size[0]), np.float32)
    for m in masks:
        union = np.maximum(union, cv2.resize(np.asarray(m, np.float32), size))
    return fill_background(small, union)
