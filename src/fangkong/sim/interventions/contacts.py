"""Quarantine following a protocol profile, and contact tracing that feeds it.

Quarantine reads the person categories of a protocol profile (close contacts, secondary contacts,
people exposed at a venue) and walks their schedules with `fangkong.protocols.schedule.walk`: a
centralized phase is 集中隔离, a home phase in quarantine mode is 居家隔离 (both keep the person
home or in the facility), a home phase in health- or self-monitoring mode lets them go out. Tests
fall on the profile's test days, counted from the clock (the last exposure).
"""

from __future__ import annotations

from collections import deque
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from fangkong.protocols import diff
from fangkong.protocols.loader import get_profile
from fangkong.protocols.schedule import walk
from fangkong.sim.city.model import Visits
from fangkong.sim.disease import NEVER
from fangkong.sim.interventions.base import Intervention, Params, ScenarioError, register
from fangkong.sim.state import Q_CENTRAL, Q_HOME, Q_NONE
from fangkong.sim.arrays import expand
from fangkong.sim.transmission import COMMUNITY, overlaps

if TYPE_CHECKING:
    from fangkong.sim.model import Sim

CATEGORIES = ("close_contact", "secondary_contact", "venue_exposed")
CLOSE, SECONDARY, VENUE_EXPOSED = range(3)


