"""Everyone in a photo: the pose detector run until nobody new turns up.

BlazePose's detector sees the photo letterboxed into 224x224 and keeps a handful of
boxes; in a group photo it finds one or two people and misses the rest (small,
overlapped, cut by the frame). ``find_people`` therefore looks three ways and keeps
whoever the landmark model confirms:

1. the whole photo;
2. overlapping windows (halves, and a 3x3 grid of windows half the photo's size), each
   letterboxed on its own, so a person fills more of the detector's input;
3. masked copies: the people found so far painted out (their masks, grown, filled with
   the photo's mean colour), and the photo and windows searched again, until a round
   finds nobody new (at most ``MAX_ROUNDS``).

Each candidate's pose is read from the full photo (its crop); it is kept when the
model is present (>= ``MIN_PRESENCE``), sees both shoulders, is of a plausible size
(shoulders narrower than ``MAX_SHOULDER_FRAC`` of the photo), reads the same again from
the crop its own keypoints give (a pose read off a stray crop, from pieces of several
people, moves away: ``STABLE_FRAC``), and is not someone already found (shoulders
within ``SAME_PERSON_FRAC`` of a shoulder width, or masks of which more than
``SAME_MASK_SHARE`` of the smaller lies in the other; the surer pose is kept). People
are returned left to right.

``partition`` then gives every pixel to one person at most: a pixel two people's masks
both claim goes to the one whose mask is surer there, and that person is in front.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from engine.nodes.body.image import as_rgb
from engine.nodes.body.pose import (
    KEYPOINT,
    PersonBox,
    Pose,
    detect_people,
    pose_landmarks,
    roi_from_pose,
)
from engine.nodes.body.roi import Roi

MIN_PRESENCE = 0.5
MIN_SHOULDER_VISIBILITY = 0.5
SAME_PERSON_FRAC = 0.35
SAME_MASK_SHARE = 0.5
MAX_SHOULDER_FRAC = 1.0
STABLE_FRAC = 0.25  # keypoints may move this many shoulder widths when read again
TWIN_MARGIN = 0.2  # a later view of the same person replaces the first only if this surer
MAX_ROUNDS = 3
MAX_PEOPLE = 12
PAINT_GROW_FRAC = 0.02  # painted-out masks grown by this share of the photo's long side
FRONT_SHARE = 0.5  # a person whose mask wins this share of an overlap is in front


def _windows(h: int, w: int) -> list[tuple[int, int, int, int]]:
    """(x0, y0, x1, y1) windows: the two halves along the long side, and a 3x3 grid of
    half-size windows."""
    out = []
    if w >= h:
        out += [(0, 0, w // 2 + w // 8, h), (w // 2 - w // 8, 0, w, h)]
    else:
        out += [(0, 0, w, h // 2 + h // 8), (0, h // 2 - h // 8, w, h)]
    ww, wh = w // 2, h // 2
    for j in range(3):
        for i in range(3):
            x0, y0 = round(i * (w - ww) / 2), round(j * (h - wh) / 2)
            out.append((x0, y0, x0 + ww, y0 + wh))
    return out


def _shift(person: PersonBox, x0: int, y0: int) -> PersonBox:
    """A person found in a window, in the full photo's pixels."""
    d = np.array([x0, y0], np.float32)
    roi = person.roi
    return PersonBox(
        score=person.score,
        face_box_px=person.face_box_px + np.tile(d, 2),
        keypoints_px=person.keypoints_px + d,
        roi=Roi(roi.cx_px + x0, roi.cy_px + y0, roi.size_px, roi.angle_rad),
    )


def _candidates(rgb: np.ndarray) -> list[PersonBox]:
    h, w = rgb.shape[:2]
    found = list(detect_people(rgb))
    for x0, y0, x1, y1 in _windows(h, w):
        found += [_shift(p, x0, y0) for p in detect_people(rgb[y0:y1, x0:x1])]
    return found


def _shoulders(pose: Pose) -> np.ndarray:
    return pose.points[[KEYPOINT["left_shoulder"], KEYPOINT["right_shoulder"]], :2]


STABLE_POINTS = [KEYPOINT[n] for n in ("nose", "left_shoulder", "right_shoulder")]


