"""Keyframe interpolation: C1 cubic Hermite splines whose speed dips on accented keys.

A keyframe sequence is (K,) times in seconds, (K, D) values and (K,) hits in [0, 1].
Tangents are Catmull-Rom (the slope through the two neighbours, so the curve is C1
and passes every key) scaled by (1 - hit): a hit of 1 stops the motion on the key,
which puts a minimum of joint speed there, the kinematic beat the Beat Align Score
looks for; a hit of 0 lets the motion flow through.

    values_t = hermite(times_s, values, hits, t_s)     # (T, D)
"""

from __future__ import annotations

import numpy as np


def catmull_rom_tangents(times_s: np.ndarray, values: np.ndarray) -> np.ndarray:
    """(K,), (K, D) → (K, D) slopes per second; one-sided at the ends."""
    k = times_s.size
    tangents = np.zeros_like(values)
    if k < 2:
        return tangents
    tangents[1:-1] = (values[2:] - values[:-2]) / (times_s[2:] - times_s[:-2])[:, None]
    tangents[0] = (values[1] - values[0]) / (times_s[1] - times_s[0])
    tangents[-1] = (values[-1] - values[-2]) / (times_s[-1] - times_s[-2])
    return tangents


def hermite(
    times_s: np.ndarray, values: np.ndarray, hits: np.ndarray, t_s: np.ndarray
) -> np.ndarray:
    """Evaluate the keyframe spline at ``t_s``.

    Args:
        times_s: (K,) strictly increasing key times in seconds, K >= 1.
        values: (K, D) key values (angles already unwrapped, so plain interpolation
            takes the intended arc).
        hits: (K,) in [0, 1], how fully the motion stops on each key.
        t_s: (T,) query times; clamped to the first and last key.

    Returns:
        (T, D) float64.
    """
    times_s = np.asarray(times_s, np.float64)
    values = np.asarray(values, np.float64)
    if times_s.size == 1:
        return np.repeat(values, np.size(t_s), axis=0)
    tangents = catmull_rom_tangents(times_s, values) * (1.0 - np.clip(hits, 0, 1))[:, None]
    t_s = np.clip(np.asarray(t_s, np.float64), times_s[0], times_s[-1])
    i = np.clip(np.searchsorted(times_s, t_s, side="right") - 1, 0, times_s.size - 2)
    h = times_s[i + 1] - times_s[i]
    u = ((t_s - times_s[i]) / h)[:, None]
    h00 = 2 * u**3 - 3 * u**2 + 1
    h10 = u**3 - 2 * u**2 + u
    h01 = -2 * u**3 + 3 * u**2
    h11 = u**3 - u**2
    hh = h[:, None]
    return (
        h00 * values[i] + h10 * hh * tangents[i] + h01 * values[i + 1] + h11 * hh * tangents[i + 1]
    )


def unwrap_to(
    previous_deg: np.ndarray, block_deg: np.ndarray, parents: np.ndarray | None = None
) -> np.ndarray:
    """Shift a block of keys (K, D) by whole turns per column so it joins ``previous_deg``.

    Inside a move the authored angles already say which way a limb travels; only the
    join between moves needs choosing. With ``parents`` ((D,) column of each bone's
    parent bone, -1 for none) the choice is made on the joint angle (child minus
    parent), so an elbow straightens through 0 rather than folding through the arm.
    """
    block = np.array(block_deg, dtype=np.float64)
    parents = np.full(block.shape[1], -1) if parents is None else parents
    for d in range(block.shape[1]):  # parents come before children
        p = parents[d]
        prev_rel = previous_deg[d] - (previous_deg[p] if p >= 0 else 0.0)
        rel = block[0, d] - (block[0, p] if p >= 0 else 0.0)
        block[:, d] += 360.0 * np.round((prev_rel - rel) / 360.0)
    return block
