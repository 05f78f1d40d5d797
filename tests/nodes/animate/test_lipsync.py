"""Lip-sync of the whole chain, measured on the rendered frames.

TTS line → phoneme timings → visemes → face controls → 720x720 frames at 25 fps;
the landmark model then reads the inner-lip gap off every frame, and that curve
is cross-correlated with the expected opening from the phoneme timings.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine.nodes.animate.motion import blink_track, face_controls, head_track, speech_energy
from engine.nodes.animate.render import render_face_frame, rest_frame
from engine.nodes.animate.rig import build_face_rig
from engine.nodes.face import mouth_opening, track_landmarks
from engine.nodes.speech.tts import synthesise
from engine.nodes.speech.visemes import expected_opening, viseme_track

FPS = 25
MAX_LAG = 5  # frames searched each way


def xcorr_peak(measured: np.ndarray, expected: np.ndarray) -> tuple[int, float]:
    """(lag in frames, Pearson r) at the best lag; lag > 0: measured comes late."""
    best = (0, -1.0)
    n = len(measured)
    for lag in range(-MAX_LAG, MAX_LAG + 1):
        a = measured[max(lag, 0) : n + min(lag, 0)]
        b = expected[max(-lag, 0) : n - max(lag, 0)]
        r = float(np.corrcoef(a, b)[0, 1])
        if r > best[1]:
            best = (lag, r)
    return best


@pytest.fixture(scope="module")
def lipsync(grace):
    speech = synthesise("Hello! My name is Grace, and I wrote the first compiler.", "en-us")
    n = int(np.ceil(speech.duration_s * FPS))
    track = viseme_track(speech.phonemes, FPS, n)
    energy = speech_energy(speech.audio, speech.sr_hz, FPS, n)
    ctl = face_controls(
        n, FPS, visemes=track.controls, viseme_shapes=track.shapes,
        blinks=blink_track(n, FPS, seed=1), head=head_track(n, FPS, 1, energy),
    )  # fmt: skip
    rig = build_face_rig(grace.photo, grace.points, (720, 720))
    background = rest_frame(rig, grace.photo)

    def frames():
        out = np.empty_like(background)
        for c in ctl:
            yield render_face_frame(rig, grace.photo, c, out, background=background)

    points = [lm.points for lm in track_landmarks(frames())]
    measured = mouth_opening(np.stack(points))
    return measured, expected_opening(speech.phonemes, FPS, n)


def test_rendered_mouth_follows_the_phonemes(lipsync):
    measured, expected = lipsync
    lag, r = xcorr_peak(measured, expected)
    print(f"lip-sync: peak lag {lag * 1000 / FPS:+.0f} ms, r = {r:.3f}, {len(measured)} frames")
    assert abs(lag) <= 1  # within ±40 ms at 25 fps
    assert r >= 0.6
