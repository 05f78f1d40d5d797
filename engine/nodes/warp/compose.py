"""The fused frame kernel: warp, cross-fade and overlay in one pass over the output.

For every output pixel ``(x, y)``:

1. sample photo A at ``inv_a @ (x, y, 1)`` (bilinear, or bicubic Catmull-Rom);
2. if ``w_b > 0``, sample photo B at ``inv_b @ (x, y, 1)`` and cross-fade:
   ``c = (1 - w_b) * a + w_b * b``;
3. if an overlay is given, alpha-composite it over ``c``. The overlay is an
   RGBA layer placed at ``(ox, oy)`` in the frame, **straight** alpha by
   default (what Pillow draws), or premultiplied with
   ``overlay_premultiplied=True``; ``overlay_opacity`` fades it as a whole;
4. round to nearest and write uint8 RGB.

One pass means each output byte is written once and each intermediate lives in
registers: that is where this beats a chain of OpenCV calls, each of which
reads and writes a whole frame (see ``bench/warp.py``).

Coordinates: pixel centres at integers (OpenCV's convention); the affines map
output px -> source px. Border: ``"replicate"`` clamps each tap to the image,
``"constant"`` reads ``background`` for taps outside it (as OpenCV's
BORDER_REPLICATE / BORDER_CONSTANT do).

Determinism: every pixel is computed by the same compiled function from its
own inputs only, with no fast-math, so the parallel (rows split over threads)
and serial kernels give bit-identical frames, run after run.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from engine.errors import NodeError

INTERPOLATIONS = {"bilinear": 0, "bicubic": 1}
BORDERS = {"replicate": 0, "constant": 1}
_CUBIC_A = -0.5  # Catmull-Rom: interpolating, mild overshoot (Keys 1981)


def compose_frame(
    src_a: np.ndarray,
    inv_a: np.ndarray,
    out_size: tuple[int, int],
    *,
    src_b: np.ndarray | None = None,
    inv_b: np.ndarray | None = None,
    w_b: float = 0.0,
    overlay: np.ndarray | None = None,
    overlay_xy: tuple[int, int] = (0, 0),
    overlay_opacity: float = 1.0,
    overlay_premultiplied: bool = False,
    interpolation: str = "bilinear",
    border: str = "replicate",
    background: tuple[int, int, int] = (0, 0, 0),
    out: np.ndarray | None = None,
    parallel: bool = True,
) -> np.ndarray:
    """Render one output frame from one or two photos and an overlay.

    Parameters
    ----------
    src_a : (Ha, Wa, 3) uint8
        Photo A (flatten any alpha first: ``engine.nodes.image.decode.flatten_alpha``).
    inv_a : (2, 3) float
        Output px -> A px (e.g. from ``camera_affine``).
    out_size : (width, height) in px
    src_b, inv_b : (Hb, Wb, 3) uint8 and (2, 3) float, optional
        Photo B and its map, needed when ``w_b > 0``.
    w_b : float in [0, 1]
        Cross-fade weight of B (0 = only A, 1 = only B).
    overlay : (h, w, 4) uint8, optional
        Titles, captions, labels. Straight alpha unless ``overlay_premultiplied``.
    overlay_xy : (x, y) in px
        Frame position of the overlay's top-left pixel; may be partly off-frame.
    overlay_opacity : float in [0, 1]
        Multiplies the overlay alpha (fades titles in and out without re-rendering them).
    interpolation : "bilinear" or "bicubic"
    border : "replicate" or "constant"
    background : (r, g, b) 0..255, used by ``border="constant"``
    out : (height, width, 3) uint8, optional
        Written in place and returned.
    parallel : bool
        Split rows over threads (same result as serial, bit for bit).

    Returns
    -------
    (height, width, 3) uint8
    """
    out_w, out_h = (int(v) for v in out_size)
    if out_w < 1 or out_h < 1:
        raise NodeError(f"output size must be positive, got {out_w}x{out_h}", kind="warp.compose")
    w_b = float(w_b)
    if not 0.0 <= w_b <= 1.0:
        raise NodeError(f"w_b must be in [0, 1], got {w_b}", kind="warp.compose")
    src_a = _check_src(src_a, "src_a")
    m_a = _check_affine(inv_a, "inv_a")
    if w_b > 0.0:
        if src_b is None or inv_b is None:
            raise NodeError(
                "w_b > 0 needs src_b and inv_b",
                kind="warp.compose",
                hint="pass photo B and its map",
            )
        src_b = _check_src(src_b, "src_b")
        m_b = _check_affine(inv_b, "inv_b")
    else:
        src_b, m_b = src_a, m_a  # never read
    if overlay is None:
        ov = np.zeros((1, 1, 4), np.uint8)
        opacity = 0.0
    else:
        ov = np.ascontiguousarray(overlay)
        if ov.dtype != np.uint8 or ov.ndim != 3 or ov.shape[2] != 4:
            raise NodeError(
                f"overlay must be (h, w, 4) uint8, got {ov.dtype} {ov.shape}",
                kind="warp.compose",
                hint="render it with engine.nodes.text.render",
            )
        opacity = min(1.0, max(0.0, float(overlay_opacity)))
    interp = _choice(interpolation, INTERPOLATIONS, "interpolation")
    bmode = _choice(border, BORDERS, "border")
    bg = np.asarray(background, np.float64).reshape(3)
    if out is None:
        out = np.empty((out_h, out_w, 3), np.uint8)
    elif out.shape != (out_h, out_w, 3) or out.dtype != np.uint8 or not out.flags.c_contiguous:
        raise NodeError(
            f"out must be C-contiguous ({out_h}, {out_w}, 3) uint8, got {out.dtype} {out.shape}",
            kind="warp.compose",
        )
    kernel = _compose_parallel if parallel else _compose_serial
    kernel(
        src_a,
        m_a,
        src_b,
        m_b,
        w_b,
        ov,
        int(overlay_xy[0]),
        int(overlay_xy[1]),
        opacity,
        bool(overlay_premultiplied),
        interp,
        bmode,
        bg,
        out,
    )
    return out


def warp_frame(src: np.ndarray, inv: np.ndarray, out_size: tuple[int, int], **kw) -> np.ndarray:
    """A single warp, ``compose_frame`` without B or overlay: (H, W, 3) uint8."""
    return compose_frame(src, inv, out_size, **kw)


def premultiply(rgba: np.ndarray) -> np.ndarray:
    """Straight-alpha (h, w, 4) uint8 -> premultiplied (h, w, 4) uint8 (rounded)."""
    a = rgba[..., 3:4].astype(np.uint32)
    out = rgba.copy()
    out[..., :3] = ((rgba[..., :3].astype(np.uint32) * a + 127) // 255).astype(np.uint8)
    return out


# --------------------------------------------------------------------------- kernels


@nb.njit(cache=True, inline="always")
def _tap(src, x, y, c, border, bg):
    """One source sample with border handling (float64)."""
    h, w = src.shape[0], src.shape[1]
    if x < 0 or y < 0 or x >= w or y >= h:
        if border == 1:
            return bg[c]
        x = min(max(x, 0), w - 1)
        y = min(max(y, 0), h - 1)
    return np.float64(src[y, x, c])


@nb.njit(cache=True, inline="always")
def _bilinear_inside(flat, w, sx, sy):
    """Bilinear sample at (sx, sy) px, all four taps inside: three float64.

    ``flat`` is the (H, W, 3) source reshaped to 1-D and ``w`` its width:
    one offset per tap row is cheaper than three-index addressing in this,
    the hottest loop of the renderer. Needs 0 <= sx < w - 1, 0 <= sy < H - 1.
    """
    x0 = int(sx)  # truncation is floor here: sx >= 0
    y0 = int(sy)
    ax = sx - x0
    ay = sy - y0
    w00 = (1.0 - ax) * (1.0 - ay)
    w01 = ax * (1.0 - ay)
    w10 = (1.0 - ax) * ay
    w11 = ax * ay
    o = (y0 * w + x0) * 3
    o2 = o + w * 3
    c0 = flat[o] * w00 + flat[o + 3] * w01 + flat[o2] * w10 + flat[o2 + 3] * w11
    c1 = flat[o + 1] * w00 + flat[o + 4] * w01 + flat[o2 + 1] * w10 + flat[o2 + 4] * w11
    c2 = flat[o + 2] * w00 + flat[o + 5] * w01 + flat[o2 + 2] * w10 + flat[o2 + 5] * w11
    return c0, c1, c2


@nb.njit(cache=True)
def _bilinear_border(src, sx, sy, border, bg):
    """The rare case of ``_bilinear``: some taps fall outside the image."""
    h, w = src.shape[0], src.shape[1]
    # Far-off coordinates give the same result as ones just outside; clipping
    # them keeps the int conversion safe.
    sx = min(max(sx, -2.0), w + 1.0)
    sy = min(max(sy, -2.0), h + 1.0)
    fx = math.floor(sx)
    fy = math.floor(sy)
    ax = sx - fx
    ay = sy - fy
    x0 = int(fx)
    y0 = int(fy)
    w00 = (1.0 - ax) * (1.0 - ay)
    w01 = ax * (1.0 - ay)
    w10 = (1.0 - ax) * ay
    w11 = ax * ay
    c0 = (
        _tap(src, x0, y0, 0, border, bg) * w00
        + _tap(src, x0 + 1, y0, 0, border, bg) * w01
        + _tap(src, x0, y0 + 1, 0, border, bg) * w10
        + _tap(src, x0 + 1, y0 + 1, 0, border, bg) * w11
    )
    c1 = (
        _tap(src, x0, y0, 1, border, bg) * w00
        + _tap(src, x0 + 1, y0, 1, border, bg) * w01
        + _tap(src, x0, y0 + 1, 1, border, bg) * w10
        + _tap(src, x0 + 1, y0 + 1, 1, border, bg) * w11
    )
    c2 = (
        _tap(src, x0, y0, 2, border, bg) * w00
        + _tap(src, x0 + 1, y0, 2, border, bg) * w01
        + _tap(src, x0, y0 + 1, 2, border, bg) * w10
        + _tap(src, x0 + 1, y0 + 1, 2, border, bg) * w11
    )
    return c0, c1, c2


@nb.njit(cache=True, inline="always")
def _cubic_w(t):
    """Keys cubic convolution weights for the taps at -1, 0, 1, 2 (offset t in [0, 1))."""
    a = _CUBIC_A
    t1 = t + 1.0
    t2 = 1.0 - t
    t3 = 2.0 - t
    w0 = ((a * t1 - 5.0 * a) * t1 + 8.0 * a) * t1 - 4.0 * a
    w1 = ((a + 2.0) * t - (a + 3.0)) * t * t + 1.0
    w2 = ((a + 2.0) * t2 - (a + 3.0)) * t2 * t2 + 1.0
    w3 = ((a * t3 - 5.0 * a) * t3 + 8.0 * a) * t3 - 4.0 * a
    return w0, w1, w2, w3


@nb.njit(cache=True)
def _bicubic(src, sx, sy, border, bg):
    h, w = src.shape[0], src.shape[1]
    sx = min(max(sx, -3.0), w + 2.0)
    sy = min(max(sy, -3.0), h + 2.0)
    fx = math.floor(sx)
    fy = math.floor(sy)
    x0 = int(fx)
    y0 = int(fy)
    wx = _cubic_w(sx - fx)
    wy = _cubic_w(sy - fy)
    c0 = 0.0
    c1 = 0.0
    c2 = 0.0
    for j in range(4):
        r0 = 0.0
        r1 = 0.0
        r2 = 0.0
        for i in range(4):
            r0 += wx[i] * _tap(src, x0 - 1 + i, y0 - 1 + j, 0, border, bg)
            r1 += wx[i] * _tap(src, x0 - 1 + i, y0 - 1 + j, 1, border, bg)
            r2 += wx[i] * _tap(src, x0 - 1 + i, y0 - 1 + j, 2, border, bg)
        c0 += wy[j] * r0
        c1 += wy[j] * r1
        c2 += wy[j] * r2
    return c0, c1, c2


@nb.njit(cache=True)
def _sample_general(src, sx, sy, interp, border, bg):
    """Bicubic anywhere, or bilinear with taps outside the image: the uncommon paths."""
    if interp == 1:
        return _bicubic(src, sx, sy, border, bg)
    return _bilinear_border(src, sx, sy, border, bg)


@nb.njit(cache=True, inline="always")
def _to_u8(v):
    # Round half up; the clip also absorbs bicubic overshoot.
    return np.uint8(int(min(max(v + 0.5, 0.0), 255.0)))


@nb.njit(cache=True)
def _compose_row(
    y, src_a, m_a, src_b, m_b, w_b, ov, ox, oy, opacity, premul, interp, border, bg, out
):
    """One output row. Everything per row is hoisted into scalars first."""
    n_x = out.shape[1]
    ha, wa = src_a.shape[0], src_a.shape[1]
    hb, wb = src_b.shape[0], src_b.shape[1]
    flat_a = src_a.reshape(-1)
    flat_b = src_b.reshape(-1)
    # Same association as the reference: m00 x + (m01 y + m02).
    a00, a10 = m_a[0, 0], m_a[1, 0]
    a_x0, a_y0 = m_a[0, 1] * y + m_a[0, 2], m_a[1, 1] * y + m_a[1, 2]
    b00, b10 = m_b[0, 0], m_b[1, 0]
    b_x0, b_y0 = m_b[0, 1] * y + m_b[0, 2], m_b[1, 1] * y + m_b[1, 2]
    use_a = w_b < 1.0
    use_b = w_b > 0.0
    w_a = 1.0 - w_b
    fast = interp == 0
    oh, ow = ov.shape[0], ov.shape[1]
    oyy = y - oy
    row_has_ov = opacity > 0.0 and 0 <= oyy < oh
    k_ov = opacity / 255.0
    row = out[y]
    for x in range(n_x):
        r = 0.0
        g = 0.0
        b = 0.0
        if use_a:
            sx = a00 * x + a_x0
            sy = a10 * x + a_y0
            if fast and sx >= 0.0 and sy >= 0.0 and sx < wa - 1 and sy < ha - 1:
                r, g, b = _bilinear_inside(flat_a, wa, sx, sy)
            else:
                r, g, b = _sample_general(src_a, sx, sy, interp, border, bg)
        if use_b:
            sx = b00 * x + b_x0
            sy = b10 * x + b_y0
            if fast and sx >= 0.0 and sy >= 0.0 and sx < wb - 1 and sy < hb - 1:
                rb, gb, bb = _bilinear_inside(flat_b, wb, sx, sy)
            else:
                rb, gb, bb = _sample_general(src_b, sx, sy, interp, border, bg)
            if use_a:
                r = w_a * r + w_b * rb
                g = w_a * g + w_b * gb
                b = w_a * b + w_b * bb
            else:
                r, g, b = rb, gb, bb
        if row_has_ov:
            oxx = x - ox
            if 0 <= oxx < ow:
                alpha = ov[oyy, oxx, 3] * k_ov
                if alpha > 0.0:
                    k_c = opacity if premul else alpha
                    r = ov[oyy, oxx, 0] * k_c + r * (1.0 - alpha)
                    g = ov[oyy, oxx, 1] * k_c + g * (1.0 - alpha)
                    b = ov[oyy, oxx, 2] * k_c + b * (1.0 - alpha)
        row[x, 0] = _to_u8(r)
        row[x, 1] = _to_u8(g)
        row[x, 2] = _to_u8(b)


@nb.njit(cache=True, parallel=True)
def _compose_parallel(
    src_a, m_a, src_b, m_b, w_b, ov, ox, oy, opacity, premul, interp, border, bg, out
):
    for y in nb.prange(out.shape[0]):
        _compose_row(
            y, src_a, m_a, src_b, m_b, w_b, ov, ox, oy, opacity, premul, interp, border, bg, out
        )


@nb.njit(cache=True)
def _compose_serial(
    src_a, m_a, src_b, m_b, w_b, ov, ox, oy, opacity, premul, interp, border, bg, out
):
    for y in range(out.shape[0]):
        _compose_row(
            y, src_a, m_a, src_b, m_b, w_b, ov, ox, oy, opacity, premul, interp, border, bg, out
        )


# --------------------------------------------------------------------------- reference


def compose_reference(
    src_a: np.ndarray,
    inv_a: np.ndarray,
    out_size: tuple[int, int],
    *,
    src_b: np.ndarray | None = None,
    inv_b: np.ndarray | None = None,
    w_b: float = 0.0,
    overlay: np.ndarray | None = None,
    overlay_xy: tuple[int, int] = (0, 0),
    overlay_opacity: float = 1.0,
    overlay_premultiplied: bool = False,
    interpolation: str = "bilinear",
    border: str = "replicate",
    background: tuple[int, int, int] = (0, 0, 0),
) -> np.ndarray:
    """Plain NumPy version of ``compose_frame`` (slow, obviously correct), same arguments."""
    out_w, out_h = out_size
    ys, xs = np.mgrid[0:out_h, 0:out_w].astype(np.float64)
    bg = np.asarray(background, np.float64)
    sample = _ref_bicubic if interpolation == "bicubic" else _ref_bilinear

    def warp(src, m):
        m = np.asarray(m, np.float64)
        sx = m[0, 0] * xs + (m[0, 1] * ys + m[0, 2])
        sy = m[1, 0] * xs + (m[1, 1] * ys + m[1, 2])
        return sample(src.astype(np.float64), sx, sy, border, bg)

    c = warp(src_a, inv_a) if w_b < 1.0 else 0.0
    if w_b > 0.0:
        cb = warp(src_b, inv_b)
        c = cb if w_b >= 1.0 else (1.0 - w_b) * c + w_b * cb
    if overlay is not None and overlay_opacity > 0:
        layer = np.zeros((out_h, out_w, 4))
        ox, oy = overlay_xy
        oh, ow = overlay.shape[:2]
        x0, y0 = max(ox, 0), max(oy, 0)
        x1, y1 = min(ox + ow, out_w), min(oy + oh, out_h)
        if x1 > x0 and y1 > y0:
            layer[y0:y1, x0:x1] = overlay[y0 - oy : y1 - oy, x0 - ox : x1 - ox]
        alpha = layer[..., 3:4] * (overlay_opacity / 255.0)  # same factor as the kernel
        colour = layer[..., :3] * (overlay_opacity if overlay_premultiplied else alpha)
        c = colour + c * (1.0 - alpha)
    return np.clip(np.floor(c + 0.5), 0, 255).astype(np.uint8)


def _ref_taps(src, xi, yi, border, bg):
    h, w = src.shape[:2]
    inside = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
    v = src[np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)]
    if border == "constant":
        v = np.where(inside[..., None], v, bg)
    return v


def _ref_bilinear(src, sx, sy, border, bg):
    h, w = src.shape[:2]
    sx = np.clip(sx, -2.0, w + 1.0)
    sy = np.clip(sy, -2.0, h + 1.0)
    fx, fy = np.floor(sx), np.floor(sy)
    ax, ay = (sx - fx)[..., None], (sy - fy)[..., None]
    x0, y0 = fx.astype(np.int64), fy.astype(np.int64)

    def t(dx, dy):
        return _ref_taps(src, x0 + dx, y0 + dy, border, bg)

    w00, w01 = (1 - ax) * (1 - ay), ax * (1 - ay)
    w10, w11 = (1 - ax) * ay, ax * ay
    return t(0, 0) * w00 + t(1, 0) * w01 + t(0, 1) * w10 + t(1, 1) * w11


def _ref_cubic_weights(t):
    a = _CUBIC_A
    d = np.abs(np.stack([t + 1.0, t, 1.0 - t, 2.0 - t]))
    near = ((a + 2) * d - (a + 3)) * d * d + 1
    far = ((a * d - 5 * a) * d + 8 * a) * d - 4 * a
    return np.where(d <= 1.0, near, far)


def _ref_bicubic(src, sx, sy, border, bg):
    h, w = src.shape[:2]
    sx = np.clip(sx, -3.0, w + 2.0)
    sy = np.clip(sy, -3.0, h + 2.0)
    fx, fy = np.floor(sx), np.floor(sy)
    wx, wy = _ref_cubic_weights(sx - fx), _ref_cubic_weights(sy - fy)
    x0, y0 = fx.astype(np.int64), fy.astype(np.int64)
    acc = 0.0
    for j in range(4):
        for i in range(4):
            tap = _ref_taps(src, x0 - 1 + i, y0 - 1 + j, border, bg)
            acc = acc + (wx[i] * wy[j])[..., None] * tap
    return acc


# --------------------------------------------------------------------------- checks


def _check_src(src, name):
    if not isinstance(src, np.ndarray) or src.dtype != np.uint8 or src.ndim != 3:
        got = getattr(src, "shape", type(src).__name__)
        raise NodeError(f"{name} must be (H, W, 3) uint8, got {got}", kind="warp.compose")
    if src.shape[2] != 3 or src.shape[0] < 1 or src.shape[1] < 1:
        raise NodeError(
            f"{name} must be (H, W, 3) uint8, got shape {src.shape}",
            kind="warp.compose",
            hint="flatten alpha first with engine.nodes.image.decode.flatten_alpha",
        )
    return np.ascontiguousarray(src)


def _check_affine(m, name):
    m = np.ascontiguousarray(np.asarray(m, np.float64))
    if m.shape != (2, 3) or not np.all(np.isfinite(m)):
        raise NodeError(
            f"{name} must be a finite (2, 3) affine, got {m.shape}", kind="warp.compose"
        )
    return m


def _choice(value, table, what):
    if value not in table:
        raise NodeError(
            f"unknown {what} {value!r}", kind="warp.compose", hint=f"use one of {list(table)}"
        )
    return table[value]
