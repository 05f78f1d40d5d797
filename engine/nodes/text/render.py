"""Text to RGBA overlays: titles, captions and the disclosure label.

Fonts are the DejaVu Sans files that ship inside matplotlib, laid out with
Pillow's basic layout engine (no system fonts, no Raqm), so the same text gives
the same pixels on any machine with the same package versions. DejaVu covers
Latin with accents, Greek, Cyrillic, Hebrew and Arabic (laid right to left and
shaped by ``engine.nodes.text.bidi``, since the basic layout does neither); it has
no Chinese, Japanese or Korean (``validate`` warns of text it cannot draw).

An overlay is an ``Overlay``: a tight straight-alpha ``(h, w, 4) uint8`` image
and the frame position ``(x, y)`` of its top-left pixel, ready for
``engine.nodes.warp.compose.compose_frame(overlay=o.rgba, overlay_xy=o.xy)``.
Overlays are reused on every frame of a shot, so both entry points are cached
(``functools.lru_cache`` on their hashable arguments); the arrays returned are
read-only because they are shared.

Sizes are fractions of the frame height, so one scene renders alike at any
resolution.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from engine.errors import NodeError
from engine.nodes.text.bidi import visual_line, visual_order, visual_word

_FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT_REGULAR = _FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD = _FONT_DIR / "DejaVuSans-Bold.ttf"

ANCHORS = (
    "top-left",
    "top",
    "top-right",
    "left",
    "center",
    "right",
    "bottom-left",
    "bottom",
    "bottom-right",
)
MIN_LABEL_SIZE_FRAC = 0.025  # disclosure label: at least 2.5% of the frame height
_REC709 = np.array([0.2126, 0.7152, 0.0722])


@dataclass(frozen=True)
class Overlay:
    """A rendered layer: ``rgba`` (h, w, 4) uint8 straight alpha, top-left at ``xy`` px."""

    rgba: np.ndarray
    xy: tuple[int, int]

    @property
    def box(self) -> tuple[int, int, int, int]:
        """(x, y, width, height) in frame px."""
        return (self.xy[0], self.xy[1], self.rgba.shape[1], self.rgba.shape[0])


def text_overlay(
    text: str,
    frame_w: int,
    frame_h: int,
    *,
    anchor: str = "bottom",
    size_frac: float = 0.06,
    colour: tuple[int, int, int] = (255, 255, 255),
    bold: bool = False,
    stroke_frac: float = 0.06,
    stroke_colour: tuple[int, int, int] = (0, 0, 0),
    shadow_frac: float = 0.04,
    shadow_alpha: float = 0.6,
    max_width_frac: float = 0.9,
    margin_frac: float = 0.05,
    line_spacing: float = 1.2,
) -> Overlay:
    """Render a title or caption.

    Parameters
    ----------
    text : str
        Words wrap to ``max_width_frac`` of the frame width; "\\n" forces a break.
    frame_w, frame_h : int px
    anchor : one of ``ANCHORS``
        Where the text block sits in the frame (lines are aligned the same way).
    size_frac : float > 0
        Font size (em) as a fraction of frame height.
    colour, stroke_colour : (r, g, b) 0..255
    stroke_frac : float >= 0
        Outline width as a fraction of the font size (0 = none).
    shadow_frac : float >= 0
        Drop-shadow offset (down-right) as a fraction of the font size (0 = none).
    shadow_alpha : float in [0, 1]
    max_width_frac, margin_frac : fractions of the frame width / height
    line_spacing : float, line advance in ems

    Returns
    -------
    Overlay (cached: do not modify the array).
    """
    _check_frame(frame_w, frame_h)
    if size_frac <= 0:
        raise NodeError(f"text size must be > 0, got {size_frac}", kind="text.render")
    _check_anchor(anchor)
    return _text_cached(
        str(text),
        int(frame_w),
        int(frame_h),
        anchor,
        float(size_frac),
        _rgb(colour),
        bool(bold),
        float(stroke_frac),
        _rgb(stroke_colour),
        float(shadow_frac),
        float(shadow_alpha),
        float(max_width_frac),
        float(margin_frac),
        float(line_spacing),
    )


def label_overlay(
    text: str,
    frame_w: int,
    frame_h: int,
    position: str = "bottom-right",
    size_frac: float = 0.035,
    colour: str | tuple[int, int, int] = "auto",
    backdrop_luma: float | np.ndarray | None = None,
    plate_alpha: float = 0.7,
    margin_frac: float = 0.025,
) -> Overlay:
    """The disclosure label: text on a semi-opaque rounded plate, legible on any background.

    Parameters
    ----------
    text : str
    frame_w, frame_h : int px
    position : one of ``ANCHORS``
    size_frac : float
        Font size as a fraction of frame height; raised to
        ``MIN_LABEL_SIZE_FRAC`` if smaller (a label must stay readable).
    colour : "auto" or (r, g, b)
        "auto" picks white text on a dark plate over a dark background, and
        dark text on a light plate over a light one. An explicit colour gets
        whichever plate contrasts with it.
    backdrop_luma : float in [0, 255], or (h, w, 3) uint8 region, optional
        What lies behind the label (its mean Rec. 709 luma, or the pixels:
        see ``label_box`` for where to cut them). Default: assume dark.
    plate_alpha : float in [0, 1]
        Opacity of the plate.
    margin_frac : float
        Distance from the frame edges, as a fraction of frame height.
    """
    _check_frame(frame_w, frame_h)
    _check_anchor(position)
    size_frac = max(float(size_frac), MIN_LABEL_SIZE_FRAC)
    if isinstance(colour, str):
        if colour != "auto":
            raise NodeError(
                f"label colour {colour!r}", kind="text.label", hint="'auto' or [r, g, b]"
            )
        dark_bg = _luma(backdrop_luma) < 128.0
        fg = (255, 255, 255) if dark_bg else (20, 20, 20)
    else:
        fg = _rgb(colour)
    light_text = float(_REC709 @ np.array(fg)) >= 128.0
    plate = (0, 0, 0) if light_text else (255, 255, 255)
    return _label_cached(
        str(text),
        int(frame_w),
        int(frame_h),
        position,
        size_frac,
        fg,
        plate,
        float(plate_alpha),
        float(margin_frac),
    )


def label_box(
    text: str,
    frame_w: int,
    frame_h: int,
    position: str = "bottom-right",
    size_frac: float = 0.035,
    margin_frac: float = 0.025,
) -> tuple[int, int, int, int]:
    """(x, y, width, height) px the label will cover: cut the backdrop there for ``backdrop_luma``."""
    return label_overlay(
        text, frame_w, frame_h, position, size_frac, margin_frac=margin_frac, colour=(255, 255, 255)
    ).box


def words_overlay(
    words: tuple[str, ...],
    active: int,
    frame_w: int,
    frame_h: int,
    *,
    size_frac: float = 0.06,
    colour: tuple[int, int, int] = (255, 255, 255),
    highlight: tuple[int, int, int] = (255, 214, 10),
    max_width_frac: float = 0.86,
) -> Overlay:
    """A caption of a few ``words`` with word ``active`` (-1: none) drawn in ``highlight``:
    bold, outlined, centred on the frame's bottom (move it with ``Overlay(o.rgba, xy)``).

    Every word keeps its place whichever is active (the same wrap and advance), so a
    caption does not jump as the highlight moves along it.
    """
    _check_frame(frame_w, frame_h)
    if size_frac <= 0:
        raise NodeError(f"text size must be > 0, got {size_frac}", kind="text.render")
    return _words_cached(
        tuple(str(w) for w in words),
        int(active),
        int(frame_w),
        int(frame_h),
        float(size_frac),
        _rgb(colour),
        _rgb(highlight),
        float(max_width_frac),
    )


@functools.lru_cache(maxsize=256)
def _words_cached(words, active, frame_w, frame_h, size_frac, colour, highlight, max_width_frac):
    size_px = max(1, round(size_frac * frame_h))
    font = _font(True, size_px)
    stroke_px = max(1, round(0.09 * size_px))
    shadow_px = round(0.04 * size_px)
    pad = stroke_px + shadow_px + 2 * max(1, shadow_px // 2)
    lines = wrap_words(words, font, max(1, round(max_width_frac * frame_w)))
    ascent, descent = font.getmetrics()
    advance, space = round(1.2 * font.size), font.getlength(" ")
    widths = [sum(font.getlength(t) for _, t in line) + space * (len(line) - 1) for line in lines]
    w = int(np.ceil(max(widths, default=0))) + 2 * stroke_px + 2 * pad
    h = advance * (len(lines) - 1) + ascent + descent + 2 * stroke_px + 2 * pad
    ink = Image.new("RGBA", (max(1, w), max(1, h)), (0, 0, 0, 0))
    draw = ImageDraw.Draw(ink)
    # word by word, so each stands in the same place whichever is lit; every piece of a
    # word too long for one line is lit with it
    for i, (line, lw) in enumerate(zip(lines, widths, strict=True)):
        x = (w - lw) / 2
        for index, piece in line:
            draw.text(
                (round(x), pad + stroke_px + i * advance),
                piece,
                font=font,
                fill=(*(highlight if index == active else colour), 255),
                stroke_width=stroke_px,
                stroke_fill=(0, 0, 0, 255),
            )
            x += font.getlength(piece) + space
    if shadow_px > 0:
        ink = _with_shadow(ink, shadow_px, 0.6)
    xy = _place(ink.size, frame_w, frame_h, "bottom", round(0.05 * frame_h), pad)
    return Overlay(_frozen(ink), xy)


def wrap_words(
    words: tuple[str, ...], font: ImageFont.FreeTypeFont, max_width_px: int
) -> list[list[tuple[int, str]]]:
    """Lines of ``(word index, text as drawn)``, left to right, no wider than
    ``max_width_px``: words wrap greedily; a word wider than a line is broken by
    character into pieces that keep its index. A line that reads right to left
    (Hebrew, Arabic) is laid right to left, each word shaped (``bidi``)."""
    space = font.getlength(" ")
    lines: list[list[tuple[int, str]]] = []
    line: list[tuple[int, str]] = []
    width = 0.0
    for index, word in enumerate(words):
        shown = visual_word(word)
        size = font.getlength(shown)
        if line and width + space + size <= max_width_px:
            line.append((index, word))
            width += space + size
            continue
        if line:
            lines.append(line)
        line, width = [], 0.0
        if size <= max_width_px:
            line, width = [(index, word)], size
            continue
        piece = ""
        for ch in word:  # too long for one line: break it anywhere
            if piece and font.getlength(visual_word(piece + ch)) > max_width_px:
                lines.append([(index, piece)])
                piece = ""
            piece += ch
        line, width = [(index, piece)], font.getlength(visual_word(piece))
    if line:
        lines.append(line)
    out = []
    for line in lines:
        order = visual_order([t for _, t in line])
        out.append([(line[k][0], visual_word(line[k][1])) for k in order])
    return out


# --------------------------------------------------------------------------- cached renderers


@functools.lru_cache(maxsize=256)
def _font(bold: bool, size_px: int) -> ImageFont.FreeTypeFont:
    path = FONT_BOLD if bold else FONT_REGULAR
    return ImageFont.truetype(str(path), size_px, layout_engine=ImageFont.Layout.BASIC)


@functools.lru_cache(maxsize=128)
def _text_cached(
    text,
    frame_w,
    frame_h,
    anchor,
    size_frac,
    colour,
    bold,
    stroke_frac,
    stroke_colour,
    shadow_frac,
    shadow_alpha,
    max_width_frac,
    margin_frac,
    line_spacing,
):
    size_px = max(1, round(size_frac * frame_h))
    font = _font(bold, size_px)
    stroke_px = round(stroke_frac * size_px)
    shadow_px = round(shadow_frac * size_px)
    lines = wrap_text(text, font, max(1, round(max_width_frac * frame_w)))
    align = _h_align(anchor)
    pad = stroke_px + shadow_px + 2 * max(1, shadow_px // 2)
    ink = _draw_lines(lines, font, colour, stroke_px, stroke_colour, line_spacing, align, pad)
    if shadow_px > 0 and shadow_alpha > 0:
        ink = _with_shadow(ink, shadow_px, shadow_alpha)
    xy = _place(ink.size, frame_w, frame_h, anchor, round(margin_frac * frame_h), pad)
    return Overlay(_frozen(ink), xy)


@functools.lru_cache(maxsize=64)
def _label_cached(text, frame_w, frame_h, position, size_frac, fg, plate, plate_alpha, margin_frac):
    size_px = max(1, round(size_frac * frame_h))
    font = _font(True, size_px)
    lines = wrap_text(text, font, max(1, round(0.6 * frame_w)))
    pad_x, pad_y = round(0.5 * size_px), round(0.3 * size_px)
    ink = _draw_lines(lines, font, fg, 0, fg, 1.2, _h_align(position), 0)
    w, h = ink.size[0] + 2 * pad_x, ink.size[1] + 2 * pad_y
    card = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    a = round(255 * min(1.0, max(0.0, plate_alpha)))
    ImageDraw.Draw(card).rounded_rectangle(
        (0, 0, w - 1, h - 1), radius=round(0.35 * size_px), fill=(*plate, a)
    )
    card.alpha_composite(ink, (pad_x, pad_y))
    xy = _place(card.size, frame_w, frame_h, position, round(margin_frac * frame_h), 0)
    return Overlay(_frozen(card), xy)


# --------------------------------------------------------------------------- layout


def wrap_text(text: str, font: ImageFont.FreeTypeFont, max_width_px: int) -> list[str]:
    """Greedy word wrap to ``max_width_px``; words wider than that are split by character."""
    lines: list[str] = []
    for para in text.split("\n"):
        line = ""
        for word in para.split():
            trial = f"{line} {word}" if line else word
            if font.getlength(visual_line(trial)) <= max_width_px:
                line = trial
                continue
            if line:
                lines.append(line)
            line = ""
            for ch in word:  # a word too long for one line: break it anywhere
                if line and font.getlength(line + ch) > max_width_px:
                    lines.append(line)
                    line = ""
                line += ch
        lines.append(line)
    return lines


def _draw_lines(lines, font, colour, stroke_px, stroke_colour, line_spacing, align, pad):
    """Lines of text on a tight transparent canvas with ``pad`` px spare on each side."""
    ascent, descent = font.getmetrics()
    advance = round(line_spacing * font.size)
    lines = [visual_line(t) for t in lines]  # Hebrew, Arabic: as drawn (``bidi``)
    widths = [font.getlength(t) for t in lines]
    w = int(np.ceil(max(widths, default=0))) + 2 * stroke_px + 2 * pad
    h = advance * (len(lines) - 1) + ascent + descent + 2 * stroke_px + 2 * pad
    img = Image.new("RGBA", (max(1, w), max(1, h)), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    for i, (line, lw) in enumerate(zip(lines, widths, strict=True)):
        if align == "left":
            x = pad + stroke_px
        elif align == "right":
            x = w - pad - stroke_px - lw
        else:
            x = (w - lw) / 2
        draw.text(
            (round(x), pad + stroke_px + i * advance),
            line,
            font=font,
            fill=(*colour, 255),
            stroke_width=stroke_px,
            stroke_fill=(*stroke_colour, 255),
        )
    return img


def _with_shadow(ink: Image.Image, offset_px: int, alpha: float) -> Image.Image:
    """Soft black drop shadow under ``ink``, offset down-right."""
    a = np.asarray(ink.getchannel("A"), np.float32) * alpha
    shadow = Image.fromarray(np.clip(a + 0.5, 0, 255).astype(np.uint8), "L")
    shadow = shadow.filter(ImageFilter.GaussianBlur(max(1, offset_px // 2)))
    layer = Image.new("RGBA", ink.size, (0, 0, 0, 0))
    black = Image.new("RGBA", ink.size, (0, 0, 0, 255))
    layer.paste(black, (offset_px, offset_px), shadow.crop((0, 0, *ink.size)))
    layer.alpha_composite(ink)
    return layer


def _place(size, frame_w, frame_h, anchor, margin_px, pad):
    """Top-left frame position of a canvas anchored in the frame (its padding may overhang)."""
    w, h = size
    v, _, hz = anchor.partition("-") if "-" in anchor else (anchor, "", "")
    if anchor in ("left", "right"):
        v, hz = "center", anchor
    if anchor == "center":
        v, hz = "center", ""
    if hz == "left":
        x = margin_px - pad
    elif hz == "right":
        x = frame_w - margin_px - w + pad
    else:
        x = (frame_w - w) // 2
    if v == "top":
        y = margin_px - pad
    elif v == "bottom":
        y = frame_h - margin_px - h + pad
    else:
        y = (frame_h - h) // 2
    return int(x), int(y)


def _h_align(anchor):
    if anchor.endswith("left"):
        return "left"
    if anchor.endswith("right"):
        return "right"
    return "center"


# --------------------------------------------------------------------------- helpers


def _luma(backdrop) -> float:
    """Mean Rec. 709 luma 0..255 of a value or an RGB region; None -> dark."""
    if backdrop is None:
        return 0.0
    arr = np.asarray(backdrop)
    if arr.ndim == 0:
        return float(arr)
    if arr.ndim != 3 or arr.shape[2] < 3 or arr.size == 0:
        raise NodeError(
            f"backdrop must be a luma value or an (h, w, 3) region, got {arr.shape}",
            kind="text.label",
        )
    return float(arr[..., :3].reshape(-1, 3).mean(axis=0) @ _REC709)


def _frozen(img: Image.Image) -> np.ndarray:
    arr = np.array(img, np.uint8)
    arr.flags.writeable = False
    return arr


def _rgb(c) -> tuple[int, int, int]:
    t = tuple(int(v) for v in c)
    if len(t) != 3 or not all(0 <= v <= 255 for v in t):
        raise NodeError(f"colour must be (r, g, b) in 0..255, got {c!r}", kind="text.render")
    return t


def _check_frame(w, h):
    if int(w) < 1 or int(h) < 1:
        raise NodeError(f"frame size must be positive, got {w}x{h}", kind="text.render")


def _check_anchor(anchor):
    if anchor not in ANCHORS:
        raise NodeError(
            f"unknown position {anchor!r}", kind="text.render", hint=f"use one of {ANCHORS}"
        )
