"""An optional timeline of a render, for finding idle time (``bench/timeline.py``).

Set ``PHOTOPLAY_TRACE`` to a file path and every process of a local render (the
render itself and its pool workers) appends one JSON line per span to it:
``{"pid", "what", "t0", "t1", "cpu", ...}``, times from ``time.time()`` so the
processes agree, ``cpu`` the CPU seconds of the whole process (all its threads) meanwhile. Unset (the default), ``span`` costs one dictionary lookup.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator

ENV = "PHOTOPLAY_TRACE"


def enabled() -> bool:
    return bool(os.environ.get(ENV))


def record(what: str, t0: float, t1: float, **extra) -> None:
    path = os.environ.get(ENV)
    if not path:
        return
    line = json.dumps({"pid": os.getpid(), "what": what, "t0": t0, "t1": t1} | extra)
    with open(path, "a", encoding="utf-8") as fh:  # one short write: lines do not interleave
        fh.write(line + "\n")


@contextlib.contextmanager
def span(what: str, **extra) -> Iterator[None]:
    if not os.environ.get(ENV):
        yield
        return
    t0, cpu0 = time.time(), time.process_time()
    try:
        yield
    finally:
        record(what, t0, time.time(), cpu=round(time.process_time() - cpu0, 3), **extra)
