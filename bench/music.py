"""Music analysis speed: seconds of compute per minute of audio, and the real-time factor.

Baseline, in the same process: librosa's own ``beat_track`` on the same audio
(default settings, from the waveform), which gives tempo and beats only.

    .venv/bin/python bench/music.py [--minutes 2]
"""

from __future__ import annotations

import argparse
import time

import librosa

from engine.nodes.music.analyse import analyse
from engine.nodes.music.synth import synth_music


def _best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    sr_hz = 48000
    bpm = 120.0
    bars = int(args.minutes * bpm / 4)  # 4 beats a bar
    audio, _ = synth_music(bpm, bars, sr_hz=sr_hz, sections=("drums", "full", "sparse", "full"))
    minutes = audio.size / sr_hz / 60.0
    analyse(audio[: sr_hz * 10], sr_hz)  # warm numba caches of librosa
    librosa.beat.beat_track(y=audio[: sr_hz * 10], sr=sr_hz)

    t_ours = _best_of(lambda: analyse(audio, sr_hz), args.repeats)
    t_base = _best_of(lambda: librosa.beat.beat_track(y=audio, sr=sr_hz), args.repeats)
    result = analyse(audio, sr_hz)

    print(f"audio: {minutes:.2f} min synthetic at {bpm:.0f} bpm, {sr_hz} Hz")
    print(
        f"analyse():            {t_ours / minutes:6.2f} s per minute of audio, "
        f"real-time factor {t_ours / (minutes * 60):.4f} ({minutes * 60 / t_ours:.0f}x real time)"
    )
    print(
        f"librosa beat_track(): {t_base / minutes:6.2f} s per minute of audio, "
        f"real-time factor {t_base / (minutes * 60):.4f}"
    )
    print(
        f"ratio analyse / beat_track: {t_ours / t_base:.2f}x (analyse also does meter, "
        "sections, energy)"
    )
    print(
        f"result: {result.tempo_bpm:.2f} bpm, {result.beats_s.size} beats, "
        f"{len(result.bars)} bars of {result.beats_per_bar}, {len(result.sections)} sections, "
        f"confidence {result.confidence:.2f}"
    )


if __name__ == "__main__":
    main()
