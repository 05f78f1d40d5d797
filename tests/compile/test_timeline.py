"""The timeline written beside a render: who speaks or dances when, in video seconds."""

from __future__ import annotations

import engine
from engine.compile.compiler import compile_scene
from engine.compile.timeline import timeline_record
from engine.nodes.timeline.shot import ActionTime, ShotTiming
from tests.spec.conftest import project  # noqa: F401  (fixture)

SCENE = """\
photoplay: 1
output: {size: [320, 240], fps: 25}
characters:
  rosa:
    photo: {file: assets/photo.jpg, licence: CC0}
    voice: {tts: en-us}
    consent: {basis: fictional, scope: [speech, expressions]}
ethics: {label: {text: "AI-animated", position: top-left, opening_card: 1.5}}
shots:
  - cast: [rosa]
    do:
      - emote: {who: rosa, expression: happy, duration: 1}
      - say: {who: rosa, text: "Hello there."}
  - cast: [rosa]
    do:
      - say: {who: rosa, text: "Goodbye."}
"""


def _timing(duration_s: float, *actions: tuple[str, float, float]) -> dict:
    laid = tuple(ActionTime(i, kind, s, e) for i, (kind, s, e) in enumerate(actions))
    return {"timing": ShotTiming(duration_s, round(duration_s * 25), 25, laid)}


def test_acts_are_placed_in_video_seconds(project):  # noqa: F811
    scene = engine.validate(project("scene.yaml", SCENE))
    compiled = compile_scene(scene)
    what = [entry["what"] for entry in compiled.segments]
    assert what == ["opening card", "shot 1", "shot 2", "credits"]
    lengths = {"opening card": _timing(1.5), "credits": _timing(2.0)}
    lengths["shot 1"] = _timing(3.0, ("emote", 0.0, 1.0), ("say", 1.0, 2.6))
    lengths["shot 2"] = _timing(1.4, ("say", 0.0, 1.0))
    timings = {entry["timing"]: lengths[entry["what"]] for entry in compiled.segments}

    record = timeline_record(scene, compiled.segments, timings)

    assert record["duration_s"] == 1.5 + 3.0 + 1.4 + 2.0
    assert [(s["what"], s["start_s"], s["end_s"]) for s in record["segments"]] == [
        ("opening card", 0.0, 1.5),
        ("shot 1", 1.5, 4.5),
        ("shot 2", 4.5, 5.9),
        ("credits", 5.9, 7.9),
    ]
    # Emotes are not judged acts; each line keeps its text and speaker.
    acts = [(a["verb"], a["who"], a["start_s"], a["end_s"], a["text"]) for a in record["acts"]]
    assert acts == [
        ("say", "rosa", 2.5, 4.1, "Hello there."),
        ("say", "rosa", 4.5, 5.5, "Goodbye."),
    ]
    assert all(a["on_screen"] for a in record["acts"])
    assert record["label"] == {"text": "AI-animated", "position": "top-left", "size": 0.035}
    assert record["size"] == [320, 240] and record["fps"] == 25


STAGE = """\
photoplay: 1
output: {size: [320, 240], fps: 25}
characters:
  rosa:
    photo: {file: assets/photo.jpg, licence: CC0}
    voice: {tts: en-us}
    consent: {basis: fictional, scope: [speech]}
ethics: {label: "AI-animated", credits: {card: none}}
shots:
  - cast: [rosa]
    background: "#203040"
    duration: 5
    place:
      rosa: {enter: {from: left, at: 0.5, duration: 1}, exit: fade}
    do:
      - say: {who: rosa, text: "Hello there, I am coming in.", at: 0}
"""


def test_a_performer_is_off_screen_before_their_entrance_and_after_their_exit(project):  # noqa: F811
    scene = engine.validate(project("scene.yaml", STAGE))
    compiled = compile_scene(scene)
    (entry,) = compiled.segments
    timings = {entry["timing"]: _timing(5.0, ("say", 0.0, 4.8))}
    record = timeline_record(scene, compiled.segments, timings)
    # wholly on stage from the entrance's end (0.5 + 1) to the exit's start (5 - 0.6)
    assert record["segments"][0]["on_stage"] == {"rosa": [1.5, 4.4]}
    pieces = [(a["start_s"], a["end_s"], a["on_screen"]) for a in record["acts"]]
    assert pieces == [(0.0, 1.5, False), (1.5, 4.4, True), (4.4, 4.8, False)]
    assert {a["text"] for a in record["acts"]} == {"Hello there, I am coming in."}
