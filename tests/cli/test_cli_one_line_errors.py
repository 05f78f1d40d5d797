"""Inputs that once crashed the CLI with an internal error: each is now legal, or one
line on stderr with exit 2 (issue 11, item 8)."""

from __future__ import annotations

import contextlib
import io
import shutil
import time
from pathlib import Path

import pytest

from engine.cli.main import run
from engine.errors import PhotoplayError
from engine.runtime.scheduler import check_scheduler

ROOT = Path(__file__).resolve().parents[2]
SCENES = ROOT / "scenes"


def _run(*argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def _talking_scene(folder: Path, edit=lambda text: text) -> Path:
    """The talking-portrait example, copied with its photo, then edited."""
    (folder / "assets").mkdir(parents=True)
    shutil.copy(SCENES / "assets" / "grace-hopper.jpg", folder / "assets")
    scene = folder / "scene.yaml"
    scene.write_text(edit((SCENES / "talking-portrait.yaml").read_text()))
    return scene


def _with_pause(text: str) -> str:
    return text.replace("    do:\n", "    do:\n      - pause: {duration: 0.5}\n", 1)


def test_a_pause_in_a_shot_with_a_cast_plans_and_graphs(tmp_path):
    # It validated, then plan/graph/render died on "'Pause' object has no attribute 'who'".
    scene = _talking_scene(tmp_path / "p", _with_pause)
    cache = tmp_path / "cache"
    for command in (["plan", scene, "--cache", cache], ["graph", scene]):
        code, out, err = _run(*command)
        assert code == 0, err
        assert "internal error" not in err and out


def test_a_309_digit_duration_is_one_line(tmp_path):
    # A 309-digit integer overflows a float: OverflowError, internal error before.
    scene = _talking_scene(
        tmp_path / "d", lambda t: t.replace("duration: 1.0}", "duration: " + "9" * 309 + "}")
    )
    for command in ("validate", "plan"):
        code, out, err = _run(command, scene)
        text = (out + err).strip()
        assert code == 2 and len(text.splitlines()) == 1, text
        assert text.startswith(f"{scene}:24:") and "at most 18 digits" in text


def test_a_5000_digit_seed_is_one_line(tmp_path):
    scene = _talking_scene(tmp_path / "s", lambda t: t.replace("seed: 7", "seed: " + "7" * 5000))
    code, out, err = _run("plan", scene)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert err.startswith(f"{scene}:5:") and "output.seed" in err


def test_a_garbage_scheduler_is_refused_before_any_work(tmp_path):
    # It failed inside distributed, then printed a traceback 20 s later.
    scene = _talking_scene(tmp_path / "g")
    t0 = time.perf_counter()
    code, out, err = _run("render", scene, "--scheduler", "garbage", "-o", tmp_path / "x.mp4")
    assert code == 2 and time.perf_counter() - t0 < 5
    assert err.startswith("error: --scheduler 'garbage' is not a Dask scheduler address")
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.mp4").exists()


@pytest.mark.parametrize(
    "address", ["garbage", "tcp://host", "tcp://host:0", "tcp://host:70000", "ftp://h:21", "h:8786"]
)
def test_scheduler_addresses_dask_cannot_use_are_refused(address):
    with pytest.raises(PhotoplayError, match="not a Dask scheduler address"):
        check_scheduler(address)


@pytest.mark.parametrize(
    "address",
    [None, "local", "inline", "tcp://127.0.0.1:8786", "tls://dask.lan:8786", "tcp://[::1]:1"],
)
def test_local_and_well_formed_scheduler_addresses_pass(address):
    check_scheduler(address)


@pytest.mark.slow
def test_a_line_spoken_past_its_bound_is_named_where_it_is_written(tmp_path, monkeypatch):
    # The render stops a line espeak speaks far past its estimate (engine.speech_time),
    # and names the line's file:line:col like a validation error.
    import engine.nodes.speech.tts as tts

    monkeypatch.setattr(tts, "speech_bound_s", lambda text, rate: 1.0)
    scene = _talking_scene(tmp_path / "r")
    out = tmp_path / "out.mp4"
    code, _, err = _run(
        "render", scene, "--scheduler", "inline", "-o", out, "--cache", tmp_path / "c"
    )
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    # every line runs past a 1 s bound: the first one synthesised is named, whichever
    # the scheduler ran first, at the line and column where its text is written
    import re

    found = re.match(
        rf"{re.escape(str(scene))}:(\d+):(\d+): error: shots\[0\]\.do\[(\d+)\]\.say\.text", err
    )
    assert found, err
    line = scene.read_text().splitlines()[int(found[1]) - 1]
    assert "text:" in line[: int(found[2])], line  # the column is at the line's text
    assert "is spoken for more than 1.0 s" in err
    assert not out.exists()
