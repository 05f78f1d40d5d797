"""``photoplay verify``: a thin wrapper over ``engine.verifier.verify``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from engine.errors import PhotoplayError


def verify(
    video: Annotated[Path, typer.Argument(metavar="VIDEO", help="The video to check.")],
    json_out: Annotated[
        bool, typer.Option("--json", help="Print the full verdict as JSON.")
    ] = False,
    trust: Annotated[
        Path | None,
        typer.Option("--trust", metavar="CA.pem", help="Trust C2PA signatures from this CA."),
    ] = None,
    manifests: Annotated[
        Path | None,
        typer.Option(
            "--manifests",
            metavar="DIR",
            help="Folder of *.provenance.json to name the render of a re-encoded video.",
        ),
    ] = None,
) -> None:
    """Check a video's C2PA signature, provenance manifest and invisible watermark.

    Prints one verdict line and its reasons. Exit codes: 0 authentic (signed and
    unchanged), 3 marked (re-encoded, watermark found), 4 tampered, 5 unknown
    (nothing of Photoplay's), 2 bad input.

    A local signing certificate is reported as not publicly trusted; pass its CA
    with --trust to trust it.

    Examples:

      photoplay verify out/story.mp4

      photoplay verify out/story.mp4 --trust ~/.local/share/photoplay/signing/ca.pem

      photoplay verify reposted.mp4 --manifests out/ --json
    """
    from engine.cli.main import print_error
    from engine.verifier import verify as run_verify

    try:
        verdict = run_verify(video, trust_anchor=trust, manifests_dir=manifests)
    except PhotoplayError as exc:
        print_error(exc, "verify", as_json=json_out)
        raise typer.Exit(exc.exit_code) from None
    if json_out:
        typer.echo(json.dumps(verdict.to_json(), indent=2, ensure_ascii=False, default=str))
    else:
        payload = verdict.watermark["payload"]
        mark = f", payload {payload}" if payload else ""
        typer.echo(f"{video}: {verdict.status}{mark}")
        for reason in verdict.reasons:
            typer.echo(f"  - {reason}")
    raise typer.Exit(verdict.exit_code)
