"""Render scenes: compile, run the graph, publish the results beside the target.

Everything a render writes at the target path appears whole or not at all: the
video, its ``.provenance.json``, captions and poster are copied out of the
cache to temporary names and renamed into place last.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from engine.compile.compiler import Compiled, compile_scene
from engine.compile.timeline import timeline_record
from engine.errors import PhotoplayError
from engine.graph import Graph
from engine.nodes.output.atomic import commit, discard, make_temp_path
from engine.runtime.cache import Cache
from engine.runtime.events import EventSink, ignore
from engine.runtime.scheduler import default_cache_dir, make_backend, run
from engine.spec import validate
from engine.spec.model import Scene


@dataclass
class Rendered:
    """What one render wrote: the video and the files beside it."""

    video: Path
    provenance: Path
    captions: list[Path] = field(default_factory=list)
    poster: Path | None = None
    duration_s: float = 0.0


def output_paths(video: Path) -> dict[str, Path]:
    stem = video.with_suffix("")
    return {
        "provenance": Path(f"{stem}.provenance.json"),
        "srt": stem.with_suffix(".srt"),
        "vtt": stem.with_suffix(".vtt"),
        "poster": stem.with_suffix(".png"),
    }


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


def _publish(files: dict[Path, Path | bytes]) -> None:
    """Write each source (a path or bytes) to a temp file beside its target, then rename all."""
    staged: list[tuple[Path, Path]] = []
    try:
        for target, source in files.items():
            temp = make_temp_path(target)
            staged.append((temp, target))
            if isinstance(source, bytes):
                temp.write_bytes(source)
            else:
                shutil.copyfile(source, temp)
        # The video goes last: when it exists, everything beside it is complete.
        for temp, target in sorted(staged, key=lambda st: st[1].suffix == ".mp4"):
            commit(temp, target)
    except OSError as exc:
        for temp, _ in staged:
            discard(temp)
        raise PhotoplayError(
            f"cannot write {exc.filename or 'output'}: {exc.strerror or exc}",
            hint="check free disk space and permissions of the output folder",
        ) from None


def _captions_text(scene: Scene, cues: list) -> dict[str, bytes]:
    from engine.nodes.output.captions import srt_text, vtt_text

    texts = {}
    if scene.captions.srt:
        texts["srt"] = srt_text(cues).encode()
    if scene.captions.vtt:
        texts["vtt"] = vtt_text(cues).encode()
    return texts


def _deliver(scene: Scene, compiled: Compiled, values: dict, video: Path) -> Rendered:
    from engine.nodes.output.probe import probe

    paths = output_paths(video)
    signed = _signed_copy(scene, compiled.manifest, values[compiled.video]["file"], video)
    files: dict[Path, Path | bytes] = {video: signed}
    # The file beside the video adds the timeline (who speaks or dances when, known only
    # now that the graph ran) for `photoplay qc`; the signed manifest stays as compiled.
    timings = {entry["timing"]: values[entry["timing"]] for entry in compiled.segments}
    record = compiled.manifest | {"timeline": timeline_record(scene, compiled.segments, timings)}
    files[paths["provenance"]] = (json.dumps(record, indent=2) + "\n").encode()
    captions = []
    for kind, text in _captions_text(scene, values[compiled.captions]).items():
        files[paths[kind]] = text
        captions.append(paths[kind])
    poster = None
    frame = values[compiled.poster].get("poster")
    if scene.output.poster and frame is not None:
        from io import BytesIO

        from PIL import Image

        buffer = BytesIO()
        Image.fromarray(frame).save(buffer, format="PNG")
        files[paths["poster"]] = buffer.getvalue()
        poster = paths["poster"]
    try:
        _publish(files)
    finally:
        signed.unlink(missing_ok=True)
    info = probe(video)
    return Rendered(video, paths["provenance"], captions, poster, info["duration_s"] or 0.0)


def _signed_copy(scene: Scene, record: dict, source: Path, video: Path) -> Path:
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
    target = video.parent / f".{video.name}.{os.getpid()}.signed.mp4"
    try:
        sign_video(source, target, record, identity, title=video.name)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target


def default_output(scene: Scene) -> Path:
    return scene.file.with_suffix(".mp4")


def render_scenes(
    scenes: Mapping[Path, Scene],
    *,
    scheduler: str | None = None,
    cache_dir: Path | None = None,
    on_event: EventSink = ignore,
    workers: int | None = None,
) -> list[Rendered]:
    """Render several scenes (e.g. campaign variants) as one graph: shared nodes run once.

    ``scenes`` maps each output video path to its validated Scene.
    """
    graph = Graph()
    compiled = {video: compile_scene(scene, graph) for video, scene in scenes.items()}
    for video in compiled:
        _check_writable(video.parent)
    first = next(iter(scenes.values()))
    cache = Cache(cache_dir or default_cache_dir(first.file))
    targets = []
    for c in compiled.values():
        targets += [c.video, c.captions, c.poster, *(entry["timing"] for entry in c.segments)]
    backend = make_backend(scheduler, workers)
    try:
        values = run(
            graph, cache, targets=list(dict.fromkeys(targets)), backend=backend, on_event=on_event
        )
    finally:
        backend.close()
    results = []
    for video, c in compiled.items():
        rendered = _deliver(scenes[video], c, values, video)
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
    """Validate (if given a path), compile and render one scene to an MP4."""
    scene = scene_or_path
    if not isinstance(scene, Scene):
        scene = validate(scene_or_path, sets=sets, strict=strict)
    video = Path(out) if out else default_output(scene)
    cache = Path(cache_dir) if cache_dir else None
    return render_scenes({video: scene}, scheduler=scheduler, cache_dir=cache, on_event=on_event)[0]
