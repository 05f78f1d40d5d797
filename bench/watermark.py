"""Robustness table of Photoplay's watermark against the `invisible-watermark` package (dwtDct).

Usage:
    .venv/bin/python bench/watermark.py [--frames 50] [--iwm-python /tmp/iwm-venv/bin/python]
    .venv/bin/python bench/watermark.py --calibrate 1000
    .venv/bin/python bench/watermark.py --sizes [--only 256x144,1280x720]

Clips: 1280x720, 25 fps, a camera panning and slowly zooming over skimage's
astronaut, coffee and chelsea. Each attack is applied to the marked clip; ours
reads all frames at once, dwtDct decodes each frame and votes per bit.

Columns: raw bit accuracy (ours: the 210 coded bits before error correction;
dwtDct: its 64 bits per frame, averaged), payload bit accuracy after error
correction (ours: Viterbi + CRC; dwtDct: majority vote over frames), clips whose
payload came back exactly, PSNR (min over frames), embed and detect ms/frame.

`invisible-watermark` pulls opencv-python, which clashes with our
opencv-python-headless, so it runs from its own venv when --iwm-python is given
(python -m venv /tmp/iwm-venv; pip install numpy opencv-python-headless
PyWavelets Pillow; pip install --no-deps invisible-watermark). Bench only.

Measured (fourth pass: the unused PSNR budget spent on textured blocks, frames at
~41 dB; 50 frames, CPU ms on the shared 2-core machine; payload recovered = of 3 clips):

| attack | ours raw bits | ours payload | recovered | detect ms/frame | dwtDct recovered |
|---|---|---|---|---|---|
| none | 100.0% | 100.0% | 3/3 | 54 | 3/3 |
| H.264 CRF 23 | 98.9% | 100.0% | 3/3 | 53 | 0/3 |
| H.264 CRF 28 | 97.1% | 100.0% | 3/3 | 54 | 0/3 |
| 0.5x resize | 100.0% | 100.0% | 3/3 | 19 | 0/3 |
| 10% crop | 100.0% | 100.0% | 3/3 | 58 | 0/3 |
| +10% brightness | 100.0% | 100.0% | 3/3 | 54 | 3/3 |
| -10% brightness | 100.0% | 100.0% | 3/3 | 54 | 2/3 |
| CRF 28 + 0.5x | 89.5% | 100.0% | 3/3 | 17 | 0/3 |
| CRF 28, frames 20+ (no I-frame) | 92.9% | 100.0% | 3/3 | 69 | 0/3 |

Ours: PSNR min 41.0 dB, embed 3.2 ms/frame at 1280x720; dwtDct: 40.1 dB, 89 ms/frame
(dwtDct column from the third pass, not rerun). Third pass (frames at 42.8-45 dB):
raw bits 89.8% at CRF 28, 77.5% / 2/3 at CRF 28 + 0.5x and 80.0% / 2/3 without the
I-frame; chelsea was lost in both (pilot-B z 3.1 and 3.2, CRC fails), coffee passed
at z 3.05 and 3.0; now z >= 5.3 and >= 6.1 (astronaut / coffee / chelsea: 5.6 / 5.3 /
5.7 and 6.8 / 6.2 / 6.1). A second, coarser carrier layer was tried against these two
rows and made them worse (numbers in engine/nodes/ethics/watermark.py's docstring).

Per output size (``--sizes``, issue 11, item 16): the same three shots scaled to
each 16:9 size (the pan in px scaled with the width), 50 frames (1080p: 30),
marked, then written as the renderer writes them (CRF 20, veryfast, no B-frames;
"as rendered"), then re-encoded with libx264 defaults (preset medium) at the same
size, or area-downscaled 0.5x (to even sides) first. Clips recovered of 3, and
the pilot-B z of astronaut / coffee / chelsea (3.0 needed, and the CRC; a z near
5 can still lose the payload: the Viterbi decoder needs ~80% raw coded bits).
Embed / detect: CPU ms per frame on the shared 2-core machine, as rendered.

| size | cell px | as rendered | CRF 23 | CRF 28 | 0.5x + CRF 23 | PSNR min | embed / detect ms |
|---|---|---|---|---|---|---|---|
| 112x64 | 1.00 | 3/3 (8.6 / 9.4 / 8.3) | 3/3 (7.4 / 8.6 / 7.7) | 2/3 (5.4 / 6.6 / 5.8) | under 64 px | 34.5 | 0.0 / 8 |
| 192x128 | 2.00 | 3/3 (5.4 / 7.2 / 8.3) | 2/3 (3.0 / 6.1 / 7.3) | 0/3 (2.0 / 0.0 / 4.8) | 0/3 (2.1 / 3.4 / 5.6) | 40.4 | 0.1 / 8 |
| 256x144 | 2.25 | 3/3 (7.1 / 8.1 / 7.6) | 3/3 (4.6 / 5.7 / 6.1) | 0/3 (3.0 / 0.7 / 3.5) | 0/3 (0.1 / 1.6 / 1.0) | 40.5 | 0.1 / 8 |
| 320x320 | 5.00 | 3/3 (7.3 / 8.2 / 8.4) | 3/3 (5.9 / 6.7 / 6.7) | 0/3 (4.7 / 5.1 / 5.5) | 1/3 (0.2 / 5.6 / 5.8) | 40.5 | 0.3 / 12 |
| 456x256 | 4.00 | 3/3 (8.1 / 8.5 / 8.5) | 3/3 (6.7 / 7.0 / 7.4) | 3/3 (5.0 / 3.9 / 5.9) | 2/3 (5.1 / 2.7 / 5.1) | 40.5 | 0.3 / 13 |
| 640x360 | 5.62 | 3/3 (8.7 / 9.2 / 8.8) | 3/3 (7.6 / 7.8 / 7.8) | 3/3 (5.9 / 5.7 / 5.5) | 3/3 (5.0 / 4.1 / 4.7) | 40.5 | 0.6 / 11 |
| 854x480 | 7.50 | 3/3 (8.7 / 8.8 / 8.9) | 3/3 (7.7 / 7.5 / 7.9) | 3/3 (6.8 / 5.7 / 6.7) | 3/3 (5.5 / 4.8 / 6.0) | 41.0 | 1.1 / 21 |
| 1280x720 | 11.25 | 3/3 (8.9 / 9.1 / 8.7) | 3/3 (8.3 / 8.5 / 7.9) | 3/3 (7.0 / 6.9 / 7.2) | 3/3 (6.8 / 6.8 / 7.1) | 41.0 | 2.4 / 30 |
| 1920x1080 | 16.88 | 3/3 (8.6 / 8.4 / 7.7) | 3/3 (8.3 / 8.0 / 7.2) | 3/3 (7.8 / 7.2 / 6.7) | 3/3 (7.5 / 7.0 / 6.4) | 41.3 | 4.9 / 45 |

So a default re-encode at the same size keeps the mark from 256x144 up; CRF 28
from 456x256 up; a 0.5x downscale (+ CRF 23) only of renders with a short side
of 360 px or more (after it, 180 px and 2.8-px cells). At 192x128 (the test
suite's size) one clip in three is lost after CRF 23. 112x64 keeps the mark
because the frames go out at 34.5 dB: the PSNR floor does not hold there (the
mask's 8x8 blocks and its flat-area minimum on a frame of 14 x 8 blocks).
A floor on the cell size, tried against the small rows, made them worse (numbers
in engine/nodes/ethics/watermark.py's docstring). Borderline cells move between
runs: CRF 28 at 320x320 was 1/3 in an earlier run (chelsea at z 5.4), 0/3 here.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import skimage.data

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.nodes.ethics import watermark_detect as wd  # noqa: E402
from engine.nodes.ethics.ecc import conv_encode, payload_bits  # noqa: E402
from engine.nodes.ethics.watermark import cell_px  # noqa: E402
from engine.nodes.ethics.watermark_embed import embed_frame  # noqa: E402
from tests.nodes.ethics.clips import h264, moving_clip  # noqa: E402

PAYLOAD, KEY = 0x5EED0F1CE123, 7


def resize(frames, factor):
    """Area resize by factor, to even sides (so the result can be coded as yuv420p)."""
    h, w = frames[0].shape[:2]
    size = (2 * round(w * factor / 2), 2 * round(h * factor / 2))
    return [cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in frames]


def crop(frames, frac=0.1):
    h, w = frames[0].shape[:2]
    y0, x0 = int(h * frac * 0.6), int(w * frac * 0.3)
    hh, ww = int(h * (1 - frac)), int(w * (1 - frac))
    return [np.ascontiguousarray(f[y0 : y0 + hh, x0 : x0 + ww]) for f in frames]


def brightness(frames, gain):
    return [np.clip(f * np.float32(gain), 0, 255).astype(np.uint8) for f in frames]


ATTACKS = {
    "none": lambda f: f,
    "H.264 CRF 23": lambda f: h264(f, 23),
    "H.264 CRF 28": lambda f: h264(f, 28),
    "0.5x resize": lambda f: resize(f, 0.5),
    "10% crop": crop,
    "+10% brightness": lambda f: brightness(f, 1.1),
    "-10% brightness": lambda f: brightness(f, 0.9),
    "CRF 28 + 0.5x": lambda f: h264(resize(f, 0.5), 28),
    # The attacker's GOP starts at frame 0: read only P and B frames.
    "CRF 28, frames 20+ (no I-frame)": lambda f: h264(f, 28)[20:],
}


def psnr_db(a, b):
    return 10 * np.log10(255.0**2 / np.mean((a.astype(np.float64) - b) ** 2))


# ---------------------------------------------------------------- ours


def run_ours(clips):
    bits, code = payload_bits(PAYLOAD), conv_encode(payload_bits(PAYLOAD))
    rows = {a: {"raw": [], "ecc": [], "ok": 0, "det_ms": []} for a in ATTACKS}
    embed_ms, psnrs, marked_clips = [], [], []
    for clip in clips:
        embed_frame(clip[0], PAYLOAD, KEY, 0)  # JIT and caches warm
        t0 = time.process_time()  # CPU time: the bench machine is shared
        marked = [embed_frame(f, PAYLOAD, KEY, i) for i, f in enumerate(clip)]
        embed_ms.append((time.process_time() - t0) * 1e3 / len(clip))
        psnrs.append(min(psnr_db(a, b) for a, b in zip(clip, marked, strict=True)))
        marked_clips.append(marked)
        for name, attack in ATTACKS.items():
            frames = attack(marked)
            t0 = time.process_time()
            found = wd.detect(frames, KEY)
            rows[name]["det_ms"].append((time.process_time() - t0) * 1e3 / len(frames))
            rows[name]["raw"].append(np.mean(found.raw_bits == code))
            rows[name]["ecc"].append(np.mean(found.bits == bits))
            rows[name]["ok"] += int(found.found and found.payload == PAYLOAD)
    return rows, float(np.mean(embed_ms)), float(np.min(psnrs)), marked_clips


# ---------------------------------------------------------------- invisible-watermark


def iwm_worker(path_in: str, path_out: str) -> None:
    """Runs inside the invisible-watermark venv: embed or decode the frames in an .npz."""
    from imwatermark import WatermarkDecoder, WatermarkEncoder

    data = np.load(path_in)
    frames, mode = data["frames"], str(data["mode"])
    t0 = time.process_time()
    if mode == "embed":
        enc = WatermarkEncoder()
        enc.set_watermark("bits", [int(b) for b in data["bits"]])
        out = np.stack([enc.encode(f[..., ::-1].copy(), "dwtDct")[..., ::-1] for f in frames])
    else:
        dec = WatermarkDecoder("bits", 64)
        out = np.stack([np.array(dec.decode(f[..., ::-1].copy(), "dwtDct")) for f in frames])
    ms = (time.process_time() - t0) * 1e3 / len(frames)
    np.savez(path_out, out=out, ms=ms)


def _iwm_call(python: str, frames, mode: str, bits=None):
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in.npz", Path(tmp) / "out.npz"
        np.savez(src, frames=np.stack(frames), mode=mode, bits=bits if bits is not None else [])
        subprocess.run(
            [python, __file__, "--iwm-worker", str(src), str(dst)], check=True, timeout=600
        )
        res = np.load(dst)
        return res["out"], float(res["ms"])


def run_iwm(python: str, clips):
    bits = payload_bits(PAYLOAD)
    rows = {a: {"raw": [], "ecc": [], "ok": 0, "det_ms": []} for a in ATTACKS}
    embed_ms, psnrs = [], []
    for clip in clips:
        marked, ms = _iwm_call(python, clip, "embed", bits)
        marked = list(marked)
        embed_ms.append(ms)
        psnrs.append(min(psnr_db(a, b) for a, b in zip(clip, marked, strict=True)))
        for name, attack in ATTACKS.items():
            frames = attack(marked)
            if min(frames[0].shape[:2]) < 256:  # its decoder raises below 256 px
                rows[name]["raw"].append(np.nan)
                rows[name]["ecc"].append(np.nan)
                continue
            decoded, ms = _iwm_call(python, frames, "decode")
            rows[name]["det_ms"].append(ms)
            decoded = decoded.astype(np.uint8)
            rows[name]["raw"].append(np.mean(decoded == bits[None, :]))
            voted = (decoded.mean(axis=0) > 0.5).astype(np.uint8)
            rows[name]["ecc"].append(np.mean(voted == bits))
            rows[name]["ok"] += int(np.array_equal(voted, bits))
    return rows, float(np.mean(embed_ms)), float(np.min(psnrs))


# ---------------------------------------------------------------- table


def table(title, rows, embed_ms, psnr, n_clips):
    print(f"\n### {title}  (PSNR min {psnr:.1f} dB, embed {embed_ms:.1f} ms/frame at 1280x720)\n")
    print("| attack | raw bit acc. | payload bit acc. | payload recovered | detect ms/frame |")
    print("|---|---|---|---|---|")
    for name, r in rows.items():
        ms = f"{np.mean(r['det_ms']):.1f}" if r["det_ms"] else "n/a"
        raw = "n/a" if np.all(np.isnan(r["raw"])) else f"{np.nanmean(r['raw']):.1%}"
        ecc = "n/a" if np.all(np.isnan(r["ecc"])) else f"{np.nanmean(r['ecc']):.1%}"
        print(f"| {name} | {raw} | {ecc} | {r['ok']}/{n_clips} | {ms} |")


# ---------------------------------------------------------------- calibration


def calibrate(n_keys: int, n_frames: int) -> None:
    """Scores and CRC passes on unmarked clips and on marked clips read with wrong keys."""
    rng = np.random.default_rng(2026)
    clips = [moving_clip(skimage.data.astronaut(), n_frames)]
    clips.append(moving_clip(skimage.data.coffee(), n_frames))
    marked = [embed_frame(f, PAYLOAD, KEY, i) for i, f in enumerate(clips[1])]
    scores, crc_pass, t0 = [], 0, time.perf_counter()
    for frames in (clips[0], clips[1], h264(marked, 28)):
        cell = cell_px(*frames[0].shape[:2])
        residuals = [wd._highpass(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY), cell) for f in frames]
        period = (wd.TILE_CELLS * cell,) * 2
        tiles = [wd.fold(r, period) for r in residuals]
        for key in rng.integers(KEY + 1, 2**62, n_keys // 3):
            found = wd.read_tiles(tiles, int(key), wd.SCORE_THRESHOLD, period)
            scores.append(found.score)
            crc_pass += int(wd.check_payload(found.bits) is not None)
    s = np.array(scores)
    print(f"\n### Calibration: {len(s)} wrong/unmarked reads ({time.perf_counter() - t0:.0f} s)\n")
    print(f"score mean {s.mean():.3f}, std {s.std():.3f}, max {s.max():.2f}")
    print(f"P(score >= {wd.SCORE_THRESHOLD}) measured {np.mean(s >= wd.SCORE_THRESHOLD):.4f}, "
          f"Hoeffding bound {np.exp(-wd.SCORE_THRESHOLD**2 / 2):.4f}")  # fmt: skip
    print(f"CRC passed {crc_pass}/{len(s)} (expected {len(s) / 65536:.3f})")
    print(f"false positive bound 2**-16 * exp(-t**2 / 2) = "
          f"{2**-16 * np.exp(-wd.SCORE_THRESHOLD**2 / 2):.1e}")  # fmt: skip


# ---------------------------------------------------------------- sizes


SIZES = [
    (192, 128),
    (256, 144),
    (320, 320),
    (456, 256),
    (640, 360),
    (854, 480),
    (1280, 720),
    (1920, 1080),
]


def rendered(frames: list[np.ndarray]) -> list[np.ndarray]:
    """The render's own encode (engine/nodes/output/segment.py defaults): CRF 20, veryfast."""
    return h264(frames, 20, preset="veryfast", bf="0")


