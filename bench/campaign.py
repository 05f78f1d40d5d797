"""A campaign: one 15 s template, N rows of a CSV, against rendering one row.

The template (720x1280, 25 fps): Grace Hopper thanks the row's ``name`` in its
``city`` on the row's ``colour``, then two photo shots with camera moves and a
cross-fade, music under it all, and the credits card. Prints, measured in this
one process (each render with an empty cache):

a. one row alone, then all N rows as one graph (``render_scenes``, what
   ``photoplay render --variants`` runs): wall seconds, their ratio (the issue's
   goal: 100 rows <= 30x one row), and how many times each node kind ran;
b. with ``--dask``: the same N rows on a Dask LocalCluster of 1 and of 2 worker
   processes (one thread each), rows per minute against the local process pool.

    .venv/bin/python bench/campaign.py                  # 100 rows (long: ~100 videos)
    .venv/bin/python bench/campaign.py --rows 10 --dask

Measured (3 rows, load 3-5 on the 2 shared cores): one row 8.7 s, the 3 rows as
one graph 24.8 s, 2.8x: ~0.93 of a row per extra row. The shared nodes (photos,
face, cut-out, music) run once, but each row renders all 4 segments, so 100 rows
would take ~93x one row, not the issue's <= 30x. That goal needs the shots a row
does not change rendered once for all rows, which a per-row watermark forbids
(below); marking such shots with the campaign's lineage instead would trace a
stripped copy to the campaign but not to its row: a decision, not done here.

What the rows share: the photos (image.load), the face (face.find, face.rig),
the music (audio.decode) and the photo shots' timing run once for all rows.
Every shot's segment does not: the watermark's payload is the render's lineage
(``engine.compile.provenance.lineage_id``: file, title and the row's vars), so
each row's frames differ from the others' in every shot, photo shots included,
and each row draws and encodes its whole 15 s.

On a cluster (on paper; one machine here): a node's inputs and value travel
pickled between the client and the workers, files through the cache folder,
which every worker must share (and the cache secret with it). Per node:

| node | crosses the network | size here |
|---|---|---|
| image.load | in: a path; out: the photo shrunk to the frame's need, uint8 | 1-4 MB, once per worker that uses it |
| speech.tts | out: the line's audio (float32, 22 kHz) and phoneme times | ~90 KB/s of speech |
| face.find, face.rig | out: 468 landmarks; the face mesh and its fields | 6 KB; ~0.1 MB (a body rig: ~2 MB) |
| shot.timing, output.captions | plain data | < 10 KB |
| render.segment | in: photo, rig, speech, timing; out: a path (the H.264 file, written to the shared cache) and the poster frame of one shot | 0.1-0.6 MB/s of 720p video on the shared disk; 1.5-2.8 MB poster |
| audio.decode, audio.mix | out: a path (float32 stereo at 48 kHz in the cache) | 384 KB/s of audio |
| output.mux | in: paths; reads segments and mix from the shared cache; out: a path | the video, ~0.5 MB/s |

So a row of this template moves ~10-15 MB through the shared disk and a few MB
of pickled arrays; rows are independent, and past one machine throughput grows
with workers until that disk (or the scheduler's ~1 ms per task) is the limit.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path

from common import MUSIC, MUSIC_LICENCE, table, write_photos

import engine
from engine.render import render_scenes

NAMES = ["Ada", "Linus", "Margaret", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances",
         "Ken", "Radia", "Tim", "Katherine", "John", "Hedy", "Dennis"]  # fmt: skip
CITIES = ["London", "Helsinki", "Boston", "Naples", "Lagos", "Lima", "Osaka", "Quebec",
          "Tunis", "Perth", "Oslo", "Porto"]  # fmt: skip


def template(folder: Path) -> Path:
    """The 15 s template and its assets in ``folder``; returns the scene file."""
    import yaml
    from matplotlib import cbook

    listed = dict(write_photos(folder, long_side_px=1600))
    shutil.copyfile(
        cbook.get_sample_data("grace_hopper.jpg", asfileobj=False), folder / "grace.jpg"
    )
    shutil.copyfile(MUSIC, folder / MUSIC.name)
    doc = {
        "photoplay": 1,
        "title": "Thank you, ${name}",
        "vars": {"name": "friend", "city": "Naples", "colour": "#203040"},
        "output": {"size": [720, 1280], "fps": 25, "seed": 1},
        "characters": {
            "grace": {
                "name": "Grace Hopper",
                "photo": {"file": "grace.jpg", "licence": "public domain (US Navy photograph)"},
                "voice": {"tts": "en-us", "rate": 160},
                "consent": {
                    "basis": "public-domain",
                    "source": "US Navy photograph, via matplotlib sample data",
                    "scope": ["speech", "expressions"],
                },
            }
        },
        "music": {"file": MUSIC.name, "licence": MUSIC_LICENCE, "gain_db": -9},
        "ethics": {"label": {"text": "AI-animated photo", "position": "bottom"}},
        "shots": [
            {
                "cast": ["grace"],
                "background": "${colour}",
                "title": {"text": "${city}", "position": "top"},
                "do": [
                    {
                        "say": {
                            "who": "grace",
                            "mood": "happy",
                            "text": "Thank you, ${name}, for joining us in ${city}!",
                        }
                    },
                    {"emote": {"who": "grace", "expression": "happy", "duration": 1}},
                ],  # fmt: skip
            },
            {
                "background": {"file": "coffee.jpg", "source": listed["coffee.jpg"]},
                "camera": {"zoom": [1.0, 1.3]},
                "duration": 5.0,
            },
            {
                "background": {"file": "chelsea.jpg", "source": listed["chelsea.jpg"]},
                "camera": {"zoom": [1.2, 1.0], "pan": [[0.4, 0.5], [0.6, 0.5]]},
                "transition": {"type": "crossfade", "duration": 0.8},
                "duration": 4.5,
            },
        ],
    }
    path = folder / "campaign.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def rows_csv(folder: Path, n: int) -> Path:
    path = folder / "rows.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["name", "city", "colour"])
        for k in range(n):
            colour = f"#{(37 * k) % 200:02x}{(53 * k + 40) % 200:02x}{(71 * k + 80) % 200:02x}"
            out.writerow([f"{NAMES[k % len(NAMES)]} {k + 1}", CITIES[k % len(CITIES)], colour])
    return path


def scenes(scene: Path, csv_path: Path, rows: range, out: Path) -> dict:
    return {out / f"row-{r}.mp4": engine.validate(scene, variants=csv_path, row=r) for r in rows}


def timed_render(found: dict, cache: Path, scheduler: str | None = None) -> tuple[float, Counter]:
    ran: Counter = Counter()

    def count(event: dict) -> None:
        if event.get("event") == "node" and event["status"] == "finished":
            ran[event["kind"]] += 1

    t0 = time.perf_counter()
    render_scenes(found, cache_dir=cache, scheduler=scheduler, on_event=count)
    return time.perf_counter() - t0, ran


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100)
    parser.add_argument("--dask", action="store_true", help="also on a Dask LocalCluster")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="photoplay-campaign-") as tmp_name:
        tmp = Path(tmp_name)
        scene = template(tmp / "scene")
        csv_path = rows_csv(tmp / "scene", args.rows)
        # warm-up: JIT caches and models loaded once, as on a machine that rendered before
        timed_render(scenes(scene, csv_path, range(2, 3), tmp / "warm"), tmp / "cache-warm")
        one_s, one_ran = timed_render(scenes(scene, csv_path, range(1, 2), tmp / "one"),
                                      tmp / "cache-one")  # fmt: skip
        every = scenes(scene, csv_path, range(1, args.rows + 1), tmp / "all")
        all_s, all_ran = timed_render(every, tmp / "cache-all")
        print(f"a. {args.rows} rows of a 15 s template (720x1280, 25 fps)")
        print(table([("one row", f"{one_s:.1f}", "1.00"),
                     (f"{args.rows} rows, one graph", f"{all_s:.1f}", f"{all_s / one_s:.1f}")],
                    ("render", "wall s", "x one row")))  # fmt: skip
        kinds = sorted(set(one_ran) | set(all_ran))
        print(table([(k, one_ran[k], all_ran[k]) for k in kinds],
                    ("node kind", "runs, one row", f"runs, {args.rows} rows")))  # fmt: skip
        if not args.dask:
            return
        from distributed import LocalCluster

        rows = []
        for n_workers in (1, 2):
            with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                              dashboard_address=None) as cluster:  # fmt: skip
                s, _ = timed_render(
                    every, tmp / f"cache-dask{n_workers}", cluster.scheduler_address
                )
            rows.append((f"Dask, {n_workers} worker(s)", f"{s:.1f}", f"{60 * args.rows / s:.1f}"))
        rows.append(("local process pool", f"{all_s:.1f}", f"{60 * args.rows / all_s:.1f}"))
        print(f"\nb. the {args.rows} rows on a Dask LocalCluster (empty cache each)")
        print(table(rows, ("scheduler", "wall s", "rows / min")))


if __name__ == "__main__":
    main()
