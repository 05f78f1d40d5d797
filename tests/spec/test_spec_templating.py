"""``${var}`` templating, --set, variants CSV rows, and extends."""

from __future__ import annotations

import pytest

from engine.errors import SceneError
from engine.spec import load, validate

SCENE = """\
photoplay: 1
title: "Hello ${name}, from ${city:-Naples}"
vars: {name: friend, fps: 30}
output: {fps: "${fps}", seed: "${seed:-4}"}
shots:
  - duration: 2
    title: "$${literal} and ${name}"
"""


def test_vars_defaults_and_typed_whole_strings(project):
    doc = load(project("s.yaml", SCENE))
    assert doc.data["title"] == "Hello friend, from Naples"
    assert doc.data["output"] == {"fps": 30, "seed": 4}
    assert doc.data["shots"][0]["title"] == "${literal} and friend"
    assert doc.vars == {"name": "friend", "fps": 30}


def test_set_overrides_and_is_typed(project):
    doc = load(project("s.yaml", SCENE), sets={"name": "Ada", "fps": "24", "city": "Rome"})
    assert doc.data["title"] == "Hello Ada, from Rome"
    assert doc.data["output"]["fps"] == 24
    assert doc.data["vars"]["fps"] == 24


def test_variants_row_overrides_set(project):
    path = project("s.yaml", SCENE)
    csv = project("v.csv", "name,fps\nAda,12\nLinus,50\n")
    doc = load(path, sets={"name": "X"}, variants=csv, row=2)
    assert doc.data["title"].startswith("Hello Linus")
    assert doc.data["output"]["fps"] == 50


def test_variant_rows_give_different_hashes(project):
    path = project("s.yaml", SCENE)
    csv = project("v.csv", "name\nAda\nLinus\n")
    a, b = (load(path, variants=csv, row=r).source_sha256 for r in (1, 2))
    assert a != b and a == load(path, variants=csv, row=1).source_sha256


@pytest.mark.parametrize("row", [0, 3])
def test_row_out_of_range(project, row):
    csv = project("v.csv", "name\nAda\nLinus\n")
    with pytest.raises(SceneError) as info:
        load(project("s.yaml", SCENE), variants=csv, row=row)
    d = info.value.diagnostics[0]
    assert d.code == "var.row" and "2 rows" in d.message


def test_bad_csv_header(project):
    csv = project("v.csv", "first name\nAda\n")
    with pytest.raises(SceneError) as info:
        load(project("s.yaml", SCENE), variants=csv, row=1)
    assert info.value.diagnostics[0].code == "var.name"


def test_undefined_var_reports_each_string_with_did_you_mean(project):
    path = project(
        "s.yaml",
        "photoplay: 1\nvars: {name: a}\ntitle: ${nmae}\nshots:\n  - {duration: 1, title: '${zzz}'}\n",
    )
    with pytest.raises(SceneError) as info:
        load(path)
    d1, d2 = info.value.diagnostics
    assert (d1.code, d1.line, d1.col, d1.path) == ("var.undefined", 3, 8, "title")
    assert "did you mean 'name'?" in d1.hint
    assert (d2.line, d2.path) == (5, "shots[0].title")


def test_extends_merges_maps_replaces_lists_and_keeps_positions(project, character):
    project(
        "parts/base.yaml",
        "photoplay: 1\ntitle: base\noutput: {fps: 30, seed: 1}\n"
        + character.replace("assets/photo.jpg", "../assets/photo.jpg")
        + "shots:\n  - {duration: 1}\n  - {duration: 2}\n",
    )
    path = project(
        "s.yaml",
        """\
        extends: parts/base.yaml
        output: {seed: 9}
        shots:
          - cast: [rosa]
            do:
              - say: {who: rosa, text: hi}
        """,
    )
    doc = load(path)
    assert doc.data["output"] == {"fps": 30, "seed": 9}
    assert len(doc.data["shots"]) == 1 and "extends" not in doc.data
    fps = doc.where(("output", "fps"))
    assert fps.file.endswith("parts/base.yaml") and fps.line == 3
    assert doc.where(("output", "seed")).file == str(path)
    # the base's relative photo path resolves against the base's folder
    scene = validate(doc)
    assert scene.characters["rosa"].photo.path == project.root / "assets" / "photo.jpg"
    assert scene.characters["rosa"].photo.rel == "../assets/photo.jpg"


def test_extends_cycle_is_named(project):
    project("a.yaml", "extends: b.yaml\n")
    project("b.yaml", "extends: a.yaml\n")
    with pytest.raises(SceneError) as info:
        load(project.root / "a.yaml")
    d = info.value.diagnostics[0]
    assert d.code == "extends.cycle" and "a.yaml -> b.yaml -> a.yaml" in d.message


def test_extends_outside_the_project_folder(project):
    project("sub/s.yaml", "extends: ../base.yaml\nphotoplay: 1\n")
    project("base.yaml", "photoplay: 1\nshots: [{duration: 1}]\n")
    with pytest.raises(SceneError) as info:
        load(project.root / "sub" / "s.yaml")
    assert info.value.diagnostics[0].code == "extends.outside-project"


def test_variable_from_child_fills_base_string(project):
    project("base.yaml", "photoplay: 1\ntitle: 'for ${who}'\nshots: [{duration: 1}]\n")
    doc = load(project("s.yaml", "extends: base.yaml\nvars: {who: Ada}\n"))
    assert doc.data["title"] == "for Ada"


def test_huge_integers_from_set_csv_and_defaults_are_diagnostics(project):
    # Over 4,300 digits Python's int() raises a ValueError (an internal error before).
    huge = "7" * 5000
    path = project("s.yaml", SCENE)
    with pytest.raises(SceneError) as info:
        load(path, sets={"seed": huge})
    assert info.value.diagnostics[0].code == "limit.number"
    assert info.value.diagnostics[0].file == "<--set>"
    csv = project("v.csv", f"name,seed\nAda,{huge}\n")
    with pytest.raises(SceneError) as info:
        load(path, variants=csv, row=1)
    assert (info.value.diagnostics[0].code, info.value.diagnostics[0].line) == ("limit.number", 2)
    default = project("d.yaml", SCENE.replace("${seed:-4}", "${seed:-" + "9" * 309 + "}"))
    with pytest.raises(SceneError) as info:
        load(default)
    found = info.value.diagnostics[0]
    assert (found.code, found.path, found.line) == ("limit.number", "output.seed", 4)
