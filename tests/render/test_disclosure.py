"""Every render path carries the disclosure: visible label, watermark, signed manifest.

Paths: a photo story, a talking photo, a dancing photo, and campaign variants.
Each video is checked frame by frame for the label, and with ``engine.verify``
for the watermark, the embedded manifest and the C2PA signature.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import engine
from engine.nodes.output.probe import iter_frames
from engine.nodes.text.render import label_overlay
from engine.render import render_scenes
from tests.render.scenes import write_scene

ASSETS = Path(__file__).resolve().parents[2] / "scenes" / "assets"
SIZE = 448  # 0.5x of it is still a frame the watermark detector reads
LUMA = np.array([0.2126, 0.7152, 0.0722])


def label_contrast(frame: np.ndarray, text: str, position: str) -> float:
    """Luma difference between the label's letters and its plate, as drawn in ``frame``."""
    h, w = frame.shape[:2]
    best = 0.0
    for backdrop in (0.0, 255.0):  # the label picks light-on-dark or dark-on-light
        overlay = label_overlay(text, w, h, position, backdrop_luma=backdrop)
        x, y = overlay.xy
        oh, ow = overlay.rgba.shape[:2]
        region = frame[y : y + oh, x : x + ow].astype(np.float64) @ LUMA
        alpha = overlay.rgba[..., 3]
        letters = alpha == 255
        plate = (alpha > 120) & (alpha < 200)
        if letters.sum() > 20 and plate.sum() > 20:
            best = max(best, abs(region[letters].mean() - region[plate].mean()))
    return best


def scene_doc(shots, characters=None, music=None, **extra):
    doc = {
        "photoplay": 1,
        "title": "disclosure",
        "output": {"size": [SIZE, SIZE], "fps": 25, "seed": 1, "poster": False},
        "ethics": {
            "label": {"text": "AI-generated", "position": "bottom-right"},
            "credits": {"duration": 1},
        },
        "shots": shots,
    }
    if characters:
        doc["characters"] = characters
    if music:
        doc["music"] = music
    doc.update(extra)
    return doc


def copy_assets(folder: Path, *names: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(ASSETS / name, folder / name)


def person(photo: str, scope: list[str]) -> dict:
    return {
        "photo": {"file": photo, "source": "public domain test photo"},
        "voice": {"tts": "en-us"},
        "body": {"mode": "upper"},
        "consent": {"basis": "public-domain", "source": "test", "scope": scope},
    }


def story(folder: Path) -> dict[Path, object]:
    copy_assets(folder, "coffee.jpg", "chelsea.jpg")
    shots = [
        {"background": {"file": "coffee.jpg", "source": "skimage"}, "camera": {"zoom": [1, 1.2]}, "duration": 2},
        {"background": {"file": "chelsea.jpg", "source": "skimage"}, "duration": 2,
         "transition": {"type": "crossfade", "duration": 0.5}},
    ]  # fmt: skip
    scene = write_scene(folder, scene_doc(shots))
    return {folder / "out.mp4": engine.validate(scene)}


def talking(folder: Path) -> dict[Path, object]:
    copy_assets(folder, "grace-hopper.jpg")
    chars = {"grace": person("grace-hopper.jpg", ["speech", "expressions"])}
    shots = [
        {"cast": ["grace"], "do": [{"say": {"who": "grace", "text": "Hello, I am labelled."}}]}
    ]
    scene = write_scene(folder, scene_doc(shots, chars))
    return {folder / "out.mp4": engine.validate(scene)}


def dancing(folder: Path) -> dict[Path, object]:
    copy_assets(folder, "astronaut.jpg", "music-120bpm.wav")
    chars = {"eileen": person("astronaut.jpg", ["dance"])}
    music = {"file": "music-120bpm.wav", "licence": "CC0", "bpm": 120}
    shots = [
        {"cast": ["eileen"], "do": [{"dance": {"who": "eileen", "style": "party", "bars": 1}}]}
    ]
    scene = write_scene(folder, scene_doc(shots, chars, music))
    return {folder / "out.mp4": engine.validate(scene)}


def variants(folder: Path) -> dict[Path, object]:
    copy_assets(folder, "coffee.jpg")
    shots = [
        {
            "background": {"file": "coffee.jpg", "source": "skimage"},
            "title": "Hi ${name}",
            "duration": 2,
        }
    ]
    scene = write_scene(folder, scene_doc(shots, vars={"name": "you"}))
    (folder / "v.csv").write_text("name\nAda\nGrace\n")
    return {
        folder / f"out-{row}.mp4": engine.validate(scene, variants=folder / "v.csv", row=row)
        for row in (1, 2)
    }


@pytest.mark.slow
@pytest.mark.parametrize("make", [story, talking, dancing, variants], ids=lambda f: f.__name__)
def test_every_path_is_labelled_watermarked_and_signed(tmp_path, make):
    scenes = make(tmp_path / "scene")
    results = render_scenes(scenes, cache_dir=tmp_path / "cache")
    payloads = set()
    for result in results:
        contrasts = [
            label_contrast(frame, "AI-generated", "bottom-right")
            for _, frame in iter_frames(result.video)
        ]
        assert min(contrasts) > 60, f"label faint on some frame: min contrast {min(contrasts):.0f}"
        verdict = engine.verify(result.video)
        assert verdict.status == "authentic", verdict.reasons
        assert verdict.watermark["found"]
        assert verdict.watermark["payload"] == verdict.manifest["watermark"]["payload"]
        assert result.provenance.exists()
        payloads.add(verdict.watermark["payload"])
    assert len(payloads) == len(results)  # each variant is traceable on its own
