"""Frame features of music for the analysis, computed block by block.

The music is read from a source (``engine.nodes.audio.blocks``: an array or a
``.npy`` file) a block at a time: mixed to mono, resampled to 22050 Hz with a
streaming soxr resampler, and cut into frames exactly as librosa's centred STFT
would cut the whole signal (zeros before the first and after the last sample),
so the spectra of a block are those of the whole. Only small per-frame arrays are
kept: mel power (128 rows), chroma (12), RMS. Memory is one block of spectra
plus about 0.6 kB per frame (86 frames a second), and at most
``MAX_ANALYSIS_S`` of music is read, however long the file: a 2-hour file
costs what its first half hour does.

Two choices are global in librosa and made once here: the dB floor
(``power_to_db``'s top_db, relative to the loudest frame) is applied after the
last block, and the chroma's tuning is estimated on the first block (the whole
piece when it is shorter than a block, as before).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import librosa
import numpy as np
import soxr

from engine.nodes.music.errors import MusicError

ANALYSIS_SR_HZ = 22050
HOP = 256  # 11.6 ms frames: fine enough for beat timing
N_FFT = 1024  # 46 ms windows: a 2048 window smears onsets and makes beats later
CHROMA_N_FFT = 2048  # chroma wants finer frequency resolution
N_MELS = 128
# The longest video the validator allows by default is 30 minutes (--max-duration
# 1800 s); a dance never reads music past its video, and the choreographer
# extrapolates the beat grid beyond the analysis if a raised limit asks for more.
MAX_ANALYSIS_S = 1860.0
BLOCK_FRAMES = 4096  # 47.6 s of frames a block: ~100 MB of spectra at most
_READ_SAMPLES = 1 << 18  # input samples per read from the source
_PAD = CHROMA_N_FFT // 2  # zeros before the first sample (the widest half-window)


@dataclass(frozen=True)
class Frames:
    """Per-frame features of the analysed span, ``n`` frames at ``ANALYSIS_SR_HZ / HOP``.

    mel: (128, n) float32 mel power (n_fft 1024); chroma: (12, n) float32 (n_fft
    2048); rms: (n,) float32 (1024-sample frames); duration_s: seconds analysed;
    truncated: True when the music is longer than ``MAX_ANALYSIS_S``.
    """

    mel: np.ndarray
    chroma: np.ndarray
    rms: np.ndarray
    duration_s: float
    truncated: bool


def _mono_blocks(source, max_samples: int) -> Iterator[np.ndarray]:
    """(k,) float32 mono blocks of the first ``max_samples`` input samples, checked finite."""
    for lo in range(0, max_samples, _READ_SAMPLES):
        block = source.read(lo, min(max_samples, lo + _READ_SAMPLES))
        mono = block.mean(axis=1) if block.shape[1] > 1 else block[:, 0]
        if not np.all(np.isfinite(mono)):
            raise MusicError("music audio contains NaN or infinite samples", hint="re-decode it")
        yield mono.astype(np.float32, copy=False)


def _resampled(blocks: Iterator[np.ndarray], sr_hz: float) -> Iterator[np.ndarray]:
    """The blocks at ANALYSIS_SR_HZ, resampled as one stream (soxr, high quality)."""
    if sr_hz == ANALYSIS_SR_HZ:
        yield from blocks
        return
    stream = soxr.ResampleStream(sr_hz, ANALYSIS_SR_HZ, 1, dtype="float32", quality="HQ")
    for block in blocks:
        yield stream.resample_chunk(block)
    yield stream.resample_chunk(np.zeros(0, np.float32), last=True)


class _FrameCutter:
    """Frames of the padded signal ``[_PAD zeros] y [_PAD zeros]`` for a run of frames.

    Frame f is centred on sample f * HOP of y, as librosa's ``center=True`` places it.
    """

    def __init__(self):
        self.buffer = np.zeros(_PAD, np.float32)  # padded samples from self.start on
        self.start = 0  # index in the padded signal of buffer[0]
        self.next_frame = 0

    def push(self, samples: np.ndarray) -> None:
        self.buffer = np.concatenate([self.buffer, samples])

    def ready_frames(self) -> int:
        """Frames whose widest window lies wholly in the buffer."""
        end = self.start + self.buffer.size  # padded samples available
        return max(0, (end - 2 * _PAD) // HOP + 1 - self.next_frame)

    def span(self, n_frames: int, width: int) -> np.ndarray:
        """Samples of ``n_frames`` frames of ``width`` from the next frame, back to back."""
        first = self.next_frame * HOP + _PAD - width // 2 - self.start
        return self.buffer[first : first + (n_frames - 1) * HOP + width]

    def advance(self, n_frames: int) -> None:
        self.next_frame += n_frames
        drop = self.next_frame * HOP - self.start  # nothing before this is needed again
        self.buffer = self.buffer[drop:]
        self.start += drop


def _spectra(cutter: _FrameCutter, n: int, mel_basis: np.ndarray, tuning: float | None):
    """(mel power, chroma, rms, tuning) of the next ``n`` frames."""
    near = cutter.span(n, N_FFT)
    power = np.abs(librosa.stft(near, n_fft=N_FFT, hop_length=HOP, center=False)) ** 2
    mel = mel_basis @ power
    rms = librosa.feature.rms(y=near, frame_length=N_FFT, hop_length=HOP, center=False)[0]
    wide = cutter.span(n, CHROMA_N_FFT)
    power = np.abs(librosa.stft(wide, n_fft=CHROMA_N_FFT, hop_length=HOP, center=False)) ** 2
    if tuning is None:
        with warnings.catch_warnings():  # silence has no pitch: librosa warns, then says 0
            warnings.filterwarnings("ignore", "Trying to estimate tuning from empty")
            tuning = float(librosa.estimate_tuning(S=power, sr=ANALYSIS_SR_HZ, bins_per_octave=12))
    chroma = librosa.feature.chroma_stft(S=power, sr=ANALYSIS_SR_HZ, tuning=tuning)
    return mel.astype(np.float32), chroma.astype(np.float32), rms.astype(np.float32), tuning


def frame_features(source, sr_hz: float) -> Frames:
    """Per-frame features of the first ``MAX_ANALYSIS_S`` of ``source``, block by block.

    source: an ``ArraySource`` or ``NpySource`` of (n, C) float32 samples at ``sr_hz``.
    """
    max_samples = min(source.n_samples, int(MAX_ANALYSIS_S * sr_hz))
    n_resampled = math.ceil(max_samples * ANALYSIS_SR_HZ / sr_hz)  # as librosa.resample
    n_out = 1 + n_resampled // HOP  # frames of a centred STFT
    mel_basis = librosa.filters.mel(sr=ANALYSIS_SR_HZ, n_fft=N_FFT, n_mels=N_MELS)
    mel = np.empty((N_MELS, n_out), np.float32)
    chroma = np.empty((12, n_out), np.float32)
    rms = np.empty(n_out, np.float32)
    cutter, tuning, done = _FrameCutter(), None, 0

    def emit(final: bool) -> None:
        """Compute whole blocks of ready frames; at the end, whatever is left."""
        nonlocal tuning, done
        while (n := min(cutter.ready_frames(), BLOCK_FRAMES, n_out - done)) > 0:
            if n < BLOCK_FRAMES and not final:
                return
            mel[:, done : done + n], chroma[:, done : done + n], rms[done : done + n], tuning = (
                _spectra(cutter, n, mel_basis, tuning)
            )
            cutter.advance(n)
            done += n

    for block in _resampled(_mono_blocks(source, max_samples), sr_hz):
        cutter.push(block)
        emit(final=False)
    cutter.push(np.zeros(_PAD, np.float32))  # the zeros after the last sample
    emit(final=True)
    return Frames(
        mel=mel[:, :done],
        chroma=chroma[:, :done],
        rms=rms[:done],
        duration_s=max_samples / sr_hz,
        truncated=source.n_samples > max_samples,
    )
