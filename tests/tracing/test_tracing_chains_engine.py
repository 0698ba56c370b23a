"""fangkong.analytics.chains: components, roots, generations, primary infectors, cycles, and the
bounded graph view that keeps every case counted."""

from __future__ import annotations


import numpy as np
import pytest

from fangkong.analytics.chains import aggregate_graph, build_chains, reaches


def by_case(chains, field):
    return dict(zip(chains.case_id.tolist(), getattr(chains, field).tolist()))


def test_components_roots_and_generations():
    # 1 → 2 → 4, 1 → 3; 10 → 11 → 12; 5 → 6; 99 alone
    c = build_chains([1, 1, 2, 10, 11, 5], [2, 3, 4, 11, 12, 6], cases=[99])
    assert c.n_chains == 4 and c.key.tolist() == [1, 5, 10, 99]
    chain = by_case(c, "chain")
    assert {k for k, v in chain.items() if v == chain[1]} == {1, 2, 3, 4}
    assert by_case(c, "generation") == {1: 0, 2: 1, 3: 1, 4: 2, 5: 0, 6: 1, 10: 0, 11: 1, 12: 2, 99: 0}
    assert by_case(c, "root") == {1: 1, 2: 1, 3: 1, 4: 1, 5: 5, 6: 5, 10: 10, 11: 10, 12: 10, 99: 99}
    assert by_case(c, "parent") == {1: -1, 2: 1, 3: 1, 4: 2, 5: -1, 6: 5, 10: -1, 11: 10, 12: 11, 99: -1}
    assert c.summary().to_pylist() == [
        {"key": 1, "size": 4, "links": 3, "roots": 1, "depth": 2, "cyclic": False},
        {"key": 5, "size": 2, "links": 1, "roots": 1, "depth": 1, "cyclic": False},
        {"key": 10, "size": 3, "links": 2, "roots": 1, "depth": 2, "cyclic": False},
        {"key": 99, "size": 1, "links": 0, "roots": 1, "depth": 0, "cyclic": False},
    ]
    assert c.case_id[c.members(int(c.chain_of_key([10])[0]))].tolist() == [10, 11, 12]
    assert c.chain_of_key([1, 2, 99, 1000]).tolist() == [0, -1, 3, -1]  # 2 is in a chain but names none
    assert c.index_of([4, 7]).tolist() == [3, -1]


def test_a_case_with_two_candidate_infectors_takes_the_most_certain():
    # 4 may have been infected by 2 (generation 1) or by 3 (generation 2, via 1 → 5 → 3)
    links = ([1, 1, 5, 2, 3], [2, 5, 3, 4, 4])
    c = build_chains(*links, rank=[3, 3, 3, 1, 3])  # the link 3 → 4 is the more certain
    assert by_case(c, "parent")[4] == 3 and by_case(c, "generation")[4] == 3
    assert c.primary.tolist() == [True, True, True, False, True]
    c = build_chains(*links, rank=[3, 3, 3, 3, 1])
    assert by_case(c, "parent")[4] == 2 and by_case(c, "generation")[4] == 2
    c = build_chains(*links)  # equal ranks: the smaller infector id wins
    assert by_case(c, "parent")[4] == 2
    assert c.n_chains == 1 and c.links.tolist() == [5] and c.roots.tolist() == [1]


def test_two_roots_in_one_chain_and_a_cycle():
    c = build_chains([1, 2], [3, 3], rank=[1, 2])  # two index cases meet in case 3
    assert c.n_chains == 1 and c.roots.tolist() == [2] and by_case(c, "root")[3] == 2
    c = build_chains([1, 2, 3, 3, 7], [2, 3, 1, 4, 8])  # 1 → 2 → 3 → 1, and 4 hangs below the cycle
    assert by_case(c, "generation") == {1: -1, 2: -1, 3: -1, 4: -1, 7: 0, 8: 1}
    assert by_case(c, "root")[4] == -1 and c.cyclic.tolist() == [True, False]


def test_bad_links_are_refused():
    with pytest.raises(ValueError, match="case 5 cannot infect itself"):
        build_chains([1, 5], [2, 5])
    with pytest.raises(ValueError, match="same length"):
        build_chains([1, 2], [3])
    empty = build_chains([], [])
    assert empty.n_cases == 0 and empty.n_chains == 0
    assert aggregate_graph(empty, node_limit=10).nodes.num_rows == 0


def test_sparse_ids_take_the_sorting_path():
    c = build_chains([10**15, 5], [3, 10**15])
    assert c.case_id.tolist() == [3, 5, 10**15] and by_case(c, "generation") == {5: 0, 10**15: 1, 3: 2}


def test_reaches_follows_direction():
    assert reaches([1, 2], [2, 3], source=1, target=3)
    assert not reaches([1, 2], [2, 3], source=3, target=1)
    assert not reaches([], [], source=1, target=2)


