"""Semantic checks the schema cannot express.

They run on the loaded data even when it has schema errors (every lookup is
guarded), so a user sees all problems at once:

- assets: exist, are readable files, stay inside the project folder (no ``..``
  or symlink escape, no absolute path outside), decode;
- references: every ``who:`` and ``cast:`` entry names a character; cast
  members and characters who act on screen have a photo;
- consent: the scope covers what the scene makes each character do; the basis
  has the fields it needs; a character presented live (``photoplay live``) has a
  photo, a TTS voice, and ``live`` and ``speech`` in their scope;
- ethics: ceremonial and sacred dance styles need a cultural review;
- durations: an estimate per shot and in total, within the limit;
- licences: music and photos without ``licence:`` or ``source:`` (warning,
  an error under strict).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import Diagnostic
from engine.shot_time import STAGE_MOVE_S, Timed, counted_s, credits_card_s, lay_out
from engine.spec import glyphs
from engine.spec.document import Document
from engine.spec.media import Probe, probe
from engine.spec.model import Output, Transition
from engine.spec.templating import did_you_mean
from engine.spec.verbs import BEATS, LIVE_SCOPES, SPEECH, VERBS, VOICE_CLONE, Verb
from engine.spec.yamlsafe import DocPath, format_path
from engine.speech_time import estimate_speech_s

DEFAULT_RATE_WPM = 160
DEFAULT_BPM = 120.0  # the tempo assumed without a bpm hint, until the music is analysed
BEATS_PER_BAR = 4  # the schema's bars are 4 beats
MAX_FPS = 120
RESTRICTED_CONTEXTS = ("ceremonial", "sacred")
RECORDED_VOICE_USE, LIVE_USE = -1, -2  # consent uses outside any shot


@dataclass
class Findings:
    """What the checks found: problems, plus facts the model builder reuses."""

    errors: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    assets: dict[DocPath, Path] = field(default_factory=dict)  # path of the file string → file
    probes: dict[Path, Probe] = field(default_factory=dict)
    shot_s: dict[int, float] = field(default_factory=dict)  # estimated length per shot
    total_s: float = 0.0


def _get(obj: object, key: str, kind: type | tuple = object):
    if isinstance(obj, dict):
        value = obj.get(key)
        if isinstance(value, kind) and not (kind in (int, float) and isinstance(value, bool)):
            return value
    return None


def _num(obj: object, key: str) -> float | None:
    value = _get(obj, key, (int, float))
    if value is None or isinstance(value, bool) or not math.isfinite(value):
        return None
    return float(value)


def _shot_name(i: int, shot: object) -> str:
    sid = _get(shot, "id", str)
    return f"shot {i + 1} ({sid!r})" if sid else f"shot {i + 1}"


class Checker:
    def __init__(
        self,
        doc: Document,
        *,
        strict: bool,
        max_duration_s: float,
        style_catalog: Mapping[str, str] | None,
        voice_catalog: Collection[str] | None = None,
        live: str | None = None,
    ):
        self.doc = doc
        self.live = live
        self.voices = voice_catalog
        self.data = doc.data if isinstance(doc.data, dict) else {}
        self.strict = strict
        self.max_duration_s = max_duration_s
        self.catalog = style_catalog
        self.found = Findings()
        self.characters = _get(self.data, "characters", dict) or {}
        self.licence_warned: set[Path] = set()

    # -- reporting ----------------------------------------------------------------------

    def error(self, path: DocPath, code: str, msg: str, hint: str = "", *, key: bool = False):
        pos = self.doc.where(path, key=key)
        diag = Diagnostic(pos.file, pos.line, pos.col, format_path(path), code, msg, hint)
        self.found.errors.append(diag)

    def warn(self, path: DocPath, code: str, msg: str, hint: str = ""):
        pos = self.doc.where(path)
        severity = "error" if self.strict else "warning"
        diag = Diagnostic(pos.file, pos.line, pos.col, format_path(path), code, msg, hint, severity)
        (self.found.errors if self.strict else self.found.warnings).append(diag)

    # -- driver -------------------------------------------------------------------------

    def run(self) -> Findings:
        self.check_finite(self.data, ())
        self.check_characters()
        music = _get(self.data, "music", dict)
        if music is not None:
            self.check_asset(("music", "file"), "av", licence_of=music)
            self.check_music_offset(music)
        signing = _get(_get(self.data, "ethics", dict), "signing", dict)
        for key in ("chain", "key"):
            if signing is not None:
                self.check_asset(("ethics", "signing", key), None)
        uses = self.check_shots()
        if self.live is not None:
            uses += self.check_live(self.live)
        self.check_consent(uses)
        self.check_total()
        self.check_glyphs()
        self.check_tts_language()
        self.check_stage_options()
        return self.found

    def check_glyphs(self) -> None:
        """Text the font cannot draw: in the label an error (boxes disclose nothing), in
        a title or burned captions a warning (they would show empty boxes)."""
        label = _get(self.data, "ethics", dict) or {}
        label_path: DocPath = ("ethics", "label")
        text = label.get("label")
        if isinstance(text, dict):
            text, label_path = text.get("text"), (*label_path, "text")
        lacking = glyphs.missing(text) if isinstance(text, str) else ""
        if lacking:
            self.error(
                label_path,
                "ethics.label-glyphs",
                f"the label's font cannot draw {glyphs.describe(lacking)}: the disclosure "
                "would show as empty boxes",
                "write the label in Latin, Greek, Cyrillic, Hebrew or Arabic script, "
                'e.g. "AI-generated"',
            )
        burn = (_get(self.data, "captions", dict) or {}).get("burn") is True
        for i, shot in enumerate(_get(self.data, "shots", list) or []):
            if not isinstance(shot, dict):
                continue
            title = shot.get("title")
            parts = [("title",)] if isinstance(title, str) else []
            if isinstance(title, dict):
                parts = [
                    ("title", k) for k in ("text", "subtitle") if isinstance(title.get(k), str)
                ]
            for part in parts:
                lacking = glyphs.missing(self._at(("shots", i, *part)))
                if lacking:
                    self.warn(
                        ("shots", i, *part),
                        "title.glyphs",
                        f"the title's font cannot draw {glyphs.describe(lacking)}: they "
                        "would show as empty boxes",
                        "write the title in Latin, Greek, Cyrillic, Hebrew or Arabic script",
                    )
            for j, action in enumerate(_get(shot, "do", list) or [] if burn else []):
                if not isinstance(action, dict) or len(action) != 1:
                    continue
                verb, body = next(iter(action.items()))
                for key in ("text", "lyrics", "transcript"):
                    said = _get(body, key, str)
                    lacking = glyphs.missing(said) if said else ""
                    if lacking:
                        self.warn(
                            ("shots", i, "do", j, verb, key),
                            "captions.glyphs",
                            f"the burned captions cannot draw {glyphs.describe(lacking)}: "
                            "they would show as empty boxes",
                            "captions: {burn: false, srt: true} leaves them to the player's fonts",
                        )
                        break

    def check_stage_options(self) -> None:
        """``stage:`` options act on a stage only (a background, ``place:``, or a cast
        from several photos): on the cast's own single photo they would do nothing, but
        for ``listeners`` when several people of that photo are in the cast."""
        characters = _get(self.data, "characters", dict) or {}
        for i, shot in enumerate(_get(self.data, "shots", list) or []):
            if not isinstance(shot, dict) or "stage" not in shot:
                continue
            cast = [n for n in _get(shot, "cast", list) or [] if isinstance(n, str)]
            photos = set()
            for name in cast:
                photo = _get(_get(characters, name, dict), "photo", dict) or {}
                photos.add(str(photo.get("file")))
            if shot.get("background") is not None or shot.get("place") or len(photos) > 1:
                continue
            look = _get(shot, "stage", dict) or {}
            if len(cast) > 1 and "match" not in look:
                continue  # several people of one photo: their listeners turn (or keep still)
            self.warn(
                ("shots", i, "stage"),
                "stage.unused",
                "this shot is not a stage (its cast stand on their own photo), so its stage "
                "options change nothing",
                "give the shot a background: or place: to make it a stage, or remove stage:",
            )

    def check_tts_language(self) -> None:
        """A line's ``language`` picks how a recording is aligned; a line spoken by a TTS
        voice of another language would read its text with that voice's rules."""
        characters = _get(self.data, "characters", dict) or {}
        for i, shot in enumerate(_get(self.data, "shots", list) or []):
            for j, action in enumerate(_get(shot, "do", list) or []):
                if not isinstance(action, dict) or len(action) != 1:
                    continue
                verb, body = next(iter(action.items()))
                language = _get(body, "language", str)
                if not language or not isinstance(body, dict) or "audio" in body:
                    continue
                voice = _get(body, "voice", dict) or _get(
                    _get(characters, body.get("who"), dict), "voice", dict
                )
                tts = (voice or {}).get("tts", "en-us")
                if not isinstance(tts, str):
                    continue
                spoken = re.split(r"[-_]", tts.removeprefix("piper:"))[0].lower()
                if spoken != language.split("-")[0].lower():
                    self.warn(
                        ("shots", i, "do", j, verb, "language"),
                        "say.language-voice",
                        f"this line is spoken by the TTS voice {tts!r}, not in {language!r}: "
                        "language only tells how a recording is aligned",
                        f"give the line a voice of that language, e.g. voice: {{tts: {language}}}",
                    )

    def check_finite(self, value: object, path: DocPath) -> None:
        if isinstance(value, float) and not math.isfinite(value):
            self.error(path, "schema.not-finite", f"expected a finite number, got {value}")
        elif isinstance(value, dict):
            for key, item in value.items():
                self.check_finite(item, (*path, key))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                self.check_finite(item, (*path, i))

    # -- assets -------------------------------------------------------------------------

    def check_asset(
        self, path: DocPath, kind: str | None, *, licence_of: object = None
    ) -> Path | None:
        """Check the file named at ``path`` (a string, or an asset map's ``file``).

        ``kind`` is "image", "av", "motion" or None (exists only). ``licence_of``
        is the map that should carry ``licence:`` or ``source:`` (warn if not).
        """
        node = self._at(path)
        if isinstance(node, dict):
            licence_of = node if licence_of is None or licence_of is True else licence_of
            path, node = (*path, "file"), node.get("file")
        if not isinstance(node, str) or not node:
            return None
        file = self.resolve_file(path, node)
        if file is None:
            return None
        self.found.assets[path] = file
        if kind is not None:
            result = self.found.probes.get(file) or probe(file, kind)
            self.found.probes[file] = result
            if result.error:
                self.error(path, "asset.undecodable", f"{node!r}: {result.error}")
                return None
        if licence_of is not None and file not in self.licence_warned:
            has = isinstance(licence_of, dict) and (
                licence_of.get("licence") or licence_of.get("source")
            )
            if not has:
                self.licence_warned.add(file)
                self.warn(
                    path,
                    "licence.missing",
                    f"{node!r} has no licence or source",
                    f"write it as {{file: {node}, licence: ...}} or add source: ...",
                )
        return file

    def resolve_file(self, path: DocPath, rel: str) -> Path | None:
        root = self.doc.root
        base = self.doc.folder_of(path)
        given = Path(rel).expanduser() if rel.startswith("~") else Path(rel)
        lexical = Path(os.path.normpath(given if given.is_absolute() else base / given))
        if "\x00" in rel:
            self.error(path, "asset.missing", "file name contains a NUL character")
            return None
        try:
            resolved = lexical.resolve()
        except (OSError, RuntimeError):  # symlink loops
            self.error(
                path, "asset.unreadable", f"{rel!r}: cannot follow this path (symlink loop?)"
            )
            return None
        hint = "copy the file into the scene's folder and use a relative path"
        lex_root = Path(os.path.abspath(self.doc.file.parent))
        absolute = Path(os.path.abspath(lexical))  # abspath also folds '..'
        if not (_inside(absolute, lex_root) or _inside(absolute, root)):
            self.error(
                path,
                "asset.outside-project",
                f"{rel!r} is outside the project folder {str(root)!r}",
                hint,
            )
            return None
        if not _inside(resolved, root):
            self.error(
                path,
                "asset.outside-project",
                f"{rel!r} is a symlink that points outside the project folder",
                hint,
            )
            return None
        if not resolved.exists():
            folder = resolved.parent
            names = []
            if folder.is_dir():
                names = [p.name for _, p in zip(range(2000), folder.iterdir(), strict=False)]
            close = did_you_mean(resolved.name, names)
            if not close and rel.startswith("#"):
                close = "a colour is written #rrggbb"
            self.error(path, "asset.missing", f"file {rel!r} not found", close)
            return None
        if not resolved.is_file():
            self.error(path, "asset.not-a-file", f"{rel!r} is a folder, not a file")
            return None
        if not os.access(resolved, os.R_OK):
            self.error(path, "asset.unreadable", f"{rel!r} is not readable (permissions)")
            return None
        return resolved

    def _at(self, path: DocPath) -> object:
        node: object = self.data
        for part in path:
            if isinstance(part, int):
                node = node[part] if isinstance(node, list) and part < len(node) else None
            else:
                node = node.get(part) if isinstance(node, dict) else None
        return node

    def check_music_offset(self, music: dict) -> None:
        start = _num(music, "start")
        file = self.found.assets.get(("music", "file"))
        length = self.found.probes[file].duration_s if file in self.found.probes else None
        if start is not None and length is not None and start >= length:
            self.error(
                ("music", "start"),
                "duration.offset",
                f"start {start:g} s is past the end of the music ({length:.1f} s long)",
                f"use a start below {length:.1f}",
            )

    # -- characters ---------------------------------------------------------------------

    def check_characters(self) -> None:
        for name, char in self.characters.items():
            if not isinstance(char, dict):
                continue
            base = ("characters", name)
            if "photo" in char:
                self.check_asset((*base, "photo"), "image", licence_of=True)
            voice = _get(char, "voice", dict)
            if voice is not None and "audio" in voice:
                self.check_asset((*base, "voice", "audio"), "av")
            self.check_voice((*base, "voice"), voice)
            consent = _get(char, "consent", dict)
            if consent is None:
                continue
            if "record" in consent:
                self.check_asset((*base, "consent", "record"), None)
            basis = _get(consent, "basis", str)
            cpath = (*base, "consent")
            if basis == "public-domain" and not _get(consent, "source", str):
                self.error(
                    cpath,
                    "consent.source",
                    "basis 'public-domain' needs a source showing the photo and person are public domain",
                    "add source: (an archive, a URL)",
                )
            if basis in ("self", "subject", "guardian", "estate"):
                for key, what in (("granted_by", "who granted it"), ("date", "when (YYYY-MM-DD)")):
                    if not _get(consent, key, str):
                        self.error(
                            cpath,
                            "consent.record",
                            f"basis {basis!r} needs {key}: {what}",
                            f"add {key}:",
                        )

    # -- shots --------------------------------------------------------------------------

    def check_ref(self, path: DocPath, name: object) -> dict | None:
        if not isinstance(name, str):
            return None
        char = self.characters.get(name)
        if char is None:
            hint = did_you_mean(name, self.characters) or (
                "declare it under characters:"
                if not self.characters
                else "declared: " + ", ".join(sorted(self.characters))
            )
            self.error(path, "ref.unknown-character", f"no character named {name!r}", hint)
            return None
        return char if isinstance(char, dict) else None

    def check_shots(self) -> list[tuple[str, str, int, DocPath]]:
        """Check every shot; return the uses (character, scope, shot index, path)."""
        uses: list[tuple[str, str, int, DocPath]] = []
        shots = _get(self.data, "shots", list) or []
        for i, shot in enumerate(shots):
            if not isinstance(shot, dict):
                continue
            base = ("shots", i)
            bg = shot.get("background")
            if isinstance(bg, dict) and "photo" in bg:
                self.check_asset((*base, "background", "photo"), "image", licence_of=True)
            elif isinstance(bg, dict) and "gradient" in bg:
                pass  # colours: the schema checks them
            elif isinstance(bg, dict) or (isinstance(bg, str) and not _is_colour(bg)):
                self.check_asset((*base, "background"), "image", licence_of=True)
            self.check_place(base, shot)
            for j, name in enumerate(_get(shot, "cast", list) or []):
                char = self.check_ref((*base, "cast", j), name)
                if char is not None and "photo" not in char:
                    self.error(
                        (*base, "cast", j),
                        "ref.no-photo",
                        f"{name!r} is in the cast but has no photo to animate",
                        f"give characters.{name}.photo, or leave {name} out of cast (a narrator speaks off screen)",
                    )
            actions = _get(shot, "do", list) or []
            for j, action in enumerate(actions):
                if not isinstance(action, dict) or len(action) != 1:
                    continue
                verb, body = next(iter(action.items()))
                self.check_action(i, (*base, "do", j, verb), verb, body, uses)
            self.found.shot_s[i] = self.shot_length(i, shot, actions)
            self.check_entrances(base, shot, self.found.shot_s[i])
            self.check_follow(base, shot, actions)
        return uses

    def check_follow(self, base: DocPath, shot: dict, actions: list) -> None:
        """``camera: {follow: speaker}`` needs someone who speaks on screen, and gives way
        to an explicit pan: either way the camera would not follow, so it warns."""
        camera = _get(shot, "camera", dict) or {}
        if camera.get("follow") is None:
            return
        if "pan" in camera:
            self.warn(
                (*base, "camera", "follow"),
                "camera.follow-pan",
                "an explicit pan wins: this camera pans as written and does not follow the speaker",
                "remove pan: to follow the speaker, or follow: to keep the pan",
            )
            return
        cast = set(_get(shot, "cast", list) or [])
        spoken = {name for name, verb in VERBS.items() if verb.spoken}
        speaks = any(
            isinstance(a, dict)
            and len(a) == 1
            and next(iter(a)) in spoken
            and (_get(next(iter(a.values())), "who", str) in cast)
            for a in actions
        )
        if not speaks:
            self.warn(
                (*base, "camera", "follow"),
                "camera.follow-silent",
                "nobody in this shot's cast speaks or sings, so there is no speaker to follow",
                "remove follow:, or give the shot a say: or sing: by someone in its cast",
            )

    def check_place(self, base: DocPath, shot: dict) -> None:
        """Each placed performer is in the shot's cast and stands on the stage.

        (Placing one twice is a duplicate key, refused when the YAML loads.)
        """
        place = _get(shot, "place", dict) or {}
        cast = [n for n in (_get(shot, "cast", list) or []) if isinstance(n, str)]
        for name, spec in place.items():
            path = (*base, "place", name)
            if name not in cast:
                hint = did_you_mean(name, cast)
                if not hint and name in self.characters:
                    hint = f"add {name} to this shot's cast, or remove it from place:"
                elif not hint:
                    hint = "the cast: " + ", ".join(cast) if cast else "give the shot a cast:"
                does = (
                    "enters but is"
                    if isinstance(spec, dict) and "enter" in spec
                    else "is placed but"
                )
                self.error(path, "place.not-in-cast", f"{name!r} {does} not in this shot's cast", hint, key=True)  # fmt: skip
                continue
            for axis, sides in (("x", ("left", "right")), ("y", ("top", "bottom"))):
                value = _num(spec, axis)
                if value is not None and not 0.0 <= value <= 1.0:
                    self.error(
                        (*path, axis),
                        "place.off-stage",
                        f"{name!r} is placed off the stage: {axis} {value:g} puts their face "
                        f"beyond the frame's {sides[value > 1]} edge",
                        f"{axis} is where the face's centre is, from 0 to 1 across the frame "
                        "(0.5 = the middle)",
                    )

    def check_entrances(self, base: DocPath, shot: dict, length_s: float) -> None:
        """An entrance starts before the shot ends; an exit starts within the shot and
        after the entrance has ended. ``length_s``: the shot's length (as written, else
        the estimate the render lays out alike, ``engine.shot_time``)."""
        place = _get(shot, "place", dict) or {}
        cast = [n for n in (_get(shot, "cast", list) or []) if isinstance(n, str)]
        explicit = _num(shot, "duration") is not None
        lasts = f"{'lasts' if explicit else 'lasts about'} {length_s:.3g} s"
        for name, spec in place.items():
            if name not in cast or not isinstance(spec, dict):
                continue  # check_place said so
            path = (*base, "place", name)
            moves = {}
            for key, side_key in (("enter", "from"), ("exit", "to")):
                move = spec.get(key)
                if isinstance(move, str):
                    move = {side_key: move}
                if isinstance(move, dict):
                    at = _num(move, "at")
                    where = (*path, key, "at") if at is not None else (*path, key)
                    duration = _num(move, "duration") or STAGE_MOVE_S
                    moves[key] = (at, duration, where)
            if "enter" in moves:
                at, duration, where = moves["enter"]
                if (at or 0.0) >= length_s:
                    self.error(
                        where,
                        "place.enter-late",
                        f"{name!r} enters at {at:g} s, after the shot ends (it {lasts})",
                        f"enter before {length_s:.3g} s, or give the shot a longer duration:",
                    )
                    continue
            if "exit" in moves:
                at, duration, where = moves["exit"]
                start = at if at is not None else length_s - duration
                if at is not None and at >= length_s:
                    self.error(
                        where,
                        "place.exit-late",
                        f"{name!r} exits at {at:g} s, after the shot ends (it {lasts})",
                        f"exit before {length_s:.3g} s, or leave out at: to be gone at its end",
                    )
                elif "enter" in moves:
                    e_at, e_duration, _ = moves["enter"]
                    entered = (e_at or 0.0) + e_duration
                    if start < entered - 1e-9:
                        self.error(
                            where,
                            "place.exit-before-enter",
                            f"{name!r} exits at {start:.3g} s, before their entrance ends "
                            f"({entered:.3g} s)",
                            f"exit at {entered:.3g} s or later, or enter earlier",
                        )

    def check_action(self, i: int, path: DocPath, name: str, body: object, uses: list) -> None:
        if not isinstance(body, dict):
            return
        verb = VERBS.get(name)  # None: not a verb (the schema says so)
        who = body.get("who")
        char = self.check_ref((*path, "who"), who) if "who" in body else None
        if char is None:
            pass
        elif verb is not None and verb.on_screen and "photo" not in char:
            self.error(
                (*path, "who"),
                "ref.no-photo",
                f"{who!r} has no photo, so cannot {name} on screen",
                f"give characters.{who}.photo",
            )
        if "audio" in body:
            self.check_asset((*path, "audio"), "av")
        if verb is None:
            return
        language = _get(body, "language", str) or "en-us"
        if verb.spoken and "transcript" in body and not language.startswith("en"):
            self.warn_only(
                (*path, "language"),
                "transcript.not-aligned",
                f"transcripts in {language!r} are not aligned (English only): the mouth "
                "follows the sound of the recording",
                "timing from the sound alone is good to about 30 ms",
            )
        if verb.tts:
            self.check_voice((*path, "voice"), _get(body, "voice", dict))
        if verb.body and "motion" in body:
            self.check_asset((*path, "motion"), "motion")
        if verb.body:
            self.check_style(path, body)
        if verb.tts and char is not None and "text" in body and "audio" not in body:
            voice = _get(char, "voice", dict)
            if voice is not None and "audio" in voice and "voice" not in body:
                self.error(
                    path,
                    "voice.recorded",
                    f"{who!r} has a recorded voice, so a text line has no voice to speak it",
                    "give this line an audio: recording, or a voice: {tts: en-us}",
                )
        if isinstance(who, str) and char is not None:
            if verb.scope:
                uses.append((who, verb.scope, i, path))
            if verb.spoken and body.get("speaker") == "other" and "audio" in body:
                uses.append((who, VOICE_CLONE, i, (*path, "speaker")))

    def check_voice(self, path: DocPath, voice: dict | None) -> None:
        """A TTS voice must be installed: espeak-ng would silently fall back to another."""
        name = _get(voice, "tts", str) if voice is not None else None
        if name is None or self.voices is None or name in self.voices:
            return
        close = did_you_mean(name, self.voices)
        listed = ", ".join(sorted(v for v in self.voices if v[:2] == name[:2])[:12])
        hint = close or (f"installed {name[:2]} voices: {listed}" if listed else "")
        hint = hint or "see the installed voices with: photoplay voices"
        self.error((*path, "tts"), "voice.unknown", f"TTS voice {name!r} is not installed", hint)

    def check_style(self, path: DocPath, body: dict) -> None:
        style = _get(body, "style", str)
        if style is None or self.catalog is None:
            return
        context = self.catalog.get(style)
        if context is None:
            hint = did_you_mean(style, self.catalog) or "known: " + ", ".join(
                sorted(self.catalog)[:20]
            )
            self.error(
                (*path, "style"), "dance.unknown-style", f"unknown dance style {style!r}", hint
            )
            return
        review = _get(_get(self.data, "ethics", dict), "cultural_review", dict)
        if context in RESTRICTED_CONTEXTS and review is None:
            self.error(
                (*path, "style"),
                "ethics.cultural-review",
                f"{style!r} is a {context} dance; using it needs a cultural review",
                "add ethics.cultural_review: {by: ..., date: YYYY-MM-DD, note: ...} naming who reviewed it",
            )

    # -- consent ------------------------------------------------------------------------

    def check_consent(self, uses: list[tuple[str, str, int, DocPath]]) -> None:
        needed: dict[tuple[str, str], tuple[int, DocPath]] = {}
        for who, scope, i, path in uses:
            needed.setdefault((who, scope), (i, path))
        for name, char in self.characters.items():
            voice = _get(char, "voice", dict)
            if voice is not None and "audio" in voice and voice.get("speaker") == "other":
                needed.setdefault(
                    (name, VOICE_CLONE), (RECORDED_VOICE_USE, ("characters", name, "voice"))
                )
        shots = _get(self.data, "shots", list) or []
        for (who, scope), (i, _path) in needed.items():
            consent = _get(self.characters.get(who), "consent", dict)
            if consent is None:
                continue
            granted = _get(consent, "scope", list)
            if granted is None or scope in granted:
                continue
            if i >= 0:
                where = f"in {_shot_name(i, shots[i])}"
            elif i == LIVE_USE:
                where = "by photoplay live"
            else:
                where = "by its recorded voice"
            if scope == VOICE_CLONE:
                what = "someone else's voice speaking as this character"
                msg = f"'voice-clone' is used {where} ({what}) but not granted"
            else:
                msg = f"{scope!r} is used {where} but not granted"
            self.error(
                ("characters", who, "consent", "scope"),
                "consent.scope",
                msg,
                f"add {scope} to scope",
            )

    # -- live ---------------------------------------------------------------------------

    def check_live(self, name: str) -> list[tuple[str, str, int, DocPath]]:
        """The character ``photoplay live`` presents: declared, with a photo to animate and
        a TTS voice to speak typed text. Returns its consent uses (``LIVE_SCOPES``)."""
        if name not in self.characters:
            hint = did_you_mean(name, self.characters) or (
                "declared: " + ", ".join(sorted(self.characters))
                if self.characters
                else "declare it under characters:"
            )
            path = ("characters",) if "characters" in self.data else ()
            self.error(path, "live.unknown-character", f"no character named {name!r}", hint)
            return []
        char = self.characters[name]
        if not isinstance(char, dict):
            return []
        path = ("characters", name)
        if "photo" not in char:
            self.error(
                path,
                "live.no-photo",
                f"{name!r} has no photo to present live",
                f"give characters.{name}.photo",
                key=True,
            )
        voice = _get(char, "voice", dict)
        if voice is not None and "audio" in voice:
            self.error(
                (*path, "voice"),
                "live.recorded-voice",
                f"{name!r} has a recorded voice; live lines are typed text and need a TTS voice",
                "give the character a voice: {tts: en-us}",
            )
        return [(name, scope, LIVE_USE, path) for scope in LIVE_SCOPES]

    # -- durations ----------------------------------------------------------------------

    def bpm(self) -> float:
        return _num(_get(self.data, "music", dict), "bpm") or DEFAULT_BPM

    def fps(self) -> int:
        fps = _get(_get(self.data, "output", dict), "fps", int)
        return fps if fps is not None and 1 <= fps <= MAX_FPS else Output().fps

    def action_length(self, verb: Verb | None, body: object, path: DocPath) -> float:
        """An action's estimated length in seconds: a recording's length, a TTS line's
        estimate, a dance counted at the tempo hint, or its duration (or the verb's)."""
        if not isinstance(body, dict):  # pause: SECONDS
            return (
                float(body) if isinstance(body, int | float) and not isinstance(body, bool) else 0.0
            )
        audio = self.found.assets.get((*path, "audio")) or self.found.assets.get(
            (*path, "audio", "file")
        )
        if audio is not None and audio in self.found.probes:
            return self.found.probes[audio].duration_s or 0.0
        if verb is None:
            return _num(body, "duration") or 0.0
        if verb.timing == SPEECH:
            return self.say_length(body, path)
        if verb.timing == BEATS:
            if _num(body, "duration"):
                return _num(body, "duration")
            beats, bars = _num(body, "beats"), _num(body, "bars")
            if not (beats or bars):
                motion = self.found.assets.get((*path, "motion")) or self.found.assets.get(
                    (*path, "motion", "file")
                )
                if motion is not None and motion in self.found.probes:
                    return self.found.probes[motion].duration_s or 0.0
            return counted_s(beats, bars, verb.default_bars, BEATS_PER_BAR, self.bpm())
        return _num(body, "duration") or verb.default_s or 0.0

    def say_length(self, body: dict, path: DocPath) -> float:
        """A TTS line's estimated length (engine.speech_time: from its characters, erring
        long); a line that alone passes the limit is reported where it is written."""
        text = body.get("text")
        if not isinstance(text, str):
            return 0.0
        rate = _num(_get(body, "voice", dict), "rate")
        char = self.characters.get(body.get("who")) if isinstance(body.get("who"), str) else None
        rate = rate or _num(_get(char, "voice", dict), "rate") or DEFAULT_RATE_WPM
        length_s = estimate_speech_s(text, rate)
        if length_s > self.max_duration_s:
            self.error(
                (*path, "text"),
                "duration.line-too-long",
                f"this line alone would be spoken for about {_clock(length_s)}; "
                f"the limit is {self.max_duration_s:g} s",
                "split it into shorter lines, or raise the limit with --max-duration",
            )
        return length_s

    def shot_length(self, i: int, shot: dict, actions: list) -> float:
        """The shot's estimated length: its actions laid out as the ``shot.timing`` node
        lays them out (``engine.shot_time.lay_out``), with estimated lengths."""
        base = ("shots", i)
        late = False  # an action starts after the shot's end (reported once, not as overrun too)
        explicit = _num(shot, "duration")
        timed = []
        for j, action in enumerate(actions):
            if not isinstance(action, dict) or len(action) != 1:
                continue
            name, body = next(iter(action.items()))
            path = (*base, "do", j, name)
            at = _num(body, "at") if isinstance(body, dict) else None
            if at is not None and explicit is not None and at >= explicit:
                late = True
                self.error(
                    (*path, "at"),
                    "duration.at-outside",
                    f"starts at {at:g} s but the shot lasts {explicit:g} s",
                    "move it earlier or lengthen the shot",
                )
            verb = VERBS.get(name)
            length_s = self.action_length(verb, body, path)
            timed.append(Timed(length_s, at, verb is not None and verb.spoken))
        if explicit is None and not actions and "duration" not in shot:
            self.error(
                base,
                "duration.empty-shot",
                "the shot has no duration and no actions that take time",
                "add duration: SECONDS",
            )
            return 0.0
        transition = _get(shot, "transition", dict) or {}
        fade = _num(transition, "duration")
        cut = transition.get("type", Transition().type) == "cut"
        fade_in_s = 0.0 if cut else (fade if fade is not None else Transition().duration)
        layout = lay_out(timed, explicit, self.fps(), fade_in_s)
        end_s = layout.end_s
        overrun = explicit is not None and explicit > 0 and end_s > explicit + 1e-6
        if overrun and math.isfinite(end_s) and not late:
            self.warn_only(
                (*base, "duration"),
                "duration.overrun",
                f"the actions take about {end_s:.1f} s but the shot lasts {explicit:g} s; they are cut",
                f"use duration: {math.ceil(end_s)} or remove it to fit the actions",
            )
        length_s = explicit if explicit is not None else layout.duration_s
        if fade is not None and fade > length_s:
            self.error(
                (*base, "transition", "duration"),
                "duration.transition",
                f"the transition lasts {fade:g} s, longer than the shot ({length_s:.1f} s)",
            )
        return layout.duration_s

    def warn_only(self, path: DocPath, code: str, msg: str, hint: str = "") -> None:
        pos = self.doc.where(path)
        self.found.warnings.append(
            Diagnostic(pos.file, pos.line, pos.col, format_path(path), code, msg, hint, "warning")
        )

    def check_total(self) -> None:
        ethics = _get(self.data, "ethics", dict)
        label = _get(ethics, "label", dict)
        opening_s = _num(label, "opening_card") or 0.0
        credits = _get(ethics, "credits", dict) or {}
        # The cards are laid out as shots with an explicit duration: on frame boundaries;
        # the credits card's length follows from the rest (engine.shot_time.credits_card_s).
        fps = self.fps()
        body_s = sum(self.found.shot_s.values())
        if opening_s > 0:
            body_s += lay_out([], opening_s, fps).duration_s
        credits_s = 0.0
        if credits.get("card", "end") != "none":
            card_s = credits_card_s(body_s, fps, _num(credits, "duration"))
            credits_s = lay_out([], card_s, fps).duration_s
        total_s = body_s + credits_s
        self.found.total_s = total_s
        if total_s > self.max_duration_s:
            self.error(
                ("shots",),
                "duration.too-long",
                f"the video would last about {_clock(total_s)}; "
                f"the limit is {self.max_duration_s:g} s",
                "split it into several scenes, or raise the limit with --max-duration",
                key=True,
            )


def _clock(seconds: float) -> str:
    """``12:05 (725 s)``; hours past 99 (a typo or a hostile file) in scientific form."""
    if seconds >= 100 * 3600:
        return f"{seconds:.3g} s"
    hours, rest = divmod(int(round(seconds)), 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
    return f"{clock} ({seconds:.0f} s)"


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def _is_colour(text: str) -> bool:
    return (
        len(text) == 7
        and text.startswith("#")
        and all(c in "0123456789abcdefABCDEF" for c in text[1:])
    )


def run_checks(
    doc: Document,
    *,
    strict: bool = False,
    max_duration_s: float = 1800.0,
    style_catalog: Mapping[str, str] | None = None,
    voice_catalog: Collection[str] | None = None,
    live: str | None = None,
) -> Findings:
    """All semantic checks of ``doc``. See the module docstring."""
    return Checker(
        doc,
        strict=strict,
        max_duration_s=max_duration_s,
        style_catalog=style_catalog,
        voice_catalog=voice_catalog,
        live=live,
    ).run()
