"""Where the texts of a shot go: clear of the faces, of each other, and of a platform's UI.

A shot draws up to three kinds of text over its picture: the disclosure label
(every frame), a title, and burned captions. This module chooses their boxes,
in frame px, from what the renderer knows: where each face is on each frame
(``faces``: the cast's forehead-to-chin boxes through the camera, grown by
``FACE_GROW`` for head motion), how big each text block is, and the frame's
aspect.

- **Platform bands.** A vertical video (height / width >= ``VERTICAL_ASPECT``,
  9:16 and taller) is watched full screen in apps that draw their own UI over
  the top (``BAND_TOP`` of the height: status bar, tabs) and the bottom
  (``BAND_BOTTOM``: description, buttons): no text goes there.
- **The label** sits where the scene put it, at its margin from the edge, on
  every frame of the video: ``photoplay qc`` and a viewer look for it there, so
  it is the one text a vertical video's bands may cover (the camera frames the
  faces away from it). The others keep clear of it.
- **A title** keeps its position when that is free of faces and the label, else
  takes the first free of top and bottom.
- **Captions** are placed per cue, over the frames the cue shows: at the bottom
  (above a bottom label), at the top (below a top title), just under the lowest
  chin, or just over the highest hair, whichever is first free of faces, the
  label and the title; when none is, the one covering the least face.

Boxes are ``(x0, y0, x1, y1)`` px, half-open.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

VERTICAL_ASPECT = 1.6  # height / width at which a video is vertical (9:16 is 1.78)
BAND_TOP = 0.12  # share of a vertical frame's height the apps' top UI covers
BAND_BOTTOM = 0.2  # ...and their bottom UI
EDGE = 0.025  # texts keep this share of the frame height from any edge or band
GAP = 0.015  # and this much from each other and from a face
FACE_GROW = (0.1, 0.15, 0.1, 0.08)  # a face box grown (left, top, right, bottom), in face sizes

Box = tuple[float, float, float, float]


def bands(frame_wh: tuple[int, int]) -> tuple[int, int]:
    """(top, bottom) px of a frame that belong to a platform's UI (0, 0 unless vertical)."""
    w, h = frame_wh
    if h / max(1, w) < VERTICAL_ASPECT:
        return 0, 0
    return round(BAND_TOP * h), round(BAND_BOTTOM * h)


def margins(frame_wh: tuple[int, int]) -> tuple[float, float]:
    """(top, bottom) distance from the frame edge to where a text may start, as shares
    of the frame height: the edge margin, below or above a vertical video's bands."""
    h = frame_wh[1]
    top, bottom = bands(frame_wh)
    return top / h + EDGE, bottom / h + EDGE


