"""Request and response bodies of the chains and clusters API (links, chains, graph, timeline,
serial intervals, attack rates, clusters)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from fangkong.tracing.schemas import Setting, _In, _Out

Certainty = Literal["confirmed", "probable", "possible"]
ClusterKind = Literal["venue", "household", "workplace", "school", "other"]
ClusterStatus = Literal["signal", "cluster", "closed"]


# --- links -------------------------------------------------------------------------------------

class LinkCreate(_In):
    infector_case_id: int
    infectee_case_id: int
    certainty: Certainty
    setting: Setting | None = None
    venue_id: int | None = None
    notes: str = Field(default="", max_length=4000)
    second_infector: bool = Field(
        default=False, description="Record a further candidate infector of a case that already has one")


class LinkUpdate(_In):
    certainty: Certainty | None = None
    setting: Setting | None = None
    venue_id: int | None = None
    notes: str | None = Field(default=None, max_length=4000)


class LinkRead(_Out):
    id: int
    infector_case_id: int
    infectee_case_id: int
    certainty: str
    setting: str | None
    venue_id: int | None
    notes: str
    created_by: str
    created_at: datetime


class LinkPage(BaseModel):
    items: list[LinkRead]
    next: str | None = None


# --- chains ------------------------------------------------------------------------------------

class ChainSummary(BaseModel):
    key: int = Field(description="The chain's smallest case id: its name")
    size: int
    links: int
    roots: list[int] = Field(description="Cases nobody in the chain infected (index cases), at most 20")
    root_count: int
    depth: int = Field(description="Highest generation (roots are generation 0)")
    cyclic: bool = Field(description="Some cases reach no root through their primary infectors")
    first_onset: date | None
    last_onset: date | None


class ChainPage(BaseModel):
    items: list[ChainSummary]
    total_chains: int
    total_cases: int
    next: str | None = None


class ChainMember(BaseModel):
    case_id: int
    generation: int
    infector_case_id: int | None = Field(description="The primary infector")
    candidate_infectors: list[int] = Field(description="Every infector linked to the case")
    root_case_id: int | None
    classification: str
    jurisdiction_code: str
    onset_date: date | None
    sampling_date: date | None
    diagnosed_at: datetime | None
    report_date: date | None


class TimelinePage(BaseModel):
    chain: ChainSummary
    items: list[ChainMember]
    next: str | None = None


class GraphNode(BaseModel):
    id: str
    name: str
    kind: Literal["case", "generation", "chain", "size_group"]
    category: int
    value: int = Field(description="Cases the node stands for")
    case_id: int | None = None
    chain_key: int | None = None
    generation: int | None = None
    generation_max: int | None = None
    chains: int = 0
    size_min: int | None = None
    size_max: int | None = None
    classification: str | None = None
    onset_date: date | None = None


class GraphLink(BaseModel):
    source: str
    target: str
    value: int = Field(description="Links the edge stands for")
    certainty: str | None = None
    primary: bool | None = None


class Graph(BaseModel):
    mode: Literal["full", "aggregated"]
    node_limit: int
    total_cases: int
    total_chains: int
    full_chains: int
    generation_chains: int
    summarised_chains: int
    grouping: str
    categories: list[dict]
    nodes: list[GraphNode]
    links: list[GraphLink]


# --- serial intervals and attack rates ---------------------------------------------------------

class NormalFitRead(BaseModel):
    family: str = "normal"
    mean: float
    sd: float
    log_likelihood: float


class SerialIntervals(BaseModel):
    pairs: int = Field(description="Links in scope whose two cases both have an onset date")
    links_without_onsets: int
    mean: float | None
    sd: float | None
    mean_ci: tuple[float, float] | None
    sd_ci: tuple[float, float] | None
    median: float | None
    q25: float | None
    q75: float | None
    minimum: int | None
    maximum: int | None
    negative: int
    zero: int
    fit: NormalFitRead | None
    bootstrap_mean_ci: tuple[float, float] | None = None
    bootstrap_sd_ci: tuple[float, float] | None = None
    histogram: list[dict] = Field(description="[{days, pairs}]")


class AttackRateRow(BaseModel):
    group: str
    followed: int
    converted: int
    rate: float | None
    low: float | None
    high: float | None


class AttackRates(BaseModel):
    by: Literal["setting", "category"]
    method: str
    confidence: float
    contacts: int = Field(description="Contacts in scope that match the filters")
    still_followed: int = Field(description="Contacts without an outcome yet (not in the denominator)")
    lost: int = Field(description="Contacts lost to follow-up (not in the denominator)")
    rows: list[AttackRateRow]


# --- clusters ----------------------------------------------------------------------------------

class ClusterCreate(_In):
    name: str = Field(min_length=1, max_length=200)
    kind: ClusterKind
    jurisdiction_code: str | None = Field(default=None, description="Default: the venue's, else the first case's")
    venue_id: int | None = None
    household_code: str | None = Field(default=None, max_length=40)
    case_ids: list[int] = Field(default_factory=list, max_length=5000)
    notes: str = Field(default="", max_length=4000)


class ClusterUpdate(_In):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: ClusterKind | None = None
    notes: str | None = Field(default=None, max_length=4000)


class ClusterStatusChange(_In):
    status: ClusterStatus
    reason: str = Field(default="", max_length=1000)


class ClusterCases(_In):
    case_ids: list[int] = Field(min_length=1, max_length=5000)


class ClusterRead(_Out):
    id: int
    name: str
    kind: str
    venue_id: int | None
    household_code: str | None
    jurisdiction_code: str
    status: str
    opened_at: datetime
    closed_at: datetime | None
    notes: str
    case_count: int = 0
    case_ids: list[int] = Field(default_factory=list)
    first_case_date: date | None = None
    last_case_date: date | None = None


class ClusterPage(BaseModel):
    items: list[ClusterRead]
    next: str | None = None


class DetectResult(BaseModel):
    created: list[int]
    extended: list[int]
    cases_added: int
