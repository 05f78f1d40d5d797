"""Input checks shared by the body functions: every photo becomes (H, W, 3) uint8 RGB."""

from __future__ import annotations

import numpy as np

from engine.errors import NodeError


def as_rgb(image: np.ndarray) -> np.ndarray:
    """Return ``image`` as a contiguous (H, W, 3) uint8 RGB array.

    Greyscale (H, W) or (H, W, 1) is repeated into three channels; an alpha channel
    (H, W, 4) is dropped.

    Raises:
        NodeError: the array is not uint8 or not an image shape.
    """
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise NodeError(
            f"photo should be uint8, but got {image.dtype}",
            hint="decode photos to 8-bit RGB before pose estimation",
        )
    if image.ndim == 2:
        image = image[:, :, None]
    if image.ndim != 3 or image.shape[2] not in (1, 3, 4) or min(image.shape[:2]) < 8:
        raise NodeError(
            f"photo should be (H, W), (H, W, 3) or (H, W, 4) of at least 8x8, but got shape {image.shape}",
            hint="pass one decoded frame, not a batch or a channel-first array",
        )
    if image.shape[2] == 1:
        image = np.repeat(image, 3, axis=2)
    return np.ascontiguousarray(image[:, :, :3])
