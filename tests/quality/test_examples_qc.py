"""The shipped examples, rendered small and judged by qc as a viewer would.

This is CI's guard on what users see: a render that drops a speaker, loses lip
sync, loses the label or tears a dancer fails here, whatever the engine's own
figures say. The examples render at 360 px on the short side (same scene, same
timing) to keep CI short; qc's default bounds apply, tightened where the
example is known to do better. ``make gallery`` judges every example full size.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

import engine

SCENES = Path(__file__).resolve().parents[2] / "scenes"

# The astronaut smiles with her teeth apart; while she speaks her lips close over
# them at times (issue 13), so qc's default bound on the narrowest opening holds.
# Example -> bounds beyond the defaults (what it measures today, with a margin).
EXAMPLES = {
    "talking-portrait": {"fail_under": {"lipsync.corr": "0.55"}},
    "recording": {"fail_under": {"lipsync.corr": "0.55"}},
    # The dance shot's camera (a zoom, no pan) now keeps where her hands reach in view,
    # so qc also measures her right upper arm, which the rig stretches by 10 %.
    "say-then-dance": {
        "fail_under": {"dance.body_found": "0.95"},
        "fail_over": {"dance.bone_cv": "0.11"},
    },
    # the presenter cut out of her photo and placed on the campaign's colour (issue 12)
    "campaign": {},
    # two people from two photos on one stage
    "two-photos": {},
    # a singer and two dancers from three photos on one stage backdrop (issue 12). qc
    # tracks the most prominent body: the singer's in the song, the front dancer's in
    # the dance break, whose arms the camera keeps below the frame (only the shoulders
    # are judged there)
    "concert": {},
    # a historical figure tells her story, then dances disco on a 1970s floor
    "history-lesson": {},
}
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


@pytest.mark.slow
@pytest.mark.parametrize("name", list(EXAMPLES))
def test_example_passes_qc(name, tmp_path):
    scene = _small_copy(name, tmp_path)
    video = engine.render(scene, tmp_path / f"{name}.mp4", cache_dir=tmp_path / "cache").video
    report = engine.qc(video, sheet=tmp_path / f"{name}.qc.png", **EXAMPLES[name])
    assert report.passed, "\n".join(report.lines())


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
