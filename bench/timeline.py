"""Where the time of one cold photo-story render goes: a timeline of every process.

Renders the bench photo story (``bench/photo_story.py``, 1280x720, 800 frames) once
into an empty cache with ``PHOTOPLAY_TRACE`` set, and prints, per process, what it
did when (seconds from the call to ``render``): the render's own steps (validate,
compile, starting the pool, running the graph, delivering), each worker's start,
imports and nodes, and the idle gaps between them.

    .venv/bin/python bench/timeline.py            # one render
    .venv/bin/python bench/timeline.py --repeat 2
    .venv/bin/python bench/timeline.py --scheduler inline   # one process, for comparison

Measured (issue 15, 2 shared cores, load 4.5-7, before / after the preloaded fork
server, interleaved): workers' first node at 1.39-1.57 / 1.24-1.35 s after the call
(2.8-3.4 s before when run from bench/photo_story.py, whose imports each worker
re-ran); worker start 0.25 / 0.01 s of CPU; each worker's first segment 3.8 / 2.4 CPU
s (the segment renderer's imports and cached kernels); workers' CPU 21.3-21.9 /
20.3-20.5 s; wall 23.8-24.9 / 21.8-24.3 s. Left: the soundtrack mix (1.6 CPU s)
runs after the segments and the final mux (0.8 s, of it 0.65 s AAC encoding) alone
at the end; the mix's cost hint 1.0 -> 2.0 puts it before the credits card, not after
(the worker left idle before the mux: 1.5 -> 0.9-1.0 s, load 5); then delivery: 0.42-0.51 s, 0.12 s since the poster's PNG (0.3 s) is
encoded on a thread as soon as its segment is done; what is left is C2PA signing.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from common import story_doc, write_photos, write_scene

from engine.runtime import scheduler
from engine.runtime.trace import ENV, record

render_mod = importlib.import_module("engine.render")  # engine.render is also a function

W, H, FPS = 1280, 720, 25


def wrap(owner, name: str, label: str) -> None:
    fn = getattr(owner, name)

    def timed(*args, **kwargs):
        t0, cpu0 = time.time(), time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            record(label, t0, time.time(), cpu=round(time.process_time() - cpu0, 3))

    setattr(owner, name, timed)


def instrument() -> None:
    import engine.api as api

    wrap(api, "validate", "main: validate")
    wrap(render_mod, "compile_scene", "main: compile")
    wrap(render_mod, "make_backend", "main: make backend")
    wrap(render_mod, "run", "main: run graph")
    wrap(render_mod, "_deliver", "main: deliver")
    wrap(render_mod, "_sign", "main: sign (c2pa)")
    wrap(render_mod, "publish", "main: publish")
    wrap(scheduler.LocalBackend, "close", "main: close pool")


def report(spans: list[dict], t_start: float, events: list[tuple[float, dict]]) -> None:
    main_pid = os.getpid()
    by_pid: dict[int, list[dict]] = {}
    for s in spans:
        by_pid.setdefault(s["pid"], []).append(s)
    end = max(s["t1"] for s in spans)
    print(f"total {end - t_start:.2f} s")
    total_cpu = 0.0
    for pid, items in sorted(by_pid.items(), key=lambda kv: (kv[0] != main_pid, kv[0])):
        who = "render" if pid == main_pid else f"worker {pid}"
        print(f"-- {who}")
        items.sort(key=lambda s: s["t0"])
        busy = cpu = 0.0
        last = None
        for s in items:
            extra = " ".join(
                f"{k}={v}" for k, v in s.items() if k not in ("pid", "what", "t0", "t1") and v
            )
            print(
                f"  {s['t0'] - t_start:7.2f} {s['t1'] - t_start:7.2f} "
                f"{s['t1'] - s['t0']:6.2f}  {s['what']} {extra}"
            )
            if s["what"] in ("node", "worker init", "import") and pid != main_pid:
                busy += s["t1"] - s["t0"]
                cpu += s.get("cpu", 0.0)
            last = s
        if pid != main_pid and last is not None:
            first = items[0]["t0"]
            print(f"  first span at {first - t_start:.2f}, last ends {last['t1'] - t_start:.2f}, "
                  f"busy {busy:.2f} s, CPU {cpu:.2f} s")  # fmt: skip
            total_cpu += cpu
    print(f"workers' CPU {total_cpu:.1f} s over {end - t_start:.1f} s wall")
    print("-- scheduler events (render process)")
    for t, e in events:
        if e.get("event") == "node":
            print(f"  {t - t_start:7.2f}  {e['status']:8s} {e['kind']} {e.get('seconds', '')}")


def main() -> None:
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 1
    sched = sys.argv[sys.argv.index("--scheduler") + 1] if "--scheduler" in sys.argv else None
    instrument()
    with tempfile.TemporaryDirectory(prefix="photoplay-timeline-") as tmp_name:
        tmp = Path(tmp_name)
        folder = tmp / "story"
        listed = write_photos(folder)
        scene = write_scene(folder, story_doc(listed, size=(W, H), fps=FPS, shot_s=5.0,
                                              n_shots=6, crossfade_s=0.8))  # fmt: skip
        # One trace file for all: the fork server (and its workers) keep the environment
        # of the first render.
        trace = tmp / "trace.jsonl"
        os.environ[ENV] = str(trace)
        for r in range(repeat):
            events: list[tuple[float, dict]] = []
            t0 = time.time()
            render_mod.render(
                scene, tmp / f"out{r}.mp4", cache_dir=tmp / f"cache{r}", scheduler=sched,
                on_event=lambda e, got=events: got.append((time.time(), e)),
            )  # fmt: skip
            t1 = time.time()
            spans = [json.loads(line) for line in trace.read_text().splitlines()]
            spans = [s for s in spans if t0 <= s["t0"] <= t1]
            print(f"\n=== render {r + 1}: {t1 - t0:.2f} s (load {os.getloadavg()[0]:.1f})")
            report(spans, t0, events)


if __name__ == "__main__":
    main()
