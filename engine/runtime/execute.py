"""Run one node: the unit of work both schedulers ship to a worker."""

from __future__ import annotations

import importlib
import time
from pathlib import Path
from typing import Any

from engine.errors import NodeError, PhotoplayError
from engine.nodes import registry
from engine.runtime.cache import Cache


def run_node(
    key: str, kind: str, module: str, params: dict, inputs: dict[str, Any], cache_root: str
) -> tuple[Any, bool, float]:
    """Compute node ``key`` (or take it from the cache if another render just did).

    Returns (value, came_from_cache, seconds). Picklable in and out, so it runs the
    same in this process, in a process pool or on a Dask worker.
    """
    importlib.import_module(module)  # registers the kind in a fresh worker
    spec = registry.get(kind)
    start = time.perf_counter()

    def produce(workdir: Path) -> Any:
        try:
            return spec.fn(params, inputs, registry.NodeContext(workdir))
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

    value, hit = Cache(Path(cache_root)).compute(key, produce)
    return value, hit, time.perf_counter() - start
