"""Transmission chains from infector → infectee links, vectorised for millions of links.

A chain is a connected component of the links taken without direction (the union of relationships
of Go.Data's chains of transmission, anchor-systems.md §2.2). Inside a chain every infectee has one
*primary* infector: the candidate link with the highest rank (the service ranks by certainty,
confirmed > probable > possible), ties going to the smallest infector id. Generations follow the
primary infectors: a root (a case that nobody infected) is generation 0, its infectees 1, and so
on. Cases on or below a directed cycle of primary links reach no root: generation -1, root -1 (the
service refuses cycles; imported data may still hold them). Chains are numbered 0, 1, … in the
order of their smallest case id, which is also the chain's `key` (its name outside this module).

`aggregate_graph` bounds what a chart has to draw; docs/chains.md, "Graph", states the rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order, connected_components

NODE_SCHEMA = pa.schema([
    ("id", pa.string()), ("kind", pa.string()), ("case_id", pa.int64()), ("chain_key", pa.int64()),
    ("generation", pa.int64()), ("generation_max", pa.int64()), ("cases", pa.int64()), ("chains", pa.int64()),
    ("size_min", pa.int64()), ("size_max", pa.int64()),
])
LINK_SCHEMA = pa.schema([("source", pa.string()), ("target", pa.string()), ("links", pa.int64())])


def _ints(values, name: str) -> np.ndarray:
    array = np.asarray(values if values is not None else [], dtype=np.int64)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    return array


@dataclass(frozen=True)
class Chains:
    """Per case (sorted by case id), per link and per chain arrays; see the module docstring."""

    case_id: np.ndarray      # int64, sorted and unique
    chain: np.ndarray        # chain number of each case
    parent: np.ndarray       # primary infector's case id, -1 for a root
    generation: np.ndarray   # 0 for roots, -1 on or below a cycle
    root: np.ndarray         # the root case id reached through primary infectors, -1 on or below a cycle
    infector: np.ndarray     # per link: index of the infector in case_id
    infectee: np.ndarray     # per link: index of the infectee in case_id
    primary: np.ndarray      # per link: True when it is the infectee's primary link
    key: np.ndarray          # per chain: smallest case id
    size: np.ndarray         # per chain: cases
    links: np.ndarray        # per chain: links
    roots: np.ndarray        # per chain: cases without an infector
    depth: np.ndarray        # per chain: highest generation
    cyclic: np.ndarray       # per chain: holds cases that reach no root
    _order: np.ndarray = field(repr=False)   # case indices grouped by chain
    _starts: np.ndarray = field(repr=False)  # where each chain's group starts in _order

    @property
    def n_cases(self) -> int:
        return int(self.case_id.size)

    @property
    def n_chains(self) -> int:
        return int(self.key.size)

    def index_of(self, case_ids) -> np.ndarray:
        """Indices of `case_ids` in `case_id`, -1 for those in no chain."""
        ids = _ints(case_ids, "case_ids")
        if self.n_cases == 0:
            return np.full(ids.size, -1, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.case_id, ids), self.n_cases - 1)
        return np.where(self.case_id[pos] == ids, pos, -1)

    def chain_of_key(self, keys) -> np.ndarray:
        """Chain numbers of chain keys, -1 for keys that name no chain."""
        keys = _ints(keys, "keys")
        idx = self.index_of(keys)
        out = np.full(keys.size, -1, dtype=np.int64)
        ok = idx >= 0
        candidate = self.chain[idx[ok]]
        out[ok] = np.where(self.key[candidate] == keys[ok], candidate, -1)
        return out

    def members(self, chain_no: int) -> np.ndarray:
        """Case indices of chain `chain_no`, in case id order."""
        return self._order[self._starts[chain_no]:self._starts[chain_no + 1]]

    def summary(self) -> pa.Table:
        """One row per chain: key, size, links, roots, depth, cyclic."""
        return pa.table({"key": self.key, "size": self.size, "links": self.links, "roots": self.roots,
                         "depth": self.depth, "cyclic": self.cyclic})


def build_chains(infector, infectee, *, rank=None, cases=None) -> Chains:
    """Chains of the links `infector[i] → infectee[i]` (case ids); `rank` (higher wins) picks each
    infectee's primary infector; `cases` adds case ids without links, each a chain of its own."""
    src_id, dst_id = _ints(infector, "infector"), _ints(infectee, "infectee")
    if src_id.size != dst_id.size:
        raise ValueError("infector and infectee must have the same length")
    rank = np.zeros(src_id.size, np.int64) if rank is None else _ints(rank, "rank")
    if rank.size != src_id.size:
        raise ValueError("rank must have one value per link")
    self_links = np.flatnonzero(src_id == dst_id)
    if self_links.size:
        raise ValueError(f"link {int(self_links[0])}: case {int(src_id[self_links[0]])} cannot infect itself")
    ids, src, dst = _index(src_id, dst_id, _ints(cases, "cases"))
    n = ids.size
    chain = _components(src, dst, n)
    primary = _primary_links(src, dst, rank, n)
    parent_idx = np.full(n, -1, dtype=np.int64)
    parent_idx[dst[primary]] = src[primary]
    generation, root_idx = _generations(parent_idx)
    return _assemble(ids, chain, parent_idx, generation, root_idx, src, dst, primary)


