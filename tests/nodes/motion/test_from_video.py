"""Motion from video, on clips made here from the astronaut photo and encoded with
libx264, so decoding is real; plus joint-angle error and retiming to beats."""

import concurrent.futures as cf
import multiprocessing
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
import skimage.data

from engine.errors import AssetError
from engine.nodes.body.track import track_video
from engine.nodes.motion.from_video import (
    iter_frames,
    joint_angle_error,
    motion_from_keypoints,
    motion_from_video,
)
from engine.nodes.motion.metrics import beat_align_score, kinematic_beats
from engine.nodes.motion.retime import fit_to_beats, resample, track_joints, wrap_angle
from engine.nodes.motion.skeleton import BONE_INDEX, N_BONES, PoseTrack

SIZE_PX, FPS = 320, 25
PIVOT_PX = np.array([160.0, 296.0])  # bottom centre of the photo: about the waist
UPPER = ("spine", "l_collar", "r_collar", "l_upper_arm", "r_upper_arm")


def _canvas() -> np.ndarray:
    """The astronaut (waist-up) 256 px on a grey 320 px square: (320, 320, 3) uint8."""
    person = cv2.resize(skimage.data.astronaut(), (256, 256), interpolation=cv2.INTER_AREA)
    canvas = np.full((SIZE_PX, SIZE_PX, 3), 200, np.uint8)
    canvas[40:296, 32:288] = person
    return canvas


def _similarity(phi_rad: float, shift_px: np.ndarray) -> np.ndarray:
    """(2, 3) map turning image angles by +phi (clockwise on screen) about the pivot."""
    c, s = np.cos(phi_rad), np.sin(phi_rad)
    rot = np.array([[c, -s], [s, c]])
    return np.hstack([rot, (PIVOT_PX + shift_px - rot @ PIVOT_PX)[:, None]])


def _encode(path: Path, frames, rotation_deg: int = 0) -> Path:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        first = next(frames)
        stream.height, stream.width = first.shape[:2]
        stream.pix_fmt, stream.options = "yuv420p", {"crf": "18"}
        if rotation_deg:
            stream.set_display_rotation(rotation_deg)
        for frame in [first, *frames]:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        container.mux(stream.encode())
    return path


def _sway_clip(path: Path, n_frames: int = 50):
    """The photo swaying +-10 degrees about the waist and sliding +-8 px: (path, phi)."""
    canvas = _canvas()
    phi = np.radians(10.0) * np.sin(2 * np.pi * np.arange(n_frames) / n_frames)
    shift = 8.0 * np.sin(2 * np.pi * np.arange(n_frames) / n_frames)

    def frames():
        for k in range(n_frames):
            m = _similarity(phi[k], np.array([shift[k], 0.0]))
            yield cv2.warpAffine(canvas, m, (SIZE_PX, SIZE_PX), borderValue=(200, 200, 200))

    return _encode(path, frames()), phi


def _fresh_process(fn, *args):
    """Run ``fn`` in a new interpreter, so the test measures the tracker alone.

    Seen in this session: after a body-rig build in the same process, encoding and
    tracking this clip gave 4.1-4.75 deg mean error, varying run to run, instead of a
    steady 3.79 deg; not root-caused (numba's spinning threads making x264's frame
    threads time differently is the leading guess).
    """
    context = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(1, mp_context=context) as pool:
        return pool.submit(fn, *args).result()


def test_tracked_angles_follow_the_known_sway(tmp_path):
    path, phi = _fresh_process(_sway_clip, tmp_path / "sway.mp4")
    track = _fresh_process(motion_from_video, path)
    assert track.n_frames == phi.size and track.fps == FPS
    assert np.allclose(track.root[0], 0)
    cols = [BONE_INDEX[b] for b in UPPER]
    turned = np.unwrap(track.angles[:, cols] - track.angles[0, cols], axis=0)  # (T, 5)
    error_deg = np.degrees(np.abs(turned - phi[:, None]))
    # Measured here: mean 3.0 deg, per bone 1.8-6.0 deg (the collars lag most).
    print(f"sway tracking error: mean {error_deg.mean():.2f} deg, per bone "
          f"{dict(zip(UPPER, error_deg.mean(0).round(2), strict=True))}")  # fmt: skip
    assert error_deg.mean() < 5.0
    slope = np.polyfit(phi, turned.mean(axis=1), 1)[0]
    assert 0.8 < slope < 1.2  # the bones turn with the photo, the right way round
    # The same measure through joint_angle_error, against the known motion.
    truth = PoseTrack(FPS, track.root, wrap_angle(track.angles[0] + phi[:, None]))
    assert joint_angle_error(track, truth, bones=UPPER) == pytest.approx(error_deg.mean(), 1e-3)


