"""A dance reads only the part of its reference motion it can use (issue 11, item 12):
a 10-minute clip for a 2-second dance was tracked whole, over 120 s."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import engine
from engine.nodes.kinds import motion_file
from engine.nodes.motion.bvh import import_bvh
from engine.nodes.motion.span import motion_seconds_needed
from tests.nodes.motion.test_bvh import _mixamo_bvh
from tests.nodes.motion.test_from_video import _sway_clip

ROOT = Path(__file__).resolve().parents[3]


def test_seconds_needed_bound_the_dance():
    assert motion_seconds_needed(None, None, None, fit_to_beats=True) is None  # lasts the motion
    assert motion_seconds_needed(2.0, None, None, fit_to_beats=False) == 4.0
    assert motion_seconds_needed(2.0, None, None, fit_to_beats=True) == 6.0
    # 8 beats at the slowest tempo a beat is tracked at (40 bpm): 12 s.
    assert motion_seconds_needed(None, 8, None, fit_to_beats=False) == 14.0
    assert motion_seconds_needed(None, None, 2, fit_to_beats=False) == 14.0


def test_the_compiled_motion_node_asks_for_what_the_dance_uses(tmp_path):
    (tmp_path / "assets").mkdir()
    for name in ("astronaut.jpg", "music-120bpm.wav", "sway.mp4"):
        shutil.copy(ROOT / "scenes" / "assets" / name, tmp_path / "assets")
    text = (ROOT / "scenes" / "dance-from-video.yaml").read_text()
    scene = tmp_path / "scene.yaml"
    scene.write_text(text.replace("bars: 4\n", "duration: 2\n"))
    graph = engine.compile(engine.validate(scene)).graph
    motions = [n for n in graph.nodes.values() if n.kind == "motion.file"]
    assert [n.params["max_s"] for n in motions] == [6.0]  # 2 s fitted to beats, + 2 s


def test_the_motion_node_tracks_only_max_s_of_a_video(tmp_path):
    video, _ = _sway_clip(tmp_path / "sway.mp4", n_frames=75)  # 3 s at 25 fps
    track = motion_file({"path": str(video), "max_s": 1.0}, {}, None)
    assert track.n_frames == 25


def test_a_bvh_is_read_only_as_far_as_max_s(tmp_path):
    frames = [""] * 60  # 2 s at 30 fps; everything after the first second is garbage
    text = _mixamo_bvh("0 0 0", frames)
    head, rows = text.split("Frame Time: 0.0333333\n")
    rows = rows.splitlines()
    rows[40:] = ["nan " * 66] * 20
    path = tmp_path / "long.bvh"
    path.write_text(head + "Frame Time: 0.0333333\n" + "\n".join(rows) + "\n")
    track = import_bvh(path, max_seconds=1.0)
    assert track.n_frames == 32 and np.isfinite(track.angles).all()  # ceil(1 s / 0.0333333 s) + 1
    with pytest.raises(engine.errors.AssetError, match="nan"):
        import_bvh(path)
