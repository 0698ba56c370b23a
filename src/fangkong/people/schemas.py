from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Sex = Literal["male", "female", "unknown"]
DocType = Literal["passport", "hk_macao_permit", "taiwan_permit", "foreign_permanent_id", "other"]


class PersonCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100)
    sex: Sex = "unknown"
    birth_date: date | None = None
    resident_id: str | None = Field(default=None, max_length=18)
    doc_type: DocType | None = None
    doc_number: str | None = Field(default=None, max_length=40)
    phone: str | None = Field(default=None, max_length=20)
    jurisdiction_code: str = Field(min_length=6, max_length=15)
    address: str = Field(default="", max_length=500)


class PersonUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=100)
    sex: Sex | None = None
    birth_date: date | None = None
    resident_id: str | None = Field(default=None, max_length=18)
    doc_type: DocType | None = None
    doc_number: str | None = Field(default=None, max_length=40)
    phone: str | None = Field(default=None, max_length=20)
    jurisdiction_code: str | None = Field(default=None, min_length=6, max_length=15)
    address: str | None = Field(default=None, max_length=500)
    version: int | None = Field(default=None, description="The version read; a stale one is refused (409)")


class PersonRead(BaseModel):
    id: int
    name: str
    sex: str
    birth_date: date | None
    resident_id: str | None
    doc_type: str | None
    doc_number: str | None
    phone: str | None
    jurisdiction_code: str
    address: str
    merged_into_id: int | None
    version: int
    masked: bool


class PersonPage(BaseModel):
    items: list[PersonRead]
    next: str | None


class DuplicateRead(BaseModel):
    id: int
    score: float
    reasons: str
    status: str
    person_a: PersonRead
    person_b: PersonRead


class DuplicatePage(BaseModel):
    items: list[DuplicateRead]
    next: str | None


class MergeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    keep_id: int
    merge_id: int
