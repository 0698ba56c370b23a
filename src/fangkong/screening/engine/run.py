"""The steps of a round, the same on every engine: load, check, resolve, coverage.

An engine is a *runner* (duckdb_engine.py, spark_engine.py) that registers inputs, materialises
SQL as named relations and fetches Arrow tables; every rule lives in the shared SQL of
validate.py and pools.py. The steps are separate functions so that the benchmark can time them
(upload = load + check, resolve, coverage).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pyarrow as pa

from fangkong.screening.engine import model, pools, validate
from fangkong.screening.engine.dialect import INT, Dialect
from fangkong.screening.engine.model import Coverage, Problem, Resolution
from fangkong.screening.engine.validate import FILES, Source

Input = pa.Table | str | Path
ENGINES = ("duckdb", "spark")


class SourceError(Exception):
    """An input the engine cannot read at all (not CSV, ragged rows, bad encoding)."""


def first_line(exc: Exception) -> str:
    """An engine error's first line, for a file-level problem."""
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


class Runner(Protocol):
    dialect: Dialect

    def source(self, name: str, data: Input, label: str) -> Source: ...

    def create(self, name: str, sql: str) -> None: ...

    def create_typed(self, name: str, sql: str, *, source: Source, materialize: bool) -> None: ...

    def in_file_order(self, relation: str, columns: list[str]) -> pa.Table: ...

    def fetch(self, sql: str) -> pa.Table: ...

    def close(self) -> None: ...


