"""Animation room: a still face photo made to speak, blink, look, emote and move.

Prepare once (``build_face_rig``), then per frame ``render_face_frame`` with a
(C,) control vector (``controls.SLOTS``) from ``motion.face_controls``.
"""

from engine.nodes.animate.controls import N_CONTROLS, SLOT, SLOTS, controls
from engine.nodes.animate.deform import deform
from engine.nodes.animate.motion import (
    blink_track,
    expression_track,
    face_controls,
    gaze_track,
    head_track,
    speech_energy,
)
from engine.nodes.animate.render import render_face_frame, rest_frame
from engine.nodes.animate.rig import FaceRig, build_face_rig

__all__ = [
    "N_CONTROLS",
    "SLOT",
    "SLOTS",
    "FaceRig",
    "blink_track",
    "build_face_rig",
    "controls",
    "deform",
    "expression_track",
    "face_controls",
    "gaze_track",
    "head_track",
    "render_face_frame",
    "rest_frame",
    "speech_energy",
]
