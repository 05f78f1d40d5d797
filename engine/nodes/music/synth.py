"""Synthetic music with known beats: click tracks, drum patterns, a free-rhythm pad.

Tests and example scenes need music whose ground truth is known exactly. Every
instrument here starts its sound at the sample of its note onset, so a beat's
true time is the start of the kick/click that marks it.

    audio, truth = synth_music(bpm=120, bars=16)
    audio.shape == (n,) float32 in [-1, 1];  truth.beats_s (B,) s

Section styles (one per ``bars_per_section`` bars, cycled):

- ``clicks``: a click on every beat, an accented (higher, louder) click on beat 1
- ``drums``: kick on 1 and 3 (louder on 1), snare on 2 and 4, closed hats on eighths
  (in 3/4: kick on 1, snare on 2 and 3, hats on eighths)
- ``full``: ``drums`` plus a bass note on every beat and a sustained chord per bar
- ``sparse``: a soft kick on 1 and the chord, no hats or snare
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SECTION_STYLES = ("clicks", "drums", "full", "sparse")

# I - V - vi - IV in C major, as MIDI note numbers of the triads; bass plays the root.
_PROGRESSION = ((60, 64, 67), (55, 59, 62), (57, 60, 64), (53, 57, 60))


@dataclass(frozen=True)
class SynthTruth:
    """The ground truth of a synthesised piece. All times in seconds from sample 0."""

    bpm: float
    beats_per_bar: int
    beats_s: np.ndarray  # (B,) float64, onset of every beat
    downbeats_s: np.ndarray  # (bars,) float64, onset of beat 1 of every bar
    section_starts_s: np.ndarray  # (S,) float64, start of every section (first is 0)
    section_styles: tuple[str, ...]  # (S,) style of each section
    duration_s: float


def _midi_hz(note: float) -> float:
    return 440.0 * 2.0 ** ((note - 69.0) / 12.0)


def _kick(sr_hz: int) -> np.ndarray:
    """A sine drum falling from 150 Hz to 50 Hz, 0.3 s."""
    t_s = np.arange(int(0.3 * sr_hz)) / sr_hz
    f_hz = 50.0 + 100.0 * np.exp(-t_s / 0.03)
    phase = 2.0 * np.pi * np.cumsum(f_hz) / sr_hz
    return np.sin(phase) * np.exp(-t_s / 0.08)


def _snare(sr_hz: int, rng: np.random.Generator) -> np.ndarray:
    """Noise burst plus a 190 Hz body, 0.2 s."""
    t_s = np.arange(int(0.2 * sr_hz)) / sr_hz
    noise = rng.standard_normal(t_s.size) * np.exp(-t_s / 0.05)
    body = np.sin(2.0 * np.pi * 190.0 * t_s) * np.exp(-t_s / 0.04)
    return 0.35 * noise + 0.6 * body


def _hat(sr_hz: int, rng: np.random.Generator) -> np.ndarray:
    """High-passed noise (first difference), 40 ms."""
    n = int(0.04 * sr_hz)
    noise = np.diff(rng.standard_normal(n + 1))
    return 0.25 * noise * np.exp(-np.arange(n) / (0.012 * sr_hz))


def _click(sr_hz: int, freq_hz: float) -> np.ndarray:
    """A 30 ms decaying sine blip."""
    t_s = np.arange(int(0.03 * sr_hz)) / sr_hz
    return np.sin(2.0 * np.pi * freq_hz * t_s) * np.exp(-t_s / 0.006)


def _tone(sr_hz: int, freq_hz: float, dur_s: float, attack_s: float, harmonics: int) -> np.ndarray:
    """A note with a linear attack and exponential release; a few harmonics for timbre."""
    t_s = np.arange(int(dur_s * sr_hz)) / sr_hz
    wave = sum(np.sin(2.0 * np.pi * freq_hz * k * t_s) / k for k in range(1, harmonics + 1))
    envelope = np.minimum(1.0, t_s / max(attack_s, 1e-4)) * np.exp(-t_s / (0.6 * dur_s))
    return wave * envelope


def _add(out: np.ndarray, sound: np.ndarray, start: int, gain: float) -> None:
    end = min(out.size, start + sound.size)
    if start < end:
        out[start:end] += gain * sound[: end - start]


def synth_music(
    bpm: float,
    bars: int,
    beats_per_bar: int = 4,
    sr_hz: int = 48000,
    seed: int = 0,
    sections: Sequence[str] = ("full",),
    bars_per_section: int = 8,
    start_s: float = 0.0,
    tail_s: float = 1.0,
) -> tuple[np.ndarray, SynthTruth]:
    """Render a piece at a fixed tempo with accented downbeats and known beat times.

    Args:
        bpm: tempo in beats per minute, > 0.
        bars: number of bars, >= 1.
        beats_per_bar: 3 (waltz) or 4.
        sr_hz: sample rate in Hz.
        seed: seeds the noise of snares and hats.
        sections: styles (see module doc) for consecutive sections, cycled.
        bars_per_section: bars in each section.
        start_s: silence before the first beat, in seconds.
        tail_s: time after the last bar, in seconds, so the last notes ring out.

    Returns:
        ``(audio, truth)``: audio (n,) float32 mono peak-normalised to 0.9; truth.
    """
    if bpm <= 0 or bars < 1 or beats_per_bar not in (3, 4):
        raise ValueError(f"bad synth_music args: bpm={bpm}, bars={bars}, beats={beats_per_bar}")
    unknown = [s for s in sections if s not in SECTION_STYLES]
    if unknown or not sections:
        raise ValueError(f"section styles must be from {SECTION_STYLES}, got {list(sections)}")
    rng = np.random.default_rng(seed)
    beat_s = 60.0 / bpm  # seconds per beat
    n_beats = bars * beats_per_bar
    beats_s = start_s + beat_s * np.arange(n_beats)
    duration_s = start_s + n_beats * beat_s + tail_s
    out = np.zeros(int(np.ceil(duration_s * sr_hz)))

    kick, snare = _kick(sr_hz), _snare(sr_hz, rng)
    click_hi, click_lo = _click(sr_hz, 1760.0), _click(sr_hz, 880.0)
    styles = []
    for bar in range(bars):
        style = sections[(bar // bars_per_section) % len(sections)]
        if bar % bars_per_section == 0:
            styles.append(style)
        chord = _PROGRESSION[bar % len(_PROGRESSION)]
        bar_start = int(round(beats_s[bar * beats_per_bar] * sr_hz))
        if style in ("full", "sparse"):
            # one sustained chord per bar: a soft attack so its onset stays under the drums
            gain = 0.12 if style == "full" else 0.2
            for note in chord:
                tone = _tone(sr_hz, _midi_hz(note), beat_s * beats_per_bar, 0.02, 3)
                _add(out, tone, bar_start, gain)
        for k in range(beats_per_bar):
            i = bar * beats_per_bar + k
            at = int(round(beats_s[i] * sr_hz))
            if style == "clicks":
                _add(out, click_hi if k == 0 else click_lo, at, 1.0 if k == 0 else 0.5)
                continue
            if style == "sparse":
                if k == 0:
                    _add(out, kick, at, 0.6)
                continue
            is_kick = k == 0 or (beats_per_bar == 4 and k == 2)
            if is_kick:
                _add(out, kick, at, 1.0 if k == 0 else 0.6)
            else:
                _add(out, snare, at, 0.55)
            for half in (0, 1):  # closed hats on eighth notes
                _add(out, _hat(sr_hz, rng), at + int(half * beat_s * sr_hz / 2), 0.5)
            if style == "full":
                bass = _tone(sr_hz, _midi_hz(chord[0] - 24), 0.9 * beat_s, 0.005, 4)
                _add(out, bass, at, 0.35 if k == 0 else 0.2)

    out *= 0.9 / max(np.abs(out).max(), 1e-9)
    truth = SynthTruth(
        bpm=float(bpm),
        beats_per_bar=beats_per_bar,
        beats_s=beats_s,
        downbeats_s=beats_s[::beats_per_bar].copy(),
        section_starts_s=beats_s[:: beats_per_bar * bars_per_section].copy(),
        section_styles=tuple(styles),
        duration_s=out.size / sr_hz,
    )
    return out.astype(np.float32), truth


def click_track(
    bpm: float, n_beats: int, sr_hz: int = 48000, start_s: float = 0.5, accent_every: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Clicks at a fixed tempo. Returns ``(audio (n,) float32, beats_s (n_beats,))``.

    ``accent_every`` > 0 makes every n-th click (from the first) higher and louder.
    """
    beats_s = start_s + (60.0 / bpm) * np.arange(n_beats)
    out = np.zeros(int(np.ceil((beats_s[-1] + 1.0) * sr_hz)))
    hi, lo = _click(sr_hz, 1760.0), _click(sr_hz, 880.0)
    for i, t_s in enumerate(beats_s):
        accent = accent_every > 0 and i % accent_every == 0
        _add(out, hi if accent else lo, int(round(t_s * sr_hz)), 0.9 if accent else 0.6)
    return out.astype(np.float32), beats_s


