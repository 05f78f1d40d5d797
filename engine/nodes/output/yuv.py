"""RGB -> YUV 4:2:0 (BT.709, limited range) as a numba kernel, equal byte for byte to swscale.

The encoder takes yuv420p. Until December 2026 each frame was converted by
swscale (through PyAV) in its bit-exact mode (``BITEXACT | ACCURATE_RND |
BILINEAR``), chosen so the bytes do not depend on the CPU. That mode runs
swscale's plain C path: ~7-15 ms per 1280x720 frame here, as much as the warp
that drew the frame. This kernel computes the same integers in one pass over
the frame (~2 ms), and lets the watermark add its luma step on the way
(``engine.nodes.ethics.watermark_embed.embed_yuv420``), so a marked frame is
never written out in RGB at all.

The integer method (what swscale's bit-exact path computes for rgb24 ->
yuv420p, BT.709, full-range RGB to limited-range YUV; tested against swscale
itself on random and real frames of several sizes):

1. Coefficients (15-bit fixed point) derived from the BT.709 YUV->RGB table
   ``(117489, 138438, 13975, 34925)`` with rounded integer divisions
   (``_coefficients``): Y 5983 20127 2032, U -3298 -11094 14392,
   V 14392 -13073 -1320.
2. Luma at each pixel: ``y15 = (ry r + gy g + by b + (32 << 14) + (1 << 8)) >> 9``
   (luma x 64), then ``Y = (y15 + 32) >> 6``, clipped to 0..255.
3. Chroma from horizontal pixel pairs (sums of two pixels' R, G, B):
   ``c15 = (cr R2 + cg G2 + cb B2 + (256 << 15) + (1 << 9)) >> 10``, then a
   vertical 4-tap filter over rows 2k-1 .. 2k+2 (edge rows repeated) with
   weights 512 1536 1536 512 (sum 4096) for output row k:
   ``C = (sum + (1 << 17)) >> 18``, clipped.
"""

from __future__ import annotations

import functools

import numba
import numpy as np

from engine.errors import NodeError

KIND = "output.yuv"
# swscale's BT.709 YUV -> RGB table (ff_yuv2rgb_coeffs): v->r, u->b, u->g, v->g, 16.16.
_BT709_YUV2RGB = (117489, 138438, 13975, 34925)
_TAPS = (512, 1536, 1536, 512)  # chroma rows 2k-1, 2k, 2k+1, 2k+2


def _rounded_div(a: int, b: int) -> int:
    """C's ROUNDED_DIV for b > 0: round half away from zero, then truncate."""
    q = a + (b >> 1) if a >= 0 else a - (b >> 1)
    return q // b if q >= 0 else -((-q) // b)


@functools.cache
def _coefficients() -> np.ndarray:
    """(9,) int64: ry gy by ru gu bu rv gv bv, 15-bit fixed point, limited range."""
    vr, ub, ug, vg = (
        _BT709_YUV2RGB[0],
        _BT709_YUV2RGB[1],
        -_BT709_YUV2RGB[2],
        -_BT709_YUV2RGB[3],
    )
    one = 65536
    cy = one * 255 // 219  # limited-range luma: 219 levels
    w = _rounded_div(one * one * ug, ub)
    v = _rounded_div(one * one * vg, vr)
    z = one * one - w - v
    c_y, c_u, c_v = (_rounded_div(k * z, one) for k in (cy, ub, vr))
    s = 1 << 15
    out = [
        -_rounded_div(s * v, c_y),
        _rounded_div(s * one * one, c_y),
        -_rounded_div(s * w, c_y),
        _rounded_div(s * v, c_u),
        -_rounded_div(s * one * one, c_u),
        _rounded_div(s * (z + w), c_u),
        _rounded_div(s * (v + z), c_v),
        -_rounded_div(s * one * one, c_v),
        _rounded_div(s * w, c_v),
    ]
    return np.array(out, np.int64)  # callers never write to it


@numba.njit(cache=True, nogil=True, inline="always")
def _clip8(v):
    return min(max(v, 0), 255)