def _index(src_id: np.ndarray, dst_id: np.ndarray, extra: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The sorted distinct case ids and the positions of infectors and infectees among them."""
    every = np.concatenate([src_id, dst_id, extra])
    if every.size == 0:
        return every, src_id, dst_id
    low, high = int(every.min()), int(every.max())
    # Database ids are dense: a lookup table over their range beats sorting (20x at a million links).
    if high - low < 8 * every.size + (1 << 20):
        present = np.zeros(high - low + 1, dtype=bool)
        present[every - low] = True
        position = np.cumsum(present, dtype=np.int64) - 1
        return np.flatnonzero(present) + low, position[src_id - low], position[dst_id - low]
    ids = np.unique(every)
    return ids, np.searchsorted(ids, src_id), np.searchsorted(ids, dst_id)


def _components(src: np.ndarray, dst: np.ndarray, n: int) -> np.ndarray:
    """Weak components, renumbered in the order of their smallest case (ids are sorted)."""
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    graph = csr_matrix((np.ones(src.size, dtype=np.int8), (src, dst)), shape=(n, n))
    _, labels = connected_components(graph, directed=True, connection="weak")
    _, first = np.unique(labels, return_index=True)
    renumber = np.empty(first.size, dtype=np.int64)
    renumber[labels[np.sort(first)]] = np.arange(first.size)
    return renumber[labels]


def _primary_links(src: np.ndarray, dst: np.ndarray, rank: np.ndarray, n: int) -> np.ndarray:
    """Mask of each infectee's first link by (rank descending, infector id ascending)."""
    if src.size == 0:
        return np.zeros(0, dtype=bool)
    low, span = int(rank.min()), int(rank.max()) - int(rank.min()) + 1
    if n * n * span < (1 << 62):
        # one int64 key sorts several times faster than lexsort on three columns
        order = np.argsort((dst * span + (span - 1 - (rank - low))) * n + src, kind="stable")
    else:
        order = np.lexsort((src, -rank, dst))
    first = np.ones(order.size, dtype=bool)
    first[1:] = dst[order][1:] != dst[order][:-1]
    mask = np.zeros(order.size, dtype=bool)
    mask[order[first]] = True
    return mask


def _generations(parent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance to the root and the root itself by pointer jumping (log2 of the depth passes)."""
    n = parent.size
    generation = (parent >= 0).astype(np.int64)
    ancestor = parent.copy()
    # `top` is the farthest ancestor known so far; at the end of an acyclic path, the root.
    top = np.where(parent >= 0, parent, np.arange(n))
    for _ in range(int(np.ceil(np.log2(max(n, 2)))) + 2):
        active = np.flatnonzero(ancestor >= 0)
        if active.size == 0:
            break
        hop = ancestor[active]
        generation[active] += generation[hop]
        ancestor[active] = ancestor[hop]
        top[active] = top[hop]
    # An acyclic path is resolved within the passes above; what is left sits on or below a cycle.
    unresolved = ancestor >= 0
    generation[unresolved] = -1
    top[unresolved] = -1
    return generation, top


def _assemble(ids, chain, parent_idx, generation, root_idx, src, dst, primary) -> Chains:
    n_chains = int(chain.max()) + 1 if chain.size else 0
    order = np.argsort(chain, kind="stable")
    starts = np.searchsorted(chain[order], np.arange(n_chains + 1))
    size = np.bincount(chain, minlength=n_chains)
    depth = np.full(n_chains, -1, dtype=np.int64)
    np.maximum.at(depth, chain, generation)
    return Chains(
        case_id=ids, chain=chain,
        parent=np.where(parent_idx >= 0, ids[np.maximum(parent_idx, 0)], -1),
        generation=generation, root=np.where(root_idx >= 0, ids[np.maximum(root_idx, 0)], -1),
        infector=src, infectee=dst, primary=primary,
        key=ids[order[starts[:-1]]] if n_chains else np.zeros(0, np.int64), size=size,
        links=np.bincount(chain[dst], minlength=n_chains),
        roots=np.bincount(chain[parent_idx < 0], minlength=n_chains),
        depth=depth, cyclic=np.bincount(chain[generation < 0], minlength=n_chains) > 0,
        _order=order, _starts=starts,
    )


def reaches(infector, infectee, *, source: int, target: int) -> bool:
    """Does a directed path of links lead from case `source` to case `target`? (A new link
    target → source would close a cycle.)"""
    src_id, dst_id = _ints(infector, "infector"), _ints(infectee, "infectee")
    ids = np.unique(np.concatenate([src_id, dst_id, [source, target]]))
    n = ids.size
    graph = csr_matrix((np.ones(src_id.size, dtype=np.int8),
                        (np.searchsorted(ids, src_id), np.searchsorted(ids, dst_id))), shape=(n, n))
    seen = breadth_first_order(graph, int(np.searchsorted(ids, source)), directed=True, return_predecessors=False)
    return bool(np.isin(np.searchsorted(ids, target), seen))


# --- a bounded view of the graph for a chart ------------------------------------------------------

@dataclass(frozen=True)
class GraphView:
    """What a chart draws: `nodes` (NODE_SCHEMA) and `links` (LINK_SCHEMA). `cases` of the nodes add
    up to `total_cases`: nothing is dropped, only drawn as a group."""

    mode: str                 # "full" or "aggregated"
    node_limit: int
    total_cases: int
    total_chains: int
    full_chains: int          # chains drawn case by case
    generation_chains: int    # chains above the limit, drawn one node per generation
    summarised_chains: int    # chains drawn as one node each, or grouped by size
    grouping: str             # how summarised chains are drawn: "none", "chain", "size" or "size_bin"
    nodes: pa.Table
    links: pa.Table


def aggregate_graph(chains: Chains, *, node_limit: int, select=None) -> GraphView:
    """The chains `select` (chain numbers; all by default) within `node_limit` nodes.

    Up to the limit every case is a node. Beyond it: a chain larger than the limit is drawn as one node
    per generation (per band of generations when they are too many: such chains share half the limit,
    and when there are too many of them for two nodes each, they are summarised like the rest);
    the other chains are drawn case by case from the largest down while the nodes still fit; the rest
    become one node per chain if those fit too, else one node per chain size (or per power-of-two size
    band when even the sizes are too many). The result stays within the limit when the limit is 64 or
    more (there are fewer power-of-two bands than that)."""
    if node_limit < 1:
        raise ValueError("node_limit must be at least 1")
    sel = np.arange(chains.n_chains) if select is None else np.unique(_ints(select, "select"))
    if sel.size and (sel[0] < 0 or sel[-1] >= chains.n_chains):
        raise ValueError("select names a chain that does not exist")
    total = int(chains.size[sel].sum())
    if total <= node_limit:
        return _view(chains, "full", node_limit, total, sel, full=sel, giant=[], rest=sel[:0], grouping="none")
    big = chains.size[sel] > node_limit
    allowance = node_limit // 2 // max(int(big.sum()), 1)
    if allowance < 2:  # too many chains above the limit to draw each by generation: summarise them too
        big[:] = False
    giant = [_banded(chains, int(g), allowance) for g in sel[big]]
    rest = sel[~big]
    rest = rest[np.lexsort((chains.key[rest], -chains.size[rest]))]
    budget = max(node_limit - sum(int(np.unique(band).size) for _, band, _ in giant), 0)
    sizes = chains.size[rest]
    taken = _full_count(sizes, budget)
    full, summarised = rest[:taken], rest[taken:]
    left = budget - int(sizes[:taken].sum())
    if summarised.size <= left:
        grouping = "chain" if summarised.size else "none"
    elif np.unique(sizes[taken:]).size <= left:
        grouping = "size"
    else:
        grouping = "size_bin"
    return _view(chains, "aggregated", node_limit, total, sel, full=full, giant=giant, rest=summarised,
                 grouping=grouping)


def _banded(chains: Chains, chain_no: int, allowance: int) -> tuple[int, np.ndarray, int]:
    """(chain, the generation band of each member, band width) with at most `allowance` + 1 bands."""
    generation = chains.generation[chains.members(chain_no)]
    width = max(-(-(int(generation.max()) + 1) // allowance), 1)
    return chain_no, np.where(generation >= 0, generation // width, -1), width


def _full_count(sizes: np.ndarray, budget: int) -> int:
    """How many of the chains (largest first) fit case by case while the rest, grouped by size, fit too."""
    m = sizes.size
    cum = np.concatenate([[0], np.cumsum(sizes)])
    new_value = np.ones(m, dtype=bool)
    new_value[1:] = sizes[1:] != sizes[:-1]
    # distinct sizes among sizes[j:]: the runs that start after j, plus the run j lies in
    after = np.concatenate([np.cumsum(new_value[::-1])[::-1][1:], [0]]) if m else np.zeros(0, np.int64)
    distinct = np.concatenate([after + 1, [0]]) if m else np.zeros(1, np.int64)
    fits = np.flatnonzero(cum + distinct <= budget)
    return int(fits[-1]) if fits.size else 0


def _case_ids(prefix: str, values: np.ndarray) -> pa.Array:
    return pc.binary_join_element_wise(prefix, pc.cast(pa.array(values, pa.int64()), pa.string()), "")


def _view(chains: Chains, mode, node_limit, total, sel, *, full, giant, rest, grouping) -> GraphView:
    node_parts, link_parts = [], []
    if full.size:
        n, lk = _full_part(chains, full)
        node_parts.append(n)
        link_parts.append(lk)
    for g in giant:
        n, lk = _generation_part(chains, *g)
        node_parts.append(n)
        link_parts.append(lk)
    if rest.size:
        node_parts.append(_summary_part(chains, rest, grouping))
    nodes = pa.concat_tables(node_parts) if node_parts else NODE_SCHEMA.empty_table()
    links = pa.concat_tables(link_parts) if link_parts else LINK_SCHEMA.empty_table()
    return GraphView(mode=mode, node_limit=node_limit, total_cases=total, total_chains=int(sel.size),
                     full_chains=int(full.size), generation_chains=len(giant),
                     summarised_chains=int(rest.size), grouping=grouping, nodes=nodes, links=links)


def _full_part(chains: Chains, full: np.ndarray) -> tuple[pa.Table, pa.Table]:
    shown = np.zeros(chains.n_chains, dtype=bool)
    shown[full] = True
    idx = np.flatnonzero(shown[chains.chain])
    ids = chains.case_id[idx]
    nodes = pa.table({
        "id": _case_ids("c", ids), "kind": pa.array(["case"] * idx.size, pa.string()), "case_id": ids,
        "chain_key": chains.key[chains.chain[idx]], "generation": chains.generation[idx],
        "generation_max": chains.generation[idx],
        "cases": np.ones(idx.size, np.int64), "chains": np.zeros(idx.size, np.int64),
        "size_min": pa.nulls(idx.size, pa.int64()), "size_max": pa.nulls(idx.size, pa.int64()),
    }, schema=NODE_SCHEMA)
    lk = np.flatnonzero(shown[chains.chain[chains.infectee]])
    links = pa.table({"source": _case_ids("c", chains.case_id[chains.infector[lk]]),
                      "target": _case_ids("c", chains.case_id[chains.infectee[lk]]),
                      "links": np.ones(lk.size, np.int64)}, schema=LINK_SCHEMA)
    return nodes, links


def _generation_part(chains: Chains, chain_no: int, band: np.ndarray, width: int) -> tuple[pa.Table, pa.Table]:
    key = int(chains.key[chain_no])
    bands, counts = np.unique(band, return_counts=True)
    low = np.where(bands >= 0, bands * width, -1)
    prefix = f"g{key}."
    nodes = pa.table({
        "id": _case_ids(prefix, low), "kind": pa.array(["generation"] * bands.size, pa.string()),
        "case_id": pa.nulls(bands.size, pa.int64()), "chain_key": np.full(bands.size, key, np.int64),
        "generation": low, "generation_max": np.where(bands >= 0, low + width - 1, -1),
        "cases": counts.astype(np.int64), "chains": np.zeros(bands.size, np.int64),
        "size_min": pa.nulls(bands.size, pa.int64()), "size_max": pa.nulls(bands.size, pa.int64()),
    }, schema=NODE_SCHEMA)
    lk = np.flatnonzero(chains.chain[chains.infectee] == chain_no)
    gen = chains.generation
    a, b = gen[chains.infector[lk]], gen[chains.infectee[lk]]
    a, b = np.where(a >= 0, a // width * width, -1), np.where(b >= 0, b // width * width, -1)
    between = a != b  # links inside one band are not drawn
    pairs, counts = np.unique(np.stack([a[between], b[between]], axis=1), axis=0, return_counts=True)
    links = pa.table({"source": _case_ids(prefix, pairs[:, 0]), "target": _case_ids(prefix, pairs[:, 1]),
                      "links": counts.astype(np.int64)}, schema=LINK_SCHEMA)
    return nodes, links


def _summary_part(chains: Chains, rest: np.ndarray, grouping: str) -> pa.Table:
    sizes = chains.size[rest]
    if grouping == "chain":
        keys = chains.key[rest]
        return pa.table({
            "id": _case_ids("k", keys), "kind": pa.array(["chain"] * rest.size, pa.string()),
            "case_id": pa.nulls(rest.size, pa.int64()), "chain_key": keys,
            "generation": pa.nulls(rest.size, pa.int64()), "generation_max": pa.nulls(rest.size, pa.int64()),
            "cases": sizes, "chains": np.ones(rest.size, np.int64),
            "size_min": sizes, "size_max": sizes,
        }, schema=NODE_SCHEMA)
    if grouping == "size":
        low = high = sizes
    else:  # power-of-two bands: 1, 2-3, 4-7, 8-15, ...
        low = 2 ** np.floor(np.log2(sizes)).astype(np.int64)
        high = 2 * low - 1
    bands, inverse = np.unique(np.stack([low, high], axis=1), axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    count = np.bincount(inverse, minlength=len(bands))
    cases = np.bincount(inverse, weights=sizes, minlength=len(bands)).astype(np.int64)
    lo, hi = bands[:, 0], bands[:, 1]
    ids = pc.binary_join_element_wise(_case_ids("s", lo), pc.cast(pa.array(hi), pa.string()), "-")
    return pa.table({
        "id": ids, "kind": pa.array(["size_group"] * len(bands), pa.string()),
        "case_id": pa.nulls(len(bands), pa.int64()), "chain_key": pa.nulls(len(bands), pa.int64()),
        "generation": pa.nulls(len(bands), pa.int64()), "generation_max": pa.nulls(len(bands), pa.int64()),
        "cases": cases, "chains": count.astype(np.int64),
        "size_min": lo, "size_max": hi,
    }, schema=NODE_SCHEMA)
