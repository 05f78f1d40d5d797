"""Videos the verify tests make: a signed Photoplay render and its altered copies."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
from PIL import Image
from skimage import data

from tests.render.scenes import base_doc, write_scene

# 0.5x of a 256-px video (128 px, 2-px watermark cells) does not keep the mark
# after CRF 28 (measured); 448 px -> 224 px does, so the tests render at 448.
SIDE_PX = 448


def two_photo_scene(folder: Path) -> Path:
    """Two photo shots of 1 s each (astronaut with a zoom, coffee) and a 1 s credits card."""
    folder.mkdir(parents=True, exist_ok=True)
    Image.fromarray(data.astronaut()).save(folder / "a.jpg", quality=90)
    Image.fromarray(data.coffee()).save(folder / "b.jpg", quality=90)
    shots = [
        {
            "background": {"file": "a.jpg", "source": "scikit-image astronaut (public domain)"},
            "camera": {"zoom": [1.0, 1.2]},
            "duration": 1.0,
        },
        {
            "background": {"file": "b.jpg", "source": "scikit-image coffee (public domain)"},
            "duration": 1.0,
        },
    ]
    doc = base_doc(shots)
    doc["output"]["size"] = [SIDE_PX, SIDE_PX]
    return write_scene(folder, doc)


def encode(
    frames: list[np.ndarray], path: Path, *, crf: int, fps: int = 25, comment: str | None = None
) -> Path:
    """H.264 (yuv420p) MP4 of (H, W, 3) uint8 frames, optionally with a comment tag."""
    with av.open(str(path), "w") as container:
        if comment is not None:
            container.metadata["comment"] = comment
        stream = container.add_stream("libx264", rate=fps)
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": str(crf)}
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def resize_all(frames: np.ndarray, scale: float) -> list[np.ndarray]:
    h, w = frames.shape[1:3]
    size = (int(w * scale) // 2 * 2, int(h * scale) // 2 * 2)
    return [cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in frames]


def mdat_span(data_bytes: bytes) -> tuple[int, int]:
    """(offset, size) of the top-level mdat box."""
    offset = 0
    while offset + 8 <= len(data_bytes):
        size = int.from_bytes(data_bytes[offset : offset + 4], "big")
        if data_bytes[offset + 4 : offset + 8] == b"mdat":
            return offset, size
        offset += size
    raise AssertionError("no mdat box")
