"""Cache keys change with the code a node runs and the model files it reads, by themselves."""

from __future__ import annotations

import ast

import pytest

from engine.models.store import manifest
from engine.nodes import fingerprint, registry
from engine.nodes.fingerprint import closure, module_file, normalised


def test_comments_and_docstrings_do_not_count_but_code_does():
    code = 'def f(x):\n    """Scale."""\n    return 2 * x  # double\n'
    assert normalised(code) == normalised("def f(x):\n    return 2 * x\n")
    assert normalised(code) != normalised("def f(x):\n    return 3 * x\n")


def test_a_kind_reaches_the_helpers_it_runs():
    face_find = registry.get("face.find").fn
    modules = closure(face_find)
    assert "engine.nodes.face.detect" in modules  # imported inside the kind
    assert "engine.models.litert" in modules  # imported by what it imports
    assert "engine.nodes.kinds" not in modules and "engine.nodes.registry" not in modules


def test_editing_a_helper_deep_below_a_node_changes_its_identity(monkeypatch):
    kind = "face.find"
    before = registry.identity(kind)
    helper = "engine.models.litert"  # two imports below the kind
    assert helper in closure(registry.get(kind).fn)
    real = fingerprint._module

    def edited(name):
        digest, imports = real(name)
        return (digest[::-1] if name == helper else digest), imports

    monkeypatch.setattr(fingerprint, "_module", edited)
    registry.identity.cache_clear()
    fingerprint.fingerprint.cache_clear()
    try:
        assert registry.identity(kind) != before
        assert registry.identity("audio.mix") == registry.identity("audio.mix")
    finally:
        registry.identity.cache_clear()
        fingerprint.fingerprint.cache_clear()


def test_a_different_model_file_changes_the_identity(monkeypatch):
    before = registry.identity("body.find")
    real = fingerprint.model_records

    def other(names):
        return [r | {"sha256": "0" * 64} for r in real(names)]

    monkeypatch.setattr(fingerprint, "model_records", other)
    registry.identity.cache_clear()
    try:
        assert registry.identity("body.find") != before
        assert registry.identity("audio.mix").split(".")[0] == str(
            registry.get("audio.mix").version
        )
    finally:
        registry.identity.cache_clear()


def _string_literals(module: str) -> set[str]:
    tree = ast.parse(module_file(module).read_text(encoding="utf-8"))
    return {
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


@pytest.mark.parametrize("kind", sorted(registry.kinds()))
def test_every_model_a_kind_reads_is_declared(kind):
    """A model named anywhere in the code a kind runs must be in its ``models=``."""
    found = registry.get(kind)
    names = set(manifest()["models"])
    literals = set()
    for module in closure(found.fn):
        literals |= _string_literals(module)
    used = literals & names
    if "visemes.pt" in literals:
        used.add("visemes/visemes.pt")
    assert used <= set(found.models), f"{kind} runs {sorted(used - set(found.models))}"


def test_the_provenance_names_the_models_a_scene_runs(tmp_path):
    import shutil

    from matplotlib import cbook

    import engine
    from tests.render.scenes import base_doc, write_scene

    shutil.copy(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False), tmp_path / "grace.jpg")
    doc = base_doc(
        [{"cast": ["g"], "do": [{"say": {"who": "g", "text": "Hello."}}]}],
        characters={
            "g": {
                "photo": {"file": "grace.jpg", "source": "matplotlib sample data"},
                "consent": {"basis": "public-domain", "source": "US Navy", "scope": ["speech"]},
            }
        },
    )
    compiled = engine.compile(engine.validate(write_scene(tmp_path, doc)))
    models = {m["name"]: m for m in compiled.manifest["models"]}
    assert {"face_landmark", "face_detection_short_range"} <= set(models)
    assert models["face_landmark"]["sha256"] == manifest()["models"]["face_landmark"]["sha256"]
    assert "visemes/visemes.pt" in models and len(models["visemes/visemes.pt"]["sha256"]) == 64
