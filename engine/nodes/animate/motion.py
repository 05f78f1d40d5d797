"""Per-frame control tracks: blinks, gaze, head motion, expressions, and their mix.

All pure and seeded (``np.random.default_rng(seed)``): the same arguments give
the same tracks. Frame i shows time i / fps.

Human reference values: spontaneous blinks 15-30 per minute with a refractory
gap of about a second, the lid closing in ~100 ms and opening in ~150 ms, and
now and then a double blink; gaze holds for 0.5-3 s between quick saccades;
speakers nod on stressed syllables and tilt with the voice's pitch.
"""

from __future__ import annotations

import math

import numpy as np

from engine.errors import NodeError
from engine.nodes.animate.controls import (
    EXPRESSIONS,
    EYE_SLOTS,
    HEAD_SLOTS,
    MOUTH_SLOTS,
    N_CONTROLS,
    SLOT,
)

CLOSE_S, HOLD_S, OPEN_S = 0.10, 0.02, 0.15
REFRACTORY_S = 1.0
DOUBLE_BLINK_P = 0.1
WAIT_SHAPE = 3.0  # gamma shape of the wait after the refractory gap (1 = exponential)
VISEME_REST = (0.02, 0.50, 0.15, 0.00)  # speech.visemes.REST: jaw, width, rounding, raise
LOOKS = {"camera": (0.0, 0.0), "left": (-0.8, 0.0), "right": (0.8, 0.0),
         "up": (0.0, -0.7), "down": (0.0, 0.7)}  # fmt: skip


def _check(n_frames: int, fps: float) -> None:
    if n_frames < 0 or not fps > 0:
        raise NodeError(
            f"need n_frames >= 0 and fps > 0, got n_frames={n_frames}, fps={fps}",
            kind="animate.motion",
        )


def _smooth(x: np.ndarray, sigma_frames: float) -> np.ndarray:
    """Zero-phase Gaussian smoothing along axis 0 with edges held."""
    if sigma_frames < 0.3 or len(x) < 2:
        return x
    r = int(math.ceil(3 * sigma_frames))
    taps = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma_frames) ** 2)
    taps /= taps.sum()
    pad = np.pad(x, [(r, r)] + [(0, 0)] * (x.ndim - 1), mode="edge")
    if x.ndim == 1:
        return np.convolve(pad, taps, mode="valid")
    return np.stack([np.convolve(pad[:, c], taps, mode="valid") for c in range(x.shape[1])], 1)


WANDER_SPAN_S = 60.0  # normalise the noise over at least this long, whatever the clip length


def _wander(rng: np.random.Generator, n_frames: int, fps: float, period_s: float) -> np.ndarray:
    """(n_frames,) smooth noise with unit standard deviation, wandering every ~period_s.

    The noise is drawn and normalised over at least WANDER_SPAN_S: normalising a
    short clip's own few wanders by their tiny spread would blow them up (a 2 s
    clip once got a 16 degree head roll).
    """
    if n_frames == 0:
        return np.zeros(0)
    span = max(n_frames + 1, int(WANDER_SPAN_S * fps))
    sigma = period_s * fps / 2.5
    margin = int(3 * sigma) + 1  # drop the ends, where edge padding lets one sample dominate
    x = _smooth(rng.standard_normal(span + 2 * margin), sigma)[margin : margin + span]
    sd = float(x.std())
    x = x / sd if sd > 1e-9 else x
    return x[:n_frames]


def blink_times(duration_s: float, seed: int, rate_per_min: float = 20.0) -> list[float]:
    """Start times (s) of the blinks in ``duration_s``: a refractory gap plus a
    gamma-distributed wait, tuned to ``rate_per_min`` (15-30), with occasional doubles."""
    if not 15.0 <= rate_per_min <= 30.0:
        raise NodeError(
            f"blink rate must be 15-30 per minute, got {rate_per_min}",
            kind="animate.motion",
            hint="people blink 15-30 times a minute; 20 is typical",
        )
    rng = np.random.default_rng(seed)
    mean_gap = 60.0 / rate_per_min
    double_gap = CLOSE_S + HOLD_S + OPEN_S + 0.12
    # a double adds a blink without a full gap: stretch gaps so the rate holds
    wait = (mean_gap * (1 + DOUBLE_BLINK_P) - REFRACTORY_S) - DOUBLE_BLINK_P * double_gap
    t = float(rng.uniform(0.3, mean_gap))
    starts = []
    while t < duration_s:
        starts.append(t)
        if rng.random() < DOUBLE_BLINK_P:
            t += double_gap
            if t < duration_s:
                starts.append(t)
        t += REFRACTORY_S + float(rng.gamma(WAIT_SHAPE, max(wait, 0.1) / WAIT_SHAPE))
    return starts


