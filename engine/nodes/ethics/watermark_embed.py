"""Embed the watermark into one RGB frame: two numba kernels, each with a NumPy reference.

Per frame (H, W, 3) uint8:

1. ``block_activity``: luma sampled every 2nd pixel of every 2nd row, and the
   sum of |horizontal| + |vertical| differences between neighbouring samples
   over each 8x8 block: (ceil(H/8), ceil(W/8)) int64. A quarter of the pixels
   is enough to tell sky from foliage, and integer sums keep the kernel and its
   reference exactly equal.
2. A perceptual mask on the block grid (NumPy, 14k blocks at 720p): the mean
   gradient of each block and its mean over the 3x3 block neighbourhood (24
   px); the smaller of the two times ``MASK_GAIN``, clipped to
   [AMP_MIN_LEVELS, AMP_MAX_LEVELS] luma levels, times ``strength``. Textured
   areas hide a bump of several levels; flat areas (sky, skin, a grey card) get
   at most AMP_MIN_LEVELS, also where they touch texture (the neighbourhood
   mean alone spread 3-level bumps 24 px onto flat wall beside an edge). The
   gain is higher than with 4x4 blocks (0.6) to keep the mark's energy.
   Frames whose mark costs less than the floor allows (43-45 dB on upscaled
   photos) get the unused budget: the gain on textured blocks is raised, up to
   ``MAX_BOOST`` x, by bisection until the expected PSNR is ``min_psnr_db +
   BOOST_HEADROOM_DB`` (41 dB by default); flat blocks stay at AMP_MIN_LEVELS.
   Measured on the bench's 720p clips (boost 1.4-1.6 x): pilot-B z after CRF
   28 + 0.5x went from 4.9 / 3.05 / 3.1 to 5.6 / 5.3 / 5.7 (astronaut, coffee,
   chelsea), without the I-frame from 5.0 / 3.0 / 3.2 to 6.8 / 6.2 / 6.1.
   Raising AMP_MIN_LEVELS to 1.0 instead was tried: it left faint cell-sized
   blobs on flat grey at 4x and takes budget from texture, so it stays 0.6.
   The map is then scaled down if its expected error would put the frame below
   ``min_psnr_db``.
3. ``add_pattern``: per pixel, d = amp[block] * w(row) * (sign[cell] * w(col))
   + dither in float32, floored once to an int and added to R, G and B (so only
   luma changes), clipped. The row factor sign * w(col) is cached per payload,
   key and frame size. The hashed dither, seeded by the frame index, keeps
   sub-level deltas on flat areas as fine grain whose mean is the pattern,
   instead of rounding them to a grid of +-1 dots.

Speed: at 1280x720 the activity pass reads a quarter of the pixels and the add
pass does one float multiply-add and one floor per pixel and three saturating
integer adds; single-threaded and nogil, so a renderer can run frames on
several threads. Measured in bench/watermark.py.
"""

from __future__ import annotations

import functools
import math

import numba
import numpy as np

from engine.errors import NodeError
from engine.nodes.ethics.watermark import (
    MIN_SIDE_PX,
    axis_cells,
    carrier_tile,
    cell_px,
    check_key,
    check_payload_id,
)
from engine.nodes.output.yuv import (
    _coefficients,
    chroma_row,
    convert_row_stepped,
    yuv420_planes,
)

BLOCK_PX = 8  # mask resolution
SAMPLE_PX = 2  # the activity pass reads every 2nd pixel of every 2nd row
MASK_GAIN = 0.75  # levels of bump amplitude per level/px of mean gradient
AMP_MIN_LEVELS = 0.6  # on flat areas: below one level, dithered
AMP_MAX_LEVELS = 10.0
DEFAULT_MIN_PSNR_DB = 40.5
# Frames whose mark costs less than the floor allows get a higher mask gain on textured
# blocks, up to MAX_BOOST times, aiming at min_psnr_db + BOOST_HEADROOM_DB.
BOOST_HEADROOM_DB: float | None = 0.5
MAX_BOOST = 2.0
BOOST_STEPS = 12  # bisection steps: the gain to 2**-12 of the range
_BUMP_MEAN_SQ = 0.25  # mean of (sin(pi u) sin(pi v))**2 over a cell
_DITHER_MSE = 1.0 / 6.0  # mean squared error of rounding with a uniform dither


