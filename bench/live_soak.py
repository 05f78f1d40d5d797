"""A long live show watched by headless Chromium: frame rate, freezes, A/V offset, memory.

    .venv/bin/python bench/live_soak.py                 # 10 minutes at 512x512
    .venv/bin/python bench/live_soak.py --minutes 2 --size 720x720
    .venv/bin/python bench/live_soak.py --voice neural    # grace speaks with piper:en_US-joe

Starts the live server as its own process (``--serve``: the session and server
``photoplay live`` makes, plus the flash-and-click diagnostic), opens its page in
headless Chromium (Debian's chromium + chromium-driver, tests/live/probes.py's browser),
and alternates lines (POST /say, until speech_ended) with ``--idle`` seconds of idle.
Every ``--flash-every`` seconds, in an idle stretch, 4 flash-and-click marks measure the
audio-video offset as tests/live/test_av_sync.py does.

Every ``--every`` seconds it samples, in the page: the video's inbound-rtp stats
(framesDecoded, framesPerSecond, framesDropped, freezeCount, totalFreezesDuration,
jitter, jitter buffer delay) and the audio's (concealed samples, jitter buffer), and the
longest gap between two frames the page presented (requestVideoFrameCallback); and the
server process's RSS. Prints a row per minute and a summary: frames per second (goal 25),
freezes (Chromium's count, and presented-frame gaps over 200 ms), A/V offset per flash,
RSS at 1 minute and at the end (goal: within 1.1x). Not a test: it runs for minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.live.probes import CLICK_THRESHOLD, pair, script  # noqa: E402
from tests.live.probes import browser as chromium  # noqa: E402

LINES = [
    "Hello there! It is good to see you.",
    "People ask me what a nanosecond is. Here is one: a piece of wire about a foot long.",
    "Light travels that far in a billionth of a second.",
    "A microsecond is a thousand of those, a coil of wire nearly a thousand feet long.",
    "Do you have a question for me?",
]

# Installed once in the page (tests/live/probes.py's helpers): counts presented frames and
# their gaps, times flashes (the top-left patch turning white) and clicks (an AudioWorklet
# on the received stream).
MONITOR = script(
    """
const done = arguments[arguments.length - 1];
(async () => {
  const p = window.photoplay;
  await videoPlaying(p);
  const m = (window.soak = {frames: 0, last: null, max_gap_ms: 0, gaps: [], flashes: [],
                            clicks: []});
  watchFlashes(p, (now, meta) => m.flashes.push({t: meta.expectedDisplayTime}), (now) => {
    if (m.last !== null) {
      const gap = now - m.last;
      m.max_gap_ms = Math.max(m.max_gap_ms, gap);
      if (gap > 200) m.gaps.push([now, gap]);
    }
    m.last = now; m.frames++;
  });
  await listenFor(p, CLICK_THRESHOLD, (click) => {
    m.clicks.push({t: click.t});
    if (m.clicks.length > 500) m.clicks.shift();
  });
  done({ok: true});
})().catch((e) => done({error: String(e)}));
""".replace("CLICK_THRESHOLD", str(CLICK_THRESHOLD))
)

# One sample: inbound-rtp stats and the monitor's counters since the last sample.
SAMPLE = script(
    """
