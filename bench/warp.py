"""Frame compositing: our fused numba kernel against the OpenCV pipeline doing the same.

A 2048x2048 photo -> a 1280x720 frame, in the same process:

1. plain warp: ``warp_frame`` vs ``cv2.warpAffine`` (INTER_LINEAR, BORDER_REPLICATE);
2. one photo with titles: ``compose_frame`` vs ``cv2.warpAffine`` + ``cv2.blendLinear``;
3. a cross-fade frame with a title and the disclosure label: ``compose_frame``
   (one pass) vs 2x ``cv2.warpAffine`` + ``cv2.addWeighted`` + ``cv2.blendLinear``
   for the straight-alpha overlay.

Each is timed with all threads and with one thread (segments render in
parallel processes, so per-core speed is what a long render sees). Times are
the best of N runs in ms. Also writes a few frames of a Ken Burns cross-fade
to /tmp/photoplay_bench_warp_*.png to look at.

    .venv/bin/python bench/warp.py
"""

from __future__ import annotations

import time

import cv2
import numba
import numpy as np
from PIL import Image
from skimage import data

from engine.nodes.text.render import label_overlay, text_overlay
from engine.nodes.warp.camera import camera_affine
from engine.nodes.warp.compose import compose_frame, warp_frame

SRC_SIDE = 2048
OUT_W, OUT_H = 1280, 720
N_RUNS = 15


def best_ms(fn, n=N_RUNS):
    fn()  # warm-up (and JIT)
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * min(times)


def full_frame_overlay(*overlays):
    """Merge positioned straight-alpha overlays into one frame-sized straight-alpha layer."""
    layer = Image.new("RGBA", (OUT_W, OUT_H), (0, 0, 0, 0))
    for o in overlays:
        layer.alpha_composite(Image.fromarray(np.asarray(o.rgba)), dest=o.xy)
    return np.asarray(layer).copy()


def cv2_pipeline(src_a, inv_a, src_b, inv_b, w_b, ov_rgb, ov_w, ov_w_inv):
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    a = cv2.warpAffine(src_a, inv_a, (OUT_W, OUT_H), flags=flags, borderMode=cv2.BORDER_REPLICATE)
    b = cv2.warpAffine(src_b, inv_b, (OUT_W, OUT_H), flags=flags, borderMode=cv2.BORDER_REPLICATE)
    mix = cv2.addWeighted(a, 1.0 - w_b, b, w_b, 0.0)
    return cv2.blendLinear(ov_rgb, mix, ov_w, ov_w_inv)


def main():
    photo_a = cv2.resize(data.astronaut(), (SRC_SIDE, SRC_SIDE), interpolation=cv2.INTER_CUBIC)
    photo_b = cv2.resize(data.coffee(), (SRC_SIDE, SRC_SIDE), interpolation=cv2.INTER_CUBIC)
    src_size, out_size = (SRC_SIDE, SRC_SIDE), (OUT_W, OUT_H)
    inv_a = camera_affine(0.7, src_size, out_size, zoom=(1.0, 1.3), pan=((0.5, 0.5), (0.45, 0.3)))
    inv_b = camera_affine(0.1, src_size, out_size, zoom=(1.2, 1.0), rotate_deg=(-3, 0))
    w_b = 0.35
    title = text_overlay("Grandma Rosa, 1962 — Γιαγιά — Бабушка", OUT_W, OUT_H, anchor="bottom")
    label = label_overlay("AI-animated photo", OUT_W, OUT_H, "top-right", backdrop_luma=200)
    overlay = full_frame_overlay(title, label)
    # cv2.blendLinear wants float32 weights; computing them once is the baseline's best case.
    ov_w = overlay[..., 3].astype(np.float32) / 255.0
    ov_w_inv = 1.0 - ov_w
    ov_rgb = np.ascontiguousarray(overlay[..., :3])
    out = np.empty((OUT_H, OUT_W, 3), np.uint8)

    def ours_fused():
        return compose_frame(
            photo_a, inv_a, out_size, src_b=photo_b, inv_b=inv_b, w_b=w_b, overlay=overlay, out=out
        )

    def theirs_fused():
        return cv2_pipeline(photo_a, inv_a, photo_b, inv_b, w_b, ov_rgb, ov_w, ov_w_inv)

    def ours_overlay():  # the common frame: one photo, titles, label, no cross-fade
        return compose_frame(photo_a, inv_a, out_size, overlay=overlay, out=out)

    def theirs_overlay():
        flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
        a = cv2.warpAffine(photo_a, inv_a, out_size, flags=flags, borderMode=cv2.BORDER_REPLICATE)
        return cv2.blendLinear(ov_rgb, a, ov_w, ov_w_inv)

    def ours_warp():
        return warp_frame(photo_a, inv_a, out_size, out=out)

    def theirs_warp():
        return cv2.warpAffine(
            photo_a,
            inv_a,
            out_size,
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REPLICATE,
        )

    d_warp = np.abs(ours_warp().astype(int) - theirs_warp()).max()
    d_fused = np.abs(ours_fused().astype(int) - theirs_fused()).max()
    print(f"source {SRC_SIDE}x{SRC_SIDE} -> output {OUT_W}x{OUT_H}, best of {N_RUNS} runs")
    print(f"max |ours - cv2|: plain warp {d_warp} grey levels, fused frame {d_fused}")
    n_threads = numba.config.NUMBA_NUM_THREADS
    for threads in sorted({n_threads, 1}, reverse=True):
        numba.set_num_threads(threads)
        cv2.setNumThreads(threads)
        t_ow, t_cw = best_ms(ours_warp), best_ms(theirs_warp)
        t_oo, t_co = best_ms(ours_overlay), best_ms(theirs_overlay)
        t_of, t_cf = best_ms(ours_fused), best_ms(theirs_fused)
        print(f"[{threads} thread(s)]")
        print(
            f"  plain warp : ours {t_ow:6.2f} ms  cv2.warpAffine {t_cw:6.2f} ms"
            f"  -> ours/cv2 time {t_ow / t_cw:4.2f}x"
        )
        print(
            f"  warp+titles: ours {t_oo:6.2f} ms  cv2 warp+blend {t_co:6.2f} ms"
            f"  -> cv2/ours time {t_co / t_oo:4.2f}x (>1: ours faster)"
        )
        print(
            f"  fused frame: ours {t_of:6.2f} ms  cv2 pipeline   {t_cf:6.2f} ms"
            f"  -> cv2/ours time {t_cf / t_of:4.2f}x (>1: ours faster)"
        )
    numba.set_num_threads(n_threads)

    # A few frames of a Ken Burns cross-fade with title and label, to look at.
    for i, t in enumerate((0.0, 0.5, 1.0)):
        m_a = camera_affine(t, src_size, out_size, zoom=(1.0, 1.4), pan=((0.5, 0.5), (0.45, 0.3)))
        m_b = camera_affine(t, src_size, out_size, zoom=(1.3, 1.0), rotate_deg=(-4, 0))
        frame = compose_frame(
            photo_a, m_a, out_size, src_b=photo_b, inv_b=m_b, w_b=t, overlay=overlay
        )
        Image.fromarray(frame).save(f"/tmp/photoplay_bench_warp_{i}.png")
    print("frames: /tmp/photoplay_bench_warp_{0,1,2}.png")


if __name__ == "__main__":
    main()
