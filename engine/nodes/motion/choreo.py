"""Choreographer: chain library moves to music into a pose track.

Moves start on beats and fill bars (a move shorter than a bar repeats, mirrored, to
the bar's end); a new section reshuffles which moves are favoured; the music's
energy curve picks moves of matching energy; no move plays more than twice in a
row; every choice comes from ``np.random.default_rng(seed)``. Keyframes sit on beats
and the spline between them (keyframes.py) slows to a stop on accented keys, so the
dancer's joint speed has its minima on the beats. The last key of one move blends
into the first of the next over the beat between them.

What the dancer's photo can show (``limits``: each bone's turn from rest relative to
its parent, from ``engine.nodes.rig.limits.track_limits``) steers the choice: a move
weighs by the share of its motion those limits let through, so a dancer whose arms
are held (crossed, cut by the frame) is given torso, shoulder and head moves rather
than arm waves that would come out still; and a *groove* (a shoulder shrug, a torso
sway and a head nod that stop on every beat, within the limits) is added to whatever
the held bones cannot show. A full body also bounces at the knees on every beat
(``bounce_track``).

    track = choreograph(analysis, style="tarantella", start_s=0, duration_s=20, fps=25, seed=7)
    track.angles (T, N_BONES) rad, track.root (T, 2) torso lengths
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import numpy as np

from engine.errors import PhotoplayError
from engine.nodes.motion import keyframes
from engine.nodes.motion.library import (
    DEFAULT_LENGTHS,
    REST_ANGLES_DEG,
    Move,
    load_library,
    load_styles,
)
from engine.nodes.motion.skeleton import (
    BONE_INDEX,
    BONES,
    L_ANKLE,
    L_FOOT,
    N_BONES,
    R_ANKLE,
    R_FOOT,
    UPPER_BODY_BONES,
    PoseTrack,
    forward,
)
from engine.nodes.music.analyse import MusicAnalysis

DEFAULT_STYLE = "party"
ENERGY_WIDTH = 0.25  # how far a move's energy may sit from the music's before it is unlikely
RECENT_PENALTY = 0.25  # weight of a move used in the last few choices
MISFIT_PENALTY = 0.05  # weight of a move whose length does not divide or fill the bar
FAVOURED_BOOST = 2.5  # weight of the moves a section favours
FIT_POWER = 2.0  # a move's weight times (share of its motion the limits let through) ** this
# The groove added when bones are held: (bone, share of its limit, beats per cycle,
# phase in beats). Each stops on the beats (hit 1): accents a viewer sees.
GROOVE = (
    ("spine", 0.8, 2, 0),
    ("neck", 0.8, 2, 0),
    ("l_collar", 0.8, 2, 0),
    ("r_collar", 0.8, 2, 1),
)
# A full body's knee bounce: the hips dip this many torso lengths on every beat (the
# rig's planted feet turn it into foreshortened legs: ``engine.nodes.rig.feet``).
BOUNCE = 0.05
# ...and a move's own dips (a squat's 0.19) count this much: a photo's legs show a dip of
# a few percent of their length (``feet.DIP_MIN``), and full-depth dips would hide the
# bounce under the limit
MOVE_DIP_SHARE = 0.35
LEG_INDEX = np.array([i for i, (b, _, _) in enumerate(BONES) if b not in UPPER_BODY_BONES])
# each bone's parent bone (the bone ending where it starts), -1 for the root's bones
PARENT_BONE = np.array(
    [next((j for j, (_, _, c) in enumerate(BONES) if c == p), -1) for _, p, _ in BONES]
)
_MIRROR_PERM = np.array(
    [
        BONE_INDEX["r" + b[1:] if b[:2] == "l_" else "l" + b[1:] if b[:2] == "r_" else b]
        for b, _, _ in BONES
    ]
)


class ChoreoError(PhotoplayError):
    """A dance request the choreographer cannot honour."""


@dataclass(frozen=True)
class _Segment:
    move: Move
    mirrored: bool
    start_beat: int  # index into the beat grid
    n_beats: int  # beats used (a move may be cut short at a section or the end)


def catalog() -> dict[str, str]:
    """Every style → its cultural context (``social``, ``ceremonial`` or ``sacred``)."""
    return {name: s.context for name, s in load_styles().items()}


def style_origins(styles: list[str]) -> list[dict]:
    """Credits and provenance of styles: [{style, title, origin, context, credit, licence}]."""
    known = load_styles()
    out = []
    for name in dict.fromkeys(styles):
        s = known.get(name) or _unknown("style", name, known)
        out.append(
            {
                "style": s.name,
                "title": s.title,
                "origin": s.origin,
                "context": s.context,
                "credit": s.credit,
                "licence": s.licence,
            }
        )
    return out


def _unknown(kind: str, name: str, known: dict) -> None:
    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"known {kind}s: {', '.join(sorted(known))}"
    raise ChoreoError(f"unknown dance {kind} {name!r}", hint=hint)


def mirror_pose(angles_deg: np.ndarray, root: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Left-right mirror: swap l_/r_ bones, angle → 180° - angle, dx → -dx. (..., N_BONES), (..., 2)."""
    return 180.0 - angles_deg[..., _MIRROR_PERM], root * np.array([-1.0, 1.0])


