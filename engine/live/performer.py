"""The presented character, prepared once: photo, face rig, framing, label and watermark.

``prepare`` runs the same nodes a render runs for a talking photo (``image.load``,
``face.find``, ``face.rig``) through the node registry, once per show; ``Performer.draw``
then turns one (C,) control vector into one finished frame exactly as a render's
segment does: the face drawn by ``engine.nodes.animate.render``, the camera and the
disclosure label composed by the fused compose step, the invisible watermark
embedded last (``engine.nodes.render.segment`` does the same per frame).

The camera, aimed at the face, drifts in and out by ``DRIFT`` every
``DRIFT_PERIOD_S`` (a slow breath of the whole picture, as a render's shots move
their camera). Besides looking alive, it leaves the label the only thing in the
frame that never moves, which is how ``photoplay qc`` finds it: under a still
camera the photo's own still edges beside the label hid it from qc (a 5-minute
recording read ``label.visible`` 0).
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.nodes import registry
from engine.nodes.animate.render import render_face_frame, rest_frame
from engine.nodes.ethics.watermark_embed import embed_frame
from engine.nodes.registry import NodeContext
from engine.nodes.render.overlays import OverlayTrack, ShotText
from engine.nodes.render.segment import Camera
from engine.nodes.text.render import Overlay, label_box
from engine.nodes.warp.camera import camera_affine
from engine.nodes.warp.compose_cv import compose_frame_cv

IMAGE_MAX_SIDE = 4096  # as the compiler loads photos
DRIFT = 0.04  # the camera's zoom breathes between 1 and 1 + DRIFT...
DRIFT_PERIOD_S = 20.0  # ...once in this long


@dataclass
class Performer:
    """Everything per photo a live frame needs, computed once.

    size: (W, H) output frame px; fps: frames per second.
    photo: (Hp, Wp, 3) uint8, the photo shrunk for the frame (the face's texture).
    rig: the ``face.rig`` value; rest: (Hr, Wr, 3) uint8 the rig's frame at rest.
    centre: (x, y) the face's centre as fractions of the rig frame, where the camera aims.
    label: the disclosure label's overlay, drawn on every frame.
    payload, key: the watermark's 48-bit payload and key.
    mouth_box: (x0, y0, x1, y1) output px around the lips at rest, wherever the camera
        drifts (for clients that watch the mouth move).
    """

    size: tuple[int, int]
    fps: int
    photo: np.ndarray
    rig: object
    rest: np.ndarray
    centre: tuple[float, float]
    label: Overlay
    payload: int
    key: int
    mouth_box: tuple[int, int, int, int]

    def __post_init__(self):
        w, h = self.rig.out_size
        self._face = np.empty((h, w, 3), np.uint8)

    def camera(self, index: int) -> np.ndarray:
        """(2, 3) inverse camera map (output px -> rig frame px) of frame ``index``."""
        # from the middle, moving: even a short show's background never holds still
        phase = 2 * math.pi * index / (DRIFT_PERIOD_S * self.fps)
        zoom = 1.0 + DRIFT * 0.5 * (1.0 + math.sin(phase))
        w, h = self.rig.out_size
        return camera_affine(
            0.0, (w, h), self.size, zoom=(zoom, zoom), pan=(self.centre, self.centre)
        )

    def draw(self, controls: np.ndarray, index: int) -> np.ndarray:
        """(H, W, 3) uint8: frame ``index`` of the show with the face at ``controls``.

        Not thread-safe (one drawing buffer): call from one thread.
        """
        face = render_face_frame(self.rig, self.photo, controls, self._face, background=self.rest)
        frame = compose_frame_cv(
            face, self.camera(index), self.size, overlay=self.label.rgba, overlay_xy=self.label.xy
        )
        return embed_frame(frame, self.payload, self.key, index)


def _node(kind: str, params: dict, inputs: dict, workdir: Path):
    return registry.get(kind).fn(params, inputs, NodeContext(workdir))


def prepare(
    photo_path: Path,
    photo_name: str,
    face_selection,
    size: tuple[int, int],
    fps: int,
    label: dict,
    payload: int,
    key: int,
) -> Performer:
    """Run the per-photo nodes once and fit the face to a ``size`` frame.

    photo_path: the character's photo; photo_name: how errors name it.
    face_selection: the scene's ``face`` (index, box or None).
    label: ``{"text", "position", "size", "colour"}`` as a render's segment takes it.
    """
    w, h = size
    with tempfile.TemporaryDirectory(prefix="photoplay-live-") as tmp:
        work = Path(tmp)
        photo = _node(
            "image.load",
            {"path": str(photo_path), "max_side": IMAGE_MAX_SIDE, "fit": [w, h, 1.0]},
            {},
            work,
        )
        selection = list(face_selection) if isinstance(face_selection, tuple) else face_selection
        face = _node(
            "face.find", {"photo_name": photo_name, "selection": selection}, {"photo": photo}, work
        )
        rig = _node("face.rig", {"out_size": None}, {"photo": photo, "face": face}, work)
    rest = rest_frame(rig, photo)
    centre = _face_centre(rig)
    inv = Camera(pan=(centre, centre)).affine(0.0, rest, size)
    first = compose_frame_cv(rest, inv, size)
    x, y, bw, bh = label_box(label["text"], w, h, label.get("position", "bottom-right"),
                             label.get("size", 0.035))  # fmt: skip
    region = first[max(0, y) : max(1, y + bh), max(0, x) : max(1, x + bw)]
    luma = float((region.astype(np.float32) @ np.array([0.2126, 0.7152, 0.0722])).mean())
    text = ShotText(title=None, cues=(), caption_size=0.05, label=label)
    overlay = OverlayTrack(text, w, h, backdrop_luma=luma).at(0.0)
    return Performer(
        size=(w, h),
        fps=fps,
        photo=photo,
        rig=rig,
        rest=rest,
        centre=centre,
        label=overlay,
        payload=payload,
        key=key,
        mouth_box=_mouth_box(rig, inv, size),
    )


def _face_centre(rig) -> tuple[float, float]:
    """The face's centre as fractions of the rig's frame: the camera aims there."""
    pts = rig.rest_pts[rig.landmark_ids >= 0]
    cx, cy = (pts.min(0) + pts.max(0)) / 2
    w, h = rig.out_size
    return (float(cx + 0.5) / w, float(cy + 0.5) / h)


def _mouth_box(rig, inv: np.ndarray, size: tuple[int, int]) -> tuple[int, int, int, int]:
    """The lips at rest, grown by half the mouth's width (more than the camera's drift
    moves them), in output px."""
    lips = rig.rest_pts[rig.inner_lips]
    forward = np.linalg.inv(np.vstack([inv, [0.0, 0.0, 1.0]]))[:2]
    out = lips @ forward[:, :2].T + forward[:, 2]
    (x0, y0), (x1, y1) = out.min(0), out.max(0)
    pad = 0.5 * (x1 - x0)
    w, h = size
    return (
        int(max(0, x0 - pad)),
        int(max(0, y0 - pad)),
        int(min(w, x1 + pad + 1)),
        int(min(h, y1 + pad + 1)),
    )
