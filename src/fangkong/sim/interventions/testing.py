"""Testing interventions: symptomatic testing and mass screening with pooled tubes (N合1混采)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
from pydantic import Field

from fangkong.sim.disease import NEVER
from fangkong.sim.interventions.base import Intervention, Params, register
from fangkong.sim.record import timestamps
from fangkong.sim.state import Q_CENTRAL, Q_HOME

if TYPE_CHECKING:
    from fangkong.sim.model import Sim


@register
class SymptomaticTesting(Intervention):
    """People with symptoms get tested with a daily chance until a test finds them."""

    name = "symptomatic_testing"

    class Params(Params):
        # A geometric delay from onset to test with this daily chance, plus the 1-day turnaround,
        # has mean (1 - p) / p + 1 = 4.6 days: onset to confirmation in Shenzhen (Bi et al. 2020
        # Lancet Infect Dis, 4.6 d, 95% CI 4.1-5.0).
        daily_prob: float = Field(1 / 4.6, gt=0, le=1)
        sensitivity: float = Field(1.0, ge=0, le=1)
        # Result the next day (OpenABM-Covid19 test_result_wait = 1).
        turnaround_days: int = Field(1, ge=0)

    def start(self, sim: Sim) -> None:
        self.pending_until = np.full(sim.city.n_persons, -1, np.int32)

    def after_day(self, sim: Sim, day: int) -> None:
        if not self.active(day):
            return
        p = sim.people
        ill = np.flatnonzero((p.onset <= day) & (day < p.end) & (p.diagnosed == NEVER) & (self.pending_until < day))
        tested = ill[self.rng.random(ill.size) < self.p.daily_prob]
        if tested.size == 0:
            return
        positive = sim.detectable(tested, day) & (self.rng.random(tested.size) < self.p.sensitivity)
        report_day = day + self.p.turnaround_days
        self.pending_until[tested] = report_day
        sim.count_tests(tested.size)
        minute = self.rng.integers(8 * 60, 20 * 60, tested.size)
        sim.observed.tests(tested, day=day, minute=minute, positive=positive, kind="symptomatic", report_day=report_day)
        sim.report(tested[positive], sample_day=day, report_day=report_day, via="symptomatic")


@register
class MassScreening(Intervention):
    """Area-wide nucleic-acid screening rounds (区域核酸筛查) with N-in-1 pooled tubes.

    Swabs of `pool_size` people go into one tube at the sampling site (protocols-china.md §3,
    epi-methods.md §6: pooling happens at collection, so a positive tube means its members are
    isolated and re-sampled one tube each). A tube is positive when a detectable member's swab
    is detected (per-swab `sensitivity`).
    """

    name = "mass_screening"

    class Params(Params):
        every_days: int = Field(2, ge=1, description="days between rounds")
        pool_size: int = Field(10, ge=1, le=20, description="swabs per tube: 1, 5, 10 or 20 validated (NHC 2022-06-09)")
        sensitivity: float = Field(1.0, ge=0, le=1)
        turnaround_hours: int = Field(12, ge=1, description="collection to result (targets 6/12/24 h, §3)")
        # Wuhan 2020: 9,899,828 of 10,652,513 eligible tested, 92.9% (Cao et al. 2020 Nat Commun).
        coverage: float = Field(0.929, ge=0, le=1, description="share of residents sampled in a round")
        areas: list[str] = Field(default_factory=list, description="jurisdiction code prefixes; empty: the whole city")
        recheck_delay_days: int = Field(1, ge=0, description="positive tube to single-tube re-sampling")

    def start(self, sim: Sim) -> None:
        self.rounds: list[tuple[int, pa.Table, pa.Table]] = []
        self._recheck: dict[int, np.ndarray] = {}
        codes = sim.city.grid_codes.astype(str)
        in_area = np.ones(len(codes), bool) if not self.p.areas else np.zeros(len(codes), bool)
        for prefix in self.p.areas:
            in_area |= np.char.startswith(codes, prefix)
        self.resident = in_area[sim.city.grid]
        self.order = np.argsort(sim.city.grid, kind="stable")  # tubes fill grid by grid, household by household
        self._tube_base = 0

    def after_day(self, sim: Sim, day: int) -> None:
        self._rechecks(sim, day)
        if not self.active(day) or (day - self.p.start_day) % self.p.every_days:
            return
        p = sim.people
        eligible = self.resident & ~p.isolated & (p.quarantine != Q_CENTRAL) & ~((p.end <= day) & p.dead)
        who = self.order[eligible[self.order]]
        who = who[self.rng.random(who.size) < self.p.coverage]
        if who.size == 0:
            return
        tube = np.arange(who.size) // self.p.pool_size
        n_tubes = int(tube[-1]) + 1
        minute = self.rng.integers(7 * 60, 19 * 60, who.size)
        found = sim.detectable(who, day) & (self.rng.random(who.size) < self.p.sensitivity)
        tube_pos = np.zeros(n_tubes, bool)
        tube_pos[tube[found]] = True
        collected = np.zeros(n_tubes, np.int64)
        np.maximum.at(collected, tube, minute)
        reported = collected + self.p.turnaround_hours * 60
        sim.count_tests(n_tubes)
        members = who[tube_pos[tube]]
        report_day = day + int(reported[tube_pos].max() // 1440) if members.size else day
        # Members of a positive tube are isolated at home until their single tube is back.
        sim.quarantine(members, kind=Q_HOME, until=report_day + self.p.recheck_delay_days + 1)
        recheck_day = report_day + self.p.recheck_delay_days
        self._recheck[recheck_day] = np.concatenate([self._recheck.get(recheck_day, np.zeros(0, np.int64)), members])
        round_ = self._round_tables(sim, day, who, tube, minute, tube_pos, reported)
        self._tube_base += n_tubes
        if sim.emit is None:  # no run folder: keep the round for the caller
            self.rounds.append(round_)
            return
        name = sim.date_of(day).isoformat()
        sim.emit(f"observed/screening/{name}-samples.parquet", lambda: round_[1])
        sim.emit(f"observed/screening/{name}-results.parquet", lambda: round_[2])

    def _rechecks(self, sim: Sim, day: int) -> None:
        members = self._recheck.pop(day, None)
        if members is None or members.size == 0:
            return
        members = members[sim.people.diagnosed[members] == NEVER]
        positive = sim.detectable(members, day) & (self.rng.random(members.size) < self.p.sensitivity)
        report_day = day + max(1, -(-self.p.turnaround_hours // 24))
        sim.count_tests(members.size)
        minute = self.rng.integers(8 * 60, 18 * 60, members.size)
        sim.observed.tests(members, day=day, minute=minute, positive=positive, kind="screening_recheck",
                           report_day=report_day)
        sim.report(members[positive], sample_day=day, report_day=report_day, via="screening")

    def _round_tables(self, sim: Sim, day: int, who: np.ndarray, tube: np.ndarray, minute: np.ndarray,
                      tube_pos: np.ndarray, reported: np.ndarray) -> tuple[int, pa.Table, pa.Table]:
        start = sim.config.start_date
        tube_ids = self._tube_base + np.arange(tube_pos.size)
        site = sim.city.grid[who]  # one sampling site per grid
        samples = pa.table({
            "sample_id": pa.array(np.arange(who.size, dtype=np.int64) + self._tube_base * self.p.pool_size),
            "person_id": pa.array(who.astype(np.int64)),
            "tube_id": pa.array(tube_ids[tube].astype(np.int64)),
            "site_id": pa.array(site.astype(np.int64)),
            "collected_at": timestamps(start, day, minute),
        })
        # Synthetic Ct values below the 35 threshold for positive tubes; not a model of viral load.
        ct = np.round(self.rng.uniform(18.0, 33.0, tube_pos.size), 1)
        results = pa.table({
            "tube_id": pa.array(tube_ids.astype(np.int64)),
            "result": pa.array(np.where(tube_pos, "positive", "negative").astype(object), pa.string()),
            "ct_orf1ab": pa.array(ct, mask=~tube_pos),
            "ct_n": pa.array(np.round(ct - self.rng.uniform(0, 2, tube_pos.size), 1), mask=~tube_pos),
            "lab_id": pa.array((tube_ids % 7).astype(np.int64)),
            "reported_at": timestamps(start, day, reported),
        })
        return day, samples, results
