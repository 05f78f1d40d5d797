"""Build the typed Scene from a document that passed every check."""

from __future__ import annotations

from engine.errors import Diagnostic
from engine.shot_time import STAGE_MOVE_S
from engine.spec import model as m
from engine.spec.checks import Findings
from engine.spec.document import Document
from engine.spec.verbs import VERBS
from engine.spec.yamlsafe import DocPath, format_path

PRESETS = {
    "square-720": (720, 720),
    "square-1080": (1080, 1080),
    "hd-720": (1280, 720),
    "hd-1080": (1920, 1080),
    "vertical-720": (720, 1280),
    "vertical-1080": (1080, 1920),
    "portrait-720": (720, 900),
    "portrait-1080": (1080, 1350),
    "portrait-4x5": (1080, 1350),
}
DEFAULT_SIZE = (720, 720)


def _pair(value, default):
    """A value or a [start, end] pair → (start, end)."""
    if value is None:
        return default
    if isinstance(value, list):
        return tuple(_pair_item(v) for v in value)
    return (value, value)


def _pair_item(v):
    return tuple(float(x) for x in v) if isinstance(v, list) else float(v)


class _Builder:
    def __init__(self, doc: Document, found: Findings):
        self.doc = doc
        self.found = found

    def asset(self, value, path: DocPath) -> m.Asset | None:
        if value is None:
            return None
        if isinstance(value, dict):
            file = self.found.assets[(*path, "file")]
            return m.Asset(file, value["file"], value.get("licence"), value.get("source"))
        return m.Asset(self.found.assets[path], value)

    def output(self, d: dict) -> m.Output:
        if "size" in d:
            width, height = d["size"]
        else:
            width, height = PRESETS.get(d.get("preset"), DEFAULT_SIZE)
        q, a = d.get("quality", {}), d.get("audio", {})
        return m.Output(
            width=width,
            height=height,
            fps=d.get("fps", 25),
            seed=d.get("seed", 0),
            crf=q.get("crf", 20),
            preset=q.get("preset", "veryfast"),
            loudness_lufs=float(a.get("loudness_lufs", -14.0)),
            true_peak_dbtp=float(a.get("true_peak_dbtp", -1.0)),
            sample_rate=a.get("sample_rate", 48000),
            poster=d.get("poster", True),
        )

    @staticmethod
    def tts(d: dict) -> m.TtsVoice:
        return m.TtsVoice(d["tts"], d.get("variant"), d.get("rate", 160), d.get("pitch", 50))

    def voice(self, d: dict | None, path: DocPath):
        if d is None:
            return None
        if "tts" in d:
            return self.tts(d)
        return m.RecordedVoice(
            self.asset(d["audio"], (*path, "audio")),
            d.get("transcript"),
            d.get("language", "en-us"),
            d.get("speaker", "own"),
        )

    def character(self, name: str, d: dict) -> m.Character:
        path = ("characters", name)
        c = d["consent"]
        consent = m.Consent(
            basis=c["basis"],
            scope=tuple(c["scope"]),
            granted_by=c.get("granted_by"),
            date=c.get("date"),
            record=self.asset(c.get("record"), (*path, "consent", "record")),
            source=c.get("source"),
            note=c.get("note"),
        )
        face = d.get("face")
        if isinstance(face, dict):
            face = tuple(float(x) for x in face["box"])
        body = d.get("body", {})
        return m.Character(
            name=name,
            display_name=d.get("name", name),
            photo=self.asset(d.get("photo"), (*path, "photo")),
            face=face,
            body=m.Body(body.get("mode", "auto"), body.get("person", 0)),
            voice=self.voice(d.get("voice"), (*path, "voice")),
            consent=consent,
        )

    def music(self, d: dict | None) -> m.Music | None:
        if d is None:
            return None
        file = self.asset(d["file"], ("music", "file"))
        probe = self.found.probes.get(file.path)
        return m.Music(
            file=m.Asset(file.path, file.rel, d.get("licence"), d.get("source")),
            start_s=float(d.get("start", 0.0)),
            gain_db=float(d.get("gain_db", 0.0)),
            duck_db=float(d.get("duck_db", 12.0)),
            fade_in_s=float(d.get("fade_in", 0.0)),
            fade_out_s=float(d.get("fade_out", 0.0)),
            bpm=float(d["bpm"]) if "bpm" in d else None,
            duration_s=probe.duration_s if probe else None,
        )

    def ethics(self, d: dict) -> m.Ethics:
        label = d.get("label", {})
        if isinstance(label, str):
            label = {"text": label}
        cr = d.get("cultural_review")
        signing = d.get("signing")
        credits = d.get("credits", {})
        return m.Ethics(
            label=m.Label(
                text=label.get("text", "AI-generated"),
                language=label.get("language", "en"),
                position=label.get("position", "bottom-right"),
                size=float(label.get("size", 0.035)),
                colour=label.get("colour"),
                opening_card=float(label.get("opening_card", 0.0)),
            ),
            credits=m.Credits(
                _f(credits.get("duration")),
                credits.get("background"),
                credits.get("colour"),
                credits.get("card", "end"),
            ),
            cultural_review=m.CulturalReview(cr["by"], cr["date"], cr.get("note")) if cr else None,
            signing=m.Signing(
                self.asset(signing["chain"], ("ethics", "signing", "chain")),
                self.asset(signing["key"], ("ethics", "signing", "key")),
            )
            if signing
            else None,
        )

    def where(self, path: DocPath) -> m.Where:
        pos = self.doc.where(path)
        return m.Where(pos.file, pos.line, pos.col, format_path(path))

    def action(self, verb: str, d, path: DocPath) -> m.Action:
        return VERBS[verb].read(VERBS[verb], d, _ActionReader(self, path))

    def shot(self, i: int, d: dict) -> m.Shot:
        path = ("shots", i)
        bg = d.get("background")
        fit = "cover"
        if isinstance(bg, dict) and "gradient" in bg:
            bg = m.Gradient(tuple(bg["gradient"]), float(bg.get("angle", 90.0)))
        elif isinstance(bg, dict) and "photo" in bg:
            fit = bg.get("fit", "cover")
            bg = self.asset(bg["photo"], (*path, "background", "photo"))
        elif bg is not None and not (
            isinstance(bg, str) and (*path, "background") not in self.found.assets
        ):
            bg = self.asset(bg, (*path, "background"))
        place = tuple(
            m.Place(
                name,
                _f(p.get("x")),
                _f(p.get("y")),
                _f(p.get("height")),
                _f(p.get("scale")),
                p.get("depth"),
                bool(p.get("mirror", False)),
                _stage_move(p.get("enter"), "from"),
                _stage_move(p.get("exit"), "to"),
            )
            for name, p in d.get("place", {}).items()
        )
        look = d.get("stage", {})
        stage = m.StageLook(look.get("listeners", "turn"), float(look.get("match", 0.5)))
        cam = d.get("camera", {})
        title = d.get("title")
        if isinstance(title, str):
            title = {"text": title}
        tr = d.get("transition", {})
        actions = []
        for j, a in enumerate(d.get("do", [])):
            verb, body = next(iter(a.items()))
            actions.append(self.action(verb, body, (*path, "do", j, verb)))
        return m.Shot(
            index=i,
            id=d.get("id"),
            background=bg,
            cast=tuple(d.get("cast", [])),
            duration=_f(d.get("duration")),
            camera=m.Camera(
                zoom=_pair(cam.get("zoom"), (1.0, 1.0)),
                pan=_pair_points(cam.get("pan")),
                rotate=_pair(cam.get("rotate"), (0.0, 0.0)),
                ease=cam.get("ease", "in-out"),
                auto="pan" not in cam,
                follow=cam.get("follow"),
                switch=cam.get("switch", "move"),
                zoom_given="zoom" in cam,
            ),
            title=m.Title(
                title["text"],
                title.get("subtitle"),
                title.get("position", "center"),
                float(title.get("size", 0.08)),
                title.get("colour"),
            )
            if title
            else None,
            transition=m.Transition(tr.get("type", "cut"), float(tr.get("duration", 0.5))),
            actions=tuple(actions),
            est_duration_s=self.found.shot_s.get(i, 0.0),
            background_fit=fit,
            place=place,
            stage=stage,
        )


