"""The default camera: frame the cast's faces for the output's aspect, follow the speaker.

A shot whose scene gives no ``pan`` is framed here rather than on the picture's
centre, so a 16:9 photo in a square or vertical frame never cuts a face:

- each face's *framing box* is its forehead-to-chin box grown by the hair and
  headroom above (``HEAD_UP`` face heights), the chin and neck below and a margin
  at the sides;
- when the framing boxes of the whole cast fit in the view (the part of the
  picture the frame shows at that frame's zoom), the camera frames them all;
- when they do not, it frames whoever speaks, moving to the next speaker over
  ``MOVE_S`` seconds so as to arrive ``LEAD_S`` seconds before they start, and
  holding on the last speaker between lines;
- a dancer's reach (``keep``: the body and wherever the hands can go) stays in
  view with the speaker;
- vertically a framed face sits on the eye line (``EYE_LINE`` of the view
  height) as long as its framing box stays in view; the camera never leaves the
  picture (``camera_affine`` clamps it).

An explicit zoom and rotation are kept (the pan follows the faces at that
zoom); an explicit pan wins over all of this.

``camera: {follow: speaker}`` (``follow_track``) comes in on whoever speaks
instead: each line is framed close (the speaker's framing box ``FOLLOW_FILL`` of
the view's height, at most ``FOLLOW_ZOOM_MAX``, and always whole in the view),
moving there over ``MOVE_S`` (or cutting, ``move: cut``) to arrive before the
line, holding between lines, and showing the whole cast before the first line
and when nobody speaks. An explicit zoom still wins: the camera then pans to the
speaker at that zoom.

A performer off the stage (before their entrance, after their exit: ``present``)
is left out of the group the camera frames.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.nodes.warp.camera import camera_affine, ease_progress

HEAD_UP = 0.75  # framing box: above the face box, in face heights (hair, headroom)
CHIN_DOWN = 0.35  # below it (chin, neck)
SIDE = 0.3  # each side, in face widths
EYE_LINE = 0.42  # a framed face's centre, as a share of the view height from its top
MOVE_S = 0.5  # a move from one speaker to the next lasts this long...
LEAD_S = 0.6  # ...and starts this long before the next line
FOLLOW_FILL = 0.85  # a followed speaker's face, hair and chin: this share of the view's height...
FOLLOW_ZOOM_MAX = 1.6  # ...zoomed in this far at most (the stage is drawn this much larger)
FOLLOW_SIDE = 0.9  # and no wider than this share of the view's width
CUT_LEAD_S = 0.1  # a cut to the next speaker comes this long before their line

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in picture px


def framing_box(face: Box) -> Box:
    x0, y0, x1, y1 = face
    fw, fh = x1 - x0, y1 - y0
    return x0 - SIDE * fw, y0 - HEAD_UP * fh, x1 + SIDE * fw, y1 + CHIN_DOWN * fh


def union(boxes: list[Box]) -> Box:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def view_size(src_wh: tuple[int, int], out_wh: tuple[int, int], zoom: float) -> tuple[float, float]:
    """(w, h) of the picture, px, that the frame shows at ``zoom`` (fill fit)."""
    s = zoom * max(out_wh[0] / src_wh[0], out_wh[1] / src_wh[1])
    return out_wh[0] / s, out_wh[1] / s


def fits(box: Box, view: tuple[float, float]) -> bool:
    return box[2] - box[0] <= view[0] and box[3] - box[1] <= view[1]


def aim(box: Box, faces: list[Box], view: tuple[float, float]) -> tuple[float, float]:
    """The view's centre (picture px) that frames ``box`` with its ``faces`` on the eye line."""
    vw, vh = view
    cx = (box[0] + box[2]) / 2
    face_cy = sum((f[1] + f[3]) / 2 for f in faces) / len(faces)
    cy = face_cy + (0.5 - EYE_LINE) * vh
    # keep the framing box in view where it fits (its top first: a cut chin shows less)
    if box[3] - box[1] <= vh:
        cy = min(max(cy, box[3] - vh / 2), box[1] + vh / 2)
    else:
        cy = box[1] + vh / 2
    if box[2] - box[0] > vw:  # too wide: centre it (the sides lose equally)
        cx = (box[0] + box[2]) / 2
    return cx, cy


