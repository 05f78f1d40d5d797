"""Scene → render graph.

    image.load ─┬─▶ face.find ─▶ face.rig ───────────────┐
                └─▶ body.find ─▶ body.rig ───────────────┤
    speech.tts / speech.recording ─▶ shot.timing ────────┼─▶ render.segment (one per shot)
    audio.decode ─▶ music.analyse ─▶ (dance timing) ─────┘          │
         └──────────────▶ audio.mix ─────────────────────▶ output.mux ◀┘
                          shot.timing ─▶ output.captions

Each shot's segment depends only on its own picture, camera, text, speech and
performers (and, for a cross-fade, the previous shot's picture and camera; for
a dance, when the shot starts in the music), so editing one shot changes the
keys of that shot's nodes, the mix and the final mux only.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import asdict, dataclass, field

from engine.compile.assets import file_sha256
from engine.compile.credits import credits_text, dance_credits
from engine.compile.provenance import WATERMARK_KEY, lineage_id, manifest
from engine.compile.timeline import card_plan, shot_plan
from engine.errors import UnsupportedError
from engine.graph import Graph
from engine.nodes import registry
from engine.nodes.motion.span import motion_seconds_needed
from engine.nodes.render.overlays import hex_rgb
from engine.shot_time import credits_card_s, lay_out
from engine.spec.model import Asset, Character, Dance, Gradient, Say, Scene, Shot, Sing, TtsVoice
from engine.spec.verbs import BEATS, SPEECH, verb_of

DEFAULT_VOICE = TtsVoice(tts="en-us")
# what the credits say of a neural voice (models/voices/ holds each one's card)
NEURAL_VOICE_LICENCES = {"piper:en_US-joe": "voice data CC0, NabuCasa; Piper, rhasspy"}
CARD_BACKGROUND = (16, 16, 20)
IMAGE_MAX_SIDE = 4096


@dataclass
class Compiled:
    """A scene's graph, the keys of what a render delivers, and its provenance."""

    graph: Graph
    video: str
    captions: str
    poster: str
    manifest: dict
    # What each segment shows, in play order, for the timeline in the provenance
    # (engine.compile.timeline): {"what", "timing" key, "shot", "cast", "acts"}.
    segments: list[dict] = field(default_factory=list)


