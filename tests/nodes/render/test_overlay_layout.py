"""Where a shot's texts go: clear of faces, of each other and of a vertical video's bands."""

from __future__ import annotations

import numpy as np

from engine.nodes.render import layout
from engine.nodes.render.overlays import OverlayTrack, ShotText, word_groups
from engine.nodes.text.render import words_overlay

LABEL = {"text": "AI-generated", "position": "bottom-right", "size": 0.035, "colour": None}


def _faces(box, n_frames=50):
    return np.tile(np.array(box, np.float32), (n_frames, 1, 1))


def _meet(a, b):
    return layout.intersect(a, b)


def test_a_caption_leaves_a_low_face_for_the_top():
    # a face low in a 640x360 frame, where a bottom caption would go
    faces = _faces([[250, 200, 390, 340]])
    text = ShotText(None, ((0.0, 2.0, "Hello there, friend"),), 0.06, LABEL, faces=faces)
    track = OverlayTrack(text, 640, 360, backdrop_luma=20.0)
    (caption,) = [p for p in track.placed if p.what == "caption"]
    assert caption.clear and caption.box[3] <= 200  # above the face
    assert not _meet(caption.box, track.placed[0].box)  # and clear of the label


def test_captions_keep_out_of_a_vertical_videos_bands():
    w, h = 360, 640
    top, bottom = layout.bands((w, h))
    assert (top, bottom) == (round(0.12 * h), round(0.2 * h))
    assert layout.bands((640, 360)) == (0, 0) and layout.bands((360, 360)) == (0, 0)
    faces = _faces([[100, 240, 260, 420]])
    title = {"text": "Naples", "position": "top", "size": 0.08, "colour": None}
    cues = ((0.0, 1.0, "Thank you for joining us"),)
    text = ShotText(title, cues, 0.045, LABEL, faces=faces)
    track = OverlayTrack(text, w, h, backdrop_luma=20.0)
    texts = [p for p in track.placed if p.what != "label"]
    assert {p.what for p in texts} == {"title", "caption"}
    for p in texts:
        assert p.clear and p.box[1] >= top and p.box[3] <= h - bottom, p
    (title_box,), (caption_box,) = (
        [p.box for p in texts if p.what == k] for k in ("title", "caption")
    )
    assert not _meet(title_box, caption_box)


def test_a_centre_title_over_a_face_moves():
    faces = _faces([[220, 100, 420, 300]])  # the face in the middle of 640x400
    title = {"text": "A title", "position": "center", "size": 0.08, "colour": None}
    track = OverlayTrack(ShotText(title, (), 0.05, LABEL, faces=faces), 640, 400, 20.0)
    (placed,) = [p for p in track.placed if p.what == "title"]
    assert placed.clear and not _meet(placed.box, (220, 100, 420, 300))


def test_word_captions_group_a_few_words_and_highlight_the_spoken_one():
    words = [(0.0, 0.3, "Thank"), (0.3, 0.6, "you,"), (0.7, 1.0, "Ada,"), (1.1, 1.4, "for"),
             (1.4, 1.8, "joining"), (1.8, 2.0, "us.")]  # fmt: skip
    groups = word_groups(words)
    assert [tuple(w for _, w in g[2]) for g in groups] == [
        ("Thank", "you,"),
        ("Ada,",),
        ("for", "joining", "us."),
    ]
    assert groups[0][1] == 0.7  # shown until the next group starts
    text = ShotText(None, (), 0.06, LABEL, caption_style="words", words=tuple(words),
                    faces=_faces(np.zeros((0, 4)), 60))  # fmt: skip
    track = OverlayTrack(text, 360, 640, 20.0)
    a, b = track.at(1.2), track.at(1.5)  # "for" spoken, then "joining"
    assert a is not None and b is not None and a.xy == b.xy and a.rgba.shape == b.rgba.shape
    assert not np.array_equal(a.rgba, b.rgba)
    # every word keeps its place whichever is highlighted: only colours differ
    plain = words_overlay(("for", "joining", "us."), -1, 360, 640, size_frac=0.06)
    lit = words_overlay(("for", "joining", "us."), 1, 360, 640, size_frac=0.06)
    assert plain.rgba.shape == lit.rgba.shape
    assert np.array_equal(plain.rgba[..., 3] > 0, lit.rgba[..., 3] > 0)


def test_face_boxes_follow_the_camera():
    # a camera that shows the picture's right half at 2x: x' = 2 (x - 320), y' = 2 y
    inverse = np.array([[0.5, 0, 320], [0, 0.5, 0]], np.float64)
    (box,) = layout.frame_faces([(400, 50, 480, 130)], [inverse])[0]
    assert np.allclose(box, (160, 100, 320, 260))
