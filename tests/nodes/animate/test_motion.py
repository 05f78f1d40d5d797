"""Control tracks: blink statistics, gaze looks, head motion, expressions, the mix."""

from __future__ import annotations

import numpy as np
import pytest

from engine.errors import NodeError
from engine.nodes.animate.controls import SLOT
from engine.nodes.animate.motion import (
    REFRACTORY_S,
    blink_profile,
    blink_times,
    blink_track,
    expression_track,
    face_controls,
    gaze_track,
    head_track,
)


def _runs(x: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) frame runs where x > 0."""
    on = np.concatenate([[0], (x > 0).astype(int), [0]])
    d = np.diff(on)
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1), strict=True))


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_blink_rate_over_two_minutes_is_human(seed):
    fps = 25
    track = blink_track(120 * fps, fps, seed, rate_per_min=20)
    n = len(_runs(track))
    assert 15 <= n / 2 <= 30
    assert track.max() == pytest.approx(1.0)  # each shut moment lands on a frame


def test_blink_closes_in_100ms_and_opens_in_150ms():
    fps = 1000  # a fine clock to time the lid
    track = blink_track(20 * fps, fps, seed=5)
    start, end = _runs(track)[0]
    peak = start + int(np.argmax(track[start:end] >= 1.0 - 1e-6))
    last_shut = start + int(np.flatnonzero(track[start:end] >= 1.0 - 1e-6)[-1])
    assert (peak - start) / fps == pytest.approx(0.10, abs=0.01)
    assert (end - last_shut) / fps == pytest.approx(0.15, abs=0.01)
    assert blink_profile(np.array([-0.01, 0.3]))[0] == 0 and blink_profile(np.array([0.3]))[0] == 0


def test_blinks_keep_a_refractory_gap_except_doubles():
    starts = np.array(blink_times(600.0, seed=9, rate_per_min=20))
    gaps = np.diff(starts)
    doubles = gaps < REFRACTORY_S
    assert 0.03 < doubles.mean() < 0.2  # sometimes a double blink
    assert np.all(gaps[doubles] > 0.3)  # the second follows the first's opening
    assert 18 < len(starts) / 10 < 22  # the asked-for rate, over ten minutes


def test_tracks_are_deterministic_per_seed():
    a = blink_track(3000, 25, seed=7)
    assert np.array_equal(a, blink_track(3000, 25, seed=7))
    assert not np.array_equal(a, blink_track(3000, 25, seed=8))
    e = np.linspace(0, 1, 250) % 0.3
    assert np.array_equal(head_track(250, 25, 3, e), head_track(250, 25, 3, e))
    assert np.array_equal(gaze_track(250, 25, 3), gaze_track(250, 25, 3))


def test_blink_rate_out_of_range_is_refused():
    with pytest.raises(NodeError, match="15-30"):
        blink_track(100, 25, 0, rate_per_min=60)


def test_gaze_looks_reach_their_target_and_saccades_stay_small():
    fps = 25
    g = gaze_track(10 * fps, fps, 0, looks=[(2.0, 4.0, "left"), (6.0, 7.0, (0.2, -0.5))])
    assert np.allclose(g[int(3.0 * fps)], (-0.8, 0.0), atol=1e-6)
    assert np.allclose(g[int(6.5 * fps)], (0.2, -0.5), atol=1e-6)
    free = gaze_track(60 * fps, fps, 1)
    assert np.abs(free).max() <= 0.6 + 1e-6
    assert free.std() > 0.05  # it does move
    with pytest.raises(NodeError, match="look target"):
        gaze_track(10, fps, 0, looks=[(0, 1, "sideways")])


def test_head_nods_follow_speech_energy():
    fps, n = 25, 500
    t = np.arange(n) / fps
    energy = (np.sin(2 * np.pi * 2.0 * t) > 0.6).astype(np.float32)  # 2 syllables a second
    head = head_track(n, fps, seed=0, speech_energy=energy)
    nod = head[:, SLOT["nod"] - SLOT["yaw"]]
    smooth_e = np.convolve(energy, np.ones(3) / 3, mode="same")
    assert np.corrcoef(nod, smooth_e)[0, 1] > 0.5
    silent = head_track(n, fps, seed=0, speech_energy=np.zeros(n, np.float32))
    assert np.abs(silent[:, 3]).max() < 1e-6  # no speech, no nods


def test_idle_mode_breathes_and_glances():
    fps, n = 25, 60 * 25
    head = head_track(n, fps, seed=2, idle=True)
    nod = head[:, 3]
    spectrum = np.abs(np.fft.rfft(nod - nod.mean()))
    freq = np.fft.rfftfreq(n, 1 / fps)
    assert 0.15 < freq[np.argmax(spectrum)] < 0.35  # ~4 s breathing
    assert np.abs(head[:, 0]).max() > 3.0  # glances to the side
    assert np.abs(head[:, :3]).max() < 20.0  # gentle


def test_expressions_ease_in_and_out():
    fps = 100
    e = expression_track([(1.0, 2.0, "happy", 0.8), (0.0, 3.0, "neutral", 1.0)], 400, fps)
    happy = e[:, 0]
    assert happy[50] == 0 and happy[150] == pytest.approx(0.8)
    assert 0 < happy[110] < 0.8  # attack
    assert 0 < happy[220] < 0.8 and happy[260] == 0  # release
    assert np.all(np.diff(happy[100:130]) >= 0)
    assert np.abs(e[:, 1:]).max() == 0
    with pytest.raises(NodeError, match="expression"):
        expression_track([(0, 1, "smug", 1.0)], 10, fps)


def test_face_controls_mix_tracks_with_strengths():
    n = 50
    vis = np.tile(np.array([0.02, 0.5, 0.15, 0.0], np.float32), (n, 1))  # viseme rest
    vis[10] = (0.9, 0.6, 0.0, 0.15)
    c = face_controls(n, 25, visemes=vis, blinks=np.ones(n), head=np.ones((n, 4)),
                      mouth_strength=0.5, head_strength=2.0, eyes_strength=0.0)  # fmt: skip
    assert np.abs(c[0]).max() == pytest.approx(2.0)  # only the head moves at rest
    assert c[0, SLOT["jaw_open"]] == 0 and c[0, SLOT["blink_left"]] == 0
    assert c[10, SLOT["jaw_open"]] == pytest.approx(0.5 * (0.9 - 0.02) / 0.98)
    assert c[0, SLOT["roll"]] == pytest.approx(2.0)
    with pytest.raises(NodeError, match="visemes must be"):
        face_controls(n, 25, visemes=np.zeros((n, 3)))
