"""The gallery: every example and every real photo rendered, judged by qc, on one page.

    make gallery                      # or: .venv/bin/python -m tests.media.gallery
    .venv/bin/python -m tests.media.gallery --only obama --cases talk

For each example scene in ``scenes/`` and for each photo of the real-media test
set, three scenes (``talk``: a real recording lip-synced; ``dance``: a dance to a
real music track; ``talk-dance``: a TTS line, then a dance), rendered into
``out/gallery/`` and judged by ``photoplay qc`` with a contact sheet each. A render
the engine refuses is a result too (its one-line reason is in the table).
``out/gallery/index.html`` shows the sheets and a table of the figures, and
``out/gallery/results.json`` holds them for notes and scripts.

Consent: every photo here is a sample picture shipped inside a package for
testing. The scenes record that as their consent source and say the render is
an internal quality-control render, not for publication; the videos carry the
label and watermark like any render and stay in ``out/`` (git-ignored).
"""

from __future__ import annotations

import argparse
import fnmatch
import html
import json
import shutil
import sys
import time
from pathlib import Path

import yaml

from tests.media import items, media_path

ROOT = Path(__file__).resolve().parents[2]
SCENES = ROOT / "scenes"
CASES = ("talk", "dance", "talk-dance")
TTS_LINE = "Hello! I was asked to say a few words, and then to dance for you."


def _character(photo_rel: str, record: dict, scope: list[str]) -> dict:
    return {
        "name": record["id"],
        "photo": {
            "file": photo_rel,
            "source": f"{record['package']} {record['version']}: {record['member']}",
        },
        "voice": {"tts": "en-us", "rate": 160},
        "body": {"mode": "auto", "person": 0},
        "face": 0,
        "consent": {
            "basis": "public-domain",
            "source": f"sample photo shipped in {record['package']} {record['version']} for testing",
            "scope": scope,
            "note": "Internal quality-control render of a package's test photo; not for publication.",
        },
    }


def _speech_action(speech: dict, rel: str) -> dict:
    say = {
        "who": "p",
        "audio": {"file": rel, "licence": speech.get("media_licence") or speech["licence"]},
    }
    say["speaker"] = "other"
    # every recording with its published transcript, unedited; a language with no
    # aligner is a warning and the mouth follows the sound
    say["transcript"] = speech["transcript"]
    say["language"] = speech.get("language", "en-us").lower()
    return {"say": say}


def real_media_scenes(folder: Path, size: int) -> list[tuple[str, Path]]:
    """Write the three scenes of every photo; returns (name, scene path)."""
    photos = items(kind="photo")
    speech = items(kind="speech")
    music = items(kind="music")
    out = []
    for n, photo in enumerate(photos):
        home = folder / photo["id"]
        (home / "assets").mkdir(parents=True, exist_ok=True)
        src = media_path(photo["id"])
        photo_rel = f"assets/{src.name}"
        shutil.copyfile(src, home / photo_rel)
        voice = speech[n % len(speech)]
        track = music[n % len(music)]
        for record in (voice, track):
            shutil.copyfile(
                media_path(record["id"]), home / "assets" / media_path(record["id"]).name
            )
        voice_rel = f"assets/{media_path(voice['id']).name}"
        track_rel = f"assets/{media_path(track['id']).name}"
        base = {
            "photoplay": 1,
            "output": {"size": [size, size], "fps": 25, "seed": 1},
            "ethics": {"label": "AI-animated photo", "credits": {"duration": 1}},
        }
        music_block = {"file": track_rel, "licence": track.get("media_licence") or track["licence"]}
        if track.get("bpm"):  # as a user would after the "no detectable beat" hint
            music_block["bpm"] = track["bpm"]
        scenes = {
            "talk": {
                "title": f"{photo['id']}: talk",
                "characters": {
                    "p": _character(photo_rel, photo, ["speech", "expressions", "voice-clone"])
                },
                "shots": [{"cast": ["p"], "do": [_speech_action(voice, voice_rel)]}],
            },
            "dance": {
                "title": f"{photo['id']}: dance",
                "characters": {"p": _character(photo_rel, photo, ["dance", "expressions"])},
                "music": music_block,
                "shots": [
                    {"cast": ["p"], "do": [{"dance": {"who": "p", "style": "party", "bars": 8}}]}
                ],
            },
            "talk-dance": {
                "title": f"{photo['id']}: talk, then dance",
                "characters": {
                    "p": _character(photo_rel, photo, ["speech", "dance", "expressions"])
                },
                "music": music_block,
                "shots": [
                    {
                        "cast": ["p"],
                        "do": [{"say": {"who": "p", "text": TTS_LINE, "mood": "happy"}}],
                    },
                    {"cast": ["p"], "do": [{"dance": {"who": "p", "style": "party", "bars": 4}}]},
                ],
            },
        }
        for case, doc in scenes.items():
            path = home / f"{case}.yaml"
            path.write_text(yaml.safe_dump(base | doc, sort_keys=False, allow_unicode=True))
            out.append((f"{photo['id']}/{case}", path))
    return out


def example_scenes() -> list[tuple[str, Path]]:
    return [(p.stem, p) for p in sorted(SCENES.glob("*.yaml")) if not p.stem.endswith("-base")]


