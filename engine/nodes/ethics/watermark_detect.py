"""Find and read Photoplay's watermark in a run of frames, at any size and crop.

Method
------
1. **Whiten**: each frame's luma minus a bilateral smoothing of itself,
   divided by its local RMS, so the picture (and its strong edges) weighs
   little against the pattern.
2. **Period** (scale): the pattern repeats every TILE_CELLS cells, nominally
   half the frame's short side; a crop makes it up to 1 / (1 - MAX_CROP)
   longer relative to the frame. Candidate periods 1% apart are tried on a few
   frames (resize so the tile is 256 px, fold modulo 256, correlate with pilot
   A by FFT) and the clearest correlation peak wins, refined to 0.25%.
3. **Align**: every frame is folded at that period and cross-correlated with
   pilot A's template; maps summed over +-2 neighbouring frames (H.264 drags
   the pattern along with the picture, but slowly) give the frame's offset
   where their peak is clear, else the offset of all frames together. Frames
   are shifted into place and summed, each weighted by its own peak height.
4. **Read**: each cell of the summed tile is matched against the half-sine
   bump. Data cells give soft coded bits (sum of chip x cell value), decoded by
   soft Viterbi (ecc.py); the 16-bit CRC must check.
5. **Score**: pilot B never takes part in the alignment, so under "no
   watermark for this key" its normalised correlation
   ``z = sum(chip * v) / sqrt(sum(v**2))`` over 128 cells is a Rademacher sum:
   P(z >= t) <= exp(-t**2 / 2) (Hoeffding) for any picture, as the chips are
   independent random signs drawn from the key.

Calibration of the false-positive threshold
-------------------------------------------
``found`` needs z >= SCORE_THRESHOLD *and* the CRC-16 to check. Without this
key's mark, the data chips are uniform random signs independent of pilot B, and
the code is linear, so the decoded 64 bits are uniform: the CRC checks with
probability 2**-16, independently of z. Hence

    P(false positive) <= 2**-16 * exp(-t**2 / 2) = 1.7e-7 at t = 3.0  (<= 1e-6)

per call (a caller scanning k windows multiplies by k). Measured with
``bench/watermark.py --calibrate 600 --frames 25``: 600 reads with random wrong
keys of unmarked 1280x720 clips and of a marked clip re-encoded at CRF 28:
score mean 0.03, std 0.99, max 2.72; none reached 3.0; the CRC passed 0 times
(0.009 expected) -- consistent with the bound, which is what the threshold uses.
Rerun after the embedder began spending the unused PSNR budget (a stronger mark
on textured blocks): mean 0.01, std 0.99, max 2.72, CRC 0/600.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass

import cv2
import numpy as np

from engine.errors import NodeError
from engine.nodes.ethics.ecc import PAYLOAD_BITS, check_payload, conv_encode, viterbi_decode
from engine.nodes.ethics.watermark import (
    MIN_SIDE_PX,
    N_CODED,
    TILE_CELLS,
    carrier_layout,
    cell_px,
    check_key,
)

SCORE_THRESHOLD = 3.0
CANON_CELL_PX = 8
TILE_PX = TILE_CELLS * CANON_CELL_PX  # 256
MAX_CROP = 0.2  # the period search allows up to this fraction of the short side removed
SMOOTH_FRAMES = 2  # correlation maps are summed over +-2 frames
N_SEARCH_FRAMES = 8
FRAME_Z = 6.0  # a single frame's alignment peak is trusted above this
_BUMP = np.sin(np.pi * (np.arange(CANON_CELL_PX) + 0.5) / CANON_CELL_PX)


@dataclass(frozen=True)
class Detection:
    """What detect found.

    found: the score passed SCORE_THRESHOLD and the payload's CRC checked.
    payload: the 48-bit id when found, else None.
    bits: (64,) uint8, the decoded payload bits (48-bit id + CRC-16), found or not.
    bit_confidence: (64,) float64 in [0.5, 1], how sure each decoded bit is.
    coded_soft: (210,) float64, the soft coded bits before error correction
        (positive = 0); their signs are the raw bits.
    score: the pilot-B z-score (about N(0, 1) without a watermark for this key).
    false_positive_p: chance that a video without this key's mark scores this
        high (Gaussian tail), times 2**-16 when the CRC checks.
    period_px: (y, x) tile period found in the frames, px.
    n_frames: frames read.
    """

    found: bool
    payload: int | None
    bits: np.ndarray
    bit_confidence: np.ndarray
    coded_soft: np.ndarray
    score: float
    false_positive_p: float
    period_px: tuple[float, float]
    n_frames: int

    @property
    def raw_bits(self) -> np.ndarray:
        """(210,) uint8 hard coded bits, before error correction."""
        return (self.coded_soft < 0).astype(np.uint8)


def detect(
    frames: Iterable[np.ndarray],
    key: int,
    *,
    max_frames: int = 100,
    threshold: float = SCORE_THRESHOLD,
) -> Detection:
    """Look for the watermark made with ``key`` in a run of frames.

    frames: iterable of (H, W, 3) uint8 RGB frames, the same size, sides >= 64;
        any resolution, crop or re-encode of a marked video (50 frames = 2 s at
        25 fps is plenty). At most max_frames are read.
    key: int >= 0, the key used at embedding.
    threshold: pilot-B score needed; with the CRC check, the default 3.0 keeps
        false positives at or below 1.7e-7 per call (module docstring).

    Raises NodeError when there are no frames or they are not RGB uint8.
    """
    key = check_key(key)
    lumas = _lumas(frames, max_frames)
    # Work where a nominal cell is at most CANON_CELL_PX: the pattern has no finer
    # detail, and large frames get cheap.
    scale = min(1.0, CANON_CELL_PX / cell_px(*lumas[0].shape))
    if scale < 1.0:
        lumas = [
            cv2.resize(y, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) for y in lumas
        ]
    cell = cell_px(*lumas[0].shape)
    residuals = [_highpass(y, cell) for y in lumas]
    spectrum = _pilot_a_spectrum(key)
    period = search_period(residuals, spectrum)
    tiles = [fold(r, period) for r in residuals]
    found = read_tiles(tiles, key, threshold, period)
    return dataclasses.replace(found, period_px=(period[0] / scale, period[1] / scale))


def read_tiles(
    tiles: list[np.ndarray], key: int, threshold: float, period: tuple[float, float]
) -> Detection:
    """Steps 3-5 on folded tiles ((256, 256) float32 each): align, sum, read, score."""
    layout = carrier_layout(key)
    aligned = align_and_sum(tiles, _pilot_a_spectrum(key))
    v = cell_values(aligned).reshape(-1)
    chips = layout.chips
    vb = v[layout.pilot_b]
    score = float(np.dot(chips[layout.pilot_b], vb) / (np.sqrt(np.dot(vb, vb)) + 1e-12))
    soft = np.zeros(N_CODED)
    np.add.at(soft, layout.data_bit, chips[layout.data] * v[layout.data])
    bits = viterbi_decode(soft)
    payload = check_payload(bits)
    p_fp = 0.5 * math.erfc(score / math.sqrt(2.0))
    if payload is not None:
        p_fp *= 2.0**-16
    found = payload is not None and score >= threshold
    return Detection(
        found=found,
        payload=payload if found else None,
        bits=bits,
        bit_confidence=_bit_confidence(soft, bits),
        coded_soft=soft,
        score=score,
        false_positive_p=p_fp,
        period_px=period,
        n_frames=len(tiles),
    )


# ---------------------------------------------------------------- input


def _lumas(frames: Iterable[np.ndarray], max_frames: int) -> list[np.ndarray]:
    lumas = []
    for frame in frames:
        if len(lumas) >= max_frames:
            break
        ok = isinstance(frame, np.ndarray) and frame.dtype == np.uint8 and frame.ndim == 3
        if not ok or frame.shape[2] != 3 or min(frame.shape[:2]) < MIN_SIDE_PX:
            raise NodeError(
                f"watermark detection needs (H, W, 3) uint8 frames with sides >= {MIN_SIDE_PX}, "
                f"got {getattr(frame, 'dtype', type(frame).__name__)} {getattr(frame, 'shape', '')}",
                hint="decode the video to RGB frames first",
            )
        if lumas and frame.shape[:2] != lumas[0].shape:
            raise NodeError(
                f"frames change size: {lumas[0].shape} then {frame.shape[:2]}",
                hint="pass frames of one video stream",
            )
        lumas.append(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY))
    if not lumas:
        raise NodeError("watermark detection got no frames", hint="pass at least one frame")
    return lumas


def _highpass(luma: np.ndarray, cell: float) -> np.ndarray:
    """Content-whitened luma: (H, W) float32.

    Luma minus an edge-preserving (bilateral) smoothing of itself keeps the
    pattern and drops most of the picture; dividing by the local RMS (over about
    a cell) stops strong edges and texture from dominating the correlation.
    """
    y = luma.astype(np.float32)
    d_px = max(3, 2 * int(round(0.6 * cell)) + 1)
    r = y - cv2.bilateralFilter(y, d_px, 20.0, 0.6 * cell)
    rms = np.sqrt(cv2.GaussianBlur(r * r, (0, 0), 0.5 * cell) + 1.0)
    return np.clip(r / rms, -4.0, 4.0)


# ---------------------------------------------------------------- step 1: period


def search_period(residuals: list[np.ndarray], pilot_spec: np.ndarray) -> tuple[float, float]:
    """The tile period in px (same along y and x), by pilot-A correlation over candidates.

    The expected period is TILE_CELLS cells of the frame-relative grid; a crop
    makes it up to 1 / (1 - MAX_CROP) times longer. Candidates 1% apart are
    scored on up to N_SEARCH_FRAMES frames (correlation maps summed), then the
    best is refined at 0.25% steps. A 0.5% scale error shifts the pattern by
    under a quarter cell at the frame edge (64 cells), so 1% steps cannot miss.
    """
    height, width = residuals[0].shape
    expected = TILE_CELLS * cell_px(height, width)
    pick = np.unique(
        np.linspace(0, len(residuals) - 1, min(N_SEARCH_FRAMES, len(residuals))).astype(int)
    )
    some = [residuals[i] for i in pick]

    def peak_z(ratio: float) -> float:
        # The best of: all maps summed (a static pattern) or one frame (an I-frame of
        # a re-encoded pan, where the P-frames lost the pattern).
        period = (expected * ratio, expected * ratio)
        maps = [_corr_map(fold(r, period), pilot_spec) for r in some]
        return max(_peak(np.sum(maps, axis=0))[1], max(_peak(m)[1] for m in maps))

    coarse = np.arange(0.97, 1.0 / (1.0 - MAX_CROP) + 0.005, 0.01)
    best = max(coarse, key=peak_z)
    fine = best + np.array([-0.0075, -0.005, -0.0025, 0.0, 0.0025, 0.005, 0.0075])
    best = max(fine, key=peak_z)
    return expected * best, expected * best


# ---------------------------------------------------------------- step 2: fold


def fold(residual: np.ndarray, period: tuple[float, float]) -> np.ndarray:
    """Resize so the tile is 256 px and fold modulo 256: (256, 256) float32."""
    fy, fx = TILE_PX / period[0], TILE_PX / period[1]
    interp = cv2.INTER_AREA if fx * fy < 1.0 else cv2.INTER_LINEAR
    r = cv2.resize(residual, None, fx=fx, fy=fy, interpolation=interp)
    h, w = r.shape
    ny, nx = -(-h // TILE_PX), -(-w // TILE_PX)
    padded = np.zeros((ny * TILE_PX, nx * TILE_PX), dtype=np.float32)
    padded[:h, :w] = r
    return padded.reshape(ny, TILE_PX, nx, TILE_PX).sum(axis=(0, 2))


# ---------------------------------------------------------------- step 3: align


def _corr_map(tile: np.ndarray, pilot_spec: np.ndarray) -> np.ndarray:
    """C[o] = sum_i tile[i] T[i + o], cyclic: (256, 256) float64."""
    return np.fft.irfft2(np.conj(np.fft.rfft2(tile)) * pilot_spec, s=(TILE_PX, TILE_PX))


@functools.lru_cache(maxsize=16)
def _pilot_a_spectrum(key: int) -> np.ndarray:
    """rfft2 of pilot A's template: chips x bumps on the (256, 256) canonical tile."""
    layout = carrier_layout(key)
    cells = np.zeros(TILE_CELLS * TILE_CELLS)
    cells[layout.pilot_a] = layout.chips[layout.pilot_a]
    cells = cells.reshape(TILE_CELLS, TILE_CELLS)
    bump2 = np.outer(_BUMP, _BUMP)
    template = np.kron(cells, bump2)
    return np.fft.rfft2(template)


