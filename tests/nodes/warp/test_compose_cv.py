"""The OpenCV-backed composer matches the fused numba kernel, and its blend its reference."""

from __future__ import annotations

import numpy as np
import pytest

from engine.nodes.warp.camera import camera_affine
from engine.nodes.warp.compose import compose_frame
from engine.nodes.warp.compose_cv import blend_over, blend_over_reference, compose_frame_cv


@pytest.fixture
def photos():
    rng = np.random.default_rng(5)
    a = rng.integers(0, 256, (300, 400, 3), dtype=np.uint8)
    # Smooth photos: bilinear rounding differences stay at 1 level on real content.
    a = (np.cumsum(np.cumsum(a.astype(np.float64), 0), 1) % 256).astype(np.uint8)
    b = np.ascontiguousarray(a[::-1, ::-1])
    return a, b


def test_blend_matches_reference_including_overhang():
    rng = np.random.default_rng(1)
    frame = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    rgba = rng.integers(0, 256, (30, 30, 4), dtype=np.uint8)
    rgba[..., 3][rgba[..., 3] < 60] = 0
    for x0, y0 in [(0, 0), (35, 20), (-10, -5), (49, 39), (60, 0)]:
        got = frame.copy()
        blend_over(got, rgba, x0, y0)
        np.testing.assert_array_equal(got, blend_over_reference(frame, rgba, x0, y0))


def test_matches_fused_kernel_within_one_level(photos):
    a, b = photos
    out = (320, 180)
    inv_a = camera_affine(0.4, (400, 300), out, zoom=(1.0, 1.4), rotate_deg=(0, 5))
    inv_b = camera_affine(1.0, (400, 300), out, zoom=(1.2, 1.2))
    overlay = np.zeros((40, 100, 4), np.uint8)
    overlay[5:35, 10:90] = (250, 240, 10, 200)
    kw = dict(src_b=b, inv_b=inv_b, w_b=0.3, overlay=overlay, overlay_xy=(200, 130))
    fused = compose_frame(a, inv_a, out, **kw).astype(int)
    fast = compose_frame_cv(a, inv_a, out, **kw).astype(int)
    assert np.abs(fused - fast).max() <= 2
    assert np.abs(fused - fast).mean() < 0.6
