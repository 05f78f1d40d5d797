"""Integrated loudness (ITU-R BS.1770-4, EBU R128) of a signal fed block by block.

It follows pyloudnorm's ``Meter.integrated_loudness`` step for step, so the
two agree: K-weighting (a high shelf then a high pass, pyloudnorm's
coefficients), here with the filter state carried from block to block; mean
squares over 400 ms gating blocks every 100 ms (75 % overlap) at pyloudnorm's
sample bounds; an absolute gate at -70 LUFS and a relative gate 10 LU under
the loudness of the blocks that pass it. Only the filtered samples of the
current gating block and one loudness value per 100 ms are held.
"""

from __future__ import annotations

import math

import numpy as np
from pyloudnorm.iirfilter import IIRfilter
from scipy.signal import lfilter

BLOCK_S = 0.400  # gating block length
OVERLAP = 0.75  # share of a block shared with the next
ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
CHANNEL_GAINS = (1.0, 1.0, 1.0, 1.41, 1.41)  # L, R, C, Ls, Rs


class LoudnessMeter:
    """Integrated loudness of an ``n_samples``-long (n, C) signal fed in consecutive blocks.

    Example::

        meter = LoudnessMeter(48000, len(audio), 2)
        for lo in range(0, len(audio), 65536):
            meter.feed(audio[lo : lo + 65536])
        lufs = meter.loudness()  # == pyloudnorm.Meter(48000).integrated_loudness(audio)
    """

    def __init__(self, sr_hz: int, n_samples: int, n_channels: int):
        self.sr_hz, self.n_samples, self.n_channels = sr_hz, n_samples, n_channels
        stages = (
            IIRfilter(4.0, 1 / np.sqrt(2), 1500.0, sr_hz, "high_shelf"),
            IIRfilter(0.0, 0.5, 38.0, sr_hz, "high_pass"),
        )
        self._stages = [(f.b, f.a, f.passband_gain) for f in stages]
        self._state = [
            [np.zeros(len(a) - 1) for a in (f.a for f in stages)] for _ in range(n_channels)
        ]
        step = 1.0 - OVERLAP
        duration_s = n_samples / sr_hz
        # pyloudnorm's block count and bounds (the same float expressions).
        self.n_blocks = int(np.round((duration_s - BLOCK_S) / (BLOCK_S * step))) + 1
        self._bounds = [
            (int(BLOCK_S * (j * step) * sr_hz), int(BLOCK_S * (j * step + 1) * sr_hz))
            for j in range(max(0, self.n_blocks))
        ]
        self._z = np.zeros((n_channels, max(0, self.n_blocks)))  # mean square per block
        self._buf = [np.zeros(0) for _ in range(n_channels)]  # filtered samples from _buf_lo
        self._buf_lo = 0
        self._received = 0
        self._next_block = 0

    def feed(self, block: np.ndarray) -> None:
        """Add the next (k, C) samples."""
        x = np.asarray(block, dtype=np.float64)
        for ch in range(self.n_channels):
            y = x[:, ch]
            for s, (b, a, gain) in enumerate(self._stages):
                y, self._state[ch][s] = lfilter(b, a, y, zi=self._state[ch][s])
                y = gain * y
            self._buf[ch] = np.concatenate([self._buf[ch], y])
        self._received += len(x)
        self._measure(final=self._received >= self.n_samples)

    def _measure(self, final: bool) -> None:
        """Mean squares of the gating blocks that are complete (all of them if ``final``)."""
        while self._next_block < self.n_blocks:
            lo, hi = self._bounds[self._next_block]
            if hi > self._received and not final:
                break
            for ch in range(self.n_channels):
                part = self._buf[ch][lo - self._buf_lo : hi - self._buf_lo]
                self._z[ch, self._next_block] = (1.0 / (BLOCK_S * self.sr_hz)) * np.sum(
                    np.square(part)
                )
            self._next_block += 1
        keep = (
            self._bounds[self._next_block][0]
            if self._next_block < self.n_blocks
            else self._received
        )
        drop = max(0, min(keep, self._received) - self._buf_lo)
        self._buf = [buf[drop:] for buf in self._buf]
        self._buf_lo += drop

    def loudness(self) -> float:
        """Integrated loudness in LUFS (-inf for silence) once all samples are fed."""
        if self._received < self.n_samples:
            raise ValueError(f"fed {self._received} of {self.n_samples} samples")
        gains = CHANNEL_GAINS[: self.n_channels]
        z = self._z
        power = sum(gains[i] * z[i] for i in range(self.n_channels))
        with np.errstate(divide="ignore"):
            block_lufs = -0.691 + 10.0 * np.log10(power)
        passed = block_lufs >= ABSOLUTE_GATE_LUFS
        if not passed.any():
            return -math.inf
        mean_z = [np.mean(z[i, passed]) for i in range(self.n_channels)]
        relative = (
            -0.691 + 10.0 * np.log10(np.sum([gains[i] * mean_z[i] for i in range(len(mean_z))]))
        ) + RELATIVE_GATE_LU
        passed = (block_lufs > relative) & (block_lufs > ABSOLUTE_GATE_LUFS)
        if not passed.any():
            return -math.inf
        mean_z = [np.mean(z[i, passed]) for i in range(self.n_channels)]
        with np.errstate(divide="ignore"):
            return float(
                -0.691 + 10.0 * np.log10(np.sum([gains[i] * mean_z[i] for i in range(len(mean_z))]))
            )
