"""Embed the watermark into one RGB frame: two numba kernels, each with a NumPy reference.

Per frame (H, W, 3) uint8:

1. ``block_activity``: the sum of |horizontal| + |vertical| integer-luma
   gradient over each 4x4 block, (ceil(H/4), ceil(W/4)) int64. Integer sums, so
   the kernel and its reference agree exactly.
2. A perceptual mask on the block grid (NumPy, tiny): the mean gradient of each
   block, averaged over its 3x3 block neighbourhood (12 px), times ``MASK_GAIN``,
   clipped to [AMP_MIN_LEVELS, AMP_MAX_LEVELS] luma levels, times ``strength``.
   Textured areas hide a bump of several levels; flat areas (sky, skin, a grey
   card) get at most AMP_MIN_LEVELS. The whole map is then scaled down if its
   expected error would put the frame below ``min_psnr_db``.
3. ``add_pattern``: for each pixel, delta = amp[block] * sign[cell] * w(row) *
   w(col) luma levels (watermark.py), added equally to R, G and B (so only luma
   changes), rounded with a hashed dither seeded by the frame index and clipped.
   The dither keeps sub-level deltas on flat areas as fine grain whose mean is
   the pattern, instead of rounding them to a grid of +-1 dots.
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

BLOCK_PX = 4
MASK_GAIN = 0.6  # levels of bump amplitude per level/px of mean gradient
AMP_MIN_LEVELS = 0.6  # on flat areas: below one level, dithered
AMP_MAX_LEVELS = 10.0
DEFAULT_MIN_PSNR_DB = 40.5
_BUMP_MEAN_SQ = 0.25  # mean of (sin(pi u) sin(pi v))**2 over a cell
_DITHER_MSE = 1.0 / 6.0  # mean squared error of rounding with a uniform dither


# ---------------------------------------------------------------- block activity


@numba.njit("int64[:, :](uint8[:, :, :])", cache=True, nogil=True)
def block_activity(rgb):
    """Sum over each 4x4 block of |dY/dx| + |dY/dy| with Y = (77R + 150G + 29B + 128) >> 8.

    Each difference is counted at the later pixel (right or lower) of the pair.
    """
    h, w = rgb.shape[0], rgb.shape[1]
    out = np.zeros(((h + 3) // 4, (w + 3) // 4), dtype=np.int64)
    above = np.zeros(w, dtype=np.int64)  # luma of the row above
    for y in range(h):
        orow = out[y // 4]
        left = np.int64(0)
        for x in range(w):
            lum = (77 * np.int64(rgb[y, x, 0]) + 150 * np.int64(rgb[y, x, 1])
                   + 29 * np.int64(rgb[y, x, 2]) + 128) >> 8  # fmt: skip
            g = np.int64(0)
            if x > 0:
                g += abs(lum - left)
            if y > 0:
                g += abs(lum - above[x])
            orow[x // 4] += g
            above[x] = lum
            left = lum
    return out


def block_activity_reference(rgb: np.ndarray) -> np.ndarray:
    """Plain NumPy version of block_activity."""
    c = rgb.astype(np.int64)
    y = (77 * c[..., 0] + 150 * c[..., 1] + 29 * c[..., 2] + 128) >> 8
    g = np.zeros_like(y)
    g[:, 1:] += np.abs(np.diff(y, axis=1))
    g[1:, :] += np.abs(np.diff(y, axis=0))
    h, w = y.shape
    hb, wb = -(-h // BLOCK_PX), -(-w // BLOCK_PX)
    padded = np.zeros((hb * BLOCK_PX, wb * BLOCK_PX), dtype=np.int64)
    padded[:h, :w] = g
    return padded.reshape(hb, BLOCK_PX, wb, BLOCK_PX).sum(axis=(1, 3))


# ---------------------------------------------------------------- mask


def amplitude_map(
    activity: np.ndarray, height: int, width: int, strength: float, min_psnr_db: float
) -> np.ndarray:
    """Bump amplitude in luma levels per 4x4 block: (ceil(H/4), ceil(W/4)) float64."""
    hb, wb = activity.shape
    count_y = np.minimum(BLOCK_PX, height - BLOCK_PX * np.arange(hb))
    count_x = np.minimum(BLOCK_PX, width - BLOCK_PX * np.arange(wb))
    mean_grad = activity / (count_y[:, None] * count_x[None, :])
    p = np.pad(mean_grad, 1, mode="edge")
    smooth = sum(p[i : i + hb, j : j + wb] for i in range(3) for j in range(3)) / 9.0
    amp = strength * np.clip(MASK_GAIN * smooth, AMP_MIN_LEVELS, AMP_MAX_LEVELS)
    # PSNR budget: mean squared luma change = bump power * mean amp**2 + dither noise.
    mse_budget = 255.0**2 * 10.0 ** (-min_psnr_db / 10.0) - _DITHER_MSE
    mse_pattern = _BUMP_MEAN_SQ * float(np.mean(amp**2))
    if mse_pattern > mse_budget > 0:
        amp *= math.sqrt(mse_budget / mse_pattern)
    return amp


# ---------------------------------------------------------------- pattern


DITHER_PX = 64
# A fixed table of uniform [0, 1) values; each frame reads it at its own offset.
DITHER_TABLE = np.random.default_rng(0xD1).random((DITHER_PX, DITHER_PX))


@numba.njit(
    "uint8[:, :, :](uint8[:, :, :], float64[:, :], float64[:, :], int64[:], float64[:], "
    "float64[:, :], int64, int64)",
    cache=True,
    nogil=True,
)
def add_pattern(rgb, amp, row_pattern, row_cell, row_w, dither, dy, dx):
    """rgb + amp[y//4, x//4] * row_w[y] * row_pattern[row_cell[y], x] + dither, floored, clipped.

    row_pattern: (TILE_CELLS, W) float64, the signed column bumps of each tile row.
    dither: (64, 64) float64 in [0, 1), read at (y + dy) % 64, (x + dx) % 64.
    """
    h, w = rgb.shape[0], rgb.shape[1]
    out = np.empty_like(rgb)
    for y in range(h):
        arow = amp[y // 4]
        prow = row_pattern[row_cell[y]]
        drow = dither[(y + dy) & 63]
        wy = row_w[y]
        for x in range(w):
            d = arow[x // 4] * wy * prow[x] + drow[(x + dx) & 63]
            for c in range(3):
                v = int(rgb[y, x, c] + d + 256.0) - 256  # floor, as the value is > -256
                out[y, x, c] = 0 if v < 0 else (255 if v > 255 else v)
    return out


def row_pattern(tile: np.ndarray, col_cell: np.ndarray, col_w: np.ndarray) -> np.ndarray:
    """(TILE_CELLS, W) float64: tile[r, col_cell[x]] * col_w[x] for each tile row r."""
    return tile[:, col_cell].astype(np.float64) * col_w[None, :]


def add_pattern_reference(rgb, amp, row_pat, row_cell, row_w, dither, dy, dx) -> np.ndarray:
    """Plain NumPy version of add_pattern."""
    h, w = rgb.shape[:2]
    ys, xs = np.arange(h) // BLOCK_PX, np.arange(w) // BLOCK_PX
    d = amp[ys][:, xs] * row_w[:, None] * row_pat[row_cell]
    d = d + dither[(np.arange(h) + dy) % DITHER_PX][:, (np.arange(w) + dx) % DITHER_PX]
    v = np.floor(rgb.astype(np.float64) + d[..., None])
    return np.clip(v, 0, 255).astype(np.uint8)


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
    rgb = _check_frame(frame)
    key, payload = check_key(key), check_payload_id(payload)
    if not strength > 0 or not isinstance(frame_index, int | np.integer) or frame_index < 0:
        raise NodeError(
            f"bad watermark parameters: strength={strength!r}, frame_index={frame_index!r}",
            hint="strength must be > 0 and frame_index an int >= 0",
        )
    h, w = rgb.shape[:2]
    cell = cell_px(h, w)
    row_cell, row_w = axis_cells(h, cell)
    amp = amplitude_map(block_activity(rgb), h, w, float(strength), float(min_psnr_db))
    dy, dx = dither_offset(key, int(frame_index))
    pattern = _row_pattern(payload, key, w, cell)
    return add_pattern(rgb, amp, pattern, row_cell, row_w, DITHER_TABLE, dy, dx)


@functools.lru_cache(maxsize=8)
def _row_pattern(payload: int, key: int, width: int, cell: float) -> np.ndarray:
    """row_pattern for one payload, key and frame width: every frame of a video shares it."""
    col_cell, col_w = axis_cells(width, cell)
    return row_pattern(carrier_tile(payload, key), col_cell, col_w)
