"""The body under an arm, painted with the torso's own cloth (the rig's underlay plate).

When an arm moves off the torso, what it covered must read as more of the same
shirt or suit: its colour, its shading, its folds. Three steps:

1. *Cloth pixels*: torso pixels of the torso's dominant hue (Lab hue angle, from a
   chroma-weighted histogram of torso and arms). Lightness is free (folds and
   light), hue tells cloth from a badge, a strap, a neck ring or the background.
2. *Base*: the cloth's local mean colour (normalised Gaussian over cloth pixels
   only), inpainted (Telea, at reduced size) over everything else, so the fill
   continues the cloth's shading next to it.
3. *Texture*: the cloth's high-pass detail (photo minus base) copied in from a
   nearby cloth patch of the hole's own shape (the shift that covers most of the
   hole with cloth, found by correlation; up to ``MAX_PATCHES`` shifts), scaled to
   the detail energy of the cloth around the hole.
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy.signal import fftconvolve

from engine.nodes.rig import parts

WORK_PX = 256  # long side of the reduced image the base is inpainted at
HUE_TOL_DEG = 12.0  # hue angle from the cloth's dominant hue that still counts as cloth
MIN_CHROMA = 12.0  # Lab chroma below which hue means nothing (greys, whites, blacks)
BASE_SIGMA_FRAC = 0.012  # Gaussian of the base colour, of the long side
SHIFT_WORK_PX = 128  # long side of the grid the patch shifts are searched on
MAX_PATCHES = 6
PATCH_FEATHER_PX = 2.0
EDGE_DETAIL_MADS = 4.0  # detail stronger than this many robust deviations is an edge
RING_FRAC = 0.05  # the cloth around the hole the detail energy is matched to


def _hue_chroma(photo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lab hue angle (degrees) and chroma of every pixel, (H, W) float32 each."""
    lab = cv2.cvtColor(photo, cv2.COLOR_RGB2LAB).astype(np.float32)
    a, b = lab[..., 1] - 128.0, lab[..., 2] - 128.0
    return np.degrees(np.arctan2(b, a)), np.hypot(a, b)


def cloth_pixels(photo: np.ndarray, region: np.ndarray, votes: np.ndarray) -> np.ndarray:
    """(H, W) bool: pixels of ``region`` in the dominant hue of the ``votes`` pixels.

    The hue histogram (5-degree bins, chroma-weighted, circularly smoothed) of the
    ``votes`` pixels peaks at the cloth; a median would land between cloth and badge.
    """
    hue, chroma = _hue_chroma(photo)
    sel = votes & (chroma > MIN_CHROMA)
    if sel.sum() < 50:
        return np.zeros_like(region)
    hist, edges = np.histogram(hue[sel], bins=72, range=(-180.0, 180.0), weights=chroma[sel])
    hist = np.convolve(np.concatenate([hist[-2:], hist, hist[:2]]), np.ones(5), "valid")
    mode = 0.5 * (edges[np.argmax(hist)] + edges[np.argmax(hist) + 1])
    d_hue = np.abs((hue - mode + 180.0) % 360.0 - 180.0)
    cloth = region & (d_hue < HUE_TOL_DEG) & (chroma > MIN_CHROMA)
    # Specks of cloth hue inside a badge or a strap's shadow are not cloth.
    return cv2.morphologyEx(cloth.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)) > 0


def _base(photo: np.ndarray, cloth: np.ndarray) -> np.ndarray:
    """(H, W, 3) float32 cloth colour without its texture, continued over non-cloth."""
    h, w = cloth.shape
    sigma = max(1.0, BASE_SIGMA_FRAC * max(h, w))
    c = cloth.astype(np.float32)
    weight = cv2.GaussianBlur(c, (0, 0), sigma)
    mean = cv2.GaussianBlur(photo.astype(np.float32) * c[..., None], (0, 0), sigma)
    mean /= np.maximum(weight, 1e-6)[..., None]
    scale = min(1.0, WORK_PX / max(h, w))
    small_wh = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = cv2.resize(
        np.clip(mean, 0, 255).astype(np.uint8), small_wh, interpolation=cv2.INTER_AREA
    )
    # A small pixel is known only where the cloth weight is solid (no non-cloth mixed in).
    known = cv2.resize(weight, small_wh, interpolation=cv2.INTER_AREA) > 0.5
    filled = cv2.inpaint(small, (~known).astype(np.uint8), 5, cv2.INPAINT_TELEA)
    filled = cv2.GaussianBlur(filled.astype(np.float32), (0, 0), 1.5)
    up = cv2.resize(filled, (w, h), interpolation=cv2.INTER_CUBIC)
    solid = np.clip(2.0 * weight - 0.5, 0.0, 1.0)[..., None]  # keep the exact mean where known
    return solid * mean + (1.0 - solid) * up