def _lowest_foot(angles_deg: np.ndarray) -> float:
    """Height below the hips of the lowest ankle or toe, in torso lengths (y down)."""
    joints = forward(np.radians(angles_deg), np.zeros(2), DEFAULT_LENGTHS)
    return float(joints[[L_ANKLE, R_ANKLE, L_FOOT, R_FOOT], 1].max())


_REST_FOOT = _lowest_foot(REST_ANGLES_DEG)


def _move_keys(move: Move, mirrored: bool, n_beats: int) -> tuple[np.ndarray, ...]:
    """A move's keys in its first ``n_beats`` beats → beats (K,), angles (K, N) deg, roots (K, 2), hits (K,)."""
    keys = [k for k in move.keys if k.beat < n_beats]
    beats = np.array([k.beat for k in keys])
    angles = np.stack([k.angles_deg for k in keys])
    roots = np.stack([k.root for k in keys]).copy()
    hits = np.array([k.hit for k in keys])
    if move.grounded:  # bending the legs lowers the hips: keep the lowest foot on the floor
        roots[:, 1] += [_REST_FOOT - _lowest_foot(a) for a in angles]
    if mirrored:
        angles, roots = mirror_pose(angles, roots)
    return beats, angles, roots, hits


def _candidates(
    style: str | None, moves: list[str] | None, body: str, reviewed: bool
) -> list[Move]:
    library = load_library()
    styles = load_styles()
    if moves:
        chosen = [library.get(m) or _unknown("move", m, library) for m in moves]
    else:
        name = style or DEFAULT_STYLE
        if name not in styles:
            _unknown("style", name, styles)
        chosen = [library[m] for m in styles[name].moves]
    for m in chosen:
        if m.context != "social" and not reviewed:
            raise ChoreoError(
                f"dance style {m.style!r} is marked {m.context}",
                hint="name a cultural review (ethics.cultural_review: {by, date, note}) to use it",
            )
    if body == "upper":
        full = [m.name for m in chosen if m.body != "upper"]
        if moves and full:
            raise ChoreoError(
                f"moves {', '.join(full)} use the whole body but only the upper body can move",
                hint="pick upper-body moves (see catalog) or use a full-body photo",
            )
        chosen = [m for m in chosen if m.body == "upper"]
        if not chosen:
            raise ChoreoError(
                f"style {style or DEFAULT_STYLE!r} has no upper-body moves",
                hint="try style party, disco, hiphop, tarantella, sirtaki or waltz",
            )
    return chosen


def _beat_grid(analysis: MusicAnalysis, start_s: float, end_s: float) -> np.ndarray:
    """Music beats covering [start_s, end_s] with one spare beat each side, (B,) s."""
    beats = np.asarray(analysis.beats_s, np.float64)
    if beats.size < 2:
        raise ChoreoError(
            "the music has fewer than two beats", hint="use free_rhythm for music without a beat"
        )
    period = float(np.median(np.diff(beats)))
    before = np.arange(beats[0] - period, start_s - 2 * period, -period)[::-1]
    after = np.arange(beats[-1] + period, end_s + 2 * period, period)
    grid = np.concatenate([before, beats, after])
    first = max(0, int(np.searchsorted(grid, start_s, side="right")) - 2)
    last = int(np.searchsorted(grid, end_s, side="left")) + 2
    return grid[first:last]


