"""Publishing a render: never over an input or into a device, named from the full stem,
one set of files however the process ends."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import yaml

from engine.cli.main import run
from engine.errors import PhotoplayError
from engine.nodes.ethics.c2pa_sign import unsigned_view
from engine.publish import STAGING_PREFIX, clean_leftovers, output_paths
from engine.render import render
from tests.render.scenes import photo_scene

ROOT = Path(__file__).resolve().parents[2]


def full_scene(folder: Path, colours: list[str], title: str = "Hello") -> Path:
    """The photo story with a poster and both caption files: a render's full set of files."""
    scene = photo_scene(folder, colours)
    doc = yaml.safe_load(scene.read_text())
    doc["output"]["poster"] = True
    doc["captions"] = {"srt": True, "vtt": True}
    doc["shots"][0]["title"] = title
    scene.write_text(yaml.safe_dump(doc, sort_keys=False))
    return scene


def one_line_error(capsys) -> str:
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1, err
    assert captured.out == ""  # refused before any work: not even a progress bar
    return err[0]


# --- item 15: names from the full stem ---------------------------------------------------


def test_side_files_are_named_from_the_full_stem():
    paths = output_paths(Path("out/promo.v1.mp4"))
    assert {k: p.name for k, p in paths.items()} == {
        "video": "promo.v1.mp4",
        "provenance": "promo.v1.provenance.json",
        "srt": "promo.v1.srt",
        "vtt": "promo.v1.vtt",
        "poster": "promo.v1.png",
        "credits": "promo.v1.credits.txt",
    }
    assert output_paths(Path("promo.v2"))["poster"].name == "promo.v2.png"


def test_two_versions_in_one_folder_keep_their_own_posters(tmp_path):
    scene = full_scene(tmp_path / "story", [])
    out = tmp_path / "out"
    for version in ("v1", "v2"):
        assert run(["render", str(scene), "-o", str(out / f"promo.{version}.mp4")]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        f"promo.{v}.{ext}"
        for v in ("v1", "v2")
        for ext in ("mp4", "png", "provenance.json", "srt", "vtt", "credits.txt")
    )


# --- item 1: never over an input -------------------------------------------------------


def test_a_poster_that_would_replace_the_photo_is_refused(tmp_path, capsys):
    scene = full_scene(tmp_path / "story", [])
    story = tmp_path / "story"
    (story / "photo.jpg").rename(story / "photo.png")
    scene.write_text(scene.read_text().replace("photo.jpg", "photo.png"))
    photo = (story / "photo.png").read_bytes()

    assert run(["render", str(scene), "-o", str(story / "photo.mp4")]) == 2
    line = one_line_error(capsys)
    assert "poster" in line and "photo.png" in line and "shots[0].background" in line
    assert (story / "photo.png").read_bytes() == photo
    assert not (story / "photo.mp4").exists()


def test_a_video_that_would_replace_the_scene_file_is_refused(tmp_path, capsys):
    scene = full_scene(tmp_path / "story", [])
    text = scene.read_text()
    assert run(["render", str(scene), "-o", str(scene)]) == 2
    line = one_line_error(capsys)
    assert "the video" in line and "the scene file" in line and str(scene) in line
    assert scene.read_text() == text


def test_a_video_that_would_replace_a_base_scene_is_refused(tmp_path, capsys):
    scene = full_scene(tmp_path / "story", [])
    base = scene.with_name("base.yaml")
    base.write_text(scene.read_text())
    scene.write_text("extends: base.yaml\ntitle: child\n")
    text = base.read_text()
    assert run(["render", str(scene), "-o", str(base)]) == 2
    line = one_line_error(capsys)
    assert "base scene" in line and "base.yaml" in line
    assert base.read_text() == text


def test_a_hard_link_to_an_input_is_an_input(tmp_path, capsys):
    scene = full_scene(tmp_path / "story", [])
    out = tmp_path / "out"
    out.mkdir()
    os.link(tmp_path / "story" / "photo.jpg", out / "v.srt")
    assert run(["render", str(scene), "-o", str(out / "v.mp4")]) == 2
    assert "would overwrite" in one_line_error(capsys)
    assert sorted(p.name for p in out.iterdir()) == ["v.srt"]


# --- item 3: only regular files --------------------------------------------------------


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _folder(path: Path) -> None:
    path.mkdir()


def _link_to_dev_null(path: Path) -> None:
    path.symlink_to("/dev/null")


@pytest.mark.parametrize(
    ("make", "what"),
    [(_fifo, "FIFO"), (_folder, "folder"), (_link_to_dev_null, "character device")],
)
@pytest.mark.parametrize("name", ["v.mp4", "v.png", "v.provenance.json"])
def test_an_output_that_is_not_a_regular_file_is_refused(tmp_path, capsys, make, what, name):
    scene = full_scene(tmp_path / "story", [])
    out = tmp_path / "out"
    out.mkdir()
    make(out / name)
    before = sorted(p.name for p in out.iterdir())
    assert run(["render", str(scene), "-o", str(out / "v.mp4")]) == 2
    line = one_line_error(capsys)
    assert what in line and name in line
    assert sorted(p.name for p in out.iterdir()) == before
    if make is _link_to_dev_null:
        assert os.readlink(out / name) == "/dev/null"


# --- item 11 (API): names the file system cannot hold -----------------------------------


def test_a_name_the_file_system_cannot_hold_is_refused_before_work(tmp_path):
    scene = full_scene(tmp_path / "story", [])
    events = []
    fits = "x" * 250 + ".mp4"  # 254 bytes: the video fits, its provenance does not
    with pytest.raises(PhotoplayError, match=r"file name too long for the provenance") as info:
        render(scene, tmp_path / fits, cache_dir=tmp_path / "cache", on_event=events.append)
    assert "shorten" in info.value.hint and events == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["story"]


