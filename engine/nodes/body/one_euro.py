"""The One-Euro filter: an adaptive low-pass filter for noisy tracked points.

A still point needs heavy smoothing (jitter is all noise), a moving one little (lag is
worse than jitter). The One-Euro filter is an exponential smoother whose cut-off
frequency rises with the point's speed:

    cutoff_hz = min_cutoff + beta * |filtered speed|
    alpha = 1 / (1 + tau / dt),  tau = 1 / (2 pi cutoff_hz)
    x_hat = alpha * x + (1 - alpha) * x_hat_previous

Casiez, Roussel, Vogel, "1 € Filter: A Simple Speed-based Low-pass Filter for Noisy
Input in Interactive Systems", CHI 2012.
"""

from __future__ import annotations

import math

import numpy as np


def smoothing_factor(cutoff_hz: np.ndarray | float, dt_sec: float) -> np.ndarray | float:
    """EMA weight of the newest sample for a first-order low-pass at ``cutoff_hz``."""
    tau_sec = 1.0 / (2.0 * math.pi * np.asarray(cutoff_hz))
    return 1.0 / (1.0 + tau_sec / dt_sec)


class OneEuroFilter:
    """One-Euro filter over arrays of any fixed shape, one sample at a time.

    Args:
        min_cutoff: Hz > 0, the cut-off of a still point (lower: smoother, more lag).
        beta: >= 0, cut-off gain per unit of speed (higher: less lag when moving).
            Speed is measured in value units per second times ``value_scale``.
        d_cutoff: Hz > 0, the cut-off of the low-pass on the speed estimate.
    """

    def __init__(self, min_cutoff: float = 1.0, beta: float = 0.0, d_cutoff: float = 1.0):
        if not (min_cutoff > 0 and d_cutoff > 0 and beta >= 0):
            raise ValueError(
                f"One-Euro needs min_cutoff > 0, d_cutoff > 0, beta >= 0; "
                f"got {min_cutoff}, {d_cutoff}, {beta}"
            )
        self.min_cutoff = min_cutoff
        self.beta = beta
        self.d_cutoff = d_cutoff
        self.reset()

    def reset(self) -> None:
        """Forget the past: the next sample passes through unchanged."""
        self._t_sec: float | None = None
        self._x_raw: np.ndarray | None = None
        self._x_hat: np.ndarray | None = None
        self._dx_hat: np.ndarray | None = None

    def __call__(self, x: np.ndarray, t_sec: float, value_scale: float = 1.0) -> np.ndarray:
        """Filter one sample ``x`` taken at time ``t_sec``.

        Args:
            x: array of any shape (the same every call), e.g. (33, 2) float px.
            t_sec: sample time in seconds, increasing.
            value_scale: multiplies the speed before ``beta`` applies, e.g. 1 / body
                size in px so that one ``beta`` suits near and far people.

        Returns:
            The filtered sample, float64, shaped like ``x``.
        """
        x = np.asarray(x, np.float64)
        if self._x_hat is None or self._t_sec is None or t_sec <= self._t_sec:
            # First sample, or time did not advance: nothing to smooth against.
            first = self._x_hat is None or self._t_sec is None
            self._x_hat = x.copy() if first else self._x_hat
            self._x_raw = x.copy()
            self._dx_hat = np.zeros_like(x) if first else self._dx_hat
            self._t_sec = t_sec if first else self._t_sec
            return self._x_hat.copy()
        dt_sec = t_sec - self._t_sec
        # Speed from the raw samples, smoothed at d_cutoff (value units per second).
        dx = (x - self._x_raw) / dt_sec * value_scale
        a_d = smoothing_factor(self.d_cutoff, dt_sec)
        self._dx_hat = a_d * dx + (1.0 - a_d) * self._dx_hat
        cutoff_hz = self.min_cutoff + self.beta * np.abs(self._dx_hat)
        a = smoothing_factor(cutoff_hz, dt_sec)
        self._x_hat = a * x + (1.0 - a) * self._x_hat
        self._x_raw = x.copy()
        self._t_sec = t_sec
        return self._x_hat.copy()


def one_euro(
    values: np.ndarray,
    fps: float,
    min_cutoff: float = 1.0,
    beta: float = 0.0,
    d_cutoff: float = 1.0,
    value_scale: np.ndarray | None = None,
) -> np.ndarray:
    """Filter a whole series ``values`` (T, ...) sampled at ``fps`` frames per second.

    Args:
        value_scale: (T,) per-frame speed scale (see ``OneEuroFilter``), or None for 1.

    Returns:
        (T, ...) float64 filtered series.
    """
    values = np.asarray(values, np.float64)
    filt = OneEuroFilter(min_cutoff, beta, d_cutoff)
    out = np.empty_like(values)
    for t in range(len(values)):
        scale = 1.0 if value_scale is None else float(value_scale[t])
        out[t] = filt(values[t], t / fps, scale)
    return out
