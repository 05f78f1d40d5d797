"""Run a render graph: skip what the cache has, run the rest in parallel.

Both back-ends share one loop: decide which nodes must run (a node whose key is
cached is loaded, and nothing behind it is touched), then submit each node as
soon as its inputs are known, to a local process pool or to a Dask cluster.
Every node runs through ``run_node``, so both back-ends give the same result.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import hashlib
import heapq
import itertools
import multiprocessing
import os
import re
import threading
import time
from collections.abc import Callable
from multiprocessing import popen_forkserver, spawn
from pathlib import Path
from typing import Any

from engine.errors import PhotoplayError
from engine.graph import Graph, Node, canonical_json
from engine.nodes import registry
from engine.runtime.cache import Cache
from engine.runtime.events import EventSink, ignore, node_event
from engine.runtime.execute import BY_REFERENCE_BYTES, Stored, load_stored, run_node
from engine.runtime.lifeline import deferred_interrupts, exit_with


def plan(graph: Graph, cache: Cache, targets: list[str] | None = None) -> dict[str, str]:
    """Map each node the targets need to ``cached`` or ``run``, dependencies first."""
    status: dict[str, str] = {}

    def need(key: str) -> None:
        if key in status:
            return
        if cache.has(key):
            status[key] = "cached"
            return
        for dep in graph.nodes[key].inputs.values():
            need(dep)
        status[key] = "run"

    for key in targets if targets is not None else list(graph.outputs.values()):
        need(key)
    return status


def _task(node: Node, inputs: dict[str, Any], cache: Cache, join: bool = False) -> tuple:
    """The arguments of ``run_node``: key, kind, the module defining it, params, inputs,
    the cache folder, the name of the cache secret the worker must share, and whether
    to run the kind's join of its parts."""
    module = registry.get(node.kind).fn.__module__
    return (
        node.key,
        node.kind,
        module,
        dict(node.params),
        inputs,
        str(cache.root),
        cache.secret_name,
        join,
    )


class _Loading(dict):
    """Inputs whose ``Stored`` values are loaded from ``cache`` when read (a kind's
    ``split`` reads the few it needs)."""

    def __init__(self, inputs: dict[str, Any], cache: Cache):
        super().__init__(inputs)
        self.cache = cache

    def __getitem__(self, name: str) -> Any:
        return load_stored(super().__getitem__(name), self.cache)

    def get(self, name: str, default: Any = None) -> Any:
        return load_stored(super().get(name, default), self.cache)


def split_node(node: Node, inputs: dict[str, Any], cache: Cache | None = None) -> list[Node]:
    """The parts of ``node`` (``registry.parts_of``), as nodes of their own; [] for a
    node that runs whole. A part's key is its node's key and its params, hashed."""
    found = registry.parts_of(node.kind)
    if found is None:
        return []
    params = found.split(dict(node.params), inputs if cache is None else _Loading(inputs, cache))
    if len(params) < 2:
        return []
    out = []
    for k, part in enumerate(params):
        key = hashlib.sha256(f"{node.key}/part/{canonical_json(part)}".encode()).hexdigest()
        label = f"{node.label} (part {k + 1}/{len(params)})".strip()
        out.append(Node(key, node.kind, node.version, part, node.inputs, label, node.cost))
    return out


class _Backend:
    """Where nodes run. ``submit`` returns a concurrent.futures-like future."""

    slots: int | None = None  # CPU-bound tasks it runs at once; None: hand it everything

    def submit(
        self, node: Node, inputs: dict[str, Any], cache: Cache, join=False, priority=0.0
    ): ...

    def wait_any(self, futures: set): ...

    def abort(self, futures: set) -> None:
        """Stop the work of ``futures`` now (the render failed or was interrupted)."""

    def close(self) -> None: ...


def single_thread_worker() -> None:
    """Initialise a render worker process to run its own numeric code on one thread.

    With one worker per core, the workers already fill the cores; OpenCV's and
    numba's thread pools in each of them would only make threads fight over the
    same cores (and numba's OpenMP threads spin after each parallel kernel).
    Results do not change: every parallel kernel here gives the same bytes
    serial or split. x264's thread count is a fixed encoder parameter and is
    left alone.
    """
    import cv2
    import numba

    cv2.setNumThreads(1)
    # numba guards its thread pool's start with a multiprocessing lock when the start
    # method has "fork" in its name: under "forkserver" that is a named semaphore, and
    # a worker killed by an aborted render leaves it for the resource tracker to clean
    # up, with a warning on stderr. This process never forks, so no lock is needed.
    method = multiprocessing.get_start_method(allow_none=True)
    multiprocessing.set_start_method("spawn", force=True)
    try:
        numba.set_num_threads(1)
    finally:
        multiprocessing.set_start_method(method, force=True)


