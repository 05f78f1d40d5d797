"""The shipped examples, rendered small and judged by qc as a viewer would.

This is CI's guard on what users see: a render that drops a speaker, loses lip
sync, loses the label or tears a dancer fails here, whatever the engine's own
figures say. The examples render at 360 px on the short side (same scene, same
timing) to keep CI short; qc's default bounds apply, tightened where the
example is known to do better. ``make gallery`` judges every example full size.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

import engine

SCENES = Path(__file__).resolve().parents[2] / "scenes"

# The astronaut smiles with her teeth apart; while she speaks her lips close over
# them at times (issue 13), so qc's default bound on the narrowest opening holds.
# Example -> bounds beyond the defaults (what it measures today, with a margin).
# Lip sync: the jaw follows the voice's loudness (issue 13); at 360 px qc measures
# r 0.82 (talking-portrait) and 0.86 (recording, the astronaut with a real recording).
EXAMPLES = {
    "talking-portrait": {"fail_under": {"lipsync.corr": "0.72"}},
    "recording": {"fail_under": {"lipsync.corr": "0.75"}},
    # The dance shot's camera (a zoom, no pan) now keeps where her hands reach in view,
    # so qc also measures her right upper arm, which the rig stretches by 10 %; it reads
    # 0.10-0.113 at 360 px as unrelated changes move a few pixels (tracker noise, issue 14).
    "say-then-dance": {
        "fail_under": {"dance.body_found": "0.95"},
        "fail_over": {"dance.bone_cv": "0.12"},
    },
    # the presenter cut out of her photo and placed on the campaign's colour (issue 12)
    "campaign": {},
    # two people from two photos on one stage
    "two-photos": {},
    # a singer and two dancers from three photos on one stage backdrop (issue 12); qc
    # follows every performer's body and judges each dancer on their own (see
    # UNREADABLE for the camera operator)
    "concert": {},
    # a historical figure tells her story, then dances disco on a 1970s floor. Her
    # portrait ends at the chest: her elbows stay below the frame, where the tracker
    # guesses them, and her upper arms read 0.09-0.11 at 360 px (a bust that dances
    # needs the arms the photo does not show: issue 14)
    "history-lesson": {"fail_over": {"dance.bone_cv": "0.12"}},
}
# Bodies qc's pose tracker cannot read steadily even when they stand still: the
# camera operator, bent sideways over his camera and cut out onto the dark stage, reads
# bone-length CV 0.13-0.24 while he only idles on the stage (0.02-0.07 on his own photo
# under a slow camera move), so his bone lengths are reported but not held to the bound.
# Found when qc began to follow each performer (before, both dancers read Eileen's body).
UNREADABLE = {"concert": ("dance.bone_cv", "cam:")}
PRESETS = {"vertical-720": [720, 1280], "square-720": [720, 720], "hd-720": [1280, 720]}


def _small_copy(name: str, folder: Path, source: Path = SCENES) -> Path:
    """The example (and the scene it extends) in a scratch folder with its assets, its
    frame scaled to 360 px on the short side."""
    if not (folder / "assets").exists():
        shutil.copytree(source / "assets", folder / "assets")
    doc = yaml.safe_load((source / f"{name}.yaml").read_text())
    if "extends" in doc:
        _small_copy(Path(doc["extends"]).stem, folder, source)
    output = doc.get("output", {})
    if "size" in output or "preset" in output:
        width, height = output.get("size") or PRESETS[output.pop("preset")]
        scale = 360 / min(width, height)
        output["size"] = [round(width * scale / 2) * 2, round(height * scale / 2) * 2]
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    return path


def failures(name: str, report) -> list:
    """The checks that failed, less those on a body qc cannot read (``UNREADABLE``)."""
    key, subject = UNREADABLE.get(name, (None, None))
    return [c for c in report.failures() if not (c.key == key and c.subject.startswith(subject))]


def overlay_faults(provenance: Path) -> list[str]:
    """What the renderer's own record of a video's texts shows wrong: a label, title or
    caption over a face it was shown with, or two texts over each other at one time."""
    import json

    def meet(a, b):
        return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]

    faults = []
    segments = json.loads(provenance.read_text())["timeline"]["segments"]
    for k, segment in enumerate(segments):
        placed = segment.get("overlays", [])
        for i, a in enumerate(placed):
            faults += [
                f"segment {k}: {a['what']} {a['box']} over face {face}"
                for face in a["faces"]
                if meet(a["box"], face)
            ]
            for b in placed[i + 1 :]:
                at_once = a["from_s"] < b["to_s"] and b["from_s"] < a["to_s"]
                if at_once and meet(a["box"], b["box"]):
                    faults.append(f"segment {k}: {a['what']} {a['box']} over {b['what']}")
    return faults


@pytest.mark.slow
@pytest.mark.parametrize("name", list(EXAMPLES))
def test_example_passes_qc(name, tmp_path):
    scene = _small_copy(name, tmp_path)
    rendered = engine.render(scene, tmp_path / f"{name}.mp4", cache_dir=tmp_path / "cache")
    report = engine.qc(rendered.video, sheet=tmp_path / f"{name}.qc.png", **EXAMPLES[name])
    assert not failures(name, report), "\n".join(report.lines())
    # no label, title or caption over a face or another text (issue 12, item 6)
    assert not overlay_faults(rendered.provenance)


@pytest.mark.slow
@pytest.mark.parametrize("template", ["campaign", "dance"])
def test_scaffolds_on_a_background_pass_qc(template, tmp_path):
    """``photoplay new --template campaign|dance``: the presenter (the dancer) is cut out
    and on screen on the template's background colour, face found whole while she
    speaks, body while she dances (issue 12: the cast of a shot with a background was
    dropped)."""
    from engine.cli.scaffold import scaffold
    from engine.spec import scene_schema

    scaffold(tmp_path / "new", template, scene_schema())
    scene = _small_copy("scene", tmp_path / "small", source=tmp_path / "new")
    video = engine.render(scene, tmp_path / f"{template}.mp4", cache_dir=tmp_path / "cache").video
    report = engine.qc(video, sheet=tmp_path / f"{template}.qc.png")
    assert report.passed, "\n".join(report.lines())
    found = [c for c in report.checks if c.key == "face.found"]
    assert found and all(c.value >= 0.95 for c in found), "\n".join(report.lines())
    if template == "dance":
        (body,) = [c for c in report.checks if c.key == "dance.body_found"]
        assert body.value >= 0.9, "\n".join(report.lines())


# The stage examples in the other aspects: their performers and camera are laid out for
# the frame (issue 12). CI renders the vertical ones (the most crowded) and the campaign
# (9:16 itself) in the three others (5-10 s each); the square and 4:5 concert run with
# PHOTOPLAY_ALL_ASPECTS=1 (about 75 s each on two cores).
ASPECTS = {
    "vertical": (360, 640),
    "square": (360, 360),
    "portrait-4x5": (360, 450),
    "wide": (640, 360),
}
# In 9:16 the crowded (staggered) song stands the camera operator behind the singer (qc
# finds his body in 56 % of his dance) and Eileen sways partly out of the frame in the
# dance break (her bones read 0.21-0.25). qc judged both dancers on one body until it
# followed every performer (56ff8ca); the crowded layout is issue 12's to fix, and this
# case turns into a failure the day it passes (strict).
HIDDEN_DANCER = pytest.mark.xfail(
    strict=True, reason="9:16 concert: a dancer hidden behind the singer (issue 12)"
)
ASPECT_CASES = [
    pytest.param("concert", "vertical", marks=HIDDEN_DANCER),
    ("two-photos", "vertical"),
]
ASPECT_CASES += [("campaign", aspect) for aspect in ("wide", "square", "portrait-4x5")]
ASPECT_CASES += [
    pytest.param(
        "concert",
        aspect,
        marks=pytest.mark.skipif(
            not os.environ.get("PHOTOPLAY_ALL_ASPECTS"), reason="PHOTOPLAY_ALL_ASPECTS=1"
        ),
    )
    for aspect in ("square", "portrait-4x5")
]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "aspect"), ASPECT_CASES)
def test_stage_example_in_another_aspect_passes_qc(name, aspect, tmp_path):
    """Each speaker's face found and whole, each dancer's body found, no text over a face,
    with the example's 16:9 frame made vertical, square or 4:5 (issue 12)."""
    scene = _small_copy(name, tmp_path)
    doc = yaml.safe_load(scene.read_text())
    doc["output"]["size"] = list(ASPECTS[aspect])
    scene.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    rendered = engine.render(scene, tmp_path / f"{name}.mp4", cache_dir=tmp_path / "cache")
    report = engine.qc(rendered.video, sheet=tmp_path / f"{name}.qc.png", **EXAMPLES[name])
    assert not failures(name, report), "\n".join(report.lines())
    assert not overlay_faults(rendered.provenance)
