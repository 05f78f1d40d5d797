"""Render scenes: compile, run the graph, publish the results beside the target.

Everything a render writes at the target path appears whole or not at all: the
video, its ``.provenance.json``, ``.credits.txt``, captions and poster are checked before any
work (never an input of the scene, never a device or folder), written into a
staging folder, and renamed into place as one set (``engine.publish``).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path

from engine.compile.compiler import Compiled, compile_scene
from engine.compile.timeline import timeline_record
from engine.errors import PhotoplayError
from engine.graph import Graph
from engine.publish import (
    check_outputs,
    clean_leftovers,
    output_paths,
    publish,
    staging_folder,
)
from engine.runtime.cache import Cache
from engine.runtime.events import EventSink, ignore
from engine.runtime.scheduler import (
    LOCAL_SCHEDULERS,
    default_cache_dir,
    make_backend,
    run,
    start_workers_early,
)
from engine.spec.model import Scene


@dataclass
class Rendered:
    """What one render wrote: the video and the files beside it."""

    video: Path
    provenance: Path
    captions: list[Path] = field(default_factory=list)
    poster: Path | None = None
    duration_s: float = 0.0
    credits: Path | None = None  # the credits as plain text


def _check_writable(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".photoplay-probe-"):
            pass
    except OSError as exc:
        raise PhotoplayError(
            f"cannot write to output folder {folder}: {exc.strerror or exc}",
            hint="choose another folder with -o, or fix its permissions",
        ) from None


def _captions_text(scene: Scene, cues: list) -> dict[str, bytes]:
    from engine.nodes.output.captions import srt_text, vtt_text

    texts = {}
    if scene.captions.srt:
        texts["srt"] = srt_text(cues).encode()
    if scene.captions.vtt:
        texts["vtt"] = vtt_text(cues).encode()
    return texts


def _png(frame) -> bytes:
    """The poster frame as PNG bytes."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(frame).save(buffer, format="PNG")
    return buffer.getvalue()


class _Posters:
    """Encodes each poster frame to PNG on a thread as soon as its segment is done, so the
    0.3 s of a 720p PNG runs while the other segments and the final mux still run, not
    after them (``run``'s ``on_value``)."""

    def __init__(self, keys: set[str]):
        import concurrent.futures as cf

        self.keys = keys
        self.pool = cf.ThreadPoolExecutor(1, thread_name_prefix="photoplay-poster")
        self.done: dict = {}

    def __call__(self, key: str, value) -> None:
        if key in self.keys and key not in self.done and isinstance(value, dict):
            frame = value.get("poster")
            if frame is not None:
                self.done[key] = self.pool.submit(_png, frame)

    def get(self, key: str):
        return self.done.get(key)

    def close(self) -> None:
        self.pool.shutdown(cancel_futures=True)


def _deliver(scene: Scene, compiled: Compiled, values: dict, video: Path, png=None) -> Rendered:
    """Write the render's files into a staging folder, then publish them as one set.

    png: a future of the poster's PNG bytes, when it was encoded during the run."""
    from engine.nodes.output.probe import probe

    paths = output_paths(video)
    clean_leftovers(video.parent, [p.name for p in paths.values()])
    with staging_folder(video.parent) as staging:
        staged = {"video": staging / "video.mp4"}
        _sign(scene, compiled.manifest, values[compiled.video]["file"], staged["video"], video)
        # The file beside the video adds the timeline (who speaks or dances when, known only
        # now that the graph ran) for `photoplay qc`; the signed manifest stays as compiled.
        timings = {entry["timing"]: values[entry["timing"]] for entry in compiled.segments}
        timeline = timeline_record(scene, compiled.segments, timings)
        for entry, laid in zip(compiled.segments, timeline["segments"], strict=True):
            stretch = _segment_stretch(compiled, values, entry)
            if stretch is not None:  # the worst triangle of the shot's dancing body
                laid["stretch"] = stretch
            limits = _segment_value(compiled, values, entry, "limits")
            if limits:  # explicit moves asked past what the photo can show
                laid["limits"] = limits
            bas = _segment_value(compiled, values, entry, "bas_motion")
            if bas:  # the dance's beat alignment as danced (qc measures it on the video)
                laid["bas_motion"] = bas
            stage = _stage_record(_segment_value(compiled, values, entry, "stage"), laid)
            if stage:  # colour match to the backdrop; listeners turned toward the speaker
                laid["stage"] = stage
            overlays = _segment_value(compiled, values, entry, "overlays")
            if overlays:  # where label, title and captions went; the faces they cleared
                laid["overlays"] = overlays
        record = compiled.manifest | {"timeline": timeline}
        staged["provenance"] = staging / "provenance.json"
        staged["provenance"].write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        staged["credits"] = staging / "credits.txt"  # the credits, card or no card
        staged["credits"].write_text(compiled.manifest["credits"]["text"] + "\n", encoding="utf-8")
        for kind, text in _captions_text(scene, values[compiled.captions]).items():
            staged[kind] = staging / f"captions.{kind}"
            staged[kind].write_bytes(text)
        frame = values[compiled.poster].get("poster")
        if scene.output.poster and frame is not None:
            staged["poster"] = staging / "poster.png"
            staged["poster"].write_bytes(png.result() if png is not None else _png(frame))
        publish(staged, paths)
    info = probe(video)
    captions = [paths[kind] for kind in ("srt", "vtt") if kind in staged]
    poster = paths["poster"] if "poster" in staged else None
    duration_s = info["duration_s"] or 0.0
    return Rendered(video, paths["provenance"], captions, poster, duration_s, paths["credits"])


