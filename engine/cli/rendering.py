"""``photoplay render``, ``graph``, ``plan``, ``cache`` and ``voices``: thin wrappers over the API."""

from __future__ import annotations

import contextlib
import csv
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from engine.errors import PhotoplayError

SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", metavar="KEY=VALUE", help="Set a template variable (repeatable)."),
]
CacheOpt = Annotated[
    Path | None,
    typer.Option(
        "--cache", metavar="DIR", help="Cache folder (default: .photoplay/cache beside the scene)."
    ),
]


def _sets(pairs: list[str] | None) -> dict[str, str]:
    from engine.cli.main import _parse_sets

    return _parse_sets(pairs or [])


def _variant_rows(variants: Path) -> int:
    try:
        with open(variants, newline="", encoding="utf-8") as fh:
            return max(0, sum(1 for row in csv.reader(fh) if any(c.strip() for c in row)) - 1)
    except OSError as exc:
        raise PhotoplayError(
            f"cannot read {variants}: {exc.strerror}", hint="check the path"
        ) from None


def _scenes(
    file: Path, out: Path | None, sets, variants: Path | None, row: int | None, strict=False
) -> dict:
    """Output path → validated Scene, one per variants row when --variants is given."""
    import engine

    if variants is None:
        scene = engine.validate(file, sets=sets, strict=strict)
        return {out or scene.file.with_suffix(".mp4"): scene}
    rows = [row] if row else range(1, _variant_rows(variants) + 1)
    scenes = {}
    for r in rows:
        scene = engine.validate(file, sets=sets, variants=variants, row=r, strict=strict)
        base = out or scene.file.with_suffix(".mp4")
        scenes[base.with_name(f"{base.stem}-{r}{base.suffix or '.mp4'}")] = scene
    return scenes


class _Progress:
    """A rich progress bar over the graph's nodes, with ETA weighted by each node's cost."""

    def __init__(self, graph):
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        self.cost = {key: node.cost for key, node in graph.nodes.items()}
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeRemainingColumn(),
            transient=False,
        )
        self.task = self.bar.add_task("rendering", total=sum(self.cost.values()))
        self.warnings: list[str] = []

    def done(self) -> None:
        self.bar.update(self.task, completed=sum(self.cost.values()), description="done")

    def __call__(self, event: dict) -> None:
        if event.get("event") == "warning":
            self.warnings.append(event["message"])
        if event.get("event") == "node" and event["status"] in ("cached", "finished"):
            label = f"{event['kind']} {event.get('label', '')}".strip()
            self.bar.update(self.task, advance=self.cost.get(event["key"], 0), description=label)


def _where_said(scenes: dict, text: str):
    """Where the first TTS line with ``text`` is written (a spec Where), or None."""
    actions = (a for scene in scenes.values() for shot in scene.shots for a in shot.actions)
    for action in actions:
        if getattr(action, "text", None) == text and getattr(action, "where", None):
            return action.where
    return None


@contextlib.contextmanager
def _lines_named(scenes: dict):
    """A line that espeak spoke far past its estimate, reported where it is written."""
    from engine.errors import Diagnostic, SceneError
    from engine.nodes.speech.errors import SpeechTooLong

    try:
        yield
    except SpeechTooLong as err:
        at = _where_said(scenes, err.text)
        if at is None:
            raise
        code = "duration.speech-too-long"
        diag = Diagnostic(at.file, at.line, at.col, at.path, code, err.message, err.hint)
        raise SceneError([diag]) from None


