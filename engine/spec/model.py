"""The typed scene: frozen dataclasses built from a valid document.

Nothing past ``engine/spec`` sees raw dicts: the compiler reads these. Schema
defaults are applied; sizes are pixels, times are seconds, rates are words per
minute, tempo is beats per minute.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import Diagnostic

Point = tuple[float, float]  # fractions of the picture, (x, y), 0..1


@dataclass(frozen=True)
class Asset:
    """A file the scene uses. ``path`` is absolute and inside the project; ``rel`` as written."""

    path: Path
    rel: str
    licence: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Output:
    """The video to make. Sizes in pixels (both even), frame rate in frames/s."""

    width: int = 720
    height: int = 720
    fps: int = 25
    seed: int = 0
    crf: int = 20
    preset: str = "veryfast"
    loudness_lufs: float = -14.0
    true_peak_dbtp: float = -1.0
    sample_rate: int = 48000
    poster: bool = True


@dataclass(frozen=True)
class TtsVoice:
    """An espeak-ng voice. ``rate`` in words per minute, ``pitch`` 0-99."""

    tts: str
    variant: str | None = None
    rate: int = 160
    pitch: int = 50


@dataclass(frozen=True)
class RecordedVoice:
    """A recording of the character's voice (``speaker: other`` = someone else's)."""

    audio: Asset
    transcript: str | None = None
    language: str = "en-us"
    speaker: str = "own"


@dataclass(frozen=True)
class Consent:
    basis: str
    scope: tuple[str, ...]
    granted_by: str | None = None
    date: str | None = None
    record: Asset | None = None
    source: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Body:
    mode: str = "auto"
    person: int = 0


@dataclass(frozen=True)
class Character:
    """``face`` is a face index (0 = leftmost) or a box (x, y, w, h) in photo pixels."""

    name: str
    display_name: str
    photo: Asset | None
    face: int | tuple[float, float, float, float] | None
    body: Body
    voice: TtsVoice | RecordedVoice | None
    consent: Consent


@dataclass(frozen=True)
class Music:
    """The music track. ``start_s`` is the offset into the file; ``bpm`` a tempo hint."""

    file: Asset
    start_s: float = 0.0
    gain_db: float = 0.0
    duck_db: float = 12.0
    fade_in_s: float = 0.0
    fade_out_s: float = 0.0
    bpm: float | None = None
    duration_s: float | None = None  # length of the file, measured when validated


@dataclass(frozen=True)
class Captions:
    burn: bool = False
    srt: bool = False
    vtt: bool = False
    size: float = 0.05  # fraction of the frame height
    style: str = "lines"  # burned: "lines" as written, or "words", the spoken one highlighted


@dataclass(frozen=True)
class Label:
    """The visible disclosure. ``size`` is a fraction of the frame height; ``opening_card`` s."""

    text: str = "AI-generated"
    language: str = "en"
    position: str = "bottom-right"
    size: float = 0.035
    colour: str | None = None
    opening_card: float = 0.0


@dataclass(frozen=True)
class Credits:
    """The credits card. ``duration`` in seconds as written; None = the engine's: 2 s or
    15 % of the video, whichever is shorter. ``card``: where it shows, ``end`` (after the
    last shot), ``start`` (before the first shot, after any opening card) or ``none``
    (no card; the credits stay in the provenance, the manifest and ``.credits.txt``)."""

    duration: float | None = None
    background: str | None = None
    colour: str | None = None
    card: str = "end"


@dataclass(frozen=True)
class CulturalReview:
    by: str
    date: str
    note: str | None = None


@dataclass(frozen=True)
class Signing:
    chain: Asset
    key: Asset


@dataclass(frozen=True)
class Ethics:
    label: Label = Label()
    credits: Credits = Credits()
    cultural_review: CulturalReview | None = None
    signing: Signing | None = None


@dataclass(frozen=True)
class Camera:
    """A move from start to end: zoom factors, pan points, rotation in degrees (CCW).

    ``auto``: the scene gives no pan, so the renderer aims the camera at the cast's
    faces (``engine.nodes.render.framing``) instead of the picture's centre.
    ``follow``: ``"speaker"`` comes in close on whoever speaks (without a pan).
    """

    zoom: tuple[float, float] = (1.0, 1.0)
    pan: tuple[Point, Point] = ((0.5, 0.5), (0.5, 0.5))
    rotate: tuple[float, float] = (0.0, 0.0)
    ease: str = "in-out"
    auto: bool = True
    follow: str | None = None  # "speaker": come in on whoever speaks (framing.follow_track)
    switch: str = "move"  # how a following camera goes to the next speaker: move or cut
    zoom_given: bool = False  # the scene wrote a zoom (a following camera keeps it)

    @property
    def following(self) -> bool:
        """Whether the camera follows the speaker (an explicit pan wins over follow)."""
        return self.follow is not None and self.auto


@dataclass(frozen=True)
class Title:
    text: str
    subtitle: str | None = None
    position: str = "center"
    size: float = 0.08
    colour: str | None = None


@dataclass(frozen=True)
class Transition:
    type: str = "cut"
    duration: float = 0.5


@dataclass(frozen=True)
class Strength:
    head: float | None = None
    mouth: float | None = None
    eyes: float | None = None


@dataclass(frozen=True)
class Where:
    """Where a value was written, for errors found after validation (render time)."""

    file: str
    line: int
    col: int
    path: str  # shots[2].do[0].say.text


@dataclass(frozen=True)
class Say:
    who: str
    text: str | None = None
    audio: Asset | None = None
    transcript: str | None = None
    speaker: str = "own"
    voice: TtsVoice | None = None
    mood: str | None = None
    at: float | None = None
    where: Where | None = field(default=None, compare=False)  # of ``text``
    language: str = "en-us"  # of the recording and its transcript


@dataclass(frozen=True)
class Sing:
    who: str
    audio: Asset
    lyrics: str | None = None
    speaker: str = "own"
    mood: str | None = None
    at: float | None = None


@dataclass(frozen=True)
class Emote:
    who: str
    expression: str
    intensity: float = 0.7
    duration: float = 1.5
    strength: Strength | None = None
    at: float | None = None


@dataclass(frozen=True)
class Look:
    """``toward`` is a direction word or a point (x, y) of the frame, as fractions."""

    who: str
    toward: str | Point
    duration: float = 1.0
    at: float | None = None


@dataclass(frozen=True)
class Idle:
    who: str
    duration: float
    intensity: float = 0.5
    at: float | None = None


@dataclass(frozen=True)
class Dance:
    who: str
    style: str | None = None
    moves: tuple[str, ...] | None = None
    motion: Asset | None = None
    bars: int | None = None
    beats: int | None = None
    duration: float | None = None
    energy: float | None = None
    fit_to_beats: bool = False
    at: float | None = None


@dataclass(frozen=True)
class Pause:
    """Time in which nobody acts. ``who`` is always None: every action has a ``who``,
    so code that asks whose action it is needs no special case for a pause."""

    duration: float
    at: float | None = None
    who: None = None


Action = Say | Sing | Emote | Look | Idle | Dance | Pause


@dataclass(frozen=True)
class Gradient:
    """A backdrop going from ``colours[0]`` to ``colours[1]`` (``#rrggbb``); ``angle`` in
    degrees, 90 = top to bottom, 0 = left to right."""

    colours: tuple[str, str]
    angle: float = 90.0


@dataclass(frozen=True)
class StageMove:
    """A performer's entrance or exit in a shot. ``side``: ``left`` or ``right`` (they
    slide in from, or out beyond, that edge of the frame) or ``fade``; ``at``: when it
    starts, seconds into the shot (None: an entrance at 0, an exit timed to end with the
    shot); ``duration``: seconds, eased."""

    side: str
    at: float | None = None
    duration: float = 0.6


@dataclass(frozen=True)
class Place:
    """Where performer ``who`` stands on the stage. ``x``, ``y``: their face's centre,
    fractions of the frame; ``height``: hair to lowest point, fraction of the frame height;
    ``scale``: factor on the automatic size; ``depth``: larger stands in front. None =
    automatic. ``enter``, ``exit``: how they come on and leave the stage in the shot."""

    who: str
    x: float | None = None
    y: float | None = None
    height: float | None = None
    scale: float | None = None
    depth: int | None = None
    mirror: bool = False
    enter: StageMove | None = None  # None: on stage from the shot's first frame
    exit: StageMove | None = None  # None: on stage to its last


@dataclass(frozen=True)
class StageLook:
    """How performers on a stage behave toward each other and the backdrop.

    ``listeners``: ``turn`` (those not speaking turn head and eyes toward whoever
    speaks or sings) or ``still``; ``match``: how far each cut-out's colour and light
    move toward the backdrop around them, 0 (not at all) to 1 (its mean and contrast)."""

    listeners: str = "turn"
    match: float = 0.5


@dataclass(frozen=True)
class Shot:
    """One shot. ``duration`` as written (None = derived); ``est_duration_s`` the estimate.

    ``background`` is an image Asset, a colour ``#rrggbb``, a Gradient, or None;
    ``background_fit`` how an image fills the frame (``cover`` or ``contain``).
    ``place``: performers' places on the stage (one per character at most).
    ``stage``: listeners turning toward the speaker, colour match to the backdrop.
    """

    index: int
    id: str | None
    background: Asset | str | Gradient | None
    cast: tuple[str, ...]
    duration: float | None
    camera: Camera
    title: Title | None
    transition: Transition
    actions: tuple[Action, ...]
    est_duration_s: float
    background_fit: str = "cover"
    place: tuple[Place, ...] = ()
    stage: StageLook = StageLook()


@dataclass(frozen=True)
class Scene:
    """A validated scene, ready to compile.

    ``est_duration_s`` estimates the video length: shots (TTS at the voice's
    rate, real audio lengths, dance bars at the music's tempo) plus the opening
    card and the credits. ``source_sha256`` hashes the scene after extends and
    templating (canonical JSON).
    """

    title: str | None
    file: Path
    root: Path
    output: Output
    characters: dict[str, Character]
    music: Music | None
    captions: Captions
    ethics: Ethics
    shots: tuple[Shot, ...]
    warnings: tuple[Diagnostic, ...]
    source_sha256: str
    vars: dict[str, object]
    est_duration_s: float
