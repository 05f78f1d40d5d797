"""`photoplay live` needs the character's consent to grant ``live`` (and ``speech``)."""

from __future__ import annotations

import pytest

from engine.errors import SceneError
from engine.spec import validate
from tests.spec.conftest import project  # noqa: F401  (fixture)

SCENE = """\
photoplay: 1
characters:
  rosa:
    photo: {{file: assets/photo.jpg, licence: CC0}}
    voice: {{tts: en-us}}
    consent: {{basis: estate, granted_by: Maria, date: 2026-10-02, scope: [{scope}]}}
shots:
  - cast: [rosa]
    do: [{{say: {{who: rosa, text: hi}}}}]
"""


def test_live_scope_granted(project):  # noqa: F811
    path = project("s.yaml", SCENE.format(scope="speech, live"))
    scene = validate(path, live="rosa")
    assert "live" in scene.characters["rosa"].consent.scope


def test_without_live_scope_one_line(project):  # noqa: F811
    path = project("s.yaml", SCENE.format(scope="speech, expressions"))
    validate(path)  # a render needs no live consent
    with pytest.raises(SceneError) as info:
        validate(path, live="rosa")
    assert info.value.lines() == [
        f"{path}:6:74: error: characters.rosa.consent.scope: 'live' is used by photoplay live "
        "but not granted (hint: add live to scope)"
    ]


def test_live_needs_speech_too(project):  # noqa: F811
    path = project("s.yaml", SCENE.format(scope="live") + "")
    path.write_text(path.read_text().replace("do: [{say: {who: rosa, text: hi}}]", "duration: 1"))
    with pytest.raises(SceneError) as info:
        validate(path, live="rosa")
    assert [d.message for d in info.value.diagnostics] == [
        "'speech' is used by photoplay live but not granted"
    ]


def test_unknown_live_character(project):  # noqa: F811
    path = project("s.yaml", SCENE.format(scope="speech, live"))
    with pytest.raises(SceneError) as info:
        validate(path, live="rossa")
    (diag,) = info.value.diagnostics
    assert diag.code == "live.unknown-character"
    assert "did you mean 'rosa'" in diag.hint


def test_unknown_scope_still_refused_by_the_schema(project):  # noqa: F811
    path = project("s.yaml", SCENE.format(scope="speech, livestream"))
    with pytest.raises(SceneError) as info:
        validate(path)
    assert [d.code for d in info.value.diagnostics] == ["schema.enum"]
