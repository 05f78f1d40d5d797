"""A long live show, measured: ``python -m tests.live.soak --minutes 5 --size 512x512``.

Starts ``photoplay live`` as its own process, watches it with a Python WebRTC viewer
(``tests.live.client``), alternates lines and idle, and reports: latency from POST
/say to the first sound and the first mouth movement the viewer receives, frames per
second and the longest gap between frames, the server's memory (RSS) over time, and
``photoplay qc`` and ``photoplay verify`` on the recording. Not a test (it runs for
minutes); the numbers go in the README.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil

from tests.live.client import Viewer

ROOT = Path(__file__).resolve().parents[2]
LINES = [
    "Hello there! It is good to see you.",
    "People ask me what a nanosecond is. Here is one: a piece of wire about a foot long.",
    "Light travels that far in a billionth of a second.",
    "A microsecond is a thousand of those, a coil of wire nearly a thousand feet long.",
    "Do you have a question for me?",
]


async def soak(url: str, minutes: float, server: psutil.Process) -> dict:
    lines, memory, windows = [], [], []
    async with Viewer(url) as v:
        await v.wait_for(lambda: len(v.seen.video) > 25, 30)
        start = time.monotonic()
        next_window = start + 10.0
        i = 0
        while time.monotonic() - start < minutes * 60:
            await asyncio.sleep(3.0)  # idle between lines
            t_post = time.monotonic()
            status, _ = await v.post("/say", {"text": LINES[i % len(LINES)]})
            i += 1
            sound = await v.wait_for(lambda t=t_post: v.first_sound(t), 15)
            mouth = await v.wait_for(lambda t=t_post: v.first_mouth_move(t), 15)
            await v.wait_for(lambda t=t_post: v.event("speech_ended", t), 60)
            lines.append(
                {
                    "status": status,
                    "sound_ms": 1000 * (sound - t_post),
                    "mouth_ms": 1000 * (mouth - t_post),
                }  # fmt: skip
            )
            now = time.monotonic()
            if now >= next_window:
                memory.append((round(now - start, 1), server.memory_info().rss / 2**20))
                windows.append((v.fps(now - 10, now), v.longest_gap_s(now - 10, now)))
                next_window = now + 10.0
                v.seen.video = [x for x in v.seen.video if x[0] > now - 20]  # bounded
                v.seen.audio = [x for x in v.seen.audio if x[0] > now - 20]
        result = await v.post("/end", {})
    sound = np.array([x["sound_ms"] for x in lines])
    mouth = np.array([x["mouth_ms"] for x in lines])
    one_minute = min(memory, key=lambda m: abs(m[0] - 60.0))
    return {
        "lines": len(lines),
        "sound_ms": {
            "median": float(np.median(sound)),
            "p90": float(np.percentile(sound, 90)),
            "max": float(sound.max()),
        },  # fmt: skip
        "mouth_ms": {
            "median": float(np.median(mouth)),
            "p90": float(np.percentile(mouth, 90)),
            "max": float(mouth.max()),
        },  # fmt: skip
        "fps_per_10s": {
            "min": min(f for f, _ in windows),
            "median": float(np.median([f for f, _ in windows])),
        },  # fmt: skip
        "longest_gap_ms": 1000 * max(g for _, g in windows),
        "gaps_over_200ms": sum(g > 0.2 for _, g in windows),
        "windows": len(windows),
        "rss_mb": {
            "at_1_min": one_minute[1],
            "at_end": memory[-1][1],
            "ratio": memory[-1][1] / one_minute[1],
            "series": memory,
        },  # fmt: skip
        "recording": result[1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--size", default="512x512")
    parser.add_argument("--scene", default=str(ROOT / "scenes" / "live-portrait.yaml"))
    args = parser.parse_args()
    record = Path(tempfile.mkdtemp(prefix="photoplay-soak-"))
    command = [sys.executable, "-m", "engine.cli.main", "live", args.scene, "-c", "grace",
               "--port", "0", "--size", args.size, "--record", str(record)]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    url = None
    for text in proc.stdout:
        if " is live at " in text:
            url = text.split(" is live at ")[1].split()[0].rstrip("/")
            break
    if url is None:
        sys.exit(f"photoplay live did not start (exit {proc.wait()})")
    try:
        report = asyncio.run(soak(url, args.minutes, psutil.Process(proc.pid)))
    finally:
        proc.terminate()
        proc.wait(60)
    print(json.dumps(report, indent=1, default=_plain), flush=True)
    import engine

    video = report["recording"]["video"]
    qc = engine.qc(video)
    report["qc"] = {"passed": qc.passed, "lines": qc.lines()}
    verdict = engine.verify(video)
    report["verify"] = {"status": verdict.status, "reasons": verdict.reasons}
    report["size"] = args.size
    print(json.dumps({k: report[k] for k in ("size", "qc", "verify")}, indent=1))


def _plain(value):
    return value.item() if hasattr(value, "item") else str(value)


if __name__ == "__main__":
    main()
