"""Photoplay's invisible video watermark: the keyed carrier shared by embedder and detector.

Method (spread spectrum on a coarse, frame-relative grid)
---------------------------------------------------------
The frame is cut into square cells, ``CELLS_PER_SHORT_SIDE`` along its shorter
side (11.25 px on a 1280x720 frame, 5.6 px on 360x360), so the pattern scales
with the picture and survives a 0.5x downscale. Cells are grouped in tiles of
``TILE_CELLS`` x ``TILE_CELLS`` that repeat over the whole frame, so a crop only
shifts the tile cyclically. Within a tile a key picks, by a seeded permutation:

- 256 cells of pilot A: known +-1 chips, used to find each frame's alignment;
- 128 cells of pilot B: known +-1 chips, used only to score the detection, so
  the score is not biased by the alignment search (see watermark_detect);
- 640 data cells: chip x (+1 for a coded 0, -1 for a coded 1) of the 210 bits
  of the convolutionally coded payload (ecc.py), each coded bit in 3-4 cells.

Every cell adds a half-sine bump ``sin(pi u) sin(pi v)`` (u, v in [0, 1] across
the cell) times its sign to the luma, scaled by a perceptual mask
(watermark_embed). The same pattern is added to every frame: a fixed pattern
is what H.264's motion-compensated coding keeps best, and it lets the detector
read any window of frames without knowing where it starts.

Why 64 cells, measured (x264 CRF 28, preset medium, default GOP, camera
panning 1 px/frame with a 0.1%/frame zoom, 90-frame clips, windows of 50
frames; pilot-B score, 3.0 needed):

- 640x360, 64 cells (5.6 px): windows 0-50 / 20-70 / 40-90 scored 6.6 / 6.0 /
  6.1 (astronaut), 8.0 / 6.4 / 4.5 (coffee), 7.8 / 6.1 / 5.1 (chelsea): found in
  all, P/B-frame-only windows included. 32 cells: 5.9 / 4.7 / 4.5 and 5.6 /
  5.2 / 5.2, with raw bit accuracy down from ~0.88 to ~0.78; two windows lost.
- 1280x720, 64 cells: 6.3 / 4.2 / 3.6 (astronaut), 4.6 / 3.3 / 3.8 (coffee);
  48 cells: 5.6 / 4.1 (lower). 40 and 32 cells were not found at all (tile as
  tall as the frame: one copy per frame to fold, and the detector's period
  search lost it). Per frame, the pattern at its fixed place keeps a pilot
  z of 4-7 in P/B frames against 10-11 in the I-frame: x264 keeps refreshing
  it, so larger cells buy no survival here and cost averaging.
- Weak spots (bench/watermark.py, 50-frame 720p clips): 720p marked, downscaled
  to 0.5x, *then* CRF 28 is read in 2 of 3 clips (pilot-B z 4.9 / 3.05 / 3.1
  for astronaut / coffee / chelsea; chelsea's CRC fails), as is a CRF 28
  window without its I-frame (z 5.0 / 3.0 / 3.2). The 5.6 px cells coded at
  360p barely survive, while marking at 360p directly survives. Fixed since by
  spending the unused PSNR budget (frames went out at 42.8-45 dB against a
  40.5 dB floor; now ~41 dB, watermark_embed): z 5.6 / 5.3 / 5.7 and 6.8 /
  6.2 / 6.1, all three found in both.

A second, coarser carrier was tried and does not help (third pass): 32 cells
on the short side (22.5 px at 720p, 11 px after 0.5x) in 16 x 16-cell tiles,
so both layers share the period (half the short side) and origin; its own
keyed pilots (64 A, 32 B) and 160 data cells (the code punctured), read at
half size with its own whitening; soft bits combined with the fine layer's
(weighted by each layer's estimated SNR, the scores by expected z), or either
layer alone, each needing CRC + score. Measured on the same clips:

- the coarse layer alone (the whole PSNR budget, read at the known period),
  untouched: z 3.0 / 4.6 / 1.9, against 8-10 for the fine layer: a quarter as
  many cells to average, and a coarser residual keeps more of the picture;
- at CRF 28 + 0.5x it scored -0.7 / 3.4 / 0.6 (fine alone: 4.9 / 3.05 /
  3.1); in the window without the I-frame 1.5 / 4.2 / 0.2 (fine: 5.0 / 3.0 /
  3.2): larger cells survive x264 no better, as with 32-cell tiles before;
- sharing the budget, 35% of the power coarse: found 0/3 at CRF 28 + 0.5x and
  1/3 without the I-frame (the fine z fell from 4.9 to 3.8 and from 3.05 to
  0.5); 15% coarse: 1/3 and 2/3. x264's dead-zone quantiser drops weak
  coefficients, so power taken from the fine layer costs it more than its
  share, and what the coarse layer gets is too weak to read. Embedding went
  from 3.1 to 4.0 ms/frame, detection up 15%.

So the mark stays one layer at full power.

Small frames (issue 11, item 16; ``bench/watermark.py --sizes``, the three
clips written as the renderer writes them, CRF 20 veryfast, then attacked):
the mark is limited there by the picture, not by the codec. A default
re-encode at the same size (libx264 CRF 23, preset medium) is read in 3/3 clips
from 256x144 (2.25-px cells) up, at pilot-B z 4.6-6.1 at 256x144 and 7.9-8.5 at
720p; at 192x128 in 2/3 (astronaut z 3.0). A floor on the cell size was tried
(cells >= 3, 3.5, 4 or 4.5 px, so a 256x144 frame gets 32-48 cells on its short
side, the detector searching the wider period range): at 256x144 it lowered the
score as written (z 7.1 / 8.1 / 7.6 with 2.25-px cells; 5.0 / 6.2 / 5.4 with 4-px
cells) and after CRF 23 (4.6 / 5.7 / 6.1 against -0.5 / 5.2 / 4.8, 1/3 found), and
CRF 28 stayed at 0/3 whatever the floor. With the PSNR budget fixed, the mark's
energy per tile cell does not depend on the cell size, but larger cells give the
picture fewer independent samples to average out, and a small frame barely moves
under the pattern; the floor was not kept. What does not hold on small frames:
CRF 28 below 456x256 (0/3 at 256x144, 0-1/3 at 320x320 between runs), and a 0.5x downscale of a
render whose short side is under 360 px (cells under 2.8 px after it): 0/3 at
256x144 -> 128x72, 1/3 at 320x320 -> 160x160, 2/3 at 456x256 -> 228x128.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from engine.errors import NodeError
from engine.nodes.ethics.ecc import ID_BITS, coded_len, conv_encode, payload_bits

CELLS_PER_SHORT_SIDE = 64
TILE_CELLS = 32
N_PILOT_A = 256
N_PILOT_B = 128
N_CODED = coded_len(ID_BITS + 16)  # 210
MIN_SIDE_PX = 64  # below this a cell is under 1 px


@dataclass(frozen=True)
class CarrierLayout:
    """Where pilots and data sit in a tile, for one key.

    All index arrays are flat indices into the (TILE_CELLS, TILE_CELLS) tile.
    chips: (TILE_CELLS**2,) float64 of +-1.
    data_bit: (n_data,) int64, the coded bit each data cell carries.
    """

    pilot_a: np.ndarray
    pilot_b: np.ndarray
    data: np.ndarray
    data_bit: np.ndarray
    chips: np.ndarray


def check_key(key: int) -> int:
    """Keys are non-negative ints (a seed); raise NodeError otherwise."""
    if isinstance(key, bool) or not isinstance(key, int | np.integer) or key < 0:
        raise NodeError(
            f"watermark key must be a non-negative int, got {key!r}",
            hint="pass the project's watermark seed, e.g. key=7",
        )
    return int(key)


def check_payload_id(payload_id: int) -> int:
    """Payload ids are ints in [0, 2**48); raise NodeError otherwise."""
    ok = isinstance(payload_id, int | np.integer) and not isinstance(payload_id, bool)
    if not ok or not 0 <= payload_id < (1 << ID_BITS):
        raise NodeError(
            f"watermark payload must be an int in [0, 2**48), got {payload_id!r}",
            hint="use the 48-bit id of the provenance record",
        )
    return int(payload_id)


@functools.lru_cache(maxsize=64)
def carrier_layout(key: int) -> CarrierLayout:
    """The keyed tile layout (pure function of key; cached)."""
    rng = np.random.default_rng([check_key(key), 0x57A7E4])
    n_cells = TILE_CELLS * TILE_CELLS
    perm = rng.permutation(n_cells)
    chips = rng.choice(np.array([-1.0, 1.0]), size=n_cells)
    data = perm[N_PILOT_A + N_PILOT_B :]
    # Each coded bit gets floor or ceil of n_data / N_CODED cells, at keyed places.
    data_bit = rng.permutation(np.arange(len(data)) % N_CODED)
    return CarrierLayout(
        pilot_a=np.sort(perm[:N_PILOT_A]),
        pilot_b=np.sort(perm[N_PILOT_A : N_PILOT_A + N_PILOT_B]),
        data=data,
        data_bit=data_bit,
        chips=chips,
    )


@functools.lru_cache(maxsize=64)
def carrier_tile(payload_id: int, key: int) -> np.ndarray:
    """The signed tile to embed: (TILE_CELLS, TILE_CELLS) int8 of +-1."""
    layout = carrier_layout(key)
    code = conv_encode(payload_bits(check_payload_id(payload_id)))
    signs = layout.chips.copy()
    signs[layout.data] *= 1.0 - 2.0 * code[layout.data_bit]
    tile = signs.astype(np.int8).reshape(TILE_CELLS, TILE_CELLS)
    tile.flags.writeable = False
    return tile


def cell_px(height: int, width: int) -> float:
    """Cell size in px for a frame of this size (frame-relative grid)."""
    return min(height, width) / CELLS_PER_SHORT_SIDE


def axis_cells(n_px: int, cell: float) -> tuple[np.ndarray, np.ndarray]:
    """For each pixel along one axis: its tile cell index and its half-sine weight.

    Returns (n_px,) int64 cell index in [0, TILE_CELLS) and (n_px,) float64 in (0, 1].
    Pixel centres sit at i + 0.5.
    """
    pos = (np.arange(n_px) + 0.5) / cell  # in cells
    idx = np.floor(pos).astype(np.int64)
    weight = np.sin(np.pi * (pos - idx))
    return idx % TILE_CELLS, weight
