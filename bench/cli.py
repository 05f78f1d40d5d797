"""The example scenes rendered from the CLI as a user runs it, against the bare encode.

For each scene (the talking portrait, 720x720; the dance, 720x720 as the example
sets it): ``photoplay render SCENE --json`` in a fresh process with an empty
cache, timed from launch to exit, and the span of its frame work (first
``render.segment`` started to last finished, stamped as the JSON events arrive).
Then, in this process, the bare H.264 encode (SegmentWriter, veryfast CRF 20, 4
threads) of the video's own frames decoded into memory: the ceiling. Printed:
ceiling seconds / CLI seconds (the issue's goals: talking >= 0.7, dance >= 0.6)
and ceiling / frame span. ``--runs N`` repeats each and prints the range.

    .venv/bin/python bench/cli.py --runs 2
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import REPO, median_s, table

from engine.nodes.output.probe import read_frames
from engine.nodes.output.segment import SegmentWriter

SCENES = ("talking-portrait", "dance")


def cli_render(scene: Path, out: Path, cache: Path) -> tuple[float, float]:
    """(wall s of the whole command, wall s from the first segment started to the last done)."""
    cmd = [sys.executable, "-m", "engine.cli.main", "render", str(scene), "-o", str(out),
           "--cache", str(cache), "--json"]  # fmt: skip
    t0 = time.perf_counter()
    first = last = None
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=REPO) as proc:
        for line in proc.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("event") == "node" and event.get("kind") == "render.segment":
                now = time.perf_counter()
                if event["status"] == "started" and first is None:
                    first = now
                if event["status"] in ("finished", "cached"):
                    last = now
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"render of {scene} failed ({proc.returncode})")
    return wall, (last - first) if first is not None and last is not None else float("nan")


def ceiling_s(video: Path, tmp: Path) -> float:
    frames = read_frames(video)
    h, w = frames.shape[1:3]

    def encode():
        with SegmentWriter(tmp / "ceiling.mp4", w, h, 25, crf=20, preset="veryfast") as seg:
            for f in frames:
                seg.write(f)

    return median_s(encode, 2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="photoplay-cli-") as tmp_name:
        tmp = Path(tmp_name)
        for name in SCENES:
            scene = REPO / "scenes" / f"{name}.yaml"
            whole, frames_only = [], []
            for k in range(args.runs):
                out = tmp / f"{name}-{k}.mp4"
                wall, span = cli_render(scene, out, tmp / f"cache-{name}-{k}")
                ceil = ceiling_s(out, tmp)
                whole.append(ceil / wall)
                frames_only.append(ceil / span)
                os.remove(out)
            rows.append((
                name,
                f"{min(whole):.2f}-{max(whole):.2f}",
                f"{min(frames_only):.2f}-{max(frames_only):.2f}",
            ))  # fmt: skip
    print(f"{args.runs} cold CLI render(s) each; ratios are ceiling / ours (higher is better)")
    print(table(rows, ("scene", "whole command", "frame work only")))


if __name__ == "__main__":
    main()
