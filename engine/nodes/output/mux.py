"""Join H.264 segments without re-encoding and add the AAC soundtrack.

The segments' packets are copied into one MP4 track with their timestamps
shifted by the frames before them, so an unchanged segment costs a file copy,
not an encode. The audio, (n, 2) float32, is cut or padded to exactly the
video's length and encoded once as AAC, read a block at a time (from a
``.npy`` file when given its path), so memory stays flat however long the video.

A/V sync: the AAC encoder emits 1024 priming samples ahead of the signal;
it stamps its first packet at pts -1024 and the MP4 muxer writes an edit list
that tells players to skip them, so decoded sample 0 plays with frame 0. The
tests measure this with flash frames and clicks (offset 0 samples at 48 kHz).

Output is written to a hidden temporary file beside ``out_path`` and renamed
onto it when complete; with ``faststart`` the ``moov`` index is moved in front
of the media data so players can start before the whole file has arrived.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

from engine.errors import AssetError, NodeError
from engine.nodes.audio.blocks import ArraySource, NpySource, read_padded
from engine.nodes.output.atomic import atomic_path
from engine.nodes.output.paths import ffmpeg_file

KIND = "output.mux"
AAC_FRAME_SAMPLES = 1024  # samples per AAC frame
_READ_FRAMES = 64  # AAC frames of audio read at a time (~1.4 s at 48 kHz)


def mux(
    segment_paths: Sequence[str | os.PathLike],
    audio: np.ndarray | str | os.PathLike | None,
    out_path: str | os.PathLike,
    *,
    sr_hz: int = 48000,
    faststart: bool = True,
    metadata: dict[str, str] | None = None,
    audio_bitrate: int = 192_000,
) -> dict:
    """Join H.264 segment files in order and add AAC audio; write ``out_path``.

    Parameters
    ----------
    segment_paths : MP4 files from ``SegmentWriter``, same size, rate and
        encoder settings (their H.264 headers must be identical).
    audio : (n, 2) float32 in [-1, 1] at ``sr_hz``, or the path of a ``.npy``
        file holding it (read a block at a time: memory stays flat however
        long the video), or None for a video-only file. Cut or zero-padded to
        round(n_frames / fps * sr_hz) samples.
    out_path : the MP4 to write (atomically: temp file + rename).
    sr_hz : audio sample rate in Hz.
    faststart : move the ``moov`` index before ``mdat`` (``movflags=+faststart``).
    metadata : container tags, e.g. ``{"comment": json.dumps(manifest)}``;
        read back with ``probe(path)["metadata"]``. MP4 keeps the iTunes-style
        keys (title, comment, description, artist, copyright, ...); others
        are dropped by the muxer.
    audio_bitrate : AAC bit rate in bits/s.

    Returns
    -------
    {"n_frames": int, "fps": Fraction, "duration_s": float, "n_audio_samples": int}

    Raises
    ------
    AssetError when a segment is missing or unreadable; NodeError when the
    segments do not match or the output cannot be written.
    """
    if not segment_paths:
        raise NodeError("no segments to mux", kind=KIND, hint="render at least one segment")
    layout = _segment_layout(segment_paths)
    n_frames, fps = layout["n_frames"], layout["fps"]
    duration_s = n_frames / fps
    n_audio = round(duration_s * sr_hz) if audio is not None else 0
    source = _audio_source(audio) if audio is not None else None

    # Movie timescale = audio rate: edit-list durations (which trim the AAC
    # priming and end padding) are then exact in samples, not rounded to 1 ms.
    options = {"movie_timescale": str(sr_hz)}
    if faststart:
        options["movflags"] = "+faststart"
    try:
        # Exits run in reverse: the MP4 is closed (moov written) before the rename.
        with (
            atomic_path(out_path) as temp,
            av.open(ffmpeg_file(temp), "w", format="mp4", options=options) as out,
            av.open(ffmpeg_file(layout["template_path"])) as template,
        ):
            for key, value in (metadata or {}).items():
                out.metadata[str(key)] = str(value)
            v_out = out.add_stream_from_template(template.streams.video[0])
            v_out.time_base = layout["time_base"]
            a_out = None
            if audio is not None:
                a_out = out.add_stream("aac", rate=sr_hz)
                a_out.layout, a_out.format = "stereo", "fltp"
                a_out.bit_rate = audio_bitrate
                a_out.time_base = Fraction(1, sr_hz)
            audio_packets = _encode_audio(a_out, source, n_audio, sr_hz) if a_out else iter(())
            pending = next(audio_packets, None)
            for packet in _joined_packets(segment_paths, layout):
                # Interleave: audio up to this video packet's decode time first.
                t_video = packet.dts * packet.time_base
                while pending is not None and pending.dts * pending.time_base <= t_video:
                    out.mux(pending)
                    pending = next(audio_packets, None)
                packet.stream = v_out
                out.mux(packet)
            while pending is not None:
                out.mux(pending)
                pending = next(audio_packets, None)
    except (av.FFmpegError, OSError) as exc:
        raise NodeError(
            f"cannot write {out_path}: {exc}",
            kind=KIND,
            hint="check free disk space and that the output folder is writable",
        ) from exc
    finally:
        if isinstance(source, NpySource):
            source.close()
    return {
        "n_frames": n_frames,
        "fps": fps,
        "duration_s": float(duration_s),
        "n_audio_samples": n_audio,
    }


def poster(frame: np.ndarray, path: str | os.PathLike) -> None:
    """Write one (H, W, 3) uint8 RGB frame as a PNG, atomically."""
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8 or frame.ndim != 3:
        got = f"{frame.shape} {frame.dtype}" if isinstance(frame, np.ndarray) else type(frame)
        raise NodeError(
            f"poster frame should be (H, W, 3) uint8, but got {got}",
            kind="output.poster",
            hint="pass one rendered frame",
        )
    with atomic_path(path) as temp:
        Image.fromarray(frame).save(temp, format="PNG")


# -- video: check and join segments -----------------------------------------


def _segment_layout(paths: Sequence[str | os.PathLike]) -> dict:
    """Check the segments can share one track; count frames; pick time base."""
    first, frames_per_segment = None, []
    for path in paths:
        if not Path(path).is_file():
            raise AssetError(f"segment not found: {path}", hint="re-render the segment")
        try:
            with av.open(ffmpeg_file(path)) as container:
                if len(container.streams) != 1 or container.streams[0].type != "video":
                    raise NodeError(
                        f"segment {path} should hold exactly one video stream",
                        kind=KIND,
                        hint="segments come from SegmentWriter",
                    )
                stream = container.streams.video[0]
                cc = stream.codec_context
                facts = {
                    "codec": cc.name,
                    "size": (cc.width, cc.height),
                    "extradata": bytes(cc.extradata or b""),
                    "time_base": stream.time_base,
                    "fps": Fraction(stream.average_rate),
                }
                if first is None:
                    first = facts | {"template_path": str(path)}
                else:
                    for key in ("codec", "size", "extradata", "time_base", "fps"):
                        if facts[key] != first[key]:
                            shown = "H.264 headers" if key == "extradata" else key
                            raise NodeError(
                                f"segment {path} differs from {first['template_path']} in {shown}",
                                kind=KIND,
                                hint="encode every segment with the same size, fps, crf and preset",
                            )
                n = sum(1 for p in container.demux(stream) if p.size > 0)
        except (av.FFmpegError, OSError) as exc:
            raise AssetError(
                f"cannot read segment {path}: {exc}", hint="the segment is corrupt: re-render it"
            ) from exc
        if n == 0:
            raise AssetError(f"segment {path} has no frames", hint="re-render the segment")
        frames_per_segment.append(n)

    if first["codec"] != "h264":
        raise NodeError(
            f"segments should be H.264, got {first['codec']}",
            kind=KIND,
            hint="segments come from SegmentWriter",
        )
    ticks_per_frame = 1 / (first["fps"] * first["time_base"])
    if ticks_per_frame.denominator != 1:
        raise NodeError(
            f"frame duration is not a whole number of ticks ({first['time_base']} at {first['fps']})",
            kind=KIND,
            hint="segments come from SegmentWriter",
        )
    return {
        "n_frames": sum(frames_per_segment),
        "frames_per_segment": frames_per_segment,
        "fps": first["fps"],
        "time_base": first["time_base"],
        "ticks_per_frame": int(ticks_per_frame),
        "template_path": first["template_path"],
    }


def _joined_packets(paths: Sequence[str | os.PathLike], layout: dict) -> Iterator[av.Packet]:
    """Yield every segment's packets, shifted so segment k starts after k-1 ends."""
    offset_ticks, last_dts = 0, None
    for path, n_frames in zip(paths, layout["frames_per_segment"], strict=True):
        with av.open(ffmpeg_file(path)) as container:
            stream = container.streams.video[0]
            for packet in container.demux(stream):
                if packet.size == 0:
                    continue  # the demuxer's end-of-stream marker
                packet.pts += offset_ticks
                packet.dts += offset_ticks
                if last_dts is not None and packet.dts <= last_dts:
                    raise NodeError(
                        f"segment {path} would go back in time (dts {packet.dts} <= {last_dts})",
                        kind=KIND,
                        hint="encode every segment with the same encoder settings",
                    )
                last_dts = packet.dts
                yield packet
        offset_ticks += n_frames * layout["ticks_per_frame"]


