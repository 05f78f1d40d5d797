import cv2
import numpy as np
import pytest

from engine.errors import AssetError
from engine.nodes.body.pose import KEYPOINT
from engine.nodes.body.track import track_video
from tests.nodes.body.media import astronaut

SHOULDERS = [KEYPOINT["left_shoulder"], KEYPOINT["right_shoulder"]]


def _small() -> np.ndarray:
    return cv2.resize(astronaut(), (256, 256), interpolation=cv2.INTER_AREA)


def _still_frames(n_frames: int):
    """The astronaut with fresh sensor noise each frame (seeded)."""
    rng = np.random.default_rng(3)
    base = _small().astype(np.int16)
    for _ in range(n_frames):
        yield np.clip(base + rng.normal(0, 6, base.shape), 0, 255).astype(np.uint8)


def test_still_person_jitters_less_after_smoothing():
    track = track_video(_still_frames(24), fps=25.0)
    assert track.found.all() and track.points.shape == (24, 33, 3)
    raw = track.raw_points[4:, SHOULDERS, :2]
    smooth = track.points[4:, SHOULDERS, :2]
    jitter_raw = np.abs(np.diff(raw, axis=0)).mean()
    jitter_smooth = np.abs(np.diff(smooth, axis=0)).mean()
    assert jitter_raw > 0.05  # the model does move on noise
    assert jitter_smooth < 0.5 * jitter_raw


def test_moving_person_is_followed_with_little_lag():
    small, speed_px = _small(), 6
    frames = []
    for t in range(16):
        canvas = np.full((300, 420, 3), 200, np.uint8)
        x0 = 20 + speed_px * t
        canvas[30:286, x0 : x0 + 256] = small
        frames.append(canvas)
    track = track_video(frames, fps=25.0)
    assert track.found.all()
    x = track.points[:, SHOULDERS, 0].mean(axis=1)
    x_raw = track.raw_points[:, SHOULDERS, 0].mean(axis=1)
    # Lag of the smoothed track behind the raw one, in frames, once under way.
    lag_frames = (x_raw[6:] - x[6:]).mean() / speed_px
    assert lag_frames < 2.0
    # And the raw track moves with the person.
    assert np.polyfit(np.arange(16), x_raw, 1)[0] == pytest.approx(speed_px, rel=0.25)


def test_person_leaving_and_coming_back_is_found_again():
    small = _small()
    person = np.full((300, 300, 3), 200, np.uint8)
    person[30:286, 22:278] = small
    empty = np.full_like(person, 200)
    track = track_video([person] * 3 + [empty] * 2 + [person] * 2, fps=25.0)
    assert track.found.tolist() == [True] * 3 + [False] * 2 + [True] * 2
    assert np.isnan(track.points[3]).all() and track.visibility[3].max() == 0
    assert not np.isnan(track.points[5]).any()


def test_video_without_person_is_refused():
    with pytest.raises(AssetError, match="no person found in dance.mp4"):
        track_video([np.full((64, 64, 3), 90, np.uint8)] * 2, fps=25.0, video="dance.mp4")
    with pytest.raises(AssetError, match="no frames"):
        track_video([], fps=25.0)
