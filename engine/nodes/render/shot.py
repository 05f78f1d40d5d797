"""The ``render.segment`` node: turn a shot's JSON params and inputs into a segment file."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.nodes.render.overlays import OverlayTrack, ShotText
from engine.nodes.render.parts import shot_frames
from engine.nodes.render.segment import (
    Camera,
    Picture,
    Transition,
    Watermark,
    render_segment,
    solid,
)


def _picture(spec: dict, inputs: dict, size: tuple[int, int]) -> np.ndarray:
    """A still picture: a photo (the camera fills the frame with it), a colour, or a
    backdrop drawn at ``spec["size"]`` (else ``size``): gradient, contained photo, plate."""
    if spec["kind"] == "image" and spec.get("fit", "cover") == "cover":
        return inputs[spec["input"]]
    if spec["kind"] == "colour":
        return solid(tuple(spec["rgb"]))
    from engine.nodes.render.stage import backdrop

    return backdrop(spec, inputs, tuple(spec.get("size") or size))


def _title_share(params: dict) -> float:
    """The share of the frame's height a title at the top takes (0 for none): its block
    below the top margin (``layout.margins``: below a vertical video's platform band)."""
    from engine.nodes.render.layout import margins
    from engine.nodes.text.render import text_overlay

    title = params.get("title")
    if not title or title.get("position") != "top":
        return 0.0
    w, h = params["size"]
    body = title["text"] + (f"\n{title['subtitle']}" if title.get("subtitle") else "")
    block = text_overlay(body, w, h, anchor="top", size_frac=title.get("size", 0.08))
    return margins((w, h))[0] + block.rgba.shape[0] / h


def face_talker(layer: dict, rig, controls: np.ndarray):
    """A performer's talking face, made for the size their layer is drawn at on the stage:
    ``talker(None)`` at the layer's own size (the cached rig), ``talker((w, h))`` with
    the rig fitted to that size, so a figure shrunk onto the stage costs only the
    pixels it shows (and needs no resizing)."""
    from engine.errors import NodeError
    from engine.nodes.animate.rig import build_face_rig
    from engine.nodes.render.talking import TalkingPicture

    def talker(size: tuple[int, int] | None):
        fitted = rig
        if size is not None:
            try:
                fitted = build_face_rig(layer["texture"], layer["landmarks"], size)
            except NodeError:  # too small to animate at that size: draw it large, shrink
                fitted = rig
        return TalkingPicture(layer["texture"], [fitted], [controls])

    return talker


def _stage(spec: dict, inputs: dict, layout: dict, fps: int, top: float = 0.0) -> Picture:
    """Frame i of a shot whose cast perform on a stage (``engine.nodes.render.stage``):
    each cut-out's colours matched part way to the backdrop around them (``match``), and
    the listeners turned toward whoever speaks (``listeners: turn``,
    ``engine.nodes.render.listen``)."""
    from engine.nodes.render.stage import Figure, StagePicture, backdrop, colour_matches
    from engine.nodes.render.stage import layout as place_figures
    from engine.nodes.render.talking import character_controls

    size = tuple(spec["size"])
    start_s = sum(inputs[name]["timing"].duration_s for name in spec.get("before", []))
    performers = spec["performers"]
    layers = [inputs[p["layer"]] for p in performers]
    places = [p.get("place") for p in performers]
    back = backdrop(spec["backdrop"], inputs, size)
    figures = [Figure.of(layer) for layer in layers]
    placements = place_figures(figures, places, size, top)
    matches = colour_matches(layers, placements, back, float(spec.get("match", 0.0)))
    layers = [_matched(layer, m) for layer, m in zip(layers, matches, strict=True)]
    controls = [  # a face of one who only dances may have no rig (``_riggable``)
        character_controls(p["face"], layout, inputs, fps) if _rigged(p, inputs) else None
        for p in performers
    ]
    turns = _turns(spec, layers, placements, layout, inputs)
    if turns is not None:
        from engine.nodes.render.listen import turn_controls

        controls = [  # one who only dances turns their eyes: the body rig has their head
            c if c is None else turn_controls(c, turn, pl.mirror, not p["face"].get("still_head"))
            for c, turn, pl, p in zip(controls, turns, placements, performers, strict=True)
        ]
    talking, dancers = [], []
    for performer, layer, control, match in zip(performers, layers, controls, matches, strict=True):
        talk = None
        if control is not None:
            rig = inputs[performer["face"]["rig"]]
            if match is not None:  # the mouth's colours as the skin and lips are now
                from dataclasses import replace

                rig = replace(rig, palette={k: match(v) for k, v in rig.palette.items()})
            talk = face_talker(layer, rig, control)
        dance = performer.get("dancer")
        if dance is not None:
            from engine.nodes.render.dancing import StageDancer, dancer_tracks

            angles, root = dancer_tracks(dance, layout, inputs, fps, start_s)
            face_frames = talk(None) if talk is not None else None  # at the layer's size
            dance = StageDancer(inputs[dance["rig"]], layer, face_frames, angles, root)
            if match is not None:  # the body under the arms, as the layer
                dance.underlay = match(dance.underlay)
        talking.append(talk)
        dancers.append(dance)
    duration_s = layout["timing"].duration_s  # an exit without `at` ends with the shot
    picture = StagePicture(
        size, back, layers, talking, places, dancers, top, fps=fps, duration_s=duration_s
    )
    names = [p["name"] for p in performers]
    # where each face stands on the stage, so qc can tell whose body is whose
    centres = [sum(pl.face_box(fig)[::2]) for pl, fig in zip(placements, figures, strict=True)]
    picture.stage_report = {
        "left_to_right": [name for _, name in sorted(zip(centres, names, strict=True))],
        "match": {
            name: {
                "from": list(m.mean),  # Lab means: the cut-out's and the backdrop's around
                "backdrop": list(m.target),
                "gain": [round(g, 3) for g in m.gain],  # and the contrast change
                "strength": spec["match"],
            }
            for name, m in zip(names, matches, strict=True)
            if m is not None
        },
    }
    if turns is not None:
        from engine.nodes.render.listen import turn_record

        picture.stage_report["turns"] = turn_record(names, turns, fps)
    return picture


def _matched(layer: dict, match) -> dict:
    """A performer's layer with its colours matched to the backdrop (None: as it is)."""
    if match is None:
        return layer
    return dict(layer, texture=match(layer["texture"]))


def _turns(spec: dict, layers: list, placements: list, layout: dict, inputs: dict):
    """Each performer's turn toward whoever speaks (``listen.turn_tracks``), or None when
    the stage's listeners keep still or nobody speaks."""
    from engine.nodes.render.listen import Stander
    from engine.nodes.render.stage import Figure

    if spec.get("listeners", "still") != "turn":
        return None
    performers = spec["performers"]
    faces = [p.get("face") or {"actions": []} for p in performers]
    lines = _lines(faces, layout)
    if not lines:
        return None
    standers = []
    duration_s = layout["timing"].duration_s
    for p, layer, pl in zip(performers, layers, placements, strict=True):
        x0, _, x1, _ = pl.face_box(Figure.of(layer))
        face = _rigged(p, inputs)
        on = _on_stage(p, duration_s)
        standers.append(Stander((x0 + x1) / 2, x1 - x0, pl.mirror, face, on))
    return _turn_tracks(standers, faces, lines, layout)


def _turn_tracks(standers: list, faces: list[dict], lines: list, layout: dict):
    """``listen.turn_tracks`` for these faces' specs: their explicit looks win."""
    from engine.nodes.render.listen import turn_tracks

    times = {a.index: a for a in layout["timing"].actions}
    looks = [
        [(times[a["index"]].start_s, times[a["index"]].end_s) for a in f["actions"]] for f in faces
    ]
    looks = [
        [span for span, a in zip(spans, f["actions"], strict=True) if "gaze" in a["drives"]]
        for spans, f in zip(looks, faces, strict=True)
    ]
    timing = layout["timing"]
    return turn_tracks(standers, lines, looks, timing.n_frames, timing.fps)


def _performers(spec: dict, inputs: dict, layout: dict, fps: int) -> Picture:
    """Frame i of a shot whose cast talk, emote and dance on their own photo."""
    from engine.nodes.render.dancing import PerformerPicture, dancer_tracks
    from engine.nodes.render.talking import TalkingPicture, character_controls

    photo = inputs[spec["input"]]
    talking = None
    faces = _riggable(spec["faces"], inputs)
    if faces:
        rigs = [inputs[face["rig"]] for face in faces]
        controls = [character_controls(face, layout, inputs, fps) for face in faces]
        if spec.get("listeners") == "turn" and len(faces) > 1:
            controls = _photo_turns(faces, rigs, controls, layout)
        talking = TalkingPicture(photo, rigs, controls)
    dancer = spec.get("dancer")
    if dancer is None:
        return PerformerPicture(photo, talking, None, None, None)
    start_s = sum(inputs[name]["timing"].duration_s for name in spec["before"])
    warnings: list = []
    angles, root = dancer_tracks(dancer, layout, inputs, fps, start_s, warnings)
    picture = PerformerPicture(photo, talking, inputs[dancer["rig"]], angles, root)
    picture.limits = warnings  # explicit moves asked past what the photo can show
    analysis = inputs.get("music_analysis")
    if analysis is not None:  # the accents as danced: Beat Align Score in motion space
        from engine.nodes.render.dancing import dance_span, motion_bas

        beats = np.asarray(analysis.beats_s, np.float64) - start_s
        span = dance_span(dancer, layout, fps)
        picture.bas_motion = motion_bas(picture.rig, angles, root, fps, beats, span)
    return picture


def _photo_turns(faces: list[dict], rigs: list, controls: list, layout: dict) -> list:
    """Several people of one photo: those not speaking turn toward whoever speaks, as on
    a stage (``listen``), where they stand in the photo; one who only dances with their
    eyes alone."""
    from engine.nodes.render.listen import Stander, turn_controls

    lines = _lines(faces, layout)
    if not lines:
        return controls
    boxes = [_face_box(rig) for rig in rigs]
    standers = [Stander((b[0] + b[2]) / 2, b[2] - b[0], False, True) for b in boxes]
    turns = _turn_tracks(standers, faces, lines, layout)
    return [
        turn_controls(c, turn, False, not face.get("still_head"))
        for c, turn, face in zip(controls, turns, faces, strict=True)
    ]


def _face_box(rig) -> tuple[float, float, float, float]:
    """A face rig's forehead-to-chin box at rest, in its frame's px."""
    pts = rig.rest_pts[rig.landmark_ids >= 0]
    (x0, y0), (x1, y1) = pts.min(0), pts.max(0)
    return float(x0), float(y0), float(x1), float(y1)


def _reach_box(rig) -> tuple[float, float, float, float]:
    """Where a rigged dancer can be: their silhouette, and as far as their arms reach
    from the shoulders (within the photo), px."""
    from engine.nodes.motion.skeleton import BONE_INDEX, L_SHOULDER, R_SHOULDER

    lengths = rig.lengths
    arm = max(
        lengths[BONE_INDEX[f"{side}_upper_arm"]] + lengths[BONE_INDEX[f"{side}_forearm"]]
        for side in ("l", "r")
    )
    shoulders = rig.rest_joints[[L_SHOULDER, R_SHOULDER]]
    x0, y0, x1, y1 = (float(v) for v in rig.rest_box)
    h, w = rig.photo_hw
    return (
        max(0.0, min(x0, float(shoulders[:, 0].min() - arm))),
        max(0.0, min(y0, float(shoulders[:, 1].min() - arm))),
        min(float(w), max(x1, float(shoulders[:, 0].max() + arm))),
        min(float(h), y1),
    )


def _rigged(performer: dict, inputs: dict) -> bool:
    """Whether a stage performer has a face that was rigged (``_riggable``)."""
    face = performer.get("face")
    return face is not None and inputs[face["rig"]] is not None


def _riggable(face_specs: list[dict], inputs: dict) -> list[dict]:
    """The faces that were rigged: one who only dances keeps a face too small or turned
    away as it is in the photo (its ``face.rig`` is None) rather than refusing the dance."""
    return [face for face in face_specs if inputs[face["rig"]] is not None]


def _all_faces(picture_spec: dict, picture, inputs: dict) -> tuple[list, tuple[int, int]]:
    """Every face the picture shows, its forehead-to-chin box at rest in picture px, and
    the picture's (w, h): the animated faces of a photo, or every performer on a stage."""
    kind = picture_spec["kind"]
    if kind == "character":
        h, w = inputs[picture_spec["input"]].shape[:2]
        faces = _riggable(picture_spec["faces"], inputs)
        return [_face_box(inputs[face["rig"]]) for face in faces], (w, h)
    if kind == "stage":
        w, h = picture_spec["size"]
        return list(picture.face_boxes()), (w, h)
    return [], (1, 1)


def frame_faces(picture_spec, picture, inputs, camera, n_frames: int, out_size) -> np.ndarray:
    """(n_frames, K, 4) float32: each face the shot shows, grown to the head
    (``layout.grow_face``), on each frame through the camera, frame px."""
    from engine.nodes.render.layout import frame_faces as through_camera
    from engine.nodes.render.layout import grow_face

    boxes, (w, h) = _all_faces(picture_spec, picture, inputs)
    if not boxes:
        return np.zeros((n_frames, 0, 4), np.float32)
    shape = np.broadcast_to(np.zeros(1, np.uint8), (h, w))  # the camera reads its size only
    last = max(1, n_frames - 1)
    maps = [camera.affine(i / last, shape, out_size) for i in range(n_frames)]
    return through_camera([grow_face(b) for b in boxes], maps)


def _lines(face_specs: list[dict], layout: dict) -> list[tuple[float, float, int]]:
    """(start_s, end_s, face index) of every line the faces speak or sing."""
    times = {a.index: a for a in layout["timing"].actions}
    return [
        (times[a["index"]].start_s, times[a["index"]].end_s, k)
        for k, spec in enumerate(face_specs)
        for a in spec["actions"]
        if a.get("speech")
    ]


def _camera(params: dict, picture_spec: dict, picture, inputs: dict, layout: dict):
    """The shot's camera: as the scene wrote it, or, without a pan (``auto``), aimed at
    the cast's faces and following the speaker (``engine.nodes.render.framing``);
    ``follow: speaker`` comes in close on whoever speaks (``framing.follow_track``)."""
    from engine.nodes.render.framing import FramedCamera, follow_track, pan_track

    cam = params.get("camera")
    if not cam or not cam.get("auto") or picture_spec["kind"] not in ("character", "stage"):
        return Camera.from_params(cam)
    keep = []
    present = None
    if picture_spec["kind"] == "character":
        specs = _riggable(picture_spec["faces"], inputs)
        boxes = [_face_box(inputs[face["rig"]]) for face in specs]
        h, w = inputs[picture_spec["input"]].shape[:2]
        if picture_spec.get("dancer"):
            keep.append(_reach_box(inputs[picture_spec["dancer"]["rig"]]))
    else:
        with_face = [k for k, p in enumerate(picture_spec["performers"]) if p.get("face")]
        specs = [picture_spec["performers"][k]["face"] for k in with_face]
        every = picture.face_boxes()
        boxes = [every[k] for k in with_face]
        w, h = picture_spec["size"]
        keep = picture.reach_boxes()
        duration_s = layout["timing"].duration_s
        present = [_on_stage(picture_spec["performers"][k], duration_s) for k in with_face]
    if not boxes and not keep:
        return Camera.from_params(cam)
    timing = layout["timing"]
    if cam.get("follow") == "speaker" and boxes:
        pan, zooms = follow_track(
            boxes,
            _lines(specs, layout),
            timing.n_frames,
            timing.fps,
            (w, h),
            tuple(params["size"]),
            tuple(cam["zoom"]) if cam.get("zoom_given") else None,
            cam["ease"],
            cut=cam.get("switch") == "cut",
            present=present,
        )
        return FramedCamera(pan, tuple(cam["zoom"]), tuple(cam["rotate"]), cam["ease"], zooms)
    if not boxes:  # a dancer without an animated face: frame their reach
        boxes, specs, present = list(keep), [], None
    track = pan_track(
        boxes,
        _lines(specs, layout),
        timing.n_frames,
        timing.fps,
        (w, h),
        tuple(params["size"]),
        tuple(cam["zoom"]),
        cam["ease"],
        keep,
        present,
    )
    return FramedCamera(track, tuple(cam["zoom"]), tuple(cam["rotate"]), cam["ease"])


def _on_stage(performer: dict, duration_s: float) -> tuple[float, float] | None:
    """When a performer is on the stage in the shot: from their entrance's start to
    their exit's end, or None for all of it."""
    from engine.shot_time import stage_moves

    place = performer.get("place") or {}
    entrance, departure = stage_moves(place.get("enter"), place.get("exit"), duration_s)
    if entrance is None and departure is None:
        return None
    return (entrance[0] if entrance else 0.0, departure[1] if departure else float("inf"))


def render_shot(
    params: dict, inputs: dict, path: Path, report: dict | None = None
) -> np.ndarray | None:
    """Render the shot to ``path``; returns the poster frame when ``params["poster"]``.

    ``report``, when given, receives ``"stretch"``: the worst triangle stretch of the
    shot's dancing bodies (``engine.nodes.rig.stretch``), or None without a dancer, and
    ``"limits"``: the joints explicit moves asked past what the photo can show
    (``engine.nodes.render.dancing.beyond_limits``), danced scaled down, and
    ``"bas_motion"``: the dance's Beat Align Score on the posed skeleton
    (``engine.nodes.render.dancing.motion_bas``), or None.

    params: ``size [w, h]``, ``fps``, ``crf``, ``preset``, ``picture`` (``{"kind":
    "image", "input": name}`` or ``{"kind": "colour", "rgb": [r, g, b]}``),
    ``camera``, ``title``, ``label``, ``captions`` (``{"burn", "size"}``),
    ``transition`` (``{"type", "duration"}``), ``previous`` (the previous shot's
    ``picture`` and ``camera``, for a cross-fade), ``watermark`` (``{"payload",
    "key"}``), ``poster``, ``frames`` (``[start, stop]``: one part of the shot,
    ``engine.nodes.render.parts``; default the whole shot). inputs: ``timing`` (from
    ``shot.timing``) and the pictures named in params.
    """
    layout = inputs["timing"]
    timing = layout["timing"]
    fps = params["fps"]
    picture_spec = params["picture"]
    if picture_spec["kind"] == "character":
        picture = _performers(picture_spec, inputs, layout, fps)
    elif picture_spec["kind"] == "stage":
        picture = _stage(picture_spec, inputs, layout, fps, _title_share(params))
    else:
        still = _picture(picture_spec, inputs, tuple(params["size"]))
        picture = lambda _i: still  # noqa: E731
    captions = params["captions"]
    camera = _camera(params, picture_spec, picture, inputs, layout)
    out_size = tuple(params["size"])
    text = ShotText(
        title=params.get("title"),
        cues=tuple(layout["cues"]) if captions["burn"] else (),
        caption_size=captions["size"],
        label=params["label"],
        caption_style=captions.get("style", "lines"),
        words=tuple(layout.get("words", ())) if captions["burn"] else (),
        faces=frame_faces(picture_spec, picture, inputs, camera, timing.n_frames, out_size),
        fps=fps,
    )
    transition = Transition()
    spec = params.get("transition") or {"type": "cut"}
    if spec["type"] != "cut":
        n = min(timing.n_frames, round(spec["duration"] * fps))
        previous = params.get("previous")
        transition = Transition(
            kind=spec["type"] if previous or spec["type"] == "fade" else "fade",
            n_frames=n,
            previous=_picture(previous["picture"], inputs, tuple(params["size"]))
            if previous
            else None,
            previous_camera=Camera.from_params(previous["camera"]) if previous else None,
        )
    poster = render_segment(
        path,
        picture=picture,
        n_frames=timing.n_frames,
        out_size=tuple(params["size"]),
        fps=fps,
        camera=camera,
        text=text,
        watermark=Watermark(**params["watermark"]),
        transition=transition,
        crf=params["crf"],
        preset=params["preset"],
        poster_frame=timing.n_frames // 2 if params.get("poster") else None,
        frames=shot_frames(params, timing.n_frames),
    )
    if report is not None:
        from engine.nodes.rig.stretch import merged_summary, picture_meters

        report["stretch"] = merged_summary(picture_meters(picture))
        report["limits"] = list(getattr(picture, "limits", []))
        report["bas_motion"] = getattr(picture, "bas_motion", None)
        # a stage's colour match and its listeners' turns toward the speaker
        report["stage"] = getattr(picture, "stage_report", None)
        # where the texts went, and the faces they keep clear of (the label's colour,
        # which reads the first frame, does not move anything)
        report["overlays"] = OverlayTrack(text, *out_size, backdrop_luma=0.0).records()
    return poster
