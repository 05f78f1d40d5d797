"""The credits file beside the video under careless names (issue 12, credits card):
a ``.credits.txt`` sibling that is a folder is refused in one line before any work;
a video name with spaces, a colon or non-ASCII letters names its credits file alike;
each row of a ``--variants`` campaign has its own."""

from __future__ import annotations

from pathlib import Path

from engine.cli.main import run
from engine.publish import output_paths
from tests.render.test_publish import full_scene, one_line_error


def test_a_credits_file_that_is_a_folder_is_refused_before_work(tmp_path, capsys):
    scene = full_scene(tmp_path / "story", [])
    out = tmp_path / "out"
    (out / "v.credits.txt").mkdir(parents=True)
    assert run(["render", str(scene), "-o", str(out / "v.mp4")]) == 2
    line = one_line_error(capsys)
    assert "folder" in line and "v.credits.txt" in line and "credits" in line
    assert sorted(p.name for p in out.iterdir()) == ["v.credits.txt"]  # nothing written


def test_odd_video_names_name_their_credits_file_alike():
    for name in ("take:1.mp4", "my video ü.mp4", "a.b.c.MP4", "no-suffix"):
        paths = output_paths(Path("/x") / name)
        stem = name[:-4] if name.lower().endswith(".mp4") else name
        assert paths["credits"] == Path("/x") / f"{stem}.credits.txt"
        assert len(set(paths.values())) == len(paths)  # never one file for two roles


def test_each_variant_row_has_its_own_credits_file(tmp_path):
    from engine.cli.rendering import _scenes

    repo = Path(__file__).resolve().parents[2]
    scenes = _scenes(
        repo / "scenes" / "campaign.yaml",
        tmp_path / "take 1.mp4",
        None,
        repo / "scenes" / "campaign.csv",
        None,
    )
    credits = [output_paths(video)["credits"] for video in scenes]
    assert [p.name for p in credits] == [f"take 1-{r}.credits.txt" for r in (1, 2, 3)]
