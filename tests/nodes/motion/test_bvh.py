import os
import re
import subprocess
import sys
import warnings

import numpy as np
import pybvh
import pytest

from engine.errors import AssetError
from engine.nodes.motion import bvh_parse
from engine.nodes.motion.bvh import bvh_positions, export_bvh, import_bvh, read_bvh
from engine.nodes.motion.retime import wrap_angle
from engine.nodes.motion.skeleton import BONE_INDEX, N_BONES, PoseTrack
from engine.spec import media


def _random_track(n_frames: int = 90, fps: float = 60.0, seed: int = 0) -> PoseTrack:
    """A wandering motion with every bone anywhere on the circle."""
    rng = np.random.default_rng(seed)
    angles = np.cumsum(rng.normal(0, 0.1, (n_frames, N_BONES)), 0)
    angles += rng.uniform(-np.pi, np.pi, N_BONES)
    root = np.cumsum(rng.normal(0, 0.02, (n_frames, 2)), 0)
    return PoseTrack(fps, root.astype(np.float32), wrap_angle(angles).astype(np.float32))


def test_round_trip_export_import_is_exact(tmp_path):
    track = _random_track()
    export_bvh(track, tmp_path / "dance.bvh")
    back = import_bvh(tmp_path / "dance.bvh", origin="rest")
    assert back.n_frames == track.n_frames
    assert back.fps == pytest.approx(track.fps, rel=1e-8)
    assert np.abs(wrap_angle(back.angles - track.angles)).max() < 1e-4
    assert np.abs(back.root - track.root).max() < 1e-4
    # Default origin: the path from frame 0.
    first = import_bvh(tmp_path / "dance.bvh")
    assert np.abs(first.root - (track.root - track.root[0])).max() < 1e-4


def test_other_proportions_keep_the_angles(tmp_path):
    track = _random_track(n_frames=20, fps=25.0, seed=1)
    lengths = np.random.default_rng(2).uniform(0.2, 1.5, N_BONES)
    export_bvh(track, tmp_path / "long.bvh", lengths=lengths, units_per_torso=1.0)
    back = import_bvh(tmp_path / "long.bvh", origin="rest")
    assert np.abs(wrap_angle(back.angles - track.angles)).max() < 1e-4
    assert np.abs(back.root - track.root).max() < 1e-4


def test_exported_file_loads_in_pybvh_with_the_same_joint_positions(tmp_path):
    track = _random_track(n_frames=30)
    export_bvh(track, tmp_path / "dance.bvh")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # pybvh must not complain about the file
        theirs = pybvh.read_bvh_file(tmp_path / "dance.bvh", world_up="+y")
    ours = read_bvh(tmp_path / "dance.bvh")
    assert theirs.frame_count == 30 and theirs.fps == pytest.approx(60.0)
    assert [j.name for j in ours.joints if not j.end_site] == theirs.joint_names
    assert np.abs(theirs.node_positions() - bvh_positions(ours)).max() < 1e-6


def _mixamo_bvh(
    root_rot: str, frames: list[str], order: str = "Zrotation Xrotation Yrotation"
) -> str:
    """A Mixamo-named skeleton in a T-pose (y up, left = +x, facing +z)."""

    def joint(name, offset, body="", end=None):
        tail = f"End Site {{ OFFSET {end} }}" if end else ""
        return f" JOINT mixamorig:{name} {{ OFFSET {offset} CHANNELS 3 {order} {body} {tail} }} "

    def chain(side, sign):
        arm = joint(
            f"{side}Shoulder",
            f"{5 * sign} 15 0",
            joint(
                f"{side}Arm",
                f"{12 * sign} 0 0",
                joint(
                    f"{side}ForeArm",
                    f"{28 * sign} 0 0",
                    joint(f"{side}Hand", f"{25 * sign} 0 0", end=f"{10 * sign} 0 0"),
                ),
            ),
        )
        leg = joint(
            f"{side}UpLeg",
            f"{10 * sign} 0 0",
            joint(
                f"{side}Leg",
                "0 -45 0",
                joint(f"{side}Foot", "0 -42 0", joint(f"{side}ToeBase", "0 -5 12", end="0 0 5")),
            ),
        )
        return arm, leg

    l_arm, l_leg = chain("Left", 1)
    r_arm, r_leg = chain("Right", -1)
    head = joint("Neck", "0 20 0", joint("Head", "0 10 0", end="0 15 0"))
    spine = joint("Spine", "0 10 0", joint("Spine1", "0 20 0", head + l_arm + r_arm))
    n_channels = 6 + 3 * 20
    rows = [f"0 90 0 {root_rot} {f}".split() for f in frames]
    rows = [" ".join(r + ["0"] * (n_channels - len(r))) for r in rows]
    hierarchy = (
        "ROOT mixamorig:Hips { OFFSET 0 0 0 CHANNELS 6 Xposition Yposition "
        f"Zposition {order} {spine} {l_leg} {r_leg} }}"
    )
    # One statement a line, as BVH writers lay it out (pybvh reads line by line).
    hierarchy = re.sub(r"\s+(JOINT|OFFSET|CHANNELS|End|\{|\})(?=\s|$)", r"\n\1", hierarchy)
    return (
        f"HIERARCHY\n{hierarchy}\nMOTION\nFrames: {len(frames)}\n"
        "Frame Time: 0.0333333\n" + "\n".join(rows) + "\n"
    )


