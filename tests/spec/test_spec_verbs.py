"""Every scene verb has one declaration (engine/spec/verbs.py), and it agrees with the
schema and the typed actions."""

from __future__ import annotations

import ast
import typing
from dataclasses import fields
from pathlib import Path

from engine.spec import model as m
from engine.spec import scene_schema
from engine.spec.verbs import FACE_CONTROLS, SCOPES, TIMINGS, VERBS, verb_of

ENGINE = Path(__file__).resolve().parents[2] / "engine"


def test_every_verb_in_the_schema_has_exactly_one_declaration_and_back():
    schema_verbs = scene_schema()["$defs"]["action"]["properties"]
    assert set(schema_verbs) == set(VERBS)
    assert all(name == verb.name for name, verb in VERBS.items())
    models = [verb.model for verb in VERBS.values()]
    assert len(set(models)) == len(models)  # one declaration per typed action
    assert set(models) == set(typing.get_args(m.Action))
    for verb in VERBS.values():
        assert f"#/$defs/{verb.name}" == schema_verbs[verb.name]["$ref"]


def test_declarations_agree_with_the_schema_and_the_typed_actions():
    schema = scene_schema()
    granted = schema["$defs"]["consent"]["properties"]["scope"]["items"]["enum"]
    assert sorted(SCOPES) == sorted(granted)
    for verb in VERBS.values():
        definition = schema["$defs"][verb.name]
        body = next((d for d in definition.get("oneOf", []) if d.get("type") == "object"), None)
        properties = (body or definition).get("properties", {})
        required = (body or definition).get("required", [])
        assert verb.timing in TIMINGS
        assert set(verb.face) <= set(FACE_CONTROLS)
        assert set(verb.face_fields) <= {f.name for f in fields(verb.model)}
        if verb.spoken:
            assert verb.words is not None, verb.name
        if verb.default_s is not None:  # the schema documents the same default
            assert properties["duration"]["default"] == verb.default_s, verb.name
            model_default = next(f.default for f in fields(verb.model) if f.name == "duration")
            assert model_default == verb.default_s, verb.name
        elif verb.timing == "seconds":
            assert "duration" in required, f"{verb.name}: no default length, so it is required"
        if verb.timing == "beats":
            assert verb.default_bars and {"beats", "bars", "duration"} <= set(properties)
        if verb.on_screen or verb.scope or verb.face or verb.body:
            assert "who" in required, verb.name


def test_each_typed_action_finds_its_declaration():
    say = m.Say("rosa", "Hi.")
    assert verb_of(say) is VERBS["say"] and verb_of(m.Pause(1.0)) is VERBS["pause"]
    assert VERBS["say"].words(say) == "Hi."


def _string_constants(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


def test_no_verb_name_is_spelled_outside_its_declaration():
    """The rooms that used to keep tables of verbs (checks, compiler, timeline record,
    shot layout, talking faces) ask the declaration instead."""
    rooms = [
        "spec/checks.py",
        "spec/build.py",
        "compile/compiler.py",
        "compile/timeline.py",
        "nodes/timeline/shot.py",
        "nodes/render/talking.py",
        "shot_time.py",
    ]
    for room in rooms:
        spelled = _string_constants(ENGINE / room) & set(VERBS)
        assert not spelled, f"{room} names verbs {sorted(spelled)}: read engine/spec/verbs.py"
