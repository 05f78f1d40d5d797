"""SSD anchor centres for the BlazeFace detectors.

MediaPipe's SsdAnchorsCalculator lays a grid of anchors over the input for each
feature-map layer; consecutive layers of equal stride share one grid, each adding
its anchors to every cell. With ``fixed_anchor_size`` (both face detectors) an
anchor's width and height are 1, so only its centre matters: box and keypoint
regressions are offsets from it in input pixels.

    short range: 128 px input, strides (8, 16, 16, 16), 2 anchors a layer
                 -> 16*16*2 + 8*8*(3*2) = 896 anchors
    full range sparse: 192 px input, stride (4,), 1 anchor a layer
                 -> 48*48 = 2304 anchors
"""

from __future__ import annotations

import math

import numpy as np


def anchor_centres(
    input_px: int, strides: tuple[int, ...], anchors_per_layer: int, offset: float = 0.5
) -> np.ndarray:
    """Anchor centres in the order the model emits its regressions.

    Args:
        input_px: side of the square model input, in pixels.
        strides: feature-map stride of each layer, in input pixels.
        anchors_per_layer: anchors each layer adds to a cell (2 when the model
            has an interpolated-scale anchor besides the 1:1 one).
        offset: where in its cell an anchor sits (0.5 = the cell centre).

    Returns:
        (N, 2) float32 centres (x, y) in [0, 1] of the input side.
    """
    centres: list[np.ndarray] = []
    layer = 0
    while layer < len(strides):
        # Layers of equal stride share one grid: their anchors interleave per cell.
        same = layer
        while same < len(strides) and strides[same] == strides[layer]:
            same += 1
        per_cell = (same - layer) * anchors_per_layer
        cells = math.ceil(input_px / strides[layer])
        grid = (np.arange(cells, dtype=np.float64) + offset) / cells
        ys, xs = np.meshgrid(grid, grid, indexing="ij")
        xy = np.stack([xs.ravel(), ys.ravel()], axis=1)
        centres.append(np.repeat(xy, per_cell, axis=0))
        layer = same
    return np.concatenate(centres).astype(np.float32)