def forest(sizes: list[int], *, start: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Path-shaped chains of the given sizes (a chain of size s has s - 1 links)."""
    src, dst, next_id = [], [], start
    for s in sizes:
        ids = np.arange(next_id, next_id + s)
        src.append(ids[:-1])
        dst.append(ids[1:])
        next_id += s
    return np.concatenate(src), np.concatenate(dst)


def node_ids_close(view) -> None:
    ids = set(view.nodes["id"].to_pylist())
    assert len(ids) == view.nodes.num_rows
    assert set(view.links["source"].to_pylist()) <= ids and set(view.links["target"].to_pylist()) <= ids


def test_full_graph_up_to_the_limit():
    c = build_chains(*forest([5, 3, 2]))
    view = aggregate_graph(c, node_limit=10)
    assert view.mode == "full" and view.nodes.num_rows == 10 and view.links.num_rows == 7
    assert set(view.nodes["kind"].to_pylist()) == {"case"}
    assert view.links.to_pylist()[0] == {"source": "c1", "target": "c2", "links": 1}
    node_ids_close(view)


def test_aggregation_above_the_limit_keeps_every_case_counted():
    sizes = [40, 30, 20] + [3] * 50 + [2] * 200
    c = build_chains(*forest(sizes))
    view = aggregate_graph(c, node_limit=100)
    nodes = view.nodes.to_pylist()
    assert view.mode == "aggregated" and len(nodes) <= 100
    assert sum(n["cases"] for n in nodes) == sum(sizes) == view.total_cases
    assert sum(n["chains"] for n in nodes if n["kind"] != "case") + view.full_chains == len(sizes)
    # the largest chains drawn case by case (40 + 30 + 20 + 3 + 3 = 96 nodes), the rest as two size groups
    assert view.full_chains == 5 and view.grouping == "size" and len(nodes) == 98
    groups = {n["id"]: (n["chains"], n["cases"]) for n in nodes if n["kind"] == "size_group"}
    assert groups == {"s3-3": (48, 144), "s2-2": (200, 400)}
    assert view.links.num_rows == 39 + 29 + 19 + 2 + 2
    node_ids_close(view)
    # one node short of the whole graph: the last chain becomes a node of its own
    view = aggregate_graph(c, node_limit=639)
    assert view.grouping == "chain" and view.full_chains == 252 and view.nodes.num_rows == 639
    assert [(n["id"], n["cases"]) for n in view.nodes.to_pylist() if n["kind"] == "chain"] == [("k639", 2)]


def test_size_bands_when_even_the_sizes_do_not_fit():
    sizes = list(range(1, 41))  # 40 distinct sizes, 820 cases
    c = build_chains(*forest([s for s in sizes if s > 1]), cases=[10**6])  # a chain of one: an isolated case
    view = aggregate_graph(c, node_limit=20)
    nodes = view.nodes.to_pylist()
    # 20 chains are above the limit: too many to draw by generation, so they are summarised too
    assert view.grouping == "size_bin" and view.generation_chains == 0 and view.full_chains == 0
    assert sum(n["cases"] for n in nodes) == sum(sizes)
    bands = [(n["size_min"], n["size_max"], n["chains"]) for n in nodes]
    assert bands == [(1, 1, 1), (2, 3, 2), (4, 7, 4), (8, 15, 8), (16, 31, 16), (32, 63, 9)]


def test_a_chain_larger_than_the_limit_is_drawn_by_generation():
    c = build_chains(*forest([500, 4, 3]))
    view = aggregate_graph(c, node_limit=100)
    nodes = view.nodes.to_pylist()
    assert len(nodes) <= 100 and sum(n["cases"] for n in nodes) == 507
    gens = [n for n in nodes if n["kind"] == "generation"]
    assert view.generation_chains == 1 and all(n["chain_key"] == 1 for n in gens)
    width = gens[0]["generation_max"] - gens[0]["generation"] + 1
    assert width == 10 and len(gens) == 50 and gens[0]["cases"] == 10
    band_links = [lk for lk in view.links.to_pylist() if lk["source"].startswith("g")]
    assert band_links[0] == {"source": "g1.0", "target": "g1.10", "links": 1} and len(band_links) == 49
    assert view.full_chains == 2  # the two small chains still fit case by case
    node_ids_close(view)
    one = aggregate_graph(c, node_limit=1000, select=[1])
    assert one.mode == "full" and one.nodes.num_rows == 4


def test_a_million_links_build_and_aggregate():
    # Timing lives in benchmarks/chains.py; CI checks the result at full size, not the clock.
    rng = np.random.default_rng(5)
    n, roots = 1_050_000, 50_000
    child = np.arange(roots, n)
    parent = (rng.random(child.size) * child).astype(np.int64)
    ids = rng.permutation(n) + 1
    c = build_chains(ids[parent], ids[child], rank=rng.integers(0, 3, child.size))
    view = aggregate_graph(c, node_limit=20_000)
    assert c.links.sum() == 1_000_000 and view.nodes.num_rows <= 20_000
    assert view.nodes["cases"].to_numpy().sum() == c.n_cases
