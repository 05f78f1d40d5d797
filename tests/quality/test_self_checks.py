"""QC's self-checks: faults put into real renders on purpose must be seen.

Three small talking renders (a TTS voice on a colour photo, a human recording on
another photo, TTS on an aged greyscale print) are doctored: the sound moved by
a known amount, the speaker painted out, the label painted out of some frames.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from engine.quality import judge
from engine.quality.context import provenance_path
from tests.quality.clips import edited
from tests.render.scenes import write_scene

ASSETS = Path(__file__).resolve().parents[2] / "scenes" / "assets"
SHIFT_S = 0.120
TOLERANCE_MS = 15.0

VOICES = {
    "tts-colour": (
        "grace-hopper.jpg",
        {"text": "People ask me what a nanosecond is. Here is one."},
    ),
    "human-recording": (
        "astronaut.jpg",
        {
            "audio": {"file": "arctic_a0007.wav", "licence": "CMU ARCTIC (see COPYING)"},
            "transcript": "And you always want to see it in the superlative degree.",
            "speaker": "other",
        },
    ),
    "tts-aged-print": (
        "old-portrait.jpg",
        {"text": "This photograph is older than most computers."},
    ),
}


def _talking_scene(folder: Path, photo: str, say: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ASSETS / photo, folder / photo)
    if "audio" in say:
        shutil.copy(ASSETS / say["audio"]["file"], folder / say["audio"]["file"])
    doc = {
        "photoplay": 1,
        "title": "qc self-check",
        "output": {"size": [320, 320], "fps": 25, "seed": 3},
        "characters": {
            "p": {
                "photo": {"file": photo, "source": "public domain test photo"},
                "voice": {"tts": "en-us", "rate": 160},
                "consent": {
                    "basis": "public-domain",
                    "source": "test",
                    "scope": ["speech", "expressions", "voice-clone"],
                },
            }
        },
        "ethics": {"label": "AI-generated", "credits": {"duration": 1}},
        "shots": [{"cast": ["p"], "do": [{"say": {"who": "p", **say}}]}],
    }
    return write_scene(folder, doc)


@pytest.fixture(scope="module")
def renders(tmp_path_factory) -> dict[str, Path]:
    from engine import render

    root = tmp_path_factory.mktemp("qc-renders")
    out = {}
    for name, (photo, say) in VOICES.items():
        scene = _talking_scene(root / name, photo, say)
        out[name] = render(scene, root / f"{name}.mp4", cache_dir=root / "cache").video
    return out


@pytest.mark.slow
@pytest.mark.parametrize("name", list(VOICES))
def test_a_clean_render_passes_its_lip_sync_and_label_checks(renders, name):
    report = judge(renders[name])
    keys = {c.key: c for c in report.checks}
    assert keys["face.found"].passed and keys["lipsync.corr"].passed, report.lines()
    assert keys["label.visible"].value == 1.0, report.lines()


@pytest.mark.slow
@pytest.mark.parametrize("name", list(VOICES))
@pytest.mark.parametrize("shift_s", [SHIFT_S, -SHIFT_S])
def test_lag_follows_a_known_shift_of_the_sound(renders, name, shift_s, tmp_path):
    before = judge(renders[name]).figures["speakers"]["p"]["lag_ms"]
    moved = edited(renders[name], tmp_path / "moved.mp4", shift_audio_s=shift_s)
    after = judge(moved).figures["speakers"]["p"]["lag_ms"]
    # Sound later by s: the mouth now leads it by s more, so the lag falls by s.
    assert after - before == pytest.approx(-shift_s * 1000, abs=TOLERANCE_MS)


def _face_box(video: Path) -> tuple[int, int, int, int]:
    from engine.quality import media
    from engine.quality.faces import FaceTracker

    info = media.probe(video)
    _, _, frame = next(iter(media.frames(info)))
    x0, y0, x1, y1 = FaceTracker().step(frame)[0].box
    return int(x0), int(y0), int(x1), int(y1)


@pytest.mark.slow
def test_a_speaker_painted_out_is_flagged(renders, tmp_path):
    video = renders["tts-colour"]
    x0, y0, x1, y1 = _face_box(video)
    pad = (x1 - x0) // 3

    def paint_out(_i, frame):
        region = (slice(max(0, y0 - pad), y1 + pad), slice(max(0, x0 - pad), x1 + pad))
        frame[region] = cv2.GaussianBlur(frame[region], (0, 0), 25)
        return frame

    report = judge(edited(video, tmp_path / "no-face.mp4", paint_out))
    failed = {c.key for c in report.failures()}
    assert "face.found" in failed, report.lines()


@pytest.mark.slow
@pytest.mark.parametrize("one_segment", [False, True])
def test_a_label_painted_out_of_some_frames_is_flagged(renders, tmp_path, one_segment):
    """With the render's segments, and as one still segment (a live show, a clip with no
    credits): there the label's edges stay put beside a still photo's, and only its
    strong, glyph-sized strokes near its corner tell it apart."""
    video = renders["human-recording"]
    if one_segment:
        video = edited(video, tmp_path / "one.mp4")
        record = json.loads(provenance_path(video).read_text())
        timeline = record["timeline"]
        timeline["segments"] = [
            {"what": "shot 1", "start_s": 0.0, "end_s": timeline["duration_s"], "cast": []}
        ]
        provenance_path(video).write_text(json.dumps(record))
    clean = judge(video)
    box = clean.figures["picture"]["label_box"]
    assert box is not None
    x0, y0, x1, y1 = box
    hidden = range(30, 45)

    def paint_out(i, frame):
        if i in hidden:  # cover the label with the picture just above it
            h = y1 - y0 + 6
            frame[y0 - 3 : y1 + 3, x0 - 3 : x1 + 3] = frame[y0 - 3 - h : y0 - 3, x0 - 3 : x1 + 3]
        return frame

    report = judge(edited(video, tmp_path / "no-label.mp4", paint_out))
    assert clean.figures["picture"]["label_missing_s"] == []
    label = next(c for c in report.checks if c.key == "label.visible")
    assert not label.passed
    missing = report.figures["picture"]["label_missing_s"]
    assert missing == [[pytest.approx(30 / 25, abs=0.05), pytest.approx(45 / 25, abs=0.05)]]
    assert np.isclose(label.value, 1 - len(hidden) / clean.figures["video"]["frames"], atol=0.01)
