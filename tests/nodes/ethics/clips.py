"""Moving real-photo clips and an in-memory H.264 round trip, for watermark tests and bench.

One copy for tests/nodes/ethics and bench/watermark.py, so that the bench measures
the clips the tests assert on.
"""

from __future__ import annotations

import io

import av
import cv2
import numpy as np

W_PX, H_PX = 1280, 720


def moving_clip(
    img: np.ndarray,
    n_frames: int,
    size: tuple[int, int] = (W_PX, H_PX),
    pan_px: float | None = None,
) -> list[np.ndarray]:
    """A camera move over a photo: pan right pan_px px/frame and down half that, zoom in 0.1%/frame.

    pan_px defaults to width / 1280 (1 px/frame at 720p): the same shot at any size.
    """
    width, height = size
    s = width / W_PX
    pan = s if pan_px is None else pan_px
    big = cv2.resize(img, (int(width * 1.25), int(width * 1.25)), interpolation=cv2.INTER_AREA)
    frames = []
    for i in range(n_frames):
        zoom = 1.0 + 0.001 * i
        m = np.array([[zoom, 0, -i * pan], [0, zoom, -i * pan / 2 - 100 * s]], dtype=np.float64)
        frames.append(cv2.warpAffine(big, m, (width, height), flags=cv2.INTER_LINEAR))
    return frames


def h264(frames: list[np.ndarray], crf: int, **options: str) -> list[np.ndarray]:
    """Encode with libx264 at this CRF and decode back, in memory.

    x264's defaults otherwise (preset medium, B-frames: what `ffmpeg -i in.mp4 out.mp4`
    gives); options override them (the renderer's own: preset veryfast, bf 0).
    """
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=25)
        stream.width, stream.height = frames[0].shape[1], frames[0].shape[0]
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": str(crf), "preset": "medium", **options}
        for f in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(f, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    buf.seek(0)
    with av.open(buf) as inp:
        return [f.to_ndarray(format="rgb24") for f in inp.decode(video=0)]
