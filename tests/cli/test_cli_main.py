"""The photoplay command: exit codes, output format, --json, new, schema, demo."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import engine
from engine.cli import main as cli
from engine.cli.main import run

ROOT = Path(__file__).resolve().parents[2]
SCENES = ROOT / "scenes"
BAD = ROOT / "tests" / "scenes" / "bad"
LINE = re.compile(r"^\S+:\d+:\d+: (error|warning): \S.*$")


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def test_version():
    code, out, _ = _run("--version")
    assert code == 0 and out.strip() == f"photoplay {engine.__version__}"


def test_valid_file_prints_one_summary_line():
    code, out, err = _run("validate", SCENES / "say-then-dance.yaml")
    assert code == 0 and err == ""
    assert (
        out
        == f"{SCENES / 'say-then-dance.yaml'}: valid: 1 character, 2 shots, about 0:16 (15.8 s)\n"
    )


def test_invalid_file_prints_each_diagnostic_and_exits_2():
    code, out, _ = _run("validate", BAD / "consent-scope-dance.yaml", SCENES / "dance.yaml")
    assert code == 2
    lines = out.splitlines()
    assert lines[0] == (
        f"{BAD / 'consent-scope-dance.yaml'}:7:80: error: characters.rosa.consent.scope: "
        "'dance' is used in shot 2 but not granted (hint: add dance to scope)"
    )
    assert lines[1].startswith(f"{SCENES / 'dance.yaml'}: valid:")


def test_json_output_is_a_list_of_diagnostics():
    code, out, _ = _run("validate", "--json", BAD / "ref-unknown-who.yaml")
    assert code == 2
    data = json.loads(out)
    assert isinstance(data, list) and data[0]["code"] == "ref.unknown-character"
    assert set(data[0]) == {"file", "line", "col", "path", "code", "message", "hint", "severity"}
    code, out, _ = _run("validate", "--json", SCENES / "dance.yaml")
    assert code == 0 and json.loads(out) == []


def test_set_variants_and_row():
    code, out, _ = _run(
        "validate", SCENES / "campaign.yaml", "--variants", SCENES / "campaign.csv", "--row", "3"
    )
    assert code == 0 and "valid" in out
    code, out, _ = _run(
        "validate", SCENES / "campaign.yaml", "--variants", SCENES / "campaign.csv", "--row", "9"
    )
    assert code == 2 and "var.row" not in out and "row 9 does not exist" in out
    code, out, _ = _run("validate", SCENES / "say-then-dance.yaml", "--set", "name=Ada")
    assert code == 0


def test_strict_and_max_duration(tmp_path):
    scene = tmp_path / "s.yaml"
    (tmp_path / "a.jpg").write_bytes((SCENES / "assets" / "coffee.jpg").read_bytes())
    scene.write_text("photoplay: 1\nshots:\n  - {background: a.jpg, duration: 20}\n")
    code, out, _ = _run("validate", scene)
    assert code == 0 and "1 warning" in out and ": warning: " in out
    code, out, _ = _run("validate", "--strict", scene)
    assert code == 2 and ": error: shots[0].background: 'a.jpg' has no licence" in out
    code, out, _ = _run("validate", "--max-duration", "10", scene)
    assert code == 2 and "duration" in out and "the limit is 10 s" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["bogus"],
        ["validate"],
        ["validate", "x.yaml", "--set", "novalue"],
        ["validate", "x.yaml", "--row", "1"],
        ["validate", "x.yaml", "--max-duration", "-1"],
        ["new", "x", "--template", "opera"],
    ],
)
def test_usage_errors_exit_2_without_traceback(argv, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(*argv)
    assert code == 2
    assert "Traceback" not in out + err and (out + err).strip()


def test_missing_file_is_a_diagnostic(tmp_path):
    code, out, _ = _run("validate", tmp_path / "nope.yaml")
    assert code == 2 and out.strip() == f"{tmp_path / 'nope.yaml'}:1:1: error: scene file not found"


def test_internal_error_is_one_line_exit_1(monkeypatch, tmp_path):
    def boom(*args, **kwargs):
        raise RuntimeError("synthetic failure\nsecond line")

    monkeypatch.setattr(engine, "validate", boom, raising=False)
    code, out, err = _run("validate", SCENES / "dance.yaml")
    assert code == 1
    assert (
        err == "photoplay: internal error: RuntimeError: synthetic failure (please report this)\n"
    )


def test_photoplay_error_is_one_line_exit_2(tmp_path):
    code, _, err = _run("demo", tmp_path / "nowhere")
    assert code == 2 and len(err.splitlines()) == 1 and err.startswith("error: ")


@pytest.mark.parametrize("template", ["talking", "dance", "campaign"])
def test_new_scaffolds_a_valid_scene(template, tmp_path):
    target = tmp_path / f"my-{template}"
    code, out, err = _run("new", target, "--template", template)
    assert code == 0, err
    scene = target / "scene.yaml"
    assert scene.read_text().startswith("# yaml-language-server: $schema=scene.schema.json\n")
    assert json.loads((target / "scene.schema.json").read_text())["title"].startswith("Photoplay")
    assert _run("validate", scene)[0] == 0
    if template == "campaign":
        csv = target / "variants.csv"
        assert _run("validate", scene, "--variants", csv, "--row", "2")[0] == 0
    # no temporary folders left beside it
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"my-{template}"]


def test_new_refuses_an_existing_folder(tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "keep.txt").write_text("mine")
    code, _, err = _run("new", tmp_path / "taken")
    assert code == 2 and "already exists" in err
    assert [p.name for p in (tmp_path / "taken").iterdir()] == ["keep.txt"]


def test_new_leaves_nothing_when_it_fails(tmp_path, monkeypatch):
    from engine.cli import scaffold

    monkeypatch.setitem(scaffold.TEMPLATES, "talking", {"scene.yaml": "photoplay: 2\n"})
    code, out, _ = _run("new", tmp_path / "x")
    assert code == 2 and "expected 1" in out + _
    assert list(tmp_path.iterdir()) == []


def test_schema_prints_and_writes_atomically(tmp_path):
    code, out, _ = _run("schema")
    schema = json.loads(out)
    assert code == 0 and schema["$schema"].endswith("2020-12/schema")
    target = tmp_path / "scene.schema.json"
    code, _, _ = _run("schema", "--out", target)
    assert code == 0 and json.loads(target.read_text()) == schema
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scene.schema.json"]
    code, _, err = _run("schema", "--out", tmp_path / "no" / "such" / "dir.json")
    assert code == 2 and "does not exist" in err


def test_write_atomic_keeps_the_old_file_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "out.json"
    target.write_text("old")

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        cli.write_atomic(target, "new")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_every_example_and_each_variant_row_validates():
    scenes = sorted(SCENES.glob("*.yaml"))
    code, out, _ = _run("validate", *scenes)
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == len(scenes) and all("valid:" in line for line in lines)
    for row in (1, 2, 3):
        args = ("validate", SCENES / "campaign.yaml", "--variants", SCENES / "campaign.csv")
        code, out, _ = _run(*args, "--row", str(row))
        assert code == 0 and "valid:" in out


def test_help_has_examples():
    for cmd in ("validate", "new", "schema", "demo"):
        code, out, _ = _run(cmd, "--help")
        assert code == 0 and f"photoplay {cmd}" in out and "Example" in out, cmd


def test_console_script_in_a_subprocess():
    """The real entry point: exit status and stderr, outside pytest's capture."""
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from engine.cli.main import main; main()",
            "validate",
            str(BAD / "yaml-tag-python.yaml"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 2
    assert LINE.match(proc.stdout.strip()) and "Traceback" not in proc.stderr