def intersect(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def overlap_area(a: Box, b: Box) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(0.0, w) * max(0.0, h)


def grow_face(box: Box) -> Box:
    """A forehead-to-chin box grown by what a turn, a nod or a sway of the head moves it."""
    x0, y0, x1, y1 = box
    fw, fh = x1 - x0, y1 - y0
    left, top, right, bottom = FACE_GROW
    return x0 - left * fw, y0 - top * fh, x1 + right * fw, y1 + bottom * fh


def frame_faces(boxes: Sequence[Box], inverse_maps: Sequence[np.ndarray]) -> np.ndarray:
    """(n_frames, K, 4) float32: each face box (picture px) on each frame (frame px).

    inverse_maps: per frame the camera's (2, 3) output px -> picture px map; each box's
    corners go through its inverse, and the frame box is their bounding box.
    """
    import cv2

    out = np.zeros((len(inverse_maps), len(boxes), 4), np.float32)
    if not len(boxes):
        return out
    corners = np.array(
        [[(x0, y0), (x1, y0), (x0, y1), (x1, y1)] for x0, y0, x1, y1 in boxes], np.float64
    )  # (K, 4, 2)
    for i, m in enumerate(inverse_maps):
        fwd = cv2.invertAffineTransform(np.asarray(m, np.float64))
        pts = corners @ fwd[:, :2].T + fwd[:, 2]
        out[i, :, :2] = pts.min(axis=1)
        out[i, :, 2:] = pts.max(axis=1)
    return out


def hits(box: Box, faces: np.ndarray) -> float:
    """Face area (px²) ``box`` covers, summed over the given frames' faces (F, K, 4)."""
    if faces.size == 0:
        return 0.0
    f = faces.reshape(-1, 4)
    w = np.minimum(box[2], f[:, 2]) - np.maximum(box[0], f[:, 0])
    h = np.minimum(box[3], f[:, 3]) - np.maximum(box[1], f[:, 1])
    return float((np.clip(w, 0, None) * np.clip(h, 0, None)).sum())


def _free(box: Box, taken: list[Box], frame_wh, faces: np.ndarray) -> bool:
    h = frame_wh[1]
    top, bottom = bands(frame_wh)
    if box[1] < top or box[3] > h - bottom or box[1] < 0 or box[3] > h:
        return False
    return hits(box, faces) == 0 and not any(intersect(box, t) for t in taken)


def _centred(y: float, size_wh, frame_wh) -> Box:
    w, h = size_wh
    x = (frame_wh[0] - w) // 2
    return float(x), float(y), float(x + w), float(y + h)


def room(frame_wh: tuple[int, int], taken: Sequence[Box]) -> tuple[float, float]:
    """(top, bottom) px between which a text block may stand: inside the edge margins
    and a vertical video's bands, below what is taken at the top edge and above what
    is taken at the bottom edge (the label, a title)."""
    fh = frame_wh[1]
    gap = GAP * fh
    top_m, bottom_m = (m * fh for m in margins(frame_wh))
    low, high = fh - bottom_m, top_m
    for t in taken:  # things at the bottom or top edge push the block inwards
        if t[1] > fh / 2:
            low = min(low, t[1] - gap)
        elif t[3] < fh / 2:
            high = max(high, t[3] + gap)
    return high, low


def block_place(
    size_wh: tuple[int, int],
    frame_wh: tuple[int, int],
    faces: np.ndarray,
    taken: Sequence[Box],
    prefer: Sequence[str] = ("bottom", "top", "under-faces", "over-faces"),
) -> tuple[Box, bool]:
    """A centred text block's box: the first of ``prefer`` free of ``faces`` (F, K, 4),
    of ``taken`` boxes and of the platform bands; else the one covering the least face.
    Returns (box, free).

    prefer: "bottom" (above the bottom margin and anything taken there), "top" (below
    the top margin and anything taken there), "center", "under-faces" (just under the
    lowest chin), "over-faces" (just over the highest head).
    """
    fw, fh = frame_wh
    w, h = size_wh
    gap = GAP * fh
    taken = list(taken)
    high, low = room(frame_wh, taken)
    flat = faces.reshape(-1, 4) if faces.size else np.zeros((0, 4), np.float32)
    candidates = []
    for where in prefer:
        if where == "bottom":
            y = low - h
        elif where == "top":
            y = high
        elif where == "center":
            y = (fh - h) / 2
        elif where == "under-faces":
            if not len(flat):
                continue
            y = float(flat[:, 3].max()) + gap
        elif where == "over-faces":
            if not len(flat):
                continue
            y = float(flat[:, 1].min()) - gap - h
        else:
            raise ValueError(f"unknown text place {where!r}")
        candidates.append(_centred(round(y), size_wh, frame_wh))
    for box in candidates:
        if _free(box, taken, frame_wh, faces):
            return box, True
    # nothing free: the least face covered, inside the frame and clear of what is taken
    inside = [
        b
        for b in candidates
        if b[1] >= 0 and b[3] <= fh and not any(intersect(b, t) for t in taken)
    ] or candidates
    return min(inside, key=lambda b: hits(b, faces)), False
