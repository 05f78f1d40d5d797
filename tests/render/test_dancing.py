"""A dancing photo measured on the rendered video: retargeting from a reference video."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from engine.nodes.motion.from_video import joint_angle_error, motion_from_video
from engine.nodes.motion.skeleton import BONE_INDEX
from engine.nodes.rig.stretch import BUDGET
from engine.render import render
from tests.render.scenes import write_scene

ASSETS = Path(__file__).resolve().parents[2] / "scenes" / "assets"
UPPER = ("spine", "neck", "l_upper_arm", "r_upper_arm")


@pytest.mark.slow
def test_motion_from_a_reference_video_is_retargeted_onto_the_photo(tmp_path):
    folder = tmp_path / "scene"
    folder.mkdir()
    for name in ("astronaut.jpg", "sway.mp4"):
        shutil.copy(ASSETS / name, folder / name)
    doc = {
        "photoplay": 1,
        "output": {"size": [384, 384], "fps": 25, "seed": 1},
        "characters": {
            "p": {
                "photo": {"file": "astronaut.jpg", "source": "NASA (public domain)"},
                "body": {"mode": "upper"},
                "consent": {"basis": "public-domain", "source": "NASA", "scope": ["dance"]},
            }
        },
        "ethics": {"label": "AI-generated", "credits": {"duration": 1}},
        "shots": [
            {
                "cast": ["p"],
                "do": [{"dance": {"who": "p", "motion": {"file": "sway.mp4", "licence": "CC0"}}}],
            }
        ],
    }
    out = render(write_scene(folder, doc), tmp_path / "v.mp4", cache_dir=tmp_path / "c")
    reference = motion_from_video(folder / "sway.mp4")
    rendered = motion_from_video(out.video, max_seconds=reference.n_frames / reference.fps)
    n = min(reference.n_frames, rendered.n_frames)
    error = joint_angle_error(reference, rendered, bones=list(UPPER))
    swing = np.degrees(np.ptp(np.unwrap(reference.angles[:n, BONE_INDEX["spine"]])))
    print(
        f"retargeting: mean joint-angle error {error:.1f} deg over {UPPER}; spine swing {swing:.0f} deg"
    )
    assert error < 10.0
    # The render reports its worst triangle stretch per shot, within the budget.
    record = json.loads(out.provenance.read_text())
    stretch = record["timeline"]["segments"][0]["stretch"]
    assert stretch["within"] and stretch["frames"] > 0
    assert BUDGET[0] <= stretch["min"] <= stretch["max"] <= BUDGET[1]


def _moves_scene(tmp_path) -> Path:
    folder = tmp_path / "moves"
    folder.mkdir()
    for name in ("astronaut.jpg", "music-120bpm.wav"):
        shutil.copy(ASSETS / name, folder / name)
    doc = {
        "photoplay": 1,
        "output": {"size": [192, 192], "fps": 25, "seed": 1},
        "characters": {
            "p": {
                "photo": {"file": "astronaut.jpg", "source": "NASA (public domain)"},
                "body": {"mode": "upper"},
                "consent": {"basis": "public-domain", "source": "NASA", "scope": ["dance"]},
            }
        },
        "music": {"file": "music-120bpm.wav", "licence": "CC0"},
        "ethics": {"label": "AI-generated", "credits": {"duration": 1}},
        "shots": [
            {"cast": ["p"], "do": [{"dance": {"who": "p", "moves": ["party_clap_up"], "bars": 1}}]}
        ],
    }
    return write_scene(folder, doc)


@pytest.mark.slow
def test_moves_past_the_photos_limits_are_scaled_down_with_a_warning_or_refused(tmp_path):
    """The astronaut's right hand rests in front of her (the arm is held): a clap over
    the head is danced as far as the photo allows (not at all for that arm), with a
    warning naming each joint, its limit and why; under strict the render is refused
    and writes nothing."""
    from engine.errors import PhotoplayError

    scene = _moves_scene(tmp_path)
    events = []
    out = render(scene, tmp_path / "v.mp4", cache_dir=tmp_path / "c", on_event=events.append)
    warnings = [e for e in events if e["event"] == "warning"]
    joints = {w["joint"] for w in warnings}
    assert {"l_upper_arm", "r_upper_arm"} <= joints
    held = next(w for w in warnings if w["joint"] == "r_upper_arm")
    assert held["limit_deg"] == 0 and held["asked_deg"] > 90
    assert "r_upper_arm" in held["message"] and "allows 0 deg" in held["message"]
    assert "hand is in front of the body" in held["message"]
    record = json.loads(out.provenance.read_text())
    assert record["timeline"]["segments"][0]["limits"]
    # the accents as danced, measured on the posed skeleton, beside the stretch
    bas = record["timeline"]["segments"][0]["bas_motion"]
    assert 0.0 <= bas["bas"] <= 1.0 and bas["baseline_std"] >= 0.0
    assert any(e["event"] == "bas" for e in events)
    strict_out = tmp_path / "strict.mp4"
    with pytest.raises(PhotoplayError, match=r"turn \w+ [\d.]+ deg .* allows [\d.]+ deg"):
        render(scene, strict_out, cache_dir=tmp_path / "c", strict=True)
    assert not strict_out.exists()
