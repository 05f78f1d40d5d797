"""RGB -> yuv420p kernel: equal to its NumPy reference and to swscale's bit-exact mode."""

import av
import numpy as np
import pytest
import skimage.data

from engine.errors import NodeError
from engine.nodes.output.segment import SegmentWriter
from engine.nodes.output.yuv import rgb_to_yuv420_reference, swscale_yuv420, to_yuv420


def _frames():
    rng = np.random.default_rng(0)
    astronaut = skimage.data.astronaut()
    return {
        "noise_720x1280": rng.integers(0, 256, (720, 1280, 3), dtype=np.uint8),
        "noise_8x2": rng.integers(0, 256, (8, 2, 3), dtype=np.uint8),
        "noise_366x642": rng.integers(0, 256, (366, 642, 3), dtype=np.uint8),
        "saturated": (rng.integers(0, 2, (96, 130, 3)) * 255).astype(np.uint8),
        "black": np.zeros((64, 64, 3), np.uint8),
        "white": np.full((64, 64, 3), 255, np.uint8),
        "astronaut": np.ascontiguousarray(astronaut[:510, :400]),
    }


@pytest.mark.parametrize("name", list(_frames()))
def test_kernel_equals_swscale_and_reference(name):
    rgb = _frames()[name]
    before = rgb.copy()
    out = to_yuv420(rgb)
    assert np.array_equal(out, swscale_yuv420(rgb))
    y, u, v = rgb_to_yuv420_reference(rgb)
    assert np.array_equal(out, np.concatenate([y.ravel(), u.ravel(), v.ravel()]).reshape(out.shape))
    assert np.array_equal(rgb, before)


def test_random_sizes_equalswscale_yuv420():
    rng = np.random.default_rng(1)
    for _ in range(20):
        h, w = 2 * int(rng.integers(4, 120)), 2 * int(rng.integers(1, 200))
        rgb = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        assert np.array_equal(to_yuv420(rgb), swscale_yuv420(rgb)), (h, w)


def test_odd_sizes_are_refused():
    with pytest.raises(NodeError, match="even"):
        to_yuv420(np.zeros((64, 63, 3), np.uint8))


def test_segment_bytes_equal_the_swscale_path(tmp_path):
    """SegmentWriter converts with the kernel; the file is the one swscale gave.

    One encoder thread: in 1 of 2 full-suite runs and 1 of 4 runs of tests/nodes the third file differed
    with x264's 4 threads (never in 300 encodes alone): a determinism question for the
    encoder, separate from the conversion this test is about (issue 15 note).
    """
    rng = np.random.default_rng(2)
    base = rng.integers(0, 256, (72, 96, 3), dtype=np.uint8)
    frames = [np.roll(base, 3 * i, axis=1) for i in range(12)]
    with SegmentWriter(tmp_path / "kernel.mp4", 96, 72, 25, threads=1) as seg:
        for frame in frames:
            seg.write(frame)
    with SegmentWriter(tmp_path / "swscale.mp4", 96, 72, 25, threads=1) as seg:
        for frame in frames:
            picture = av.VideoFrame.from_ndarray(swscale_yuv420(frame), format="yuv420p")
            seg._encode_frame(picture)
    with SegmentWriter(tmp_path / "yuv.mp4", 96, 72, 25, threads=1) as seg:
        for frame in frames:
            seg.write_yuv420(to_yuv420(frame, seg.yuv_buffer()))
    kernel = (tmp_path / "kernel.mp4").read_bytes()
    assert kernel == (tmp_path / "swscale.mp4").read_bytes()
    assert kernel == (tmp_path / "yuv.mp4").read_bytes()


def test_write_yuv420_checks_its_shape(tmp_path):
    with (
        pytest.raises(NodeError, match=r"yuv420p frame should be \(72, 64\) uint8"),
        SegmentWriter(tmp_path / "seg.mp4", 64, 48, 25) as seg,
    ):
        seg.write_yuv420(np.zeros((48, 64), np.uint8))


def test_a_frame_too_short_for_the_kernel_goes_through_swscale(tmp_path):
    """Below 8 rows the writer converts with ``swscale_yuv420``: the same file as
    encoding that function's planes directly."""
    rng = np.random.default_rng(3)
    frames = [rng.integers(0, 256, (4, 32, 3), dtype=np.uint8) for _ in range(3)]
    with SegmentWriter(tmp_path / "writer.mp4", 32, 4, 25, threads=1) as seg:
        for frame in frames:
            seg.write(frame)
    with SegmentWriter(tmp_path / "planes.mp4", 32, 4, 25, threads=1) as seg:
        for frame in frames:
            seg.write_yuv420(swscale_yuv420(frame))
    assert (tmp_path / "writer.mp4").read_bytes() == (tmp_path / "planes.mp4").read_bytes()