def _confirmed(rgb: np.ndarray, pose: Pose) -> bool:
    vis = pose.visibility[[KEYPOINT["left_shoulder"], KEYPOINT["right_shoulder"]]]
    if pose.presence < MIN_PRESENCE or not bool((vis >= MIN_SHOULDER_VISIBILITY).all()):
        return False
    sh = _shoulders(pose)
    width = float(np.linalg.norm(sh[0] - sh[1]))
    if not 1.0 < width < MAX_SHOULDER_FRAC * max(pose.image_hw):
        return False
    again = pose_landmarks(rgb, roi_from_pose(pose), with_mask=False)
    if again.presence < MIN_PRESENCE:
        return False
    moved = np.linalg.norm(again.points[STABLE_POINTS, :2] - pose.points[STABLE_POINTS, :2], axis=1)
    return float(moved.max()) < STABLE_FRAC * width


def _same(a: Pose, b: Pose) -> bool:
    sa, sb = _shoulders(a), _shoulders(b)
    width = max(float(np.linalg.norm(sa[0] - sa[1])), float(np.linalg.norm(sb[0] - sb[1])), 1.0)
    if np.linalg.norm(sa - sb, axis=1).max() < SAME_PERSON_FRAC * width:
        return True
    if a.mask is not None and b.mask is not None:
        ma, mb = a.mask > 0.5, b.mask > 0.5
        smaller = min(ma.sum(), mb.sum())
        if smaller and (ma & mb).sum() / smaller > SAME_MASK_SHARE:
            return True
    return False


def _painted(rgb: np.ndarray, people: list[Pose]) -> np.ndarray:
    """The photo with ``people`` painted out in its mean colour (masks grown)."""
    h, w = rgb.shape[:2]
    covered = np.zeros((h, w), np.uint8)
    for p in people:
        covered |= (p.mask > 0.3).astype(np.uint8)
    grow = max(1, round(PAINT_GROW_FRAC * max(h, w)))
    covered = cv2.dilate(covered, np.ones((2 * grow + 1,) * 2, np.uint8)) > 0
    out = rgb.copy()
    out[covered] = rgb.reshape(-1, 3).mean(axis=0).astype(np.uint8)
    return out


def person_key(pose: Pose) -> float:
    """Left-to-right order: the hips' centre, or the shoulders' when the hips are
    not in the photo."""
    hips = pose.points[[KEYPOINT["left_hip"], KEYPOINT["right_hip"]], 0].mean()
    w = pose.image_hw[1]
    if 0 <= hips < w:
        return float(hips)
    return float(_shoulders(pose)[:, 0].mean())


def find_people(image: np.ndarray) -> list[Pose]:
    """Every person the pose models confirm in ``image``, left to right, with masks.

    Args:
        image: (H, W, 3) uint8 RGB, or (H, W) greyscale.

    Returns:
        ``Pose`` per person (mask of the photo's size, not yet partitioned), ordered by
        ``person_key``.
    """
    rgb = as_rgb(image)
    people: list[Pose] = []
    search = rgb
    for _ in range(MAX_ROUNDS):
        new = []
        for box in _candidates(search):
            if len(people) + len(new) >= MAX_PEOPLE:
                break
            pose = pose_landmarks(rgb, box)
            if any(_same(pose, p) for p in people) or not _confirmed(rgb, pose):
                continue
            twin = next((k for k, p in enumerate(new) if _same(pose, p)), None)
            if twin is None:
                new.append(pose)
            elif pose.presence > new[twin].presence + TWIN_MARGIN:  # first found: widest view
                new[twin] = pose
        if not new:
            break
        people += new
        search = _painted(rgb, people)
    return sorted(people, key=person_key)


def partition(people: list[Pose], index: int) -> tuple[Pose, np.ndarray, np.ndarray]:
    """Person ``index`` with only the pixels that are theirs, and the others.

    Returns:
        (pose with its mask cut to its own pixels, others (H, W) float32: the largest
        other mask at each pixel, front (H, W) bool: the pixels of the people in front
        of this one, whose masks win most of where they overlap it).
    """
    me = people[index]
    h, w = me.image_hw
    others = np.zeros((h, w), np.float32)
    front = np.zeros((h, w), bool)
    mine = me.mask > 0.5
    for k, p in enumerate(people):
        if k == index:
            continue
        others = np.maximum(others, p.mask)
        theirs = p.mask > 0.5
        overlap = mine & theirs
        if overlap.sum() and (p.mask[overlap] > me.mask[overlap]).mean() >= FRONT_SHARE:
            front |= theirs
    own = np.where(me.mask >= others, me.mask, 0.0).astype(np.float32)
    return replace(me, mask=own), others, front
