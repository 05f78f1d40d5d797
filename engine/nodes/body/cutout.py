"""The person cut out of a photo, and the photo's background with the person removed.

When the body moves, the pixels it leaves behind must show background. Smooth
inpainting alone (Telea, push-pull) smears a flag or a wall into streaks, so the fill
reflects the background just outside the hole into it, as in a mirror, near the
hole's edge, and uses a smooth Telea inpaint (at reduced resolution, fast over large
holes) deeper inside and where the mirror has nothing to show (it lands in the hole
or off the photo). Only background pixels ever feed the fill.
"""

from __future__ import annotations

import cv2
import numpy as np

from engine.errors import NodeError
from engine.nodes.body.image import as_rgb

WORK_PX = 256  # long side of the reduced image the colours are inpainted at
ALPHA_LOW, ALPHA_HIGH = 0.35, 0.65  # mask values mapped to alpha 0 and 1
MIRROR_SMOOTH_PX = 4.0  # blur of the mirror displacement field
MIRROR_FEATHER_PX = 3.0  # blend width between mirrored texture and smooth fill
# The mirror reaches this fraction of the long side into the hole, then fades into the
# smooth fill over as much again: deeper, a mirror copies whole objects next to the
# person (a helmet on a table, a flag's stripe) into a ghost of themselves.
MIRROR_REACH_FRAC = 0.03


def _check_mask(mask: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    mask = np.asarray(mask, np.float32)
    if mask.shape != hw:
        raise NodeError(
            f"person mask should be {hw[0]}x{hw[1]} like the photo, but got shape {mask.shape}",
            hint="pass the mask of the same photo (Pose.mask)",
        )
    return np.clip(mask, 0.0, 1.0)


def _disk(radius_px: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius_px + 1, 2 * radius_px + 1))


def person_cutout(
    image: np.ndarray,
    mask: np.ndarray,
    *,
    erode_px: int | None = None,
    feather_px: float | None = None,
) -> np.ndarray:
    """The person on a transparent background, with a soft edge pulled slightly inwards.

    Args:
        image: (H, W, 3) uint8 RGB, or (H, W) greyscale.
        mask: (H, W) float in [0, 1], the person's mask (``Pose.mask``).
        erode_px: how far the edge moves inwards, px (default ~0.4% of the long side),
            so that no background halo rides along with the body.
        feather_px: Gaussian softness of the edge, px (default ~0.4% of the long side).

    Returns:
        (H, W, 4) uint8 RGBA, straight (not premultiplied) alpha.
    """
    rgb = as_rgb(image)
    h, w = rgb.shape[:2]
    # The model's mask fades slowly into the background (0.2-0.4 over nearby clutter):
    # a contrast ramp keeps the confident part and drops that haze.
    alpha = np.clip((_check_mask(mask, (h, w)) - ALPHA_LOW) / (ALPHA_HIGH - ALPHA_LOW), 0, 1)
    long_px = max(h, w)
    erode_px = max(1, round(0.004 * long_px)) if erode_px is None else int(erode_px)
    feather_px = max(1.0, 0.004 * long_px) if feather_px is None else float(feather_px)
    # Grey-scale erosion (a running minimum) moves the whole soft edge inwards.
    if erode_px > 0:
        alpha = cv2.erode(alpha, _disk(erode_px))
    if feather_px > 0:
        alpha = cv2.GaussianBlur(alpha, (0, 0), feather_px)
    rgba = np.empty((h, w, 4), np.uint8)
    rgba[:, :, :3] = rgb
    rgba[:, :, 3] = np.round(alpha * 255.0).astype(np.uint8)
    return rgba


def background_hole(
    mask: np.ndarray, *, threshold: float = 0.2, dilate_px: int | None = None
) -> np.ndarray:
    """The region ``fill_background`` repaints: the mask, thresholded and dilated.

    Dilation also covers the mask's uncertain edge and the person's contact shadow.

    Args:
        mask: (H, W) float in [0, 1].
        threshold: mask value from which a pixel counts as person.
        dilate_px: growth of the region, px (default ~1.5% of the long side).

    Returns:
        (H, W) bool.
    """
    mask = np.asarray(mask, np.float32)
    dilate_px = max(2, round(0.015 * max(mask.shape))) if dilate_px is None else int(dilate_px)
    hole = (mask > threshold).astype(np.uint8)
    if dilate_px > 0:
        hole = cv2.dilate(hole, _disk(dilate_px))
    return hole.astype(bool)


