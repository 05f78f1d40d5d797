"""Peak memory of a 1-minute vs a 10-minute photo story: memory should stay flat.

Each story is rendered cold by the CLI (``photoplay render ... --json``) in a
subprocess, at 320x180 25 fps so the 10-minute one stays quick: 20 s shots of
six 1024 px photos with slow zooms and pans, 0.8 s cross-fades, a title on the
first shot, no speech. While it runs, the whole process tree (the CLI and its
pool workers) is sampled every ``SAMPLE_S`` with psutil. Prints, per story:

- peak of the tree's summed RSS (the processes alive together at one sample);
- peak RSS of the largest single process (sampled), and ``ru_maxrss`` from
  ``os.wait4`` on the CLI, which the kernel keeps exactly: the maximum over the
  CLI and every descendant it waited for (a max, not a sum). The pool workers
  are forked by multiprocessing's forkserver, which the CLI never reaps, so in
  practice this is the CLI's own peak (the scheduler process), not the workers';
- the 10-minute / 1-minute ratio of each (goal <= 1.2).

``--music`` adds the two stories again with the 20 s music track, to see what the
audio mix holds.

``--recording`` renders instead a talking photo (Grace Hopper, 320x320) saying a
1-minute and a 10-minute recording with its transcript (forced alignment): a
real recording from the media set (the MFA corpus speaker, 26.7 s) repeated with
1 s of silence between takes, the transcript repeated with it (issue 13: peak
within 1.2x).

Measured (December 2026, 2 shared cores, other sessions' work running beside it):

- story, load 7-13: peak sum RSS 722 -> 729 MiB (1.01x), largest process 209 -> 209
  (1.00x), CLI ru_maxrss 143 -> 166 (1.17x); node peaks (--trace) within 11 MiB (mux 196 -> 207).
- recording, load 5-10, after the issue-13 fixes (big values passed by reference,
  lip-sync loudness a block at a time, malloc_trim per node): 982 -> 1063 (1.08x),
  296 -> 336 (1.13x), 238 -> 286 (1.20x); before them 1.43x (scheduler 240 -> 327,
  a worker 422 -> 595). What still grows: each 5-s part of the shot receives the
  whole recording (38 MiB at 10 min) and works out the whole shot's lip-sync; and
  the CLI's C2PA signing (c2pa-rs) holds about twice the video's bytes (alone: +17
  MiB for the 3 MB 1-min video, +71 MiB for the 32 MB 10-min one).

``--trace`` renders with ``PHOTOPLAY_TRACE`` and adds, per node kind, the most a
node of that kind held (its process's peak RSS during the node, ``peak_mib``) in
each story: what grows with the length.

    .venv/bin/python bench/memory.py [--music] [--trace]   # about 2-4 minutes on 2 busy cores
    .venv/bin/python bench/memory.py --recording            # about 10-20 minutes
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil
from common import REPO, story_doc, table, write_photos, write_scene

SIZE, FPS = (320, 180), 25
SHOT_S = 20.0
SAMPLE_S = 0.05
MIB = 1024 * 1024


def sample_tree(proc: psutil.Process) -> tuple[int, int, int]:
    """(summed RSS, largest RSS, process count) of ``proc`` and its descendants, bytes."""
    rss = []
    try:
        family = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0, 0, 0
    for p in family:
        with contextlib.suppress(psutil.NoSuchProcess):  # a worker may exit between calls
            rss.append(p.memory_info().rss)
    return sum(rss), max(rss, default=0), len(rss)


TRACE = "--trace" in sys.argv
TRACE_ROWS: list[tuple] = []


def node_peaks(trace: Path) -> dict[str, tuple[float, int]]:
    """Per node kind in a ``PHOTOPLAY_TRACE`` file: (largest ``peak_mib``, nodes run)."""
    out: dict[str, tuple[float, int]] = {}
    for line in trace.read_text(encoding="utf-8").splitlines():
        span = json.loads(line)
        if span["what"] != "node" or span.get("peak_mib") is None:
            continue
        kind = span["kind"] + (" (join)" if span.get("join") else "")
        peak, n = out.get(kind, (0.0, 0))
        out[kind] = (max(peak, span["peak_mib"]), n + 1)
    return out


def trace_table() -> str:
    """The ``--trace`` rows: per story and node kind, the largest peak of a node."""
    return table(TRACE_ROWS, ("story", "node kind", "nodes", "largest peak RSS MiB"))


def render_peak(scene: Path, out: Path, cache: Path) -> dict:
    """Render ``scene`` with the CLI: peak memory of its process tree, and wall seconds.

    The child is reaped with ``os.wait4``, whose rusage holds ``ru_maxrss`` of the CLI
    and of every descendant it waited for (not the forkserver's pool workers).
    """
    cmd = [str(REPO / ".venv" / "bin" / "photoplay"), "render", str(scene), "-o", str(out),
           "--cache", str(cache), "--json"]  # fmt: skip
    env = dict(os.environ)
    trace = out.with_suffix(".trace.jsonl")
    if TRACE:
        env["PHOTOPLAY_TRACE"] = str(trace)
    t0 = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    proc = psutil.Process(child.pid)
    peak_sum = peak_one = peak_n = 0
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        total, largest, n = sample_tree(proc)
        peak_sum, peak_one, peak_n = max(peak_sum, total), max(peak_one, largest), max(peak_n, n)
        time.sleep(SAMPLE_S)
    wall_s = time.perf_counter() - t0
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        sys.exit(f"render of {scene.name} failed with exit code {child.returncode}")
    if TRACE:
        for kind, (peak, n) in sorted(node_peaks(trace).items()):
            TRACE_ROWS.append((scene.stem, kind, n, f"{peak:.0f}"))
    return {
        "sum": peak_sum,
        "one": peak_one,
        "n": peak_n,
        "wall_s": wall_s,
        "maxrss": usage.ru_maxrss * 1024,  # Linux reports KiB
    }


RECORDING_ID = "mfa-acoustic-corpus"
TALK_SIZE = (320, 320)


def recording_doc(folder: Path, minutes: int) -> dict:
    """A talking-photo scene saying ``minutes`` of a real recording, transcript and all."""
    import shutil

    import soundfile as sf
    from matplotlib import cbook

    sys.path.insert(0, str(REPO))
    from tests.media import item, media_path

    record = item(RECORDING_ID)
    take, sr_hz = sf.read(media_path(RECORDING_ID), dtype="float32", always_2d=True)
    take = take.mean(axis=1)
    gap = np.zeros(sr_hz, np.float32)
    n = max(1, round(minutes * 60 / (len(take) / sr_hz + 1.0)))
    folder.mkdir(parents=True, exist_ok=True)
    name = f"speech-{minutes}min.wav"
    sf.write(folder / name, np.concatenate([take, gap] * n), sr_hz)
    shutil.copyfile(
        cbook.get_sample_data("grace_hopper.jpg", asfileobj=False), folder / "grace.jpg"
    )
    return {
        "photoplay": 1,
        "title": f"{minutes} min of a recording",
        "output": {"size": list(TALK_SIZE), "fps": FPS, "seed": 1, "poster": False},
        "characters": {"grace": {
            "name": "Grace Hopper",
            "photo": {"file": "grace.jpg", "licence": "public domain (US Navy photograph)"},
            "consent": {"basis": "public-domain", "source": "US Navy photograph",
                        "scope": ["speech", "voice-clone"]},
        }},
        "shots": [{"cast": ["grace"], "do": [{"say": {
            "who": "grace",
            "audio": {"file": name, "licence": record.get("licence", "see tests/media")},
            "transcript": " ".join([record["transcript"]] * n),
            "speaker": "other",
        }}]}],
    }  # fmt: skip


def main_recording() -> None:
    rows, peaks = [], {}
    with tempfile.TemporaryDirectory(prefix="photoplay-mem-") as tmp_name:
        tmp = Path(tmp_name)
        for minutes in (1, 10):
            doc = recording_doc(tmp / "talk", minutes)
            scene = write_scene(tmp / "talk", doc, f"talk-{minutes}min.yaml")
            peak = render_peak(scene, tmp / f"talk-{minutes}.mp4", tmp / f"cache-{minutes}")
            peaks[minutes] = peak
            rows.append((f"{minutes} min", f"{peak['wall_s']:.1f}", peak["n"],
                         f"{peak['sum'] / MIB:.0f}", f"{peak['one'] / MIB:.0f}",
                         f"{peak['maxrss'] / MIB:.0f}"))  # fmt: skip
        a, b = peaks[1], peaks[10]
        rows.append(("10 min / 1 min", "", "", f"{b['sum'] / a['sum']:.2f}",
                     f"{b['one'] / a['one']:.2f}", f"{b['maxrss'] / a['maxrss']:.2f}"))  # fmt: skip
    print(
        f"talking photo at {TALK_SIZE[0]}x{TALK_SIZE[1]} {FPS} fps saying a recording "
        f"({RECORDING_ID}, repeated), tree sampled every {SAMPLE_S * 1e3:.0f} ms"
    )
    print(table(rows, ("recording", "wall s", "max procs", "peak sum RSS MiB",
                       "peak 1-proc RSS MiB", "CLI ru_maxrss MiB")))  # fmt: skip
    if TRACE:
        print(trace_table())


def main() -> None:
    if "--recording" in sys.argv:
        return main_recording()
    music_runs = [False, True] if "--music" in sys.argv else [False]
    rows, peaks = [], {}
    with tempfile.TemporaryDirectory(prefix="photoplay-mem-") as tmp_name:
        tmp = Path(tmp_name)
        photos = write_photos(tmp / "story", long_side_px=1024)
        for music in music_runs:
            for minutes in (1, 10):
                n_shots = round(minutes * 60 / SHOT_S)
                doc = story_doc(photos, size=SIZE, fps=FPS, shot_s=SHOT_S, n_shots=n_shots,
                                music=music)  # fmt: skip
                name = f"{minutes}min{'-music' if music else ''}"
                scene = write_scene(tmp / "story", doc, f"{name}.yaml")
                peak = render_peak(scene, tmp / f"{name}.mp4", tmp / f"cache-{name}")
                maxrss = peak["maxrss"]
                peaks[(music, minutes)] = (peak["sum"], peak["one"], maxrss)
                rows.append((name, n_shots, f"{peak['wall_s']:.1f}", peak["n"],
                             f"{peak['sum'] / MIB:.0f}", f"{peak['one'] / MIB:.0f}",
                             f"{maxrss / MIB:.0f}"))  # fmt: skip
            s1, o1, m1 = peaks[(music, 1)]
            s10, o10, m10 = peaks[(music, 10)]
            rows.append(("  10 min / 1 min", "", "", "", f"{s10 / s1:.2f}", f"{o10 / o1:.2f}",
                         f"{m10 / m1:.2f}"))  # fmt: skip
    print(f"photo story at {SIZE[0]}x{SIZE[1]} {FPS} fps, {SHOT_S:.0f} s shots, "
          f"tree sampled every {SAMPLE_S * 1e3:.0f} ms")  # fmt: skip
    print(table(rows, ("story", "shots", "wall s", "max procs", "peak sum RSS MiB",
                       "peak 1-proc RSS MiB", "CLI ru_maxrss MiB")))  # fmt: skip
    if TRACE:
        print(trace_table())


if __name__ == "__main__":
    main()