def _stage_record(stage: dict | None, laid: dict) -> dict:
    """A stage shot's report (``render.shot``) for the timeline: what it holds, its turns
    in seconds of the video (``laid``: the segment's timeline entry)."""
    out = {k: v for k, v in (stage or {}).items() if v}
    if "turns" in out:
        at = laid["start_s"]
        out["turns"] = [
            t | {k: round(t[k] + at, 4) for k in ("start_s", "end_s")} for t in out["turns"]
        ]
    return out


def _segment_nodes(compiled: Compiled, entry: dict) -> list[str]:
    """Keys of the ``render.segment`` nodes drawing a timeline entry (by its timing)."""
    return [
        node.key
        for node in compiled.graph.nodes.values()
        if node.kind == "render.segment" and node.inputs.get("timing") == entry["timing"]
    ]


def _segment_value(compiled: Compiled, values: dict, entry: dict, name: str):
    """What a shot's ``render.segment`` reported under ``name`` (None if nothing)."""
    for key in _segment_nodes(compiled, entry):
        value = values.get(key)
        if isinstance(value, dict) and value.get(name):
            return value[name]
    return None


def _segment_stretch(compiled: Compiled, values: dict, entry: dict) -> dict | None:
    return _segment_value(compiled, values, entry, "stretch")


def limit_message(what: str, limit: dict) -> str:
    """One line: a joint explicit dance moves turn further than the photo can show."""
    moves = ", ".join(limit["moves"])
    return (
        f"{what}: moves {moves} turn {limit['joint']} {limit['asked_deg']:g} deg from the "
        f"photo's pose, but this photo allows {limit['limit_deg']:g} deg ({limit['why']})"
    )


def _check_limits(compiled: Compiled, values: dict, video: Path, strict: bool, on_event) -> None:
    """Warn (an event) about moves danced scaled down; under ``strict``, refuse."""
    for entry in compiled.segments:
        for limit in _segment_value(compiled, values, entry, "limits") or []:
            message = limit_message(entry["what"], limit)
            if strict:
                raise PhotoplayError(
                    message,
                    hint="pick moves this photo can show, or render without --strict to "
                    "dance them scaled down",
                )
            on_event(
                {"event": "warning", "code": "dance.beyond-limits", "video": str(video)}
                | {"message": message + ": danced scaled down", "segment": entry["what"]}
                | limit
            )


def _sign(scene: Scene, record: dict, source: Path, target: Path, video: Path) -> None:
    """The final mux with a C2PA manifest, signed last (any remux would drop it).

    Signed with the scene's certificate (``ethics.signing``) or a locally made one,
    which readers report honestly as not publicly trusted. The cached mux is left
    unsigned, so a cache hit never reuses an old signature.
    """
    from engine.nodes.ethics.c2pa_sign import sign_video
    from engine.nodes.ethics.signing_keys import load_identity, local_identity

    signing = scene.ethics.signing
    if signing is not None:
        identity = load_identity(signing.chain.path, signing.key.path)
    else:
        identity = local_identity()
    sign_video(source, target, record, identity, title=video.name)


def check_targets(scenes: Mapping[Path, Scene]) -> None:
    """Refuse, before any work, outputs that would replace an input of their scene, go
    into a device or folder, or have names the file system cannot hold (PhotoplayError)."""
    for video, scene in scenes.items():
        check_outputs(output_paths(video), scene_inputs(scene))


def scene_inputs(scene: Scene) -> dict[Path, str]:
    """Every file the scene reads, by what it is (``characters.rosa.photo``): outputs must
    never replace one. Found by walking the Scene, so new kinds of asset are covered."""
    found = {scene.file: "the scene file"}
    for base in _base_scenes(scene.file):
        found.setdefault(base, "a base scene (extends)")

    def walk(value: object, where: str) -> None:
        if isinstance(value, Path):
            found.setdefault(value, where.removesuffix(".path"))
        elif is_dataclass(value):
            for f in fields(value):
                walk(getattr(value, f.name), f"{where}.{f.name}")
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{where}.{key}")
        elif isinstance(value, list | tuple):
            for i, item in enumerate(value):
                walk(item, f"{where}[{i}]")

    for f in fields(scene):
        if f.name not in ("file", "root"):  # the root is the project folder, not a file
            walk(getattr(scene, f.name), f.name)
    return found


