from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Query, Response

from fangkong.cases import service as cases
from fangkong.cases.export import export_csv
from fangkong.cases.schemas import CaseCreate, CasePage, CaseRead, CaseUpdate, ClassifyRequest
from fangkong.deps import ApiActor, SessionDep, SettingsDep

router = APIRouter(prefix="/cases", tags=["cases"])


@router.get("", response_model=CasePage)
def list_cases(
    session: SessionDep, actor: ApiActor, settings: SettingsDep,
    classification: list[str] | None = Query(None), jurisdiction_code: str | None = None,
    date_field: Literal["onset", "report"] = "onset", date_from: date | None = None, date_to: date | None = None,
    q: str | None = None, report_status: Literal["met", "late", "open"] | None = None,
    limit: int = Query(50, ge=1, le=1000), cursor: str | None = None,
) -> CasePage:
    """Cases in the caller's jurisdiction, newest first; page on with `cursor` = the previous `next`."""
    items, nxt = cases.list_cases(
        session=session, actor=actor, limit=min(limit, settings.page_size_max), cursor=cursor,
        classification=classification, jurisdiction_code=jurisdiction_code, date_field=date_field,
        date_from=date_from, date_to=date_to, q=q, report_status=report_status,
    )
    return CasePage(items=items, next=nxt)


@router.get("/export.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def export_cases(
    session: SessionDep, actor: ApiActor,
    classification: list[str] | None = Query(None), jurisdiction_code: str | None = None,
    date_field: Literal["onset", "report"] = "onset", date_from: date | None = None, date_to: date | None = None,
    q: str | None = None, report_status: Literal["met", "late", "open"] | None = None, unmask: bool = False,
) -> Response:
    """The filtered line list as CSV; ID numbers and phones masked unless `unmask` (permission, audited)."""
    text, _ = export_csv(session=session, actor=actor, unmask=unmask, classification=classification,
                         jurisdiction_code=jurisdiction_code, date_field=date_field, date_from=date_from,
                         date_to=date_to, q=q, report_status=report_status)
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="cases.csv"'})


@router.post("", response_model=CaseRead, status_code=201)
def create_case(data: CaseCreate, session: SessionDep, actor: ApiActor) -> CaseRead:
    case = cases.create(session=session, actor=actor, data=data)
    return cases.read(session=session, actor=actor, case_id=case.id)


@router.get("/{case_id}", response_model=CaseRead)
def get_case(case_id: int, session: SessionDep, actor: ApiActor, unmask: bool = False) -> CaseRead:
    return cases.read(session=session, actor=actor, case_id=case_id, unmask=unmask)


@router.patch("/{case_id}", response_model=CaseRead)
def update_case(case_id: int, data: CaseUpdate, session: SessionDep, actor: ApiActor) -> CaseRead:
    cases.update(session=session, actor=actor, case_id=case_id, data=data)
    return cases.read(session=session, actor=actor, case_id=case_id)


@router.post("/{case_id}/classification", response_model=CaseRead)
def classify_case(case_id: int, data: ClassifyRequest, session: SessionDep, actor: ApiActor) -> CaseRead:
    cases.classify(session=session, actor=actor, case_id=case_id, data=data)
    return cases.read(session=session, actor=actor, case_id=case_id)
