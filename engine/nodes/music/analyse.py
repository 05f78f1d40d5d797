"""Music analysis: tempo, beats, downbeats, bars, sections, energy and onsets.

    result = analyse(audio, sr_hz=48000)
    result.tempo_bpm, result.beats_s (B,) s, result.bars [(start_s, end_s)], ...

Pipeline: mono 22050 Hz -> frame features block by block (``features.py``: at most
the first 31 minutes, in bounded memory) -> log-mel onset strength (hop 256, 11.6 ms) -> tempo
(autocorrelation + octave prior, tempo.py) -> beats (DP tracker, sub-frame peaks,
latency-corrected, beats.py) -> meter and downbeats from per-beat accents
(meter.py) -> sections by Foote novelty over bars (sections.py); plus a smoothed
RMS energy curve. Raises ``NoBeatError`` when the pulse is too weak to dance to.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import librosa
import numpy as np
import scipy.fft
from scipy.ndimage import uniform_filter1d

from engine.nodes.audio.blocks import ArraySource, NpySource
from engine.nodes.music import beats as beats_mod
from engine.nodes.music import meter, sections, tempo
from engine.nodes.music.errors import MusicError, NoBeatError
from engine.nodes.music.features import ANALYSIS_SR_HZ, HOP, N_MELS, Frames, frame_features

LOW_BAND_HZ = 200.0  # kick drum and bass
TEMPO_FMAX_HZ = 4000.0  # hats above this fill the off-beats and pull the tempo to double
ENERGY_SMOOTH_S = 0.5
ENERGY_RANGE_DB = 30.0  # energy 0 = this far below the loudest moment
MIN_DURATION_S = 3.0

# Beat confidence = pulse clarity x onset contrast (see _confidence). Measured with
# tests/nodes/music/test_analyse.py: synthetic music 0.74-0.94; white noise < 0.1,
# a free-rhythm pad < 0.05, silence 0. The threshold sits between with margin.
CONFIDENCE_MIN = 0.3
ONSET_CONTRAST_FULL_DB = 6.0  # beats this many dB of flux above the median count fully


@dataclass(frozen=True)
class MusicAnalysis:
    """What the dance needs to know about a piece. Times in seconds from sample 0.

    Attributes:
        tempo_bpm: mean tempo, beats per minute.
        beats_s: (B,) float64 beat times.
        downbeats_s: (D,) float64 times of beat 1 of each bar.
        bars: [(start_s, end_s)] one a bar, from each downbeat to the next.
        beats_per_bar: 3 or 4.
        sections: [(start_s, end_s, label)] covering the whole piece; labels A, B, ...
            repeat for similar sections; interior boundaries lie on bar starts.
        onset_envelope: (T,) float32 onset strength, normalised to max 1.
        energy: (T,) float32 smoothed loudness in [0, 1] (1 = loudest moment).
        frame_rate_hz: frames per second of ``onset_envelope`` and ``energy``.
        confidence: beat confidence in [0, 1]; below ``CONFIDENCE_MIN`` there is no beat.
        duration_s: length of the audio.
    """

    tempo_bpm: float
    beats_s: np.ndarray
    downbeats_s: np.ndarray
    bars: list[tuple[float, float]]
    beats_per_bar: int
    sections: list[tuple[float, float, str]]
    onset_envelope: np.ndarray = field(repr=False)
    energy: np.ndarray = field(repr=False)
    frame_rate_hz: float
    confidence: float
    duration_s: float


def _as_samples(audio: np.ndarray) -> np.ndarray:
    """(n,) or (n, 2) float samples as (n, C); finiteness is checked block by block."""
    audio = np.asarray(audio)
    if not np.issubdtype(audio.dtype, np.floating):
        raise MusicError(
            f"music audio must be float samples, got dtype {audio.dtype}",
            hint="decode the file to float32 in [-1, 1]",
        )
    if audio.ndim == 1:
        return audio[:, None]
    if audio.ndim != 2 or audio.shape[1] not in (1, 2):
        raise MusicError(
            f"music audio must have shape (n,) or (n, 2), got {audio.shape}",
            hint="pass samples along the first axis, channels along the second",
        )
    return audio


def _check_input(n_samples: int, sr_hz: float, bpm_hint: float | None) -> None:
    if bpm_hint is not None and not (tempo.MIN_BPM <= bpm_hint <= tempo.MAX_BPM):
        raise MusicError(
            f"music bpm must be in [{tempo.MIN_BPM:.0f}, {tempo.MAX_BPM:.0f}], got {bpm_hint}",
            hint="give the tempo in beats per minute",
        )
    if sr_hz <= 0:
        raise MusicError(f"sample rate must be > 0 Hz, got {sr_hz}", hint="pass sr_hz=48000")
    if n_samples < MIN_DURATION_S * sr_hz:
        raise MusicError(
            f"music is {n_samples / sr_hz:.2f} s long, needs at least {MIN_DURATION_S} s",
            hint="use a longer music file",
        )


def _confidence(env: np.ndarray, beat_frames: np.ndarray, pulse_clarity: float) -> float:
    """Pulse clarity (autocorrelation at the beat period, scale-free) times how far the
    onsets at the beats stand above the typical frame, in dB of spectral flux. A pad's
    envelope can be periodic (tones beating) but its flux is a fraction of a dB."""
    if beat_frames.size < 4:
        return 0.0
    at_beats = np.array([env[max(0, f - 2) : f + 3].max() for f in beat_frames])
    contrast_db = float(np.median(at_beats) - np.median(env))
    return float(pulse_clarity * np.clip(contrast_db / ONSET_CONTRAST_FULL_DB, 0.0, 1.0))


def _grid(duration_s: float, bpm: float, phase_s: float = 0.0) -> np.ndarray:
    return phase_s + np.arange(0.0, duration_s - phase_s, 60.0 / bpm)


def analyse(audio: np.ndarray, sr_hz: float, bpm_hint: float | None = None) -> MusicAnalysis:
    """Analyse music for dancing.

    Args:
        audio: (n,) or (n, 2) float samples in [-1, 1].
        sr_hz: sample rate in Hz.
        bpm_hint: the tempo the user gave (``music.bpm``), beats per minute, or None.
            Picks the tempo octave; when the music has no detectable beat, the beats
            are a grid at this tempo instead of an error.

    Returns:
        A ``MusicAnalysis`` of the first ``features.MAX_ANALYSIS_S`` seconds.

    Raises:
        MusicError: the audio is not float, (n,) or (n, 2), finite and >= 3 s.
        NoBeatError: no detectable beat and no ``bpm_hint``.
    """
    samples = _as_samples(audio)
    _check_input(samples.shape[0], sr_hz, bpm_hint)
    return _analyse_frames(frame_features(ArraySource(samples), sr_hz), bpm_hint)


def analyse_file(
    path: str | os.PathLike, sr_hz: float, bpm_hint: float | None = None
) -> MusicAnalysis:
    """``analyse`` of a (n, C) float32 ``.npy`` file, read block by block (bounded memory)."""
    with NpySource(path) as source:
        _check_input(source.n_samples, sr_hz, bpm_hint)
        return _analyse_frames(frame_features(source, sr_hz), bpm_hint)


def _flux(mel_db: np.ndarray) -> np.ndarray:
    """Onset strength as ``librosa.onset.onset_strength(S=mel_db)`` computes it (lag 1,
    mean over rows, 5 frames of delay), a few thousand frames at a time."""
    n = mel_db.shape[1]
    env = np.zeros(n, np.float32)
    delay = 1 + 2048 // (2 * HOP)  # lag + librosa's centring shift for its default n_fft
    for a in range(0, max(0, n - delay), 8192):
        b = min(n - delay, a + 8192)
        rise = mel_db[:, a + 1 : b + 1] - mel_db[:, a:b]
        env[a + delay : b + delay] = np.maximum(rise, 0.0).mean(axis=0)
    return env


def _mfcc(mel_db: np.ndarray, n_mfcc: int = 13) -> np.ndarray:
    """``librosa.feature.mfcc(S=mel_db)``: an orthonormal DCT-II of each frame."""
    out = np.empty((n_mfcc, mel_db.shape[1]), np.float32)
    for a in range(0, mel_db.shape[1], 8192):
        out[:, a : a + 8192] = scipy.fft.dct(mel_db[:, a : a + 8192], axis=0, norm="ortho")[:n_mfcc]
    return out


def _analyse_frames(frames: Frames, bpm_hint: float | None) -> MusicAnalysis:
    duration_s = frames.duration_s
    frame_rate_hz = ANALYSIS_SR_HZ / HOP
    mel = frames.mel
    mel_db = librosa.power_to_db(mel, ref=1.0)  # top_db relative to the loudest frame
    mel_hz = librosa.mel_frequencies(n_mels=N_MELS, fmax=ANALYSIS_SR_HZ / 2)
    env = _flux(mel_db)
    env_tempo = _flux(mel_db[mel_hz <= TEMPO_FMAX_HZ])
    low_db = librosa.power_to_db(mel[mel_hz <= LOW_BAND_HZ].sum(axis=0), ref=1.0)
    all_db = librosa.power_to_db(mel.sum(axis=0), ref=1.0)

    tempo_bpm, clarity = tempo.estimate_tempo(env_tempo, frame_rate_hz, bpm_hint)
    beats_s = beats_mod.track_beats(env, frame_rate_hz, tempo_bpm)
    beat_frames = np.round((beats_s + beats_mod.BEAT_LATENCY_S) * frame_rate_hz).astype(int)
    beat_frames = np.clip(beat_frames, 0, env.size - 1)
    confidence = _confidence(env, beat_frames, clarity)
    if confidence < CONFIDENCE_MIN:
        if bpm_hint is None:
            raise NoBeatError(confidence, CONFIDENCE_MIN)
        beats_s = _grid(duration_s, bpm_hint)
        beat_frames = np.clip(np.round(beats_s * frame_rate_hz).astype(int), 0, env.size - 1)
        tempo_bpm = float(bpm_hint)
    elif beats_s.size >= 8:
        tempo_bpm = beats_mod.tempo_from_beats(beats_s)

    chroma = frames.chroma[:, : env.size]
    accents = meter.beat_accents(low_db, all_db, chroma, beat_frames)
    beats_per_bar, phase, _ = meter.find_meter(accents)
    downbeats_s = beats_s[phase::beats_per_bar]
    beat_period_s = 60.0 / tempo_bpm
    bar_ends = np.append(downbeats_s[1:], downbeats_s[-1] + beats_per_bar * beat_period_s)
    bars = [
        (float(a), float(min(b, duration_s))) for a, b in zip(downbeats_s, bar_ends, strict=True)
    ]

    mfcc = _mfcc(mel_db)[1:]  # drop c0: loudness is its own row
    rms = frames.rms[: env.size]
    rms_db = librosa.amplitude_to_db(rms, ref=1.0)
    found = _sections(np.vstack([chroma, mfcc, rms_db[None]]), downbeats_s, bar_ends, frame_rate_hz)
    section_list = [
        (
            float(bars[a][0]) if a > 0 else 0.0,
            float(bars[b][0]) if b < len(bars) else duration_s,
            lab,
        )
        for a, b, lab in found
    ]

    smooth = uniform_filter1d(rms.astype(np.float64), max(1, int(ENERGY_SMOOTH_S * frame_rate_hz)))
    level_db = 20.0 * np.log10(np.maximum(smooth, 1e-10) / max(smooth.max(), 1e-10))
    energy = np.clip(1.0 + level_db / ENERGY_RANGE_DB, 0.0, 1.0)
    return MusicAnalysis(
        tempo_bpm=float(tempo_bpm),
        beats_s=beats_s,
        downbeats_s=downbeats_s,
        bars=bars,
        beats_per_bar=beats_per_bar,
        sections=section_list,
        onset_envelope=(env / max(float(env.max()), 1e-9)).astype(np.float32),
        energy=energy.astype(np.float32),
        frame_rate_hz=frame_rate_hz,
        confidence=confidence,
        duration_s=duration_s,
    )


def _sections(
    features: np.ndarray, downbeats_s: np.ndarray, bar_ends_s: np.ndarray, frame_rate_hz: float
) -> list[tuple[int, int, str]]:
    """Sections as ``(first_bar, end_bar, label)`` (end exclusive)."""
    n_bars = downbeats_s.size
    if n_bars < 2 * sections.MIN_SECTION_BARS:
        return [(0, n_bars, "A")]
    edges_s = np.append(downbeats_s, bar_ends_s[-1])
    edges = np.clip(np.round(edges_s * frame_rate_hz).astype(int), 0, features.shape[1])
    per_bar = sections.bar_features(features, edges)
    starts = sections.find_boundaries(sections.novelty(per_bar))
    labels = sections.label_segments(per_bar, starts)
    edges_bar = [0, *starts, n_bars]
    return [(a, b, lab) for a, b, lab in zip(edges_bar[:-1], edges_bar[1:], labels, strict=True)]