def test_still_clip_gives_steady_angles(tmp_path):
    rng = np.random.default_rng(4)
    base = _canvas().astype(np.int16)

    def frames():  # fresh sensor noise each frame, no motion
        for _ in range(25):
            yield np.clip(base + rng.normal(0, 5, base.shape), 0, 255).astype(np.uint8)

    path = _encode(tmp_path / "still.mp4", frames())
    tracked = track_video(iter_frames(path), FPS)
    cols = [BONE_INDEX[b] for b in UPPER]
    jitter_deg = {}
    for name, points in (("raw", tracked.raw_points), ("smoothed", tracked.points)):
        angles = motion_from_keypoints(points, tracked.found, FPS).angles[:, cols]
        jitter_deg[name] = np.degrees(np.abs(wrap_angle(np.diff(angles, axis=0)))).mean()
    track = _fresh_process(motion_from_video, path)
    drift_deg = np.degrees(np.abs(wrap_angle(track.angles[:, cols] - track.angles[0, cols]))).max()
    # Measured here: 1.83 deg/frame raw, 0.74 smoothed; drift 4.8 deg at worst.
    print(f"still clip: jitter {jitter_deg} deg/frame, drift {drift_deg:.2f} deg")
    assert jitter_deg["smoothed"] < 0.6 * jitter_deg["raw"] and jitter_deg["smoothed"] < 1.2
    # 4.8 deg measured alone; 9.3 once in a full CI run on a loaded machine.
    assert drift_deg < 12.0
    # The hips are below the photo's edge (guessed by the model): the root wanders a
    # little: 0.07 torso at worst with B-frames in the test clip, 0.105 since segments
    # are encoded without them (the same noise, coded differently). A waist-up rig
    # ignores the root, so this only guards against runaway drift.
    assert np.abs(track.root).max() < 0.15


def test_display_rotation_is_applied(tmp_path):
    # Stored sideways (turned clockwise), flagged to be shown turned back.
    sideways = np.ascontiguousarray(np.rot90(_canvas(), -1))
    path = _encode(tmp_path / "phone.mp4", iter([sideways] * 3), rotation_deg=90)
    frames = list(iter_frames(path))
    assert len(frames) == 3
    diff = np.abs(frames[0].astype(int) - _canvas().astype(int)).mean()
    assert diff < 4.0  # upright again, up to compression
    spine = np.degrees(motion_from_video(path).angles[:, BONE_INDEX["spine"]])
    assert np.all(np.abs(spine + 90) < 15)  # spine points up the image


def test_no_person_and_bad_files_are_refused(tmp_path):
    flat = _encode(tmp_path / "wall.mp4", iter([np.full((64, 64, 3), 90, np.uint8)] * 4))
    with pytest.raises(AssetError, match="no person found in wall.mp4") as err:
        motion_from_video(flat)
    assert err.value.hint
    with pytest.raises(AssetError, match="not found"):
        motion_from_video(tmp_path / "nope.mp4")
    (tmp_path / "junk.mp4").write_bytes(b"not a video at all" * 10)
    with pytest.raises(AssetError, match="cannot read video"):
        motion_from_video(tmp_path / "junk.mp4")


def _points(n_frames: int, spine_deg: np.ndarray) -> np.ndarray:
    """(T, 33, 3) keypoints of a stick figure whose torso leans by spine_deg."""
    pts = np.zeros((n_frames, 33, 3))
    rad = np.radians(spine_deg)
    for t in range(n_frames):
        hip = np.array([100.0 + t, 200.0])
        up = 50.0 * np.array([np.cos(rad[t]), np.sin(rad[t])])
        pts[t, 23, :2], pts[t, 24, :2] = hip + [10, 0], hip - [10, 0]
        pts[t, 11, :2], pts[t, 12, :2] = hip + up + [15, 0], hip + up - [15, 0]
        pts[t, :, :2] += np.arange(33)[:, None] * 0.01  # keep every bone non-zero
    return pts


