"""Textured-triangle rasteriser: draws a deformed mesh of a photo (face, body).

Each triangle has three vertices in the texture (``src_pts``) and three on
the output frame (``dst_pts``). For every output pixel a triangle covers, its
barycentric coordinates in the destination triangle give the matching texture
point (an exact inverse map, affine per triangle), sampled bilinearly.

Edges and seams. A pixel centre on an edge shared by two triangles belongs to
exactly one of them (a top-left style tie rule on the oriented edge), so a
mesh has no cracks and no doubly drawn pixels. Edges on the mesh outline
(used by one triangle only) are anti-aliased: coverage is
``clip(d + 0.5, 0, 1)`` with ``d`` the signed distance in px from the pixel
centre to the edge (positive inside), i.e. the area of a one-pixel box cut by
a straight edge, near enough. Anti-aliasing shared edges that way would let
the background bleed through every seam, so they stay hard.

Colour is composited "over" what ``out`` already holds, with alpha =
coverage x texture alpha (texture channel 4, when present). Texture taps are
premultiplied before interpolation so transparent texels do not bleed colour.

Draw order: ``order`` is one key per triangle (a rank or a layer id); lower
keys are drawn first and ties keep triangle index order, so a later layer
covers an earlier one.

Coordinates: pixel centres at integers, as everywhere in ``engine.nodes.warp``.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from engine.errors import NodeError

_FIX_BITS = 11  # fractional bits per axis of the interior's bilinear weights
_BAND_ROWS = 8  # rows per parallel work item: small enough to balance, big enough to amortise
# Below this many frame px (the drawn triangles' box, cut to the frame) ``parallel=None``
# draws on one thread: a face is 0.05-0.3 Mpx, ~1-4 ms serial, and splitting it gains
# under a millisecond on two cores while numba's OpenMP threads spin after each
# parallel kernel, taking that core from the encoder thread beside the drawing
# (bench/stage.py: a two-face stage ran at 0.4x a one-face shot that way).
PARALLEL_MIN_PX = 400_000


def rasterise(
    texture: np.ndarray,
    src_pts: np.ndarray,
    dst_pts: np.ndarray,
    triangles: np.ndarray,
    out: np.ndarray,
    order: np.ndarray | None = None,
    antialias: bool = True,
    parallel: bool | None = None,
    aa_edges: np.ndarray | None = None,
) -> np.ndarray:
    """Draw a textured mesh into ``out`` in place.

    Parameters
    ----------
    texture : (Ht, Wt, 3) or (Ht, Wt, 4) uint8
        The photo (straight alpha in channel 4 if present).
    src_pts : (N, 2) float px
        Vertex positions in the texture.
    dst_pts : (N, 2) float px
        Vertex positions on the output frame.
    triangles : (T, 3) int
        Vertex indices of each triangle (either winding).
    out : (Ho, Wo, 3) uint8, C-contiguous
        Frame to draw over; modified in place and returned.
    order : (T,) int or float, optional
        Draw key per triangle (lower first, ties by index); default index order.
    antialias : bool
        Soft coverage along the mesh outline (see module docstring).
    parallel : bool or None
        Split output rows over threads (identical result to serial); None: only
        when the drawn triangles span ``PARALLEL_MIN_PX`` frame px or more.
    aa_edges : (T, 3) bool, optional
        Which edges (k: vertex k -> k+1) of each triangle get soft coverage,
        overriding ``antialias``; default: the mesh outline (``outline_edges``).
        A caller drawing part of a mesh passes the whole mesh's flags, so cut
        edges stay hard.

    Returns
    -------
    ``out``.
    """
    tex, src, dst, tris, seq = _prepare(texture, src_pts, dst_pts, triangles, out, order)
    aa = _edge_flags(tris, antialias, aa_edges)
    if len(seq):
        if parallel is None:
            big = out.shape[0] * out.shape[1] >= PARALLEL_MIN_PX
            parallel = big and _drawn_px(dst, tris, out.shape) >= PARALLEL_MIN_PX
        kernel = _raster_parallel if parallel else _raster_serial
        kernel(tex, src, dst, tris, seq, aa, out)
    return out


def _drawn_px(dst: np.ndarray, tris: np.ndarray, out_shape) -> float:
    """Area of the box around the triangles' frame points, cut to the frame."""
    pts = dst[tris.reshape(-1)]
    (x0, y0), (x1, y1) = pts.min(0), pts.max(0)
    h, w = out_shape[:2]
    return max(0.0, min(x1, w) - max(x0, 0.0)) * max(0.0, min(y1, h) - max(y0, 0.0))


