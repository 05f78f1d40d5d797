"""Small renders: the mark survives a default re-encode (libx264 CRF 23) at the same size.

Issue 11, item 16: the robustness figures were measured at 1280x720 only. These
clips are 2 s of a slow camera move over a photo at 256x144 (a 2.25-px cell),
written as the renderer writes them (CRF 20, veryfast, no B-frames) and then
re-encoded as ``ffmpeg -i in.mp4 out.mp4`` would (libx264 CRF 23, preset medium).
bench/watermark.py --sizes measures every size and attack.
"""

import pytest
import skimage.data

from engine.nodes.ethics.watermark_detect import detect
from engine.nodes.ethics.watermark_embed import embed_frame
from tests.nodes.ethics.clips import h264, moving_clip

PAYLOAD, KEY = 0x5EED0F1CE123, 7
N_FRAMES = 50  # 2 s at 25 fps: what verify reads per window


def _rendered(img, width, height):
    clip = moving_clip(img, N_FRAMES, (width, height))
    marked = [embed_frame(f, PAYLOAD, KEY, frame_index=i) for i, f in enumerate(clip)]
    return h264(marked, 20, preset="veryfast", bf="0")  # the renderer's defaults


@pytest.mark.parametrize("photo", ["astronaut", "coffee"])
def test_256x144_render_reencoded_at_crf_23_keeps_the_payload(photo):
    rendered = _rendered(getattr(skimage.data, photo)(), 256, 144)
    reencoded = h264(rendered, 23)  # x264's defaults otherwise: preset medium
    assert reencoded[0].shape == (144, 256, 3)
    found = detect(reencoded, KEY)
    assert found.found, f"score {found.score:.2f}"
    assert found.payload == PAYLOAD
    assert found.false_positive_p < 1e-6