def align_and_sum(tiles: list[np.ndarray], pilot_spec: np.ndarray) -> np.ndarray:
    """Shift each folded tile onto the pilot and sum: (256, 256) float64.

    A tile F holds the pattern at an unknown cyclic offset o: F[i] ~ P[i + o].
    The correlation C[o] = sum_i F[i] T[i + o] peaks there; np.roll(F, o) puts
    the pattern back at P's coordinates. A frame takes its own offset (maps
    summed over +-2 frames, to follow a pattern H.264 drags along) where that
    peak is clear (z >= FRAME_Z), else the offset of all frames' maps summed.
    """
    maps = [_corr_map(t, pilot_spec) for t in tiles]
    overall, z_all = _peak(np.sum(maps, axis=0))
    total = np.zeros((TILE_PX, TILE_PX))
    for i, tile in enumerate(tiles):
        offset, z = _peak(np.sum(maps[max(0, i - SMOOTH_FRAMES) : i + SMOOTH_FRAMES + 1], axis=0))
        if z < FRAME_Z:
            offset = overall
        # Weight each frame by how clearly it shows the pilot at that offset (the
        # I-frame of a re-encoded pan outweighs P-frames that lost the pattern).
        z_here = (maps[i][offset] - maps[i].mean()) / (maps[i].std() + 1e-12)
        total += max(z_here, 0.5) * np.roll(tile, offset, axis=(0, 1))
    return total