def render_and_judge(name: str, scene: Path, out_dir: Path) -> dict:
    import engine
    from engine.errors import PhotoplayError

    video = out_dir / f"{name.replace('/', '--')}.mp4"
    sheet = video.with_suffix(".qc.png")
    row = {
        "name": name,
        "scene": str(scene.relative_to(ROOT) if scene.is_relative_to(ROOT) else scene),
    }
    started = time.perf_counter()
    try:
        engine.render(scene, video, cache_dir=out_dir / ".cache")
    except PhotoplayError as exc:
        row |= {
            "status": "refused",
            "reason": exc.lines()[0],
            "render_s": time.perf_counter() - started,
        }
        return row
    row["render_s"] = round(time.perf_counter() - started, 1)
    report = engine.qc(video, sheet=sheet)
    failed = sorted({f"{c.key} [{c.subject}]" if c.subject else c.key for c in report.failures()})
    row |= {
        "status": "passed" if report.passed else "failed",
        "video": video.name,
        "sheet": sheet.name,
        "failed": failed,
        "figures": report.figures,
        "qc_s": round(report.seconds, 1),
    }
    return row


def _figure_cells(row: dict) -> list[str]:
    f = row.get("figures") or {}
    speakers = f.get("speakers") or {}
    lag = "; ".join(
        f"{v['lag_ms']:+.0f} ms r {v['corr']:.2f}"
        for v in speakers.values()
        if v.get("corr") is not None
    )
    found = [line["face_found"] for line in f.get("lines", [])]
    dances = f.get("dances") or []
    bas = "; ".join(
        f"{d['bas']:.2f} vs {d['baseline_mean']:.2f}±{d['baseline_std']:.2f}"
        for d in dances
        if "bas" in d
    )
    bones = []
    for d in dances:
        judged = [b["cv"] for b in (d.get("bones") or {}).values() if b.get("judged")]
        if judged:
            bones.append(f"{max(judged):.3f}")
    blinks = (f.get("blinks") or {}).get("per_min")
    return [
        f"{min(found):.2f}" if found else "",
        lag,
        "" if blinks is None else f"{blinks:.0f}",
        "; ".join(f"{d['body_found']:.2f}" for d in dances),
        bas,
        "; ".join(bones),
    ]


def write_index(rows: list[dict], out_dir: Path) -> Path:
    head = [
        "case",
        "result",
        "face found (min)",
        "lag, r",
        "blinks/min",
        "body found",
        "BAS vs baseline",
        "worst bone CV",
        "failed checks / reason",
    ]
    parts = [
        "<!doctype html><meta charset=utf-8><title>Photoplay gallery</title>",
        "<style>body{font:14px sans-serif;background:#111;color:#ddd}td,th{border:1px solid #444;padding:3px 6px}"
        "table{border-collapse:collapse}.failed{color:#f66}.refused{color:#fa0}.passed{color:#6d6}img{max-width:100%}</style>",
        "<h1>Photoplay gallery</h1><table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>",
    ]
    for row in rows:
        status = row["status"]
        cells = _figure_cells(row) if status != "refused" else [""] * 6
        detail = row.get("reason") or ", ".join(row.get("failed", []))
        link = f"<a href='#{html.escape(row['name'])}'>{html.escape(row['name'])}</a>"
        parts.append(
            f"<tr><td>{link}</td><td class={status}>{status}</td>"
            + "".join(f"<td>{html.escape(c)}</td>" for c in cells)
            + f"<td>{html.escape(detail)}</td></tr>"
        )
    parts.append("</table>")
    for row in rows:
        if row.get("sheet"):
            parts.append(
                f"<h2 id='{html.escape(row['name'])}'>{html.escape(row['name'])}</h2>"
                f"<p><a href='{row['video']}'>{row['video']}</a></p><img src='{row['sheet']}'>"
            )
    index = out_dir / "index.html"
    index.write_text("\n".join(parts))
    (out_dir / "results.json").write_text(json.dumps(rows, indent=1, default=str))
    return index


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "gallery")
    parser.add_argument("--only", default="*", help="glob on case names, e.g. 'obama*' or 'dance'")
    parser.add_argument("--cases", default=",".join(CASES), help="talk,dance,talk-dance")
    parser.add_argument("--size", type=int, default=480, help="side of the real-media renders, px")
    parser.add_argument("--no-examples", action="store_true")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    wanted = set(args.cases.split(","))
    jobs = [] if args.no_examples else [(f"example/{n}", p) for n, p in example_scenes()]
    jobs += [
        (f"real/{n}", p)
        for n, p in real_media_scenes(args.out / "scenes", args.size)
        if n.rsplit("/", 1)[-1] in wanted
    ]
    jobs = [
        (n, p)
        for n, p in jobs
        if fnmatch.fnmatch(n, f"*{args.only}*") or fnmatch.fnmatch(n, args.only)
    ]
    rows = []
    for n, (name, scene) in enumerate(jobs, 1):
        row = render_and_judge(name, scene, args.out)
        rows.append(row)
        detail = row.get("reason") or ", ".join(row.get("failed", []))
        print(f"[{n}/{len(jobs)}] {name}: {row['status']} {detail}", flush=True)
        write_index(rows, args.out)
    print(f"wrote {write_index(rows, args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
