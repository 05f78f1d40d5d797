"""Entrances and exits the stage cannot play are refused by the CLI in one line each,
with file:line:col and a hint, exit 2 (issue 12, item 3)."""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import pytest

from engine.cli.main import run

BAD = Path(__file__).resolve().parents[1] / "scenes" / "bad"


@pytest.mark.parametrize(
    ("name", "where", "says"),
    [
        ("stage-enter-late", ":16:46:", "'ada' enters at 5 s, after the shot ends (it lasts 4 s)"),
        ("stage-exit-before-enter", ":17:30:", "'ada' exits at 1.5 s, before their entrance ends"),
        ("stage-enter-not-in-cast", ":14:7:", "'ada' enters but is not in this shot's cast"),
    ],
)
def test_a_move_the_stage_cannot_play_is_one_line(tmp_path, name, where, says):
    shutil.copytree(BAD / "assets", tmp_path / "assets")
    scene = tmp_path / f"{name}.yaml"
    shutil.copy(BAD / f"{name}.yaml", scene)
    for command in ("validate", "render"):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = run(
                [command, str(scene), "-o", str(tmp_path / "v.mp4")][
                    : 2 + 2 * (command == "render")
                ]
            )
        text = (out.getvalue() + err.getvalue()).strip()
        assert code == 2 and len(text.splitlines()) == 1, text
        assert text.startswith(f"{scene}{where} error:") and says in text and "hint:" in text
    assert not (tmp_path / "v.mp4").exists()


@pytest.mark.parametrize(
    ("name", "where", "says"),
    [
        ("stage-place-off-stage", ":18:16:", "'ada' is placed off the stage: x -0.4"),
        ("stage-place-twice", ":19:7:", "key 'rosa' appears twice in this mapping"),
        ("stage-backdrop-not-an-image", ":15:32:", "'assets/voice.wav': not a readable image"),
        ("stage-cast-without-photo", ":14:18:", "'narrator' is in the cast but has no photo"),
    ],
)
def test_a_stage_it_cannot_set_up_is_one_line(tmp_path, name, where, says):
    """The stage's other bad inputs (issue 12): a place off the stage entirely, a
    character placed twice, a backdrop that is not an image, a cast member without a
    photo: one line with file:line:col, exit 2, from validate and from render, and no
    video written."""
    shutil.copytree(BAD / "assets", tmp_path / "assets")
    scene = tmp_path / f"{name}.yaml"
    shutil.copy(BAD / f"{name}.yaml", scene)
    for command in (
        ["validate", str(scene)],
        ["render", str(scene), "-o", str(tmp_path / "v.mp4")],
    ):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = run(command)
        text = (out.getvalue() + err.getvalue()).strip()
        assert code == 2 and len(text.splitlines()) == 1, text
        assert text.startswith(f"{scene}{where} error:") and says in text
    assert not (tmp_path / "v.mp4").exists()
