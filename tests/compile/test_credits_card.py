"""The end card lasts 2 s or 15 % of the video, whichever is shorter, unless the scene
says otherwise; its text fits any frame."""

from __future__ import annotations

import pytest

import engine
from engine.compile.compiler import compile_scene, credits_seconds
from engine.errors import SceneError
from engine.nodes.render.overlays import OverlayTrack, ShotText
from engine.nodes.timeline.shot import shot_layout
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


# -- where the card goes: credits: {card: end|start|none} (issue 12, item 6) ----------


def _plan(scene) -> list[tuple[str, int]]:
    """(what, frames) of each segment in play order, as compiled."""
    compiled = compile_scene(scene)
    out = []
    for entry in compiled.segments:
        params = compiled.graph.nodes[entry["timing"]].params
        out.append((entry["what"], shot_layout(params, {})["timing"].n_frames))
    return out


TWO_SHOTS = "  - {cast: [rosa], duration: 3}\n  - {cast: [rosa], duration: 5}\n"


@pytest.mark.parametrize(
    ("card", "order"),
    [
        ("end", ["shot 1", "shot 2", "credits"]),
        ("start", ["credits", "shot 1", "shot 2"]),
        ("none", ["shot 1", "shot 2"]),
    ],
)
def test_the_card_goes_where_the_scene_says_and_the_estimate_agrees(project, card, order):  # noqa: F811
    scene = _scene(project, TWO_SHOTS, f", credits: {{card: {card}}}")
    plan = _plan(scene)
    assert [what for what, _ in plan] == order
    total_frames = sum(n for _, n in plan)
    assert scene.est_duration_s == pytest.approx(total_frames / 25, abs=1e-9)
    if card != "none":
        frames = dict(plan)["credits"]
        assert frames / 25 == credits_seconds(scene)
        assert frames / total_frames <= 0.15 and frames / 25 <= 2.0
    assert scene.ethics.credits.card == card


def test_a_start_card_follows_the_opening_card_and_keeps_the_first_shot_as_poster(project):  # noqa: F811
    head = HEAD.replace('label: "AI-animated"', 'label: {text: "AI-animated", opening_card: 1}')
    scene = engine.validate(
        project("s.yaml", head.replace("CREDITS", ", credits: {card: start}") + TWO_SHOTS)
    )
    compiled = compile_scene(scene)
    assert [e["what"] for e in compiled.segments] == ["opening card", "credits", "shot 1", "shot 2"]
    assert compiled.graph.nodes[compiled.poster].params["poster"] is True  # shot 1's
    total = sum(
        shot_layout(compiled.graph.nodes[e["timing"]].params, {})["timing"].duration_s
        for e in compiled.segments
    )
    assert scene.est_duration_s == pytest.approx(total, abs=1e-9)


def test_every_card_keeps_the_full_credits_in_the_manifest(project):  # noqa: F811
    texts = set()
    for card in ("end", "start", "none"):
        scene = _scene(project, TWO_SHOTS, f", credits: {{card: {card}}}")
        record = compile_scene(scene).manifest["credits"]
        assert record["card"] == card and "rosa: photo: CC0; consent: fictional" in record["text"]
        texts.add(record["text"])
    assert len(texts) == 1  # the same credits, card or no card


def test_an_unknown_card_is_refused(project):  # noqa: F811
    with pytest.raises(SceneError) as info:
        _scene(project, TWO_SHOTS, ", credits: {card: middle}")
    assert "credits.card" in str(info.value) or "card" in str(info.value)