const done = arguments[arguments.length - 1];
(async () => {
  const m = window.soak, stats = await window.photoplay.pc.getStats();
  const [v, a] = [inbound(stats, "video"), inbound(stats, "audio")];
  const out = {t: performance.now(), video: v, audio: a, frames: m.frames,
               max_gap_ms: m.max_gap_ms, gaps: m.gaps, flashes: m.flashes, clicks: m.clicks};
  m.max_gap_ms = 0; m.gaps = []; m.flashes = []; m.clicks = [];
  done(out);
})().catch((e) => done({error: String(e)}));
"""
)


# -- the server, as its own process ------------------------------------------------------


def serve(scene: str, size: tuple[int, int], record: str | None) -> None:
    """``photoplay live`` with the flash diagnostic: prints ``live at URL``, serves until
    SIGTERM / SIGINT, then ends the show (publishing the recording)."""
    from engine.live.server import LiveServer
    from engine.live.session import open_session

    session = open_session(scene, "grace", size=size, record=Path(record) if record else None)

    async def run():
        server = LiveServer(session, "127.0.0.1", 0, diagnostics=True)
        await server.start()
        print(f"live at {server.url}", flush=True)
        result = await server.run()
        print(f"ended {json.dumps(result)}", flush=True)

    asyncio.run(run())


# -- the viewer and the lines ------------------------------------------------------------


def _http(url: str, body: dict | None = None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="POST" if body is not None else "GET")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


class Lines(threading.Thread):
    """Says a line, waits for it to end, idles ``idle_s``; every ``flash_every_s`` it
    asks for 4 flashes in an idle stretch instead."""

    def __init__(self, url: str, idle_s: float, flash_every_s: float):
        super().__init__(daemon=True)
        self.url, self.idle_s, self.flash_every_s = url, idle_s, flash_every_s
        self.stop = threading.Event()
        self.said = self.refused = self.flashed = 0
        self.speaking_s = 0.0

    def _idle(self) -> bool:
        state = _http(f"{self.url}/info")[1]["state"]
        return state["speaking"] is None and not state["queued"]

    def run(self) -> None:
        next_flash = time.monotonic() + min(self.flash_every_s, 30.0)
        i = 0
        while not self.stop.is_set():
            if time.monotonic() >= next_flash:
                status, _ = _http(f"{self.url}/test/flash", {"count": 4, "every": 1.0})
                self.flashed += status == 200
                next_flash = time.monotonic() + self.flash_every_s
                self.stop.wait(5.5)
                continue
            status, _ = _http(f"{self.url}/say", {"text": LINES[i % len(LINES)]})
            i += 1
            if status != 202:
                self.refused += 1
                self.stop.wait(1.0)
                continue
            self.said += 1
            started = time.monotonic()
            self.stop.wait(0.5)
            while not self.stop.is_set() and not self._idle():
                self.stop.wait(0.2)
            self.speaking_s += time.monotonic() - started
            self.stop.wait(self.idle_s)


def soak(args) -> dict:
    import psutil

    record = None if args.no_record else tempfile.mkdtemp(prefix="photoplay-soak-")
    scene, folder = args.scene, None
    if args.voice != "scene":  # the scene's character with that voice, in a folder of its own
        from bench.live_latency import VOICES, scene_with

        folder = Path(tempfile.mkdtemp(prefix="photoplay-soak-scene-"))
        scene = str(scene_with(VOICES[args.voice], folder))
    command = [sys.executable, str(Path(__file__).resolve()), "--serve", "--scene", scene,
               "--size", args.size] + (["--record", record] if record else [])  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    url = None
    for text in server.stdout:
        if text.startswith("live at "):
            url = text.split()[-1].rstrip("/")
            break
    if url is None:
        sys.exit(f"the live server did not start (exit {server.wait()})")
    proc = psutil.Process(server.pid)
    browser = lines = None
    samples, rows, flashes, clicks, gaps = [], [], [], [], []
    try:
        browser = chromium()
        browser.set_script_timeout(60)
        browser.get(url + "/")
        ready = browser.execute_async_script(MONITOR)
        if "error" in ready:
            sys.exit(f"the page: {ready['error']}")
        lines = Lines(url, args.idle, args.flash_every)
        start = time.monotonic()
        lines.start()
        rss_1min = None
        while (now := time.monotonic() - start) < 60 * args.minutes:
            time.sleep(args.every)
            got = browser.execute_async_script(SAMPLE)
            if "error" in got:
                print(f"sample failed: {got['error']}", file=sys.stderr)
                continue
            now = time.monotonic() - start
            rss = proc.memory_info().rss / 2**20
            if rss_1min is None and now >= 60:
                rss_1min = rss
            got["at_s"], got["rss_mb"] = now, rss
            samples.append(got)
            flashes += got["flashes"]
            clicks += got["clicks"]
            gaps += got["gaps"]
        lines.stop.set()
        lines.join(30)
        rss_end = proc.memory_info().rss / 2**20
    finally:
        if lines is not None:
            lines.stop.set()
        if browser is not None:
            browser.quit()
        server.terminate()
        try:
            server.wait(120)
        except subprocess.TimeoutExpired:
            server.kill()
        for path in (record, folder):
            if path:
                shutil.rmtree(path, ignore_errors=True)
    # per minute: what changed between the last sample before the minute and its last
    marks = [samples[0]] + [
        max((s for s in samples if s["at_s"] <= 60 * m), key=lambda s: s["at_s"])
        for m in range(1, int(samples[-1]["at_s"] // 60) + 1)
    ]
    if marks[-1] is not samples[-1]:
        marks.append(samples[-1])
    for a, b in zip(marks, marks[1:], strict=False):
        if b is a:
            continue
        va, vb = a["video"], b["video"]
        dt = (b["t"] - a["t"]) / 1000
        window = [s for s in samples if a["at_s"] < s["at_s"] <= b["at_s"]]
        rows.append(
            {
                "until_s": round(b["at_s"]),
                "fps": (vb["framesDecoded"] - va["framesDecoded"]) / dt,
                "fps_min": min(s["video"].get("framesPerSecond", 0) for s in window),
                "dropped": vb.get("framesDropped", 0) - va.get("framesDropped", 0),
                "freezes": vb.get("freezeCount", 0) - va.get("freezeCount", 0),
                "freeze_s": vb.get("totalFreezesDuration", 0) - va.get("totalFreezesDuration", 0),
                "gap_ms": max(s["max_gap_ms"] for s in window),
                "gaps_200": sum(len(s["gaps"]) for s in window),
                "jitter_ms": 1000 * vb.get("jitter", 0),
                "video_jb_ms": _per(va, vb),
                "audio_jb_ms": _per(a["audio"], b["audio"]),
                "concealed_pct": 100
                * _delta(a["audio"], b["audio"], "concealedSamples")
                / max(1, _delta(a["audio"], b["audio"], "totalSamplesReceived")),
                "rss_mb": b["rss_mb"],
            }
        )
    first, last = samples[0], samples[-1]
    windows = [
        (b["video"]["framesDecoded"] - a["video"]["framesDecoded"]) / ((b["t"] - a["t"]) / 1000)
        for a, b in zip(samples, samples[1:], strict=False)
    ]
    offsets = pair(flashes, clicks)
    return {
        "minutes": round(last["at_s"] / 60, 2),
        "size": args.size,
        "voice": args.voice,
        "lines_said": lines.said,
        "lines_refused": lines.refused,
        "flash_sets": lines.flashed,
        "speaking_share": round(lines.speaking_s / max(1.0, last["at_s"]), 2),
        "fps": round(
            (last["video"]["framesDecoded"] - first["video"]["framesDecoded"])
            / ((last["t"] - first["t"]) / 1000),
            2,
        ),
        f"fps_per_{args.every:g}s": {
            "min": round(min(windows), 1),
            "p10": round(statistics.quantiles(windows, n=10)[0], 1),
            "median": round(statistics.median(windows), 1),
        },
        "frames_dropped": last["video"].get("framesDropped"),
        "freezes": last["video"].get("freezeCount"),
        "freezes_s": last["video"].get("totalFreezesDuration"),
        "gaps_over_200ms": [[round(t / 1000, 1), round(g)] for t, g in gaps],
        "longest_gap_ms": round(max(s["max_gap_ms"] for s in samples[1:])),
        "av_offset_ms": {
            "per_flash": [round(x, 1) for x in offsets],
            "median": round(statistics.median(offsets), 1) if offsets else None,
            "within_40ms": sum(abs(x) <= 40 for x in offsets),
            "flashes": len(flashes),
        },
        "rss_mb": {
            "at_1_min": None if rss_1min is None else round(rss_1min, 1),
            "at_end": round(rss_end, 1),
            "ratio": None if rss_1min is None else round(rss_end / rss_1min, 3),
        },
        "rows": rows,
    }


def _delta(a: dict, b: dict, key: str) -> float:
    return b.get(key, 0) - a.get(key, 0)


def _per(a: dict, b: dict) -> float:
    """Mean jitter-buffer delay (ms) of what was emitted between two samples."""
    n = _delta(a, b, "jitterBufferEmittedCount")
    return 1000 * _delta(a, b, "jitterBufferDelay") / n if n else float("nan")


def table(report: dict) -> str:
    head = ("until s", "fps", "fps min", "dropped", "freezes", "freeze s", "gap ms", ">200ms",
            "jitter ms", "v jb ms", "a jb ms", "conceal %", "RSS MB")  # fmt: skip
    keys = ("until_s", "fps", "fps_min", "dropped", "freezes", "freeze_s", "gap_ms", "gaps_200",
            "jitter_ms", "video_jb_ms", "audio_jb_ms", "concealed_pct", "rss_mb")  # fmt: skip
    out = [" | ".join(f"{h:>9}" for h in head)]
    for row in report["rows"]:
        cells = []
        for k in keys:
            v = row[k]
            cells.append(f"{v:>9.1f}" if isinstance(v, float) else f"{v:>9}")
        out.append(" | ".join(cells))
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--size", default="512x512")
    parser.add_argument("--scene", default=str(ROOT / "scenes" / "live-portrait.yaml"))
    parser.add_argument("--voice", choices=("scene", "espeak", "neural"), default="scene",
                        help="grace's voice: the scene's (espeak-ng en-us) or piper:en_US-joe")  # fmt: skip
    parser.add_argument("--idle", type=float, default=4.0, help="seconds of idle after a line")
    parser.add_argument("--every", type=float, default=5.0, help="seconds between samples")
    parser.add_argument("--flash-every", type=float, default=60.0, help="seconds between A/V marks")
    parser.add_argument("--no-record", action="store_true", help="do not record the show")
    parser.add_argument("--json", type=Path, help="also write the report here")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--record", help=argparse.SUPPRESS)
    args = parser.parse_args()
    w, h = (int(x) for x in args.size.lower().split("x"))
    if args.serve:
        serve(args.scene, (w, h), args.record)
        return
    report = soak(args)
    print(table(report))
    print(json.dumps({k: v for k, v in report.items() if k != "rows"}, indent=1))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
