"""Displacement fields: how each linear face control moves every mesh vertex.

A field is (V, 2) in face units: ``a`` along the eye line (image right for an
upright face), ``b`` down the face, both in inter-ocular distances, at the
control's value 1. ``rig.py`` turns them into frame px. Fields are sums of
explicit moves of named landmarks and Gaussian spreads from anchor landmarks,
so the skin around a moving feature follows it smoothly; the lip seam and the
eyelids move explicitly so the mouth opens and the lids close along them.
"""

from __future__ import annotations

import numpy as np

from engine.nodes.animate import groups as g
from engine.nodes.animate.controls import N_CONTROLS, SLOT

BLINK_MEET = 0.8  # where the lids meet, from the upper (0) to the lower lid (1)
JAW_DROP = 0.30  # lower inner lip travel at jaw_open = 1, inter-ocular units
CHIN_SHARE = 0.6  # the chin drops less than the lip (the lower lip also stretches)
NECK_SHARE = 0.35  # the 1.3x ring under the chin follows, spreading the neck's stretch


class FaceGeometry:
    """Vertices in face units with lookups by landmark id.

    ab: (V, 2) float64 face coordinates; lm: (V,) landmark id per vertex, -1 for
    synthetic vertices; iris: vertex indices of each eye's iris patch (right, left);
    inner_ring: (V,) bool, the 1.3x ring around the face oval.
    """

    def __init__(
        self,
        ab: np.ndarray,
        lm: np.ndarray,
        iris: tuple[np.ndarray, np.ndarray],
        inner_ring: np.ndarray,
    ):
        self.ab = ab
        self.lm = lm
        self.iris = iris
        self.inner_ring = inner_ring  # (V,) bool: vertices of the 1.3x ring
        self.vid = {int(k): i for i, k in enumerate(lm) if k >= 0}

    def ids(self, landmarks) -> np.ndarray:
        return np.array([self.vid[k] for k in landmarks if k in self.vid], np.int64)

    def at(self, landmark: int) -> np.ndarray:
        return self.ab[self.vid[landmark]]


def _spread(geo: FaceGeometry, anchors, disp: np.ndarray, sigma: float) -> np.ndarray:
    """(V, 2): anchor moves ``disp`` (K, 2) spread with Gaussian falloff ``sigma``."""
    idx = geo.ids(anchors)
    d2 = ((geo.ab[:, None, :] - geo.ab[None, idx, :]) ** 2).sum(-1)
    k = np.exp(-0.5 * d2 / sigma**2)
    return (k @ disp) / np.maximum(1.0, k.sum(1, keepdims=True))


def _lip_profile(geo: FaceGeometry, ids: np.ndarray) -> np.ndarray:
    """1 at the middle of the mouth, 0 at the corners, for vertices ``ids``."""
    left, right = geo.at(61), geo.at(291)
    mid_a, half_w = 0.5 * (left[0] + right[0]), 0.5 * abs(right[0] - left[0])
    return np.clip(1.0 - ((geo.ab[ids, 0] - mid_a) / half_w) ** 2, 0.0, 1.0)


def _eyes(geo: FaceGeometry):
    """Per eye: (pairs of vertex ids (upper, lower), lid fold ids, under-eye ids, height)."""
    out = []
    for pairs, fold, under, iris in (
        (g.RIGHT_LID_PAIRS, g.RIGHT_LID_FOLD, g.RIGHT_UNDER_EYE, geo.iris[0]),
        (g.LEFT_LID_PAIRS, g.LEFT_LID_FOLD, g.LEFT_UNDER_EYE, geo.iris[1]),
    ):
        up = geo.ids([p[0] for p in pairs])
        lo = geo.ids([p[1] for p in pairs])
        height = float(np.max(geo.ab[lo, 1] - geo.ab[up, 1]))
        profile = np.sin(np.linspace(0.15, np.pi - 0.15, len(up)))  # middle of the lid moves most
        out.append((up, lo, geo.ids(fold), geo.ids(under), iris, max(height, 1e-3), profile))
    return out


def _fold_follow(geo: FaceGeometry, fold: np.ndarray, up: np.ndarray, d_up: np.ndarray, k=0.5):
    """Displacement of the lid-fold vertices: ``k`` x that of the nearest upper-lid vertex."""
    nearest = np.abs(geo.ab[fold, None, 0] - geo.ab[None, up, 0]).argmin(1)
    return k * d_up[nearest]


