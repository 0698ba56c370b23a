"""Demo outbreak, part 1: the transmission chain (who was infected, on which day, by whom).

Illustrative parameters for a plausible spring-2022 Omicron wave in a Chinese city, not a
model of any real epidemic. Case attributes (classification, dates, outcomes) are added in
:mod:`fangkong.demo.outbreak`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from fangkong.demo.geography import _Geography
from fangkong.demo.population import _Population

# Growth: doubling about every 4.5 days (r = ln 2 / 4.5), in line with early Omicron waves
# in Chinese cities in spring 2022 (illustrative). In the last week, as after control
# measures, the growth rate falls over 3 days to a mild decline and stays there: daily
# counts level off and then ease.
_DOUBLING_DAYS = 4.5
_SLOWDOWN_DAYS = 7
_RAMP_DAYS = 3
_FINAL_GROWTH = -0.06  # per day

# Serial interval (onset to onset) weights for lags of 1..10 days: a discretised gamma
# with mean ~3.5 days. The 9th-edition diagnosis and treatment protocol (新型冠状病毒肺炎
# 诊疗方案（试行第九版）, March 2022) notes the shorter incubation of Omicron, mostly 2-4
# days; an incubation mean of ~3-4 days gives a serial interval of about the same length.
_SERIAL_LAGS = np.arange(1, 11)
_SERIAL_WEIGHTS = _SERIAL_LAGS**2.0 * np.exp(-_SERIAL_LAGS / 1.2)

# Where an infector's next case lives: same household, same grid, same district, anywhere
# in the city (illustrative; the city-wide share keeps every district in the outbreak).
_CONTACT_MODES = np.array([0.35, 0.30, 0.15, 0.20])


def _members_index(keys: np.ndarray, n_keys: int) -> tuple[np.ndarray, np.ndarray]:
    """Group indices by key: (indices sorted by key, start offsets of length n_keys + 1)."""
    order = np.argsort(keys, kind="stable")
    counts = np.bincount(keys, minlength=n_keys)
    starts = np.concatenate([[0], np.cumsum(counts)])
    return order, starts


def _daily_intensity(days: int) -> np.ndarray:
    """Relative number of new cases by onset day: exponential growth, slowing at the end."""
    r0 = math.log(2) / _DOUBLING_DAYS
    growth = np.full(days, r0)
    slow = min(_SLOWDOWN_DAYS, max(days - 1, 0))
    if slow:
        ramp = min(_RAMP_DAYS, slow)
        growth[days - slow:] = _FINAL_GROWTH
        growth[days - slow:days - slow + ramp] = np.linspace(r0, _FINAL_GROWTH, ramp + 1)[1:]
    lam = np.exp(np.cumsum(growth) - growth[0])
    if days > 1:
        lam[0] = 0.0  # day 0 holds only the seed cases
    return lam


@dataclass
class _Chain:
    """The transmission chain, one entry per case in order of infection."""

    case_person: list[int]  # index into the base persons
    case_day: np.ndarray  # onset (index) day, 0 = first day
    infector: np.ndarray  # index of the infecting case, -1 for an introduction
    n_seed: int  # the first n_seed cases are the seeds
    n_imported: int  # the first n_imported seeds were imported


class _Spread:
    """Simulates the chain; all randomness from the caller's generator, in a fixed order."""

    def __init__(self, rng: np.random.Generator, geo: _Geography, pop: _Population, n_base: int):
        self.rng = rng
        self.n_base = n_base
        self.n_districts = len(geo.district_codes)
        self.pop = pop
        self.person_district = geo.grid_district[pop.grid[:n_base]]
        self.grid_order, self.grid_starts = _members_index(pop.grid[:n_base], len(geo.grid_codes))
        self.dist_order, self.dist_starts = _members_index(self.person_district, self.n_districts)
        self.hh_order, self.hh_starts = _members_index(pop.household[:n_base], pop.n_households)
        self.infected = np.zeros(n_base, dtype=bool)
        self.case_person: list[int] = []
        self.case_day: list[int] = []
        self.infector: list[int] = []
        self.district_count = np.zeros(self.n_districts, dtype=np.int64)

    def pick_from(self, order: np.ndarray, starts: np.ndarray, key: int) -> int | None:
        rng, infected = self.rng, self.infected
        members = order[starts[key]:starts[key + 1]]
        if len(members) == 0:
            return None
        for _ in range(24):
            cand = int(members[int(rng.integers(0, len(members)))])
            if not infected[cand]:
                return cand
        free = members[~infected[members]]
        return int(free[int(rng.integers(0, len(free)))]) if len(free) else None

    def pick_anywhere(self) -> int:
        rng, infected = self.rng, self.infected
        for _ in range(64):
            cand = int(rng.integers(0, self.n_base))
            if not infected[cand]:
                return cand
        free = np.flatnonzero(~infected)
        return int(free[int(rng.integers(0, len(free)))])

    def add(self, person: int, day: int, source: int) -> None:
        self.infected[person] = True
        self.case_person.append(person)
        self.case_day.append(day)
        self.infector.append(source)
        self.district_count[self.person_district[person]] += 1

    def run(self, n_cases: int, days: int) -> _Chain:
        rng = self.rng
        min_per_district = min(5, n_cases // self.n_districts)
        n_seed, n_imported = self.seed(n_cases, days)
        counts = rng.multinomial(n_cases - n_seed, _daily_intensity(days) / _daily_intensity(days).sum())
        for t in range(days):
            for _ in range(int(counts[t])):
                src = self.pick_infector(t)
                person, src = self.pick_infectee(src, n_cases, min_per_district)
                if person is None:
                    person = self.pick_anywhere()
                self.add(person, t, src)
        return self.chain(n_seed, n_imported)

    def seed(self, n_cases: int, days: int) -> tuple[int, int]:
        rng = self.rng
        # Seed cases on the first days, one district each; the first two were imported.
        n_seed = min(n_cases, self.n_districts)
        n_imported = min(2, n_seed)
        seed_districts = rng.permutation(self.n_districts)[:n_seed]
        seed_days = np.sort(rng.integers(0, min(3, days), size=n_seed))
        seed_days[0] = 0
        for d, day in zip(seed_districts, seed_days):
            person = self.pick_from(self.dist_order, self.dist_starts, int(d))
            self.add(self.pick_anywhere() if person is None else person, int(day), -1)
        return n_seed, n_imported

    def pick_infector(self, t: int) -> int:
        """An earlier case, weighted by the serial interval."""
        rng = self.rng
        cd = np.asarray(self.case_day)
        lag = t - cd
        ok = (lag >= 1) & (lag <= _SERIAL_LAGS[-1])
        if ok.any():
            w = np.where(ok, _SERIAL_WEIGHTS[np.clip(lag - 1, 0, len(_SERIAL_WEIGHTS) - 1)], 0.0)
            return int(rng.choice(len(cd), p=w / w.sum()))
        earlier = np.flatnonzero(cd <= t)
        return int(earlier[int(rng.integers(0, len(earlier)))])

    def pick_infectee(self, src: int, n_cases: int, min_per_district: int) -> tuple[int | None, int]:
        """(the next case's person or None for anyone, its infector: `src`, or -1 for an introduction)."""
        rng, pop, case_person, person_district = self.rng, self.pop, self.case_person, self.person_district
        sp = case_person[src]
        remaining = n_cases - len(case_person)
        deficit = np.maximum(min_per_district - self.district_count, 0)
        person = None
        if deficit.sum() >= remaining and deficit.max() > 0:
            # Every remaining case is needed to give each district its minimum.
            d = int(np.argmax(deficit))
            here = [case_person[i] for i in range(len(case_person)) if person_district[case_person[i]] == d]
            if here:
                person = self.pick_from(self.grid_order, self.grid_starts,
                                        int(pop.grid[here[int(rng.integers(0, len(here)))]]))
            if person is None:
                person = self.pick_from(self.dist_order, self.dist_starts, d)
            if person is not None:
                src = -1 if not here else src  # a new introduction where none was
        else:
            mode = int(rng.choice(4, p=_CONTACT_MODES))
            if mode == 0:
                person = self.pick_from(self.hh_order, self.hh_starts, int(pop.household[sp]))
            if person is None and mode <= 1:
                person = self.pick_from(self.grid_order, self.grid_starts, int(pop.grid[sp]))
            if person is None and mode <= 2:
                person = self.pick_from(self.dist_order, self.dist_starts, int(person_district[sp]))
        return person, src

    def chain(self, n_seed: int, n_imported: int) -> _Chain:
        n = len(self.case_person)
        case_day_a = np.asarray(self.case_day)
        infector_a = np.asarray(self.infector)
        if n_imported and not np.isin(infector_a, np.arange(n_imported)).any():
            # Make sure the imported seeds started something: the earliest later case is
            # traced back to the first of them (an import-related local case).
            later = np.flatnonzero((np.arange(n) >= n_seed) & (case_day_a > case_day_a[0]))
            if len(later):
                infector_a[later[0]] = 0
        return _Chain(self.case_person, case_day_a, infector_a, n_seed, n_imported)
