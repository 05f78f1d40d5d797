"""Face rig: a triangle mesh over a photo, prepared once and animated every frame.

The mesh joins 286 of MediaPipe's 468 face landmarks (oval, brows, eyes and
lids, nose, cheeks, lips in four contours), an iris patch per eye (a centre
and a ring of 6 points inside the eye opening), two rings scaled 1.3x and 2x
out from the face oval (hair, ears, neck) and points on the frame border. It
is a Delaunay triangulation with the lip and eye contours kept as edges,
computed with the mouth open (``fields.jaw_field``) so the inner-lip seam of a
closed mouth triangulates cleanly.

Head motion moves the face fully, the 1.3x ring by ``RING_WEIGHT`` and the 2x
ring and the border not at all, so the background stays put and the hair
and neck stretch instead of tearing. Each linear control (``controls.SLOTS``)
has a displacement field (``fields.py``) stored here in frame px.

Coordinates: frame and texture px with pixel centres at integers (as
``engine.nodes.warp``); landmarks come in as continuous px (pixel (0, 0)
spans [0, 1)) and are shifted by -0.5.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.errors import NodeError
from engine.nodes.animate import groups as g
from engine.nodes.animate.controls import SLOT
from engine.nodes.animate.fields import FaceGeometry, build_fields, close_field, rest_opening
from engine.nodes.animate.triangulate import constrained_delaunay

RING_SCALES = (1.3, 2.0)
RING_WEIGHT = 0.55  # head-motion share of the 1.3x ring: hair and neck follow part-way
BORDER_POINTS_PER_SIDE = 4
IRIS_RING = 6
MIN_IOD_PX = 12.0  # below this the mesh cannot resolve lips and lids
OPEN_GAP_IOD = 0.04  # the photo's inner-lip gap over inter-ocular distance: above it, parted


@dataclass(frozen=True, eq=False)
class FaceRig:
    """A face mesh fitted to one photo and one frame size (plain arrays: picklable).

    out_size: (W, H) frame px.
    src_pts: (V, 2) float32 texture (photo) px, pixel centres at integers.
    rest_pts: (V, 2) float32 frame px at rest (the photo's place in the frame).
    depth: (V,) float32 frame px, relative depth (smaller = nearer the camera).
    head_weight: (V,) float32 in [0, 1], share of head motion.
    fields: (C, V, 2) float32 frame px per unit of each control (head slots zero).
    triangles: (T, 3) int32 vertex ids.
    draw_order: (T,) float32 key, far triangles first (``rasterise``'s order).
    mouth_tris: (T,) bool, triangles inside the inner lips (removed as the mouth opens).
    moving_tris: (T,) bool, triangles any control can move; the rest never change.
    landmark_ids: (V,) int32 MediaPipe id of each vertex, -1 for synthetic ones.
    inner_lips: (20,) int32 vertex ids of the inner-lip loop (``regions.LIPS_INNER`` order).
    centre_xy, axis_u, axis_v: (2,) float32 face centre (frame px) and unit axes
        (along the eye line, down the face).
    pivot_xy: (2,) float32 head-tilt pivot (the neck), frame px.
    iod_px: inter-ocular distance (33 to 263) in frame px.
    rest_gap_px: inner-lip gap (13 to 14) at rest, frame px.
    palette: dict of (3,) float32 RGB colours sampled from the photo (lip, skin, ...).
    close_field: (V, 2) float32 frame px that bring the photo's parted lips together
        (``fields.close_field``); zeros for closed lips.
    rest_jaw: the photo's own lip opening in ``jaw_open`` units; 0 when its lips are
        together (below ``OPEN_GAP_IOD``), so closed-mouth photos animate as before.
    """

    out_size: tuple[int, int]
    src_pts: np.ndarray = field(repr=False)
    rest_pts: np.ndarray = field(repr=False)
    depth: np.ndarray = field(repr=False)
    head_weight: np.ndarray = field(repr=False)
    fields: np.ndarray = field(repr=False)
    triangles: np.ndarray = field(repr=False)
    draw_order: np.ndarray = field(repr=False)
    mouth_tris: np.ndarray = field(repr=False)
    moving_tris: np.ndarray = field(repr=False)
    landmark_ids: np.ndarray = field(repr=False)
    inner_lips: np.ndarray = field(repr=False)
    centre_xy: np.ndarray = field(repr=False)
    axis_u: np.ndarray = field(repr=False)
    axis_v: np.ndarray = field(repr=False)
    pivot_xy: np.ndarray = field(repr=False)
    iod_px: float = 0.0
    rest_gap_px: float = 0.0
    palette: dict = field(default_factory=dict, repr=False)
    close_field: np.ndarray | None = field(default=None, repr=False)
    rest_jaw: float = 0.0

    def vertex(self, landmark: int) -> int:
        """Vertex id of MediaPipe landmark ``landmark``."""
        hit = np.flatnonzero(self.landmark_ids == landmark)
        if not len(hit):
            raise KeyError(f"landmark {landmark} is not in the face mesh")
        return int(hit[0])


def cover_fit(photo_wh: tuple[int, int], out_wh: tuple[int, int]) -> tuple[float, np.ndarray]:
    """Scale and offset (frame = scale * photo + offset, centres at integers) that fill
    the frame with the photo, centred, cropping the overflow; identity for equal sizes."""
    (w, h), (ow, oh) = photo_wh, out_wh
    scale = max(ow / w, oh / h)
    # pixel-edge coordinates: [0, w) -> centred in [0, ow); centres sit at +0.5
    offset = 0.5 * (np.array([ow, oh]) - scale * np.array([w, h]))
    return scale, offset + 0.5 * scale - 0.5


def _iris_patch(lm_xy: np.ndarray, photo: np.ndarray, contour: tuple[int, ...]) -> np.ndarray:
    """(1 + IRIS_RING, 2) photo px: the iris centre (darkest part of the eye) and a ring
    small enough to stay inside the eye opening; empty when the eye is too narrow."""
    poly = lm_xy[list(contour)]
    x0, y0 = np.floor(poly.min(0)).astype(int)
    x1, y1 = np.ceil(poly.max(0)).astype(int)
    h, w = photo.shape[:2]
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w - 1), min(y1, h - 1)
    if x1 - x0 < 4 or y1 - y0 < 2:
        return np.zeros((0, 2))
    ys, xs = np.mgrid[y0 : y1 + 1, x0 : x1 + 1]
    inside = _inside(np.stack([xs.ravel(), ys.ravel()], 1).astype(np.float64), poly)
    luma = photo[y0 : y1 + 1, x0 : x1 + 1].astype(np.float64).mean(-1).ravel()
    if inside.sum() < 4:
        return np.zeros((0, 2))
    dark = np.where(inside, (luma.max() - luma) ** 2, 0.0)
    centre = np.array([(xs.ravel() * dark).sum(), (ys.ravel() * dark).sum()]) / max(
        dark.sum(), 1e-9
    )
    mid = poly.mean(0)
    centre = 0.5 * (centre + mid)  # the dark lashes pull it off-centre; meet half-way
    eye_h = np.linalg.norm(lm_xy[contour[4]] - lm_xy[contour[12]])  # 159-145 / 386-374
    eye_w = np.linalg.norm(lm_xy[contour[0]] - lm_xy[contour[8]])
    radius = min(0.35 * eye_h, 0.16 * eye_w)
    if radius < 1.0:
        return np.zeros((0, 2))
    ang = np.linspace(0, 2 * np.pi, IRIS_RING, endpoint=False) + np.pi / IRIS_RING
    ring = centre + radius * np.stack([np.cos(ang), np.sin(ang)], 1)
    patch = np.vstack([centre, ring])
    if not _inside(patch, poly).all():
        return np.zeros((0, 2))
    return patch


def _inside(pts: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """(N,) bool: points strictly inside the closed polygon (even-odd rule)."""
    x, y = pts[:, 0:1], pts[:, 1:2]
    px, py = poly[:, 0][None], poly[:, 1][None]
    qx, qy = np.roll(px, -1, 1), np.roll(py, -1, 1)
    crosses = ((py > y) != (qy > y)) & (x < (qx - px) * (y - py) / (qy - py + 1e-12) + px)
    return crosses.sum(1) % 2 == 1


def _sample(photo: np.ndarray, xy: np.ndarray) -> np.ndarray:
    h, w = photo.shape[:2]
    xi = np.clip(np.round(xy[:, 0]).astype(int), 0, w - 1)
    yi = np.clip(np.round(xy[:, 1]).astype(int), 0, h - 1)
    return np.median(photo[yi, xi].astype(np.float32), axis=0)


def _palette(photo: np.ndarray, lm_xy: np.ndarray) -> dict:
    """Colours for the mouth interior, sampled from the lips and cheeks of the photo."""
    lip = _sample(photo, lm_xy[list(g.SEMI_UPPER + g.SEMI_LOWER)])
    skin = _sample(photo, lm_xy[list(g.CHEEKS)])
    tone = skin / max(float(skin.max()), 1.0)  # the photo's white balance (grey stays grey)
    bright = float(np.clip(skin.mean() * 1.25 + 40, 150, 240))
    return {
        "lip": lip,
        "skin": skin,
        "cavity": (0.3 * lip * np.array([1.0, 0.75, 0.75])).astype(np.float32),
        "teeth": (0.8 * bright * tone**0.5 + 0.2 * skin).astype(np.float32),
        "tongue": (0.75 * lip * np.array([1.0, 0.8, 0.8])).astype(np.float32),
    }


def build_face_rig(
    photo: np.ndarray,
    landmarks: np.ndarray,
    out_size: tuple[int, int] | None = None,
) -> FaceRig:
    """Prepare the animation mesh for one face of one photo.

    Parameters
    ----------
    photo : (H, W, 3) uint8 RGB
    landmarks : (468, 3) float px (continuous: pixel (0, 0) spans [0, 1)), from
        ``engine.nodes.face.face_landmarks(...).points``.
    out_size : (W, H) frame px; default the photo's size. The photo fills the
        frame, centred (``cover_fit``); equal sizes give the photo pixel for pixel.

    Returns
    -------
    FaceRig (see its docstring); ~330 vertices, ~650 triangles.

    Raises
    ------
    NodeError : bad shapes, non-finite points or a face too small to animate.
    """
    photo = np.asarray(photo)
    if photo.dtype != np.uint8 or photo.ndim != 3 or photo.shape[2] != 3:
        raise NodeError(
            f"photo must be (H, W, 3) uint8, got {photo.dtype} {photo.shape}",
            kind="animate.rig",
            hint="decode the photo to RGB first",
        )
    lms = np.asarray(landmarks, np.float64)
    if lms.ndim != 2 or lms.shape[0] != 468 or lms.shape[1] not in (2, 3):
        raise NodeError(
            f"landmarks must be (468, 3) px, got {lms.shape}",
            kind="animate.rig",
            hint="pass face_landmarks(...).points",
        )
    if not np.all(np.isfinite(lms)):
        raise NodeError("landmarks must be finite", kind="animate.rig", hint="re-run the landmarks")
    if lms.shape[1] == 2:
        lms = np.hstack([lms, np.zeros((468, 1))])
    ph, pw = photo.shape[:2]
    out_wh = (pw, ph) if out_size is None else (int(out_size[0]), int(out_size[1]))
    scale, offset = cover_fit((pw, ph), out_wh)

    lm_xy = lms[:, :2] - 0.5  # continuous px -> pixel centres at integers
    lm_z = lms[:, 2]
    iod_photo = float(np.linalg.norm(lm_xy[263] - lm_xy[33]))
    iod_px = iod_photo * scale
    if iod_px < MIN_IOD_PX:
        raise NodeError(
            f"the face is too small to animate ({iod_px:.0f} px between the eyes in the "
            f"frame, need {MIN_IOD_PX:.0f})",
            kind="animate.rig",
            hint="use a larger photo or a closer crop of the face",
        )

    # --- vertices in photo px ---------------------------------------------------
    ids = np.array(g.MESH_LANDMARKS)
    pts = [lm_xy[ids]]
    z = [lm_z[ids]]
    lm_of = [ids]
    weight = [np.ones(len(ids))]
    oval = lm_xy[list(g.FACE_OVAL)]
    oval_z = float(lm_z[list(g.FACE_OVAL)].mean())
    irises = []
    for contour in (g.RIGHT_EYE, g.LEFT_EYE):
        patch = _iris_patch(lm_xy, photo, contour)
        start = sum(len(p) for p in pts)
        irises.append(np.arange(start, start + len(patch)))
        pts.append(patch)
        z.append(np.full(len(patch), lm_z[list(contour)].mean()))
        lm_of.append(np.full(len(patch), -1))
        weight.append(np.ones(len(patch)))
    centre = oval.mean(0)
    frame_lo = (np.zeros(2) - offset) / scale  # photo px of the frame's corners
    frame_hi = (np.array(out_wh) - 1.0 - offset) / scale
    margin = 0.1 * iod_photo
    for ring_scale, w_ring, step in zip(RING_SCALES, (RING_WEIGHT, 0.0), (1, 2), strict=True):
        ring = centre + ring_scale * (oval[::step] - centre)
        keep = np.all((ring > frame_lo + margin) & (ring < frame_hi - margin), axis=1)
        pts.append(ring[keep])
        z.append(np.full(keep.sum(), oval_z))
        lm_of.append(np.full(keep.sum(), -1))
        weight.append(np.full(keep.sum(), w_ring))
    border = _border_points(out_wh)  # frame px, on the pixel edges
    pts.append((border - offset) / scale)
    z.append(np.full(len(border), oval_z))
    lm_of.append(np.full(len(border), -1))
    weight.append(np.zeros(len(border)))

    src = np.vstack(pts)
    depth = np.concatenate(z) - oval_z
    lm_id = np.concatenate(lm_of).astype(np.int32)
    head_w = np.concatenate(weight)
    src, depth, lm_id, head_w = _drop_near_duplicates(src, depth, lm_id, head_w, 0.02 * iod_photo)
    rest = src * scale + offset

    # --- face frame and fields ---------------------------------------------------
    u = lm_xy[263] - lm_xy[33]
    u /= np.linalg.norm(u)
    v = np.array([-u[1], u[0]])
    centre_f = centre * scale + offset
    ab = np.stack([(rest - centre_f) @ u, (rest - centre_f) @ v], 1) / iod_px
    vid = {int(k): i for i, k in enumerate(lm_id) if k >= 0}
    iris_v = tuple(_reindex(src, np.vstack(pts)[ir]) for ir in irises)
    geo = FaceGeometry(ab, lm_id, iris_v, head_w == RING_WEIGHT)  # type: ignore[arg-type]
    fields_ab = build_fields(geo)
    fields_px = iod_px * (fields_ab[..., 0:1] * u + fields_ab[..., 1:2] * v)
    parted = float(np.linalg.norm(lm_xy[13] - lm_xy[14])) > OPEN_GAP_IOD * iod_photo
    close_ab = close_field(geo) if parted else np.zeros_like(ab)
    close_px = iod_px * (close_ab[:, 0:1] * u + close_ab[:, 1:2] * v)

    # --- triangles: Delaunay with the mouth open, contours kept --------------------
    opened = rest + fields_px[SLOT["jaw_open"]]
    contours = [np.array([vid[k] for k in loop]) for loop in g.CONTOURS]
    tris = constrained_delaunay(opened, contours)
    inner = contours[0]
    on_inner = np.isin(tris, inner).all(1)
    centroid = opened[tris].mean(1)
    mouth = on_inner & _inside(centroid, opened[inner])

    moves = (head_w > 0) | np.any(fields_px != 0, axis=(0, 2)) | np.any(close_px != 0, axis=1)
    moving = moves[tris].any(1)
    order = -depth[tris].mean(1)  # far (large depth) first

    chin = lm_xy[152] * scale + offset
    return FaceRig(
        out_size=out_wh,
        src_pts=src.astype(np.float32),
        rest_pts=rest.astype(np.float32),
        depth=(depth * scale).astype(np.float32),
        head_weight=head_w.astype(np.float32),
        fields=fields_px.astype(np.float32),
        triangles=tris.astype(np.int32),
        draw_order=order.astype(np.float32),
        mouth_tris=mouth,
        moving_tris=moving,
        landmark_ids=lm_id,
        inner_lips=inner.astype(np.int32),
        centre_xy=centre_f.astype(np.float32),
        axis_u=u.astype(np.float32),
        axis_v=v.astype(np.float32),
        pivot_xy=(chin + 0.4 * iod_px * v).astype(np.float32),
        iod_px=float(iod_px),
        rest_gap_px=float(np.linalg.norm(lm_xy[13] - lm_xy[14]) * scale),
        palette=_palette(photo, lm_xy),
        close_field=close_px.astype(np.float32),
        rest_jaw=rest_opening(geo) if parted else 0.0,
    )


def _border_points(out_wh: tuple[int, int]) -> np.ndarray:
    """Points on the frame's outer pixel edges (-0.5 and W - 0.5), corners included."""
    w, h = out_wh
    t = np.linspace(0.0, 1.0, BORDER_POINTS_PER_SIDE + 1)[:-1]
    x0, y0, x1, y1 = -0.5, -0.5, w - 0.5, h - 0.5
    top = np.stack([x0 + t * (x1 - x0), np.full_like(t, y0)], 1)
    right = np.stack([np.full_like(t, x1), y0 + t * (y1 - y0)], 1)
    bottom = np.stack([x1 - t * (x1 - x0), np.full_like(t, y1)], 1)
    left = np.stack([np.full_like(t, x0), y1 - t * (y1 - y0)], 1)
    return np.vstack([top, right, bottom, left])


def _drop_near_duplicates(src, depth, lm_id, head_w, min_dist):
    """Keep the first of any points closer than ``min_dist``; landmarks and irises always."""
    keep: list[int] = []
    for i in range(len(src)):
        if (
            lm_id[i] >= 0
            or head_w[i] == 1.0
            or all(np.hypot(*(src[i] - src[j])) >= min_dist for j in keep)
        ):
            keep.append(i)
    k = np.array(keep)
    return src[k], depth[k], lm_id[k], head_w[k]


def _reindex(src: np.ndarray, patch: np.ndarray) -> np.ndarray:
    """Vertex ids of the ``patch`` points in ``src`` (they survive de-duplication)."""
    if len(patch) == 0:
        return np.zeros(0, np.int64)
    d = np.abs(src[None, :, :] - patch[:, None, :]).sum(-1)
    return d.argmin(1)
