"""Pose over a video: crop tracking, re-detection and One-Euro smoothing.

The detector runs only when needed: each frame's crop comes from the previous frame's
auxiliary keypoints (hip centre and scale point), and the detector runs again when the
landmark model's presence score drops (the person left the crop or the frame).
Keypoints are then smoothed with a One-Euro filter whose speed is measured in body
sizes per second, so one set of parameters suits people near and far.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from engine.errors import AssetError
from engine.nodes.body.one_euro import OneEuroFilter
from engine.nodes.body.pose import N_KEYPOINTS, Pose, detect_people, pose_landmarks, roi_from_pose
from engine.nodes.body.roi import Roi
from engine.nodes.body.select import choose_person

MIN_PRESENCE = 0.5
VISIBILITY_ALPHA = 0.3  # EMA weight of the newest visibility: keeps limbs from flickering


@dataclass(frozen=True)
class PoseTrack:
    """One person's pose over a video.

    Attributes:
        points: (T, 33, 3) float32 px, smoothed (x, y, relative z); NaN where nobody
            was found.
        raw_points: (T, 33, 3) float32 px, as the model gave them, NaN likewise.
        visibility: (T, 33) float32 in [0, 1], lightly smoothed; 0 where nobody.
        presence: (T,) float32 in [0, 1], the landmark model's score; 0 where nobody.
        found: (T,) bool, a person was tracked in that frame.
        fps: frames per second of the video.
        image_hw: (height, width) of the frames in pixels.
    """

    points: np.ndarray
    raw_points: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    found: np.ndarray
    fps: float
    image_hw: tuple[int, int]

    @property
    def n_frames(self) -> int:
        return int(self.points.shape[0])


def _body_size_px(pose: Pose) -> float:
    """Mean of the width and height of the keypoints' bounding box (the speed unit)."""
    xy = pose.points[:, :2]
    extent = xy.max(0) - xy.min(0)
    return float(max(extent.mean(), 1.0))


def _find(frame: np.ndarray, person: int, near_px: np.ndarray | None, video: str) -> Pose | None:
    """Detect people in ``frame`` and read the pose of the one to track, or None.

    The first time, ``person`` picks by position from the left; after that, the person
    whose hip centre is nearest the last known one (``near_px``).
    """
    people = detect_people(frame)
    if not people:
        return None
    if near_px is None:
        chosen = choose_person(people, person, video)
    else:
        chosen = min(people, key=lambda p: float(np.linalg.norm(p.hip_centre_px - near_px)))
    pose = pose_landmarks(frame, chosen, with_mask=False)
    return pose if pose.presence >= MIN_PRESENCE else None


def track_video(
    frames: Iterable[np.ndarray],
    fps: float,
    *,
    person: int = 0,
    min_cutoff: float = 0.1,
    beta: float = 40.0,
    d_cutoff: float = 1.0,
    video: str = "VIDEO",
) -> PoseTrack:
    """Track one person's 33 keypoints through ``frames`` and smooth them.

    Args:
        frames: (H, W, 3) uint8 RGB (or (H, W) greyscale) frames, all the same size.
        fps: frames per second, > 0.
        person: which person to follow, counted from the left in the first frame
            where anyone is found (leftmost = 0).
        min_cutoff: One-Euro cut-off of a still keypoint, Hz.
        beta: One-Euro speed gain, per (body sizes per second).
        d_cutoff: One-Euro cut-off of the speed estimate, Hz.
        video: the video's name for error messages.

    Returns:
        A ``PoseTrack`` with one entry per frame.

    Raises:
        AssetError: no frames, or nobody found in any frame.
    """
    if not fps > 0:
        raise AssetError(f"{video}: frame rate must be positive, got {fps}", hint="check fps")
    filt = OneEuroFilter(min_cutoff, beta, d_cutoff)
    raw, smooth, vis, pres, found = [], [], [], [], []
    roi: Roi | None = None
    last_hip_px: np.ndarray | None = None
    image_hw: tuple[int, int] | None = None
    visibility = np.zeros(N_KEYPOINTS, np.float32)
    for t, frame in enumerate(frames):
        image_hw = image_hw or (frame.shape[0], frame.shape[1])
        pose = None
        if roi is not None:
            pose = pose_landmarks(frame, roi, with_mask=False)
            if pose.presence < MIN_PRESENCE:
                pose = None
        if pose is None:  # first frame, or the track was lost: detect afresh
            pose = _find(frame, person, last_hip_px, video)
        if pose is None:
            roi = None
            filt.reset()  # do not smooth across a gap
            visibility = np.zeros(N_KEYPOINTS, np.float32)
            raw.append(np.full((N_KEYPOINTS, 3), np.nan, np.float32))
            smooth.append(raw[-1])
            vis.append(visibility)
            pres.append(0.0)
            found.append(False)
            continue
        roi = roi_from_pose(pose)
        last_hip_px = pose.aux_px[0]
        smoothed = filt(pose.points, t / fps, value_scale=1.0 / _body_size_px(pose))
        was_found = bool(found and found[-1])
        visibility = (
            VISIBILITY_ALPHA * pose.visibility + (1 - VISIBILITY_ALPHA) * visibility
            if was_found
            else pose.visibility
        )
        raw.append(pose.points)
        smooth.append(smoothed.astype(np.float32))
        vis.append(visibility.astype(np.float32))
        pres.append(pose.presence)
        found.append(True)
    if not found:
        raise AssetError(f"{video} has no frames", hint="check the video file decodes")
    if not any(found):
        raise AssetError(
            f"no person found in {video}",
            hint="use a video where one person is clearly visible, ideally the whole body",
        )
    return PoseTrack(
        points=np.stack(smooth),
        raw_points=np.stack(raw),
        visibility=np.stack(vis),
        presence=np.asarray(pres, np.float32),
        found=np.asarray(found),
        fps=float(fps),
        image_hw=image_hw,
    )
