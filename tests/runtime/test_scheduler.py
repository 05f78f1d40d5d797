"""The scheduler contract: same graph, same values, on every back-end; cache skips work."""

from __future__ import annotations

import pytest

from engine.errors import NodeError
from engine.graph import Graph
from engine.runtime.cache import Cache
from engine.runtime.scheduler import InlineBackend, LocalBackend, plan, run
from tests.runtime import toy_nodes  # noqa: F401  (registers the test kinds)


def diamond() -> tuple[Graph, str]:
    g = Graph()
    a = g.add("test.number", 1, {"value": 2})
    b = g.add("test.add", 1, {"plus": 10}, {"x": a})
    c = g.add("test.add", 1, {"plus": 100}, {"x": a})
    d = g.add("test.add", 1, {}, {"x": b, "y": c})
    g.outputs["sum"] = d
    return g, d


def collect():
    events = []
    return events, events.append


@pytest.mark.parametrize("backend_factory", [InlineBackend, lambda: LocalBackend(2)])
def test_values_and_second_run_runs_nothing(tmp_path, backend_factory):
    graph, out = diamond()
    cache = Cache(tmp_path)
    events, sink = collect()
    backend = backend_factory()
    try:
        values = run(graph, cache, backend=backend, on_event=sink)
    finally:
        backend.close()
    assert values[out] == (2 + 10) + (2 + 100)
    assert sorted(e["status"] for e in events if e["status"] != "started") == ["finished"] * 4

    events, sink = collect()
    assert run(graph, cache, on_event=sink)[out] == 114
    assert [e["status"] for e in events] == ["cached"]  # only the output is touched


def test_keys_are_merkle_changing_a_leaf_changes_only_downstream():
    g1, _ = diamond()
    g2 = Graph()
    a = g2.add("test.number", 1, {"value": 2})
    b = g2.add("test.add", 1, {"plus": 10}, {"x": a})
    c = g2.add("test.add", 1, {"plus": 999}, {"x": a})
    g2.outputs["sum"] = g2.add("test.add", 1, {}, {"x": b, "y": c})
    shared = set(g1.nodes) & set(g2.nodes)
    assert len(shared) == 2  # a and b keep their keys; c and the sum change


def test_edit_reruns_only_changed_nodes(tmp_path):
    cache = Cache(tmp_path)
    g1, _ = diamond()
    run(g1, cache, backend=InlineBackend())
    g2 = Graph()
    a = g2.add("test.number", 1, {"value": 2})
    b = g2.add("test.add", 1, {"plus": 10}, {"x": a})
    c = g2.add("test.add", 1, {"plus": 7}, {"x": a})
    g2.outputs["sum"] = g2.add("test.add", 1, {}, {"x": b, "y": c})
    status = plan(g2, cache)
    assert sorted(status.values()) == ["cached", "cached", "run", "run"]
    events, sink = collect()
    assert run(g2, cache, backend=InlineBackend(), on_event=sink)[g2.outputs["sum"]] == 21
    assert sum(e["status"] == "finished" for e in events) == 2


def test_file_results_resolve_to_paths_and_corruption_is_rebuilt(tmp_path):
    cache = Cache(tmp_path)
    g = Graph()
    g.outputs["f"] = key = g.add("test.noise_file", 1, {"seed": 3, "n_bytes": 4096})
    first = run(g, cache, backend=InlineBackend())[key]
    path = first["file"]
    original = path.read_bytes()
    assert len(original) == 4096 and path.is_relative_to(tmp_path)

    path.write_bytes(original[:100])  # truncate the cached file
    assert plan(g, cache) == {key: "run"}
    events, sink = collect()
    again = run(g, cache, backend=InlineBackend(), on_event=sink)[key]
    assert again["file"].read_bytes() == original
    assert [e["status"] for e in events] == ["started", "finished"]


def test_node_errors_cross_the_process_boundary(tmp_path):
    g = Graph()
    g.outputs["x"] = g.add("test.fail", 1, {})
    backend = LocalBackend(1)
    try:
        with pytest.raises(NodeError, match="refuses on purpose") as info:
            run(g, Cache(tmp_path), backend=backend)
    finally:
        backend.close()
    assert info.value.hint == "it always does"
    assert not any(p.name.endswith(".partial") for p in tmp_path.rglob("*"))


