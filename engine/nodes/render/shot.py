"""The ``render.segment`` node: turn a shot's JSON params and inputs into a segment file."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.nodes.render.overlays import ShotText
from engine.nodes.render.segment import (
    Camera,
    Picture,
    Transition,
    Watermark,
    render_segment,
    solid,
)


def _picture(spec: dict, inputs: dict) -> np.ndarray:
    if spec["kind"] == "image":
        return inputs[spec["input"]]
    return solid(tuple(spec["rgb"]))


def _performers(spec: dict, inputs: dict, layout: dict, fps: int) -> Picture:
    """Frame i of a shot whose cast talk, emote and dance on their own photo."""
    from engine.nodes.render.dancing import PerformerPicture, dancer_tracks
    from engine.nodes.render.talking import TalkingPicture, character_controls

    photo = inputs[spec["input"]]
    talking = None
    if spec["faces"]:
        rigs = [inputs[face["rig"]] for face in spec["faces"]]
        controls = [character_controls(face, layout, inputs, fps) for face in spec["faces"]]
        talking = TalkingPicture(photo, rigs, controls)
    dancer = spec.get("dancer")
    if dancer is None:
        return PerformerPicture(photo, talking, None, None, None)
    start_s = sum(inputs[name]["timing"].duration_s for name in spec["before"])
    angles, root = dancer_tracks(dancer, layout, inputs, fps, start_s)
    return PerformerPicture(photo, talking, inputs[dancer["rig"]], angles, root)


def render_shot(params: dict, inputs: dict, path: Path) -> np.ndarray | None:
    """Render the shot to ``path``; returns the poster frame when ``params["poster"]``.

    params: ``size [w, h]``, ``fps``, ``crf``, ``preset``, ``picture`` (``{"kind":
    "image", "input": name}`` or ``{"kind": "colour", "rgb": [r, g, b]}``),
    ``camera``, ``title``, ``label``, ``captions`` (``{"burn", "size"}``),
    ``transition`` (``{"type", "duration"}``), ``previous`` (the previous shot's
    ``picture`` and ``camera``, for a cross-fade), ``watermark`` (``{"payload",
    "key"}``), ``poster``. inputs: ``timing`` (from ``shot.timing``) and the
    pictures named in params.
    """
    layout = inputs["timing"]
    timing = layout["timing"]
    fps = params["fps"]
    picture_spec = params["picture"]
    if picture_spec["kind"] == "character":
        picture = _performers(picture_spec, inputs, layout, fps)
    else:
        still = _picture(picture_spec, inputs)
        picture = lambda _i: still  # noqa: E731
    captions = params["captions"]
    text = ShotText(
        title=params.get("title"),
        cues=tuple(layout["cues"]) if captions["burn"] else (),
        caption_size=captions["size"],
        label=params["label"],
    )
    transition = Transition()
    spec = params.get("transition") or {"type": "cut"}
    if spec["type"] != "cut":
        n = min(timing.n_frames, round(spec["duration"] * fps))
        previous = params.get("previous")
        transition = Transition(
            kind=spec["type"] if previous or spec["type"] == "fade" else "fade",
            n_frames=n,
            previous=_picture(previous["picture"], inputs) if previous else None,
            previous_camera=Camera.from_params(previous["camera"]) if previous else None,
        )
    return render_segment(
        path,
        picture=picture,
        n_frames=timing.n_frames,
        out_size=tuple(params["size"]),
        fps=fps,
        camera=Camera.from_params(params.get("camera")),
        text=text,
        watermark=Watermark(**params["watermark"]),
        transition=transition,
        crf=params["crf"],
        preset=params["preset"],
        poster_frame=timing.n_frames // 2 if params.get("poster") else None,
    )
