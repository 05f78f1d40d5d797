"""Speed of C2PA signing and of ``verify`` on a 1280x720, 10 s, 25 fps clip.

Usage:
    .venv/bin/python bench/verify.py [--seconds 10] [--repeats 3]

The clip: a pan over skimage's astronaut, watermarked with embed_frame, H.264
CRF 16 + AAC, with a provenance manifest in its comment tag (as a render
writes it). Timed, best of --repeats:

- sign: ``sign_video`` (hashes the whole file, ES256), against sha256 of the file;
- verify signed: C2PA valid, so one 2-s watermark window is read;
- verify unsigned: no C2PA (as after a re-encode), so windows are scanned
  across the whole clip (half-overlapping, up to 12);
- baseline: decoding every frame to RGB with PyAV.

Each is printed as a ratio to real time (clip seconds) and to the decode baseline.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path

import av
import cv2
import numpy as np
import skimage.data

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.nodes.ethics.c2pa_sign import sign_video  # noqa: E402
from engine.nodes.ethics.signing_keys import local_identity  # noqa: E402
from engine.nodes.ethics.watermark_embed import embed_frame  # noqa: E402
from engine.nodes.output.probe import iter_frames  # noqa: E402
from engine.verifier import verify  # noqa: E402

W_PX, H_PX, FPS, SR_HZ = 1280, 720, 25, 48000
# CRF 20 (veryfast) lost the mark on this smooth 3.3x-upscaled pan (score -0.4, measured);
# CRF 16 keeps it (score 3.6). Reported to the watermark owner; the bench times verify.
CRF = "16"
KEY, PAYLOAD = 0x50504C59, 0x0123456789AB


def make_clip(path: Path, seconds: float) -> None:
    """Marked 720p clip with a 440 Hz tone and a provenance comment tag."""
    photo = cv2.resize(skimage.data.astronaut(), (W_PX + 400, H_PX + 100))
    manifest = {
        "format": "photoplay-provenance/1",
        "title": "bench",
        "watermark": {"scheme": "photoplay-ss-luma/1", "key": KEY, "payload": f"{PAYLOAD:012x}"},
    }
    n_frames = round(seconds * FPS)
    with av.open(str(path), "w", options={"movflags": "+faststart"}) as out:
        out.metadata["comment"] = json.dumps(manifest, sort_keys=True)
        video = out.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = W_PX, H_PX, "yuv420p"
        video.options = {"crf": CRF, "preset": "veryfast"}
        video.codec_context.thread_type = "AUTO"
        audio = out.add_stream("aac", rate=SR_HZ)
        audio.layout = "stereo"
        for i in range(n_frames):
            x0 = int(400 * i / max(1, n_frames - 1))
            frame = embed_frame(
                np.ascontiguousarray(photo[50 : 50 + H_PX, x0 : x0 + W_PX]), PAYLOAD, KEY, i
            )
            for packet in video.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
        n_samples = round(seconds * SR_HZ)
        t_sec = np.arange(n_samples) / SR_HZ
        tone = (0.2 * np.sin(2 * np.pi * 440 * t_sec)).astype(np.float32)
        for start in range(0, n_samples, 1024):
            chunk = np.stack([tone[start : start + 1024]] * 2)
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
            frame.sample_rate, frame.pts = SR_HZ, start
            for packet in audio.encode(frame):
                out.mux(packet)
        for packet in audio.encode():
            out.mux(packet)


def best_of(repeats: int, fn) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        clip, signed = folder / "clip.mp4", folder / "signed.mp4"
        t0 = time.perf_counter()
        make_clip(clip, args.seconds)
        print(f"made {clip.stat().st_size / 1e6:.1f} MB clip in {time.perf_counter() - t0:.1f} s")
        manifest = json.loads(av.open(str(clip)).metadata["comment"])
        identity = local_identity(folder / "signing")

        t_decode, _ = best_of(args.repeats, lambda: sum(1 for _ in iter_frames(clip)))
        t_sha, _ = best_of(args.repeats, lambda: hashlib.sha256(clip.read_bytes()).hexdigest())
        t_sign, _ = best_of(args.repeats, lambda: sign_video(clip, signed, manifest, identity))
        t_vs, vs = best_of(args.repeats, lambda: verify(signed))
        t_vu, vu = best_of(args.repeats, lambda: verify(clip))
        assert vs.status == "authentic" and vu.status == "marked", (vs.reasons, vu.reasons)

        size_kb = (signed.stat().st_size - clip.stat().st_size) / 1e3
        print(f"\n{W_PX}x{H_PX}, {args.seconds:g} s at {FPS} fps; best of {args.repeats}")
        print(f"{'step':<34}{'s':>8}{'x real time':>13}{'x decode':>10}")
        rows = [
            ("decode all frames (baseline)", t_decode),
            ("sha256 of the file", t_sha),
            (f"sign_video (+{size_kb:.1f} kB)", t_sign),
            (f"verify signed ({len(vs.watermark['windows'])} window)", t_vs),
            (f"verify unsigned ({len(vu.watermark['windows'])} windows)", t_vu),
        ]
        for name, t in rows:
            print(f"{name:<34}{t:>8.3f}{t / args.seconds:>13.4f}{t / t_decode:>10.2f}")


if __name__ == "__main__":
    main()
