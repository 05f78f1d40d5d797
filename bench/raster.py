"""Textured-mesh rasterising: our numba rasteriser against two OpenCV ways to draw the same warp.

A face-like mesh (~500 triangles: concentric rings on an ellipse, Delaunay
triangulated) over a 720x720 photo, deformed as a talking face deforms (jaw
down, lips apart, a slight head turn), drawn into a 720x720 frame:

- ours: ``rasterise`` (inverse barycentric map, bilinear, anti-aliased outline);
- ``cv2.remap`` with a map precomputed by ``build_remap`` (the map build is
  timed separately: a new pose every frame needs a new map);
- per-triangle ``cv2.warpAffine`` of the triangle's bounding box + a
  ``cv2.fillConvexPoly`` mask + blend: the usual Python face-morph loop.

Prints best-of-N times in ms and ratios, and the max grey-level difference
from the remap result in the mesh interior. Writes
/tmp/photoplay_bench_raster_{ours,remap,per_tri}.png.

    .venv/bin/python bench/raster.py
"""

from __future__ import annotations

import time

import cv2
import numba
import numpy as np
from PIL import Image
from scipy import ndimage
from scipy.spatial import Delaunay
from skimage import data

from engine.nodes.warp.raster import build_remap, rasterise

SIZE = 720
N_RUNS = 10


def best_ms(fn, n=N_RUNS):
    fn()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * min(times)


def face_mesh(n_rings=13, n_per_ring=22):
    """Concentric rings on an ellipse around the face of the photo, Delaunay triangulated."""
    cx, cy, rx, ry = 0.5 * SIZE, 0.42 * SIZE, 0.3 * SIZE, 0.38 * SIZE
    pts = [(cx, cy)]
    for i in range(1, n_rings + 1):
        r = i / n_rings
        phase = 0.5 * (i % 2) * 2 * np.pi / n_per_ring  # stagger rings: nicer triangles
        for k in range(n_per_ring):
            a = phase + 2 * np.pi * k / n_per_ring
            pts.append((cx + r * rx * np.cos(a), cy + r * ry * np.sin(a)))
    pts = np.array(pts, np.float64)
    return pts.astype(np.float32), Delaunay(pts).simplices.astype(np.int32)


def talk_pose(src):
    """Jaw and lower lip down, a slight turn: smooth, like a landmark-driven face."""
    cx, cy = 0.5 * SIZE, 0.42 * SIZE
    dx, dy = (src[:, 0] - cx) / SIZE, (src[:, 1] - cy) / SIZE
    jaw = np.clip(dy - 0.05, 0, None) * 0.35 * SIZE * np.exp(-(dx**2) / 0.02)
    turn = 0.04 * SIZE * np.cos(np.pi * dy) * (1 - np.abs(dx) * 2)
    dst = src.copy()
    dst[:, 0] += turn
    dst[:, 1] += jaw
    return dst.astype(np.float32)


def per_triangle_warp(tex, src, dst, tris, out):
    """The common OpenCV face-morph loop: warp each triangle's box, mask, blend."""
    for t in tris:
        s, d = src[t], dst[t]
        sx, sy, sw, sh = cv2.boundingRect(s)
        dx, dy, dw, dh = cv2.boundingRect(d)
        x1, y1 = min(dx + dw, SIZE), min(dy + dh, SIZE)
        if dx < 0 or dy < 0 or x1 <= dx or y1 <= dy:
            continue
        m = cv2.getAffineTransform(s - np.float32([sx, sy]), d - np.float32([dx, dy]))
        patch = cv2.warpAffine(
            tex[sy : sy + sh, sx : sx + sw],
            m,
            (dw, dh),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REFLECT_101,
        )
        mask = np.zeros((dh, dw), np.float32)
        cv2.fillConvexPoly(mask, np.int32(np.round(d - [dx, dy])), 1.0, cv2.LINE_AA)
        roi = out[dy:y1, dx:x1]
        a = mask[: y1 - dy, : x1 - dx, None]
        roi[...] = (roi * (1 - a) + patch[: y1 - dy, : x1 - dx] * a).astype(np.uint8)
    return out


def main():
    tex = np.ascontiguousarray(cv2.resize(data.astronaut(), (SIZE, SIZE)))
    src, tris = face_mesh()
    dst = talk_pose(src)
    bg = np.full((SIZE, SIZE, 3), 40, np.uint8)
    print(f"mesh: {len(src)} vertices, {len(tris)} triangles, {SIZE}x{SIZE}, best of {N_RUNS}")

    out_ours = bg.copy()
    rasterise(tex, src, dst, tris, out_ours)
    map_x, map_y = build_remap(src, dst, tris, (SIZE, SIZE))
    covered = map_x >= 0
    out_remap = bg.copy()
    cv2.remap(tex, map_x, map_y, cv2.INTER_LINEAR, out_remap, cv2.BORDER_TRANSPARENT)
    out_tri = per_triangle_warp(tex, src, dst, tris, bg.copy())
    inner = ndimage.binary_erosion(covered, iterations=2)
    d_remap = np.abs(out_ours.astype(int) - out_remap)[inner].max()
    d_tri = np.abs(out_ours.astype(int) - out_tri)[inner]
    print(
        f"max |ours - remap| in the interior: {d_remap} grey levels;"
        f" per-triangle warpAffine: 99th pct {np.percentile(d_tri, 99):.0f}, max {d_tri.max()}"
        " (its integer boxes and polygon masks differ along every seam)"
    )
    t_map = best_ms(lambda: build_remap(src, dst, tris, (SIZE, SIZE)), n=3)
    n_threads = numba.config.NUMBA_NUM_THREADS
    for threads in sorted({n_threads, 1}, reverse=True):
        numba.set_num_threads(threads)
        cv2.setNumThreads(threads)
        buf = bg.copy()
        t_ours = best_ms(lambda buf=buf: rasterise(tex, src, dst, tris, buf))
        t_remap = best_ms(
            lambda buf=buf: cv2.remap(
                tex, map_x, map_y, cv2.INTER_LINEAR, buf, cv2.BORDER_TRANSPARENT
            )
        )
        t_tri = best_ms(lambda buf=buf: per_triangle_warp(tex, src, dst, tris, buf), n=3)
        print(f"[{threads} thread(s)]")
        print(f"  ours rasterise         {t_ours:7.2f} ms")
        print(
            f"  cv2.remap (map given)  {t_remap:7.2f} ms  -> ours/remap time {t_ours / t_remap:5.2f}x;"
            f" with the map built per frame ({t_map:.1f} ms, NumPy) remap/ours"
            f" {(t_remap + t_map) / t_ours:5.2f}x"
        )
        print(
            f"  per-triangle warpAffine {t_tri:6.2f} ms  -> per-tri/ours time {t_tri / t_ours:5.2f}x"
        )
    numba.set_num_threads(n_threads)
    for name, img in (("ours", out_ours), ("remap", out_remap), ("per_tri", out_tri)):
        Image.fromarray(img).save(f"/tmp/photoplay_bench_raster_{name}.png")
    print("frames: /tmp/photoplay_bench_raster_{ours,remap,per_tri}.png")


if __name__ == "__main__":
    main()
