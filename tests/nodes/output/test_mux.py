"""Segments -> mux -> decode: sync, lossless joining, faststart, metadata, determinism."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import av
import numpy as np
import pytest

from engine.errors import AssetError, NodeError
from engine.nodes.output.mux import mux, poster
from engine.nodes.output.probe import frame_times, probe, read_audio, read_frames
from engine.nodes.output.segment import SegmentWriter

FPS, SR_HZ = 25, 48000
SIZE = 64
FRAMES_PER_SEGMENT = 50
FLASH_FRAMES = [5, 37, 50, 74]  # 50 is the first frame of the second segment
N_FRAMES = 2 * FRAMES_PER_SEGMENT


def _frame(index: int) -> np.ndarray:
    """Dark moving texture; white on flash frames."""
    if index in FLASH_FRAMES:
        return np.full((SIZE, SIZE, 3), 255, np.uint8)
    ramp = (np.arange(SIZE)[None, :] + 2 * index) % 64
    frame = np.zeros((SIZE, SIZE, 3), np.uint8)
    frame[..., 0] = ramp
    frame[..., 2] = ramp.T
    return frame


def _write_segments(folder: Path) -> list[Path]:
    paths = []
    for k in range(2):
        path = folder / f"seg{k}.mp4"
        with SegmentWriter(path, SIZE, SIZE, FPS) as seg:
            for i in range(FRAMES_PER_SEGMENT):
                seg.write(_frame(k * FRAMES_PER_SEGMENT + i))
        paths.append(path)
    return paths


def _click_track() -> np.ndarray:
    """1 ms clicks at the flash instants, (n, 2) float32."""
    audio = np.zeros((round(N_FRAMES / FPS * SR_HZ), 2), np.float32)
    for f in FLASH_FRAMES:
        start = round(f / FPS * SR_HZ)
        audio[start : start + SR_HZ // 1000] = 0.8
    return audio


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("mux")
    segments = _write_segments(folder)
    manifest = json.dumps({"scene": "sync", "note": "é ✓ 日本"}, ensure_ascii=False)
    out = folder / "out.mp4"
    info = mux(segments, _click_track(), out, sr_hz=SR_HZ, metadata={"comment": manifest})
    return {"folder": folder, "segments": segments, "out": out, "info": info, "manifest": manifest}


def test_flashes_and_clicks_line_up(rendered):
    frames = read_frames(rendered["out"])
    times = frame_times(rendered["out"])
    lit = [i for i in range(len(frames)) if frames[i].mean() > 128]
    assert lit == FLASH_FRAMES
    audio, sr_hz, t0_sec = read_audio(rendered["out"])
    assert sr_hz == SR_HZ and t0_sec == 0.0
    level = np.abs(audio[:, 0])
    offsets = []
    for i in lit:
        expected = round(times[i] * SR_HZ)
        window = level[expected - 4000 : expected + 4000]
        onset = int(np.argmax(window > 0.4)) - 4000  # first sample above half the click
        offsets.append(onset)
    print("click onset - flash time, samples at 48 kHz:", offsets)
    samples_per_frame = SR_HZ / FPS
    assert all(abs(o) < samples_per_frame for o in offsets)
    # Tighter than a frame: a lost edit list would shift by 1024 priming samples.
    assert all(abs(o) <= 48 for o in offsets)


def test_probe_streams_and_duration(rendered):
    info = probe(rendered["out"])
    assert info["codecs"] == ["h264", "aac"]
    assert abs(info["duration_s"] - N_FRAMES / FPS) <= 1 / FPS
    assert info["video"]["n_frames"] == N_FRAMES
    assert info["video"]["fps"] == FPS
    assert info["audio"]["sr_hz"] == SR_HZ and info["audio"]["channels"] == 2
    assert info["audio"]["n_samples"] == N_FRAMES / FPS * SR_HZ
    audio, _, _ = read_audio(rendered["out"])
    assert len(audio) == N_FRAMES / FPS * SR_HZ


def test_join_copies_packets_without_reencoding(rendered):
    def packets(path):
        with av.open(str(path)) as container:
            return [bytes(p) for p in container.demux(video=0) if p.size]

    separate = [packets(p) for p in rendered["segments"]]
    assert packets(rendered["out"]) == separate[0] + separate[1]
    joined = read_frames(rendered["out"])
    parts = np.concatenate([read_frames(p) for p in rendered["segments"]])
    assert joined.shape == (N_FRAMES, SIZE, SIZE, 3)
    assert np.array_equal(joined, parts)


def _top_level_atoms(path: Path) -> list[str]:
    names, data, at = [], path.read_bytes(), 0
    while at < len(data):
        size, name = struct.unpack(">I4s", data[at : at + 8])
        if size == 1:  # 64-bit size follows
            size = struct.unpack(">Q", data[at + 8 : at + 16])[0]
        names.append(name.decode("ascii"))
        at += size if size else len(data) - at
    return names


def test_faststart_puts_moov_before_mdat(rendered, tmp_path):
    atoms = _top_level_atoms(rendered["out"])
    assert atoms.index("moov") < atoms.index("mdat")
    slow = tmp_path / "slow.mp4"
    mux(rendered["segments"], None, slow, faststart=False)
    atoms = _top_level_atoms(slow)
    assert atoms.index("moov") > atoms.index("mdat")
    assert probe(slow)["codecs"] == ["h264"]


def test_metadata_reads_back(rendered):
    comment = probe(rendered["out"])["metadata"]["comment"]
    assert comment == rendered["manifest"]
    assert json.loads(comment)["note"] == "é ✓ 日本"


def test_encode_and_mux_are_deterministic(rendered, tmp_path):
    segments = _write_segments(tmp_path)
    for mine, theirs in zip(segments, rendered["segments"], strict=True):
        assert mine.read_bytes() == theirs.read_bytes()
    out = tmp_path / "again.mp4"
    mux(segments, _click_track(), out, sr_hz=SR_HZ, metadata={"comment": rendered["manifest"]})
    assert out.read_bytes() == rendered["out"].read_bytes()
    assert np.array_equal(read_audio(out)[0], read_audio(rendered["out"])[0])


def test_audio_is_cut_and_padded_to_video_length(rendered, tmp_path):
    short = np.full((1000, 2), 0.25, np.float32)
    out = tmp_path / "short.mp4"
    mux(rendered["segments"], short, out)
    audio, _, _ = read_audio(out)
    assert len(audio) == N_FRAMES / FPS * SR_HZ
    assert np.abs(audio[SR_HZ:]).max() < 1e-3  # padded with silence
    long = np.zeros((10 * SR_HZ, 2), np.float32)
    mux(rendered["segments"], long, out)
    assert len(read_audio(out)[0]) == N_FRAMES / FPS * SR_HZ


def test_failed_mux_leaves_nothing(rendered, tmp_path):
    out = tmp_path / "bad.mp4"
    bad = np.full((1000, 2), np.nan, np.float32)
    with pytest.raises(NodeError, match="NaN"):
        mux(rendered["segments"], bad, out)
    with pytest.raises(NodeError, match=r"should be \(n, 2\)"):
        mux(rendered["segments"], np.zeros(100, np.float32), out)
    with pytest.raises(AssetError, match="segment not found"):
        mux([tmp_path / "missing.mp4"], None, out)
    with pytest.raises(NodeError, match="folder does not exist"):
        mux(rendered["segments"], None, tmp_path / "no" / "such" / "out.mp4")
    assert list(tmp_path.iterdir()) == []


def test_mismatched_segments_are_refused(rendered, tmp_path):
    other = tmp_path / "other.mp4"
    with SegmentWriter(other, 2 * SIZE, SIZE, FPS) as seg:
        seg.write(np.zeros((SIZE, 2 * SIZE, 3), np.uint8))
    with pytest.raises(NodeError, match="differs"):
        mux([rendered["segments"][0], other], None, tmp_path / "x.mp4")
    assert not (tmp_path / "x.mp4").exists()


def test_poster_png_round_trip(tmp_path):
    from PIL import Image

    frame = _frame(3)
    path = tmp_path / "poster.png"
    poster(frame, path)
    assert np.array_equal(np.asarray(Image.open(path)), frame)
    with pytest.raises(NodeError, match="uint8"):
        poster(frame.astype(np.float32), tmp_path / "p2.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["poster.png"]


@pytest.mark.parametrize(("fps", "sr_hz"), [(29.97, 44100), (24, 44100), (12.5, 48000)])
def test_odd_rates_keep_exact_lengths(tmp_path, fps, sr_hz):
    segments = []
    for k in range(3):
        path = tmp_path / f"s{k}.mp4"
        with SegmentWriter(path, 32, 32, fps) as seg:
            for i in range(17):
                seg.write(np.full((32, 32, 3), 10 * i, np.uint8))
        segments.append(path)
    out = tmp_path / "out.mp4"
    info = mux(segments, np.zeros((10, 2), np.float32), out, sr_hz=sr_hz)
    expected_s = 51 / info["fps"]
    assert info["n_audio_samples"] == round(expected_s * sr_hz)
    facts = probe(out)
    assert facts["video"]["n_frames"] == 51
    assert abs(facts["duration_s"] - expected_s) < 1e-3
    audio, _, t0_sec = read_audio(out)
    assert t0_sec == 0.0 and len(audio) == info["n_audio_samples"]
    times = frame_times(out)
    assert np.allclose(np.diff(times), 1 / float(info["fps"]), atol=1e-4)


def test_exception_mid_mux_leaves_nothing(rendered, tmp_path, monkeypatch):
    import engine.nodes.output.mux as mux_module

    real = mux_module._joined_packets

    def failing(paths, layout):
        for i, packet in enumerate(real(paths, layout)):
            if i == 60:
                raise OSError(28, "No space left on device")
            yield packet

    monkeypatch.setattr(mux_module, "_joined_packets", failing)
    out = tmp_path / "out.mp4"
    with pytest.raises(NodeError, match="No space left"):
        mux(rendered["segments"], _click_track(), out)
    assert list(tmp_path.iterdir()) == []


def test_audio_from_a_npy_file_gives_the_same_bytes(rendered, tmp_path):
    audio = np.concatenate([_click_track(), np.full((5000, 2), 0.3, np.float32)])  # cut
    np.save(tmp_path / "mix.npy", audio)
    from_file = tmp_path / "file.mp4"
    mux(rendered["segments"], tmp_path / "mix.npy", from_file, sr_hz=SR_HZ)
    in_memory = tmp_path / "memory.mp4"
    mux(rendered["segments"], audio, in_memory, sr_hz=SR_HZ)
    assert from_file.read_bytes() == in_memory.read_bytes()
    np.save(tmp_path / "nan.npy", np.full((1000, 2), np.nan, np.float32))
    with pytest.raises(NodeError, match="NaN"):
        mux(rendered["segments"], tmp_path / "nan.npy", tmp_path / "bad.mp4", sr_hz=SR_HZ)
    assert not (tmp_path / "bad.mp4").exists()
