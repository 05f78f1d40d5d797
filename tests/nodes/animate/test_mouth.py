"""Mouth interior: an open-mouth photo keeps its own teeth; a closed one gets a soft
synthetic interior (teeth at the top, tongue only for L/TH); moved-triangle redraw."""

from __future__ import annotations

import cv2
import numpy as np

from engine.nodes.animate.controls import controls
from engine.nodes.animate.deform import deform
from engine.nodes.animate.mouth import photo_mouth_open
from engine.nodes.animate.render import _edge_flags, render_face_frame
from engine.nodes.warp.raster import rasterise


def render(subject, **values) -> np.ndarray:
    out = np.empty_like(subject.rest)
    return render_face_frame(subject.rig, subject.photo, controls(**values), out,
                             background=subject.rest)  # fmt: skip


def inside_lips(subject, dst: np.ndarray) -> np.ndarray:
    mask = np.zeros(subject.rest.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(dst[subject.rig.inner_lips]).astype(np.int32)], 1)
    return cv2.erode(mask, np.ones((3, 3), np.uint8)) > 0


def luma(img: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float64)


def test_open_mouth_is_told_from_the_landmarks(grace, astronaut):
    assert not photo_mouth_open(grace.rig)  # closed lips
    assert photo_mouth_open(astronaut.rig)  # a smile showing teeth


def test_open_mouth_photo_keeps_its_teeth_and_darkens_only_the_new_gap(astronaut):
    rig = astronaut.rig
    rest_in = inside_lips(astronaut, rig.rest_pts)
    teeth_px = int((luma(astronaut.photo)[rest_in] > 170).sum())
    assert teeth_px > 30  # the photo shows teeth
    for jaw in (0.3, 0.6, 1.0):
        frame = render(astronaut, jaw_open=jaw)
        dst = deform(rig, controls(jaw_open=jaw))
        inside = inside_lips(astronaut, dst)
        y = luma(frame)[inside]
        assert (y > 170).sum() >= 0.7 * teeth_px, jaw  # the teeth are still there
        new_px = inside.sum() - rest_in.sum()
        assert (y < 90).sum() >= 0.3 * new_px, jaw  # a cavity where the lips parted further
        assert (y < 90).sum() <= 1.2 * new_px, jaw  # ... and not over the teeth