def render(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Scene file.")],
    out: Annotated[
        Path | None, typer.Option("-o", "--out", metavar="OUT", help="Video to write.")
    ] = None,
    set_: SetOpt = None,
    variants: Annotated[
        Path | None, typer.Option("--variants", metavar="CSV", help="Render one video per CSV row.")
    ] = None,
    row: Annotated[
        int | None, typer.Option("--row", metavar="N", help="Only this row of --variants.")
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", metavar="ADDR", help="Dask scheduler, e.g. tcp://host:8786."),
    ] = None,
    cache: CacheOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON event per line.")] = False,
    qc: Annotated[
        bool,
        typer.Option("--qc", help="Judge each video with photoplay qc after it is written."),
    ] = False,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Warnings are errors: missing licences, and dance moves past what the "
            "dancer's photo can show (else danced scaled down).",
        ),
    ] = False,
) -> None:
    """Render a scene to an MP4 (H.264 + AAC) with its provenance, captions and poster.

    With --qc each video is then judged as a viewer sees it (see `photoplay qc`),
    a contact sheet written beside it (.qc.png); exit 6 when a check fails (the
    video is kept).

    Examples:

      photoplay render scenes/photo-story.yaml -o out/story.mp4

      photoplay render scenes/talking-portrait.yaml --qc

      photoplay render scenes/campaign.yaml --variants scenes/campaign.csv

      photoplay render scene.yaml --scheduler tcp://127.0.0.1:8786 --json
    """
    from engine.compile.compiler import compile_scene
    from engine.graph import Graph
    from engine.render import check_targets, render_scenes
    from engine.runtime.scheduler import LOCAL_SCHEDULERS, check_scheduler, start_workers_early

    check_scheduler(scheduler)  # before validating: a typo should not cost a render's setup
    if scheduler in LOCAL_SCHEDULERS and scheduler != "inline":
        start_workers_early()  # the render workers' imports run beside the validation
    scenes = _scenes(file, out, _sets(set_), variants, row, strict)
    check_targets(scenes)  # before the progress bar: a refusal is one line, nothing else
    if as_json:

        def sink(event):
            print(json.dumps(event), flush=True)

        with _lines_named(scenes):
            results = render_scenes(
                scenes, scheduler=scheduler, cache_dir=cache, on_event=sink, strict=strict
            )
        if qc:
            _judge(results, sink)
        return
    graph = Graph()
    for scene in scenes.values():
        compile_scene(scene, graph)
    progress = _Progress(graph)
    with progress.bar, _lines_named(scenes):
        results = render_scenes(
            scenes, scheduler=scheduler, cache_dir=cache, on_event=progress, strict=strict
        )
        progress.done()
    for warning in progress.warnings:
        typer.echo(f"warning: {warning}", err=True)
    for result in results:
        beside = [result.provenance, result.credits, *result.captions, result.poster]
        extra = ", ".join(str(p) for p in beside if p)
        typer.echo(f"wrote {result.video} ({result.duration_s:.2f} s) and {extra}")
    if qc:
        _judge(results, None)


def _judge(results, sink) -> None:
    """qc each rendered video; exit 6 when any check failed."""
    import engine

    failed = False
    for result in results:
        sheet = Path(f"{result.video.with_suffix('')}.qc.png")
        report = engine.qc(result.video, sheet=sheet)
        failed |= not report.passed
        if sink is not None:
            sink({"event": "qc", "video": str(result.video), **report.to_json()})
        else:
            typer.echo("\n".join(report.lines()))
            typer.echo(f"  contact sheet: {sheet}")
    if failed:
        raise typer.Exit(6)


def graph(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Scene file.")],
    fmt: Annotated[str, typer.Option("--format", help="json or dot.")] = "json",
    set_: SetOpt = None,
) -> None:
    """Print the scene's render graph: nodes, their keys and inputs.

    Examples:

      photoplay graph scenes/photo-story.yaml --format dot | dot -Tsvg > graph.svg
    """
    import engine

    compiled = engine.compile(engine.validate(file, sets=_sets(set_)))
    if fmt == "dot":
        sys.stdout.write(compiled.graph.to_dot())
    elif fmt == "json":
        print(json.dumps(compiled.graph.to_json(), indent=2))
    else:
        raise PhotoplayError(
            f"unknown graph format {fmt!r}", hint="use --format json or --format dot"
        )


def plan(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Scene file.")],
    set_: SetOpt = None,
    cache: CacheOpt = None,
) -> None:
    """Show which nodes a render would take from the cache and which it would run.

    Example:

      photoplay plan scenes/photo-story.yaml
    """
    import engine
    from engine.runtime.cache import Cache
    from engine.runtime.scheduler import default_cache_dir
    from engine.runtime.scheduler import plan as plan_graph

    scene = engine.validate(file, sets=_sets(set_))
    compiled = engine.compile(scene)
    targets = [compiled.video, compiled.captions, compiled.poster]
    status = plan_graph(compiled.graph, Cache(cache or default_cache_dir(scene.file)), targets)
    work = 0.0
    for key, state in status.items():
        node = compiled.graph.nodes[key]
        work += node.cost if state == "run" else 0.0
        typer.echo(f"{state:6}  {node.kind:16} {node.label[:40]:40} {key[:12]}")
    n_run = sum(s == "run" for s in status.values())
    typer.echo(
        f"{n_run} to run, {len(status) - n_run} cached; about {work:.0f} core-seconds of work"
    )


cache_app = typer.Typer(help="Inspect or prune the render cache.", no_args_is_help=True)


