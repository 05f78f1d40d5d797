"""One who only dances on their own photo keeps a face the mesh cannot take as it is
(issue 14): the real cameraman, a side profile, was refused with "could not keep contour
edge ... in the face mesh" when his dancer's face was rigged for blinks."""

from __future__ import annotations

import engine
from engine.compile.compiler import compile_scene
from tests.spec.conftest import project  # noqa: F401  (fixture)

SCENE = """\
photoplay: 1
output: {size: [320, 240], fps: 25}
characters:
  rosa:
    photo: {file: assets/photo.jpg, licence: CC0}
    voice: {tts: en-us, rate: 150}
    consent: {basis: fictional, scope: [speech, expressions, dance]}
music: {file: assets/voice.wav, licence: CC0}
ethics: {label: "AI-animated"}
shots:
  - cast: [rosa]
    do:
      - say: {who: rosa, text: "Hello."}
  - cast: [rosa]
    do:
      - dance: {who: rosa, style: swing, bars: 1}
"""


def test_only_a_dancers_face_rig_is_optional(project):  # noqa: F811
    graph = compile_scene(engine.validate(project("scene.yaml", SCENE))).graph
    segments = [n for n in graph.nodes.values() if n.kind == "render.segment"]
    rigs = [graph.nodes[s.inputs["face_rosa"]] for s in segments[:2]]
    assert [r.kind for r in rigs] == ["face.rig", "face.rig"]
    # she speaks in the first shot: a face that cannot be meshed refuses; in the second
    # she only dances: it stays as in the photo
    assert not rigs[0].params.get("optional")
    assert rigs[1].params.get("optional") is True
    assert graph.nodes[rigs[1].inputs["face"]].params.get("optional") is True