class _ActionReader:
    """What a verb's reader (``engine.spec.verbs``) needs, relative to its action's path."""

    def __init__(self, builder: _Builder, path: DocPath):
        self.builder = builder
        self.path = path

    def asset(self, value, *key) -> m.Asset | None:
        return self.builder.asset(value, (*self.path, *key))

    def tts(self, voice: dict) -> m.TtsVoice:
        return self.builder.tts(voice)

    def where(self, *key) -> m.Where:
        return self.builder.where((*self.path, *key))


def _f(value) -> float | None:
    return None if value is None else float(value)


def _stage_move(value, side_key: str) -> m.StageMove | None:
    """An ``enter`` (side under ``from``) or ``exit`` (under ``to``): a side alone, or
    the full form."""
    if value is None:
        return None
    if isinstance(value, str):
        return m.StageMove(value)
    duration = float(value.get("duration", STAGE_MOVE_S))
    return m.StageMove(value[side_key], _f(value.get("at")), duration)


def _pair_points(value) -> tuple[m.Point, m.Point]:
    if value is None:
        return ((0.5, 0.5), (0.5, 0.5))
    if isinstance(value[0], list):
        return (tuple(map(float, value[0])), tuple(map(float, value[1])))
    point = (float(value[0]), float(value[1]))
    return (point, point)


def build_scene(doc: Document, found: Findings, warnings: list[Diagnostic]) -> m.Scene:
    """The typed Scene of a valid ``doc``; ``found`` carries resolved files and estimates."""
    d = doc.data
    b = _Builder(doc, found)
    return m.Scene(
        title=d.get("title"),
        file=doc.file.resolve(),
        root=doc.root,
        output=b.output(d.get("output", {})),
        characters={n: b.character(n, c) for n, c in d.get("characters", {}).items()},
        music=b.music(d.get("music")),
        captions=m.Captions(**d.get("captions", {})),
        ethics=b.ethics(d.get("ethics", {})),
        shots=tuple(b.shot(i, s) for i, s in enumerate(d["shots"])),
        warnings=tuple(warnings),
        source_sha256=doc.source_sha256,
        vars=dict(doc.vars),
        est_duration_s=found.total_s,
    )
