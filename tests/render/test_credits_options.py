"""Where the credits card goes (``credits: {card: end|start|none}``, issue 12 item 6),
measured on decoded frames, and the credits written whatever the card: the
``.credits.txt`` beside the video and the provenance."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine.nodes.output.probe import iter_frames
from engine.render import render
from tests.render.scenes import FPS, base_doc, write_scene

SHOT_S = 1.0  # one red shot, then the card of 1 s (base_doc) where the scene puts it


def _render(tmp_path, card: str):
    doc = base_doc([{"background": "#ff0000", "duration": SHOT_S}])
    doc["ethics"]["credits"]["card"] = card
    scene = write_scene(tmp_path / card, doc)
    return render(scene, tmp_path / card / "out" / "v.mp4", cache_dir=tmp_path / "cache")


def _red(frame: np.ndarray) -> bool:
    """The frame's middle column band is the red shot (the label sits in a corner)."""
    h, w = frame.shape[:2]
    mid = frame[h // 4 : 3 * h // 4, w // 3 : 2 * w // 3].astype(float).mean((0, 1))
    return mid[0] > 180 and mid[1] < 80 and mid[2] < 80


@pytest.mark.parametrize(
    ("card", "reds"),
    [("end", "shot first"), ("start", "card first"), ("none", "shot only")],
)
def test_the_card_is_where_the_scene_puts_it_and_the_credits_are_always_written(
    tmp_path, card, reds
):
    result = _render(tmp_path, card)
    red = [_red(frame) for _, frame in iter_frames(result.video)]
    n_shot = round(SHOT_S * FPS)
    if reds == "shot only":
        assert len(red) == n_shot and all(red)
    else:
        assert len(red) == n_shot + FPS  # the card: 1 s
        shot, other = (red[:n_shot], red[n_shot:]) if card == "end" else (red[FPS:], red[:FPS])
        assert all(shot) and not any(other)
    assert result.credits == result.video.with_name("v.credits.txt")
    text = result.credits.read_text(encoding="utf-8")
    record = json.loads(result.provenance.read_text(encoding="utf-8"))
    assert record["credits"] == {"card": card, "text": text.rstrip("\n")}
    assert text.startswith("test\nAI-generated\n") and text.endswith("Made with Photoplay\n")
    segments = [s["what"] for s in record["timeline"]["segments"]]
    expected = {"end": ["shot 1", "credits"], "start": ["credits", "shot 1"], "none": ["shot 1"]}
    assert segments == expected[card]
    leftovers = [p.name for p in result.video.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []  # staged and moved into place as one set
