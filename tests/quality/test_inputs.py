"""photoplay qc on bad input: one line, exit 2, no traceback; a failed check: exit 6.
And the rule of the room: QC never imports the code it judges."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from skimage import data

from engine.cli.main import run
from tests.quality.clips import write_clip, write_timeline

ROOT = Path(__file__).resolve().parents[2]
SR = 48000


def _qc(*argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(["qc", *(str(a) for a in argv)])
    return code, out.getvalue(), err.getvalue()


def _one_error_line(code: int, err: str, *words: str) -> None:
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    for word in words:
        assert word in lines[0], lines[0]


def _noise(seconds: float) -> np.ndarray:
    rng = np.random.default_rng(0)
    mono = 0.1 * rng.standard_normal(int(seconds * SR)).astype(np.float32)
    return np.stack([mono, mono], axis=1)


def _grey_frames(n: int, size=(96, 128)) -> list[np.ndarray]:
    return [np.full((*size, 3), 90 + (i % 3), np.uint8) for i in range(n)]


def test_missing_file(tmp_path):
    _one_error_line(*_qc(tmp_path / "nope.mp4")[::2], "no such file")


def test_empty_file(tmp_path):
    (tmp_path / "empty.mp4").write_bytes(b"")
    _one_error_line(*_qc(tmp_path / "empty.mp4")[::2], "empty")


def test_not_a_video(tmp_path):
    (tmp_path / "notes.mp4").write_text("these are my notes, not a video\n" * 100)
    _one_error_line(*_qc(tmp_path / "notes.mp4")[::2], "not a readable video")


def test_a_folder_and_a_pipe_are_refused_without_hanging(tmp_path):
    _one_error_line(*_qc(tmp_path)[::2], "not a regular file")
    fifo = tmp_path / "pipe.mp4"
    os.mkfifo(fifo)
    _one_error_line(*_qc(fifo)[::2], "not a regular file")


def test_video_without_sound(tmp_path):
    video = write_clip(tmp_path / "mute.mp4", _grey_frames(25), 25, None)
    _one_error_line(*_qc(video)[::2], "no audio stream")


def test_sound_without_video(tmp_path):
    import av

    path = tmp_path / "sound.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("aac", rate=SR)
        stream.layout = "stereo"
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(_noise(0.5).T), format="fltp", layout="stereo"
        )
        frame.sample_rate = SR
        for packet in [*stream.encode(frame), *stream.encode()]:
            out.mux(packet)
    _one_error_line(*_qc(path)[::2], "no video stream")


def test_a_video_with_no_face_and_no_provenance(tmp_path):
    video = write_clip(tmp_path / "wall.mp4", _grey_frames(50), 25, _noise(2.0))
    _one_error_line(*_qc(video)[::2], "no face or body")


def test_unknown_check_names_the_closest(tmp_path):
    video = write_clip(tmp_path / "wall.mp4", _grey_frames(25), 25, _noise(1.0))
    code, _, err = _qc(video, "--fail-under", "lipsync.cor=0.5")
    _one_error_line(code, err, "lipsync.cor", "did you mean 'lipsync.corr'")


def test_a_speaker_who_is_not_there_fails_with_exit_6(tmp_path):
    """The campaign's fault: a timeline says someone speaks, the picture has no face."""
    video = write_clip(tmp_path / "take:1.mp4", _grey_frames(75), 25, _noise(3.0))
    act = {"verb": "say", "who": "grace", "start_s": 0.5, "end_s": 2.5, "text": "Hello"}
    write_timeline(video, [act], 3.0)
    code, out, err = _qc(video, "--json", "--sheet", tmp_path / "sheet.png")
    assert code == 6, err
    report = json.loads(out)
    failed = {c["key"] for c in report["checks"] if not c["passed"]}
    assert "face.found" in failed
    assert (tmp_path / "sheet.png").stat().st_size > 1000


def test_a_photo_on_screen_while_nobody_performs_passes(tmp_path):
    photo = data.astronaut()[::4, ::4].copy()
    video = write_clip(tmp_path / "still.mp4", [photo] * 50, 25, _noise(2.0))
    write_timeline(video, [], 2.0)
    code, out, err = _qc(
        video, "--fail-under", "label.visible=0", "--fail-over", "audio.loudness_lufs=0"
    )
    assert code == 0, out + err


def test_qc_never_imports_the_code_it_judges(tmp_path):
    """In a fresh process, judge a clip, then list what engine modules were loaded."""
    photo = data.astronaut()[::4, ::4].copy()
    video = write_clip(tmp_path / "still.mp4", [photo] * 30, 25, _noise(1.2))
    act = {"verb": "dance", "who": "eileen", "start_s": 0.0, "end_s": 1.2}
    write_timeline(video, [act], 1.2)
    code = (
        "import sys, json\n"
        "from engine.quality import judge\n"
        f"judge({str(video)!r}, sheet={str(tmp_path / 's.png')!r})\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('engine'))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    forbidden = (
        "engine.nodes.animate",
        "engine.nodes.rig",
        "engine.nodes.warp",
        "engine.nodes.face",
        "engine.nodes.body",
        "engine.nodes.motion",
        "engine.nodes.render",
        "engine.nodes.speech",
        "engine.compile",
        "engine.render",
    )
    assert not [m for m in loaded if m.startswith(forbidden)], loaded
    assert "engine.quality.bodies" in loaded


def test_a_video_whose_frames_all_fail_to_decode_is_one_line(tmp_path, monkeypatch):
    """Found by the long fuzz run: damaged samples that decode to no frame at all made an
    internal error (empty per-frame series); now a one-line refusal."""
    from engine.quality import media

    video = write_clip(tmp_path / "v.mp4", _grey_frames(25), 25, _noise(1.0))
    write_timeline(video, [], 1.0)
    monkeypatch.setattr(media, "frames", lambda info: iter(()))
    _one_error_line(*_qc(video)[::2], "not one frame")
