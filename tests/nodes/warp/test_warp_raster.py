"""Textured-triangle rasteriser: hand-checked pixels, meshes, order, reference, remap."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from scipy import ndimage
from skimage import data

from engine.errors import NodeError
from engine.nodes.warp.raster import build_remap, outline_edges, rasterise, rasterise_reference


def grid_mesh(w, h, nx, ny):
    """Vertices on an nx x ny grid spanning pixel centres [0, w-1] x [0, h-1], two triangles a cell."""
    gx, gy = np.meshgrid(np.linspace(0, w - 1, nx), np.linspace(0, h - 1, ny))
    pts = np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float32)
    tris = []
    for j in range(ny - 1):
        for i in range(nx - 1):
            a = j * nx + i
            tris += [(a, a + 1, a + nx + 1), (a, a + nx + 1, a + nx)]
    return pts, np.array(tris, np.int32)


@pytest.fixture(scope="module")
def photo():
    return np.ascontiguousarray(data.astronaut()[100:260, 150:350])  # (160, 200, 3)


def test_one_triangle_hand_checked_pixels():
    # Texture R = 10 x, G = 10 y: bilinear sampling reproduces it exactly.
    ys, xs = np.mgrid[0:12, 0:12]
    tex = np.stack([10 * xs, 10 * ys, np.zeros_like(xs)], -1).astype(np.uint8)
    dst = np.array([(0, 0), (8, 0), (0, 8)], np.float32)
    src = dst / 2 + 1  # texture point = destination / 2 + 1
    out = np.full((10, 10, 3), 100, np.uint8)
    rasterise(tex, src, dst, np.array([(0, 1, 2)], np.int32), out)
    assert tuple(out[2, 2]) == (20, 20, 0)  # src (2, 2)
    assert tuple(out[3, 1]) == (15, 25, 0)  # src (1.5, 2.5)
    assert tuple(out[7, 7]) == (100, 100, 100)  # outside: untouched
    # On the hypotenuse (an outline edge) coverage is one half: src (3, 3) = (30, 30, 0).
    assert tuple(out[4, 4]) == (65, 65, 50)


def test_identity_mesh_reproduces_image_away_from_outline(photo):
    h, w = photo.shape[:2]
    pts, tris = grid_mesh(w, h, 9, 7)
    out = np.zeros_like(photo)
    rasterise(photo, pts, pts, tris, out)
    assert np.abs(out[1:-1, 1:-1].astype(int) - photo[1:-1, 1:-1]).max() <= 1


def test_translated_mesh_equals_translated_image(photo):
    h, w = photo.shape[:2]
    pts, tris = grid_mesh(w, h, 6, 5)
    out = np.zeros((h + 20, w + 20, 3), np.uint8)
    rasterise(photo, pts, pts + np.float32([7, 11]), tris, out)
    shifted = out[11 : 11 + h, 7 : 7 + w]
    assert np.abs(shifted[1:-1, 1:-1].astype(int) - photo[1:-1, 1:-1]).max() <= 1


def test_later_triangle_covers_earlier_and_order_keys_swap_them():
    tex = np.zeros((4, 8, 3), np.uint8)
    tex[:, :4] = (255, 0, 0)  # left half red, right half blue
    tex[:, 4:] = (0, 0, 255)
    # Two coincident destination squares (two triangles each), one textured red, one blue.
    src = np.float32([(0, 0), (2, 0), (2, 2), (0, 2), (5, 0), (7, 0), (7, 2), (5, 2)])
    dst = np.float32([(2, 2), (12, 2), (12, 12), (2, 12)] * 2)
    tris = np.int32([(0, 1, 2), (0, 2, 3), (4, 5, 6), (4, 6, 7)])
    out = np.zeros((15, 15, 3), np.uint8)
    rasterise(tex, src, dst, tris, out)
    assert tuple(out[7, 7]) == (0, 0, 255)  # blue drawn last
    out[...] = 0
    rasterise(tex, src, dst, tris, out, order=np.array([1, 1, 0, 0]))  # layer ids: red on top
    assert tuple(out[7, 7]) == (255, 0, 0)


def test_no_seams_between_triangles():
    tex = np.full((50, 50, 3), 200, np.uint8)
    pts, tris = grid_mesh(50, 50, 6, 6)
    rng = np.random.default_rng(5)
    dst = pts * 1.5 + 5 + rng.normal(0, 2.0, pts.shape).astype(np.float32)
    out = np.zeros((90, 90, 3), np.uint8)
    rasterise(tex, pts, dst, tris, out)
    mx, _ = build_remap(pts, dst, tris, (90, 90))
    covered = ndimage.binary_erosion(mx >= 0, iterations=2)
    assert covered.sum() > 4000
    assert np.all(out[covered] == 200)


@pytest.mark.parametrize("channels", [3, 4])
@pytest.mark.parametrize("antialias", [True, False])
def test_kernel_matches_reference_on_random_mesh(photo, channels, antialias):
    rng = np.random.default_rng(11)
    tex = photo
    if channels == 4:
        alpha = rng.integers(0, 256, photo.shape[:2] + (1,), dtype=np.uint8)
        tex = np.concatenate([photo, alpha], -1)
    h, w = photo.shape[:2]
    pts, tris = grid_mesh(w, h, 8, 6)
    dst = pts * 0.8 + rng.normal(0, 5.0, pts.shape).astype(np.float32) + 10
    order = rng.integers(0, 3, len(tris))
    base = rng.integers(0, 256, (150, 180, 3), dtype=np.uint8)
    got = rasterise(tex, pts, dst, tris, base.copy(), order=order, antialias=antialias)
    ref = rasterise_reference(tex, pts, dst, tris, base.copy(), order=order, antialias=antialias)
    serial = rasterise(
        tex, pts, dst, tris, base.copy(), order=order, antialias=antialias, parallel=False
    )
    assert np.abs(got.astype(int) - ref).max() <= 1
    assert np.array_equal(got, serial)
    assert np.array_equal(got, rasterise(tex, pts, dst, tris, base.copy(), order, antialias))


def test_remap_of_the_same_warp_agrees_in_the_interior(photo):
    h, w = photo.shape[:2]
    pts, tris = grid_mesh(w, h, 7, 5)
    rng = np.random.default_rng(2)
    dst = pts + rng.normal(0, 4.0, pts.shape).astype(np.float32) + 8
    out = np.zeros((h + 16, w + 16, 3), np.uint8)
    rasterise(photo, pts, dst, tris, out)
    mx, my = build_remap(pts, dst, tris, (w + 16, h + 16))
    rm = cv2.remap(photo, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    inside = ndimage.binary_erosion(mx >= 0, iterations=2)
    assert inside.sum() > 0.8 * h * w
    assert np.abs(rm.astype(int) - out)[inside].max() <= 1


def test_outline_edges_of_a_quad():
    flags = outline_edges(np.array([(0, 1, 2), (0, 2, 3)]))
    # Edge 0->2 is shared (hard); the four sides are the outline.
    assert flags.tolist() == [[True, True, False], [False, True, True]]


def test_texture_alpha_and_bad_inputs():
    tex = np.zeros((4, 4, 4), np.uint8)
    tex[..., 0] = 255  # red but fully transparent
    out = np.full((10, 10, 3), 7, np.uint8)
    tri = np.int32([(0, 1, 2)])
    src = np.float32([(0, 0), (3, 0), (0, 3)])
    rasterise(tex, src, np.float32([(0, 0), (9, 0), (0, 9)]), tri, out)
    assert np.all(out == 7)
    with pytest.raises(NodeError, match="triangle indices"):
        rasterise(tex, src, src, np.int32([(0, 1, 5)]), out)
    with pytest.raises(NodeError, match="out must be"):
        rasterise(tex, src, src, tri, np.zeros((4, 4, 4), np.uint8))


def test_aa_edges_flags_match_reference_and_defaults(photo):
    rng = np.random.default_rng(5)
    h, w = photo.shape[:2]
    pts, tris = grid_mesh(w, h, 6, 5)
    dst = pts * 0.9 + rng.normal(0, 3.0, pts.shape).astype(np.float32) + 5
    base = rng.integers(0, 256, (140, 170, 3), dtype=np.uint8)
    outline = outline_edges(tris)
    default = rasterise(photo, pts, dst, tris, base.copy())
    assert np.array_equal(default, rasterise(photo, pts, dst, tris, base.copy(), aa_edges=outline))
    hard = rasterise(photo, pts, dst, tris, base.copy(), antialias=False)
    none = np.zeros(tris.shape, bool)
    assert np.array_equal(hard, rasterise(photo, pts, dst, tris, base.copy(), aa_edges=none))
    flags = rng.random(tris.shape) < 0.3  # soft inner edges too: the background shows through
    got = rasterise(photo, pts, dst, tris, base.copy(), aa_edges=flags)
    ref = rasterise_reference(photo, pts, dst, tris, base.copy(), aa_edges=flags)
    assert np.abs(got.astype(int) - ref).max() <= 1
    assert not np.array_equal(got, default)
    with pytest.raises(NodeError, match="aa_edges must be"):
        rasterise(photo, pts, dst, tris, base.copy(), aa_edges=flags[:3])


def test_triangles_off_the_frame_match_reference(photo):
    # One triangle wholly left of the frame, one cut by the frame's corner, one inside.
    src = np.float32([(0, 0), (60, 0), (0, 60), (100, 100), (190, 100), (100, 150)])
    dst = np.float32([(-90, 5), (-20, 5), (-50, 40), (-15, -10), (40, -12), (-5, 45)])
    dst = np.concatenate([dst, np.float32([(10, 20), (45, 25), (20, 38)])])
    src = np.concatenate([src, np.float32([(20, 20), (80, 30), (30, 70)])])
    tris = np.int32([(0, 1, 2), (3, 4, 5), (6, 7, 8)])
    base = np.full((40, 50, 3), 9, np.uint8)
    got = rasterise(photo, src, dst, tris, base.copy())
    ref = rasterise_reference(photo, src, dst, tris, base.copy())
    assert np.abs(got.astype(int) - ref).max() <= 1
    assert (got != 9).any(axis=2).sum() > 500
    mx, _ = build_remap(src, dst, tris, (50, 40))
    assert (mx >= 0).sum() > 500