def _peak(corr: np.ndarray) -> tuple[tuple[int, int], float]:
    """Argmax of a correlation map and its height in standard deviations."""
    k = np.unravel_index(np.argmax(corr), corr.shape)
    z = (corr[k] - corr.mean()) / (corr.std() + 1e-12)
    return (int(k[0]), int(k[1])), float(z)


# ---------------------------------------------------------------- step 4: read


def cell_values(tile: np.ndarray) -> np.ndarray:
    """Matched filter of each cell of an aligned (256, 256) tile: (32, 32) float64."""
    t = tile.reshape(TILE_CELLS, CANON_CELL_PX, TILE_CELLS, CANON_CELL_PX)
    return np.einsum("aibj,i,j->ab", t, _BUMP, _BUMP)


def _bit_confidence(soft: np.ndarray, bits: np.ndarray) -> np.ndarray:
    """(64,) in [0.5, 1]: how strongly the coded bits each payload bit drives agree with it."""
    agree = soft * (1.0 - 2.0 * conv_encode(bits).astype(np.float64))
    sigma = float(np.std(agree)) + 1e-12
    per_step = agree.reshape(-1, 3).sum(axis=1)  # one value per trellis step
    conf = np.empty(PAYLOAD_BITS)
    for i in range(PAYLOAD_BITS):
        window = per_step[i : i + 7]  # a bit drives the outputs of its step and the 6 after
        z = window.sum() / (sigma * math.sqrt(3 * len(window)))
        conf[i] = 1.0 - 0.5 * math.erfc(z / math.sqrt(2.0))
    return np.clip(conf, 0.5, 1.0)