def _best_shift(todo: np.ndarray, donor: np.ndarray) -> tuple[int, int, int]:
    """(dy, dx) px on the reduced grid moving most of ``todo`` onto ``donor``, and the count.

    The donor never holds the hole (an arm's own texture would ghost it).
    """
    t = todo.astype(np.float32)
    score = fftconvolve(donor.astype(np.float32), t[::-1, ::-1], mode="full")
    iy, ix = np.unravel_index(int(np.argmax(np.round(score))), score.shape)
    return iy - (t.shape[0] - 1), ix - (t.shape[1] - 1), int(round(score[iy, ix]))


def _shifted(img: np.ndarray, dy: float, dx: float) -> np.ndarray:
    """``img`` read at (y + dy, x + dx), zero outside."""
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    return cv2.warpAffine(img, m, img.shape[1::-1], flags=flags, borderValue=0)


def _texture(detail: np.ndarray, donor: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """(H, W, 3) float32 detail for the hole pixels, copied from donor patches.

    Each connected piece of the hole (one per arm) gets its own shifts.
    """
    h, w = hole.shape
    scale = min(1.0, SHIFT_WORK_PX / max(h, w))
    small_wh = (max(1, round(w * scale)), max(1, round(h * scale)))
    small_donor = cv2.resize(donor.astype(np.float32), small_wh, cv2.INTER_AREA) > 0.999
    small_hole = cv2.resize(hole.astype(np.float32), small_wh, cv2.INTER_AREA) > 0
    n_pieces, pieces = cv2.connectedComponents(small_hole.astype(np.uint8), connectivity=8)
    out = np.zeros((h, w, 3), np.float32)
    got = np.zeros((h, w), np.float32)
    donor_f = donor.astype(np.float32)
    for piece in range(1, n_pieces):
        todo = pieces == piece
        # The piece at full size: its own pixels take its own patches.
        mine = hole & (cv2.resize(todo.astype(np.uint8), (w, h), cv2.INTER_NEAREST) > 0)
        for _ in range(MAX_PATCHES):
            if todo.sum() == 0:
                break
            dy, dx, count = _best_shift(todo, small_donor)
            if count < 0.05 * todo.sum():
                break
            dy_px, dx_px = dy / scale, dx / scale
            src = _shifted(donor_f, dy_px, dx_px)
            # Feathered inside the donor, so patches meet without a hard seam.
            src = np.minimum(src, cv2.GaussianBlur(src, (0, 0), PATCH_FEATHER_PX))
            valid = np.minimum(src, 1.0 - got) * mine
            out += _shifted(detail, dy_px, dx_px) * valid[..., None]
            got += valid
            todo &= ~(_shifted(small_donor.astype(np.float32), dy, dx) > 0.999)
    return out


def paint_under_arms(photo: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The photo with the arm pixels painted over with the torso's own cloth (H, W, 3) uint8.

    Args:
        photo: (H, W, 3) uint8 RGB.
        labels: (H, W) int8 part of each pixel (``parts.segment_parts``), -1 outside.

    Returns:
        (H, W, 3) uint8: ``photo`` outside the arms (grown by 2 px), cloth inside.
    """
    arms = np.isin(labels, (parts.L_ARM, parts.R_ARM))
    if not arms.any():
        return photo.copy()
    h, w = arms.shape
    hole = cv2.dilate(arms.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    # Eroded: the silhouette's grown rim holds background colours (a flag's red).
    torso = cv2.erode((labels == parts.TORSO).astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    torso &= ~hole
    cloth = cloth_pixels(photo, torso, torso | arms)
    if cloth.sum() < 50:
        cloth = torso if torso.sum() >= 50 else labels < 0  # no cloth to read: as before
    if cloth.sum() < 50:
        return photo.copy()
    base = _base(photo, cloth)
    detail = photo.astype(np.float32) - base
    # Detail is read only well inside the cloth and where it is fold-sized (a badge's
    # or a strap's edge is not a fold).
    donor = cv2.erode(cloth.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    strength = np.abs(detail).max(axis=-1)
    if donor.sum() > 50:
        limit = EDGE_DETAIL_MADS * 1.4826 * np.median(strength[donor])
        edge = cv2.dilate((strength > limit).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
        donor &= ~edge
    texture = _texture(detail * donor[..., None], donor, hole)
    ring_px = max(3, round(RING_FRAC * max(h, w)))
    ring = donor & (cv2.dilate(hole.astype(np.uint8), np.ones((ring_px,) * 2, np.uint8)) > 0)
    filled_px = hole & (np.abs(texture).sum(-1) > 0)
    if ring.sum() > 20 and filled_px.sum() > 20:
        gain = detail[ring].std(axis=0) / np.maximum(texture[filled_px].std(axis=0), 1e-3)
        texture *= np.clip(gain, 0.5, 2.0)
    out = photo.copy()
    out[hole] = np.clip(np.round(base[hole] + texture[hole]), 0, 255).astype(np.uint8)
    return out
