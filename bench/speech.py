"""Speech room speed: TTS, forced alignment and viseme tracks against real time.

Run: .venv/bin/python bench/speech.py

Prints, for lines of increasing length:
- TTS: seconds of audio made per wall second (each line is a fresh process),
  beside the cost of starting that bare process (the baseline it cannot beat);
- alignment: real-time factor (wall seconds per audio second, lower is faster)
  and the mean phone-start error against espeak's own times;
- visemes: milliseconds to build a 25 fps track, and frames per wall second.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from common import best_of  # bench/ helpers (the script's folder is on sys.path)

from engine.nodes.speech.align import align, phone_start_errors_s
from engine.nodes.speech.tts import synthesise
from engine.nodes.speech.visemes import viseme_track

SENTENCE = "The quick brown fox jumps over the lazy dog. She sells sea shells by the sea shore. "
FPS = 25


def main() -> None:
    spawn_s, _ = best_of(
        3, lambda: subprocess.run([sys.executable, "-I", "-c", "import ctypes, json"], check=True)
    )
    print(f"baseline: bare python process start {1000 * spawn_s:.0f} ms")
    print(
        f"{'audio s':>8} {'tts s':>7} {'tts x rt':>9} {'align s':>8} {'align rtf':>9} "
        f"{'err ms':>7} {'visemes ms':>10} {'frames/s':>9}"
    )
    for n_sentences in (1, 4, 12):
        text = SENTENCE * n_sentences
        tts_s, speech = best_of(3, lambda text=text: synthesise(text))
        audio_s = speech.duration_s
        align_s, aligned = best_of(
            2, lambda speech=speech, text=text: align(speech.audio, speech.sr_hz, text)
        )
        err_ms = 1000 * phone_start_errors_s(speech.phonemes, aligned.phonemes).mean()
        n_frames = int(np.ceil(audio_s * FPS))
        vis_s, _ = best_of(
            5, lambda speech=speech, n=n_frames: viseme_track(speech.phonemes, FPS, n)
        )
        print(
            f"{audio_s:8.1f} {tts_s:7.3f} {audio_s / tts_s:9.0f} {align_s:8.3f} "
            f"{align_s / audio_s:9.3f} {err_ms:7.1f} {1000 * vis_s:10.1f} {n_frames / vis_s:9.0f}"
        )


if __name__ == "__main__":
    main()
