"""A performer on their own photo: the face talks, the body dances, per frame.

The dance of a shot becomes a bone-angle track in the shared skeleton
(``engine.nodes.motion.skeleton``): from the choreographer (a style or explicit
moves, on the music's beats at the shot's place in the music) or from a
reference motion (video or BVH, optionally time-stretched onto the beats). The
body rig applies it with the photo's own bone lengths, easing in from and out
to the photo's rest pose so a shot never starts with a jump, within the limits
of what the photo can show (``engine.nodes.rig.limits``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.nodes.motion.skeleton import BONE_INDEX, BONES, N_BONES

EASE_S = 0.3  # from rest into the dance and back


def _wrap(a: np.ndarray) -> np.ndarray:
    return (a + np.pi) % (2 * np.pi) - np.pi


def _fill(track, n_frames: int, fps: float) -> tuple[np.ndarray, np.ndarray]:
    """A pose track at ``fps``, looped or cut to ``n_frames``: (angles, root)."""
    from engine.nodes.motion.retime import resample

    if abs(track.fps - fps) > 1e-6:
        track = resample(track, fps)
    reps = -(-n_frames // max(1, track.n_frames))
    angles = np.tile(track.angles, (reps, 1))[:n_frames]
    root = np.tile(track.root, (reps, 1))[:n_frames]
    return angles, root


def dance_track(
    dance: dict,
    inputs: dict,
    start_s: float,
    duration_s: float,
    fps: float,
    rig,
    seed: int,
    warnings: list | None = None,
):
    """(angles (n, N_BONES), root (n, 2)) of one dance action, n = its frames.

    A reference motion plays its own angles; a choreographed dance is danced from the
    photo's own pose (each bone's turn from the library's rest, relative to its parent,
    applied to the photo's rest), picked and grooved within what the photo can show.
    Explicit ``moves`` asking more than that are noted in ``warnings`` (a list to
    append to: ``{"joint", "asked_deg", "limit_deg", "why", "moves"}``).
    """
    n = max(1, round(duration_s * fps))
    analysis = inputs.get("music_analysis")
    if dance.get("motion"):
        track = inputs[dance["motion"]]
        if dance.get("fit_to_beats"):
            from engine.nodes.motion.retime import fit_to_beats

            beats = analysis.beats_s - start_s
            track = fit_to_beats(track, beats[beats >= 0], fps=fps)
        return _fill(track, n, fps)
    from engine.nodes.motion.choreo import choreograph
    from engine.nodes.motion.library import REST_ANGLES_DEG
    from engine.nodes.rig.limits import to_absolute, to_local, track_limits

    lower, upper = track_limits(rig)
    held = [name for name, _, _ in BONES if rig.held[BONE_INDEX[name]]]
    track = choreograph(
        analysis,
        style=dance.get("style"),
        moves=dance.get("moves"),
        start_s=start_s,
        duration_s=duration_s,
        fps=fps,
        seed=seed,
        body=rig.mode,
        energy=dance.get("energy"),
        reviewed=dance.get("reviewed", False),
        limits_deg=(np.degrees(lower).tolist(), np.degrees(upper).tolist()),
        held=held,
    )
    angles, root = _fill(track, n, fps)
    dev = _wrap(to_local(angles.astype(np.float64)) - to_local(np.radians(REST_ANGLES_DEG)))
    if dance.get("moves") and warnings is not None:
        warnings += beyond_limits(rig, dev, lower, upper, dance["moves"])
    return to_absolute(to_local(np.asarray(rig.rest_angles, np.float64)) + dev), root


LIMIT_SLACK_DEG = 1.0  # asked this much past a limit is not worth a warning


def beyond_limits(rig, dev: np.ndarray, lower: np.ndarray, upper: np.ndarray, moves) -> list:
    """The joints a dance's turns (``dev`` (T, N_BONES) radians from rest, relative to the
    parent) take past ``track_limits``: one entry per joint, the largest overshoot."""
    out = []
    for b, (name, _, _) in enumerate(BONES):
        if not rig.movable[b] and not rig.held[b]:
            continue
        hi, lo = float(dev[:, b].max(initial=0.0)), float(-dev[:, b].min(initial=0.0))
        over = max(hi - upper[b], lo + lower[b])
        if np.degrees(over) <= LIMIT_SLACK_DEG:
            continue
        asked, limit = (hi, upper[b]) if hi - upper[b] >= lo + lower[b] else (lo, -lower[b])
        why = rig.held_why.get(name) or (
            "the photo cannot show more without stretching it"
            if limit < np.inf
            else "out of the photo's reach"
        )
        out.append(
            {
                "joint": name,
                "asked_deg": round(float(np.degrees(asked)), 1),
                "limit_deg": round(float(np.degrees(limit)), 1),
                "why": why,
                "moves": list(moves),
            }
        )
    return out


def dancer_tracks(
    spec: dict,
    layout: dict,
    inputs: dict,
    fps: float,
    shot_start_s: float,
    warnings: list | None = None,
):
    """(angles (n_frames, N_BONES), root (n_frames, 2)) for the whole shot.

    ``warnings``: a list that receives the joints explicit moves asked past the photo's
    limits (``dance_track``); they are danced scaled down to the limits.
    """
    rig = inputs[spec["rig"]]
    timing = layout["timing"]
    n = timing.n_frames
    rest = np.asarray(rig.rest_angles, np.float64)
    angles = np.repeat(rest[None], n, axis=0)
    root = np.zeros((n, 2))
    times = {a.index: a for a in timing.actions}
    ease = max(1, round(EASE_S * fps))
    energies = []
    for dance in spec["dances"]:
        at = times[dance["index"]]
        lo = round(at.start_s * fps)
        hi = min(n, lo + max(1, round((at.end_s - at.start_s) * fps)))
        if hi <= lo:
            continue
        target, offset = dance_track(
            dance,
            inputs,
            shot_start_s + at.start_s,
            (hi - lo) / fps,
            fps,
            rig,
            spec["seed"],
            warnings,
        )
        k = np.arange(hi - lo)
        weight = np.minimum(1.0, np.minimum((k + 1) / ease, (hi - lo - k) / ease))[:, None]
        weight = weight * weight * (3 - 2 * weight)  # smoothstep
        angles[lo:hi] = rest + weight * _wrap(target[: hi - lo] - rest)
        root[lo:hi] = weight * offset[: hi - lo]
        energies.append(dance.get("energy"))
    assert angles.shape[1] == N_BONES
    from engine.nodes.rig.limits import limit_track

    # What the photo can show: within the rig's limits (the scene's energy sets how much
    # of them the dance uses), hands in the frame, arms off the head, stretch in budget.
    energy = None if None in energies or not energies else max(energies)
    angles, root = limit_track(rig, angles, root, energy=energy, with_root=True)
    return angles.astype(np.float32), root.astype(np.float32)


def motion_bas(rig, angles, root, fps: float, beats_s: np.ndarray, span: tuple[int, int]):
    """Beat Align Score of the posed skeleton itself (motion space), frames ``span``.

    The joints the rig draws (``pose_joints``: every bone's end, in px) over the dancing
    frames, against the music beats (seconds from the span's first frame); with the
    random-shift baseline (``metrics.shifted_baseline``). None when too short.
    """
    from engine.nodes.motion import metrics
    from engine.nodes.rig.pose import pose_joints

    lo, hi = span
    if hi - lo < 5:
        return None
    joints = np.stack([pose_joints(rig, angles[i], root[i]) for i in range(lo, hi)])
    joints = joints[:, np.isfinite(joints[0, :, 0])]
    beats = np.asarray(beats_s, np.float64) - lo / fps
    beats = beats[(beats >= 0) & (beats <= (hi - lo - 1) / fps)]
    if beats.size == 0:
        return None
    bas = metrics.beat_align_score(joints, fps, beats)
    mean, std = metrics.shifted_baseline(joints, fps, beats)
    return {
        "bas": round(bas, 3),
        "baseline_mean": round(mean, 3),
        "baseline_std": round(std, 3),
        "bas_z": round((bas - mean) / std, 2) if std > 0 else None,
    }


def dance_span(spec: dict, layout: dict, fps: float) -> tuple[int, int]:
    """(first, end) frame of the shot's dancing: from its first dance to its last."""
    times = {a.index: a for a in layout["timing"].actions}
    spans = [
        (round(times[d["index"]].start_s * fps), round(times[d["index"]].end_s * fps))
        for d in spec["dances"]
    ]
    n = layout["timing"].n_frames
    return (min(s for s, _ in spans), min(n, max(e for _, e in spans))) if spans else (0, 0)


@dataclass
class PerformerPicture:
    """Frame i: the photo with every face at its controls, then the dancer posed."""

    photo: np.ndarray
    talking: object | None  # a TalkingPicture, or None when no face is animated
    rig: object | None
    angles: np.ndarray | None
    root: np.ndarray | None

    def __post_init__(self):
        from engine.nodes.rig.stretch import StretchMeter

        self.out = np.empty_like(self.photo)
        self.stretch = StretchMeter()  # the worst triangle drawn, for the render's report

    def __call__(self, i: int) -> np.ndarray:
        texture = self.talking(i) if self.talking is not None else self.photo
        if self.rig is None:
            return texture
        from engine.nodes.rig import render_dance_frame

        return render_dance_frame(
            self.rig, texture, self.angles[i], self.root[i], self.out, meter=self.stretch
        )


class StageDancer:
    """A dancer cut out for the stage: frame i of their posed body with its alpha.

    The body rig poses the person of their photo as on that photo, but drawn over
    nothing: the colours come from the stage layer's texture (the person's own
    colours, no old background at the edge; the talking face pasted in), and a
    second pass draws the layer's alpha through the same mesh, so the cut-out's
    edge follows the arms wherever they go. What hid the body in the photo
    (``occluder``) belongs to that photo and is left out.

    rig: the ``BodyRig`` of the dancer's photo; layer: their ``body.cutout`` value
    (cropped from that photo at ``origin``); talking: a TalkingPicture over the
    layer's texture, or None.
    """

    def __init__(self, rig, layer: dict, talking, angles: np.ndarray, root: np.ndarray):
        import cv2

        from engine.nodes.rig.build import ATLAS_GAP_PX

        self.rig, self.talking, self.angles, self.root = rig, talking, angles, root
        h, w = rig.photo_hw
        ox, oy = layer["origin"]
        lh, lw = layer["alpha"].shape
        self.window = (slice(oy, oy + lh), slice(ox, ox + lw))
        # (lh, lw, 3) float32: the body without its arms, in the layer's crop, and
        # (lh, lw) uint8 its alpha: the cut-out's, on the torso and arms only (the head
        # sways: a still copy of it would show as a ghost)
        from engine.nodes.rig.parts import GROUP_NAMES

        self.underlay = rig.underlay[self.window].astype(np.float32)
        body = [GROUP_NAMES.index(g) for g in ("torso", "l_arm", "r_arm")]
        self.underlay_alpha = np.where(
            np.isin(rig.labels[self.window], body), layer["alpha"], 0
        ).astype(np.uint8)
        border = (oy, h - oy - lh, ox, w - ox - lw)  # top, bottom, left, right
        self.texture = cv2.copyMakeBorder(layer["texture"], *border, cv2.BORDER_REPLICATE)
        alpha = cv2.copyMakeBorder(layer["alpha"], *border, cv2.BORDER_CONSTANT, value=0)
        # channel 0 the layer's alpha, channel 1 full: drawn, they give the frame's alpha
        # and the mesh's own coverage (its soft outline), which the colour pass is
        # multiplied by and is divided out again
        a3 = np.stack([alpha, np.full_like(alpha, 255), np.zeros_like(alpha)], axis=2)
        # [alpha | gap | alpha]: an underlay triangle (the body under an arm) is body too
        self.alpha_atlas = np.concatenate(
            [a3, np.repeat(a3[:, -1:], ATLAS_GAP_PX, axis=1), a3], axis=1
        )
        self.atlas = None
        self.colour = np.zeros((h, w, 3), np.uint8)
        from engine.nodes.rig.stretch import StretchMeter

        self.stretch = StretchMeter()
        self.alpha = np.zeros((h, w, 3), np.uint8)

    def __call__(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """(colour (H, W, 3) uint8, alpha (H, W) uint8) of frame i, the photo's size."""
        from engine.nodes.rig.layers import triangle_layers
        from engine.nodes.rig.pose import pose_joints, rig_pose
        from engine.nodes.rig.render import draw_mesh, edge_antialias, make_atlas

        rig = self.rig
        if self.talking is not None:
            self.texture[self.window] = self.talking(i)
        joints = pose_joints(rig, self.angles[i], self.root[i])
        dst = rig_pose(rig, self.angles[i], self.root[i])
        self.stretch.add(rig, dst)
        order = triangle_layers(rig, joints)
        aa = edge_antialias(rig, dst)
        self.atlas = make_atlas(rig, self.texture, self.atlas)
        self.colour[:] = 0
        draw_mesh(self.atlas, rig.tex_xy, dst, rig.triangles, self.colour, order, aa)
        self.alpha[:] = 0
        draw_mesh(self.alpha_atlas, rig.tex_xy, dst, rig.triangles, self.alpha, order, aa)
        coverage = self.alpha[..., 1]
        edge = (coverage > 0) & (coverage < 255)
        if edge.any():  # straight colour on the outline (it was drawn over black)
            c = self.colour[edge].astype(np.float32) * (255.0 / coverage[edge, None])
            self.colour[edge] = np.clip(c + 0.5, 0, 255).astype(np.uint8)
        return self.colour, self.alpha[..., 0]
