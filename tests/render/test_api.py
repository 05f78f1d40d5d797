"""The Python API: every verb works on every call, and render validates as validate does."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import engine
import engine.spec
from engine.errors import SceneError
from tests.render.scenes import photo_scene

ROOT = Path(__file__).resolve().parents[2]


def test_every_verb_works_when_called_twice(tmp_path):
    import engine.compile.compiler  # noqa: F401  (the submodules named like the verbs)
    import engine.render  # noqa: F401

    scene_file = photo_scene(tmp_path / "story", [])
    for attempt in range(2):
        doc = engine.load(scene_file)
        scene = engine.validate(doc)
        compiled = engine.compile(scene)
        assert compiled.graph.nodes
        out = tmp_path / f"v{attempt}.mp4"
        rendered = engine.render(scene_file, out, cache_dir=tmp_path / "cache")
        assert rendered.video == out
        assert engine.verify(out).status in ("authentic", "marked")
        report = engine.qc(out)
        assert report.passed, report.lines()
    for verb in ("load", "validate", "compile", "render", "verify", "qc"):
        assert callable(getattr(engine, verb)), verb


def test_verbs_survive_their_submodules_being_imported_first():
    """In a fresh process: import the submodules, then call the verbs named like them."""
    code = (
        "import engine.render, engine.compile.compiler, engine\n"
        "from engine.render import render_scenes\n"
        "assert callable(engine.render) and callable(engine.compile)\n"
        "from engine import render, compile\n"
        "assert render is engine.api.render and compile is engine.api.compile\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def _example_with(tmp_path: Path, old: str, new: str) -> Path:
    """The say-then-dance example scene, with one value replaced."""
    folder = tmp_path / "scene"
    (folder / "assets").mkdir(parents=True)
    for name in ("astronaut.jpg", "music-120bpm.wav"):
        shutil.copy(ROOT / "scenes" / "assets" / name, folder / "assets" / name)
    text = (ROOT / "scenes" / "say-then-dance.yaml").read_text()
    assert old in text
    (folder / "scene.yaml").write_text(text.replace(old, new))
    return folder / "scene.yaml"


@pytest.mark.parametrize(
    ("old", "new"),
    [("tts: en-us", "tts: xx-nowhere"), ("style: hiphop", "style: moonwalk-xyz")],
)
def test_render_module_validates_voices_and_styles_as_the_api_does(tmp_path, old, new):
    from engine.render import render

    scene = _example_with(tmp_path, old, new)
    engine.spec.validate(scene)  # the bare spec check knows no catalogues: valid
    with pytest.raises(SceneError, match=new.split(": ")[1]):
        render(scene, tmp_path / "v.mp4", cache_dir=tmp_path / "cache")
    assert not (tmp_path / "v.mp4").exists()
