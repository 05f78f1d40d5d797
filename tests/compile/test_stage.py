"""A shot whose cast stand on a backdrop, or come from several photos, compiles to a stage."""

from __future__ import annotations

import shutil

import pytest

import engine
from engine.compile.compiler import compile_scene
from tests.spec.conftest import project  # noqa: F401  (fixture)

HEAD = """\
photoplay: 1
output: {size: [320, 240], fps: 25}
characters:
  rosa:
    photo: {file: assets/photo.jpg, licence: CC0}
    consent: {basis: fictional, scope: [speech, expressions, dance]}
  ada:
    photo: {file: assets/other.jpg, licence: CC0}
    consent: {basis: fictional, scope: [speech, expressions]}
music: {file: assets/voice.wav, licence: CC0}
ethics: {label: "AI-animated"}
"""


def _segment(scene, index: int):
    graph = compile_scene(scene).graph
    segments = [n for n in graph.nodes.values() if n.kind == "render.segment"]
    return graph, segments[index]


@pytest.fixture
def write(project):  # noqa: F811
    shutil.copyfile(project.root / "assets" / "photo.jpg", project.root / "assets" / "other.jpg")
    return lambda shots: engine.validate(project("scene.yaml", HEAD + shots))


def test_a_cast_on_a_background_is_drawn(write):
    scene = write("""\
shots:
  - cast: [rosa]
    background: "#203040"
    do:
      - say: {who: rosa, text: "Hello."}
""")
    graph, segment = _segment(scene, 0)
    picture = segment.params["picture"]
    assert picture["kind"] == "stage"
    assert picture["backdrop"] == {"kind": "colour", "rgb": [32, 48, 64]}
    assert [p["name"] for p in picture["performers"]] == ["rosa"]
    (performer,) = picture["performers"]
    assert graph.nodes[segment.inputs[performer["layer"]]].kind == "body.cutout"
    assert [a["kind"] for a in performer["face"]["actions"]] == ["say"]
    assert picture["size"] == [320, 240]


def test_two_photos_share_a_stage_on_the_first_photo_without_its_people(write):
    scene = write("""\
shots:
  - cast: [rosa, ada]
    camera: {zoom: [1.0, 1.5]}
    do:
      - say: {who: rosa, text: "Hello."}
      - say: {who: ada, text: "Hi."}
""")
    graph, segment = _segment(scene, 0)
    picture = segment.params["picture"]
    assert picture["kind"] == "stage"
    assert [p["name"] for p in picture["performers"]] == ["rosa", "ada"]
    assert picture["backdrop"]["kind"] == "plate"
    assert graph.nodes[segment.inputs["backdrop"]].kind == "body.plate"
    assert picture["size"] == [480, 360]  # the closest zoom keeps its sharpness


def test_one_photo_without_background_stays_on_its_own_photo(write):
    scene = write("""\
shots:
  - cast: [rosa]
    do:
      - say: {who: rosa, text: "Hello."}
""")
    _, segment = _segment(scene, 0)
    assert segment.params["picture"]["kind"] == "character"


def test_a_dancer_on_a_stage_is_rigged_and_follows_the_music(write):
    scene = write("""\
shots:
  - cast: [rosa]
    do:
      - say: {who: rosa, text: "Hello."}
  - cast: [rosa, ada]
    background: "#000000"
    do:
      - dance: {who: rosa, style: swing, bars: 1}
""")
    graph, segment = _segment(scene, 1)
    picture = segment.params["picture"]
    rosa, ada = picture["performers"]
    # she only dances: her face blinks and glances, her head is turned by the body rig
    assert rosa["face"]["still_head"] and rosa["face"]["actions"] == []
    assert ada["face"] is not None and ada["dancer"] is None  # idle: breathes and blinks
    assert graph.nodes[segment.inputs[rosa["dancer"]["rig"]]].kind == "body.rig"
    assert [d["style"] for d in rosa["dancer"]["dances"]] == ["swing"]
    assert graph.nodes[segment.inputs["music_analysis"]].kind == "music.analyse"
    assert picture["before"] == ["before_0"]  # the first shot's timing: where the music is


def test_place_and_backdrops_reach_the_stage(write):
    scene = write("""\
shots:
  - cast: [rosa, ada]
    background: {gradient: ["#000000", "#203040"], angle: 0}
    place:
      rosa: {x: 0.3, height: 0.9, depth: 2, mirror: true}
      ada: {scale: 0.8}
    do:
      - say: {who: rosa, text: "Hello."}
  - cast: [rosa]
    background: {photo: {file: assets/other.jpg, licence: CC0}, fit: contain}
    do:
      - say: {who: rosa, text: "Hello."}
""")
    _, first = _segment(scene, 0)
    picture = first.params["picture"]
    assert picture["backdrop"] == {
        "kind": "gradient", "from": [0, 0, 0], "to": [32, 48, 64], "angle": 0.0
    }  # fmt: skip
    rosa, ada = (p["place"] for p in picture["performers"])
    assert rosa == {"x": 0.3, "y": None, "height": 0.9, "scale": None, "depth": 2, "mirror": True}
    assert ada["scale"] == 0.8 and ada["x"] is None and not ada["mirror"]
    _, second = _segment(scene, 1)
    back = second.params["picture"]["backdrop"]
    assert back["kind"] == "image" and back["fit"] == "contain" and back["size"] == [320, 240]


def test_placing_someone_on_their_own_photo_makes_a_stage(write):
    scene = write("""\
shots:
  - cast: [rosa]
    place: {rosa: {x: 0.7}}
    do:
      - say: {who: rosa, text: "Hello."}
""")
    _, segment = _segment(scene, 0)
    picture = segment.params["picture"]
    assert picture["kind"] == "stage" and picture["backdrop"]["kind"] == "plate"
    assert picture["performers"][0]["place"]["x"] == 0.7
