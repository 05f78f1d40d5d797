"""Talking faces in a shot: per-frame face controls from the script, and the animated picture.

For each character on screen, the shot's actions become tracks: visemes from
the phoneme timings of their lines (or from the learned audio model when a
recording has no transcript), head motion from the loudness of their voice,
seeded blinks and glances, expressions from ``emote`` and ``mood``, gaze from
``look``, and breathing in ``idle``. The picture of frame i is the photo with
every face drawn at its controls for that frame.
"""

from __future__ import annotations

import hashlib
import pickle
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from engine.nodes.animate import motion
from engine.nodes.animate.controls import SLOT
from engine.nodes.animate.render import render_face_frame, rest_frame
from engine.nodes.speech.visemes import viseme_track

MOOD_INTENSITY = 0.5  # a line's mood shows more softly than an explicit emote
SETTLE_S = 0.8  # head and gaze ease in from rest over the start of a shot
VOICE_BLOCK = 1 << 16  # samples of a line placed at a time (_mix_voice)
TALK_EASE_S = 0.12  # the mouth eases from the photo's own into speech, and back
SETTLING = [SLOT[name] for name in ("yaw", "pitch", "roll", "nod", "gaze_x", "gaze_y")]


def _place(track: np.ndarray, start_frame: int, n_frames: int) -> np.ndarray:
    """Copy a per-line track into the shot's frames from ``start_frame`` (clipped)."""
    out = np.zeros((n_frames, *track.shape[1:]), track.dtype)
    lo, hi = max(0, start_frame), min(n_frames, start_frame + len(track))
    if hi > lo:
        out[lo:hi] = track[lo - start_frame : hi - start_frame]
    return out


def line_visemes(speech, fps: float) -> tuple[np.ndarray, list[str]]:
    """(n, 4) mouth controls and shapes over one line, from its phonemes or its audio."""
    n = max(1, round(speech.duration_s * fps))
    if speech.phonemes:
        track = viseme_track(speech.phonemes, fps, n, audio=speech.audio, sr_hz=speech.sr_hz)
        return track.controls, list(track.shapes)
    from engine.nodes.speech.learned import predict_visemes

    controls, shapes = predict_visemes(speech.audio, speech.sr_hz, fps, n, loudness=True)
    return controls, list(shapes)


# Controls already worked out in this process, by ``_controls_key``: every part of a
# long shot (``engine.nodes.render.parts``) needs the whole shot's controls, and a worker
# runs many parts of one shot. A 10-minute line's cost 1.5 s in each of its 120 parts.
_MEMO: OrderedDict[str, np.ndarray] = OrderedDict()
MEMO_ENTRIES = 8  # (n_frames, C) float32 each: 1.9 MiB for 10 minutes at 25 fps


def _controls_key(spec: dict, layout: dict, speeches: dict, fps: float) -> str:
    """A digest of everything ``character_controls`` reads (its lines' audio hashed in
    place, not copied)."""
    h = hashlib.sha256(pickle.dumps((spec, layout["timing"], float(fps)), protocol=5))
    for action in spec["actions"]:
        if "mouth" in action["drives"]:
            speech = speeches[action["speech"]]
            rest = (speech.sr_hz, speech.phonemes, speech.words, speech.voice_id)
            h.update(pickle.dumps(rest, protocol=5))
            audio = np.ascontiguousarray(speech.audio)
            h.update(pickle.dumps((audio.dtype.str, audio.shape), protocol=5))
            h.update(memoryview(audio).cast("B"))
    return h.hexdigest()


def character_controls(spec: dict, layout: dict, speeches: dict, fps: float) -> np.ndarray:
    """(n_frames, C) controls for one character over one shot (``_character_controls``),
    worked out once per process for each distinct shot and character."""
    key = _controls_key(spec, layout, speeches, fps)
    found = _MEMO.get(key)
    if found is None:
        found = _character_controls(spec, layout, speeches, fps)
        _MEMO[key] = found
        while len(_MEMO) > MEMO_ENTRIES:
            _MEMO.popitem(last=False)
    else:
        _MEMO.move_to_end(key)
    return found.copy()


