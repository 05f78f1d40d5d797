"""Small renders: the mark survives a default re-encode (libx264 CRF 23) at the same size.

Issue 11, item 16: the robustness figures were measured at 1280x720 only. These
clips are 2 s of a slow camera move over a photo at 256x144 (a 2.25-px cell),
written as the renderer writes them (CRF 20, veryfast, no B-frames) and then
re-encoded as ``ffmpeg -i in.mp4 out.mp4`` would (libx264 CRF 23, preset medium).
bench/watermark.py --sizes measures every size and attack.
"""

import io

import av
import cv2
import numpy as np
import pytest
import skimage.data

from engine.nodes.ethics.watermark_detect import detect
from engine.nodes.ethics.watermark_embed import embed_frame

PAYLOAD, KEY = 0x5EED0F1CE123, 7
N_FRAMES = 50  # 2 s at 25 fps: what verify reads per window


def _moving_clip(img, width, height, n_frames):
    """Pan right and down by 0.2% of the width per frame, zooming in 0.1% per frame."""
    big = cv2.resize(img, (int(width * 1.25), int(width * 1.25)), interpolation=cv2.INTER_AREA)
    s = width / 1280
    frames = []
    for i in range(n_frames):
        zoom = 1.0 + 0.001 * i
        m = np.array([[zoom, 0, -i * s], [0, zoom, (-i * 0.5 - 100) * s]], dtype=np.float64)
        frames.append(cv2.warpAffine(big, m, (width, height), flags=cv2.INTER_LINEAR))
    return frames


def _h264(frames, **options):
    """Encode with libx264 and decode back, in memory."""
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=25)
        stream.width, stream.height = frames[0].shape[1], frames[0].shape[0]
        stream.pix_fmt = "yuv420p"
        stream.options = options
        for f in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(f, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    buf.seek(0)
    with av.open(buf) as inp:
        return [f.to_ndarray(format="rgb24") for f in inp.decode(video=0)]


def _rendered(img, width, height):
    clip = _moving_clip(img, width, height, N_FRAMES)
    marked = [embed_frame(f, PAYLOAD, KEY, frame_index=i) for i, f in enumerate(clip)]
    return _h264(marked, crf="20", preset="veryfast", bf="0")  # the renderer's defaults


@pytest.mark.parametrize("photo", ["astronaut", "coffee"])
def test_256x144_render_reencoded_at_crf_23_keeps_the_payload(photo):
    rendered = _rendered(getattr(skimage.data, photo)(), 256, 144)
    reencoded = _h264(rendered, crf="23")  # x264's defaults otherwise: preset medium
    assert reencoded[0].shape == (144, 256, 3)
    found = detect(reencoded, KEY)
    assert found.found, f"score {found.score:.2f}"
    assert found.payload == PAYLOAD
    assert found.false_positive_p < 1e-6
