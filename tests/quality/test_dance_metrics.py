"""Dance figures on videos made from a real photo moved in known ways.

A scikit-image photo of a person (waist up, arms visible) is moved or stretched
frame by frame; QC tracks the body with its own pose runs and must see the
stretch in the bone lengths, and the beat in the motion's stops.
"""

from __future__ import annotations

import numpy as np
import pytest
from skimage import data

from engine.quality import judge
from engine.quality.dance import BEAT_DELAY_S, beat_align_score, music_beats, shifted_baseline
from tests.quality.clips import write_clip, write_timeline

FPS = 25
SR = 48000
SIZE = 320


def _clicks(beats_s: np.ndarray, total_s: float) -> np.ndarray:
    """Stereo percussive clicks (decaying noise bursts) at ``beats_s``."""
    rng = np.random.default_rng(1)
    audio = np.zeros(int(total_s * SR), np.float32)
    n = int(0.03 * SR)
    burst = 0.5 * np.exp(-np.arange(n) / (0.005 * SR)) * rng.standard_normal(n)
    for t in beats_s:
        start = int(round(t * SR))
        audio[start : start + n] += burst[: len(audio) - start]
    return np.stack([audio, audio], axis=1)


def _photo() -> np.ndarray:
    import cv2

    return cv2.resize(data.astronaut(), (SIZE, SIZE), interpolation=cv2.INTER_AREA)


def _moved(photo: np.ndarray, dx: float) -> np.ndarray:
    import cv2

    m = np.float32([[1, 0, dx], [0, 1, 0]])
    return cv2.warpAffine(photo, m, (SIZE, SIZE), borderMode=cv2.BORDER_REPLICATE)


@pytest.mark.parametrize("bpm", [90, 120, 140])
def test_music_beats_land_on_clicks(bpm):
    beats = np.arange(0.5, 19.5, 60 / bpm) + 0.013
    found = music_beats(_clicks(beats, 20.0), SR)
    errors = [found[np.argmin(np.abs(found - b))] - b for b in beats[2:-2]]
    assert len(found) == pytest.approx(len(beats), abs=1)
    assert abs(np.mean(errors)) < 0.005, f"mean error {np.mean(errors) * 1000:.1f} ms"
    assert BEAT_DELAY_S < 0.02


def test_beat_align_score_by_hand():
    music = np.array([1.0, 2.0, 3.0])
    assert beat_align_score(music, music) == pytest.approx(1.0)
    # 50 ms off, sigma 50 ms: exp(-1/2) each
    assert beat_align_score(music, music + 0.05) == pytest.approx(np.exp(-0.5))
    mean, std = shifted_baseline(music, music, 3.5)
    assert 0.05 < mean < 0.5 and std > 0


def _dance_video(tmp_path, phase_beats: float):
    """The photo swaying sideways with stops on every beat (120 bpm), shifted by
    ``phase_beats`` of a beat, over clicks on the beats."""
    beat_s, total_s = 0.5, 12.0
    beats = np.arange(0.5, total_s - 0.2, beat_s)
    photo = _photo()
    frames = []
    for i in range(int(total_s * FPS)):
        t = i / FPS - phase_beats * beat_s
        # Extremes (speed 0) at multiples of a beat, fastest between them.
        frames.append(_moved(photo, 14.0 * np.cos(np.pi * t / beat_s)))
    video = tmp_path / f"sway-{phase_beats}.mp4"
    write_clip(video, frames, FPS, _clicks(beats, total_s), SR)
    act = {"verb": "dance", "who": "eileen", "start_s": 0.5, "end_s": 11.5}
    write_timeline(video, [act], total_s)
    return video


@pytest.mark.slow
def test_stops_on_the_beat_score_high_and_half_a_beat_off_scores_at_baseline(tmp_path):
    on = judge(_dance_video(tmp_path, 0.0)).figures["dances"][0]
    off = judge(_dance_video(tmp_path, 0.5)).figures["dances"][0]
    assert on["body_found"] > 0.95
    # A metronome-regular sway makes the random-shift baseline bimodal (all beats hit
    # or none), so its spread is wide: 1.5 std is far above it here.
    assert on["bas"] > 0.7 and on["bas_z"] > 1.5, on
    assert off["bas"] < off["baseline_mean"], off


@pytest.mark.slow
def test_a_limb_stretched_over_time_raises_its_bone_cv(tmp_path):
    import cv2

    photo = _photo()
    total_s = 6.0
    still = [photo] * int(total_s * FPS)
    stretched = []
    for i in range(int(total_s * FPS)):
        # The picture right of her right shoulder pulled sideways, up to 50 % wider.
        gain = 1.0 + 0.5 * i / (total_s * FPS)
        ys, xs = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
        mid = 0.3 * SIZE
        src_x = np.where(xs > mid, mid + (xs - mid) / gain, xs)
        stretched.append(
            cv2.remap(photo, src_x, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        )
    act = {"verb": "dance", "who": "eileen", "start_s": 0.0, "end_s": total_s}
    figures = {}
    for name, frames in (("still", still), ("stretched", stretched)):
        video = write_clip(tmp_path / f"{name}.mp4", frames, FPS, _clicks([1.0], total_s), SR)
        write_timeline(video, [act], total_s)
        figures[name] = judge(video).figures["dances"][0]["bones"]
    still_cv = {b: f["cv"] for b, f in figures["still"].items() if f["judged"]}
    stretched_cv = {b: f["cv"] for b, f in figures["stretched"].items() if f["judged"]}
    assert still_cv and max(still_cv.values()) < 0.03, figures["still"]
    # The line between the shoulders crosses the stretch.
    # (The tracker places a stretched shoulder partway: +30 % of width reads as CV ~0.04.)
    assert (
        stretched_cv["shoulders"] > 0.035 and stretched_cv["shoulders"] > 2 * still_cv["shoulders"]
    )
