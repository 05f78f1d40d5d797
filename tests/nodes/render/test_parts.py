"""A shot cut into parts: where the cuts fall, and that the parts draw the shot's pixels."""

from __future__ import annotations

import numpy as np
import pytest
import skimage.data

from engine.nodes.output.probe import probe, read_frames
from engine.nodes.registry import NodeContext
from engine.nodes.render.overlays import ShotText
from engine.nodes.render.parts import PART_FRAMES, join_parts, merge_stretch, part_bounds
from engine.nodes.render.segment import Camera, Transition, Watermark, render_segment


@pytest.mark.parametrize("n", [1, 2, 124, 125, 187, 188, 250, 1000, 1013])
def test_parts_cover_the_shot_in_order_and_depend_on_its_length_only(n):
    bounds = part_bounds(n)
    assert bounds[0][0] == 0 and bounds[-1][1] == n
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:], strict=False))
    sizes = [stop - start for start, stop in bounds]
    assert max(sizes) - min(sizes) <= 1
    assert len(bounds) == max(1, int(n / PART_FRAMES + 0.5))
    assert part_bounds(n) == bounds


def _shot(tmp_path, name, frames=None, crf=0):
    photo = np.ascontiguousarray(skimage.data.astronaut()[:400, :480])
    previous = np.ascontiguousarray(skimage.data.coffee()[:300, :400])
    text = ShotText(
        title={"text": "Parts", "position": "bottom", "size": 0.1},
        cues=((0.3, 0.9, "a caption"), (1.1, 1.5, "another")),
        caption_size=0.08,
        label={"text": "AI-made", "position": "bottom-right"},
    )
    path = tmp_path / f"{name}.mp4"
    poster = render_segment(
        path,
        picture=lambda _i: photo,
        n_frames=48,
        out_size=(160, 96),
        fps=25,
        camera=Camera(zoom=(1.0, 1.4), pan=((0.5, 0.5), (0.4, 0.6)), rotate=(0.0, 3.0)),
        text=text,
        watermark=Watermark(payload=0xABCDEF, key=7),
        transition=Transition("crossfade", 10, previous, Camera()),
        crf=crf,
        poster_frame=24,
        frames=frames,
    )
    return path, poster


def test_parts_draw_exactly_the_frames_of_the_whole_shot(tmp_path):
    """Lossless (crf 0) so decoded frames are the drawn ones: cut anywhere, the same."""
    whole, whole_poster = _shot(tmp_path, "whole")
    for cuts in ([0, 20, 48], [0, 7, 30, 48]):
        values = []
        for k, (start, stop) in enumerate(zip(cuts, cuts[1:], strict=False)):
            path, poster = _shot(tmp_path, f"part{k}", (start, stop))
            assert probe(path)["video"]["n_frames"] == stop - start
            values.append({"file": path, "poster": poster, "stretch": None})
        workdir = tmp_path / f"join{len(cuts)}"
        workdir.mkdir()
        joined = join_parts({}, {"parts": values}, NodeContext(workdir))
        path = workdir / joined["file"].name
        assert np.array_equal(read_frames(path), read_frames(whole))
        assert np.array_equal(joined["poster"], whole_poster)


def test_a_joined_shot_joins_other_segments(tmp_path):
    from engine.nodes.output.mux import mux

    values = [{"file": _shot(tmp_path, f"p{k}", r, crf=20)[0], "poster": None}
              for k, r in enumerate([(0, 20), (20, 48)])]  # fmt: skip
    workdir = tmp_path / "joined"
    workdir.mkdir()
    joined = join_parts({}, {"parts": values}, NodeContext(workdir))
    other, _ = _shot(tmp_path, "other", crf=20)
    info = mux([workdir / joined["file"].name, other], None, tmp_path / "all.mp4")
    assert info["n_frames"] == 96


def test_stretch_of_the_parts_is_the_worst_of_them():
    a = {"max": 1.2, "min": 0.9, "budget": [0.67, 1.5], "frames": 10, "within": True}
    b = {"max": 1.6, "min": 0.95, "budget": [0.67, 1.5], "frames": 12, "within": False}
    merged = merge_stretch([a, None, b])
    assert merged == {"max": 1.6, "min": 0.9, "budget": [0.67, 1.5], "frames": 22, "within": False}
    assert merge_stretch([None, None]) is None