def _init_worker(render_pid: int, single_thread: bool) -> None:
    from engine.runtime.trace import span

    with span("worker init"):
        exit_with(render_pid)
        if single_thread:
            single_thread_worker()


# Imported once in the fork server, so that every worker forked from it starts with
# them: OpenCV, numba, PyAV and the segment renderer's numba kernels (loaded from
# numba's cache at import) cost each fresh worker ~1.5 s of a core otherwise. The
# fork server lives as long as the process that started it, so later renders in that
# process fork from it at once. Nothing here starts a thread or an OpenMP pool (that
# happens at a kernel's first parallel call, in the worker), so forking stays safe.
PRELOAD = (
    "engine.runtime.execute",
    "engine.runtime.scheduler",
    "engine.nodes.kinds",
    "cv2",
    "numba",
    "av",
    "engine.nodes.render.segment",
)
_main_lock = threading.Lock()


def start_workers_early() -> None:
    """Start the fork server now (it imports ``PRELOAD`` in the background).

    A render calls this before validating and compiling its scene, so the imports
    run beside that work instead of before the first node. Harmless when the server
    already runs (its preload is then left as it was).
    """
    from multiprocessing import forkserver

    forkserver.set_forkserver_preload(list(PRELOAD))
    forkserver.ensure_running()


class _WorkerPopen(popen_forkserver.Popen):
    """A fork-server launch that does not run the caller's ``__main__`` in the worker.

    multiprocessing re-runs the main script (``python bench/x.py``, the ``photoplay``
    entry point) in every fresh worker so that functions defined there unpickle; a
    render worker only ever runs ``run_node``, so that import (MoviePy, scikit-image,
    the CLI: seconds under load) is pure start-up delay.
    """

    def _launch(self, process_obj):
        with _main_lock:
            full = spawn.get_preparation_data

            def without_main(name):
                data = full(name)
                data.pop("init_main_from_path", None)
                data.pop("init_main_from_name", None)
                return data

            spawn.get_preparation_data = without_main
            try:
                super()._launch(process_obj)
            finally:
                spawn.get_preparation_data = full


class _WorkerProcess(multiprocessing.context.ForkServerProcess):
    @staticmethod
    def _Popen(process_obj):
        return _WorkerPopen(process_obj)


class _WorkerContext(multiprocessing.context.ForkServerContext):
    Process = _WorkerProcess


class LocalBackend(_Backend):
    """CPU-bound nodes in a process pool (all cores); light nodes in threads.

    With more than one worker, each worker runs OpenCV and numba single-threaded
    (``single_thread_worker``). Workers die with the render that started them,
    even when it is killed with SIGKILL (``exit_with``), and a failed or
    interrupted render kills them rather than waiting for their current node.
    """

    def __init__(self, workers: int | None = None):
        self.workers = workers or os.cpu_count() or 1
        self.slots = self.workers
        start_workers_early()
        context = _WorkerContext()
        self.processes = cf.ProcessPoolExecutor(
            self.workers,
            mp_context=context,
            initializer=_init_worker,
            initargs=(os.getpid(), self.workers > 1),
        )
        self.threads = cf.ThreadPoolExecutor(self.workers)
        self.aborted = False

    def submit(self, node: Node, inputs: dict[str, Any], cache: Cache, join=False, priority=0.0):
        # A light node runs on a thread of this process, unless an input is big: loaded
        # here, a 10-minute recording (for its shot's timing) held 60 MiB at the peak.
        big = any(isinstance(value, Stored) for value in inputs.values())
        light = not registry.get(node.kind).cpu_bound and not big
        pool = self.threads if light else self.processes
        return pool.submit(run_node, *_task(node, inputs, cache, join))

    def wait_any(self, futures: set):
        done, _ = cf.wait(futures, return_when=cf.FIRST_COMPLETED)
        return done

    def abort(self, futures: set) -> None:
        # The executor has no public way to stop a running call; its workers are killed
        # (their half-built cache entries are hidden .partial folders, pruned later) and
        # the executor fails every future it holds. None is cancelled here: Python 3.11's
        # executor then fails to fail it, in a thread that prints a traceback.
        self.aborted = True
        for process in list(getattr(self.processes, "_processes", {}).values()):
            with contextlib.suppress(OSError):
                process.kill()

    def close(self) -> None:
        self.threads.shutdown(cancel_futures=True)
        self.processes.shutdown(cancel_futures=not self.aborted)


