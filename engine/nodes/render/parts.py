"""A long shot cut into parts that render side by side, joined into one segment.

``render.segment`` encodes a whole shot on one worker: with two cores and one
long shot (a talking photo, a dance), the other core waits. So a shot of more
than ``PART_FRAMES`` * 1.5 frames is cut into parts of about ``PART_FRAMES``
frames; the scheduler runs each part as its own task (``registry.parts``) and
then ``join_parts`` copies their H.264 packets, in order, into the shot's one
segment file, as ``output.mux`` joins shots.

Where the cuts fall depends on the shot's frame count only, never on how many
workers run them: the same scene gives the same bytes on any machine. A part
draws exactly the pixels the whole shot has at its frames (camera, captions
and watermark go by the shot's frame index; ``render_segment``); what differs
from an uncut shot is that the encoder starts over (an IDR frame) at each cut.

This module is light on purpose: the scheduler imports it to split a node.
"""

from __future__ import annotations

from engine.nodes import registry

PART_FRAMES = 125  # frames per part, about: 5 s at 25 fps


def part_bounds(n_frames: int, part_frames: int = PART_FRAMES) -> list[tuple[int, int]]:
    """[(start, stop)] of each part of a shot of ``n_frames``: as many parts as
    ``n_frames / part_frames`` rounds to (half up), at least one, of equal length +- 1."""
    n_parts = max(1, int(n_frames / part_frames + 0.5))
    cuts = [(k * n_frames) // n_parts for k in range(n_parts + 1)]
    return [(cuts[k], cuts[k + 1]) for k in range(n_parts)]


def shot_frames(params: dict, n_frames: int) -> tuple[int, int]:
    """The frames a ``render.segment`` call draws: its part's, or the whole shot."""
    frames = params.get("frames")
    return (0, n_frames) if frames is None else (int(frames[0]), int(frames[1]))


def split_shot(params: dict, inputs: dict) -> list[dict]:
    """Each part's params (the shot's plus ``frames: [start, stop]``); [] to run whole."""
    bounds = part_bounds(inputs["timing"]["timing"].n_frames)
    if len(bounds) < 2:
        return []
    return [dict(params) | {"frames": [start, stop]} for start, stop in bounds]


def join_parts(params: dict, inputs: dict, ctx: registry.NodeContext) -> dict:
    """One ``render.segment`` value from its parts' (``inputs["parts"]``, in order):
    their segments joined into one file, the poster of the part that drew it, the
    worst stretch over all parts; anything else as the first part reported it."""
    from engine.nodes.output.mux import mux

    parts: list[dict] = inputs["parts"]
    mux([part["file"] for part in parts], None, ctx.workdir / "segment.mp4", faststart=False)
    joined = dict(parts[0]) | {"file": registry.Artifact("segment.mp4")}
    posters = [part["poster"] for part in parts if part.get("poster") is not None]
    joined["poster"] = posters[0] if posters else None
    if "stretch" in joined:
        joined["stretch"] = merge_stretch([part.get("stretch") for part in parts])
    return joined


def merge_stretch(summaries: list[dict | None]) -> dict | None:
    """One stretch summary (``engine.nodes.rig.stretch``) over the parts' summaries."""
    found = [s for s in summaries if s]
    if not found:
        return None
    from engine.nodes.rig.stretch import within

    hi, lo = max(s["max"] for s in found), min(s["min"] for s in found)
    return found[0] | {
        "max": hi,
        "min": lo,
        "frames": sum(int(s["frames"]) for s in found),
        "within": within(hi, lo),
    }


registry.parts("render.segment", split_shot, join_parts)
