from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from fangkong.people.schemas import PersonRead

Mode = Literal["single", "household", "pooled", "by_risk"]
RiskLevel = Literal["high", "medium", "low"]
ExemptionReason = Literal["quarantined", "hospitalised", "away", "other"]
SampleKind = Literal["screening", "recheck"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --- campaigns, areas, rounds, sites ---------------------------------------------------------

class AreaIn(_In):
    jurisdiction_code: str
    mode: Mode = "pooled"
    pool_size: int | None = Field(default=10,
                                  description="For mode pooled: 5, 10 or 20 (the profile's validated sizes)")
    risk_level: RiskLevel | None = Field(default=None, description="For mode by_risk")


class CampaignCreate(_In):
    name: str = Field(min_length=1, max_length=100)
    jurisdiction_code: str
    areas: list[AreaIn] = Field(min_length=1)
    assumed_prevalence: float = Field(default=0.001, ge=0, lt=1)
    notes: str = Field(default="", max_length=4000)


class CampaignUpdate(_In):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    areas: list[AreaIn] | None = Field(default=None, min_length=1, description="Only before the first round")
    assumed_prevalence: float | None = Field(default=None, ge=0, lt=1)
    notes: str | None = Field(default=None, max_length=4000)
    status: Literal["planned", "active", "closed"] | None = None
    version: int | None = None


class AreaRead(BaseModel):
    jurisdiction_code: str
    mode: str
    risk_level: str | None
    pool_size: int


class RoundCreate(_In):
    starts_at: AwareDatetime | None = Field(default=None, description="Default now")
    hours: float | None = Field(default=None, gt=0, le=24 * 14,
                                description="Round length; default the profile's screening.area_round_hours (24 h)")


class RoundRead(BaseModel):
    id: int
    campaign_id: int
    number: int
    jurisdiction_code: str
    status: str
    starts_at: datetime
    deadline_at: datetime
    ct_threshold: float
    profile_id: str
    resolved_at: datetime | None
    closed_at: datetime | None


class CampaignListItem(BaseModel):
    id: int
    name: str
    jurisdiction_code: str
    status: str
    assumed_prevalence: float
    created_at: datetime


class CampaignRead(CampaignListItem):
    notes: str
    version: int
    areas: list[AreaRead]
    rounds: list[RoundRead]
    plan: dict


class CampaignPage(BaseModel):
    items: list[CampaignListItem]
    next: str | None


class SiteCreate(_In):
    name: str = Field(min_length=1, max_length=100)
    jurisdiction_code: str
    address: str = Field(default="", max_length=500)
    capacity_per_hour: int = Field(gt=0, le=100_000, description="Swabs the site can take per hour")
    samplers: int = Field(default=1, ge=1, le=10_000)


class SiteUpdate(_In):
    address: str | None = Field(default=None, max_length=500)
    capacity_per_hour: int | None = Field(default=None, gt=0, le=100_000)
    samplers: int | None = Field(default=None, ge=1, le=10_000)
    active: bool | None = None


class SiteRead(BaseModel):
    id: int
    campaign_id: int
    name: str
    jurisdiction_code: str
    address: str
    capacity_per_hour: int
    samplers: int
    active: bool


class SitePage(BaseModel):
    items: list[SiteRead]
    next: str | None


class ExemptionCreate(_In):
    person_id: int
    reason: ExemptionReason
    note: str = Field(default="", max_length=1000)


class ExemptionRead(BaseModel):
    id: int
    round_id: int
    person_id: int
    jurisdiction_code: str
    reason: str
    note: str
    lifted_at: datetime | None
    created_by: str
    created_at: datetime


class ExemptionPage(BaseModel):
    items: list[ExemptionRead]
    next: str | None


# --- tubes and samples ---------------------------------------------------------------------------

class TubeCreate(_In):
    code: str = Field(min_length=1, max_length=40, description="The tube's barcode")
    site_id: int | None = None
    kind: SampleKind = "screening"
    pool_size: int | None = Field(default=None, ge=1, description="Default: the site's area mode (1 for a re-check)")


class TubeRead(BaseModel):
    id: int
    code: str
    round_id: int
    jurisdiction_code: str
    site_id: int | None
    kind: str
    mode: str
    pool_size: int
    members: int
    status: str
    sent_at: datetime | None
    lab_id: str | None
    outcome: str
    min_ct: float | None
    reported_at: datetime | None
    turnaround_hours: float | None


class TubePage(BaseModel):
    items: list[TubeRead]
    next: str | None


class TubeSend(_In):
    lab_id: str | None = Field(default=None, max_length=64)


class SampleCreate(_In):
    person_id: int
    tube_code: str = Field(min_length=1, max_length=40, description="An open tube of the round, or a new one")
    site_id: int | None = None
    collected_at: AwareDatetime | None = Field(default=None, description="Default now")
    collector: str | None = Field(default=None, max_length=64, description="Default the caller")
    kind: SampleKind = "screening"
    repeat_reason: str = Field(default="", max_length=1000,
                               description="Required to sample a person a second time in the round")


class SampleRead(BaseModel):
    id: int
    round_id: int
    person_id: int
    tube_id: int
    tube_code: str
    site_id: int | None
    jurisdiction_code: str
    kind: str
    collected_at: datetime
    collector: str
    repeat_reason: str
    status: str


class SampleBulk(_In):
    items: list[SampleCreate] = Field(min_length=1, max_length=5000)


class SampleBulkResult(BaseModel):
    created: int
    tubes_opened: int


# --- results and resolution ----------------------------------------------------------------------

class RowProblem(BaseModel):
    row: int
    field: str | None
    message: str


class UploadReport(BaseModel):
    file: str
    format: str
    sha256: str
    rows: int
    stored: int
    existing: int
    already_imported: bool
    rounds: list[int]
    resolution: list[dict]


class ResolutionRead(BaseModel):
    round_id: int
    resolved_at: datetime | None
    summary: dict | None
    recheck_summary: dict | None = None
    tubes_by_outcome: dict[str, int]
    samples_by_status: dict[str, int]
    isolations_by_status: dict[str, int]
    new_isolations: int = 0
    new_tasks: int = 0
    cases: list[int] = []


# --- coverage, untested, positive pools, isolations ------------------------------------------

class GridRow(BaseModel):
    jurisdiction_code: str
    roster: int
    exempt: int
    sampled: int
    untested: int
    coverage: float | None
    cleared: int
    recheck: int
    tubes: int
    tubes_pending: int
    turnaround_within: dict[str, int]
    positive_pools_open: int


class CoverageRead(BaseModel):
    round_id: int
    level: str | None
    targets_hours: list[float]
    totals: GridRow
    grids: list[GridRow]
    turnaround: dict | None


class UntestedItem(BaseModel):
    person: PersonRead
    grid_code: str


class UntestedPage(BaseModel):
    items: list[UntestedItem]
    next: str | None


class IsolationRead(BaseModel):
    id: int
    round_id: int
    person_id: int
    person_name: str
    jurisdiction_code: str
    tube_id: int
    tube_code: str
    reason: str
    status: str
    started_at: datetime
    recheck_due_at: datetime | None
    ended_at: datetime | None
    case_id: int | None


class IsolationPage(BaseModel):
    items: list[IsolationRead]
    next: str | None


class PositivePool(BaseModel):
    tube: TubeRead
    members: list[IsolationRead]
    awaiting_recheck: int


class PositivePoolPage(BaseModel):
    items: list[PositivePool]
    next: str | None
