"""Listeners on a stage turn toward whoever speaks.

While one performer speaks or sings, the others with a face turn their head (yaw)
and eyes toward the speaker's side of the stage: eased in over ``ATTACK_S`` after
the line starts, held, and back to where they were over ``RELEASE_S`` after it
ends. Near the end of a line the speaker glances at the nearest listener. An
explicit ``look`` of a performer wins over their automatic turn while it lasts.
A performer who only dances turns their eyes alone (the body rig turns their head:
``turn_controls(head=False)``). Whoever is off the stage (before their entrance,
after their exit) is not glanced at.

The turn is worked out on the stage (who stands left of whom, as placed) and
given to each face in its own photo's terms: a mirrored performer's layer is
drawn flipped, so their controls turn the other way. It adds to the face
controls the script already made (``talking.character_controls``), the head's
own motion included, and keeps the yaw within ``SAFE_YAW_DEG``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.nodes.animate.controls import SLOT

ATTACK_S = 0.3  # a listener turns toward the speaker over this after the line starts
RELEASE_S = 0.5  # and back over this after it ends
TURN_YAW_DEG = 9.0  # the head's turn toward the speaker (controls: + = image right)
TURN_GAZE = 0.55  # the eyes' (gaze_x, share of their travel)
GLANCE_S = 0.7  # the speaker's glance at a listener over the end of a line
GLANCE_SHARE = 0.5  # as a share of a listener's turn
LOOK_EASE_S = 0.12  # an explicit look takes over (and gives back) this fast
SAFE_YAW_DEG = 12.0  # the head never turns further (the rig turns a flat photo)
MIN_DX_FACES = 0.5  # nobody turns toward a speaker closer than this many face widths


def envelope(t: np.ndarray, start_s: float, end_s: float, attack_s: float, release_s: float):
    """0..1 over ``t``: smoothstep up over ``attack_s`` from ``start_s``, 1 until ``end_s``,
    down over ``release_s`` after it."""
    up = np.clip((t - start_s) / max(attack_s, 1e-6), 0, 1)
    down = np.clip((end_s + release_s - t) / max(release_s, 1e-6), 0, 1)
    x = np.minimum(up, down)
    return x * x * (3 - 2 * x)


@dataclass(frozen=True)
class Stander:
    """What a performer's turn needs: their face's centre x on the stage (px), its width
    (px), whether their layer is drawn mirrored, whether they have a face to turn, and
    when they are on the stage ((start_s, end_s); None: all the shot)."""

    face_x: float
    face_w: float
    mirror: bool
    face: bool
    on: tuple[float, float] | None = None

    def there(self, t_s: float) -> bool:
        return self.on is None or self.on[0] <= t_s < self.on[1]


def turn_tracks(
    standers: list[Stander],
    lines: list[tuple[float, float, int]],
    looks: list[list[tuple[float, float]]],
    n_frames: int,
    fps: float,
) -> list[np.ndarray]:
    """(n_frames,) float in -1..1 per performer: how far they turn toward the stage's
    right (+) or left (-) on each frame, 0 for those without a face.

    lines: (start_s, end_s, speaker index) of every line spoken or sung in the shot;
    looks: per performer, the (start_s, end_s) of their explicit ``look`` actions.
    """
    t = np.arange(n_frames) / fps
    out = [np.zeros(n_frames) for _ in standers]
    for start_s, end_s, k in lines:
        speaker = standers[k]
        nearest = None
        for j, listener in enumerate(standers):
            if j == k or not listener.face:
                continue
            dx = speaker.face_x - listener.face_x
            if abs(dx) < MIN_DX_FACES * max(listener.face_w, speaker.face_w):
                continue
            out[j] += np.sign(dx) * envelope(t, start_s, end_s, ATTACK_S, RELEASE_S)
            if not listener.there(max(start_s, end_s - GLANCE_S)):
                continue  # not there to be glanced at
            if nearest is None or abs(dx) < abs(nearest):
                nearest = dx
        if speaker.face and nearest is not None:  # the speaker glances back at the end
            glance_from = max(start_s, end_s - GLANCE_S)
            glance = envelope(t, glance_from, end_s, 0.4 * GLANCE_S, RELEASE_S)
            out[k] -= np.sign(nearest) * GLANCE_SHARE * glance
    for j, spans in enumerate(looks):
        if spans:
            taken = np.max([envelope(t, a, b, LOOK_EASE_S, LOOK_EASE_S) for a, b in spans], 0)
            out[j] *= 1.0 - taken
    return [np.clip(track, -1.0, 1.0) for track in out]


def turn_controls(
    controls: np.ndarray, turn: np.ndarray, mirror: bool, head: bool = True
) -> np.ndarray:
    """``controls`` (n, C) with a stage turn (n,) added: head yaw by ``TURN_YAW_DEG``
    (within ``SAFE_YAW_DEG``; not with ``head`` False: a dancer's head is the body
    rig's) and the eyes moved toward ``TURN_GAZE``; both flipped for a mirrored layer.
    Unchanged (the same array) when there is no turn."""
    if not np.any(turn):
        return controls
    sign = -1.0 if mirror else 1.0
    out = controls.copy()
    yaw, gaze = SLOT["yaw"], SLOT["gaze_x"]
    if head:
        turned = out[:, yaw] + sign * TURN_YAW_DEG * turn
        out[:, yaw] = np.clip(turned, -SAFE_YAW_DEG, SAFE_YAW_DEG)
    weight = np.abs(turn)
    out[:, gaze] = out[:, gaze] * (1.0 - weight) + sign * TURN_GAZE * turn
    return out


def turn_record(names: list[str], turns: list[np.ndarray], fps: float) -> list[dict]:
    """For the provenance: each span (shot seconds) in which a performer is turned at
    least half way toward one side of the stage, with the most head yaw it reaches
    there (degrees on the stage, before the head's own motion)."""
    out = []
    for name, turn in zip(names, turns, strict=True):
        side = np.where(turn > 0.5, 1, np.where(turn < -0.5, -1, 0))
        i = 0
        while i < len(side):
            if side[i] == 0:
                i += 1
                continue
            j = i
            while j < len(side) and side[j] == side[i]:
                j += 1
            out.append(
                {
                    "who": name,
                    "toward": "right" if side[i] > 0 else "left",
                    "start_s": round(i / fps, 3),
                    "end_s": round(j / fps, 3),
                    "yaw_deg": round(float(TURN_YAW_DEG * np.abs(turn[i:j]).max()), 2),
                }
            )
            i = j
    return out