def _character_controls(spec: dict, layout: dict, speeches: dict, fps: float) -> np.ndarray:
    """(n_frames, C) controls for one character over one shot.

    spec: ``{"seed", "actions": [{"index", "drives", "speech"?, "mood"?,
    "expression"?, "intensity"?, "strength"?, "toward"?}]}`` (this character's
    actions). ``drives`` names the face controls an action drives: "mouth" (lip-sync
    from its ``speech``, the head following the voice, its ``mood`` shown softly),
    "expression", "gaze" (``toward``), "rest" (breathing, blinks and glances, which
    every face does anyway). ``still_head``: no head motion of the face's own (a
    dancer's head is turned by the body rig).
    layout: the shot's ``shot.timing`` value; speeches: Speech by input name.
    """
    timing = layout["timing"]
    n = timing.n_frames
    times = {a.index: a for a in timing.actions}
    visemes = np.zeros((n, 4), np.float32)
    visemes[:] = (0.0, 0.5, 0.0, 0.0)  # a relaxed closed mouth
    shapes = ["X"] * n
    speaking = np.zeros(n, np.float64)
    voice = np.zeros(max(1, round(timing.duration_s * 16000)), np.float32)
    expressions, looks = [], []
    # still_head: one who only dances; the body rig turns their head
    strengths = {"head": 0.0 if spec.get("still_head") else 1.0, "mouth": 1.0, "eyes": 1.0}
    for action in spec["actions"]:
        at = times[action["index"]]
        drives = action["drives"]
        if "mouth" in drives:
            speech = speeches[action["speech"]]
            controls, line_shapes = line_visemes(speech, fps)
            start = round(at.start_s * fps)
            placed = _place(controls, start, n)
            talking = _place(np.ones(len(controls), bool), start, n)
            visemes[talking] = placed[talking]
            speaking[talking] = 1.0
            for i in np.flatnonzero(talking):
                shapes[i] = line_shapes[i - start]
            _mix_voice(voice, speech, at.start_s)
            if action.get("mood"):
                expressions.append((at.start_s, at.end_s, action["mood"], MOOD_INTENSITY))
        if "expression" in drives:
            expressions.append((at.start_s, at.end_s, action["expression"], action["intensity"]))
            for part, value in (action.get("strength") or {}).items():
                if value is not None:
                    strengths[part] = value
        if "gaze" in drives:
            toward = action["toward"]
            looks.append(
                (at.start_s, at.end_s, tuple(toward) if isinstance(toward, list) else toward)
            )
    seed = spec["seed"]
    energy = motion.speech_energy(voice, 16000, fps, n) if voice.any() else None  # None: at rest
    controls = motion.face_controls(
        n,
        fps,
        visemes=visemes,
        viseme_shapes=shapes,
        blinks=motion.blink_track(n, fps, seed),
        gaze=motion.gaze_track(n, fps, seed + 1, looks=looks),
        head=motion.head_track(n, fps, seed + 2, speech_energy=energy, idle=energy is None),
        expressions=motion.expression_track(expressions, n, fps),
        talking=_eased(speaking, TALK_EASE_S * fps),
        head_strength=strengths["head"],
        mouth_strength=strengths["mouth"],
        eyes_strength=strengths["eyes"],
    )
    # Every shot opens on the photo itself: head and gaze ease in from rest.
    ramp = np.clip(np.arange(n) / max(1.0, SETTLE_S * fps), 0, 1)
    controls[:, SETTLING] *= (ramp * ramp * (3 - 2 * ramp))[:, None]
    return controls


def _eased(mask: np.ndarray, ramp_frames: float) -> np.ndarray:
    """(n,) 0/1 → 0..1: 1 on the mask, easing in over ``ramp_frames`` before each run
    and out after it; the clip's first frame stays 0 (every shot opens on the photo)."""
    if ramp_frames <= 1.0 or not mask.any():
        return mask
    n = len(mask)
    dist = np.full(n, np.inf)  # frames to the nearest masked frame, two passes
    last = -np.inf
    for i in range(n):
        last = i if mask[i] else last
        dist[i] = i - last
    last = np.inf
    for i in range(n - 1, -1, -1):
        last = i if mask[i] else last
        dist[i] = min(dist[i], last - i)
    t = np.clip(1.0 - dist / ramp_frames, 0.0, 1.0)
    t = np.minimum(t, np.arange(n) / ramp_frames)
    return t * t * (3.0 - 2.0 * t)


def _mix_voice(voice: np.ndarray, speech, start_s: float) -> None:
    """Add a line (resampled to 16 kHz by picking samples; enough for loudness) at ``start_s``.

    A block of samples at a time: the picked indices of a whole 10-minute line, in
    int64 and float64, held ~190 MiB in every part of its shot (issue 13)."""
    start = round(start_s * 16000)
    end = min(len(voice), start + round(speech.duration_s * 16000))
    last = len(speech.audio) - 1
    for lo in range(start, end, VOICE_BLOCK):
        hi = min(end, lo + VOICE_BLOCK)
        idx = (np.arange(lo - start, hi - start) * speech.sr_hz / 16000).astype(int)
        voice[lo:hi] += speech.audio[np.clip(idx, 0, last)]


@dataclass
class TalkingPicture:
    """Frame i of a shot: the photo fitted to the frame with every face at its controls."""

    photo: np.ndarray
    rigs: list
    controls: list[np.ndarray]

    def __post_init__(self):
        self.rest = [rest_frame(rig, self.photo) for rig in self.rigs]
        w, h = self.rigs[0].out_size
        self.out = np.empty((h, w, 3), np.uint8)

    def __call__(self, i: int) -> np.ndarray:
        background = self.rest[0]
        for rig, controls in zip(self.rigs, self.controls, strict=True):
            render_face_frame(rig, self.photo, controls[i], self.out, background=background)
            background = self.out  # the next face is drawn over this one, in place
        return self.out