# --- item 6: one set, whatever happens --------------------------------------------------

# Render a scene, killing the process (SIGKILL) just before publish step ``step``.
KILL_AT_STEP = textwrap.dedent(
    """
    import os, signal, sys
    import engine.publish as publish
    from engine.render import render

    scene, target, cache, step = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    count = 0

    def counted(action):
        def run(*args):
            global count
            count += 1
            if count == step:
                os.kill(os.getpid(), signal.SIGKILL)
            return action(*args)
        return run

    publish._rename = counted(publish._rename)
    publish._remove = counted(publish._remove)
    render(scene, target, cache_dir=cache)
    """
)
N_STEPS = 7  # old video out, five side files, new video in


def render_files(folder: Path) -> dict[str, bytes]:
    """The render set in ``folder`` by kind; the video as its unsigned view (C2PA varies)."""
    files = {}
    for kind, path in output_paths(folder / "v.mp4").items():
        if path.exists():
            files[kind] = unsigned_view(path) if kind == "video" else path.read_bytes()
    return files


def test_a_render_killed_at_any_publish_step_never_shows_a_mismatched_set(tmp_path):
    old_scene = full_scene(tmp_path / "old", ["#102030"], title="Old")
    new_scene = full_scene(tmp_path / "new", ["#a0b0c0"], title="New")
    cache = tmp_path / "cache"
    sets = {}
    for name, scene in (("old", old_scene), ("new", new_scene)):
        render(scene, tmp_path / f"ref-{name}" / "v.mp4", cache_dir=cache)
        sets[name] = render_files(tmp_path / f"ref-{name}")
        assert set(sets[name]) == {"video", "provenance", "credits", "srt", "vtt", "poster"}
    assert all(sets["old"][k] != sets["new"][k] for k in ("video", "provenance", "poster"))

    for step in range(1, N_STEPS + 1):
        target = tmp_path / f"step{step}"
        shutil.copytree(tmp_path / "ref-old", target)
        argv = [str(new_scene), str(target / "v.mp4"), str(cache), str(step)]
        proc = subprocess.run([sys.executable, "-c", KILL_AT_STEP, *argv], cwd=ROOT)
        assert proc.returncode == -9, f"step {step}: not killed"

        found = render_files(target)
        if "video" in found:  # a video is always beside its own files, all of them
            owner = next(name for name, files in sets.items() if files["video"] == found["video"])
            assert found == sets[owner], f"step {step}: {owner} video beside other files"
        assert any(p.name.startswith(STAGING_PREFIX) for p in target.iterdir())

        render(new_scene, target / "v.mp4", cache_dir=cache)  # the next run cleans up
        assert render_files(target) == sets["new"]
        assert sorted(p.name for p in target.iterdir() if p.name.startswith(".")) == []


def test_side_files_of_the_replaced_render_go_with_it(tmp_path):
    out = tmp_path / "out"
    render(full_scene(tmp_path / "a", []), out / "v.mp4", cache_dir=tmp_path / "cache")
    assert (out / "v.png").exists() and (out / "v.srt").exists()
    plain = photo_scene(tmp_path / "b", [])  # no poster, no captions
    render(plain, out / "v.mp4", cache_dir=tmp_path / "cache")
    assert sorted(p.name for p in out.iterdir()) == [
        "v.credits.txt",
        "v.mp4",
        "v.provenance.json",
    ]


def test_a_users_own_file_beside_a_first_render_is_kept(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "v.png").write_bytes(b"my own picture")
    render(photo_scene(tmp_path / "b", []), out / "v.mp4", cache_dir=tmp_path / "cache")
    assert (out / "v.png").read_bytes() == b"my own picture"


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_leftovers_of_dead_runs_are_removed_and_live_ones_kept(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    dead = _dead_pid()
    leftovers = [
        f"{STAGING_PREFIX}{dead}-0badcafe",
        f".v.mp4.{dead}.signed.mp4",
        f".v.png.{dead}.k2j3h4.part",
        ".v.srt.k2j3h4.part",  # from an older version: no pid, but older than this process
    ]
    (out / leftovers[0]).mkdir()
    (out / leftovers[0] / "video.mp4").write_bytes(b"half")
    for name in leftovers[1:]:
        (out / name).write_bytes(b"half")
    an_hour_ago = time.time() - 3600
    os.utime(out / leftovers[3], (an_hour_ago, an_hour_ago))
    kept = [f"{STAGING_PREFIX}{os.getpid()}-1234abcd", ".v.mp4.notes", ".other.mp4.1.part"]
    (out / kept[0]).mkdir()
    for name in kept[1:]:
        (out / name).write_bytes(b"not ours")

    removed = clean_leftovers(out, [p.name for p in output_paths(out / "v.mp4").values()])
    assert sorted(p.name for p in removed) == sorted(leftovers)
    assert sorted(p.name for p in out.iterdir()) == sorted(kept)


def test_a_render_cleans_what_a_killed_run_left(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    stale = out / f"{STAGING_PREFIX}{_dead_pid()}-0badcafe"
    stale.mkdir()
    (out / f".v.mp4.{_dead_pid()}.signed.mp4").write_bytes(b"half")
    render(photo_scene(tmp_path / "b", []), out / "v.mp4", cache_dir=tmp_path / "cache")
    assert sorted(p.name for p in out.iterdir()) == [
        "v.credits.txt",
        "v.mp4",
        "v.provenance.json",
    ]
    assert json.loads((out / "v.provenance.json").read_text())["scene"]
