"""Make the example scenes' assets from media that packages ship. Run from anywhere:

    .venv/bin/python scenes/assets/make_assets.py

Photos (JPEG, long side <= 512 px):
- astronaut.jpg: Eileen Collins, NASA (public domain), from scikit-image;
- camera.jpg, coffee.jpg, chelsea.jpg: scikit-image sample data (CC0 / public domain);
- grace-hopper.jpg: Rear Admiral Grace Hopper, US Navy (public domain), from matplotlib.
Music: music-120bpm.wav, synthesised here (10 bars at 120 bpm, 16 kHz mono).
Also copies a small portrait into engine/cli/templates/ for `photoplay new`.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.cbook
import numpy as np
from PIL import Image
from skimage import data

from engine.cli.music import synth_music, write_wav

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE.parents[1] / "engine" / "cli" / "templates"


def save_jpeg(pixels: np.ndarray | Image.Image, path: Path, long_side: int = 512) -> None:
    img = pixels if isinstance(pixels, Image.Image) else Image.fromarray(pixels)
    img = img.convert("RGB")
    scale = long_side / max(img.size)
    if scale < 1:
        img = img.resize((round(img.width * scale), round(img.height * scale)), Image.LANCZOS)
    img.save(path, "JPEG", quality=82, optimize=True)


def main() -> None:
    for name in ("astronaut", "camera", "coffee", "chelsea"):
        save_jpeg(getattr(data, name)(), HERE / f"{name}.jpg")
    hopper = Image.open(matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))
    save_jpeg(hopper, HERE / "grace-hopper.jpg")
    save_jpeg(hopper, TEMPLATES / "portrait.jpg", long_side=320)
    write_wav(HERE / "music-120bpm.wav", synth_music(bpm=120.0, n_bars=10, sr_hz=16000), 16000)
    total = sum(p.stat().st_size for p in HERE.iterdir() if p.suffix in (".jpg", ".wav"))
    print(f"assets: {total / 1024:.0f} KiB in {HERE}")


if __name__ == "__main__":
    main()