def _lower_lid_b(geo: FaceGeometry, lo: np.ndarray, a: np.ndarray) -> np.ndarray:
    order = np.argsort(geo.ab[lo, 0])
    return np.interp(a, geo.ab[lo[order], 0], geo.ab[lo[order], 1])


def jaw_field(geo: FaceGeometry) -> np.ndarray:
    """Lower lip, chin and jaw line down; the corners half-way; upper lip still."""
    v = len(geo.ab)
    w = np.zeros(v)
    a, b = geo.ab[:, 0], geo.ab[:, 1]
    corner_b = 0.5 * (geo.at(61)[1] + geo.at(291)[1])
    mid_a = 0.5 * (geo.at(61)[0] + geo.at(291)[0])
    t = np.clip((b - corner_b) / 0.25, 0.0, 1.0)
    lateral = np.clip(1.0 - np.maximum(0.0, np.abs(a - mid_a) - 0.3) / 0.6, 0.15, 1.0)
    # skin under the lip moves with it; the share falls to CHIN_SHARE at the chin
    lip_b, chin_b = geo.at(17)[1], geo.at(152)[1]
    down = np.clip((b - lip_b) / max(chin_b - lip_b, 1e-3), 0.0, 1.0)
    share = 1.0 - (1.0 - CHIN_SHARE) * down
    w = t * t * (3 - 2 * t) * lateral * share
    w[geo.lm < 0] *= np.where(geo.inner_ring[geo.lm < 0], NECK_SHARE / CHIN_SHARE, 0.0)
    upper = geo.ids(g.INNER_UPPER + g.OUTER_UPPER)
    w[upper] = 0.0
    lower = geo.ids(g.INNER_LOWER + g.OUTER_LOWER)
    w[lower] = 0.45 + 0.55 * _lip_profile(geo, lower)
    w[geo.ids(g.MOUTH_CORNERS)] = 0.4
    w[geo.ids(g.FACE_OVAL)] *= 0.9  # jaw line follows a little less than the chin skin
    out = np.zeros((v, 2))
    out[:, 1] = JAW_DROP * w
    return out


CLOSE_UPPER_SHARE = 0.45  # of the photo's lip gap closed by the upper lip; the jaw does the rest
CLOSE_SPREAD = 0.12  # face units: how far the skin around the lips follows them


def rest_opening(geo: FaceGeometry) -> float:
    """The photo's inner-lip gap (13 to 14) in ``jaw_open`` units (0 for lips together)."""
    return max(float(geo.at(14)[1] - geo.at(13)[1]), 0.0) / JAW_DROP


def close_field(geo: FaceGeometry) -> np.ndarray:
    """(V, 2) face units: the photo's parted lips brought together, each lip whole.

    Each column of the mouth closes its own gap: the upper lip comes down
    ``CLOSE_UPPER_SHARE`` of it and the lower lip (with the jaw) up the rest.
    Inner and outer contours of a lip move alike, so the lips keep their
    thickness and slide over the teeth; the skin around follows with a
    Gaussian falloff, the eyes not at all. Zero for a photo with closed lips.
    """
    v = len(geo.ab)
    corners = (g.INNER_UPPER[0], g.INNER_UPPER[-1])  # the lower contour meets them: no gap
    up_in, lo_in = geo.ids(g.INNER_UPPER), geo.ids(g.INNER_LOWER + corners)
    order = np.argsort(geo.ab[lo_in, 0])
    lo_a, lo_b = geo.ab[lo_in[order], 0], geo.ab[lo_in[order], 1]
    order = np.argsort(geo.ab[up_in, 0])
    up_a, up_b = geo.ab[up_in[order], 0], geo.ab[up_in[order], 1]

    def gap(a: np.ndarray) -> np.ndarray:
        lo = np.interp(a, lo_a, lo_b, left=np.nan, right=np.nan)
        up = np.interp(a, up_a, up_b, left=np.nan, right=np.nan)
        return np.nan_to_num(np.clip(lo - up, 0.0, None))

    out = np.zeros((v, 2))
    upper = geo.ids(g.INNER_UPPER + g.OUTER_UPPER)
    lower = geo.ids(g.INNER_LOWER + g.OUTER_LOWER)
    out[upper, 1] = CLOSE_UPPER_SHARE * gap(geo.ab[upper, 0])
    out[lower, 1] = -(1.0 - CLOSE_UPPER_SHARE) * gap(geo.ab[lower, 0])
    lips = np.concatenate([upper, lower])
    if not np.any(out[lips]):
        return out
    follows = np.ones(v, bool)
    follows[lips] = False
    follows[geo.lm < 0] = False  # rings and border: too far to follow
    for eye in _eyes(geo):
        follows[np.concatenate([eye[0], eye[1], eye[4]])] = False
    skin = _spread(geo, [int(geo.lm[i]) for i in lips], out[lips], CLOSE_SPREAD)
    out[follows] = skin[follows]
    return out


