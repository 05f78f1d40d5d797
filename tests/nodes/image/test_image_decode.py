"""Image decoding: orientation, colour profiles, modes, alpha, bad files, fitting."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from PIL import Image, ImageCms

from engine.errors import AssetError
from engine.nodes.image.decode import fit_transform, flatten_alpha, load_image
from engine.nodes.warp.affine import apply


def _halves(w: int, h: int) -> Image.Image:
    """Left half red, right half blue."""
    arr = np.zeros((h, w, 3), np.uint8)
    arr[:, : w // 2] = (255, 0, 0)
    arr[:, w // 2 :] = (0, 0, 255)
    return Image.fromarray(arr)


def test_exif_orientation_6_is_rotated_upright(tmp_path):
    path = tmp_path / "rotated.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # stored image must be turned 90 degrees clockwise for display
    _halves(40, 20).save(path, quality=95, exif=exif)
    img = load_image(path)
    assert img.shape == (40, 20, 4)  # portrait after rotation
    # Clockwise turn: the stored left (red) half ends up on top.
    top, bottom = img[5:15].reshape(-1, 4).mean(0), img[25:35].reshape(-1, 4).mean(0)
    assert top[0] > 200 and top[2] < 60
    assert bottom[2] > 200 and bottom[0] < 60


def test_greyscale_png_becomes_rgb_with_opaque_alpha(tmp_path):
    grey = np.arange(64, dtype=np.uint8).reshape(8, 8) * 4
    Image.fromarray(grey, "L").save(tmp_path / "g.png")
    img = load_image(tmp_path / "g.png")
    assert img.dtype == np.uint8 and img.shape == (8, 8, 4)
    for c in range(3):
        np.testing.assert_array_equal(img[..., c], grey)
    assert np.all(img[..., 3] == 255)


def test_rgba_png_keeps_alpha(tmp_path):
    rng = np.random.default_rng(3)
    rgba = rng.integers(0, 256, (10, 12, 4), dtype=np.uint8)
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    np.testing.assert_array_equal(load_image(tmp_path / "a.png"), rgba)


def test_palette_with_transparency(tmp_path):
    pal = Image.new("P", (6, 6), 0)
    pal.putpalette([10, 20, 30, 200, 100, 50] + [0] * 762)
    pal.putpixel((2, 3), 1)
    pal.save(tmp_path / "p.png", transparency=0)
    img = load_image(tmp_path / "p.png")
    assert tuple(img[3, 2]) == (200, 100, 50, 255)
    assert img[0, 0, 3] == 0


def test_16_bit_greyscale_is_scaled_to_8_bit(tmp_path):
    arr = np.array([[0, 257 * 128, 65535]], np.uint16)
    Image.fromarray(arr).save(tmp_path / "deep.png")
    img = load_image(tmp_path / "deep.png")
    np.testing.assert_array_equal(img[0, :, 0], [0, 128, 255])


def test_cmyk_jpeg_becomes_rgb(tmp_path):
    Image.new("CMYK", (8, 8), (0, 255, 255, 0)).save(tmp_path / "c.jpg", quality=95)
    px = load_image(tmp_path / "c.jpg")[4, 4]
    assert px[0] > 200 and px[1] < 60 and px[2] < 60  # C=0, M=Y=full: red


def _swapped_primaries_profile() -> bytes:
    """sRGB with its red and green primaries swapped: a profile that changes colours visibly."""
    icc = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    n_tags = struct.unpack(">I", icc[128:132])[0]
    entry = {}
    for i in range(n_tags):
        sig = bytes(icc[132 + 12 * i : 136 + 12 * i])
        entry[sig] = 136 + 12 * i  # where this tag's (offset, size) pair sits
    r, g = entry[b"rXYZ"], entry[b"gXYZ"]
    icc[r : r + 8], icc[g : g + 8] = icc[g : g + 8], icc[r : r + 8]
    icc[84:100] = bytes(16)  # clear the profile ID (an MD5 of the old bytes)
    return bytes(icc)


def test_icc_profile_is_converted_to_srgb(tmp_path):
    img = Image.new("RGB", (4, 4), (255, 0, 0))
    img.save(tmp_path / "icc.png", icc_profile=_swapped_primaries_profile())
    img.save(tmp_path / "plain.png")
    # Under the swapped profile, "red" pixel values mean sRGB green.
    np.testing.assert_array_equal(load_image(tmp_path / "icc.png")[0, 0], [0, 255, 0, 255])
    np.testing.assert_array_equal(load_image(tmp_path / "plain.png")[0, 0], [255, 0, 0, 255])


def test_broken_icc_profile_falls_back_to_plain_conversion(tmp_path):
    Image.new("RGB", (4, 4), (9, 99, 199)).save(tmp_path / "bad.png", icc_profile=b"not a profile")
    np.testing.assert_array_equal(load_image(tmp_path / "bad.png")[1, 1], [9, 99, 199, 255])


def test_truncated_jpeg_raises_asset_error_naming_file(tmp_path):
    path = tmp_path / "cut.jpg"
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(path, quality=90)
    path.write_bytes(path.read_bytes()[:600])
    with pytest.raises(AssetError, match="cut.jpg") as info:
        load_image(path)
    assert info.value.hint


def test_not_an_image_and_missing_file(tmp_path):
    (tmp_path / "notes.png").write_text("hello")
    with pytest.raises(AssetError, match="notes.png"):
        load_image(tmp_path / "notes.png")
    with pytest.raises(AssetError, match="not found"):
        load_image(tmp_path / "nope.jpg")


def test_large_image_is_shrunk_with_area_filter(tmp_path):
    arr = np.zeros((300, 600, 3), np.uint8)
    arr[:, ::2] = 255  # 1-px stripes: an area filter gives mid grey, point sampling would not
    Image.fromarray(arr).save(tmp_path / "big.png")
    img = load_image(tmp_path / "big.png", max_side=100)
    assert img.shape == (50, 100, 4)
    assert np.all(np.abs(img[..., :3].astype(int) - 128) <= 1)


def test_large_jpeg_uses_draft_and_keeps_aspect(tmp_path):
    Image.new("RGB", (2000, 1000), (30, 160, 90)).save(tmp_path / "big.jpg", quality=95)
    img = load_image(tmp_path / "big.jpg", max_side=240)
    assert img.shape == (120, 240, 4)
    assert np.all(np.abs(img[60, 120, :3].astype(int) - (30, 160, 90)) <= 3)


def test_flatten_alpha():
    rgba = np.array([[[200, 100, 0, 255], [200, 100, 0, 0], [200, 100, 0, 128]]], np.uint8)
    out = flatten_alpha(rgba, (0, 0, 100))
    np.testing.assert_array_equal(out[0, 0], [200, 100, 0])
    np.testing.assert_array_equal(out[0, 1], [0, 0, 100])
    np.testing.assert_array_equal(out[0, 2], [100, 50, 50])


@pytest.mark.parametrize("mode", ["fill", "fit"])
def test_fit_transform_maps_extent_into_frame(mode):
    m = fit_transform(400, 200, 100, 100, mode)
    corners = apply(m, [(-0.5, -0.5), (399.5, 199.5)])  # the photo's outer edges
    (x0, y0), (x1, y1) = corners
    assert x0 + x1 == pytest.approx(99.0) and y0 + y1 == pytest.approx(99.0)  # centred
    if mode == "fill":  # covers the frame: height fits exactly, width overflows
        assert (y0, y1) == pytest.approx((-0.5, 99.5))
        assert x0 < -0.5 and x1 > 99.5
    else:  # all visible: width fits exactly, bars above and below
        assert (x0, x1) == pytest.approx((-0.5, 99.5))
        assert y0 > -0.5 and y1 < 99.5


def test_fit_transform_rejects_bad_mode():
    with pytest.raises(AssetError, match="fit mode"):
        fit_transform(10, 10, 10, 10, "stretch")


def test_shrink_for_output_removes_aliasing_and_keeps_the_framing():
    from engine.nodes.image.decode import shrink_for_output
    from engine.nodes.warp.camera import camera_affine
    from engine.nodes.warp.compose import warp_frame

    stripes = np.zeros((900, 1800, 3), np.uint8)
    stripes[:, ::2] = 255  # finest detail: aliases badly when point-sampled at 0.1x
    small = shrink_for_output(stripes, 160, 90, zoom_max=1.0)
    assert small.shape == (90, 180, 3)
    assert np.all(np.abs(small.astype(int) - 128) <= 1)
    assert shrink_for_output(stripes, 160, 90, zoom_max=20.0) is stripes  # already enough px
    # A zoom of 1.07 with and without the pre-shrink, same framing.
    zoomed = shrink_for_output(stripes, 160, 90, zoom_max=1.07)
    assert zoomed.shape == (96, 193, 3)
    cam = camera_affine(0.0, (193, 96), (160, 90), zoom=(1.07, 1.07))
    frame = warp_frame(zoomed, cam, (160, 90)).astype(int)
    cam = camera_affine(0.0, (1800, 900), (160, 90), zoom=(1.07, 1.07))
    naive = warp_frame(stripes, cam, (160, 90)).astype(int)
    assert frame.std() < 10  # near-uniform grey
    assert naive.std() > 50  # what the shrink avoids: stripes sampled into moire


def test_flatten_alpha_of_an_opaque_photo_is_its_colours_byte_for_byte():
    rng = np.random.default_rng(0)
    rgba = rng.integers(0, 256, (40, 50, 4), dtype=np.uint8)
    rgba[..., 3] = 255
    blended = rgba.copy()
    blended[0, 0, 3] = 254  # one pixel not opaque: the blend runs, and agrees elsewhere
    assert np.array_equal(flatten_alpha(rgba, (10, 200, 30)), rgba[..., :3])
    assert np.array_equal(flatten_alpha(blended, (10, 200, 30))[1:], rgba[1:, :, :3])
