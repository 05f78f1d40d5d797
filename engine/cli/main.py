"""The ``photoplay`` command: parse flags, call the API, print.

Exit codes: 0 valid, 2 invalid input or usage error, 1 internal error. Every
PhotoplayError prints its lines (no traceback); anything unexpected prints
one line and exits 1.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

import engine
from engine.errors import Diagnostic, PhotoplayError, SceneError

app = typer.Typer(
    name="photoplay",
    help="Declarative scene files in, talking and dancing photos out.\n\n"
    "Example: photoplay validate scenes/talking-portrait.yaml",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"photoplay {engine.__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Declarative scene files in, talking and dancing photos out.

    Example: photoplay validate scenes/talking-portrait.yaml
    """


def _parse_sets(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="--set")
        out[key.strip()] = value
    return out


def _summary(shown: str, scene) -> str:
    n_chars, n_shots = len(scene.characters), len(scene.shots)
    minutes, seconds = divmod(int(round(scene.est_duration_s)), 60)
    warn = f", {len(scene.warnings)} warning(s)" if scene.warnings else ""
    return (
        f"{shown}: valid: {n_chars} character{'s' * (n_chars != 1)}, "
        f"{n_shots} shot{'s' * (n_shots != 1)}, about {minutes}:{seconds:02d} "
        f"({scene.est_duration_s:.1f} s){warn}"
    )


def _check(shown: str, **kwargs) -> tuple[list[Diagnostic], str | None]:
    """Validate one file: (diagnostics, summary line or None if invalid)."""
    try:
        scene = engine.validate(shown, **kwargs)
    except SceneError as err:
        return list(err.diagnostics), None
    return list(scene.warnings), _summary(shown, scene)


@app.command()
def validate(
    files: Annotated[list[str], typer.Argument(metavar="FILE...", help="Scene files to check.")],
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", metavar="KEY=VALUE", help="Set a template variable (repeatable)."),
    ] = None,
    variants: Annotated[
        Path | None,
        typer.Option("--variants", metavar="CSV", help="CSV of variables, header = names."),
    ] = None,
    row: Annotated[
        int | None,
        typer.Option("--row", metavar="N", help="Row of --variants (1 = first under the header)."),
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Missing licences are errors.")] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the diagnostics as a JSON list.")
    ] = False,
    max_duration: Annotated[
        float,
        typer.Option("--max-duration", metavar="SECONDS", help="Longest video allowed.", min=0.001),
    ] = 1800.0,
) -> None:
    """Check scene files and print every problem, one per line.

    Examples:

      photoplay validate scenes/talking-portrait.yaml

      photoplay validate scenes/*.yaml --strict --json

      photoplay validate scenes/campaign.yaml --variants scenes/campaign.csv --row 2

      photoplay validate scene.yaml --set name=Ada --set seed=3
    """
    if (variants is None) != (row is None):
        raise typer.BadParameter("--variants and --row go together", param_hint="--row")
    kwargs = dict(
        sets=_parse_sets(set_ or []),
        variants=variants,
        row=row,
        strict=strict,
        max_duration_s=max_duration,
    )
    all_diags: list[Diagnostic] = []
    invalid = False
    for shown in files:
        diags, summary = _check(shown, **kwargs)
        all_diags.extend(diags)
        invalid |= summary is None
        if not as_json:
            for d in diags:
                typer.echo(d.format())
            if summary:
                typer.echo(summary)
    if as_json:
        typer.echo(json.dumps([d.to_json() for d in all_diags], indent=2, ensure_ascii=False))
    raise typer.Exit(2 if invalid else 0)


@app.command()
def new(
    name: Annotated[Path, typer.Argument(metavar="NAME", help="Folder to create.")],
    template: Annotated[
        str, typer.Option("--template", "-t", help="talking, dance or campaign.")
    ] = "talking",
) -> None:
    """Create a scene folder (scene.yaml, assets, schema) that validates.

    Examples:

      photoplay new hello

      photoplay new party --template dance

      photoplay new thanks --template campaign
    """
    from engine.cli.scaffold import scaffold
    from engine.spec import scene_schema

    scenes = scaffold(name, template, scene_schema())
    for scene in scenes:
        typer.echo(f"created {scene}")
    typer.echo(f"next: photoplay validate {scenes[0]}")


