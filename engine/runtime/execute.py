"""Run one node: the unit of work both schedulers ship to a worker."""

from __future__ import annotations

import ctypes
import ctypes.util
import dataclasses
import functools
import importlib
import time
from pathlib import Path
from typing import Any

from engine.errors import NodeError, PhotoplayError
from engine.nodes import registry
from engine.runtime.cache import Cache
from engine.runtime.cache_secret import ENV_FILE, secret_id, secret_path
from engine.runtime.codec import CodecError
from engine.runtime.trace import span

# A value whose arrays take more than this in the cache stays there: the worker that
# made it returns ``Stored(key)`` and the workers that need it load it from the cache.
# Neither the scheduler nor the pipes between processes then hold a copy per task (a
# 10-minute recording's speech, 38 MiB, was pickled to every 5-s part of its shot).
BY_REFERENCE_BYTES = 16 * 1024 * 1024


@dataclasses.dataclass(frozen=True)
class Stored:
    """A node's value left in the cache under ``key``, passed around by reference."""

    key: str


def load_stored(value: Any, cache: Cache, kind: str = "") -> Any:
    """``value``, or the cached value it refers to when it is ``Stored``."""
    if not isinstance(value, Stored):
        return value
    try:
        return cache.load(value.key)
    except KeyError:
        raise NodeError(
            "an input left in the cache is gone (pruned or deleted during the render)",
            kind=kind,
            key=value.key,
            hint="render again",
        ) from None


@functools.cache
def _libc():
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


def give_back_memory() -> None:
    """Return the heap's free pages to the system (glibc's ``malloc_trim``; a no-op
    elsewhere). A worker runs node after node: what one node freed otherwise stays
    in its heap, and the worker's size is the largest node's ever after (a 10-minute
    recording's alignment left its worker 90 MiB larger for every segment after it)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


def _load_inputs(inputs: dict[str, Any], cache: Cache, kind: str) -> dict[str, Any]:
    out = {name: load_stored(value, cache, kind) for name, value in inputs.items()}
    if isinstance(out.get("parts"), list):  # a join's parts
        out["parts"] = [load_stored(value, cache, kind) for value in out["parts"]]
    return out


def run_node(
    key: str,
    kind: str,
    module: str,
    params: dict,
    inputs: dict[str, Any],
    cache_root: str,
    secret_name: str | None = None,
    join: bool = False,
) -> tuple[Any, bool, float]:
    """Compute node ``key`` (or take it from the cache if another render just did).

    secret_name: ``secret_id`` of the caller's cache secret; a worker whose own
        secret differs is refused (its entries would never be accepted).
    join: run the kind's ``join`` (``registry.parts_of``) instead of its function:
        the node's value from its parts' values, given as ``inputs["parts"]``.

    Inputs may be ``Stored`` references, loaded here from the cache. Returns (value,
    came_from_cache, seconds), the value as ``Stored(key)`` when its arrays take more
    than ``BY_REFERENCE_BYTES``. Picklable in and out, so it runs the same in this
    process, in a process pool or on a Dask worker (which must share the cache).
    """
    cache = Cache(Path(cache_root))
    if secret_name is not None and secret_id(cache.secret) != secret_name:
        raise PhotoplayError(
            f"this worker's cache secret ({secret_path()}) is not the one of the render",
            hint=f"give every Dask worker the client's secret file through ${ENV_FILE}",
        )
    with span("import", kind=kind):
        importlib.import_module(module)  # registers the kind in a fresh worker
    fn = registry.parts_of(kind).join if join else registry.get(kind).fn
    start = time.perf_counter()
    inputs = _load_inputs(inputs, cache, kind)

    def produce(workdir: Path) -> Any:
        try:
            with span("node", True, kind=kind, key=key[:12], join=join, part=params.get("frames")):
                return fn(params, inputs, registry.NodeContext(workdir))
        except PhotoplayError:
            raise
        except MemoryError as exc:
            raise NodeError("ran out of memory", kind=kind, key=key) from exc
        except OSError as exc:
            # Disk full, unwritable folders and vanished files are the user's to fix.
            raise NodeError(
                f"{exc.strerror or exc} ({exc.filename or 'cache'})",
                kind=kind,
                key=key,
                hint="check free disk space and that the cache and output folders are writable",
            ) from exc

    try:
        with span("compute", kind=kind, key=key[:12]):
            value, hit = cache.compute(key, produce)
    except CodecError as exc:  # a node returned something the cache cannot store
        raise NodeError(str(exc), kind=kind, key=key) from exc
    if cache.arrays_bytes(key) > BY_REFERENCE_BYTES:
        value = Stored(key)
    seconds = time.perf_counter() - start
    inputs = {}  # this node's inputs freed before the heap is trimmed
    give_back_memory()
    return value, hit, seconds