def _inpaint_colours(rgb: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """Smooth colours over ``hole``: Telea inpainting at reduced size, upsampled (float32)."""
    h, w = hole.shape
    scale = min(1.0, WORK_PX / max(h, w))
    small_hw = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = cv2.resize(rgb, small_hw, interpolation=cv2.INTER_AREA)
    # Any hole pixel under a small pixel makes it a hole pixel (no person colour leaks).
    small_hole = cv2.resize(hole.astype(np.float32), small_hw, interpolation=cv2.INTER_AREA) > 0
    small_hole = cv2.dilate(small_hole.astype(np.uint8), _disk(1))
    filled = cv2.inpaint(small, small_hole, 5, cv2.INPAINT_TELEA)
    return cv2.resize(filled, (w, h), interpolation=cv2.INTER_CUBIC).astype(np.float32)


def _mirrored_colours(rgb: np.ndarray, hole: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The background just outside ``hole`` reflected into it across its edge.

    Each hole pixel p reads the colour at 2q - p, q being its nearest background pixel,
    so textures (a flag, a wall, foliage) continue inwards as in a mirror instead of
    being smeared. The displacement field is smoothed so that neighbouring pixels read
    neighbouring sources (no jagged seams where the nearest edge changes).

    Returns:
        Colours (H, W, 3) float32 and their weight (H, W) float32 in [0, 1]: 0 where the
        mirror lands in the hole or off the image, feathered next to such places.
    """
    img = rgb.astype(np.float32)
    # Nearest background pixel of every pixel: label the background pixels, then look
    # up each label's coordinates.
    dist_px, labels = cv2.distanceTransformWithLabels(
        hole.astype(np.uint8), cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL
    )
    bg_y, bg_x = np.nonzero(~hole)
    label_x = np.zeros(labels.max() + 1, np.float32)
    label_y = np.zeros(labels.max() + 1, np.float32)
    label_x[labels[bg_y, bg_x]] = bg_x
    label_y[labels[bg_y, bg_x]] = bg_y
    yy, xx = np.indices(hole.shape, dtype=np.float32)
    dx = cv2.GaussianBlur(2.0 * (label_x[labels] - xx), (0, 0), MIRROR_SMOOTH_PX)
    dy = cv2.GaussianBlur(2.0 * (label_y[labels] - yy), (0, 0), MIRROR_SMOOTH_PX)
    src_x, src_y = xx + dx, yy + dy
    colours = cv2.remap(img, src_x, src_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    background = (~hole).astype(np.float32)
    valid = cv2.remap(background, src_x, src_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    valid = (valid > 0.99).astype(np.float32)
    # Fade towards the smooth fill next to invalid sources, never across them.
    weight = cv2.GaussianBlur(valid, (0, 0), MIRROR_FEATHER_PX) * valid
    reach_px = max(2.0, MIRROR_REACH_FRAC * max(hole.shape))
    weight *= np.clip(2.0 - dist_px / reach_px, 0.0, 1.0)
    return colours, weight


def fill_background(
    image: np.ndarray, mask: np.ndarray, *, threshold: float = 0.2, dilate_px: int | None = None
) -> np.ndarray:
    """The photo with the person removed and the background continued over them.

    Pixels outside ``background_hole(mask, threshold, dilate_px)`` are returned
    unchanged; inside, the background mirrored in from the hole's edge, blended into
    a smooth inpaint where the mirror has nothing to show.

    Args:
        image: (H, W, 3) uint8 RGB, or (H, W) greyscale.
        mask: (H, W) float in [0, 1], the person's mask (``Pose.mask``).

    Returns:
        (H, W, 3) uint8 RGB.
    """
    rgb = as_rgb(image)
    _check_mask(mask, rgb.shape[:2])
    hole = background_hole(mask, threshold=threshold, dilate_px=dilate_px)
    if not hole.any():
        return rgb.copy()
    smooth = _inpaint_colours(rgb, hole)
    mirrored, weight = _mirrored_colours(rgb, hole)
    weight = weight[:, :, None]
    filled = np.clip(weight * mirrored + (1.0 - weight) * smooth, 0, 255)
    out = rgb.copy()
    out[hole] = np.round(filled[hole]).astype(np.uint8)
    return out


REFINE_WORK_PX = 256  # long side GrabCut runs at
REFINE_CORE_MASK = 0.9  # mask level of the sure-person core...
REFINE_CORE_ERODE_FRAC = 0.04  # ...eroded by this fraction of the long side
REFINE_BAND_FRAC = 0.03  # beyond the mask's 0.5 level by this much is sure background
REFINE_ITERATIONS = 5


def refine_person_mask(
    image: np.ndarray, mask: np.ndarray, *, seed: int = 0, bones: np.ndarray | None = None
) -> np.ndarray:
    """The person mask with things the person holds or sits behind cut away, (H, W) float32.

    The pose model's mask is generous at its edge: an object in the lap (a helmet),
    a flag behind a shoulder, read as person up to ~50 px wide. A rig that meshes
    them drags them along with the arm. GrabCut (colour models of person and
    background, graph cut along colour edges) decides that uncertain band: the
    mask's confident core (``REFINE_CORE_MASK``, eroded) is sure person, well
    outside the 0.5 level is sure background, everything between goes to whichever
    colour model fits. Run at ``REFINE_WORK_PX`` and multiplied into the mask, so the
    mask's soft edge is kept where GrabCut agrees with it.

    Args:
        image: (H, W, 3) uint8 RGB, or (H, W) greyscale.
        mask: (H, W) float in [0, 1], the person's mask (``Pose.mask``).
        seed: OpenCV's k-means initialisation of the colour models (deterministic).
        bones: (K, 2, 2) px segments of the skeleton that are surely person (a full
            body's legs): drawn into the sure core where the mask has them. Thin legs
            have no core of their own once eroded, and blue jeans in front of a blue
            bus went to the background's colour model, legs and all.

    Returns:
        (H, W) float32 in [0, 1], never above ``mask``.
    """
    rgb = as_rgb(image)
    h, w = rgb.shape[:2]
    mask = _check_mask(mask, (h, w))
    scale = min(1.0, REFINE_WORK_PX / max(h, w))
    small_wh = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = cv2.resize(rgb, small_wh, interpolation=cv2.INTER_AREA)
    small_mask = cv2.resize(mask, small_wh, interpolation=cv2.INTER_AREA)
    person = (small_mask > 0.5).astype(np.uint8)
    core_r = max(1, round(REFINE_CORE_ERODE_FRAC * max(small_wh)))
    band_r = max(1, round(REFINE_BAND_FRAC * max(small_wh)))
    core = cv2.erode((small_mask > REFINE_CORE_MASK).astype(np.uint8), _disk(core_r)) > 0
    if bones is not None and len(bones):
        lines = np.zeros_like(person)
        for a, b in np.asarray(bones, np.float64) * scale:
            cv2.line(lines, tuple(map(round, a)), tuple(map(round, b)), 1, max(1, core_r))
        core |= (lines > 0) & (person > 0)
    if core.sum() < 20 or person.sum() == person.size:
        return mask  # nothing sure to learn the person's colours from, or nothing else
    gc = np.where(person > 0, cv2.GC_PR_FGD, cv2.GC_PR_BGD).astype(np.uint8)
    gc[core] = cv2.GC_FGD
    gc[cv2.dilate(person, _disk(band_r)) == 0] = cv2.GC_BGD
    if not (gc == cv2.GC_BGD).any():
        return mask
    bgd_model = np.zeros((1, 65), np.float64)
    fgd_model = np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(seed)  # GrabCut seeds its k-means from OpenCV's (thread-local) RNG
    cv2.grabCut(small[..., ::-1].copy(), gc, None, bgd_model, fgd_model, REFINE_ITERATIONS,
                cv2.GC_INIT_WITH_MASK)  # fmt: skip
    keep = np.isin(gc, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.float32)
    keep = cv2.resize(keep, (w, h), interpolation=cv2.INTER_LINEAR)
    # A soft edge one small pixel wide, then never above the model's own mask.
    return np.minimum(mask, np.clip((keep - 0.25) / 0.5, 0.0, 1.0)).astype(np.float32)
