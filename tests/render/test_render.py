"""End-to-end renders: real MP4s, A/V sync, determinism, incremental re-renders."""

from __future__ import annotations

import numpy as np
import pytest

import engine
from engine.nodes.ethics.c2pa_sign import unsigned_view
from engine.nodes.output.probe import probe, read_audio, read_frames
from engine.render import render
from tests.render.scenes import FPS, SIZE, SR_HZ, flash_scene, photo_scene

FLASHES_S = [1.0, 2.0, 2.6]


def events_of(**kw):
    events = []
    return events, {"on_event": events.append, **kw}


def statuses(events, status):
    return [e for e in events if e.get("event") == "node" and e["status"] == status]


def test_flashes_and_clicks_stay_within_a_frame(tmp_path):
    scene = flash_scene(tmp_path / "sync", FLASHES_S, total_s=3.4)
    out = render(scene, tmp_path / "sync.mp4", cache_dir=tmp_path / "cache")
    info = probe(out.video)
    assert info["codecs"] == ["h264", "aac"]
    n_frames = info["video"]["n_frames"]
    expected_s = 3.4 + 1.0  # the shots plus the 1 s credits card
    assert abs(info["duration_s"] - expected_s) <= 1 / FPS
    assert abs(n_frames / FPS - expected_s) <= 1 / FPS

    luma = read_frames(out.video).astype(np.float32).mean(axis=(1, 2, 3))
    flash_frames = np.flatnonzero(luma > 128)
    assert len(flash_frames) == len(FLASHES_S)

    audio, sr, t0 = read_audio(out.video)
    assert sr == SR_HZ and abs(t0) < 1e-6
    loud = np.abs(audio).max(axis=1) > 0.05
    onsets = np.flatnonzero(loud & ~np.concatenate([[False], loud[:-1]]))
    onsets = onsets[np.concatenate([[True], np.diff(onsets) > SR_HZ // 10])]
    assert len(onsets) == len(FLASHES_S)
    offsets_s = onsets / SR_HZ - flash_frames / FPS
    assert np.all(np.abs(offsets_s) < 1 / FPS), offsets_s


def test_photo_story_renders_what_it_should(tmp_path):
    scene = photo_scene(tmp_path / "story", ["#203040"])
    out = render(scene, tmp_path / "out" / "story.mp4", cache_dir=tmp_path / "cache")
    info = probe(out.video)
    assert info["codecs"] == ["h264", "aac"]
    assert (info["video"]["width"], info["video"]["height"]) == tuple(SIZE)
    assert abs(info["duration_s"] - (1.0 + 0.6 + 1.0)) <= 1 / FPS
    assert out.provenance.exists()
    frames = read_frames(out.video)
    # The camera moves: the first and last frame of the photo shot differ.
    assert np.abs(frames[0].astype(int) - frames[24].astype(int)).mean() > 2
    # The label is drawn on every frame: its corner is never the plain background.
    corner = frames[:, -20:, -60:].astype(int)
    assert np.all(np.abs(corner - np.array([32, 48, 64])).max(axis=(1, 2, 3)) > 40)


def test_cold_renders_are_identical_and_second_render_runs_nothing(tmp_path):
    scene = photo_scene(tmp_path / "story", ["#102030", "#405060"])
    a = render(scene, tmp_path / "a" / "v.mp4", cache_dir=tmp_path / "cache_a")
    events, kw = events_of(cache_dir=tmp_path / "cache_b")
    b = render(scene, tmp_path / "b" / "v.mp4", **kw)
    assert unsigned_view(a.video) == unsigned_view(b.video)  # C2PA salts vary; all else equal
    np.testing.assert_array_equal(read_frames(a.video), read_frames(b.video))
    np.testing.assert_array_equal(read_audio(a.video)[0], read_audio(b.video)[0])
    assert statuses(events, "finished")

    events, kw = events_of(cache_dir=tmp_path / "cache_b")
    render(scene, tmp_path / "c" / "v.mp4", **kw)
    assert statuses(events, "finished") == [] and statuses(events, "started") == []
    assert unsigned_view(tmp_path / "c" / "v.mp4") == unsigned_view(a.video)


def test_editing_one_shot_reruns_only_its_segment_and_the_mux(tmp_path):
    folder = tmp_path / "story"
    scene = photo_scene(folder, ["#102030", "#405060", "#708090"])
    render(scene, tmp_path / "a.mp4", cache_dir=tmp_path / "cache")
    text = scene.read_text().replace("'#405060'", "'#a0b0c0'")
    scene.write_text(text)
    events, kw = events_of(cache_dir=tmp_path / "cache")
    render(scene, tmp_path / "b.mp4", **kw)
    ran = sorted((e["kind"], e["label"]) for e in statuses(events, "finished"))
    assert ran == [("output.mux", "final mux"), ("render.segment", "shot 3")]


def test_dask_backend_gives_the_same_video(tmp_path):
    distributed = pytest.importorskip("distributed")
    scene = photo_scene(tmp_path / "story", ["#102030"])
    local = render(scene, tmp_path / "local" / "v.mp4", cache_dir=tmp_path / "cache_local")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        remote = render(
            scene,
            tmp_path / "dask" / "v.mp4",
            cache_dir=tmp_path / "cache_dask",
            scheduler=cluster.scheduler_address,
        )
    assert unsigned_view(remote.video) == unsigned_view(local.video)


def test_provenance_is_embedded_and_beside(tmp_path):
    import json

    scene = photo_scene(tmp_path / "story", [])
    out = render(scene, tmp_path / "v.mp4", cache_dir=tmp_path / "cache")
    beside = json.loads(out.provenance.read_text())
    embedded = json.loads(probe(out.video)["metadata"]["comment"])
    # The file beside adds the timeline, known only after the graph ran (for qc).
    assert beside.pop("timeline")["duration_s"] > 0
    assert beside == embedded
    assert beside["scene"]["sha256"] == engine.validate(scene).source_sha256
    photo = next(a for a in beside["assets"] if a["path"] == "photo.jpg")
    assert len(photo["sha256"]) == 64 and photo["source"].startswith("scikit-image")
