"""Loudness normalisation to a target (EBU R128 / ITU-R BS.1770) with a true-peak limiter.

Integrated loudness is measured as pyloudnorm measures it (``bs1770``:
K-weighting, 400 ms blocks, absolute and relative gates). A plain gain brings
the mix to the target; a look-ahead limiter (``limiter``) then holds the true
peak (``truepeak``: the peak of the 4x-oversampled signal) under the ceiling.
Limiting lowers the loudness a little, so gain and limiter are iterated until
the loudness is within ``tolerance_lu`` of the target.

Every pass streams the signal in blocks of ``BLOCK`` samples, from an array or
from a ``.npy`` file (``normalise_file``), so memory stays bounded however
long the soundtrack is. A silent track is found by a cheap scan and skipped.
"""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Callable

import numpy as np

from engine.errors import NodeError
from engine.nodes.audio.blocks import ArraySink, ArraySource, NpySource, NpyWriter
from engine.nodes.audio.bs1770 import BLOCK_S, LoudnessMeter
from engine.nodes.audio.limiter import Limiter, limiter_gain
from engine.nodes.audio.truepeak import (
    CHUNK,
    PeakEnvelope,
    PeakMeter,
    db,
    measure_true_peak_dbtp,
    true_peak_envelope,
)

__all__ = [
    "db",
    "limiter_gain",
    "measure_true_peak_dbtp",
    "normalise",
    "normalise_file",
    "true_peak_envelope",
]

KIND = "audio.loudness"
BLOCK = 8 * CHUNK  # samples per streaming block (~11 s at 48 kHz), on the true-peak grid
_SILENT_LUFS = -70.0  # BS.1770 absolute gate: below this there is nothing to measure
_LIMITED = 0.9999  # a gain under this counts as limiting in the report


