"""The stage: performers cut out of their own photos, placed together on one backdrop.

A stage shot's picture is a canvas of the output's aspect (``size``, the frame
size times the shot's closest zoom, so camera moves keep their sharpness). It
holds, back to front: the backdrop (a colour, a gradient, a photo filling the
stage, a photo contained in a blurred copy of itself, or a performer's own
photo with its people removed), each performer's shadow, then the performers in
depth order, each their layer (``engine.nodes.body.layer``) scaled, mirrored if
asked, and placed. A talking performer's face is animated on their layer
exactly as on their own photo (``TalkingPicture``), then placed.

Placement (``auto_layout``): performers side by side in equal columns, faces
on one line (the eye line of a medium shot) and of one size, large enough to
read; a waist-up figure (cut by its photo's bottom edge) reaches down to the
stage's bottom edge, a figure with feet stands on the floor line. What a scene
gives in ``place:`` (face position, height or scale, depth, mirror) replaces
the automatic choice for that performer.

Entrances and exits (``place``'s ``enter``/``exit``): a performer slides in from
beyond the stage's left or right edge (their whole figure outside it), or fades
in, over the entrance's span, eased; an exit is the same backwards. Before the
entrance and after the exit they are not drawn, nor is their shadow. Frames
without anyone moving are drawn as the others (the still stage of who is there,
changing regions redrawn); a frame where someone moves redraws every performer.

Coordinates: stage px, pixel (0, 0) spans [0, 1); layer px likewise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import cv2
import numpy as np

from engine.shot_time import stage_moves

EYE_LINE = 0.37  # face centres on this line, fraction of the stage height from the top
FACE_FRAC = 0.28  # face height (forehead to chin) aimed at, share of the stage's short side
FACE_MAX_H = 0.42  # never taller than this share of the stage height...
COLUMN_FILL = 0.45  # ...nor wider than this share of the performer's column
HEADROOM = 0.06  # above the hair, share of the stage height
FLOOR = 0.95  # feet of full figures on this line, fraction of the stage height
SHADOW_OPACITY = 0.32  # drop shadow of a figure on the backdrop
SHADOW_BLUR_FRAC = 0.012  # its softness, share of the stage's long side
SHADOW_OFFSET_FRAC = (0.006, 0.01)  # and offset (x, y), shares of the stage's long side
CONTACT_OPACITY = 0.45  # the darker ellipse under feet on the floor
CONTAIN_BLUR_FRAC = 0.035  # blur of the photo copy behind a contained photo
SHRINK_BELOW = 0.95  # a talking face on a layer drawn smaller than this is drawn at that size
PLATE_BLUR_FRAC = 0.015  # a performer's own photo as backdrop: softened (its inpainted hole too)
# A crowded stage (columns narrower than CROWDED of its height: three in a 4:5 frame,
# two or more in a 9:16 one) staggers its performers in depth instead:
CROWDED = 0.3
FACE_WIDE = 0.34  # a face no wider than this share of a crowded stage's width
CHIN_MAX = 0.85  # the front chin above this line (share of the height) for the label...
CHIN_MAX_VERTICAL = 0.74  # ...and in a vertical frame above the apps' bottom band
FRONT_LINE = 0.5  # and its face centre no lower than this (a waist-up bust may need lower)
STAGGER = 0.9  # each rank further back stands this many face heights higher...
BACK_SHRINK = 0.85  # ...its face this much smaller
HEIGHT_REF = 1.25  # place's height: a share of the stage height, at most this times its width
NEARER = 1.15  # a face this many times another's (or more) stands in front of it
OVERFLOW = 0.15  # a figure placed at x keeps no more than this share of its width off stage...
FIT_MIN = 0.6  # ...made smaller for it down to this share of its size


@dataclass(frozen=True)
class Figure:
    """What placement needs to know of a layer (layer px)."""

    width: int
    height: int
    face_box: tuple[float, float, float, float]
    top: float
    bottom: float
    cut: tuple[str, ...]

    @classmethod
    def of(cls, layer: dict) -> Figure:
        h, w = layer["alpha"].shape
        return cls(
            int(w),
            int(h),
            tuple(float(v) for v in layer["face_box"]),
            float(layer["top"]),
            float(layer["bottom"]),
            tuple(layer["cut"]),
        )

    @property
    def face_h(self) -> float:
        return max(1.0, self.face_box[3] - self.face_box[1])

    @property
    def face_w(self) -> float:
        return max(1.0, self.face_box[2] - self.face_box[0])

    @property
    def face_centre(self) -> tuple[float, float]:
        x0, y0, x1, y1 = self.face_box
        return (x0 + x1) / 2, (y0 + y1) / 2

    @property
    def standing(self) -> bool:
        """Feet (or the figure's end) in the photo: it stands on the floor."""
        return "bottom" not in self.cut


@dataclass(frozen=True)
class Placement:
    """A layer on the stage: scaled by ``scale``, mirrored, its top-left at (x, y)."""

    scale: float
    x: int
    y: int
    width: int
    height: int
    mirror: bool = False
    depth: float = 0.0

    @property
    def box(self) -> tuple[int, int, int, int]:
        return self.x, self.y, self.x + self.width, self.y + self.height

    def to_stage(self, fig: Figure, x: float, y: float) -> tuple[float, float]:
        """A layer point in stage px."""
        if self.mirror:
            x = fig.width - x
        return self.x + self.scale * x, self.y + self.scale * y

    def face_box(self, fig: Figure) -> tuple[float, float, float, float]:
        x0, y0, x1, y1 = fig.face_box
        ax, ay = self.to_stage(fig, x0, y0)
        bx, by = self.to_stage(fig, x1, y1)
        return min(ax, bx), ay, max(ax, bx), by


def _place(fig: Figure, scale: float, face_xy: tuple[float, float], mirror: bool, depth: float):
    cx, cy = fig.face_centre
    if mirror:
        cx = fig.width - cx
    width, height = max(1, round(fig.width * scale)), max(1, round(fig.height * scale))
    scale_x = width / fig.width  # the rounded size's own scale keeps the face where asked
    return Placement(
        scale=scale_x,
        x=round(face_xy[0] - scale_x * cx),
        y=round(face_xy[1] - scale_x * cy),
        width=width,
        height=height,
        mirror=mirror,
        depth=depth,
    )


def crowded(n: int, stage_wh: tuple[int, int]) -> bool:
    """Whether ``n`` performers side by side would stand in columns too thin for them."""
    width, height = stage_wh
    return width / max(1, n) < CROWDED * height


def _ranks(depths: list[float]) -> list[int]:
    """Each performer's rank from the front (0: frontmost; ties: the later in front)."""
    order = sorted(range(len(depths)), key=lambda i: (-depths[i], -i))
    ranks = [0] * len(depths)
    for r, i in enumerate(order):
        ranks[i] = r
    return ranks


def staggered_layout(
    figures: list[Figure],
    stage_wh: tuple[int, int],
    top_reserved: float = 0.0,
    depths: list[float] | None = None,
) -> list[tuple[float, tuple]]:
    """A crowded stage: the performers side by side in cast order, overlapping in depth.

    The front one (largest depth) has the face size a medium shot aims at (``FACE_FRAC``
    of the short side, no wider than ``FACE_WIDE`` of the stage) with the chin above
    the label and a vertical video's bottom band (``CHIN_MAX``); each rank further back
    stands ``STAGGER`` face heights higher, its face ``BACK_SHRINK`` smaller. A waist-up
    figure still reaches the bottom edge: a short one (a bust) gets a larger face, up to
    the widest, then stands lower. The hair stays below ``top_reserved`` and the headroom.
    """
    from engine.nodes.render.layout import VERTICAL_ASPECT

    width, height = stage_wh
    n = len(figures)
    ranks = _ranks(list(depths) if depths is not None else list(range(n)))
    column = width / n
    chin = CHIN_MAX_VERTICAL if height / width >= VERTICAL_ASPECT else CHIN_MAX
    headroom = max(HEADROOM, top_reserved + 0.02) * height

    def widest(i: int, f: Figure) -> float:
        """The largest face height of figure i: its face inside the stage, clear of the
        neighbours' (0.9 of a column), no wider than ``FACE_WIDE`` of the stage."""
        cx = (i + 0.5) * column
        room = min(FACE_WIDE * width, 0.9 * column, 1.8 * min(cx, width - cx))
        return room / (f.face_w / f.face_h)

    front = FACE_FRAC * min(width, height)
    front = min(front, min(widest(i, f) for i, f in enumerate(figures)))
    front_line = min(chin * height - 0.5 * front, FRONT_LINE * height)
    out = []
    for i, f in enumerate(figures):
        most = widest(i, f)
        fh = min(most, front * BACK_SHRINK ** ranks[i])
        line = front_line - ranks[i] * STAGGER * front
        below = max(1.0, f.bottom - f.face_centre[1]) / f.face_h  # face heights
        up = (f.face_centre[1] - f.top) / f.face_h
        if not f.standing and line + fh * below < height:
            fh = min(most, max(fh, (height - line) / below))
            line = max(line, height - fh * below)
        elif f.standing and line + fh * below > FLOOR * height:
            fh = max(1.0, (FLOOR * height - line) / below)  # feet on the floor
        line = max(line, headroom + fh * up)  # the hair below the headroom
        out.append((fh / f.face_h, ((i + 0.5) * column, line)))
    return out


def auto_layout(
    figures: list[Figure],
    stage_wh: tuple[int, int],
    top_reserved: float = 0.0,
    depths: list[float] | None = None,
) -> list[tuple[float, tuple]]:
    """Scale and face centre (stage px) of each figure, side by side.

    Faces share one height and one line. The height aims at ``FACE_FRAC`` of the
    stage's short side, no more than ``FACE_MAX_H`` of its height nor
    ``COLUMN_FILL`` of a column's width; a waist-up figure must reach the bottom
    edge, so a short one (a head-and-shoulders crop) makes the faces larger, or,
    at the largest size, lowers the line. A standing figure keeps its head on the
    line and its feet on the floor (its face smaller if it is tall), or, when it
    is too short for that, stands on the bottom edge. ``top_reserved`` (a share of the
    stage height) is kept clear above the hair, for a title.

    A crowded stage (``crowded``) is laid out by ``staggered_layout`` instead, the
    performers ranked front to back by ``depths`` (default: the cast order).

    Returns:
        [(scale, (face_x, face_y))] in the figures' order.
    """
    width, height = stage_wh
    if len(figures) > 0 and crowded(len(figures), stage_wh):
        return staggered_layout(figures, stage_wh, top_reserved, depths)
    n = max(1, len(figures))
    column = width / n
    aspect = max(f.face_w / f.face_h for f in figures)
    fh_max = min(FACE_MAX_H * height, COLUMN_FILL * column / aspect)
    fh = min(FACE_FRAC * min(width, height), fh_max)
    line = EYE_LINE * height
    headroom = max(HEADROOM, top_reserved + 0.02) * height
    waist = [f for f in figures if not f.standing]
    if waist:
        # in face heights: from the face centre down to the cut, and up to the hair
        reach = max(1e-3, min((f.bottom - f.face_centre[1]) / f.face_h for f in waist))
        up = max((f.face_centre[1] - f.top) / f.face_h for f in waist)
        fits = (height - headroom) / (reach + up)  # the largest face that keeps the headroom
        fh = min(max(fh, (height - line) / reach), fh_max, max(fits, 0.5 * fh))
        line = max(line, height - fh * reach)
    up = max((f.face_centre[1] - f.top) / f.face_h for f in figures)
    line = max(line, headroom + fh * up)  # the hair below the headroom
    out = []
    for i, f in enumerate(figures):
        scale = fh / f.face_h
        face_y = line
        below = max(1.0, f.bottom - f.face_centre[1])
        if f.standing:
            on_floor = (FLOOR * height - line) / below
            if on_floor <= scale:
                scale = on_floor  # tall: feet on the floor, head on the line
            else:
                face_y = max(line, height - scale * below)  # short: on the bottom edge
        out.append((scale, ((i + 0.5) * column, face_y)))
    return out


def layout(
    figures: list[Figure],
    places: list[dict | None],
    stage_wh: tuple[int, int],
    top_reserved: float = 0.0,
) -> list[Placement]:
    """Each figure's placement: automatic, then what its ``place`` spec gives.

    place: ``{"x", "y"}`` the face centre as fractions of the stage; ``"height"`` the
    figure (hair to its lowest point) as a fraction of the stage height (of
    ``HEIGHT_REF`` times its width in a frame taller than 4:5, so a scene made for a
    wide frame keeps its proportions in a vertical one), or ``"scale"`` a factor on
    the automatic size; ``"depth"`` (larger = in front; default the cast order, a
    figure drawn clearly larger in front of smaller ones: ``_nearer_in_front``);
    ``"mirror"``.
    """
    width, height = stage_wh
    places = [place or {} for place in places]
    depths = [i if p.get("depth") is None else p["depth"] for i, p in enumerate(places)]
    auto = auto_layout(figures, stage_wh, top_reserved, depths)
    staggered = len(figures) > 0 and crowded(len(figures), stage_wh)
    headroom = max(HEADROOM, top_reserved + 0.02) * height
    out = []
    for i, (fig, place, (scale, (fx, fy))) in enumerate(zip(figures, places, auto, strict=True)):
        below = max(1.0, fig.bottom - fig.face_centre[1])
        new = scale
        if place.get("height") is not None:
            ref = min(height, HEIGHT_REF * width)
            new = place["height"] * ref / max(1.0, fig.bottom - fig.top)
        elif place.get("scale") is not None:
            new = scale * place["scale"]
        if place.get("y") is not None:
            fy = place["y"] * height
        elif new != scale and staggered and not fig.standing:
            # resized on a crowded stage: down to the bottom edge, the hair in view
            fy = height - new * below
            fy = max(fy, headroom + new * (fig.face_centre[1] - fig.top))
        elif new != scale:  # resized in place: still standing where it stood
            if fig.standing and fy + scale * below <= FLOOR * height + 1:
                fy = fy + scale * below - new * below
            else:
                fy = max(fy, height - new * below)
        if place.get("x") is not None:
            fx = place["x"] * width
            if not staggered:
                new, fy = _fit_sides(fig, place, new, (fx, fy), stage_wh, headroom)
        out.append(_place(fig, new, (fx, fy), bool(place.get("mirror")), depths[i]))
    if not staggered:
        out = _nearer_in_front(figures, places, out)
    return out


def _fit_sides(
    fig: Figure, place: dict, scale: float, face_xy: tuple[float, float], stage_wh, headroom
) -> tuple[float, float]:
    """(scale, face_y) of a figure placed at ``x``, made smaller (down to ``FIT_MIN`` of its
    size, about its face) until no more than ``OVERFLOW`` of its width lies beyond the
    stage's sides: a place written for a wide frame, in a narrower one, would otherwise
    push the figure half out of it. A waist-up figure still reaches the bottom edge."""
    width, height = stage_wh
    fx, fy = face_xy
    cx = fig.width - fig.face_centre[0] if place.get("mirror") else fig.face_centre[0]
    left, right = cx, fig.width - cx  # layer px from the face centre to each side

    def beyond(s: float) -> float:
        return max(0.0, s * left - fx) + max(0.0, fx + s * right - width)

    new = scale
    while new > FIT_MIN * scale and beyond(new) > OVERFLOW * new * fig.width:
        new *= 0.97
    if new == scale:
        return scale, fy
    below = max(1.0, fig.bottom - fig.face_centre[1])
    if place.get("y") is None and not fig.standing:
        fy = max(height - new * below, headroom + new * (fig.face_centre[1] - fig.top))
    elif place.get("y") is None:  # standing: feet where they stood
        fy = fy + scale * below - new * below
    return new, fy


def _nearer_in_front(
    figures: list[Figure], places: list[dict], placements: list[Placement]
) -> list[Placement]:
    """Without a ``depth`` in their place, a figure drawn clearly larger (its face
    ``NEARER`` times another's or more: nearer the camera) stands in front of the smaller
    ones; figures of about one size keep the cast order. The depths handed out are those
    the cast order gave them, so a ``depth`` written in the scene keeps its meaning."""
    free = [i for i, p in enumerate(places) if p.get("depth") is None]
    if len(free) < 2:
        return placements
    face = [placements[i].scale * figures[i].face_h for i in free]
    least = min(face)
    size_rank = [math.floor(math.log(f / least) / math.log(NEARER) + 1e-9) for f in face]
    order = sorted(range(len(free)), key=lambda k: (size_rank[k], k))
    out = list(placements)
    for k, slot in zip(order, free, strict=True):
        out[free[k]] = replace(placements[free[k]], depth=placements[slot].depth)
    return out


# -- backdrops -----------------------------------------------------------------------


def cover(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``image`` scaled to cover ``size`` (w, h), centred, the overflow cropped."""
    w, h = size
    ih, iw = image.shape[:2]
    s = max(w / iw, h / ih)
    sw, sh = max(w, round(iw * s)), max(h, round(ih * s))
    interp = cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC
    big = cv2.resize(image, (sw, sh), interpolation=interp)
    x0, y0 = (sw - w) // 2, (sh - h) // 2
    return np.ascontiguousarray(big[y0 : y0 + h, x0 : x0 + w])


def contain(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The whole of ``image`` centred in ``size``, over a blurred, dimmed copy covering it."""
    w, h = size
    back = cover(image, size).astype(np.float32)
    back = cv2.GaussianBlur(back, (0, 0), CONTAIN_BLUR_FRAC * max(w, h)) * 0.7
    out = np.clip(back, 0, 255).astype(np.uint8)
    ih, iw = image.shape[:2]
    s = min(w / iw, h / ih)
    sw, sh = min(w, max(1, round(iw * s))), min(h, max(1, round(ih * s)))
    interp = cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC
    x0, y0 = (w - sw) // 2, (h - sh) // 2
    out[y0 : y0 + sh, x0 : x0 + sw] = cv2.resize(image, (sw, sh), interpolation=interp)
    return out


def gradient(c0, c1, angle_deg: float, size: tuple[int, int]) -> np.ndarray:
    """A linear gradient from ``c0`` to ``c1`` across ``size``; 90 = top to bottom."""
    w, h = size
    a = math.radians(angle_deg)
    dx, dy = math.cos(a), math.sin(a)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    proj = (xx - w / 2) * dx + (yy - h / 2) * dy
    half = 0.5 * (abs(dx) * w + abs(dy) * h)
    t = np.clip(proj / max(half, 1e-6) * 0.5 + 0.5, 0, 1)[..., None]
    rgb = (1 - t) * np.array(c0, np.float32) + t * np.array(c1, np.float32)
    # a little ordered noise hides banding in the encoder's 8 bits
    dither = ((xx * 7 + yy * 13) % 4 - 1.5)[..., None] * 0.35
    return np.clip(np.round(rgb + dither), 0, 255).astype(np.uint8)


def backdrop(spec: dict, inputs: dict, size: tuple[int, int]) -> np.ndarray:
    """(h, w, 3) uint8 backdrop of a stage.

    spec: ``{"kind": "colour", "rgb"}``, ``{"kind": "gradient", "from", "to", "angle"}``,
    ``{"kind": "image", "input", "fit": "cover"|"contain"}`` or ``{"kind": "plate",
    "input"}`` (a photo without its people, softened).
    """
    w, h = size
    kind = spec["kind"]
    if kind == "colour":
        return np.broadcast_to(np.array(spec["rgb"], np.uint8), (h, w, 3)).copy()
    if kind == "gradient":
        return gradient(spec["from"], spec["to"], spec.get("angle", 90.0), size)
    image = inputs[spec["input"]]
    if kind == "image" and spec.get("fit") == "contain":
        return contain(image, size)
    out = cover(image, size)
    if kind == "plate":
        out = cv2.GaussianBlur(out, (0, 0), max(0.8, PLATE_BLUR_FRAC * max(w, h)))
    return out


# -- colour and light match ----------------------------------------------------------

MATCH_STATS_PX = 160  # statistics on copies at most this long (a still, deterministic)
MATCH_AROUND = 0.25  # the backdrop around a performer: their box grown by this share
MATCH_GAIN = (0.7, 1.4)  # the contrast change a full match may make, in lightness
MATCH_CHROMA_GAIN = (0.85, 1.15)  # and in a* and b*: a coloured wall does not grey a face
MATCH_CHROMA_SHARE = 0.5  # the colour (a*, b*) moves this share of the way the light does


def _lab(rgb: np.ndarray) -> np.ndarray:
    """(..., 3) RGB (uint8, or float in 0..255) as float32 CIE Lab (L 0..100)."""
    return cv2.cvtColor(np.ascontiguousarray(rgb, np.float32) / 255.0, cv2.COLOR_RGB2Lab)


def _small(img: np.ndarray) -> np.ndarray:
    h, w = img.shape[:2]
    s = MATCH_STATS_PX / max(h, w)
    if s >= 1:
        return img
    size = (max(1, round(w * s)), max(1, round(h * s)))
    return cv2.resize(img, size, interpolation=cv2.INTER_AREA)


def lab_stats(rgb: np.ndarray, weight: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(mean (3,), std (3,)) float64 of an image's Lab channels, weighted by ``weight``
    ((h, w), any scale; None = all pixels alike), on a copy at most ``MATCH_STATS_PX``
    long."""
    lab = _lab(_small(rgb)).reshape(-1, 3).astype(np.float64)
    if weight is None:
        w = np.ones(len(lab))
    else:
        w = _small(np.asarray(weight, np.float32)).reshape(-1).astype(np.float64)
    total = max(float(w.sum()), 1e-9)
    mean = (w[:, None] * lab).sum(0) / total
    std = np.sqrt((w[:, None] * (lab - mean) ** 2).sum(0) / total)
    return mean, std


def around(box, stage_wh: tuple[int, int]) -> Window | None:
    """The stage window around a placed box: grown by ``MATCH_AROUND`` of its size."""
    x0, y0, x1, y1 = box
    gx, gy = MATCH_AROUND * (x1 - x0), MATCH_AROUND * (y1 - y0)
    return _window((round(x0 - gx), round(y0 - gy), round(x1 + gx), round(y1 + gy)), stage_wh)


@dataclass(frozen=True)
class ColourMatch:
    """A Lab transform of one performer's colours: ``lab * gain + offset`` per channel."""

    gain: tuple[float, float, float]
    offset: tuple[float, float, float]
    # what it was computed from, for the report: the performer's and backdrop's means
    mean: tuple[float, float, float]
    target: tuple[float, float, float]

    @classmethod
    def between(
        cls,
        texture: np.ndarray,
        alpha: np.ndarray,
        back: np.ndarray,
        strength: float,
    ) -> ColourMatch:
        """Move the cut-out's (``texture`` weighted by ``alpha``) Lab mean and spread
        toward those of ``back`` (the backdrop around them): lightness ``strength`` of
        the way, colour (a*, b*) ``MATCH_CHROMA_SHARE`` of that (a backdrop's colour is
        more its paint than its light); the spread's ratio held within ``MATCH_GAIN``
        (``MATCH_CHROMA_GAIN`` for colour)."""
        mean_f, std_f = lab_stats(texture, alpha)
        mean_b, std_b = lab_stats(back)
        ratio = std_b / np.maximum(std_f, 1e-6)
        ratio[0] = np.clip(ratio[0], *MATCH_GAIN)
        ratio[1:] = np.clip(ratio[1:], *MATCH_CHROMA_GAIN)
        share = strength * np.array([1.0, MATCH_CHROMA_SHARE, MATCH_CHROMA_SHARE])
        gain = 1.0 + share * (ratio - 1.0)
        new_mean = mean_f + share * (mean_b - mean_f)
        offset = new_mean - gain * mean_f
        return cls(
            tuple(float(v) for v in gain),
            tuple(float(v) for v in offset),
            tuple(round(float(v), 2) for v in mean_f),
            tuple(round(float(v), 2) for v in mean_b),
        )

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        """``rgb`` ((..., 3) uint8 or float in 0..255) transformed, in its own dtype."""
        shape = rgb.shape
        lab = _lab(rgb.reshape(-1, 1, 3) if rgb.ndim == 1 else rgb)
        lab = lab * np.array(self.gain, np.float32) + np.array(self.offset, np.float32)
        lab[..., 0] = np.clip(lab[..., 0], 0.0, 100.0)
        out = cv2.cvtColor(lab, cv2.COLOR_Lab2RGB) * 255.0
        if rgb.dtype == np.uint8:
            return np.clip(out + 0.5, 0, 255).astype(np.uint8).reshape(shape)
        return np.clip(out, 0, 255).astype(rgb.dtype).reshape(shape)


def colour_matches(
    layers: list[dict], placements: list[Placement], back: np.ndarray, strength: float
) -> list[ColourMatch | None]:
    """Each performer's ``ColourMatch`` toward the backdrop around where they stand (their
    placed box, grown); None for all when ``strength`` is 0 or where they stand off it."""
    if strength <= 0:
        return [None] * len(layers)
    out = []
    stage_wh = back.shape[1::-1]
    for layer, pl in zip(layers, placements, strict=True):
        where = around(pl.box, stage_wh)
        if where is None:
            out.append(None)
            continue
        out.append(ColourMatch.between(layer["texture"], layer["alpha"], back[where], strength))
    return out


# -- the picture ---------------------------------------------------------------------


Window = tuple[slice, slice]  # (rows, columns) of the stage


def _intersect(a: Window, b: Window) -> Window | None:
    y0, y1 = max(a[0].start, b[0].start), min(a[0].stop, b[0].stop)
    x0, x1 = max(a[1].start, b[1].start), min(a[1].stop, b[1].stop)
    return (slice(y0, y1), slice(x0, x1)) if y1 > y0 and x1 > x0 else None


@dataclass
class _Performer:
    """One performer's frames on the stage: where they are drawn (``frame``, a placement
    of what each frame shows: their layer, or a dancer's whole photo), what part of the
    stage that covers (``window``) and what part changes from frame to frame (``dirty``:
    a talking face's moving region, a dancer's whole frame, None when still)."""

    layer: dict
    figure: Figure
    placement: Placement
    talking: object | None  # a TalkingPicture over the layer's texture, or None
    dancer: object | None = None  # a StageDancer (frames of the whole photo), or None
    window: Window | None = None
    dirty: Window | None = None
    # an entrance and an exit: (start_s, end_s) in the shot and the side, or None
    entrance: tuple[float, float] | None = None
    departure: tuple[float, float] | None = None
    enter_side: str = "fade"
    exit_side: str = "fade"

    @property
    def moves(self) -> bool:
        return self.entrance is not None or self.departure is not None

    def __post_init__(self):
        self.full_alpha = _scaled(self.layer["alpha"], self.placement)  # at rest, for shadows
        self.frame = self.placement  # where the frames drawn each time are placed
        if self.dancer is not None:  # whole-photo frames: the layer's crop sits at origin
            pl, (ox, oy) = self.placement, self.layer["origin"]
            h, w = self.dancer.rig.photo_hw
            left = ox if not pl.mirror else w - ox - self.figure.width
            self.frame = Placement(
                pl.scale,
                pl.x - round(pl.scale * left),
                pl.y - round(pl.scale * oy),
                max(1, round(w * pl.scale)),
                max(1, round(h * pl.scale)),
                pl.mirror,
                pl.depth,
            )
            self.under = _scaled(self.dancer.underlay, self.placement).astype(np.uint8)
            self.under_weight = _scaled(self.dancer.underlay_alpha, self.placement)
        self.still = _scaled(self.layer["texture"], self.placement)
        self.weight = self.full_alpha.astype(np.float32)[..., None] / 255.0
        self._frame_i, self._fg, self._fg_weight = -1, self.still, self.weight

    def clip(self, stage_wh: tuple[int, int]) -> bool:
        """Find the visible part and the changing part; False if none of it is on the stage."""
        self.window = _window(self.frame.box, stage_wh)
        if self.window is None:
            return False
        if self.dancer is not None:
            self.dirty = self.window
        elif self.talking is not None:
            self.dirty = _intersect(self.window, self._face_window(stage_wh) or self.window)
        return True

    def _face_window(self, stage_wh) -> Window | None:
        """Where the talking face can change anything, stage px (its mesh's moving
        vertices at rest, grown by how far a head turn or an open jaw moves them)."""
        rig = self.talking.rigs[0]
        moving = (rig.head_weight > 0) | np.any(rig.fields != 0, axis=(0, 2))
        pts = rig.rest_pts[moving]
        if not len(pts):
            return None
        w_t, h_t = rig.out_size  # the talking frame's size: the layer's, or as placed
        sx, sy = self.placement.width / w_t, self.placement.height / h_t
        grow = 0.6 * rig.iod_px
        (x0, y0), (x1, y1) = pts.min(0) - grow, pts.max(0) + grow
        if self.placement.mirror:
            x0, x1 = w_t - x1, w_t - x0
        px, py = self.placement.x, self.placement.y
        box = (px + sx * x0 - 1, py + sy * y0 - 1, px + sx * x1 + 2, py + sy * y1 + 2)
        return _window(tuple(int(np.floor(v)) for v in box), stage_wh)

    def _current(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """(colour, weight) of frame i at the ``frame`` placement's size."""
        if i != self._frame_i:
            self._frame_i = i
            if self.dancer is not None:
                colour, alpha = self.dancer(i)
                self._fg = _scaled(colour, self.frame)
                self._fg_weight = _scaled(alpha, self.frame).astype(np.float32)[..., None] / 255
            elif self.talking is not None:
                self._fg = _scaled(self.talking(i), self.frame)
        return self._fg, self._fg_weight

    def blend(
        self, canvas: np.ndarray, where: Window, i: int | None, dx: int = 0, opacity: float = 1.0
    ) -> None:
        """Draw this performer over ``canvas`` within ``where`` (stage px): frame i, or
        at rest when i is None; moved ``dx`` px to the right and at ``opacity`` (an
        entrance or exit under way)."""
        f, pl, window = self.frame, self.placement, self.window
        if dx:
            f, pl = replace(f, x=f.x + dx), replace(pl, x=pl.x + dx)
            window = _window(f.box, canvas.shape[1::-1])
        part = _intersect(where, window) if window is not None else None
        if part is None:
            return
        inner = (
            slice(part[0].start - f.y, part[0].stop - f.y),
            slice(part[1].start - f.x, part[1].stop - f.x),
        )
        region = canvas[part]
        if self.dancer is not None:
            # under the dancer, the body where their arms were (the rig's underlay:
            # the photo with the arms painted out), so a raised arm leaves no hole
            under_part = _intersect(part, _window(pl.box, canvas.shape[1::-1]))
            if under_part is not None:
                u = (
                    slice(under_part[0].start - pl.y, under_part[0].stop - pl.y),
                    slice(under_part[1].start - pl.x, under_part[1].stop - pl.x),
                )
                weight = self.under_weight[u].astype(np.float32)[..., None] / 255.0
                _over(canvas[under_part], self.under[u], weight * opacity)
        if i is None and self.dancer is None:
            fg, weight = self.still, self.weight
        elif i is None:
            return  # a dancer at rest is their underlay and the first frame drawn over it
        else:
            fg, weight = self._current(i)
        weight = weight[inner]
        _over(region, fg[inner], weight * opacity if opacity < 1.0 else weight)

    def pose(self, t_s: float, stage_w: int) -> tuple[int, float] | None:
        """Where this performer is at ``t_s`` seconds into the shot: (dx px, opacity), or
        None when off stage (before their entrance, after their exit)."""
        if self.entrance is None and self.departure is None:
            return 0, 1.0
        x0, _, x1, _ = self.frame.box
        off = {"left": -x1, "right": stage_w - x0, "fade": 0}  # px: the whole figure beyond
        for span, side, coming in (
            (self.entrance, self.enter_side, True),
            (self.departure, self.exit_side, False),
        ):
            if span is None:
                continue
            start, end = span
            if coming and t_s < start or not coming and t_s >= end:
                return None
            if start <= t_s < end:
                u = _ease((t_s - start) / max(end - start, 1e-9))
                away = 1.0 - u if coming else u  # 1: wholly off, 0: at their place
                if side == "fade":
                    return (0, 1.0 - away) if away < 1.0 else None
                return round(away * off[side]), 1.0
        return 0, 1.0


def _ease(u: float) -> float:
    """Smooth start and stop over u in [0, 1] (smoothstep)."""
    u = min(1.0, max(0.0, u))
    return u * u * (3.0 - 2.0 * u)


def _over(region: np.ndarray, fg: np.ndarray, weight: np.ndarray) -> None:
    """``region`` (h, w, 3) uint8 <- fg over it, by ``weight`` (h, w, 1) float32 in [0, 1]."""
    bg = region.astype(np.float32)
    region[...] = np.clip(bg + (fg.astype(np.float32) - bg) * weight + 0.5, 0, 255).astype(np.uint8)


def _window(box, stage_wh: tuple[int, int]) -> Window | None:
    x0, y0, x1, y1 = box
    w, h = stage_wh
    sx0, sy0, sx1, sy1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    if sx1 <= sx0 or sy1 <= sy0:
        return None
    return (slice(sy0, sy1), slice(sx0, sx1))


def _scaled(img: np.ndarray, p: Placement) -> np.ndarray:
    """``img`` at the placement's size (drawn there already, or resized), mirrored if it
    says so."""
    out = img
    if img.shape[:2] != (p.height, p.width):
        interp = cv2.INTER_AREA if p.scale < 1 else cv2.INTER_LINEAR
        out = cv2.resize(img, (p.width, p.height), interpolation=interp)
    return out[:, ::-1] if p.mirror else out


def _drop_shadow(shade: np.ndarray, alpha: np.ndarray, box, long_side: int) -> None:
    """Add a figure's drop shadow (its alpha, offset down and right) to ``shade``."""
    h, w = shade.shape
    x0, y0, _, _ = box
    dx = round(SHADOW_OFFSET_FRAC[0] * long_side)
    dy = round(SHADOW_OFFSET_FRAC[1] * long_side)
    ah, aw = alpha.shape
    sx0, sy0 = max(0, x0 + dx), max(0, y0 + dy)
    sx1, sy1 = min(w, x0 + dx + aw), min(h, y0 + dy + ah)
    if sx1 > sx0 and sy1 > sy0:
        part = alpha[sy0 - y0 - dy : sy1 - y0 - dy, sx0 - x0 - dx : sx1 - x0 - dx]
        np.maximum(shade[sy0:sy1, sx0:sx1], SHADOW_OPACITY * part, out=shade[sy0:sy1, sx0:sx1])


def _contact_shadow(shade: np.ndarray, alpha: np.ndarray, box, feet_y: float) -> None:
    """Add the dark ellipse under a standing figure's feet to ``shade``."""
    h, w = shade.shape
    rows = max(1, round(0.03 * alpha.shape[0]))
    cols = np.flatnonzero(alpha[-rows:].max(0) > 0.5)
    if not len(cols) or feet_y >= h + 4:
        return
    cx = box[0] + (cols[0] + cols[-1]) / 2
    rx = max(4.0, 0.7 * (cols[-1] - cols[0] + 1))
    ellipse = np.zeros((h, w), np.float32)
    axes = (round(rx), max(2, round(0.12 * rx)))
    cv2.ellipse(ellipse, (round(cx), round(feet_y)), axes, 0, 0, 360, CONTACT_OPACITY, -1)
    np.maximum(shade, cv2.GaussianBlur(ellipse, (0, 0), 0.25 * rx), out=shade)


def shade_map(performers: list[_Performer], hw: tuple[int, int]) -> np.ndarray:
    """(h, w) float32 in [0, 1): how much the figures darken the backdrop under them: a
    soft drop shadow of a still figure (a dancer's arms move, so theirs is left out), and
    for figures standing on the floor an ellipse of contact shadow at their feet."""
    h, w = hw
    long_side = max(w, h)
    shade = np.zeros((h, w), np.float32)
    for p in performers:
        if p.window is None:
            continue
        box = p.placement.box
        alpha = p.full_alpha.astype(np.float32) / 255.0
        if p.dancer is None:
            _drop_shadow(shade, alpha, box, long_side)
        if p.figure.standing:
            _contact_shadow(shade, alpha, box, p.placement.y + p.placement.scale * p.figure.bottom)
    return cv2.GaussianBlur(shade, (0, 0), max(1.0, SHADOW_BLUR_FRAC * long_side))


def _darken(canvas: np.ndarray, shade: np.ndarray) -> None:
    canvas[...] = np.clip(
        canvas.astype(np.float32) * (1.0 - shade[..., None]) + 0.5, 0, 255
    ).astype(np.uint8)


def shadows(canvas: np.ndarray, performers: list[_Performer]) -> None:
    """Darken the backdrop under each figure (``shade_map``)."""
    _darken(canvas, shade_map(performers, canvas.shape[:2]))


def _shifted(shade: np.ndarray, dx: int) -> np.ndarray:
    """``shade`` moved ``dx`` px to the right, zero where nothing moved in."""
    out = np.zeros_like(shade)
    w = shade.shape[1]
    if abs(dx) < w:
        if dx >= 0:
            out[:, dx:] = shade[:, : w - dx]
        else:
            out[:, :dx] = shade[:, -dx:]
    return out


class StagePicture:
    """Frame i of a stage shot: backdrop and shadows (drawn once), then each performer.

    layers: each performer's ``body.cutout`` value; talking: per performer None or a
    ``talker(size)`` giving their TalkingPicture at that size (None = the layer's);
    places: each ``place`` spec or None (its ``enter``/``exit`` move them in and out);
    dancers: a ``StageDancer`` per performer who dances, else None; top_reserved: the
    share of the stage height a title takes at the top (no head goes there); fps and
    duration_s: the shot's frame rate and length, for entrances and exits.
    """

    def __init__(
        self,
        size: tuple[int, int],
        back: np.ndarray,
        layers: list[dict],
        talking: list,
        places: list[dict | None],
        dancers: list | None = None,
        top_reserved: float = 0.0,
        fps: float = 25.0,
        duration_s: float = 0.0,
    ):
        self.size = size
        self.fps = fps
        figures = [Figure.of(layer) for layer in layers]
        self.placements = layout(figures, places, size, top_reserved)
        dancers = dancers or [None] * len(layers)
        performers = []
        for layer, fig, pl, talker, dancer, place in zip(
            layers, figures, self.placements, talking, dancers, places, strict=True
        ):
            talk = None
            if talker is not None and dancer is None:
                # drawn at the placed size when it is smaller: no pixel drawn twice
                talk = talker((pl.width, pl.height) if pl.scale < SHRINK_BELOW else None)
            performer = _Performer(layer, fig, pl, talk, dancer)
            enter, leave = (place or {}).get("enter"), (place or {}).get("exit")
            performer.entrance, performer.departure = stage_moves(enter, leave, duration_s)
            performer.enter_side = (enter or {}).get("side", "fade")
            performer.exit_side = (leave or {}).get("side", "fade")
            performers.append(performer)
        self.performers = sorted(
            (p for p in performers if p.clip(size)), key=lambda p: p.placement.depth
        )
        self.back = back
        self.figures = figures
        self.out = np.empty_like(back)
        self._stills: dict[tuple, tuple[np.ndarray, np.ndarray, list]] = {}
        self._shades: dict[int, np.ndarray] = {}
        present = tuple(True for _ in self.performers)
        self.rest, self.still, self.dirty = self._still(present)

    def _still(self, present: tuple[bool, ...]) -> tuple[np.ndarray, np.ndarray, list]:
        """(backdrop with the shadows of those present, everyone present at rest over it,
        the regions that change) for one set of performers on stage; made once each."""
        if present not in self._stills:
            there = [p for p, on in zip(self.performers, present, strict=True) if on]
            rest = np.ascontiguousarray(self.back.copy())
            shadows(rest, there)
            # everyone at rest over the backdrop: each frame starts from it and redraws
            # only what changes (a face, a dancer), from the backdrop up, in order
            still = rest.copy()
            for p in there:
                p.blend(still, p.window, None)
            dirty = [p.dirty for p in there if p.dirty is not None]
            self._stills[present] = rest, still, dirty
        return self._stills[present]

    def face_boxes(self) -> list[tuple[float, float, float, float]]:
        """Each performer's face box in stage px (the order they were given in)."""
        return [pl.face_box(f) for f, pl in zip(self.figures, self.placements, strict=True)]

    def reach_boxes(self) -> list[tuple[float, float, float, float]]:
        """Stage px boxes of where each dancer can be: their photo's frame as placed
        (the rig keeps hands inside the photo), cut to the stage."""
        w, h = self.size
        out = []
        for p in self.performers:
            if p.dancer is not None:
                x0, y0, x1, y1 = p.frame.box
                out.append((max(0, x0), max(0, y0), min(w, x1), min(h, y1)))
        return out

    def __call__(self, i: int) -> np.ndarray:
        t_s = i / self.fps
        poses = [p.pose(t_s, self.size[0]) if p.moves else (0, 1.0) for p in self.performers]
        if any(pose is not None and pose != (0, 1.0) for pose in poses):
            return self._moving(i, poses)
        rest, still, dirty = self._still(tuple(pose is not None for pose in poses))
        self.out[...] = still
        for where in dirty:
            self.out[where] = rest[where]
            for p, pose in zip(self.performers, poses, strict=True):
                if pose is not None:
                    p.blend(self.out, where, i)
        return self.out

    def _moving(self, i: int, poses: list) -> np.ndarray:
        """A frame where someone enters or exits: the backdrop with the shadows of those
        at their places, the movers' shadows moved with them, then everyone in order."""
        resting = tuple(pose == (0, 1.0) for pose in poses)
        rest, _, _ = self._still(resting)
        self.out[...] = rest
        for k, (p, pose) in enumerate(zip(self.performers, poses, strict=True)):
            if pose is None or pose == (0, 1.0):
                continue
            if k not in self._shades:
                self._shades[k] = shade_map([p], self.out.shape[:2])
            dx, opacity = pose
            _darken(self.out, _shifted(self._shades[k], dx) * opacity)
        whole = (slice(0, self.size[1]), slice(0, self.size[0]))
        for p, pose in zip(self.performers, poses, strict=True):
            if pose is not None:
                p.blend(self.out, whole, i, *pose)
        return self.out