def _channel_row(values: dict[int, float]) -> str:
    """Rotation channels after the root's, by joint number in file order (Spine = 1)."""
    row = np.zeros(3 * 20)
    for joint, value in values.items():
        row[3 * (joint - 1)] = value  # the first rotation channel of that joint
    return " ".join(f"{v:g}" for v in row)


# Joint numbers in the file order above: Spine 1, Spine1 2, Neck 3, Head 4,
# LeftShoulder 5, LeftArm 6, LeftForeArm 7, LeftHand 8, Right... 9-12, legs 13-20.
def test_foreign_mixamo_skeleton_maps_and_projects(tmp_path):
    # Frame 0: T-pose. Frame 1: left upper arm turned down (Z rotation -90 at LeftArm).
    frames = ["", _channel_row({6: -90.0})]
    path = tmp_path / "mixamo.bvh"
    path.write_text(_mixamo_bvh("0 0 0", frames))
    track = import_bvh(path)
    assert track.fps == pytest.approx(30.0, rel=1e-4)
    deg = np.degrees(track.angles)
    b = BONE_INDEX
    assert deg[0, b["l_upper_arm"]] == pytest.approx(0.0, abs=1e-4)  # image right
    assert abs(deg[0, b["r_upper_arm"]]) == pytest.approx(180.0, abs=1e-4)  # image left
    assert deg[0, b["spine"]] == pytest.approx(-90.0, abs=1e-4)  # up (image y down)
    assert deg[0, b["l_thigh"]] == pytest.approx(90.0, abs=1e-4)
    assert deg[1, b["l_upper_arm"]] == pytest.approx(90.0, abs=1e-4)  # now hanging down
    assert deg[1, b["l_forearm"]] == pytest.approx(90.0, abs=1e-4)
    assert np.abs(track.root).max() < 1e-6


def test_skeleton_facing_sideways_is_seen_from_its_front(tmp_path):
    # The whole figure turned 90 degrees about y (facing +x), with the Euler order
    # given as YXZ on every joint: the projection follows its facing at frame 0.
    order = "Yrotation Xrotation Zrotation"
    frames = ["", _channel_row({6: 0.0})]
    turned = tmp_path / "turned.bvh"
    turned.write_text(_mixamo_bvh("90 0 0", frames, order=order))
    front = tmp_path / "front.bvh"
    front.write_text(_mixamo_bvh("0 0 0", frames, order=order))
    a, b = import_bvh(turned), import_bvh(front)
    assert np.abs(wrap_angle(a.angles - b.angles)).max() < 1e-4


def test_forward_kinematics_matches_pybvh_on_3d_rotations(tmp_path):
    rng = np.random.default_rng(5)
    frames = [" ".join(f"{v:.4f}" for v in rng.uniform(-60, 60, 60)) for _ in range(4)]
    path = tmp_path / "wild.bvh"
    path.write_text(_mixamo_bvh("10 -20 30", frames, order="Yrotation Xrotation Zrotation"))
    ours = bvh_positions(read_bvh(path))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its world-up guess on a wild pose
        theirs = pybvh.read_bvh_file(path, world_up="+y").node_positions()
    assert np.abs(ours - theirs).max() < 1e-6
    track = import_bvh(path)  # and the 3D pose projects to finite angles
    assert np.isfinite(track.angles).all() and np.isfinite(track.root).all()


def test_unknown_joints_are_refused_naming_them(tmp_path):
    text = _mixamo_bvh("0 0 0", [""]).replace("LeftForeArm", "Bone7").replace("RightUpLeg", "B9")
    path = tmp_path / "odd.bvh"
    path.write_text(text)
    with pytest.raises(AssetError) as err:
        import_bvh(path)
    message = err.value.message
    assert "missing LeftForeArm, RightUpLeg" in message and "mixamorig:Bone7" in message
    assert "\n" not in message and err.value.hint