SIZE_ATTACKS = {
    "as rendered": lambda f: f,
    "CRF 23": lambda f: h264(f, 23),
    "CRF 28": lambda f: h264(f, 28),
    "0.5x + CRF 23": lambda f: h264(resize(f, 0.5), 23),
}


def run_sizes(n_frames: int, sizes=SIZES) -> None:
    """Per output size: clips recovered (of 3) and pilot-B z per attack, PSNR, ms/frame."""
    names = ["astronaut", "coffee", "chelsea"]
    print(f"clips: {', '.join(names)}; {n_frames} frames (1080p: up to 30), moving camera")
    print("\n| size | cell px | " + " | ".join(SIZE_ATTACKS) + " | PSNR min | embed / detect ms |")
    print("|---" * (len(SIZE_ATTACKS) + 4) + "|")
    for width, height in sizes:
        n = min(n_frames, 30) if height >= 1080 else n_frames
        ok = dict.fromkeys(SIZE_ATTACKS, 0)
        zs = {a: [] for a in SIZE_ATTACKS}
        psnrs, embed_ms, det_ms = [], [], []
        for name in names:
            clip = moving_clip(getattr(skimage.data, name)(), n, (width, height))
            embed_frame(clip[0], PAYLOAD, KEY, 0)  # JIT and caches warm
            t0 = time.process_time()
            marked = [embed_frame(f, PAYLOAD, KEY, i) for i, f in enumerate(clip)]
            embed_ms.append((time.process_time() - t0) * 1e3 / n)
            psnrs.append(min(psnr_db(a, b) for a, b in zip(clip, marked, strict=True)))
            marked = rendered(marked)  # as the render writes it; attacks re-encode that
            for attack, fn in SIZE_ATTACKS.items():
                frames = fn(marked)
                if min(frames[0].shape[:2]) < wd.MIN_SIDE_PX:  # the detector refuses it
                    zs[attack].append(np.nan)
                    continue
                t0 = time.process_time()
                found = wd.detect(frames, KEY)
                if attack == "as rendered":
                    det_ms.append((time.process_time() - t0) * 1e3 / len(frames))
                ok[attack] += int(found.found and found.payload == PAYLOAD)
                zs[attack].append(found.score)
        cells = " | ".join(
            f"{ok[a]}/3 ({' / '.join(f'{z:.1f}' for z in zs[a])})" for a in SIZE_ATTACKS
        )
        print(f"| {width}x{height} | {cell_px(height, width):.2f} | {cells} | "
              f"{min(psnrs):.1f} | {np.mean(embed_ms):.1f} / {np.mean(det_ms):.0f} |", flush=True)  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=50)
    ap.add_argument("--iwm-python", default="/tmp/iwm-venv/bin/python")
    ap.add_argument("--calibrate", type=int, default=0)
    ap.add_argument("--iwm-worker", nargs=2)
    ap.add_argument("--sizes", action="store_true", help="recovery per output size")
    ap.add_argument("--only", help="with --sizes: WxH[,WxH...]")
    args = ap.parse_args()
    if args.sizes:
        sizes = SIZES
        if args.only:
            sizes = [tuple(int(v) for v in s.split("x")) for s in args.only.split(",")]
        run_sizes(args.frames, sizes)
        return
    if args.iwm_worker:
        iwm_worker(*args.iwm_worker)
        return
    if args.calibrate:
        calibrate(args.calibrate, args.frames)
        return
    t0 = time.perf_counter()
    names = ["astronaut", "coffee", "chelsea"]
    clips = [moving_clip(getattr(skimage.data, n)(), args.frames) for n in names]
    print(f"clips: {', '.join(names)}; {args.frames} frames each, 1280x720, moving camera")
    rows, embed_ms, psnr, _ = run_ours(clips)
    table("Photoplay watermark (ours)", rows, embed_ms, psnr, len(clips))
    if Path(args.iwm_python).exists():
        rows, embed_ms, psnr = run_iwm(args.iwm_python, clips)
        table("invisible-watermark 0.2.0 dwtDct (per-frame decode, vote)", rows, embed_ms, psnr,
              len(clips))  # fmt: skip
    else:
        print(f"\n(invisible-watermark skipped: {args.iwm_python} not found)")
    print(f"\nbench took {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
