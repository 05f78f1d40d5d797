"""Bring any photo array to the (H, W, 3) uint8 RGB the face models expect."""

from __future__ import annotations

import numpy as np

from engine.errors import NodeError


def as_rgb(image: np.ndarray, kind: str = "face") -> np.ndarray:
    """Return ``image`` as a contiguous (H, W, 3) uint8 RGB array.

    Greyscale scans, (H, W) or (H, W, 1), become three equal channels; an alpha
    channel (H, W, 4) is dropped. Anything else is refused with a NodeError.
    """
    arr = np.asarray(image)
    if arr.dtype != np.uint8:
        raise NodeError(
            f"expected a uint8 image, got {arr.dtype}",
            kind=kind,
            hint="decode the photo to 8-bit RGB first",
        )
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3 or arr.shape[2] not in (1, 3, 4):
        raise NodeError(
            f"expected an (H, W), (H, W, 3) or (H, W, 4) image, got shape {arr.shape}",
            kind=kind,
            hint="pass one decoded photo or frame",
        )
    if arr.shape[0] < 8 or arr.shape[1] < 8:
        raise NodeError(
            f"image of {arr.shape[1]}x{arr.shape[0]} px is too small for face detection",
            kind=kind,
            hint="use a photo at least a few hundred pixels wide",
        )
    if arr.shape[2] == 1:
        arr = np.repeat(arr, 3, axis=2)
    elif arr.shape[2] == 4:
        arr = arr[:, :, :3]
    return np.ascontiguousarray(arr)
