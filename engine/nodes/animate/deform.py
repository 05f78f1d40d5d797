"""Controls → deformed mesh vertices: linear fields, then a 2D head pose.

The linear slots (mouth, lids, gaze, brows, expressions) add their fields
(``FaceRig.fields`` x value). The head pose then turns the face: yaw and pitch
rotate each vertex about the face centre in 3D using the landmark depth
(a pseudo-3D turn: the nose moves more than the cheeks), roll turns it in the
image plane about the neck, and ``nod`` shifts it down the face. Each vertex
takes ``head_weight`` of that motion, so the 1.3x ring follows part-way and
the background not at all.
"""

from __future__ import annotations

import math

import numpy as np

from engine.errors import NodeError
from engine.nodes.animate.controls import N_CONTROLS, SLOT
from engine.nodes.animate.rig import FaceRig

NOD_IOD = 0.1  # head shift at nod = 1, inter-ocular distances
# A photo's parted lips count as this share of their opening in jaw units: a smile
# parts the lips wider than its jaw is open. At 1 the astronaut's mouth hardly
# opened past her smile while speaking (qc opening p95 0.19, lip-sync r 0.46 on a
# short line); at 0.5 vowels open past it and consonants close it. At 0.7 (issue 13)
# the lips close over her teeth through more of speech's middle range and part past
# the smile on the louder vowels: qc's r on three real recordings 0.70-0.81 -> 0.74-0.83
# (loudness gains 1.0 within 0.4-1.8). qc's landmark model puts her upper inner lip on
# the upper teeth's edge, so it reads her opening at about half Grace Hopper's scale.
PARTED_SHARE = 0.7


def as_controls(controls) -> np.ndarray:
    """(C,) float32 control vector from a vector or a mapping of slot names."""
    if isinstance(controls, dict):
        vec = np.zeros(N_CONTROLS, np.float32)
        for name, value in controls.items():
            if name not in SLOT:
                raise NodeError(f"unknown face control {name!r}", kind="animate.deform")
            vec[SLOT[name]] = value
        return vec
    vec = np.asarray(controls, np.float32).reshape(-1)
    if vec.shape != (N_CONTROLS,) or not np.all(np.isfinite(vec)):
        raise NodeError(
            f"controls must be {N_CONTROLS} finite numbers, got shape {vec.shape}",
            kind="animate.deform",
            hint="build them with animate.controls.controls(...) or face_controls(...)",
        )
    return vec


def deform(rig: FaceRig, controls) -> np.ndarray:
    """Mesh vertices for one frame.

    rig: from ``build_face_rig``.
    controls: (C,) float32 (``controls.SLOTS`` order) or a {slot: value} dict.

    Returns (V, 2) float32 frame px; all-zero controls give ``rig.rest_pts`` exactly.
    """
    c = as_controls(controls)
    c, close = mouth_from_rest(rig, c)
    dst = rig.rest_pts + np.tensordot(c, rig.fields, axes=1)
    if close > 0.0:
        dst = dst + close * rig.close_field
    yaw, pitch, roll = (math.radians(float(c[SLOT[k]])) for k in ("yaw", "pitch", "roll"))
    nod = float(c[SLOT["nod"]])
    if yaw == 0.0 and pitch == 0.0 and roll == 0.0 and nod == 0.0:
        return dst.astype(np.float32)
    return head_pose(rig, dst, yaw, pitch, roll, nod).astype(np.float32)


def mouth_from_rest(rig: FaceRig, c: np.ndarray) -> tuple[np.ndarray, float]:
    """While talking, count the jaw from lips together rather than from the photo's own.

    A photo with parted lips (``rig.rest_jaw`` > 0) counts as open by
    ``PARTED_SHARE * rest_jaw``: a jaw below that closes its lips (the share of
    ``close_field``, 0..1) and one above opens them that much less far than on a
    closed mouth, so a wide smile opens less. Returns the controls for the linear fields and
    the closing share.
    """
    talking = float(np.clip(c[SLOT["talking"]], 0.0, 1.0))
    if rig.rest_jaw <= 0.0 or talking == 0.0 or rig.close_field is None:
        return c, 0.0
    held = PARTED_SHARE * rig.rest_jaw  # the jaw at which the lips part as in the photo
    jaw = float(c[SLOT["jaw_open"]]) - talking * held
    out = c.copy()
    out[SLOT["jaw_open"]] = max(jaw, 0.0)
    return out, min(max(-jaw, 0.0) / held, 1.0)


def head_pose(
    rig: FaceRig, pts: np.ndarray, yaw: float, pitch: float, roll: float, nod: float
) -> np.ndarray:
    """(V, 2) px: ``pts`` turned by yaw/pitch/roll (radians) and nodded, by head weight."""
    pts = np.asarray(pts, np.float64)
    u, v = rig.axis_u.astype(np.float64), rig.axis_v.astype(np.float64)
    rel = pts - rig.centre_xy
    a, b, z = rel @ u, rel @ v, rig.depth.astype(np.float64)
    # yaw about the face's vertical axis: the nearer (negative depth) moves to +a
    a, z = a * math.cos(yaw) - z * math.sin(yaw), a * math.sin(yaw) + z * math.cos(yaw)
    # pitch about the horizontal axis: positive tips the chin down
    b = b * math.cos(pitch) - z * math.sin(pitch)
    turned = rig.centre_xy + a[:, None] * u + b[:, None] * v
    cr, sr = math.cos(roll), math.sin(roll)
    rel = turned - rig.pivot_xy  # y down: this matrix turns clockwise on screen
    turned = rig.pivot_xy + rel @ np.array([[cr, sr], [-sr, cr]])
    turned += nod * NOD_IOD * rig.iod_px * v
    w = rig.head_weight.astype(np.float64)[:, None]
    return pts + w * (turned - pts)
