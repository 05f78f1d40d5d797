"""Every node kind of the render graph, registered with its version.

Each kind is a thin wrapper: it unpacks JSON params and upstream values and
calls a room's pure function (image, speech, audio, render, output...). Bump a
kind's version whenever its output for the same params and inputs changes.
"""

from __future__ import annotations

import numpy as np

from engine.errors import AssetError, NodeError
from engine.nodes.registry import Artifact, NodeContext, node

# Heavy rooms are imported inside each kind, so a worker loads only what it runs.

# Model files (models/manifest.json names, or paths under models/) a kind runs: their
# sha256 is part of its cache key and of the provenance.
FACE_MODELS = ("face_detection_short_range", "face_detection_full_range_sparse", "face_landmark")
POSE_MODELS = ("pose_detection", "pose_landmark_full")


@node("image.load", version=1)
def image_load(params: dict, inputs: dict, ctx: NodeContext) -> np.ndarray:
    """A photo as (H, W, 3) uint8 sRGB, EXIF-rotated, alpha flattened onto black.

    With ``fit: [out_w, out_h, zoom_max]`` it is area-shrunk to what that frame
    size and closest zoom need: no shimmer from minifying, and cheaper warps.
    """
    from engine.nodes.image.decode import flatten_alpha, load_image, shrink_for_output

    rgb = flatten_alpha(load_image(params["path"], max_side=params.get("max_side", 4096)))
    if params.get("fit"):
        out_w, out_h, zoom_max = params["fit"]
        rgb = shrink_for_output(rgb, out_w, out_h, zoom_max)
    return rgb


@node("speech.tts", version=2)
def speech_tts(params: dict, inputs: dict, ctx: NodeContext):
    """One line spoken by espeak-ng, with phoneme and word times (v2: espeak's noise
    generator seeded, so breathy voice variants speak the same every run)."""
    from engine.nodes.speech.tts import synthesise

    return synthesise(
        params["text"],
        voice=params["voice"],
        variant=params.get("variant"),
        rate_wpm=params["rate"],
        pitch=params["pitch"],
    )


@node("speech.neural", version=1)
def speech_neural(params: dict, inputs: dict, ctx: NodeContext):
    """One line spoken by a neural (Piper) voice, with its phoneme and word times."""
    from engine.nodes.speech.neural import synthesise_neural

    return synthesise_neural(params["text"], voice=params["voice"], rate_wpm=params["rate"])


@node("speech.recording", version=5, models=("visemes/visemes.pt",))
def speech_recording(params: dict, inputs: dict, ctx: NodeContext):
    """A supplied recording, with phoneme and word times from forced alignment."""
    from engine.nodes.speech.recording import recorded_speech

    return recorded_speech(
        params["path"],
        params.get("transcript"),
        params.get("language"),
        singing=params.get("singing", False),
    )


@node("audio.decode", version=2)
def audio_decode(params: dict, inputs: dict, ctx: NodeContext) -> dict:
    """``music.npy``: (n, 2) float32 at ``sr_hz``, from ``start_s`` for ``duration_s``."""
    from engine.nodes.audio.decode import decode_to_file

    info = decode_to_file(
        params["path"],
        params["sr_hz"],
        params.get("start_s", 0.0),
        params.get("duration_s"),
        ctx.workdir / "music.npy",
    )
    return info | {"file": Artifact("music.npy")}


@node("shot.timing", version=3, cpu_bound=False)
def shot_timing(params: dict, inputs: dict, ctx: NodeContext):
    """When each action of a shot runs, how long the shot lasts, and its captions."""
    from engine.nodes.timeline.shot import shot_layout

    return shot_layout(params, inputs)


@node("render.segment", version=26, models=(*POSE_MODELS, "visemes/visemes.pt"))
def render_segment(params: dict, inputs: dict, ctx: NodeContext) -> dict:
    """One shot encoded as an H.264 segment (see engine.nodes.render.shot), with the worst
    triangle stretch of its dancing bodies (``stretch``, None without a dancer), the
    joints explicit moves asked past what the photo can show (``limits``) and where its
    texts went and the faces they keep clear of (``overlays``)."""
    from engine.nodes.render.shot import render_shot

    report: dict = {}
    poster = render_shot(params, inputs, ctx.workdir / "segment.mp4", report)
    return {
        "file": Artifact("segment.mp4"),
        "poster": poster,
        "stretch": report.get("stretch"),
        "limits": report.get("limits", []),
        "bas_motion": report.get("bas_motion"),
        "overlays": report.get("overlays", []),
        "stage": report.get("stage"),
    }


@node("audio.mix", version=3)
def audio_mix(params: dict, inputs: dict, ctx: NodeContext) -> dict:
    """The soundtrack: music ducked under the voices, loudness-normalised."""
    from engine.nodes.audio.soundtrack import soundtrack_to_file

    report = soundtrack_to_file(params, inputs, ctx.workdir / "mix.npy")
    return {"file": Artifact("mix.npy"), "report": report}


@node("output.mux", version=2)
def output_mux(params: dict, inputs: dict, ctx: NodeContext) -> dict:
    """Segments joined without re-encoding, plus AAC audio and the embedded manifest."""
    from engine.nodes.output.final import mux_video

    info = mux_video(params, inputs, ctx.workdir / "video.mp4")
    return {"file": Artifact("video.mp4"), "info": info}


