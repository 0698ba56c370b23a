from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from fangkong.people.schemas import PersonCreate, PersonRead

Classification = Literal["suspected", "confirmed", "asymptomatic", "repositive", "excluded"]
Severity = Literal["mild", "moderate", "severe", "critical"]
Origin = Literal["local", "imported", "import_related"]
Outcome = Literal["under_treatment", "recovered", "died"]


class CaseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    person_id: int | None = None
    person: PersonCreate | None = Field(default=None, description="Register the person with the case")
    external_id: str | None = Field(default=None, max_length=40)
    jurisdiction_code: str | None = Field(default=None, description="Defaults to the person's address node")
    classification: Classification
    severity: Severity | None = None
    origin: Origin = "local"
    onset_date: date | None = None
    sampling_date: date | None = None
    diagnosed_at: AwareDatetime | None = None
    reported_at: AwareDatetime | None = None
    outcome: Outcome = "under_treatment"
    outcome_date: date | None = None
    notes: str = Field(default="", max_length=4000)


class CaseUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    jurisdiction_code: str | None = None
    origin: Origin | None = None
    onset_date: date | None = None
    sampling_date: date | None = None
    diagnosed_at: AwareDatetime | None = None
    reported_at: AwareDatetime | None = None
    outcome: Outcome | None = None
    outcome_date: date | None = None
    notes: str | None = Field(default=None, max_length=4000)
    version: int | None = None


class ClassifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    classification: Classification
    severity: Severity | None = None
    reason: str = Field(default="", max_length=1000)
    version: int | None = Field(default=None, description="The version read; a stale one is refused (409)")


class ClassificationChangeRead(BaseModel):
    from_classification: str | None
    from_severity: str | None
    to_classification: str
    to_severity: str | None
    reason: str
    changed_by: str
    changed_at: datetime


class CaseListItem(BaseModel):
    id: int
    external_id: str | None
    person_id: int
    person_name: str
    classification: str
    severity: str | None
    origin: str
    jurisdiction_code: str
    onset_date: date | None
    diagnosed_at: datetime | None
    report_date: date | None
    report_status: str | None
    outcome: str


class CaseRead(CaseListItem):
    sampling_date: date | None
    reported_at: datetime | None
    report_deadline_at: datetime | None
    outcome_date: date | None
    notes: str
    version: int
    person: PersonRead
    history: list[ClassificationChangeRead]


class CasePage(BaseModel):
    items: list[CaseListItem]
    next: str | None
