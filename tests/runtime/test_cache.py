"""The cache holds data, not code; anything it cannot vouch for is rebuilt; it owns its folder."""

from __future__ import annotations

import hashlib
import json
import pickle
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from engine.cli.main import run as cli
from engine.errors import PhotoplayError
from engine.graph import Graph
from engine.nodes.registry import Artifact
from engine.nodes.speech.tts import Speech
from engine.nodes.timeline.shot import ActionTime, ShotTiming
from engine.runtime import codec
from engine.runtime.cache import INTEGRITY_FILE, MARKER_FILE, Cache
from engine.runtime.scheduler import InlineBackend, plan, run
from tests.runtime import toy_nodes  # noqa: F401  (registers the test kinds)


def noise_graph() -> tuple[Graph, str]:
    g = Graph()
    g.outputs["f"] = key = g.add("test.noise_file", 1, {"seed": 3, "n_bytes": 4096})
    return g, key


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Payload:
    """Unpickling this runs code: it writes the file named in ``marker``."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "pwned"))


# --- no code from the cache ------------------------------------------------------------


def test_a_crafted_pickle_entry_is_rebuilt_and_never_run(tmp_path):
    cache = Cache(tmp_path / "cache")
    graph, key = noise_graph()
    folder = cache.entry_dir(key)
    folder.mkdir(parents=True)
    marker = tmp_path / "payload-ran"
    # The entry as the old cache wrote it: a pickle and its sha256 beside it.
    (folder / "value.pkl").write_bytes(pickle.dumps(Payload(marker)))
    (folder / INTEGRITY_FILE).write_text(json.dumps({"value.pkl": sha256(folder / "value.pkl")}))

    assert plan(graph, cache) == {key: "run"}
    value = run(graph, cache, backend=InlineBackend())[key]
    assert value["file"].read_bytes() == np.random.default_rng(3).bytes(4096)
    assert not marker.exists()
    assert not (folder / "value.pkl").exists()  # the crafted entry is gone


def test_an_entry_in_the_new_format_without_the_secret_is_rebuilt(tmp_path):
    """Right hashes, a made-up HMAC: someone who can write the cache but not read the secret."""
    cache = Cache(tmp_path / "cache")
    graph, key = noise_graph()
    run(graph, cache, backend=InlineBackend())
    folder = cache.entry_dir(key)
    (folder / "noise.bin").write_bytes(b"forged")
    record = json.loads((folder / INTEGRITY_FILE).read_text())
    record["files"]["noise.bin"] = sha256(folder / "noise.bin")
    record["mac"] = "0" * 64
    (folder / INTEGRITY_FILE).write_text(json.dumps(record))

    assert plan(graph, cache) == {key: "run"}
    again = run(graph, cache, backend=InlineBackend())[key]
    assert again["file"].read_bytes() == np.random.default_rng(3).bytes(4096)


def test_entries_made_under_another_secret_are_not_trusted(tmp_path, monkeypatch):
    graph, key = noise_graph()
    run(graph, Cache(tmp_path / "cache"), backend=InlineBackend())
    assert plan(graph, Cache(tmp_path / "cache")) == {key: "cached"}
    monkeypatch.setenv("PHOTOPLAY_CACHE_KEY_FILE", str(tmp_path / "other.key"))
    assert plan(graph, Cache(tmp_path / "cache")) == {key: "run"}


def test_the_secret_is_made_once_outside_the_cache_and_private(tmp_path, monkeypatch):
    monkeypatch.setenv("PHOTOPLAY_CACHE_KEY_FILE", str(tmp_path / "config" / "cache.key"))
    cache = Cache(tmp_path / "cache")
    secret = cache.secret
    path = tmp_path / "config" / "cache.key"
    assert path.stat().st_mode & 0o777 == 0o600
    assert len(secret) == 32 and Cache(tmp_path / "cache").secret == secret
    assert not any(secret.hex() in p.read_text(errors="ignore") for p in _files(tmp_path / "cache"))


def test_a_crafted_value_cannot_name_a_class_to_build(tmp_path):
    (tmp_path / codec.VALUE_FILE).write_text(
        json.dumps({"$type": "subprocess:Popen", "fields": {"args": ["touch", "x"]}})
    )
    with pytest.raises(codec.CodecError, match="not a node value type"):
        codec.load(tmp_path)


def test_arrays_of_objects_are_refused_when_stored(tmp_path):
    with pytest.raises(codec.CodecError, match="Python objects"):
        codec.dump({"a": np.array([{"x": 1}], dtype=object)}, tmp_path)


def test_an_unlisted_type_fails_loudly_when_stored(tmp_path):
    class Stranger:
        pass

    with pytest.raises(codec.CodecError, match="cannot store"):
        codec.dump([Stranger()], tmp_path)


def test_values_come_back_exactly(tmp_path):
    timing = ShotTiming(2.0, 50, 25, (ActionTime(0, "say", 0.0, 1.5),))
    speech = Speech(np.linspace(-1, 1, 7, dtype=np.float32), 22050, [(0.0, 0.1, "_")], [], "v")
    value = {
        "timing": timing,
        "speech": speech,
        "cues": [(0.0, 1.0, "hi")],
        "by_index": {1: "a", (2, 3): "b", "$odd": None},
        "scalars": [np.float32(0.5), np.int64(-3), np.bool_(True), 1.5, True, None, float("nan")],
        "arrays": (np.arange(6, dtype=np.int16).reshape(2, 3), np.zeros((0, 2), np.float64)),
        "file": Artifact("segment.mp4"),
        "path": Path("/tmp/x:1.wav"),
        "big": 10**40,
        "time_base": Fraction(1, 12800),
    }
    codec.dump(value, tmp_path)
    back = codec.load(tmp_path)

    assert back["timing"] == timing and type(back["timing"].actions) is tuple
    np.testing.assert_array_equal(back["speech"].audio, speech.audio)
    assert back["speech"].audio.dtype == np.float32 and back["speech"].phonemes == [(0.0, 0.1, "_")]
    assert back["cues"] == [(0.0, 1.0, "hi")]
    assert back["by_index"] == {1: "a", (2, 3): "b", "$odd": None}
    kinds = [type(v) for v in back["scalars"]]
    assert kinds == [np.float32, np.int64, np.bool_, float, bool, type(None), float]
    assert np.isnan(back["scalars"][-1])
    assert type(back["arrays"]) is tuple and back["arrays"][0].dtype == np.int16
    np.testing.assert_array_equal(back["arrays"][0], value["arrays"][0])
    assert back["arrays"][1].shape == (0, 2)
    assert back["file"] == Artifact("segment.mp4") and back["path"] == value["path"]
    assert back["big"] == 10**40
    assert back["time_base"] == Fraction(1, 12800) and type(back["time_base"]) is Fraction


# --- an unusable integrity record means: rebuild ----------------------------------------


def _spoil_record(folder: Path, how: str) -> None:
    record = folder / INTEGRITY_FILE
    if how == "folder inside":
        (folder / "sub").mkdir()
    elif how == "extra file":
        (folder / "extra.bin").write_bytes(b"not listed")
    elif how == "value missing":
        (folder / codec.VALUE_FILE).unlink()
    elif how == "not utf-8":
        record.write_bytes(b"\xff\xfe{")
    else:
        record.write_text(how)


@pytest.mark.parametrize(
    "how",
    ["[]", "42", "{}", "null", '"text"', '{"files": []}', "{not json", "not utf-8",
     "folder inside", "extra file", "value missing"],
)  # fmt: skip
def test_an_unusable_entry_is_rebuilt_never_trusted(tmp_path, how):
    cache = Cache(tmp_path / "cache")
    graph, key = noise_graph()
    run(graph, cache, backend=InlineBackend())
    folder = cache.entry_dir(key)
    (folder / "noise.bin").write_bytes(b"corrupt")  # what a disabled check would let through
    _spoil_record(folder, how)

    assert plan(graph, cache) == {key: "run"}
    value = run(graph, cache, backend=InlineBackend())[key]
    assert value["file"].read_bytes() == np.random.default_rng(3).bytes(4096)
    assert plan(graph, cache) == {key: "cached"}


# --- the cache owns its folder -----------------------------------------------------------


def test_a_new_cache_folder_is_marked(tmp_path):
    Cache(tmp_path / "new")
    assert (tmp_path / "new" / MARKER_FILE).read_text().startswith("Signature: 8a477f597d28d172")
    Cache(tmp_path / "new")  # and used again


def test_an_ordinary_folder_is_neither_used_nor_pruned(tmp_path, capsys):
    folder = tmp_path / "photos"
    for name in ("ab", "2024", "holiday"):
        (folder / name).mkdir(parents=True)
        (folder / name / "keep.jpg").write_bytes(b"jpeg")
    with pytest.raises(PhotoplayError, match="not a Photoplay cache"):
        Cache(folder)

    assert cli(["cache", "prune", "--cache", str(folder), "--all"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not a Photoplay cache folder" in err[0]
    assert sorted(p.name for p in folder.iterdir()) == ["2024", "ab", "holiday"]
    assert (folder / "ab" / "keep.jpg").exists()
    assert not (folder / MARKER_FILE).exists()


def test_render_refuses_a_cache_that_is_not_one(tmp_path, capsys):
    from tests.render.scenes import photo_scene

    scene = photo_scene(tmp_path / "story", [])
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "letter.txt").write_text("dear")
    out = tmp_path / "v.mp4"
    assert cli(["render", str(scene), "-o", str(out), "--cache", str(folder)]) == 2
    assert "not a Photoplay cache folder" in capsys.readouterr().err
    assert not out.exists() and sorted(p.name for p in folder.iterdir()) == ["letter.txt"]


def test_prune_all_empties_a_marked_cache(tmp_path):
    cache = Cache(tmp_path / "cache")
    run(noise_graph()[0], cache, backend=InlineBackend())
    assert cli(["cache", "prune", "--cache", str(tmp_path / "cache"), "--all"]) == 0
    assert cache.stats().entries == 0 and (tmp_path / "cache" / MARKER_FILE).exists()


def test_prune_of_a_missing_folder_creates_nothing(tmp_path, capsys):
    assert cli(["cache", "prune", "--cache", str(tmp_path / "nowhere"), "--all"]) == 2
    assert "no cache at" in capsys.readouterr().err and not (tmp_path / "nowhere").exists()


def test_a_cache_made_before_marking_is_adopted(tmp_path):
    root = tmp_path / "old"
    key = "ab" + "0" * 62
    (root / "ab" / key).mkdir(parents=True)
    (root / "ab" / key / "value.pkl").write_bytes(b"old")
    (root / "locks").mkdir()
    (root / "locks" / f"{key}.lock").touch()
    Cache(root)
    assert (root / MARKER_FILE).exists()


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]
