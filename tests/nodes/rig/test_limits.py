"""Soft limits on a dance track: what a waist-up photo can show."""

from __future__ import annotations

import numpy as np

from engine.nodes.motion import skeleton as sk
from engine.nodes.rig.limits import (
    UPPER_LIMITS_DEG,
    limit_deviations,
    soft_limit,
    to_absolute,
    to_local,
)


def test_local_angles_round_trip():
    rng = np.random.default_rng(3)
    a = rng.uniform(-np.pi, np.pi, (5, sk.N_BONES))
    back = to_absolute(to_local(a))
    assert np.allclose(np.angle(np.exp(1j * (back - a))), 0.0, atol=1e-9)


def test_soft_limit_is_monotonic_and_bounded():
    x = np.linspace(-5, 5, 101)
    y = soft_limit(x, 1.0)
    assert np.all(np.diff(y) > 0) and np.abs(y).max() < 1.0
    assert abs(soft_limit(np.array(0.01), 1.0) - 0.01) < 1e-5


def test_limits_hold_and_keep_the_accents():
    rest = np.zeros(sk.N_BONES)
    rest[sk.BONE_INDEX["l_upper_arm"]] = np.pi / 2
    t = np.linspace(0, 4 * np.pi, 200)
    a = np.repeat(rest[None], len(t), axis=0)
    b = sk.BONE_INDEX["l_upper_arm"]
    a[:, b] = rest[b] - np.radians(140) * np.abs(np.sin(t))  # raised far over the head
    limits = np.full(sk.N_BONES, np.inf)
    limits[b] = np.radians(UPPER_LIMITS_DEG["l_upper_arm"])
    out = limit_deviations(a, rest, limits)
    dev = np.degrees(np.abs(np.angle(np.exp(1j * (to_local(out) - to_local(rest))))))
    assert dev[:, b].max() <= UPPER_LIMITS_DEG["l_upper_arm"]
    # scaled, not clipped flat: the order of the deviations is kept
    order = np.argsort(np.abs(np.sin(t)))
    assert np.all(np.diff(dev[order, b]) >= -1e-9)
    assert dev[:, b].max() > 0.8 * UPPER_LIMITS_DEG["l_upper_arm"]
