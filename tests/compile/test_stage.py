"""A shot whose cast stand on a backdrop, or come from several photos, compiles to a stage."""

from __future__ import annotations

import shutil

import pytest

import engine
from engine.compile.compiler import compile_scene
from engine.errors import UnsupportedError
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


def test_a_dance_on_a_stage_is_refused_clearly(write):
    scene = write("""\
shots:
  - cast: [rosa]
    background: "#000000"
    do:
      - dance: {who: rosa, style: swing, bars: 1}
""")
    with pytest.raises(UnsupportedError, match="dances on a stage"):
        compile_scene(scene)
