"""A render that is killed or given bad input leaves nothing at the target path."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from engine.cli.main import run
from engine.errors import AssetError, PhotoplayError
from engine.nodes.ethics.c2pa_sign import unsigned_view
from engine.render import render
from tests.render.scenes import photo_scene

PHOTOPLAY = [sys.executable, "-m", "engine.cli.main"]


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir())


def test_sigkill_mid_render_leaves_nothing_and_the_rerun_matches(tmp_path):
    scene = photo_scene(tmp_path / "story", ["#102030", "#203040", "#304050", "#405060"])
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "v.mp4"
    cache = tmp_path / "cache"
    cmd = [*PHOTOPLAY, "render", str(scene), "-o", str(target), "--cache", str(cache), "--json"]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, start_new_session=True) as proc:
        for line in proc.stdout:
            event = json.loads(line)
            if event.get("kind") == "render.segment" and event.get("status") == "finished":
                os.killpg(proc.pid, signal.SIGKILL)  # the render and its worker processes
                break
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert _leftovers(out_dir) == []

    assert run(["render", str(scene), "-o", str(target), "--cache", str(cache)]) == 0
    fresh = render(scene, tmp_path / "fresh" / "v.mp4", cache_dir=tmp_path / "cold")
    assert unsigned_view(target) == unsigned_view(fresh.video)


def test_asset_deleted_after_validation(tmp_path):
    import engine

    scene_file = photo_scene(tmp_path / "story", [])
    scene = engine.validate(scene_file)
    (tmp_path / "story" / "photo.jpg").unlink()
    with pytest.raises(AssetError, match="photo.jpg") as info:
        render(scene, tmp_path / "v.mp4", cache_dir=tmp_path / "cache")
    assert "after the scene was validated" in info.value.hint
    assert not (tmp_path / "v.mp4").exists()


def test_undecodable_image_is_refused_before_rendering(tmp_path, capsys):
    scene = photo_scene(tmp_path / "story", [])
    (tmp_path / "story" / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    assert run(["render", str(scene), "-o", str(tmp_path / "v.mp4")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "photo.jpg" in err[0] and "scene.yaml:" in err[0]
    assert not (tmp_path / "v.mp4").exists()


def test_unwritable_output_folder(tmp_path, capsys):
    scene = photo_scene(tmp_path / "story", [])
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who can write anywhere (root)")
        assert run(["render", str(scene), "-o", str(locked / "v.mp4")]) == 2
        assert "cannot write to output folder" in capsys.readouterr().err
    finally:
        locked.chmod(0o700)


def test_output_path_that_is_a_file_not_a_folder(tmp_path, capsys):
    scene = photo_scene(tmp_path / "story", [])
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder should be")
    assert run(["render", str(scene), "-o", str(blocker / "v.mp4")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot write to output folder" in err[0]


def test_unreachable_dask_scheduler(tmp_path, capsys):
    scene = photo_scene(tmp_path / "story", [])
    code = run(
        ["render", str(scene), "-o", str(tmp_path / "v.mp4"), "--scheduler", "tcp://127.0.0.1:9"]
    )
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot reach the Dask scheduler" in err[0]
    assert not (tmp_path / "v.mp4").exists()


def test_errors_inside_workers_are_one_line(tmp_path):
    with pytest.raises(PhotoplayError):
        render(tmp_path / "missing.yaml", tmp_path / "v.mp4")