class _Compiler:
    def __init__(self, scene: Scene, graph: Graph):
        self.scene = scene
        self.graph = graph
        self.out = scene.output
        self.voices: dict[str, dict] = {}
        self.timings: list[str] = []  # shot.timing keys of the segments so far, in play order
        self.styles: set[str] = set()
        self.kinds: set[str] = set()  # node kinds this scene uses, for its models' provenance

    def add(self, kind: str, params: dict, inputs: dict | None = None, **kw) -> str:
        version = registry.identity(kind)  # declared version, code fingerprint, model hashes
        self.kinds.add(kind)
        return self.graph.add(kind, version, params, inputs, **kw)

    def models(self) -> list[dict]:
        """Every model file the scene's nodes run, with its sha256 and licence."""
        from engine.nodes.fingerprint import model_records

        names = sorted({m for kind in self.kinds for m in registry.get(kind).models})
        return model_records(tuple(names))

    # -- sources ----------------------------------------------------------

    def image(self, asset: Asset, zoom_max: float | None = 1.0) -> str:
        """A decoded photo; shrunk for the frame at ``zoom_max``, or full size when None."""
        params = {"path": str(asset.path), "sha256": file_sha256(asset.path)}
        params["max_side"] = IMAGE_MAX_SIDE
        if zoom_max is not None:
            params["fit"] = [self.out.width, self.out.height, zoom_max]
        return self.add("image.load", params, label=asset.rel, cost=0.2)

    def speech(self, say: Say | Sing, character: Character) -> str:
        """The speech node of a line (a ``SPEECH`` verb): its recording, or its text
        spoken by the line's, the character's or the default TTS voice."""
        verb = verb_of(say)
        audio = say.audio
        if audio is not None:
            params = {"path": str(audio.path), "sha256": file_sha256(audio.path)}
            language = getattr(say, "language", "en-us")  # a song's has no language: field
            params |= {"transcript": verb.words(say), "language": language}
            if verb.song:
                params["singing"] = True  # a song is not refused for sounding like music
            return self.add("speech.recording", params, label=audio.rel, cost=1.0)
        voice = say.voice or (
            character.voice if isinstance(character.voice, TtsVoice) else DEFAULT_VOICE
        )
        params = {
            "text": say.text,
            "voice": voice.tts,
            "variant": voice.variant,
            "rate": voice.rate,
            "pitch": voice.pitch,
        }
        key = f"{voice.tts}+{voice.variant or ''}"
        if voice.tts.startswith("piper:"):  # a neural voice: its own node, no variant or pitch
            self.voices[key] = {"engine": "piper", "voice": voice.tts, "variant": None,
                                "licence": NEURAL_VOICE_LICENCES.get(voice.tts)}  # fmt: skip
            params = {"text": say.text, "voice": voice.tts, "rate": voice.rate}
            return self.add("speech.neural", params, label=say.text[:40], cost=1.0)
        self.voices[key] = {"engine": "espeak-ng", "voice": voice.tts, "variant": voice.variant}
        return self.add("speech.tts", params, label=say.text[:40], cost=0.3)

    def music(self) -> str | None:
        music = self.scene.music
        if music is None:
            return None
        params = {
            "path": str(music.file.path),
            "sha256": file_sha256(music.file.path),
            "sr_hz": self.out.sample_rate,
            "start_s": music.start_s,
        }
        return self.add("audio.decode", params, label=music.file.rel, cost=0.5)

    def music_analysis(self, shot: Shot) -> str:
        music = self.music()
        if music is None:
            raise UnsupportedError(
                f"shot {shot.index + 1}: a dance to a style or in bars needs music",
                hint="add music: {file: ..., licence: ...}, or dance to a motion: file",
            )
        params = {"sr_hz": self.out.sample_rate, "bpm_hint": self.scene.music.bpm}
        return self.add("music.analyse", params, {"music": music}, label="beats", cost=2.0)

    def motion(self, action: Dance) -> str:
        asset = action.motion
        params = {"path": str(asset.path), "sha256": file_sha256(asset.path)}
        span_s = motion_seconds_needed(
            action.duration, action.beats, action.bars, action.fit_to_beats
        )
        if span_s is not None:  # read only what the dance can use
            params["max_s"] = span_s
        return self.add("motion.file", params, label=asset.rel, cost=5.0)

    # -- shots ------------------------------------------------------------

    def action_plan(self, shot: Shot) -> tuple[list[dict], dict[str, str]]:
        """Each action as timing params, and the speech nodes it needs."""
        actions, inputs = [], {}
        for index, action in enumerate(shot.actions):
            verb = verb_of(action)
            entry = {"kind": verb.name, "timing": verb.timing, "at": action.at}
            entry |= {"speech": None, "text": None}
            if verb.timing == SPEECH:  # as long as its line: no duration
                name = f"speech_{shot.index}_{index}"  # unique scene-wide: the mix reads them all
                inputs[name] = self.speech(action, self.scene.characters[action.who])
                entry |= {"speech": name, "duration_s": None, "text": verb.words(action)}
            else:  # SECONDS and BEATS verbs' actions have a duration (None: counted)
                entry["duration_s"] = action.duration
            if verb.timing == BEATS:
                entry |= {"beats": action.beats, "bars": action.bars}
                entry["default_bars"] = verb.default_bars
                if action.motion is not None:
                    entry["motion"] = f"motion_{shot.index}_{index}"
                    inputs[entry["motion"]] = self.motion(action)
                if action.motion is None or action.beats or action.bars or action.fit_to_beats:
                    inputs["music_analysis"] = self.music_analysis(shot)
            actions.append(entry)
        return actions, inputs

    def timing(self, shot: Shot) -> str:
        actions, inputs = self.action_plan(shot)
        transition = shot.transition.duration if shot.transition.type != "cut" else 0.0
        params = {
            "fps": self.out.fps,
            "explicit_s": shot.duration,
            "transition_s": transition,
            "actions": actions,
        }
        return self.add("shot.timing", params, inputs, label=f"shot {shot.index + 1}", cost=0.01)

    def cast_picture(self, shot: Shot, photo: Asset) -> tuple[dict, dict[str, str]]:
        """The shot's picture when its cast perform on their own photo.

        Each cast member's face is animated (speech, expressions, glances, or idle
        breathing and blinks; one who only dances blinks and glances); a dancer's
        body is rigged and posed by the choreographer or a reference motion, over the
        photo with the person removed. The face is drawn first, so a dancer can keep
        talking.
        """
        image = self.image(photo, zoom_max=_zoom_max(shot))
        inputs = {"picture": image}
        faces, dancers = [], []
        for name in shot.cast:
            ch = self.scene.characters[name]
            if ch.photo is None or ch.photo.path != photo.path:
                raise UnsupportedError(
                    f"shot {shot.index + 1}: {name!r} and {shot.cast[0]!r} come from different "
                    "photos; this version animates one photo per shot",
                    hint="put characters of different photos in separate shots",
                )
            mine = [a for a in shot.actions if a.who == name]
            dances = [a for a in mine if verb_of(a).body]
            faces.append(self.face(shot, name, photo, image, inputs, still_head=only_dances(mine)))
            if dances:
                dancers.append(self.dancer(shot, name, photo, image, inputs))
        if len(dancers) > 1:
            raise UnsupportedError(
                f"shot {shot.index + 1}: {len(dancers)} dancers from one photo",
                hint="this version rigs one dancer per shot; give each dancer a shot",
            )
        # A dance follows the music, so it needs to know when its shot starts: the
        # timings of every earlier segment (this shot's own timing is the last one).
        timeline = (
            {f"before_{i}": key for i, key in enumerate(self.timings[:-1])} if dancers else {}
        )
        inputs |= timeline
        picture = {
            "kind": "character",
            "input": "picture",
            "faces": faces,
            "dancer": dancers[0] if dancers else None,
            "before": list(timeline),
        }
        if len(faces) > 1:  # people of one photo turn toward whoever speaks, as on a stage
            picture["listeners"] = shot.stage.listeners
        return picture, inputs

    @staticmethod
    def styles_of(action: Dance) -> set[str]:
        """The dance styles a dance action draws on, for credits and provenance."""
        if action.style:
            return {action.style}
        if action.moves:
            from engine.nodes.motion.library import load_library

            library = load_library()
            return {library[m].style for m in action.moves if m in library}
        return set()

    def find_face(self, name: str, photo: Asset, image: str, optional: bool = False) -> str:
        """The ``face.find`` node of a character's face in their (decoded) photo; an
        optional one is None where the photo has no usable face."""
        ch = self.scene.characters[name]
        selection = list(ch.face) if isinstance(ch.face, tuple) else ch.face
        params = {"photo_name": photo.rel, "selection": selection}
        if optional:
            params["optional"] = True
        return self.add(
            "face.find",
            params,
            {"photo": image},
            label=f"{name}: {photo.rel}",
            cost=0.3,
        )

    def face(
        self, shot: Shot, name: str, photo: Asset, image: str, inputs: dict, still_head: bool
    ) -> dict:
        find = self.find_face(name, photo, image, optional=still_head)
        rig_inputs = {"photo": image, "face": find}
        return self.animated_face(shot, name, rig_inputs, inputs, still_head, cost=0.3)

    def animated_face(
        self, shot: Shot, name: str, rig_inputs: dict, inputs: dict, still_head: bool, **kw
    ) -> dict:
        """A cast member's ``face.rig`` node (in ``inputs``) and the face animation's spec.
        One who only dances (``still_head``) keeps a face the mesh cannot take (a side
        profile) as it is, and leaves their head to the body rig."""
        rig_params = {"out_size": None} | ({"optional": True} if still_head else {})
        inputs[f"face_{name}"] = self.add("face.rig", rig_params, rig_inputs, label=name, **kw)
        face = {
            "rig": f"face_{name}",
            "seed": _seed(self.out.seed, name, shot.index),
            "actions": self.face_actions(shot, name, inputs),
        }
        if still_head:
            face["still_head"] = True
        return face

    def dancer(self, shot: Shot, name: str, photo: Asset, image: str, inputs: dict) -> dict:
        ch = self.scene.characters[name]
        found = self.add(
            "body.find",
            {"photo_name": photo.rel, "person": ch.body.person, "mode": ch.body.mode},
            {"photo": image},
            label=f"{name}: {photo.rel}",
            cost=0.5,
        )
        rig = self.add("body.rig", {}, {"photo": image, "body": found}, label=name, cost=3.0)
        inputs[f"body_{name}"] = rig
        dances = []
        for index, action in enumerate(shot.actions):
            if verb_of(action).body and action.who == name:
                motion = f"motion_{shot.index}_{index}" if action.motion else None
                if motion:
                    inputs[motion] = self.motion(action)
                if action.style or action.moves or action.fit_to_beats:
                    inputs["music_analysis"] = self.music_analysis(shot)
                self.styles |= self.styles_of(action)
                dances.append(
                    {
                        "index": index,
                        "style": action.style,
                        "moves": list(action.moves) if action.moves else None,
                        "motion": motion,
                        "fit_to_beats": action.fit_to_beats,
                        "energy": action.energy,
                        "reviewed": self.scene.ethics.cultural_review is not None,
                    }
                )
        return {
            "rig": f"body_{name}",
            "seed": _seed(self.out.seed, name, shot.index),
            "dances": dances,
        }

    def face_actions(self, shot: Shot, name: str, inputs: dict) -> list[dict]:
        """This character's actions in the shot, as the face animation reads them."""
        actions = []
        for index, action in enumerate(shot.actions):
            verb = verb_of(action)
            if action.who != name or not verb.face:
                continue
            entry = {"index": index, "kind": verb.name, "drives": list(verb.face)}
            entry |= verb.face_params(action)
            if verb.spoken:
                speech = f"speech_{shot.index}_{index}"
                inputs[speech] = self.speech(action, self.scene.characters[name])
                entry["speech"] = speech
            actions.append(entry)
        return actions

    def picture(self, shot: Shot) -> tuple[dict, dict[str, str]]:
        """What fills the frame: the cast on their own photo, their faces animated; a
        stage (a backdrop with the cast cut out of their photos and placed on it); or,
        with nobody on screen, the background alone."""
        photos = [
            self.scene.characters[n].photo
            for n in shot.cast
            if self.scene.characters[n].photo is not None
        ]
        stage = shot.background is not None or len({p.path for p in photos}) > 1 or shot.place
        if photos and stage:
            return self.stage_picture(shot)
        if photos:
            return self.cast_picture(shot, photos[0])
        return self.backdrop(shot, max(shot.camera.zoom), "picture")

    def backdrop(self, shot: Shot, zoom_max: float, name: str) -> tuple[dict, dict[str, str]]:
        """A shot's background as a picture spec: an image (input ``name``; ``fit`` cover or
        contain), a gradient or a colour."""
        background = shot.background
        if isinstance(background, Asset):
            image = self.image(background, zoom_max)
            spec = {"kind": "image", "input": name}
            if shot.background_fit != "cover":
                size = [_even(self.out.width * zoom_max), _even(self.out.height * zoom_max)]
                spec |= {"fit": shot.background_fit, "size": size}
            return spec, {name: image}
        if isinstance(background, Gradient):
            c0, c1 = (list(hex_rgb(c, (0, 0, 0))) for c in background.colours)
            return {"kind": "gradient", "from": c0, "to": c1, "angle": background.angle}, {}
        return {"kind": "colour", "rgb": list(hex_rgb(background, (0, 0, 0)))}, {}

    def stage_picture(self, shot: Shot) -> tuple[dict, dict[str, str]]:
        """The shot's picture when its cast perform on a stage (``engine.nodes.render.stage``).

        Each performer is cut out of their own photo (``body.cutout``) and their face is
        rigged on that cut-out, so they talk, blink and emote exactly as on their photo.
        The backdrop is the shot's background, or the first performer's photo with its
        people removed (``body.plate``).
        """
        zoom_max = _zoom_max(shot)
        size = [_even(self.out.width * zoom_max), _even(self.out.height * zoom_max)]
        inputs: dict[str, str] = {}
        if shot.background is None:
            first = next(
                self.scene.characters[n].photo
                for n in shot.cast
                if self.scene.characters[n].photo is not None
            )
            plate = self.add(
                "body.plate", {}, {"photo": self.image(first, zoom_max)}, label=first.rel, cost=1.0
            )
            back, inputs["backdrop"] = {"kind": "plate", "input": "backdrop"}, plate
        else:
            back, more = self.backdrop(shot, zoom_max, "backdrop")
            inputs |= more
        performers = []
        dancing = False
        for name in shot.cast:
            ch = self.scene.characters[name]
            if ch.photo is None:
                continue
            mine = [a for a in shot.actions if a.who == name]
            dances = [a for a in mine if verb_of(a).body]
            image = self.image(ch.photo, zoom_max)
            find = self.find_face(name, ch.photo, image)
            cutout = self.add(
                "body.cutout",
                {"photo_name": ch.photo.rel},
                {"photo": image, "face": find},
                label=f"{name}: cut-out",
                cost=1.0,
            )
            inputs[f"layer_{name}"] = cutout
            rig_inputs = {"photo": cutout, "face": cutout}
            face = self.animated_face(shot, name, rig_inputs, inputs, only_dances(mine))
            dancer = self.dancer(shot, name, ch.photo, image, inputs) if dances else None
            dancing = dancing or bool(dances)
            place = next((p for p in shot.place if p.who == name), None)
            if place is not None:
                # no entrance or exit: left out, so a shot's key is as before they existed
                skip = {"who"} | {k for k in ("enter", "exit") if getattr(place, k) is None}
                place = {k: v for k, v in asdict(place).items() if k not in skip}
            performers.append(
                {
                    "name": name,
                    "layer": f"layer_{name}",
                    "face": face,
                    "dancer": dancer,
                    "place": place,
                }
            )
        # A dance follows the music: it needs when its shot starts (cast_picture).
        before = {f"before_{i}": key for i, key in enumerate(self.timings[:-1])} if dancing else {}
        inputs |= before
        picture = {
            "kind": "stage",
            "size": size,
            "backdrop": back,
            "performers": performers,
            "before": list(before),
            "listeners": shot.stage.listeners,
            "match": shot.stage.match,
        }
        return picture, inputs

    def camera(self, shot: Shot) -> dict:
        cam = shot.camera
        return {
            "zoom": list(cam.zoom),
            "pan": [list(p) for p in cam.pan],
            "rotate": list(cam.rotate),
            "ease": cam.ease,
            "auto": cam.auto,
        } | (  # only when following: other shots keep their keys
            {"follow": cam.follow, "switch": cam.switch, "zoom_given": cam.zoom_given}
            if cam.following
            else {}
        )

    def common(self) -> dict:
        label = self.scene.ethics.label
        captions = self.scene.captions
        return {
            "size": [self.out.width, self.out.height],
            "fps": self.out.fps,
            "crf": self.out.crf,
            "preset": self.out.preset,
            "label": {
                "text": label.text,
                "position": label.position,
                "size": label.size,
                "colour": label.colour,
            },
            "captions": {"burn": captions.burn, "size": captions.size}
            | ({"style": captions.style} if captions.style != "lines" else {}),
            "watermark": {"payload": lineage_id(self.scene), "key": WATERMARK_KEY},
        }

    def segment(self, shot: Shot, timing: str, previous: Shot | None, poster: bool) -> str:
        picture, inputs = self.picture(shot)
        params = self.common() | {
            "picture": picture,
            "camera": self.camera(shot),
            "title": _title(shot),
            "transition": {"type": shot.transition.type, "duration": shot.transition.duration},
            "previous": None,
            "poster": poster,
        }
        if previous is not None and shot.transition.type == "crossfade":
            prev_picture, prev_inputs = self.picture(previous)
            if prev_picture["kind"] == "stage":  # its backdrop, without the cast
                prev_picture = dict(prev_picture["backdrop"], size=prev_picture["size"])
                if "input" in prev_picture:
                    inputs["previous"] = prev_inputs[prev_picture["input"]]
                    prev_picture["input"] = "previous"
            elif prev_picture["kind"] in ("character", "image"):  # from that photo, at rest
                prev_picture = {"kind": "image", "input": "previous"}
                inputs["previous"] = prev_inputs["picture"]
            params["previous"] = {"picture": prev_picture, "camera": self.camera(previous)}
        inputs["timing"] = timing
        label = f"shot {shot.index + 1}"
        return self.add("render.segment", params, inputs, label=label, cost=3.0)

    def card(self, text: str, duration_s: float, colours: tuple, label: str) -> tuple[str, str]:
        """A full-frame text card (opening disclosure, credits): its timing and segment."""
        timing = self.card_timing(duration_s, label)
        return timing, self.card_segment(timing, text, colours, label)

    def card_timing(self, duration_s: float, label: str) -> str:
        """A card's ``shot.timing`` node: it needs the card's length, not its text."""
        return self.add(
            "shot.timing",
            {"fps": self.out.fps, "explicit_s": duration_s, "transition_s": 0.0, "actions": []},
            label=label,
            cost=0.01,
        )

    def card_segment(self, timing: str, text: str, colours: tuple, label: str) -> str:
        background, colour = colours
        params = self.common() | {
            "picture": {"kind": "colour", "rgb": list(hex_rgb(background, CARD_BACKGROUND))},
            "camera": None,
            "title": {
                "text": text,
                "position": "center",
                "size": 0.04,
                "colour": colour,
                "fit": True,  # shrunk until it fits the frame, whatever its aspect
            },
            "transition": {"type": "fade", "duration": 0.5},
            "previous": None,
            "poster": False,
        }
        return self.add("render.segment", params, {"timing": timing}, label=label, cost=1.0)

    # -- the whole scene ---------------------------------------------------

    def compile(self) -> Compiled:
        scene = self.scene
        timings: list[str] = []
        segments: list[str] = []
        plan: list[dict] = []
        label = scene.ethics.label
        credits = scene.ethics.credits
        if label.opening_card > 0:
            t, s = self.card(label.text, label.opening_card, (None, None), "opening card")
            timings.append(t)
            self.timings.append(t)
            segments.append(s)
            plan.append(card_plan("opening card", t))
        start_card = None  # (its timing, its place): its text is known after the shots
        if credits.card == "start":  # after the disclosure, before the first shot
            start_card = self.card_timing(credits_seconds(scene), "credits"), len(segments)
            timings.append(start_card[0])
            self.timings.append(start_card[0])  # a dance counts it in the music's time
            plan.append(card_plan("credits", start_card[0]))
        first_shot = len(plan)
        previous = None
        for shot in scene.shots:
            timing = self.timing(shot)
            timings.append(timing)
            self.timings.append(timing)
            segments.append(self.segment(shot, timing, previous, poster=not previous))
            plan.append(shot_plan(scene, shot, timing))
            previous = shot
        # the credits name the voices and dance styles the shots used
        styles = dance_credits(sorted(self.styles))
        text = credits_text(scene, self.voices, styles)
        colours = (credits.background, credits.colour)
        if start_card is not None:
            t, where = start_card
            segments.insert(where, self.card_segment(t, text, colours, "credits"))
        elif credits.card == "end":
            t, s = self.card(text, credits_seconds(scene), colours, "credits")
            timings.append(t)
            segments.append(s)
            plan.append(card_plan("credits", t))

        names = {f"t{i}": key for i, key in enumerate(timings)}
        captions = self.add(
            "output.captions", {"segments": list(names)}, names, label="captions", cost=0.01
        )
        mix_inputs = dict(names)
        for key in timings:
            mix_inputs |= {k: v for k, v in self.graph.nodes[key].inputs.items()}
        music = self.music()
        music_params = None
        if music is not None:
            mix_inputs["music"] = music
            m = scene.music
            music_params = {
                "input": "music",
                "gain_db": m.gain_db,
                "duck_db": m.duck_db,
                "fade_in_s": m.fade_in_s,
                "fade_out_s": m.fade_out_s,
            }
        out = scene.output
        mix = self.add(
            "audio.mix",
            {
                "sr_hz": out.sample_rate,
                "segments": list(names),
                "music": music_params,
                "loudness_lufs": out.loudness_lufs,
                "true_peak_dbtp": out.true_peak_dbtp,
            },
            mix_inputs,
            label="soundtrack",
            # Measured 1.6 CPU s for a 33 s story (a 125-frame 720p segment: 2.3-3.2 s), so
            # it ranks above a credits card (1.0) and runs before it, not last (issue 15).
            cost=2.0,
        )
        record = manifest(
            scene, models=self.models(), styles=styles, voices=list(self.voices.values())
        )
        # the full credits, whatever the card: in the provenance, the C2PA manifest and
        # the video's .credits.txt (engine.render), even when no card shows them
        record["credits"] = {"card": credits.card, "text": text}
        seg_names = {f"s{i}": key for i, key in enumerate(segments)}
        video = self.add(
            "output.mux",
            {
                "segments": list(seg_names),
                "audio": "mix",
                "sr_hz": out.sample_rate,
                "metadata": {"comment": json.dumps(record, sort_keys=True)},
            },
            seg_names | {"mix": mix},
            label="final mux",
            cost=0.5,
        )
        poster = segments[first_shot] if first_shot < len(segments) else segments[0]
        tag = f"{scene.file.stem}#{lineage_id(scene):012x}"
        self.graph.outputs |= {f"{tag}:video": video, f"{tag}:captions": captions}
        self.graph.outputs[f"{tag}:poster"] = poster
        return Compiled(self.graph, video, captions, poster, record, plan)


