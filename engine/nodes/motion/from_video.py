"""Motion from a reference video: markerless capture onto the shared 2D skeleton.

Frames are decoded one at a time with PyAV (turned upright by the stream's display
rotation), tracked with the body room's pose tracker (One-Euro smoothed 33 keypoints),
and turned into bone angles plus a root path in torso lengths. Angles carry no body
proportions, so the rig replays them with the photo's own bone lengths: that is the
retargeting.

    track = motion_from_video("dancer.mp4")            # skeleton.PoseTrack
    err_deg = joint_angle_error(track, rendered_track)  # the retargeting measure
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from engine.errors import AssetError
from engine.nodes.body.track import track_video
from engine.nodes.motion.retime import resample, wrap_angle
from engine.nodes.motion.skeleton import (
    BONE_INDEX,
    MID_HIP,
    MID_SHOULDER,
    PoseTrack,
    bone_angles,
    with_midpoints,
)
from engine.nodes.output.paths import ffmpeg_file

MAX_GAP_S = 1.0  # longest stretch without the person that interpolation may bridge
MAX_SECONDS = 600.0


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about its first video stream."""

    fps: float
    width: int
    height: int
    rotation_deg: int  # counter-clockwise display rotation, a multiple of 90


def _open(path: Path) -> av.container.InputContainer:
    if not path.is_file():
        raise AssetError(f"video {path} not found", hint="check the path in the scene")
    try:
        container = av.open(ffmpeg_file(path))
    except av.FFmpegError as exc:
        raise AssetError(
            f"cannot read video {path}: {exc}", hint="use a video file ffmpeg can decode (MP4)"
        ) from None
    if not container.streams.video:
        container.close()
        raise AssetError(f"{path} has no video stream", hint="pass a video, not an audio file")
    return container


def video_info(path: str | Path) -> VideoInfo:
    """Frame rate, size and display rotation of the video's first frame."""
    path = Path(path)
    with _open(path) as container:
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate
        if not rate or float(rate) <= 0:
            raise AssetError(f"{path} has no frame rate", hint="re-encode it with a fixed rate")
        rotation = 0
        for frame in container.decode(stream):
            rotation = int(round((frame.rotation or 0) / 90.0)) * 90
            break
        return VideoInfo(float(rate), stream.width, stream.height, rotation % 360)


def iter_frames(path: str | Path, max_seconds: float = MAX_SECONDS) -> Iterator[np.ndarray]:
    """Yield the video's frames upright, one at a time: (H, W, 3) uint8 RGB.

    Frames are taken as evenly spaced at the stream's average rate; at most
    ``max_seconds`` of them are read.
    """
    path = Path(path)
    info = video_info(path)
    max_frames = int(np.ceil(max_seconds * info.fps))
    with _open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        try:
            for n, frame in enumerate(container.decode(stream)):
                if n >= max_frames:
                    break
                rgb = frame.to_ndarray(format="rgb24")
                turns = int(round((frame.rotation or 0) / 90.0)) % 4
                # np.rot90 turns counter-clockwise, as the display matrix asks.
                yield np.ascontiguousarray(np.rot90(rgb, turns)) if turns else rgb
        except av.FFmpegError as exc:
            raise AssetError(
                f"cannot decode video {path}: {exc}", hint="re-encode it (H.264 MP4)"
            ) from None


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[(start, stop)) runs of True in a 1-D bool array."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return list(zip(edges[::2], edges[1::2], strict=True))


