"""Property: no input makes ``photoplay validate`` crash.

Over 2,000 generated inputs (mutated example scenes: keys dropped, renamed or
duplicated, values replaced by wrong types and hostile strings; and random
YAML-ish text) go through the CLI's own entry point in-process. Each run
must exit 0 or 2 and never print a traceback or an internal error.
"""

from __future__ import annotations

import contextlib
import copy
import io
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.cli.main import run

SCENES = Path(__file__).resolve().parents[2] / "scenes"
EXAMPLES = [yaml.safe_load(p.read_text()) for p in sorted(SCENES.glob("*.yaml"))]
N_EXAMPLES = 2100

HOSTILE = [
    "../../etc/passwd",
    "/etc/hostname",
    "assets/astronaut.jpg",
    "assets/music-120bpm.wav",
    "assets",
    "${x}",
    "${name:-${y}}",
    "$${x}",
    "#12345",
    "#ffffff",
    "",
    " ",
    "\x00",
    "rosa",
    "eileen",
    "off",
    "ü" * 300,
    "2026-13-45",
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(HOSTILE),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*path, i))


def _parent(data, path):
    for part in path[:-1]:
        data = data[part]
    return data


@st.composite
def mutated_scene(draw) -> str:
    data = yaml.safe_load(yaml.safe_dump(draw(st.sampled_from(EXAMPLES))))
    for _ in range(draw(st.integers(1, 4))):
        paths = [p for p in _paths(data) if p]
        if not paths or not isinstance(data, dict):
            break
        path = draw(st.sampled_from(paths))
        parent, key = _parent(data, path), path[-1]
        op = draw(st.sampled_from(["drop", "replace", "replace", "rename", "copy"]))
        if op == "drop":
            del parent[key]
        elif op == "replace":
            parent[key] = draw(values)
        elif op == "rename" and isinstance(parent, dict):
            parent[draw(st.text(max_size=10) | st.sampled_from(HOSTILE))] = parent.pop(key)
        elif op == "copy":
            other = copy.deepcopy(_parent(data, draw(st.sampled_from(paths)) + ("",)))
            if isinstance(parent, list):
                parent.append(other)
            else:
                parent[key] = other
    return yaml.safe_dump(data, allow_unicode=True)


yaml_text = st.lists(
    st.sampled_from(
        list("{}[]:,-&*!|>'\"#%@` \n\tabcxyz019$.<~?") + ["photoplay: 1\n", "shots:\n", "  - "]
    ),
    max_size=80,
).map("".join)
inputs = st.one_of(mutated_scene(), mutated_scene(), mutated_scene(), yaml_text)
flags = st.sampled_from(
    [[], ["--strict"], ["--json"], ["--set", "name=x"], ["--max-duration", "10"]]
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("prop")
    shutil.copytree(SCENES / "assets", root / "assets")
    (root / "campaign-base.yaml").write_text((SCENES / "campaign-base.yaml").read_text())
    return root


def _run(argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(argv)
    return code, out.getvalue() + err.getvalue()


@settings(
    max_examples=N_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=inputs, extra=flags)
def test_validate_never_crashes(folder, text, extra):
    scene = folder / "case.yaml"
    scene.write_text(text, encoding="utf-8")
    code, output = _run(["validate", str(scene), *extra])
    assert code in (0, 2), output
    assert "Traceback" not in output and "internal error" not in output, output
    if code == 2 and "--json" not in extra:
        # Diagnostics name the file: the scene, or a file it extends (a base that is not
        # UTF-8 text is reported as itself).
        assert f"{scene}:" in output or "extends" in text and f"{folder}/" in output, output


def test_the_property_exercises_both_outcomes(folder):
    """The generator is not trivially all-valid or all-invalid."""
    codes = set()
    for i, example in enumerate(EXAMPLES):
        scene = folder / f"ok{i}.yaml"
        scene.write_text(yaml.safe_dump(example), encoding="utf-8")
        codes.add(_run(["validate", str(scene)])[0])
    scene = folder / "bad.yaml"
    scene.write_text("photoplay: 2\n")
    codes.add(_run(["validate", str(scene)])[0])
    assert codes == {0, 2}