def _schedule_table(profile_id: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(quarantine kind, test?) per category and day since the clock, and each category's length."""
    profile = get_profile(profile_id)
    schedules = {}
    for name in CATEGORIES:
        category = diff.plain(profile, f"categories.{name}")
        if category:
            schedules[name] = walk(category, date(2000, 1, 1), open_days=7).days
    longest = max((len(s) for s in schedules.values()), default=0) + 1
    kind = np.zeros((len(CATEGORIES), longest), np.int8)
    test = np.zeros((len(CATEGORIES), longest), bool)
    length = np.zeros(len(CATEGORIES), np.int32)
    for c, name in enumerate(CATEGORIES):
        for d in schedules.get(name, ()):
            restrict = d.kind == "centralized" and Q_CENTRAL or (d.home_mode == "quarantine" and Q_HOME) or Q_NONE
            kind[c, d.day] = restrict
            test[c, d.day] = d.test
        length[c] = len(schedules.get(name, ()))
    return kind, test, length


@register
class Quarantine(Intervention):
    """Manage traced people by their category's schedule in a protocol profile."""

    name = "quarantine"

    class Params(Params):
        profile: str = Field("ed9", description="protocol profile whose category schedules apply")
        turnaround_days: int = Field(1, ge=0, description="test to result")

    def start(self, sim: Sim) -> None:
        try:
            self.kind, self.test, self.length = _schedule_table(self.p.profile)
        except KeyError as exc:
            raise ScenarioError(f"quarantine: unknown profile {self.p.profile!r}") from exc
        n = sim.city.n_persons
        self.clock = np.full(n, -1, np.int32)
        self.category = np.full(n, -1, np.int8)
        self.lookback_days = _lookback(self.p.profile)
        sim.quarantine_policy = self

    def manages(self, category: int) -> bool:
        return bool(self.length[category])

    def assign(self, persons: np.ndarray, *, category: int, clock: np.ndarray | int) -> None:
        """Put persons under a category's schedule; a later exposure restarts the clock."""
        if not self.manages(category) or persons.size == 0:
            return
        clock = np.broadcast_to(np.asarray(clock, np.int32), persons.shape)
        newer = (clock > self.clock[persons]) | (category < self.category[persons]) | (self.category[persons] < 0)
        persons, clock = persons[newer], clock[newer]
        self.clock[persons] = clock
        self.category[persons] = category

    def before_day(self, sim: Sim, day: int) -> None:
        who = np.flatnonzero(self.clock >= 0)
        if who.size == 0:
            return
        cat = self.category[who].astype(np.int64)
        k = day - self.clock[who]
        done = (k > self.length[cat]) | sim.people.isolated[who]
        self.clock[who[done]] = -1
        self.category[who[done]] = -1
        who, cat, k = who[~done], cat[~done], k[~done]
        kind = self.kind[cat, np.clip(k, 0, self.kind.shape[1] - 1)]
        restrict = kind != Q_NONE
        p = sim.people
        who, kind = who[restrict], kind[restrict]
        p.quarantine[who] = np.maximum(p.quarantine[who], kind)
        p.quarantine_until[who] = np.maximum(p.quarantine_until[who], day)

    def after_day(self, sim: Sim, day: int) -> None:
        who = np.flatnonzero(self.clock >= 0)
        if who.size == 0:
            return
        cat = self.category[who].astype(np.int64)
        k = np.clip(day - self.clock[who], 0, self.test.shape[1] - 1)
        tested = who[self.test[cat, k]]
        tested = tested[sim.people.diagnosed[tested] == NEVER]
        if tested.size == 0:
            return
        positive = sim.detectable(tested, day)
        report_day = day + self.p.turnaround_days
        sim.count_tests(tested.size)
        minute = self.rng.integers(8 * 60, 11 * 60, tested.size)
        sim.observed.tests(tested, day=day, minute=minute, positive=positive, kind="quarantine", report_day=report_day)
        sim.report(tested[positive], sample_day=day, report_day=report_day, via="quarantine")


def _lookback(profile_id: str) -> int:
    value = diff.plain(get_profile(profile_id), "contacts.close_contact.lookback_days")
    return int(value) if value else 2


@register
class ContactTracing(Intervention):
    """Trace the contacts of each reported case and hand them to quarantine.

    Looks back from onset (or sampling, for asymptomatic cases) by the profile's window: household
    members and classmates or team members are close contacts (ed9 list items 1 and 5); people
    whose scanned check-ins overlap the case's visits are exposed at a venue (涉疫场所暴露人员,
    "shared exposure ... but not close contacts"); household members of close contacts are
    secondary contacts where the profile still manages them. Community contacts are strangers: only `community` of the case's own
    community-layer infectees are found.
    """

    name = "contact_tracing"

    class Params(Params):
        household: float = Field(1.0, ge=0, le=1, description="share of household contacts found")
        school: float = Field(1.0, ge=0, le=1)
        work: float = Field(1.0, ge=0, le=1)
        venue: float = Field(1.0, ge=0, le=1, description="share of scanned co-visitors found")
        community: float = Field(0.0, ge=0, le=1)
        delay_days: int = Field(1, ge=0, description="report to quarantine (the 24 h target: 1 day)")
        secondary: bool = Field(True, description="trace household members of close contacts")

    def start(self, sim: Sim) -> None:
        policy = getattr(sim, "quarantine_policy", None)
        if policy is None:
            raise ScenarioError("contact_tracing needs a quarantine intervention listed before it")
        self.policy: Quarantine = policy
        self.history: deque[tuple[int, Visits]] = deque(maxlen=policy.lookback_days + 2)
        self.pending: dict[int, list[tuple[np.ndarray, int, np.ndarray]]] = {}
        self.traced = 0

    def before_day(self, sim: Sim, day: int) -> None:
        self._hand_over(sim, day)

    def _hand_over(self, sim: Sim, day: int) -> None:
        for persons, category, clock in self.pending.pop(day, []):
            keep = ~sim.people.isolated[persons]
            self.policy.assign(persons[keep], category=category, clock=clock[keep])
            self.traced += int(keep.sum())

    def after_day(self, sim: Sim, day: int) -> None:
        if sim.today.visits is not None:
            self.history.append((day, sim.today.visits))
        index = sim.today.reported
        if not self.active(day) or index.size == 0:
            return
        found = [self._household(sim, index, day), self._groups(sim, index, day), *self._venues(sim, index, day),
                 self._community(sim, index, day)]
        close = [f for f in found if f[1] == CLOSE]
        if self.p.secondary and close and self.policy.manages(SECONDARY):
            persons = np.concatenate([c[0] for c in close])
            found.append(self._household_of(sim, persons, day, SECONDARY))
        when = day + self.p.delay_days
        for persons, category, clock in found:
            persons = persons.astype(np.int64)
            keep = ~np.isin(persons, index)
            if keep.any():
                self.pending.setdefault(when, []).append((persons[keep], category, clock[keep]))
        if when == day:  # traced the same day: in quarantine from tomorrow morning
            self._hand_over(sim, day)

    def _sample(self, share: float, n: int) -> np.ndarray:
        return self.rng.random(n) < share

    def _household_of(self, sim: Sim, persons: np.ndarray, day: int, category: int) -> tuple:
        city = sim.city
        h = city.household[persons]
        owner, member = expand(city.hh_start[h], city.hh_start[h + 1])
        member = member[member != persons[owner]]
        return member, category, np.full(member.size, day, np.int32)

    def _household(self, sim: Sim, index: np.ndarray, day: int) -> tuple:
        member, category, clock = self._household_of(sim, index, day, CLOSE)
        keep = self._sample(self.p.household, member.size)
        return member[keep], category, clock[keep]

    def _groups(self, sim: Sim, index: np.ndarray, day: int) -> tuple:
        city, groups = sim.city, sim.groups
        index = index[city.work_group[index] >= 0]
        g = city.work_group[index]
        owner, idx = expand(groups.start[g], groups.start[g + 1])
        member = groups.members[idx].astype(np.int64)
        school = city.work_kind[index[owner]] == 1
        share = np.where(school, self.p.school, self.p.work)
        keep = (member != index[owner]) & (self.rng.random(member.size) < share)
        # The last shared workday is at most the day before the report (isolation starts then).
        return member[keep], CLOSE, np.full(int(keep.sum()), day - 1, np.int32)

    def _venues(self, sim: Sim, index: np.ndarray, day: int) -> list[tuple]:
        p = sim.people
        onset = np.where(p.onset[index] <= day, p.onset[index], day)
        since = int((onset - self.policy.lookback_days).min()) if index.size else day
        is_index = np.zeros(sim.city.n_persons, bool)
        is_index[index] = True
        out = []
        for d, v in self.history:
            if d < since:
                continue
            src = np.flatnonzero(is_index[v.person])
            tgt = np.flatnonzero(v.scanned & ~is_index[v.person])
            _, b, _, _ = overlaps(v.venue, v.time_in, v.time_out, src, tgt)
            b = np.unique(v.person[b[self._sample(self.p.venue, b.size)]]).astype(np.int64)
            out.append((b, VENUE_EXPOSED, np.full(b.size, d, np.int32)))
        return out

    def _community(self, sim: Sim, index: np.ndarray, day: int) -> tuple:
        if self.p.community <= 0:
            return np.zeros(0, np.int64), CLOSE, np.zeros(0, np.int32)
        infectees = np.flatnonzero(np.isin(sim.infected_by, index) & (sim.infection_layer == COMMUNITY))
        keep = self._sample(self.p.community, infectees.size)
        return infectees[keep], CLOSE, sim.people.infected[infectees[keep]]