@node("output.captions", version=1, cpu_bound=False)
def output_captions(params: dict, inputs: dict, ctx: NodeContext) -> list:
    """Caption cues of the whole video: each shot's cues moved to its start time."""
    cues, start_s = [], 0.0
    for name in params["segments"]:
        layout = inputs[name]
        cues += [(start_s + s, start_s + e, text) for s, e, text in layout["cues"]]
        start_s += layout["timing"].duration_s
    return cues


@node("face.find", version=1, models=FACE_MODELS)
def face_find(params: dict, inputs: dict, ctx: NodeContext) -> dict:
    """The chosen face of a photo and its 468 landmarks (px); None when ``optional`` and
    the photo has no usable face."""
    from engine.nodes.face import detect_faces, face_landmarks, select_face

    photo = inputs["photo"]
    selection = params.get("selection")
    if isinstance(selection, list):
        selection = tuple(selection)
    try:
        face = select_face(detect_faces(photo), selection, params["photo_name"], image=photo)
    except AssetError:
        if params.get("optional"):  # a dancer's face, for blinks: the dance goes on without
            return None
        raise
    marks = face_landmarks(photo, face)
    return {"box": list(face.box_xywh), "landmarks": marks.points, "presence": marks.presence}


@node("face.rig", version=3)
def face_rig(params: dict, inputs: dict, ctx: NodeContext):
    """The animation mesh of one face, fitted to the output frame (prepare once, apply many)."""
    from engine.nodes.animate import build_face_rig

    if inputs["face"] is None:  # an optional face that was not found
        return None
    size = params.get("out_size")
    photo = inputs["photo"]
    if isinstance(photo, dict):  # a stage layer (body.cutout): its texture and landmarks
        photo = photo["texture"]
    try:
        return build_face_rig(photo, inputs["face"]["landmarks"], tuple(size) if size else None)
    except NodeError:
        if params.get("optional"):  # a dancer's face the mesh cannot take: as in the photo
            return None
        raise


@node("music.analyse", version=3)
def music_analyse(params: dict, inputs: dict, ctx: NodeContext):
    """Tempo, beats, bars, sections and energy of the music, from where the video starts it
    (its first 31 minutes, read in blocks: memory stays flat however long the file)."""
    from engine.nodes.music.analyse import analyse_file

    return analyse_file(inputs["music"]["file"], params["sr_hz"], params.get("bpm_hint"))


@node("body.find", version=2, models=POSE_MODELS)
def body_find(params: dict, inputs: dict, ctx: NodeContext) -> dict:
    """The chosen person's 33 keypoints and mask (their own pixels only: everyone in the
    photo is found and the masks partitioned), the other people's masks (``others``)
    and those in front of them (``front``), and the body mode the photo allows."""
    from engine.nodes.body.select import body_extent, check_body_mode, find_person

    pose, others, front = find_person(inputs["photo"], params["person"], params["photo_name"])
    mode = params["mode"]
    if mode == "auto":
        mode = body_extent(pose, params["photo_name"])
    else:
        check_body_mode(pose, mode, params["photo_name"])
    return {"pose": pose, "mode": mode, "others": others, "front": front}


@node("body.rig", version=5, models=POSE_MODELS)
def body_rig(params: dict, inputs: dict, ctx: NodeContext):
    """The rigged body of one person in a photo: mesh, skinning, layers, background plate."""
    from engine.nodes.rig import build_body_rig

    found = inputs["body"]
    return build_body_rig(
        inputs["photo"], found["pose"], found["mode"], found.get("others"), found.get("front")
    )


@node("motion.file", version=1, models=POSE_MODELS)
def motion_file(params: dict, inputs: dict, ctx: NodeContext):
    """A pose track from a reference video (markerless capture) or a BVH file: its first
    ``max_s`` seconds when the dance can use no more (``motion.span``), else all of it."""
    max_s = params.get("max_s")
    if params["path"].lower().endswith(".bvh"):
        from engine.nodes.motion.bvh import import_bvh

        return import_bvh(params["path"], max_seconds=max_s)
    from engine.nodes.motion.from_video import MAX_SECONDS, motion_from_video

    return motion_from_video(params["path"], max_seconds=min(max_s or MAX_SECONDS, MAX_SECONDS))


@node("body.cutout", version=1, models=POSE_MODELS)
def body_cutout(params: dict, inputs: dict, ctx: NodeContext) -> dict:
    """A performer as a stage layer: the person whose face ``face.find`` chose, cut out
    of the photo with a refined soft alpha and halo-free colours (``body.layer``)."""
    from engine.nodes.body.stage import performer_layer

    return performer_layer(inputs["photo"], inputs["face"], params["photo_name"])


@node("body.plate", version=1, models=POSE_MODELS)
def body_plate(params: dict, inputs: dict, ctx: NodeContext):
    """A photo with its people removed and the background continued over them (a
    stage backdrop made of a performer's own photo), at most 480 px on the long side."""
    from engine.nodes.body.stage import photo_plate

    return photo_plate(inputs["photo"])