def motion_from_keypoints(
    points: np.ndarray,
    found: np.ndarray,
    fps: float,
    *,
    max_gap_s: float = MAX_GAP_S,
    video: str = "VIDEO",
) -> PoseTrack:
    """Tracked keypoints → skeleton PoseTrack (angles + root in torso lengths).

    Args:
        points: (T, 33, 2|3) px, image convention; rows where ``found`` is False are ignored.
        found: (T,) bool, the person was tracked in that frame.
        fps: frames per second.
        max_gap_s: longest run of lost frames bridged by interpolation.
        video: name for error messages.

    Returns:
        PoseTrack with root[0] = (0, 0): the mid-hip's path from the first frame,
        divided by the median tracked torso length (mid-hip to mid-shoulder).
    """
    found = np.asarray(found, bool)
    if not found.any():
        raise AssetError(
            f"no person found in {video}",
            hint="use a video where one person is clearly visible, ideally the whole body",
        )
    lost_s = max(((b - a) / fps for a, b in _runs(~found)), default=0.0)
    if lost_s > max_gap_s:
        a, b = max(_runs(~found), key=lambda r: r[1] - r[0])
        raise AssetError(
            f"{video}: the person is lost for {lost_s:.1f} s (frames {a}-{b - 1}), "
            f"more than the {max_gap_s:g} s that can be filled in",
            hint="trim the video to where the person stays in view",
        )
    joints = with_midpoints(np.asarray(points, np.float64)[found])  # (F, N_JOINTS, 2)
    torso_px = float(
        np.median(np.linalg.norm(joints[:, MID_SHOULDER] - joints[:, MID_HIP], axis=1))
    )
    if not torso_px > 1.0:
        raise AssetError(
            f"{video}: the tracked torso is {torso_px:.1f} px long, too small to measure",
            hint="use a video where the person is larger in the frame",
        )
    t_found = np.flatnonzero(found).astype(np.float64)
    t_all = np.arange(found.size, dtype=np.float64)
    # Fill lost frames on the circle: unwrap over the found frames, interpolate, wrap.
    angles_found = np.unwrap(bone_angles(joints), axis=0)
    angles = np.stack(
        [np.interp(t_all, t_found, angles_found[:, b]) for b in range(angles_found.shape[1])],
        axis=1,
    )
    hip = np.stack([np.interp(t_all, t_found, joints[:, MID_HIP, k]) for k in range(2)], axis=1)
    root = (hip - hip[0]) / torso_px
    return PoseTrack(
        fps=float(fps), root=root.astype(np.float32), angles=wrap_angle(angles).astype(np.float32)
    )


def motion_from_video(
    path: str | Path,
    *,
    person: int = 0,
    max_seconds: float = MAX_SECONDS,
    max_gap_s: float = MAX_GAP_S,
) -> PoseTrack:
    """Capture one person's motion from a video file.

    Args:
        path: any container/codec PyAV reads.
        person: which person to follow, counted from the left where first seen.
        max_seconds: read at most this much of the video.
        max_gap_s: longest stretch without the person that is filled by interpolation.

    Raises:
        AssetError: unreadable video, nobody in it, or the person lost for too long.
    """
    path = Path(path)
    fps = video_info(path).fps
    tracked = track_video(iter_frames(path, max_seconds), fps, person=person, video=path.name)
    return motion_from_keypoints(
        tracked.points, tracked.found, fps, max_gap_s=max_gap_s, video=path.name
    )


def joint_angle_error(
    track_a: PoseTrack, track_b: PoseTrack, bones: tuple[str, ...] | None = None
) -> float:
    """Mean absolute bone-angle difference in degrees (on the circle).

    Over the frames both tracks cover (``track_b`` is resampled to ``track_a``'s rate
    when they differ) and the bones named (default all), skipping NaN angles.
    """
    if track_b.fps != track_a.fps:
        track_b = resample(track_b, track_a.fps)
    unknown = sorted(set(bones or ()) - set(BONE_INDEX))
    if unknown:
        raise AssetError(f"unknown bones {unknown}", hint=f"use names from {list(BONE_INDEX)}")
    n = min(track_a.n_frames, track_b.n_frames)
    cols = list(range(track_a.angles.shape[1])) if bones is None else [BONE_INDEX[b] for b in bones]
    diff = wrap_angle(
        track_a.angles[:n, cols].astype(np.float64) - track_b.angles[:n, cols].astype(np.float64)
    )
    diff = np.abs(diff[np.isfinite(diff)])
    if diff.size == 0:
        raise AssetError(
            "the two pose tracks share no frames or bones", hint="pass overlapping tracks"
        )
    return float(np.degrees(diff.mean()))