def pan_track(
    faces: list[Box],
    lines: list[tuple[float, float, int]],
    n_frames: int,
    fps: float,
    src_wh: tuple[int, int],
    out_wh: tuple[int, int],
    zoom: tuple[float, float] = (1.0, 1.0),
    ease: str = "in-out",
    keep: list[Box] = (),
    present: list | None = None,
) -> np.ndarray:
    """(n_frames, 2) pan points (fractions of the picture) framing ``faces`` over a shot.

    faces: each cast member's face box, picture px. lines: (start_s, end_s, face
    index) of every line spoken on screen. zoom: the shot's zoom at its start and
    end (eased like the camera). keep: boxes to keep in view all the shot (where a
    dancer's hands can reach), before any face but the speaker's. present: per face
    None or the (start_s, end_s) they are on the stage; the group framed is those there.
    """
    n = max(1, n_frames)
    last = max(1, n - 1)
    boxes = [framing_box(f) for f in faces]
    on = _presence(present, len(faces), n, fps)
    target = _targets(lines, n, fps, round(LEAD_S * fps))
    out = np.empty((n, 2), np.float64)
    for i in range(n):
        e = ease_progress(i / last, ease)
        z = zoom[0] * (zoom[1] / zoom[0]) ** e
        view = view_size(src_wh, out_wh, z)
        here = [k for k in range(len(faces)) if on[i, k]] or list(range(len(faces)))
        group = union([boxes[k] for k in here] + list(keep))
        if fits(group, view):
            cx, cy = aim(group, [faces[k] for k in here], view)
        else:
            k = int(target[i]) if target[i] >= 0 else here[0]
            cx, cy = aim(union([boxes[k], *keep]), [faces[k]], view)
        out[i] = cx / src_wh[0], cy / src_wh[1]
    return _smooth_moves(out, round(MOVE_S * fps))


def _presence(present, n_faces: int, n: int, fps: float) -> np.ndarray:
    """(n, n_faces) bool: whether each face is on the stage at each frame. present: per
    face None (all the shot) or (start_s, end_s) (an entrance, an exit)."""
    on = np.ones((n, n_faces), bool)
    t = np.arange(n) / fps
    for k, span in enumerate(present or ()):
        if span is not None and k < n_faces:
            on[:, k] = (t >= span[0]) & (t < span[1])
    return on


def _targets(lines, n: int, fps: float, lead: int, wait: bool = False) -> np.ndarray:
    """(n,) the face the camera is on at each frame: the speaker ``lead`` frames ahead,
    held between lines; before the first line, the first speaker, or with ``wait`` -1
    (-1 all along: nobody speaks)."""
    speaker_at = np.full(n + lead + 1, -1, np.int64)
    for start_s, end_s, who in sorted(lines):
        lo, hi = max(0, round(start_s * fps)), min(n + lead, round(end_s * fps))
        speaker_at[lo : hi + 1] = who
    target = np.empty(n, np.int64)
    current = -1 if wait else next((int(w) for w in speaker_at if w >= 0), -1)
    for i in range(n):
        ahead = int(speaker_at[i + lead])
        if ahead >= 0:
            current = ahead
        target[i] = current
    return target


def follow_zoom(box: Box, src_wh: tuple[int, int], out_wh: tuple[int, int]) -> float:
    """The zoom that frames one speaker close: their framing box ``FOLLOW_FILL`` of the
    view's height, whole in the view (``FOLLOW_SIDE`` of its width), within
    1..``FOLLOW_ZOOM_MAX``."""
    vw, vh = view_size(src_wh, out_wh, 1.0)
    bw, bh = max(1.0, box[2] - box[0]), max(1.0, box[3] - box[1])
    z = min(FOLLOW_FILL * vh / bh, FOLLOW_SIDE * vw / bw, 0.95 * vh / bh)
    return float(min(FOLLOW_ZOOM_MAX, max(1.0, z)))


