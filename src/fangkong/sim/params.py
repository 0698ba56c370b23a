"""Run parameters: transmission rates per layer and the settings of a run.

The per-layer rates follow Covasim's hybrid population (epi-methods.md §4: base beta 0.016 per
contact per day times beta_layer 3.0 / 0.6 / 0.6 / 0.3 for household / school / work / community,
with 20 / 16 / 20 contacts a day in school / work / community). Fangkong's school and work
contacts are a whole class or team rather than 20 random people a day, so the per-member rate
is Covasim's daily layer total spread over a typical class (40) or team (15). Covasim's community
layer is split between random encounters (10 contacts a day) and venues.

The venue rate is calibrated, not derived. Venue exposure is co-presence hours with anyone at the
same place, about 45 per person-day on the synthetic city's schedules, so half of Covasim's
community layer would be 0.048 / 45 = 0.00107 per hour; but venue-goers meet again and again and
venue chains amplify: at that rate a 500,000-resident city grew with R = 3.8. At 0.0006 per
co-present hour it grows with R = 2.9 (doubling 5.2 days, household secondary attack rate 0.20;
Wallinga-Lipsitch with the model's generation interval, 200 seeds, no response), inside the range
of early SARS-CoV-2 estimates (median 2.79, mean 3.28 in the review of Liu et al. 2020, J Travel
Med 27(2):taaa021).
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

COVASIM_BETA = 0.016  # per contact per day (Covasim 3.1 pars['beta'])


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Layers(Strict):
    """Transmission rates. A rate is the probability-per-unit hazard before individual infectiousness
    and susceptibility scale it; 0 switches a layer off."""

    household: float = Field(COVASIM_BETA * 3.0, ge=0, description="per household member per day")
    school: float = Field(COVASIM_BETA * 0.6 * 20 / 39, ge=0, description="per classmate present, per day")
    work: float = Field(COVASIM_BETA * 0.6 * 16 / 14, ge=0, description="per team member present, per day")
    venue: float = Field(0.0006, ge=0, description="per hour of co-presence at a venue (calibrated, see above)")
    community: float = Field(COVASIM_BETA * 0.3, ge=0, description="per random community contact")
    community_contacts: float = Field(10.0, ge=0, description="random community contacts a day")
    community_city_share: float = Field(0.2, ge=0, le=1, description="share of community contacts outside the street")


class RunConfig(Strict):
    """Everything about a run except the city and the interventions."""

    start_date: date = date(2022, 3, 1)
    seed_infections: int = Field(20, ge=0, description="infections seeded on day 0 at random")
    seed_grid: str | None = Field(None, description="seed the infections among residents of this grid code prefix")
    scan_compliance: float = Field(0.9, ge=0, le=1, description="share of venue visits scanned as check-ins")
    layers: Layers = Layers()
    homogeneous: bool = Field(False, description="validation mode: one well-mixed community layer, no age effects")
    r0: float | None = Field(None, gt=0, description="homogeneous mode: set the community rate to give this R0")
    presence: bool = Field(True, description="write 800 m cell presence intervals")
    write_visits: bool = Field(True, description="write visits/ and checkins/")
