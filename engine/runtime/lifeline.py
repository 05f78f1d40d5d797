"""Worker processes that die with the render that started them.

A pool worker outlives a render killed with SIGKILL unless told otherwise: it
keeps computing for minutes and holds the caller's stdout open. Two guards,
installed by ``exit_with`` when a worker starts:

1. Linux ``prctl(PR_SET_PDEATHSIG, SIGKILL)``: the kernel kills the worker the
   moment its parent exits. A forkserver worker's parent is the fork server,
   which exits when the last holder of its "alive" pipe is gone. Every worker
   is handed a copy of that pipe, so the server (and with it this guard) would
   wait for the workers; a worker drops its copy, and then the server exits
   with the render and the kernel kills the workers at once.
2. A watchdog thread, for other systems and as a fallback: every
   ``POLL_S`` it checks that the render process still runs and that the worker
   was not re-parented, and ends the worker at once otherwise.

``deferred_interrupts`` holds SIGINT and SIGTERM back over steps that must not
be cut in two (handing a node to the pool, renaming a render's files into place).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import sys
import threading
from collections.abc import Iterator

import psutil

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
POLL_S = 0.25


def exit_with(render_pid: int) -> None:
    """Make this pool worker exit when ``render_pid`` (or its own parent) is gone."""
    if set_parent_death_signal():
        _release_forkserver()
    watch = threading.Thread(
        target=watch_parent,
        args=(render_pid, os.getppid()),
        name="photoplay-lifeline",
        daemon=True,
    )
    watch.start()


def set_parent_death_signal() -> bool:
    """Ask the kernel for SIGKILL when the parent exits (Linux). Returns whether it took."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _release_forkserver() -> None:
    """Drop this worker's copy of the fork server's "alive" pipe (see the module notes).

    Only in a child of the fork server: in the render itself that descriptor is
    what keeps the server running. A worker never starts processes of its own
    through the fork server, the only use of the pipe.
    """
    from multiprocessing import forkserver, parent_process

    server = forkserver._forkserver  # the module's one instance; no public accessor
    fd = getattr(server, "_forkserver_alive_fd", None)
    if parent_process() is None or getattr(server, "_forkserver_pid", None) or fd is None:
        return
    with contextlib.suppress(OSError):
        os.close(fd)
    server._forkserver_alive_fd = None


def watch_parent(render_pid: int, parent_pid: int, poll_s: float = POLL_S) -> None:
    """Block until the render or this process's parent is gone, then end this process."""
    render = _process(render_pid)
    while _alive(render) and os.getppid() == parent_pid:
        threading.Event().wait(poll_s)
    os._exit(1)  # from a thread: skip cleanup, the results have nowhere to go


def _process(pid: int) -> psutil.Process | None:
    try:
        return psutil.Process(pid)  # remembers the start time: a reused pid is not ours
    except psutil.Error:
        return None


def _alive(process: psutil.Process | None) -> bool:
    try:
        return (
            process is not None
            and process.is_running()
            and process.status() != psutil.STATUS_ZOMBIE  # killed, not yet reaped
        )
    except psutil.Error:
        return False


@contextlib.contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block is done, then deliver them.

    Python runs signal handlers in the main thread between bytecodes, so this
    swaps the handlers for a recorder (blocking the signal in one thread would
    not stop another thread from taking it). Elsewhere than the main thread it
    does nothing: handlers can only be set there.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    wanted = (signal.SIGINT, signal.SIGTERM)
    previous = {
        sig: signal.signal(sig, lambda signum, frame: caught.append(signum)) for sig in wanted
    }
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
        for sig in caught:
            signal.raise_signal(sig)
