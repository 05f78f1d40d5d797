"""A worker works out a shot's face controls once, and gives every part the same values."""

from __future__ import annotations

import numpy as np

from engine.nodes.render import talking
from engine.nodes.speech.tts import Speech
from engine.nodes.timeline.shot import ActionTime, ShotTiming


def _shot(seconds: float = 6.0, fps: int = 25, seed: int = 0):
    sr = 16000
    rng = np.random.default_rng(seed)
    audio = (0.2 * rng.standard_normal(int(seconds * sr))).astype(np.float32)
    edges = np.linspace(0.0, seconds, 41)
    phonemes = [
        (float(a), float(b), "a" if k % 2 else "m")
        for k, (a, b) in enumerate(zip(edges[:-1], edges[1:], strict=True))
    ]
    speech = Speech(audio, sr, phonemes, [(0.0, seconds, "word")], "test")
    n = round(seconds * fps)
    timing = ShotTiming(seconds, n, fps, (ActionTime(0, "say", 0.0, seconds),))
    spec = {"seed": 3, "actions": [{"index": 0, "drives": ["mouth"], "speech": "line"}]}
    return spec, {"timing": timing}, {"line": speech}, fps


def test_memo_gives_what_the_computation_gives_and_tells_shots_apart(monkeypatch):
    monkeypatch.setattr(talking, "_MEMO", type(talking._MEMO)())
    spec, layout, speeches, fps = _shot()
    fresh = talking._character_controls(spec, layout, speeches, fps)
    first = talking.character_controls(spec, layout, speeches, fps)
    again = talking.character_controls(spec, layout, speeches, fps)  # from the memo
    assert np.array_equal(first, fresh) and np.array_equal(again, fresh)
    again[:] = 0  # a caller's copy: the memo is untouched
    assert np.array_equal(talking.character_controls(spec, layout, speeches, fps), fresh)
    assert len(talking._MEMO) == 1
    other = _shot(seed=1)  # another recording of the same length: another key
    assert not np.array_equal(talking.character_controls(*other), fresh)
    assert np.array_equal(talking.character_controls(*other), talking._character_controls(*other))
    assert len(talking._MEMO) == 2
