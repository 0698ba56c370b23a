"""The protocol profile schema: one file per edition of the rules, validated, unknown keys refused.

Sections follow the research notes (shared/reference/protocols-china.md §10): case reporting and
definitions, contact categories with look-back windows, the management schedule of each person
category, risk areas, screening, quarantine capacity and SLA bundles. Numbers are sourced values
(fangkong.protocols.values); objects that hold coded rules (a category, a risk level, a bundle) carry
a `source` too, which is the citation of the plain values inside them. docs/profiles.md describes it.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, Field, field_validator, model_validator

from fangkong.protocols.values import (
    Cases, Ct, Days, DayNumbers, Floors, Fraction, Hours, IsoleesPerTeam, Meters, Minutes, PeoplePerSampler,
    PeoplePerSite, Population, Rooms, RoomsPer10k, Rounds, Sites, Staff, Strict, SwabList, Swabs, Tests, check_source,
)

SourceKey = Annotated[str, Field(min_length=1), AfterValidator(check_source)]
Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]

Department = Literal["cdc", "public_security", "industry_it", "health", "community", "lab", "quarantine",
                     "supplies", "headquarters"]
StartEvent = Literal["case_diagnosed", "case_confirmed", "contact_identified", "area_designated",
                     "round_launched", "positive_pool"]
DEPARTMENTS: tuple[str, ...] = get_args(Department)
START_EVENTS: tuple[str, ...] = get_args(StartEvent)


class Cited(Strict):
    """An object whose coded values (kinds, modes, flags, texts) share one source."""

    source: SourceKey
    confirmed: bool = True
    note: str = ""


class SourceEntry(Strict):
    title: str = Field(min_length=1)
    url: str = ""


# --- case reporting and definitions -------------------------------------------------------------

class CaseReporting(Strict):
    report_deadline_hours: Hours
    cdc_verification_hours: Hours | None = None
    public_health_event_report_hours: Hours | None = None


class CaseDefinitions(Cited):
    suspected_epi_window_days: Days | None = None
    cluster_window_days: Days | None = None
    cluster_min_cases: Cases | None = None
    imported_window_days: Days | None = None
    release_negative_ct: Ct | None = None
    release_consecutive_tests: Tests | None = None
    release_test_interval_hours: Hours | None = None
    post_release_home_monitoring_days: Days | None = None


# --- contacts (who is a contact, how far back) -------------------------------------------------

class ContactRule(Cited):
    determined: bool = True
    lookback_days: Days | None = None
    lookback_from: Literal["onset_or_sampling", "close_contact_exposure", "shared_exposure"] | None = None


class CompanionRule(ContactRule):
    grid_size: Meters | None = None
    min_overlap: Minutes | None = None
    window_days: Days | None = None
    cumulative_stay_hours: Hours | None = None


class Contacts(Strict):
    close_contact: ContactRule
    secondary_contact: ContactRule | None = None
    general_contact: ContactRule | None = None
    venue_exposed: ContactRule | None = None
    companion: CompanionRule | None = None


# --- person categories: management schedules ----------------------------------------------------

class Phase(Strict):
    """One stretch of management: centralized (集中), at home (居家), or either (集中或居家)."""

    kind: Literal["centralized", "home", "centralized_or_home"]
    home_mode: Literal["quarantine", "health_monitoring", "self_monitoring"] | None = None
    days: Days | None = None  # None: open-ended, until the release conditions are met
    test_days: DayNumbers | None = None
    tests: Tests | None = None  # a number of tests on days the person chooses (三天两检)
    min_test_interval_hours: Hours | None = None
    note: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Phase:
        if self.kind == "centralized" and self.home_mode is not None:
            raise ValueError("a centralized phase has no home_mode")
        if self.kind != "centralized" and self.home_mode is None:
            raise ValueError(f"a {self.kind} phase needs home_mode: quarantine, health_monitoring or self_monitoring")
        if self.test_days and self.tests:
            raise ValueError("give test_days or tests, not both")
        if self.days is not None:
            if self.test_days and self.test_days.value[-1] > self.days.value:
                raise ValueError(f"test day {self.test_days.value[-1]} is after the last day of the phase "
                                 f"({self.days.value})")
            if self.tests and self.tests.value > self.days.value:
                raise ValueError(f"{self.tests.value} tests do not fit in {self.days.value} days")
        elif self.tests:
            raise ValueError("tests on free days need a phase with a number of days")
        return self


class Release(Cited):
    final_test_negative: bool = True
    dual_sampling: bool = False  # 双采双检
    environment_sample_negative: bool = False
    negative_ct: Ct | None = None  # a result with Ct at or above this counts as negative
    consecutive_tests: Tests | None = None


class CoupledRelease(Cited):
    """次密接: released only if its close contact's first N tests are negative; otherwise promoted."""

    with_category: Literal["close_contact"] = "close_contact"
    first_tests_negative: Tests
    otherwise: Literal["promote_to_close_contact"] = "promote_to_close_contact"
    promoted_days: Days | None = None


class Restart(Cited):
    """Restart of the full period inside a facility after a positive there."""

    facility_positive: Literal["same_and_adjacent_floors", "whole_site", "none"]
    adjacent_floors: Floors | None = None
    environmental_positive: Literal["whole_site", "none"] = "none"
    makeup_missing_days: bool = False  # 缺几天补几天


class Category(Cited):
    clock: Literal["last_exposure", "left_area", "arrival", "identified", "left_post", "positive_test"]
    phases: list[Phase] = Field(min_length=1)
    applies_within_days: Days | None = None
    swab: Literal["nasopharyngeal", "oropharyngeal", "any"] | None = None
    pre_travel_test_hours: Hours | None = None
    closed_loop_return: bool = False  # 点对点 home after centralized quarantine
    release: Release | None = None
    coupled_release: CoupledRelease | None = None
    restart: Restart | None = None


