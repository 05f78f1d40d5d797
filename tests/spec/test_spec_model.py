"""The typed model: examples validate, defaults apply, no raw dicts leak."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import pytest

from engine.spec import PRESETS, load, validate
from engine.spec import model as m

SCENES = Path(__file__).resolve().parents[2] / "scenes"
EXAMPLES = sorted(SCENES.glob("*.yaml"))


def test_there_are_examples_with_modelines():
    assert len(EXAMPLES) >= 5
    for path in EXAMPLES:
        assert path.read_text().splitlines()[0] == (
            "# yaml-language-server: $schema=../schemas/scene.schema.json"
        )


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_examples_validate_without_warnings(path):
    scene = validate(path)
    assert scene.warnings == ()
    assert scene.est_duration_s > 0


def _walk(value, where="scene"):
    """Yield (where, value) for every dataclass field value, recursively."""
    if dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            yield from _walk(getattr(value, f.name), f"{where}.{f.name}")
    elif isinstance(value, (tuple, list)):
        for i, item in enumerate(value):
            yield from _walk(item, f"{where}[{i}]")
    elif isinstance(value, dict):
        yield where, value
        for k, item in value.items():
            yield from _walk(item, f"{where}[{k!r}]")
    else:
        yield where, value


def test_photo_story_model():
    scene = validate(SCENES / "photo-story.yaml")
    assert (scene.output.width, scene.output.height, scene.output.fps) == (1280, 720, 25)
    assert scene.characters["narrator"].photo is None
    assert isinstance(scene.characters["narrator"].voice, m.TtsVoice)
    assert scene.captions == m.Captions(burn=True, srt=True, vtt=True)
    first = scene.shots[0]
    assert isinstance(first.background, m.Asset) and first.background.path.is_absolute()
    assert first.camera.zoom == (1.0, 1.25) and first.camera.pan == ((0.5, 0.5), (0.45, 0.55))
    assert isinstance(first.actions[0], m.Say)
    assert scene.shots[2].camera.zoom == (1.1, 1.1)
    assert scene.shots[3].background == "#101820"
    assert scene.shots[3].title == m.Title("The end", position="center")
    assert scene.music.bpm == 120 and scene.music.duration_s == pytest.approx(
        21.0
    )  # 10 bars at 120 bpm + 1 s tail
    # only the documented mappings are dicts; everything else is typed
    dicts = [w for w, v in _walk(scene) if isinstance(v, dict)]
    assert dicts == ["scene.characters", "scene.vars"]


def test_defaults_and_presets(project):
    scene = validate(project("s.yaml", "photoplay: 1\nshots: [{duration: 1}]\n"))
    assert scene.output == m.Output()
    assert (scene.output.width, scene.output.height, scene.output.fps) == (720, 720, 25)
    assert scene.ethics.label == m.Label(text="AI-generated")
    assert scene.shots[0].camera == m.Camera() and scene.shots[0].transition == m.Transition()
    for preset, size in PRESETS.items():
        text = f"photoplay: 1\noutput: {{preset: {preset}}}\nshots: [{{duration: 1}}]\n"
        out = validate(project(f"{preset}.yaml", text)).output
        assert (out.width, out.height) == size
    assert PRESETS["vertical-1080"] == (1080, 1920) and PRESETS["hd-720"] == (1280, 720)


def test_scene_is_frozen_and_pickles():
    scene = validate(SCENES / "say-then-dance.yaml")
    with pytest.raises(dataclasses.FrozenInstanceError):
        scene.title = "x"
    assert pickle.loads(pickle.dumps(scene)) == scene


def test_source_hash_is_canonical_and_follows_vars():
    path = SCENES / "say-then-dance.yaml"
    a = validate(path).source_sha256
    assert a == validate(path).source_sha256 == load(path).source_sha256
    assert validate(path, sets={"name": "Ada"}).source_sha256 != a
    assert validate(path, sets={"name": "Ada"}).vars == {"name": "Ada"}


def test_actions_are_typed(project, character):
    text = (
        "photoplay: 1\n"
        + character.replace("scope: [", "scope: [singing, ")
        + """\
shots:
  - cast: [rosa]
    do:
      - say: {who: rosa, text: hi, voice: {tts: it, rate: 120}, mood: happy}
      - sing: {who: rosa, audio: {file: assets/voice.wav, licence: CC0}}
      - emote: {who: rosa, expression: sad, strength: {mouth: 0.2}}
      - look: {who: rosa, toward: [0.2, 0.3], at: 0.5}
      - idle: {who: rosa, duration: 2}
      - dance: {who: rosa, moves: [sway, spin], beats: 8}
      - pause: {duration: 1, at: 4}
"""
    )
    acts = validate(project("s.yaml", text)).shots[0].actions
    assert [type(a) for a in acts] == [m.Say, m.Sing, m.Emote, m.Look, m.Idle, m.Dance, m.Pause]
    assert acts[0].voice == m.TtsVoice("it", rate=120)
    assert acts[1].audio.licence == "CC0" and acts[1].audio.rel == "assets/voice.wav"
    assert acts[2].strength == m.Strength(mouth=0.2) and acts[2].duration == 1.5
    assert acts[3].toward == (0.2, 0.3) and acts[3].at == 0.5
    assert acts[5].moves == ("sway", "spin") and acts[5].fit_to_beats is False
    assert acts[6] == m.Pause(1.0, 4.0)
