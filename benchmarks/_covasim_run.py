"""Worker for sim_vs_covasim.py: time one Covasim run. Runs under benchmarks/.venv-covasim's python.

    benchmarks/.venv-covasim/bin/python benchmarks/_covasim_run.py --pop-size 100000 --days 60 --seed 1

Standard library and covasim only (the venv has neither fangkong nor rich). Steps:

1. ``import covasim`` (timed, not counted).
2. Warm-up: a 1,000-agent, 5-day sim of the same ``pop_type``, so numba's JIT compilation (or loading
   its on-disk cache) is not counted in the timed run. Skipped with ``--no-warmup``.
3. The timed sim: ``cv.Sim(pop_size, n_days, pop_type, pop_infected, rand_seed, verbose=0)``, no
   interventions, every other parameter at Covasim's default. ``sim.initialize()`` (people and
   contact networks) and ``sim.run()`` are timed separately with ``time.perf_counter``.

Prints one JSON object as the last line of stdout. Peak RSS is also reported from inside
(``getrusage(RUSAGE_SELF)``); the harness measures it from outside with ``os.wait4`` as well.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time


def rss_mb() -> float:
    """Current resident set size in MB (10^6 bytes), from /proc."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6  # ru_maxrss is KiB on Linux


def result_summary(sim) -> dict:
    """Epidemic size, so the harness can show both engines simulated an epidemic of similar scale."""
    out: dict = {}
    try:
        res = sim.results
        for key in ("cum_infections", "cum_recoveries", "cum_deaths"):
            try:
                out[key] = float(res[key][-1])
            except Exception:
                pass
        for key in ("n_infectious", "n_exposed"):
            try:
                out[f"peak_{key}"] = float(max(res[key]))
            except Exception:
                pass
    except Exception as exc:  # the v3 result names are a compatibility layer in 4.x
        out["error"] = repr(exc)
    return out


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--pop-size", type=int, required=True)
    p.add_argument("--days", type=int, required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--pop-type", choices=("random", "hybrid"), default="hybrid")
    p.add_argument("--pop-infected", type=int, default=100)
    p.add_argument("--no-warmup", action="store_true")
    args = p.parse_args(argv)

    t0 = time.perf_counter()
    import covasim as cv
    import_s = time.perf_counter() - t0

    warmup_s = None
    if not args.no_warmup:
        t0 = time.perf_counter()
        cv.Sim(pop_size=1000, n_days=5, pop_type=args.pop_type, pop_infected=10, rand_seed=args.seed, verbose=0).run()
        warmup_s = time.perf_counter() - t0
    rss_before_mb = rss_mb()

    sim = cv.Sim(pop_size=args.pop_size, n_days=args.days, pop_type=args.pop_type,
                 pop_infected=min(args.pop_infected, args.pop_size), rand_seed=args.seed, verbose=0)
    t0 = time.perf_counter()
    sim.initialize()
    init_s = time.perf_counter() - t0
    rss_after_init_mb = rss_mb()
    t0 = time.perf_counter()
    sim.run()
    run_s = time.perf_counter() - t0

    doc = {
        "engine": "covasim",
        "version": cv.__version__,
        "pop_type": args.pop_type,
        "agents": args.pop_size,
        "days": args.days,
        "seed": args.seed,
        "pop_infected": args.pop_infected,
        "import_s": import_s,
        "warmup_s": warmup_s,
        "build_s": init_s,
        "run_s": run_s,
        "rss_before_mb": rss_before_mb,
        "rss_after_build_mb": rss_after_init_mb,
        "peak_rss_self_mb": peak_rss_mb(),
        "epidemic": result_summary(sim),
        "python": sys.version.split()[0],
    }
    print(json.dumps(doc), flush=True)
    return doc


if __name__ == "__main__":
    main()