@numba.njit(cache=True, nogil=True)
def convert_row(row, y, out_y, c_u, c_v, k):
    """Luma of one RGB row into ``out_y[y]`` and its half-width chroma into ring slot y & 3.

    row: (3 W,) uint8 R, G, B side by side; c_u, c_v: (4, W / 2) int64 rings of c15 rows.
    """
    w = out_y.shape[1]
    ry, gy, by = k[0], k[1], k[2]
    ru, gu, bu, rv, gv, bv = k[3], k[4], k[5], k[6], k[7], k[8]
    yrow = out_y[y]
    for x in range(w):
        r = np.int64(row[3 * x])
        g = np.int64(row[3 * x + 1])
        b = np.int64(row[3 * x + 2])
        y15 = (ry * r + gy * g + by * b + (32 << 14) + (1 << 8)) >> 9
        yrow[x] = _clip8((y15 + 32) >> 6)
    slot_u, slot_v = c_u[y & 3], c_v[y & 3]
    for i in range(w // 2):
        r = np.int64(row[6 * i]) + np.int64(row[6 * i + 3])
        g = np.int64(row[6 * i + 1]) + np.int64(row[6 * i + 4])
        b = np.int64(row[6 * i + 2]) + np.int64(row[6 * i + 5])
        slot_u[i] = (ru * r + gu * g + bu * b + (256 << 15) + (1 << 9)) >> 10
        slot_v[i] = (rv * r + gv * g + bv * b + (256 << 15) + (1 << 9)) >> 10


@numba.njit(cache=True, nogil=True)
def convert_row_stepped(row, step, y, out_y, c_u, c_v, k):
    """``convert_row`` of the row with ``step[x]`` added to each pixel's R, G and B
    (clipped to 0..255): a luma-only change, converted without writing the changed row.

    step: (W,) int32.
    """
    w = out_y.shape[1]
    ry, gy, by = k[0], k[1], k[2]
    ru, gu, bu, rv, gv, bv = k[3], k[4], k[5], k[6], k[7], k[8]
    yrow = out_y[y]
    slot_u, slot_v = c_u[y & 3], c_v[y & 3]
    for i in range(w // 2):
        s0, s1 = step[2 * i], step[2 * i + 1]
        r0 = _clip8(np.int32(row[6 * i]) + s0)
        g0 = _clip8(np.int32(row[6 * i + 1]) + s0)
        b0 = _clip8(np.int32(row[6 * i + 2]) + s0)
        r1 = _clip8(np.int32(row[6 * i + 3]) + s1)
        g1 = _clip8(np.int32(row[6 * i + 4]) + s1)
        b1 = _clip8(np.int32(row[6 * i + 5]) + s1)
        y0 = (ry * r0 + gy * g0 + by * b0 + (32 << 14) + (1 << 8)) >> 9
        y1 = (ry * r1 + gy * g1 + by * b1 + (32 << 14) + (1 << 8)) >> 9
        yrow[2 * i] = _clip8((y0 + 32) >> 6)
        yrow[2 * i + 1] = _clip8((y1 + 32) >> 6)
        r, g, b = np.int64(r0 + r1), np.int64(g0 + g1), np.int64(b0 + b1)
        slot_u[i] = (ru * r + gu * g + bu * b + (256 << 15) + (1 << 9)) >> 10
        slot_v[i] = (rv * r + gv * g + bv * b + (256 << 15) + (1 << 9)) >> 10


@numba.njit(cache=True, nogil=True)
def chroma_row(kc, h, out_u, out_v, c_u, c_v):
    """Chroma row ``kc`` from the ring (rows 2kc-1 .. 2kc+2 of an h-row frame, clamped)."""
    s0 = max(2 * kc - 1, 0) & 3
    s1 = (2 * kc) & 3
    s2 = min(2 * kc + 1, h - 1) & 3
    s3 = min(2 * kc + 2, h - 1) & 3
    urow, vrow = out_u[kc], out_v[kc]
    for i in range(out_u.shape[1]):
        su = 512 * c_u[s0, i] + 1536 * c_u[s1, i] + 1536 * c_u[s2, i] + 512 * c_u[s3, i]
        sv = 512 * c_v[s0, i] + 1536 * c_v[s1, i] + 1536 * c_v[s2, i] + 512 * c_v[s3, i]
        urow[i] = _clip8((su + (1 << 17)) >> 18)
        vrow[i] = _clip8((sv + (1 << 17)) >> 18)


@numba.njit(
    "void(uint8[:, :, ::1], uint8[:, ::1], uint8[:, ::1], uint8[:, ::1], int64[::1])",
    cache=True,
    nogil=True,
)
def rgb_to_yuv420(rgb, out_y, out_u, out_v, k):
    """(H, W, 3) uint8 RGB -> Y (H, W), U and V (H/2, W/2) uint8, written in place.

    H and W even; k: ``_coefficients()``. Chroma row k is written as soon as
    rows up to 2k+2 are converted, so the kernel keeps 4 rows of chroma sums.
    """
    h, w = rgb.shape[0], rgb.shape[1]
    flat = rgb.reshape(h, 3 * w)
    c_u = np.empty((4, w // 2), np.int64)
    c_v = np.empty((4, w // 2), np.int64)
    for y in range(h):
        convert_row(flat[y], y, out_y, c_u, c_v, k)
        if y >= 2 and y % 2 == 0:
            chroma_row(y // 2 - 1, h, out_u, out_v, c_u, c_v)
    chroma_row(h // 2 - 1, h, out_u, out_v, c_u, c_v)


def rgb_to_yuv420_reference(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Plain NumPy version of ``rgb_to_yuv420``: (Y, U, V) uint8."""
    ry, gy, by, ru, gu, bu, rv, gv, bv = (int(c) for c in _coefficients())
    r, g, b = (rgb[..., c].astype(np.int64) for c in range(3))
    y15 = (ry * r + gy * g + by * b + (32 << 14) + (1 << 8)) >> 9
    y = np.clip((y15 + 32) >> 6, 0, 255).astype(np.uint8)
    r2, g2, b2 = (c[:, 0::2] + c[:, 1::2] for c in (r, g, b))
    h = rgb.shape[0]
    planes = []
    for cr, cg, cb in ((ru, gu, bu), (rv, gv, bv)):
        c15 = (cr * r2 + cg * g2 + cb * b2 + (256 << 15) + (1 << 9)) >> 10
        k = np.arange(h // 2)
        total = sum(tap * c15[np.clip(2 * k - 1 + j, 0, h - 1)] for j, tap in enumerate(_TAPS))
        planes.append(np.clip((total + (1 << 17)) >> 18, 0, 255).astype(np.uint8))
    return y, planes[0], planes[1]


def yuv420_planes(buf: np.ndarray, width: int, height: int) -> tuple:
    """Y (H, W), U and V (H/2, W/2) views of a (H * 3 / 2, W) uint8 yuv420p buffer."""
    flat = buf.reshape(-1)
    n_y, n_c = width * height, (width // 2) * (height // 2)
    y = flat[:n_y].reshape(height, width)
    u = flat[n_y : n_y + n_c].reshape(height // 2, width // 2)
    v = flat[n_y + n_c : n_y + 2 * n_c].reshape(height // 2, width // 2)
    return y, u, v


def check_size(width: int, height: int) -> None:
    if width <= 0 or height <= 0 or width % 2 or height % 2:
        raise NodeError(
            f"yuv420p needs a positive, even frame size, got {width}x{height}",
            kind=KIND,
            hint="round the output size to even numbers",
        )


def to_yuv420(rgb: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """One (H, W, 3) uint8 RGB frame as a (H * 3 / 2, W) uint8 yuv420p buffer (``out``
    when given): Y rows, then U, then V, as PyAV's ``VideoFrame.from_ndarray`` takes it."""
    h, w = rgb.shape[:2]
    check_size(w, h)
    buf = np.empty((h * 3 // 2, w), np.uint8) if out is None else out
    rgb_to_yuv420(np.ascontiguousarray(rgb), *yuv420_planes(buf, w, h), _coefficients())
    return buf


def swscale_yuv420(rgb: np.ndarray) -> np.ndarray:
    """(H * 3 / 2, W) uint8 yuv420p of an (H, W, 3) uint8 RGB frame, converted by swscale
    (through PyAV) in its bit-exact mode (``BITEXACT | ACCURATE_RND | BILINEAR``, BT.709,
    full-range RGB to limited-range YUV): what ``to_yuv420`` computes, and what
    ``SegmentWriter`` uses for frames too short for the kernel's chroma filter."""
    import av

    flags = av.video.reformatter.Interpolation
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
    return frame.reformat(
        format="yuv420p",
        src_colorspace="ITU709",
        dst_colorspace="ITU709",
        src_color_range="JPEG",
        dst_color_range="MPEG",
        interpolation=flags.BILINEAR | flags.ACCURATE_RND | flags.BITEXACT,
        threads=1,
    ).to_ndarray()
