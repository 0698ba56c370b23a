"""Run the model and write the run folder.

Run folder layout (a contract the tracing and screening parts rely on)::

    checkins/YYYY-MM-DD.parquet   person_id, venue_id, time_in, time_out  (scanned visits)
    visits/YYYY-MM-DD.parquet     the same columns: every visit, the truth
    presence/YYYY-MM-DD.parquet   person_id, cell_id, time_start, time_end (800 m cells)
    infections.parquet            infectee_id, infector_id, infected_at, layer, venue_id, onset_at, ...
    daily.csv                     one row per day (S, E, I, R, D, new infections, onsets, diagnoses, ...)
    observed/cases.parquet        case reports as the platform receives them
    observed/tests.parquet        individual test results
    observed/screening/…          pooled screening samples and tube results, when screening runs
    run.json                      seed, days, scenario, summary
    plots/*.png                   with --plots

Timestamps are naive local time (the city's time zone), in seconds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from fangkong.sim.city.model import City, Visits
from fangkong.sim.city.schedule import day_presence
from fangkong.sim.interventions.base import Intervention
from fangkong.sim.disease import NEVER
from fangkong.sim.model import Sim, Today
from fangkong.sim.params import RunConfig
from fangkong.sim.record import DailyRow, daily_frame, timestamps
from fangkong.sim.transmission import HOUSEHOLD
from fangkong.sim.writer import ParquetWriter, write_table


@dataclass
class SimResult:
    rows: list[DailyRow]
    infections: pa.Table
    cases: pa.Table
    tests: pa.Table
    summary: dict[str, Any]
    out: Path | None = None
    sim: Sim | None = field(default=None, repr=False)

    def to_df(self):
        """The daily results as a pandas DataFrame, one row per day."""
        return daily_frame(self.rows)


def _visits_table(start: date, day: int, v: Visits, mask: np.ndarray | None) -> pa.Table:
    person, venue, t_in, t_out = v.person, v.venue, v.time_in, v.time_out
    if mask is not None:
        person, venue, t_in, t_out = person[mask], venue[mask], t_in[mask], t_out[mask]
    return pa.table({
        "person_id": person.astype(np.int64),
        "venue_id": venue.astype(np.int64),
        "time_in": timestamps(start, day, t_in),
        "time_out": timestamps(start, day, t_out),
    })


def _presence_table(start: date, day: int, city: City, v: Visits, at_large: np.ndarray) -> pa.Table:
    person, cell, t0, t1 = day_presence(city, v, active=at_large)
    return pa.table({
        "person_id": person.astype(np.int64),
        "cell_id": cell.astype(np.int64),
        "time_start": timestamps(start, day, t0),
        "time_end": timestamps(start, day, t1),
    })


def _file_hook(out: Path, writer: ParquetWriter, config: RunConfig):
    start = config.start_date

    def hook(sim: Sim, today: Today) -> None:
        v = today.visits
        if v is None:
            return
        name = f"{today.date.isoformat()}.parquet"
        day = today.day
        if config.write_visits:
            writer.put(out / "visits" / name, lambda: _visits_table(start, day, v, None))
            writer.put(out / "checkins" / name, lambda: _visits_table(start, day, v, v.scanned))
        if config.presence:
            at_large = sim.people.at_large(day)
            writer.put(out / "presence" / name, lambda: _presence_table(start, day, sim.city, v, at_large))

    return hook


def run_sim(*, city: City, days: int, seed: int, config: RunConfig | None = None,
            interventions: list[Intervention] | None = None, scenario: Path | None = None,
            out: Path | None = None, progress: bool = False, plots: bool = False) -> SimResult:
    """Run `days` days on `city`; with `out`, write the run folder as it goes."""
    if scenario is not None:
        from fangkong.sim.scenario import load_scenario

        config, interventions = load_scenario(scenario, base=config)
    config = config or RunConfig()
    sim = Sim(city, days=days, seed=seed, config=config, interventions=interventions)
    sim.prepare()  # a scenario that cannot run fails here, before the run folder is made
    writer = None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        writer = ParquetWriter()
        sim.on_day.append(_file_hook(out, writer, config))
        sim.emit = lambda rel, make: writer.put(out / rel, make)
    try:
        rows = _run_with_progress(sim, progress)
    finally:
        if writer is not None:
            writer.close()
    result = SimResult(rows=rows, infections=sim.recorder.infection_table(sim),
                       cases=sim.observed.case_table(config.start_date), tests=sim.observed.test_table(config.start_date),
                       summary=summarise(sim, rows), out=out, sim=sim)
    if out is not None:
        _write_outputs(result, out, sim, plots=plots)
    return result


def _run_with_progress(sim: Sim, progress: bool) -> list[DailyRow]:
    if not progress:
        return sim.run()
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn()) as bar:
        task = bar.add_task("simulating days", total=sim.days)
        return sim.run(progress=lambda _day: bar.advance(task))


def summarise(sim: Sim, rows: list[DailyRow]) -> dict[str, Any]:
    p = sim.people
    n = sim.city.n_persons
    infected = int(np.count_nonzero(p.infected != NEVER))
    return {
        "persons": n,
        "days": sim.days,
        "seed": sim.seed,
        "infections": infected,
        "attack_rate": infected / n if n else 0.0,
        "diagnosed": int(sum(r.new_diagnoses for r in rows)),
        "deaths": rows[-1].D if rows else 0,
        "peak_infectious": max((r.I for r in rows), default=0),
        "tests": int(sum(r.tests for r in rows)),
        "visits": int(sum(r.visits for r in rows)),
        "checkins": int(sum(r.checkins for r in rows)),
        "household_sar": household_sar(sim),
    }


def household_sar(sim: Sim) -> float:
    """Household secondary attack rate: of the other members of each household's first infected
    person, the share infected in the household layer (the definition of Bi et al. 2020, whose
    Shenzhen figure was 11.2%). Households of one are left out."""
    city, p = sim.city, sim.people
    infected = np.flatnonzero(p.infected != NEVER)
    if infected.size == 0:
        return 0.0
    households = np.unique(city.household[infected])
    size = city.hh_start[households + 1] - city.hh_start[households]
    households, size = households[size > 1], size[size > 1]
    secondary = infected[(sim.infection_layer[infected] == HOUSEHOLD) & np.isin(city.household[infected], households)]
    contacts = int((size - 1).sum())
    return float(secondary.size / contacts) if contacts else 0.0


def _write_outputs(result: SimResult, out: Path, sim: Sim, *, plots: bool) -> None:
    write_table(result.infections, out / "infections.parquet")
    pacsv.write_csv(pa.Table.from_pandas(result.to_df(), preserve_index=False), out / "daily.csv")
    write_table(result.cases, out / "observed" / "cases.parquet")
    write_table(result.tests, out / "observed" / "tests.parquet")
    meta = {"seed": sim.seed, "days": sim.days, "start_date": sim.config.start_date.isoformat(),
            "config": json.loads(sim.config.model_dump_json()),
            "interventions": [{"type": iv.name, **json.loads(iv.p.model_dump_json())} for iv in sim.interventions],
            "summary": result.summary}
    (out / "run.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    if plots:
        from fangkong.sim.plots import write_plots

        write_plots(result, out / "plots")
