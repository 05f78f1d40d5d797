"""Learned audio → visemes: inference speed against real time and against the espeak path.

Run: .venv/bin/python bench/visemes_model.py

For lines of increasing length prints:
- model: wall seconds per audio second of ``predict_visemes`` (features +
  network + resampling to 25 fps; weights already loaded), and its speed as a
  multiple of real time; long audio runs as one batch of 30 s chunks;
- of which features: the log-mel share of that time;
- espeak path (the baseline, same process, same audio length): ``synthesise``
  of the text plus ``viseme_track`` on its phonemes, the transcript route the
  model replaces when there is no transcript;
- ratio: model time / espeak-path time (below 1: the model is faster).
"""

from __future__ import annotations

import time

import numpy as np
from common import best_of  # bench/ helpers (the script's folder is on sys.path)

from engine.nodes.speech.learned import load_model, log_mel, predict_visemes
from engine.nodes.speech.tts import synthesise
from engine.nodes.speech.visemes import viseme_track

SENTENCE = "The quick brown fox jumps over the lazy dog. She sells sea shells by the sea shore. "
FPS = 25


def main() -> None:
    t = time.perf_counter()
    _, sidecar = load_model()
    print(
        f"load + sha256 check: {1000 * (time.perf_counter() - t):.0f} ms, "
        f"{sidecar['parameters']} parameters"
    )
    print(f"{'audio s':>8} {'model s':>8} {'x rt':>6} {'feat %':>7} {'espeak s':>9} {'ratio':>6}")
    for n_sentences in (1, 4, 16):
        text = SENTENCE * n_sentences

        def espeak_path(text=text):
            s = synthesise(text)
            viseme_track(s.phonemes, FPS, int(np.ceil(s.duration_s * FPS)))
            return s

        espeak_s, speech = best_of(3, espeak_path)
        n_frames = int(np.ceil(speech.duration_s * FPS))
        predict_visemes(speech.audio, speech.sr_hz, FPS, n_frames)  # warm-up
        model_s, _ = best_of(
            3, lambda s=speech, n=n_frames: predict_visemes(s.audio, s.sr_hz, FPS, n)
        )
        feat_s, _ = best_of(3, lambda s=speech: log_mel(s.audio, s.sr_hz))
        audio_s = speech.duration_s
        print(
            f"{audio_s:8.1f} {model_s:8.3f} {audio_s / model_s:6.0f} "
            f"{100 * feat_s / model_s:7.0f} {espeak_s:9.3f} {model_s / espeak_s:6.2f}"
        )


if __name__ == "__main__":
    main()
