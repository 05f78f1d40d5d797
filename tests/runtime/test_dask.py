"""The Dask back-end runs the same graph to the same values as the local one."""

from __future__ import annotations

import pytest

from engine.errors import PhotoplayError
from engine.graph import Graph
from engine.runtime.cache import Cache
from engine.runtime.scheduler import DaskBackend, InlineBackend, run
from tests.runtime import toy_nodes  # noqa: F401

distributed = pytest.importorskip("distributed")


def test_dask_local_cluster_matches_inline(tmp_path):
    g = Graph()
    seeds = [g.add("test.noise_file", 1, {"seed": s, "n_bytes": 2048}) for s in range(3)]
    g.outputs.update({f"n{i}": k for i, k in enumerate(seeds)})

    inline = run(g, Cache(tmp_path / "a"), backend=InlineBackend())
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        backend = DaskBackend(cluster.scheduler_address)
        try:
            events = []
            remote = run(g, Cache(tmp_path / "b"), backend=backend, on_event=events.append)
        finally:
            backend.close()
    for key in seeds:
        assert remote[key]["file"].read_bytes() == inline[key]["file"].read_bytes()
    assert sum(e["status"] == "finished" for e in events) == 3


def test_unreachable_scheduler_is_one_clear_error():
    with pytest.raises(PhotoplayError, match="cannot reach the Dask scheduler") as info:
        DaskBackend("tcp://127.0.0.1:9", timeout_s=1)
    assert "--scheduler" in info.value.hint
