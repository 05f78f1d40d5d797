"""Loudness normalisation to a target (EBU R128 / ITU-R BS.1770) with a true-peak limiter.

Integrated loudness is measured with pyloudnorm (K-weighting, 400 ms blocks,
absolute and relative gates). A plain gain brings the mix to the target; a
look-ahead limiter then holds the true peak (the peak of the signal
reconstructed between samples, measured on a 4x-oversampled copy, as
BS.1770 Annex 2 describes) under the ceiling. Limiting lowers the loudness a
little, so gain and limiter are iterated until the loudness is within
``tolerance_lu`` of the target.

The limiter's gain curve never exceeds the gain each sample needs: the needed
gain is min-filtered over the look-ahead window and then box-averaged over the
same window (an average of values that are each <= the need is <= the need),
and an envelope follower lets it recover slowly (release).
"""

from __future__ import annotations

import math

import numpy as np
import pyloudnorm
from scipy.ndimage import minimum_filter1d
from scipy.signal import resample_poly

from engine.errors import NodeError
from engine.nodes.audio.envelope import follow, smoothing_coefficient

KIND = "audio.loudness"
OVERSAMPLE = 4
_CHUNK = 1 << 16  # samples per oversampling chunk (bounded memory)
_CONTEXT = 64  # base-rate samples of context each side of a chunk (filter span)
_SILENT_LUFS = -70.0  # BS.1770 absolute gate: below this there is nothing to measure


def db(x: float) -> float:
    """Linear amplitude -> dB (0 -> -inf)."""
    return 20.0 * math.log10(x) if x > 0 else -math.inf


def true_peak_envelope(audio: np.ndarray) -> np.ndarray:
    """Per-sample true peak: (n, C) float -> (n,) float32, max |x| over channels
    and over the 4 oversampled points from each sample to the next.

    Oversampling is done in chunks with context on both sides, so memory stays
    bounded for long mixes and chunk edges do not show.
    """
    x = np.asarray(audio, dtype=np.float32)
    n = len(x)
    peak = np.empty(n, dtype=np.float32)
    for lo in range(0, n, _CHUNK):
        hi = min(n, lo + _CHUNK)
        a, b = max(0, lo - _CONTEXT), min(n, hi + _CONTEXT)
        up = resample_poly(x[a:b], OVERSAMPLE, 1, axis=0)
        up = _max_abs_columns(up[(lo - a) * OVERSAMPLE : (hi - a) * OVERSAMPLE])
        peak[lo:hi] = _max_abs_columns(up.reshape(hi - lo, OVERSAMPLE))
    # The samples themselves are peaks too (the filter may undershoot them).
    np.maximum(peak, _max_abs_columns(x), out=peak)
    return peak


def _max_abs_columns(x: np.ndarray) -> np.ndarray:
    """max |x[:, k]| over the few columns k, (n, K) -> (n,) (faster than .max(axis=1))."""
    out = np.abs(x[:, 0])
    for k in range(1, x.shape[1]):
        np.maximum(out, np.abs(x[:, k]), out=out)
    return out


def measure_true_peak_dbtp(audio: np.ndarray) -> float:
    """True peak of (n, C) audio in dBTP (dB relative to full scale, 4x oversampled)."""
    return db(float(true_peak_envelope(audio).max())) if len(audio) else -math.inf


