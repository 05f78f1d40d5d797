"""Run one node: the unit of work both schedulers ship to a worker."""

from __future__ import annotations

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

    Returns (value, came_from_cache, seconds). Picklable in and out, so it runs the
    same in this process, in a process pool or on a Dask worker.
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

    def produce(workdir: Path) -> Any:
        try:
            with span("node", kind=kind, key=key[:12], join=join, part=params.get("part")):
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
    return value, hit, time.perf_counter() - start