@app.command()
def schema(
    out: Annotated[
        Path | None, typer.Option("--out", metavar="PATH", help="Write it here.")
    ] = None,
) -> None:
    """Print the scene JSON Schema (draft 2020-12), or write it to a file.

    Examples:

      photoplay schema

      photoplay schema --out scene.schema.json
    """
    from engine.spec import scene_schema

    text = json.dumps(scene_schema(), indent=2, ensure_ascii=False) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    write_atomic(out, text)
    typer.echo(f"wrote {out}")


def _register_rendering() -> None:
    from engine.cli.rendering import register

    register(app)


_register_rendering()


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    from engine.nodes.output.atomic import write_text_atomic

    write_text_atomic(path, text)


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (``kill``, a service manager, a CI timeout) stops a command as Ctrl-C does:
    the render's workers are stopped, nothing half-written is left, exit code 130."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


def run(argv: list[str] | None = None) -> int:
    """Run the CLI on ``argv`` and return the exit code; never raises, never prints a traceback."""
    with _sigterm_as_interrupt():
        return _run(argv)


def _run(argv: list[str] | None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        result = app(args=argv, prog_name="photoplay", standalone_mode=False)
        return result if isinstance(result, int) else 0
    except typer.Exit as exc:
        return exc.exit_code
    except typer.TyperException as exc:  # click's usage and parameter errors
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        else:
            typer.echo(f"error: {exc.format_message()}", err=True)
        return 2
    except typer.Abort:
        typer.echo("photoplay: aborted", err=True)
        return 2
    except PhotoplayError as exc:
        return _report(exc, args)
    except KeyboardInterrupt:
        typer.echo("photoplay: interrupted", err=True)
        return 130
    except OSError as exc:  # a file or folder the user named: their error, not ours
        return _report(_file_error(exc), args)
    except Exception as exc:  # the promise: one line, never a traceback
        text = str(exc).splitlines()[0] if str(exc) else ""
        typer.echo(
            f"photoplay: internal error: {type(exc).__name__}: {text} (please report this)",
            err=True,
        )
        return 1


def _report(exc: PhotoplayError, args: list[str]) -> int:
    print_error(exc, _command(args), as_json="--json" in args)
    return exc.exit_code


def print_error(exc: PhotoplayError, command: str | None, *, as_json: bool) -> None:
    """Print ``exc`` on stderr, one line per problem; with ``as_json`` also as JSON on
    stdout (``validate``: its list of diagnostics; other commands: one ``error`` event)."""
    for line in exc.lines():
        typer.echo(line, err=True)
    if not as_json:
        return
    if command == "validate":
        typer.echo(json.dumps(exc.to_json(), indent=2, ensure_ascii=False))
        return
    event = {"event": "error", "exit_code": exc.exit_code, "message": exc.message}
    event |= {"hint": exc.hint, "diagnostics": exc.to_json()}
    typer.echo(json.dumps(event, ensure_ascii=False))


def _command(args: list[str]) -> str | None:
    return next((a for a in args if not a.startswith("-")), None)


def _file_error(exc: OSError) -> PhotoplayError:
    """An OSError about a path the user gave, as a one-line error with a hint."""
    path = exc.filename if exc.filename is not None else ""
    if exc.errno == errno.ENAMETOOLONG and path:
        longest = max(os.fsencode(os.fspath(path)).split(b"/"), key=len)
        return PhotoplayError(
            f"file name too long ({len(longest)} bytes in one name, most file systems "
            f"allow 255): {path}",
            hint="shorten the file or folder name",
        )
    hints = {
        errno.ENOENT: "check the path",
        errno.EACCES: "check the file's permissions",
        errno.EPERM: "check the file's permissions",
        errno.ENOSPC: "free some disk space",
        errno.EISDIR: "give a file, not a folder",
        errno.ENOTDIR: "a part of the path is a file, not a folder",
    }
    where = f"{path}: " if path else ""
    return PhotoplayError(f"{where}{exc.strerror or exc}", hint=hints.get(exc.errno, ""))


def main() -> None:
    """Console entry point."""
    sys.exit(run())


if __name__ == "__main__":
    main()
