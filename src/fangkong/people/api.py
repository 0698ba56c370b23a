from __future__ import annotations

from fastapi import APIRouter, Query

from fangkong.deps import ApiActor, SessionDep, SettingsDep
from fangkong.people import dedup, service as people
from fangkong.people.schemas import (
    DuplicatePage, DuplicateRead, MergeRequest, PersonCreate, PersonPage, PersonRead, PersonUpdate,
)

router = APIRouter(prefix="/persons", tags=["persons"])


@router.get("", response_model=PersonPage)
def search_persons(session: SessionDep, actor: ApiActor, settings: SettingsDep, q: str | None = None,
                   jurisdiction_code: str | None = None, limit: int = Query(50, ge=1, le=1000),
                   cursor: str | None = None, unmask: bool = False) -> PersonPage:
    """Search by ID number, phone or name prefix; ID numbers and phones masked unless `unmask` (audited)."""
    items, nxt = people.search(session=session, actor=actor, q=q, jurisdiction_code=jurisdiction_code,
                               limit=min(limit, settings.page_size_max), cursor=cursor, unmask=unmask)
    return PersonPage(items=items, next=nxt)


@router.post("", response_model=PersonRead, status_code=201)
def create_person(data: PersonCreate, session: SessionDep, actor: ApiActor) -> PersonRead:
    person = people.create(session=session, actor=actor, data=data)
    return people.to_read(person)


@router.get("/duplicates", response_model=DuplicatePage)
def list_duplicates(session: SessionDep, actor: ApiActor, status: str = "open",
                    limit: int = Query(50, ge=1, le=200), cursor: str | None = None) -> DuplicatePage:
    rows, nxt = dedup.list_candidates(session=session, actor=actor, status=status, limit=limit, cursor=cursor)
    return DuplicatePage(items=[DuplicateRead(id=c.id, score=c.score, reasons=c.reasons, status=c.status,
                                              person_a=people.to_read(a), person_b=people.to_read(b))
                                for c, a, b in rows], next=nxt)


@router.post("/duplicates/{candidate_id}/dismiss")
def dismiss_duplicate(candidate_id: int, session: SessionDep, actor: ApiActor) -> dict:
    cand = dedup.dismiss(session=session, actor=actor, candidate_id=candidate_id)
    return {"id": cand.id, "status": cand.status}


@router.post("/merge", response_model=PersonRead)
def merge_persons(data: MergeRequest, session: SessionDep, actor: ApiActor) -> PersonRead:
    keep = dedup.merge(session=session, actor=actor, keep_id=data.keep_id, merge_id=data.merge_id)
    return people.to_read(keep)


@router.get("/{person_id}", response_model=PersonRead)
def get_person(person_id: int, session: SessionDep, actor: ApiActor, unmask: bool = False) -> PersonRead:
    return people.read(session=session, actor=actor, person_id=person_id, unmask=unmask)


@router.patch("/{person_id}", response_model=PersonRead)
def update_person(person_id: int, data: PersonUpdate, session: SessionDep, actor: ApiActor) -> PersonRead:
    return people.to_read(people.update(session=session, actor=actor, person_id=person_id, data=data))