def _plan(
    analysis: MusicAnalysis,
    grid_s: np.ndarray,
    candidates: list[Move],
    ordered: bool,
    rng: np.random.Generator,
    energy: float | None,
    fits: dict[str, float] | None = None,
) -> list[_Segment]:
    """Choose and place moves on the beat grid (``fits``: ``move_fit`` by move name)."""
    fits = fits or {}
    period = float(np.median(np.diff(grid_s)))
    per_bar = int(analysis.beats_per_bar)
    down = np.asarray(analysis.downbeats_s, np.float64)
    is_down = _downbeat_mask(grid_s, down, per_bar, period)
    bounds = [s for s, _, _ in analysis.sections[1:]]
    section_of = np.searchsorted(bounds, grid_s + 0.25 * period)  # section index per beat
    labels = [label for _, _, label in analysis.sections] or ["A"]
    names = sorted(m.name for m in candidates)
    favoured = {
        lab: set(rng.permutation(names)[: max(1, len(names) // 2)]) for lab in sorted(set(labels))
    }
    energy_t = np.arange(np.size(analysis.energy)) / analysis.frame_rate_hz

    segments: list[_Segment] = []
    history: list[str] = []
    cursor, order_i = 0, 0
    while cursor < grid_s.size:
        # room: up to the next downbeat if we are off the bar, else up to the next section
        next_down = next((j for j in range(cursor + 1, grid_s.size) if is_down[j]), grid_s.size)
        section = section_of[cursor]
        next_section = next(
            (j for j in range(cursor + 1, grid_s.size) if section_of[j] != section), grid_s.size
        )
        room = (next_down if not is_down[cursor] else next_section) - cursor
        if ordered and not is_down[: cursor + 1].any():
            move = candidates[-1]  # a pickup before the first bar: the list starts on beat 1
        elif ordered:
            move = candidates[order_i % len(candidates)]
            order_i += 1
        else:
            t0, t1 = grid_s[cursor], grid_s[min(grid_s.size - 1, cursor + per_bar)]
            span = (energy_t >= t0) & (energy_t <= t1)
            target = (
                energy
                if energy is not None
                else (float(np.mean(analysis.energy[span])) if span.any() else 0.5)
            )
            label = labels[min(section, len(labels) - 1)]
            weights = np.array(
                [
                    _weight(m, target, history, per_bar, favoured[label], fits.get(m.name, 1.0))
                    for m in candidates
                ]
            )
            if weights.sum() <= 0:  # a one-move style: repeat rather than stop
                weights = np.ones(len(candidates))
            move = candidates[rng.choice(len(candidates), p=weights / weights.sum())]
        # a move shorter than the bar repeats, mirrored, to fill it
        reps = per_bar // move.beats if (move.beats < per_bar and per_bar % move.beats == 0) else 1
        mirrored = bool(move.mirror and rng.random() < 0.5)
        for _ in range(reps):
            n = min(move.beats, room, grid_s.size - cursor)
            if n <= 0:
                break
            segments.append(_Segment(move, mirrored, cursor, n))
            history.append(move.name)
            cursor += n
            room -= n
            mirrored = move.mirror and not mirrored
    return segments


def _downbeat_mask(
    grid_s: np.ndarray, down_s: np.ndarray, per_bar: int, period: float
) -> np.ndarray:
    """(B,) bool: which grid beats start a bar; bars continue past the known downbeats."""
    if down_s.size == 0:
        return np.arange(grid_s.size) % per_bar == 0
    is_down = np.abs(grid_s[:, None] - down_s[None, :]).min(axis=1) < 0.25 * period
    known = np.flatnonzero(is_down)
    if known.size == 0:
        return np.arange(grid_s.size) % per_bar == 0
    index = np.arange(grid_s.size)
    before = (index < known[0]) & ((known[0] - index) % per_bar == 0)
    after = (index > known[-1]) & ((index - known[-1]) % per_bar == 0)
    return is_down | before | after


def _local_dev_deg(angles_deg: np.ndarray) -> np.ndarray:
    """(..., N_BONES) absolute degrees → each bone's turn from rest relative to its parent."""
    parent = np.where(PARENT_BONE >= 0, PARENT_BONE, 0)

    def local(a):
        return np.where(PARENT_BONE >= 0, a - a[..., parent], a)

    d = local(angles_deg) - local(REST_ANGLES_DEG)
    return (d + 180.0) % 360.0 - 180.0


def move_fit(move: Move, limits_deg: tuple[np.ndarray, np.ndarray] | None) -> float:
    """Share in [0, 1] of a move's motion (its bones' largest turns from rest, summed)
    that ``limits_deg`` (lower <= 0, upper >= 0 per bone, degrees) let through."""
    if limits_deg is None:
        return 1.0
    lower, upper = (np.asarray(x, np.float64) for x in limits_deg)
    dev = _local_dev_deg(np.stack([k.angles_deg for k in move.keys]))
    hi = np.maximum(dev.max(axis=0), 0.0)
    lo = np.maximum(-dev.min(axis=0), 0.0)
    asked = hi + lo
    if asked.sum() <= 1e-9:
        return 1.0
    shown = np.minimum(hi, upper) + np.minimum(lo, -lower)
    return float(shown.sum() / asked.sum())


def groove_track(
    grid_s: np.ndarray, t_s: np.ndarray, limits_deg: tuple[np.ndarray, np.ndarray], bones
) -> np.ndarray:
    """(T, N_BONES) degrees added to the track: ``GROOVE`` on the listed bones.

    Each bone swings between +A and -A (A a share of its smaller limit), reaching each
    on a beat and stopping there, so the motion's speed dips exactly on the beats.
    """
    lower, upper = (np.asarray(x, np.float64) for x in limits_deg)
    out = np.zeros((t_s.size, N_BONES))
    index = np.arange(grid_s.size)
    for name, share, cycle, phase in GROOVE:
        b = BONE_INDEX[name]
        if name not in bones:
            continue
        amp = share * min(upper[b], -lower[b])
        if not np.isfinite(amp) or amp <= 0:
            continue
        half = cycle // 2
        sign = np.where(((index + phase) // half) % 2 == 0, 1.0, -1.0)
        keys = np.where((index + phase) % half == 0, sign, np.nan)
        ok = np.isfinite(keys)
        if ok.sum() < 2:
            continue
        values = keyframes.hermite(grid_s[ok], (amp * keys[ok])[:, None], np.ones(ok.sum()), t_s)
        # bones are absolute angles: a parent's turn is carried to its children
        out[:, b] += values[:, 0]
        for child in range(N_BONES):
            c, chain = child, False
            while PARENT_BONE[c] >= 0:
                c = PARENT_BONE[c]
                if c == b:
                    chain = True
                    break
            if chain:
                out[:, child] += values[:, 0]
    return out


def bounce_track(grid_s: np.ndarray, t_s: np.ndarray) -> np.ndarray:
    """(T,) torso lengths added to a full body's root height (y down): the knees give
    ``BOUNCE`` on every beat, stopping there, and straighten half-way between beats."""
    if grid_s.size < 2:
        return np.zeros(t_s.size)
    half = (grid_s[:-1] + grid_s[1:]) / 2
    times = np.sort(np.concatenate([grid_s, half]))
    down = np.isin(times, grid_s)
    values = np.where(down, BOUNCE, 0.0)[:, None]
    return keyframes.hermite(times, values, down.astype(np.float64), t_s)[:, 0]


def _weight(
    move: Move, target: float, history: list[str], per_bar: int, favoured: set, fit: float = 1.0
) -> float:
    if history[-2:] == [move.name, move.name]:
        return 0.0  # never a third time in a row
    w = float(np.exp(-(((move.energy - target) / ENERGY_WIDTH) ** 2))) * fit**FIT_POWER
    if move.name in history[-3:]:
        w *= RECENT_PENALTY
    if move.beats % per_bar and per_bar % move.beats:
        w *= MISFIT_PENALTY
    if move.name in favoured:
        w *= FAVOURED_BOOST
    return w


def _render(
    times_s: np.ndarray,
    angles_deg: np.ndarray,
    roots: np.ndarray,
    hits: np.ndarray,
    t_s: np.ndarray,
    fps: float,
    upper_only: bool,
) -> PoseTrack:
    values = keyframes.hermite(times_s, np.concatenate([angles_deg, roots], axis=1), hits, t_s)
    angles = np.radians(values[:, :N_BONES])
    root = values[:, N_BONES:]
    if upper_only:  # legs and hips stay exactly at rest
        angles[:, LEG_INDEX] = np.radians(REST_ANGLES_DEG[LEG_INDEX])
        root[:, 0] = 0.0
    return PoseTrack(fps=float(fps), root=root.astype(np.float32), angles=angles.astype(np.float32))


def _check_window(start_s: float, duration_s: float, fps: float, body: str) -> None:
    if not (np.isfinite(start_s) and start_s >= 0 and duration_s > 0 and fps > 0):
        raise ChoreoError(
            f"bad dance window: start {start_s} s, duration {duration_s} s, fps {fps}",
            hint="start >= 0, duration > 0 and fps > 0",
        )
    if body not in ("full", "upper"):
        raise ChoreoError(f"body must be 'full' or 'upper', got {body!r}", hint="")


def choreograph(
    analysis: MusicAnalysis,
    style: str | None = None,
    moves: list[str] | None = None,
    start_s: float = 0.0,
    duration_s: float | None = None,
    fps: float = 25.0,
    seed: int = 0,
    body: str = "full",
    energy: float | None = None,
    reviewed: bool = False,
    limits_deg: tuple[list, list] | None = None,
    held: list[str] | None = None,
) -> PoseTrack:
    """A dance to ``analysis``'s beats from ``start_s`` for ``duration_s`` seconds.

    Args:
        analysis: the music's beats, bars, sections and energy.
        style: a library style (default ``party``); ignored when ``moves`` is given.
        moves: move names danced in this order, looped to fill the time.
        start_s: time in the music of the track's frame 0, seconds >= 0.
        duration_s: length in seconds (default: to the end of the music).
        fps: frames per second of the track.
        seed: seeds every choice (moves, mirroring, section favourites).
        body: ``full``, or ``upper`` (legs stay at rest, upper-body moves only).
        energy: fixed target energy in [0, 1] instead of the music's energy curve.
        reviewed: the scene names a cultural review, so ceremonial or sacred styles may
            be used; without it they raise ``ChoreoError``.
        limits_deg: what the dancer's photo can show, (lower, upper) per bone in degrees
            (each bone's turn from rest relative to its parent); a style's moves are
            then picked by the share of their motion that gets through (with ``upper``,
            full-body moves too, their legs left at rest).
        held: bones the photo holds still (crossed arms); with any, ``GROOVE`` is added
            on the bones still free (needs ``limits_deg``).

    Returns:
        PoseTrack with round(duration_s * fps) frames; frame n is at start_s + n / fps.

    Raises:
        ChoreoError: unknown style or move, ceremonial style without review, full-body
            moves asked of an upper body, music with fewer than two beats.
    """
    if duration_s is None:
        duration_s = analysis.duration_s - start_s
    _check_window(start_s, duration_s, fps, body)
    # Knowing what the photo shows, a waist-up dancer may also take a full-body move's
    # upper half (a sway's torso and shoulders): its fit counts the legs as not shown.
    pool = "full" if limits_deg is not None and body == "upper" and not moves else body
    candidates = _candidates(style, moves, pool, reviewed)
    rng = np.random.default_rng(seed)
    end_s = start_s + duration_s
    grid_s = _beat_grid(analysis, start_s, end_s)
    fits = {m.name: move_fit(m, limits_deg) for m in candidates} if limits_deg else None
    segments = _plan(analysis, grid_s, candidates, bool(moves), rng, energy, fits)

    times, angles, roots, hits = [], [], [], []
    previous = REST_ANGLES_DEG
    for seg in segments:
        beats, a, r, h = _move_keys(seg.move, seg.mirrored, seg.n_beats)
        a = keyframes.unwrap_to(previous, a, PARENT_BONE)
        previous = a[-1]
        times.append(_beat_times(seg.start_beat + beats, grid_s))
        angles.append(a)
        roots.append(r)
        hits.append(h)
    t_s = start_s + np.arange(round(duration_s * fps)) / fps
    track = (
        _render(
            np.concatenate(times),
            np.concatenate(angles),
            np.concatenate(roots),
            np.concatenate(hits),
            t_s,
            fps,
            body == "upper",
        )
        if times
        else _rest_track(t_s.size, fps)
    )
    if body == "full":  # the moves' own dips, scaled to what legs in a photo show, on the bounce
        dip = MOVE_DIP_SHARE * track.root[:, 1] + bounce_track(grid_s, t_s)
        root = np.stack([track.root[:, 0], dip], axis=1)
        track = PoseTrack(track.fps, root.astype(np.float32), track.angles)
    if held and limits_deg is not None:
        free = {name for name, _, _ in BONES} - set(held)
        if body == "upper":
            free &= UPPER_BODY_BONES
        extra = np.radians(groove_track(grid_s, t_s, limits_deg, free))
        track = PoseTrack(track.fps, track.root, (track.angles + extra).astype(np.float32))
    return track


def _beat_times(beat_pos: np.ndarray, grid_s: np.ndarray) -> np.ndarray:
    """Fractional beat-grid positions → seconds, extrapolating past the grid's ends."""
    index = np.arange(grid_s.size)
    period = float(np.median(np.diff(grid_s)))
    t = np.interp(beat_pos, index, grid_s)
    t = np.where(beat_pos > index[-1], grid_s[-1] + (beat_pos - index[-1]) * period, t)
    return np.where(beat_pos < 0, grid_s[0] + beat_pos * period, t)


def _rest_track(n_frames: int, fps: float) -> PoseTrack:
    angles = np.tile(np.radians(REST_ANGLES_DEG), (n_frames, 1)).astype(np.float32)
    return PoseTrack(fps=float(fps), root=np.zeros((n_frames, 2), np.float32), angles=angles)


def free_rhythm(
    duration_s: float,
    fps: float = 25.0,
    seed: int = 0,
    style: str | None = None,
    body: str = "full",
    reviewed: bool = False,
) -> PoseTrack:
    """Slow, flowing motion for music without a beat: no holds, no beat alignment.

    Keys are the style's calmer moves' poses, each eased 40% back towards rest, placed
    1.2-2.0 s apart at random (seeded), and joined by a spline that flows through them.
    """
    _check_window(0.0, duration_s, fps, body)
    candidates = _candidates(style, None, body, reviewed)
    calm = sorted(candidates, key=lambda m: m.energy)[: max(2, len(candidates) // 2)]
    rng = np.random.default_rng(seed)
    t, times, angles, roots = 0.0, [], [], []
    previous = REST_ANGLES_DEG
    while t <= duration_s + 2.0:
        move = calm[rng.integers(len(calm))]
        key = move.keys[rng.integers(len(move.keys))]
        _, a, r, _ = _move_keys(move, bool(move.mirror and rng.random() < 0.5), move.beats)
        i = [k.beat for k in move.keys].index(key.beat)
        pose = keyframes.unwrap_to(previous, a[i : i + 1])[0]
        pose = REST_ANGLES_DEG + 0.6 * (pose - keyframes.unwrap_to(pose, REST_ANGLES_DEG[None])[0])
        previous = pose
        times.append(t)
        angles.append(pose)
        roots.append(0.6 * r[i])
        t += rng.uniform(1.2, 2.0)
    t_s = np.arange(round(duration_s * fps)) / fps
    hits = np.zeros(len(times))
    return _render(
        np.array(times), np.array(angles), np.array(roots), hits, t_s, fps, body == "upper"
    )
