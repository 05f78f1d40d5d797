"""True peak (ITU-R BS.1770 Annex 2): the peak of the signal between samples.

The signal is 4x oversampled with a polyphase filter, in chunks of ``CHUNK``
samples with ``CONTEXT`` samples of context on both sides, so memory stays
bounded and chunk edges do not show. The chunk grid is fixed (multiples of
``CHUNK`` from sample 0), so the envelope of a sample does not depend on how a
stream was cut into blocks: ``true_peak_envelope`` on a whole array,
``PeakEnvelope`` on demand over a source, and ``PeakMeter`` over a stream of
blocks all give the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy.signal import resample_poly

OVERSAMPLE = 4
CHUNK = 1 << 16  # samples per oversampling chunk
CONTEXT = 64  # base-rate samples of context each side of a chunk (filter span)

Reader = Callable[[int, int], np.ndarray]  # (lo, hi) -> (hi - lo, C) float32


def db(x: float) -> float:
    """Linear amplitude -> dB (0 -> -inf)."""
    return 20.0 * math.log10(x) if x > 0 else -math.inf


def _max_abs_columns(x: np.ndarray) -> np.ndarray:
    """max |x[:, k]| over the few columns k, (n, K) -> (n,) (faster than .max(axis=1))."""
    out = np.abs(x[:, 0])
    for k in range(1, x.shape[1]):
        np.maximum(out, np.abs(x[:, k]), out=out)
    return out


def _window_peak(window: np.ndarray, offset: int, length: int) -> np.ndarray:
    """Envelope of window[offset : offset + length], the rest being context, (length,) float32."""
    up = resample_poly(window, OVERSAMPLE, 1, axis=0)
    up = _max_abs_columns(up[offset * OVERSAMPLE : (offset + length) * OVERSAMPLE])
    peak = _max_abs_columns(up.reshape(length, OVERSAMPLE))
    # The samples themselves are peaks too (the filter may undershoot them).
    np.maximum(peak, _max_abs_columns(window[offset : offset + length]), out=peak)
    return peak


def chunk_peak(read: Reader, n_samples: int, k: int) -> np.ndarray:
    """Envelope of chunk ``k`` (samples [k * CHUNK, (k + 1) * CHUNK) within n), float32."""
    lo, hi = k * CHUNK, min(n_samples, (k + 1) * CHUNK)
    a, b = max(0, lo - CONTEXT), min(n_samples, hi + CONTEXT)
    return _window_peak(np.asarray(read(a, b), dtype=np.float32), lo - a, hi - lo)


def true_peak_envelope(audio: np.ndarray) -> np.ndarray:
    """Per-sample true peak: (n, C) float -> (n,) float32, max |x| over channels
    and over the 4 oversampled points from each sample to the next."""
    x = np.asarray(audio, dtype=np.float32)
    n = len(x)
    parts = [chunk_peak(lambda a, b: x[a:b], n, k) for k in range(-(-n // CHUNK))]
    return np.concatenate(parts) if parts else np.zeros(0, np.float32)


def measure_true_peak_dbtp(audio: np.ndarray) -> float:
    """True peak of (n, C) audio in dBTP (dB relative to full scale, 4x oversampled)."""
    return db(float(true_peak_envelope(audio).max())) if len(audio) else -math.inf


class PeakEnvelope:
    """Per-sample true peak of a source, made chunk by chunk as ranges are asked for.

    Ranges may overlap and go a little back; chunks before the latest range's
    first chunk are forgotten.
    """

    def __init__(self, read: Reader, n_samples: int):
        self.read, self.n_samples = read, n_samples
        self._chunks: dict[int, np.ndarray] = {}

    def __call__(self, lo: int, hi: int) -> np.ndarray:
        """(hi - lo,) float32 envelope of samples [lo, hi), 0 <= lo < hi <= n."""
        k0, k1 = lo // CHUNK, (hi - 1) // CHUNK
        for k in [k for k in self._chunks if k < k0]:
            del self._chunks[k]
        parts = []
        for k in range(k0, k1 + 1):
            if k not in self._chunks:
                self._chunks[k] = chunk_peak(self.read, self.n_samples, k)
            parts.append(self._chunks[k])
        env = np.concatenate(parts) if len(parts) > 1 else parts[0]
        return env[lo - k0 * CHUNK : hi - k0 * CHUNK]


class PeakMeter:
    """Running true peak of an ``n_samples``-long signal fed in consecutive blocks."""

    def __init__(self, n_samples: int):
        self.n_samples = n_samples
        self.peak = 0.0  # linear, max over the chunks measured so far
        self._buf: np.ndarray | None = None  # samples from _buf_lo on
        self._buf_lo = 0
        self._next = 0  # first sample of the next chunk to measure

    def feed(self, block: np.ndarray) -> None:
        """Add the next (k, C) samples."""
        block = np.asarray(block, dtype=np.float32)
        self._buf = block if self._buf is None else np.concatenate([self._buf, block])
        received = self._buf_lo + len(self._buf)
        while self._next < self.n_samples:
            lo = self._next
            hi = min(self.n_samples, lo + CHUNK)
            a, b = max(0, lo - CONTEXT), min(self.n_samples, hi + CONTEXT)
            if b > received:
                break
            window = self._buf[a - self._buf_lo : b - self._buf_lo]
            self.peak = max(self.peak, float(_window_peak(window, lo - a, hi - lo).max()))
            self._next = hi
        drop = max(0, self._next - CONTEXT - self._buf_lo)
        self._buf = self._buf[drop:]
        self._buf_lo += drop

    @property
    def dbtp(self) -> float:
        """The true peak in dBTP (complete once all samples are fed)."""
        return db(self.peak)
