"""Options a scene sets that would change nothing warn where they are written
(``--strict``: refuse): a TTS line's ``language`` (it does not change the voice: a
line said with ``language: ar`` by an English voice), and ``stage:`` on a shot that
is not a stage."""

from __future__ import annotations

import pytest

from engine.errors import SceneError
from engine.spec import validate


def _scene(character, say):
    return (
        "photoplay: 1\n"
        + character
        + "shots:\n  - cast: [rosa]\n"
        + f"    do:\n      - say: {say}\n"
    )


def test_a_language_the_voice_does_not_speak_warns_where_it_is_written(project, character):
    path = project("s.yaml", _scene(character, '{who: rosa, text: "مرحبا بكم", language: ar}'))
    (warning,) = [w for w in validate(path).warnings if w.code == "say.language-voice"]
    assert warning.path == "shots[0].do[0].say.language" and warning.line == 10
    assert "'en-us'" in warning.message and "voice: {tts: ar}" in warning.hint
    with pytest.raises(SceneError) as info:
        validate(path, strict=True)
    assert "say.language-voice" in [d.code for d in info.value.diagnostics]


@pytest.mark.parametrize(
    "say",
    [
        '{who: rosa, text: "Hola a todos", language: es, voice: {tts: es}}',
        '{who: rosa, text: "Hello there", language: en-gb}',
        '{who: rosa, text: "Hello there"}',
    ],
)
def test_a_voice_of_the_line_s_language_does_not_warn(project, character, say):
    scene = validate(project("s.yaml", _scene(character, say)))
    assert not [w for w in scene.warnings if w.code == "say.language-voice"]


def test_stage_options_on_a_shot_that_is_not_a_stage_warn(project, character):
    text = _scene(character, '{who: rosa, text: "Hello there"}').replace(
        "  - cast: [rosa]\n", "  - cast: [rosa]\n    stage: {listeners: still}\n"
    )
    (warning,) = [w for w in validate(project("s.yaml", text)).warnings if w.code == "stage.unused"]
    assert warning.path == "shots[0].stage"
    staged = text.replace("    stage:", "    background: '#203040'\n    stage:")
    assert not [w for w in validate(project("t.yaml", staged)).warnings if w.code == "stage.unused"]


def test_listeners_on_several_people_of_one_photo_do_not_warn(project, character):
    """Two people of one photo turn toward whoever speaks (issue 12): ``listeners`` acts
    there; ``match`` (to a backdrop) still changes nothing and warns."""
    two = character + character.split("characters:\n", 1)[1].replace("rosa:", "ada:", 1)
    text = (
        "photoplay: 1\n"
        + two
        + "shots:\n  - cast: [rosa, ada]\n    stage: {listeners: still}\n"
        + '    do:\n      - say: {who: rosa, text: "Hello there"}\n'
    )
    assert not [w for w in validate(project("s.yaml", text)).warnings if w.code == "stage.unused"]
    matched = text.replace("{listeners: still}", "{listeners: still, match: 0.3}")
    warned = validate(project("t.yaml", matched)).warnings
    assert [w.path for w in warned if w.code == "stage.unused"] == ["shots[0].stage"]
