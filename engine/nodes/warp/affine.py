"""2x3 affine helpers. Pixel centres at integer coordinates (OpenCV convention).

A ``(2, 3) float64`` matrix ``M`` maps ``(x, y)`` to
``(M[0,0] x + M[0,1] y + M[0,2], M[1,0] x + M[1,1] y + M[1,2])``.
"""

from __future__ import annotations

import numpy as np

from engine.errors import NodeError


def to3x3(m: np.ndarray) -> np.ndarray:
    """(2, 3) affine -> (3, 3) homogeneous matrix."""
    out = np.eye(3, dtype=np.float64)
    out[:2] = np.asarray(m, np.float64).reshape(2, 3)
    return out


def invert(m: np.ndarray) -> np.ndarray:
    """Inverse of a (2, 3) affine, as (2, 3) float64."""
    h = to3x3(m)
    det = h[0, 0] * h[1, 1] - h[0, 1] * h[1, 0]
    if not np.isfinite(det) or abs(det) < 1e-12:
        raise NodeError(
            f"affine is not invertible (det={det:g})", kind="warp", hint="zoom must be > 0"
        )
    return np.linalg.inv(h)[:2].copy()


def compose(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a after b``: the (2, 3) affine that applies ``b`` first, then ``a``."""
    return (to3x3(a) @ to3x3(b))[:2].copy()


def apply(m: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Map (N, 2) points through a (2, 3) affine -> (N, 2) float64."""
    pts = np.asarray(pts, np.float64).reshape(-1, 2)
    m = np.asarray(m, np.float64)
    return pts @ m[:, :2].T + m[:, 2]
