"""qc on a stage with several performers: every body followed, each judged as its own.

Before, qc followed the most prominent body only and judged every dancer on it: in
the concert's song both dancers read the astronaut's figures, and the camera
operator was never seen at all.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import skimage.data

from engine.quality.bodies import Body, BodyTracker
from engine.quality.context import _from_timeline
from engine.quality.dancers import assign, body_x, whose_bodies


def _body_at(x: float) -> Body:
    points = np.zeros((33, 2), np.float32)
    points[:, 0] = x
    return Body(points, np.ones(33, np.float32), 1.0)


@pytest.fixture(scope="module")
def two_people():
    """The astronaut twice, side by side (the right one mirrored), 1024x512."""
    half = cv2.resize(skimage.data.astronaut(), (512, 512), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(np.concatenate([half, half[:, ::-1]], axis=1))


def test_the_tracker_finds_a_second_body_behind_the_first(two_people):
    tracker = BodyTracker()
    assert len(tracker.step(two_people)) == 1  # one dancer: the most prominent body only
    tracker.reset()
    bodies = tracker.step(two_people, most=2)
    xs = sorted(body_x(b) for b in bodies)
    assert len(xs) == 2 and xs[0] < 512 < xs[1]
    # and the next frame follows both from their crops
    assert len(tracker.step(two_people, most=2)) == 2


def test_each_body_goes_to_the_performer_nearest_where_they_were_seen():
    last: dict[str, float] = {}
    got = assign([_body_at(900), _body_at(200)], ("eileen", "cam"), last, 1280)
    assert body_x(got["eileen"]) == 200 and body_x(got["cam"]) == 900
    # one body lost for a frame: the other is not handed to the wrong performer
    got = assign([_body_at(880)], ("eileen", "cam"), last, 1280)
    assert list(got) == ["cam"]
    # never seen: each performer's share of the width (left to right)
    got = assign([_body_at(1100)], ("a", "b", "c"), {}, 1200)
    assert list(got) == ["c"]


def test_stage_shots_come_from_the_provenance_timeline():
    timeline = {
        "segments": [
            {"what": "shot 1", "start_s": 0, "end_s": 4, "stage": {"left_to_right": ["a", "b"]}},
            {"what": "shot 2", "start_s": 4, "end_s": 8},
        ]
    }
    ctx = _from_timeline(timeline)
    assert ctx.stage_at(1.0) == ("a", "b") and ctx.stage_at(5.0) == ()
    bodies = {0: [_body_at(700), _body_at(100)], 150: [_body_at(100), _body_at(700)]}
    owners = whose_bodies(bodies, [i / 25 for i in range(200)], ctx.stage_at, 800)
    assert body_x(owners[0]["a"]) == 100 and body_x(owners[0]["b"]) == 700
    assert body_x(owners[150]) == 100  # not a stage: the most prominent body
