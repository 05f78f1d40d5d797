"""Shared helpers for bench/photo_story.py and bench/memory.py: photos, scenes, timing.

Scenes are written into a temporary project folder (photos and music copied in
beside the YAML, since a scene may only name files inside its own folder).
"""

from __future__ import annotations

import shutil
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import yaml
from matplotlib import cbook
from PIL import Image
from skimage import data

REPO = Path(__file__).resolve().parents[1]
MUSIC = REPO / "scenes" / "assets" / "music-120bpm.wav"
MUSIC_LICENCE = "CC0, synthesised by scenes/assets/make_assets.py"

# (file name, loader of an (H, W, 3) uint8 RGB picture, source line for the scene)
_PHOTOS: list[tuple[str, Callable[[], np.ndarray], str]] = [
    ("coffee.jpg", data.coffee, "scikit-image sample data (CC0)"),
    ("chelsea.jpg", data.chelsea, "scikit-image sample data (CC0)"),
    ("camera.jpg", lambda: np.repeat(data.camera()[..., None], 3, axis=2), "scikit-image (CC0)"),
    ("astronaut.jpg", data.astronaut, "scikit-image sample data (public domain, NASA)"),
    (
        "grace-hopper.jpg",
        lambda: np.asarray(Image.open(cbook.get_sample_data("grace_hopper.jpg")).convert("RGB")),
        "matplotlib sample data (public domain, US Navy)",
    ),
    ("rocket.jpg", data.rocket, "scikit-image sample data (public domain, NASA)"),
]

# One camera move per photo: zoom in/out, pans, a small rotation (all with easing).
MOVES: list[dict] = [
    {"zoom": [1.0, 1.3], "pan": [[0.5, 0.5], [0.45, 0.55]]},
    {"zoom": [1.25, 1.0], "rotate": [-2, 2], "ease": "out"},
    {"zoom": 1.15, "pan": [[0.4, 0.5], [0.6, 0.5]], "ease": "linear"},
    {"zoom": [1.0, 1.4], "pan": [[0.5, 0.45], [0.5, 0.35]]},
    {"zoom": [1.3, 1.05], "pan": [[0.55, 0.4], [0.5, 0.5]], "ease": "in"},
    {"zoom": [1.05, 1.25], "rotate": [1, -1], "pan": [[0.5, 0.6], [0.5, 0.5]]},
]


def write_photos(folder: Path, long_side_px: int = 2048) -> list[tuple[str, str]]:
    """Write the six sample photos, upscaled so the long side is ``long_side_px``, as JPEG.

    Returns [(file name, source)] in shot order. Phone photos are ~4000 px; 2048 px
    keeps the decode cheap while the warp still downsamples, as it does in real use.
    """
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, load, source in _PHOTOS:
        rgb = load()
        h, w = rgb.shape[:2]
        scale = long_side_px / max(h, w)
        size = (round(w * scale), round(h * scale))
        big = cv2.resize(rgb, size, interpolation=cv2.INTER_CUBIC)
        Image.fromarray(big).save(folder / name, quality=90)
        out.append((name, source))
    return out


def load_photo(path: Path) -> np.ndarray:
    """(H, W, 3) uint8 RGB."""
    return np.asarray(Image.open(path).convert("RGB"))


def story_doc(
    photos: list[tuple[str, str]],
    *,
    size: tuple[int, int],
    fps: int,
    shot_s: float,
    n_shots: int,
    crossfade_s: float = 0.8,
    title: str | None = "A morning at the observatory",
    music: bool = True,
) -> dict:
    """A photo story: ``n_shots`` shots of ``shot_s`` s cycling over the photos and MOVES.

    Every shot after the first begins with a cross-fade; the first carries a title.
    No speech: the visual pipeline (and the music mix) is what is measured.
    """
    shots = []
    for i in range(n_shots):
        name, source = photos[i % len(photos)]
        shot: dict = {
            "background": {"file": name, "source": source},
            "camera": MOVES[i % len(MOVES)],
            "duration": shot_s,
        }
        if i > 0:
            shot["transition"] = {"type": "crossfade", "duration": crossfade_s}
        if i == 0 and title:
            shot["title"] = {"text": title, "position": "bottom"}
        shots.append(shot)
    doc: dict = {
        "photoplay": 1,
        "title": "bench photo story",
        "output": {"size": list(size), "fps": fps, "seed": 3},
        "ethics": {"label": {"text": "AI-made photo story", "position": "bottom-left"}},
        "shots": shots,
    }
    if music:
        doc["music"] = {"file": MUSIC.name, "licence": MUSIC_LICENCE, "gain_db": -6}
    return doc


def write_scene(folder: Path, doc: dict, name: str = "story.yaml") -> Path:
    """Write ``doc`` as YAML into ``folder`` (copying the music beside it when used)."""
    folder.mkdir(parents=True, exist_ok=True)
    if "music" in doc:
        shutil.copyfile(MUSIC, folder / MUSIC.name)
    path = folder / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    """(wall seconds, result) of one call."""
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def best_of(n: int, fn: Callable[[], object]) -> tuple[float, object]:
    """(fastest wall time in s over ``n`` runs, the last result)."""
    best, out = float("inf"), None
    for _ in range(n):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def per_call_ms(fn: Callable[[], object], repeats: int = 20) -> float:
    """Median wall time of one call in ms, after one warm-up call (caches, interpreters)."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000.0


def median_s(fn: Callable[[], object], n: int) -> float:
    """Median wall seconds over ``n`` calls (machines here are shared and noisy)."""
    return statistics.median(timed(fn)[0] for _ in range(n))


def table(rows: list[tuple], header: tuple[str, ...]) -> str:
    """A plain fixed-width text table."""
    cells = [tuple(str(c) for c in header)] + [tuple(str(c) for c in r) for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
