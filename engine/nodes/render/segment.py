"""Render one shot to an H.264 segment, frame by frame, with flat memory.

Each frame is one pass of the fused kernel: the shot's picture through its
camera move, cross-faded with the previous shot's last picture during a
transition, under the merged overlay (title, captions, disclosure label). Then
the invisible watermark is added on the way into the encoder's YUV picture
(``embed_yuv420``: one pass, the marked RGB frame is never written).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.nodes.ethics.watermark_embed import embed_frame, embed_yuv420
from engine.nodes.output.segment import SegmentWriter
from engine.nodes.render.overlays import OverlayTrack, ShotText
from engine.nodes.text.render import label_box
from engine.nodes.warp.camera import camera_affine
from engine.nodes.warp.compose_cv import compose_frame_cv as compose_frame

Picture = Callable[[int], np.ndarray]  # frame index -> (H, W, 3) uint8 picture of the shot


@dataclass(frozen=True)
class Camera:
    zoom: tuple[float, float] = (1.0, 1.0)
    pan: tuple[tuple[float, float], tuple[float, float]] = ((0.5, 0.5), (0.5, 0.5))
    rotate: tuple[float, float] = (0.0, 0.0)
    ease: str = "in-out"

    @classmethod
    def from_params(cls, p: dict | None) -> Camera:
        if not p:
            return cls()
        pan = tuple(tuple(pt) for pt in p["pan"])
        return cls(tuple(p["zoom"]), pan, tuple(p["rotate"]), p["ease"])

    def affine(self, t: float, src: np.ndarray, out_size: tuple[int, int]) -> np.ndarray:
        h, w = src.shape[:2]
        return camera_affine(t, (w, h), out_size, self.zoom, self.pan, self.rotate, self.ease)


@dataclass(frozen=True)
class Transition:
    """How the shot begins: ``cut``; ``crossfade`` from ``previous``; ``fade`` from black."""

    kind: str = "cut"
    n_frames: int = 0
    previous: np.ndarray | None = None  # the previous shot's picture
    previous_camera: Camera | None = None


@dataclass(frozen=True)
class Watermark:
    payload: int
    key: int


def solid(colour: tuple[int, int, int]) -> np.ndarray:
    """A 2x2 picture of one colour: any camera move over it gives that colour."""
    return np.broadcast_to(np.array(colour, np.uint8), (2, 2, 3)).copy()


BLACK = solid((0, 0, 0))


def _luma(rgb: np.ndarray) -> float:
    return float((rgb[..., :3].astype(np.float32) @ np.array([0.2126, 0.7152, 0.0722])).mean())


def render_segment(
    path: Path,
    *,
    picture: Picture,
    n_frames: int,
    out_size: tuple[int, int],
    fps: int,
    camera: Camera,
    text: ShotText,
    watermark: Watermark,
    transition: Transition = Transition(),
    crf: int = 20,
    preset: str = "veryfast",
    poster_frame: int | None = None,
    frames: tuple[int, int] | None = None,
) -> np.ndarray | None:
    """Encode the shot's frames to ``path``; return the poster frame if asked (and drawn).

    frames: (start, stop), the part of the shot's ``n_frames`` to encode (default all).
        Frame i of a part is frame i of the whole shot, pixel for pixel (camera,
        transition, captions and the watermark's dither all go by the shot's frame
        index), so a shot cut into parts differs only by where the encoder starts over.

    Two threads: this one draws each frame (picture, camera warp, cross-fade,
    overlay) and hands it over a bounded queue to one that marks it on its way into
    the YUV picture and encodes it (x264's own frame threads behind that), so a
    single segment keeps two cores busy. The frames reach the encoder in order.
    """
    out_w, out_h = out_size
    start, stop = frames if frames is not None else (0, n_frames)
    first = compose_frame(picture(0), camera.affine(0.0, picture(0), out_size), out_size)
    box = _label_region(text, out_w, out_h)
    overlays = OverlayTrack(text, out_w, out_h, backdrop_luma=_luma(first[box]))
    last = max(1, n_frames - 1)

    def draw(i: int) -> np.ndarray:
        src = picture(i)
        src_b, inv_b, w_b = _transition_layer(transition, i, out_size)
        overlay = overlays.at(i / fps)
        return compose_frame(
            src,
            camera.affine(i / last, src, out_size),
            out_size,
            src_b=src_b,
            inv_b=inv_b,
            w_b=w_b,
            overlay=None if overlay is None else overlay.rgba,
            overlay_xy=(0, 0) if overlay is None else overlay.xy,
        )

    poster = None
    with SegmentWriter(path, out_w, out_h, fps, crf, preset) as writer:
        encoder = _Encoder(writer, watermark)
        try:
            for i in range(start, stop):
                frame = draw(i)
                encoder.put(i, frame)
                if i == poster_frame:
                    poster = embed_frame(frame, watermark.payload, watermark.key, i)
        except BaseException:
            encoder.close(raise_error=False)  # the drawing's error is the one to report
            raise
        encoder.close()
    return poster


class _Encoder:
    """The consumer: marks each frame into the writer's YUV picture and encodes it, on
    its own thread, ``QUEUE_FRAMES`` frames behind the drawing at most (bounded memory)."""

    QUEUE_FRAMES = 3

    def __init__(self, writer: SegmentWriter, watermark: Watermark):
        self.writer, self.watermark = writer, watermark
        self.queue: queue.Queue = queue.Queue(self.QUEUE_FRAMES)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="segment-encoder", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        yuv = self.writer.yuv_buffer()
        wm = self.watermark
        while (item := self.queue.get()) is not None:
            if self.error is not None:
                continue  # drain: the drawing thread is told at its next put
            i, frame = item
            try:
                self.writer.write_yuv420(embed_yuv420(frame, wm.payload, wm.key, i, yuv))
            except BaseException as exc:  # handed to the drawing thread
                self.error = exc

    def put(self, i: int, frame: np.ndarray) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put((i, frame))

    def close(self, raise_error: bool = True) -> None:
        """Wait until every frame is encoded; raise what the encoder raised, if anything."""
        self.queue.put(None)
        self.thread.join()
        if self.error is not None and raise_error:
            raise self.error


def _transition_layer(transition: Transition, i: int, out_size):
    """(picture B, its map, B's weight) for frame ``i`` of a transition, or no B."""
    if transition.kind == "cut" or i >= transition.n_frames:
        return None, None, 0.0
    w_b = 1.0 - (i + 1) / (transition.n_frames + 1)  # B fades out over the transition
    if transition.kind == "fade" or transition.previous is None:
        return BLACK, _identity_for(BLACK, out_size), w_b
    prev = transition.previous
    cam = transition.previous_camera or Camera()
    return prev, cam.affine(1.0, prev, out_size), w_b


def _identity_for(src: np.ndarray, out_size) -> np.ndarray:
    h, w = src.shape[:2]
    return camera_affine(0.0, (w, h), out_size)


def _label_region(text: ShotText, out_w: int, out_h: int) -> tuple[slice, slice]:
    label = text.label
    x, y, w, h = label_box(
        label["text"], out_w, out_h, label.get("position", "bottom-right"), label.get("size", 0.035)
    )
    return slice(max(0, y), max(1, y + h)), slice(max(0, x), max(1, x + w))