def credits_seconds(scene: Scene) -> float:
    """How long the credits card lasts (``engine.shot_time.credits_card_s``): as the
    scene says, else 2 s or 15 % of the video, whichever is shorter. The rest of the
    video is the validator's estimate of the shots and the opening card, so the
    estimate and the render lay the card out alike."""
    fps = scene.output.fps
    opening = scene.ethics.label.opening_card
    body_s = sum(shot.est_duration_s for shot in scene.shots)
    if opening > 0:
        body_s += lay_out([], opening, fps).duration_s
    return credits_card_s(body_s, fps, scene.ethics.credits.duration)


def _zoom_max(shot: Shot) -> float:
    """The closest the shot's camera comes: its zoom, or a following camera's closest
    framing (``framing.FOLLOW_ZOOM_MAX``), so its pictures are drawn sharp for it."""
    cam = shot.camera
    if cam.following and not cam.zoom_given:
        from engine.nodes.render.framing import FOLLOW_ZOOM_MAX

        return max(*cam.zoom, FOLLOW_ZOOM_MAX)
    return max(cam.zoom)


def _even(px: float) -> int:
    """A canvas side in px: even, at most ``IMAGE_MAX_SIDE``."""
    return min(IMAGE_MAX_SIDE, max(2, 2 * round(px / 2)))


def only_dances(actions: list) -> bool:
    """A cast member who dances and neither speaks nor emotes in the shot.

    Their face still blinks and glances (a dancer with frozen eyes looks like a
    photo being moved), but keeps the head still: the body rig turns the head.
    """
    return bool(actions) and not any(verb_of(a).face for a in actions)


def _seed(seed: int, name: str, shot_index: int) -> int:
    """A character's random seed in a shot: fixed by the scene's seed, stable across edits."""
    return (seed * 1_000_003 + zlib.crc32(name.encode()) + shot_index * 7919) % (2**31)


def _title(shot: Shot) -> dict | None:
    title = shot.title
    if title is None:
        return None
    return {
        "text": title.text,
        "subtitle": title.subtitle,
        "position": title.position,
        "size": title.size,
        "colour": title.colour,
    }


def compile_scene(scene: Scene, graph: Graph | None = None) -> Compiled:
    """Compile ``scene`` into ``graph`` (a new one by default; pass one to share nodes)."""
    return _Compiler(scene, graph if graph is not None else Graph()).compile()