def normalise(
    audio: np.ndarray,
    sr_hz: int,
    target_lufs: float = -14.0,
    true_peak_dbtp: float = -1.0,
    *,
    tolerance_lu: float = 0.2,
    max_passes: int = 6,
) -> tuple[np.ndarray, dict]:
    """Bring (n, 2) float32 audio to ``target_lufs`` with true peak <= ``true_peak_dbtp``.

    Parameters
    ----------
    audio : (n, C) float32 at ``sr_hz``.
    target_lufs : integrated loudness target in LUFS (-14 for web platforms).
    true_peak_dbtp : ceiling for the 4x-oversampled peak, in dBTP.
    tolerance_lu : stop iterating gain + limiter once within this many LU. 0.2 LU
        is inaudible and well inside R128's +-0.5 LU; on a heavily limited track it
        saves one of four passes against 0.1 (each pass is a full gain + limiter run).

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
    sink = ArraySink(*audio.shape)

    def rewind() -> ArraySink:
        sink.rewind()
        return sink

    report = _normalise(
        ArraySource(audio), sr_hz, target_lufs, true_peak_dbtp, rewind, tolerance_lu, max_passes
    )
    return (audio if report["skipped"] else sink.audio), report


def normalise_file(
    path_in: str | os.PathLike,
    path_out: str | os.PathLike,
    sr_hz: int,
    target_lufs: float = -14.0,
    true_peak_dbtp: float = -1.0,
    *,
    tolerance_lu: float = 0.2,
    max_passes: int = 6,
) -> dict:
    """``normalise`` from one (n, C) float32 ``.npy`` file into another, block by block.

    ``path_out`` is written in place (give it a temporary path and rename it
    when done). Returns the report of ``normalise``.
    """
    with NpySource(path_in) as source:
        report = _normalise(
            source,
            sr_hz,
            target_lufs,
            true_peak_dbtp,
            lambda: NpyWriter(path_out, source.n_channels),
            tolerance_lu,
            max_passes,
        )
    if report["skipped"]:
        shutil.copyfile(path_in, path_out)
    return report


def _normalise(
    source: ArraySource | NpySource,
    sr_hz: int,
    target_lufs: float,
    true_peak_dbtp: float,
    open_sink: Callable,
    tolerance_lu: float,
    max_passes: int,
) -> dict:
    """The normalisation loop; each pass writes its output into ``open_sink()``."""
    n = source.n_samples
    report = {
        "target_lufs": float(target_lufs),
        "ceiling_dbtp": float(true_peak_dbtp),
        "input_lufs": None,
        "output_lufs": None,
        "input_peak_dbtp": None,
        "output_peak_dbtp": None,
        "gain_db": 0.0,
        "limited_fraction": 0.0,
        "skipped": None,
    }
    if _is_silent(source):
        # Cheap: no filter or oversampling pass over a track of zeros.
        report.update(input_lufs=-math.inf, input_peak_dbtp=-math.inf)
        report["skipped"] = "too short" if n < round(BLOCK_S * sr_hz) else "silent"
        report["output_peak_dbtp"] = report["input_peak_dbtp"]
        return report
    input_lufs, input_peak = _measure(source, sr_hz, n >= round(BLOCK_S * sr_hz))
    report["input_peak_dbtp"] = input_peak
    if n < round(BLOCK_S * sr_hz):
        report["skipped"] = "too short"  # BS.1770 needs one 400 ms block
        report["output_peak_dbtp"] = input_peak
        return report
    report["input_lufs"] = input_lufs
    if not math.isfinite(input_lufs) or input_lufs < _SILENT_LUFS:
        report["skipped"] = "silent"
        report["output_peak_dbtp"] = input_peak
        return report

    gain_db = target_lufs - input_lufs
    # The limiter aims a little under the ceiling: the gain curve is applied at
    # the base rate, which can move the reconstructed peaks by a hair.
    margin_db, previous = 0.05, None
    for passes in range(1, max_passes + 1):  # noqa: B007 (reported below)
        ceiling_dbtp = true_peak_dbtp - margin_db
        with open_sink() as sink:
            out_lufs, out_peak, limited = _render(source, sr_hz, gain_db, ceiling_dbtp, 1.0, sink)
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
        trim = 10.0 ** ((true_peak_dbtp - out_peak - 0.01) / 20.0)
        with open_sink() as sink:  # the last pass again, trimmed
            out_lufs, out_peak, limited = _render(source, sr_hz, gain_db, ceiling_dbtp, trim, sink)
    report.update(
        output_lufs=out_lufs,
        output_peak_dbtp=out_peak,
        gain_db=float(gain_db),
        limited_fraction=limited,
        passes=passes,
    )
    return report


def _is_silent(source: ArraySource | NpySource) -> bool:
    """True when every sample is 0; raises NodeError on NaN or inf."""
    silent = True
    for lo in range(0, source.n_samples, BLOCK):
        block = source.read(lo, min(source.n_samples, lo + BLOCK))
        if not np.isfinite(block).all():
            raise NodeError(
                f"audio should be finite, but holds NaN or inf near sample {lo}",
                kind=KIND,
                hint="check the mix for NaN",
            )
        silent = silent and not block.any()
    return silent


def _measure(source: ArraySource | NpySource, sr_hz: int, loudness: bool) -> tuple[float, float]:
    """(integrated LUFS or None, true peak dBTP) of a source, in one streaming pass."""
    n = source.n_samples
    meter = LoudnessMeter(sr_hz, n, source.n_channels) if loudness else None
    peaks = PeakMeter(n)
    for lo in range(0, n, BLOCK):
        block = source.read(lo, min(n, lo + BLOCK))
        peaks.feed(block)
        if meter is not None:
            meter.feed(block)
    return (meter.loudness() if meter else None), peaks.dbtp


def _render(
    source: ArraySource | NpySource,
    sr_hz: int,
    gain_db: float,
    ceiling_dbtp: float,
    trim: float,
    sink: ArraySink | NpyWriter,
) -> tuple[float, float, float]:
    """One pass: gain, limiter, then a static ``trim``; written to ``sink``.

    Returns (output LUFS, output true peak dBTP, share of samples limited).
    """
    n = source.n_samples
    scale = np.float32(10.0 ** (gain_db / 20.0))
    limiter = Limiter(
        PeakEnvelope(lambda a, b: source.read(a, b) * scale, n), n, sr_hz, ceiling_dbtp
    )
    meter, peaks, n_limited = LoudnessMeter(sr_hz, n, source.n_channels), PeakMeter(n), 0
    for lo in range(0, n, BLOCK):
        hi = min(n, lo + BLOCK)
        gain = limiter.gain(lo, hi)
        out = (source.read(lo, hi) * scale) * gain[:, None]
        if trim != 1.0:
            out = out * np.float32(trim)
        n_limited += int(np.count_nonzero(gain < _LIMITED))
        meter.feed(out)
        peaks.feed(out)
        sink.write(out)
    return meter.loudness(), peaks.dbtp, n_limited / n
