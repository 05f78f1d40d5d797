"""Text overlays: glyph coverage, layout, caching and the self-contrasting label."""

from __future__ import annotations

import numpy as np
import pytest

from engine.errors import NodeError
from engine.nodes.text import render
from engine.nodes.text.render import (
    MIN_LABEL_SIZE_FRAC,
    label_box,
    label_overlay,
    text_overlay,
)

W, H = 640, 360


def _ink(o):
    return o.rgba[..., 3] > 0


def test_overlay_is_non_empty_rgba_inside_the_frame():
    o = text_overlay("Hello, world", W, H)
    assert o.rgba.dtype == np.uint8 and o.rgba.shape[2] == 4
    assert _ink(o).sum() > 500
    x, y, w, h = o.box
    assert x >= 0 and x + w <= W and y >= 0 and y + h <= H


@pytest.mark.parametrize("text", ["é", "Ω", "Ж", "ñ", "λ", "щ"])
def test_unicode_glyphs_are_real_not_missing_boxes(text):
    kw = dict(stroke_frac=0.0, shadow_frac=0.0, size_frac=0.2)
    glyph = text_overlay(text, W, H, **kw).rgba[..., 3]
    missing = text_overlay("\ue000", W, H, **kw).rgba[..., 3]  # private use: the .notdef box
    assert glyph.sum() > 0
    assert glyph.shape != missing.shape or not np.array_equal(glyph, missing)


def test_accent_changes_the_letter():
    kw = dict(stroke_frac=0.0, shadow_frac=0.0, size_frac=0.2)
    e = text_overlay("e", W, H, **kw).rgba[..., 3].astype(int)
    e_acute = text_overlay("é", W, H, **kw).rgba[..., 3].astype(int)
    assert e_acute.sum() > e.sum()


def test_stroke_and_shadow_add_dark_ink():
    plain = text_overlay("Title", W, H, stroke_frac=0.0, shadow_frac=0.0)
    styled = text_overlay("Title", W, H, stroke_frac=0.1, shadow_frac=0.08)
    assert _ink(styled).sum() > 1.3 * _ink(plain).sum()
    solid = styled.rgba[styled.rgba[..., 3] == 255, :3]
    assert (solid.sum(1) < 60).sum() > 100  # black outline pixels
    assert (solid.min(1) > 240).sum() > 100  # white fill pixels


def test_wrapping_to_max_width():
    words = "many short words that will not fit on one line at this size " * 2
    o = text_overlay(words, W, H, size_frac=0.08, max_width_frac=0.5, stroke_frac=0, shadow_frac=0)
    one = text_overlay("many", W, H, size_frac=0.08, stroke_frac=0, shadow_frac=0)
    assert o.rgba.shape[1] <= 0.5 * W + 4
    assert o.rgba.shape[0] > 4 * one.rgba.shape[0]
    lines = render.wrap_text("abcdefghijklmnop", render._font(False, 40), 60)
    assert len(lines) > 1 and "".join(lines) == "abcdefghijklmnop"


@pytest.mark.parametrize(
    ("anchor", "where"),
    [("top-left", (0, 0)), ("bottom-right", (1, 1)), ("center", (0.5, 0.5)), ("bottom", (0.5, 1))],
)
def test_anchoring(anchor, where):
    o = text_overlay("Anchor", W, H, anchor=anchor, size_frac=0.05, margin_frac=0.05)
    ys, xs = np.nonzero(_ink(o))
    cx = o.xy[0] + (xs.min() + xs.max()) / 2
    cy = o.xy[1] + (ys.min() + ys.max()) / 2
    tx = {0: 0.05 * H + 0.0, 0.5: W / 2, 1: W - 0.05 * H}[where[0]]
    ty = {0: 0.05 * H, 0.5: H / 2, 1: H - 0.05 * H}[where[1]]
    half_w, half_h = (xs.max() - xs.min()) / 2, (ys.max() - ys.min()) / 2
    # The ink's near edge sits at the margin (within the outline and shadow padding).
    assert abs(cx - tx) <= half_w + 12 and abs(cy - ty) <= half_h + 12
    if where[0] != 0.5:
        assert abs(abs(cx - tx) - half_w) <= 12
    if where[1] != 0.5:
        assert abs(abs(cy - ty) - half_h) <= 12


def test_cached_and_read_only():
    a = text_overlay("Same", W, H)
    assert text_overlay("Same", W, H) is a
    assert not a.rgba.flags.writeable
    render._text_cached.cache_clear()
    b = text_overlay("Same", W, H)
    assert b is not a and np.array_equal(a.rgba, b.rgba) and a.xy == b.xy


def _plate_and_text(o):
    rgba = o.rgba.astype(int)
    h, w = rgba.shape[:2]
    plate = rgba[2, w // 2]  # top padding row: plate only
    opaque = rgba[rgba[..., 3] == 255, :3]
    return plate, opaque.mean(0)


def test_label_contrast_flips_with_background():
    dark = label_overlay("AI-animated photo", W, H, backdrop_luma=np.zeros((20, 40, 3), np.uint8))
    light = label_overlay("AI-animated photo", W, H, backdrop_luma=230.0)
    plate_d, text_d = _plate_and_text(dark)
    plate_l, text_l = _plate_and_text(light)
    assert plate_d[:3].max() < 30 and text_d.min() > 200  # white on dark
    assert plate_l[:3].min() > 225 and text_l.max() < 60  # dark on light
    assert 100 < plate_d[3] < 255 and 100 < plate_l[3] < 255  # semi-opaque plates


def test_label_minimum_size_and_box():
    tiny = label_overlay("AI", W, H, size_frac=0.001)
    minimum = label_overlay("AI", W, H, size_frac=MIN_LABEL_SIZE_FRAC)
    assert tiny.rgba.shape == minimum.rgba.shape
    box = label_box("AI-animated photo", W, H, "top-left")
    o = label_overlay("AI-animated photo", W, H, "top-left", backdrop_luma=255)
    assert box == o.box
    assert box[0] > 0 and box[1] > 0


def test_bad_arguments():
    with pytest.raises(NodeError, match="position"):
        text_overlay("x", W, H, anchor="middle")
    with pytest.raises(NodeError, match="colour"):
        text_overlay("x", W, H, colour=(300, 0, 0))
    with pytest.raises(NodeError, match="backdrop"):
        label_overlay("x", W, H, backdrop_luma=np.zeros((4, 4)))
