"""Live: from POST /say to the first sound and the first mouth movement, in a real browser.

    .venv/bin/python bench/live_latency.py --voice espeak --size 512x512
    .venv/bin/python bench/live_latency.py --voice neural --size 720x720 --rounds 2

Serves scenes/live-portrait.yaml's grace (her voice replaced by ``--voice``: espeak-ng's
en-us or the neural ``piper:en_US-joe``) at ``--size``, opens the page in headless
Chromium, and says each of LINES in turn (waiting for speech_ended and 1.2 s of idle
between them), timed in the page by tests/live/probes.py's ``SAY_AND_TIME``: the first
sample over 0.02 played out by Web Audio (AudioWorklet + getOutputTimestamp) and the
first presented frame whose mouth box changes (requestVideoFrameCallback's
expectedDisplayTime), each from the moment the page POSTed the line. Beside them, the
server's own time from the request to the first sentence being ready (synthesised and
laid out on frames). Prints every line, the medians and maxima, and the load average
(other work on the machine counts: say so with the numbers). Goals (issue 16): 400 ms
with espeak-ng, 600 ms with the neural voice.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

VOICES = {"espeak": "en-us", "neural": "piper:en_US-joe"}
LINES = [
    "Hello there! It is good to see you.",
    "People ask me what a nanosecond is.",
    "Here is one: a piece of wire about a foot long.",
    "Light travels that far in a billionth of a second.",
    "Do you have a question for me?",
    "Yes.",
]


def scene_with(voice: str, folder: Path) -> Path:
    """scenes/live-portrait.yaml with grace's voice ``voice``, in ``folder``."""
    (folder / "assets").mkdir()
    shutil.copyfile(ROOT / "scenes/assets/grace-hopper.jpg", folder / "assets/grace-hopper.jpg")
    text = (ROOT / "scenes/live-portrait.yaml").read_text(encoding="utf-8")
    old = "voice: {tts: en-us, rate: 160}"
    assert old in text, "scenes/live-portrait.yaml's voice changed: update this bench"
    scene = folder / "live-portrait.yaml"
    scene.write_text(text.replace(old, f"voice: {{tts: {voice}, rate: 160}}"), encoding="utf-8")
    return scene


def measure(voice: str, size: tuple[int, int], lines: list[str]) -> dict:
    from engine.live.session import open_session
    from tests.live.conftest import ServerThread
    from tests.live.probes import SAY_AND_TIME, browser

    with tempfile.TemporaryDirectory(prefix="photoplay-latency-") as folder:
        scene = scene_with(VOICES[voice], Path(folder))
        t = time.perf_counter()
        session = open_session(scene, "grace", size=size, record=None)
        opened_s = time.perf_counter() - t
        served = ServerThread(session).start()
        chromium = None
        load = [os.getloadavg()[0]]
        try:
            chromium = browser()
            chromium.set_script_timeout(60 + 15 * len(lines))
            chromium.get(served.server.url)
            measured = chromium.execute_async_script(SAY_AND_TIME, lines)
            load.append(os.getloadavg()[0])
        finally:
            if chromium is not None:
                chromium.quit()
            served.stop()
    if "error" in measured:
        sys.exit(f"the page: {measured['error']}")
    ready = list(session.show.stats.sentences)
    for row in measured["results"]:
        n = len(session.speaker.parts(row["text"]))
        row["first_ready_ms"] = round(1000 * ready[0]) if ready else None
        ready = ready[n:]
        row["sound_ms"] = None if row["sound_ms"] is None else round(row["sound_ms"])
        row["mouth_ms"] = None if row["mouth_ms"] is None else round(row["mouth_ms"])
    return {
        "voice": voice,
        "size": list(size),
        "session_opened_s": round(opened_s, 1),
        "load_1min": [round(x, 1) for x in load],
        "lines": measured["results"],
        "summary": {
            key: _spread([row[key] for row in measured["results"]])
            for key in ("sound_ms", "mouth_ms", "first_ready_ms")
        },
        "fps": round(measured["fps"], 2),
        "jitter_buffer_ms": round(measured["jitter_buffer_ms"], 1),
        "output_latency_ms": round(measured["output_latency_ms"], 1),
    }


def _spread(values: list) -> dict:
    got = [v for v in values if v is not None]
    if not got:
        return {"median": None, "max": None, "missed": len(values)}
    return {"median": statistics.median(got), "max": max(got), "missed": len(values) - len(got)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voice", choices=sorted(VOICES), default="neural")
    parser.add_argument("--size", default="512x512")
    parser.add_argument("--rounds", type=int, default=1, help="say LINES this many times")
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args()
    w, h = (int(x) for x in args.size.lower().split("x"))
    report = measure(args.voice, (w, h), LINES * args.rounds)
    for row in report["lines"]:
        print(f"{row['sound_ms']!s:>6} ms sound {row['mouth_ms']!s:>6} ms mouth "
              f"{row['first_ready_ms']!s:>6} ms ready  {row['text']}")  # fmt: skip
    print(json.dumps({k: v for k, v in report.items() if k != "lines"}, indent=1))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
