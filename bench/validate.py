"""How fast is validation? Shots per second and YAML lines per second on a generated scene.

    .venv/bin/python bench/validate.py [N_SHOTS]

The scene (default 1,000 shots) uses the example assets, two characters,
backgrounds, camera moves and say/dance/emote actions, so every check runs.
Reports load (YAML + templating) and full validation separately, best of 3.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.spec import load, validate  # noqa: E402

HEAD = """\
photoplay: 1
title: "A thousand shots for ${name}"
vars: {name: bench}
output: {preset: hd-720, fps: 25, seed: 1}
characters:
  eileen:
    photo: {file: assets/astronaut.jpg, licence: "public domain (NASA)"}
    voice: {tts: en-us, rate: 170}
    body: {mode: upper}
    consent: {basis: public-domain, source: "NASA", scope: [speech, dance, expressions]}
  narrator:
    voice: {tts: en-gb}
    consent: {basis: fictional, scope: [speech]}
music: {file: assets/music-120bpm.wav, licence: CC0, bpm: 120}
shots:
"""
LIMIT_S = 4 * 3600.0  # 1,000 shots last about an hour: above the 30-min default
BACKGROUNDS = ("coffee", "chelsea", "camera")


def make_big_scene(folder: Path, n_shots: int = 1000) -> Path:
    """Write ``folder/big.yaml`` with ``n_shots`` shots and copy the assets it needs."""
    (folder / "assets").mkdir(parents=True, exist_ok=True)
    for name in ("astronaut.jpg", "music-120bpm.wav", *(f"{b}.jpg" for b in BACKGROUNDS)):
        shutil.copyfile(ROOT / "scenes" / "assets" / name, folder / "assets" / name)
    parts = [HEAD]
    for i in range(n_shots):
        bg = BACKGROUNDS[i % 3]
        if i % 2:
            parts.append(
                f"  - id: s{i}\n"
                f"    cast: [eileen]\n"
                f"    camera: {{zoom: [1.0, 1.2], pan: [[0.5, 0.5], [0.4, 0.6]]}}\n"
                f"    do:\n"
                f'      - say: {{who: eileen, text: "Shot {i}, hello ${{name}}!", mood: happy}}\n'
                f"      - dance: {{who: eileen, style: swing, bars: 1}}\n"
                f"      - emote: {{who: eileen, expression: happy, at: 0.5}}\n"
            )
        else:
            parts.append(
                f"  - background: {{file: assets/{bg}.jpg, source: scikit-image}}\n"
                f'    title: "Part {i}"\n'
                f"    transition: {{type: crossfade, duration: 0.3}}\n"
                f"    do:\n"
                f'      - say: {{who: narrator, text: "And then, in part {i}, the story went on."}}\n'
            )
    path = folder / "big.yaml"
    path.write_text("".join(parts), encoding="utf-8")
    return path


def best_of(n: int, fn) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    n_shots = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with tempfile.TemporaryDirectory() as tmp:
        path = make_big_scene(Path(tmp), n_shots)
        n_lines = path.read_text().count("\n")
        size_kib = path.stat().st_size / 1024
        scene = validate(path, max_duration_s=LIMIT_S)  # warm: imports, media probes cached
        assert len(scene.shots) == n_shots
        load_s = best_of(3, lambda: load(path))
        total_s = best_of(3, lambda: validate(path, max_duration_s=LIMIT_S))
    print(f"scene: {n_shots} shots, {n_lines} lines, {size_kib:.0f} KiB")
    print(f"load (YAML + templating): {load_s * 1000:7.1f} ms  {n_lines / load_s:10.0f} lines/s")
    print(
        f"validate (all checks):    {total_s * 1000:7.1f} ms  {n_lines / total_s:10.0f} lines/s"
        f"  {n_shots / total_s:8.0f} shots/s"
    )
    print(f"ratio validate/load: {total_s / load_s:.1f}x")


if __name__ == "__main__":
    main()
