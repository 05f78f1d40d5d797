"""The learned audio → viseme model, with the committed weights, on fresh espeak lines.

The voices here (variants f5, m3) and Swedish were held out of training
(models/visemes/make_data.py), so these lines are new to the model.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from engine.errors import PhotoplayError
from engine.nodes.speech.errors import SpeechError
from engine.nodes.speech.learned import (
    WEIGHTS_PATH,
    load_model,
    phoneme_free_opening,
    predict_visemes,
)
from engine.nodes.speech.tts import synthesise
from engine.nodes.speech.visemes import SHAPES, expected_opening

FPS = 25


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    return float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum()))


def _xcorr_peak_lag(a: np.ndarray, b: np.ndarray, max_lag: int = 6) -> int:
    """The shift of ``a`` (frames) that best matches ``b``; positive = a is late."""
    a, b = a - a.mean(), b - b.mean()
    lags = range(-max_lag, max_lag + 1)
    scores = [
        float(np.dot(a[max(k, 0) : len(a) + min(k, 0)], b[max(-k, 0) : len(b) - max(k, 0)]))
        for k in lags
    ]
    return list(lags)[int(np.argmax(scores))]


@pytest.fixture(scope="module")
def lines():
    specs = [
        ("My brother bought a blue boat and sailed away on Monday morning.", "en-us", "f5", 170),
        ("Où est la bibliothèque? Je voudrais emprunter un livre.", "fr", "m3", 150),
        ("Jag tycker mycket om att promenera vid havet.", "sv", "m3", 140),  # held-out language
    ]
    return [synthesise(text, voice, variant, rate) for text, voice, variant, rate in specs]


def test_jaw_opening_follows_espeak_truth_on_held_out_voices(lines):
    for speech in lines:
        n_frames = int(np.ceil(speech.duration_s * FPS))
        truth = expected_opening(speech.phonemes, FPS, n_frames)
        pred = phoneme_free_opening(speech.audio, speech.sr_hz, FPS, n_frames)
        assert pred.shape == (n_frames,) and pred.dtype == np.float32
        r = _pearson(pred, truth)
        assert r >= 0.6, (speech.voice_id, r)
        assert abs(_xcorr_peak_lag(pred, truth)) <= 1, speech.voice_id


def test_track_has_controls_and_shapes_in_range(lines):
    speech = lines[0]
    n_frames = int(np.ceil(speech.duration_s * FPS))
    track = predict_visemes(speech.audio, speech.sr_hz, FPS, n_frames)
    assert track.controls.shape == (n_frames, 4) and track.controls.dtype == np.float32
    assert track.controls.min() >= 0.0 and track.controls.max() <= 1.0
    assert len(track.shapes) == n_frames and set(track.shapes) <= set(SHAPES)
    assert len(set(track.shapes)) >= 4  # the mouth goes through several shapes in a sentence


def test_silence_around_speech_keeps_the_mouth_closed(lines):
    speech = lines[0]
    sr = speech.sr_hz
    rng = np.random.default_rng(3)
    pad0, pad1 = np.zeros(int(0.8 * sr), np.float32), np.zeros(int(1.0 * sr), np.float32)
    audio = np.concatenate([pad0, speech.audio, pad1])
    audio += (rng.standard_normal(len(audio)) * 1e-4).astype(np.float32)  # a -80 dB hiss
    n_frames = int(np.ceil(len(audio) / sr * FPS))
    opening = phoneme_free_opening(audio, sr, FPS, n_frames)
    before = opening[: int(0.8 * FPS) - 3]
    after = opening[-int(1.0 * FPS) + 3 :]
    assert before.max() < 0.1 and after.max() < 0.1
    # ...while the mouth did open for the speech (0.47-0.6 measured; 0.3 is clearly open)
    assert opening.max() > 0.3


def test_all_silent_audio_is_refused():
    with pytest.raises(SpeechError, match="silent") as info:
        predict_visemes(np.zeros(16000, np.float32), 16000, FPS, 25)
    assert isinstance(info.value, PhotoplayError) and info.value.hint


def test_bad_audio_is_refused():
    with pytest.raises(SpeechError, match="1-D float"):
        predict_visemes(np.zeros((2, 100), np.float32), 16000, FPS, 4)
    with pytest.raises(SpeechError, match="NaN"):
        predict_visemes(np.full(100, np.nan, np.float32), 16000, FPS, 4)


def test_same_audio_gives_identical_output_and_level_does_not_matter(lines):
    speech = lines[1]
    n_frames = int(np.ceil(speech.duration_s * FPS))
    a = predict_visemes(speech.audio, speech.sr_hz, FPS, n_frames)
    b = predict_visemes(speech.audio.copy(), speech.sr_hz, FPS, n_frames)
    assert np.array_equal(a.controls, b.controls) and a.shapes == b.shapes
    quiet = predict_visemes(speech.audio * np.float32(0.03), speech.sr_hz, FPS, n_frames)  # -30 dB
    assert np.abs(quiet.controls - a.controls).max() < 0.02


def test_any_sample_rate_and_frame_rate(lines):
    speech = lines[0]
    from engine.nodes.speech.learned import resample

    audio48 = resample(speech.audio, speech.sr_hz, 48000)
    n_frames = int(np.ceil(speech.duration_s * 30))
    a = phoneme_free_opening(speech.audio, speech.sr_hz, 30, n_frames)
    b = phoneme_free_opening(audio48, 48000, 30, n_frames)
    assert _pearson(a, b) > 0.98


def test_committed_weights_are_small_and_checked(tmp_path):
    assert WEIGHTS_PATH.stat().st_size < 2_000_000
    sidecar = json.loads(WEIGHTS_PATH.with_suffix(".json").read_text())
    assert sidecar["parameters"] < 1_000_000

    copy = tmp_path / "visemes.pt"
    shutil.copy(WEIGHTS_PATH, copy)
    sidecar["sha256"] = "0" * 64
    copy.with_suffix(".json").write_text(json.dumps(sidecar))
    with pytest.raises(SpeechError, match="sha256"):
        load_model(copy)

    missing = tmp_path / "none.pt"
    with pytest.raises(SpeechError, match="missing"):
        load_model(missing)


def test_long_audio_in_chunks_matches_one_pass(lines, monkeypatch):
    from engine.nodes.speech import learned

    speech = lines[0]  # ~4 s: one chunk by default, eight 0.5 s chunks below
    controls, probs = learned.predict_rate(speech.audio, speech.sr_hz)
    monkeypatch.setattr(learned, "CHUNK_FRAMES", 50)
    controls_c, probs_c = learned.predict_rate(speech.audio, speech.sr_hz)
    assert controls.shape == controls_c.shape
    assert np.abs(controls - controls_c).max() < 1e-4 and np.abs(probs - probs_c).max() < 1e-4