# ---------------------------------------------------------------- block activity


@numba.njit("int64[:, :](uint8[:, :, :])", cache=True, nogil=True)
def block_activity(rgb):
    """Per 8x8 block: sum of |dY| between neighbouring samples on the 2-px lattice.

    Y = (77R + 150G + 29B + 128) >> 8 at (y, x) with y and x even. Each
    difference (to the sample on the left, and the one above) is counted in the
    block of the later sample. Returns (ceil(H/8), ceil(W/8)) int64. Row by row
    (luma, then differences, then block sums), so each loop vectorises.
    """
    h, w = rgb.shape[0], rgb.shape[1]
    out = np.zeros(((h + 7) // 8, (w + 7) // 8), dtype=np.int64)
    ws = (w + 1) // 2  # samples per row; 4 to a block
    above = np.zeros(ws, dtype=np.int32)  # luma of the sampled row above
    lum = np.zeros(ws, dtype=np.int32)
    grad = np.zeros(ws, dtype=np.int32)
    for ys in range((h + 1) // 2):
        y = 2 * ys
        for xs in range(ws):
            x = 2 * xs
            lum[xs] = (77 * np.int32(rgb[y, x, 0]) + 150 * np.int32(rgb[y, x, 1])
                       + 29 * np.int32(rgb[y, x, 2]) + 128) >> 8  # fmt: skip
        grad[0] = 0
        for xs in range(1, ws):
            grad[xs] = abs(lum[xs] - lum[xs - 1])
        if ys > 0:
            for xs in range(ws):
                grad[xs] += abs(lum[xs] - above[xs])
        orow = out[y // 8]
        n_full = ws // 4
        for bx in range(n_full):
            orow[bx] += grad[4 * bx] + grad[4 * bx + 1] + grad[4 * bx + 2] + grad[4 * bx + 3]
        for xs in range(4 * n_full, ws):
            orow[xs // 4] += grad[xs]
        above[:] = lum
    return out


def block_activity_reference(rgb: np.ndarray) -> np.ndarray:
    """Plain NumPy version of block_activity."""
    c = rgb[::SAMPLE_PX, ::SAMPLE_PX].astype(np.int64)
    y = (77 * c[..., 0] + 150 * c[..., 1] + 29 * c[..., 2] + 128) >> 8
    g = np.zeros_like(y)
    g[:, 1:] += np.abs(np.diff(y, axis=1))
    g[1:, :] += np.abs(np.diff(y, axis=0))
    per = BLOCK_PX // SAMPLE_PX  # samples per block side
    hb, wb = -(-rgb.shape[0] // BLOCK_PX), -(-rgb.shape[1] // BLOCK_PX)
    padded = np.zeros((hb * per, wb * per), dtype=np.int64)
    padded[: y.shape[0], : y.shape[1]] = g
    return padded.reshape(hb, per, wb, per).sum(axis=(1, 3))


# ---------------------------------------------------------------- mask


def amplitude_map(
    activity: np.ndarray, height: int, width: int, strength: float, min_psnr_db: float
) -> np.ndarray:
    """Bump amplitude in luma levels per 8x8 block: (ceil(H/8), ceil(W/8)) float32.

    The bisection's mean squared amplitudes come from ``mean_square_amp`` (one pass
    each, in numba, summed in NumPy's pairwise order): the same floats as
    ``amplitude_map_reference``, at a quarter of its cost.
    """
    hb, wb = activity.shape
    n_y = -(-np.minimum(BLOCK_PX, height - BLOCK_PX * np.arange(hb)) // SAMPLE_PX)
    n_x = -(-np.minimum(BLOCK_PX, width - BLOCK_PX * np.arange(wb)) // SAMPLE_PX)
    # |dx| + |dy| per sample, each difference spanning SAMPLE_PX px: levels per px.
    mean_grad = activity / (SAMPLE_PX * (n_y[:, None] * n_x[None, :]))
    # The smaller of a block and its neighbourhood: no halo onto a flat block beside texture.
    grad = neighbourhood_min(np.ascontiguousarray(mean_grad))
    flat = grad.reshape(-1)
    scratch = np.empty_like(flat)

    def mse_at(boost: float) -> float:
        # Mean squared luma change = bump power * mean amp**2 (+ dither noise, in the budget).
        gain = boost * MASK_GAIN
        return _BUMP_MEAN_SQ * mean_square_amp(flat, gain, float(strength), scratch)

    def budget(psnr_db: float) -> float:
        return 255.0**2 * 10.0 ** (-psnr_db / 10.0) - _DITHER_MSE

    boost = 1.0
    if BOOST_HEADROOM_DB is not None and mse_at(1.0) < budget(min_psnr_db + BOOST_HEADROOM_DB):
        # Spend unused budget on textured blocks only (flat ones stay at AMP_MIN_LEVELS):
        # bisect the mask gain so the frame lands near min_psnr_db + headroom.
        target = budget(min_psnr_db + BOOST_HEADROOM_DB)
        lo, hi = 1.0, MAX_BOOST
        if mse_at(hi) <= target:
            lo = hi
        else:
            for _ in range(BOOST_STEPS):
                mid = 0.5 * (lo + hi)
                lo, hi = (mid, hi) if mse_at(mid) <= target else (lo, mid)
        boost = lo
    amp = strength * np.clip(boost * MASK_GAIN * grad, AMP_MIN_LEVELS, AMP_MAX_LEVELS)
    mse_budget, mse_pattern = budget(min_psnr_db), mse_at(boost)
    if mse_pattern > mse_budget > 0:
        amp *= math.sqrt(mse_budget / mse_pattern)
    return amp.astype(np.float32)


@numba.njit("float64[:, ::1](float64[:, ::1])", cache=True, nogil=True)
def neighbourhood_min(mean_grad):
    """min(mean_grad, its 3x3 neighbourhood mean, edges repeated), per block: the
    reference's sum of nine shifted arrays from 0, in the same order, then / 9."""
    hb, wb = mean_grad.shape
    out = np.empty_like(mean_grad)
    for i in range(hb):
        for j in range(wb):
            total = 0.0
            for di in range(-1, 2):
                row = mean_grad[min(max(i + di, 0), hb - 1)]
                for dj in range(-1, 2):
                    total += row[min(max(j + dj, 0), wb - 1)]
            out[i, j] = min(mean_grad[i, j], total / 9.0)
    return out


@numba.njit("float64(float64[::1], int64, int64)", cache=True, nogil=True)
def _pairwise_sum(a, start, n):
    """NumPy's float64 add.reduce (``pairwise_sum`` in its loops_utils.h): runs under 8
    summed in order, up to 128 in eight interleaved partial sums, longer ones halved
    at a multiple of 8 and summed recursively."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[start + i]
        return res
    if n <= 128:
        r0, r1, r2, r3 = a[start], a[start + 1], a[start + 2], a[start + 3]
        r4, r5, r6, r7 = a[start + 4], a[start + 5], a[start + 6], a[start + 7]
        i = 8
        while i < n - (n % 8):
            j = start + i
            r0 += a[j]
            r1 += a[j + 1]
            r2 += a[j + 2]
            r3 += a[j + 3]
            r4 += a[j + 4]
            r5 += a[j + 5]
            r6 += a[j + 6]
            r7 += a[j + 7]
            i += 8
        res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while i < n:
            res += a[start + i]
            i += 1
        return res
    half = n // 2
    half -= half % 8
    return _pairwise_sum(a, start, half) + _pairwise_sum(a, start + half, n - half)


@numba.njit("float64(float64[::1], float64, float64, float64[::1])", cache=True, nogil=True)
def mean_square_amp(grad, gain, strength, scratch):
    """np.mean((strength * np.clip(gain * grad, AMP_MIN_LEVELS, AMP_MAX_LEVELS)) ** 2),
    to the last bit: the same float64 operations, summed as NumPy sums (``_pairwise_sum``).
    """
    n = grad.size
    for i in range(n):
        a = strength * min(max(gain * grad[i], AMP_MIN_LEVELS), AMP_MAX_LEVELS)
        scratch[i] = a * a
    return (0.0 + _pairwise_sum(scratch, 0, n)) / n


def amplitude_map_reference(
    activity: np.ndarray, height: int, width: int, strength: float, min_psnr_db: float
) -> np.ndarray:
    """Plain NumPy version of amplitude_map (every mean squared amplitude by np.mean)."""
    hb, wb = activity.shape
    n_y = -(-np.minimum(BLOCK_PX, height - BLOCK_PX * np.arange(hb)) // SAMPLE_PX)
    n_x = -(-np.minimum(BLOCK_PX, width - BLOCK_PX * np.arange(wb)) // SAMPLE_PX)
    # |dx| + |dy| per sample, each difference spanning SAMPLE_PX px: levels per px.
    mean_grad = activity / (SAMPLE_PX * (n_y[:, None] * n_x[None, :]))
    p = np.pad(mean_grad, 1, mode="edge")
    smooth = sum(p[i : i + hb, j : j + wb] for i in range(3) for j in range(3)) / 9.0
    # The smaller of a block and its neighbourhood: no halo onto a flat block beside texture.
    grad = np.minimum(mean_grad, smooth)

    def amp_at(boost: float) -> np.ndarray:
        return strength * np.clip(boost * MASK_GAIN * grad, AMP_MIN_LEVELS, AMP_MAX_LEVELS)

    def mse_of(a: np.ndarray) -> float:
        # Mean squared luma change = bump power * mean amp**2 (+ dither noise, in the budget).
        return _BUMP_MEAN_SQ * float(np.mean(a**2))

    def budget(psnr_db: float) -> float:
        return 255.0**2 * 10.0 ** (-psnr_db / 10.0) - _DITHER_MSE

    amp = amp_at(1.0)
    if BOOST_HEADROOM_DB is not None and mse_of(amp) < budget(min_psnr_db + BOOST_HEADROOM_DB):
        # Spend unused budget on textured blocks only (flat ones stay at AMP_MIN_LEVELS):
        # bisect the mask gain so the frame lands near min_psnr_db + headroom.
        target = budget(min_psnr_db + BOOST_HEADROOM_DB)
        lo, hi = 1.0, MAX_BOOST
        if mse_of(amp_at(hi)) <= target:
            lo = hi
        else:
            for _ in range(BOOST_STEPS):
                mid = 0.5 * (lo + hi)
                lo, hi = (mid, hi) if mse_of(amp_at(mid)) <= target else (lo, mid)
        amp = amp_at(lo)
    mse_budget, mse_pattern = budget(min_psnr_db), mse_of(amp)
    if mse_pattern > mse_budget > 0:
        amp *= math.sqrt(mse_budget / mse_pattern)
    return amp.astype(np.float32)


# ---------------------------------------------------------------- pattern


DITHER_PX = 64
# A fixed table of uniform [0, 1) values; each frame reads it at its own offset.
DITHER_TABLE = np.random.default_rng(0xD1).random((DITHER_PX, DITHER_PX)).astype(np.float32)


@numba.njit(
    "uint8[:, :, ::1](uint8[:, :, ::1], float32[:, :], float32[:, :], int64[:], float32[:], "
    "float32[:, :], int64, int64)",
    cache=True,
    nogil=True,
)
def add_pattern(rgb, amp, row_pattern, row_cell, row_w, dither, dy, dx):
    """rgb + floor(amp[y//8, x//8] * row_w[y] * row_pattern[row_cell[y], x] + dither), clipped.

    All float arithmetic in float32, in that order. row_pattern: (TILE_CELLS, W)
    float32, the signed column bumps of each tile row. dither: (64, 64) float32
    in [0, 1), read at (y + dy) % 64, (x + dx) % 64.
    """
    h, w = rgb.shape[0], rgb.shape[1]
    out = np.empty_like(rgb)
    src, dst = rgb.reshape(h, 3 * w), out.reshape(h, 3 * w)  # R, G, B of a row side by side
    amp_x = np.empty(w, dtype=np.float32)  # this block row's amplitude per column
    dith_x = np.empty(w, dtype=np.float32)
    step3 = np.empty(3 * w, dtype=np.int32)  # each pixel's step, once per channel
    for y in range(h):
        if y % 8 == 0:
            arow = amp[y // 8]
            for x in range(w):
                amp_x[x] = arow[x // 8]
        drow = dither[(y + dy) & 63]
        for x in range(w):
            dith_x[x] = drow[(x + dx) & 63]
        prow = row_pattern[row_cell[y]]
        wy = row_w[y]
        for x in range(w):
            d = amp_x[x] * wy * prow[x] + dith_x[x]
            s = np.int32(d + np.float32(256.0)) - 256  # floor, as d > -256
            step3[3 * x] = s
            step3[3 * x + 1] = s
            step3[3 * x + 2] = s
        srow, drow_out = src[y], dst[y]
        for i in range(3 * w):
            drow_out[i] = min(max(np.int32(srow[i]) + step3[i], 0), 255)
    return out


def row_pattern(tile: np.ndarray, col_cell: np.ndarray, col_w: np.ndarray) -> np.ndarray:
    """(TILE_CELLS, W) float32: tile[r, col_cell[x]] * col_w[x] for each tile row r.

    C-contiguous: the kernels read it a row at a time (in the column-major layout the
    product comes out in, the add pass ran 4x slower).
    """
    pattern = tile[:, col_cell].astype(np.float64) * col_w[None, :]
    return np.ascontiguousarray(pattern.astype(np.float32))


def add_pattern_reference(rgb, amp, row_pat, row_cell, row_w, dither, dy, dx) -> np.ndarray:
    """Plain NumPy version of add_pattern (same float32 operations in the same order)."""
    h, w = rgb.shape[:2]
    ys, xs = np.arange(h) // BLOCK_PX, np.arange(w) // BLOCK_PX
    d = amp[ys][:, xs] * row_w[:, None] * row_pat[row_cell]
    d = d + dither[(np.arange(h) + dy) % DITHER_PX][:, (np.arange(w) + dx) % DITHER_PX]
    step = (d + np.float32(256.0)).astype(np.int32) - 256
    v = rgb.astype(np.int32) + step[..., None]
    return np.clip(v, 0, 255).astype(np.uint8)


@numba.njit(
    "void(uint8[:, :, ::1], float32[:, :], float32[:, :], int64[:], float32[:], "
    "float32[:, :], int64, int64, uint8[:, ::1], uint8[:, ::1], uint8[:, ::1], int64[::1])",
    cache=True,
    nogil=True,
)
def add_pattern_yuv420(rgb, amp, row_pattern, row_cell, row_w, dither, dy, dx, out_y, out_u,
                       out_v, k):  # fmt: skip
    """``add_pattern`` and ``engine.nodes.output.yuv.rgb_to_yuv420`` in one pass.

    Each row's steps (as ``add_pattern`` computes them) go straight into the
    conversion: the same bytes as converting ``add_pattern``'s frame, without writing it.
    """
    h, w = rgb.shape[0], rgb.shape[1]
    src = rgb.reshape(h, 3 * w)
    amp_x = np.empty(w, dtype=np.float32)
    tile = np.empty((DITHER_PX, w), dtype=np.float32)  # the dither's 64 rows at this dx
    for r in range(DITHER_PX):
        for x in range(w):
            tile[r, x] = dither[r, (x + dx) & 63]
    step = np.empty(w, dtype=np.int32)
    c_u = np.empty((4, w // 2), np.int64)
    c_v = np.empty((4, w // 2), np.int64)
    for y in range(h):
        if y % 8 == 0:
            arow = amp[y // 8]
            for x in range(w):
                amp_x[x] = arow[x // 8]
        dith_x = tile[(y + dy) & 63]
        prow = row_pattern[row_cell[y]]
        wy = row_w[y]
        for x in range(w):
            d = amp_x[x] * wy * prow[x] + dith_x[x]
            step[x] = np.int32(d + np.float32(256.0)) - 256  # floor, as d > -256
        convert_row_stepped(src[y], step, y, out_y, c_u, c_v, k)
        if y >= 2 and y % 2 == 0:
            chroma_row(y // 2 - 1, h, out_u, out_v, c_u, c_v)
    chroma_row(h // 2 - 1, h, out_u, out_v, c_u, c_v)


# ---------------------------------------------------------------- API


def dither_offset(key: int, frame_index: int) -> tuple[int, int]:
    """Where frame frame_index reads the dither table: (dy, dx) in [0, 64)."""
    h = (frame_index * 83492791 + key * 2971215073) & 0xFFFFFF
    return h % DITHER_PX, (h // DITHER_PX) % DITHER_PX


def _check_frame(frame: np.ndarray) -> np.ndarray:
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8 or frame.ndim != 3:
        got = getattr(frame, "dtype", type(frame).__name__), getattr(frame, "shape", None)
        raise NodeError(
            f"watermark needs an (H, W, 3) uint8 frame, got {got[0]} {got[1]}",
            hint="pass RGB frames as uint8 arrays",
        )
    if frame.shape[2] != 3 or min(frame.shape[:2]) < MIN_SIDE_PX:
        raise NodeError(
            f"watermark needs an (H, W, 3) frame with sides >= {MIN_SIDE_PX}, got {frame.shape}",
            hint="render at a larger output size",
        )
    return np.ascontiguousarray(frame)


def embed_frame(
    frame: np.ndarray,
    payload: int,
    key: int,
    frame_index: int,
    strength: float = 1.0,
    min_psnr_db: float = DEFAULT_MIN_PSNR_DB,
) -> np.ndarray:
    """Add the invisible watermark carrying ``payload`` to one frame.

    frame: (H, W, 3) uint8 RGB, H and W >= 64. Not modified.
    payload: int in [0, 2**48), the provenance record id (a CRC-16 is added).
    key: int >= 0, the watermark key; the detector needs the same key.
    frame_index: int >= 0, the frame's index in the video; it only seeds the
        rounding dither (the pattern is the same on every frame).
    strength: float > 0, multiplies the perceptual mask (1.0: the tested default).
    min_psnr_db: the mark is scaled down on frames where it would cost more.

    Returns a new (H, W, 3) uint8 frame; PSNR >= min_psnr_db - ~0.3 dB (clipping
    at 0 and 255 only lowers the error).
    """
    rgb, args = _prepare(frame, payload, key, frame_index, strength, min_psnr_db)
    return add_pattern(rgb, *args)


def embed_yuv420(
    frame: np.ndarray,
    payload: int,
    key: int,
    frame_index: int,
    out: np.ndarray | None = None,
    strength: float = 1.0,
    min_psnr_db: float = DEFAULT_MIN_PSNR_DB,
) -> np.ndarray:
    """``embed_frame``, converted for the encoder in the same pass: a (H * 3 / 2, W)
    uint8 yuv420p buffer (``out`` when given), byte for byte
    ``engine.nodes.output.yuv.to_yuv420(embed_frame(frame, ...))``. H and W even.

    The marked RGB frame is never written: the mark costs its activity pass (a
    quarter of the pixels) and a few operations per pixel inside the conversion.
    """
    rgb, args = _prepare(frame, payload, key, frame_index, strength, min_psnr_db)
    h, w = rgb.shape[:2]
    if h % 2 or w % 2:
        raise NodeError(
            f"a frame for yuv420p needs even sides, got {w}x{h}",
            hint="round the output size to even numbers",
        )
    buf = np.empty((h * 3 // 2, w), np.uint8) if out is None else out
    add_pattern_yuv420(rgb, *args, *yuv420_planes(buf, w, h), _coefficients())
    return buf


def _prepare(frame, payload, key, frame_index, strength, min_psnr_db):
    """The checked frame and ``add_pattern``'s arguments after it."""
    rgb = _check_frame(frame)
    key, payload = check_key(key), check_payload_id(payload)
    if not strength > 0 or not isinstance(frame_index, int | np.integer) or frame_index < 0:
        raise NodeError(
            f"bad watermark parameters: strength={strength!r}, frame_index={frame_index!r}",
            hint="strength must be > 0 and frame_index an int >= 0",
        )
    h, w = rgb.shape[:2]
    cell = cell_px(h, w)
    row_cell, row_w = row_weights(h, cell)
    amp = amplitude_map(block_activity(rgb), h, w, float(strength), float(min_psnr_db))
    dy, dx = dither_offset(key, int(frame_index))
    pattern = _row_pattern(payload, key, w, cell)
    return rgb, (amp, pattern, row_cell, row_w, DITHER_TABLE, dy, dx)


@functools.lru_cache(maxsize=8)
def _row_pattern(payload: int, key: int, width: int, cell: float) -> np.ndarray:
    """row_pattern for one payload, key and frame width: every frame of a video shares it."""
    col_cell, col_w = axis_cells(width, cell)
    return row_pattern(carrier_tile(payload, key), col_cell, col_w)


@functools.lru_cache(maxsize=8)
def row_weights(height: int, cell: float) -> tuple[np.ndarray, np.ndarray]:
    """Each row's tile cell (int64) and half-sine weight (float32), cached per frame height."""
    row_cell, row_w = axis_cells(height, cell)
    return row_cell, row_w.astype(np.float32)
