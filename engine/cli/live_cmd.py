"""``photoplay live``: present a scene's character in real time, in a browser or to a program."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from engine.errors import PhotoplayError


def _size(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    w, sep, h = text.lower().partition("x")
    try:
        size = (int(w), int(h))
    except ValueError:
        size = None
    # 144: the smallest side on which the watermark survives a re-encode (as in scenes)
    if not sep or size is None or not all(144 <= v <= 1920 and v % 2 == 0 for v in size):
        raise PhotoplayError(
            f"--size {text!r} is not WIDTHxHEIGHT with even sides from 144 to 1920",
            hint="e.g. --size 512x512",
        )
    return size


def live(
    scene: Annotated[Path, typer.Argument(metavar="SCENE", help="Scene file.")],
    character: Annotated[
        str, typer.Option("--character", "-c", metavar="NAME", help="Who to present.")
    ],
    host: Annotated[
        str,
        typer.Option("--host", help="Address to listen on; any but loopback needs the token."),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="0: a free port.")] = 8765,
    record: Annotated[
        Path | None,
        typer.Option(
            "--record",
            metavar="DIR",
            help="Where the show's MP4 goes (default: live/ beside the scene).",
        ),  # fmt: skip
    ] = None,
    no_record: Annotated[bool, typer.Option("--no-record", help="Do not record the show.")] = False,
    size: Annotated[
        str | None, typer.Option("--size", metavar="WxH", help="Frame size (default: the scene's).")
    ] = None,
    fps: Annotated[
        int | None, typer.Option("--fps", min=1, max=60, help="Frame rate (default: the scene's).")
    ] = None,
) -> None:
    """Present a character live: a web page and an HTTP API make them talk and emote.

    The character's consent must grant `live` (and `speech`). The page shows
    them over WebRTC with a text box, expression buttons and a transcript;
    programs use POST /say, /emote, /interrupt and the /events WebSocket (see
    the README). Ctrl-C or POST /end ends the show; what was streamed is then
    saved as an MP4 with its provenance and C2PA signature (--record DIR).

    Examples:

      photoplay live scenes/live-portrait.yaml --character grace

      photoplay live scene.yaml -c rosa --size 512x512 --record out/live

      photoplay live scene.yaml -c rosa --host 0.0.0.0 --port 8080
    """
    import asyncio

    _check_installed()
    from engine.live.session import open_session

    frame = _size(size)
    folder = None if no_record else (record or scene.parent / "live")
    typer.echo(f"preparing {character} from {scene} ...", err=True)
    session = open_session(scene, character, size=frame, fps=fps, record=folder)
    result = asyncio.run(_serve(session, host, port))
    if result and result.get("video"):
        typer.echo(
            f"wrote {result['video']} ({result['duration_s']:.2f} s) and {result['provenance']}"
        )


def _check_installed() -> None:
    """aiohttp and aiortc come with the ``live`` extra, not with every install."""
    import importlib.util

    missing = [name for name in ("aiohttp", "aiortc") if importlib.util.find_spec(name) is None]
    if missing:
        raise PhotoplayError(
            f"photoplay live needs {' and '.join(missing)}, not installed here",
            hint="pip install 'photoplay[live]' (make install does it)",
        )


async def _serve(session, host: str, port: int) -> dict | None:
    from engine.live.server import LiveServer

    server = LiveServer(session, host, port)
    try:
        await server.start()
    except BaseException:
        session.abort()
        raise
    w, h = session.performer.size
    typer.echo(f"{session.who} is live at {server.url} ({w}x{h}, {session.show.fps} fps)")
    if session.recorder is not None:
        typer.echo(f"recording to {session.recorder.video} (Ctrl-C or POST /end ends the show)")
    return await server.run()
