"""The secret that authenticates cache entries, kept outside every cache folder.

Each cache entry carries an HMAC-SHA256 of its file digests under this secret
(see ``engine.runtime.cache``). Anyone who can write into a cache folder but
cannot read the secret can delete or spoil entries, which are then rebuilt, but
cannot make a render accept an entry they wrote.

Where it lives: ``$PHOTOPLAY_CACHE_KEY_FILE`` if set, else
``$XDG_CONFIG_HOME/photoplay/cache.key`` (default ``~/.config/photoplay/cache.key``).
It is made on first use: 32 random bytes as hex, mode 0600 in a 0700 folder.

On a Dask cluster every worker writes entries too, so the client and all
workers must read the same secret: put the file on the shared file system (or
copy it to each machine) and set ``PHOTOPLAY_CACHE_KEY_FILE`` for the client and
for every ``dask worker``. A worker with another secret is refused with a
one-line error naming the variable.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import secrets
from pathlib import Path

from engine.errors import PhotoplayError

ENV_FILE = "PHOTOPLAY_CACHE_KEY_FILE"
N_BYTES = 32


def secret_path() -> Path:
    """``$PHOTOPLAY_CACHE_KEY_FILE``, else ``$XDG_CONFIG_HOME/photoplay/cache.key``."""
    env = os.environ.get(ENV_FILE)
    if env:
        return Path(env).expanduser()
    config = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(config) / "photoplay" / "cache.key"


def cache_secret() -> bytes:
    """The secret at ``secret_path()``, made on first use. Raises PhotoplayError."""
    return _read_or_create(secret_path())


def secret_id(secret: bytes) -> str:
    """A short public name of a secret, to tell two apart without revealing either."""
    return hashlib.sha256(b"photoplay cache secret id\0" + secret).hexdigest()[:16]


@functools.lru_cache(maxsize=4)
def _read_or_create(path: Path) -> bytes:
    if not path.exists():
        _create(path)
    try:
        text = path.read_text(encoding="ascii").strip()
        secret = bytes.fromhex(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise PhotoplayError(
            f"cannot read the cache secret {path}: {getattr(exc, 'strerror', None) or exc}",
            hint=f"delete it to make a new one (the cache is then rebuilt), or set {ENV_FILE}",
        ) from None
    if len(secret) < N_BYTES:
        raise PhotoplayError(
            f"the cache secret {path} is too short ({len(secret)} bytes, need {N_BYTES})",
            hint=f"delete it to make a new one (the cache is then rebuilt), or set {ENV_FILE}",
        )
    return secret


def _create(path: Path) -> None:
    """Write a new secret at ``path`` unless another process just did (first writer wins)."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.part")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(N_BYTES) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileExistsError):  # never replace a secret in use
            os.link(temp, path)
    except OSError as exc:
        raise PhotoplayError(
            f"cannot create the cache secret {path}: {exc.strerror or exc}",
            hint=f"set {ENV_FILE} to a file you can write, e.g. on a shared file system",
        ) from None
    finally:
        temp.unlink(missing_ok=True)
