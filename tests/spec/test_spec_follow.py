"""``camera: {follow: speaker}`` (issue 12): the schema takes it, the model carries it,
and a camera that could not follow (an explicit pan wins; nobody speaks) warns where
``follow`` is written (``--strict``: refuses)."""

from __future__ import annotations

import pytest

from engine.errors import SceneError
from engine.spec import validate


def _scene(character, camera, verb='say: {who: rosa, text: "Hello there"}'):
    return (
        "photoplay: 1\n"
        + character
        + "shots:\n  - cast: [rosa]\n"
        + f"    camera: {camera}\n"
        + f"    do:\n      - {verb}\n"
    )


def test_follow_speaker_is_carried_to_the_model(project, character):
    scene = validate(project("s.yaml", _scene(character, "{follow: speaker, switch: cut}")))
    cam = scene.shots[0].camera
    assert cam.following and cam.switch == "cut" and not cam.zoom_given
    assert not [w for w in scene.warnings if w.code.startswith("camera.")]
    zoomed = validate(project("z.yaml", _scene(character, "{follow: speaker, zoom: 1.2}")))
    assert zoomed.shots[0].camera.zoom_given and zoomed.shots[0].camera.switch == "move"


def test_an_explicit_pan_wins_over_follow_and_says_so(project, character):
    path = project("s.yaml", _scene(character, "{follow: speaker, pan: [0.3, 0.4]}"))
    scene = validate(path)
    (warning,) = [w for w in scene.warnings if w.code == "camera.follow-pan"]
    assert (warning.path, warning.line) == ("shots[0].camera.follow", 9)
    assert warning.col > 0 and not scene.shots[0].camera.following
    with pytest.raises(SceneError) as info:
        validate(path, strict=True)
    assert "camera.follow-pan" in [d.code for d in info.value.diagnostics]


def test_following_where_nobody_speaks_warns(project, character):
    text = _scene(character, "{follow: speaker}", "dance: {who: rosa, style: party, bars: 2}")
    (warning,) = [
        w for w in validate(project("s.yaml", text)).warnings if w.code == "camera.follow-silent"
    ]
    assert warning.path == "shots[0].camera.follow"


def test_follow_anything_but_speaker_is_refused_where_written(project, character):
    with pytest.raises(SceneError) as info:
        validate(project("s.yaml", _scene(character, "{follow: dancer}")))
    (diag,) = info.value.diagnostics
    assert (diag.line, diag.path) == (9, "shots[0].camera.follow")
    assert "speaker" in diag.message + diag.hint
