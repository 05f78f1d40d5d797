"""Everyone in a real photo found, told apart, and kept whole while one of them dances."""

from __future__ import annotations

import pickle
from functools import cache

import cv2
import numpy as np
import pytest
from PIL import Image

from engine.nodes.body.people import find_people, partition, person_key
from engine.nodes.body.select import body_extent
from engine.nodes.rig import build_body_rig, render_dance_frame
from engine.nodes.rig.limits import limit_track
from tests.media import media_path


@cache
def _photo(media_id: str, long_side: int = 480) -> np.ndarray:
    rgb = np.array(Image.open(media_path(media_id)).convert("RGB"))
    s = long_side / max(rgb.shape[:2])
    return cv2.resize(rgb, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)


@cache
def _people(media_id: str):
    return find_people(_photo(media_id))


def test_one_person_is_one_person():
    assert len(_people("obama-smile")) == 1


@pytest.mark.parametrize(("media_id", "at_least"), [("zidane-touchline", 2), ("poker-group", 4)])
def test_everyone_is_found_left_to_right(media_id, at_least):
    """The detector alone finds one person in each (two overlapping men on a touchline;
    six at a poker table, one confirmed); windows and masked copies find the rest."""
    people = _people(media_id)
    assert len(people) >= at_least
    keys = [person_key(p) for p in people]
    assert keys == sorted(keys)
    shoulders = [p.points[[11, 12], :2].mean(axis=0) for p in people]
    for i in range(len(people)):
        for j in range(i + 1, len(people)):  # no one twice
            assert np.linalg.norm(shoulders[i] - shoulders[j]) > 10


def test_masks_are_partitioned_and_the_front_person_named():
    people = _people("zidane-touchline")
    mine, others, front = partition(people, 0)
    claimed = (mine.mask > 0) & (others > mine.mask)
    assert not claimed.any()
    theirs, _, _ = partition(people, 1)
    assert not ((mine.mask > 0.5) & (theirs.mask > 0.5)).any()
    assert (mine.mask > 0.5).sum() > 5000 and (theirs.mask > 0.5).sum() > 5000
    assert front.dtype == bool


def test_the_dancers_mesh_holds_no_one_elses_pixels_and_the_others_stay():
    photo = _photo("zidane-touchline")
    pose, others, front = partition(_people("zidane-touchline"), 0)
    mode = body_extent(pose)
    rig = build_body_rig(photo, pose, mode, others, front)
    assert not ((rig.labels >= 0) & (others > 0.5)).any()
    # A few frames of a swaying dance, within what the photo can show.
    n = 6
    angles = rig.rest_angles + np.radians(12) * np.sin(np.linspace(0, 2 * np.pi, n))[:, None]
    angles = limit_track(rig, angles, np.zeros((n, 2)))
    white = np.full_like(photo, 255)
    cov = pickle.loads(pickle.dumps(rig))
    object.__setattr__(cov, "background", np.zeros_like(photo))
    object.__setattr__(cov, "underlay", white)
    object.__setattr__(cov, "occluder_idx", np.zeros(0, np.int64))
    object.__setattr__(cov, "occluder_alpha", np.zeros(0, np.float32))
    theirs = others > 0.5
    for a in angles:
        frame = render_dance_frame(rig, photo, a, np.zeros(2), np.empty_like(photo))
        body = render_dance_frame(cov, white, a, np.zeros(2), np.empty_like(photo))[..., 0] > 0
        # where the dancer is not drawn, the other man is the photo's, pixel for pixel
        still = theirs & ~cv2.dilate(body.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
        assert still.sum() > 0.8 * theirs.sum()
        assert np.abs(frame[still].astype(int) - photo[still]).max() <= 2


def test_a_close_up_cut_at_the_shoulders_cannot_dance_but_a_bust_can():
    from engine.errors import AssetError

    (closeup,) = _people("elderly-closeup")
    with pytest.raises(AssetError, match="only down to the shoulders") as err:
        body_extent(closeup, "elderly-closeup.jpg")
    assert len(err.value.lines()) <= 2  # one line and its hint
    (grace,) = _people("grace-hopper")
    assert body_extent(grace) == "upper"