def build_fields(geo: FaceGeometry) -> np.ndarray:
    """(C, V, 2) float64 fields in face units; head slots and ``tongue`` stay zero."""
    v = len(geo.ab)
    fields = np.zeros((N_CONTROLS, v, 2))
    eyes = _eyes(geo)
    corners = g.MOUTH_CORNERS
    side = np.array([-1, 1, -1, 1], np.float64)  # image left / right corner
    lips_moving = np.ones(v, bool)
    lips_moving[geo.lm < 0] = False
    eye_ids = np.concatenate([np.concatenate([e[0], e[1], e[4]]) for e in eyes])
    lips_moving[eye_ids] = False  # mouth spreads never reach the eyes
    mask = lips_moving[:, None]

    jaw = jaw_field(geo)
    fields[SLOT["jaw_open"]] = jaw

    width = np.stack([0.08 * side, np.zeros(4)], 1)
    fields[SLOT["lip_width"]] = _spread(geo, corners, width, 0.13) * mask

    rnd = _spread(geo, corners, np.stack([-0.07 * side, np.zeros(4)], 1), 0.13) * mask
    for ids, db in (
        (geo.ids(g.INNER_UPPER), -0.035), (geo.ids(g.INNER_LOWER), 0.035),
        (geo.ids(g.OUTER_UPPER), -0.01), (geo.ids(g.OUTER_LOWER), 0.012),
    ):  # fmt: skip
        rnd[ids, 1] += db * _lip_profile(geo, ids)
    fields[SLOT["rounding"]] = rnd

    raise_ = np.zeros((v, 2))
    for ids, db in ((g.INNER_UPPER, -0.05), (g.OUTER_UPPER, -0.025)):
        idx = geo.ids(ids)
        raise_[idx, 1] = db * _lip_profile(geo, idx)
    fields[SLOT["upper_lip_raise"]] = raise_

    for slot, (up, lo, fold, under, iris, _h, _p) in zip(
        ("blink_right", "blink_left"), eyes, strict=True
    ):
        f = np.zeros((v, 2))
        # each upper-lid point meets its lower partner a little above the lower lid
        # (the lower lid rises too); the skin above the lid follows and covers the eye
        meet = geo.ab[up] + BLINK_MEET * (geo.ab[lo] - geo.ab[up])
        f[up], f[lo] = meet - geo.ab[up], meet - geo.ab[lo]
        f[fold] = _fold_follow(geo, fold, up, f[up], 0.8)
        f[under] = _fold_follow(geo, under, lo, f[lo], 0.5)
        if len(iris):
            meet_b = _lower_lid_b(geo, up, geo.ab[iris, 0]) + f[up, 1].mean()
            f[iris, 1] = meet_b - geo.ab[iris, 1]
        fields[SLOT[slot]] = f

    for eye in eyes:
        up, lo, _fold, _under, iris, height, _p = eye
        if len(iris) == 0:
            continue
        centre, ring = geo.ab[iris[0]], geo.ab[iris[1:]]
        radius = float(np.abs(ring - centre).max())
        eye_w = float(geo.ab[lo, 0].max() - geo.ab[lo, 0].min())
        travel_a = max(0.0, 0.5 * eye_w - radius) * 0.55
        travel_b = max(0.0, 0.5 * height - radius) * 0.5 + 0.08 * height
        fields[SLOT["gaze_x"], iris, 0] = travel_a
        fields[SLOT["gaze_y"], iris, 1] = travel_b

    brows = g.RIGHT_EYEBROW + g.LEFT_EYEBROW
    brow_mask = np.ones((v, 1))
    brow_mask[eye_ids] = 0.0
    brow_mask[geo.ids(g.RIGHT_LID_FOLD + g.LEFT_LID_FOLD)] = 0.0  # lashes must not smear up
    brow_up = _spread(geo, brows, np.tile([0.0, -0.08], (len(brows), 1)), 0.12) * brow_mask
    fields[SLOT["brows"]] = brow_up

    fields[SLOT["happy"]] = _happy(geo, eyes, corners, side, mask)
    fields[SLOT["sad"]] = _sad(geo, eyes, corners, side, mask, brow_mask)
    fields[SLOT["surprised"]] = _surprised(geo, eyes, corners, side, mask, brow_up, jaw)
    fields[SLOT["angry"]] = _angry(geo, eyes, corners, side, mask, brow_mask)
    return fields


