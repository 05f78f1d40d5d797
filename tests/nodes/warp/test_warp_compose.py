"""The fused compose kernel against its NumPy reference and against OpenCV."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from skimage import data

from engine.errors import NodeError
from engine.nodes.warp.compose import compose_frame, compose_reference, premultiply, warp_frame

IDENTITY = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


def _affine(scale, angle_deg, tx, ty):
    a = math.radians(angle_deg)
    c, s = math.cos(a) * scale, math.sin(a) * scale
    return np.array([[c, -s, tx], [s, c, ty]])


def _diff(a, b):
    return int(np.abs(a.astype(np.int16) - b.astype(np.int16)).max())


@pytest.fixture(scope="module")
def rng_inputs():
    rng = np.random.default_rng(42)
    return {
        "a": rng.integers(0, 256, (37, 53, 3), dtype=np.uint8),
        "b": rng.integers(0, 256, (29, 31, 3), dtype=np.uint8),
        "ov": rng.integers(0, 256, (20, 25, 4), dtype=np.uint8),
    }


@pytest.mark.parametrize("interpolation", ["bilinear", "bicubic"])
@pytest.mark.parametrize("border", ["replicate", "constant"])
@pytest.mark.parametrize("premul", [False, True])
def test_kernel_matches_reference_on_random_inputs(rng_inputs, interpolation, border, premul):
    kw = dict(
        src_b=rng_inputs["b"],
        inv_b=_affine(0.7, -20, 3.3, -2.1),
        w_b=0.37,
        overlay=premultiply(rng_inputs["ov"]) if premul else rng_inputs["ov"],
        overlay_xy=(-5, 12),  # partly off-frame
        overlay_opacity=0.8,
        overlay_premultiplied=premul,
        interpolation=interpolation,
        border=border,
        background=(10, 200, 30),
    )
    inv_a = _affine(1.3, 17, -4.2, 3.7)  # rotated, scaled, reaching past every edge
    got = compose_frame(rng_inputs["a"], inv_a, (48, 40), **kw)
    ref = compose_reference(rng_inputs["a"], inv_a, (48, 40), **kw)
    assert got.shape == (40, 48, 3) and got.dtype == np.uint8
    assert _diff(got, ref) <= 1


def test_parallel_equals_serial_and_runs_repeat_bit_identically(rng_inputs):
    kw = dict(src_b=rng_inputs["b"], inv_b=_affine(0.5, 5, 1, 2), w_b=0.5, overlay=rng_inputs["ov"])
    args = (rng_inputs["a"], _affine(0.9, 33, 2.5, -1.5), (160, 90))
    first = compose_frame(*args, **kw)
    again = compose_frame(*args, **kw)
    serial = compose_frame(*args, parallel=False, **kw)
    assert np.array_equal(first, again)
    assert np.array_equal(first, serial)


def test_identity_reproduces_source_exactly(rng_inputs):
    src = rng_inputs["a"]
    h, w = src.shape[:2]
    for interpolation in ("bilinear", "bicubic"):
        out = warp_frame(src, IDENTITY, (w, h), interpolation=interpolation)
        assert np.array_equal(out, src)


def test_one_pixel_source_fills_frame_with_its_colour():
    src = np.array([[[12, 34, 56]]], np.uint8)
    out = warp_frame(src, _affine(0.3, 40, -2.0, 5.0), (9, 7))
    assert np.all(out == (12, 34, 56))
    ref = compose_reference(src, _affine(0.3, 40, -2.0, 5.0), (9, 7))
    assert np.array_equal(out, ref)


def test_far_out_of_range_coordinates(rng_inputs):
    src = rng_inputs["a"]
    far = np.array([[1.0, 0.0, 1e9], [0.0, 1.0, -1e9]])  # top-right corner, far away
    rep = warp_frame(src, far, (5, 4), border="replicate")
    assert np.all(rep == src[0, -1])
    const = warp_frame(src, far, (5, 4), border="constant", background=(1, 2, 3))
    assert np.all(const == (1, 2, 3))


def test_cross_fade_endpoints_ignore_the_other_photo(rng_inputs):
    a, b = rng_inputs["a"], rng_inputs["b"]
    m_a, m_b = _affine(0.8, 10, 1, 1), _affine(0.6, -10, 2, 0)
    only_a = warp_frame(a, m_a, (30, 20))
    only_b = warp_frame(b, m_b, (30, 20))
    assert np.array_equal(compose_frame(a, m_a, (30, 20), src_b=b, inv_b=m_b, w_b=0.0), only_a)
    assert np.array_equal(compose_frame(a, m_a, (30, 20), src_b=b, inv_b=m_b, w_b=1.0), only_b)
    half = compose_frame(a, m_a, (30, 20), src_b=b, inv_b=m_b, w_b=0.5)
    expect = (only_a.astype(int) + only_b) / 2
    assert np.abs(half - expect).max() <= 1.0


def test_overlay_transparent_opaque_and_opacity(rng_inputs):
    a, m = rng_inputs["a"], _affine(1.0, 0, 0.25, 0.5)
    base = warp_frame(a, m, (30, 20))
    clear = np.zeros((20, 30, 4), np.uint8)
    clear[..., :3] = 255  # colour under zero alpha must not leak
    assert np.array_equal(compose_frame(a, m, (30, 20), overlay=clear), base)
    solid = np.zeros((4, 6, 4), np.uint8)
    solid[...] = (250, 5, 60, 255)
    out = compose_frame(a, m, (30, 20), overlay=solid, overlay_xy=(3, 2))
    assert np.all(out[2:6, 3:9] == (250, 5, 60))
    outside = np.ones(out.shape[:2], bool)
    outside[2:6, 3:9] = False
    assert np.array_equal(out[outside], base[outside])
    faded = compose_frame(a, m, (30, 20), overlay=solid, overlay_xy=(3, 2), overlay_opacity=0.0)
    assert np.array_equal(faded, base)


def test_premultiplied_and_straight_overlays_agree(rng_inputs):
    a, m, ov = rng_inputs["a"], _affine(1.1, 3, 0, 0), rng_inputs["ov"]
    straight = compose_frame(a, m, (30, 20), overlay=ov)
    premul = compose_frame(a, m, (30, 20), overlay=premultiply(ov), overlay_premultiplied=True)
    assert _diff(straight, premul) <= 1


@pytest.mark.parametrize("image", ["astronaut", "noise"])
def test_bilinear_matches_cv2_warp_affine(image):
    rng = np.random.default_rng(7)
    if image == "astronaut":
        src = np.ascontiguousarray(data.astronaut())
    else:
        src = rng.integers(0, 256, (300, 400, 3), dtype=np.uint8)  # the hardest case: max gradients
    inv = _affine(0.61, 12.5, 40.3, 21.7)
    ours = warp_frame(src, inv, (320, 180))
    theirs = cv2.warpAffine(
        src,
        inv,
        (320, 180),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE,
    )
    # cv2 quantises coordinates and weights to fixed point; interior only.
    assert _diff(ours[2:-2, 2:-2], theirs[2:-2, 2:-2]) <= 1


def test_bad_inputs_raise_node_errors(rng_inputs):
    a = rng_inputs["a"]
    rgba = np.zeros((4, 4, 4), np.uint8)
    with pytest.raises(NodeError, match="src_a") as info:
        warp_frame(rgba, IDENTITY, (4, 4))
    assert "flatten" in info.value.hint
    with pytest.raises(NodeError, match="w_b"):
        compose_frame(a, IDENTITY, (4, 4), w_b=1.5)
    with pytest.raises(NodeError, match="needs src_b"):
        compose_frame(a, IDENTITY, (4, 4), w_b=0.5)
    with pytest.raises(NodeError, match="inv_a"):
        warp_frame(a, np.full((2, 3), np.nan), (4, 4))
    with pytest.raises(NodeError, match="interpolation"):
        warp_frame(a, IDENTITY, (4, 4), interpolation="lanczos")


def test_writes_into_given_buffer(rng_inputs):
    buf = np.zeros((20, 30, 3), np.uint8)
    out = warp_frame(rng_inputs["a"], IDENTITY, (30, 20), out=buf)
    assert out is buf
    assert np.array_equal(buf, rng_inputs["a"][:20, :30])