def free_rhythm_pad(duration_s: float, sr_hz: int = 48000, seed: int = 0) -> np.ndarray:
    """A sustained pad with slow, irregular swells and chord changes: music with no pulse.

    Returns (n,) float32. Chords change at random times 2-6 s apart, with 1.5 s
    crossfades, so nothing recurs at a tempo.
    """
    rng = np.random.default_rng(seed)
    n = int(duration_s * sr_hz)
    t_s = np.arange(n) / sr_hz
    out = np.zeros(n)
    change_s = 0.0
    while change_s < duration_s:
        length_s = rng.uniform(2.0, 6.0)
        chord = _PROGRESSION[rng.integers(len(_PROGRESSION))]
        lo, hi = int(change_s * sr_hz), min(n, int((change_s + length_s + 1.5) * sr_hz))
        seg_t = t_s[lo:hi] - change_s
        # raised-cosine fade in and out over 1.5 s: no attacks anywhere
        fade = np.clip(np.minimum(seg_t, length_s + 1.5 - seg_t) / 1.5, 0.0, 1.0)
        fade = 0.5 - 0.5 * np.cos(np.pi * fade)
        for note in chord:
            f_hz = _midi_hz(note) * (1.0 + 0.002 * rng.standard_normal())
            out[lo:hi] += fade * np.sin(2.0 * np.pi * f_hz * seg_t + rng.uniform(0, 2 * np.pi))
        change_s += length_s
    swell = 0.7 + 0.3 * np.sin(2.0 * np.pi * t_s / 7.3 + rng.uniform(0, 2 * np.pi))
    out *= swell
    out *= 0.5 / max(np.abs(out).max(), 1e-9)
    return out.astype(np.float32)
