"""An optional timeline of a render, for finding idle time (``bench/timeline.py``).

Set ``PHOTOPLAY_TRACE`` to a file path and every process of a local render (the
render itself and its pool workers) appends one JSON line per span to it:
``{"pid", "what", "t0", "t1", "cpu", ...}``, times from ``time.time()`` so the
processes agree, ``cpu`` the CPU seconds of the whole process (all its threads) meanwhile. Unset (the default), ``span`` costs one dictionary lookup.

A span opened with ``peak=True`` (a node's) also records ``rss_mib``, the process's
resident memory at its end, and ``peak_mib``, the most it held during the span (Linux:
the kernel's high-water mark, reset at the span's start), so that what makes memory grow
with a video's length shows per node (``bench/memory.py --trace``).
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


def _status_mib(*fields: str) -> dict[str, float]:
    """Fields of /proc/self/status in MiB (empty where there is no /proc)."""
    out = {}
    with contextlib.suppress(OSError), open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            name, _, rest = line.partition(":")
            if name in fields:
                out[name] = round(int(rest.split()[0]) / 1024, 1)  # kB
    return out


def _reset_peak() -> None:
    """Reset the kernel's high-water mark of this process's RSS (VmHWM) to its RSS now."""
    with contextlib.suppress(OSError), open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
        fh.write("5")


@contextlib.contextmanager
def span(what: str, peak: bool = False, **extra) -> Iterator[None]:
    if not os.environ.get(ENV):
        yield
        return
    if peak:
        _reset_peak()
    t0, cpu0 = time.time(), time.process_time()
    try:
        yield
    finally:
        if peak:
            mem = _status_mib("VmRSS", "VmHWM")
            extra |= {"rss_mib": mem.get("VmRSS"), "peak_mib": mem.get("VmHWM")}
        record(what, t0, time.time(), cpu=round(time.process_time() - cpu0, 3), **extra)
