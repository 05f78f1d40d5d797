"""Planted feet: a full body's legs follow its hips while the feet stay where the photo
has them.

A photo shows one pair of feet on one floor. Any track danced by a full-body rig (a
style's moves, a reference video, a BVH file) keeps both ankles at their place in the
photo and each foot at its angle. The mid-hip goes where the track's root says, within
what the legs allow (``reachable_root``): a weight shift of a few percent of the legs'
length, a dip to ``DIP_MIN`` of it, no higher than the photo's legs reach. Each leg then runs from its posed hip to its
planted ankle: thigh and shin turn together by the angle the hip→ankle line turns and
are shortened together by the share the line shortens (``plant_feet``).

Why shortened, not bent sideways: a person facing the camera bends the knees towards
it, and the picture shows the legs foreshortened; a 2D knee swung sideways from
nearly straight legs must move several pixels for every pixel of dip (the thigh turns
~7° for a dip of 1 % of the leg), which tore the seam at the hip (stretch 1.58 for a
dip of 0.7 px on bus-street). A dip of 10 % of the leg squeezes its texture to 0.9,
inside the stretch budget.
"""

from __future__ import annotations

import numpy as np

from engine.nodes.motion import skeleton as sk

DIP_MIN = 0.9  # the hip→ankle line shortens to at most this share of the photo's
# The hips shift sideways at most this share of the legs' length: the legs turn about
# the hips and the seam there stays inside the stretch budget (a shift of 0.07 of the
# torso on a real full-body photo, bus-street at 360 px, stretched 1.28 of 1.5)
SHIFT_MAX = 0.05

LEGS = (
    (sk.L_HIP, sk.L_ANKLE, "l_thigh", "l_shin", "l_foot"),
    (sk.R_HIP, sk.R_ANKLE, "r_thigh", "r_shin", "r_foot"),
)


def _leg_px(rig) -> float:
    """Mean hip→ankle length of the two legs in the photo, px."""
    return float(
        np.mean([np.linalg.norm(rig.rest_joints[a] - rig.rest_joints[h]) for h, a, *_ in LEGS])
    )


def reachable_root(rig, mid_hip: np.ndarray) -> np.ndarray:
    """The mid-hip target ``mid_hip`` (px) eased to what the legs allow: sideways at most
    ``SHIFT_MAX`` of the legs' length, down at most ``1 - DIP_MIN`` of it (each softly,
    ``tanh``, so a move keeps its shape), and never higher than a leg reaches. The rest
    pose is kept."""
    rest_mid = rig.rest_joints[sk.MID_HIP]
    o = np.asarray(mid_hip, np.float64) - rest_mid
    leg = _leg_px(rig)
    side, dip = SHIFT_MAX * leg, (1.0 - DIP_MIN) * leg
    m = rest_mid + np.array([side * np.tanh(o[0] / side), dip * np.tanh(max(o[1], 0.0) / dip)])
    for hip, ankle, *_ in LEGS:
        off, a = rig.rest_joints[hip] - rest_mid, rig.rest_joints[ankle]
        d0 = float(np.linalg.norm(a - rig.rest_joints[hip]))
        dx = float(m[0] + off[0] - a[0])
        # the hip stays above its ankle (dy = ankle_y - hip_y > 0), within its reach
        m[1] = max(m[1], a[1] - off[1] - np.sqrt(max(d0 * d0 - dx * dx, 0.0)))
    return m


def plant_feet(rig, angles: np.ndarray, joints: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each leg from its posed hip (``joints``, px) to its ankle's place in the photo.

    Returns:
        (angles (N_BONES,) absolute radians: thigh and shin turned by the turn of the
        hip→ankle line, the foot at its rest angle; scale (N_BONES,): thigh and shin
        shortened by the share that line shortens, 1 elsewhere).
    """
    a = np.array(angles, np.float64)
    scale = np.ones(sk.N_BONES)
    for hip, ankle, thigh, shin, foot in LEGS:
        v0 = rig.rest_joints[ankle] - rig.rest_joints[hip]
        v = rig.rest_joints[ankle] - joints[hip]
        turn = float(np.arctan2(v[1], v[0]) - np.arctan2(v0[1], v0[0]))
        s = float(np.linalg.norm(v) / max(np.linalg.norm(v0), 1e-9))
        for bone in (thigh, shin):
            b = sk.BONE_INDEX[bone]
            a[b] = rig.rest_angles[b] + turn
            scale[b] = s
        a[sk.BONE_INDEX[foot]] = rig.rest_angles[sk.BONE_INDEX[foot]]
    return a, scale
