"""The fingerprints' memo on disk: same fingerprints, keyed by each module's text."""

from __future__ import annotations

import json

import pytest

from engine.nodes import fingerprint, registry


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    """An empty memo folder and no fingerprint computed in this process yet."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))

    def clear():
        for fn in (fingerprint._memo, fingerprint._module, fingerprint.fingerprint):
            fn.cache_clear()
        fingerprint._memo_added.clear()

    clear()
    yield tmp_path / "photoplay" / "fingerprints.json"
    clear()


def test_a_remembered_fingerprint_is_the_parsed_one(fresh):
    fn = registry.get("render.segment").fn
    parsed = fingerprint.fingerprint(fn)
    assert fresh.is_file()
    fingerprint._module.cache_clear()
    fingerprint.fingerprint.cache_clear()
    assert fingerprint.fingerprint(fn) == parsed  # now from the memo


def test_the_memo_is_keyed_by_the_text_and_a_bad_file_is_ignored(fresh):
    fn = registry.get("image.load").fn
    parsed = fingerprint.fingerprint(fn)
    doc = json.loads(fresh.read_text())
    for key in doc["modules"]:
        doc["modules"][key][0] = "0" * 64  # a memo that lies about every module...
    fresh.write_text(json.dumps(doc | {"format": "0/old"}))  # ...in an old format
    fingerprint._memo.cache_clear()
    fingerprint._module.cache_clear()
    fingerprint.fingerprint.cache_clear()
    assert fingerprint.fingerprint(fn) == parsed
    fresh.write_text("not json")
    fingerprint._memo.cache_clear()
    fingerprint._module.cache_clear()
    fingerprint.fingerprint.cache_clear()
    assert fingerprint.fingerprint(fn) == parsed
    assert all(":" in key for key in json.loads(fresh.read_text())["modules"])
