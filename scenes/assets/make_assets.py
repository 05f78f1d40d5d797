"""Make the example scenes' assets from media that packages ship. Run from anywhere:

    .venv/bin/python scenes/assets/make_assets.py

Photos (JPEG, long side <= 512 px):
- astronaut.jpg: Eileen Collins, NASA (public domain), from scikit-image;
- camera.jpg, coffee.jpg, chelsea.jpg: scikit-image sample data (CC0 / public domain);
- grace-hopper.jpg: Rear Admiral Grace Hopper, US Navy (public domain), from matplotlib.
- old-portrait.jpg: grace-hopper as an old scanned print (greyscale, sepia, grain,
  vignette), made here to show old photos speak;
- two-portraits.jpg: grace-hopper and astronaut side by side, a made-up "group
  photo" for a two-character dialogue (no package ships a real group photo).
Motion: sway.mp4, a reference video made here: the astronaut photo swaying
±12 degrees about her waist at 0.5 Hz for 4 s (what a tracked dancer gives).
Music: music-120bpm.wav, synthesised here (10 bars at 120 bpm, 16 kHz mono).
Speech: arctic_a0007.wav, a real human recording (CMU ARCTIC, speaker awb,
"And you always want to see it in the superlative degree."), copied from the
pysptk 1.0.1 sdist with its licence (arctic_a0007.COPYING.txt); not generated.
Also copies a small portrait into engine/cli/templates/ for `photoplay new`.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.cbook
import numpy as np
import soundfile as sf
from PIL import Image
from skimage import data

from engine.nodes.music.synth import synth_music

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE.parents[1] / "engine" / "cli" / "templates"


def save_jpeg(pixels: np.ndarray | Image.Image, path: Path, long_side: int = 512) -> None:
    img = pixels if isinstance(pixels, Image.Image) else Image.fromarray(pixels)
    img = img.convert("RGB")
    scale = long_side / max(img.size)
    if scale < 1:
        img = img.resize((round(img.width * scale), round(img.height * scale)), Image.LANCZOS)
    img.save(path, "JPEG", quality=82, optimize=True)


def old_print(photo: Image.Image, seed: int = 1962) -> Image.Image:
    """A scanned old print: greyscale, sepia toned, faded, grainy, vignetted."""
    grey = np.asarray(photo.convert("L"), np.float32) / 255.0
    grey = 0.12 + 0.78 * grey  # faded blacks and whites
    h, w = grey.shape
    yy, xx = np.mgrid[0:h, 0:w]
    r = np.hypot((xx - w / 2) / (w / 2), (yy - h / 2) / (h / 2))
    grey *= 1.0 - 0.35 * np.clip(r - 0.55, 0, None) ** 1.5  # vignette
    grey += np.random.default_rng(seed).normal(0, 0.035, grey.shape)  # film grain
    sepia = np.stack([grey * 1.07, grey * 0.95, grey * 0.78], axis=2)
    return Image.fromarray(np.clip(sepia * 255, 0, 255).astype(np.uint8))


def side_by_side(left: Image.Image, right: Image.Image, height: int = 400) -> Image.Image:
    """Two photos at one height on one canvas."""
    a = left.resize((round(left.width * height / left.height), height), Image.LANCZOS)
    b = right.resize((round(right.width * height / right.height), height), Image.LANCZOS)
    canvas = Image.new("RGB", (a.width + b.width, height))
    canvas.paste(a.convert("RGB"), (0, 0))
    canvas.paste(b.convert("RGB"), (a.width, 0))
    return canvas


def sway_video(photo: np.ndarray, path: Path, seconds: float = 4.0, fps: int = 25) -> None:
    """A reference dance video: the photo swaying about a point near the bottom centre."""
    import cv2

    from engine.nodes.output.segment import SegmentWriter

    h, w = photo.shape[:2]
    side = 320
    scale = side / max(h, w)
    pivot = np.array([w / 2, 0.95 * h])  # near the waist, at the photo's bottom
    target = np.array([side / 2, 0.95 * h * scale])
    with SegmentWriter(path, side, side, fps, crf=23) as video:
        for i in range(int(seconds * fps)):
            angle = 12.0 * np.sin(2 * np.pi * 0.5 * i / fps)
            m = cv2.getRotationMatrix2D(tuple(pivot), angle, scale)  # keeps the pivot fixed
            m[:, 2] += target - pivot
            frame = cv2.warpAffine(photo, m, (side, side), borderMode=cv2.BORDER_REPLICATE)
            video.write(np.ascontiguousarray(frame))


def main() -> None:
    for name in ("astronaut", "camera", "coffee", "chelsea"):
        save_jpeg(getattr(data, name)(), HERE / f"{name}.jpg")
    hopper = Image.open(matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))
    save_jpeg(hopper, HERE / "grace-hopper.jpg")
    save_jpeg(hopper, TEMPLATES / "portrait.jpg", long_side=320)
    save_jpeg(old_print(hopper), HERE / "old-portrait.jpg")
    astronaut = Image.fromarray(data.astronaut())
    sway_video(data.astronaut(), HERE / "sway.mp4")
    save_jpeg(side_by_side(hopper, astronaut), HERE / "two-portraits.jpg", long_side=800)
    music, _truth = synth_music(
        120.0, 10, sr_hz=16000, sections=("drums", "full"), bars_per_section=4
    )
    sf.write(HERE / "music-120bpm.wav", music, 16000, subtype="PCM_16")
    total = sum(p.stat().st_size for p in HERE.iterdir() if p.suffix in (".jpg", ".wav"))
    print(f"assets: {total / 1024:.0f} KiB in {HERE}")


if __name__ == "__main__":
    main()
