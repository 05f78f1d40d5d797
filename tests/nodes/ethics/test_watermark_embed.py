"""Embedding: kernels equal their NumPy references, the mark is invisible, bad input is refused."""

import numpy as np
import pytest
import skimage.data

from engine.errors import NodeError
from engine.nodes.ethics.watermark import axis_cells, carrier_tile, cell_px
from engine.nodes.ethics.watermark_embed import (
    DITHER_TABLE,
    add_pattern,
    add_pattern_reference,
    amplitude_map,
    amplitude_map_reference,
    block_activity,
    block_activity_reference,
    embed_frame,
    embed_yuv420,
    row_pattern,
    row_weights,
)

PAYLOAD, KEY = 0x0123456789AB, 11


def _rgb(img):
    return np.ascontiguousarray(np.stack([img] * 3, -1) if img.ndim == 2 else img[..., :3])


def _frames():
    rng = np.random.default_rng(0)
    return {
        "noise_67x93": rng.integers(0, 256, (67, 93, 3), dtype=np.uint8),
        "grey": np.full((64, 80, 3), 128, np.uint8),
        "black": np.zeros((70, 64, 3), np.uint8),
        "white": np.full((64, 64, 3), 255, np.uint8),
        "astronaut": skimage.data.astronaut()[100:300, 150:390].copy(),
    }


def _psnr_db(a, b):
    mse = np.mean((a.astype(np.float64) - b) ** 2)
    return 10 * np.log10(255.0**2 / mse)


@pytest.mark.parametrize("name", list(_frames()))
def test_kernels_equal_references(name):
    frame = _frames()[name]
    before = frame.copy()
    act = block_activity(frame)
    assert np.array_equal(act, block_activity_reference(frame))
    h, w = frame.shape[:2]
    cell = cell_px(h, w)
    row_cell, row_w = row_weights(h, cell)
    col_cell, col_w = axis_cells(w, cell)
    amp = amplitude_map(act, h, w, 1.0, 41.0)
    pat = row_pattern(carrier_tile(PAYLOAD, KEY), col_cell, col_w)
    for dy, dx in [(0, 0), (13, 61)]:
        out = add_pattern(frame, amp, pat, row_cell, row_w, DITHER_TABLE, dy, dx)
        ref = add_pattern_reference(frame, amp, pat, row_cell, row_w, DITHER_TABLE, dy, dx)
        assert out.dtype == np.uint8 and out.shape == frame.shape
        assert np.array_equal(out, ref)
    assert np.array_equal(frame, before)  # input not mutated


@pytest.mark.parametrize("name", ["astronaut", "camera", "coffee", "chelsea"])
def test_psnr_at_least_40_db_on_package_images(name):
    img = _rgb(getattr(skimage.data, name)())
    out = embed_frame(img, PAYLOAD, KEY, frame_index=3)
    assert out.shape == img.shape and out.dtype == np.uint8
    assert 40.0 <= _psnr_db(img, out) < 50.0  # marked, and not too weakly


def test_flat_grey_gets_no_more_than_one_level_of_fine_grain():
    grey = np.full((360, 360, 3), 118, np.uint8)
    out = embed_frame(grey, PAYLOAD, KEY, frame_index=0).astype(np.int64)
    diff = out - 118
    assert np.abs(diff).max() <= 1
    assert np.array_equal(diff[..., 0], diff[..., 2])  # luma only: no colour noise
    # The change averages to the weak pattern (peak 0.6 level), not to a visible texture.
    assert abs(diff.mean()) < 0.05 and 0.2 < diff.std() < 0.6


def _windows(luma, size=40):
    """(std, y, x) of each size x size window on a 20 px grid, away from 0 and 255."""
    out = []
    for y in range(0, luma.shape[0] - size, 20):
        for x in range(0, luma.shape[1] - size, 20):
            win = luma[y : y + size, x : x + size]
            if 20 < win.mean() < 235:
                out.append((float(win.std()), y, x))
    return sorted(out)


def test_smooth_regions_get_a_weaker_mark_than_texture():
    img = skimage.data.astronaut()
    out = embed_frame(img, PAYLOAD, KEY, frame_index=0).astype(np.int64)
    diff = np.abs(out - img)[..., 0]
    windows = _windows(img.astype(np.float64).mean(axis=2))
    flat = [diff[y : y + 40, x : x + 40] for _, y, x in windows[:5]]  # wall, skin
    busy = [diff[y : y + 40, x : x + 40] for _, y, x in windows[-5:]]  # flag, suit detail
    assert max(f.max() for f in flat) <= 2
    assert np.mean(busy) > 2 * np.mean(flat)


