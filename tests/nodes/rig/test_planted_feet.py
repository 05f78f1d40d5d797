"""A real full-body photo dances with its feet planted (issue 14): bus-street's man on
the left (person 0, ultralytics' bus.jpg from the real-media set), at the size a
360 px square video draws him, danced to the funky-robot track."""

from __future__ import annotations

from functools import cache

import cv2
import numpy as np
import pytest

from engine.nodes.body.select import body_extent, find_person
from engine.nodes.motion import skeleton as sk
from engine.nodes.motion.choreo import choreograph
from engine.nodes.rig import build_body_rig
from engine.nodes.rig.feet import DIP_MIN
from engine.nodes.rig.limits import limit_track, track_limits
from engine.nodes.rig.pose import pose_joints, rig_pose, skin_positions
from engine.nodes.rig.stretch import frame_stretch, within
from tests.media import media_path

FPS = 25


@cache
def _bus():
    photo = cv2.cvtColor(cv2.imread(str(media_path("bus-street"))), cv2.COLOR_BGR2RGB)
    photo = cv2.resize(photo, (360, 480), interpolation=cv2.INTER_AREA)
    pose, others, front = find_person(photo, 0, "bus.jpg")
    assert body_extent(pose, "bus.jpg") == "full"
    return photo, build_body_rig(photo, pose, "full", others, front)


@cache
def _dance():
    import librosa

    from engine.nodes.music.analyse import analyse

    _, rig = _bus()
    audio, sr = librosa.load(str(media_path("funky-robot")), sr=22050, duration=12)
    music = analyse(audio, sr, 92)
    lower, upper = track_limits(rig)
    track = choreograph(
        music, style="party", duration_s=10, fps=FPS, seed=1, body="full",
        limits_deg=(np.degrees(lower).tolist(), np.degrees(upper).tolist()),
    )  # fmt: skip
    angles, root = limit_track(rig, track.angles, track.root, with_root=True)
    return music, angles, root


@pytest.fixture(scope="module")
def bus():
    return _bus()


@pytest.fixture(scope="module")
def dance():
    return _dance()


def test_feet_stay_where_the_photo_has_them(bus, dance):
    _, rig = bus
    _, angles, root = dance
    near = [
        int(np.argmin(np.linalg.norm(rig.skin_rest - rig.rest_joints[j], axis=1)))
        for j in (sk.L_ANKLE, sk.R_ANKLE, sk.L_FOOT, sk.R_FOOT)
    ]
    worst = 0.0
    for a, r in zip(angles, root, strict=True):
        joints = pose_joints(rig, a, r)
        assert np.allclose(
            joints[[sk.L_ANKLE, sk.R_ANKLE]], rig.rest_joints[[sk.L_ANKLE, sk.R_ANKLE]]
        )
        moved = skin_positions(rig, a, r)[near]
        worst = max(worst, float(np.abs(moved - rig.skin_rest[near]).max()))
    assert worst < 1.0  # px, on a 480 px photo: the shoes never slide


def test_hips_sway_and_the_knees_give_on_the_beats(bus, dance):
    _, rig = bus
    music, angles, root = dance
    hips = np.stack([pose_joints(rig, a, r)[sk.MID_HIP] for a, r in zip(angles, root, strict=True)])
    dip = hips[:, 1] - rig.rest_joints[sk.MID_HIP, 1]
    beats = music.beats_s[(music.beats_s > 0.5) & (music.beats_s < 9.5)]
    on = np.round(beats * FPS).astype(int)
    off = np.round((beats + 0.5 * np.median(np.diff(music.beats_s))) * FPS).astype(int)
    off = off[off < len(dip)]
    # the hips are lower on the beats than half-way between them, on nearly every beat
    assert dip[on].mean() - dip[off].mean() >= 1.5
    assert np.mean(dip[on] > dip[np.minimum(on + 6, len(dip) - 1)]) >= 0.7
    # and they shift the weight from side to side
    sway = hips[:, 0] - rig.rest_joints[sk.MID_HIP, 0]
    assert sway.max() > 1.0 and sway.min() < -1.0
    # the knees bend: the legs foreshortened (towards the camera) on the beats
    for hip, ankle in ((sk.L_HIP, sk.L_ANKLE), (sk.R_HIP, sk.R_ANKLE)):
        rest_leg = np.linalg.norm(rig.rest_joints[ankle] - rig.rest_joints[hip])
        legs = [
            np.linalg.norm(np.subtract(*pose_joints(rig, angles[i], root[i])[[ankle, hip]]))
            for i in on
        ]
        assert min(legs) < 0.97 * rest_leg
        assert min(legs) >= DIP_MIN * rest_leg - 1e-6


def test_every_frame_keeps_the_stretch_budget(bus, dance):
    _, rig = bus
    _, angles, root = dance
    for a, r in zip(angles[::2], root[::2], strict=True):
        assert within(*frame_stretch(rig, rig_pose(rig, a, r)))
