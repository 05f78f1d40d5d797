"""Choreography speed and quality: time per minute of music, Beat Align Score per tempo.

    .venv/bin/python bench/choreo.py

Prints, for synthetic music at 90, 120 and 140 bpm (engine.nodes.music.synth, analysed
with engine.nodes.music.analyse): choreography time per minute of music and as a ratio
of real time; the Beat Align Score (Bailando's definition) of our dance and of a
random-walk baseline in the same run; kinematic vs music beats; foot skate.
"""

from __future__ import annotations

import time

import numpy as np

from engine.nodes.motion import metrics
from engine.nodes.motion import skeleton as sk
from engine.nodes.motion.choreo import choreograph
from engine.nodes.motion.library import REST_ANGLES_DEG
from engine.nodes.music.analyse import analyse
from engine.nodes.music.synth import synth_music

FPS = 25.0
SR_HZ = 22050
STYLES = ("party", "tarantella", "hiphop", "disco", "swing", "mocap")


def joints_of(angles: np.ndarray, root: np.ndarray) -> np.ndarray:
    ones = np.ones(sk.N_BONES)
    j = np.stack([sk.forward(a, r, ones) for a, r in zip(angles, root, strict=True)])
    return j[:, np.isfinite(j[0, :, 0])]


def main() -> None:
    rng = np.random.default_rng(0)
    for bpm in (90, 120, 140):
        bars = int(round(bpm / 4))  # one minute of music
        audio, _ = synth_music(bpm, bars, sr_hz=SR_HZ, seed=1, sections=("drums", "full", "sparse"))
        analysis = analyse(audio, SR_HZ)
        minutes = analysis.duration_s / 60
        n = round(analysis.duration_s * FPS)
        walk = np.radians(REST_ANGLES_DEG) + np.cumsum(rng.normal(0, 0.05, (n, sk.N_BONES)), 0)
        base_j = joints_of(walk, np.zeros((n, 2)))
        base = metrics.beat_align_score(base_j, FPS, analysis.beats_s)
        base_k = metrics.kinematic_beats(base_j, FPS).size
        print(
            f"\n{bpm} bpm ({analysis.duration_s:.1f} s): random walk BAS {base:.3f}, {base_k} kin beats"
        )
        for style in STYLES:
            t0 = time.perf_counter()
            track = choreograph(analysis, style=style, fps=FPS, seed=7)
            dt = time.perf_counter() - t0
            j = joints_of(track.angles, track.root)
            bas = metrics.beat_align_score(j, FPS, analysis.beats_s)
            n_kin = metrics.kinematic_beats(j, FPS).size
            n_music = int(np.sum(analysis.beats_s <= (track.n_frames - 1) / FPS))
            feet = [sk.L_ANKLE, sk.R_ANKLE, sk.L_FOOT, sk.R_FOOT]
            full = np.stack(
                [
                    sk.forward(a, r, np.ones(sk.N_BONES))
                    for a, r in zip(track.angles, track.root, strict=True)
                ]
            )
            skate = metrics.foot_skate(full[:, feet], [0, 1, 2, 3], FPS)
            print(
                f"  {style:11s} BAS {bas:.3f} (random {base:.3f})  kin/music beats {n_kin}/{n_music}"
                f"  skate {skate.mean_speed:.3f} bone/s (contact {skate.contact_fraction:.2f})"
                f"  {dt / minutes * 1000:.1f} ms per minute ({analysis.duration_s / dt:.0f}x real time)"
            )


if __name__ == "__main__":
    main()
