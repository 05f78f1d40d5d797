"""Where performers stand on the stage: automatic layout and the ``place`` options."""

from __future__ import annotations

import numpy as np
import pytest

from engine.nodes.render.stage import Figure, StagePicture, auto_layout, crowded, layout

# A waist-up portrait like grace-hopper.jpg (layer px): face 160 x 170, hair 100 px
# above the face centre, cut by the photo's bottom edge 310 px below it.
WAIST_UP = Figure(440, 510, (145.0, 112.0, 305.0, 282.0), 28.0, 510.0, ("bottom",))
# A smaller head-and-shoulders crop (like two-portraits.jpg's astronaut).
BUST = Figure(322, 400, (148.0, 54.0, 222.0, 138.0), 13.0, 400.0, ("bottom",))
# A full figure: feet in the photo, face small.
FULL = Figure(200, 600, (80.0, 20.0, 120.0, 70.0), 5.0, 590.0, ())

ASPECTS = {"16:9": (640, 360), "9:16": (360, 640), "1:1": (480, 480), "4:5": (384, 480)}


def _face_boxes(figures, places, size):
    placements = layout(figures, places, size)
    return [p.face_box(f) for f, p in zip(figures, placements, strict=True)], placements


@pytest.mark.parametrize("aspect", list(ASPECTS))
@pytest.mark.parametrize("cast", [[WAIST_UP], [WAIST_UP, BUST], [BUST, WAIST_UP, BUST]])
def test_auto_layout_faces_whole_equal_and_level_and_figures_reach_the_bottom(aspect, cast):
    w, h = ASPECTS[aspect]
    boxes, placements = _face_boxes(cast, [None] * len(cast), (w, h))
    heights = [b[3] - b[1] for b in boxes]
    centres_y = [(b[1] + b[3]) / 2 for b in boxes]
    for (x0, y0, x1, y1), fig, pl in zip(boxes, cast, placements, strict=True):
        assert x0 >= 0 and x1 <= w and y0 >= 0 and y1 <= h, (x0, y0, x1, y1)
        assert pl.y + pl.scale * fig.bottom >= h - 1  # waist-up: no floating torso
        assert pl.y + pl.scale * fig.top >= 0  # the hair is in, with some headroom
    assert min(heights) >= 0.14 * min(w, h)  # large enough to read
    # left to right in cast order, faces not overlapping
    for a, b in zip(boxes, boxes[1:], strict=False):
        assert a[2] < b[0]
    if crowded(len(cast), (w, h)):
        return  # staggered in depth: test_a_crowded_stage_staggers_its_performers
    assert max(heights) - min(heights) <= 2  # equal faces
    assert max(centres_y) - min(centres_y) <= 1  # on one line


@pytest.mark.parametrize("aspect", ["9:16", "4:5"])
def test_a_crowded_stage_staggers_its_performers(aspect):
    """Three in a 4:5 frame, two or three in a 9:16 one: no thin columns of
    small faces on the bottom edge, but the front one large with the chin above the label
    (and a vertical video's bottom band), the ones behind higher (issue 12)."""
    w, h = ASPECTS[aspect]
    cast = [WAIST_UP, BUST, WAIST_UP] if aspect != "9:16" else [BUST, WAIST_UP]
    assert crowded(len(cast), (w, h))
    boxes, placements = _face_boxes(cast, [None, {"depth": 5}, None][: len(cast)], (w, h))
    front = boxes[1]
    chin = 0.74 if aspect == "9:16" else 0.85
    for box in boxes:
        assert box[3] <= chin * h + 1  # every chin clear of the bottom texts
    assert front[3] - front[1] >= 0.24 * min(w, h)  # a medium shot's face
    for k, box in enumerate(boxes):
        if k != 1 and cast[k] is BUST:  # the same crop behind: higher and smaller
            assert (box[1] + box[3]) / 2 < (front[1] + front[3]) / 2
            assert box[3] - box[1] < front[3] - front[1]


def test_a_wide_stage_keeps_its_columns():
    assert not crowded(3, (640, 360)) and not crowded(1, (360, 640))
    assert not crowded(3, (480, 480))  # a square keeps its columns (issue 12: measured)


def test_a_full_figure_stands_on_the_floor_with_its_head_on_the_line():
    (scale_w, (_, line)), (scale_f, (_, head)) = auto_layout([WAIST_UP, FULL], (640, 360))
    assert head == pytest.approx(line)
    feet = head + scale_f * (FULL.bottom - FULL.face_centre[1])
    assert feet == pytest.approx(0.95 * 360, abs=1)


def test_place_moves_resizes_mirrors_and_orders():
    size = (640, 360)
    auto = layout([WAIST_UP, BUST], [None, None], size)
    places = [
        {"x": 0.7, "y": 0.4, "depth": 5},
        {"height": 0.5, "mirror": True},
    ]
    boxes, placed = _face_boxes([WAIST_UP, BUST], places, size)
    cx = (boxes[0][0] + boxes[0][2]) / 2
    cy = (boxes[0][1] + boxes[0][3]) / 2
    assert cx == pytest.approx(0.7 * 640, abs=1) and cy == pytest.approx(0.4 * 360, abs=1)
    assert placed[0].depth == 5 and placed[1].depth == 1
    # height: the figure from its hair to its cut is half the stage's height
    assert placed[1].scale * (BUST.bottom - BUST.top) == pytest.approx(180, abs=2)
    assert placed[1].mirror and not auto[1].mirror
    # resized in place, a waist-up figure still reaches the bottom edge
    assert placed[1].y + placed[1].scale * BUST.bottom >= 360 - 1
    # mirrored, the face stays in its column (its centre, not the layer's, is placed)
    mirrored_cx = (boxes[1][0] + boxes[1][2]) / 2
    assert mirrored_cx == pytest.approx(0.75 * 640, abs=2)