def test_lost_frames_are_interpolated_and_long_gaps_refused():
    spine_deg = np.linspace(-100, -80, 11)
    found = np.ones(11, bool)
    found[4:7] = False  # 3 frames lost at 25 fps
    pts = _points(11, spine_deg)
    pts[~found] = np.nan
    track = motion_from_keypoints(pts, found, 25.0)
    got = np.degrees(track.angles[:, BONE_INDEX["spine"]])
    assert np.abs(got - spine_deg).max() < 0.5
    assert track.root[5, 0] == pytest.approx(5 / 50.0, abs=0.01)  # 1 px a frame, 50 px torso
    found_long = np.ones(40, bool)
    found_long[5:35] = False  # 1.2 s
    with pytest.raises(AssetError, match=r"lost for 1\.2 s \(frames 5-34\)"):
        motion_from_keypoints(_points(40, np.full(40, -90.0)), found_long, 25.0)


def test_joint_angle_error_is_circular_and_in_degrees():
    rng = np.random.default_rng(0)
    angles = rng.uniform(-np.pi, np.pi, (10, N_BONES)).astype(np.float32)
    angles[:, 0] = np.pi - 0.01  # crosses +-pi when shifted
    a = PoseTrack(25.0, np.zeros((10, 2), np.float32), angles)
    b = PoseTrack(25.0, a.root, wrap_angle(angles + np.radians(5.0)).astype(np.float32))
    assert joint_angle_error(a, b) == pytest.approx(5.0, abs=1e-3)
    b_slow = resample(b, 50.0)  # other frame rates are compared on a's frames
    assert joint_angle_error(a, b_slow) == pytest.approx(5.0, abs=1e-2)


def test_resample_interpolates_on_the_circle():
    angles = np.zeros((3, N_BONES), np.float32)
    angles[:, 0] = [3.0, -3.0, -2.9]  # crossing pi between frames 0 and 1
    track = PoseTrack(10.0, np.zeros((3, 2), np.float32), angles)
    fine = resample(track, 20.0)
    assert fine.n_frames == 5
    assert abs(wrap_angle(fine.angles[1, 0] - np.pi)) < 1e-3  # half way = pi, not 0


def _pulse_track(period_s: float, seconds: float, fps: float = 50.0) -> PoseTrack:
    """Arms swinging with accents (stops) every period_s: a jerky, rhythmic motion."""
    t = np.arange(int(seconds * fps)) / fps
    phase = (t / period_s) % 1.0
    swing = np.sin(np.pi * phase) ** 2 * np.sign(np.sin(np.pi * t / period_s))
    angles = np.tile(np.radians([-90, -90, 0, 180, 60, 60, 120, 120, 0, 180, 90, 90, 0, 90, 90,
                                 180]), (t.size, 1))  # fmt: skip
    for name in ("l_upper_arm", "l_forearm", "r_upper_arm", "r_forearm"):
        angles[:, BONE_INDEX[name]] += 0.8 * swing
    return PoseTrack(fps, np.zeros((t.size, 2), np.float32), angles.astype(np.float32))


def test_fit_to_beats_puts_accents_on_the_music():
    track = _pulse_track(period_s=0.6, seconds=8.0)  # 100 accents a minute
    beats = 0.25 + np.arange(20) * 0.5  # music at 120 bpm, first beat at 0.25 s
    before = beat_align_score(track_joints(track), track.fps, beats)
    fitted = fit_to_beats(track, beats, fps=25.0)
    after = beat_align_score(track_joints(fitted), fitted.fps, beats)
    print(f"beat align score: {before:.2f} before, {after:.2f} after fit_to_beats")
    assert fitted.fps == 25.0 and after > 0.8 and after > before + 0.3
    accents = kinematic_beats(track_joints(fitted), fitted.fps)
    inside = beats[beats < (fitted.n_frames - 1) / fitted.fps]
    miss_s = np.abs(inside[:, None] - accents[None, :]).min(axis=1)
    assert inside.size >= 10 and np.median(miss_s) < 0.03