def follow_track(
    faces: list[Box],
    lines: list[tuple[float, float, int]],
    n_frames: int,
    fps: float,
    src_wh: tuple[int, int],
    out_wh: tuple[int, int],
    zoom: tuple[float, float] | None = None,
    ease: str = "in-out",
    cut: bool = False,
    present: list | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``camera: {follow: speaker}``: (pan (n_frames, 2) fractions of the picture, zoom
    (n_frames,)) coming in on whoever speaks.

    faces: each face box, picture px; lines: (start_s, end_s, face index). zoom: an
    explicit [start, end] (eased like the camera) the camera keeps, panning to the
    speaker; None: each speaker framed close (``follow_zoom``) and the whole cast
    (those ``present``) before the first line and when nobody has spoken. cut: jump
    to the next speaker ``CUT_LEAD_S`` before their line instead of moving there.
    """
    n = max(1, n_frames)
    last = max(1, n - 1)
    boxes = [framing_box(f) for f in faces]
    on = _presence(present, len(faces), n, fps)
    lead = round((CUT_LEAD_S if cut else LEAD_S) * fps)
    target = _targets(lines, n, fps, lead, wait=True)
    out = np.empty((n, 3), np.float64)
    for i in range(n):
        k = int(target[i])
        if zoom is not None:
            z = zoom[0] * (zoom[1] / zoom[0]) ** ease_progress(i / last, ease)
        else:
            z = follow_zoom(boxes[k], src_wh, out_wh) if k >= 0 else 1.0
        view = view_size(src_wh, out_wh, z)
        if k >= 0:
            cx, cy = aim(boxes[k], [faces[k]], view)
        else:  # nobody has spoken yet: the cast on stage
            here = [j for j in range(len(faces)) if on[i, j]] or list(range(len(faces)))
            cx, cy = aim(union([boxes[j] for j in here]), [faces[j] for j in here], view)
        out[i] = cx / src_wh[0], cy / src_wh[1], math.log(z)
    if not cut:
        out = _smooth_moves(out, round(MOVE_S * fps))
    return out[:, :2].copy(), np.exp(out[:, 2])


def _smooth_moves(track: np.ndarray, n_move: int) -> np.ndarray:
    """Replace each jump of the target by an eased move over ``n_move`` frames; slow
    drift (a zoom changing the view) passes through unchanged."""
    if n_move < 2 or len(track) < 2:
        return track
    out = track.copy()
    jumps = np.flatnonzero(np.abs(np.diff(track, axis=0)).max(1) > 0.02) + 1
    for j in jumps:
        start = out[j - 1].copy()
        hi = min(len(track), j + n_move)
        for i in range(j, hi):
            e = ease_progress((i - j + 1) / n_move, "in-out")
            out[i] = start + (track[i] - start) * e
    return out


@dataclass(frozen=True)
class FramedCamera:
    """A camera whose pan follows ``pan`` (n_frames, 2), with the shot's zoom and rotation
    (same interface as ``segment.Camera``)."""

    pan: np.ndarray
    zoom: tuple[float, float] = (1.0, 1.0)
    rotate: tuple[float, float] = (0.0, 0.0)
    ease: str = "in-out"
    zooms: np.ndarray | None = None  # (n_frames,): a zoom per frame instead of ``zoom``

    def affine(self, t: float, src: np.ndarray, out_size: tuple[int, int]) -> np.ndarray:
        h, w = src.shape[:2]
        i = min(len(self.pan) - 1, max(0, math.floor(t * (len(self.pan) - 1) + 0.5)))
        p = (float(self.pan[i, 0]), float(self.pan[i, 1]))
        zoom = self.zoom
        if self.zooms is not None:
            zoom = (float(self.zooms[i]), float(self.zooms[i]))
        return camera_affine(t, (w, h), out_size, zoom, (p, p), self.rotate, self.ease)
