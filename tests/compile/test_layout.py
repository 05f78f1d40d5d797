"""The validator's estimate of a shot is the ``shot.timing`` node's exact layout when
every length is known in advance (no text to synthesise): one function lays out both
(engine/shot_time.py)."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest
import yaml

import engine
from engine.compile.compiler import compile_scene
from engine.nodes.timeline.shot import shot_layout
from engine.spec.verbs import SPEECH
from tests.spec.conftest import project  # noqa: F401  (fixture)

VOICE_S = 0.5  # assets/voice.wav, sung below: its length is known before anything runs


def _action(rng: random.Random) -> dict:
    at = {"at": round(rng.uniform(0, 2), 2)} if rng.random() < 0.25 else {}
    duration = round(rng.uniform(0.1, 2.0), 2)
    kind = rng.choice(["pause", "pause-map", "emote", "emote-default", "look", "idle", "dance"])
    kind = kind if rng.random() < 0.85 else "sing"
    if kind == "pause":
        return {"pause": duration}
    if kind == "pause-map":
        return {"pause": {"duration": duration, **at}}
    if kind == "emote":
        return {"emote": {"who": "rosa", "expression": "happy", "duration": duration, **at}}
    if kind == "emote-default":
        return {"emote": {"who": "rosa", "expression": "sad", **at}}
    if kind == "look":
        toward = rng.choice(["left", [0.2, 0.7]])
        return {"look": {"who": "rosa", "toward": toward, **({"duration": duration} if at else at)}}
    if kind == "idle":
        return {"idle": {"who": "rosa", "duration": duration, **at}}
    if kind == "sing":
        return {"sing": {"who": "rosa", "audio": "assets/voice.wav", **at}}
    return {"dance": {"who": "rosa", "style": "swing", "duration": duration, **at}}


def _scene(rng: random.Random) -> dict:
    shots = []
    for _ in range(rng.randint(1, 4)):
        shot: dict = {"cast": ["rosa"], "do": [_action(rng) for _ in range(rng.randint(0, 6))]}
        if not shot["do"] or rng.random() < 0.2:
            shot["duration"] = round(rng.uniform(2.5, 6.0), 2)  # after every `at`
        if rng.random() < 0.4:
            kind = rng.choice(["crossfade", "fade", "cut"])
            shot["transition"] = {"type": kind, "duration": round(rng.uniform(0.1, 1.0), 2)}
        shots.append(shot)
    label = {"text": "AI-animated"}
    if rng.random() < 0.5:
        label["opening_card"] = 1
    return {
        "photoplay": 1,
        "output": {"size": [320, 240], "fps": rng.choice([24, 25, 30]), "seed": 1},
        "characters": {
            "rosa": {
                "photo": {"file": "assets/photo.jpg", "licence": "CC0"},
                "consent": {"basis": "fictional", "scope": ["singing", "dance", "expressions"]},
            }
        },
        "music": {"file": "assets/voice.wav", "licence": "CC0"},
        "ethics": {"label": label, "credits": {"duration": 1.5}},
        "shots": shots,
    }


@pytest.mark.parametrize("seed", range(30))
def test_the_estimate_is_the_exact_layout_when_lengths_are_known(project, seed):  # noqa: F811
    doc = _scene(random.Random(seed))
    scene = engine.validate(project(f"s{seed}.yaml", yaml.safe_dump(doc, sort_keys=False)))
    compiled = compile_scene(scene)
    total_s = 0.0
    for entry in compiled.segments:
        params = compiled.graph.nodes[entry["timing"]].params
        sung = SimpleNamespace(duration_s=VOICE_S, words=[])  # what speech.recording measures
        speech = {a["speech"]: sung for a in params["actions"] if a["timing"] == SPEECH}
        exact = shot_layout(params, speech)["timing"]
        total_s += exact.duration_s
        if entry["what"].startswith("shot "):
            shot = scene.shots[int(entry["what"].split()[1]) - 1]
            assert shot.est_duration_s == exact.duration_s, (entry["what"], doc)
    assert scene.est_duration_s == pytest.approx(total_s, abs=1e-9)
