"""Whose body is whose when a stage shows several performers.

The provenance says who stands where on each stage shot, left to right; qc follows
every body it finds there and gives each to a performer, keeping each performer's
body where it was last seen. A body is never given to two performers, so a second
dancer is judged on their own body, not on the most prominent one in the frame.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from engine.quality.bodies import L_SHOULDER, R_SHOULDER, Body


def body_x(body: Body) -> float:
    """Where a body stands across the frame: the middle of its shoulders, px."""
    return float((body.points[L_SHOULDER, 0] + body.points[R_SHOULDER, 0]) / 2)


def assign(
    bodies: list[Body], names: tuple[str, ...], last_x: dict[str, float], width: int
) -> dict[str, Body]:
    """Each body to one of ``names`` (left to right), nearest to where that performer
    was last seen, or, never seen yet, to their share of the frame's width. Updates
    ``last_x`` with where the performers stand now."""
    if not bodies:
        return {}
    n = len(names)
    expect = np.array([last_x.get(name, (k + 0.5) / n * width) for k, name in enumerate(names)])
    xs = np.array([body_x(b) for b in bodies])
    rows, cols = linear_sum_assignment(np.abs(xs[:, None] - expect[None, :]))
    given = {names[c]: bodies[r] for r, c in zip(rows, cols, strict=True)}
    last_x.update({name: body_x(body) for name, body in given.items()})
    return given


def whose_bodies(
    bodies: dict[int, list[Body]], times: list[float], stage_at, width: int
) -> dict[int, dict[str, Body] | Body]:
    """Per frame index: on a stage shot, each performer's body by name; elsewhere the
    most prominent body (the one dancer of a photo)."""
    out: dict[int, dict[str, Body] | Body] = {}
    last_x: dict[str, float] = {}
    for i in sorted(bodies):
        names = stage_at(times[i])
        found = bodies[i]
        if len(names) > 1:
            out[i] = assign(found, names, last_x, width)
        elif found:
            out[i] = found[0]
    return out
