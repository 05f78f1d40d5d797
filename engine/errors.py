"""The errors Photoplay raises. Each carries what the user needs to act.

PhotoplayError            root: a clear one-line message, exit code 2
├── SceneError            a scene file is invalid: one or more Diagnostics
├── AssetError            a file is missing, unreadable or undecodable
├── NodeError             a render-graph node failed (kind, key)
└── LiveError             a live show refused a request (HTTP status, code)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Diagnostic:
    """One finding about a scene, pointing at where it was written.

    ``line`` and ``col`` are 1-based; ``path`` is the dotted document path
    (``shots[2].do[0].say.who``); ``code`` is stable for tests and tooling.
    """

    file: str
    line: int
    col: int
    path: str
    code: str
    message: str
    hint: str = ""
    severity: str = "error"

    def format(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}"
        subject = f"{self.path}: " if self.path else ""
        hint = f" (hint: {self.hint})" if self.hint else ""
        return f"{where}: {self.severity}: {subject}{self.message}{hint}"

    def to_json(self) -> dict:
        return asdict(self)


class PhotoplayError(Exception):
    """Root of every error a user can cause. Printed as one line, exit code 2."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str = ""):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __reduce__(self):
        # Errors cross process boundaries (render workers, Dask): keep them picklable.
        return (_rebuild, (type(self), self.__dict__.copy()))

    def lines(self) -> list[str]:
        hint = f" (hint: {self.hint})" if self.hint else ""
        return [f"error: {self.message}{hint}"]

    def to_json(self) -> list[dict]:
        return [{"severity": "error", "message": self.message, "hint": self.hint}]


def _rebuild(cls, state: dict) -> PhotoplayError:
    error = cls.__new__(cls)
    Exception.__init__(error, state.get("message", ""))
    error.__dict__.update(state)
    return error


class SceneError(PhotoplayError):
    """A scene is invalid. Holds every diagnostic found, not just the first."""

    def __init__(self, diagnostics: list[Diagnostic]):
        errors = [d for d in diagnostics if d.severity == "error"]
        first = errors[0] if errors else diagnostics[0]
        super().__init__(first.format())
        self.diagnostics = diagnostics

    def lines(self) -> list[str]:
        return [d.format() for d in self.diagnostics]

    def to_json(self) -> list[dict]:
        return [d.to_json() for d in self.diagnostics]


class AssetError(PhotoplayError):
    """A file a scene or the engine needs is missing, unreadable or undecodable."""


class UnsupportedError(PhotoplayError):
    """The scene is valid but asks for something this version cannot render yet."""


class NodeError(PhotoplayError):
    """A node of the render graph failed on its inputs."""

    def __init__(self, message: str, *, kind: str = "", key: str = "", hint: str = ""):
        prefix = f"{kind} [{key[:12]}]: " if kind else ""
        super().__init__(prefix + message, hint=hint)
        self.kind = kind
        self.key = key


class LiveError(PhotoplayError):
    """A request to a live show was refused (``photoplay live``): bad input, too many
    requests, a missing token. ``status`` is its HTTP status, ``code`` a stable name."""

    def __init__(self, message: str, *, status: int = 400, code: str = "bad-request", hint=""):
        super().__init__(message, hint=hint)
        self.status = status
        self.code = code

    def to_json(self) -> list[dict]:
        return [
            {"severity": "error", "code": self.code, "message": self.message, "hint": self.hint}
        ]