def test_broken_files_are_refused_in_one_line(tmp_path):
    good = _mixamo_bvh("0 0 0", ["", ""])
    cases = {
        "truncated.bvh": good[: good.rindex("\n0 90")],
        "nohier.bvh": "MOTION\nFrames: 1\n",
        "badoffset.bvh": good.replace("OFFSET 0 10 0", "OFFSET 0 ten 0", 1),
    }
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(AssetError) as err:
            import_bvh(tmp_path / name)
        assert name in err.value.message and "\n" not in err.value.message
    with pytest.raises(AssetError, match="cannot read BVH"):
        import_bvh(tmp_path / "missing.bvh")


def _one_line_refusal(path, text: str) -> str:
    path.write_text(text)
    with pytest.raises(AssetError) as err:
        import_bvh(path)
    assert "\n" not in err.value.message and err.value.hint
    return err.value.message


def test_nan_in_motion_is_refused_naming_its_line_and_column(tmp_path):
    good = _mixamo_bvh("0 0 0", ["", ""])
    line = good[: good.rindex("\n0 90")].count("\n") + 2  # the last frame's line
    text = good[: good.rindex("\n0 90")] + "\n0 nan" + good[good.rindex("\n0 90") + 5 :]
    message = _one_line_refusal(tmp_path / "nan.bvh", text)
    assert message.startswith(f"nan.bvh:{line}:3: ") and "'nan'" in message


@pytest.mark.parametrize("frame_time", ["1e300", "0", "nan", "-0.04"])
def test_frame_time_outside_1_to_1000_fps_is_refused(tmp_path, frame_time):
    text = _mixamo_bvh("0 0 0", [""]).replace("Frame Time: 0.0333333", f"Frame Time: {frame_time}")
    message = _one_line_refusal(tmp_path / "time.bvh", text)
    assert message.startswith("time.bvh:") and "frame time" in message.lower()


def test_thousands_of_nested_joints_are_refused_without_recursion(tmp_path):
    n = 3000  # deeper than Python's recursion limit: the old parser raised RecursionError
    joints = "".join(f"JOINT j{i}\n{{\nOFFSET 0 1 0\nCHANNELS 1 Zrotation\n" for i in range(n))
    text = (
        "HIERARCHY\nROOT Hips\n{\nOFFSET 0 0 0\nCHANNELS 1 Zrotation\n"
        + joints
        + "}\n" * (n + 1)
        + "MOTION\nFrames: 1\nFrame Time: 0.04\n"
        + " ".join(["0"] * (n + 1))
        + "\n"
    )
    message = _one_line_refusal(tmp_path / "deep.bvh", text)
    assert message.startswith("deep.bvh:") and "more than 1024 joints" in message


def test_frames_past_the_cap_are_refused_before_reading_them(tmp_path):
    text = _mixamo_bvh("0 0 0", [""]).replace("Frames: 1", "Frames: 1000000")
    message = _one_line_refusal(tmp_path / "long.bvh", text)
    assert "1000000 frames" in message and "216,000" in message


def test_rows_that_disagree_with_the_frame_count_are_refused(tmp_path):
    text = _mixamo_bvh("0 0 0", ["", ""]).replace("Frames: 2", "Frames: 1")
    assert "more than 66 values" in _one_line_refusal(tmp_path / "extra.bvh", text)


def test_a_fifo_is_refused_not_waited_on(tmp_path):
    fifo = tmp_path / "pipe.bvh"
    os.mkfifo(fifo)
    with pytest.raises(AssetError, match="not a regular file"):
        import_bvh(fifo)


def test_validator_and_reader_share_the_bvh_limits():
    # spec/ may not import the nodes, so it keeps its own copy of the limits.
    assert media.BVH_MAX_FRAMES == bvh_parse.MAX_FRAMES
    assert media.BVH_FRAME_TIME_S == (bvh_parse.MIN_FRAME_TIME_S, bvh_parse.MAX_FRAME_TIME_S)


MEMORY_PROBE = """
import resource, sys
from engine.nodes.motion.bvh import import_bvh
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
track = import_bvh(sys.argv[1])
print(track.n_frames, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)
"""


def test_a_long_clip_is_parsed_in_bounded_memory(tmp_path):
    # 20,000 frames x 66 channels: 10.6 MB of values. The old parser held every word
    # of the file as a Python string and all the nodes' rotations at once: ~100 MB.
    n = 20_000
    head = _mixamo_bvh("0 0 0", [""])
    head = head[: head.index("Frames:")] + f"Frames: {n}\nFrame Time: 0.0083333\n"
    row = "0 90 0 " + " ".join(["12.5"] * 63) + "\n"
    path = tmp_path / "long.bvh"
    path.write_text(head + row * n)
    result = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, str(path)], capture_output=True, text=True, check=True
    )
    frames, grown_mb = result.stdout.split()
    assert int(frames) == n
    assert float(grown_mb) < 60, f"import grew the process by {grown_mb} MB"