def _cache(folder: Path | None, scene: Path | None):
    from engine.runtime.cache import Cache
    from engine.runtime.scheduler import default_cache_dir

    if folder is None and scene is None:
        raise PhotoplayError("say which cache", hint="give --cache DIR or --scene FILE")
    return Cache(folder or default_cache_dir(scene), create=False)


@cache_app.command("info")
def cache_info(
    cache: CacheOpt = None,
    scene: Annotated[Path | None, typer.Option("--scene", help="Use this scene's cache.")] = None,
) -> None:
    """Entries and size of a cache. Example: photoplay cache info --scene scenes/photo-story.yaml"""
    stats = _cache(cache, scene).stats()
    typer.echo(f"{stats.root}: {stats.entries} entries, {stats.bytes / 1e6:.1f} MB")


@cache_app.command("prune")
def cache_prune(
    cache: CacheOpt = None,
    scene: Annotated[Path | None, typer.Option("--scene", help="Use this scene's cache.")] = None,
    older_than_days: Annotated[
        float, typer.Option("--older-than", metavar="DAYS", help="Drop entries unused this long.")
    ] = 30.0,
    max_mb: Annotated[
        float | None,
        typer.Option("--max-mb", help="Then drop least recently used above this size."),
    ] = None,
    everything: Annotated[bool, typer.Option("--all", help="Empty the cache.")] = False,
) -> None:
    """Delete old cache entries. Example: photoplay cache prune --scene s.yaml --older-than 7"""
    store = _cache(cache, scene)
    if everything:
        removed = store.prune()
    else:
        max_bytes = int(max_mb * 1e6) if max_mb is not None else None
        removed = store.prune(older_than_s=older_than_days * 86400, max_bytes=max_bytes)
    typer.echo(f"removed {removed} entries")


def voices() -> None:
    """List the installed TTS voices (what `voice: {tts: ...}` accepts)."""
    from engine.api import installed_voices

    typer.echo(" ".join(sorted(installed_voices())))


def _demo_scenes(folder: Path) -> list[tuple[Path, list[dict]]]:
    """Each scene file with its validation runs: one per row of NAME.csv beside NAME.yaml."""
    runs = []
    for scene in sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")):
        csv_path = scene.with_suffix(".csv")
        if csv_path.is_file():
            rows = range(1, _variant_rows(csv_path) + 1)
            runs.append((scene, [{"variants": csv_path, "row": r} for r in rows]))
        elif not scene.stem.endswith("-base"):  # bases are completed by the scenes extending them
            runs.append((scene, [{}]))
    return runs


def demo(
    folder: Annotated[Path, typer.Argument(metavar="[DIR]", help="Folder of scenes.")] = Path(
        "scenes"
    ),
    out: Annotated[
        Path, typer.Option("-o", "--out", metavar="DIR", help="Where videos go.")
    ] = Path("out"),
    cache: CacheOpt = None,
) -> None:
    """Validate and render every scene in a folder; NAME.csv beside NAME.yaml renders each row.

    The variants of one scene render as one graph, so what they share runs once.

    Example:

      photoplay demo scenes -o out
    """
    import engine
    from engine.errors import SceneError, UnsupportedError
    from engine.render import render_scenes

    if not folder.is_dir():
        raise PhotoplayError(f"{str(folder)!r} is not a folder", hint="photoplay demo scenes")
    runs = _demo_scenes(folder)
    if not runs:
        raise PhotoplayError(f"no .yaml scenes in {str(folder)!r}")
    failed = 0
    for scene_file, variants in runs:
        try:
            scenes = {}
            for variant in variants:
                tag = f"-{variant['row']}" if variant else ""
                scenes[out / f"{scene_file.stem}{tag}.mp4"] = engine.validate(scene_file, **variant)
            results = render_scenes(scenes, cache_dir=cache)
        except SceneError as err:
            failed += 1
            for line in err.lines():
                typer.echo(line)
            continue
        except UnsupportedError as err:
            typer.echo(f"{scene_file}: skipped: {err.lines()[0].removeprefix('error: ')}")
            continue
        except PhotoplayError as err:
            failed += 1
            typer.echo(f"{scene_file}: {err.lines()[0]}")
            continue
        for result in results:
            typer.echo(f"{scene_file}: wrote {result.video} ({result.duration_s:.1f} s)")
    raise typer.Exit(2 if failed else 0)


def register(app: typer.Typer) -> None:
    from engine.cli.live_cmd import live
    from engine.cli.qc_cmd import qc
    from engine.cli.verify_cmd import verify

    for command in (render, verify, qc, live, graph, plan, voices, demo):
        app.command()(command)
    app.add_typer(cache_app, name="cache")
