"""Attack/release envelope follower: a one-pole smoother with two speeds.

    y[i] = a * y[i-1] + (1 - a) * x[i],   a = a_rise if x[i] > y[i-1] else a_fall

with ``a = exp(-1 / (tau_s * sr_hz))`` for a time constant ``tau_s`` (after
``tau_s`` seconds a step has come 63 % of the way). ``tau_s = 0`` gives
``a = 0``: the output jumps to a rising (or falling) input at once.

It is the detector of the music ducker and the release stage of the
true-peak limiter. The recursion runs once per sample, so it is a numba kernel;
``follow_reference`` is the plain Python loop it is tested against.
"""

from __future__ import annotations

import math

import numba
import numpy as np


def smoothing_coefficient(tau_s: float, sr_hz: int) -> float:
    """One-pole coefficient for time constant ``tau_s`` seconds at ``sr_hz``."""
    if tau_s < 0:
        raise ValueError(f"time constant must be >= 0 s, got {tau_s}")
    return 0.0 if tau_s == 0 else math.exp(-1.0 / (tau_s * sr_hz))


@numba.njit(
    numba.float64[::1](numba.float64[::1], numba.float64, numba.float64, numba.float64),
    cache=True,
    nogil=True,
)
def _follow_kernel(x, a_rise, a_fall, y0):
    out = np.empty_like(x)
    y = y0
    for i in range(x.shape[0]):
        target = x[i]
        a = a_rise if target > y else a_fall
        y = a * y + (1.0 - a) * target
        out[i] = y
    return out


def follow(x: np.ndarray, a_rise: float, a_fall: float, y0: float = 0.0) -> np.ndarray:
    """Envelope of ``x``, (n,) -> (n,) float64; see the module docstring."""
    if not (0.0 <= a_rise < 1.0 and 0.0 <= a_fall < 1.0):
        raise ValueError(f"coefficients must be in [0, 1), got {a_rise}, {a_fall}")
    return _follow_kernel(np.ascontiguousarray(x, dtype=np.float64), a_rise, a_fall, float(y0))


def follow_reference(x: np.ndarray, a_rise: float, a_fall: float, y0: float = 0.0) -> np.ndarray:
    """Plain Python version of ``follow`` (slow; for tests)."""
    out = np.empty(len(x), dtype=np.float64)
    y = float(y0)
    for i, target in enumerate(np.asarray(x, dtype=np.float64)):
        a = a_rise if target > y else a_fall
        y = a * y + (1.0 - a) * target
        out[i] = y
    return out
