"""Every broken scene in tests/scenes/bad/ gets its expected diagnostic.

Each ``*.yaml`` there starts with ``# expect: CODE @ FILE:LINE:COL PATH`` (and
optionally ``# options: {json}`` for validate's keyword arguments). The
adversarial inputs that cannot be committed (a 50 MB file, a symlink out of
the folder) are made here in tmp_path. Each must answer in under a second,
and peak memory is measured in a fresh subprocess.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.errors import SceneError
from engine.spec import validate

CORPUS = Path(__file__).resolve().parents[1] / "scenes" / "bad"
HEADER = re.compile(r"^# expect: (\S+) @ (\S+):(\d+):(\d+) ?(\S*)$")
CASES = sorted(CORPUS.glob("*.yaml"))


def _expectation(path: Path):
    lines = path.read_bytes().decode("utf-8", "replace").splitlines()
    match = HEADER.match(lines[0])
    assert match, f"{path.name}: first line must be '# expect: CODE @ FILE:LINE:COL PATH'"
    code, file, line, col, doc_path = match.groups()
    options = json.loads(lines[1][len("# options:") :]) if lines[1].startswith("# options:") else {}
    return code, file, int(line), int(col), doc_path, options


def test_corpus_is_large_and_covers_every_rule():
    codes = {_expectation(p)[0] for p in CASES}
    assert len(CASES) >= 40
    for needed in (
        "yaml.syntax", "yaml.duplicate-key", "yaml.tag", "yaml.encoding", "limit.aliases",
        "limit.depth", "var.undefined", "extends.cycle", "extends.missing",
        "extends.outside-project", "schema.type", "schema.required", "schema.unknown-key",
        "schema.enum", "ref.unknown-character", "ref.no-photo", "consent.scope",
        "consent.source", "consent.record", "asset.missing", "asset.outside-project",
        "asset.undecodable", "ethics.label-off", "ethics.watermark-off",
        "ethics.cultural-review", "duration.too-long", "licence.missing",
    ):  # fmt: skip
        assert needed in codes, needed


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_bad_scene(path: Path, monkeypatch):
    code, file, line, col, doc_path, options = _expectation(path)
    monkeypatch.chdir(CORPUS)  # diagnostics name files as given: relative to the corpus
    t0 = time.perf_counter()
    with pytest.raises(SceneError) as info:
        validate(path.name, **options)
    elapsed_s = time.perf_counter() - t0
    found = [(d.code, d.file, d.line, d.col, d.path) for d in info.value.diagnostics]
    assert (code, file, line, col, doc_path) in found, "\n".join(info.value.lines())
    assert elapsed_s < 1.0
    # The printed form is one line per diagnostic.
    for text in info.value.lines():
        assert "\n" not in text and re.match(r"^\S+:\d+:\d+: (error|warning): ", text)


def _one_line_fast(path: Path) -> list[str]:
    t0 = time.perf_counter()
    with pytest.raises(SceneError) as info:
        validate(path)
    assert time.perf_counter() - t0 < 1.0
    return info.value.lines()


def test_fifty_megabyte_file_is_refused_before_reading(tmp_path):
    big = tmp_path / "big.yaml"
    with big.open("wb") as f:
        f.truncate(50 * 1024 * 1024)  # sparse: 50 MB of NUL bytes
    lines = _one_line_fast(big)
    assert lines == [
        f"{big}:1:1: error: file is 50.0 MiB; scene files are limited to 1 MiB"
        " (hint: split it with extends, or generate shots from a template with vars)"
    ]


def test_symlink_out_of_the_folder(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.jpg"
    secret.write_bytes((CORPUS / "assets" / "photo.jpg").read_bytes())
    project = tmp_path / "project"
    (project / "assets").mkdir(parents=True)
    os.symlink(secret, project / "assets" / "link.jpg")
    scene = project / "scene.yaml"
    scene.write_text(
        "photoplay: 1\nshots:\n  - background: {file: assets/link.jpg, licence: CC0}\n    duration: 2\n"
    )
    lines = _one_line_fast(scene)
    assert len(lines) == 1
    assert "symlink that points outside" in lines[0]
    assert lines[0].startswith(f"{scene}:3:24: error: shots[0].background.file:")


def test_deep_nesting_of_a_megabyte_does_not_recurse(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("photoplay: 1\nx: " + "[" * 500_000 + "\n")
    lines = _one_line_fast(path)
    assert len(lines) == 1 and "nesting deeper than 64" in lines[0]


PROBE = """
import resource, sys, time
from engine.errors import SceneError
from engine.spec import validate
import engine.spec.checks, jsonschema  # imports are not the input's fault
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
try:
    validate(sys.argv[1])
except SceneError as e:
    lines = e.lines()
print(len(lines), time.perf_counter() - t0,
      (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)
"""


@pytest.mark.parametrize("kind", ["alias-bomb", "depth-100", "fifty-mb", "etc-passwd", "symlink"])
def test_adversarial_inputs_use_little_memory(kind, tmp_path):
    if kind == "alias-bomb":
        path = CORPUS / "limit-alias-bomb.yaml"
    elif kind == "depth-100":
        path = CORPUS / "limit-depth-100.yaml"
    elif kind == "etc-passwd":
        path = CORPUS / "asset-etc-passwd.yaml"
    elif kind == "fifty-mb":
        path = tmp_path / "big.yaml"
        with path.open("wb") as f:
            f.truncate(50 * 1024 * 1024)
    else:
        (tmp_path / "assets").mkdir()
        os.symlink("/etc/hostname", tmp_path / "assets" / "p.jpg")
        path = tmp_path / "scene.yaml"
        path.write_text("photoplay: 1\nshots:\n  - {background: assets/p.jpg, duration: 1}\n")
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    ).stdout.split()
    n_lines, elapsed_s, peak_growth_mb = int(out[0]), float(out[1]), float(out[2])
    assert n_lines == 1
    assert elapsed_s < 1.0
    assert peak_growth_mb < 100.0
