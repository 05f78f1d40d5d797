"""Lip timing as a viewer sees it: qc's lag between the rendered mouth and the voice.

The mouth once led the voice by 20-36 ms on espeak lines and by 40-60 ms on
aligned recordings (issue 13, item 5): every target was sampled 40 ms ahead and
pocketsphinx's phone starts come out ~15 ms early. These renders are small
(320 px) and short, and judged by ``engine.qc`` on the video itself.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import engine
from tests.media import items, media_path
from tests.render.scenes import write_scene

ASSETS = Path(__file__).resolve().parents[2] / "scenes" / "assets"
MAX_LAG_MS = 20.0
MIN_CORR = 0.6
TTS_LINE = "People ask me what a nanosecond is. Here is one: a piece of wire about a foot long."


def _scene(folder: Path, say: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ASSETS / "grace-hopper.jpg", folder / "grace-hopper.jpg")
    doc = {
        "photoplay": 1,
        "title": "lip timing",
        "output": {"size": [320, 320], "fps": 25, "seed": 3},
        "characters": {
            "p": {
                "photo": {"file": "grace-hopper.jpg", "source": "public domain test photo"},
                "voice": {"tts": "en-us", "rate": 160},
                "consent": {
                    "basis": "public-domain",
                    "source": "test",
                    "scope": ["speech", "expressions", "voice-clone"],
                },
            }
        },
        "ethics": {"label": "AI", "credits": {"duration": 1}},
        "shots": [{"cast": ["p"], "do": [{"say": {"who": "p", **say}}]}],
    }
    return write_scene(folder, doc)


def _recording(folder: Path, media_id: str, with_transcript: bool) -> dict:
    record = next(r for r in items(kind="speech") if r["id"] == media_id)
    folder.mkdir(parents=True, exist_ok=True)
    src = media_path(media_id)
    shutil.copy(src, folder / src.name)
    say = {"audio": {"file": src.name, "licence": "test"}, "speaker": "other"}
    if with_transcript:
        say["transcript"] = record["transcript"]
    return say


def _judged(tmp_path: Path, say: dict) -> dict:
    scene = _scene(tmp_path / "s", say)
    engine.render(scene, tmp_path / "v.mp4", cache_dir=tmp_path / "c")
    report = engine.qc(tmp_path / "v.mp4")
    (speaker,) = report.figures["speakers"].values()
    return speaker


@pytest.mark.slow
@pytest.mark.parametrize("voice", ["en-us", "piper:en_US-joe"])
def test_a_tts_line_is_in_time(tmp_path, voice):
    speaker = _judged(tmp_path, {"text": TTS_LINE, "voice": {"tts": voice}})
    assert abs(speaker["lag_ms"]) <= MAX_LAG_MS, speaker
    assert speaker["corr"] >= MIN_CORR, speaker


@pytest.mark.slow
@pytest.mark.parametrize("with_transcript", [True, False], ids=["aligned", "learned"])
def test_a_real_recording_is_in_time(tmp_path, with_transcript):
    say = _recording(tmp_path / "s", "jfk-ask-not", with_transcript)
    speaker = _judged(tmp_path, say)
    assert abs(speaker["lag_ms"]) <= MAX_LAG_MS, speaker
    assert speaker["corr"] >= MIN_CORR, speaker
