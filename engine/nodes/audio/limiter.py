"""Look-ahead true-peak limiter gain, computed block by block.

The gain curve never exceeds the gain each sample needs (ceiling / true
peak): the need is min-filtered over the look-ahead window and then
box-averaged over the same window (an average of values that are each <= the
need is <= the need), and an envelope follower lets it recover slowly
(release). Each block recomputes the look-ahead and look-back window (a few
ms) around it; only the release follower, which is causal, carries its state
from one block to the next.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.ndimage import minimum_filter1d

from engine.nodes.audio.envelope import follow, smoothing_coefficient
from engine.nodes.audio.truepeak import CHUNK, PeakEnvelope


class Limiter:
    """Limiter gain for consecutive ranges of an ``n_samples``-long signal.

    ``peak(lo, hi)`` gives the signal's true-peak envelope, (hi - lo,) float.
    """

    def __init__(
        self,
        peak: Callable[[int, int], np.ndarray],
        n_samples: int,
        sr_hz: int,
        ceiling_dbtp: float,
        *,
        lookahead_s: float = 0.005,
        release_s: float = 0.1,
    ):
        self.peak, self.n_samples = peak, n_samples
        self.ceiling = 10.0 ** (ceiling_dbtp / 20.0)
        self.win = max(1, min(n_samples, round(lookahead_s * sr_hz)))
        self.a_release = smoothing_coefficient(release_s, sr_hz)
        self._next = 0
        self._y = 0.0  # gain reduction after the previous range

    def gain(self, lo: int, hi: int) -> np.ndarray:
        """(hi - lo,) float32 gain for samples [lo, hi); ranges follow one another from 0."""
        if lo != self._next or not lo < hi <= self.n_samples:
            raise ValueError(f"range [{lo}, {hi}) does not follow {self._next}")
        self._next = hi
        win = self.win
        e0, e1 = max(0, lo - win + 1), min(self.n_samples, hi + win - 1)
        peak = self.peak(e0, e1).astype(np.float64)
        need = np.minimum(1.0, self.ceiling / np.maximum(peak, 1e-12))
        if self._y == 0.0 and need.min() >= 1.0:
            return np.ones(hi - lo, dtype=np.float32)  # nothing to limit, nothing to release
        # Forward minimum over [j, j + win - 1] ('nearest' pads the end with
        # need[-1], which lies in any window reaching past the end).
        ahead = minimum_filter1d(need, size=win, mode="nearest", origin=-(win // 2))
        # Backward mean over [i - win + 1, i]; before the start, j < 0 stands for
        # the minimum of need[0 .. j + win - 1] (a running minimum), which contains i too.
        # Here j runs over [lo - win + 1, hi); j < 0 maps to running-minimum index j + win - 1.
        before = np.minimum.accumulate(need[: win - 1])[lo:] if lo < win - 1 else need[:0]
        ext = np.concatenate([before, ahead[max(lo - win + 1, 0) - e0 : hi - e0]])
        csum = np.concatenate([[0.0], np.cumsum(ext)])
        smooth = (csum[win:] - csum[:-win]) / win
        # Release: reduction falls back slowly; instant rise keeps gain <= smooth.
        reduction = follow(1.0 - smooth, 0.0, self.a_release, self._y)
        self._y = float(reduction[-1])
        return (1.0 - reduction).astype(np.float32)


def limiter_gain(
    audio: np.ndarray,
    sr_hz: int,
    ceiling_dbtp: float,
    *,
    lookahead_s: float = 0.005,
    release_s: float = 0.1,
) -> np.ndarray:
    """(n,) float32 gain that keeps (n, C) ``audio``'s true peak under ``ceiling_dbtp``.

    gain[i] <= ceiling / true_peak[i] for every i; 1.0 where no limiting is needed.
    """
    x = np.asarray(audio, dtype=np.float32)
    n = len(x)
    limiter = Limiter(
        PeakEnvelope(lambda a, b: x[a:b], n),
        n,
        sr_hz,
        ceiling_dbtp,
        lookahead_s=lookahead_s,
        release_s=release_s,
    )
    step = 8 * CHUNK
    parts = [limiter.gain(lo, min(n, lo + step)) for lo in range(0, n, step)]
    return np.concatenate(parts) if parts else np.ones(0, np.float32)
