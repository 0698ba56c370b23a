"""Bulk resolution of pooled screening rounds (N合1混采) on DuckDB or Spark, with identical results.

    from fangkong.screening.engine import resolve, coverage

    res = resolve(samples=samples, results=results, pool_size=10, ct_threshold=35.0, engine="duckdb")
    res.person_status   # person_id, status (cleared / recheck / pending), tube_id
    res.tubes           # tube_id, members, status, min_ct, ..., turnaround_hours
    res.summary         # counts by status, positivity, turnaround against 6/12/24 h
    res.problems        # [Problem(file, row, field, message)]; empty when the round is valid

Inputs are Arrow tables or CSV / Parquet paths. The rules are in pools.py (resolution) and
validate.py (checks); docs/screening.md, "Bulk resolution", describes both. A pure engine:
no web framework or ORM imports.
"""

from __future__ import annotations

from fangkong.screening.engine.model import MAX_PROBLEMS, Coverage, Problem, Resolution
from fangkong.screening.engine.run import ENGINES, Input, load, open_runner
from fangkong.screening.engine.run import coverage as _coverage
from fangkong.screening.engine.run import resolution as _resolution

__all__ = ["ENGINES", "Coverage", "Problem", "Resolution", "coverage", "resolve", "resolve_round"]

DEFAULT_TIMEZONE = "Asia/Shanghai"  # the platform's default (FANGKONG_TIMEZONE)


def _check_round_params(pool_size: int, ct_threshold: float) -> None:
    if pool_size < 1:
        raise ValueError(f"pool_size must be at least 1, got {pool_size}")
    if not 0 < ct_threshold <= 50:
        raise ValueError(f"ct_threshold must be in (0, 50], got {ct_threshold}")


def resolve(*, samples: Input, results: Input, pool_size: int, ct_threshold: float = 35.0,
            engine: str = "duckdb", timezone: str = DEFAULT_TIMEZONE, max_problems: int = MAX_PROBLEMS) -> Resolution:
    """Validate a round's samples and tube results and resolve every tube and person."""
    resolution, _ = resolve_round(samples=samples, results=results, pool_size=pool_size, ct_threshold=ct_threshold,
                                  engine=engine, timezone=timezone, max_problems=max_problems)
    return resolution


def coverage(samples: Input, roster: Input, *, engine: str = "duckdb", timezone: str = DEFAULT_TIMEZONE,
             max_problems: int = MAX_PROBLEMS) -> Coverage:
    """Sampled ÷ roster per grid (roster: person_id, jurisdiction_code) and the untested persons."""
    with open_runner(engine, timezone=timezone) as runner:
        loaded = load(runner, samples=samples, results=None, roster=roster)
        return _coverage(runner, loaded, max_problems=max_problems)


def resolve_round(*, samples: Input, results: Input, roster: Input | None = None, pool_size: int,
                  ct_threshold: float = 35.0, engine: str = "duckdb", timezone: str = DEFAULT_TIMEZONE,
                  max_problems: int = MAX_PROBLEMS) -> tuple[Resolution, Coverage | None]:
    """resolve() and, with a roster, coverage() in one engine session (the files are read once)."""
    _check_round_params(pool_size, ct_threshold)
    with open_runner(engine, timezone=timezone) as runner:
        loaded = load(runner, samples=samples, results=results, roster=roster)
        res = _resolution(runner, loaded, pool_size=pool_size, ct_threshold=ct_threshold, max_problems=max_problems)
        cov = _coverage(runner, loaded, max_problems=max_problems) if roster is not None else None
        return res, cov
