"""What a live show streamed, saved as a render is: MP4 (H.264 + AAC), provenance, C2PA.

Every frame and every audio chunk the show sends its viewers is also handed to
the recorder, which encodes the frames as they come (``output.segment``'s
writer, on its own thread so an encoder stall never holds a frame back) and
streams the audio to a ``.npy`` file: memory stays flat however long the show.
When the show ends, the same steps as a render's delivery follow: the final mux
with the provenance manifest in its comment tag (``output.mux``), the C2PA
signature last (``ethics.c2pa_sign``), the provenance with the show's timeline
beside the video, and the set published whole (``engine.publish``).
"""

from __future__ import annotations

import contextlib
import json
import queue
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.errors import PhotoplayError
from engine.nodes.audio.blocks import NpyWriter
from engine.nodes.output.mux import mux
from engine.nodes.output.segment import SegmentWriter
from engine.publish import clean_leftovers, output_paths, publish, staging_folder

QUEUE_FRAMES = 250  # frames the encoder may fall behind (10 s at 25 fps) before the show waits


@dataclass
class Recording:
    """What a finished show wrote."""

    video: Path
    provenance: Path
    duration_s: float
    n_frames: int


class Recorder:
    """Encode a show's frames and audio as they are streamed; ``finish`` publishes them.

    video: the MP4 to write (its provenance goes beside it, as a render's).
    size: (W, H) px; fps: frames per second; sr_hz: audio rate.
    """

    def __init__(
        self,
        video: Path,
        size: tuple[int, int],
        fps: int,
        sr_hz: int,
        *,
        crf: int = 20,
        preset: str = "veryfast",
    ):
        self.video = Path(video)
        self.fps, self.sr_hz = fps, sr_hz
        self.n_frames = 0
        self._stack = contextlib.ExitStack()
        try:
            self.video.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PhotoplayError(
                f"cannot create the recording folder {self.video.parent}: {exc.strerror or exc}",
                hint="choose another folder with --record, or --no-record",
            ) from None
        clean_leftovers(self.video.parent, [p.name for p in output_paths(self.video).values()])
        self.staging = self._stack.enter_context(staging_folder(self.video.parent))
        try:
            # one encoder thread: the show's own frames come first on a shared machine
            writer = SegmentWriter(self.staging / "frames.mp4", *size, fps, crf, preset, threads=1)
            self._writer = writer.__enter__()
            self._audio = NpyWriter(self.staging / "audio.npy", 2)
        except BaseException:
            self._stack.close()
            raise
        self._stack.callback(self._audio.close)
        self._queue: queue.Queue = queue.Queue(QUEUE_FRAMES)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._drain, name="live-recorder", daemon=True)
        self._thread.start()

    def put(self, frame: np.ndarray, audio: np.ndarray) -> None:
        """Record one frame (H, W, 3) uint8 and the (k, 2) float32 audio played under it."""
        if self._error is None:
            self._queue.put((frame, audio))

    def _drain(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self._error is not None:
                continue
            frame, audio = item
            try:
                self._writer.write(frame)
                self._audio.write(audio)
                self.n_frames += 1
            except BaseException as exc:  # kept for finish() to report
                self._error = exc

    def _close_streams(self) -> None:
        self._queue.put(None)
        self._thread.join()

    def finish(self, manifest: dict, timeline: dict, identity) -> Recording:
        """Mux, sign (with ``identity``, an ``ethics.signing_keys.Identity``) and publish
        the recording, with ``manifest`` embedded and signed and ``timeline`` beside it
        (for ``photoplay qc``)."""
        from engine.nodes.ethics.c2pa_sign import sign_video

        self._close_streams()
        try:
            if self._error is not None:
                raise self._error
            if self.n_frames == 0:
                raise PhotoplayError("the show ended before its first frame; nothing recorded")
            self._writer.__exit__(None, None, None)  # flushes the encoder, renames the file
            self._audio.close()
            staged = {"video": self.staging / "video.mp4"}
            unsigned = self.staging / "unsigned.mp4"
            metadata = {"comment": json.dumps(manifest, sort_keys=True)}
            mux([self.staging / "frames.mp4"], self.staging / "audio.npy", unsigned,
                sr_hz=self.sr_hz, metadata=metadata)  # fmt: skip
            sign_video(unsigned, staged["video"], manifest, identity, title=self.video.name)
            record = manifest | {"timeline": timeline}
            staged["provenance"] = self.staging / "provenance.json"
            staged["provenance"].write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
            paths = output_paths(self.video)
            publish(staged, paths)
        except BaseException:
            with contextlib.suppress(Exception):
                self._writer.__exit__(PhotoplayError, PhotoplayError("aborted"), None)
            raise
        finally:
            self._stack.close()
        return Recording(self.video, paths["provenance"], self.n_frames / self.fps, self.n_frames)

    def abort(self) -> None:
        """Drop the recording (its staging folder is removed)."""
        self._close_streams()
        with contextlib.suppress(Exception):
            self._writer.__exit__(PhotoplayError, PhotoplayError("aborted"), None)
        with contextlib.suppress(Exception):
            self._stack.close()
