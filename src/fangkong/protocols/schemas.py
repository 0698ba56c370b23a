"""API shapes of protocol profiles, effective profiles and their history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from fangkong.protocols.diff import flatten
from fangkong.protocols.schema import Profile


class ProfileSummary(BaseModel):
    id: str
    title_zh: str
    title_en: str
    effective: date
    supersedes: str | None
    summary: str
    values: int = Field(description="number of rule values")
    unconfirmed: int = Field(description="values the research notes mark as unconfirmed (◦)")


class ProfileList(BaseModel):
    items: list[ProfileSummary]


class SourceRead(BaseModel):
    title: str
    url: str


class ValueRead(BaseModel):
    path: str
    value: Any
    unit: str | None
    source: str
    citation: str
    confirmed: bool
    note: str


class ProfileRead(ProfileSummary):
    sources: dict[str, SourceRead]
    rows: list[ValueRead]


class DiffRowRead(BaseModel):
    path: str
    a: Any
    b: Any
    unit: str | None
    changed: bool


class DiffRead(BaseModel):
    a: str
    b: str
    changed: int
    rows: list[DiffRowRead]


class ProvenanceRead(BaseModel):
    source: str = Field(description="'profile:ID' or 'override:CODE'")
    set_at_node: str | None
    effective_from: datetime | None
    reason: str
    citation: str


class EffectiveValueRead(BaseModel):
    path: str
    value: Any
    unit: str | None
    confirmed: bool
    provenance: ProvenanceRead


class IgnoredOverride(BaseModel):
    jurisdiction_code: str
    path: str
    why: str


class EffectiveRead(BaseModel):
    profile_id: str
    title_zh: str
    title_en: str
    jurisdiction_code: str
    at: datetime
    basis: ProvenanceRead
    values: list[EffectiveValueRead]
    ignored: list[IgnoredOverride]


class SelectionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    jurisdiction_code: str
    profile_id: str
    effective_from: date | datetime | None = Field(
        default=None, description="a date (local midnight of the jurisdiction) or a time; default now")
    reason: str = Field(max_length=2000)


class OverrideCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    jurisdiction_code: str
    path: str = Field(max_length=200)
    value: Any = Field(description="in the field's canonical unit, or {value, unit}; null withdraws the node's override")
    effective_from: date | datetime | None = None
    reason: str = Field(max_length=2000)


class HistoryItem(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    id: int
    jurisdiction_code: str
    profile_id: str | None
    path: str | None
    value: Any
    reason: str
    effective_from: datetime
    set_by: str
    set_at: datetime


class HistoryPage(BaseModel):
    items: list[HistoryItem]


def summary(profile: Profile) -> ProfileSummary:
    leaves = flatten(profile).values()
    return ProfileSummary(id=profile.id, title_zh=profile.title_zh, title_en=profile.title_en,
                          effective=profile.effective, supersedes=profile.supersedes, summary=profile.summary,
                          values=len(leaves), unconfirmed=sum(1 for leaf in leaves if not leaf.confirmed))


def read(profile: Profile) -> ProfileRead:
    rows = [ValueRead(path=p, value=leaf.value, unit=leaf.unit, source=leaf.source, citation=leaf.citation,
                      confirmed=leaf.confirmed, note=leaf.note) for p, leaf in flatten(profile).items()]
    sources = {k: SourceRead(title=v.title, url=v.url) for k, v in profile.sources.items()}
    return ProfileRead(**summary(profile).model_dump(), sources=sources, rows=rows)
