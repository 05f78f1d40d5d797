"""Decode a photo into sRGB RGBA pixels, and fit it to the output frame.

Whatever arrives (JPEG with an EXIF rotation, a CMYK scan with its ICC
profile, a 16-bit greyscale PNG, a palette GIF with transparency), the
renderer gets one thing: an upright ``(H, W, 4) uint8`` sRGB image with
straight (not premultiplied) alpha, its longest side at most ``max_side``.

Coordinates used by the affines here and in ``engine.nodes.warp``: pixel
``(x, y)`` has its centre at integer ``(x, y)`` and covers
``[x - 0.5, x + 0.5] x [y - 0.5, y + 0.5]`` (the OpenCV convention), so an
image of width ``W`` spans ``[-0.5, W - 0.5]``.
"""

from __future__ import annotations

import io
import math
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from engine.errors import AssetError

_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def load_image(path: str | Path, max_side: int = 4096) -> np.ndarray:
    """Read an image file as upright sRGB RGBA.

    Parameters
    ----------
    path : str or Path
        Any still image Pillow decodes (JPEG, PNG, WebP, TIFF, GIF, BMP, ...).
    max_side : int > 0
        Longest side of the result in px; larger images are shrunk with an
        area (box) filter, aspect ratio kept.

    Returns
    -------
    (H, W, 4) uint8, sRGB, straight alpha (255 where the file has none).

    Raises
    ------
    AssetError
        The file is missing, not an image, truncated or otherwise undecodable.
    """
    path = Path(path)
    if max_side < 1:
        raise AssetError(f"{path}: max_side must be >= 1, got {max_side}", hint="use e.g. 4096")
    if not path.is_file():
        raise AssetError(f"image not found: {path}", hint="check the path in the scene file")
    try:
        with warnings.catch_warnings():
            # We shrink huge images ourselves; only Pillow's hard bomb limit applies.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                _draft_jpeg(im, max_side)
                im.load()
                im = ImageOps.exif_transpose(im)
                rgba = _to_srgb_rgba(im)
    except Image.DecompressionBombError as exc:
        raise AssetError(
            f"image too large to decode safely: {path} ({exc})",
            hint="downscale the photo below ~170 megapixels",
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise AssetError(
            f"cannot decode image {path}: {exc}",
            hint="the file is truncated, corrupt or not an image; re-export it as PNG or JPEG",
        ) from None
    return _shrink(rgba, max_side)


def flatten_alpha(rgba: np.ndarray, background=(0, 0, 0)) -> np.ndarray:
    """Composite straight-alpha ``(H, W, 4) uint8`` over a solid colour -> ``(H, W, 3) uint8``."""
    if rgba.ndim != 3 or rgba.shape[2] != 4:
        raise AssetError(f"expected (H, W, 4) RGBA, got shape {rgba.shape}", hint="use load_image")
    if (rgba[..., 3] == 255).all():  # opaque (every JPEG): the colours as they are, same bytes
        return np.ascontiguousarray(rgba[..., :3])
    a = rgba[..., 3:4].astype(np.float32) / 255.0
    bg = np.asarray(background, np.float32).reshape(1, 1, 3)
    out = rgba[..., :3].astype(np.float32) * a + bg * (1.0 - a)
    return np.ascontiguousarray(np.clip(out + 0.5, 0, 255).astype(np.uint8))


def fit_transform(src_w: int, src_h: int, out_w: int, out_h: int, mode: str = "fill") -> np.ndarray:
    """Base affine that places a ``src_w x src_h`` image in an ``out_w x out_h`` frame.

    ``mode="fill"`` scales so the image covers the frame (cropping the
    overflow, centred); ``mode="fit"`` scales so all of it shows (letterbox).
    Camera moves compose on top of this matrix.

    Returns
    -------
    (2, 3) float64, source px -> output px (pixel centres at integers).
    """
    if min(src_w, src_h, out_w, out_h) < 1:
        raise AssetError(
            f"fit_transform needs positive sizes, got {src_w}x{src_h} -> {out_w}x{out_h}",
            hint="check the image and output sizes",
        )
    sx, sy = out_w / src_w, out_h / src_h
    if mode == "fill":
        s = max(sx, sy)
    elif mode == "fit":
        s = min(sx, sy)
    else:
        raise AssetError(f"unknown fit mode {mode!r}", hint="use 'fill' or 'fit'")
    # Centre maps to centre: in extent coordinates (x + 0.5) the map is a pure
    # scale about the image centre, moved to the frame centre.
    tx = out_w / 2 - s * src_w / 2 + 0.5 * s - 0.5
    ty = out_h / 2 - s * src_h / 2 + 0.5 * s - 0.5
    return np.array([[s, 0.0, tx], [0.0, s, ty]], np.float64)


def shrink_for_output(
    img: np.ndarray, out_w: int, out_h: int, zoom_max: float = 1.0, mode: str = "fill"
) -> np.ndarray:
    """Pre-shrink a photo (area filter) so a camera move never minifies it by more than 1x.

    Bilinear sampling of a photo much larger than the frame aliases (shimmer
    and moire during a slow zoom). Shrinking it once per shot to the size the
    largest zoom needs avoids that and makes every frame's warp cheaper.
    Pan is given in fractions of the photo, so ``camera_affine`` takes the
    shrunk size unchanged.

    Parameters
    ----------
    img : (H, W, 3) or (H, W, 4) uint8
    out_w, out_h : int px, the output frame
    zoom_max : float > 0, the largest zoom of the shot
    mode : "fill" or "fit", as in ``fit_transform``

    Returns
    -------
    (H', W', C) uint8, H'/H = W'/W <= 1 (``img`` itself when no shrink is needed).
    """
    h, w = img.shape[:2]
    base = fit_transform(w, h, out_w, out_h, mode)[0, 0]
    s = base * max(float(zoom_max), 1e-6)  # output px per source px at the closest zoom
    if s >= 1.0:
        return img
    size = (max(1, round(w * s)), max(1, round(h * s)))
    pil_mode = {3: "RGB", 4: "RGBA"}.get(img.shape[2] if img.ndim == 3 else 0)
    if pil_mode is None or img.dtype != np.uint8:
        raise AssetError(f"expected (H, W, 3|4) uint8, got {img.dtype} {img.shape}", hint="")
    return np.asarray(Image.fromarray(img, pil_mode).resize(size, Image.Resampling.BOX)).copy()


def _draft_jpeg(im: Image.Image, max_side: int) -> None:
    """Let libjpeg decode at 1/2, 1/4 or 1/8 scale when the photo is far too big."""
    w, h = im.size
    if im.format == "JPEG" and max(w, h) > max_side:
        s = max_side / max(w, h)
        # draft picks the smallest DCT scale that still gives at least this size.
        im.draft(None, (math.ceil(w * s), math.ceil(h * s)))


def _to_srgb_rgba(im: Image.Image) -> np.ndarray:
    """Any Pillow mode (with or without an ICC profile) -> (H, W, 4) uint8 sRGB."""
    alpha = None
    if im.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        im = _high_bit_depth_to_l(im)
    if im.mode in ("P", "PA", "La", "RGBa"):
        im = im.convert("RGBA")
    elif im.mode == "1":
        im = im.convert("L")
    if im.mode in ("RGBA", "LA"):
        # Keep alpha aside so the colour channels can go through the ICC transform.
        alpha = np.asarray(im.getchannel("A"))
        im = im.convert("RGB" if im.mode == "RGBA" else "L")

    icc = im.info.get("icc_profile")
    rgb = None
    if (icc and im.mode in ("RGB", "L", "CMYK", "LAB")) or im.mode == "LAB":
        try:
            if icc:
                src_profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            else:  # CIELAB pixels carry their meaning without a profile
                src_profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB"))
            rgb = ImageCms.profileToProfile(im, src_profile, _SRGB, outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError):
            rgb = None  # a broken embedded profile: fall back to the plain conversion
    if rgb is None:
        try:
            rgb = im.convert("RGB")
        except ValueError as exc:
            raise AssetError(
                f"unsupported image mode {im.mode}: {exc}", hint="re-export the image as sRGB"
            ) from None
    out = np.empty((rgb.height, rgb.width, 4), np.uint8)
    out[..., :3] = np.asarray(rgb)
    out[..., 3] = 255 if alpha is None else alpha
    return out


def _high_bit_depth_to_l(im: Image.Image) -> Image.Image:
    """16-bit / 32-bit / float greyscale -> 8-bit L, scaled by the sample range."""
    arr = np.asarray(im).astype(np.float64)
    if im.mode == "F":
        top = 1.0 if arr.max(initial=0.0) <= 1.0 else 255.0
    else:
        top = 65535.0 if im.mode.startswith("I;16") or arr.max(initial=0) > 255 else 255.0
    l8 = np.clip(np.floor(arr * (255.0 / top) + 0.5), 0, 255).astype(np.uint8)
    out = Image.fromarray(l8, "L")
    if "icc_profile" in im.info:
        out.info["icc_profile"] = im.info["icc_profile"]
    return out


def _shrink(rgba: np.ndarray, max_side: int) -> np.ndarray:
    h, w = rgba.shape[:2]
    if max(h, w) <= max_side:
        return rgba
    s = max_side / max(h, w)
    size = (max(1, round(w * s)), max(1, round(h * s)))
    # Pillow resizes RGBA in premultiplied form, so transparent pixels do not bleed.
    small = Image.fromarray(rgba, "RGBA").resize(size, Image.Resampling.BOX)
    return np.asarray(small).copy()