@contextlib.contextmanager
def open_runner(engine: str, *, timezone: str) -> Iterator[Runner]:
    """A fresh engine session: its own DuckDB connection, or temporary views on the Spark session."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {timezone!r}") from exc
    if engine == "duckdb":
        from fangkong.screening.engine.duckdb_engine import DuckDBRunner as runner_class
    elif engine == "spark":
        from fangkong.screening.engine.spark_engine import SparkRunner as runner_class
    else:
        raise ValueError(f"unknown engine {engine!r}: {' or '.join(ENGINES)}")
    runner = runner_class(timezone=timezone)
    try:
        yield runner
    finally:
        runner.close()


def label_of(data: Input, default: str) -> str:
    return default if isinstance(data, pa.Table) else Path(data).name


@dataclass
class Loaded:
    """The typed relations s (samples), r (results), g (roster) and tube_agg, once loaded."""

    labels: tuple[str, str, str]
    integer_keys: set[str] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)  # file-level: unreadable, missing columns
    has_round: bool = False
    has_roster: bool = False
    persons_unique: bool | None = None  # samples: known once checked
    person_counts: bool = False  # the persons_x relation exists (pools.person_counts_sql)

    def type_of(self, key: str) -> pa.DataType:
        return pa.int64() if key in self.integer_keys else pa.string()


def _integer_keys(sources: list[tuple[Source, tuple]]) -> set[str]:
    kinds: dict[str, set[str]] = {}
    for source, spec in sources:
        for name, role in spec:
            if role.startswith("id:") and name in source.columns:
                kinds.setdefault(role[3:], set()).add(source.columns[name][1])
    return {key for key, found in kinds.items() if found == {INT}}


def load(runner: Runner, *, samples: Input, results: Input | None, roster: Input | None = None) -> Loaded:
    """Register the inputs and build the typed relations; unreadable files and missing columns
    come back as file-level problems (row 0) and stop there."""
    specs = [("samples", samples, validate.SAMPLES, "s"), ("results", results, validate.RESULTS, "r"),
             ("roster", roster, validate.ROSTER, "g")]
    specs = [(name, data, spec, alias) for name, data, spec, alias in specs if data is not None]
    labels = tuple(name if data is None else label_of(data, name) for name, data in zip(FILES, (samples, results, roster)))
    loaded = Loaded(labels=labels)  # type: ignore[arg-type]
    sources = []
    for name, data, spec, alias in specs:
        label = loaded.labels[FILES.index(name)]
        try:
            source = runner.source(name, data, label)
        except SourceError as exc:
            loaded.problems.append(Problem(label, 0, "", f"cannot read the file: {exc}"))
            continue
        loaded.problems += [Problem(label, 0, c, "column missing") for c in validate.missing_columns(source, spec)]
        sources.append((source, spec, alias))
    if loaded.problems:
        return loaded
    loaded.integer_keys = _integer_keys([(source, spec) for source, spec, _ in sources])
    for source, spec, alias in sources:
        sql = validate.typed_sql(runner.dialect, source, spec, loaded.integer_keys)
        try:  # the roster is scanned a few times only: a view where the engine can number its rows
            runner.create_typed(alias, sql, source=source, materialize=alias != "g")
        except SourceError as exc:
            loaded.problems.append(Problem(source.label, 0, "", f"cannot read the file: {exc}"))
    if not loaded.problems:
        loaded.has_round = results is not None
        loaded.has_roster = roster is not None
        runner.create("tube_agg", validate.tube_agg_sql())
    return loaded


def _problems(runner: Runner, loaded: Loaded, sql: str, *, max_problems: int) -> tuple[list[Problem], int]:
    runner.create("problems", sql)
    total = scalar(runner, "SELECT count(*) AS n FROM problems")
    rows = runner.fetch(f"SELECT fi, _row AS row, field, message FROM problems "
                        f"ORDER BY fi, _row, field, message LIMIT {int(max_problems)}").to_pylist()
    return [Problem(loaded.labels[r["fi"]], r["row"], r["field"], r["message"]) for r in rows], total


def scalar(runner: Runner, sql: str):
    return runner.fetch(sql).column(0)[0].as_py()


def check(runner: Runner, loaded: Loaded, *, pool_size: int, max_problems: int = model.MAX_PROBLEMS
          ) -> tuple[list[Problem], int]:
    """Every problem in the round (samples, results): the first `max_problems` and the total."""
    if loaded.problems:
        return loaded.problems, len(loaded.problems)
    if loaded.has_roster:  # one pass over both files answers this and most of coverage()
        _person_counts(runner, loaded)
        loaded.persons_unique = not scalar(runner, "SELECT count(*) AS n FROM persons_x WHERE in_s > 1")
    else:
        loaded.persons_unique = bool(scalar(runner, validate.unique_sql("s", "person_id")))
    sql = validate.round_checks_sql(runner.dialect, pool_size, persons_unique=loaded.persons_unique)
    return _problems(runner, loaded, sql, max_problems=max_problems)


def resolve_tables(runner: Runner, loaded: Loaded, *, ct_threshold: float) -> tuple[pa.Table, pa.Table]:
    """(person_status, tubes) of a valid round, in the fixed schemas, sorted by person and tube."""
    tube_type = loaded.type_of("tube")
    tubes = model.conform(runner.fetch(f"SELECT * FROM ({pools.tubes_sql(runner.dialect, ct_threshold)}) t "
                                       "ORDER BY tube_id"), model.tubes_schema(tube_type, loaded.type_of("lab")))
    people = model.person_status(runner.in_file_order("s", ["person_id", "tube_id"]), tubes)
    return model.conform(people, model.person_status_schema(loaded.type_of("person"), tube_type)), tubes


def result_rows(runner: Runner) -> int:
    return scalar(runner, "SELECT count(*) AS n FROM r")


def invalid_summary(total: int, pool_size: int, ct_threshold: float) -> dict:
    return {"valid": False, "problems": total, "pool_size": pool_size, "ct_threshold": ct_threshold}


def resolution(runner: Runner, loaded: Loaded, *, pool_size: int, ct_threshold: float,
               max_problems: int = model.MAX_PROBLEMS) -> Resolution:
    """Check, then resolve: an invalid round gives its problems and empty tables."""
    problems, total = check(runner, loaded, pool_size=pool_size, max_problems=max_problems)
    tube_type = loaded.type_of("tube")
    if problems:
        return Resolution(person_status=model.person_status_schema(loaded.type_of("person"), tube_type).empty_table(),
                          tubes=model.tubes_schema(tube_type, loaded.type_of("lab")).empty_table(),
                          summary=invalid_summary(total, pool_size, ct_threshold), problems=problems)
    people, tubes = resolve_tables(runner, loaded, ct_threshold=ct_threshold)
    summary = model.summarise(person_status=people, tubes=tubes, results_rows=result_rows(runner),
                              pool_size=pool_size, ct_threshold=ct_threshold)
    return Resolution(person_status=people, tubes=tubes, summary=summary)


def _person_counts(runner: Runner, loaded: Loaded) -> None:
    if not loaded.person_counts:
        runner.create("persons_x", pools.person_counts_sql())
        loaded.person_counts = True


def coverage(runner: Runner, loaded: Loaded, *, max_problems: int = model.MAX_PROBLEMS) -> Coverage:
    """Coverage per grid of the loaded samples against the loaded roster."""
    grids_schema, untested_schema = model.coverage_schemas(loaded.type_of("person"))
    problems, total = (loaded.problems, len(loaded.problems)) if loaded.problems else ([], 0)
    if not problems:
        _person_counts(runner, loaded)
        unique = not scalar(runner, "SELECT count(*) AS n FROM persons_x WHERE in_g > 1")
        if not (unique and scalar(runner, validate.roster_complete_sql())):  # row-level checks only then
            sql = validate.roster_checks_sql(runner.dialect, persons_unique=unique)
            problems, total = _problems(runner, loaded, sql, max_problems=max_problems)
    if problems:
        return Coverage(grids=grids_schema.empty_table(), untested=untested_schema.empty_table(),
                        summary={"valid": False, "problems": total}, problems=problems)
    grids = model.conform(runner.fetch(pools.grid_coverage_sql()), grids_schema)
    untested = model.conform(runner.fetch(pools.untested_sql()), untested_schema)
    summary = model.coverage_summary(grids, outside_roster=scalar(runner, pools.outside_roster_sql()))
    return Coverage(grids=grids, untested=untested, summary=summary)
