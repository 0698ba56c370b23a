"""Per-person state of a run: infection course, diagnosis, quarantine, lockdown. Plain arrays.

Days are whole days since the start of the run (day 0); `NEVER` stands for an event that has
not happened. A person is infectious on day d when ``infectious <= d < min(end, severe)``:
severe cases are admitted to hospital on their `severe` day and infect nobody after it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fangkong.sim.disease import NEVER, Course

SUSCEPTIBLE, EXPOSED, INFECTIOUS, RECOVERED, DEAD = 0, 1, 2, 3, 4
STATE_NAMES = ("S", "E", "I", "R", "D")

Q_NONE, Q_HOME, Q_CENTRAL = 0, 1, 2


@dataclass
class People:
    infected: np.ndarray  # int32 day of infection, NEVER if not infected
    infectious: np.ndarray  # int32
    onset: np.ndarray  # int32
    severe: np.ndarray  # int32
    end: np.ndarray  # int32 recovery or death
    dead: np.ndarray  # bool, decided at infection
    severity: np.ndarray  # int8
    rel_inf: np.ndarray  # float32
    sus: np.ndarray  # float32 relative susceptibility (age, vaccination)
    symp_factor: np.ndarray  # float32 multiplier on the chance of symptoms (vaccination)
    diagnosed: np.ndarray  # int32 day the diagnosis is reported
    isolated: np.ndarray  # bool: diagnosed and isolated (方舱 / designated hospital)
    quarantine: np.ndarray  # int8 Q_NONE / Q_HOME / Q_CENTRAL
    quarantine_until: np.ndarray  # int32 last day of quarantine
    locked: np.ndarray  # bool: home is in a locked-down area today

    @classmethod
    def empty(cls, n: int, sus: np.ndarray) -> People:
        never = np.full(n, NEVER, dtype=np.int32)
        return cls(
            infected=never.copy(), infectious=never.copy(), onset=never.copy(), severe=never.copy(),
            end=never.copy(), dead=np.zeros(n, bool), severity=np.full(n, -1, np.int8),
            rel_inf=np.zeros(n, np.float32), sus=sus.astype(np.float32), symp_factor=np.ones(n, np.float32),
            diagnosed=never.copy(), isolated=np.zeros(n, bool), quarantine=np.zeros(n, np.int8),
            quarantine_until=np.full(n, -1, np.int32), locked=np.zeros(n, bool),
        )

    def infect(self, who: np.ndarray, day: int, course: Course) -> None:
        self.infected[who] = day
        self.infectious[who] = course.infectious
        self.onset[who] = course.onset
        self.severe[who] = course.severe
        self.end[who] = course.end
        self.dead[who] = course.dead
        self.severity[who] = course.severity
        self.rel_inf[who] = course.rel_inf

    def susceptible(self) -> np.ndarray:
        return self.infected == NEVER

    def state(self, day: int) -> np.ndarray:
        """The S/E/I/R/D code of everyone on `day`."""
        s = np.full(self.infected.shape[0], SUSCEPTIBLE, dtype=np.int8)
        s[self.infected <= day] = EXPOSED
        s[self.infectious <= day] = INFECTIOUS
        ended = self.end <= day
        s[ended] = RECOVERED
        s[ended & self.dead] = DEAD
        return s

    def infectious_on(self, day: int) -> np.ndarray:
        """Whether each person can infect others on `day` (before isolation and quarantine)."""
        return (self.infectious <= day) & (day < np.minimum(self.end, self.severe))

    def pcr_detectable(self, who: np.ndarray, day: int, *, pcr_from: int, pcr_until: int) -> np.ndarray:
        since = day - self.infected[who].astype(np.int64)
        return (self.infected[who] != NEVER) & (since >= pcr_from) & (since < pcr_until)

    def at_large(self, day: int) -> np.ndarray:
        """May leave home today: alive, not isolated, not in hospital, not quarantined, not locked down."""
        in_hospital = self.severe <= day
        gone = (self.end <= day) & self.dead
        return ~(self.isolated | in_hospital | gone | self.locked | (self.quarantine != Q_NONE))