# -- audio ------------------------------------------------------------------


def _audio_source(audio: np.ndarray | str | os.PathLike) -> ArraySource | NpySource:
    """Check (n, 2) float audio, in memory or in a ``.npy`` file, and open it for reading."""
    if isinstance(audio, np.ndarray):
        if audio.ndim != 2 or audio.shape[1] != 2:
            raise NodeError(
                f"audio should be (n, 2) float32, but got {audio.shape} {audio.dtype}",
                kind=KIND,
                hint="mix to stereo first (decode_audio returns (n, 2))",
            )
        if not np.isfinite(audio).all():
            raise NodeError("audio holds NaN or inf samples", kind=KIND, hint="check the mix")
        return ArraySource(audio)
    if not isinstance(audio, (str, os.PathLike)):
        raise NodeError(
            f"audio should be (n, 2) float32 or a .npy path, but got {type(audio)}",
            kind=KIND,
            hint="mix to stereo first (decode_audio returns (n, 2))",
        )
    source = NpySource(audio)
    if source.n_channels != 2:
        source.close()
        raise NodeError(
            f"audio should be (n, 2) float32, but {audio} holds {source.n_channels} channels",
            kind=KIND,
            hint="mix to stereo first",
        )
    return source


def _encode_audio(
    stream: av.AudioStream, source: ArraySource | NpySource, n_samples: int, sr_hz: int
) -> Iterator[av.Packet]:
    """Encode ``n_samples`` of the source (cut or zero-padded) in 1024-sample frames.

    The source is read ``_READ_FRAMES`` frames at a time; yields AAC packets in order.
    """
    step = _READ_FRAMES * AAC_FRAME_SAMPLES
    for lo in range(0, n_samples, step):
        block = read_padded(source, lo, min(n_samples, lo + step))
        if not np.isfinite(block).all():
            raise NodeError("audio holds NaN or inf samples", kind=KIND, hint="check the mix")
        planar = np.ascontiguousarray(block.T)  # fltp wants (channels, n)
        for start in range(0, planar.shape[1], AAC_FRAME_SAMPLES):
            chunk = np.ascontiguousarray(planar[:, start : start + AAC_FRAME_SAMPLES])
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
            frame.sample_rate = sr_hz
            frame.pts = lo + start
            frame.time_base = Fraction(1, sr_hz)
            yield from stream.encode(frame)
    yield from stream.encode(None)
