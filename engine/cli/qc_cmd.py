"""``photoplay qc``: a thin wrapper over ``engine.quality.judge``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from engine.errors import PhotoplayError

BoundOpt = Annotated[
    list[str] | None,
    typer.Option(metavar="KEY=VALUE", help="Bound of one check (repeatable); see the list below."),
]


def _pairs(values: list[str] | None, flag: str) -> dict[str, str]:
    out = {}
    for pair in values or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise PhotoplayError(
                f"{flag} {pair!r} is not KEY=VALUE", hint=f"e.g. {flag} lipsync.corr=0.7"
            )
        out[key.strip()] = value.strip()
    return out


def qc(
    video: Annotated[Path, typer.Argument(metavar="VIDEO", help="The rendered MP4 to judge.")],
    scene: Annotated[
        Path | None,
        typer.Option(
            "--scene", metavar="FILE", help="Scene file, when no provenance lies beside the video."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    sheet: Annotated[
        Path | None, typer.Option("--sheet", metavar="PNG", help="Write a contact sheet here.")
    ] = None,
    fail_under: Annotated[
        list[str] | None,
        typer.Option(
            "--fail-under", metavar="KEY=VALUE", help="Fail when check KEY measures under VALUE."
        ),
    ] = None,
    fail_over: Annotated[
        list[str] | None,
        typer.Option(
            "--fail-over", metavar="KEY=VALUE", help="Fail when check KEY measures over VALUE."
        ),
    ] = None,
) -> None:
    """Judge a rendered video as a viewer sees it.

    Decodes every frame, finds faces and bodies with its own runs of the face and
    pose models, and measures: each speaker's face in frame and lip sync
    (correlation and lag, positive = mouth late), mouth opening, blinks per
    minute; for each dancer the body found, Beat Align Score against a
    random-shift baseline and bone-length variation; the disclosure label on
    every frame; black or frozen frames; loudness, true peak and the sound's
    length against the picture's. Who speaks or dances when comes from the
    .provenance.json beside the video (or --scene, or the soundtrack).

    Exit codes: 0 every check passed, 6 a check failed, 2 unreadable input.

    Checks: face.found, lipsync.corr, lipsync.abs_lag_ms, mouth.open_p95, mouth.open_p5,
    blinks.per_min, dance.body_found, dance.bas_z, dance.bone_cv, label.visible,
    frames.black_s, frames.frozen_s, audio.loudness_lufs, audio.true_peak_dbtp,
    av.duration_gap_ms.

    Examples:

      photoplay qc out/talk.mp4

      photoplay qc out/dance.mp4 --sheet out/dance.qc.png --json

      photoplay qc out/talk.mp4 --fail-under lipsync.corr=0.75 --fail-over lipsync.abs_lag_ms=20
    """
    from engine.quality import judge

    try:
        report = judge(
            video,
            scene=scene,
            fail_under=_pairs(fail_under, "--fail-under"),
            fail_over=_pairs(fail_over, "--fail-over"),
            sheet=sheet,
        )
    except PhotoplayError as exc:
        if as_json:
            typer.echo(json.dumps({"video": str(video), "errors": exc.to_json()}))
        for line in exc.lines():
            typer.echo(line, err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False, default=str))
    else:
        typer.echo("\n".join(report.lines()))
        if sheet is not None:
            typer.echo(f"  contact sheet: {sheet}")
    raise typer.Exit(report.exit_code)
