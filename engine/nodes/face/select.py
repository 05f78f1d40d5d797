"""Pick the face a character is made from, or say clearly why none fits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from engine.errors import AssetError
from engine.nodes.face.detect import Face, detect_faces_in_box

MIN_FACE_PX = 40  # below this the landmark crop is upscaled ~5x and the mesh is mush

Box = Sequence[float]
Selection = int | Box | Mapping[str, Box] | None


def _box_text(face: Face) -> str:
    x, y, w, h = (round(v) for v in face.box_xywh)
    return f"[{x}, {y}, {w}, {h}]"


def _listing(faces: Sequence[Face]) -> str:
    return ", ".join(f"{i}: box {_box_text(f)}" for i, f in enumerate(faces))


def _iou_xywh(a: Box, b: Box) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    iw = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    ih = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    inter = iw * ih
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


def _as_box(selection: Box | Mapping[str, Box], photo_name: str) -> tuple[float, ...]:
    raw = selection["box"] if isinstance(selection, Mapping) and "box" in selection else selection
    try:
        box = tuple(float(v) for v in raw)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        box = ()
    if len(box) != 4 or not np.all(np.isfinite(box)) or box[2] <= 0 or box[3] <= 0:
        raise AssetError(
            f"face selection {selection!r} for {photo_name} is not a box",
            hint="give face: N (0 = leftmost) or face: {box: [x, y, width, height]} in px",
        )
    return box


def select_face(
    faces: Sequence[Face],
    selection: Selection,
    photo_name: str,
    *,
    min_face_px: float = MIN_FACE_PX,
    image: np.ndarray | None = None,
) -> Face:
    """The face a scene asked for among the faces found in a photo.

    Args:
        faces: detections sorted left to right (as ``detect_faces`` returns them).
        selection: None (the photo must hold exactly one face); an int index
            (0 = leftmost); or a box (x, y, w, h) px, bare or as {"box": [...]},
            which picks the face overlapping it most (IoU).
        photo_name: how the user named the photo, for messages.
        min_face_px: the smallest usable face box side, px.
        image: the photo (H, W, 3) uint8. When given, a box that overlaps none of
            ``faces`` is searched on its own (see ``detect_faces_in_box``).

    Returns:
        The chosen face.

    Raises:
        AssetError: no face; several faces and no selection; index out of range;
            a box that overlaps no face; or the chosen face is too small.
    """
    is_index = isinstance(selection, (int, np.integer)) and not isinstance(selection, bool)
    if selection is not None and not is_index:
        box = _as_box(selection, photo_name)  # type: ignore[arg-type]
        if image is not None and not any(_iou_xywh(box, f.box_xywh) > 0 for f in faces):
            faces = detect_faces_in_box(image, box)
    if not faces:
        raise AssetError(
            f"no face found in {photo_name}",
            hint="use a clearer, frontal, larger photo of the face, "
            "or give face: {box: [x, y, width, height]} around it",
        )
    if selection is None:
        if len(faces) > 1:
            raise AssetError(
                f"{len(faces)} faces found in {photo_name} ({_listing(faces)})",
                hint="pick one with face: N, e.g. use face: 0 for the leftmost",
            )
        chosen = faces[0]
    elif is_index:
        if not 0 <= selection < len(faces):
            raise AssetError(
                f"face {selection} asked for, but {photo_name} has {len(faces)} "
                f"face{'s' if len(faces) > 1 else ''} ({_listing(faces)})",
                hint=f"use face: N with N from 0 to {len(faces) - 1} (0 = leftmost)",
            )
        chosen = faces[int(selection)]  # type: ignore[arg-type]
    else:
        overlaps = [_iou_xywh(box, f.box_xywh) for f in faces]
        best = int(np.argmax(overlaps))
        if overlaps[best] <= 0:
            raise AssetError(
                f"no face found inside box {list(box)} in {photo_name} (faces: {_listing(faces)})",
                hint="draw the box around the face, in px: [x, y, width, height]",
            )
        chosen = faces[best]
    if chosen.size_px < min_face_px:
        raise AssetError(
            f"the face in {photo_name} is too small ({chosen.size_px:.0f} px, "
            f"need at least {min_face_px:.0f} px)",
            hint="use a larger or higher-resolution photo, or crop closer to the face",
        )
    return chosen
