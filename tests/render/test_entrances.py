"""Performers enter and leave a stage (``place: {NAME: {enter, exit}}``, issue 12 item 3):
measured on the decoded frames of a small render."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from engine.nodes.output.probe import iter_frames
from engine.render import render
from tests.render.scenes import FPS, SIZE, base_doc, write_scene

ASSETS = Path(__file__).resolve().parents[2] / "scenes" / "assets"
BACKDROP = np.array([0x20, 0x40, 0xA0])


def _figure(frame: np.ndarray) -> np.ndarray:
    """(h', w) bool: pixels not the backdrop, above the label's band at the bottom."""
    h = frame.shape[0]
    return np.abs(frame[: int(0.85 * h)].astype(int) - BACKDROP).sum(2) > 60


def test_a_performer_slides_in_from_the_left_and_fades_out(tmp_path):
    folder = tmp_path / "scene"
    (folder / "assets").mkdir(parents=True)
    shutil.copy(ASSETS / "grace-hopper.jpg", folder / "assets")
    grace = {
        "photo": {"file": "assets/grace-hopper.jpg", "licence": "public domain"},
        "consent": {"basis": "public-domain", "source": "US Navy", "scope": ["expressions"]},
    }
    shot = {
        "cast": ["grace"],
        "background": "#2040a0",
        "duration": 2.4,
        "place": {
            "grace": {"enter": {"from": "left", "at": 0.2}, "exit": {"to": "fade", "at": 1.6}}
        },
        "do": [{"emote": {"who": "grace", "expression": "happy", "duration": 1}}],
    }
    doc = base_doc([shot], characters={"grace": grace})
    doc["ethics"]["credits"]["card"] = "none"
    result = render(write_scene(folder, doc), tmp_path / "out" / "v.mp4", cache_dir=tmp_path / "c")
    frames = [frame for _, frame in iter_frames(result.video)]
    assert len(frames) == round(2.4 * FPS) and frames[0].shape[:2] == (SIZE[1], SIZE[0])
    share = [_figure(f).mean() for f in frames]
    at = lambda s: round(s * FPS)  # noqa: E731
    assert share[0] == 0 and share[at(0.2)] == 0  # not on stage before the entrance
    placed = _figure(frames[at(1.0)])
    assert share[at(1.0)] > 0.15  # on stage once the entrance has ended (0.2 + 0.6 s)
    right = np.flatnonzero(placed.any(0)).max()
    sliding = _figure(frames[at(0.5)])  # half way in: to the left of where she stands
    assert 0 < sliding.mean() < share[at(1.0)]
    assert np.flatnonzero(sliding.any(0)).max() < right - 20
    assert share[at(1.9)] > 0  # fading: fainter, still there
    assert share[at(2.3)] == 0  # gone after the exit (1.6 + 0.6 s)
    record = json.loads(result.provenance.read_text(encoding="utf-8"))
    assert record["timeline"]["segments"][0]["on_stage"] == {"grace": [0.8, 1.6]}
