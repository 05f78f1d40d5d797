"""The inside of the mouth where the lips part further than in the photo.

Drawn into the frame before the face mesh, whose triangles inside the inner
lips are left out, so the lips (anti-aliased along that edge by the
rasteriser) lie over it. Two cases, told apart by the photo's own inner-lip
gap (``photo_mouth_open``):

* An open mouth in the photo (a smile with teeth): its own interior is kept.
  The opening is split along the line between the upper and lower teeth (the
  darkest row between the lips); the upper part rides on the upper lip, the
  lower part on the lower lip (the jaw), each drawn from the photo with
  ``rasterise``, and the split fades into a dark cavity only as far as the
  opening grows beyond the photo's gap.
* A closed mouth: a synthetic interior in the photo's colours
  (``FaceRig.palette``): a dark, warm cavity, lighter near the lips and
  darker at the corners and the back; upper teeth fixed to the skull (so the upper lip
  hides their roots and the jaw reveals their edges), shaded darker towards
  the sides and under the lip, sized to the mouth; the lower teeth's edges
  in shadow above the lower lip once the jaw is well open; a tongue on the
  floor of the mouth, lit in front, raised for L and TH (the ``tongue``
  control). Over a photo's own open mouth the same cavity and tongue show
  where the lips part further than in the photo.

Each part is a smooth function of the pixel's place across the mouth
(``a`` along the eye line) and below the upper lip (``b``), so edges are
soft by about a pixel. ``mouth_alpha`` fades the whole interior in over the
first few px of extra opening, so a mouth as open as in the photo is the photo.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass
from types import SimpleNamespace

import cv2
import numba as nb
import numpy as np

from engine.nodes.animate.controls import SLOT
from engine.nodes.animate.rig import OPEN_GAP_IOD, FaceRig
from engine.nodes.warp.raster import rasterise

FADE_PX = (0.5, 3.0)  # extra inner-lip gap over which the interior fades in, frame px
SKULL = (33, 263, 133, 362, 168, 6)  # eye corners and nose bridge: move with the head only
_SUB = 4  # cv2 fixed-point bits for sub-pixel polygon vertices


def inner_gap_px(rig: FaceRig, dst: np.ndarray) -> float:
    """Inner-lip gap (13 to 14) of the deformed mesh, frame px."""
    return float(np.linalg.norm(dst[rig.vertex(13)] - dst[rig.vertex(14)]))


def mouth_alpha(rig: FaceRig, dst: np.ndarray) -> float:
    """Opacity of the interior in [0, 1]: 0 while the lips are as closed as in the photo."""
    extra = inner_gap_px(rig, dst) - rig.rest_gap_px
    return _smoothstep((extra - FADE_PX[0]) / (FADE_PX[1] - FADE_PX[0]))


def photo_mouth_open(rig: FaceRig) -> bool:
    """Whether the photo's own lips are parted (teeth or a cavity to keep)."""
    return rig.rest_gap_px > OPEN_GAP_IOD * rig.iod_px


