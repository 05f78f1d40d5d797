"""What QC knows about a video besides its pixels and sound.

A render writes ``<video>.provenance.json`` beside the MP4, whose ``timeline``
says who speaks or dances when and where the label belongs. Without it, QC
falls back to the scene file (``--scene``: the label's place, who speaks) and
finds speech in the soundtrack itself; with neither, it looks for the label in
every corner and treats every voiced stretch as someone speaking.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.errors import AssetError

MAX_PROVENANCE_BYTES = 8 * 2**20


@dataclass(frozen=True)
class Act:
    verb: str  # "say", "sing" or "dance"
    who: str
    start_s: float
    end_s: float
    text: str | None = None
    on_screen: bool = True  # False: a voice-over, heard but not seen


@dataclass(frozen=True)
class Context:
    source: str  # "provenance", "scene" or "video only"
    acts: tuple[Act, ...]
    segments: tuple[tuple[str, float, float], ...]  # (what, start_s, end_s)
    label_position: str | None
    label_text: str | None
    label_size: float | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    speakers: tuple[str, ...] = ()  # who speaks, when only the scene is known
    # (start_s, end_s, names left to right) of each stage shot: several performers
    stages: tuple[tuple[float, float, tuple[str, ...]], ...] = ()

    def stage_at(self, t_s: float) -> tuple[str, ...]:
        """The performers of the stage shot at ``t_s``, left to right; () elsewhere."""
        return next((names for a, b, names in self.stages if a <= t_s < b), ())


def provenance_path(video: Path) -> Path:
    return Path(f"{video.with_suffix('')}.provenance.json")


def load(video: Path, scene: str | os.PathLike | None = None) -> Context:
    """The timeline of ``video`` from its provenance, else from ``scene``, else nothing."""
    beside = provenance_path(video)
    if beside.is_file():
        record = _read_json(beside)
        timeline = record.get("timeline") if isinstance(record, dict) else None
        if isinstance(timeline, dict):
            return _from_timeline(timeline)
    if scene is not None:
        return _from_scene(scene)
    return Context("video only", (), (), None, None, None, ("no provenance beside the video",))


def _read_json(path: Path):
    if path.stat().st_size > MAX_PROVENANCE_BYTES:
        raise AssetError(f"{path}: too large for a provenance file", hint="")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AssetError(
            f"{path}: unreadable provenance ({exc})",
            hint="delete or restore it; qc reads the video without it",
        ) from None


def _from_timeline(timeline: dict) -> Context:
    try:
        acts = tuple(
            Act(
                str(a["verb"]),
                str(a["who"]),
                float(a["start_s"]),
                float(a["end_s"]),
                a.get("text"),
                bool(a.get("on_screen", True)),
            )
            for a in timeline.get("acts", [])
            if a.get("verb") in ("say", "sing", "dance")
        )
        segments = tuple(
            (str(s["what"]), float(s["start_s"]), float(s["end_s"]))
            for s in timeline.get("segments", [])
        )
        stages = tuple(
            (float(s["start_s"]), float(s["end_s"]), tuple(map(str, order)))
            for s in timeline.get("segments", [])
            if len(order := (s.get("stage") or {}).get("left_to_right") or ()) > 1
        )
        label = timeline.get("label") or {}
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise AssetError(
            f"the provenance timeline is malformed ({type(exc).__name__}: {exc})",
            hint="render the scene again to rewrite it",
        ) from None
    size = label.get("size")
    return Context(
        "provenance",
        acts,
        segments,
        label.get("position"),
        label.get("text"),
        float(size) if isinstance(size, int | float) else None,
        stages=stages,
    )


def _from_scene(scene_path) -> Context:
    from engine.spec import validate  # the spec is plain data; QC never reads the renderer

    scene = validate(scene_path)
    speakers = sorted(
        {a.who for shot in scene.shots for a in shot.actions if type(a).__name__ in ("Say", "Sing")}
    )
    label = scene.ethics.label
    note = "speech found in the soundtrack (no provenance beside the video)"
    return Context(
        "scene", (), (), label.position, label.text, label.size, (note,), tuple(speakers)
    )


def voiced_acts(envelope: np.ndarray, rate_hz: int, who: str) -> tuple[Act, ...]:
    """Stretches of the soundtrack loud enough to be speech, as ``say`` acts.

    A rough fallback: the speech-band envelope above a third of its 95th
    percentile, runs shorter than 0.3 s dropped, gaps shorter than 0.3 s joined.
    """
    if len(envelope) == 0 or float(np.percentile(envelope, 95)) <= 1e-5:
        return ()
    loud = envelope > np.percentile(envelope, 95) / 3.0
    runs, start = [], None
    for i, on in enumerate(np.append(loud, False)):
        if on and start is None:
            start = i
        elif not on and start is not None:
            runs.append([start, i])
            start = None
    joined: list[list[int]] = []
    for run in runs:
        if joined and run[0] - joined[-1][1] < 0.3 * rate_hz:
            joined[-1][1] = run[1]
        else:
            joined.append(run)
    return tuple(
        Act("say", who, a / rate_hz, b / rate_hz) for a, b in joined if b - a >= 0.3 * rate_hz
    )
