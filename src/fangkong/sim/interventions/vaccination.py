"""Vaccination: a number of doses a day to eligible people in random order."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field, model_validator

from fangkong.sim.interventions.base import Intervention, Params, register

if TYPE_CHECKING:
    from fangkong.sim.model import Sim


@register
class Vaccination(Intervention):
    """Vaccinate `daily_doses` people a day (or `coverage` of the eligible on the first day).

    `efficacy_symptoms` is the vaccine's effectiveness against symptomatic disease, the figure
    trials report; its default is CoronaVac in Chile, 65.9% (Jara et al. 2021 NEJM 385:875).
    The protection against infection has no default: give the figure the scenario assumes.
    """

    name = "vaccination"

    class Params(Params):
        daily_doses: int = Field(0, ge=0)
        coverage: float = Field(0.0, ge=0, le=1, description="share of the eligible vaccinated at start_day")
        min_age: int = Field(3, ge=0, description="CoronaVac was authorised in China from age 3 in 2021")
        efficacy_infection: float = Field(ge=0, lt=1)
        efficacy_symptoms: float = Field(0.659, ge=0, le=1)
        # Effectiveness counted from 14 days after the second dose (Jara et al. 2021).
        delay_days: int = Field(14, ge=0)

        @model_validator(mode="after")
        def _consistent(self):
            if self.efficacy_symptoms < self.efficacy_infection:
                raise ValueError("efficacy_symptoms includes protection from infection, so it cannot be lower")
            return self

    def start(self, sim: Sim) -> None:
        self.vaccinated = np.zeros(sim.city.n_persons, bool)
        self.effective: dict[int, np.ndarray] = {}
        self.doses = 0

    def before_day(self, sim: Sim, day: int) -> None:
        due = self.effective.pop(day, None)
        if due is not None:
            self._protect(sim, due)
        if not self.active(day):
            return
        eligible = np.flatnonzero(~self.vaccinated & (sim.city.age >= self.p.min_age))
        n = self.p.daily_doses
        if day == self.p.start_day:
            n += int(round(self.p.coverage * eligible.size))
        if n == 0 or eligible.size == 0:
            return
        chosen = self.rng.choice(eligible, size=min(n, eligible.size), replace=False)
        self.vaccinated[chosen] = True
        self.doses += chosen.size
        if self.p.delay_days:
            self.effective[day + self.p.delay_days] = chosen
        else:
            self._protect(sim, chosen)

    def _protect(self, sim: Sim, who: np.ndarray) -> None:
        p, e = sim.people, self.p
        p.sus[who] *= 1 - e.efficacy_infection
        p.symp_factor[who] *= (1 - e.efficacy_symptoms) / (1 - e.efficacy_infection)
