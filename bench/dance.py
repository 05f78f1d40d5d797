"""Dancing-photo render speed at 1280x720, 25 fps, against the bare H.264 encode.

Prints, all measured in this one process:

    rig build time (cached setup, once per photo)
    per-stage ms per frame: pose (rig_pose), layers + edge flags, atlas copy,
        background copy, rasterise, encode
    render fps (rig_pose + render_dance_frame) vs real time
    encode fps of the same frames (SegmentWriter, veryfast CRF 20) and
    render+encode fps as a ratio of that bare-encode ceiling (goal >= 0.5)
    our rasteriser vs an OpenCV per-triangle warpAffine baseline on the same mesh

Photo: skimage's astronaut, scaled to 720 px high and widened to 1280 px with its
own edges (a waist-up photo: upper-body mode). Motion: arms waving, a lean.

Run: .venv/bin/python bench/dance.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from skimage.data import astronaut

from engine.nodes.body.select import person_pose
from engine.nodes.motion import skeleton as sk
from engine.nodes.output.segment import SegmentWriter
from engine.nodes.rig import build_body_rig, render_dance_frame, rig_pose
from engine.nodes.rig.layers import triangle_layers
from engine.nodes.rig.pose import pose_joints
from engine.nodes.rig.render import draw_mesh, edge_antialias, make_atlas

W, H, FPS, N_FRAMES = 1280, 720, 25, 100
B = sk.BONE_INDEX


def ms(t0: float, n: int = 1) -> float:
    return (time.perf_counter() - t0) * 1e3 / max(n, 1)


def photo_720p() -> np.ndarray:
    img = cv2.resize(astronaut(), (H, H), interpolation=cv2.INTER_CUBIC)
    pad = (W - H) // 2
    return cv2.copyMakeBorder(img, 0, 0, pad, W - H - pad, cv2.BORDER_REPLICATE)


def motion(rest: np.ndarray, n: int) -> np.ndarray:
    """(n, N_BONES) a wave of both arms and a sway of the spine, 2 s period."""
    t = np.arange(n) / FPS
    a = np.repeat(rest[None], n, axis=0)
    wave = np.sin(2 * np.pi * t / 2.0)
    a[:, B["l_upper_arm"]] -= 1.2 * (0.5 + 0.5 * wave)
    a[:, B["l_forearm"]] -= 1.8 * (0.5 + 0.5 * wave)
    a[:, B["r_upper_arm"]] += 0.8 * (0.5 - 0.5 * wave)
    a[:, B["r_forearm"]] -= 0.9 * (0.5 - 0.5 * wave)
    for name in sk.UPPER_BODY_BONES:
        a[:, B[name]] += 0.12 * np.sin(2 * np.pi * t / 4.0)
    return a


def warp_affine_baseline(tex, src, dst, tris, out) -> None:
    """Per-triangle cv2.warpAffine into the triangle's box, pasted through a fillConvexPoly mask."""
    for t in tris:
        s, d = src[t].astype(np.float32), dst[t].astype(np.float32)
        x0, y0 = np.floor(d.min(axis=0)).astype(int)
        x1, y1 = np.ceil(d.max(axis=0)).astype(int) + 1
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, out.shape[1]), min(y1, out.shape[0])
        if x1 <= x0 or y1 <= y0:
            continue
        m = cv2.getAffineTransform(s, d - np.float32([x0, y0]))
        patch = cv2.warpAffine(tex, m, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REFLECT_101)  # fmt: skip
        mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.fillConvexPoly(mask, np.round(d - [x0, y0]).astype(np.int32), 1)
        region = out[y0:y1, x0:x1]
        region[mask > 0] = patch[mask > 0]


def main() -> None:
    photo = photo_720p()
    pose = person_pose(photo)
    t0 = time.perf_counter()
    rig = build_body_rig(photo, pose, "upper")
    print(f"rig build: {ms(t0):.0f} ms  ({len(rig.triangles)} triangles, "
          f"{len(rig.tex_xy)} vertices)")  # fmt: skip
    angles = motion(rig.rest_angles, N_FRAMES)
    root = np.zeros(2)
    out = np.empty_like(photo)
    atlas = make_atlas(rig, photo)
    render_dance_frame(rig, photo, angles[0], root, out, atlas)  # compile the kernel

    frames = np.empty((N_FRAMES, H, W, 3), np.uint8)
    t0 = time.perf_counter()
    for i in range(N_FRAMES):
        render_dance_frame(rig, photo, angles[i], root, frames[i], atlas)
    render_ms = ms(t0, N_FRAMES)

    stage = dict.fromkeys(("pose", "layers+aa", "atlas", "background", "rasterise"), 0.0)
    for i in range(N_FRAMES):
        t0 = time.perf_counter()
        dst = rig_pose(rig, angles[i], root)
        stage["pose"] += ms(t0, N_FRAMES)
        t0 = time.perf_counter()
        order = triangle_layers(rig, pose_joints(rig, angles[i], root))
        aa = edge_antialias(rig, dst)
        stage["layers+aa"] += ms(t0, N_FRAMES)
        t0 = time.perf_counter()
        make_atlas(rig, photo, atlas)
        stage["atlas"] += ms(t0, N_FRAMES)
        t0 = time.perf_counter()
        out[:] = rig.background
        stage["background"] += ms(t0, N_FRAMES)
        t0 = time.perf_counter()
        draw_mesh(atlas, rig.tex_xy, dst, rig.triangles, out, order, aa)
        stage["rasterise"] += ms(t0, N_FRAMES)

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        with SegmentWriter(Path(tmp) / "enc.mp4", W, H, FPS, crf=20, preset="veryfast") as seg:
            for f in frames:
                seg.write(f)
        encode_ms = ms(t0, N_FRAMES)

    # Rasteriser vs per-triangle warpAffine on the same mesh (no atlas gap needed: the
    # baseline gets the same atlas), a waving frame.
    dst = rig_pose(rig, angles[N_FRAMES // 4], root)
    order = triangle_layers(rig, pose_joints(rig, angles[N_FRAMES // 4], root))
    aa = edge_antialias(rig, dst)
    seq = rig.triangles[np.argsort(order, kind="stable")]
    reps = 10
    t0 = time.perf_counter()
    for _ in range(reps):
        out[:] = rig.background
        draw_mesh(atlas, rig.tex_xy, dst, rig.triangles, out, order, aa)
    ours_ms = ms(t0, reps)
    t0 = time.perf_counter()
    for _ in range(reps):
        out[:] = rig.background
        warp_affine_baseline(atlas, rig.tex_xy, dst, seq, out)
    cv_ms = ms(t0, reps)

    render_fps, encode_fps = 1e3 / render_ms, 1e3 / encode_ms
    both_fps = 1e3 / (render_ms + encode_ms)
    print("per-stage ms/frame: " + ", ".join(f"{k} {v:.2f}" for k, v in stage.items())
          + f", encode {encode_ms:.2f}")  # fmt: skip
    print(f"render: {render_fps:.1f} fps ({render_fps / FPS:.2f}x real time at {FPS} fps)")
    print(f"bare encode (veryfast CRF 20): {encode_fps:.1f} fps")
    print(f"render+encode: {both_fps:.1f} fps = {both_fps / encode_fps:.2f}x the encode ceiling "
          f"(goal >= 0.5); render alone = {render_fps / encode_fps:.2f}x")  # fmt: skip
    print(f"rasterise {ours_ms:.2f} ms vs cv2 per-triangle warpAffine {cv_ms:.2f} ms "
          f"({cv_ms / ours_ms:.1f}x)")  # fmt: skip


if __name__ == "__main__":
    main()
