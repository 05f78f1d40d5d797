"""A live session: a validated scene's character as a running show, recorded.

    session = open_session("scenes/grace.yaml", "grace", record_dir=Path("out/live"))
    session.start()
    session.show.say("Hello!", mood="happy")
    ...
    recording = session.end()        # the MP4, signed, with its provenance beside it

The scene gives the character (photo, face, voice, consent), the output (size,
frame rate, seed, loudness) and the disclosure label; its shots are not played.
Consent must grant ``live`` and ``speech`` (checked by ``validate(live=name)``);
without ``expressions`` moods and emotes are refused.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from engine.compile.compiler import NEURAL_VOICE_LICENCES
from engine.compile.provenance import WATERMARK_KEY, lineage_id, manifest
from engine.live.performer import Performer, prepare
from engine.live.record import Recorder, Recording
from engine.live.show import Show
from engine.live.speech import Speaker, Voice
from engine.spec.model import Scene, TtsVoice


def show_payload(scene: Scene, show_id: str) -> int:
    """48-bit watermark payload of one show: its scene's lineage and the show's id, so
    a recording is never taken for a render of the same scene, nor for another show."""
    body = f"{lineage_id(scene):012x}\nlive\n{show_id}"
    return int.from_bytes(hashlib.sha256(body.encode()).digest()[:6], "big")


@dataclass
class Session:
    scene: Scene
    who: str
    performer: Performer
    speaker: Speaker
    show: Show
    show_id: str
    recorder: Recorder | None = None
    started_utc: str = ""
    recording: Recording | None = None

    def start(self) -> None:
        if self.recorder is not None:
            recorder = self.recorder
            self.show.subscribe(lambda k, frame, audio, drawn: recorder.put(frame, audio))
        self.started_utc = datetime.now(UTC).isoformat(timespec="seconds")
        self.show.start()

    def end(self) -> Recording | None:
        """Stop the show; publish the recording (when recording) and return it."""
        if not self.show.running and self.recording is not None:
            return self.recording
        n_frames = self.show.stop()
        if self.recorder is None:
            return None
        if n_frames == 0:
            self.recorder.abort()
            return None
        label = self.scene.ethics.label
        timeline = self.show.timeline(
            n_frames, {"text": label.text, "position": label.position, "size": label.size}
        )
        self.recording = self.recorder.finish(self.manifest(n_frames), timeline, self.identity())
        return self.recording

    def abort(self) -> None:
        self.show.stop()
        if self.recorder is not None:
            self.recorder.abort()

    def identity(self):
        from engine.nodes.ethics.signing_keys import load_identity, local_identity

        signing = self.scene.ethics.signing
        if signing is not None:
            return load_identity(signing.chain.path, signing.key.path)
        return local_identity()

    def manifest(self, n_frames: int) -> dict:
        """The render's provenance manifest of the scene, with this show's watermark and a
        ``live`` record: who was presented, when, and every line heard (no clock time is
        in a render's manifest; a show happens once, so its start time is kept)."""
        voice = self.speaker.voice
        if self.speaker.neural:  # as a render records a neural voice
            heard = {"engine": "piper", "voice": voice.tts, "variant": None,
                     "licence": NEURAL_VOICE_LICENCES.get(voice.tts)}  # fmt: skip
        else:
            heard = {"engine": "espeak-ng", "voice": voice.tts, "variant": voice.variant}
        record = manifest(self.scene, models=[], styles=[], voices=[heard])
        record["watermark"]["payload"] = f"{self.performer.payload:012x}"
        fps = self.show.fps
        record["live"] = {
            "show": self.show_id,
            "character": self.who,
            "started_utc": self.started_utc,
            "duration_s": round(n_frames / fps, 4),
            "size": list(self.performer.size),
            "fps": fps,
            "lines": [line.summary(fps) for line in self.show.lines],
        }
        return record


def open_session(
    scene_or_path: Scene | str | Path,
    who: str,
    *,
    size: tuple[int, int] | None = None,
    fps: int | None = None,
    record: Path | None = None,
    on_event=None,
) -> Session:
    """Validate the scene for presenting ``who`` live, prepare the character, and set up
    the show (not started). ``record``: the folder for the recording, or None.

    Raises SceneError (consent without ``live``, an unknown character...) or any
    PhotoplayError the preparation raises (no face found, an unknown voice).
    """
    from engine.api import validate

    scene = scene_or_path
    if isinstance(scene, Scene):
        scene = validate(scene.file, live=who)
    else:
        scene = validate(scene_or_path, live=who)
    character = scene.characters[who]
    out = scene.output
    size = size or (out.width, out.height)
    fps = fps or out.fps
    show_id = secrets.token_hex(8)
    payload = show_payload(scene, show_id)
    label = scene.ethics.label
    performer = prepare(
        character.photo.path,
        character.photo.rel,
        character.face,
        size,
        fps,
        {
            "text": label.text,
            "position": label.position,
            "size": label.size,
            "colour": label.colour,
        },  # fmt: skip
        payload,
        WATERMARK_KEY,
    )
    tts = character.voice if isinstance(character.voice, TtsVoice) else TtsVoice(tts="en-us")
    speaker = Speaker(
        Voice(tts.tts, tts.variant, tts.rate, tts.pitch),
        fps,
        out.sample_rate,
        loudness_lufs=out.loudness_lufs,
        true_peak_dbtp=out.true_peak_dbtp,
        seed=out.seed,
    )
    show = Show(
        performer,
        speaker,
        who=who,
        seed=out.seed,
        expressions="expressions" in character.consent.scope,
        on_event=on_event,
    )
    recorder = None
    if record is not None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        video = Path(record) / f"{scene.file.stem}-{who}-{stamp}-{show_id[:6]}.mp4"
        recorder = Recorder(video, size, fps, out.sample_rate, crf=out.crf, preset=out.preset)
    return Session(scene, who, performer, speaker, show, show_id, recorder)