def test_dither_changes_with_frame_index_pattern_does_not():
    img = skimage.data.coffee()
    a = embed_frame(img, PAYLOAD, KEY, frame_index=0).astype(np.int64)
    b = embed_frame(img, PAYLOAD, KEY, frame_index=1).astype(np.int64)
    assert not np.array_equal(a, b)
    assert np.abs(a - b).max() <= 1


@pytest.mark.parametrize(
    ("frame", "kwargs", "match"),
    [
        (np.zeros((64, 64), np.uint8), {}, "uint8 frame"),
        (np.zeros((64, 64, 3), np.float32), {}, "uint8 frame"),
        (np.zeros((32, 64, 3), np.uint8), {}, "sides >= 64"),
        (np.zeros((64, 64, 3), np.uint8), {"key": -1}, "non-negative int"),
        (np.zeros((64, 64, 3), np.uint8), {"payload": 1 << 48}, r"\[0, 2\*\*48\)"),
        (np.zeros((64, 64, 3), np.uint8), {"strength": 0.0}, "strength"),
    ],
)
def test_bad_input_raises_node_error(frame, kwargs, match):
    args = {"payload": PAYLOAD, "key": KEY, "frame_index": 0} | kwargs
    with pytest.raises(NodeError, match=match) as err:
        embed_frame(frame, **args)
    assert err.value.hint


def test_unused_psnr_budget_goes_to_texture_not_to_flat_areas(monkeypatch):
    import cv2

    import engine.nodes.ethics.watermark_embed as embed

    # Upscaled 2.5x, as a 720p render of a photo is: the plain mask costs only ~43 dB.
    img = cv2.resize(skimage.data.astronaut(), (1280, 1280), interpolation=cv2.INTER_CUBIC)[:720]
    h, w = img.shape[:2]
    act = block_activity(img)
    boosted = amplitude_map(act, h, w, 1.0, 40.5)
    monkeypatch.setattr(embed, "BOOST_HEADROOM_DB", None)
    plain = amplitude_map(act, h, w, 1.0, 40.5)
    assert np.all(boosted >= plain - 1e-6)
    # Blocks under 0.35 level/px of mean gradient stay at the flat floor even boosted.
    flat = act / (2 * 16) < 0.35
    assert flat.sum() > 100  # the wall
    assert np.allclose(boosted[flat], embed.AMP_MIN_LEVELS) and np.array_equal(
        boosted[flat], plain[flat]
    )
    textured = plain > embed.AMP_MIN_LEVELS + 1e-6
    assert np.median(boosted[textured] / plain[textured]) > 1.2
    monkeypatch.undo()
    out = embed_frame(img, PAYLOAD, KEY, frame_index=0)
    assert 40.7 <= _psnr_db(img, out) <= 41.3  # near floor + headroom (41 dB), not 43-45 dB


@pytest.mark.parametrize("name", ["noise_68x92", "grey", "black", "white", "astronaut"])
def test_embed_yuv420_equals_converting_the_marked_frame(name):
    from engine.nodes.output.yuv import to_yuv420

    frames = _frames()
    frames["noise_68x92"] = frames.pop("noise_67x93")[:68, :92].copy()
    frame = frames[name]
    if frame.shape[0] % 2 or frame.shape[1] % 2:
        frame = np.ascontiguousarray(frame[: frame.shape[0] // 2 * 2, : frame.shape[1] // 2 * 2])
    before = frame.copy()
    for index in (0, 9):
        marked = embed_frame(frame, PAYLOAD, KEY, index)
        out = embed_yuv420(frame, PAYLOAD, KEY, index)
        assert np.array_equal(out, to_yuv420(marked))
        buf = np.empty_like(out)
        assert embed_yuv420(frame, PAYLOAD, KEY, index, buf) is buf
        assert np.array_equal(buf, out)
    assert np.array_equal(frame, before)


def test_amplitude_map_equals_its_reference():
    """Same floats as the NumPy version (np.mean's pairwise sums included), so the
    bisection takes the same branches: textured, flat and random block activities."""
    rng = np.random.default_rng(5)
    cases = [(block_activity(f), *f.shape[:2]) for f in _frames().values()]
    for _ in range(60):
        h, w = int(rng.integers(64, 800)), int(rng.integers(64, 1400))
        top = int(rng.choice([3, 200, 5000]))
        cases.append((rng.integers(0, top, (-(-h // 8), -(-w // 8))), h, w))
    for act, h, w in cases:
        for strength, psnr in [(1.0, 40.5), (0.5, 38.0), (2.0, 45.0), (1.0, 30.0)]:
            got = amplitude_map(act, h, w, strength, psnr)
            assert np.array_equal(got, amplitude_map_reference(act, h, w, strength, psnr))
