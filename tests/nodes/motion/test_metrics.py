"""Dance metrics on hand-checkable synthetic motion."""

from __future__ import annotations

import numpy as np
import pytest

from engine.nodes.motion.metrics import (
    MotionMetricError,
    beat_align_score,
    bone_length_change,
    foot_skate,
    kinematic_beats,
)

FPS = 60.0


def _bounce(beats_s: np.ndarray, duration_s: float, fps: float = FPS) -> np.ndarray:
    """Two joints stepping one unit a beat and pausing on each beat: x(u) = u - sin(2 pi u)
    / (2 pi), u in beats, has speed (1 - cos 2 pi u) / period, zero only on the beats.
    (T, 2, 2)."""
    period_s = float(np.diff(beats_s).mean())
    t_s = np.arange(int(duration_s * fps) + 1) / fps
    u = (t_s - beats_s[0]) / period_s
    x = u - np.sin(2.0 * np.pi * u) / (2.0 * np.pi)
    joints = np.zeros((t_s.size, 2, 2))
    joints[:, 0, 0] = x
    joints[:, 1, 0] = x
    joints[:, 1, 1] = 1.0
    return joints


@pytest.mark.parametrize("fps", [25.0, 60.0])
def test_bounce_on_the_beat_scores_near_one(fps):
    beats_s = np.arange(0.5, 9.5, 0.5)  # 120 bpm
    score = beat_align_score(_bounce(beats_s, 10.0, fps), fps, beats_s)
    assert score > 0.95


def test_off_beat_and_random_motion_score_low():
    beats_s = np.arange(0.5, 9.5, 0.5)
    # stillness exactly between the beats: d = 0.25 s, exp(-0.25^2 / 0.005) ~ 4e-6
    off = beat_align_score(_bounce(beats_s + 0.25, 10.0), FPS, beats_s)
    assert off < 0.05
    rng = np.random.default_rng(0)
    walk = np.cumsum(rng.standard_normal((601, 17, 2)), axis=0)
    scores = [beat_align_score(walk, FPS, beats_s + k * 0.1) for k in range(5)]
    assert np.mean(scores) < 0.6  # chance level for dense random minima, far from 1


def test_kinematic_beats_are_speed_minima():
    beats_s = np.array([1.0, 2.0, 3.0, 4.0])
    found = kinematic_beats(_bounce(beats_s, 5.0), FPS)
    assert np.abs(found[:, None] - beats_s[None, :]).min(axis=0).max() < 1.5 / FPS


def test_foot_skate_planted_vs_sliding():
    t = np.arange(120)
    joints = np.zeros((120, 3, 2))
    joints[:, 0] = [0.0, 0.0]  # head, high (image y small)
    joints[:, 1] = [0.0, 100.0]  # left foot on the floor, still
    joints[:, 2, 0] = 2.0 * t  # right foot on the floor, sliding 2 px a frame
    joints[:, 2, 1] = 100.0
    planted = foot_skate(joints, [1], FPS)
    assert planted.mean_speed == 0.0 and planted.contact_fraction == 1.0
    sliding = foot_skate(joints, [2], FPS)
    assert sliding.mean_speed == pytest.approx(2.0 * FPS)
    # lifting the sliding foot off the floor while it moves removes the skate
    lifted = joints.copy()
    lifted[:, 2, 1] = 50.0 + 50.0 * (t % 2 == 0)
    lifted[::2, 2, 0] = lifted[::2, 2, 0][0]
    assert foot_skate(lifted, [2], FPS).contact_fraction == pytest.approx(0.5)


def test_foot_skate_y_up_3d():
    joints = np.zeros((10, 2, 3))
    joints[:, 0, 1] = 1.7  # head up
    joints[:, 1, 2] = np.arange(10) * 0.01  # foot at y=0 sliding 1 cm a frame along z
    result = foot_skate(joints, [1], 100.0, up_axis=1, up_sign=1.0)
    assert result.mean_speed == pytest.approx(1.0)


def test_bone_length_change_rigid_and_stretching():
    rng = np.random.default_rng(3)
    rest = rng.standard_normal((5, 3))
    frames = []
    for k in range(30):
        angle = 0.1 * k
        rot = np.array(
            [[np.cos(angle), -np.sin(angle), 0], [np.sin(angle), np.cos(angle), 0], [0, 0, 1]]
        )
        frames.append(rest @ rot.T + [k * 0.5, 0, 1])
    rigid = np.stack(frames)
    bones = [(0, 1), (1, 2), (2, 3), (3, 4)]
    assert bone_length_change(rigid, bones).max() < 1e-12
    stretched = rigid.copy()
    stretched[10, 1] = stretched[10, 0] + 1.1 * (stretched[10, 1] - stretched[10, 0])
    change = bone_length_change(stretched, bones)
    assert change[0] == pytest.approx(0.1, rel=1e-9)


def test_bad_inputs():
    with pytest.raises(MotionMetricError, match="shape"):
        beat_align_score(np.zeros((10, 4)), FPS, np.array([0.1]))
    with pytest.raises(MotionMetricError, match="no music beat"):
        beat_align_score(np.zeros((10, 2, 2)), FPS, np.array([5.0]))
    with pytest.raises(MotionMetricError, match="out of range"):
        foot_skate(np.zeros((10, 2, 2)), [7], FPS)
    with pytest.raises(MotionMetricError, match="pairs"):
        bone_length_change(np.zeros((10, 2, 2)), [(0, 5)])


def test_shifted_baseline_is_below_a_motion_that_stops_on_the_beats():
    from engine.nodes.motion.metrics import beat_align_score, shifted_baseline

    fps, period = 50.0, 0.5
    t = np.arange(0, 10.0, 1 / fps)
    # a point swinging between two stops, one on every beat
    x = np.cos(np.pi * t / period)
    joints = np.stack([x, np.zeros_like(x)], axis=1)[:, None, :]
    beats = np.arange(0.5, 9.5, period)
    bas = beat_align_score(joints, fps, beats)
    mean, std = shifted_baseline(joints, fps, beats, draws=300, seed=1)
    assert bas > 0.9
    assert 0.0 < mean < 0.8 and std > 0.0
    assert (bas - mean) / std > 2.0
    assert shifted_baseline(joints, fps, beats, seed=1) == shifted_baseline(
        joints, fps, beats, seed=1
    )
