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
Backdrops: stage.jpg, a concert stage (spotlight beams over a back wall, a
floor); disco.jpg, a 1970s disco (mirror ball, lit floor tiles); both drawn here.
Song: song-120bpm.wav, a short chant on the music's tempo sung by espeak-ng (each
syllable spoken at the pitch of a melody note and placed on the beat), made here.
Speech: arctic_a0007.wav, a real human recording (CMU ARCTIC, speaker awb,
"And you always want to see it in the superlative degree."), copied from the
pysptk 1.0.1 sdist with its licence (arctic_a0007.COPYING.txt); not generated.
Also copies a small portrait into engine/cli/templates/ for `photoplay new`.
"""

from __future__ import annotations

from pathlib import Path

import cv2
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


def concert_stage(w=1024, h=576, seed=7):
    """A concert stage: a dark back wall under coloured spotlight beams, a glossy floor."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    floor_y = 0.72 * h
    top = np.array([12, 8, 30], np.float32)
    bottom = np.array([40, 20, 70], np.float32)
    t = np.clip(yy / floor_y, 0, 1)[..., None]
    wall = (1 - t) * top + t * bottom
    beams = [(0.18, (255, 80, 200)), (0.5, (120, 160, 255)), (0.82, (255, 190, 90))]
    light = np.zeros((h, w, 3), np.float32)
    for bx, colour in beams:
        x0 = bx * w
        spread = 0.05 * w + 0.22 * w * (yy / h)  # a cone widening downwards
        d = np.abs(xx - x0) / spread
        cone = np.clip(1 - d, 0, 1) ** 1.6 * (0.35 + 0.65 * (yy / h))
        light += cone[..., None] * np.array(colour, np.float32) * 0.45
        pool = np.exp(-(((xx - x0) / (0.16 * w)) ** 2 + ((yy - 0.86 * h) / (0.05 * h)) ** 2))
        light += (pool * (yy > floor_y))[..., None] * np.array(colour, np.float32) * 0.5
    img = wall + light
    # floor: darker, with plank lines converging to the centre
    floor = yy > floor_y
    img[floor] *= 0.55
    img[floor] += np.array([25, 18, 30], np.float32)
    for k in range(-12, 13):
        x_far, x_near = w / 2 + k * 0.04 * w, w / 2 + k * 0.12 * w
        cv2.line(img, (int(x_far), int(floor_y)), (int(x_near), h), (10, 8, 14), 1, cv2.LINE_AA)
    cv2.line(img, (0, int(floor_y)), (w, int(floor_y)), (70, 50, 90), 2, cv2.LINE_AA)
    # stage lights: small bright lamps along the top truss
    cv2.rectangle(img, (0, 0), (w, int(0.03 * h)), (30, 30, 36), -1)
    for bx, colour in beams:
        cv2.circle(
            img,
            (int(bx * w), int(0.03 * h)),
            int(0.018 * h),
            tuple(float(c) for c in colour),
            -1,
            cv2.LINE_AA,
        )
    img = cv2.GaussianBlur(img, (0, 0), 1.2)
    img += rng.normal(0, 2.0, img.shape).astype(np.float32)  # grain hides banding
    return np.clip(img, 0, 255).astype(np.uint8)


def _tile_x(y: float, k: int, horizon: float, w: int, h: int) -> float:
    """x of the k-th tile edge at row y of a floor in perspective."""
    return w / 2 + k * 0.1 * w * ((y - horizon) / (h - horizon) * 2.2 + 0.35)