def test_a_node_can_only_take_inputs_that_exist_so_no_cycle_can_be_built():
    # A key hashes its inputs' keys, so a node can only name nodes added before it: the
    # graph cannot hold a cycle. (The old test forged one by mutating a frozen node.)
    g, out = diamond()
    with pytest.raises(KeyError, match="input 'loop' of test.add refers to unknown node"):
        g.add("test.add", 1, {}, {"x": out, "loop": "f" * 64})
    assert len(g.nodes) == 4  # the refused node was not added


def test_topological_order_puts_every_input_before_its_node():
    g, out = diamond()
    order = [node.key for node in g.topological()]
    assert order[-1] == out and len(order) == 4
    for position, key in enumerate(order):
        assert all(order.index(dep) < position for dep in g.nodes[key].inputs.values())


def test_pool_workers_run_numeric_code_on_one_thread_each(tmp_path):
    """With one worker per core, a worker's own thread pools would only fight the others."""
    g = Graph()
    keys = [g.add("test.threads", 1, {"seed": s}) for s in range(2)]
    g.outputs.update({f"t{i}": k for i, k in enumerate(keys)})
    backend = LocalBackend(2)
    try:
        values = run(g, Cache(tmp_path), backend=backend)
    finally:
        backend.close()
    for key in keys:
        assert (values[key]["cv2"], values[key]["numba"]) == (1, 1)


def test_critical_path_ranks_a_node_by_the_work_left_after_it():
    from engine.graph import Graph
    from engine.runtime.scheduler import critical_path

    g = Graph()
    photo = g.add("k.photo", 1, {}, cost=0.2)
    rig = g.add("k.rig", 1, {}, {"photo": photo}, cost=0.3)
    shot = g.add("k.shot", 1, {}, {"rig": rig}, cost=3.0)
    mix = g.add("k.mix", 1, {}, cost=1.0)
    out = g.add("k.mux", 1, {}, {"shot": shot, "mix": mix}, cost=0.5)
    rank = critical_path(g, [photo, rig, shot, mix, out])
    assert rank[out] == 0.5 and rank[mix] == 1.5 and rank[shot] == 3.5
    assert rank[photo] == 0.2 + 0.3 + 3.0 + 0.5 > rank[mix]


@pytest.mark.parametrize("backend_factory", [InlineBackend, lambda: LocalBackend(2)])
def test_a_big_value_stays_in_the_cache_and_reaches_its_consumers(tmp_path, backend_factory):
    """Arrays over BY_REFERENCE_BYTES travel as ``Stored`` keys: the scheduler does not
    hold them (nor pickle one per task); each consumer's worker loads the real array."""
    import os

    import numpy as np

    from engine.runtime.execute import BY_REFERENCE_BYTES, Stored

    n = BY_REFERENCE_BYTES // 4 + 1024  # float32: just over the limit
    g = Graph()
    big = g.add("test.big_array", 1, {"seed": 5, "n": n})
    sums = [g.add("test.array_sum", 1, {"k": k}, {"x": big}) for k in range(3)]
    length = g.add("test.array_len", 1, {}, {"x": big})  # light, but not loaded here
    expected = float(
        np.random.default_rng(5).standard_normal(n, dtype=np.float32).sum(dtype=np.float64)
    )
    for attempt in ("cold", "cached"):
        backend = backend_factory()
        seen = {}
        try:
            values = run(
                g, Cache(tmp_path), targets=sums, backend=backend, on_value=seen.__setitem__
            )
        finally:
            backend.close()
        assert [values[k]["sum"] for k in sums] == pytest.approx([expected] * 3, rel=1e-6), attempt
        assert big not in values, attempt  # not a target: not held, not returned
        if attempt == "cold":
            assert seen[big] == Stored(big)
            inline = isinstance(backend, InlineBackend)  # else run() makes and closes a pool
            light = run(g, Cache(tmp_path), targets=[length], backend=backend if inline else None)
            assert light[length]["len"] == n
            if not inline:  # in a worker, not on a thread of this process
                assert light[length]["pid"] != os.getpid()
    values = run(g, Cache(tmp_path), targets=[big], backend=InlineBackend())
    assert isinstance(values[big], np.ndarray) and len(values[big]) == n  # a target: loaded