def blink_profile(t_s: np.ndarray) -> np.ndarray:
    """Lid closure in [0, 1] at ``t_s`` seconds after a blink starts: eases shut in
    CLOSE_S, holds HOLD_S, opens in OPEN_S."""
    t = np.asarray(t_s, np.float64)
    close = np.clip(t / CLOSE_S, 0, 1)
    opening = np.clip((t - CLOSE_S - HOLD_S) / OPEN_S, 0, 1)
    up = np.sin(0.5 * np.pi * close) ** 2
    down = 1 - np.sin(0.5 * np.pi * opening) ** 2
    out = np.where(t < CLOSE_S + HOLD_S, up, down)
    return np.where((t < 0) | (t > CLOSE_S + HOLD_S + OPEN_S), 0.0, out)


def blink_track(n_frames: int, fps: float, seed: int, rate_per_min: float = 20.0) -> np.ndarray:
    """(n_frames,) float32 lid closure in [0, 1] (1 = shut) for both eyes.

    Each blink is shifted so its shut moment lands on a frame (a 25 fps video would
    otherwise skip the closed lid of a 100 ms blink).
    """
    _check(n_frames, fps)
    out = np.zeros(n_frames)
    t = np.arange(n_frames) / fps
    for start in blink_times(n_frames / fps, seed, rate_per_min):
        peak = round((start + CLOSE_S) * fps) / fps
        out = np.maximum(out, blink_profile(t - (peak - CLOSE_S)))
    return out.astype(np.float32)


def _look_target(target) -> tuple[float, float]:
    if isinstance(target, str):
        if target not in LOOKS:
            raise NodeError(
                f"unknown look target {target!r}",
                kind="animate.motion",
                hint=f"use one of {', '.join(LOOKS)} or [x, y] in -1..1",
            )
        return LOOKS[target]
    x, y = (float(v) for v in target)
    return float(np.clip(x, -1, 1)), float(np.clip(y, -1, 1))


def gaze_track(
    n_frames: int,
    fps: float,
    seed: int,
    looks=(),
    amplitude: float = 0.25,
    transition_s: float = 0.12,
) -> np.ndarray:
    """(n_frames, 2) float32 gaze (x, y) in -1..1: small saccades between fixations
    of 0.5-3 s around the camera, overridden by ``looks``
    [(start_s, end_s, target)] with target "left"/"right"/"up"/"down"/"camera" or
    (x, y), eased over ``transition_s``."""
    _check(n_frames, fps)
    rng = np.random.default_rng(seed)
    gaze = np.zeros((n_frames, 2))
    i = 0
    while i < n_frames:
        hold = int(max(1, rng.uniform(0.5, 3.0) * fps))
        gaze[i : i + hold] = np.clip(rng.normal(0.0, amplitude, 2), -0.6, 0.6)
        i += hold
    gaze = _smooth(gaze, 0.02 * fps)  # a saccade takes ~40 ms
    t = np.arange(n_frames) / fps
    for start_s, end_s, target in looks:
        x, y = _look_target(target)
        w = _envelope(t, float(start_s), float(end_s), transition_s, transition_s)
        gaze = gaze * (1 - w[:, None]) + w[:, None] * np.array([x, y])
    return gaze.astype(np.float32)


def _envelope(t: np.ndarray, start_s: float, end_s: float, attack_s: float, release_s: float):
    """Smoothstep up over attack_s from start_s, 1 until end_s, down over release_s."""
    up = np.clip((t - start_s) / max(attack_s, 1e-6), 0, 1)
    down = np.clip((end_s + release_s - t) / max(release_s, 1e-6), 0, 1)
    x = np.minimum(up, down)
    return x * x * (3 - 2 * x)


