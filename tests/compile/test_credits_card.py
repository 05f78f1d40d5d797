"""The end card lasts 2 s or 15 % of the video, whichever is shorter, unless the scene
says otherwise; its text fits any frame."""

from __future__ import annotations

import engine
from engine.compile.compiler import compile_scene, credits_seconds
from engine.nodes.render.overlays import OverlayTrack, ShotText
from tests.spec.conftest import project  # noqa: F401  (fixture)

HEAD = """\
photoplay: 1
output: {size: [320, 240], fps: 25}
characters:
  rosa:
    photo: {file: assets/photo.jpg, licence: CC0}
    consent: {basis: fictional, scope: [speech]}
ethics: {label: "AI-animated"CREDITS}
shots:
"""


def _scene(project, shots: str, credits: str = ""):  # noqa: F811
    return engine.validate(project("s.yaml", HEAD.replace("CREDITS", credits) + shots))


def _card_s(scene) -> float:
    graph = compile_scene(scene).graph
    timings = [n for n in graph.nodes.values() if n.kind == "shot.timing"]
    return timings[-1].params["explicit_s"]  # the credits card is the last segment


def test_a_short_clip_gets_a_card_of_at_most_15_percent(project):  # noqa: F811
    scene = _scene(project, "  - {cast: [rosa], duration: 4}\n")
    card = _card_s(scene)
    assert card == credits_seconds(scene)
    assert card >= 0.5 and card / (4 + card) <= 0.15


def test_a_long_video_gets_two_seconds(project):  # noqa: F811
    scene = _scene(project, "  - {cast: [rosa], duration: 40}\n")
    assert _card_s(scene) == 2.0


def test_a_duration_the_scene_gives_is_kept(project):  # noqa: F811
    scene = _scene(project, "  - {cast: [rosa], duration: 4}\n", ", credits: {duration: 3}")
    assert _card_s(scene) == 3.0


def test_long_credits_fit_a_vertical_frame_above_the_label():
    text = "\n".join(f"Photo {i}: a long line of credits for a person" for i in range(14))
    title = {"text": text, "position": "center", "size": 0.04, "colour": None, "fit": True}
    label = {"text": "AI-animated photo", "position": "bottom", "size": 0.035, "colour": None}
    track = OverlayTrack(ShotText(title, (), 0.05, label), 360, 640, backdrop_luma=20.0)
    (block,) = track.title
    top, bottom = block.xy[1], block.xy[1] + block.rgba.shape[0]
    assert top >= 0 and bottom <= track.label.xy[1]  # inside the frame, clear of the label
    unfitted = dict(title, fit=False)
    (tall,) = OverlayTrack(ShotText(unfitted, (), 0.05, label), 360, 640, 20.0).title
    assert tall.rgba.shape[0] > block.rgba.shape[0]  # it did have to shrink
