"""The agent-based model: one city, one seed, day by day.

A day: interventions set closures, lockdowns and quarantine; people who may leave home make their
venue visits (the same visits become check-ins); infectious people infect others in five layers;
infections get their course of illness; interventions test, report and trace. Everything random
comes from per-purpose streams spawned from the run seed, so a run is reproducible.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from fangkong.sim import transmission as tx
from fangkong.sim.city.model import City, Visits
from fangkong.sim.city.schedule import day_visits
from fangkong.sim.disease import NEVER, Disease, draw_course, mean_infectious_weight, susceptibility
from fangkong.sim.interventions.base import Intervention
from fangkong.sim.params import RunConfig
from fangkong.sim.record import DailyRow, Observed, Recorder
from fangkong.sim.state import Q_CENTRAL, Q_NONE, People


@dataclass
class Today:
    """What happened on the current day, for interventions to read."""

    day: int
    date: date
    visits: Visits | None = None
    infections: tx.Events = field(default_factory=tx.Events.empty)
    reported: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    tests: int = 0


class Sim:
    def __init__(self, city: City, *, days: int, seed: int, config: RunConfig | None = None,
                 interventions: list[Intervention] | None = None, disease: Disease | None = None):
        self.city = city
        self.days = days
        self.seed = seed
        self.config = config or RunConfig()
        self.interventions = list(interventions or [])
        base = disease or Disease()
        self.disease = dataclasses.replace(base, by_age=False) if self.config.homogeneous else base
        streams = np.random.SeedSequence(seed).spawn(5 + len(self.interventions))
        self.rng_visits, self.rng_tx, self.rng_course, self.rng_seed, self.rng_run = (
            np.random.default_rng(s) for s in streams[:5])
        self.rng_iv = [np.random.default_rng(s) for s in streams[5:]]
        self.people = People.empty(city.n_persons, susceptibility(city.age, self.disease))
        self.infected_by = np.full(city.n_persons, -1, np.int32)
        self.infection_layer = np.full(city.n_persons, -1, np.int8)
        self.quarantine_policy = None  # set by the quarantine intervention
        self.venue_open = np.ones(city.n_venues, bool)
        self.layers = self.config.layers
        if self.config.homogeneous:
            self.layers = self._homogeneous_layers()
        self._visits = _VisitSource(self)
        self.groups = tx.Groups.of(city)
        self.pools = tx.Pools.of(city)
        self.recorder = Recorder(start=self.config.start_date)
        self.observed = Observed()
        self._reports: dict[int, list[tuple[np.ndarray, int, str]]] = {}
        self.today = Today(day=0, date=self.config.start_date)
        self.on_day: list[Callable[[Sim, Today], None]] = []
        self._prepared = False
        # Set by the runner when there is a run folder: emit(relative path, table maker) writes a file.
        self.emit: Callable[[str, Callable[[], object]], None] | None = None

    # --- set-up -------------------------------------------------------------------------------------------

    def _homogeneous_layers(self):
        """One city-wide community layer; with `r0`, its rate gives exactly that R0."""
        layers = self.config.layers.model_copy(update={
            "household": 0.0, "school": 0.0, "work": 0.0, "venue": 0.0, "community_city_share": 1.0})
        if self.config.r0 is not None:
            per_rate = layers.community_contacts * mean_infectious_weight(self.disease)
            layers = layers.model_copy(update={"community": self.config.r0 / per_rate})
        return layers

    def seed_infections(self) -> None:
        n = self.config.seed_infections
        pool = np.arange(self.city.n_persons)
        if self.config.seed_grid:
            codes = self.city.grid_codes[self.city.grid]
            pool = pool[np.char.startswith(codes.astype(str), self.config.seed_grid)]
        if n > pool.size:
            raise ValueError(f"cannot seed {n} infections among {pool.size} residents")
        who = np.sort(self.rng_seed.choice(pool, size=n, replace=False)).astype(np.int32)
        minute = self.rng_seed.integers(0, 1440, n).astype(np.int16)
        events = tx.Events(np.full(n, -1, np.int32), who, minute, np.full(n, tx.SEED, np.int8), np.full(n, -1, np.int32))
        self._infect(0, events)

    # --- services interventions call -------------------------------------------------------------------

    def date_of(self, day: int) -> date:
        return self.config.start_date + timedelta(days=day)

    def report(self, persons: np.ndarray, *, sample_day: int, report_day: int, via: str) -> None:
        """Schedule positive results: on `report_day` the persons are diagnosed and isolated.

        Reports are delivered at the start of a day, so a result due today takes effect tomorrow."""
        persons = np.asarray(persons, np.int32)
        if persons.size:
            self._reports.setdefault(max(report_day, self.today.day + 1), []).append((persons, sample_day, via))

    def quarantine(self, persons: np.ndarray, *, kind: int, until: int) -> None:
        p = self.people
        persons = np.asarray(persons, np.int64)
        p.quarantine[persons] = np.maximum(p.quarantine[persons], kind)
        p.quarantine_until[persons] = np.maximum(p.quarantine_until[persons], until)

    def count_tests(self, n: int) -> None:
        self.today.tests += int(n)

    def detectable(self, persons: np.ndarray, day: int) -> np.ndarray:
        d = self.disease
        return self.people.pcr_detectable(persons, day, pcr_from=d.pcr_from, pcr_until=d.pcr_until)

    # --- the day ------------------------------------------------------------------------------------------

    def step(self, day: int) -> DailyRow:
        p = self.people
        self.today = Today(day=day, date=self.date_of(day))
        released = (p.quarantine != Q_NONE) & (p.quarantine_until < day)
        p.quarantine[released] = Q_NONE
        self._deliver_reports(day)
        self.venue_open[:] = True
        for iv in self.interventions:
            iv.before_day(self, day)
        at_large = p.at_large(day)
        if not self.config.homogeneous:
            self.today.visits = self._visits.take(day, at_large, self.venue_open)
        events = self._transmit(day, at_large)
        self._infect(day, events)
        for iv in self.interventions:
            iv.after_day(self, day)
        for hook in self.on_day:
            hook(self, self.today)
        return self.recorder.daily(self, day)

    def _weights(self, day: int) -> np.ndarray:
        """Infectiousness of everyone today (0 for those who cannot infect)."""
        p = self.people
        can = p.infectious_on(day) & ~p.isolated & (p.quarantine != Q_CENTRAL)
        w = np.zeros(self.city.n_persons, np.float32)
        idx = np.flatnonzero(can)
        asymp = p.onset[idx] == NEVER
        w[idx] = p.rel_inf[idx] * np.where(asymp, np.float32(self.disease.asymp_factor), np.float32(1.0))
        return w

    def _transmit(self, day: int, at_large: np.ndarray) -> tx.Events:
        p, city, lay, rng = self.people, self.city, self.layers, self.rng_tx
        weight = self._weights(day)
        sources = np.flatnonzero(weight > 0)
        susceptible = p.susceptible()
        at_home_ok = susceptible & ~p.isolated & (p.quarantine != Q_CENTRAL)
        parts = [tx.household(rng, city, sources=sources, weight=weight, target_ok=at_home_ok, sus=p.sus,
                              rate=lay.household)]
        visits = self.today.visits
        if visits is not None and len(visits):
            at_work = visits.at_work(city)
            parts.append(tx.workplace(rng, city, self.groups, visits, weight=weight, susceptible=susceptible,
                                      sus=p.sus, school_rate=lay.school, work_rate=lay.work, at_work=at_work))
            parts.append(tx.venues(rng, city, visits, weight=weight, susceptible=susceptible, sus=p.sus,
                                   rate=lay.venue, at_work=at_work))
        out = sources[at_large[sources]]
        parts.append(tx.community(rng, city, self.pools, sources=out, weight=weight,
                                  target_ok=susceptible & at_large, sus=p.sus, rate=lay.community,
                                  contacts=lay.community_contacts, city_share=lay.community_city_share))
        return tx.first_per_infectee(rng, tx.Events.concat(parts))

    def _infect(self, day: int, events: tx.Events) -> None:
        if len(events) == 0:
            self.today.infections = events
            return
        who = events.infectee
        course = draw_course(self.rng_course, day=day, age=self.city.age[who], disease=self.disease,
                             symp_scale=self.people.symp_factor[who])
        self.people.infect(who, day, course)
        self.infected_by[who] = events.infector
        self.infection_layer[who] = events.layer
        self.today.infections = events
        self.recorder.infections(day, events)

    def _deliver_reports(self, day: int) -> None:
        p = self.people
        batches = self._reports.pop(day, [])
        reported = []
        for persons, sample_day, via in batches:
            new = persons[p.diagnosed[persons] == NEVER]
            new = np.unique(new)
            p.diagnosed[new] = day
            p.isolated[new] = True
            p.quarantine[new] = Q_NONE
            self.observed.cases(self, new, sample_day=sample_day, report_day=day, via=via)
            reported.append(new)
        self.today.reported = np.concatenate(reported) if reported else np.zeros(0, np.int32)

    def prepare(self) -> None:
        """Start the interventions and seed the infections; errors in a scenario surface here."""
        if self._prepared:
            return
        for iv, rng in zip(self.interventions, self.rng_iv, strict=True):
            iv.rng = rng
            iv.start(self)
        self.seed_infections()
        self._prepared = True

    def run(self, *, progress: Callable[[int], None] | None = None) -> list[DailyRow]:
        self.prepare()
        rows = []
        try:
            for day in range(self.days):
                rows.append(self.step(day))
                if progress:
                    progress(day)
        finally:
            self._visits.close()
        return rows


class _VisitSource:
    """Everyone's planned visits, made a day ahead on a worker thread.

    Plans do not depend on the state of the run: the day's closures and quarantines are applied by
    dropping visits of people who stay home and of closed venues, which keeps the order (venue,
    time_in). So tomorrow's plan can be drawn while today's transmission is computed, and the
    random stream is consumed the same way whatever the interventions do.
    """

    def __init__(self, sim: Sim):
        self.sim = sim
        self._pool: ThreadPoolExecutor | None = None
        self._next: dict[int, Future] = {}

    def _plan(self, day: int) -> Visits:
        sim = self.sim
        return day_visits(sim.city, day=day, weekday=sim.date_of(day).weekday(), rng=sim.rng_visits,
                          scan_compliance=sim.config.scan_compliance)

    def take(self, day: int, at_large: np.ndarray, venue_open: np.ndarray) -> Visits:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fangkong-sim-visits")
        future = self._next.pop(day, None) or self._pool.submit(self._plan, day)
        plan = future.result()
        if day + 1 < self.sim.days:
            self._next[day + 1] = self._pool.submit(self._plan, day + 1)
        if at_large.all() and venue_open.all():
            return plan
        return plan.subset(at_large[plan.person] & venue_open[plan.venue])

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
