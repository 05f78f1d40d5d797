"""Choose one person in a photo and say how much of their body it shows.

A scene names a character's photo and, when several people are in it, which one
(``person: N``, counted from the left, leftmost = 0). Dance moves need legs: a photo
cropped at the waist can only do upper-body moves (``body: {mode: upper}``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import numpy as np

from engine.errors import AssetError
from engine.nodes.body.pose import KEYPOINT, Pose, detect_people, pose_landmarks

MIN_VISIBILITY = 0.5
MIN_PRESENCE = 0.5
BODY_MODES = ("full", "upper")
MIN_CHEST_FRAC = 0.5  # upper: at least this many shoulder widths of body below the shoulders
LEG_DROP_FRAC = 0.4  # standing: knees below the hips, ankles below the knees, by this
P = TypeVar("P")


def choose_person(people: Sequence[P], index: int = 0, photo: str = "PHOTO") -> P:
    """The ``index``-th person from the left of a list of people (``detect_people``'s
    boxes, ``people.find_people``'s people).

    Raises:
        AssetError: nobody in the photo, or ``index`` beyond the people found.
    """
    if not people:
        raise AssetError(
            f"no person found in {photo}",
            hint="use a photo where one person is clearly visible, at least head and "
            "shoulders, facing the camera and not too small",
        )
    if not 0 <= index < len(people):
        raise AssetError(
            f"{photo} shows {len(people)} {'person' if len(people) == 1 else 'people'}, "
            f"so there is no person: {index}",
            hint=f"choose person: 0 to {len(people) - 1} (counted from the left, leftmost = 0)",
        )
    return people[index]


def person_pose(image: np.ndarray, index: int = 0, photo: str = "PHOTO") -> Pose:
    """Detect the people in ``image``, choose one and read their pose and mask.

    Args:
        image: (H, W, 3) uint8 RGB, or (H, W) greyscale.
        index: which person, counted from the left (leftmost = 0).
        photo: the photo's name for error messages.

    Raises:
        AssetError: no person, no such person, or the pose model sees nobody there.
    """
    person = choose_person(detect_people(image), index, photo)
    pose = pose_landmarks(image, person)
    if pose.presence < MIN_PRESENCE:
        raise AssetError(
            f"no person found in {photo} (the pose model is unsure: presence {pose.presence:.2f})",
            hint="use a sharper photo with the person larger in the frame",
        )
    return pose


def find_person(
    image: np.ndarray, index: int = 0, photo: str = "PHOTO"
) -> tuple[Pose, np.ndarray, np.ndarray]:
    """Everyone in ``image`` found (``people.find_people``), the ``index``-th from the
    left chosen, with only their own pixels.

    Returns:
        (pose, its mask cut to the person's own pixels; others (H, W) float32, the
        other people's masks; front (H, W) bool, the people in front of this one).

    Raises:
        AssetError: nobody in the photo, or no such person.
    """
    from engine.nodes.body.people import find_people, partition

    people = find_people(image)
    choose_person(people, index, photo)
    return partition(people, index)


def _inside(pose: Pose, name: str) -> bool:
    """Keypoint ``name`` lies inside the photo."""
    x, y = pose.points[KEYPOINT[name], :2]
    h, w = pose.image_hw
    return bool(0 <= x <= w - 1 and 0 <= y <= h - 1)


def _seen(pose: Pose, name: str) -> bool:
    """Keypoint ``name`` is inside the photo and visible (not hidden or guessed)."""
    return _inside(pose, name) and bool(pose.visibility[KEYPOINT[name]] >= MIN_VISIBILITY)


def _standing(pose: Pose) -> bool:
    """Knees well below the hips and ankles well below the knees (``LEG_DROP_FRAC`` of
    the torso each): legs that can step. A seated person's thighs run level and their
    feet hide under a table; those legs stay."""
    y = {name: float(pose.xy(name)[1]) for name in KEYPOINT if "hip" in name or "knee" in name}
    y |= {name: float(pose.xy(name)[1]) for name in ("left_ankle", "right_ankle")}
    shoulders = (pose.xy("left_shoulder") + pose.xy("right_shoulder")) / 2
    hips = (pose.xy("left_hip") + pose.xy("right_hip")) / 2
    torso = float(np.linalg.norm(shoulders - hips))
    knees = (y["left_knee"] + y["right_knee"]) / 2
    ankles = (y["left_ankle"] + y["right_ankle"]) / 2
    drop = LEG_DROP_FRAC * torso
    return knees - float(hips[1]) > drop and ankles - knees > drop


def body_extent(pose: Pose, photo: str = "PHOTO") -> str:
    """How much of the body the photo shows: "full" or "upper".

    "full": both ankles inside the photo, at least one of them visible (the other
    may be hidden behind a leg), and the person standing (``_standing``). "upper": both
    shoulders visible, with at least ``MIN_CHEST_FRAC`` shoulder widths of body below
    them, but not the full body (cropped at the chest, waist, hips, knees or shins, or
    seated).

    Raises:
        AssetError: not even both shoulders are visible, or the photo ends just below
            them (a close-up cut at the shoulders).
    """
    ankles_inside = [_inside(pose, a) for a in ("left_ankle", "right_ankle")]
    ankles_seen = [_seen(pose, a) for a in ("left_ankle", "right_ankle")]
    if all(ankles_inside) and any(ankles_seen) and _standing(pose):
        return "full"
    if _seen(pose, "left_shoulder") and _seen(pose, "right_shoulder"):
        shoulders = np.stack([pose.xy("left_shoulder"), pose.xy("right_shoulder")])
        width = float(np.linalg.norm(shoulders[0] - shoulders[1]))
        below = pose.image_hw[0] - 1 - float(shoulders[:, 1].max())
        if below < MIN_CHEST_FRAC * width:
            raise AssetError(
                f"{photo} shows the person only down to the shoulders: a dancer needs "
                "the chest below them in the photo",
                hint="use a photo showing at least the head, the shoulders and the chest",
            )
        return "upper"
    raise AssetError(
        f"{photo} does not show enough of the person: both shoulders must be visible",
        hint="use a photo showing at least the head and both shoulders",
    )


def check_body_mode(pose: Pose, mode: str, photo: str = "PHOTO") -> str:
    """Check that the photo supports body mode ``mode`` ("full" or "upper").

    Returns:
        The photo's extent, ``body_extent(pose)``.

    Raises:
        AssetError: "full" asked of a photo cropped at the waist (the message names
            ``body: {mode: upper}``), or an unknown mode.
    """
    if mode not in BODY_MODES:
        raise AssetError(
            f"unknown body mode {mode!r}",
            hint="use body: {mode: full} or body: {mode: upper}",
        )
    extent = body_extent(pose, photo)
    if mode == "full" and extent != "full":
        feet_in = all(_inside(pose, a) for a in ("left_ankle", "right_ankle"))
        what = (
            "seated (the legs are not free to step)"
            if feet_in and any(_seen(pose, a) for a in ("left_ankle", "right_ankle"))
            else "only from the waist up (the feet are not in the photo)"
        )
        raise AssetError(
            f"{photo} shows the person {what}, so full-body moves cannot be shown",
            hint="use body: {mode: upper} for upper-body moves, or a photo that shows "
            "the whole body down to the feet",
        )
    return extent