def _lids(geo, eyes, v, upper_db: float, lower_db: float, under_k: float = 0.5) -> np.ndarray:
    """Upper lids down (+) / up (-) and lower lids, x each eye's height, with the skin."""
    f = np.zeros((v, 2))
    for up, lo, fold, under, _iris, height, profile in eyes:
        f[up, 1] = upper_db * height * profile
        f[lo, 1] = lower_db * height * profile[: len(lo)]
        f[fold] = _fold_follow(geo, fold, up, f[up], 0.6)
        f[under] = _fold_follow(geo, under, lo, f[lo], under_k)
    return f


def _happy(geo, eyes, corners, side, mask):
    v = len(geo.ab)
    d = np.stack([0.045 * side, np.full(4, -0.06)], 1)
    f = _spread(geo, corners, d, 0.12) * mask
    cheeks = g.CHEEK_RAISERS
    f += _spread(geo, cheeks, np.tile([0.0, -0.035], (len(cheeks), 1)), 0.1) * mask
    f += _lids(geo, eyes, v, upper_db=0.12, lower_db=-0.22)
    return f


def _sad(geo, eyes, corners, side, mask, brow_mask):
    v = len(geo.ab)
    f = _spread(geo, corners, np.stack([-0.01 * side, np.full(4, 0.045)], 1), 0.12) * mask
    inner = g.RIGHT_BROW_INNER + g.LEFT_BROW_INNER
    inner_side = np.array([-1.0] * 4 + [1.0] * 4)  # right brow is on the image left
    d = np.stack([-0.015 * inner_side, np.full(8, -0.06)], 1)
    f += _spread(geo, inner, d, 0.07) * brow_mask
    outer = (46, 53, 52, 276, 283, 282)
    f += _spread(geo, outer, np.tile([0.0, 0.02], (6, 1)), 0.07) * brow_mask
    f += _lids(geo, eyes, v, upper_db=0.15, lower_db=0.0)
    lower = geo.ids(g.OUTER_LOWER)
    f[lower, 1] -= 0.012 * _lip_profile(geo, lower)  # a slight pout
    return f


def _surprised(geo, eyes, corners, side, mask, brow_up, jaw):
    v = len(geo.ab)
    f = 1.25 * brow_up + 0.5 * jaw
    f += _spread(geo, corners, np.stack([-0.025 * side, np.zeros(4)], 1), 0.12) * mask
    f += _lids(geo, eyes, v, upper_db=-0.12, lower_db=0.05)
    return f


def _angry(geo, eyes, corners, side, mask, brow_mask):
    v = len(geo.ab)
    brows = g.RIGHT_EYEBROW + g.LEFT_EYEBROW
    f = _spread(geo, brows, np.tile([0.0, 0.045], (len(brows), 1)), 0.1) * brow_mask
    inner = g.RIGHT_BROW_INNER + g.LEFT_BROW_INNER
    inner_side = np.array([-1.0] * 4 + [1.0] * 4)
    d = np.stack([0.03 * inner_side, np.full(8, 0.03)], 1)  # drawn in toward the nose
    f += _spread(geo, inner, d, 0.07) * brow_mask
    f += _lids(geo, eyes, v, upper_db=0.12, lower_db=-0.08)
    f += _spread(geo, corners, np.stack([-0.015 * side, np.full(4, 0.012)], 1), 0.1) * mask
    for ids, db in ((g.OUTER_UPPER, 0.02), (g.OUTER_LOWER, -0.022)):
        idx = geo.ids(ids)
        f[idx, 1] += db * _lip_profile(geo, idx)  # lips pressed thin
    return f
