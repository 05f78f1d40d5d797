"""Camera moves: easing, zoom, pan clamping, rotation, agreement with the base fit."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.errors import NodeError
from engine.nodes.image.decode import fit_transform
from engine.nodes.warp.affine import apply, compose, invert
from engine.nodes.warp.camera import EASINGS, camera_affine, ease_progress


@pytest.mark.parametrize("kind", EASINGS)
def test_easing_endpoints_and_monotone(kind):
    us = np.linspace(0, 1, 101)
    vals = np.array([ease_progress(u, kind) for u in us])
    assert vals[0] == 0.0 and vals[-1] == 1.0
    assert np.all(np.diff(vals) >= 0)


def test_easing_shapes():
    assert ease_progress(0.25, "in") < 0.25 < ease_progress(0.25, "out")
    assert ease_progress(0.5, "in-out") == pytest.approx(0.5)
    assert ease_progress(0.1, "in-out") + ease_progress(0.9, "in-out") == pytest.approx(1.0)
    with pytest.raises(NodeError, match="easing"):
        ease_progress(0.5, "bounce")


@pytest.mark.parametrize("fit", ["fill", "fit"])
def test_still_camera_is_the_base_fit(fit):
    cam = camera_affine(0.3, (400, 300), (160, 90), fit=fit)
    np.testing.assert_allclose(cam, invert(fit_transform(400, 300, 160, 90, fit)), atol=1e-9)


def test_zoom_is_geometric_and_about_the_pan_point():
    src, out = (1000, 1000), (200, 200)
    m = camera_affine(0.5, src, out, zoom=(1.0, 4.0), ease="linear")
    # Mid-way magnification is sqrt(1 * 4) = 2: one output px spans 1000/200/2 source px.
    assert np.hypot(*m[:, 0]) == pytest.approx(2.5)
    # The frame centre shows the pan point (photo centre).
    np.testing.assert_allclose(apply(m, [(99.5, 99.5)])[0], [499.5, 499.5], atol=1e-9)


def test_pan_moves_the_centre_and_is_clamped_in_fill_mode():
    src, out = (800, 600), (160, 90)
    m = camera_affine(1.0, src, out, zoom=(2.0, 2.0), pan=((0.5, 0.5), (0.6, 0.4)), ease="linear")
    np.testing.assert_allclose(apply(m, [(79.5, 44.5)])[0], [0.6 * 800 - 0.5, 0.4 * 600 - 0.5])
    # Asking for the very corner: the view slides back until it is inside the photo.
    corner = camera_affine(1.0, src, out, zoom=(2.0, 2.0), pan=((0, 0), (0, 0)))
    edges = apply(corner, [(-0.5, -0.5), (159.5, -0.5), (-0.5, 89.5), (159.5, 89.5)])
    assert edges[:, 0].min() >= -0.5 - 1e-9 and edges[:, 1].min() >= -0.5 - 1e-9
    assert edges[:, 0].min() == pytest.approx(-0.5) and edges[:, 1].min() == pytest.approx(-0.5)
    loose = camera_affine(1.0, src, out, zoom=(2.0, 2.0), pan=((0, 0), (0, 0)), clamp=False)
    assert apply(loose, [(-0.5, -0.5)])[0, 0] < -100


def test_rotated_view_stays_inside_when_zoomed_enough():
    src, out = (1000, 1000), (300, 200)
    m = camera_affine(1.0, src, out, zoom=(1.5, 1.5), pan=((0.9, 0.1),) * 2, rotate_deg=(0, 20))
    edges = apply(m, [(-0.5, -0.5), (299.5, -0.5), (-0.5, 199.5), (299.5, 199.5)])
    assert edges.min() >= -0.5 - 1e-9 and edges.max() <= 999.5 + 1e-9


def test_rotation_is_counter_clockwise_on_screen():
    src, out = (400, 400), (400, 400)
    m = camera_affine(1.0, src, out, rotate_deg=(0, 90), ease="linear", clamp=False)
    # Turning the picture 90 degrees counter-clockwise brings its right side to the top:
    # the screen point above the centre shows the photo point right of centre.
    above = apply(m, [(199.5, 199.5 - 50)])[0]
    np.testing.assert_allclose(above, [199.5 + 50, 199.5], atol=1e-9)
    assert math.isclose(np.linalg.det(m[:, :2]), 1.0)


def test_camera_composes_with_fit_and_rejects_bad_zoom():
    m = camera_affine(0.0, (640, 480), (320, 240), zoom=(2.0, 3.0))
    fwd = invert(m)
    np.testing.assert_allclose(compose(m, fwd), [[1, 0, 0], [0, 1, 0]], atol=1e-12)
    with pytest.raises(NodeError, match="zoom"):
        camera_affine(0.5, (640, 480), (320, 240), zoom=(0.0, 1.0))
