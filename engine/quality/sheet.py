"""The contact sheet: frames across the video, a timeline of who performs when, flags.

Frames are shown at the size QC kept them (360 px wide) so a smeared mouth or a
torn sleeve is visible without zooming; a frame inside a failed check's span
gets a red border and the check's name. The strip on top has a row for the
segments, one per performer (speech blue, dance green) and one for the flags.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from engine.nodes.output.atomic import atomic_path

COLUMNS = 4
MAX_FRAMES = 16
PAD = 8
ROW_H = 18
COLOURS = {"say": (70, 130, 230), "sing": (150, 90, 230), "dance": (60, 170, 90)}
FLAG = (220, 40, 40)


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType
        return ImageFont.load_default()


def _pick(thumbs, flags, n: int) -> list[int]:
    """Evenly spaced frames, then the nearest frame to each flagged span swapped in."""
    if not thumbs:
        return []
    times = np.array([t for t, _ in thumbs])
    picks = list(
        np.unique(np.linspace(0, len(thumbs) - 1, min(n, len(thumbs))).round().astype(int))
    )
    for start, end, _key in flags[: n // 2]:
        inside = np.flatnonzero((times >= start) & (times < end))
        k = int(inside[len(inside) // 2]) if len(inside) else int(np.argmin(np.abs(times - start)))
        if k not in picks:
            # Replace the evenly spaced pick closest in time, so the sheet stays in order.
            picks[int(np.argmin([abs(times[p] - times[k]) for p in picks]))] = k
    return sorted(set(picks))


def contact_sheet(report, thumbs, acts, flags, duration_s: float, path: Path) -> Path:
    """Write the sheet as a PNG at ``path`` (atomically) and return the path."""
    picks = _pick(thumbs, flags, MAX_FRAMES)
    tw, th = (thumbs[0][1].shape[1], thumbs[0][1].shape[0]) if thumbs else (360, 200)
    width = COLUMNS * tw + (COLUMNS + 1) * PAD
    who = sorted({a.who for a in acts})
    strip_h = ROW_H * (len(who) + 3) + PAD
    rows = max(1, -(-len(picks) // COLUMNS))
    head_h = 2 * ROW_H + PAD
    height = head_h + strip_h + rows * (th + ROW_H + PAD) + PAD
    sheet = Image.new("RGB", (width, height), (24, 24, 28))
    draw = ImageDraw.Draw(sheet)
    small, big = _font(12), _font(15)

    verdict = (
        "passed"
        if report.passed
        else "FAILED: " + ", ".join(sorted({c.key for c in report.failures()}))
    )
    draw.text(
        (PAD, PAD), f"{Path(report.video).name}  ({duration_s:.2f} s)", fill="white", font=big
    )
    draw.text(
        (PAD, PAD + ROW_H), verdict, fill=(120, 220, 120) if report.passed else FLAG, font=small
    )

    # Timeline strip
    x0, x1 = PAD + 70, width - PAD
    scale = (x1 - x0) / max(duration_s, 1e-6)
    y = head_h
    rows_drawn = [("segments", None), *((w, w) for w in who), ("flags", "flags")]
    for label, key in rows_drawn:
        draw.text((PAD, y + 2), label[:10], fill=(200, 200, 200), font=small)
        draw.rectangle([x0, y + 2, x1, y + ROW_H - 2], fill=(40, 40, 46))
        if key is None:
            for i, (what, start, end) in enumerate(report.figures.get("segments", [])):
                shade = (90, 90, 100) if i % 2 else (70, 70, 80)
                draw.rectangle(
                    [x0 + start * scale, y + 2, x0 + end * scale, y + ROW_H - 2], fill=shade
                )
                draw.text((x0 + start * scale + 3, y + 3), what, fill="white", font=small)
        elif key == "flags":
            for start, end, _ in flags:
                draw.rectangle(
                    [
                        x0 + start * scale,
                        y + 2,
                        max(x0 + end * scale, x0 + start * scale + 2),
                        y + ROW_H - 2,
                    ],
                    fill=FLAG,
                )
        else:
            for act in acts:
                if act.who == key:
                    draw.rectangle(
                        [x0 + act.start_s * scale, y + 2, x0 + act.end_s * scale, y + ROW_H - 2],
                        fill=COLOURS.get(act.verb, (200, 200, 200)),
                    )
        y += ROW_H
    for second in range(0, int(duration_s) + 1, max(1, int(duration_s // 10) or 1)):
        draw.line([x0 + second * scale, y, x0 + second * scale, y + 4], fill="white")
        draw.text((x0 + second * scale + 2, y + 2), f"{second}s", fill=(200, 200, 200), font=small)

    # Frames
    top = head_h + strip_h
    for n, k in enumerate(picks):
        t, image = thumbs[k]
        col, row = n % COLUMNS, n // COLUMNS
        px = PAD + col * (tw + PAD)
        py = top + row * (th + ROW_H + PAD)
        sheet.paste(Image.fromarray(image), (px, py))
        hit = [key for start, end, key in flags if start <= t < end]
        if hit:
            draw.rectangle([px - 3, py - 3, px + tw + 2, py + th + 2], outline=FLAG, width=3)
        text = f"{t:6.2f} s" + (f"  {', '.join(sorted(set(hit)))}" if hit else "")
        draw.text((px, py + th + 3), text, fill=FLAG if hit else (220, 220, 220), font=small)

    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as temp:
        sheet.save(temp, format="PNG")
    return path
