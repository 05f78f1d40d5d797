"""SegmentWriter: frames in, H.264 MP4 out, atomic, deterministic."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from engine.errors import NodeError
from engine.nodes.output.probe import probe, read_frames
from engine.nodes.output.segment import SegmentWriter, as_rate


def _frames(n: int, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)
    return [np.roll(base, 2 * i, axis=1) for i in range(n)]


def test_writes_h264_yuv420p_with_every_frame(tmp_path):
    path = tmp_path / "seg.mp4"
    with SegmentWriter(path, 64, 48, 25) as seg:
        for frame in _frames(30):
            seg.write(frame)
    assert seg.n_frames == 30
    info = probe(path)
    assert info["codecs"] == ["h264"]
    assert info["video"]["pix_fmt"] == "yuv420p"
    assert (info["video"]["width"], info["video"]["height"]) == (64, 48)
    assert info["video"]["n_frames"] == 30
    assert abs(info["duration_s"] - 30 / 25) < 1e-6


def test_flat_colours_survive_the_colour_conversion(tmp_path):
    colours = [(200, 50, 100), (0, 0, 0), (255, 255, 255), (20, 220, 30), (10, 10, 240)]
    path = tmp_path / "flat.mp4"
    with SegmentWriter(path, 32, 32, 25, crf=10) as seg:
        for colour in colours:
            seg.write(np.full((32, 32, 3), colour, np.uint8))
    decoded = read_frames(path)[:, 16, 16].astype(int)
    assert np.abs(decoded - np.array(colours)).max() <= 3


def test_same_frames_give_same_bytes(tmp_path):
    paths = [tmp_path / "a.mp4", tmp_path / "b.mp4"]
    for path in paths:
        with SegmentWriter(path, 64, 48, 25) as seg:
            for frame in _frames(20):
                seg.write(frame)
    assert paths[0].read_bytes() == paths[1].read_bytes()


def test_exception_mid_write_leaves_no_file(tmp_path):
    path = tmp_path / "seg.mp4"
    with pytest.raises(RuntimeError, match="boom"), SegmentWriter(path, 64, 48, 25) as seg:
        for i, frame in enumerate(_frames(10)):
            if i == 5:
                raise RuntimeError("boom")
            seg.write(frame)
    assert list(tmp_path.iterdir()) == []


def test_bad_frames_and_sizes_raise_clear_errors(tmp_path):
    with pytest.raises(NodeError, match="even"):
        SegmentWriter(tmp_path / "odd.mp4", 63, 48, 25)
    path = tmp_path / "seg.mp4"
    with (
        pytest.raises(NodeError, match=r"should be \(48, 64, 3\) uint8"),
        SegmentWriter(path, 64, 48, 25) as seg,
    ):
        seg.write(np.zeros((48, 64, 3), np.float32))
    with pytest.raises(NodeError, match="no frames"), SegmentWriter(path, 64, 48, 25):
        pass
    assert list(tmp_path.iterdir()) == []


def test_frame_rates_are_exact():
    assert as_rate(25) == 25
    assert as_rate(29.97) == as_rate("30000/1001")
    assert as_rate(12.5) == 12.5
    with pytest.raises(NodeError, match="fps"):
        as_rate(0)


_SLOW_WRITER = """
import sys, time
import numpy as np
from engine.nodes.output.segment import SegmentWriter
with SegmentWriter(sys.argv[1], 64, 48, 25) as seg:
    frame = np.zeros((48, 64, 3), np.uint8)
    while True:
        seg.write(frame)
        time.sleep(0.01)
"""


def test_sigkill_mid_write_leaves_nothing_at_the_path(tmp_path):
    path = tmp_path / "killed.mp4"
    root = Path(__file__).resolve().parents[3]
    proc = subprocess.Popen(
        [sys.executable, "-c", _SLOW_WRITER, str(path)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    try:
        deadline = time.monotonic() + 30
        while not any(
            p.name.endswith(".part") and p.stat().st_size > 0 for p in tmp_path.iterdir()
        ):
            assert time.monotonic() < deadline, "writer never started"
            assert proc.poll() is None, "writer exited early"
            time.sleep(0.05)
        time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert not path.exists()
