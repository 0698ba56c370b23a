"""/api/v1/profiles: the shipped profiles, their diff, a jurisdiction's effective profile and its history."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from fastapi import APIRouter

from fangkong.authz import require
from fangkong.deps import ApiActor, SessionDep
from fangkong.geo import service as geo
from fangkong.protocols import loader, service
from fangkong.protocols.diff import diff
from fangkong.protocols.effective import EffectiveProfile
from fangkong.protocols.schemas import (
    DiffRead, DiffRowRead, EffectiveRead, EffectiveValueRead, HistoryItem, HistoryPage, IgnoredOverride,
    OverrideCreate, ProfileList, ProfileRead, ProvenanceRead, SelectionCreate, read, summary,
)

router = APIRouter(prefix="/profiles", tags=["profiles"])


@router.get("", response_model=ProfileList)
def list_profiles(actor: ApiActor) -> ProfileList:
    """The shipped protocol profiles, oldest edition first."""
    require(actor, "profile.read")
    return ProfileList(items=[summary(p) for p in loader.list_profiles()])


@router.get("/diff", response_model=DiffRead)
def profile_diff(actor: ApiActor, a: str, b: str, changed_only: bool = False) -> DiffRead:
    """Side by side: every value of profile `a` and profile `b`, `changed` where they differ."""
    require(actor, "profile.read")
    rows = diff(loader.get_profile(a), loader.get_profile(b), changed_only=changed_only)
    return DiffRead(a=a, b=b, changed=sum(r.changed for r in rows),
                    rows=[DiffRowRead(**asdict(r)) for r in rows])


@router.get("/effective", response_model=EffectiveRead)
def effective_profile(session: SessionDep, actor: ApiActor, jurisdiction_code: str,
                      at: datetime | None = None) -> EffectiveRead:
    """The profile in force for a jurisdiction at `at` (default now), with where each value came from."""
    require(actor, "profile.read", geo.get_in_scope(session=session, actor=actor, code=jurisdiction_code))
    return effective_read(service.effective_profile(session=session, jurisdiction_code=jurisdiction_code, at=at))


@router.get("/history", response_model=HistoryPage)
def profile_history(session: SessionDep, actor: ApiActor, jurisdiction_code: str) -> HistoryPage:
    """Selections and overrides of the jurisdiction and its ancestors, newest first."""
    entries = service.history(session=session, actor=actor, jurisdiction_code=jurisdiction_code)
    return HistoryPage(items=[HistoryItem(**asdict(e)) for e in entries])


@router.post("/selections", response_model=HistoryItem, status_code=201)
def select_profile(data: SelectionCreate, session: SessionDep, actor: ApiActor) -> HistoryItem:
    row = service.select_profile(session=session, actor=actor, **data.model_dump())
    return HistoryItem(**asdict(service.as_entry(row)))


@router.post("/overrides", response_model=HistoryItem, status_code=201)
def override_value(data: OverrideCreate, session: SessionDep, actor: ApiActor) -> HistoryItem:
    row = service.override_value(session=session, actor=actor, **data.model_dump())
    return HistoryItem(**asdict(service.as_entry(row)))


@router.get("/{profile_id}", response_model=ProfileRead)
def get_profile(profile_id: str, actor: ApiActor) -> ProfileRead:
    """One shipped profile: every value with its unit, source and confirmation, and the source list."""
    require(actor, "profile.read")
    return read(loader.get_profile(profile_id))


def effective_read(profile: EffectiveProfile) -> EffectiveRead:
    basis = profile.basis
    values = []
    for path, value, prov in profile.rows():
        leaf = profile.leaf(path)
        values.append(EffectiveValueRead(path=path, value=value, unit=leaf.unit,
                                         confirmed=leaf.confirmed or prov.source.startswith("override:"),
                                         provenance=ProvenanceRead(**asdict(prov))))
    return EffectiveRead(
        profile_id=profile.profile_id, title_zh=profile.title_zh, title_en=profile.title_en,
        jurisdiction_code=profile.jurisdiction_code, at=profile.at,
        basis=ProvenanceRead(source=f"profile:{profile.profile_id}", set_at_node=basis.jurisdiction_code,
                             effective_from=basis.effective_from, reason=basis.reason, citation=""),
        values=values,
        ignored=[IgnoredOverride(jurisdiction_code=s.jurisdiction_code, path=s.path, why=why)
                 for s, why in profile.ignored])
