"""The stretch budget: triangles measured against the photo, limits, and the guarantee."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from engine.nodes.motion import skeleton as sk
from engine.nodes.rig.limits import limit_track, to_local
from engine.nodes.rig.pose import rig_pose
from engine.nodes.rig.posture import arms_crossed
from engine.nodes.rig.stretch import (
    BUDGET,
    SWEEP_MAX_RAD,
    StretchMeter,
    frame_stretch,
    keep_in_budget,
    triangle_stretch,
)

B = sk.BONE_INDEX


def _one_triangle(corners):
    rest = np.asarray(corners, np.float64)
    return SimpleNamespace(skin_rest=rest, vert_skin=np.arange(3), triangles=np.array([[0, 1, 2]]))


@pytest.mark.parametrize(
    ("matrix", "expected"),
    [
        (np.diag([1.5, 1.0]), (1.5, 1.0)),  # drawn out 1.5x along x
        (np.diag([1.0, 0.5]), (1.0, 0.5)),  # squeezed to half along y
        ([[0.0, -1.0], [1.0, 0.0]], (1.0, 1.0)),  # turned: rigid
        (np.diag([-1.0, 1.0]), (1.0, -1.0)),  # mirrored (folded over): below 0
    ],
)
def test_one_triangle_by_hand(matrix, expected):
    rig = _one_triangle([[0, 0], [10, 0], [0, 10]])
    dst = rig.skin_rest @ np.asarray(matrix, np.float64).T + [5.0, 7.0]
    assert np.allclose(triangle_stretch(rig, dst)[0], expected)


def test_a_sliver_is_judged_by_its_edges():
    rig = _one_triangle([[0, 0], [40, 0], [20, 1]])  # 1 px high: no texture across it
    dst = rig.skin_rest.copy()
    dst[2, 1] = 3.0  # tripled across its height, edges barely longer
    hi, lo = triangle_stretch(rig, dst)[0]
    assert 1.0 < hi < 1.01 and lo == pytest.approx(1.0)


def test_meter_keeps_the_worst():
    rig = _one_triangle([[0, 0], [10, 0], [0, 10]])
    meter = StretchMeter()
    for s in (1.2, 0.9, 1.4):
        meter.add(rig, rig.skin_rest * s)
    report = meter.summary()
    assert report["max"] == pytest.approx(1.4) and report["min"] == pytest.approx(0.9)
    assert report["within"] and report["frames"] == 3 and report["budget"] == list(BUDGET)


def test_free_arms_turn_fully_the_torso_within_its_limits(figure_rig):
    rig = figure_rig
    for name in ("l_upper_arm", "l_forearm", "r_upper_arm", "r_forearm"):
        assert np.allclose(np.abs(rig.joint_limits[B[name]]), SWEEP_MAX_RAD)  # rigid pieces
    for name in ("spine", "neck"):
        lo, hi = rig.joint_limits[B[name]]
        assert lo < -np.radians(3) and hi > np.radians(3)
        local = to_local(rig.rest_angles)
        local[B[name]] += hi
        from engine.nodes.rig.limits import to_absolute

        worst_hi, worst_lo = frame_stretch(rig, rig_pose(rig, to_absolute(local), (0, 0)))
        assert worst_hi <= 1.34 and worst_lo >= 0.74  # the limit's own margin


@pytest.mark.parametrize("which", ["astronaut", "figure"])
def test_every_frame_of_a_wild_dance_keeps_the_budget(which, rig, figure_rig):
    rig = rig if which == "astronaut" else figure_rig
    rng = np.random.default_rng(5)
    n = 40
    angles = rig.rest_angles + rng.normal(0.0, 0.6, (n, sk.N_BONES))  # far past any limit
    root = rng.normal(0.0, 0.1, (n, 2))
    # a full body's root bends its legs over planted feet: it is held back with the turns
    out, held_root = limit_track(rig, angles, root, with_root=True)
    assert np.array_equal(out, limit_track(rig, angles, root))
    for a, r in zip(out, held_root, strict=True):
        hi, lo = frame_stretch(rig, rig_pose(rig, a, r))
        assert hi <= BUDGET[1] + 1e-9 and lo >= BUDGET[0] - 1e-9
    # keep_in_budget alone, on the raw track: the same guarantee, and still dancing
    kept, scale = keep_in_budget(rig, angles, root)
    assert (scale <= 1.0).all() and scale.max() > 0.0
    if rig.mode == "full":
        root = root * scale[:, None]
    for a, r in zip(kept, root, strict=True):
        hi, lo = frame_stretch(rig, rig_pose(rig, a, r))
        assert hi <= BUDGET[1] + 1e-9 and lo >= BUDGET[0] - 1e-9


def _joints(l_elbow, l_wrist, r_elbow, r_wrist):
    j = np.zeros((sk.N_JOINTS, 2))
    j[sk.L_SHOULDER], j[sk.R_SHOULDER] = (160, 100), (100, 100)
    j[sk.MID_SHOULDER], j[sk.MID_HIP] = (130, 100), (130, 220)
    j[sk.L_ELBOW], j[sk.L_WRIST], j[sk.R_ELBOW], j[sk.R_WRIST] = l_elbow, l_wrist, r_elbow, r_wrist
    return j


def test_arms_crossed_by_hand():
    folded = _joints((170, 160), (100, 150), (90, 160), (160, 150))  # each hand at the other elbow
    hanging = _joints((170, 160), (175, 215), (90, 160), (85, 215))
    tucked = _joints((165, 170), (115, 170), (95, 170), (145, 165))  # wrists past the midline
    assert arms_crossed(folded) and arms_crossed(tucked) and not arms_crossed(hanging)
