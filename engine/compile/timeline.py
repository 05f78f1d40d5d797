"""The render's timeline, for whoever judges the video: who speaks or dances when.

The compiler knows what each segment shows (``shot_plan``, ``card_plan``); only
after the graph ran are the lengths of speech and dances known. ``timeline_record``
joins the two into seconds from the video's first frame, and the render writes it
into the provenance, where ``photoplay qc`` reads it. QC never sees the scene's
animation: it learns from here when to look for a speaking face or a dancing body,
and measures the rest on the video.
"""

from __future__ import annotations

from dataclasses import asdict

from engine.shot_time import on_stage_s
from engine.spec.model import Scene, Shot
from engine.spec.verbs import verb_of


def shot_plan(scene: Scene, shot: Shot, timing_key: str) -> dict:
    """What a shot shows, for the timeline. ``on_screen``: the performer is in the
    shot's cast and has a photo, so a viewer should see them (a narrator is heard only)."""
    acts = []
    for index, action in enumerate(shot.actions):
        verb = verb_of(action)
        if not verb.judged:  # only what a viewer judges: a speaking face, a dancing body
            continue
        text = verb.words(action) if verb.words else None
        character = scene.characters.get(action.who)
        on_screen = (
            action.who in shot.cast and character is not None and character.photo is not None
        )
        acts.append(
            {
                "index": index,
                "verb": verb.name,
                "who": action.who,
                "text": text,
                "on_screen": on_screen,
            }
        )
    # who comes on or leaves the stage during the shot: off screen before and after
    moves = {
        p.who: {k: asdict(getattr(p, k)) for k in ("enter", "exit") if getattr(p, k)}
        for p in shot.place
        if p.enter is not None or p.exit is not None
    }
    return {
        "what": f"shot {shot.index + 1}",
        "timing": timing_key,
        "cast": list(shot.cast),
        "acts": acts,
    } | ({"moves": moves} if moves else {})


def card_plan(what: str, timing_key: str) -> dict:
    return {"what": what, "timing": timing_key, "cast": [], "acts": []}


def timeline_record(scene: Scene, plan: list[dict], timings: dict) -> dict:
    """Seconds from the first frame for every segment and judged act.

    ``timings`` maps each plan entry's timing key to the ``shot.timing`` node's
    value (``{"timing": ShotTiming, ...}``). Segments follow each other without
    overlap: a cross-fade is drawn inside the later segment.
    """
    label = scene.ethics.label
    out = scene.output
    segments, acts = [], []
    start_s = 0.0
    for entry in plan:
        timing = timings[entry["timing"]]["timing"]
        segment = {
            "what": entry["what"],
            "start_s": round(start_s, 4),
            "end_s": round(start_s + timing.duration_s, 4),
            "cast": entry["cast"],
        }
        on_stage = {  # seconds into the shot each mover is wholly on stage
            who: on_stage_s(m.get("enter"), m.get("exit"), timing.duration_s)
            for who, m in entry.get("moves", {}).items()
        }
        if on_stage:
            segment["on_stage"] = {
                who: [round(start_s + a, 4), round(start_s + b, 4)]
                for who, (a, b) in on_stage.items()
            }
        segments.append(segment)
        for act in entry["acts"]:
            laid = timing.actions[act["index"]]
            end_s = min(laid.end_s, timing.duration_s)
            for a, b, seen in _pieces(laid.start_s, end_s, on_stage.get(act["who"])):
                acts.append(
                    {
                        "verb": act["verb"],
                        "who": act["who"],
                        "segment": entry["what"],
                        "start_s": round(start_s + a, 4),
                        "end_s": round(start_s + b, 4),
                        "text": act["text"],
                        "on_screen": act["on_screen"] and seen,
                    }
                )
        start_s += timing.duration_s
    return {
        "size": [out.width, out.height],
        "fps": out.fps,
        "duration_s": round(start_s, 4),
        "label": {"text": label.text, "position": label.position, "size": label.size},
        "segments": segments,
        "acts": acts,
    }


def _pieces(start_s: float, end_s: float, on_stage: tuple[float, float] | None) -> list:
    """An act from ``start_s`` to ``end_s`` cut where its performer comes on or leaves
    the stage: [(start_s, end_s, on stage)], one piece when they stay throughout."""
    if on_stage is None:
        return [(start_s, end_s, True)]
    a, b = on_stage
    cuts = sorted({start_s, end_s, *(t for t in (a, b) if start_s < t < end_s)})
    return [(t0, t1, a <= t0 and t1 <= b) for t0, t1 in zip(cuts, cuts[1:], strict=False)] or [
        (start_s, end_s, a <= start_s and end_s <= b)
    ]