def test_scale_is_relative_to_the_automatic_size():
    size = (480, 480)
    (auto,) = layout([WAIST_UP], [None], size)
    (big,) = layout([WAIST_UP], [{"scale": 1.5}], size)
    assert big.scale == pytest.approx(1.5 * auto.scale, rel=0.01)


def _layer(fig: Figure, colour) -> dict:
    alpha = np.zeros((fig.height, fig.width), np.uint8)
    alpha[int(fig.top) : int(fig.bottom), 20 : fig.width - 20] = 255
    texture = np.zeros((fig.height, fig.width, 3), np.uint8)
    texture[:] = colour
    return {
        "texture": texture,
        "alpha": alpha,
        "face_box": list(fig.face_box),
        "top": fig.top,
        "bottom": fig.bottom,
        "cut": list(fig.cut),
    }


def test_stage_picture_draws_in_depth_order_over_the_backdrop_and_its_shadows():
    size = (320, 180)
    back = np.full((180, 320, 3), 200, np.uint8)
    layers = [_layer(WAIST_UP, (255, 0, 0)), _layer(WAIST_UP, (0, 0, 255))]
    places = [{"x": 0.45, "depth": 5}, {"x": 0.55}]  # overlapping; red in front
    stage = StagePicture(size, back, layers, [None, None], places)
    frame = stage(0)
    assert frame.shape == (180, 320, 3)
    assert tuple(frame[170, 160]) == (255, 0, 0)  # the front one covers the middle
    assert (frame[5, 5] == 200).all()  # the backdrop where nobody stands
    # a soft shadow darkens the backdrop beside a figure, never to black
    right = stage.placements[1].box[2]
    beside = frame[120, right : right + 8, 0].astype(int)
    assert 120 < beside.min() < 200


def test_a_figure_entirely_off_stage_is_not_drawn():
    size = (320, 180)
    back = np.zeros((180, 320, 3), np.uint8)
    stage = StagePicture(size, back, [_layer(BUST, (255, 255, 255))], [None], [{"x": 3.0}])
    assert stage(0).max() == 0


@pytest.mark.parametrize("aspect", list(ASPECTS))
def test_a_title_at_the_top_keeps_the_heads_below_it(aspect):
    w, h = ASPECTS[aspect]
    cast = [WAIST_UP, BUST]
    placements = layout(cast, [None, None], (w, h), top_reserved=0.2)
    for fig, pl in zip(cast, placements, strict=True):
        assert pl.y + pl.scale * fig.top >= 0.2 * h  # the hair clears the title
        assert pl.y + pl.scale * fig.bottom >= h - 1  # and still reaches the bottom


@pytest.mark.parametrize("aspect", ["16:9", "1:1", "4:5"])
def test_a_figure_drawn_larger_stands_in_front_unless_depth_says_otherwise(aspect):
    """The concert's dance break (issue 12): a 16:9 scene places a large figure on the
    left and a smaller one on the right; in a narrower frame they overlap, and the
    smaller one, later in the cast, was drawn over the larger one's face. The larger
    (nearer) one now stands in front; an explicit depth still decides; figures of one
    size keep the cast order."""
    size = ASPECTS[aspect]
    places = [{"x": 0.3, "height": 1.3}, {"x": 0.74, "height": 1.0, "mirror": True}]
    big, small = layout([WAIST_UP, WAIST_UP], places, size)
    assert big.scale > 1.15 * small.scale
    assert big.depth > small.depth
    places[1]["depth"] = 3
    big, small = layout([WAIST_UP, WAIST_UP], places, size)
    assert small.depth == 3 and big.depth == 0
    first, second = layout([WAIST_UP, WAIST_UP], [None, None], size)
    assert first.depth < second.depth


@pytest.mark.parametrize("aspect", list(ASPECTS))
def test_a_place_written_for_a_wide_frame_keeps_the_figure_on_a_narrower_one(aspect):
    """The concert's dance break (issue 12): x 0.3 / 0.74 at heights 1.3 / 1.0 fit 16:9;
    in 1:1 or 4:5 the right-hand figure was pushed a third out of the frame. A figure
    placed at x is made smaller (at most to 0.6 of its size) until no more than 15 % of
    its width is off stage, still reaching the bottom edge; in 16:9 nothing changes."""
    from engine.nodes.render.stage import FIT_MIN, OVERFLOW

    w, h = ASPECTS[aspect]
    places = [{"x": 0.3, "height": 1.3}, {"x": 0.74, "height": 1.0, "mirror": True}]
    cast = [WAIST_UP, WAIST_UP]
    if crowded(2, (w, h)):
        pytest.skip("a crowded stage is staggered instead")
    placed = layout(cast, places, (w, h))
    loose = [{**p, "x": None} for p in places]  # no x: sized as written
    for pl, fig, ref in zip(placed, cast, layout(cast, loose, (w, h)), strict=True):
        off = max(0, -pl.box[0]) + max(0, pl.box[2] - w)
        assert off <= OVERFLOW * pl.width + 2 or pl.scale <= FIT_MIN * ref.scale * 1.01
        assert pl.y + pl.scale * fig.bottom >= h - 1  # waist-up: still on the bottom edge
        if aspect == "16:9":
            assert pl.scale == ref.scale