class Categories(Strict):
    """The person categories a profile manages; an absent one is not managed by it."""

    close_contact: Category | None = None
    secondary_contact: Category | None = None
    general_contact: Category | None = None
    venue_exposed: Category | None = None
    companion: Category | None = None
    inbound_traveller: Category | None = None
    high_risk_area_traveller: Category | None = None
    medium_risk_area_traveller: Category | None = None
    low_risk_area_traveller: Category | None = None
    high_risk_post: Category | None = None
    infected_mild: Category | None = None


CATEGORIES: tuple[str, ...] = tuple(Categories.model_fields)


# --- risk areas ---------------------------------------------------------------------------------

class Downgrade(Strict):
    to: Literal["medium", "low", "lifted"]
    no_new_days: Days
    final_round_required: bool = False
    final_round_day: Days | None = None
    final_round_within_days: Days | None = None
    last_contact_days: Days | None = None


class RiskLevel(Cited):
    name_zh: str
    delineation: str = ""
    control: str = ""
    downgrade: list[Downgrade] = Field(default_factory=list)
    lifted_with_higher_levels: bool = False


class RiskLevels(Strict):
    high: RiskLevel | None = None
    medium: RiskLevel | None = None
    low: RiskLevel | None = None
    sealed: RiskLevel | None = None
    controlled: RiskLevel | None = None
    precaution: RiskLevel | None = None


class RiskAreas(Cited):
    scheme: Literal["zones", "high_medium_low", "high_low"]
    smallest_unit: str = ""
    delineation_lookback_days: Days | None = None
    levels: RiskLevels


# --- screening and quarantine capacity ----------------------------------------------------------

class PoolByRisk(Strict):
    high: Swabs | None = None
    medium: Swabs | None = None
    low: Swabs | None = None


class Turnaround(Strict):
    urgent_hours: Hours | None = None
    outpatient_hours: Hours | None = None
    other_hours: Hours | None = None


class Screening(Strict):
    pool_sizes_validated: SwabList | None = None
    pool_size_by_risk: PoolByRisk | None = None
    ct_positive_threshold: Ct | None = None
    ct_cutoff: Ct | None = None
    area_round_hours: Hours | None = None
    city_round_days_small: Days | None = None
    city_round_days_large: Days | None = None
    city_size_threshold: Population | None = None
    rounds_when_source_unknown: Rounds | None = None
    clean_rounds_to_stop: Rounds | None = None
    wait_days_after_clean_rounds: Days | None = None
    turnaround: Turnaround | None = None
    people_per_site_min: PeoplePerSite | None = None
    people_per_site_max: PeoplePerSite | None = None
    people_per_sampler: PeoplePerSampler | None = None
    reserve_lab_sites_small_city: Sites | None = None
    reserve_lab_sites_large_city: Sites | None = None
    lab_dilution_max_positivity: Fraction | None = None


class ActivationStage(Strict):
    after_hours: Hours
    share: Fraction


class QuarantineCapacity(Strict):
    rooms_per_10k: RoomsPer10k
    activation: list[ActivationStage] = Field(default_factory=list)
    large_site_min_rooms: Rooms | None = None
    doctors_per_shift: Staff | None = None
    nurses_per_shift: Staff | None = None
    isolees_per_team: IsoleesPerTeam | None = None


# --- SLA bundles --------------------------------------------------------------------------------

class SlaStep(Strict):
    key: Slug
    title_zh: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    deadline_hours: Hours
    department: Department
    task_type: Slug


class SlaBundle(Cited):
    title_zh: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    start_event: StartEvent
    steps: list[SlaStep] = Field(min_length=1)

    @field_validator("steps")
    @classmethod
    def _unique_keys(cls, steps: list[SlaStep]) -> list[SlaStep]:
        keys = [s.key for s in steps]
        if len(set(keys)) != len(keys):
            raise ValueError(f"step keys repeat: {sorted({k for k in keys if keys.count(k) > 1})}")
        return steps


# --- the profile --------------------------------------------------------------------------------

class Profile(Strict):
    id: Slug
    title_zh: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    effective: date
    supersedes: str | None = None
    summary: str = ""
    sources: dict[str, SourceEntry] = Field(min_length=1)
    case_reporting: CaseReporting
    case_definitions: CaseDefinitions | None = None
    contacts: Contacts
    categories: Categories
    risk_areas: RiskAreas | None = None
    screening: Screening | None = None
    quarantine_capacity: QuarantineCapacity | None = None
    sla_bundles: dict[Slug, SlaBundle] = Field(default_factory=dict)

    @field_validator("sources")
    @classmethod
    def _source_keys(cls, sources: dict[str, SourceEntry]) -> dict[str, SourceEntry]:
        bad = [k for k in sources if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", k)]
        if bad:
            raise ValueError(f"source keys are lower-case letters, digits, '-', '_' or '.': {bad}")
        return sources


# Top-level keys that describe the profile rather than hold rules (left out of rows and diffs).
META_KEYS = ("id", "title_zh", "title_en", "effective", "supersedes", "summary", "sources")
# Keys of a cited object that describe where its values come from (not rules themselves).
CITATION_KEYS = ("source", "confirmed", "note")


def validate(document: dict[str, Any]) -> Profile:
    """Validate a parsed profile document; every `source` must name an entry of its [sources] table."""
    sources = document.get("sources")
    known = set(sources) if isinstance(sources, dict) else set()
    return Profile.model_validate(document, context={"sources": known})
