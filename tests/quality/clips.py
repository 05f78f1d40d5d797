"""Videos for QC's self-checks: write, re-time and doctor small MP4s.

Everything here is built with PyAV from real pictures and sound (a render, or a
photo that ships with scikit-image), so QC is tested on what it will meet.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from engine.quality import media
from engine.quality.context import provenance_path


def write_clip(
    path: Path, frames: Iterable[np.ndarray], fps: int, audio: np.ndarray | None, sr_hz: int = 48000
) -> Path:
    """H.264 (CRF 18) + AAC MP4 from RGB frames and (n, C) float32 audio (or none)."""
    with av.open(str(path), "w") as out:
        video = None
        for frame in frames:
            if video is None:
                video = out.add_stream("libx264", rate=fps)
                video.width, video.height = frame.shape[1], frame.shape[0]
                video.pix_fmt = "yuv420p"
                video.options = {"crf": "18", "preset": "veryfast"}
                sound = None
                if audio is not None:
                    sound = out.add_stream("aac", rate=sr_hz)
                    sound.layout = "stereo" if audio.shape[1] == 2 else "mono"
            for packet in video.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
        if audio is not None:
            _write_audio(out, sound, audio, sr_hz)
    return path


def _write_audio(out, stream, audio: np.ndarray, sr_hz: int) -> None:
    block = 1024
    planar = np.ascontiguousarray(audio.T.astype(np.float32))
    for start in range(0, planar.shape[1], block):
        chunk = np.ascontiguousarray(planar[:, start : start + block])
        frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout=stream.layout.name)
        frame.sample_rate = sr_hz
        frame.pts = start
        frame.time_base = Fraction(1, sr_hz)
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode():
        out.mux(packet)


def read_clip(path: Path) -> tuple[list[np.ndarray], np.ndarray, media.VideoInfo]:
    info = media.probe(path)
    frames = [frame for _, _, frame in media.frames(info)]
    return frames, media.audio(info), info


def edited(
    src: Path,
    dst: Path,
    frame_fn: Callable[[int, np.ndarray], np.ndarray] | None = None,
    shift_audio_s: float = 0.0,
) -> Path:
    """A copy of ``src`` with frames changed by ``frame_fn`` and/or the sound moved
    later by ``shift_audio_s`` (earlier when negative), same length; the provenance
    beside it comes along."""
    frames, audio, info = read_clip(src)
    if frame_fn is not None:
        frames = [frame_fn(i, f.copy()) for i, f in enumerate(frames)]
    if shift_audio_s:
        n = round(abs(shift_audio_s) * info.audio_sr_hz)
        pad = np.zeros((n, audio.shape[1]), np.float32)
        audio = (
            np.concatenate([pad, audio[:-n]])
            if shift_audio_s > 0
            else np.concatenate([audio[n:], pad])
        )
    write_clip(dst, frames, round(info.fps), audio, info.audio_sr_hz)
    if provenance_path(src).exists():
        shutil.copyfile(provenance_path(src), provenance_path(dst))
    return dst


def write_timeline(video: Path, acts: list[dict], duration_s: float, label_position="bottom-right"):
    """A provenance beside ``video`` holding only a timeline (what QC reads)."""
    record = {
        "format": "photoplay-provenance/1",
        "timeline": {
            "duration_s": duration_s,
            "label": {"text": "AI-generated", "position": label_position, "size": 0.035},
            "segments": [{"what": "shot 1", "start_s": 0.0, "end_s": duration_s, "cast": []}],
            "acts": acts,
        },
    }
    provenance_path(video).write_text(json.dumps(record))