def disco_floor(w=1024, h=576, seed=1977):
    """A 1970s disco: a dark room, a mirror ball throwing spots, a floor of lit tiles."""
    rng = np.random.default_rng(seed)
    img = np.zeros((h, w, 3), np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    horizon = 0.66 * h
    img[:] = np.array([28, 14, 34], np.float32) * (0.6 + 0.4 * yy / h)[..., None]
    # the floor: tiles in perspective, each lit in one of the era's colours
    colours = np.array(
        [(255, 60, 150), (255, 200, 40), (60, 200, 255), (140, 80, 255), (255, 110, 40)], np.float32
    )
    n_cols, n_rows = 10, 6
    for r in range(n_rows):
        ya = horizon + (h - horizon) * (r / n_rows) ** 1.5
        yb = horizon + (h - horizon) * ((r + 1) / n_rows) ** 1.5
        for c in range(-n_cols, n_cols):
            pts = np.array(
                [
                    [_tile_x(y, k, horizon, w, h), y]
                    for k, y in ((c, ya), (c + 1, ya), (c + 1, yb), (c, yb))
                ]
            )
            col = colours[rng.integers(len(colours))] * rng.uniform(0.45, 0.85)
            cv2.fillConvexPoly(
                img, np.round(pts).astype(np.int32), tuple(float(v) for v in col), cv2.LINE_AA
            )
            cv2.polylines(img, [np.round(pts).astype(np.int32)], True, (20, 10, 20), 2, cv2.LINE_AA)
    # the mirror ball, and the spots it throws on the walls
    cx, cy, r = 0.78 * w, 0.14 * h, 0.07 * h  # off-centre: the dancer stands in the middle
    cv2.line(img, (int(cx), 0), (int(cx), int(cy - r)), (90, 90, 90), 2, cv2.LINE_AA)
    ball = ((xx - cx) ** 2 + (yy - cy) ** 2) < r * r
    facets = (np.floor((xx - cx) / 5) + np.floor((yy - cy) / 5)) % 2
    shade = 120 + 100 * facets + 30 * ((cx - xx) / r)
    img[ball] = np.stack([shade, shade, shade * 1.05], -1)[ball]
    for _ in range(140):
        sx, sy = rng.uniform(0, w), rng.uniform(0, horizon)
        col = colours[rng.integers(len(colours))] * 0.6 + 100
        cv2.circle(
            img,
            (int(sx), int(sy)),
            int(rng.uniform(1.5, 4)),
            tuple(float(v) for v in col),
            -1,
            cv2.LINE_AA,
        )
    glow = np.exp(-(((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * (0.12 * h) ** 2)))
    img += glow[..., None] * np.array([90, 80, 110], np.float32)
    img = cv2.GaussianBlur(img, (0, 0), 1.0)
    img += rng.normal(0, 2.0, img.shape).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


SONG_BEAT_S = 0.5  # 120 bpm, the tempo of music-120bpm.wav
# (syllable, espeak pitch 0-99 as the melody's note, length in beats)
SONG = (
    ("Stars", 55, 1), ("a", 62, 0.5), ("bove", 70, 1.5), ("the", 62, 0.5), ("sil", 55, 0.5),
    ("ver", 50, 1), ("sea", 45, 3), ("we", 50, 0.5), ("are", 55, 0.5), ("danc", 62, 1),
    ("ing", 70, 1), ("wild", 75, 1), ("and", 62, 0.5), ("free", 55, 3.5),
)  # fmt: skip


def song(path: Path) -> None:
    """A chant sung by espeak-ng: each syllable at its note's pitch, on its beat."""
    from engine.nodes.speech.tts import synthesise

    pieces, t_s, sr_hz = [], 0.0, 22050
    for syllable, pitch, beats in SONG:
        speech = synthesise(syllable, "en-us", "f2", rate_wpm=80, pitch=pitch)
        sr_hz, audio = speech.sr_hz, speech.audio
        loud = np.flatnonzero(np.abs(audio) > 0.01)
        audio = audio[loud[0] : loud[-1] + 1][: int(0.92 * beats * SONG_BEAT_S * sr_hz)].copy()
        fade = min(len(audio), int(0.03 * sr_hz))
        audio[len(audio) - fade :] *= np.linspace(1, 0, fade, dtype=np.float32)
        pieces.append((t_s, audio))
        t_s += beats * SONG_BEAT_S
    total = np.zeros(int(t_s * sr_hz) + sr_hz // 2, np.float32)
    for start_s, audio in pieces:
        i = int(start_s * sr_hz)
        total[i : i + len(audio)] += audio
    sf.write(path, 0.8 * total / np.abs(total).max(), sr_hz, subtype="PCM_16")


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
    save_jpeg(concert_stage(), HERE / "stage.jpg", long_side=1024)
    save_jpeg(disco_floor(), HERE / "disco.jpg", long_side=1024)
    song(HERE / "song-120bpm.wav")
    music, _truth = synth_music(
        120.0, 10, sr_hz=16000, sections=("drums", "full"), bars_per_section=4
    )
    sf.write(HERE / "music-120bpm.wav", music, 16000, subtype="PCM_16")
    total = sum(p.stat().st_size for p in HERE.iterdir() if p.suffix in (".jpg", ".wav"))
    print(f"assets: {total / 1024:.0f} KiB in {HERE}")


if __name__ == "__main__":
    main()
