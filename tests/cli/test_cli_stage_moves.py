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