def test_closed_mouth_teeth_at_the_top_tongue_only_on_request(grace):
    rig = grace.rig
    dst = deform(rig, controls(jaw_open=0.6))
    inside = inside_lips(grace, dst)
    frame = render(grace, jaw_open=0.6)
    ys = np.flatnonzero(inside.any(1))
    top, bottom = ys[: len(ys) // 3], ys[-len(ys) // 3 :]
    y = luma(frame)
    upper = y[top][inside[top]].mean()
    lower = y[bottom][inside[bottom]].mean()
    assert upper > lower + 20  # teeth under the upper lip, the cavity below
    assert y[inside].min() > 8  # a warm dark, not black
    r, g = frame[..., 0].astype(float), frame[..., 1].astype(float)
    lower_mask = inside.copy()
    lower_mask[: ys[len(ys) // 2]] = False
    with_tongue = render(grace, jaw_open=0.6, tongue=1.0)
    rt, gt = with_tongue[..., 0].astype(float), with_tongue[..., 1].astype(float)
    redness = (r - g)[lower_mask].mean()
    assert (rt - gt)[lower_mask].mean() > redness + 10  # the tongue shows for L/TH only


def test_redrawing_only_moved_triangles_matches_a_full_redraw(grace):
    rig = grace.rig
    values = dict(yaw=6, nod=0.5, blink_left=0.7)  # no mouth interior: one plain draw
    frame = render(grace, **values)
    c = controls(**values)
    dst = deform(rig, c)
    full = grace.rest.copy()
    which = rig.moving_tris
    whole, _ = _edge_flags(rig)
    rasterise(grace.photo, rig.src_pts, dst, rig.triangles[which], full,
              rig.draw_order[which], aa_edges=whole[which])  # fmt: skip
    diff = np.abs(frame.astype(int) - full)
    assert diff.max() <= 2
    assert (diff > 0).mean() < 0.01


def _lip_gap(subject, dst: np.ndarray) -> float:
    """Inner-lip gap (13 to 14) of a deformed mesh over inter-ocular distance."""
    rig = subject.rig
    return float(np.linalg.norm(dst[rig.vertex(13)] - dst[rig.vertex(14)]) / rig.iod_px)


def test_parted_lips_close_while_talking_and_keep_their_thickness(astronaut):
    """A smile with teeth: at rest the photo; talking with the jaw shut, the lips meet."""
    rig = astronaut.rig
    assert rig.rest_jaw > 0
    assert np.array_equal(deform(rig, controls()), rig.rest_pts)  # not talking: the photo
    shut = deform(rig, controls(talking=1.0))
    assert _lip_gap(astronaut, shut) < 0.01 < 0.5 * _lip_gap(astronaut, rig.rest_pts)
    for inner, outer in ((13, 0), (14, 17)):  # each lip moves whole: its thickness stays
        before = rig.rest_pts[rig.vertex(outer)] - rig.rest_pts[rig.vertex(inner)]
        after = shut[rig.vertex(outer)] - shut[rig.vertex(inner)]
        assert np.linalg.norm(after - before) < 0.01 * rig.iod_px
    # an open vowel opens past the smile, but less than it would from closed lips
    wide = deform(rig, controls(jaw_open=1.0, talking=1.0))
    assert _lip_gap(astronaut, wide) > _lip_gap(astronaut, rig.rest_pts)
    assert _lip_gap(astronaut, wide) < _lip_gap(astronaut, deform(rig, controls(jaw_open=1.0)))


def test_closed_lips_photo_ignores_talking(grace):
    rig = grace.rig
    assert rig.rest_jaw == 0
    c = controls(jaw_open=0.4)
    assert np.array_equal(deform(rig, c), deform(rig, controls(jaw_open=0.4, talking=1.0)))


def test_closing_lips_slide_over_the_teeth_without_dragging_them(astronaut):
    """Half closed: the teeth still in view stay where they are in the photo."""
    img = render(astronaut, jaw_open=0.25 * astronaut.rig.rest_jaw, talking=1.0)
    dst = deform(astronaut.rig, controls(jaw_open=0.25 * astronaut.rig.rest_jaw, talking=1.0))
    seen = inside_lips(astronaut, dst)
    assert seen.sum() > 20
    diff = np.abs(img.astype(np.float64) - astronaut.rest.astype(np.float64)).mean(-1)
    assert np.median(diff[seen]) < 6.0  # the photo's own teeth, unmoved


def test_a_wide_open_mouth_shows_a_tongue_not_a_flat_hole(grace):
    img = render(grace, jaw_open=1.0)
    dst = deform(grace.rig, controls(jaw_open=1.0))
    inside = inside_lips(grace, dst)
    red, green = img[..., 0].astype(float)[inside], img[..., 1].astype(float)[inside]
    assert np.percentile(red, 90) - np.percentile(red, 10) > 40  # shaded, not flat
    assert np.mean((red > 70) & (red > 1.3 * green)) > 0.1  # a reddish tongue shows


def test_the_interior_kernel_gives_the_numpy_reference_bit_for_bit(subject):
    from engine.nodes.animate.mouth import _interior_colour, _interior_colour_reference

    rig = subject.rig
    for values in ({"jaw_open": 1.0, "tongue": 1.0}, {"jaw_open": 0.5, "yaw": 9.0, "roll": -5.0},
                   {"jaw_open": 0.3, "lip_width": 0.6, "happy": 1.0}):  # fmt: skip
        c = controls(**values)
        dst = deform(rig, c)
        lips = dst[rig.inner_lips]
        (x0, y0), (x1, y1) = np.floor(lips.min(0)) - 2, np.ceil(lips.max(0)) + 3
        shape, org = (int(y1 - y0), int(x1 - x0)), np.array([x0, y0])
        for synthetic in (True, False):
            ref = _interior_colour_reference(rig, dst, c, shape, org, synthetic)
            assert np.array_equal(_interior_colour(rig, dst, c, shape, org, synthetic), ref)
