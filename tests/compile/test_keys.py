"""The compiler's content keys: the same scene gives the same keys, and an edit changes
the keys of what it touches (and of what is made from those), nothing else."""

from __future__ import annotations

import engine
from engine.compile.compiler import compile_scene
from tests.spec.conftest import project  # noqa: F401  (fixture)

SCENE = """\
photoplay: 1
output: {size: [320, 240], fps: 25, seed: 4}
characters:
  rosa:
    photo: {file: assets/photo.jpg, licence: CC0}
    voice: {tts: en-us, rate: 150}
    consent: {basis: fictional, scope: [speech, expressions]}
ethics: {label: "AI-animated", credits: {duration: 2}}
shots:
  - cast: [rosa]
    do:
      - say: {who: rosa, text: "Hello there."}
  - cast: [rosa]
    do:
      - say: {who: rosa, text: "How are you today?"}
      - emote: {who: rosa, expression: happy}
  - cast: [rosa]
    do:
      - look: {who: rosa, toward: left}
      - say: {who: rosa, text: "Goodbye.", at: 0.5}
"""


def _nodes(project, text: str, name: str = "scene.yaml") -> dict[str, tuple[str, str]]:  # noqa: F811
    """key → (kind, label) of every node of the compiled scene."""
    graph = compile_scene(engine.validate(project(name, text))).graph
    return {key: (node.kind, node.label) for key, node in graph.nodes.items()}


def _changed(before: dict, after: dict) -> list[tuple[str, str]]:
    """(kind, label) of the nodes whose keys are new after an edit, sorted."""
    return sorted(after[key] for key in set(after) - set(before))


def test_the_same_scene_compiles_to_the_same_keys(project):  # noqa: F811
    first = compile_scene(engine.validate(project("scene.yaml", SCENE)))
    again = compile_scene(engine.validate(project("scene.yaml", SCENE)))
    assert first.graph.nodes.keys() == again.graph.nodes.keys()
    assert first.graph.outputs == again.graph.outputs
    assert (first.video, first.captions, first.poster) == (
        again.video,
        again.captions,
        again.poster,
    )


def test_editing_one_line_changes_only_its_shot_the_mix_and_the_mux(project):  # noqa: F811
    before = _nodes(project, SCENE)
    after = _nodes(project, SCENE.replace("How are you today?", "How are you?"))
    assert _changed(before, after) == sorted(
        [
            ("speech.tts", "How are you?"),
            ("shot.timing", "shot 2"),
            ("render.segment", "shot 2"),
            ("output.captions", "captions"),  # the cues of every segment
            ("audio.mix", "soundtrack"),
            ("output.mux", "final mux"),
        ]
    )
    assert len(after) == len(before)  # the old line's nodes were replaced, one for one


def test_editing_one_shots_timing_changes_only_that_shot(project):  # noqa: F811
    before = _nodes(project, SCENE)
    after = _nodes(project, SCENE.replace("expression: happy}", "expression: happy, duration: 2}"))
    # The same line, so the same speech: only the layout and what is drawn from it.
    assert _changed(before, after) == sorted(
        [
            ("shot.timing", "shot 2"),
            ("render.segment", "shot 2"),
            ("output.captions", "captions"),
            ("audio.mix", "soundtrack"),
            ("output.mux", "final mux"),
        ]
    )


def test_a_voice_change_changes_the_speech_nodes_keys(project):  # noqa: F811
    before = _nodes(project, SCENE)
    after = _nodes(project, SCENE.replace("rate: 150", "rate: 170"))
    changed = _changed(before, after)
    assert sorted(label for kind, label in changed if kind == "speech.tts") == sorted(
        ["Hello there.", "How are you today?", "Goodbye."]
    )
    # The photo, its face and the cards are the same nodes.
    kept = {before[k] for k in set(before) & set(after)}
    assert {kind for kind, _ in kept} >= {"image.load", "face.find", "face.rig"}
    assert ("render.segment", "credits") in kept

    # A voice given on one line changes that line's speech node only (and its shot's).
    line_voice = SCENE.replace(
        'text: "Goodbye.", at: 0.5}', 'text: "Goodbye.", at: 0.5, voice: {tts: en-us, rate: 120}}'
    )
    after = _nodes(project, line_voice)
    assert [label for kind, label in _changed(before, after) if kind == "speech.tts"] == [
        "Goodbye."
    ]
    shots = {label for kind, label in _changed(before, after) if kind == "render.segment"}
    assert shots == {"shot 3"}
