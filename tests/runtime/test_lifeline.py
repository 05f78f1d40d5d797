"""Pool workers die with the render that started them, however it ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import psutil
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# A render stand-in: a pool of 2 workers busy with 60 s nodes; prints the worker pids.
BUSY_RENDER = textwrap.dedent(
    """
    import sys, threading, time
    from engine.graph import Graph
    from engine.runtime.cache import Cache
    from engine.runtime.scheduler import LocalBackend, run
    from tests.runtime import toy_nodes

    g = Graph()
    g.outputs.update({f"n{i}": g.add("test.add", 1, {"plus": i, "sleep_s": 60}) for i in range(2)})
    backend = LocalBackend(2)

    def report_workers():
        while len(backend.processes._processes) < 2:
            time.sleep(0.05)
        time.sleep(1.0)  # both workers have their node
        print(" ".join(map(str, backend.processes._processes)), flush=True)

    threading.Thread(target=report_workers, daemon=True).start()
    run(g, Cache(sys.argv[1]), backend=backend)
    """
)


def _gone_within(pids: list[int], timeout_s: float) -> float | None:
    """Seconds until every pid has exited (or is a zombie), None if not within timeout_s."""
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        alive = []
        for pid in pids:
            try:
                if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    alive.append(pid)
            except psutil.NoSuchProcess:
                pass
        if not alive:
            return time.monotonic() - start
        time.sleep(0.02)
    return None


def test_workers_exit_when_the_render_is_killed_with_sigkill(tmp_path):
    with subprocess.Popen(
        [sys.executable, "-c", BUSY_RENDER, str(tmp_path / "cache")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    ) as proc:
        workers = [int(p) for p in proc.stdout.readline().split()]
        assert len(workers) == 2
        helpers = [c.pid for c in psutil.Process(proc.pid).children()]  # fork server, tracker
        os.kill(proc.pid, signal.SIGKILL)  # the render only, not its process group
        killed = time.monotonic()
        assert proc.stdout.read() == ""  # EOF: no worker holds our stdout open any more
        eof_s = time.monotonic() - killed
        proc.wait()
    exit_s = _gone_within(workers + helpers, timeout_s=10)
    assert exit_s is not None, "workers still running 10 s after the render was killed"
    assert eof_s < 5, eof_s


WATCHED_CHILD = textwrap.dedent(
    """
    import os, subprocess, sys, time
    child = subprocess.Popen([sys.executable, "-c", '''
    import os, sys, time
    from engine.runtime.lifeline import watch_parent
    parent = os.getppid()
    print(os.getpid(), flush=True)
    watch_parent(parent, parent, poll_s=0.05)  # no prctl here: the watchdog only
    '''])
    time.sleep(60)
    """
)


def test_the_watchdog_alone_ends_a_worker_whose_render_died(tmp_path):
    """Where PR_SET_PDEATHSIG is missing (not Linux), the watchdog thread is the guard."""
    with subprocess.Popen(
        [sys.executable, "-c", WATCHED_CHILD], cwd=ROOT, stdout=subprocess.PIPE, text=True
    ) as parent:
        child = int(parent.stdout.readline())
        assert psutil.pid_exists(child)
        parent.kill()
        parent.wait()
    assert _gone_within([child], timeout_s=5) is not None


@pytest.mark.slow
def test_sigterm_stops_a_render_like_ctrl_c(tmp_path):
    """SIGTERM: exit code 130 as for Ctrl-C, nothing on stderr, workers gone, no files."""
    from tests.render.scenes import photo_scene

    scene = photo_scene(tmp_path / "story", ["#102030", "#203040", "#304050"])
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    cmd = [sys.executable, "-m", "engine.cli.main", "render", str(scene)]
    cmd += ["-o", str(out_dir / "v.mp4"), "--cache", str(tmp_path / "cache"), "--json"]
    with subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        for line in proc.stdout:
            if '"render.segment"' in line and '"started"' in line:
                break
        workers = [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        err = proc.stderr.read()
    assert proc.returncode == 130
    assert err == ""  # no traceback, not even from the pool's threads
    assert _gone_within(workers, timeout_s=10) is not None
    assert sorted(p.name for p in out_dir.iterdir()) == []
