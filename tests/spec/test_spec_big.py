"""A generated 1,000-shot scene validates (speed is measured in bench/validate.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from engine.errors import SceneError
from engine.shot_time import GAP_S, TAIL_S
from engine.spec import validate
from engine.speech_time import estimate_speech_s

BENCH = Path(__file__).resolve().parents[2] / "bench" / "validate.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_validate", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_thousand_shot_scene_validates(tmp_path):
    bench = _bench()
    path = bench.make_big_scene(tmp_path, 1000)
    scene = validate(path, max_duration_s=bench.LIMIT_S)
    assert len(scene.shots) == 1000
    assert scene.shots[999].id == "s999" and scene.shots[998].title.text == "Part 998"
    assert scene.warnings == ()
    # odd shots: the line, estimated from its characters at 170 wpm, the gap after a
    # line, 1 bar at 120 bpm (2 s) and the tail, on a frame boundary at 25 frames/s
    line_s = estimate_speech_s("Shot 1, hello bench!", 170)
    n_frames = round((line_s + GAP_S + 2.0 + TAIL_S) * 25)
    assert scene.shots[1].est_duration_s == pytest.approx(n_frames / 25)
    # about an hour: over the default 30-minute limit, which says so
    with pytest.raises(SceneError) as info:
        validate(path)
    assert [d.code for d in info.value.diagnostics] == ["duration.too-long"]