class DaskBackend(_Backend):
    """Nodes as tasks on a Dask distributed cluster (``tcp://host:port``).

    The cluster's workers must see the same cache folder (one machine, or a
    shared filesystem), since file results travel as paths.
    """

    def __init__(self, address: str, timeout_s: float = 10.0):
        from distributed import Client

        try:
            self.client = Client(address, timeout=timeout_s, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise PhotoplayError(
                f"cannot reach the Dask scheduler at {address}: {exc}",
                hint="start one with `dask scheduler` and `dask worker ADDRESS`, "
                "or leave out --scheduler to render on this machine",
            ) from None

    def submit(self, node: Node, inputs: dict[str, Any], cache: Cache, join=False, priority=0.0):
        name = f"{node.kind}-{'join-' if join else ''}{node.key[:16]}"
        return self.client.submit(
            run_node, *_task(node, inputs, cache, join), key=name, pure=False, priority=priority
        )

    def wait_any(self, futures: set):
        # distributed.wait() looks for a default client; poll our own futures instead.
        while True:
            done = {f for f in futures if f.done()}
            if done:
                return done
            time.sleep(0.005)

    def abort(self, futures: set) -> None:
        self.client.cancel(list(futures))

    def close(self) -> None:
        self.client.close()


LOCAL_SCHEDULERS = (None, "", "local", "inline")
# protocol://host:port, host a name, an IPv4 address or a bracketed IPv6 address.
_DASK_ADDRESS = re.compile(
    r"^(?:tcp|tls|ws|wss|ucx)://(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$"
)


def check_scheduler(scheduler: str | None) -> None:
    """Refuse a scheduler that is neither local nor a Dask address, before any work.

    A malformed address otherwise fails deep inside distributed, whose half-made
    client then prints a traceback when its close times out 20 s later.
    """
    if scheduler in LOCAL_SCHEDULERS:
        return
    match = _DASK_ADDRESS.match(scheduler)
    if match is None or not 0 < int(match.group(1)) < 65536:
        raise PhotoplayError(
            f"--scheduler {scheduler!r} is not a Dask scheduler address",
            hint="write tcp://HOST:PORT (e.g. tcp://127.0.0.1:8786), or 'local'",
        )


def make_backend(scheduler: str | None, workers: int | None = None) -> _Backend:
    check_scheduler(scheduler)
    if scheduler in (None, "", "local"):
        return LocalBackend(workers)
    if scheduler == "inline":
        return InlineBackend()
    return DaskBackend(scheduler)


class _DoneFuture:
    def __init__(self, fn, *args):
        try:
            self._value, self._error = fn(*args), None
        except BaseException as exc:  # handed to the caller by result()
            self._value, self._error = None, exc

    def result(self):
        if self._error is not None:
            raise self._error
        return self._value


class InlineBackend(_Backend):
    """Runs each node in this process, one at a time: for debugging and tiny graphs."""

    def submit(self, node: Node, inputs: dict[str, Any], cache: Cache, join=False, priority=0.0):
        return _DoneFuture(run_node, *_task(node, inputs, cache, join))

    def wait_any(self, futures: set):
        return set(futures)


def critical_path(graph: Graph, keys: list[str]) -> dict[str, float]:
    """Per node: its cost plus the longest chain of costs after it to a target, among
    ``keys`` (the nodes to run): the work still to do once it starts, in core-seconds.
    """
    among = set(keys)
    consumers: dict[str, list[str]] = {key: [] for key in keys}
    for key in keys:
        for dep in graph.nodes[key].inputs.values():
            if dep in among:
                consumers[dep].append(key)
    rank: dict[str, float] = {}
    for key in reversed(keys):  # plan order puts every input before its node
        after = max((rank[c] for c in consumers[key]), default=0.0)
        rank[key] = float(graph.nodes[key].cost) + after
    return rank


def run(
    graph: Graph,
    cache: Cache,
    *,
    targets: list[str] | None = None,
    backend: _Backend | None = None,
    on_event: EventSink = ignore,
    on_value: Callable[[str, Any], None] | None = None,
) -> dict[str, Any]:
    """Compute ``targets`` (default: the graph's outputs). Returns values by key.

    on_value: called with (key, value) as each node's value becomes known (from the
        cache or computed), so the caller can start on it while the rest still runs.

    A value whose arrays are big (``BY_REFERENCE_BYTES``: a long recording, a large
    photo) stays in the cache: it is held here and sent to workers as ``Stored(key)``
    (given so to ``on_value`` too), and only a target's is loaded, for the values returned.
    Returns the targets' values and the other nodes' small values.

    When a node fails or the run is interrupted, the work still running is stopped
    (``backend.abort``): a LocalBackend's pool is then spent; close it, make another.
    """
    targets = targets if targets is not None else list(graph.outputs.values())
    status = plan(graph, cache, targets)
    values: dict[str, Any] = {}
    to_run: list[str] = []
    wanted = set(targets)
    for key, state in status.items():
        if state == "cached":
            try:
                if key not in wanted and cache.arrays_bytes(key) > BY_REFERENCE_BYTES:
                    values[key] = Stored(key)
                else:
                    values[key] = cache.load(key)
                on_event(node_event("cached", graph.nodes[key]))
                if on_value is not None:
                    on_value(key, values[key])
                continue
            except KeyError:  # corrupted since plan(): compute it after all
                pass
        to_run.append(key)
    if not to_run:
        return _returned(values)

    own_backend = backend is None
    backend = backend or make_backend(None)
    waiting = set(to_run)
    rank = critical_path(graph, to_run)
    # Tasks ready to hand over, best first: (-rank, plan order, part index, node, inputs,
    # join). A backend with a fixed number of worker slots gets no more CPU-bound tasks
    # than it has slots, so a task that becomes ready later but leads a longer chain
    # (a photo's face rig, before the soundtrack) is not queued behind the others.
    ready: list[tuple] = []
    order = {key: n for n, key in enumerate(to_run)}
    tie = itertools.count()  # tasks never compare beyond this
    slots = getattr(backend, "slots", None)
    busy = 0  # CPU-bound tasks handed over and not done
    # future -> (node key, part index or None, whether it takes a slot)
    running: dict[Any, tuple[str, int | None, bool]] = {}
    parts: dict[str, list] = {}  # node key -> its parts' values so far (None: not yet)
    part_seconds: dict[str, float] = {}
    try:
        while waiting or running or ready:
            for key in [k for k in to_run if k in waiting]:
                node = graph.nodes[key]
                if all(dep in values for dep in node.inputs.values()):
                    inputs = {name: values[dep] for name, dep in node.inputs.items()}
                    on_event(node_event("started", node))
                    pieces = split_node(node, inputs, cache)
                    if pieces:  # run side by side, joined when the last one is done
                        parts[key], part_seconds[key] = [None] * len(pieces), 0.0
                        for k, piece in enumerate(pieces):
                            task = (-rank[key], order[key], next(tie), key, k, piece, inputs, False)
                            heapq.heappush(ready, task)
                    else:
                        task = (-rank[key], order[key], next(tie), key, None, node, inputs, False)
                        heapq.heappush(ready, task)
                    waiting.discard(key)
            held = []
            while ready:
                task = heapq.heappop(ready)
                priority, _, _, key, k, node, inputs, join = task
                takes_slot = registry.get(node.kind).cpu_bound
                if takes_slot and slots is not None and busy >= slots:
                    held.append(task)
                    continue
                with deferred_interrupts():  # a hand-over cut in two upsets the forkserver
                    future = backend.submit(node, inputs, cache, join, priority=-priority)
                running[future] = (key, k, takes_slot)
                busy += takes_slot
            for task in held:
                heapq.heappush(ready, task)
            if not running:
                stuck = ", ".join(graph.nodes[k].kind for k in waiting)
                raise RuntimeError(f"render graph stalled with nodes left: {stuck}")
            for future in backend.wait_any(set(running)):
                key, k, took_slot = running.pop(future)
                busy -= took_slot
                value, hit, seconds = future.result()
                if k is not None:
                    parts[key][k] = value
                    part_seconds[key] += seconds
                    if all(v is not None for v in parts[key]):
                        node = graph.nodes[key]
                        inputs = {name: values[dep] for name, dep in node.inputs.items()}
                        inputs["parts"] = parts.pop(key)
                        task = (-rank[key], order[key], next(tie), key, None, node, inputs, True)
                        heapq.heappush(ready, task)
                    continue
                if key in wanted:
                    value = load_stored(value, cache, graph.nodes[key].kind)
                values[key] = value
                if on_value is not None:
                    on_value(key, value)
                seconds += part_seconds.pop(key, 0.0)
                on_event(node_event("cached" if hit else "finished", graph.nodes[key], seconds))
    except BaseException:
        backend.abort(set(running))  # a failed node or Ctrl-C: stop the rest now
        raise
    finally:
        if own_backend:
            backend.close()
    return _returned(values)


def _returned(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` without the ``Stored`` references (of nodes that are not targets)."""
    return {k: v for k, v in values.items() if not isinstance(v, Stored)}


def default_cache_dir(scene_file: Path) -> Path:
    return scene_file.resolve().parent / ".photoplay" / "cache"
