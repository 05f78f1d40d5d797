"""Camera moves over a still photo: pan, zoom and rotate with easing (Ken Burns).

The camera is described in the photo's own terms, so one move reads the same
for any photo and any output size:

- ``zoom``: magnification relative to the base fit (1 = the photo just fills
  or fits the frame, 2 = twice as close);
- ``pan``: the point of the photo at the frame centre, as fractions of its
  width and height ((0.5, 0.5) is the middle);
- ``rotate_deg``: rotation of the picture on screen, counter-clockwise
  as seen on screen (y points down).

Each is a ``(start, end)`` pair interpolated over the shot's progress
``t in [0, 1]`` after easing. Zoom is interpolated geometrically (in log space)
so that the apparent speed of a zoom is constant.

``camera_affine`` returns the *inverse* map (output px -> source px) that the
warp kernels sample with. Pixel centres sit at integer coordinates.
"""

from __future__ import annotations

import math

import numpy as np

from engine.errors import NodeError

EASINGS = ("linear", "in", "out", "in-out", "smooth")


def ease_progress(u: float, kind: str = "in-out") -> float:
    """Easing curve: progress ``u in [0, 1]`` -> eased progress in ``[0, 1]``.

    ``linear``; ``in`` (quadratic, starts slow); ``out`` (quadratic, ends slow);
    ``in-out`` (cubic smoothstep, zero speed at both ends); ``smooth``
    (quintic smootherstep, also zero acceleration at both ends).
    """
    u = min(1.0, max(0.0, float(u)))
    if kind == "linear":
        return u
    if kind == "in":
        return u * u
    if kind == "out":
        return 1.0 - (1.0 - u) * (1.0 - u)
    if kind == "in-out":
        return u * u * (3.0 - 2.0 * u)
    if kind == "smooth":
        return u * u * u * (u * (6.0 * u - 15.0) + 10.0)
    raise NodeError(f"unknown easing {kind!r}", kind="warp.camera", hint=f"use one of {EASINGS}")


def camera_affine(
    t: float,
    src_size: tuple[int, int],
    out_size: tuple[int, int],
    zoom: tuple[float, float] = (1.0, 1.0),
    pan: tuple[tuple[float, float], tuple[float, float]] = ((0.5, 0.5), (0.5, 0.5)),
    rotate_deg: tuple[float, float] = (0.0, 0.0),
    ease: str = "in-out",
    fit: str = "fill",
    clamp: bool = True,
) -> np.ndarray:
    """Inverse camera map at progress ``t`` of a shot.

    Parameters
    ----------
    t : float in [0, 1]
        Shot progress (frame index / (n_frames - 1)); clipped to [0, 1].
    src_size, out_size : (width, height) in px
        Photo and output frame sizes.
    zoom : (z0, z1), each > 0
        Magnification over the base fit at the start and end.
    pan : ((x0, y0), (x1, y1))
        Photo point at the frame centre, in fractions of photo width / height.
    rotate_deg : (r0, r1) in degrees
        On-screen rotation, counter-clockwise.
    ease : one of ``EASINGS``
    fit : "fill" or "fit"
        Base fit at zoom 1 (cover the frame, or letterbox the whole photo).
    clamp : bool
        In ``fill`` mode, move the pan point just enough that the visible
        rectangle stays inside the photo (no empty border) whenever the photo
        is large enough to allow it.

    Returns
    -------
    (2, 3) float64, output px -> source px.
    """
    src_w, src_h = (int(v) for v in src_size)
    out_w, out_h = (int(v) for v in out_size)
    if min(src_w, src_h, out_w, out_h) < 1:
        raise NodeError(
            f"camera needs positive sizes, got {src_w}x{src_h} -> {out_w}x{out_h}",
            kind="warp.camera",
            hint="check the photo and output sizes",
        )
    z0, z1 = (float(z) for z in zoom)
    if not (z0 > 0 and z1 > 0 and math.isfinite(z0) and math.isfinite(z1)):
        raise NodeError(
            f"zoom must be > 0, got ({z0}, {z1})", kind="warp.camera", hint="e.g. zoom: [1.0, 1.2]"
        )
    if fit not in ("fill", "fit"):
        raise NodeError(f"unknown fit {fit!r}", kind="warp.camera", hint="use 'fill' or 'fit'")

    e = ease_progress(t, ease)
    z = z0 * (z1 / z0) ** e  # geometric: constant apparent zoom speed
    (px0, py0), (px1, py1) = pan
    fx = px0 + (px1 - px0) * e
    fy = py0 + (py1 - py0) * e
    theta = math.radians(rotate_deg[0] + (rotate_deg[1] - rotate_deg[0]) * e)

    base = max if fit == "fill" else min
    s = z * base(out_w / src_w, out_h / src_h)  # output px per source px

    # Pan point in extent coordinates (0 .. W) of the photo.
    cx, cy = fx * src_w, fy * src_h
    if clamp and fit == "fill":
        # Half-size of the visible frame in source px, then its axis-aligned
        # bounding box after rotation; keep that box inside the photo.
        hw, hh = out_w / (2 * s), out_h / (2 * s)
        c, sn = abs(math.cos(theta)), abs(math.sin(theta))
        bw, bh = c * hw + sn * hh, sn * hw + c * hh
        cx = _clamp_centre(cx, bw, src_w)
        cy = _clamp_centre(cy, bh, src_h)

    # src = P + R(-theta) (out - C) / s, with C the frame centre and P the pan
    # point, both in pixel-centre coordinates (extent - 0.5).
    cos_t, sin_t = math.cos(theta), math.sin(theta)
    # On screen (y down) a counter-clockwise picture rotation by theta maps
    # source offsets by [[c, s], [-s, c]]; its inverse is the transpose.
    a = np.array([[cos_t, -sin_t], [sin_t, cos_t]]) / s
    out_c = np.array([out_w / 2 - 0.5, out_h / 2 - 0.5])
    src_c = np.array([cx - 0.5, cy - 0.5])
    m = np.empty((2, 3), np.float64)
    m[:, :2] = a
    m[:, 2] = src_c - a @ out_c
    return m


def _clamp_centre(c: float, half: float, size: float) -> float:
    if 2 * half >= size:
        return size / 2  # the photo is smaller than the view: centre it
    return min(max(c, half), size - half)