def speech_energy(audio: np.ndarray, sr_hz: int, fps: float, n_frames: int) -> np.ndarray:
    """(n_frames,) float32 loudness per video frame in [0, 1] (RMS over the frame,
    in dB from -50 to the line's peak)."""
    _check(n_frames, fps)
    x = np.asarray(audio).reshape(-1)  # each frame's samples in float64, not the whole line
    hop = sr_hz / fps  # samples per frame
    out = np.zeros(n_frames)
    for i in range(n_frames):
        seg = x[int(i * hop) : int((i + 1) * hop)].astype(np.float64)
        out[i] = math.sqrt(float(np.mean(seg**2))) if len(seg) else 0.0
    db = 20 * np.log10(np.maximum(out, 1e-6))
    top = db.max() if n_frames else 0.0
    return np.clip((db - (top - 50)) / 50, 0, 1).astype(np.float32)


def head_track(
    n_frames: int,
    fps: float,
    seed: int,
    speech_energy: np.ndarray | None = None,
    pitch: np.ndarray | None = None,
    idle: bool = False,
) -> np.ndarray:
    """(n_frames, 4) float32 [yaw, pitch, roll (degrees), nod (-1..1)].

    With speech: the head nods down on rises in loudness (stressed syllables), tilts
    with the voice's pitch (``pitch``, any unit, per frame; optional) and drifts
    slowly. ``idle`` (no speech, the "Deep Nostalgia" mode): breathing sway (~4 s),
    a slow tilt and occasional glances to the side.
    """
    _check(n_frames, fps)
    rng = np.random.default_rng(seed)
    t = np.arange(n_frames) / fps
    yaw = 3.0 * _wander(rng, n_frames, fps, 3.0)
    roll = 1.5 * _wander(rng, n_frames, fps, 4.0)
    tilt = 1.0 * _wander(rng, n_frames, fps, 3.0)
    nod = np.zeros(n_frames)
    if idle:
        phase = rng.uniform(0, 2 * np.pi, 3)
        nod = 0.25 * np.sin(2 * np.pi * t / 4.2 + phase[0])  # breathing
        roll = roll + 1.5 * np.sin(2 * np.pi * t / 7.0 + phase[1])
        tilt = tilt + 1.0 * np.sin(2 * np.pi * t / 4.2 + phase[0])
        glance = np.zeros(n_frames)
        i = int(rng.uniform(1.0, 3.0) * fps)
        while i < n_frames:
            length = int(rng.uniform(1.0, 2.5) * fps)
            glance[i : i + length] = rng.choice([-1.0, 1.0]) * rng.uniform(4.0, 8.0)
            i += length + int(rng.uniform(3.0, 7.0) * fps)
        yaw = yaw + _smooth(glance, 0.25 * fps)
    if speech_energy is not None:
        e = np.asarray(speech_energy, np.float64).reshape(-1)
        if e.shape != (n_frames,):
            raise NodeError(
                f"speech_energy has {e.shape[0]} frames, expected {n_frames}",
                kind="animate.motion",
            )
        # band-pass: syllable-scale rises over the phrase-scale level
        beat = _smooth(e, 0.08 * fps) - _smooth(e, 0.6 * fps)
        nod = nod + 2.5 * np.clip(beat, 0, None)
        tilt = tilt + 6.0 * np.clip(beat, 0, None)
        yaw = yaw * (0.5 + _smooth(e, 0.5 * fps))  # livelier while talking
    if pitch is not None:
        p = np.asarray(pitch, np.float64).reshape(-1)
        voiced = p > 0
        if voiced.any():
            z = np.where(voiced, (p - p[voiced].mean()) / (p[voiced].std() + 1e-9), 0.0)
            roll = roll + 1.5 * _smooth(z, 0.15 * fps)
    return np.stack([yaw, tilt, roll, nod], 1).astype(np.float32)


def expression_track(
    events, n_frames: int, fps: float, attack_s: float = 0.3, release_s: float = 0.5
) -> np.ndarray:
    """(n_frames, 4) float32 intensities of happy, sad, surprised, angry.

    events: [(start_s, end_s, expression, intensity in 0..1)]; "neutral" relaxes
    the face (nothing drawn). Each event eases in over ``attack_s`` from its start
    and out over ``release_s`` after its end; overlapping events take the maximum.
    """
    _check(n_frames, fps)
    t = np.arange(n_frames) / fps
    out = np.zeros((n_frames, len(EXPRESSIONS)))
    for start_s, end_s, name, intensity in events:
        if name == "neutral":
            continue
        if name not in EXPRESSIONS:
            raise NodeError(
                f"unknown expression {name!r}",
                kind="animate.motion",
                hint=f"use one of {', '.join(EXPRESSIONS)} or neutral",
            )
        k = EXPRESSIONS.index(name)
        env = float(np.clip(intensity, 0, 1)) * _envelope(t, start_s, end_s, attack_s, release_s)
        out[:, k] = np.maximum(out[:, k], env)
    return out.astype(np.float32)


