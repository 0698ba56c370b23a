"""Transmission chains at scale (issue 5): the engine on a million links, the service on a city's
worth of linked cases.

    python benchmarks/chains.py                      # both parts
    python benchmarks/chains.py --engine-only        # 1,000,000-link forests only
    python benchmarks/chains.py --cases 20000        # the service part on that many linked cases

Engine (``fangkong.analytics.chains``): ``build_chains`` (components, primary infectors, generations)
and ``aggregate_graph`` (node limit 20,000) on two synthetic forests of 1,000,000 links over
1,050,000 case ids in random order: a random recursive forest (50,000 roots; each new case is
infected by a uniformly chosen earlier case: many small and middling chains, depth ~15), and a deep
one (each case infected 1–19 cases earlier: one giant chain ~100,000 generations deep).

Service (``fangkong.tracing.chains``): a migrated SQLite database with the demo city, then
``--cases`` cases and a random recursive forest of links among them (stored in bulk, not through
the service); times ``list_chains``, ``graph`` at the default limit (aggregated) and at 20,000
(full), ``timeline`` of the largest chain and ``serial_intervals``, each with its JSON encoding.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np


def engine_part(seed: int = 1) -> list[dict]:
    from fangkong.analytics.chains import aggregate_graph, build_chains

    rng = np.random.default_rng(seed)
    n, roots = 1_050_000, 50_000
    child = np.arange(roots, n)
    ids = rng.permutation(n) + 1
    shapes = {"random recursive forest": (rng.random(child.size) * child).astype(np.int64),
              "deep (one giant chain)": np.maximum(child - rng.integers(1, 20, child.size), 0)}
    out = []
    for name, parent in shapes.items():
        rank = rng.integers(1, 4, child.size)
        started = time.perf_counter()
        chains = build_chains(ids[parent], ids[child], rank=rank)
        built = time.perf_counter()
        view = aggregate_graph(chains, node_limit=20_000)
        done = time.perf_counter()
        assert int(view.nodes["cases"].to_numpy().sum()) == chains.n_cases
        out.append({"shape": name, "links": int(child.size), "cases": chains.n_cases, "chains": chains.n_chains,
                    "largest": int(chains.size.max()), "depth": int(chains.depth.max()),
                    "build_s": round(built - started, 3), "aggregate_s": round(done - built, 3),
                    "nodes": view.nodes.num_rows, "grouping": view.grouping})
    return out


def _database(folder: Path, n_cases: int, seed: int) -> str:
    from sqlalchemy import func, insert, select

    from fangkong.cases.models import Case
    from fangkong.db import session_scope, upgrade
    from fangkong.demo.city import build_city
    from fangkong.demo.seed import seed as seed_demo
    from fangkong.people.models import Person
    from fangkong.tracing.models import TransmissionLink

    url = f"sqlite:///{folder / 'chains.db'}"
    upgrade(url)
    rng = np.random.default_rng(seed)
    with session_scope(url) as s:
        seed_demo(session=s, city=build_city(seed=7, persons=400, cases=60))
        persons = s.execute(select(Person.id, Person.jurisdiction_code)).all()
        first = (s.scalar(select(func.max(Case.id))) or 0) + 1
        pick = rng.integers(0, len(persons), n_cases)
        onset = [date(2022, 3, 1) + timedelta(days=int(d)) for d in np.sort(rng.integers(0, 120, n_cases))]
        s.execute(insert(Case), [dict(id=first + i, person_id=persons[p][0], jurisdiction_code=persons[p][1],
                                      classification="confirmed", severity="mild", origin="local",
                                      onset_date=onset[i], outcome="under_treatment", created_by="bench")
                                 for i, p in enumerate(pick)])
        roots = max(n_cases // 20, 1)
        child = np.arange(roots, n_cases)
        parent = (rng.random(child.size) * child).astype(np.int64)
        certainty = np.array(["confirmed", "probable", "possible"])[rng.integers(0, 3, child.size)]
        s.execute(insert(TransmissionLink), [dict(infector_case_id=first + int(a), infectee_case_id=first + int(b),
                                                  certainty=str(c), created_by="bench")
                                             for a, b, c in zip(parent, child, certainty)])
    return url


def _timed(label: str, call) -> dict:
    started = time.perf_counter()
    result = call()
    body = result.model_dump_json()
    return {"call": label, "seconds": round(time.perf_counter() - started, 3), "json_kb": len(body) // 1024}


def service_part(n_cases: int, seed: int = 2) -> list[dict]:
    from sqlalchemy import select

    from fangkong.auth import service as auth
    from fangkong.auth.models import User
    from fangkong.db import session_scope
    from fangkong.tracing import chains

    with tempfile.TemporaryDirectory() as tmp:
        url = _database(Path(tmp), n_cases, seed)
        with session_scope(url) as s:
            actor = auth.actor_for(session=s, user=s.scalar(select(User).where(User.username == "epi")))
            largest = chains.list_chains(session=s, actor=actor, limit=1).items[0].key
            return [
                _timed("list_chains (50 largest)", lambda: chains.list_chains(session=s, actor=actor)),
                _timed(f"graph, node_limit {chains.DEFAULT_NODE_LIMIT}",
                       lambda: chains.graph(session=s, actor=actor)),
                _timed("graph, node_limit 20000", lambda: chains.graph(session=s, actor=actor, node_limit=20_000)),
                _timed("timeline of the largest chain", lambda: chains.timeline(session=s, actor=actor, key=largest)),
                _timed("serial_intervals", lambda: chains.serial_intervals(session=s, actor=actor)),
            ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--engine-only", action="store_true")
    args = parser.parse_args()
    report = {"engine": engine_part()}
    if not args.engine_only:
        report["service"] = service_part(args.cases)
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