def _smoothstep(t):
    t = np.clip(t, 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def lip_loop_mask(shape, poly: np.ndarray) -> np.ndarray:
    """(h, w) float32 coverage of polygon ``poly`` (K, 2) local px, anti-aliased."""
    mask = np.zeros(shape, np.uint8)
    pts = np.round(poly * (1 << _SUB)).astype(np.int32)[None]
    cv2.fillPoly(mask, pts, 255, cv2.LINE_AA, shift=_SUB)
    return mask.astype(np.float32) * (1.0 / 255.0)


def _halves(poly: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inner-lip loop (20, 2) -> upper (11, 2) 78 -> 308 and lower (11, 2) 78 -> 308."""
    return poly[:11], np.vstack([poly[:1], poly[10:][::-1]])


def skull_map(rig: FaceRig, dst: np.ndarray) -> np.ndarray:
    """(2, 3) similarity taking rest px to this frame's px as the head (not the jaw) moves."""
    ids = [rig.vertex(k) for k in SKULL]
    m, _ = cv2.estimateAffinePartial2D(
        rig.rest_pts[ids].astype(np.float32), dst[ids].astype(np.float32), method=cv2.LMEDS
    )
    return np.array([[1, 0, 0], [0, 1, 0]], np.float64) if m is None else m


def _profile(ab: np.ndarray, a: np.ndarray) -> np.ndarray:
    """b at each a along a contour given as (K, 2) (a, b) points (interpolated, held at ends)."""
    k = np.argsort(ab[:, 0], kind="stable")
    return np.interp(a, ab[k, 0], ab[k, 1])


def draw_mouth_interior(
    out: np.ndarray,
    rig: FaceRig,
    dst: np.ndarray,
    controls: np.ndarray,
    alpha: float,
    photo: np.ndarray | None = None,
) -> np.ndarray:
    """Blend the mouth interior into ``out`` (H, W, 3) uint8 in place; returns ``out``.

    dst: (V, 2) deformed vertices (``deform``); controls: (C,) the frame's controls
    (``tongue`` raises the tongue); alpha: overall opacity (``mouth_alpha``);
    photo: the rig's (Hp, Wp, 3) uint8 photo, needed to keep an open mouth's own
    teeth (without it every mouth gets the synthetic interior).
    """
    if alpha <= 0.0:
        return out
    h, w = out.shape[:2]
    lips = dst[rig.inner_lips].astype(np.float64)
    x0 = max(int(np.floor(lips[:, 0].min())) - 2, 0)
    y0 = max(int(np.floor(lips[:, 1].min())) - 2, 0)
    x1 = min(int(np.ceil(lips[:, 0].max())) + 3, w)
    y1 = min(int(np.ceil(lips[:, 1].max())) + 3, h)
    if x1 <= x0 or y1 <= y0:
        return out
    shape = (y1 - y0, x1 - x0)
    org = np.array([x0, y0], np.float64)
    cavity = cv2.dilate(
        lip_loop_mask(shape, lips - org), np.ones((3, 3), np.uint8)
    )  # under the lip AA
    own = photo is not None and photo_mouth_open(rig)
    col = _interior_colour(rig, dst, controls, shape, org, synthetic=not own, where=cavity)
    a = (cavity * alpha)[..., None]
    patch = out[y0:y1, x0:x1].astype(np.float32)
    out[y0:y1, x0:x1] = np.clip(patch + a * (col - patch) + 0.5, 0, 255).astype(np.uint8)
    if own:
        layer = np.ascontiguousarray(out[y0:y1, x0:x1])
        _draw_own_teeth(layer, org, rig, dst, photo)
        patch = out[y0:y1, x0:x1].astype(np.float32)
        keep = cavity[..., None]  # inside the lips only
        out[y0:y1, x0:x1] = (patch + keep * (layer - patch) + 0.5).astype(np.uint8)
    return out


def _interior_colour(
    rig: FaceRig, dst, controls, shape, org, synthetic=True, where=None
) -> np.ndarray:
    """(h, w, 3) float32 colour of the interior over the patch at ``org`` (frame px):
    the cavity, and with ``synthetic`` the teeth and tongue too; with ``where`` (h, w),
    only where it is above 0 (0 elsewhere: what a zero weight blends in).

    The frame's geometry (lip contours, teeth line, sizes) here; the pixels in
    ``_interior_kernel``, the same float64 sums as ``_interior_colour_reference``
    (a pixel's colour may differ from it in the last bit, never by a grey level).
    """
    u, v = rig.axis_u.astype(np.float64), rig.axis_v.astype(np.float64)
    iod = rig.iod_px
    pal = rig.palette
    upper, lower = _halves(dst[rig.inner_lips].astype(np.float64))
    centre = 0.5 * (upper[0] + upper[-1])
    half_w = max(0.5 * float(np.linalg.norm(upper[-1] - upper[0])), 1.0)

    def to_ab(p):
        rel = p - centre
        return np.stack([rel @ u, rel @ v], -1)

    up_ab, lo_ab = _sorted(to_ab(upper)), _sorted(to_ab(lower))
    gap = max(float(np.max(to_ab(lower)[:, 1] - to_ab(upper)[:, 1])), 1.0)
    floor_px = 0.5 * rig.rest_gap_px if not synthetic else 0.0
    open_px = max(gap - 2.0 * floor_px, 0.0)
    tongue = float(np.clip(controls[SLOT["tongue"]], 0.0, 1.0))
    slit = float(_smoothstep((open_px / iod - 0.02) / 0.05))  # a narrow slit shows no tongue
    seam_ab, tw, scale, low_vis = np.zeros((1, 2)), 1.0, 1.0, 0.0
    if synthetic:  # upper teeth: fixed to the skull, edges just below the photo's lip seam
        skull = skull_map(rig, dst)
        rest_upper, rest_lower = _halves(rig.rest_pts[rig.inner_lips].astype(np.float64))
        seam = 0.5 * (rest_upper + rest_lower)
        seam = seam @ skull[:, :2].T + skull[:, 2]
        scale = float(np.sqrt(abs(np.linalg.det(skull[:, :2]))))
        rest_half_w = 0.5 * float(np.linalg.norm(rest_upper[-1] - rest_upper[0])) * scale
        tw = 0.8 * rest_half_w  # canine to canine
        seam_ab = _sorted(to_ab(seam))
        low_vis = float(_smoothstep((gap / iod - 0.14) / 0.12))
    col = np.zeros((*shape, 3), np.float32)
    where = np.ones(shape, np.float32) if where is None else np.ascontiguousarray(where)
    _interior_kernel(
        col, where, float(org[0]), float(org[1]), centre, u, v, up_ab, lo_ab, seam_ab,
        float(half_w), float(iod), float(gap), float(floor_px), float(open_px), tongue, slit,
        synthetic, float(tw), float(scale), low_vis, pal["lip"].astype(np.float64),
        pal["tongue"].astype(np.float64), pal["teeth"].astype(np.float64),
    )  # fmt: skip
    return col


def _sorted(ab: np.ndarray) -> np.ndarray:
    """(K, 2) contour points (a, b) in increasing a (stable): what ``_profile`` interpolates."""
    return np.ascontiguousarray(ab[np.argsort(ab[:, 0], kind="stable")])


@nb.njit(cache=True, inline="always")
def _ss(t):
    t = min(max(t, 0.0), 1.0)
    return t * t * (3.0 - 2.0 * t)


@nb.njit(cache=True, inline="always")
def _gap_shade(a, tw):
    shade = 1.0
    for k in (0.0, 0.3, -0.3, 0.56, -0.56):
        x = (a - k * tw) / 0.6
        shade -= 0.07 * math.exp(-(x * x))
    return shade


@nb.njit(cache=True)
def _interior_kernel(col, where, ox, oy, centre, u, v, up_ab, lo_ab, seam_ab, half_w, iod, gap,
                     floor_px, open_px, tongue, slit, synthetic, tw, scale, low_vis, lip,
                     tongue_rgb, teeth_rgb):  # fmt: skip
    """``_interior_colour_reference`` pixel by pixel, into ``col`` (h, w, 3) float32 where
    ``where`` > 0. A layer whose weight is 0 at a pixel is skipped there (adding
    0 * anything finite leaves the colour as it is)."""
    h, w = col.shape[0], col.shape[1]
    n = h * w
    a = np.empty(n)
    b = np.empty(n)
    for y in range(h):
        ry = (y + oy) - centre[1]
        for x in range(w):
            rx = (x + ox) - centre[0]
            a[y * w + x] = rx * u[0] + ry * u[1]
            b[y * w + x] = rx * v[0] + ry * v[1]
    b_up = np.interp(a, up_ab[:, 0], up_ab[:, 1])
    b_lo = np.interp(a, lo_ab[:, 0], lo_ab[:, 1])
    seam = np.interp(a, seam_ab[:, 0], seam_ab[:, 1])
    rim_px = max(1.5, 0.05 * iod)
    back_px = max(0.6 * gap, 1.0)
    tongue_h = 0.4 + 0.4 * tongue
    lit_px = 0.35 * open_px + 1.0
    reach_w = 0.75 * half_w
    ltw = 0.65 * tw
    c = np.empty(3)
    for i in range(n):
        y, x = i // w, i % w
        if not where[y, x] > 0.0:
            continue
        ai, bi = a[i], b[i]
        d_up = bi - b_up[i]
        d_lo = b_lo[i] - bi
        # cavity: warm and dark, lighter in the lips' shade, darkest at corners and back
        depth = _ss(min(d_up, d_lo) / rim_px)
        q = min(max(abs(ai) / half_w, 0.0), 1.0)
        corner = 1.0 - 0.45 * math.pow(q, 3.0)
        back = 0.8 + 0.2 * _ss(d_up / back_px)
        for k in range(3):
            rim = 0.45 * lip[k]
            deep = 0.24 * lip[k] + 5.0
            c[k] = (rim + depth * (deep - rim)) * (corner * back)
        if open_px > 1.0:  # tongue on the floor, raised for L and TH
            r = ai / reach_w
            reach = math.sqrt(min(max(1.0 - r * r, 0.0), 1.0))
            top = (b_lo[i] - floor_px) - reach * tongue_h * open_px
            t_mask = _ss((bi - top) / 1.2) * _ss(reach * 3.0)
            t_mask *= slit
            lit = 0.55 + 0.45 * _ss((bi - top) / lit_px) * reach
            for k in range(3):
                c[k] += t_mask * (tongue_rgb[k] * lit - c[k])
        if synthetic:  # upper teeth
            r = ai / tw
            across = min(max(1.0 - r * r, 0.0), 1.0)
            edge = seam[i] + (0.02 + 0.025 * math.sqrt(across)) * iod * scale
            teeth = _ss((edge - bi) / 0.9 + 0.5) * _ss(across * 6.0)
            if teeth != 0.0:  # (0 adds nothing: skip the shading)
                light = 0.55 + 0.4 * across
                light *= 0.72 + 0.28 * _ss(d_up / (0.03 * iod + 1.0))
                light *= 1.0 - 0.1 * _ss((bi - edge) / 2.0 + 1.0)
                light *= _gap_shade(ai, tw)
                for k in range(3):
                    c[k] += teeth * (light * teeth_rgb[k] - c[k])
            if low_vis > 0:  # lower teeth's edges, in shadow, once the jaw is well open
                r = ai / ltw
                l_across = min(max(1.0 - r * r, 0.0), 1.0)
                l_top = b_lo[i] - 0.035 * iod * math.sqrt(l_across) * low_vis
                lteeth = _ss((bi - l_top) / 0.9 + 0.5) * _ss(l_across * 6.0) * 0.85
                if lteeth != 0.0:
                    l_light = (0.4 + 0.3 * l_across) * _gap_shade(ai, ltw)
                    for k in range(3):
                        c[k] += lteeth * (l_light * teeth_rgb[k] - c[k])
        for k in range(3):
            col[y, x, k] = c[k]


def _gaps(a: np.ndarray, tw: float) -> np.ndarray:
    """Faint shade between teeth: centre, and about a tooth either side of it."""
    shade = np.ones_like(a)
    for k in (0.0, 0.3, -0.3, 0.56, -0.56):
        shade -= 0.07 * np.exp(-(((a - k * tw) / 0.6) ** 2))
    return shade


def _interior_colour_reference(
    rig: FaceRig, dst, controls, shape, org, synthetic=True
) -> np.ndarray:
    """Plain NumPy version of ``_interior_colour`` (whole-patch arrays)."""
    u, v = rig.axis_u.astype(np.float64), rig.axis_v.astype(np.float64)
    iod = rig.iod_px
    pal = rig.palette
    lip = pal["lip"].astype(np.float64)
    upper, lower = _halves(dst[rig.inner_lips].astype(np.float64))
    centre = 0.5 * (upper[0] + upper[-1])
    half_w = max(0.5 * float(np.linalg.norm(upper[-1] - upper[0])), 1.0)

    def to_ab(p):
        rel = p - centre
        return np.stack([rel @ u, rel @ v], -1)

    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float64)
    px = np.stack([xs + org[0], ys + org[1]], -1)
    ab = to_ab(px)
    a, b = ab[..., 0], ab[..., 1]
    b_up = _profile(to_ab(upper), a)
    b_lo = _profile(to_ab(lower), a)
    d_up, d_lo = b - b_up, b_lo - b  # px below the upper lip, above the lower lip
    gap = max(float(np.max(to_ab(lower)[:, 1] - to_ab(upper)[:, 1])), 1.0)

    # cavity: warm and dark, a little lighter in the lips' shade, darkest in the corners
    # and at the back (the top of the opening, under the upper teeth)
    rim_px = max(1.5, 0.05 * iod)
    depth = _smoothstep(np.minimum(d_up, d_lo) / rim_px)
    rim, deep = 0.45 * lip, 0.24 * lip + 5.0
    corner = 1.0 - 0.45 * np.clip(np.abs(a) / half_w, 0.0, 1.0) ** 3
    back = 0.8 + 0.2 * _smoothstep(d_up / max(0.6 * gap, 1.0))
    col = (rim + depth[..., None] * (deep - rim)) * (corner * back)[..., None]

    # tongue: on the floor of the mouth, the light on its front and its back in shadow;
    # up towards the upper teeth for L and TH (the ``tongue`` control). Over a photo's own
    # mouth only the opening beyond the photo's shows the floor.
    floor_px = 0.5 * rig.rest_gap_px if not synthetic else 0.0
    open_px = max(gap - 2.0 * floor_px, 0.0)
    tongue = float(np.clip(controls[SLOT["tongue"]], 0.0, 1.0))
    if open_px > 1.0:
        reach = np.clip(1.0 - (a / (0.75 * half_w)) ** 2, 0.0, 1.0) ** 0.5
        floor = b_lo - floor_px
        top = floor - reach * (0.4 + 0.4 * tongue) * open_px
        t_mask = _smoothstep((b - top) / 1.2) * _smoothstep(reach * 3.0)
        t_mask *= float(_smoothstep((open_px / iod - 0.02) / 0.05))  # a narrow slit shows none
        lit = 0.55 + 0.45 * _smoothstep((b - top) / (0.35 * open_px + 1.0)) * reach
        t_col = pal["tongue"] * lit[..., None]
        col += t_mask[..., None] * (t_col - col)
    if not synthetic:
        return col.astype(np.float32)

    # upper teeth: fixed to the skull, edges just below the photo's lip seam
    skull = skull_map(rig, dst)
    rest_upper, rest_lower = _halves(rig.rest_pts[rig.inner_lips].astype(np.float64))
    seam = 0.5 * (rest_upper + rest_lower)
    seam = seam @ skull[:, :2].T + skull[:, 2]
    scale = float(np.sqrt(abs(np.linalg.det(skull[:, :2]))))
    rest_half_w = 0.5 * float(np.linalg.norm(rest_upper[-1] - rest_upper[0])) * scale
    tw = 0.8 * rest_half_w  # canine to canine
    across = np.clip(1.0 - (a / tw) ** 2, 0.0, 1.0)
    edge = _profile(to_ab(seam), a) + (0.02 + 0.025 * np.sqrt(across)) * iod * scale
    teeth = _smoothstep((edge - b) / 0.9 + 0.5) * _smoothstep(across * 6.0)
    light = 0.55 + 0.4 * across  # the arch turns away from the light
    light *= 0.72 + 0.28 * _smoothstep(d_up / (0.03 * iod + 1.0))  # the lip's shadow
    light *= 1.0 - 0.1 * _smoothstep((b - edge) / 2.0 + 1.0)  # translucent edges
    light *= _gaps(a, tw)
    col += teeth[..., None] * (light[..., None] * pal["teeth"] - col)

    # lower teeth: their edges, in shadow, above the lower lip once the jaw is well open
    low_vis = float(_smoothstep((gap / iod - 0.14) / 0.12))
    if low_vis > 0:
        ltw = 0.65 * tw
        l_across = np.clip(1.0 - (a / ltw) ** 2, 0.0, 1.0)
        l_top = b_lo - 0.035 * iod * np.sqrt(l_across) * low_vis
        lteeth = _smoothstep((b - l_top) / 0.9 + 0.5) * _smoothstep(l_across * 6.0) * 0.85
        l_light = (0.4 + 0.3 * l_across) * _gaps(a, ltw)
        col += lteeth[..., None] * (l_light[..., None] * pal["teeth"] - col)
    return col.astype(np.float32)


# --------------------------------------------------------------------------- own teeth


def _split_fraction(photo: np.ndarray, up: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """(K,) where, between the photo's upper (K, 2) and lower (K, 2) lip points, the upper
    teeth end, as a fraction of the gap: the first dark sample below a bright (tooth) run,
    near the lower lip when the teeth reach it, half-way in a column with no teeth."""
    f = np.linspace(0.1, 0.95, 18)
    pts = up[:, None, :] + f[None, :, None] * (lo - up)[:, None, :]
    grey = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY).astype(np.float32)
    mx, my = pts[..., 0].astype(np.float32), pts[..., 1].astype(np.float32)
    luma = cv2.remap(grey, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    lo_q, hi_q = np.percentile(luma[1:-1], [10, 90])
    bright = luma > 0.5 * (lo_q + hi_q)
    frac = np.full(len(up), 0.5)
    if hi_q - lo_q < 20.0:  # no teeth to tell from the dark
        return frac
    for i, row in enumerate(bright):
        lit = np.flatnonzero(row)
        if not len(lit):
            continue
        after = np.flatnonzero(~row[lit[0] :])
        frac[i] = f[lit[0] + after[0]] if len(after) else f[-1]
    frac = np.array([np.median(frac[max(i - 1, 0) : i + 2]) for i in range(len(frac))])
    return frac


def _draw_own_teeth(out: np.ndarray, org, rig: FaceRig, dst: np.ndarray, photo) -> None:
    """The photo's mouth interior in two parts that part with the lips (see module doc),
    drawn into ``out``, a patch of the frame whose corner is at ``org`` frame px."""
    k = _own_teeth(rig, photo)
    v = rig.axis_v.astype(np.float64)
    dst_up, dst_lo = _halves(dst[rig.inner_lips].astype(np.float64))
    d_lo = (1 - k.t) * dst_lo[k.i0] + k.t * dst_lo[k.i0 + 1]
    lin = skull_map(rig, dst)[:, :2]
    mid_up = dst_up + (k.r_mid - k.rest_up) @ lin.T  # the upper teeth's edge, on the upper lip
    mid_lo = d_lo + (k.r_mid - k.r_lo) @ lin.T  # the lower part's top, on the lower lip

    # texture: the photo's mouth with alpha fading across the split as the lips part
    extra = inner_gap_px(rig, dst) - rig.rest_gap_px
    scale = k.scale
    fade_px = min(0.35 * extra / scale, 0.25 * rig.rest_gap_px / scale)
    keep = _smoothstep(k.dist / fade_px) if fade_px > 0.05 else np.ones_like(k.dist)
    k.tex[..., 3] = np.round(255 * keep).astype(np.uint8)

    # each part reaches a pixel past its lip edge, under the lip's soft edge: no dark seam
    dv = lin @ v
    parts = ((k.s_lo + v / scale, d_lo + dv, mid_lo), (k.src_up - v / scale, dst_up - dv, mid_up))
    for s_edge, d_edge, d_split in parts:
        src = np.vstack([s_edge, k.s_mid]) - k.off  # lower part first: the upper teeth overlap it
        dstp = np.vstack([d_edge, d_split]) - org
        rasterise(k.tex, src, dstp, k.strip, out, antialias=False)


@dataclass
class _OwnTeeth:
    """What ``_draw_own_teeth`` needs of a rig and its photo that no frame changes."""

    i0: np.ndarray  # lower-lip points across from each upper one: i0, i0 + 1 and weight t
    t: np.ndarray
    src_up: np.ndarray  # upper inner lip in the photo
    s_lo: np.ndarray  # the lower lip across from it, in the photo
    s_mid: np.ndarray  # the split between the upper teeth and the rest, photo px
    rest_up: np.ndarray  # the same three at rest, frame px
    r_lo: np.ndarray
    r_mid: np.ndarray
    scale: float  # frame px per photo px
    dist: np.ndarray  # photo px from the split, over the crop around the mouth
    tex: np.ndarray  # (h, w, 4) that crop; alpha set each frame
    off: np.ndarray  # the crop's corner, photo px
    strip: np.ndarray  # the strip of triangles between a lip's edge and the split


def _own_teeth(rig: FaceRig, photo: np.ndarray) -> _OwnTeeth:
    k = _OWN.get(rig)
    if k is not None and k.photo is photo:
        return k.value
    u = rig.axis_u.astype(np.float64)
    src_up, src_lo = _halves(rig.src_pts[rig.inner_lips].astype(np.float64))
    rest_up, rest_lo = _halves(rig.rest_pts[rig.inner_lips].astype(np.float64))
    # lower-lip points across from each upper one, by position along the eye line
    s = np.interp(rest_up @ u, rest_lo @ u, np.arange(len(rest_lo), dtype=np.float64))
    i0 = np.minimum(np.floor(s).astype(int), len(rest_lo) - 2)
    t = (s - i0)[:, None]

    def across(p):
        return (1 - t) * p[i0] + t * p[i0 + 1]

    s_lo, r_lo = across(src_lo), across(rest_lo)
    frac = _split_fraction(photo, src_up, s_lo)[:, None]
    s_mid = src_up + frac * (s_lo - src_up)
    r_mid = rest_up + frac * (r_lo - rest_up)

    lo_xy = np.floor(np.vstack([src_up, src_lo]).min(0)).astype(int) - 2
    hi_xy = np.ceil(np.vstack([src_up, src_lo]).max(0)).astype(int) + 3
    lo_xy = np.maximum(lo_xy, 0)
    hi_xy = np.minimum(hi_xy, [photo.shape[1], photo.shape[0]])
    crop = photo[lo_xy[1] : hi_xy[1], lo_xy[0] : hi_xy[0]]
    ys, xs = np.mgrid[lo_xy[1] : hi_xy[1], lo_xy[0] : hi_xy[0]].astype(np.float64)
    v = rig.axis_v.astype(np.float64)
    pa = xs * u[0] + ys * u[1]
    pb = xs * v[0] + ys * v[1]
    split_b = _profile(np.stack([s_mid @ u, s_mid @ v], 1), pa)
    scale = rig.iod_px / max(float(np.linalg.norm(rig.src_pts[rig.vertex(263)] -
                                                  rig.src_pts[rig.vertex(33)])), 1e-6)  # fmt: skip
    n = len(src_up)
    strip = np.array([[i, i + 1, n + i + 1] for i in range(n - 1)]
                     + [[i, n + i + 1, n + i] for i in range(n - 1)])  # fmt: skip
    value = _OwnTeeth(
        i0, t, src_up, s_lo, s_mid, rest_up, r_lo, r_mid, scale, np.abs(pb - split_b),
        np.dstack([crop, np.zeros(crop.shape[:2], np.uint8)]), lo_xy.astype(np.float64), strip,
    )  # fmt: skip
    _OWN[rig] = SimpleNamespace(photo=photo, value=value)
    return value


_OWN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
