"""A long shot renders in parts on several workers: the same video however it runs."""

from __future__ import annotations

import av
import numpy as np

from engine.nodes.output.probe import probe, read_frames
from engine.nodes.render import parts
from engine.render import render
from tests.render.scenes import base_doc, write_scene


def packets(path) -> list[tuple]:
    """Every packet of the file, in order: (stream, pts, dts, bytes). Two signings of
    one video can differ in the C2PA box's length (and so in every offset after it)."""
    with av.open(str(path)) as container:
        return [(p.stream.index, p.pts, p.dts, bytes(p)) for p in container.demux() if p.size]


def long_shot_scene(folder, crf=20):
    """One 11 s photo shot (275 frames at 25 fps: two parts) and the credits card."""
    from PIL import Image
    from skimage import data

    folder.mkdir(parents=True, exist_ok=True)
    Image.fromarray(data.astronaut()).save(folder / "photo.jpg", quality=90)
    shot = {
        "background": {"file": "photo.jpg", "source": "scikit-image astronaut (public domain)"},
        "camera": {"zoom": [1.0, 1.3], "pan": [[0.45, 0.5], [0.55, 0.45]]},
        "title": "A long look",
        "duration": 11.0,
    }
    doc = base_doc([shot])
    doc["output"]["quality"] = {"crf": crf}
    return write_scene(folder, doc)


def test_parts_on_two_workers_give_the_bytes_of_one_process(tmp_path):
    scene = long_shot_scene(tmp_path / "scene")
    assert len(parts.part_bounds(275)) == 2
    events = []
    pooled = render(scene, tmp_path / "pool.mp4", cache_dir=tmp_path / "c1", on_event=events.append)
    inline = render(scene, tmp_path / "inline.mp4", cache_dir=tmp_path / "c2", scheduler="inline")
    assert probe(pooled.video)["video"]["n_frames"] == 275 + 25
    assert packets(pooled.video) == packets(inline.video)
    finished = [
        e for e in events if e.get("status") == "finished" and e["kind"] == "render.segment"
    ]
    assert len(finished) == 2  # the long shot (joined from its parts) and the credits card
    again = []
    render(scene, tmp_path / "again.mp4", cache_dir=tmp_path / "c1", on_event=again.append)
    assert not [e for e in again if e.get("status") == "finished"]


def test_a_shot_in_parts_shows_the_pixels_of_the_whole_shot(tmp_path, monkeypatch):
    """Lossless, so the decoded frames are the drawn ones: cut or not, the same."""
    scene = long_shot_scene(tmp_path / "scene", crf=0)
    cut = render(scene, tmp_path / "cut.mp4", cache_dir=tmp_path / "c1", scheduler="inline")
    monkeypatch.setattr(parts, "PART_FRAMES", 10_000)
    monkeypatch.setattr(parts.part_bounds, "__defaults__", (10_000,))
    whole = render(scene, tmp_path / "whole.mp4", cache_dir=tmp_path / "c2", scheduler="inline")
    assert packets(cut.video) != packets(whole.video)  # the encoder started over
    assert np.array_equal(read_frames(cut.video), read_frames(whole.video))
