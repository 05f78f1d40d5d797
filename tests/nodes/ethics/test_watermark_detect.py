"""Detection: the payload survives H.264, downscaling, crops and brightness; nothing else passes."""

import cv2
import numpy as np
import pytest
import skimage.data

from engine.errors import NodeError
from engine.nodes.ethics.ecc import conv_encode, payload_bits
from engine.nodes.ethics.watermark_detect import SCORE_THRESHOLD, detect
from engine.nodes.ethics.watermark_embed import embed_frame
from tests.nodes.ethics.clips import h264, moving_clip

PAYLOAD, KEY = 0x5EED0F1CE123, 7
SIZE, N_FRAMES = 360, 50  # 2 s at 25 fps


def _pan_clip(img, n_frames, px_per_frame):
    """A slow camera pan across the photo: (N, SIZE, SIZE, 3) uint8 frames."""
    big = cv2.resize(img, (int(SIZE * 1.4), int(SIZE * 1.4)), interpolation=cv2.INTER_AREA)
    frames = []
    for i in range(n_frames):
        x, y = round(i * px_per_frame), round(i * px_per_frame / 2)
        frames.append(np.ascontiguousarray(big[y : y + SIZE, x : x + SIZE]))
    return frames


@pytest.fixture(scope="module")
def clip():
    return _pan_clip(skimage.data.astronaut(), N_FRAMES, px_per_frame=0.5)


@pytest.fixture(scope="module")
def marked(clip):
    return [embed_frame(f, PAYLOAD, KEY, frame_index=i) for i, f in enumerate(clip)]


def _assert_found(frames):
    found = detect(frames, KEY)
    assert found.found, f"score {found.score:.2f}"
    assert found.payload == PAYLOAD
    assert found.score >= SCORE_THRESHOLD
    assert found.false_positive_p < 1e-6
    assert np.array_equal(found.bits, payload_bits(PAYLOAD))
    return found


def test_every_frame_keeps_40_db(clip, marked):
    for a, b in zip(clip, marked, strict=True):
        mse = np.mean((a.astype(np.float64) - b) ** 2)
        assert 10 * np.log10(255.0**2 / mse) >= 40.0


def test_found_untouched_with_all_raw_bits_right(marked):
    found = _assert_found(marked)
    assert np.array_equal(found.raw_bits, conv_encode(payload_bits(PAYLOAD)))
    assert found.period_px == pytest.approx((SIZE / 2, SIZE / 2), abs=0.5)
    assert found.bit_confidence.min() > 0.99


def test_found_after_h264_crf_28(marked):
    _assert_found(h264(marked, 28, preset="veryfast"))


def test_found_after_h264_crf_28_on_another_photo():
    clip = _pan_clip(skimage.data.coffee(), N_FRAMES, px_per_frame=0.5)
    _assert_found(
        h264([embed_frame(f, PAYLOAD, KEY, i) for i, f in enumerate(clip)], 28, preset="veryfast")
    )


def test_found_in_p_and_b_frames_of_a_moving_camera_at_crf_28():
    # x264 defaults (preset medium, keyint 250, B-frames): a 90-frame clip has its
    # only I-frame at 0, so frames 20-70 are all predicted, and the camera has
    # moved 20-70 px and zoomed 2-7% since the pattern was last coded whole.
    clip = moving_clip(skimage.data.astronaut(), 90, (640, 360), pan_px=1.0)
    marked = [embed_frame(f, PAYLOAD, KEY, i) for i, f in enumerate(clip)]
    _assert_found(h264(marked, 28)[20:70])


def test_found_after_half_size_downscale(marked):
    small = [cv2.resize(f, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA) for f in marked]
    found = _assert_found(small)
    assert found.period_px == pytest.approx((SIZE / 4, SIZE / 4), abs=0.5)


def test_found_after_ten_percent_crop(marked):
    y0, x0, side = 25, 11, int(SIZE * 0.9)
    cropped = [np.ascontiguousarray(f[y0 : y0 + side, x0 : x0 + side]) for f in marked]
    found = _assert_found(cropped)
    # The pattern keeps its size in px; only the frame shrank.
    assert found.period_px == pytest.approx((SIZE / 2, SIZE / 2), abs=1.0)


def test_found_after_crop_resized_back_to_full_size(marked):
    side = int(SIZE * 0.9)
    zoomed = [cv2.resize(f[10 : 10 + side, 20 : 20 + side], (SIZE, SIZE)) for f in marked]
    _assert_found(zoomed)


@pytest.mark.parametrize("gain", [0.9, 1.1])
def test_found_after_brightness_change(marked, gain):
    _assert_found([np.clip(f * np.float32(gain), 0, 255).astype(np.uint8) for f in marked])


def test_unmarked_video_is_not_found(clip):
    for key in (KEY, 1, 2, 3):
        found = detect(clip, key)
        assert not found.found and found.payload is None
        assert found.score < SCORE_THRESHOLD


def test_wrong_key_is_not_found(marked):
    for key in (KEY + 1, 12345):
        found = detect(marked, key)
        assert not found.found and found.payload is None
        assert abs(found.score) < SCORE_THRESHOLD


def test_bad_input_raises_node_error():
    with pytest.raises(NodeError, match="no frames"):
        detect([], KEY)
    with pytest.raises(NodeError, match="uint8 frames"):
        detect([np.zeros((64, 64), np.uint8)], KEY)
    with pytest.raises(NodeError, match="change size"):
        detect([np.zeros((64, 64, 3), np.uint8), np.zeros((80, 64, 3), np.uint8)], KEY)
