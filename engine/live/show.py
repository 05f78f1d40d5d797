"""The live show: one character, a queue of lines, an idle loop, frames at a steady rate.

Two threads do the work; requests only queue it:

- the **producer** draws show frame k at ``t0 + k / fps`` (``LEAD_FRAMES`` early):
  the idle motion of frame k, plus the sentence playing (its mouth and its
  speech-driven head motion), plus the expressions in force, drawn by the
  performer; with the frame goes the audio under it (``sr_hz / fps`` samples),
  so picture and sound share one clock and stay in sync by construction. Each
  frame and its audio go to every subscriber (the WebRTC tracks, the recorder).
- the **speaker** turns queued lines into sentences ahead of playback (at most
  ``AHEAD_SENTENCES`` waiting), so the first sentence plays as soon as it is
  spoken and the next is ready when it ends.

A sentence starts on the first frame drawn after it is ready: from wherever the
idle motion is, since speech only adds to it (the mouth opens from rest, the
head's speech motion eases in). ``interrupt`` cuts the sentence at the next
frame (its audio fades out in ``FADE_OUT_S``, the mouth closes over
``MOUTH_RELEASE_S``), drops the queue and returns to idle.

When the machine cannot keep up, a frame more than ``MAX_LATE_FRAMES`` late is
not drawn (viewers skip it; the recording repeats the previous picture); the
audio is never skipped.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from engine.errors import LiveError, PhotoplayError
from engine.live.idle import IdleMotion
from engine.live.performer import Performer
from engine.live.speech import Speaker
from engine.nodes.animate import motion
from engine.nodes.animate.controls import EXPRESSIONS, HEAD_SLOTS, MOUTH_SLOTS, SLOT
from engine.nodes.render.talking import MOOD_INTENSITY

MOODS = ("neutral", *EXPRESSIONS)
LEAD_FRAMES = 1  # a frame is drawn this many frames before it is due
MAX_LATE_FRAMES = 3
AHEAD_SENTENCES = 2
FADE_OUT_S = 0.01  # an interrupted sentence's audio fades out over this (no click)
MOUTH_RELEASE_S = 0.12
HEAD_RELEASE_S = 0.3
MAX_LINE_CHARS = 5000
MAX_QUEUED_LINES = 20
EMOTE_INTENSITY, EMOTE_S = 0.7, 1.5  # as the scene language's emote
MAX_EMOTE_S = 60.0
# the flash-and-click test line (a diagnostic, see ``Show.flash``)
FLASH_PATCH = 64  # px: the square, at the frame's top-left corner, that flashes white
FLASH_FRAMES = 2  # frames the patch stays white (the onset is what is measured)
FLASH_LEAD_S = 0.5  # the first flash comes this long after the request (the patch turns dark)
FLASH_TAIL_S = 0.5  # the patch stays dark this long after the last flash
CLICK_S = 0.004  # the click: a full-scale 1 kHz square burst from the flash frame's first sample
MAX_FLASHES, FLASH_EVERY_S, MAX_SKEW = 20, (0.2, 5.0), 25
_MOUTH = [SLOT[name] for name in MOUTH_SLOTS]
_HEAD = [SLOT[name] for name in HEAD_SLOTS]
_EXPR = [SLOT[name] for name in EXPRESSIONS]

# subscriber(k, frame, audio, drawn): frame (H, W, 3) uint8, the previous picture again when
# frame k was skipped (drawn False); audio (n, 2) float32 under frame k
Subscriber = Callable[[int, np.ndarray, np.ndarray, bool], None]
log = logging.getLogger("photoplay.live")


@dataclass
class Line:
    """One ``say`` request. Frames count from the show's first frame."""

    id: int
    text: str
    mood: str | None
    parts: list[str]
    status: str = "queued"  # queued, speaking, done, interrupted, failed
    n_ready: int = 0  # sentences spoken by the synthesiser so far
    start_frame: int | None = None
    end_frame: int | None = None
    mood_event: list | None = None
    queued_at: float = 0.0  # time.monotonic() of the request

    def summary(self, fps: int) -> dict:
        return {
            "line": self.id,
            "text": self.text,
            "mood": self.mood,
            "status": self.status,
            "start_s": None if self.start_frame is None else round(self.start_frame / fps, 4),
            "end_s": None if self.end_frame is None else round(self.end_frame / fps, 4),
        }