def _edge_flags(tris: np.ndarray, antialias: bool, aa_edges) -> np.ndarray:
    """(T, 3) bool anti-alias flags: given, the outline, or none."""
    if aa_edges is None:
        return _outline_edges(tris) if antialias else np.zeros(tris.shape, np.bool_)
    aa = np.ascontiguousarray(aa_edges, np.bool_)
    if aa.shape != tris.shape:
        raise NodeError(
            f"aa_edges must be {tris.shape} bool (one flag per triangle edge), got {aa.shape}",
            kind="warp.raster",
        )
    return aa


def outline_edges(triangles: np.ndarray) -> np.ndarray:
    """(T, 3) bool: edge k of triangle t (vertex k -> k+1) lies on the mesh outline."""
    return _outline_edges(np.asarray(triangles, np.int64))


def build_remap(
    src_pts: np.ndarray,
    dst_pts: np.ndarray,
    triangles: np.ndarray,
    out_size: tuple[int, int],
    order: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The same per-triangle inverse map as ``rasterise``, as ``cv2.remap`` maps.

    Pixels no triangle covers get -1 (use ``BORDER_CONSTANT`` or
    ``BORDER_TRANSPARENT``). Coverage is hard (pixel centre inside), no
    anti-aliasing: a precomputed map cannot express partial coverage.

    Returns
    -------
    map_x, map_y : (Ho, Wo) float32 texture px
    """
    out_w, out_h = (int(v) for v in out_size)
    dummy = np.zeros((out_h, out_w, 3), np.uint8)
    tex = np.zeros((1, 1, 3), np.uint8)
    _, src, dst, tris, seq = _prepare(tex, src_pts, dst_pts, triangles, dummy, order)
    map_x = np.full((out_h, out_w), -1.0, np.float32)
    map_y = np.full((out_h, out_w), -1.0, np.float32)
    for t in seq:
        geo = _tri_setup_ref(dst[tris[t]])
        if geo is None:
            continue
        xs, ys, e, inv_area = _tri_pixels_ref(geo, 0, out_h, out_w, pad=0)
        inside = _hard_inside_ref(e, geo)
        b = e * inv_area  # barycentric of the vertex opposite each edge
        s = src[tris[t]]
        sx = b[1] * s[0, 0] + b[2] * s[1, 0] + b[0] * s[2, 0]
        sy = b[1] * s[0, 1] + b[2] * s[1, 1] + b[0] * s[2, 1]
        map_x[ys[inside], xs[inside]] = sx[inside]
        map_y[ys[inside], xs[inside]] = sy[inside]
    return map_x, map_y


# --------------------------------------------------------------------------- input checks


def _prepare(texture, src_pts, dst_pts, triangles, out, order):
    tex = np.ascontiguousarray(texture)
    if tex.dtype != np.uint8 or tex.ndim != 3 or tex.shape[2] not in (3, 4) or tex.size == 0:
        raise NodeError(
            f"texture must be (H, W, 3|4) uint8, got {tex.dtype} {tex.shape}", kind="warp.raster"
        )
    if (
        not isinstance(out, np.ndarray)
        or out.dtype != np.uint8
        or out.ndim != 3
        or out.shape[2] != 3
        or not out.flags.c_contiguous
        or not out.flags.writeable
    ):
        raise NodeError(
            f"out must be a writable C-contiguous (H, W, 3) uint8 array, got {getattr(out, 'shape', out)}",
            kind="warp.raster",
        )
    src = np.ascontiguousarray(src_pts, np.float64).reshape(-1, 2)
    dst = np.ascontiguousarray(dst_pts, np.float64).reshape(-1, 2)
    if src.shape != dst.shape:
        raise NodeError(
            f"src_pts {src.shape} and dst_pts {dst.shape} must have the same shape",
            kind="warp.raster",
        )
    if not (np.all(np.isfinite(src)) and np.all(np.isfinite(dst))):
        raise NodeError(
            "mesh points must be finite", kind="warp.raster", hint="check for NaN landmarks"
        )
    tris = np.ascontiguousarray(triangles, np.int64).reshape(-1, 3)
    if len(tris) and (tris.min() < 0 or tris.max() >= len(src)):
        raise NodeError(
            f"triangle indices must be in [0, {len(src)}), got [{tris.min()}, {tris.max()}]",
            kind="warp.raster",
        )
    if order is None:
        seq = np.arange(len(tris), dtype=np.int64)
    else:
        order = np.asarray(order).reshape(-1)
        if len(order) != len(tris):
            raise NodeError(
                f"order has {len(order)} entries for {len(tris)} triangles", kind="warp.raster"
            )
        seq = np.argsort(order, kind="stable").astype(np.int64)
    return tex, src, dst, tris, seq


def _outline_edges(tris: np.ndarray) -> np.ndarray:
    """Edges used by a single triangle are on the outline (see module docstring)."""
    if len(tris) == 0:
        return np.zeros((0, 3), np.bool_)
    a = tris
    b = np.roll(tris, -1, axis=1)
    lo, hi = np.minimum(a, b).reshape(-1), np.maximum(a, b).reshape(-1)
    keys = lo * (int(tris.max()) + 1) + hi
    _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    return (counts[inverse] == 1).reshape(tris.shape)


# --------------------------------------------------------------------------- kernel
#
# Per pixel cost is what matters (a talking face is ~300k pixels a frame), so the
# kernel splits each row of a triangle into a boundary part, where edge tests and
# coverage decide, and an interior run, where every pixel is known to be inside
# with full coverage and only the texture is sampled. Texture coordinates are an
# affine function of the pixel (per triangle), evaluated as ``t_row + dt_dx * x``:
# the same float expression for a pixel whichever thread or band draws it, so the
# result does not depend on the band split. Small helpers are inlined at the
# Numba IR level (``inline="always"``) so no call remains in the pixel loops.


@nb.njit(cache=True, inline="always")
def _owns_tie(ex, ey):
    """Tie rule for a pixel centre exactly on a hard edge with effective direction (ex, ey).

    The two triangles sharing an edge see it with opposite effective
    directions, so exactly one of them owns the pixel.
    """
    return ey > 0.0 or (ey == 0.0 and ex < 0.0)


@nb.njit(cache=True, inline="always")
def _row_span(ex, ey, vx, vy, thr, fy, lo, hi):
    """Narrow [lo, hi] (x px) to where edge (ex, ey) from vertex (vx, vy) passes on row fy.

    e(x) = ex * (fy - vy) - ey * (x - vx) >= thr is one half-line in x.
    """
    a = ex * (fy - vy) + ey * vx
    if ey > 0.0:
        hi = min(hi, (a - thr) / ey)
    elif ey < 0.0:
        lo = max(lo, (a - thr) / ey)
    elif a < thr - 1e-6:  # margin: the per-pixel test decides near-ties
        return 1.0, 0.0
    return lo, hi


@nb.njit(cache=True, inline="always")
def _full(e, inv_len, aa, tie):
    """Pixel passes edge k with full coverage: the per-pixel test below, as a predicate.

    Monotone in x along a row (each float step in computing ``e`` is), so a run
    whose two ends pass passes everywhere.
    """
    if aa:
        return e * inv_len + 0.5 >= 1.0
    return e > 0.0 or (e == 0.0 and tie)


@nb.njit(cache=True, inline="always")
def _shade(tex, out, y, x, tx, ty, cov):
    """Blend texture point (tx, ty) px, bilinear, over out[y, x] with coverage cov in (0, 1]."""
    h_tex, w_tex, n_ch = tex.shape[0], tex.shape[1], tex.shape[2]
    tx = min(max(tx, 0.0), w_tex - 1.0)
    ty = min(max(ty, 0.0), h_tex - 1.0)
    xa = int(tx)
    ya = int(ty)
    ax = tx - xa
    ay = ty - ya
    xb = min(xa + 1, w_tex - 1)
    yb = min(ya + 1, h_tex - 1)
    w00 = (1.0 - ax) * (1.0 - ay)
    w01 = ax * (1.0 - ay)
    w10 = (1.0 - ax) * ay
    w11 = ax * ay
    if n_ch == 3:
        a00 = 1.0
        a01 = 1.0
        a10 = 1.0
        a11 = 1.0
    else:
        a00 = tex[ya, xa, 3] / 255.0
        a01 = tex[ya, xb, 3] / 255.0
        a10 = tex[yb, xa, 3] / 255.0
        a11 = tex[yb, xb, 3] / 255.0
    alpha = (a00 * w00 + a01 * w01 + a10 * w10 + a11 * w11) * cov
    if alpha <= 0.0:
        return
    for c in range(3):
        col = (
            tex[ya, xa, c] * a00 * w00
            + tex[ya, xb, c] * a01 * w01
            + tex[yb, xa, c] * a10 * w10
            + tex[yb, xb, c] * a11 * w11
        )
        v = col * cov + out[y, x, c] * (1.0 - alpha) + 0.5
        out[y, x, c] = np.uint8(min(255.0, max(0.0, v)))


@nb.njit(cache=True, inline="always")
def _copy_run(tex, out, y, x0, x1, tx_row, ty_row, dtx, dty, scratch):
    """Interior run out[y, x0:x1 + 1] of an opaque texture: bilinear, replaces the pixel.

    Weights in fixed point (``_FIX_BITS`` fractional bits per axis, integer
    arithmetic): within 0.13 grey levels of the float sum before rounding.
    Two passes over the run: texel and weights of every pixel into ``scratch``
    (4, >= run) int64 (a loop the compiler vectorises), then the taps, indexed
    unsigned (no negative-index wrap checks). Same bytes as one pass.
    """
    h_tex, w_tex = tex.shape[0], tex.shape[1]
    w_max = w_tex - 1.0
    h_max = h_tex - 1.0
    one = 1 << _FIX_BITS
    half = 1 << (2 * _FIX_BITS - 1)
    scale = float(one)
    n = x1 - x0 + 1
    xa_s, ya_s, ax_s, ay_s = scratch[0], scratch[1], scratch[2], scratch[3]
    for j in range(n):
        fx = float(x0 + j)
        tx = min(max(tx_row + dtx * fx, 0.0), w_max)
        ty = min(max(ty_row + dty * fx, 0.0), h_max)
        xa = int(tx)
        ya = int(ty)
        xa_s[j] = xa
        ya_s[j] = ya
        ax_s[j] = int((tx - xa) * scale + 0.5)
        ay_s[j] = int((ty - ya) * scale + 0.5)
    u_w = np.uint64(w_tex - 1)
    u_h = np.uint64(h_tex - 1)
    u_1 = np.uint64(1)
    u_y = np.uint64(y)
    for j in range(n):
        xa = np.uint64(xa_s[j])
        ya = np.uint64(ya_s[j])
        xb = min(xa + u_1, u_w)
        yb = min(ya + u_1, u_h)
        ax = ax_s[j]
        ay = ay_s[j]
        nax = one - ax
        nay = one - ay
        u_x = np.uint64(x0 + j)
        for c in range(3):
            u_c = np.uint64(c)
            top = np.int64(tex[ya, xa, u_c]) * nax + np.int64(tex[ya, xb, u_c]) * ax
            bot = np.int64(tex[yb, xa, u_c]) * nax + np.int64(tex[yb, xb, u_c]) * ax
            out[u_y, u_x, u_c] = np.uint8((top * nay + bot * ay + half) >> (2 * _FIX_BITS))


@nb.njit(cache=True)
def _raster_tri(tex, src, dst, tri, aa, out, y_lo, y_hi, scratch):
    """Draw one triangle, rows [y_lo, y_hi) only (``scratch``: see ``_copy_run``)."""
    w_out = out.shape[1]
    i0, i1, i2 = tri[0], tri[1], tri[2]
    px0, px1, px2 = dst[i0, 0], dst[i1, 0], dst[i2, 0]
    py0, py1, py2 = dst[i0, 1], dst[i1, 1], dst[i2, 1]
    area2 = (px1 - px0) * (py2 - py0) - (py1 - py0) * (px2 - px0)
    if abs(area2) < 1e-9:
        return
    sign = 1.0 if area2 > 0.0 else -1.0
    inv_area = 1.0 / abs(area2)
    aa0, aa1, aa2 = aa[0], aa[1], aa[2]
    pad = 1.0 if (aa0 or aa1 or aa2) else 0.0
    x_min = max(0, int(math.floor(min(px0, px1, px2) - pad)))
    x_max = min(w_out - 1, int(math.ceil(max(px0, px1, px2) + pad)))
    y_min = max(y_lo, int(math.floor(min(py0, py1, py2) - pad)))
    y_max = min(y_hi - 1, int(math.ceil(max(py0, py1, py2) + pad)))
    if x_min > x_max or y_min > y_max:
        return
    # Effective (orientation-normalised) edge vectors k: vertex k -> k+1.
    ex0 = sign * (px1 - px0)
    ey0 = sign * (py1 - py0)
    ex1 = sign * (px2 - px1)
    ey1 = sign * (py2 - py1)
    ex2 = sign * (px0 - px2)
    ey2 = sign * (py0 - py2)
    inv_len0 = 1.0 / max(math.sqrt(ex0 * ex0 + ey0 * ey0), 1e-12)
    inv_len1 = 1.0 / max(math.sqrt(ex1 * ex1 + ey1 * ey1), 1e-12)
    inv_len2 = 1.0 / max(math.sqrt(ex2 * ex2 + ey2 * ey2), 1e-12)
    tie0 = _owns_tie(ex0, ey0)
    tie1 = _owns_tie(ex1, ey1)
    tie2 = _owns_tie(ex2, ey2)
    # Per-edge thresholds on e_k: pass (0 hard, -half a pixel soft) and full coverage.
    thr0 = -0.5 / inv_len0 if aa0 else 0.0
    thr1 = -0.5 / inv_len1 if aa1 else 0.0
    thr2 = -0.5 / inv_len2 if aa2 else 0.0
    full0 = 0.5 / inv_len0 if aa0 else 0.0
    full1 = 0.5 / inv_len1 if aa1 else 0.0
    full2 = 0.5 / inv_len2 if aa2 else 0.0
    # Texture point = sum of src vertex k+2 times e_k / |area2| (edge k is opposite it);
    # with e_k = c_k - ey_k * x on a row, it is t_row + dt_dx * x.
    sx0, sx1, sx2 = src[i0, 0] * inv_area, src[i1, 0] * inv_area, src[i2, 0] * inv_area
    sy0, sy1, sy2 = src[i0, 1] * inv_area, src[i1, 1] * inv_area, src[i2, 1] * inv_area
    dtx = -(ey0 * sx2 + ey1 * sx0 + ey2 * sx1)
    dty = -(ey0 * sy2 + ey1 * sy0 + ey2 * sy1)
    opaque = tex.shape[2] == 3
    for y in range(y_min, y_max + 1):
        fy = float(y)
        # The row's span inside all three edges, widened by a pixel each way so float
        # error never drops a pixel: the exact per-pixel test below still decides.
        lo, hi = _row_span(ex0, ey0, px0, py0, thr0, fy, float(x_min), float(x_max))
        lo, hi = _row_span(ex1, ey1, px1, py1, thr1, fy, lo, hi)
        lo, hi = _row_span(ex2, ey2, px2, py2, thr2, fy, lo, hi)
        if lo > hi:
            continue
        xs = max(x_min, int(math.floor(lo)) - 1)
        xe = min(x_max, int(math.ceil(hi)) + 1)
        # Row parts of the edge functions, positive inside: e_k = cross(edge_k, p - vertex_k).
        r0 = ex0 * (fy - py0)
        r1 = ex1 * (fy - py1)
        r2 = ex2 * (fy - py2)
        c0 = r0 + ey0 * px0
        c1 = r1 + ey1 * px1
        c2 = r2 + ey2 * px2
        tx_row = c0 * sx2 + c1 * sx0 + c2 * sx1
        ty_row = c0 * sy2 + c1 * sy0 + c2 * sy1
        # Interior run [xi0, xi1]: a float guess, then both ends checked exactly.
        ilo, ihi = _row_span(ex0, ey0, px0, py0, full0, fy, float(xs), float(xe))
        ilo, ihi = _row_span(ex1, ey1, px1, py1, full1, fy, ilo, ihi)
        ilo, ihi = _row_span(ex2, ey2, px2, py2, full2, fy, ilo, ihi)
        xi0 = xe + 1
        xi1 = xe
        if ilo <= ihi:
            xi0 = int(math.ceil(ilo))
            xi1 = int(math.floor(ihi))
        while xi0 <= xi1:
            fx = float(xi0)
            if (
                _full(r0 - ey0 * (fx - px0), inv_len0, aa0, tie0)
                and _full(r1 - ey1 * (fx - px1), inv_len1, aa1, tie1)
                and _full(r2 - ey2 * (fx - px2), inv_len2, aa2, tie2)
            ):
                break
            xi0 += 1
        while xi1 >= xi0:
            fx = float(xi1)
            if (
                _full(r0 - ey0 * (fx - px0), inv_len0, aa0, tie0)
                and _full(r1 - ey1 * (fx - px1), inv_len1, aa1, tie1)
                and _full(r2 - ey2 * (fx - px2), inv_len2, aa2, tie2)
            ):
                break
            xi1 -= 1
        if xi0 > xi1:
            xi0 = xe + 1
            xi1 = xe
        # Boundary pixels: [xs, xi0) and (xi1, xe].
        for part in range(2):
            xa = xs if part == 0 else xi1 + 1
            xb = xi0 - 1 if part == 0 else xe
            for x in range(xa, xb + 1):
                fx = float(x)
                e0 = r0 - ey0 * (fx - px0)
                e1 = r1 - ey1 * (fx - px1)
                e2 = r2 - ey2 * (fx - px2)
                cov = 1.0
                if aa0:
                    cov = min(cov, max(0.0, min(1.0, e0 * inv_len0 + 0.5)))
                elif not (e0 > 0.0 or (e0 == 0.0 and tie0)):
                    continue
                if aa1:
                    cov = min(cov, max(0.0, min(1.0, e1 * inv_len1 + 0.5)))
                elif not (e1 > 0.0 or (e1 == 0.0 and tie1)):
                    continue
                if aa2:
                    cov = min(cov, max(0.0, min(1.0, e2 * inv_len2 + 0.5)))
                elif not (e2 > 0.0 or (e2 == 0.0 and tie2)):
                    continue
                if cov > 0.0:
                    _shade(tex, out, y, x, tx_row + dtx * fx, ty_row + dty * fx, cov)
        if opaque:
            _copy_run(tex, out, y, xi0, xi1, tx_row, ty_row, dtx, dty, scratch)
        else:
            for x in range(xi0, xi1 + 1):
                fx = float(x)
                _shade(tex, out, y, x, tx_row + dtx * fx, ty_row + dty * fx, 1.0)


@nb.njit(cache=True)
def _band_lists(dst, tris, seq, aa, n_rows):
    """Triangles per band of ``_BAND_ROWS`` output rows, each list in draw order.

    Returns (start, items): band b draws seq entries items[start[b]:start[b + 1]].
    """
    n_bands = (n_rows + _BAND_ROWS - 1) // _BAND_ROWS
    lo = np.empty(seq.shape[0], np.int64)
    hi = np.empty(seq.shape[0], np.int64)
    count = np.zeros(n_bands + 1, np.int64)
    for k in range(seq.shape[0]):
        t = seq[k]
        pad = 1.0 if (aa[t, 0] or aa[t, 1] or aa[t, 2]) else 0.0
        y0 = min(dst[tris[t, 0], 1], dst[tris[t, 1], 1], dst[tris[t, 2], 1]) - pad
        y1 = max(dst[tris[t, 0], 1], dst[tris[t, 1], 1], dst[tris[t, 2], 1]) + pad
        b0 = max(0, int(math.floor(y0))) // _BAND_ROWS
        b1 = min(n_rows - 1, int(math.ceil(y1))) // _BAND_ROWS
        if y1 < 0.0 or y0 > n_rows - 1.0 or b1 < b0:
            b0, b1 = 1, 0  # off the frame
        lo[k] = b0
        hi[k] = b1
        for b in range(b0, b1 + 1):
            count[b + 1] += 1
    start = np.cumsum(count)
    fill = start[:-1].copy()
    items = np.empty(start[-1], np.int64)
    for k in range(seq.shape[0]):
        for b in range(lo[k], hi[k] + 1):
            items[fill[b]] = seq[k]
            fill[b] += 1
    return start, items


@nb.njit(cache=True, parallel=True)
def _raster_parallel(tex, src, dst, tris, seq, aa, out):
    """Bands of rows in parallel: each pixel is written by one thread, in draw order,
    so the result equals ``_raster_serial`` bit for bit."""
    start, items = _band_lists(dst, tris, seq, aa, out.shape[0])
    n_bands = start.shape[0] - 1
    for band in nb.prange(n_bands):
        scratch = np.empty((4, out.shape[1] + 2), np.int64)
        y_lo = band * _BAND_ROWS
        y_hi = min(out.shape[0], y_lo + _BAND_ROWS)
        for k in range(start[band], start[band + 1]):
            t = items[k]
            _raster_tri(tex, src, dst, tris[t], aa[t], out, y_lo, y_hi, scratch)


@nb.njit(cache=True)
def _raster_serial(tex, src, dst, tris, seq, aa, out):
    scratch = np.empty((4, out.shape[1] + 2), np.int64)
    for k in range(seq.shape[0]):
        t = seq[k]
        _raster_tri(tex, src, dst, tris[t], aa[t], out, 0, out.shape[0], scratch)


# --------------------------------------------------------------------------- reference


def rasterise_reference(
    texture: np.ndarray,
    src_pts: np.ndarray,
    dst_pts: np.ndarray,
    triangles: np.ndarray,
    out: np.ndarray,
    order: np.ndarray | None = None,
    antialias: bool = True,
    aa_edges: np.ndarray | None = None,
) -> np.ndarray:
    """Plain NumPy version of ``rasterise`` (one triangle at a time, vectorised over its pixels)."""
    tex, src, dst, tris, seq = _prepare(texture, src_pts, dst_pts, triangles, out, order)
    aa = _edge_flags(tris, antialias, aa_edges)
    texf = tex.astype(np.float64)
    h_tex, w_tex = tex.shape[:2]
    alpha_tex = texf[..., 3] / 255.0 if tex.shape[2] == 4 else np.ones((h_tex, w_tex))
    h_out, w_out = out.shape[:2]
    for t in seq:
        geo = _tri_setup_ref(dst[tris[t]])
        if geo is None:
            continue
        pad = 1.0 if aa[t].any() else 0.0
        xs, ys, e, inv_area = _tri_pixels_ref(geo, 0, h_out, w_out, pad)
        if xs.size == 0:
            continue
        ok = np.ones(xs.shape, bool)
        cov = np.ones(xs.shape)
        tie = _ties_ref(geo)
        for k in range(3):
            if aa[t, k]:
                cov = np.minimum(cov, np.clip(e[k] * geo["inv_len"][k] + 0.5, 0.0, 1.0))
            else:
                ok &= (e[k] > 0) | ((e[k] == 0) & tie[k])
        ok &= cov > 0
        xs, ys, e, cov = xs[ok], ys[ok], e[:, ok], cov[ok]
        b2, b0, b1 = e[0] * inv_area, e[1] * inv_area, e[2] * inv_area
        s = src[tris[t]]
        tx = np.clip(b0 * s[0, 0] + b1 * s[1, 0] + b2 * s[2, 0], 0.0, w_tex - 1.0)
        ty = np.clip(b0 * s[0, 1] + b1 * s[1, 1] + b2 * s[2, 1], 0.0, h_tex - 1.0)
        xa, ya = tx.astype(np.int64), ty.astype(np.int64)
        ax, ay = tx - xa, ty - ya
        xb, yb = np.minimum(xa + 1, w_tex - 1), np.minimum(ya + 1, h_tex - 1)
        taps = [(ya, xa, (1 - ax) * (1 - ay)), (ya, xb, ax * (1 - ay))]
        taps += [(yb, xa, (1 - ax) * ay), (yb, xb, ax * ay)]
        alpha = sum(alpha_tex[r, c] * w for r, c, w in taps) * cov
        draw = alpha > 0
        for ch in range(3):
            col = sum(texf[r, c, ch] * alpha_tex[r, c] * w for r, c, w in taps)
            v = col * cov + out[ys, xs, ch] * (1.0 - alpha) + 0.5
            v = np.clip(v, 0.0, 255.0).astype(np.uint8)
            out[ys[draw], xs[draw], ch] = v[draw]
    return out


def _tri_setup_ref(p):
    area2 = (p[1, 0] - p[0, 0]) * (p[2, 1] - p[0, 1]) - (p[1, 1] - p[0, 1]) * (p[2, 0] - p[0, 0])
    if abs(area2) < 1e-9:
        return None
    sign = 1.0 if area2 > 0 else -1.0
    edges = sign * (np.roll(p, -1, axis=0) - p)  # edge k: vertex k -> k+1
    lens = np.maximum(np.hypot(edges[:, 0], edges[:, 1]), 1e-12)
    return {"p": p, "edges": edges, "inv_len": 1.0 / lens, "inv_area": 1.0 / abs(area2)}


def _tri_pixels_ref(geo, y_lo, y_hi, w_out, pad):
    p = geo["p"]
    x_min = max(0, int(np.floor(p[:, 0].min() - pad)))
    x_max = min(w_out - 1, int(np.ceil(p[:, 0].max() + pad)))
    y_min = max(y_lo, int(np.floor(p[:, 1].min() - pad)))
    y_max = min(y_hi - 1, int(np.ceil(p[:, 1].max() + pad)))
    # an off-frame triangle gives an empty box (max(...) keeps mgrid's sizes >= 0)
    ys, xs = np.mgrid[y_min : max(y_min, y_max + 1), x_min : max(x_min, x_max + 1)]
    xs, ys = xs.reshape(-1), ys.reshape(-1)
    fx, fy = xs.astype(np.float64), ys.astype(np.float64)
    ed = geo["edges"]
    e = np.stack([ed[k, 0] * (fy - p[k, 1]) - ed[k, 1] * (fx - p[k, 0]) for k in range(3)])
    return xs, ys, e, geo["inv_area"]


def _ties_ref(geo):
    ed = geo["edges"]
    return [bool(ed[k, 1] > 0 or (ed[k, 1] == 0 and ed[k, 0] < 0)) for k in range(3)]


def _hard_inside_ref(e, geo):
    tie = _ties_ref(geo)
    ok = np.ones(e.shape[1], bool)
    for k in range(3):
        ok &= (e[k] > 0) | ((e[k] == 0) & tie[k])
    return ok