def face_controls(
    n_frames: int,
    fps: float,
    *,
    visemes: np.ndarray | None = None,
    viseme_shapes: list[str] | None = None,
    blinks: np.ndarray | None = None,
    gaze: np.ndarray | None = None,
    head: np.ndarray | None = None,
    expressions: np.ndarray | None = None,
    talking: np.ndarray | None = None,
    head_strength: float = 1.0,
    mouth_strength: float = 1.0,
    eyes_strength: float = 1.0,
) -> np.ndarray:
    """(n_frames, C) float32 controls (``controls.SLOTS``) from the separate tracks.

    visemes: (n_frames, 4) jaw_open, lip_width, rounding, upper_lip_raise from
        ``speech.visemes.viseme_track`` (absolute; converted to offsets from the
        relaxed closed mouth here). viseme_shapes: its Rhubarb shapes; "H" (L, TH)
        raises the tongue. blinks: (n_frames,) closure; gaze: (n_frames, 2);
        head: (n_frames, 4) yaw, pitch, roll, nod; expressions: (n_frames, 4).
    talking: (n_frames,) 0..1, 1 while a line is spoken: the visemes then count from
        lips together even on a photo whose lips are parted (``deform.mouth_from_rest``).
    *_strength: multipliers for the mouth, eye (blink, gaze) and head slots.
    """
    _check(n_frames, fps)
    out = np.zeros((n_frames, N_CONTROLS), np.float64)

    def take(x, cols: int, what: str) -> np.ndarray:
        a = np.asarray(x, np.float64).reshape(n_frames, -1) if np.size(x) else None
        if a is None or a.shape != (n_frames, cols):
            raise NodeError(
                f"{what} must be ({n_frames}, {cols}), got {np.shape(x)}", kind="animate.motion"
            )
        return a

    if visemes is not None:
        v = take(visemes, 4, "visemes")
        rest = np.array(VISEME_REST)
        out[:, SLOT["jaw_open"]] = np.clip(v[:, 0] - rest[0], 0, None) / (1 - rest[0])
        out[:, SLOT["lip_width"]] = 1.5 * (v[:, 1] - rest[1])
        out[:, SLOT["rounding"]] = v[:, 2] - rest[2]
        out[:, SLOT["upper_lip_raise"]] = v[:, 3] - rest[3]
    if viseme_shapes is not None:
        tongue = np.array([1.0 if s == "H" else 0.0 for s in viseme_shapes])
        out[:, SLOT["tongue"]] = _smooth(take(tongue, 1, "viseme_shapes")[:, 0], 0.03 * fps)
    if talking is not None:
        out[:, SLOT["talking"]] = np.clip(take(talking, 1, "talking")[:, 0], 0.0, 1.0)
    if blinks is not None:
        b = take(blinks, 1, "blinks")[:, 0]
        out[:, SLOT["blink_right"]] = b
        out[:, SLOT["blink_left"]] = b
    if gaze is not None:
        g = take(gaze, 2, "gaze")
        out[:, SLOT["gaze_x"]], out[:, SLOT["gaze_y"]] = g[:, 0], g[:, 1]
    if head is not None:
        h = take(head, 4, "head")
        for k, name in enumerate(HEAD_SLOTS):
            out[:, SLOT[name]] = h[:, k]
    if expressions is not None:
        e = take(expressions, 4, "expressions")
        for k, name in enumerate(EXPRESSIONS):
            out[:, SLOT[name]] = e[:, k]
    for names, k in ((MOUTH_SLOTS, mouth_strength), (EYE_SLOTS, eyes_strength),
                     (HEAD_SLOTS, head_strength)):  # fmt: skip
        out[:, [SLOT[n] for n in names]] *= float(k)
    return out.astype(np.float32)