def limiter_gain(
    audio: np.ndarray,
    sr_hz: int,
    ceiling_dbtp: float,
    *,
    lookahead_s: float = 0.005,
    release_s: float = 0.1,
) -> np.ndarray:
    """(n,) float32 gain that keeps ``audio``'s true peak under ``ceiling_dbtp``.

    gain[i] <= ceiling / true_peak[i] for every i; 1.0 where no limiting is needed.
    """
    ceiling = 10.0 ** (ceiling_dbtp / 20.0)
    peak = true_peak_envelope(audio).astype(np.float64)
    need = np.minimum(1.0, ceiling / np.maximum(peak, 1e-12))
    if need.min() >= 1.0:
        return np.ones(len(audio), dtype=np.float32)
    win = max(1, min(len(need), round(lookahead_s * sr_hz)))
    # Forward minimum over [j, j + win - 1] ('nearest' pads the end with need[-1],
    # which lies in any window reaching past the end).
    ahead = minimum_filter1d(need, size=win, mode="nearest", origin=-(win // 2))
    # Backward mean over [i - win + 1, i]; before the start, j < 0 stands for the
    # minimum of need[0 .. j + win - 1] (a running minimum), which contains i too.
    ext = np.concatenate([np.minimum.accumulate(need[: win - 1]), ahead])
    csum = np.concatenate([[0.0], np.cumsum(ext)])
    smooth = (csum[win:] - csum[:-win]) / win
    # Release: reduction falls back slowly; instant rise keeps gain <= smooth.
    reduction = follow(1.0 - smooth, 0.0, smoothing_coefficient(release_s, sr_hz))
    return (1.0 - reduction).astype(np.float32)


def _integrated_lufs(meter: pyloudnorm.Meter, audio: np.ndarray) -> float:
    return float(meter.integrated_loudness(audio.astype(np.float64)))


def normalise(
    audio: np.ndarray,
    sr_hz: int,
    target_lufs: float = -14.0,
    true_peak_dbtp: float = -1.0,
    *,
    tolerance_lu: float = 0.1,
    max_passes: int = 6,
) -> tuple[np.ndarray, dict]:
    """Bring (n, 2) float32 audio to ``target_lufs`` with true peak <= ``true_peak_dbtp``.

    Parameters
    ----------
    audio : (n, C) float32 at ``sr_hz``.
    target_lufs : integrated loudness target in LUFS (-14 for web platforms).
    true_peak_dbtp : ceiling for the 4x-oversampled peak, in dBTP.
    tolerance_lu : stop iterating gain + limiter once within this many LU.

    Returns
    -------
    (audio_out, report): audio_out (n, C) float32; report is a dict with
    ``input_lufs, output_lufs, input_peak_dbtp, output_peak_dbtp, gain_db,
    limited_fraction`` (share of samples the limiter turned down), ``passes``
    (gain + limiter rounds) and
    ``skipped``: None, or ``"silent"`` / ``"too short"`` when the loudness
    cannot be measured, in which case the audio comes back unchanged.
    """
    if not isinstance(audio, np.ndarray) or audio.ndim != 2 or not np.isfinite(audio).all():
        got = f"{audio.shape} {audio.dtype}" if isinstance(audio, np.ndarray) else type(audio)
        raise NodeError(
            f"audio should be finite (n, C) float32, but got {got}",
            kind=KIND,
            hint="mix to (n, 2) first; check for NaN",
        )
    audio = audio.astype(np.float32, copy=False)
    meter = pyloudnorm.Meter(sr_hz)  # BS.1770-4 K-weighting
    report = {
        "target_lufs": float(target_lufs),
        "ceiling_dbtp": float(true_peak_dbtp),
        "input_lufs": None,
        "output_lufs": None,
        "input_peak_dbtp": measure_true_peak_dbtp(audio),
        "output_peak_dbtp": None,
        "gain_db": 0.0,
        "limited_fraction": 0.0,
        "skipped": None,
    }
    if len(audio) < round(meter.block_size * sr_hz):
        report["skipped"] = "too short"  # BS.1770 needs one 400 ms block
        report["output_peak_dbtp"] = report["input_peak_dbtp"]
        return audio, report
    input_lufs = _integrated_lufs(meter, audio)
    report["input_lufs"] = input_lufs
    if not math.isfinite(input_lufs) or input_lufs < _SILENT_LUFS:
        report["skipped"] = "silent"
        report["output_peak_dbtp"] = report["input_peak_dbtp"]
        return audio, report

    gain_db = target_lufs - input_lufs
    # The limiter aims a little under the ceiling: the gain curve is applied at
    # the base rate, which can move the reconstructed peaks by a hair.
    margin_db, previous = 0.05, None
    for passes in range(1, max_passes + 1):  # noqa: B007 (reported below)
        scaled = audio * np.float32(10.0 ** (gain_db / 20.0))
        gain = limiter_gain(scaled, sr_hz, true_peak_dbtp - margin_db)
        out = scaled * gain[:, None]
        out_lufs = _integrated_lufs(meter, out)
        out_peak = measure_true_peak_dbtp(out)
        if out_peak > true_peak_dbtp:
            margin_db += out_peak - true_peak_dbtp + 0.02
            continue
        if abs(out_lufs - target_lufs) <= tolerance_lu:
            break
        # Secant step: limiting makes loudness grow slower than the gain.
        slope = 1.0
        if previous is not None and gain_db != previous[0]:
            slope = min(1.0, max(0.2, (out_lufs - previous[1]) / (gain_db - previous[0])))
        previous = (gain_db, out_lufs)
        gain_db += (target_lufs - out_lufs) / slope
    if out_peak > true_peak_dbtp:
        # Still over after max_passes: a static trim is exact (peaks scale linearly).
        out = out * np.float32(10.0 ** ((true_peak_dbtp - out_peak - 0.01) / 20.0))
        out_lufs, out_peak = _integrated_lufs(meter, out), measure_true_peak_dbtp(out)
    report.update(
        output_lufs=out_lufs,
        output_peak_dbtp=out_peak,
        gain_db=float(gain_db),
        limited_fraction=float((gain < 0.9999).mean()),
        passes=passes,
    )
    return out.astype(np.float32, copy=False), report
