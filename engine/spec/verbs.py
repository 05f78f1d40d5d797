"""The scene verbs: one declaration each, read by the validator, builder, compiler and timeline.

A verb is what a shot's ``do:`` list names (``say``, ``sing``, ``emote``, ``look``,
``idle``, ``dance``, ``pause``). Everything the engine knows of one verb is its
``Verb`` here: how its typed action is read from the document, the consent scope it
needs, whether the character must be seen, how its length is known and its default
length, which face or body controls it drives, and whether QC judges it on the
video. Code elsewhere asks the declaration (``verb_of(action).body``), never the
verb's name, so adding a verb touches its declaration (and typed action in
``engine.spec.model``), the node that draws it, and the schema.

Nodes never import the spec: the compiler passes what a node needs of a verb as
plain params (``timing``, ``drives``, ``default_bars``).

Pure data: imports nothing of the engine outside ``engine.spec``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, is_dataclass
from typing import Protocol

from engine.spec import model as m

# How an action's length is known.
SECONDS = "seconds"  # its ``duration`` (or the verb's default), in seconds
SPEECH = "speech"  # the length of its speech: a line, measured once synthesised or decoded
BEATS = "beats"  # counted in the music (beats, bars), or as long as its reference motion
TIMINGS = (SECONDS, SPEECH, BEATS)

# The face controls a verb can drive (engine.nodes.render.talking reads these words).
MOUTH = "mouth"  # the mouth speaks or sings its line, the head follows the voice, in its mood
EXPRESSION = "expression"  # an expression held over the action (``expression``, ``intensity``)
GAZE = "gaze"  # the eyes turn ``toward`` a direction or a point
REST = "rest"  # breathing, blinks and glances only: what a face does when nothing drives it
FACE_CONTROLS = (MOUTH, EXPRESSION, GAZE, REST)

# Consent scopes that are not a verb's: someone else's voice speaking as the character
# (a recording with ``speaker: other``), and being presented by ``photoplay live``.
VOICE_CLONE = "voice-clone"
LIVE = "live"


class Reader(Protocol):
    """What a verb's reader needs of the builder, relative to the action's path."""

    def asset(self, value: object, *key: str | int) -> m.Asset | None: ...

    def tts(self, voice: dict) -> m.TtsVoice: ...

    def where(self, *key: str | int) -> m.Where: ...


@dataclass(frozen=True)
class Verb:
    """One scene verb.

    name : the key under ``do:``.
    model : the typed action (``engine.spec.model``) it is read into.
    read : (verb, document body, Reader) → model instance, for a schema-valid body.
    scope : the consent scope its character must grant, or None.
    on_screen : the character must have a photo (a line may be a narrator's).
    timing : how its length is known: ``SECONDS``, ``SPEECH`` (a line of speech:
        a short gap follows it) or ``BEATS``.
    default_s : seconds, for a ``SECONDS`` verb whose action gives no duration (None:
        the schema requires one).
    default_bars : bars, for a ``BEATS`` action that gives no length or motion.
    tts : its line may be text a TTS voice speaks (``text``, ``voice``).
    song : its recording is music (a song is not refused for sounding like music).
    words : (action) → its words as written (captions, the timeline, alignment), for
        a ``SPEECH`` verb.
    face : the face controls it drives (``FACE_CONTROLS``); () = it leaves the face.
    face_fields : the action's fields the face animation reads.
    body : it drives the character's body (a dance: rig, choreography).
    judged : QC looks for it on the video (a speaking face, a dancing body).
    """

    name: str
    model: type
    read: Callable[[Verb, object, Reader], m.Action]
    scope: str | None = None
    on_screen: bool = True
    timing: str = SECONDS
    default_s: float | None = None
    default_bars: int | None = None
    tts: bool = False
    song: bool = False
    words: Callable[[m.Action], str | None] | None = None
    face: tuple[str, ...] = ()
    face_fields: tuple[str, ...] = ()
    body: bool = False
    judged: bool = False

    @property
    def spoken(self) -> bool:
        """A line of speech: its length is its speech's, and a gap follows it."""
        return self.timing == SPEECH

    def face_params(self, action: m.Action) -> dict:
        """The ``face_fields`` of ``action`` as JSON-ready values (tuples as lists,
        nested dataclasses as maps)."""
        return {name: _plain(getattr(action, name)) for name in self.face_fields}


def _plain(value: object) -> object:
    if is_dataclass(value):
        return {k: _plain(v) for k, v in asdict(value).items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def _f(value) -> float | None:
    return None if value is None else float(value)


# -- reading each verb's body -------------------------------------------------------


def _say(verb: Verb, d: dict, r: Reader) -> m.Say:
    return m.Say(
        d["who"],
        d.get("text"),
        r.asset(d.get("audio"), "audio"),
        d.get("transcript"),
        d.get("speaker", "own"),
        r.tts(d["voice"]) if "voice" in d else None,
        d.get("mood"),
        _f(d.get("at")),
        r.where("text"),
        d.get("language", "en-us"),
    )


def _sing(verb: Verb, d: dict, r: Reader) -> m.Sing:
    return m.Sing(
        d["who"],
        r.asset(d["audio"], "audio"),
        d.get("lyrics"),
        d.get("speaker", "own"),
        d.get("mood"),
        _f(d.get("at")),
    )


def _emote(verb: Verb, d: dict, r: Reader) -> m.Emote:
    s = d.get("strength")
    return m.Emote(
        d["who"],
        d["expression"],
        float(d.get("intensity", 0.7)),
        float(d.get("duration", verb.default_s)),
        m.Strength(s.get("head"), s.get("mouth"), s.get("eyes")) if s else None,
        _f(d.get("at")),
    )


def _look(verb: Verb, d: dict, r: Reader) -> m.Look:
    toward = d["toward"]
    if isinstance(toward, list):
        toward = (float(toward[0]), float(toward[1]))
    return m.Look(d["who"], toward, float(d.get("duration", verb.default_s)), _f(d.get("at")))


def _idle(verb: Verb, d: dict, r: Reader) -> m.Idle:
    return m.Idle(d["who"], float(d["duration"]), float(d.get("intensity", 0.5)), _f(d.get("at")))


def _dance(verb: Verb, d: dict, r: Reader) -> m.Dance:
    return m.Dance(
        d["who"],
        d.get("style"),
        tuple(d["moves"]) if "moves" in d else None,
        r.asset(d.get("motion"), "motion"),
        d.get("bars"),
        d.get("beats"),
        _f(d.get("duration")),
        _f(d.get("energy")),
        d.get("fit_to_beats", False),
        _f(d.get("at")),
    )


def _pause(verb: Verb, d: object, r: Reader) -> m.Pause:
    if not isinstance(d, dict):
        return m.Pause(float(d))  # pause: SECONDS
    return m.Pause(float(d["duration"]), _f(d.get("at")))


# -- the declarations ---------------------------------------------------------------

SAY = Verb(
    "say",
    m.Say,
    _say,
    scope="speech",
    on_screen=False,  # a narrator speaks off screen
    timing=SPEECH,
    tts=True,
    words=lambda a: a.text or a.transcript,
    face=(MOUTH,),
    face_fields=("mood",),
    judged=True,
)
SING = Verb(
    "sing",
    m.Sing,
    _sing,
    scope="singing",
    timing=SPEECH,
    song=True,
    words=lambda a: a.lyrics,
    face=(MOUTH,),
    face_fields=("mood",),
    judged=True,
)
EMOTE = Verb(
    "emote",
    m.Emote,
    _emote,
    scope="expressions",
    default_s=1.5,
    face=(EXPRESSION,),
    face_fields=("expression", "intensity", "strength"),
)
LOOK = Verb("look", m.Look, _look, default_s=1.0, face=(GAZE,), face_fields=("toward",))
IDLE = Verb("idle", m.Idle, _idle, face=(REST,))
DANCE = Verb(
    "dance", m.Dance, _dance, scope="dance", timing=BEATS, default_bars=8, body=True, judged=True
)
PAUSE = Verb("pause", m.Pause, _pause, on_screen=False)

VERBS: dict[str, Verb] = {v.name: v for v in (SAY, SING, EMOTE, LOOK, IDLE, DANCE, PAUSE)}
_BY_MODEL: dict[type, Verb] = {v.model: v for v in VERBS.values()}

# Every consent scope a character may grant (the schema's ``consent.scope`` items).
SCOPES = (*dict.fromkeys(v.scope for v in VERBS.values() if v.scope), VOICE_CLONE, LIVE)
# What ``photoplay live`` makes its character do: speak typed lines, live.
LIVE_SCOPES = (LIVE, SAY.scope)


def verb_of(action: m.Action) -> Verb:
    """The declaration of a typed action."""
    return _BY_MODEL[type(action)]