@dataclass
class _Playing:
    line: Line
    part: int
    sentence: object  # speech.Sentence
    start: int  # show frame of its first frame
    cut: int | None = None  # interrupted: the frame it stops on


@dataclass
class Stats:
    frames: int = 0  # frames produced (drawn or repeated)
    drawn: int = 0
    skipped: int = 0
    draw_ms: float = 0.0  # mean time to draw a frame
    worst_late_ms: float = 0.0
    started_at: float = 0.0
    sentences: list = field(default_factory=list)  # (queued→ready s) per sentence


class Show:
    """A live presenter. Thread-safe: ``say``, ``emote`` and ``interrupt`` may be called
    from any thread while the show runs; events go to ``on_event`` (from the show's
    threads)."""

    def __init__(
        self,
        performer: Performer,
        speaker: Speaker,
        *,
        who: str,
        seed: int = 0,
        expressions: bool = True,
        on_event: Callable[[dict], None] | None = None,
    ):
        self.performer, self.speaker, self.who = performer, speaker, who
        self.fps, self.sr_hz = performer.fps, speaker.sr_hz
        self.expressions_allowed = expressions
        self.idle = IdleMotion(self.fps, seed)
        self.on_event = on_event or (lambda event: None)
        self.stats = Stats()
        self.lines: list[Line] = []  # every line, for the timeline
        self._queue: collections.deque[Line] = collections.deque()  # not yet finished
        self._ready: collections.deque = collections.deque()  # (line, part, sentence, t_queued)
        self._playing: _Playing | None = None
        self._release: tuple[int, np.ndarray] | None = None  # (frame, speech controls)
        self._events: list[list] = []  # [start frame, end frame | None, expression, intensity]
        self._generation = 0
        self._busy = False
        self._next_frame = 0
        self._ids = 0
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Condition()
        self._running = False
        self._threads: list[threading.Thread] = []
        self.t0 = 0.0
        # a flash test: (first frame, last frame, flash onsets, click frames)
        self._flash: tuple[int, int, frozenset[int], frozenset[int]] | None = None
        n_click = round(CLICK_S * self.sr_hz)
        half_period = max(1, round(self.sr_hz / 2000))  # a 1 kHz square wave
        square = np.where(np.arange(n_click) // half_period % 2 == 0, 1.0, -1.0)
        self._click = np.repeat(square.astype(np.float32)[:, None], 2, axis=1)

    # -- requests ---------------------------------------------------------------------

    def say(self, text: object, mood: object = None) -> Line:
        """Queue a line (cut into sentences); returns it. LiveError for bad input."""
        if not isinstance(text, str) or not text.strip():
            raise LiveError("the text to say is empty", code="empty-text", hint="send some words")
        if len(text) > MAX_LINE_CHARS:
            raise LiveError(
                f"the text is {len(text):,} characters; a line holds at most {MAX_LINE_CHARS:,}",
                status=413,
                code="text-too-long",
                hint="send long text as several lines",
            )
        mood = self._check_expression(mood, "mood") if mood is not None else None
        parts = self.speaker.parts(text)
        with self._lock:
            if not self._running:
                raise LiveError("the show has ended", status=409, code="ended")
            if len(self._queue) >= MAX_QUEUED_LINES:
                raise LiveError(
                    f"{len(self._queue)} lines are already waiting",
                    status=429,
                    code="queue-full",
                    hint="wait for speech_ended events, or interrupt",
                )
            self._ids += 1
            line = Line(self._ids, text, mood if mood != "neutral" else None, parts)
            line.queued_at = time.monotonic()
            self._queue.append(line)
            self.lines.append(line)
            self._busy = True
            self._lock.notify_all()
        self.on_event({"event": "queued", "line": line.id, "sentences": len(parts)})
        return line

    def _check_expression(self, name: object, what: str) -> str:
        if not isinstance(name, str) or name not in MOODS:
            raise LiveError(
                f"unknown {what} {name!r}",
                code=f"unknown-{what}",
                hint=f"use one of {', '.join(MOODS)}",
            )
        if name != "neutral" and not self.expressions_allowed:
            raise LiveError(
                f"{self.who!r}'s consent does not grant expressions, so no {what} {name!r}",
                status=403,
                code="expressions-not-granted",
                hint="add expressions to the character's consent scope",
            )
        return name

    def emote(self, expression: object, intensity: object = None, duration_s: object = None):
        """Show ``expression`` from the next frame for ``duration_s``; "neutral" relaxes
        every expression in force."""
        expression = self._check_expression(expression, "expression")
        value = EMOTE_INTENSITY if intensity is None else intensity
        seconds = EMOTE_S if duration_s is None else duration_s
        for name, number, lo, hi in (("intensity", value, 0.0, 1.0),
                                     ("duration", seconds, 0.04, MAX_EMOTE_S)):  # fmt: skip
            if (
                isinstance(number, bool)
                or not isinstance(number, int | float)
                or not lo <= number <= hi
            ):
                raise LiveError(
                    f"{name} must be a number from {lo:g} to {hi:g}, got {number!r}",
                    code=f"bad-{name}",
                )
        with self._lock:
            k = self._next_frame
            if expression == "neutral":
                for event in self._events:
                    if event[1] is None or event[1] > k:
                        event[1] = k
            else:
                self._events.append([k, k + round(seconds * self.fps), expression, float(value)])
        return {"expression": expression, "intensity": value, "duration_s": seconds}

    def interrupt(self) -> dict:
        """Stop the sentence playing at the next frame and drop every queued line."""
        with self._lock:
            self._generation += 1
            k = self._next_frame
            stopped = None
            if self._playing is not None and self._playing.cut is None:
                self._playing.cut = k
                stopped = self._playing.line
            dropped = [line for line in self._queue if line is not stopped]
            for line in dropped:
                line.status = "interrupted"
                if line.mood_event is not None:
                    line.mood_event[1] = k
            self._queue.clear()
            if stopped is not None:
                self._queue.append(stopped)
            self._ready.clear()
            self._lock.notify_all()
        for line in dropped:
            if line.start_frame is not None:  # between two of its sentences
                line.end_frame = k
                self._ended(line, interrupted=True)
            else:
                self.on_event({"event": "dropped", "line": line.id})
        return {"stopped": None if stopped is None else stopped.id,
                "dropped": [line.id for line in dropped]}  # fmt: skip

    def flash(self, count: object = 5, every_s: object = 1.0, skew: object = 0) -> list[int]:
        """Diagnostic, the flash-and-click test line: ``count`` flashes ``every_s`` apart,
        the first ``FLASH_LEAD_S`` from now. On each, the ``FLASH_PATCH`` square at the
        top-left corner turns white for ``FLASH_FRAMES`` frames (dark around them, from
        the request to ``FLASH_TAIL_S`` after the last) and the audio under the flash's
        first frame starts with a full-scale click, so both mark the same media time and
        go out through the show's real tracks (and into the recording). A viewer that
        times both measures its audio-video offset. ``skew`` (frames, 0 to ``MAX_SKEW``)
        puts each click that many frames after its flash: a desync made on purpose, to
        check that a measurement sees one. Returns the flashes' show frames."""
        for name, number, lo, hi in (("count", count, 1, MAX_FLASHES),
                                     ("every", every_s, *FLASH_EVERY_S),
                                     ("skew", skew, 0, MAX_SKEW)):  # fmt: skip
            if (
                isinstance(number, bool)
                or not isinstance(number, int | float)
                or not lo <= number <= hi
                or (name != "every" and not isinstance(number, int))
            ):
                raise LiveError(
                    f"{name} must be a number from {lo:g} to {hi:g}, got {number!r}",
                    code=f"bad-{name}",
                )
        fps = self.fps
        with self._lock:
            if not self._running:
                raise LiveError("the show has ended", status=409, code="ended")
            if self._flash is not None and self._flash[1] >= self._next_frame:
                raise LiveError("a flash test is under way", status=409, code="flashing",
                                hint="wait for its last flash event")  # fmt: skip
            k0 = self._next_frame + round(FLASH_LEAD_S * fps)
            onsets = [k0 + round(i * every_s * fps) for i in range(count)]
            last = onsets[-1] + max(FLASH_FRAMES, skew + 1) + round(FLASH_TAIL_S * fps)
            clicks = frozenset(k + skew for k in onsets)
            self._flash = (self._next_frame, last, frozenset(onsets), clicks)
        return onsets

    def _flash_at(self, k: int) -> tuple[int | None, bool]:
        """Frame k's part in a flash test: its patch, None (no test), 0 (dark), 1 (a
        flash's first frame), 2 (white); and whether its audio starts with a click."""
        flash = self._flash
        if flash is None or not flash[0] <= k <= flash[1]:
            return None, False
        _, _, onsets, clicks = flash
        if k in onsets:
            return 1, k in clicks
        if any(k - j in onsets for j in range(1, FLASH_FRAMES)):
            return 2, k in clicks
        return 0, k in clicks

    def subscribe(self, subscriber: Subscriber) -> None:
        """Call ``subscriber(k, frame, audio, drawn)`` (see ``Subscriber``) for every frame
        from the next one on, from the producer thread: it must not block for long."""
        with self._lock:
            self._subscribers = [*self._subscribers, subscriber]

    def unsubscribe(self, subscriber: Subscriber) -> None:
        with self._lock:
            self._subscribers = [s for s in self._subscribers if s is not subscriber]

    def state(self) -> dict:
        with self._lock:
            playing = self._playing.line.id if self._playing else None
            return {
                "frame": self._next_frame,
                "t_s": round(self._next_frame / self.fps, 3),
                "speaking": playing,
                "queued": [line.id for line in self._queue if line.id != playing],
                "frames_drawn": self.stats.drawn,
                "frames_skipped": self.stats.skipped,
                "draw_ms": round(self.stats.draw_ms, 2),
            }

    # -- running ----------------------------------------------------------------------

    def start(self) -> None:
        self._running = True
        self.t0 = time.monotonic()
        self.stats.started_at = self.t0
        for target, name in ((self._produce, "live-frames"), (self._speak, "live-speech")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        self.on_event({"event": "idle"})

    def stop(self) -> int:
        """End the show after the frame being drawn; returns the number of frames."""
        with self._lock:
            self._running = False
            self._lock.notify_all()
        for thread in self._threads:
            thread.join()
        self._threads.clear()
        return self.stats.frames

    @property
    def running(self) -> bool:
        return self._running

    def _speak(self) -> None:
        """Speak queued lines ahead of playback, in order."""
        self.speaker.speaking_thread()
        while True:
            with self._lock:
                while self._running and not self._next_to_speak():
                    self._lock.wait()
                if not self._running:
                    return
                line, part = self._next_to_speak()
                generation = self._generation
                index = sum(len(x.parts) for x in self.lines if x.id < line.id) + part
            try:
                sentence = self.speaker.sentence(line.parts[part], index)
                error = None
            except PhotoplayError as exc:
                sentence, error = None, exc
            with self._lock:
                if generation != self._generation:
                    continue  # interrupted while it was spoken
                if error is not None:
                    line.parts = line.parts[:part]  # what was spoken still plays
                    if part == 0:
                        line.status = "failed"
                        self._queue.remove(line)
                else:
                    line.n_ready += 1
                    self._ready.append((line, part, sentence, time.monotonic()))
                    self.stats.sentences.append(time.monotonic() - line.queued_at)
            if error is not None:
                self.on_event({"event": "error", "line": line.id, "message": error.message,
                               "hint": error.hint})  # fmt: skip

    def _next_to_speak(self) -> tuple[Line, int] | None:
        if len(self._ready) >= AHEAD_SENTENCES:
            return None
        for line in self._queue:
            if line.n_ready < len(line.parts) and line.status in ("queued", "speaking"):
                return line, line.n_ready
        return None

    def _produce(self) -> None:
        fps = self.fps
        last = None
        draw_total = 0.0
        while True:
            k = self._next_frame
            due = self.t0 + k / fps
            wait = due - LEAD_FRAMES / fps - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            if not self._running:
                return
            controls, audio, events = self._step(k)
            mark, click = self._flash_at(k)
            if click:
                audio[: self._click.shape[0]] = self._click
            if mark == 1:
                events.append({"event": "flash", "frame": k, "t_s": round(k / fps, 4)})
            late_s = time.monotonic() - due
            self.stats.worst_late_ms = max(self.stats.worst_late_ms, 1000 * late_s)
            drawn = last is None or late_s < MAX_LATE_FRAMES / fps or mark == 1
            if drawn:
                started = time.perf_counter()
                last = self.performer.draw(controls, k)
                if mark is not None:  # a new array: painting it touches no other frame
                    last[:FLASH_PATCH, :FLASH_PATCH] = 255 if mark else 0
                draw_total += time.perf_counter() - started
                self.stats.drawn += 1
                self.stats.draw_ms = 1000 * draw_total / self.stats.drawn
            else:
                self.stats.skipped += 1
            self.stats.frames += 1
            with self._lock:
                self._next_frame = k + 1
                subscribers = self._subscribers
            for subscriber in subscribers:
                try:
                    subscriber(k, last, audio, drawn)
                except Exception as exc:  # one broken viewer must not stop the show
                    log.error("live: a subscriber failed and was dropped: %s: %s",
                              type(exc).__name__, exc)  # fmt: skip
                    self.unsubscribe(subscriber)
            for event in events:
                self.on_event(event)

    # -- one frame ----------------------------------------------------------------------

    def _offset(self, k: int) -> int:
        """Audio sample at which show frame k starts."""
        return round(k * self.sr_hz / self.fps)

    def _step(self, k: int) -> tuple[np.ndarray, np.ndarray, list[dict]]:
        """Frame k's controls and audio; advances the queue. Returns events to send."""
        events: list[dict] = []
        n_samples = self._offset(k + 1) - self._offset(k)
        audio = np.zeros((n_samples, 2), np.float32)
        with self._lock:
            playing = self._playing
            if playing is not None:
                end = playing.start + playing.sentence.n_frames
                if playing.cut is not None and k > playing.cut or k >= end:
                    self._finish(playing, k, events)
                    playing = self._playing = None
            if playing is None and self._ready:
                line, part, sentence, _ = self._ready.popleft()
                playing = self._playing = _Playing(line, part, sentence, k)
                self._release = None
                if line.start_frame is None:
                    line.start_frame, line.status = k, "speaking"
                    if line.mood:
                        line.mood_event = [k, None, line.mood, MOOD_INTENSITY]
                        self._events.append(line.mood_event)
                    events.append({"event": "speech_started", "line": line.id, "text": line.text,
                                   "mood": line.mood})  # fmt: skip
                events.append({"event": "sentence", "line": line.id, "part": part,
                               "text": line.parts[part]})  # fmt: skip
                self._lock.notify_all()
            if playing is None and self._busy and not self._queue:
                self._busy = False
                events.append({"event": "idle"})
            controls = self.idle.at(k)
            if playing is not None:
                i = k - playing.start
                speech = playing.sentence.controls[i]
                lo = self._offset(k) - self._offset(playing.start)
                chunk = playing.sentence.audio[lo : lo + n_samples]
                audio[: len(chunk)] = chunk
                if playing.cut is not None:  # this is the frame it stops on
                    fade = min(n_samples, max(1, round(FADE_OUT_S * self.sr_hz)))
                    ramp = np.zeros(n_samples, np.float32)
                    ramp[:fade] = np.linspace(1, 0, fade, dtype=np.float32)
                    audio *= ramp[:, None]
                    self._release = (k, speech)
                    speech = self._released(k)
            else:
                speech = self._released(k)
            if speech is not None:
                controls[_MOUTH + [SLOT["tongue"]]] = speech[_MOUTH + [SLOT["tongue"]]]
                controls[_HEAD] += speech[_HEAD]
            controls[_EXPR] = self._expressions(k)
            for event in events:
                event["t_s"] = round(k / self.fps, 4)
        return controls, audio, events

    def _released(self, k: int) -> np.ndarray | None:
        """The speech controls easing back to rest after an interrupt, or None."""
        if self._release is None:
            return None
        k0, speech = self._release
        t = (k - k0 + 1) / self.fps
        if t > max(MOUTH_RELEASE_S, HEAD_RELEASE_S):
            self._release = None
            return None
        out = np.zeros_like(speech)
        for slots, span in ((_MOUTH + [SLOT["tongue"]], MOUTH_RELEASE_S), (_HEAD, HEAD_RELEASE_S)):
            x = min(1.0, t / span)
            out[slots] = speech[slots] * (1 - x * x * (3 - 2 * x))
        return out

    def _finish(self, playing: _Playing, k: int, events: list[dict]) -> None:
        """The sentence ``playing`` has ended at frame k (or was cut before it)."""
        line = playing.line
        interrupted = playing.cut is not None
        if interrupted or playing.part == len(line.parts) - 1:
            line.end_frame = playing.cut if interrupted else k
            line.status = "interrupted" if interrupted else "done"
            if line.mood_event is not None and line.mood_event[1] is None:
                line.mood_event[1] = line.end_frame
            if line in self._queue:
                self._queue.remove(line)
            events.append({"event": "speech_ended", "line": line.id, "interrupted": interrupted})

    def _ended(self, line: Line, *, interrupted: bool) -> None:
        line.status = "interrupted" if interrupted else "done"
        self.on_event({"event": "speech_ended", "line": line.id, "interrupted": interrupted})

    def _expressions(self, k: int) -> np.ndarray:
        """(4,) intensities of the expressions in force at frame k (eased in and out)."""
        fps = self.fps
        far = 1e6
        live = [
            ((s - k) / fps, far if e is None else (e - k) / fps, name, value)
            for s, e, name, value in self._events
        ]
        self._events = [e for e in self._events if e[1] is None or e[1] + fps >= k]
        if not live:
            return np.zeros(len(EXPRESSIONS), np.float32)
        return motion.expression_track(live, 1, fps)[0]

    # -- the record of the show -------------------------------------------------------

    def timeline(self, n_frames: int, label: dict) -> dict:
        """The show as a render's timeline (``engine.compile.timeline``): one segment, one
        ``say`` act per line that was heard."""
        fps = self.fps
        duration_s = round(n_frames / fps, 4)
        acts = []
        for line in self.lines:
            if line.start_frame is None:
                continue
            end = line.end_frame if line.end_frame is not None else n_frames
            acts.append(
                {
                    "verb": "say",
                    "who": self.who,
                    "segment": "live",
                    "start_s": round(line.start_frame / fps, 4),
                    "end_s": round(min(end, n_frames) / fps, 4),
                    "text": line.text,
                    "on_screen": True,
                }
            )
        w, h = self.performer.size
        return {
            "size": [w, h],
            "fps": fps,
            "duration_s": duration_s,
            "label": label,
            "segments": [
                {"what": "live", "start_s": 0.0, "end_s": duration_s, "cast": [self.who]}
            ],  # fmt: skip
            "acts": acts,
        }
