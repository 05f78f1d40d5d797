import numpy as np
import pytest

from engine.nodes.body.one_euro import OneEuroFilter, one_euro

FPS = 30.0
BODY_PX = 400.0  # speed unit: one body size
PARAMS = dict(min_cutoff=0.1, beta=40.0, d_cutoff=1.0)  # track_video's defaults


def _noise(n_frames: int, sigma_px: float = 1.5) -> np.ndarray:
    return np.random.default_rng(7).normal(0.0, sigma_px, n_frames)


def test_still_point_jitters_far_less():
    raw = 100.0 + _noise(300)
    out = one_euro(raw, FPS, value_scale=np.full(300, 1 / BODY_PX), **PARAMS)
    # Frame-to-frame movement is what the eye sees as jitter.
    ratio = np.diff(out[30:]).std() / np.diff(raw[30:]).std()
    assert ratio < 0.3  # measured 0.18


def test_moving_point_lags_less_than_two_frames():
    for speed_px_per_frame in (1.0, 13.0):  # 30 and 400 px/s
        truth = np.arange(300) * speed_px_per_frame
        out = one_euro(truth + _noise(300), FPS, value_scale=np.full(300, 1 / BODY_PX), **PARAMS)
        lag_frames = (truth[60:] - out[60:]).mean() / speed_px_per_frame
        assert 0 <= lag_frames < 2.0, (speed_px_per_frame, lag_frames)


def test_first_sample_passes_and_constant_stays_constant():
    filt = OneEuroFilter(**PARAMS)
    x = np.array([[3.0, 4.0], [5.0, 6.0]])
    assert np.array_equal(filt(x, 0.0), x)
    for t in range(1, 10):
        assert np.allclose(filt(x, t / FPS), x)


def test_reset_forgets_the_past():
    filt = OneEuroFilter(min_cutoff=0.5)
    filt(np.zeros(2), 0.0)
    filt(np.zeros(2), 0.1)
    filt.reset()
    assert np.array_equal(filt(np.full(2, 9.0), 0.2), np.full(2, 9.0))


def test_bad_parameters_raise():
    with pytest.raises(ValueError, match="min_cutoff"):
        OneEuroFilter(min_cutoff=0.0)