def _base_scenes(file: Path, max_depth: int = 16) -> list[Path]:
    """The files ``file`` extends, nearest first (the Scene keeps only the merged result).

    The chain was loaded and checked when the scene was validated; reading it again
    here only follows each file's ``extends`` key, and stops at anything unexpected.
    """
    import yaml

    bases: list[Path] = []
    current = file
    for _ in range(max_depth):
        try:
            data = yaml.safe_load(current.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            break
        target = data.get("extends") if isinstance(data, dict) else None
        if not isinstance(target, str) or not target.strip():
            break
        current = (current.parent / target).resolve()
        if current in bases or current == file.resolve():
            break
        bases.append(current)
    return bases


def default_output(scene: Scene) -> Path:
    return scene.file.with_suffix(".mp4")


def render_scenes(
    scenes: Mapping[Path, Scene],
    *,
    scheduler: str | None = None,
    cache_dir: Path | None = None,
    on_event: EventSink = ignore,
    workers: int | None = None,
    strict: bool = False,
) -> list[Rendered]:
    """Render several scenes (e.g. campaign variants) as one graph: shared nodes run once.

    ``scenes`` maps each output video path to its validated Scene. Explicit dance moves
    that ask a joint to turn further than the dancer's photo can show are danced scaled
    down with a ``warning`` event; under ``strict`` the render is refused instead
    (PhotoplayError naming the joint and its limit; nothing is written).
    """
    check_targets(scenes)
    if scheduler in LOCAL_SCHEDULERS and scheduler != "inline":
        start_workers_early()  # the workers' imports run beside the compile
    graph = Graph()
    compiled = {video: compile_scene(scene, graph) for video, scene in scenes.items()}
    for video in compiled:
        _check_writable(video.parent)
    first = next(iter(scenes.values()))
    cache = Cache(cache_dir or default_cache_dir(first.file))
    targets = []
    for c in compiled.values():
        targets += [c.video, c.captions, c.poster, *(entry["timing"] for entry in c.segments)]
        # each shot's segment too: its value reports how far a dancing body was stretched
        targets += [key for entry in c.segments for key in _segment_nodes(c, entry)]
    backend = make_backend(scheduler, workers)
    posters = _Posters({c.poster for v, c in compiled.items() if scenes[v].output.poster})
    try:
        try:
            values = run(
                graph,
                cache,
                targets=list(dict.fromkeys(targets)),
                backend=backend,
                on_event=on_event,
                on_value=posters,
            )
        finally:
            backend.close()
        results = _finish(scenes, compiled, values, strict, on_event, posters)
    finally:
        posters.close()
    return results


def _finish(scenes, compiled, values, strict, on_event, posters) -> list[Rendered]:
    """Check dance limits, report stretches and beat alignment, deliver each video."""
    results = []
    for video, c in compiled.items():
        _check_limits(c, values, video, strict, on_event)
    for video, c in compiled.items():
        for entry in c.segments:
            stretch = _segment_stretch(c, values, entry)
            if stretch is not None:
                on_event(
                    {"event": "stretch", "video": str(video), "segment": entry["what"]} | stretch
                )
            bas = _segment_value(c, values, entry, "bas_motion")
            if bas:
                on_event({"event": "bas", "video": str(video), "segment": entry["what"]} | bas)
        rendered = _deliver(scenes[video], c, values, video, posters.get(c.poster))
        on_event(
            {"event": "output", "video": str(rendered.video), "duration_s": rendered.duration_s}
        )
        results.append(rendered)
    return results


def render(
    scene_or_path: Scene | str | os.PathLike,
    out: str | os.PathLike | None = None,
    *,
    sets: Mapping[str, str] | None = None,
    scheduler: str | None = None,
    cache_dir: str | os.PathLike | None = None,
    on_event: EventSink = ignore,
    strict: bool = False,
) -> Rendered:
    """Validate (if given a path), compile and render one scene to an MP4.

    A path is validated as ``engine.validate`` does it, with the installed voices
    and the dance styles' cultural context.
    """
    from engine.api import validate

    if scheduler in LOCAL_SCHEDULERS and scheduler != "inline":
        start_workers_early()  # the workers' imports run beside the validation
    scene = scene_or_path
    if not isinstance(scene, Scene):
        scene = validate(scene_or_path, sets=sets, strict=strict)
    video = Path(out) if out else default_output(scene)
    cache = Path(cache_dir) if cache_dir else None
    return render_scenes(
        {video: scene}, scheduler=scheduler, cache_dir=cache, on_event=on_event, strict=strict
    )[0]
